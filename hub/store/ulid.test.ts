import { decodeTime, isValid } from 'ulidx';
import { describe, expect, it } from 'vitest';
import { ulidFactory } from './ulid.ts';

describe('ulidFactory', () => {
  it('makes valid ULIDs that carry the time they were made', () => {
    const t = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    const id = ulidFactory(() => t)();
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isValid(id)).toBe(true);
    expect(decodeTime(id)).toBe(t);
  });

  it('sorts in the order made, within one millisecond and when the clock steps back', () => {
    let t = 1_795_000_000_000;
    const next = ulidFactory(() => t);
    const ids: string[] = [];
    for (let i = 0; i < 5000; i++) {
      if (i % 1000 === 999) t -= 5; // a clock adjusted backwards
      else if (i % 7 === 0) t += 1;
      ids.push(next());
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('draws fresh randomness for each new millisecond', () => {
    let t = 1_795_000_000_000;
    const next = ulidFactory(() => t++);
    const randoms = new Set(Array.from({ length: 2000 }, () => next().slice(10)));
    expect(randoms.size).toBe(2000);
  });
});
