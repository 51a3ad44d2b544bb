import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './pairing-codes.ts';

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
