// MAX_STREAMS_PER_USER counted across instances (REDIS_URL). Each user has one Redis sorted set of the
// streams open anywhere, `<prefix>streams:<userId>`: a member per stream, named by its open time (Redis's
// clock, so the instances' clocks need not agree) and its instance, scored by its expiry. The instance that
// holds a stream refreshes its expiry once per heartbeat period; a dead instance's streams are not refreshed
// and stop counting after STREAM_TTL_PERIODS heartbeat periods (the key itself expires with them).
//
// At the cap, a new stream evicts the oldest streams, wherever they are, as one instance does (the oldest
// goes, told `evicted`, so two clients cannot evict each other forever). A local one is closed at once. A
// remote one is struck from the set and written to the user's eviction list; its instance reads that at its
// next refresh and closes the stream with `evicted`. So for up to one heartbeat period the user may hold one
// stream more than the cap on a remote instance: a bounded overshoot, bought instead of a message through
// the bus to the owner (every bus would need one more kind of message) and instead of refusing the new stream
// with 429 (which would lock a user out behind a stale tab on another instance, and differ from one
// instance's rule). A member that merely expired (a Redis outage, a stalled refresh) is added back, never
// evicted: only an explicit eviction closes a stream.
//
// Redis unreachable: streams open and live as on one instance (the hub's own cap still holds per instance).
import type { Redis } from 'ioredis';

/** A stream stops counting after this many heartbeat periods without a refresh (one lost refresh is tolerated). */
export const STREAM_TTL_PERIODS = 2;

// KEYS: the user's set, its eviction list. ARGV: ttl ms, cap, this stream's suffix (instance:seq).
// Returns the new member, then the evicted members (oldest first).
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local member = t[1] .. string.format('%06d', tonumber(t[2])) .. ':' .. ARGV[3]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + ttl, member)
redis.call('PEXPIRE', KEYS[1], ttl)
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
local over = #members - tonumber(ARGV[2])
local out = { member }
if over <= 0 then return out end
table.sort(members)
for i = 1, #members do
  if over <= 0 then break end
  if members[i] ~= member then
    redis.call('ZREM', KEYS[1], members[i])
    redis.call('SADD', KEYS[2], members[i])
    table.insert(out, members[i])
    over = over - 1
  end
end
redis.call('PEXPIRE', KEYS[2], ttl * 2)
return out
`;

// KEYS: the user's set, its eviction list. ARGV: ttl ms, then this instance's members for the user.
// Renews each member (adding back one that expired); returns those evicted by another instance.
const REFRESH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local evicted = {}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 2, #ARGV do
  if redis.call('SREM', KEYS[2], ARGV[i]) == 1 then
    table.insert(evicted, ARGV[i])
  else
    redis.call('ZADD', KEYS[1], now + ttl, ARGV[i])
  end
end
redis.call('PEXPIRE', KEYS[1], ttl)
return evicted
`;

type Counted = { userId: string; member: string | undefined; evict: () => void; gone: boolean };

export type StreamCap = ReturnType<typeof createStreamCap>;

export function createStreamCap(options: {
  redis: Redis;
  keyPrefix: string;
  cap: number;
  heartbeatMs: number;
  instance: string;
  log: (err: unknown, msg: string) => void;
}) {
  const { redis, cap, instance, log } = options;
  const ttl = options.heartbeatMs * STREAM_TTL_PERIODS;
  const keys = (userId: string) => [`${options.keyPrefix}streams:${userId}`, `${options.keyPrefix}streams-evicted:${userId}`];
  /** This instance's counted streams by member, and by user for the refresh. */
  const byMember = new Map<string, Counted>();
  const byUser = new Map<string, Set<Counted>>();
  let seq = 0;

  function close(c: Counted) {
    if (c.gone) return;
    c.gone = true;
    const set = byUser.get(c.userId);
    set?.delete(c);
    if (set?.size === 0) byUser.delete(c.userId);
    if (c.member === undefined) return;
    byMember.delete(c.member);
    redis.zrem(keys(c.userId)[0], c.member).catch(() => undefined);
  }

  function evicted(members: string[]) {
    for (const m of members) {
      const c = byMember.get(m);
      if (c) c.evict(); // the transport's close ends in close(c) through the detach function
    }
  }

  async function refresh() {
    // One script call per user with streams here; a few hundred users a period is a few hundred round trips
    // spread over the period, pipelined by ioredis.
    await Promise.all(
      [...byUser].map(async ([userId, set]) => {
        const members = [...set].flatMap((c) => (c.member === undefined ? [] : [c.member]));
        if (members.length === 0) return;
        evicted((await redis.eval(REFRESH, 2, ...keys(userId), ttl, ...members)) as string[]);
      }),
    );
  }

  let refreshing = false;
  const timer = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    refresh()
      .catch((err: unknown) => log(err, 'stream count refresh failed'))
      .finally(() => (refreshing = false));
  }, options.heartbeatMs);
  timer.unref();

  return {
    /**
     * Counts a stream that has just opened; `evict` closes it as evicted. Returns what forgets it (call it
     * when the stream closes, for whatever reason).
     */
    opened(userId: string, evict: () => void): () => void {
      const c: Counted = { userId, member: undefined, evict, gone: false };
      let set = byUser.get(userId);
      if (!set) byUser.set(userId, (set = new Set()));
      // The hub has just evicted its oldest streams past the cap (src/notify/hub.ts); forget them before this
      // stream is counted, or they would count once more and evict a remote stream too. Same order: opens.
      for (const old of set) {
        if (set.size < cap) break;
        close(old);
      }
      set.add(c);
      redis.eval(ADMIT, 2, ...keys(userId), ttl, cap, `${instance}:${++seq}`).then(
        (out) => {
          const [member, ...older] = out as string[];
          c.member = member;
          if (c.gone) {
            redis.zrem(keys(userId)[0], member).catch(() => undefined);
            return;
          }
          byMember.set(member, c);
          evicted(older);
        },
        (err: unknown) => log(err, 'stream count unavailable: counted on this instance only'),
      );
      return () => close(c);
    },
    stats: () => ({ counted: byMember.size, users: byUser.size }),
    close() {
      clearInterval(timer);
    },
  };
}
