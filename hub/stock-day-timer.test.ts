import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { shanghai } from './domain/test-support.ts';
import { StockDayTimer } from './stock-day-timer.ts';

const log = { info: vi.fn(), warn: vi.fn() };

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function timer(apply: () => Promise<unknown>) {
  return new StockDayTimer({ clock: () => Date.now(), timeZone: 'Asia/Shanghai', apply, log, checkEveryMs: 60_000 });
}

describe('StockDayTimer', () => {
  it('applies the reset at start, then at 04:00 on the dot, once per business day', async () => {
    vi.setSystemTime(shanghai(2024, 5, 1, 21));
    const applied: number[] = [];
    const t = timer(async () => void applied.push(Date.now()));
    await t.check();
    t.start();
    expect(applied).toEqual([shanghai(2024, 5, 1, 21)]);

    await vi.advanceTimersByTimeAsync(shanghai(2024, 5, 2, 3, 59) - Date.now());
    expect(applied).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(shanghai(2024, 5, 2, 4) - Date.now());
    expect(applied).toEqual([shanghai(2024, 5, 1, 21), shanghai(2024, 5, 2, 4)]);
    await vi.advanceTimersByTimeAsync(20 * 3_600_000);
    expect(applied).toHaveLength(2);
    t.stop();
  });

  it('tries again at the next look when the write failed (a full disk), and the day is not taken as done', async () => {
    vi.setSystemTime(shanghai(2024, 5, 2, 4));
    let fail = true;
    const apply = vi.fn(async () => {
      if (fail) throw new Error('SQLITE_FULL');
    });
    const t = timer(apply);
    await t.check();
    expect(log.warn).toHaveBeenCalled();
    fail = false;
    await t.check();
    await t.check();
    expect(apply).toHaveBeenCalledTimes(2);
  });

  it('a clock set forward a day (no timer fires at 04:00) is caught at the next minute', async () => {
    vi.setSystemTime(shanghai(2024, 5, 1, 12));
    const apply = vi.fn(async () => undefined);
    const t = timer(apply);
    await t.check();
    t.start();
    vi.setSystemTime(shanghai(2024, 5, 3, 12)); // moves the clock, fires nothing
    await vi.advanceTimersByTimeAsync(60_000);
    expect(apply).toHaveBeenCalledTimes(2);
    t.stop();
  });
});
