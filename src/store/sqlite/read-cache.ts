// The reads nearly every request makes, kept in memory: a session's user (every authenticated request), a
// group's row and its member list (every bill, payment and balance). Sound only because this process is
// the sole writer of the SQLite file: every change to these rows goes through the ops wrapped here.
//
// The cache holds committed state only. What a job reads is staged and enters the cache when its batch
// commits; what a job changes is dropped at once (so later jobs of the same batch read the database) and
// dropped again at commit (so a read staged earlier in the batch cannot bring the old rows back).
import type { GroupRow, MemberRow, Ops, UserRow } from '../store.ts';

type Session = { user: UserRow; expiresAt: string };
/** The session's user while it has not expired (ISO 8601 UTC strings compare in time order). */
const live = (s: Session, now: string) => (s.expiresAt > now ? s.user : undefined);
type Entry =
  | { kind: 'session'; key: string; value: Session }
  | { kind: 'group'; key: string; value: GroupRow }
  | { kind: 'members'; key: string; value: MemberRow[] };
type Kind = Entry['kind'];

/**
 * A bounded Map: a fixed cost however many users and groups there are. The oldest entry goes first, not
 * the least recently used: reordering on every hit cost 1.5% of POST /bills, and an evicted entry that is
 * still in use is simply read again.
 */
class Bounded<V> {
  readonly #map = new Map<string, V>();
  readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  get(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V) {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.limit) this.#map.delete(this.#map.keys().next().value!);
  }
  delete(key: string) {
    this.#map.delete(key);
  }
  /** A copy, so deleting while walking it is safe. */
  entries(): [string, V][] {
    return [...this.#map.entries()];
  }
  get size() {
    return this.#map.size;
  }
}

export class ReadCache {
  readonly #maps: { [K in Kind]: Bounded<Extract<Entry, { kind: K }>['value']> };
  #staged: Entry[] = [];
  #dropped: { kind: Kind; key: string }[] = [];
  /** Users whose sessions a job of this batch deleted (all but `keep`), keyed by user id. */
  #droppedUsers: { userId: string; keep: string | undefined }[] = [];

  constructor(limit = 1024) {
    this.#maps = { session: new Bounded(limit), group: new Bounded(limit), members: new Bounded(limit) };
  }

  /** Entries held per kind (for tests). */
  sizes() {
    return { session: this.#maps.session.size, group: this.#maps.group.size, members: this.#maps.members.size };
  }

  /** Where a job's staged reads begin: a job that rolls back discards what it staged. */
  mark(): number {
    return this.#staged.length;
  }
  discardSince(mark: number) {
    this.#staged.length = mark;
  }
  /** The batch committed (or ran no transaction): staged reads enter, then every change of the batch drops. */
  commit() {
    for (const e of this.#staged) (this.#maps[e.kind] as Bounded<unknown>).set(e.key, e.value);
    this.#staged = [];
    this.abort();
  }
  /** The batch failed: nothing staged enters; what it changed is dropped all the same. */
  abort() {
    this.#staged = [];
    for (const d of this.#dropped) this.#maps[d.kind].delete(d.key);
    this.#dropped = [];
    for (const d of this.#droppedUsers) this.#dropUserSessions(d.userId, d.keep);
    this.#droppedUsers = [];
  }

  /** Sessions are keyed by token hash: finding a user's means a walk over the (bounded) map. */
  #dropUserSessions(userId: string, keep: string | undefined) {
    const sessions = this.#maps.session;
    for (const [key, value] of sessions.entries()) if (value.user.id === userId && key !== keep) sessions.delete(key);
  }

  #drop(kind: Kind, key: string) {
    this.#maps[kind].delete(key);
    this.#dropped.push({ kind, key });
  }

  /** A hit answered without the database, or undefined on a miss. */
  session(tokenHash: string, now: string): { user: UserRow | undefined } | undefined {
    const s = this.#maps.session.get(tokenHash);
    return s && { user: live(s, now) };
  }
  /** The cached row (expired or not), as findSession answers. */
  sessionRow(tokenHash: string): Session | undefined {
    return this.#maps.session.get(tokenHash);
  }
  group(groupId: string): GroupRow | undefined {
    return this.#maps.group.get(groupId);
  }
  members(groupId: string): MemberRow[] | undefined {
    const m = this.#maps.members.get(groupId);
    return m && [...m];
  }

  #isMember(groupId: string, userId: string): boolean | undefined {
    return this.members(groupId)?.some((m) => m.id === userId);
  }

  /**
   * Reads outside a transaction: a hit answers at once (it holds committed rows only), a miss goes to
   * `queued` (the store's queue, whose ops are the wrapped ones below, so the miss is staged).
   */
  readThrough(queued: Ops): Ops {
    return {
      ...queued,
      sessionUser: (tokenHash, at) => {
        const hit = this.session(tokenHash, at);
        return hit ? Promise.resolve(hit.user) : queued.sessionUser(tokenHash, at);
      },
      findSession: (tokenHash) => {
        const hit = this.sessionRow(tokenHash);
        return hit ? Promise.resolve(hit) : queued.findSession(tokenHash);
      },
      getGroup: (groupId) => {
        const hit = this.group(groupId);
        return hit ? Promise.resolve(hit) : queued.getGroup(groupId);
      },
      listMembers: (groupId) => {
        const hit = this.members(groupId);
        return hit ? Promise.resolve(hit) : queued.listMembers(groupId);
      },
      isMember: (groupId, userId) => {
        const hit = this.#isMember(groupId, userId);
        return hit === undefined ? queued.isMember(groupId, userId) : Promise.resolve(hit);
      },
    };
  }

  /** Ops that read through the cache and drop what they change. */
  wrap(ops: Ops): Ops {
    const wrapped: Ops = {
      ...ops,
      sessionUser: async (tokenHash, now) => {
        const hit = this.session(tokenHash, now);
        if (hit) return hit.user;
        const found = await ops.findSession(tokenHash);
        if (!found) return undefined;
        this.#staged.push({ kind: 'session', key: tokenHash, value: found });
        return live(found, now);
      },
      findSession: async (tokenHash) => {
        const hit = this.sessionRow(tokenHash);
        if (hit) return hit;
        const found = await ops.findSession(tokenHash);
        if (found) this.#staged.push({ kind: 'session', key: tokenHash, value: found });
        return found;
      },
      deleteSession: async (tokenHash) => {
        this.#drop('session', tokenHash);
        await ops.deleteSession(tokenHash);
      },
      // Dropped at once and again at commit, as #drop does: a read of one of them staged earlier in the
      // batch must not bring it back.
      deleteUserSessions: async (userId, keep) => {
        this.#dropUserSessions(userId, keep);
        this.#droppedUsers.push({ userId, keep });
        return ops.deleteUserSessions(userId, keep);
      },
      getGroup: async (groupId) => {
        const hit = this.group(groupId);
        if (hit) return hit;
        const found = await ops.getGroup(groupId);
        // A group's row never changes once created; one not found is not remembered (it may be created).
        if (found) this.#staged.push({ kind: 'group', key: groupId, value: found });
        return found;
      },
      listMembers: async (groupId) => {
        const hit = this.members(groupId);
        if (hit) return hit;
        const found = await ops.listMembers(groupId);
        this.#staged.push({ kind: 'members', key: groupId, value: [...found] });
        return found;
      },
      isMember: async (groupId, userId) => this.#isMember(groupId, userId) ?? ops.isMember(groupId, userId),
      // SQLite's one writer lock is held already (BEGIN IMMEDIATE): what is left is whether the group exists,
      // and a group's row never changes once created.
      lockGroup: async (groupId) => (await wrapped.getGroup(groupId)) !== undefined,
      // Every bill reads these. One writer: the lock is held already, and what is left is the read, the
      // group's row and members from here and only the debt total (one indexed SUM) from the file. The
      // one-query form in ../queries.ts saves PostgreSQL round trips; here it cost 29 µs a bill against 8
      // (bench/sqlite-calls.ts).
      lockGroupForBill: async (groupId) => {
        const group = await wrapped.getGroup(groupId);
        if (!group) return undefined;
        const members = await wrapped.listMembers(groupId);
        return { group, memberIds: members.map((m) => m.id), debtTotal: await ops.debtTotal(groupId) };
      },
      addMember: async (groupId, userId, joinedAt) => {
        this.#drop('members', groupId);
        return ops.addMember(groupId, userId, joinedAt);
      },
      removeMember: async (groupId, userId) => {
        this.#drop('members', groupId);
        return ops.removeMember(groupId, userId);
      },
      mergeMember: async (groupId, fromId, toId) => {
        this.#drop('members', groupId);
        await ops.mergeMember(groupId, fromId, toId);
      },
      // A member list shows each member's name and whether they are pending: both change here, in every
      // group the pending row belongs to.
      activatePendingUser: async (user) => {
        const activated = await ops.activatePendingUser(user);
        if (activated) for (const g of await ops.listGroupsOf(activated.id)) this.#drop('members', g.id);
        return activated;
      },
      insertGroup: async (group, createdBy) => {
        this.#drop('group', group.id);
        this.#drop('members', group.id);
        await ops.insertGroup(group, createdBy);
      },
    };
    return wrapped;
  }
}
