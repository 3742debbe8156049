// Refresh hints (group.updated) that cost the same whatever the group size.
//
// A change in a group of 500 members with 10 streams each used to write 5,000 hints at once, in the same
// turn as the change's stored notifications: at 100 bills/s that is 500,000 writes/s, and the one stream
// that had to receive a bill waited behind them (issue 13). Here a hint is not written when it is
// published; the group is marked changed, and changed groups are written in rounds:
//
// - coalesced per group: a change only records the group's newest version (and any member not yet
//   recorded), so a publish costs the same whether the group has 5 streams or 5,000. Noting the hint on
//   every member's every stream instead cost 5,000 map updates a bill, a third of a core at 100 bills/s;
// - rounds start at least `windowMs` apart, and a round visits each changed group once, so a stream gets
//   at most one hint per group per window (4 a second at the default 250 ms), however busy the group;
// - a round writes at most `maxWritesPerTick` hints, and for at most `sliceMs`, a turn of the event loop and
//   yields with setImmediate (a socket write costs 8 µs on one machine and 35 µs on another: 64 writes held
//   a POST for 2 ms a turn there, and a POST waits several turns),
//   so I/O (a commit, a POST, a stored notification) runs between slices: stored notifications are written
//   at once by the hub and never wait for more than one slice;
// - a stream that is still replaying from the store keeps the hint on itself (per stream, per group, the
//   newest version) until a later round, so its hints come after the notifications it had pending.

/** What the rounds need from a stream: the hub's subscriber carries these. */
export type HintTarget = {
  closed: boolean;
  /** True while the stream replays from the store: its hints wait for a later round. */
  syncing: boolean;
  /** Hints kept back while it replayed, group id → newest version (null, not an empty map, for the idle many). */
  hints: Map<string, number> | null;
};

export type HintRoundsOptions<T extends HintTarget> = {
  windowMs: number;
  maxWritesPerTick: number;
  /** The time a slice may run before it yields, whatever its count. */
  sliceMs: number;
  /** The streams of a user on this hub, if any. */
  streamsOf(userId: string): readonly T[] | undefined;
  write(target: T, groupId: string, version: number): void;
};

/** A changed group waiting for its round: its newest version and every member any of its changes named. */
type Changed = { version: number; members: Set<string> };

export function createHintRounds<T extends HintTarget>(options: HintRoundsOptions<T>) {
  const { windowMs, maxWritesPerTick, sliceMs, streamsOf, write } = options;
  /** Changed groups for the next round. */
  let changed = new Map<string, Changed>();
  /** Streams that kept hints back while replaying, each once (queued when its map is made). */
  let held: T[] = [];
  // The round being written: its groups, the group being walked (where in its members, and in the member's
  // streams), its held streams.
  let groups: [string, Changed][] = [];
  let groupPos = 0;
  let walking: { groupId: string; version: number; members: Iterator<string>; streams: T[]; streamPos: number } | undefined;
  let heldRound: T[] = [];
  let heldPos = 0;
  let running = false;
  let lastRoundAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;

  function schedule() {
    if (running || timer || (changed.size === 0 && held.length === 0)) return;
    timer = setTimeout(startRound, Math.max(0, lastRoundAt + windowMs - performance.now()));
    timer.unref();
  }

  function startRound() {
    timer = undefined;
    lastRoundAt = performance.now();
    groups = [...changed];
    changed = new Map();
    groupPos = 0;
    heldRound = held;
    held = [];
    heldPos = 0;
    running = true;
    slice();
  }

  function hold(target: T, groupId: string, version: number) {
    if (target.hints === null) {
      target.hints = new Map([[groupId, version]]);
      held.push(target);
      return;
    }
    const pending = target.hints.get(groupId);
    if (pending === undefined || version > pending) target.hints.set(groupId, version);
  }

  /** Writes (or holds back) the group's hint on one stream; returns the writes made. */
  function toStream(target: T, groupId: string, version: number): number {
    if (target.closed) return 0;
    if (target.syncing) {
      hold(target, groupId, version);
      return 0;
    }
    // This write carries the newest version: one held back earlier for this group is superseded.
    target.hints?.delete(groupId);
    write(target, groupId, version);
    return 1;
  }

  function slice() {
    immediate = undefined;
    let writes = 0;
    const until = performance.now() + sliceMs;
    const more = () => writes < maxWritesPerTick && (writes === 0 || performance.now() < until);
    // Bounded: each member of each changed group is visited once, and a slice stops after maxWritesPerTick
    // writes or sliceMs.
    while (more()) {
      if (walking === undefined) {
        if (groupPos === groups.length) break;
        const [groupId, { version, members }] = groups[groupPos++];
        walking = { groupId, version, members: members.values(), streams: [], streamPos: 0 };
      }
      if (walking.streamPos < walking.streams.length) {
        writes += toStream(walking.streams[walking.streamPos++], walking.groupId, walking.version);
        continue;
      }
      const next = walking.members.next();
      if (next.done) {
        walking = undefined;
        continue;
      }
      // A copy: a write can remove a stream from the hub's list (a slow reader) while we walk it.
      const streams = streamsOf(next.value);
      walking.streams = streams === undefined ? [] : streams.length === 1 ? [streams[0]] : [...streams];
      walking.streamPos = 0;
    }
    while (more() && heldPos < heldRound.length) {
      const target = heldRound[heldPos++];
      const hints = target.hints;
      if (target.closed || hints === null) continue;
      if (target.syncing) {
        held.push(target);
        continue;
      }
      target.hints = null;
      for (const [groupId, version] of hints) {
        write(target, groupId, version);
        writes++;
        if (target.closed) break;
      }
    }
    if (walking !== undefined || groupPos < groups.length || heldPos < heldRound.length) {
      // Not unref'd: with no ref'd immediate pending, the event loop blocks in its poll phase until other
      // I/O arrives, so each slice waited for the next request (a round of 5,000 hints took 1.5 s, not
      // 0.15). A round is bounded, so holding the loop open while it runs keeps nothing alive for long.
      immediate = setImmediate(slice);
      return;
    }
    groups = [];
    heldRound = [];
    running = false;
    schedule();
  }

  return {
    /** Notes a change of the group for its members; an older or equal version than a pending one adds only members. */
    add(groupId: string, version: number, memberIds: readonly string[]) {
      const pending = changed.get(groupId);
      if (pending === undefined) {
        changed.set(groupId, { version, members: new Set(memberIds) });
        schedule();
        return;
      }
      if (version > pending.version) pending.version = version;
      for (const id of memberIds) pending.members.add(id);
    },

    stats() {
      return { queued: changed.size + held.length, running, timer: timer !== undefined || immediate !== undefined };
    },

    /** Forgets every pending hint (the hub has no streams left). */
    clear() {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      timer = undefined;
      immediate = undefined;
      changed = new Map();
      held = [];
      groups = [];
      walking = undefined;
      heldRound = [];
      running = false;
    },
  };
}
