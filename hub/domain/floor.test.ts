import { describe, expect, it } from 'vitest';
import type { TableStatus } from '../protocol/floor.ts';
import type { OrderStatus } from '../protocol/orders.ts';
import { tableStatus, type OpenOrderLines } from './floor.ts';
import { cashier, openDemoStore, waiter } from './test-support.ts';

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
