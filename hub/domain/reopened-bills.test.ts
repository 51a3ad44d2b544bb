/**
 * On the demo store over real SQLite: a reopened bill closed again under the
 * manager by changes that move no money, and the kitchen's late bumps of a paid bill showing it to the next
 * party's phones.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Order, PlaceOrder } from '../protocol/orders.ts';
import type { Principal } from './principal.ts';
import { cashier, type DemoStore, kitchen, manager, NOON, openDemoStore, outcomeOf, plum, posOrder, rice, table, tofu, waiter } from './test-support.ts';

let s: DemoStore;
beforeEach(() => {
  s = openDemoStore();
});
afterEach(() => {
  s.db.close();
});

const MIN = 60_000;
const place = (principal: Principal, input: PlaceOrder, now = NOON): Order => s.place(principal, input, now);
const paidInFull = (o: Order, now = NOON) => s.run(() => s.service.pay(o.id, { tender: 'cash', amountMinor: o.dueMinor }, s.ctx(cashier, now))).order;

describe('a bill a manager reopened, paid in full', () => {
  // each is a change that moves no money and leaves nothing more to cook: it has no reason to close the bill
  const touches: { what: string; touch: (orderId: string) => Order }[] = [
    { what: 'the kitchen bumps its food ready', touch: (id) => s.service.setLineStatus(id, { status: 'ready' }, s.ctx(kitchen, NOON + 2 * MIN)) },
    { what: 'a waiter marks its food served', touch: (id) => s.service.setLineStatus(id, { status: 'served' }, s.ctx(waiter, NOON + 2 * MIN)) },
    { what: 'a waiter flags it rush', touch: (id) => s.service.setRush(id, true, s.ctx(waiter, NOON + 2 * MIN)) },
    { what: 'a waiter marks its bill requested', touch: (id) => s.service.requestBill(id, true, s.ctx(waiter, NOON + 2 * MIN)) },
    { what: 'the party moves to another table', touch: (id) => s.service.transfer(id, { tableId: 't-b2' }, s.ctx(waiter, NOON + 2 * MIN)) },
  ];

  it.each(touches)('stays open when $what, and takes the dish it was reopened for', ({ touch }) => {
    const o = place(waiter, posOrder([tofu()]));
    paidInFull(o);
    s.run(() => s.service.reopen(o.id, 'forgot the rice', s.ctx(manager, NOON + MIN)));
    s.events.length = 0;

    const touched = s.run(() => touch(o.id));
    expect(touched).toMatchObject({ closedAt: null, dueMinor: 0 });
    expect(touched.status).not.toBe('closed');
    expect(s.orders.get(o.id)?.status).toBe(touched.status);
    expect(s.events.map((e) => e.type)).not.toContain('order.closed');

    // what the manager reopened it for: the rice goes on it, and its payment closes it again
    const withRice = s.run(() => s.service.addLines(o.id, { lines: [rice()] }, s.ctx(waiter, NOON + 3 * MIN)));
    expect(withRice).toMatchObject({ dueMinor: 300 });
    expect(paidInFull(withRice, NOON + 4 * MIN)).toMatchObject({ status: 'closed', dueMinor: 0 });
  });

  it('the kitchen recalling a bumped dish leaves it open too', () => {
    const o = place(waiter, posOrder([tofu()]));
    s.run(() => s.service.setLineStatus(o.id, { status: 'ready' }, s.ctx(kitchen)));
    paidInFull(o);
    s.run(() => s.service.reopen(o.id, 'forgot the rice', s.ctx(manager, NOON + MIN)));
    const recalled = s.run(() => s.service.recall(o.id, undefined, s.ctx(kitchen, NOON + 2 * MIN)));
    expect(recalled).toMatchObject({ status: 'preparing', closedAt: null });
  });

  it('is still closed again by a payment of 0, a void leaving it paid in full, or a held course fired', () => {
    const o = place(waiter, posOrder([tofu(), rice({ course: 2, hold: true })]));
    paidInFull(o);
    // a paid bill with a held course is open; firing the course closes it
    expect(s.run(() => s.service.fire(o.id, 2, s.ctx(waiter, NOON + MIN))).status).toBe('closed');
    s.run(() => s.service.reopen(o.id, 'one more drink', s.ctx(manager, NOON + 2 * MIN)));
    const withDrink = s.run(() => s.service.addLines(o.id, { lines: [plum()] }, s.ctx(waiter, NOON + 3 * MIN)));
    const drink = withDrink.lines.find((l) => l.itemId === 'sour-plum-drink')!;
    // the guest changed their mind: voided, the bill is paid in full again
    const voided = s.run(() => s.service.voidLine(o.id, drink.id, 'changed mind', s.ctx(manager, NOON + 4 * MIN)));
    expect(voided.status).toBe('closed');
  });
});

describe("the kitchen moving the food of a bill closed long ago (expo keeps a paid bill's ready food two hours)", () => {
  const HOUR = 3_600_000;
  const moves: { what: string; move: (orderId: string, at: number) => Order; ready?: boolean }[] = [
    { what: 'bumped ready', move: (id, at) => s.service.setLineStatus(id, { status: 'ready' }, s.ctx(kitchen, at)) },
    { what: 'marked served at expo', move: (id, at) => s.service.setLineStatus(id, { status: 'served' }, s.ctx(waiter, at)), ready: true },
    { what: 'recalled', move: (id, at) => s.service.recall(id, undefined, s.ctx(kitchen, at)), ready: true },
  ];

  it.each(moves)("$what is not the next party's news: their phones neither hear it nor read that bill again; the kitchen hears it", ({ move, ready }) => {
    const o = place(waiter, posOrder([tofu()]));
    if (ready) s.run(() => s.service.setLineStatus(o.id, { status: 'ready' }, s.ctx(kitchen, NOON)));
    paidInFull(o);
    const nextParty = place(waiter, posOrder([plum()]), NOON + HOUR);
    s.events.length = 0;

    const moved = s.run(() => move(o.id, NOON + HOUR + 30 * MIN));
    expect(moved.status).toBe('closed');
    const [e] = s.events;
    expect(e!.topics).not.toContain('table:t-a1');
    expect(e!.topics).toEqual(expect.arrayContaining(['orders', 'station:hot']));
    const phone = table('t-a1');
    const later = NOON + HOUR + 31 * MIN;
    expect(outcomeOf(() => s.service.get(o.id, phone, later))).toBe('not_found');
    expect(s.service.list({}, phone, later).map((x) => x.id)).toEqual([nextParty.id]);
  });

  it("a moment after it closed is its party's: the table's phones hear it and read it", () => {
    const o = place(waiter, posOrder([tofu()]));
    paidInFull(o);
    s.events.length = 0;
    s.run(() => s.service.setLineStatus(o.id, { status: 'ready' }, s.ctx(kitchen, NOON + MIN)));
    expect(s.events[0]!.topics).toContain('table:t-a1');
    expect(s.service.get(o.id, table('t-a1'), NOON + 2 * MIN).lines[0]!.status).toBe('ready');
  });
});
