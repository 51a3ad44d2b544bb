import { describe, expect, it } from 'vitest';
import type { TableStatus } from '../protocol/floor.ts';
import type { OrderStatus } from '../protocol/orders.ts';
import { openWaiterCalls, tableStatus, type OpenOrderLines } from './floor.ts';
import { cashier, kitchen, openDemoStore, table, tofu, waiter } from './test-support.ts';

type Open = [OrderStatus, number];

/** An open order of `status` with `live` lines, as its lines stand (an order's status is derived from them). */
const linesOf = (status: OrderStatus, live: number): OpenOrderLines => ({
  live,
  held: status === 'placed' ? live : 0,
  cooking: status === 'fired' || status === 'preparing' ? live : 0,
  ready: status === 'ready' ? live : 0,
});

describe('tableStatus', () => {
  it.each<{ open: Open[]; status: TableStatus }>([
    { open: [], status: 'free' },
    { open: [['placed', 0]], status: 'seated' },
    { open: [['placed', 2]], status: 'ordered' },
    { open: [['fired', 1]], status: 'in-kitchen' },
    { open: [['preparing', 3]], status: 'in-kitchen' },
    { open: [['ready', 1]], status: 'food-ready' },
    { open: [['served', 2]], status: 'served' },
    { open: [['served', 2], ['served', 1]], status: 'served' },
    { open: [['fired', 1], ['ready', 1]], status: 'food-ready' },
    { open: [['served', 1], ['ready', 1]], status: 'food-ready' },
    { open: [['served', 1], ['preparing', 1]], status: 'in-kitchen' },
    { open: [['placed', 1], ['fired', 1]], status: 'in-kitchen' },
    { open: [['placed', 0], ['placed', 2]], status: 'ordered' },
    { open: [['served', 2], ['placed', 1]], status: 'ordered' },
    // the host opened the table empty and the guests ordered on their phones: their food is served
    { open: [['placed', 0], ['served', 2]], status: 'served' },
    { open: [['served', 1], ['placed', 0]], status: 'served' },
  ])('open orders $open (status, live lines) make the table $status', ({ open, status }) => {
    expect(tableStatus(open.map(([s, live]) => linesOf(s, live)))).toBe(status);
  });

  it.each<{ open: [OrderStatus, boolean][]; status: TableStatus }>([
    { open: [['served', true]], status: 'bill-requested' },
    { open: [['preparing', true]], status: 'bill-requested' },
    { open: [['placed', false], ['served', true]], status: 'bill-requested' },
    { open: [['ready', true]], status: 'food-ready' },
    { open: [['served', false]], status: 'served' },
  ])('open orders $open (status, bill requested) make the table $status', ({ open, status }) => {
    expect(tableStatus(open.map(([s, billRequested]) => ({ ...linesOf(s, 1), billRequested })))).toBe(status);
  });

  it('does not say bill requested for a bill paid in full (a held course keeps it open), but does for another bill beside it', () => {
    const paidHeld = { ...linesOf('placed', 1), billRequested: true, paidInFull: true };
    expect(tableStatus([paidHeld])).toBe('ordered');
    expect(tableStatus([paidHeld, { ...linesOf('served', 1), billRequested: true }])).toBe('bill-requested');
  });
});

describe('the floor derived from stored orders', () => {
  it('shows each table by its open orders: paid orders free the table, an empty opened one seats it', () => {
    const s = openDemoStore();
    const tofu = { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-regular'] };
    const at = (tableId: string, fire = true) =>
      s.run(() => s.service.place({ channel: 'pos', tableId, fire, lines: tableId === 't-a2' ? [] : [tofu] }, s.ctx(waiter)));

    at('t-a1');
    at('t-a2');
    at('t-a3', false);
    const paid = at('t-a4');
    s.run(() => s.service.pay(paid.id, { tender: 'cash', amountMinor: paid.totalMinor }, s.ctx(cashier)));

    const byTable = Object.fromEntries(s.floor.floor().tables.map((t) => [t.id, [t.status, t.openOrderIds.length]]));
    expect(byTable).toMatchObject({
      't-a1': ['in-kitchen', 1],
      't-a2': ['seated', 1],
      't-a3': ['ordered', 1],
      't-a4': ['free', 0],
      't-a5': ['free', 0],
    });
    s.db.close();
  });
});

describe('a table the host opened and the guests ordered at on their phones', () => {
  it("says served once the phones' food is served, not seated (the host's opening order stays empty)", () => {
    const s = openDemoStore();
    s.place(waiter, { channel: 'pos', tableId: 't-a1', guestCount: 2, lines: [] });
    const phone = s.place(table('t-a1'), { channel: 'qr', lines: [tofu()] });
    const statusOfA1 = () => s.floor.floor().tables.find((t) => t.id === 't-a1')!.status;
    s.run(() => s.service.setLineStatus(phone.id, { status: 'ready' }, s.ctx(kitchen)));
    expect(statusOfA1()).toBe('food-ready');
    s.run(() => s.service.setLineStatus(phone.id, { status: 'served' }, s.ctx(waiter)));
    expect(statusOfA1()).toBe('served');
    s.db.close();
  });
});

describe('a bill asked for and then paid in full while a course is held', () => {
  it('no longer says bill requested (nothing is left to pay): the table waits for its held course', () => {
    const s = openDemoStore();
    const order = s.place(waiter, { channel: 'pos', tableId: 't-a2', lines: [tofu(), tofu({ course: 2, hold: true })] });
    const statusOfA2 = () => s.floor.floor().tables.find((t) => t.id === 't-a2')!.status;
    s.run(() => s.service.setLineStatus(order.id, { status: 'ready' }, s.ctx(kitchen)));
    s.run(() => s.service.setLineStatus(order.id, { status: 'served' }, s.ctx(waiter)));
    s.run(() => s.service.requestBill(order.id, true, s.ctx(waiter)));
    expect(statusOfA2()).toBe('bill-requested');
    const paid = s.run(() => s.service.pay(order.id, { tender: 'cash', amountMinor: order.totalMinor }, s.ctx(cashier))).order;
    expect([paid.status, paid.dueMinor]).toEqual(['preparing', 0]); // open: its course 2 is still to cook
    expect(statusOfA2()).toBe('ordered');
    s.db.close();
  });
});

describe("a phone's bill request at a table the host opened empty", () => {
  it('leaves no "bill requested" on the empty opening order once the food is paid: it has no bill', () => {
    const s = openDemoStore();
    s.place(waiter, { channel: 'pos', tableId: 't-a3', guestCount: 2, lines: [] });
    const phone = s.place(table('t-a3'), { channel: 'qr', lines: [tofu()] });
    const statusOfA3 = () => s.floor.floor().tables.find((t) => t.id === 't-a3')!.status;
    s.run(() => s.service.setLineStatus(phone.id, { status: 'ready' }, s.ctx(kitchen)));
    s.run(() => s.service.setLineStatus(phone.id, { status: 'served' }, s.ctx(waiter)));
    expect(s.run(() => s.service.requestBillFromTable(s.ctx(table('t-a3'))))).toHaveLength(2);
    expect(statusOfA3()).toBe('bill-requested');
    s.run(() => s.service.pay(phone.id, { tender: 'cash', amountMinor: phone.totalMinor }, s.ctx(cashier)));
    // the empty order is still open (a waiter voids it): the table is opened, with nothing ordered or asked for
    expect(s.floor.floor().tables.find((t) => t.id === 't-a3')!.openOrderIds).toHaveLength(1);
    expect(statusOfA3()).toBe('seated');
    s.db.close();
  });
});

describe('openWaiterCalls', () => {
  const call = (seq: number, tableId: string, at = seq * 1000, reason?: 'bill') =>
    ({ kind: 'called', call: { seq, at, table: { id: tableId, name: tableId }, note: null, ...(reason ? { reason } : {}) } }) as const;
  const ack = (tableId: string, throughSeq: number) => ({ kind: 'acknowledged', tableId, throughSeq }) as const;
  const seqs = (calls: { seq: number }[]) => calls.map((c) => c.seq);

  it("clears a table's calls up to the seq acknowledged, not a later call nor another table's", () => {
    const open = openWaiterCalls([], [call(1, 't-a1'), call(2, 't-a2'), call(3, 't-a1', 3000, 'bill'), ack('t-a1', 1), call(5, 't-a1')], 0);
    expect(seqs(open)).toEqual([2, 3, 5]);
    expect(seqs(openWaiterCalls(open, [ack('t-a1', 5)], 0))).toEqual([2]);
  });

  it('folds the facts after what it derived before as if it had read them all at once', () => {
    const facts = [call(1, 't-a1'), call(2, 't-a2'), ack('t-a2', 2), call(4, 't-a2'), ack('t-a1', 1)];
    for (let cut = 0; cut <= facts.length; cut++) {
      expect(openWaiterCalls(openWaiterCalls([], facts.slice(0, cut), 0), facts.slice(cut), 0)).toEqual(openWaiterCalls([], facts, 0));
    }
  });

  it('leaves out calls made before the look-back', () => {
    expect(seqs(openWaiterCalls([], [call(1, 't-a1', 100), call(2, 't-a2', 5000)], 1000))).toEqual([2]);
  });
});
