import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { PairingCodes } from '../domain/auth-service.ts';

const CODE_TTL_MS = 15 * 60_000;
/**
 * Devices one code may pair. A store sets up its tablets, screens and kiosks in one go with one code; a code
 * read off the hub's screen or log by someone else cannot go on adding devices all quarter of an hour.
 */
export const PAIRING_CODE_USES = 10;

/**
 * The codes a new device may pair with. With HUB_PAIRING_CODE set, that code always works (scripted set-up);
 * otherwise the hub issues random 6-digit codes, each good for PAIRING_CODE_USES devices within 15 minutes.
 * Kept in memory: a restart prints a new one, which is what a person standing at the hub expects.
 *
 * Expiry runs on the monotonic clock: a mini PC's wall clock may be set back (NTP after a boot with a bad
 * clock), and a code must not live on for as long as it was set back, nor die when it is set forward.
 */
export class PairingCodeBook implements PairingCodes {
  private readonly codes = new Map<string, { bornAt: number; uses: number }>();

  constructor(
    private readonly fixed: string | undefined,
    private readonly monotonic: () => number = () => performance.now(),
  ) {}

  issue(now: number): { code: string; expiresAt: number | null } {
    if (this.fixed) return { code: this.fixed, expiresAt: null };
    const t = this.monotonic();
    for (const [code, c] of this.codes) if (t - c.bornAt >= CODE_TTL_MS || c.uses >= PAIRING_CODE_USES) this.codes.delete(code);
    let code: string;
    do code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    while (this.codes.has(code)); // a fresh code, never an old one with its uses and age
    this.codes.set(code, { bornAt: t, uses: 0 });
    return { code, expiresAt: now + CODE_TTL_MS };
  }

  /** Whether `code` may pair a device now. */
  isValid(code: string, _now: number): boolean {
    if (this.fixed) return code === this.fixed;
    const c = this.codes.get(code);
    return c !== undefined && this.monotonic() - c.bornAt < CODE_TTL_MS && c.uses < PAIRING_CODE_USES;
  }

  /** A device was paired with `code`: one use fewer. */
  redeemed(code: string): void {
    const c = this.codes.get(code);
    if (c) c.uses += 1;
  }
}

const DAY_MS = 24 * 3600_000;

/**
 * Wrong pairing codes counted from every caller of one address of the hub together, on top of the count per
 * caller: a guesser with many addresses (a phone on the guest Wi-Fi can have any number of IPv6 addresses)
 * still gets only a few dozen guesses a quarter of an hour and about a hundred a day at the million codes
 * (or at a weak fixed code). The price is that such a guesser holds pairing shut for a while on the address
 * it reaches; so the staff address and the public one are counted apart, and a guest cannot stop the
 * manager pairing a tablet on the staff network.
 */
export const pairingGuessLimiter = (): FailureLimiter => new FailureLimiter(20, 60_000, 3_600_000, 3_600_000, 15 * 60_000, 100);

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
