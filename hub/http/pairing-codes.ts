import { randomInt } from 'node:crypto';
import type { PairingCodes } from '../domain/auth-service.ts';

const CODE_TTL_MS = 15 * 60_000;

/**
 * The codes a new device may pair with. With HUB_PAIRING_CODE set, that code always works (scripted set-up);
 * otherwise the hub issues random 6-digit codes that expire after 15 minutes. Kept in memory: a restart
 * prints a new one, which is what a person standing at the hub expects.
 */
export class PairingCodeBook implements PairingCodes {
  private readonly codes = new Map<string, number>();

  constructor(private readonly fixed: string | undefined) {}

  issue(now: number): { code: string; expiresAt: number | null } {
    if (this.fixed) return { code: this.fixed, expiresAt: null };
    for (const [code, expiresAt] of this.codes) if (expiresAt <= now) this.codes.delete(code);
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = now + CODE_TTL_MS;
    this.codes.set(code, expiresAt);
    return { code, expiresAt };
  }

  isValid(code: string, now: number): boolean {
    if (this.fixed) return code === this.fixed;
    const expiresAt = this.codes.get(code);
    return expiresAt !== undefined && expiresAt > now;
  }
}

/**
 * Counts wrong guesses per key (a device, an address) and locks the key out for a while: PINs are short.
 *
 * - A success does not wipe the count: a waiter guessing the manager's PIN could otherwise sign in as
 *   themself after every few guesses and never be locked out.
 * - Each lockout of a key lasts twice the one before (up to `maxLockMs`): at 5 guesses per lockout, a
 *   device gets ~150 guesses a day instead of ~14,000, weeks for a 4-digit PIN space.
 * - A key with no wrong guess for `quietMs` starts afresh: a tired waiter's typos do not add up for days.
 */
export class FailureLimiter {
  private readonly keys = new Map<string, { count: number; lockouts: number; until: number; last: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly lockMs: number,
    private readonly maxLockMs = 3_600_000,
    private readonly quietMs = 3_600_000,
  ) {}

  /** Seconds until the key may try again, or 0. */
  lockedFor(key: string, now: number): number {
    const k = this.live(key, now);
    return k && k.until > now ? Math.ceil((k.until - now) / 1000) : 0;
  }

  fail(key: string, now: number): void {
    const k = this.live(key, now) ?? { count: 0, lockouts: 0, until: 0, last: now };
    k.count += 1;
    k.last = now;
    if (k.count >= this.maxFailures) {
      k.until = now + Math.min(this.maxLockMs, this.lockMs * 2 ** k.lockouts);
      k.lockouts += 1;
      k.count = 0;
    }
    this.keys.delete(key); // re-inserted last: the oldest key is the first one dropped below
    this.keys.set(key, k);
    if (this.keys.size > 10_000) this.keys.delete(this.keys.keys().next().value!);
  }

  private live(key: string, now: number) {
    const k = this.keys.get(key);
    if (k && k.until <= now && now - k.last >= this.quietMs) {
      this.keys.delete(key);
      return undefined;
    }
    return k;
  }
}
