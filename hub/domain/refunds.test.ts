/**
 * Refunds on the demo store over real SQLite: money given back on one payment (manager only), the order's
 * paid amount net of it everywhere, and the "refund first" refusals of void, discount and merge lifted by it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Order, PaymentInput, PlaceOrder, RefundInput } from '../protocol/orders.ts';
import { lineBalances } from './bill.ts';
import type { Principal } from './principal.ts';
import {
  anonymous,
  cashier,
  type DemoStore,
  domainErrorOf,
  kitchen,
  manager,
  NOON,
  openDemoStore,
  outcomeOf,
  posOrder,
  rice,
  table,
  tofu,
  waiter,
} from './test-support.ts';


let s: DemoStore;
beforeEach(() => {
  s = openDemoStore();
});
afterEach(() => {
  s.db.close();
});

const MIN = 60_000;
const place = (input: PlaceOrder, principal: Principal = waiter): Order => s.run(() => s.service.place(input, s.ctx(principal)));
const pay = (orderId: string, input: PaymentInput, now = NOON) => s.run(() => s.service.pay(orderId, input, s.ctx(cashier, now)));
const refund = (orderId: string, input: RefundInput, principal: Principal = manager, now = NOON + MIN) =>
  s.run(() => s.service.refund(orderId, input, s.ctx(principal, now)));
const refundRows = () => s.db.prepare('SELECT id, order_id AS orderId, payment_id AS paymentId, amount_minor AS amountMinor FROM refunds ORDER BY rowid').all();
const paymentRows = () => s.db.prepare('SELECT * FROM payments ORDER BY id').all();
const lineOf = (order: Order, itemId: string) => {
  const line = order.lines.find((l) => l.itemId === itemId);
  if (!line) throw new Error(`order has no ${itemId} line`);
  return line;
};
/** The store as a refused refund must leave it. */
const storeState = () => ({ refunds: refundRows(), payments: paymentRows(), orders: s.db.prepare('SELECT * FROM orders ORDER BY id').all(), events: s.events.length });

describe('a refund of a bill-level payment', () => {
  it('gives back part of it: paid less, due more, the order still open, one row, order.refunded on the payment’s topics', () => {
    const o = place(posOrder([tofu(), rice()]));
    const half = Math.floor(o.totalMinor / 2);
    const { payment } = pay(o.id, { tender: 'cash', amountMinor: half, tenderedMinor: half + 500 });
    const paymentsBefore = paymentRows();

    const r = refund(o.id, { paymentId: payment.id, amountMinor: 300, reason: 'cold rice' });

    expect(r.refund).toEqual({
      id: expect.any(String),
      paymentId: payment.id,
      amountMinor: 300,
      lines: [],
      reference: null,
      reason: 'cold rice',
      createdAt: NOON + MIN,
      staffId: 's-manager',
    });
    expect(r.order).toMatchObject({ paidMinor: half - 300, dueMinor: o.totalMinor - half + 300, status: o.status, closedAt: null });
    expect(r.order.refunds).toEqual([r.refund]);
    // stored as answered; the payment itself is never changed
    expect(s.orders.get(o.id)).toEqual(r.order);
    expect(paymentRows()).toEqual(paymentsBefore);
    expect(refundRows()).toEqual([{ id: r.refund.id, orderId: o.id, paymentId: payment.id, amountMinor: 300 }]);
    const taken = s.events.find((e) => e.type === 'order.payment_taken')!;
    const refunded = s.events.at(-1)!;
    expect(refunded.type).toBe('order.refunded');
    expect(refunded.payload).toEqual({ order: expect.objectContaining({ id: o.id, paidMinor: half - 300, revision: r.order.revision }), refund: r.refund });
    expect(refunded.topics).toEqual(taken.topics);
  });

  it('never gives back more than the payment took less its earlier refunds (422), writing nothing', () => {
    const o = place(posOrder([tofu(), rice()]));
    const { payment } = pay(o.id, { tender: 'cash', amountMinor: o.totalMinor - 100 });
    refund(o.id, { paymentId: payment.id, amountMinor: 300, reason: 'cold rice' });
    const before = storeState();

    const err = domainErrorOf(() => refund(o.id, { paymentId: payment.id, amountMinor: o.totalMinor - 100 - 300 + 1, reason: 'again' }));
    expect(err.code).toBe('overpayment');
    expect(err.details).toMatchObject({ refundableMinor: o.totalMinor - 400 });
    expect(storeState()).toEqual(before);

    // the rest, exactly, is fine: nothing paid any more
    const rest = refund(o.id, { paymentId: payment.id, amountMinor: o.totalMinor - 400, reason: 'again' });
    expect(rest.order).toMatchObject({ paidMinor: 0, dueMinor: o.totalMinor });
    expect(outcomeOf(() => refund(o.id, { paymentId: payment.id, amountMinor: 1, reason: 'once more' }))).toBe('overpayment');
  });

  it('of a card payment needs the terminal’s refund reference (422); with it, the reference is kept', () => {
    const o = place(posOrder([tofu()]));
    const { payment } = pay(o.id, { tender: 'card', amountMinor: o.totalMinor, reference: 'AUTH-1' });
    const before = storeState();
    const err = domainErrorOf(() => refund(o.id, { paymentId: payment.id, amountMinor: 100, reason: 'overcharged' }));
    expect(err.code).toBe('invalid_order');
    expect(err.message).toMatch(/reference/);
    expect(storeState()).toEqual(before);
    expect(refund(o.id, { paymentId: payment.id, amountMinor: 100, reason: 'overcharged', reference: 'RFND-9' }).refund.reference).toBe('RFND-9');
  });

  it('is refused for a payment of another order (404), and for a client id already taken (409), writing nothing', () => {
    const a = place(posOrder([tofu()]));
    const b = place(posOrder([rice()], { tableId: 't-a2' }));
    const { payment } = pay(a.id, { tender: 'cash', amountMinor: 100 });
    const before = storeState();
    expect(outcomeOf(() => refund(b.id, { paymentId: payment.id, amountMinor: 50, reason: 'x' }))).toBe('not_found');
    expect(storeState()).toEqual(before);

    const input: RefundInput = { id: 'r-client-1', paymentId: payment.id, amountMinor: 50, reason: 'x' };
    expect(refund(a.id, input).refund.id).toBe('r-client-1');
    const once = storeState();
    // the tablet's outbox sending it again with a new key: the id is taken, nothing more is given back
    const err = domainErrorOf(() => refund(a.id, input));
    expect(err.code).toBe('conflict');
    expect(err.details).toEqual({ id: 'r-client-1' });
    expect(storeState()).toEqual(once);
    expect(refundRows()).toHaveLength(1);
  });
});

describe('who refunds', () => {
  it('a manager only: waiters, cashiers, the kitchen and phones are refused before anything is written', () => {
    const o = place(posOrder([tofu()]));
    const { payment } = pay(o.id, { tender: 'cash', amountMinor: 100 });
    const before = storeState();
    const input: RefundInput = { paymentId: payment.id, amountMinor: 50, reason: 'x' };
    expect(outcomeOf(() => refund(o.id, input, waiter))).toBe('forbidden');
    expect(outcomeOf(() => refund(o.id, input, cashier))).toBe('forbidden');
    expect(outcomeOf(() => refund(o.id, input, kitchen))).toBe('forbidden');
    expect(outcomeOf(() => refund(o.id, input, table('t-a1')))).toBe('forbidden');
    expect(outcomeOf(() => refund(o.id, input, anonymous))).toBe('unauthenticated');
    expect(storeState()).toEqual(before);
  });
});

describe('a refund of a payment by item', () => {
  it('names the lines it gives back, as much as the payment still covers on them; then the line can be voided', () => {
    const o = place(posOrder([tofu(), rice()]));
    const t = lineOf(o, 'mapo-tofu');
    const r = lineOf(o, 'steamed-rice');
    const { payment } = pay(o.id, { tender: 'cash', amountMinor: t.lineTotalMinor, lineIds: [t.id] });
    // paid: voiding it is refused until it is refunded
    expect(outcomeOf(() => s.run(() => s.service.voidLine(o.id, t.id, 'sent back', s.ctx(manager))))).toBe('order_has_payments');

    const before = storeState();
    // a line the payment did not pay, an amount that is not what it covers, no lines and not all of it: refused
    expect(outcomeOf(() => refund(o.id, { paymentId: payment.id, lineIds: [r.id], amountMinor: r.lineTotalMinor, reason: 'x' }))).toBe('invalid_order');
    const wrong = domainErrorOf(() => refund(o.id, { paymentId: payment.id, lineIds: [t.id], amountMinor: t.lineTotalMinor - 1, reason: 'x' }));
    expect(wrong.code).toBe('invalid_order');
    expect(wrong.details).toMatchObject({ expectedMinor: t.lineTotalMinor });
    expect(outcomeOf(() => refund(o.id, { paymentId: payment.id, amountMinor: t.lineTotalMinor - 1, reason: 'x' }))).toBe('invalid_order');
    expect(storeState()).toEqual(before);

    const back = refund(o.id, { paymentId: payment.id, lineIds: [t.id], amountMinor: t.lineTotalMinor, reason: 'too salty' });
    expect(back.refund.lines).toEqual([{ lineId: t.id, amountMinor: t.lineTotalMinor }]);
    expect(back.order).toMatchObject({ paidMinor: 0, dueMinor: o.totalMinor });
    expect(lineBalances(back.order).get(t.id)).toEqual({ paidMinor: 0, openMinor: t.lineTotalMinor });
    // nothing left on that line to give back
    expect(outcomeOf(() => refund(o.id, { paymentId: payment.id, lineIds: [t.id], amountMinor: 1, reason: 'x' }))).toBe('overpayment');

    const voided = s.run(() => s.service.voidLine(o.id, t.id, 'too salty', s.ctx(manager, NOON + 2 * MIN)));
    expect(voided).toMatchObject({ totalMinor: r.lineTotalMinor, paidMinor: 0, dueMinor: r.lineTotalMinor });
    expect(lineOf(voided, 'mapo-tofu').status).toBe('voided');
  });

  it('without lineIds gives back all the payment still holds, line by line', () => {
    const o = place(posOrder([tofu(), rice(), rice({ seat: 2 })]));
    const [t, r1] = o.lines;
    const amount = t!.lineTotalMinor + r1!.lineTotalMinor;
    const { payment } = pay(o.id, { tender: 'cash', amountMinor: amount, lineIds: [t!.id, r1!.id] });
    refund(o.id, { paymentId: payment.id, lineIds: [r1!.id], amountMinor: r1!.lineTotalMinor, reason: 'rice was cold' });
    expect(outcomeOf(() => refund(o.id, { paymentId: payment.id, amountMinor: amount, reason: 'all' }))).toBe('overpayment');
    const all = refund(o.id, { paymentId: payment.id, amountMinor: t!.lineTotalMinor, reason: 'all' });
    expect(all.refund.lines).toEqual([{ lineId: t!.id, amountMinor: t!.lineTotalMinor }]);
    expect(all.order.paidMinor).toBe(0);
  });
});

describe('a refund lifts the "refund first" refusals', () => {
  it('a discount refused for leaving the bill overpaid is granted once the excess is refunded', () => {
    const o = place(posOrder([tofu(), rice()]));
    const { payment } = pay(o.id, { tender: 'cash', amountMinor: o.totalMinor - 100 });
    const discount = () => s.run(() => s.service.discount(o.id, { amountMinor: 500, reason: 'regular' }, s.ctx(manager, NOON + 2 * MIN)));
    expect(outcomeOf(discount)).toBe('order_has_payments');
    refund(o.id, { paymentId: payment.id, amountMinor: 400, reason: 'regular: discount instead' });
    // paid total − 500 of a bill of total − 500: the discount settles it
    expect(discount()).toMatchObject({ paidMinor: o.totalMinor - 500, dueMinor: 0, status: 'closed' });
  });

  it('a fully refunded order can be voided; a voided order has nothing to refund', () => {
    const o = place(posOrder([tofu()]));
    const { payment } = pay(o.id, { tender: 'cash', amountMinor: 500 });
    const voidIt = () => s.run(() => s.service.voidOrder(o.id, 'left', s.ctx(manager, NOON + 2 * MIN)));
    expect(outcomeOf(voidIt)).toBe('order_has_payments');
    refund(o.id, { paymentId: payment.id, amountMinor: 500, reason: 'guests left' });
    expect(voidIt().status).toBe('voided');
    const err = domainErrorOf(() => refund(o.id, { paymentId: payment.id, amountMinor: 1, reason: 'x' }));
    expect(err.code).toBe('order_closed');
    expect(err.message).toMatch(/voided/);
  });
});

describe('a refund and a merge', () => {
  it('refunds follow their payments into the merged order; the merged-away order is refused, naming where it went', () => {
    const a = place(posOrder([tofu()], { tableId: 't-a1' }));
    const b = place(posOrder([rice()], { tableId: 't-a2' }));
    const first = pay(a.id, { tender: 'cash', amountMinor: 600 }).payment;
    const early = refund(a.id, { paymentId: first.id, amountMinor: 100, reason: 'chipped bowl' });
    expect(early.order.paidMinor).toBe(500);

    const { order: into } = s.run(() => s.service.merge(a.id, { intoOrderId: b.id }, s.ctx(waiter, NOON + 2 * MIN)));
    expect(into.refunds).toEqual([early.refund]);
    expect(into.paidMinor).toBe(500);
    expect(s.orders.get(b.id)).toEqual(into);
    expect(s.orders.get(a.id)?.refunds).toEqual([]);
    expect(refundRows()).toEqual([expect.objectContaining({ orderId: b.id, paymentId: first.id })]);

    const before = storeState();
    const err = domainErrorOf(() => refund(a.id, { paymentId: first.id, amountMinor: 100, reason: 'x' }, manager, NOON + 3 * MIN));
    expect(err.code).toBe('order_closed');
    expect(err.message).toContain(`#${b.number}`);
    expect(err.details).toMatchObject({ mergedIntoOrderId: b.id });
    expect(storeState()).toEqual(before);

    // the order it went to refunds it, counting what was given back before the merge
    expect(outcomeOf(() => refund(b.id, { paymentId: first.id, amountMinor: 501, reason: 'x' }, manager, NOON + 3 * MIN))).toBe('overpayment');
    const there = refund(b.id, { paymentId: first.id, amountMinor: 500, reason: 'wrong table', }, manager, NOON + 3 * MIN);
    expect(there.order).toMatchObject({ paidMinor: 0, dueMinor: into.totalMinor });
  });
});

describe('a refund of a closed order', () => {
  it('keeps it closed, when it was closed, with paid reduced and no second order.closed', () => {
    const o = place(posOrder([tofu(), rice()]));
    const { payment, order: paid } = pay(o.id, { tender: 'cash', amountMinor: o.totalMinor }, NOON);
    expect(paid.status).toBe('closed');
    const closedEvents = () => s.events.filter((e) => e.type === 'order.closed').length;
    expect(closedEvents()).toBe(1);

    const r = refund(o.id, { paymentId: payment.id, amountMinor: 250, reason: 'complaint' }, manager, NOON + 30 * MIN);
    expect(r.order).toMatchObject({ status: 'closed', closedAt: NOON, paidMinor: o.totalMinor - 250, dueMinor: 250, revision: paid.revision + 1 });
    expect(s.orders.get(o.id)).toMatchObject({ status: 'closed', closedAt: NOON, paidMinor: o.totalMinor - 250 });
    expect(closedEvents()).toBe(1);
    expect(s.events.at(-1)?.type).toBe('order.refunded');
  });
});

describe("a refund and the table's phones", () => {
  const HOUR = 3_600_000;

  it("of a bill closed long ago is not the table's news: the next party's phones neither hear it nor read that bill again", () => {
    const o = place(posOrder([tofu(), rice()]));
    const { payment, order: paid } = pay(o.id, { tender: 'cash', amountMinor: o.totalMinor }, NOON);
    expect(paid.status).toBe('closed');
    // the next party sits at the table; the first party's bill is refunded after a complaint by phone
    const nextParty = s.run(() => s.service.place(posOrder([rice()]), s.ctx(waiter, NOON + HOUR)));
    const r = refund(o.id, { paymentId: payment.id, amountMinor: 300, reason: 'hair in the soup' }, manager, NOON + 2 * HOUR);

    const refunded = s.events.at(-1)!;
    expect(refunded.type).toBe('order.refunded');
    expect(refunded.topics).toContain('orders');
    expect(refunded.topics).not.toContain('table:t-a1');
    const phone = table('t-a1');
    expect(outcomeOf(() => s.service.get(o.id, phone, NOON + 2 * HOUR + MIN))).toBe('not_found');
    expect(s.service.list({}, phone, NOON + 2 * HOUR + MIN).map((x) => x.id)).toEqual([nextParty.id]);
    // staff read the refund as given
    expect(s.service.get(o.id, manager, NOON + 2 * HOUR + MIN)).toEqual(r.order);
    expect(r.order).toMatchObject({ status: 'closed', paidMinor: o.totalMinor - 300, revision: paid.revision + 1 });
  });

  it("of a bill closed a moment ago is its party's: the table's phones hear it and read it", () => {
    const o = place(posOrder([tofu(), rice()]));
    const { payment } = pay(o.id, { tender: 'cash', amountMinor: o.totalMinor }, NOON);
    refund(o.id, { paymentId: payment.id, amountMinor: 300, reason: 'cold rice' }, manager, NOON + 5 * MIN);
    expect(s.events.at(-1)!.topics).toContain('table:t-a1');
    expect(s.service.get(o.id, table('t-a1'), NOON + 6 * MIN)).toMatchObject({ paidMinor: o.totalMinor - 300 });
  });
});

describe('what is due on a closed bill after a refund', () => {
  it('is not paid again while the bill stays closed (a cashier or the kitchen moving its food leaves it closed); a manager reopens it to take it', () => {
    const o = place(posOrder([tofu(), rice()]));
    const { payment } = pay(o.id, { tender: 'cash', amountMinor: o.totalMinor }, NOON);
    const r = refund(o.id, { paymentId: payment.id, amountMinor: 300, reason: 'complaint' }, manager, NOON + 5 * MIN);
    expect(r.order).toMatchObject({ status: 'closed', dueMinor: 300 });
    expect(outcomeOf(() => pay(o.id, { tender: 'cash', amountMinor: 300 }, NOON + 6 * MIN))).toBe('order_closed');
    const served = s.run(() => s.service.setLineStatus(o.id, { status: 'served' }, s.ctx(waiter, NOON + 7 * MIN)));
    expect(served).toMatchObject({ status: 'closed', closedAt: NOON, dueMinor: 300 });
    expect(s.events.filter((e) => e.type === 'order.closed')).toHaveLength(1);

    const reopened = s.run(() => s.service.reopen(o.id, 'charge the rest after all', s.ctx(manager, NOON + 8 * MIN)));
    expect(reopened).toMatchObject({ status: 'served', dueMinor: 300, closedAt: null });
    expect(pay(o.id, { tender: 'cash', amountMinor: 300 }, NOON + 9 * MIN).order).toMatchObject({ status: 'closed', paidMinor: o.totalMinor, dueMinor: 0 });
  });
});

describe('a payment given back in full', () => {
  it('no longer settles the bill: a comp after it waits for a payment of 0, as a comp with no payment does', () => {
    const course2 = place(posOrder([tofu(), rice({ course: 2, hold: true })]));
    const { payment } = pay(course2.id, { tender: 'cash', amountMinor: course2.totalMinor });
    refund(course2.id, { paymentId: payment.id, amountMinor: course2.totalMinor, reason: 'comp instead' });
    s.run(() => s.service.discount(course2.id, { percent: 100, reason: 'comp' }, s.ctx(manager, NOON + 2 * MIN)));

    const fired = s.run(() => s.service.fire(course2.id, 2, s.ctx(waiter, NOON + 3 * MIN)));
    expect(fired).toMatchObject({ status: 'fired', paidMinor: 0, dueMinor: 0, closedAt: null });
    expect(s.events.filter((e) => e.type === 'order.closed')).toHaveLength(0);
    // the explicit settle, as for any bill with nothing due
    expect(pay(course2.id, { tender: 'other', amountMinor: 0 }, NOON + 4 * MIN).order.status).toBe('closed');
  });

  it('partly given back, it still settles what it paid', () => {
    const o = place(posOrder([tofu(), rice({ course: 2, hold: true })]));
    const { payment } = pay(o.id, { tender: 'cash', amountMinor: o.totalMinor });
    refund(o.id, { paymentId: payment.id, amountMinor: 100, reason: 'chipped bowl' });
    s.run(() => s.service.discount(o.id, { amountMinor: 100, reason: 'chipped bowl' }, s.ctx(manager, NOON + 2 * MIN)));
    expect(s.run(() => s.service.fire(o.id, 2, s.ctx(waiter, NOON + 3 * MIN))).status).toBe('closed');
  });
});
