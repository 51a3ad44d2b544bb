import { describe, expect, it, vi } from 'vitest';
import { CLOCK_BEHIND_TOLERANCE_MS, ClockCheck } from './clock-check.ts';

function check(latest: () => number | null, now: () => number) {
  const logged: string[] = [];
  const readErrors: unknown[] = [];
  const c = new ClockCheck({
    latestEventAt: latest,
    now,
    everyMs: 60_000,
    log: { error: (_o, msg) => logged.push(`error: ${msg}`), info: (_o, msg) => logged.push(`info: ${msg}`) },
    onReadError: (err) => readErrors.push(err),
  });
  return { c, logged, readErrors };
}

describe('ClockCheck', () => {
  it('is behind when the clock is more than the tolerance before the latest event, ok at or within it', () => {
    const at = Date.UTC(2026, 10, 27, 12);
    expect(check(() => at, () => at - CLOCK_BEHIND_TOLERANCE_MS - 1).c.status()).toEqual({ state: 'behind', now: at - CLOCK_BEHIND_TOLERANCE_MS - 1, latestEventAt: at, behindMs: CLOCK_BEHIND_TOLERANCE_MS + 1 });
    expect(check(() => at, () => at - CLOCK_BEHIND_TOLERANCE_MS).c.status().state).toBe('ok');
    expect(check(() => at, () => at + 5).c.status()).toMatchObject({ state: 'ok', behindMs: 0 });
    expect(check(() => null, () => 0).c.status()).toMatchObject({ state: 'ok', latestEventAt: null, behindMs: 0 });
  });

  it('logs the clock going behind once, and its catching up once', () => {
    const at = Date.UTC(2026, 10, 27, 12);
    let now = Date.UTC(2000, 0, 1);
    const { c, logged } = check(() => at, () => now);
    c.check();
    c.check();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^error: the hub's clock is behind its own store/);
    now = at + 1000;
    c.check();
    c.check();
    expect(logged).toHaveLength(2);
    expect(logged[1]).toMatch(/^info: .*caught up/);
  });

  it('goes on checking on its timer when a read of the store fails (a damaged page): says so once, and checks once it reads again', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const at = Date.UTC(2026, 10, 27, 12);
      let latest: () => number | null = () => {
        throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
      };
      const { c, logged, readErrors } = check(() => latest(), () => Date.UTC(2000, 0, 1));
      c.start();
      vi.advanceTimersByTime(3 * 60_000);
      expect(logged).toEqual(['error: clock check: the store could not be read; tried again later']);
      // every failed read goes to the integrity tracker, which keeps the first finding
      expect(readErrors).toHaveLength(4);
      expect(readErrors[0]).toMatchObject({ code: 'SQLITE_CORRUPT' });
      latest = () => at;
      vi.advanceTimersByTime(60_000);
      expect(logged).toHaveLength(2);
      expect(logged[1]).toMatch(/^error: the hub's clock is behind its own store/);
      c.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
