// Refresh hints (group.updated) that cost the same whatever the group size.
//
// A change in a group of 500 members with 10 streams each used to write 5,000 hints at once, in the same
// turn as the change's stored notifications: at 100 bills/s that is 500,000 writes/s, and the one stream
// that had to receive a bill waited behind them (issue 13). Here a hint is not written when it is
// published; it is noted on the stream, and the streams' notes are written in rounds:
//
// - coalesced per (stream, group): a stream holds at most one pending hint per group, the newest version;
// - rounds start at least `windowMs` apart, and a stream is written at most once a round, so a stream gets
//   at most one hint per group per window (4 a second at the default 250 ms), however busy the group;
// - a round writes at most `maxWritesPerTick` hints a turn of the event loop and yields with setImmediate,
//   so I/O (a commit, a POST, a stored notification) runs between slices: stored notifications are written
//   at once by the hub and never wait for more than one slice;
// - a stream that is still replaying from the store is skipped until a later round, so its hints come
//   after the notifications it had pending.

/** What the rounds need from a stream: the hub's subscriber carries these. */
export type HintTarget = {
  closed: boolean;
  /** True while the stream replays from the store: its hints wait for a later round. */
  syncing: boolean;
  /** Pending hints, group id → newest version (null, not an empty map, for the idle many). */
  hints: Map<string, number> | null;
};

export type HintRoundsOptions<T extends HintTarget> = {
  windowMs: number;
  maxWritesPerTick: number;
  write(target: T, groupId: string, version: number): void;
};

export function createHintRounds<T extends HintTarget>(options: HintRoundsOptions<T>) {
  const { windowMs, maxWritesPerTick, write } = options;
  /** Streams with hints for the next round, each once (it is queued when its map is made). */
  let queue: T[] = [];
  let round: T[] = [];
  let pos = 0;
  let running = false;
  let lastRoundAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;

  function schedule() {
    if (running || timer || queue.length === 0) return;
    timer = setTimeout(startRound, Math.max(0, lastRoundAt + windowMs - performance.now()));
    timer.unref();
  }

  function startRound() {
    timer = undefined;
    lastRoundAt = performance.now();
    round = queue;
    queue = [];
    pos = 0;
    running = true;
    slice();
  }

  function slice() {
    immediate = undefined;
    let writes = 0;
    // Bounded: each stream of the round is visited once, and a slice stops after maxWritesPerTick writes.
    while (pos < round.length && writes < maxWritesPerTick) {
      const target = round[pos++];
      const hints = target.hints;
      if (target.closed || hints === null) continue;
      if (target.syncing) {
        queue.push(target);
        continue;
      }
      target.hints = null;
      for (const [groupId, version] of hints) {
        write(target, groupId, version);
        writes++;
        if (target.closed) break;
      }
    }
    if (pos < round.length) {
      immediate = setImmediate(slice);
      immediate.unref();
      return;
    }
    round = [];
    running = false;
    schedule();
  }

  return {
    /** Notes a hint for the stream; an older or equal version of a pending one changes nothing. */
    add(target: T, groupId: string, version: number) {
      if (target.closed) return;
      if (target.hints === null) {
        target.hints = new Map([[groupId, version]]);
        queue.push(target);
        schedule();
        return;
      }
      const pending = target.hints.get(groupId);
      if (pending === undefined || version > pending) target.hints.set(groupId, version);
    },

    stats() {
      return { queued: queue.length, running, timer: timer !== undefined || immediate !== undefined };
    },

    /** Forgets every pending hint (the hub has no streams left). */
    clear() {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      timer = undefined;
      immediate = undefined;
      queue = [];
      round = [];
      running = false;
    },
  };
}
