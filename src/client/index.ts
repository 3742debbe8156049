export { createApi, ApiError, type Api, type ClientOptions } from './api.ts';
export { subscribe, type ConnectionState, type EndReason, type Subscription, type SubscribeOptions } from './subscribe.ts';
