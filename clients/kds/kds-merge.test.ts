import { describe, expect, it } from 'vitest';
import type { HubEvent, Order, OrderLine } from '../../hub/protocol/index.ts';
import { ev, line, order, T0 } from './board-fixtures.ts';
import { KitchenBoard } from './board.ts';
import { buildTickets, type MenuTargets } from './tickets.ts';

const sum = (o: Order) => ({ id: o.id, number: o.number, status: o.status, tableId: o.tableId, subtotalMinor: 0, discountMinor: 0, totalMinor: 0, paidMinor: 0, dueMinor: 0, revision: o.revision, rush: o.rush });
const targets: MenuTargets = { item: new Map(), station: new Map() };

describe('a merge while the board holds a newer copy of the order it joined', () => {
  it('drops the merged-away order even when the into order already has a newer copy', () => {
    const board = new KitchenBoard();
    const moved = line();
    const kept = line();
    const from = order([moved], { tableId: 't2' });
    const into = order([kept]);
    board.apply([ev('order.placed', { order: from }), ev('order.placed', { order: into })]);
    // hub: merge (into rev 2), then this screen bumps `kept` (into rev 3); the bump's answer lands first
    expect(board.upsert({ ...into, revision: 3, lines: [{ ...kept, status: 'ready', readyAt: T0 }, moved] })).toBe(true);
    board.apply([ev('order.merged', { merged: { ...sum(from), status: 'merged', revision: 2 }, order: { ...sum(into), revision: 2 }, lineIds: [moved.id], paymentIds: [] })]);
    const tickets = buildTickets(board.orders.values(), targets, { kind: 'station', stationId: 'hot' }, T0);
    const shown = tickets.flatMap((t) => t.lines.filter((l) => l.line.id === moved.id).map(() => t.order.id));
    expect(shown).toEqual([into.id]);
    expect(board.orders.has(from.id)).toBe(false);
  });
});

describe('lines moved in by a merge of two tables', () => {
  const MIN = 60_000;
  const hot = { kind: 'station', stationId: 'hot' } as const;
  /** Table A1 ordered first; table A2 sat down ten minutes later, and the waiter merges A2 into A1. */
  function merged() {
    const board = new KitchenBoard();
    const first = line();
    const later = line({ addedAt: T0 + 10 * MIN, firedAt: T0 + 10 * MIN });
    const into = order([first], { tableId: 't-a1' });
    const from = order([later], { tableId: 't-a2', createdAt: T0 + 10 * MIN });
    board.apply([ev('order.placed', { order: into }), ev('order.placed', { order: from })]);
    board.apply([
      ev('order.merged', { merged: { ...sum(from), status: 'merged', revision: 2 }, order: { ...sum(into), revision: 2 }, lineIds: [later.id], paymentIds: [] }, T0 + 15 * MIN),
    ]);
    return { board, first, later, into, from };
  }
  const marks = (orders: Iterable<Order>, now: number) =>
    buildTickets(orders, targets, hot, now).flatMap((t) => t.lines.map((l) => [l.line.id, l.isAddOn, l.mergedFrom?.tableId ?? null]));

  it('shows them as part of the ticket, marked with the table they came from, not as dishes the guests added', () => {
    const { board, first, later, from } = merged();
    expect(marks(board.orders.values(), T0 + 16 * MIN)).toEqual([
      [first.id, false, null],
      [later.id, false, 't-a2'],
    ]);
    // as the hub marks the line (hub/domain/merge-origin.ts mergedFromOf)
    const moved = [...board.orders.values()].flatMap((o) => o.lines).find((l) => l.id === later.id);
    expect(moved?.mergedFrom).toEqual({ orderId: from.id, number: from.number, tableId: 't-a2' });
  });

  it('still shows a dish added to the joined order afterwards as an add-on', () => {
    const { board, into } = merged();
    const more = line({ addedAt: T0 + 20 * MIN, firedAt: T0 + 20 * MIN });
    board.apply([ev('order.lines_added', { order: { ...sum(into), revision: 3 }, lines: [more] }, T0 + 20 * MIN)]);
    expect(marks(board.orders.values(), T0 + 21 * MIN).find(([id]) => id === more.id)).toEqual([more.id, true, null]);
  });

  it('lists them with the ticket, ahead of an add-on made before the merge (the add-on heading would cover them)', () => {
    const board = new KitchenBoard();
    const first = line();
    const addOn = line({ addedAt: T0 + 5 * MIN, firedAt: T0 + 5 * MIN });
    const later = line({ addedAt: T0 + 10 * MIN, firedAt: T0 + 10 * MIN });
    const into = order([first, addOn], { tableId: 't-a1' });
    const from = order([later], { tableId: 't-a2', createdAt: T0 + 10 * MIN });
    board.apply([ev('order.placed', { order: into }), ev('order.placed', { order: from })]);
    board.apply([
      ev('order.merged', { merged: { ...sum(from), status: 'merged', revision: 2 }, order: { ...sum(into), revision: 2 }, lineIds: [later.id], paymentIds: [] }, T0 + 15 * MIN),
    ]);
    expect(marks(board.orders.values(), T0 + 16 * MIN)).toEqual([
      [first.id, false, null],
      [later.id, false, 't-a2'],
      [addOn.id, true, null],
    ]);
  });

  it('keeps the mark across a stream reset: the snapshot has the joined order, its lines saying where they came from', () => {
    const { board, first, into } = merged();
    const later = [...board.orders.values()].flatMap((o) => o.lines).find((l) => l.mergedFrom)!;
    board.loadSnapshot({ epoch: 'e', seq: 9, menuVersion: 1, orders: [{ ...into, revision: 2, lines: [first, later] }] });
    expect(marks(board.orders.values(), T0 + 16 * MIN)).toEqual([
      [first.id, false, null],
      [later.id, false, 't-a2'],
    ]);
  });

  it("marks them on a screen that loads afresh, which never saw the merge: the hub's lines say where they came from", () => {
    const first = line();
    const later = line({ addedAt: T0 + 10 * MIN, firedAt: T0 + 10 * MIN, mergedFrom: { orderId: 'o-a2', number: 12, tableId: 't-a2' } });
    const board = new KitchenBoard();
    board.loadSnapshot({ epoch: 'e', seq: 9, menuVersion: 1, orders: [order([first, later], { tableId: 't-a1', revision: 2 })] });
    expect(marks(board.orders.values(), T0 + 16 * MIN)).toEqual([
      [first.id, false, null],
      [later.id, false, 't-a2'],
    ]);
  });

  it('does not mark a dish moved while held: it is fired under the order it joined, and its ticket carries that number', () => {
    const board = new KitchenBoard();
    const first = line();
    const held = line({ status: 'held', firedAt: null });
    const into = order([first], { tableId: 't-a1' });
    const from = order([held], { tableId: 't-a2' });
    board.apply([ev('order.placed', { order: into }), ev('order.placed', { order: from })]);
    board.apply([ev('order.merged', { merged: { ...sum(from), status: 'merged', revision: 2 }, order: { ...sum(into), revision: 2 }, lineIds: [held.id], paymentIds: [] })]);
    board.apply([ev('order.lines_fired', { order: { ...sum(into), revision: 3 }, lineIds: [held.id], firedAt: T0 + MIN }, T0 + MIN)]);
    expect(marks(board.orders.values(), T0 + 2 * MIN).map(([id, , table]) => [id, table])).toEqual([
      [first.id, null],
      [held.id, null],
    ]);
  });

  it('keeps the first table of a dish merged on again', () => {
    const { board, later, into } = merged();
    const c = order([line()], { tableId: 't-a3' });
    board.apply([ev('order.placed', { order: c })]);
    board.apply([ev('order.merged', { merged: { ...sum(into), status: 'merged', revision: 3 }, order: { ...sum(c), revision: 2 }, lineIds: [into.lines[0]!.id, later.id], paymentIds: [] })]);
    const lines = board.orders.get(c.id)!.lines;
    expect(lines.map((l) => [l.id, l.mergedFrom?.tableId ?? null])).toEqual([
      [c.lines[0]!.id, null],
      [into.lines[0]!.id, 't-a1'],
      [later.id, 't-a2'],
    ]);
  });
});
