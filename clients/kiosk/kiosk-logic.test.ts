import { describe, expect, it } from 'vitest';
import { translator } from '../shared/i18n.ts';
import { CATEGORY_COLOURS, categoryColour, confirmedOrder, DEFAULT_IDLE_MS, hubReference, IdleWatch, idleMsFrom, orderView, paymentView, recentPickups, type CardApproval, type CardSale, type IdleTimers } from './kiosk-logic.ts';
import { kioskMessages } from './messages.ts';

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
    expect(orderView({ ...base, state: 'unknown', lastProblem: 'HTTP 507 storage_full' })).toMatchObject({ kind: 'retrying', busy: true });
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

describe('what the confirmation screen says about paying by card', () => {
  const approval: CardApproval = { kind: 'payment', orderId: 'o-1', paymentId: 'p-1', number: 17, amountMinor: 4200, reference: 'SIM-1', cardLast4: '4242', scheme: 'SIMULATED' };
  const sale = (patch: Partial<CardSale> = {}): CardSale => ({ entryId: 'e-1', phase: 'terminal', reason: null, approval: null, paymentEntryId: null, storeFailed: false, ...patch });
  const payment = (state: 'saved' | 'sending' | 'unknown' | 'confirmed' | 'rejected', error: { status: number; code: string; message: string } | null = null) => ({ state, error, meta: approval });

  it('says "pay at the counter" when no card sale ran, or the customer chose the counter after a decline', () => {
    expect(paymentView(null, undefined)).toEqual({ kind: 'counter' });
    expect(paymentView(sale({ phase: 'counter' }), undefined)).toEqual({ kind: 'counter' });
  });

  it('waits for the card, then offers retry or the counter after a decline, a cancel or a terminal error', () => {
    expect(paymentView(sale(), undefined)).toEqual({ kind: 'terminal' });
    expect(paymentView(sale({ phase: 'declined', reason: 'insufficient funds' }), undefined)).toEqual({ kind: 'failed', outcome: 'declined', reason: 'insufficient funds' });
    expect(paymentView(sale({ phase: 'cancelled' }), undefined)).toEqual({ kind: 'failed', outcome: 'cancelled', reason: null });
    expect(paymentView(sale({ phase: 'error', reason: 'link down' }), undefined)).toMatchObject({ kind: 'failed', outcome: 'error' });
  });

  it('never says "pay at the counter" once the terminal approved: saving until the hub confirms, then paid', () => {
    expect(paymentView(sale({ phase: 'approved', approval }), undefined)).toEqual({ kind: 'saving', approval, retrying: false });
    expect(paymentView(sale({ phase: 'approved', approval, paymentEntryId: 'x' }), payment('sending'))).toEqual({ kind: 'saving', approval, retrying: false });
    expect(paymentView(sale({ phase: 'approved', approval, paymentEntryId: 'x' }), payment('unknown'))).toEqual({ kind: 'saving', approval, retrying: true });
    expect(paymentView(sale({ phase: 'approved', approval, paymentEntryId: 'x' }), payment('confirmed'))).toEqual({ kind: 'paid', approval });
  });

  it('goes by the stored payment even when the screen forgot the sale (the idle reset, a reload)', () => {
    expect(paymentView(null, payment('unknown'))).toMatchObject({ kind: 'saving', retrying: true });
    expect(paymentView(sale({ phase: 'counter' }), payment('confirmed'))).toEqual({ kind: 'paid', approval });
  });

  it('sends an approval the hub refused, or the kiosk could not store, to the counter with its reference', () => {
    expect(paymentView(null, payment('rejected', { status: 403, code: 'forbidden', message: 'has 0 due' }))).toEqual({ kind: 'unrecorded', approval });
    expect(paymentView(sale({ phase: 'approved', approval, storeFailed: true }), undefined)).toEqual({ kind: 'unsaved', approval });
  });

  it('tells a customer whose charge the hub refused in their own language only: the hub\'s English refusal is for the staff strip', () => {
    const refusal = "a kiosk without a staff sign-in may only record its terminal's card payment of the whole amount due: order #17 has 0 due";
    const view = paymentView(null, payment('rejected', { status: 403, code: 'forbidden', message: refusal }));
    expect(JSON.stringify(view)).not.toContain(refusal);
    for (const lang of ['zh-CN', 'en'] as const) {
      const said = translator(kioskMessages, lang)('card.unrecorded', { ref: 'SIM-1', message: refusal });
      expect(said).toContain('SIM-1');
      expect(said).not.toContain(refusal);
      expect(said).not.toMatch(/\{\w+\}/);
    }
  });

  it('cuts a terminal reference to the 80 characters the hub takes, the same way every time, never inside a character', () => {
    expect(hubReference('  T-1 ')).toBe('T-1');
    expect(hubReference('x'.repeat(80))).toBe('x'.repeat(80));
    expect(hubReference(`${'x'.repeat(80)}-tail`)).toBe('x'.repeat(80));
    expect(hubReference(`${'x'.repeat(79)}😀yz`)).toBe('x'.repeat(79));
  });

  it('takes the amount for the terminal from the hub’s confirmed order only', () => {
    const order = { id: 'o-1', number: 17, dueMinor: 4200, totalMinor: 4200 };
    expect(confirmedOrder({ state: 'confirmed', result: { order } })).toEqual({ id: 'o-1', number: 17, dueMinor: 4200 });
    expect(confirmedOrder({ state: 'unknown', result: null })).toBeNull();
    expect(confirmedOrder({ state: 'confirmed', result: { order: { id: 'o-1', number: 17 } } })).toBeNull();
    expect(confirmedOrder(undefined)).toBeNull();
  });
});
