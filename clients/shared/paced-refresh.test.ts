import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PacedRefresh } from './paced-refresh.ts';

/** A fetch that takes `ms` and records when each one started. */
function slowFetch(ms: number) {
  const starts: number[] = [];
  const fetch = () => {
    starts.push(performance.now());
    return new Promise<void>((resolve) => setTimeout(resolve, ms));
  };
  return { starts, fetch };
}

/** A refresh as the tablet's floor uses it (30 ms to gather, one a second), over a fetch taking `ms`. */
function pacedOver(ms: number) {
  const f = slowFetch(ms);
  return { f, refresh: new PacedRefresh(f.fetch, { coalesceMs: 30, paceMs: 1000 }) };
}

describe('PacedRefresh', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gathers a burst of this device’s own changes into one fetch, soon', async () => {
    const { f, refresh } = pacedOver(20);
    for (let i = 0; i < 5; i++) refresh.soon();
    await vi.advanceTimersByTimeAsync(29);
    expect(f.starts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.starts).toEqual([30]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(f.starts).toEqual([30]);
  });

  it('fetches at most once a pace for a stream of other devices’ changes, and once more after the last', async () => {
    const { f, refresh } = pacedOver(20);
    // an order event every 10 ms for 5 s: 500 changes
    for (let t = 0; t < 5000; t += 10) {
      refresh.paced();
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(2000);
    expect(f.starts).toEqual([30, 1030, 2030, 3030, 4030, 5030]);
  });

  it('lets this device’s own change overtake a paced fetch that is waiting', async () => {
    const { f, refresh } = pacedOver(20);
    refresh.soon();
    await vi.advanceTimersByTimeAsync(100);
    refresh.paced(); // due at 1030
    await vi.advanceTimersByTimeAsync(100);
    refresh.soon(); // at 200: due at 230
    await vi.advanceTimersByTimeAsync(2000);
    expect(f.starts).toEqual([30, 230]);
  });

  it('queues one more fetch for changes heard while one is on its way, and drops none', async () => {
    const { f, refresh } = pacedOver(500);
    refresh.soon();
    await vi.advanceTimersByTimeAsync(100); // in flight from 30 to 530
    refresh.paced();
    refresh.paced();
    await vi.advanceTimersByTimeAsync(3000);
    expect(f.starts).toEqual([30, 1030]);
    refresh.soon();
    await vi.advanceTimersByTimeAsync(100); // in flight again
    refresh.paced();
    refresh.soon();
    await vi.advanceTimersByTimeAsync(3000);
    // the queued soon() runs 30 ms after the fetch in flight ended, not a pace later
    expect(f.starts).toEqual([30, 1030, 3130, 3660]);
  });

  it('keeps going after a fetch fails', async () => {
    let calls = 0;
    const refresh = new PacedRefresh(
      () => {
        calls++;
        return Promise.reject(new Error('hub unreachable'));
      },
      { coalesceMs: 30, paceMs: 1000 },
    );
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      refresh.soon();
      await vi.advanceTimersByTimeAsync(100);
      refresh.soon();
      await vi.advanceTimersByTimeAsync(100);
    } finally {
      process.off('unhandledRejection', unhandled);
    }
    expect(calls).toBe(2);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('keeps its pace when the wall clock is set back', async () => {
    const { f, refresh } = pacedOver(20);
    refresh.soon();
    await vi.advanceTimersByTimeAsync(100);
    vi.setSystemTime(Date.now() - 3_600_000); // the tablet's clock corrected by an hour
    refresh.paced();
    await vi.advanceTimersByTimeAsync(2000);
    expect(f.starts).toEqual([30, 1030]);
  });

  it('fetches nothing once stopped', async () => {
    const { f, refresh } = pacedOver(20);
    refresh.soon();
    refresh.stop();
    refresh.paced();
    await vi.advanceTimersByTimeAsync(2000);
    expect(f.starts).toEqual([]);
  });
});
