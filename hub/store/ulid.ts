import { randomFillSync } from 'node:crypto';

/** Crockford's base32, as ULIDs spell it. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_CHARS = 16;
const POOL_BYTES = 4096;

/**
 * A monotonic ULID factory (github.com/ulid/spec): 10 characters of milliseconds, 16 of randomness; within
 * one millisecond (or while the clock stands still or steps back) the random part is the previous one plus
 * one, so IDs made by one hub always sort in the order they were made.
 *
 * Why not `ulidx`: its factory asks the OS for one random byte per character (16 `getRandomValues` calls per
 * ID), which was 3 % of the hub's CPU at peak — every order makes a dozen IDs (lines, print jobs). Here the
 * random bytes come from a pool refilled 4 kB at a time.
 */
export function ulidFactory(now: () => number = Date.now): () => string {
  const pool = Buffer.alloc(POOL_BYTES);
  let at = POOL_BYTES;
  const digits = new Uint8Array(RANDOM_CHARS);
  let lastTime = -1;

  const fresh = () => {
    if (at + RANDOM_CHARS > POOL_BYTES) {
      randomFillSync(pool);
      at = 0;
    }
    for (let i = 0; i < RANDOM_CHARS; i++) digits[i] = pool[at + i]! & 31;
    at += RANDOM_CHARS;
  };
  /** +1 on the random part; on the (2^80 to 1) overflow, fresh randomness rather than a wrap that would sort first. */
  const increment = () => {
    for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
      if (digits[i]! < 31) {
        digits[i]!++;
        return;
      }
      digits[i] = 0;
    }
    lastTime++;
    fresh();
  };

  return () => {
    const t = now();
    if (t > lastTime) {
      lastTime = t;
      fresh();
    } else {
      increment();
    }
    let time = '';
    for (let i = 0, rest = lastTime; i < 10; i++, rest = Math.floor(rest / 32)) time = ALPHABET[rest % 32]! + time;
    let random = '';
    for (let i = 0; i < RANDOM_CHARS; i++) random += ALPHABET[digits[i]!];
    return time + random;
  };
}
