// Deterministic names for everything the benchmark seeds, so the seeder, the servers and the load generator
// agree on ids and tokens without passing 10,000 of them between processes. Pure: no I/O.
import { parseConfig } from '../src/config.ts';
import { securityHeaders } from '../src/http/security-headers.ts';
import { sseOpening } from '../src/notify/sse.ts';
import { notificationJson as inboxJson } from '../src/present/notifications.ts';
import type { BillEventData } from '../src/contract/events.ts';

/** 20 characters of [0-9a-z], the shape of a real Chipin id (src/domain/ids.ts). */
export const benchId = (prefix: string, i: number) => prefix + i.toString(36).padStart(20 - prefix.length, '0');
const id = benchId;

export const receiverId = (i: number) => id('r', i);
export const ownerId = (k: number) => id('o', k);
export const pairGroupId = (i: number) => id('p', i);
export const FAN_GROUP_ID = id('f', 0);
export const FAN_SIZE = 50;
/** Bills in the targeted phase come from this many owners, round robin (each owns the pair groups i ≡ k). */
export const OWNERS = 20;

/** Bearer tokens: `salt` differs per run, so a token of an old database means nothing. */
export const receiverToken = (salt: string, i: number) => `bench_${salt}_r${i}`;
export const ownerToken = (salt: string, k: number) => `bench_${salt}_o${k}`;
const RECEIVER_TOKEN = /^Bearer bench_[A-Za-z0-9]+_r(\d+)$/;

/** The reference servers' whole "auth": which user an `Authorization` header names (no store, no hashing). */
export function userFromAuthorization(header: string | undefined): number | undefined {
  const m = header === undefined ? null : RECEIVER_TOKEN.exec(header);
  return m ? Number(m[1]) : undefined;
}

/**
 * What each delivered message is tagged with: the bill's description is `<phase>:<seq>`, so the generator
 * can tell which POST a message answers by one regex, on Chipin's real notifications and the references' alike.
 */
export type Phase = 'bench' | 'fan' | 'all' | 'burst';
export const MARKER = /"description":"(bench|fan|all|burst):(\d+)"/;

/** Chipin's POST /bills body for the targeted phase: an equal split between the owner and one receiver. */
export function targetedBill(seq: number, receiver: number) {
  return {
    description: `bench:${seq}`,
    amount: 1000,
    split: { mode: 'equal' as const, among: [ownerId(receiver % OWNERS), receiverId(receiver)] },
  };
}

export function fanBill(seq: number, size: number) {
  const among = [ownerId(0)];
  for (let i = 0; i < size; i++) among.push(receiverId(i));
  return { description: `fan:${seq}`, amount: 100 * (size + 1), split: { mode: 'equal' as const, among } };
}

const CREATED_AT = '2025-01-01T12:00:00.000Z';

/**
 * A bill notification's data exactly as Chipin stores it (src/contract/events.ts BillEventData),
 * so the reference servers send messages of the same size and shape as the real ones.
 */
export function billNotificationData(phase: Phase, seq: number, receiver: number): BillEventData {
  const owner = ownerId(receiver % OWNERS);
  return {
    bill: {
      id: id('b', seq),
      groupId: pairGroupId(receiver),
      ownerId: owner,
      description: `${phase}:${seq}`,
      amount: 1000,
      currency: 'USD',
      // The owner and the receiver; the owner's own part is settled at once.
      shareCount: 2,
      paidCount: 1,
    },
    group: { id: pairGroupId(receiver), name: `Pair ${receiver}` },
    actor: { id: owner, name: `Owner ${receiver % OWNERS}` },
    amount: 500,
  };
}

/** The notification as it goes on the wire (the inbox JSON), built by Chipin's own function from the data text. */
export const notificationJson = (nid: number, data: string) =>
  inboxJson({ userId: '', id: nid, type: 'bill.created', createdAt: CREATED_AT, readAt: null, data });

export const notificationObject = (nid: number, data: object) => ({
  id: String(nid),
  type: 'bill.created',
  createdAt: CREATED_AT,
  readAt: null,
  data,
});

/**
 * The security headers Chipin sends on every response (its own table, at its default settings), sent by
 * the reference SSE servers too, so no server gets a cheaper response head than the service.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = securityHeaders(parseConfig({}));

export const SSE_HEADERS: Record<string, string> = {
  ...SECURITY_HEADERS,
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

export const SSE_OPENING = sseOpening();
