// Opaque ids that sort by creation time (base36 milliseconds, then random), so "newest first" is
// ORDER BY id DESC and an id is a valid page cursor. Within one millisecond the random part is bumped
// monotonically so ids made by one process never sort out of creation order.
import { randomFillSync } from 'node:crypto';

// One getrandom call per 512 ids instead of one per id (it showed at ~1% of a POST /bills profile).
const pool = Buffer.alloc(7 * 512);
let poolOffset = pool.length;
function random56(): bigint {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + 7);
  poolOffset += 7;
  return BigInt(`0x${hex}`);
}

const TIME_LEN = 9; // base36 of ms since epoch fits 9 chars until the year 5188
const RAND_LEN = 11;
let lastTime = 0;
let lastRand = 0n;

export const ID_PATTERN = /^[0-9a-z]{20}$/;

export function newId(now = Date.now()): string {
  let rand: bigint;
  if (now <= lastTime) {
    now = lastTime;
    rand = lastRand + 1n;
  } else {
    rand = random56() % 36n ** BigInt(RAND_LEN - 1); // leave headroom for bumps
  }
  lastTime = now;
  lastRand = rand;
  return now.toString(36).padStart(TIME_LEN, '0') + rand.toString(36).padStart(RAND_LEN, '0');
}
