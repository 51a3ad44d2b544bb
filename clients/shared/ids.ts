/**
 * Ids made on the device: ULIDs (48-bit time + 80 random bits, Crockford base32), sortable by creation time
 * and valid as hub ids (`[A-Za-z0-9_-]`). Randomness comes from `crypto.getRandomValues`, which browsers
 * offer on plain `http://` LAN pages too; `crypto.randomUUID` exists only in secure contexts (HTTPS or
 * localhost), so it is never used here.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type RandomSource = Pick<Crypto, 'getRandomValues'>;

export function newId(now: number = Date.now(), random: RandomSource = globalThis.crypto): string {
  let time = '';
  let t = Math.floor(now);
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const bytes = random.getRandomValues(new Uint8Array(16));
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[bytes[i]! % 32]!;
  return time + rand;
}

/** A fresh Idempotency-Key for one mutation; a retry of that same mutation must reuse it. */
export const newIdempotencyKey = (): string => newId();
