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

/** Counts failures per key (device, address) and locks the key out for a while: PINs are short. */
export class FailureLimiter {
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly lockMs: number,
  ) {}

  /** Seconds until the key may try again, or 0. */
  lockedFor(key: string, now: number): number {
    const f = this.failures.get(key);
    if (!f || f.count < this.maxFailures) return 0;
    if (f.until <= now) {
      this.failures.delete(key);
      return 0;
    }
    return Math.ceil((f.until - now) / 1000);
  }

  fail(key: string, now: number): void {
    const f = this.failures.get(key) ?? { count: 0, until: 0 };
    f.count += 1;
    f.until = now + this.lockMs;
    this.failures.set(key, f);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }
}
