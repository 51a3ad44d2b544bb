import { describe, expect, it } from 'vitest';
import { FailureLimiter, PAIRING_CODE_USES, PairingCodeBook, pairingGuessLimiter } from './pairing-codes.ts';

const S = 1000;

describe('FailureLimiter', () => {
  it('locks a key after the fifth wrong guess, each lockout twice as long as the last, up to the cap', () => {
    const l = new FailureLimiter(5, 30 * S, 120 * S, 3600 * S);
    let now = 0;
    const lockouts: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 5; i++) {
        expect(l.lockedFor('dev', now)).toBe(0);
        l.fail('dev', now);
      }
      lockouts.push(l.lockedFor('dev', now));
      now += lockouts.at(-1)! * S; // wait it out, then guess again
    }
    expect(lockouts).toEqual([30, 60, 120, 120]);
  });

  it('starts the doubling afresh an hour after the last lockout ended, and counts guesses within 15 minutes only', () => {
    const l = new FailureLimiter(5, 30 * S);
    for (let i = 0; i < 5; i++) l.fail('dev', 0);
    l.fail('other', 0);
    expect(l.lockedFor('dev', 1)).toBe(30);
    // the lockout ended at 30 s; an hour after that, the next lockout is 30 s again (not 60)
    for (let i = 0; i < 5; i++) l.fail('dev', 3630 * S);
    expect(l.lockedFor('dev', 3630 * S)).toBe(30);
    // 'other': one guess an hour ago and four now are not five within the window
    for (let i = 0; i < 4; i++) l.fail('other', 3600 * S);
    expect(l.lockedFor('other', 3600 * S)).toBe(0);
  });

  it('never locks a shared tablet out for typos spread over a service: one wrong PIN every six minutes', () => {
    const l = new FailureLimiter(5, 30 * S);
    for (let at = 0; at < 4 * 3600 * S; at += 360 * S) {
      expect(l.lockedFor('tablet', at)).toBe(0);
      l.fail('tablet', at);
    }
  });

  it('holds a device that guesses four at a time every quarter hour to a few dozen guesses a day', () => {
    const l = new FailureLimiter(5, 30 * S);
    let guesses = 0;
    for (let at = 0; at < 24 * 3600 * S; at += 15 * 60 * S) {
      for (let i = 0; i < 4; i++) {
        if (l.lockedFor('dev', at + i) > 0) continue;
        l.fail('dev', at + i);
        guesses++;
      }
    }
    expect(guesses).toBeLessThan(80); // 384 without the daily count
  });
});

describe('PairingCodeBook', () => {
  const MIN = 60_000;
  /** A book whose monotonic clock the test moves; `wall` is what the (adjustable) system clock says. */
  const book = (fixed?: string) => {
    const t = { mono: 0 };
    return { t, codes: new PairingCodeBook(fixed, () => t.mono) };
  };
  const WALL = Date.parse('2026-03-01T12:00:00Z');

  it(`pairs at most ${PAIRING_CODE_USES} devices with one code: enough for a store's tablets set up in one go, not an open door`, () => {
    const { codes } = book();
    const { code } = codes.issue(WALL);
    for (let i = 0; i < PAIRING_CODE_USES; i++) {
      expect(codes.isValid(code, WALL)).toBe(true);
      codes.redeemed(code);
    }
    expect(codes.isValid(code, WALL)).toBe(false);
    // a new code from a manager pairs the rest
    const next = codes.issue(WALL).code;
    expect(codes.isValid(next, WALL)).toBe(true);
  });

  it('expires 15 minutes after it was issued by the monotonic clock, whatever the wall clock does (NTP setting it back a day)', () => {
    const { t, codes } = book();
    const { code } = codes.issue(WALL);
    t.mono = 14 * MIN;
    expect(codes.isValid(code, WALL - 24 * 60 * MIN)).toBe(true);
    expect(codes.isValid(code, WALL + 24 * 60 * MIN)).toBe(true); // set forward: still the 15 minutes it said
    t.mono = 16 * MIN;
    expect(codes.isValid(code, WALL - 24 * 60 * MIN + 16 * MIN)).toBe(false);
  });

  it('after 20 wrong codes from anywhere within 15 minutes, refuses every code for a while (guesses from many addresses)', () => {
    const guesses = pairingGuessLimiter();
    for (let i = 0; i < 19; i++) guesses.fail('public', 0);
    expect(guesses.lockedFor('public', 0)).toBe(0);
    guesses.fail('public', 0);
    expect(guesses.lockedFor('public', 0)).toBe(60);
    expect(guesses.lockedFor('staff', 0)).toBe(0); // the staff address is counted apart
    expect(guesses.lockedFor('public', 61_000)).toBe(0);
  });

  it('holds guessing to little more than a hundred codes a day in all, so a 6-digit code (or a fixed 4-digit one) is not worn down', () => {
    const guesses = pairingGuessLimiter();
    let tried = 0;
    for (let at = 0; at < 24 * 60 * MIN; at += 5000) {
      if (guesses.lockedFor('public', at) > 0) continue;
      guesses.fail('public', at);
      tried++;
    }
    expect(tried).toBeLessThan(130); // 17,280 at one every 5 s without the count across callers
  });
});
