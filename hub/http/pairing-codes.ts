import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { PairingCodes } from '../domain/auth-service.ts';
import { MapSweep } from './map-sweep.ts';

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
    if (this.fixed) return sameSecret(code, this.fixed);
    const c = this.codes.get(code);
    return c !== undefined && this.monotonic() - c.bornAt < CODE_TTL_MS && c.uses < PAIRING_CODE_USES;
  }

  /** A device was paired with `code`: one use fewer. */
  redeemed(code: string): void {
    const c = this.codes.get(code);
    if (c) c.uses += 1;
  }
}

/**
 * A fixed code compared in constant time: `===` returns at the first digit that differs, and the fixed code
 * does not expire, so its digits could be timed one by one. Hashed first, so the lengths are equal too.
 * (Random codes are looked up in a Map by their hash, which says nothing of how close a guess came.)
 */
const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

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
 * Keys (devices, addresses) a limiter keeps counts for at most: about 5 MB when each has failed once, 12 MB
 * when each holds a full day's count of a hundred (measured, IPv6 addresses as keys). A store has tens of
 * devices; only a flood of addresses comes near (the public gate counts refused tokens per address, and
 * IPv6 addresses on the guest Wi-Fi are free).
 */
export const MAX_FAILURE_KEYS = 10_000;

/**
 * Records the sweep looks at per failure, and at most before a key it has no room for shares the crowd's
 * count: constants, so no call ever scans the map.
 */
const SWEEP_PER_FAIL = 2;
const SWEEP_AT_BOUND = 64;

interface Failures {
  /** Within `windowMs`, since the last lockout. */
  recent: number[];
  /** Within a day, the latest last (at most `maxPerDay`). */
  day: number[];
  lockouts: number;
  until: number;
  /** When the lockout ending at `until` began. */
  lockedAt: number;
}

const noFailures = (): Failures => ({ recent: [], day: [], lockouts: 0, until: 0, lockedAt: 0 });

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
 *
 * Memory is bounded without forgetting a key before its count is over. A key's record is dropped only once
 * it is the same as none (its last failure a day old, and its last lockout over `quietMs` ago), found by a
 * sweep that goes round the map a couple of records per failure. (The map used to drop the least recently failed
 * key past 10,000: a guesser locked out that paused while 10,000 other addresses failed came back with a
 * fresh allowance and a forgotten daily count.) At `maxKeys`, a key it has no room for — none of the next 64
 * records can go — is counted with every other such key on one shared record, and locked with them: so
 * while more than `maxKeys` keys have failed within a day, callers it does not know get `maxFailures` wrong
 * guesses in all, not each, and are all refused (429) while that record is locked, even one never seen
 * before. The keys it knows keep their own counts.
 */
export class FailureLimiter {
  private readonly keys = new Map<string, Failures>();
  /** The keys there was no room for, counted together. */
  private readonly crowd = noFailures();
  /** (Keeping the map least recently failed first and dropping from its front cost 10–24 µs a failure past 10,000 keys.) */
  private readonly sweep = new MapSweep(this.keys);
  /** How long after its last failure a record is the same as none. */
  private readonly spentAfterMs: number;

  constructor(
    private readonly maxFailures: number,
    private readonly lockMs: number,
    private readonly maxLockMs = 3_600_000,
    private readonly quietMs = 3_600_000,
    private readonly windowMs = 15 * 60_000,
    private readonly maxPerDay = 50,
    private readonly maxKeys = MAX_FAILURE_KEYS,
  ) {
    // a lockout ends at most maxLockMs after the failure that started it, and stops doubling quietMs later
    this.spentAfterMs = Math.max(DAY_MS, windowMs, maxLockMs + quietMs);
  }

  /** Seconds until the key may try again, or 0. */
  lockedFor(key: string, now: number): number {
    const k = this.keys.get(key) ?? (this.hasRoom(now) ? undefined : this.crowd);
    if (!k || k.until <= now) return 0;
    // the wall clock went back since the lockout began (NTP correcting a clock that ran ahead): it lasts at
    // most its own length from now, not that plus however far the clock went back (an hour's lockout for a
    // typo, and every caller the crowd's record holds refused as long). When the clock moved is not known
    if (k.lockedAt > now) {
      k.until -= k.lockedAt - now;
      k.lockedAt = now;
    }
    return Math.ceil((k.until - now) / 1000);
  }

  fail(key: string, now: number): void {
    this.forgetSpent(now, SWEEP_PER_FAIL);
    let k = this.keys.get(key);
    if (!k) {
      if (this.hasRoom(now)) this.keys.set(key, (k = noFailures()));
      else k = this.crowd;
    }
    k.recent = [...k.recent.filter((at) => at > now - this.windowMs), now];
    k.day = [...k.day.filter((at) => at > now - DAY_MS), now].slice(-this.maxPerDay);
    if (k.recent.length >= this.maxFailures || k.day.length >= this.maxPerDay) {
      // a quiet hour since the last lockout ended: this one starts the doubling afresh
      if (k.until !== 0 && now - k.until >= this.quietMs) k.lockouts = 0;
      k.until = now + Math.min(this.maxLockMs, this.lockMs * 2 ** k.lockouts);
      k.lockedAt = now;
      k.lockouts += 1;
      k.recent = [];
    }
  }

  /** Keys with a record of their own now (for tests). */
  get keyCount(): number {
    return this.keys.size;
  }

  /** Whether a key without a record may have one: below the bound, or once the sweep has dropped one. */
  private hasRoom(now: number): boolean {
    if (this.keys.size >= this.maxKeys) this.forgetSpent(now, SWEEP_AT_BOUND, true);
    return this.keys.size < this.maxKeys;
  }

  /**
   * A record the same as none: every failure it counts has left the day and the window, its lockout is over
   * and the next would not double. Failures "after now" (the wall clock was set back) are kept: forgetting
   * them is the unsafe way round.
   */
  private isSpent(k: Failures, now: number): boolean {
    const last = k.day.at(-1);
    return last === undefined || now - last >= this.spentAfterMs;
  }

  /** Drops spent records among the next `steps` (MapSweep). */
  private forgetSpent(now: number, steps: number, one = false): void {
    this.sweep.drop(steps, (k) => this.isSpent(k, now), one);
  }
}
