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

  it('forgets a key after a quiet hour, and never another key', () => {
    const l = new FailureLimiter(5, 30 * S);
    for (let i = 0; i < 5; i++) l.fail('dev', 0);
    l.fail('other', 0);
    expect(l.lockedFor('dev', 1)).toBe(30);
    // the first lockout ended long ago and nothing was guessed for an hour: the next one is 30 s again
    for (let i = 0; i < 5; i++) l.fail('dev', 3600 * S);
    expect(l.lockedFor('dev', 3600 * S)).toBe(30);
    for (let i = 0; i < 4; i++) l.fail('other', 3600 * S);
    expect(l.lockedFor('other', 3600 * S)).toBe(0);
  });
});
