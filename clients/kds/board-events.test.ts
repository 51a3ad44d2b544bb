/**
 * The board against events built by hand in the shapes hub/protocol/events.ts gives, as
 * hub/domain/order-service.ts emits them.
 */
import { describe, expect, it } from 'vitest';
import type { HubEvent, Order, OrderLine, OrderSummary } from '../../hub/protocol/index.ts';
import { ev, line, order, T0 } from './board-fixtures.ts';
import { KitchenBoard } from './board.ts';
import { buildTickets, type MenuTargets } from './tickets.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const sum = (o: Order, over: Partial<OrderSummary> = {}): OrderSummary => ({
  id: o.id, number: o.number, status: o.status, tableId: o.tableId, subtotalMinor: 0, discountMinor: 0, totalMinor: 0, paidMinor: 0,
  dueMinor: 0, revision: o.revision, rush: o.rush, ...over,
});
const payment = { id: 'p1', tender: 'cash' as const, amountMinor: 1000, lines: [], tenderedMinor: 1000, changeMinor: 0, reference: null, createdAt: T0, staffId: null };
const targets: MenuTargets = { item: new Map(), station: new Map() };
const hot = { kind: 'station', stationId: 'hot' } as const;
const expo = { kind: 'expo' } as const;
/** What a view shows of the board: ticket → its lines' states. */
const shown = (board: KitchenBoard, view: typeof hot | typeof expo, now: number) =>
  buildTickets(board.orders.values(), targets, view, now).map((t) => [t.order.id, t.lines.map((l) => [l.line.id, l.state])]);

describe('a void notice on a bill that closes', () => {
  it('stays on the live screens when the void itself closes the bill (the rest paid and served), as after a reload', () => {
    const board = new KitchenBoard();
    const served = line({ status: 'served', readyAt: T0 + 5 * MIN, servedAt: T0 + 6 * MIN });
    const cooking = line({ firedAt: T0 + 10 * MIN });
    const o = order([served, cooking], { status: 'preparing' });
    board.apply([ev('order.placed', { order: o })]);
    // the guest paid for the first dish and cancels the second, still on the stove: a manager voids it, which
    // leaves the bill paid in full, and the hub closes it (settle) in the same change
    const voided: OrderLine = { ...cooking, status: 'voided', voidReason: '客人不要了' };
    const closedAt = T0 + 20 * MIN;
    board.apply([
      ev('order.line_voided', { order: sum(o, { status: 'closed', revision: 3 }), line: voided, wasFired: true }, closedAt),
      ev('order.closed', { order: sum(o, { status: 'closed', revision: 3 }) }, closedAt),
    ]);
    board.forgetCollected(closedAt - 2 * HOUR);
    const live = shown(board, hot, closedAt);
    // a screen that reloads now gets the order in the hub's snapshot (closed, a line voided while cooking)
    const reloaded = new KitchenBoard();
    reloaded.loadSnapshot({ epoch: 'e', seq: 9, menuVersion: 1, orders: [{ ...o, status: 'closed', lines: [served, voided], updatedAt: closedAt, revision: 3 }] });
    expect(shown(reloaded, hot, closedAt)).toEqual([[o.id, [[served.id, 'done'], [voided.id, 'voided']]]]);
    expect(live).toEqual(shown(reloaded, hot, closedAt));
    expect(shown(board, expo, closedAt)).toEqual(shown(reloaded, expo, closedAt));
    // and both forget it two hours after, as the hub's snapshot does
    board.forgetCollected(closedAt + 1);
    expect(board.orders.size).toBe(0);
  });

  it('stays on the live screens when the payment closing the bill comes after the void', () => {
    const board = new KitchenBoard();
    const served = line({ status: 'served', readyAt: T0 + 5 * MIN, servedAt: T0 + 6 * MIN });
    const cooking = line();
    const o = order([served, cooking], { status: 'preparing' });
    board.apply([ev('order.placed', { order: o })]);
    const voided: OrderLine = { ...cooking, status: 'voided', voidReason: 'wrong table' };
    board.apply([ev('order.line_voided', { order: sum(o, { status: 'served', revision: 2 }), line: voided, wasFired: true }, T0 + 8 * MIN)]);
    const paidAt = T0 + 9 * MIN;
    board.apply([
      ev('order.payment_taken', { order: sum(o, { status: 'closed', revision: 3, paidMinor: 1000 }), payment }, paidAt),
      ev('order.closed', { order: sum(o, { status: 'closed', revision: 3, paidMinor: 1000 }) }, paidAt),
    ]);
    board.forgetCollected(paidAt - 2 * HOUR);
    expect(shown(board, hot, paidAt)).toEqual([[o.id, [[served.id, 'done'], [voided.id, 'voided']]]]);
  });

  it('goes at the same time on a live screen as on a reloaded one after a late change the hub keeps quiet (refund, rush, served)', () => {
    const board = new KitchenBoard();
    const ready = line({ status: 'ready', readyAt: T0 + 5 * MIN });
    const cooking = line();
    const o = order([ready, cooking], { status: 'preparing' });
    board.apply([ev('order.placed', { order: o })]);
    const voided: OrderLine = { ...cooking, status: 'voided', voidReason: 'wrong table' };
    const closedAt = T0 + 20 * MIN;
    board.apply([
      ev('order.line_voided', { order: sum(o, { status: 'ready', revision: 2 }), line: voided, wasFired: true }, closedAt - MIN),
      ev('order.payment_taken', { order: sum(o, { status: 'closed', revision: 3, paidMinor: 1000 }), payment }, closedAt),
      ev('order.closed', { order: sum(o, { status: 'closed', revision: 3, paidMinor: 1000 }) }, closedAt),
    ]);
    // an hour on, with the next party at the table, expo serves the dish left ready, a cook flags a rush and a
    // manager refunds: the hub keeps the bill's last change at the close (quietForLaterParty, order-service.ts)
    const late = closedAt + HOUR;
    const refund = { id: 'r1', orderId: o.id, paymentId: 'p1', amountMinor: 100, lines: [], reference: null, reason: 'cold', createdAt: late, staffId: null };
    board.apply([
      ev('order.lines_status_changed', { order: sum(o, { status: 'closed', revision: 4, updatedAt: closedAt }), lineIds: [ready.id], status: 'served', at: late }, late),
      ev('order.rush_changed', { order: sum(o, { status: 'closed', revision: 5, rush: true, updatedAt: closedAt }) }, late),
      ev('order.refunded', { order: sum(o, { status: 'closed', revision: 6, rush: true, updatedAt: closedAt }), refund }, late),
    ]);
    expect(board.orders.get(o.id)?.updatedAt).toBe(closedAt);
    // two hours after the close a reloaded screen's snapshot has let the notice go: so does the live one
    const now = closedAt + 2 * HOUR + MIN;
    board.forgetCollected(now - 2 * HOUR);
    expect(board.orders.has(o.id)).toBe(false);
  });

  it("takes the last change the hub's summary names, and the event's time from a log older than that field", () => {
    const board = new KitchenBoard();
    const o = order([line()], { status: 'closed', tableId: null, updatedAt: T0 });
    board.loadSnapshot({ epoch: 'e', seq: 1, menuVersion: 1, orders: [o] });
    // the hub's word, whatever the board would make of the event (a takeaway's rush moves the hub's last change on)
    board.apply([ev('order.rush_changed', { order: sum(o, { revision: 2, rush: true, updatedAt: T0 + 30 * MIN }) }, T0 + HOUR)]);
    expect(board.orders.get(o.id)?.updatedAt).toBe(T0 + 30 * MIN);
    board.apply([ev('order.rush_changed', { order: sum(o, { revision: 3, rush: false }) }, T0 + 2 * HOUR)]);
    expect(board.orders.get(o.id)?.updatedAt).toBe(T0 + 2 * HOUR);
  });

  it('still forgets a paid bill whose food has all left the kitchen with no void owed', () => {
    const board = new KitchenBoard();
    const served = line({ status: 'served', readyAt: T0, servedAt: T0 });
    const neverFired = line({ status: 'voided', firedAt: null, voidReason: 'x' });
    const o = order([served, neverFired], { status: 'served' });
    board.apply([ev('order.placed', { order: o }), ev('order.closed', { order: sum(o, { status: 'closed', revision: 2 }) })]);
    expect(board.orders.has(o.id)).toBe(false);
  });
});

describe('a snapshot after an outage', () => {
  it('reports a course fired, and a dish recalled, while the screen was away as arrivals (chime and flash)', () => {
    const board = new KitchenBoard();
    const starter = line();
    const main = line({ course: 2, status: 'held', firedAt: null });
    const bumped = line({ status: 'ready', readyAt: T0 + MIN });
    const a = order([starter, main]);
    const b = order([bumped]);
    expect(board.loadSnapshot({ epoch: 'e', seq: 1, menuVersion: 1, orders: [a, b] })).toHaveLength(1);
    // away: the waiter fires course 2; the station's other screen recalls the bumped dish
    const fired = { ...main, status: 'fired' as const, firedAt: T0 + 20 * MIN };
    const recalled = { ...bumped, status: 'preparing' as const, readyAt: null };
    const arrivals = board.loadSnapshot({
      epoch: 'e',
      seq: 9,
      menuVersion: 1,
      orders: [{ ...a, lines: [starter, fired], revision: 2 }, { ...b, lines: [recalled], revision: 3 }],
    });
    expect(arrivals).toEqual([
      { orderId: a.id, lines: [fired] },
      { orderId: b.id, lines: [recalled] },
    ]);
  });
});

describe('a merge', () => {
  it("shows both orders' notes on the joined ticket, as the hub keeps them (an allergy noted on the merged-away order)", () => {
    const board = new KitchenBoard();
    const from = order([line()], { tableId: 't2', note: '花生过敏 peanut allergy' });
    const into = order([line()], { note: 'VIP' });
    board.apply([ev('order.placed', { order: from }), ev('order.placed', { order: into })]);
    board.apply([
      ev('order.merged', {
        merged: sum(from, { status: 'merged', revision: 2 }),
        order: sum(into, { revision: 2 }),
        lineIds: from.lines.map((l) => l.id),
        paymentIds: [],
      }),
    ]);
    const [ticket] = buildTickets(board.orders.values(), targets, hot, T0);
    expect(ticket!.order.note).toBe('VIP / 花生过敏 peanut allergy');
    // only the target had a note, only the source had one
    const board2 = new KitchenBoard();
    const from2 = order([line()], { note: 'no chilli' });
    const into2 = order([line()]);
    board2.apply([ev('order.placed', { order: from2 }), ev('order.placed', { order: into2 })]);
    board2.apply([ev('order.merged', { merged: sum(from2, { status: 'merged', revision: 2 }), order: sum(into2, { revision: 2 }), lineIds: [from2.lines[0]!.id], paymentIds: [] })]);
    expect(board2.orders.get(into2.id)!.note).toBe('no chilli');
  });
});

describe('an HTTP answer ahead of the stream', () => {
  it('still chimes for an add-on the answer brought before its own event (the event is then skipped as older)', () => {
    const board = new KitchenBoard();
    const first = line();
    const o = order([first]);
    board.apply([ev('order.placed', { order: o })]);
    // a waiter adds a dish (revision 2) as the cook taps rush (revision 3); the rush's answer lands first,
    // the stream being slow, and carries the add-on
    const addOn = line({ addedAt: T0 + 5 * MIN, firedAt: T0 + 5 * MIN });
    expect(board.upsert({ ...o, revision: 3, rush: true, lines: [first, addOn] })).toBe(true);
    const arrivals = board.apply([
      ev('order.lines_added', { order: sum(o, { revision: 2 }), lines: [addOn] }, T0 + 5 * MIN),
      ev('order.rush_changed', { order: sum(o, { revision: 3, rush: true }) }, T0 + 5 * MIN),
    ]);
    expect(arrivals).toEqual([{ orderId: o.id, lines: [addOn] }]);
    expect(board.orders.get(o.id)!.lines).toEqual([first, addOn]);
  });

  it('does not chime for food the answer shows bumped already', () => {
    const board = new KitchenBoard();
    const held = line({ status: 'held', firedAt: null, course: 2 });
    const o = order([line(), held]);
    board.apply([ev('order.placed', { order: o })]);
    // course 2 fired (revision 2) and bumped by this screen (revision 3) before the stream told of the fire
    expect(board.upsert({ ...o, revision: 3, lines: [o.lines[0]!, { ...held, status: 'ready', firedAt: T0, readyAt: T0 }] })).toBe(true);
    expect(board.apply([ev('order.lines_fired', { order: sum(o, { revision: 2 }), lineIds: [held.id], firedAt: T0 })])).toEqual([]);
  });
});

describe('a bill reopened after it left the board', () => {
  it('comes back (fetched whole), as the hub’s snapshot holds every open order', () => {
    const board = new KitchenBoard();
    const ready = line({ status: 'ready', readyAt: T0 });
    const o = order([ready], { channel: 'kiosk', tableId: null, status: 'ready' });
    board.apply([ev('order.placed', { order: o }), ev('order.closed', { order: sum(o, { status: 'closed', revision: 2 }) })]);
    board.forgetCollected(T0 + 1); // the food was left ready, never served: forgotten two hours on
    expect(board.orders.has(o.id)).toBe(false);
    board.apply([ev('order.reopened', { order: sum(o, { status: 'ready', revision: 3 }), reason: 'wrong change' }, T0 + 3 * HOUR)]);
    expect(board.orders.has(o.id)).toBe(true);
    expect([...board.partial]).toEqual([o.id]);
    expect(board.upsert({ ...o, revision: 3, updatedAt: T0 + 3 * HOUR })).toBe(true);
    const reloaded = new KitchenBoard();
    reloaded.loadSnapshot({ epoch: 'e', seq: 9, menuVersion: 1, orders: [{ ...o, revision: 3, updatedAt: T0 + 3 * HOUR }] });
    expect(shown(board, expo, T0 + 3 * HOUR)).toEqual(shown(reloaded, expo, T0 + 3 * HOUR));
  });
});
