import { describe, expect, it } from 'vitest';
import { FailureLimiter, MAX_FAILURE_KEYS, PAIRING_CODE_USES, PairingCodeBook, pairingGuessLimiter } from './pairing-codes.ts';

const S = 1000;
const HOUR = 3600 * S;
const DAY = 24 * HOUR;

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

  it(`keeps a locked-out key locked while ${MAX_FAILURE_KEYS.toLocaleString('en')} others fail, and its next lockout is twice as long`, () => {
    // a guesser locked out pauses while its other addresses (or a crowd) fail: it must not come back with a fresh allowance
    const l = new FailureLimiter(5, 30 * S);
    for (let i = 0; i < 5; i++) l.fail('guesser', 0);
    for (let i = 0; i < MAX_FAILURE_KEYS; i++) l.fail(`other-${i}`, 1 * S);
    expect(l.lockedFor('guesser', 2 * S)).toBe(28);
    for (let i = 0; i < 5; i++) l.fail('guesser', 30 * S);
    expect(l.lockedFor('guesser', 30 * S)).toBe(60);
  });

  it('keeps at most its bound of keys; at the bound, the keys it has no room for share one count: five wrong guesses among them lock them all', () => {
    const l = new FailureLimiter(5, 30 * S, HOUR, HOUR, 15 * 60 * S, 50, 100);
    for (let i = 0; i < 100; i++) l.fail(`known-${i}`, 0);
    for (let i = 0; i < 4; i++) l.fail(`new-${i}`, 1 * S);
    expect(l.lockedFor('new-4', 1 * S)).toBe(0);
    l.fail('new-4', 1 * S);
    // refused: a caller it cannot count gets no fresh allowance, so one never seen is held up with them
    expect(l.lockedFor('new-0', 1 * S)).toBe(30);
    expect(l.lockedFor('never-seen', 1 * S)).toBe(30);
    // the keys it knows keep their own counts: one wrong guess each so far, the fifth locks
    for (let i = 0; i < 3; i++) l.fail('known-7', 2 * S);
    expect(l.lockedFor('known-7', 2 * S)).toBe(0);
    l.fail('known-7', 2 * S);
    expect(l.lockedFor('known-7', 2 * S)).toBe(30);
    expect(l.lockedFor('known-8', 2 * S)).toBe(0);
    expect(l.keyCount).toBe(100);
  });

  it('makes room only from keys that are the same as none: failures a day old, the last lockout over an hour ago', () => {
    const l = new FailureLimiter(5, 30 * S, HOUR, HOUR, 15 * 60 * S, 50, 100);
    for (let i = 0; i < 5; i++) l.fail('locked', 0);
    for (let i = 0; i < 99; i++) l.fail(`known-${i}`, 0);
    // a moment short of a day: nothing can go, so new keys share the one count
    for (let i = 0; i < 5; i++) l.fail(`early-${i}`, DAY - 1);
    expect(l.lockedFor('later', DAY - 1)).toBe(30);
    // a day on, each new key is counted on its own again: five keys' single guesses lock none of them
    for (let i = 0; i < 5; i++) l.fail(`late-${i}`, DAY);
    expect([0, 1, 2, 3, 4].map((i) => l.lockedFor(`late-${i}`, DAY))).toEqual([0, 0, 0, 0, 0]);
    expect(l.lockedFor('later', DAY)).toBe(0);
    expect(l.keyCount).toBeLessThanOrEqual(100);
  });

  it(`still holds a slow guesser to its daily count after ${MAX_FAILURE_KEYS.toLocaleString('en')} others failed: none of its guesses that day is forgotten`, () => {
    const l = new FailureLimiter(5, 30 * S);
    // one wrong guess every 20 minutes (never five within 15 minutes), 49 of them
    const every = 20 * 60 * S;
    for (let g = 0; g < 49; g++) {
      expect(l.lockedFor('slow', g * every)).toBe(0);
      l.fail('slow', g * every);
    }
    for (let i = 0; i < MAX_FAILURE_KEYS; i++) l.fail(`crowd-${i}`, 49 * every - 1);
    l.fail('slow', 49 * every);
    expect(l.lockedFor('slow', 49 * every)).toBe(30); // the 50th within a day locks
  });

  it('keeps a lockout as long as it was when the wall clock is set back (NTP correcting a clock that ran ahead), for a key and for the crowd', () => {
    const l = new FailureLimiter(5, 30 * S, HOUR, HOUR, 15 * 60 * S, 50, 100);
    const t = 10 * HOUR;
    for (let i = 0; i < 5; i++) l.fail('tablet', t);
    for (let i = 0; i < 100; i++) l.fail(`known-${i}`, t);
    for (let i = 0; i < 5; i++) l.fail(`new-${i}`, t);
    expect(l.lockedFor('tablet', t)).toBe(30);
    expect(l.lockedFor('never-seen', t)).toBe(30);
    // the clock goes back an hour 10 s later: a 30 s lockout lasts 30 s at most from then, not an hour and 20 s
    const back = t + 10 * S - HOUR;
    expect(l.lockedFor('tablet', back)).toBe(30);
    expect(l.lockedFor('never-seen', back)).toBe(30);
    expect(l.lockedFor('tablet', back + 20 * S)).toBe(10);
    expect(l.lockedFor('tablet', back + 30 * S)).toBe(0);
    expect(l.lockedFor('never-seen', back + 30 * S)).toBe(0);
    // and the next lockout doubles as before
    for (let i = 0; i < 5; i++) l.fail('tablet', back + 30 * S);
    expect(l.lockedFor('tablet', back + 30 * S)).toBe(60);
  });

  it('holds no more keys than its bound while 30,000 callers fail over three days, and forgets the quiet ones as others fail', () => {
    const l = new FailureLimiter(20, 10 * S, 600 * S, 600 * S, 15 * 60 * S, 50, 1000);
    let most = 0;
    for (let i = 0; i < 30_000; i++) {
      l.fail(`caller-${i}`, Math.floor((i * 3 * DAY) / 30_000));
      most = Math.max(most, l.keyCount);
    }
    expect(most).toBe(1000);
    // two quiet days later, one caller's failures sweep the rest away a couple at a time
    for (let i = 0; i < 600; i++) l.fail('one', 5 * DAY + i);
    expect(l.keyCount).toBe(1);
  });

  it('costs about the same per failure with a thousand or fifty thousand callers churning through (prints the timing, asserts none)', () => {
    // a flood of distinct addresses on the gate's limiter: it runs on the public gate's thread for every refused token
    const perFailureUs = (distinct: number) => {
      const l = new FailureLimiter(20, 10 * S, 600 * S, 600 * S);
      const n = 50_000;
      // one failure every 10 s: a caller comes back every `distinct` × 10 s, after its day has passed at 50,000
      for (let i = 0; i < n; i++) l.fail(`caller-${i % distinct}`, i * 10 * S);
      const t0 = performance.now();
      for (let i = n; i < 2 * n; i++) l.fail(`caller-${i % distinct}`, i * 10 * S);
      const us = ((performance.now() - t0) * 1000) / n;
      expect(l.keyCount).toBeLessThanOrEqual(MAX_FAILURE_KEYS);
      return us.toFixed(2);
    };
    console.log(`FailureLimiter.fail: ${perFailureUs(1000)} µs at 1,000 callers, ${perFailureUs(50_000)} µs at 50,000`);
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

  it('takes a fixed code (HUB_PAIRING_CODE) exactly, for ever and for any number of devices, and nothing close to it', () => {
    const { t, codes } = book('424242');
    expect(codes.issue(WALL)).toEqual({ code: '424242', expiresAt: null });
    for (let i = 0; i < PAIRING_CODE_USES * 2; i++) codes.redeemed('424242');
    t.mono = 24 * 60 * MIN;
    expect(codes.isValid('424242', WALL)).toBe(true);
    for (const near of ['42424', '4242420', '424243', '524242', '', '424242 ']) expect(codes.isValid(near, WALL), near).toBe(false);
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
