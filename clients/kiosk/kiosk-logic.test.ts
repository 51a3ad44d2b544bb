import { describe, expect, it } from 'vitest';
import { CATEGORY_COLOURS, categoryColour, DEFAULT_IDLE_MS, IdleWatch, idleMsFrom, orderView, recentPickups, type IdleTimers } from './kiosk-logic.ts';

function fakeTimers(): IdleTimers & { advance(ms: number): void } {
  let now = 0;
  let queue: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      queue.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (h) => {
      queue = queue.filter((q) => q.id !== h);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = queue.filter((q) => q.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        queue = queue.filter((q) => q !== due);
        now = due.at;
        due.fn();
      }
      now = end;
    },
  };
}

describe('idle timeout', () => {
  it('reads ?idle= in seconds, defaulting to 90 s and never below 1 s', () => {
    expect(idleMsFrom('')).toBe(DEFAULT_IDLE_MS);
    expect(DEFAULT_IDLE_MS).toBe(90_000);
    expect(idleMsFrom('?idle=3')).toBe(3000);
    expect(idleMsFrom('?idle=1.5')).toBe(1500);
    expect(idleMsFrom('?idle=0.1')).toBe(1000);
    expect(idleMsFrom('?idle=abc')).toBe(DEFAULT_IDLE_MS);
    expect(idleMsFrom('?idle=-4')).toBe(DEFAULT_IDLE_MS);
    expect(idleMsFrom('?idle=', 5000)).toBe(5000);
  });

  it('fires once after idleMs without a touch, only while armed; touches push it back', () => {
    const timers = fakeTimers();
    let fired = 0;
    const w = new IdleWatch(10_000, () => fired++, timers);
    timers.advance(60_000);
    expect(fired).toBe(0); // not armed: the welcome screen never times out

    w.setArmed(true);
    timers.advance(6000);
    w.touch();
    timers.advance(6000);
    expect(fired).toBe(0); // 6 s since the touch
    timers.advance(4000);
    expect(fired).toBe(1);
    timers.advance(60_000);
    expect(fired).toBe(1); // disarmed itself

    w.setArmed(true);
    timers.advance(5000);
    w.setArmed(false);
    timers.advance(60_000);
    expect(fired).toBe(1);
    w.setArmed(true);
    w.stop();
    timers.advance(60_000);
    expect(fired).toBe(1);
  });
});

describe('what the confirmation screen says', () => {
  const base = { result: null, error: null, lastProblem: null, nextAttemptAt: null };
  it('shows the pickup number only once the hub confirmed the order', () => {
    expect(orderView({ ...base, state: 'saved' })).toEqual({ kind: 'saving' });
    expect(orderView({ ...base, state: 'sending' })).toEqual({ kind: 'sending' });
    expect(orderView({ ...base, state: 'unknown', lastProblem: 'hub unreachable', nextAttemptAt: 5 })).toEqual({ kind: 'retrying', busy: false, nextAttemptAt: 5 });
    expect(orderView({ ...base, state: 'unknown', lastProblem: 'HTTP 503 overloaded' })).toMatchObject({ kind: 'retrying', busy: true });
    expect(orderView({ ...base, state: 'confirmed', result: { order: { number: 42, totalMinor: 3800, quotedReadyAt: null } } })).toEqual({ kind: 'confirmed', number: 42, totalMinor: 3800, quotedReadyAt: null });
    expect(orderView({ ...base, state: 'confirmed', result: null })).toEqual({ kind: 'sending' });
    expect(orderView({ ...base, state: 'rejected', error: { status: 409, code: 'ordering_paused', message: 'paused' } })).toEqual({ kind: 'rejected', code: 'ordering_paused', message: 'paused' });
  });

  it('keeps recent pickup numbers and counts unsettled orders for the welcome screen', () => {
    const now = 1_000_000;
    const confirmed = (n: number, at: number) => ({ state: 'confirmed' as const, result: { order: { number: n } }, updatedAt: at });
    const r = recentPickups(
      [confirmed(1, now - 11 * 60_000), confirmed(2, now - 60_000), { state: 'unknown', result: null, updatedAt: now }, { state: 'rejected', result: null, updatedAt: now }, confirmed(3, now)],
      now,
    );
    expect(r).toEqual({ numbers: [2, 3], pending: 1 });
  });
});

describe('category badges', () => {
  it('cycle through the palette', () => {
    expect(categoryColour(0)).toBe(CATEGORY_COLOURS[0]);
    expect(categoryColour(CATEGORY_COLOURS.length + 1)).toBe(CATEGORY_COLOURS[1]);
  });
});
