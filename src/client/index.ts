export {
  createApi,
  ApiError,
  type Api,
  type ClientOptions,
  type PushSubscriptionBody,
  type PushDevice,
  type ChannelPreference,
  type NotificationPreferences,
} from './api.ts';
export { subscribe, type ConnectionState, type EndReason, type Subscription, type SubscribeOptions } from './subscribe.ts';
