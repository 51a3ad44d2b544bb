import { describe, expect, it } from 'vitest';
import type { HubEvent, Order, OrderLine } from '../../hub/protocol/index.ts';
import { KitchenBoard } from './board.ts';
import { allDayCounts, buildTickets, recentlyBumped, urgencyOf, type MenuTargets } from './tickets.ts';

const T0 = Date.UTC(2025, 0, 1, 4, 0, 0);
const MIN = 60_000;
const targets: MenuTargets = {
  item: new Map([
    ['fish-head', 1200],
    ['cola', 60],
    ['mapo', null],
  ]),
  station: new Map([
    ['hot', 600],
    ['bar', 240],
  ]),
};

let seq = 0;
function makeLine(over: Partial<OrderLine> = {}): OrderLine {
  const itemId = over.itemId ?? 'mapo';
  return {
    id: `l${++seq}`,
    itemId,
    nameZh: itemId,
    nameEn: itemId,
    stationId: 'hot',
    qty: 1,
    unitPriceMinor: 1000,
    lineTotalMinor: 1000,
    options: [],
    note: null,
    course: 1,
    status: 'fired',
    voidReason: null,
    addedAt: T0,
    firedAt: T0,
    readyAt: null,
    servedAt: null,
    addedByStaffId: null,
    ...over,
  };
}
function makeOrder(lines: OrderLine[], over: Partial<Order> = {}): Order {
  return {
    id: `o${++seq}`,
    number: seq,
    businessDate: '2025-01-01',
    channel: 'pos',
    tableId: 't-a1',
    guestCount: null,
    note: null,
    status: 'fired',
    lines,
    payments: [],
    subtotalMinor: 0,
    discountMinor: 0,
    discountReason: null,
    totalMinor: 0,
    paidMinor: 0,
    dueMinor: 0,
    revision: 1,
    createdAt: T0,
    updatedAt: T0,
    closedAt: null,
    quotedReadyAt: null,
    rush: false,
    deviceId: null,
    staffId: null,
    staffName: null,
    ...over,
  };
}
const hot = { kind: 'station', stationId: 'hot' } as const;
const expo = { kind: 'expo' } as const;
const ids = (ts: { order: Order }[]) => ts.map((t) => t.order.id);

describe('urgency', () => {
  it.each([
    [0, 'ok'],
    [7.4 * MIN, 'ok'],
    [7.5 * MIN, 'warn'],
    [9.9 * MIN, 'warn'],
    [10 * MIN, 'late'],
  ] as const)('a ticket %i ms into a 10-minute target is %s', (age, expected) => {
    expect(urgencyOf(age, 10 * MIN)).toBe(expected);
  });

  it("uses the item's own target, else the station's, and the most urgent line decides", () => {
    const fish = makeLine({ itemId: 'fish-head' });
    const tofu = makeLine({ itemId: 'mapo' });
    const order = makeOrder([fish, tofu]);
    const at = (m: number) => buildTickets([order], targets, hot, T0 + m * MIN)[0]!;
    expect(at(8).urgency).toBe('warn'); // tofu: 8 of the hot station's 10 minutes
    expect(at(11).urgency).toBe('late');
    expect(at(11).lines.map((l) => [l.line.itemId, l.isLate])).toEqual([
      ['fish-head', false],
      ['mapo', true],
    ]);
    expect(buildTickets([makeOrder([makeLine({ itemId: 'fish-head' })])], targets, hot, T0 + 11 * MIN)[0]!.urgency).toBe('ok');
  });
});

describe('station tickets', () => {
  it("shows only the station's sent lines, counts held ones, and drops the ticket once bumped", () => {
    const tofu = makeLine();
    const drink = makeLine({ stationId: 'bar', itemId: 'cola' });
    const dessert = makeLine({ status: 'held', firedAt: null, course: 2 });
    const order = makeOrder([tofu, drink, dessert]);
    const [t] = buildTickets([order], targets, hot, T0);
    expect(t!.lines.map((l) => l.line.id)).toEqual([tofu.id]);
    expect(t!.heldCount).toBe(1);
    expect(t!.bumpLineIds).toEqual([tofu.id]);
    const bumped = makeOrder([{ ...tofu, status: 'ready', readyAt: T0 }, drink, dessert]);
    expect(buildTickets([bumped], targets, hot, T0)).toEqual([]);
  });

  it('sorts voided first, then rush, then overdue (earliest due first), then oldest', () => {
    const old = makeOrder([makeLine({ itemId: 'fish-head', firedAt: T0 })]);
    const lateDrinkish = makeOrder([makeLine({ firedAt: T0 + 1 * MIN })]); // due at 11 min
    const lateEarlier = makeOrder([makeLine({ firedAt: T0 + 0.5 * MIN })]); // due at 10.5 min
    const rush = makeOrder([makeLine({ firedAt: T0 + 2 * MIN })], { rush: true });
    const voided = makeOrder([makeLine({ status: 'voided', voidReason: 'left' })], { status: 'voided' });
    const fresh = makeOrder([makeLine({ firedAt: T0 + 12 * MIN })]);
    const tickets = buildTickets([old, lateDrinkish, fresh, lateEarlier, rush, voided], targets, hot, T0 + 12 * MIN);
    expect(ids(tickets)).toEqual([voided.id, rush.id, lateEarlier.id, lateDrinkish.id, old.id, fresh.id]);
  });

  it('marks add-ons, and keeps a voided line the cooks may have started until it is acknowledged', () => {
    const first = makeLine();
    const addOn = makeLine({ addedAt: T0 + 5 * MIN, firedAt: T0 + 5 * MIN });
    const voided = makeLine({ status: 'voided', voidReason: 'changed mind' });
    const order = makeOrder([first, addOn, voided]);
    const [t] = buildTickets([order], targets, hot, T0 + 6 * MIN);
    expect(t!.lines.map((l) => [l.line.id, l.state, l.isAddOn])).toEqual([
      [first.id, 'pending', false],
      [voided.id, 'voided', false],
      [addOn.id, 'pending', true],
    ]);
    const onlyVoided = makeOrder([makeLine({ status: 'voided', voidReason: 'x' })]);
    expect(buildTickets([onlyVoided], targets, hot, T0)).toHaveLength(1);
    expect(buildTickets([onlyVoided], targets, hot, T0, new Set([onlyVoided.lines[0]!.id]))).toEqual([]);
  });
});

describe('expo tickets', () => {
  it('turn ready when every station has bumped, and bumping serves the ready lines', () => {
    const tofu = makeLine({ status: 'ready', readyAt: T0 + MIN });
    const drink = makeLine({ stationId: 'bar', itemId: 'cola' });
    const waiting = buildTickets([makeOrder([tofu, drink])], targets, expo, T0 + 2 * MIN)[0]!;
    expect(waiting.isReady).toBe(false);
    expect(waiting.stations).toEqual([
      { stationId: 'hot', done: 1, total: 1 },
      { stationId: 'bar', done: 0, total: 1 },
    ]);
    expect(waiting.urgency).toBe('late'); // the one-minute cola is two minutes in
    const ready = buildTickets([makeOrder([tofu, { ...drink, status: 'ready', readyAt: T0 }])], targets, expo, T0)[0]!;
    expect(ready.isReady).toBe(true);
    expect(ready.bumpLineIds).toEqual([tofu.id, drink.id]);
    expect(buildTickets([makeOrder([{ ...tofu, status: 'served' }])], targets, expo, T0)).toEqual([]);
  });
});

describe('all-day counts and recall', () => {
  it('sums what is waiting per item, across tickets', () => {
    const tickets = buildTickets(
      [makeOrder([makeLine({ qty: 2 }), makeLine({ itemId: 'fish-head' })]), makeOrder([makeLine({ qty: 3 }), makeLine({ status: 'ready', readyAt: T0 })])],
      targets,
      hot,
      T0,
    );
    expect(allDayCounts(tickets).map((c) => [c.itemId, c.qty])).toEqual([
      ['mapo', 5],
      ['fish-head', 1],
    ]);
  });

  it('lists recallable tickets of the station, most recently bumped first', () => {
    const a = makeOrder([makeLine({ status: 'ready', readyAt: T0 + MIN })]);
    const b = makeOrder([makeLine({ status: 'ready', readyAt: T0 + 2 * MIN }), makeLine({ stationId: 'bar', status: 'ready', readyAt: T0 })]);
    const served = makeOrder([makeLine({ status: 'served', readyAt: T0 + 3 * MIN })]);
    const bumped = recentlyBumped([a, b, served], 'hot');
    expect(bumped.map((x) => [x.order.id, x.lineIds.length])).toEqual([
      [b.id, 1],
      [a.id, 1],
    ]);
  });
});

describe('KitchenBoard', () => {
  const event = <T extends HubEvent['type']>(type: T, payload: Extract<HubEvent, { type: T }>['payload'], s = ++seq): HubEvent =>
    ({ seq: s, type, at: T0, deviceId: null, staffId: null, payload }) as HubEvent;
  const summary = (o: Order) => ({
    id: o.id,
    number: o.number,
    status: o.status,
    tableId: o.tableId,
    subtotalMinor: 0,
    discountMinor: 0,
    totalMinor: 0,
    paidMinor: 0,
    dueMinor: 0,
    revision: o.revision,
    rush: o.rush,
  });

  it('applies placement, bumps and recalls, and reports what arrived at the stations', () => {
    const board = new KitchenBoard();
    const line = makeLine();
    const order = makeOrder([line]);
    expect(board.apply([event('order.placed', { order })])).toEqual([{ orderId: order.id, lines: [line] }]);
    board.apply([event('order.lines_status_changed', { order: { ...summary(order), revision: 2 }, lineIds: [line.id], status: 'ready', at: T0 + MIN })]);
    expect(board.orders.get(order.id)!.lines[0]).toMatchObject({ status: 'ready', readyAt: T0 + MIN });
    const arrivals = board.apply([event('order.lines_recalled', { order: { ...summary(order), revision: 3 }, lineIds: [line.id], at: T0 + 2 * MIN })]);
    expect(arrivals[0]!.lines.map((l) => l.status)).toEqual(['preparing']);
    expect(board.orders.get(order.id)!.lines[0]!.readyAt).toBeNull();
  });

  it('reports what a snapshot brought to the stations that the board did not have (a reset after an outage)', () => {
    const board = new KitchenBoard();
    const known = makeLine();
    const first = makeOrder([known]);
    board.loadSnapshot({ epoch: 'e', seq: 1, menuVersion: 1, orders: [first] });
    // while the screen was away: a line added to the known ticket, a new order, one placed and already bumped
    const added = makeLine({ itemId: 'rice' });
    const held = makeLine({ itemId: 'bao', status: 'held', firedAt: null });
    const fresh = makeLine();
    const second = makeOrder([fresh, held]);
    const done = makeOrder([makeLine({ status: 'ready', readyAt: T0 + MIN })]);
    const arrivals = board.loadSnapshot({ epoch: 'e', seq: 9, menuVersion: 1, orders: [makeOrder([known, added], { id: first.id }), second, done] });
    expect(arrivals).toEqual([
      { orderId: first.id, lines: [added] },
      { orderId: second.id, lines: [fresh] },
    ]);
  });

  it('never steps back to an older revision than an HTTP answer already brought', () => {
    const board = new KitchenBoard();
    const line = makeLine();
    const order = makeOrder([line]);
    board.apply([event('order.placed', { order })]);
    expect(board.upsert({ ...order, revision: 5, lines: [{ ...line, status: 'ready' }] })).toBe(true);
    board.apply([event('order.lines_status_changed', { order: { ...summary(order), revision: 4 }, lineIds: [line.id], status: 'preparing', at: T0 })]);
    expect(board.orders.get(order.id)!.lines[0]!.status).toBe('ready');
    expect(board.upsert({ ...order, revision: 3 })).toBe(false);
  });

  it('does not bring back an order that left the board when a retried bump gets the hub’s stored, older answer', () => {
    const board = new KitchenBoard();
    const line = makeLine();
    const order = makeOrder([line]);
    board.apply([event('order.placed', { order })]);
    // the station's "ready" commits (revision 2), but its answer is lost on the Wi-Fi; expo serves, the
    // guest pays, and the order leaves the board
    const ready = { ...order, revision: 2, status: 'ready' as const, lines: [{ ...line, status: 'ready' as const, readyAt: T0 + MIN }] };
    board.apply([
      event('order.lines_status_changed', { order: summary(ready), lineIds: [line.id], status: 'ready', at: T0 + MIN }),
      event('order.lines_status_changed', { order: { ...summary(ready), status: 'served', revision: 3 }, lineIds: [line.id], status: 'served', at: T0 + 2 * MIN }),
      event('order.closed', { order: { ...summary(ready), status: 'closed', revision: 4 } }),
    ]);
    expect(board.orders.has(order.id)).toBe(false);
    // the retry, same Idempotency-Key, gets the answer the hub stored for the first try
    expect(board.upsert(ready)).toBe(false);
    board.forgetCollected(T0);
    expect(board.orders.has(order.id)).toBe(false);
  });

  it('does not bring back a table merged into another when an answer about it comes late', () => {
    const board = new KitchenBoard();
    const from = makeOrder([makeLine()], { tableId: 't-a2' });
    const into = makeOrder([makeLine()]);
    board.apply([event('order.placed', { order: from }), event('order.placed', { order: into })]);
    board.apply([event('order.merged', { merged: { ...summary(from), status: 'merged', revision: 2 }, order: { ...summary(into), revision: 2 }, lineIds: [from.lines[0]!.id], paymentIds: [] })]);
    expect(board.upsert({ ...from, rush: true })).toBe(false);
    expect(board.orders.has(from.id)).toBe(false);
  });

  it('keeps lines added to an order it never saw, and marks the order to be fetched whole', () => {
    const board = new KitchenBoard();
    const order = makeOrder([]);
    const added = makeLine();
    board.apply([event('order.lines_added', { order: summary(order), lines: [added] })]);
    expect(board.orders.get(order.id)!.lines).toEqual([added]);
    expect([...board.partial]).toEqual([order.id]);
    board.upsert({ ...order, lines: [added] });
    expect(board.partial.size).toBe(0);
  });

  it('moves a merged table\'s lines, with their kitchen progress, onto the order it was merged into', () => {
    const board = new KitchenBoard();
    const cooking = makeLine({ status: 'preparing' });
    const from = makeOrder([cooking], { tableId: 't-a2' });
    const kept = makeLine();
    const into = makeOrder([kept]);
    board.apply([event('order.placed', { order: from }), event('order.placed', { order: into })]);
    board.apply([
      event('order.merged', {
        merged: { ...summary(from), status: 'merged', revision: 2 },
        order: { ...summary(into), revision: 2 },
        lineIds: [cooking.id],
        paymentIds: [],
      }),
    ]);
    expect(board.orders.has(from.id)).toBe(false);
    // marked as the hub marks it: fired on the table it came from
    expect(board.orders.get(into.id)!.lines).toEqual([kept, { ...cooking, mergedFrom: { orderId: from.id, number: from.number, tableId: 't-a2' } }]);
    expect(board.partial.size).toBe(0);
  });

  it('fetches the merged order whole when it never had the lines that moved', () => {
    const board = new KitchenBoard();
    const into = makeOrder([makeLine()]);
    board.apply([event('order.placed', { order: into })]);
    board.apply([event('order.merged', { merged: { ...summary(makeOrder([])), status: 'merged' }, order: { ...summary(into), revision: 2 }, lineIds: ['l-unknown'], paymentIds: [] })]);
    expect([...board.partial]).toEqual([into.id]);
  });

  it('forgets a paid order two hours after its food was bumped ready, as the hub’s snapshot leaves it out', () => {
    const board = new KitchenBoard();
    const HOUR = 3_600_000;
    const collected = makeOrder([makeLine({ status: 'ready', readyAt: 10 * HOUR })], { id: 'o-collected', status: 'closed' });
    const cooking = makeOrder([makeLine({ status: 'fired', readyAt: null })], { id: 'o-cooking', status: 'closed' });
    const dineIn = makeOrder([makeLine({ status: 'ready', readyAt: 10 * HOUR })], { id: 'o-dine-in', status: 'ready' });
    board.loadSnapshot({ epoch: 'e', seq: 1, menuVersion: 1, orders: [collected, cooking, dineIn] });
    board.forgetCollected(10 * HOUR); // bumped ready at 10:00, asked at noon: still kept
    expect([...board.orders.keys()]).toEqual(['o-collected', 'o-cooking', 'o-dine-in']);
    board.forgetCollected(10 * HOUR + 1);
    expect([...board.orders.keys()]).toEqual(['o-cooking', 'o-dine-in']);
  });

  it('keeps a voided order whose food was on the screens two hours after the void, as the hub’s snapshot does, and no other voided order', () => {
    const board = new KitchenBoard();
    const HOUR = 3_600_000;
    const voidedAt = 10 * HOUR;
    const cooking = makeOrder([makeLine({ status: 'voided', voidReason: 'left' })], { id: 'o-void-cooking', status: 'voided', updatedAt: voidedAt });
    const neverFired = makeOrder([makeLine({ status: 'voided', voidReason: 'left', firedAt: null })], { id: 'o-void-held', status: 'voided', updatedAt: voidedAt });
    const allBumped = makeOrder([makeLine({ status: 'voided', voidReason: 'left', readyAt: voidedAt - HOUR })], { id: 'o-void-bumped', status: 'voided', updatedAt: voidedAt });
    board.loadSnapshot({ epoch: 'e', seq: 1, menuVersion: 1, orders: [cooking, neverFired, allBumped] });
    board.forgetCollected(voidedAt); // voided at 10:00, asked at noon: the notice is still owed
    expect([...board.orders.keys()]).toEqual(['o-void-cooking']);
    board.forgetCollected(voidedAt + 1);
    expect(board.orders.size).toBe(0);
  });

  it('keeps a paid order with a line voided while cooking for two hours after, as the hub’s snapshot does', () => {
    const board = new KitchenBoard();
    const HOUR = 3_600_000;
    const paidAt = 10 * HOUR;
    const order = makeOrder([makeLine({ status: 'voided', voidReason: '做错了' }), makeLine({ status: 'served', readyAt: paidAt - HOUR })], {
      id: 'o-paid-void',
      status: 'closed',
      updatedAt: paidAt,
    });
    board.loadSnapshot({ epoch: 'e', seq: 1, menuVersion: 1, orders: [order] });
    board.forgetCollected(paidAt); // paid at 10:00, asked at noon: the void's notice is still owed
    expect([...board.orders.keys()]).toEqual(['o-paid-void']);
    const [ticket] = buildTickets([...board.orders.values()], targets, hot, paidAt);
    expect(ticket?.lines.map((l) => l.state)).toContain('voided');
    board.forgetCollected(paidAt + 1);
    expect(board.orders.size).toBe(0);
  });

  it('forgets a paid order once its food has left the kitchen', () => {
    const board = new KitchenBoard();
    const line = makeLine({ status: 'served' });
    const order = makeOrder([line]);
    board.apply([event('order.placed', { order })]);
    board.apply([event('order.closed', { order: { ...summary(order), status: 'closed', revision: 2 } })]);
    expect(board.orders.has(order.id)).toBe(false);
  });
});
