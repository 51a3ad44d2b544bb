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

const DAY_MS = 24 * 3600_000;

/**
 * Counts wrong guesses per key (a device, an address) and locks the key out for a while: PINs are short.
 *
 * - `maxFailures` wrong guesses within `windowMs` lock the key. A success does not wipe them: a waiter
 *   guessing the manager's PIN could otherwise sign in as themself after every few guesses and never be
 *   locked out. Typos spread over a service (one every few minutes on a shared tablet) never add up.
 * - A lockout that follows the last one within `quietMs` lasts twice as long (up to `maxLockMs`).
 * - Past `maxPerDay` wrong guesses in 24 hours, every further one locks: four guesses every quarter of an
 *   hour would otherwise never lock at all (384 a day). So a device gets at most ~70 guesses a day instead
 *   of ~14,000 (weeks for a 4-digit PIN space), and a tablet with a typo every quarter hour is never held up.
 */
export class FailureLimiter {
  private readonly keys = new Map<string, { recent: number[]; day: number[]; lockouts: number; until: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly lockMs: number,
    private readonly maxLockMs = 3_600_000,
    private readonly quietMs = 3_600_000,
    private readonly windowMs = 15 * 60_000,
    private readonly maxPerDay = 50,
  ) {}

  /** Seconds until the key may try again, or 0. */
  lockedFor(key: string, now: number): number {
    const k = this.keys.get(key);
    return k && k.until > now ? Math.ceil((k.until - now) / 1000) : 0;
  }

  fail(key: string, now: number): void {
    const k = this.keys.get(key) ?? { recent: [], day: [], lockouts: 0, until: 0 };
    k.recent = [...k.recent.filter((at) => at > now - this.windowMs), now];
    k.day = [...k.day.filter((at) => at > now - DAY_MS), now].slice(-this.maxPerDay);
    if (k.recent.length >= this.maxFailures || k.day.length >= this.maxPerDay) {
      // a quiet hour since the last lockout ended: this one starts the doubling afresh
      if (k.until !== 0 && now - k.until >= this.quietMs) k.lockouts = 0;
      k.until = now + Math.min(this.maxLockMs, this.lockMs * 2 ** k.lockouts);
      k.lockouts += 1;
      k.recent = [];
    }
    this.keys.delete(key); // re-inserted last: the oldest key is the first one dropped below
    this.keys.set(key, k);
    if (this.keys.size > 10_000) this.keys.delete(this.keys.keys().next().value!);
  }
}
