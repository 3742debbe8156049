// The typed HTTP client: one method per route, types from src/contract. Works in browsers (cookie
// session, same origin) and in Node (Bearer token).
import type {
  AuthResponse,
  BalancesResponse,
  Bill,
  BillsResponse,
  CreateBillBody,
  CreatePaymentBody,
  Group,
  HistoryResponse,
  Payment,
  PaymentsResponse,
  UpdateBillBody,
  NotificationsResponse,
  Problem,
  ReadBody,
  User,
} from '../contract/schemas.ts';
import type { AddMemberBody } from '../contract/schemas.ts';
import type { CreatedInvite, InvitePreview, OpenInvite } from '../contract/invites.ts';
import type { ActivityResponse } from '../contract/activity.ts';

// Web Push and notification preferences (issue 14). Plain types, exactly the routes' JSON.
/** The browser's PushSubscription.toJSON(). */
export type PushSubscriptionBody = { endpoint: string; expirationTime?: number | null; keys: { p256dh: string; auth: string } };
/** One of the caller's devices, as the server stores it. */
export type PushDevice = { id: string; endpoint: string; createdAt: string };
export type ChannelPreference = { push: boolean; email: boolean };
/** Every stored notification type, each with its channels. */
export type NotificationPreferences = Record<string, ChannelPreference>;

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }
}

export type ClientOptions = {
  /** '' in a browser (same origin), e.g. 'http://127.0.0.1:3000' in Node. */
  baseUrl?: string;
  /** Bearer token; browsers use the HttpOnly session cookie instead. */
  token?: string;
  fetch?: typeof fetch;
  /** Keep the token from register/login and send it as Bearer (default: outside browsers). */
  bearer?: boolean;
};

export function createApi(options: ClientOptions = {}) {
  const base = options.baseUrl ?? '';
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  let token = options.token;
  const keepToken = options.bearer ?? typeof document === 'undefined';

  async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await doFetch(base + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      throw new ApiError(
        parsed && typeof parsed === 'object' && 'status' in parsed
          ? (parsed as Problem)
          : { type: 'about:blank', title: res.statusText, status: res.status, detail: text, code: 'unknown' },
      );
    }
    return parsed as T;
  }
  const q = (params: Record<string, string | number | undefined>) => {
    const s = new URLSearchParams(
      Object.entries(params)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    ).toString();
    return s ? `?${s}` : '';
  };
  const enc = encodeURIComponent;

  return {
    get token() {
      return token;
    },
    async register(name: string, email: string, password: string): Promise<AuthResponse> {
      const r = await request<AuthResponse>('POST', '/api/auth/register', { name, email, password });
      if (keepToken) token = r.token;
      return r;
    },
    async login(email: string, password: string): Promise<AuthResponse> {
      const r = await request<AuthResponse>('POST', '/api/auth/login', { email, password });
      if (keepToken) token = r.token;
      return r;
    },
    /** Use the token from register/login for later calls (Node clients). */
    useToken(t: string | undefined) {
      token = t;
    },
    logout: () => request<void>('POST', '/api/auth/logout'),
    /** Ends every session of the account, this one included. */
    logoutAll: () => request<void>('POST', '/api/auth/logout-all'),
    /** Keeps this session; every other session of the account ends. */
    changePassword: (current: string, next: string) => request<void>('POST', '/api/auth/password', { current, next }),
    me: () => request<{ user: User }>('GET', '/api/me'),
    /** Who is signed in, or null: 200 either way. */
    session: () => request<{ user: User | null }>('GET', '/api/session'),
    createGroup: (name: string, currency?: string) =>
      request<{ group: Group }>('POST', '/api/groups', currency ? { name, currency } : { name }),
    listGroups: () => request<{ groups: Group[] }>('GET', '/api/groups'),
    getGroup: (groupId: string) => request<{ group: Group }>('GET', `/api/groups/${enc(groupId)}`),
    /** By address (an account, or a pending member for an address with none), or `{name}` for a pending member without one. */
    addMember: (groupId: string, who: string | AddMemberBody) =>
      request<{ group: Group }>('POST', `/api/groups/${enc(groupId)}/members`, typeof who === 'string' ? { email: who } : who),
    /** Leave (your own id) or remove a pending member; 409 balance_not_settled while they owe or are owed. */
    removeMember: (groupId: string, userId: string) => request<void>('DELETE', `/api/groups/${enc(groupId)}/members/${enc(userId)}`),
    activity: (groupId: string, page: { limit?: number; before?: string } = {}) =>
      request<ActivityResponse>('GET', `/api/groups/${enc(groupId)}/activity${q(page)}`),
    createInvite: (groupId: string, expiresInDays?: number) =>
      request<{ invite: CreatedInvite }>(
        'POST',
        `/api/groups/${enc(groupId)}/invites`,
        expiresInDays === undefined ? {} : { expiresInDays },
      ),
    listInvites: (groupId: string) => request<{ invites: OpenInvite[] }>('GET', `/api/groups/${enc(groupId)}/invites`),
    revokeInvite: (inviteId: string) => request<void>('DELETE', `/api/invites/${enc(inviteId)}`),
    /** What an invite link shows; needs no session. */
    previewInvite: (token: string) => request<InvitePreview>('GET', `/api/invites/${enc(token)}`),
    /** Joins the invite's group, or becomes its pending member `memberId` (one without an email). */
    acceptInvite: (token: string, memberId?: string) =>
      request<{ group: Group }>('POST', `/api/invites/${enc(token)}/accept`, memberId === undefined ? {} : { memberId }),
    createBill: (groupId: string, body: CreateBillBody, idempotencyKey?: string) =>
      request<{ bill: Bill }>(
        'POST',
        `/api/groups/${enc(groupId)}/bills`,
        body,
        idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      ),
    listBills: (groupId: string, page: { limit?: number; cursor?: string } = {}) =>
      request<BillsResponse>('GET', `/api/groups/${enc(groupId)}/bills${q(page)}`),
    getBill: (billId: string) => request<{ bill: Bill }>('GET', `/api/bills/${enc(billId)}`),
    payBill: (billId: string, idempotencyKey?: string) =>
      request<{ bill: Bill }>(
        'POST',
        `/api/bills/${enc(billId)}/pay`,
        undefined,
        idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      ),
    /** An edit names the version it started from (If-Match); a 412 means someone else changed the bill meanwhile. */
    updateBill: (billId: string, version: number, body: UpdateBillBody) =>
      request<{ bill: Bill }>('PATCH', `/api/bills/${enc(billId)}`, body, { 'if-match': `"${version}"` }),
    billHistory: (billId: string) => request<HistoryResponse>('GET', `/api/bills/${enc(billId)}/history`),
    remind: (billId: string, userId?: string) =>
      request<{ reminded: string[] }>('POST', `/api/bills/${enc(billId)}/remind`, userId ? { userId } : {}),
    recordPayment: (groupId: string, body: CreatePaymentBody, idempotencyKey?: string) =>
      request<{ payment: Payment }>(
        'POST',
        `/api/groups/${enc(groupId)}/payments`,
        body,
        idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      ),
    listPayments: (groupId: string, page: { limit?: number; cursor?: string } = {}) =>
      request<PaymentsResponse>('GET', `/api/groups/${enc(groupId)}/payments${q(page)}`),
    confirmPayment: (paymentId: string) => request<{ payment: Payment }>('POST', `/api/payments/${enc(paymentId)}/confirm`),
    disputePayment: (paymentId: string, reason?: string) =>
      request<{ payment: Payment }>('POST', `/api/payments/${enc(paymentId)}/dispute`, reason ? { reason } : {}),
    /** Takes back the caller's "Mark as paid" within the server's undo window (409 undo_window_passed after). */
    unpayBill: (billId: string, idempotencyKey?: string) =>
      request<{ bill: Bill }>(
        'POST',
        `/api/bills/${enc(billId)}/unpay`,
        undefined,
        idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      ),
    deleteBill: (billId: string) => request<void>('DELETE', `/api/bills/${enc(billId)}`),
    balances: (groupId: string) => request<BalancesResponse>('GET', `/api/groups/${enc(groupId)}/balances`),
    notifications: (page: { limit?: number; before?: string } = {}) =>
      request<NotificationsResponse>('GET', `/api/notifications${q(page)}`),
    markRead: (body: ReadBody) => request<void>('POST', '/api/notifications/read', body),
    /** What the user has seen on a visible page (a toast, the open inbox): a push for it is not sent. */
    markSeen: (body: { upTo: string }) => request<void>('POST', '/api/notifications/seen', body),
    /** The deployment's VAPID public key (base64url, uncompressed P-256 point): the applicationServerKey. */
    pushPublicKey: () => request<{ publicKey: string }>('GET', '/api/push/public-key'),
    /** 201 for a new endpoint, 200 when it was known (it is bound to the caller either way). */
    addPushSubscription: (subscription: PushSubscriptionBody) =>
      request<{ subscription: PushDevice }>('POST', '/api/push/subscriptions', subscription),
    pushSubscriptions: () => request<{ subscriptions: PushDevice[] }>('GET', '/api/push/subscriptions'),
    deletePushSubscription: (id: string) => request<void>('DELETE', `/api/push/subscriptions/${enc(id)}`),
    notificationPreferences: () => request<{ preferences: NotificationPreferences }>('GET', '/api/me/notification-preferences'),
    /** A partial object is allowed; the answer is the whole object. */
    setNotificationPreferences: (preferences: Partial<Record<string, Partial<ChannelPreference>>>) =>
      request<{ preferences: NotificationPreferences }>('PUT', '/api/me/notification-preferences', { preferences }),
  };
}

export type Api = ReturnType<typeof createApi>;
