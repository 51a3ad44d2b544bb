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
