/**
 * Rules met at the edges of service, on the demo store: two tablets seating one table, a reopened bill
 * whose table has new guests, what a customer's phone or a kiosk may ask of the kitchen, a merge that would
 * leave a bill paid beyond its total, and the kitchen's load counted with food already paid for.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addLinesSchema, type Order, type PlaceOrder } from '../protocol/orders.ts';
import { seatsOf } from './bill.ts';
import { discount, merge, pay, voidLine } from './order.ts';
import type { Principal } from './principal.ts';
import {
  cashier,
  DEFAULT_PACING,
  type DemoStore,
  domainErrorOf,
  kiosk,
  makeLine,
  makeOrder,
  manager,
  NOON,
  openDemoStore,
  outcomeOf,
  plum,
  rice,
  table,
  tofu,
  waiter,
  waiter2,
} from './test-support.ts';


const LATER = NOON + 60_000;

let s: DemoStore;
beforeEach(() => {
  s = openDemoStore();
});
afterEach(() => {
  s.db.close();
});

const place = (principal: Principal, input: PlaceOrder, now = NOON): Order => s.place(principal, input, now);
const seat = (tableId: string, extra: Partial<PlaceOrder> = {}): PlaceOrder => ({ channel: 'pos', tableId, guestCount: 2, lines: [], ...extra });
const openAt = (tableId: string) => s.floor.openOrderIds(tableId);

describe('seating a table that is already seated', () => {
  it('refuses a second tablet opening the same table (409 naming the open order) and writes nothing', () => {
    const first = place(waiter, seat('t-a1', { id: 'o-tablet-1' }));
    const events = s.events.length;

    const error = domainErrorOf(() => place(waiter2, seat('t-a1', { id: 'o-tablet-2', guestCount: 3 })));
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/A1/);
    expect(error.details).toMatchObject({ tableId: 't-a1', openOrderIds: [first.id] });
    expect(openAt('t-a1')).toEqual([first.id]);
    expect(s.orders.exists('o-tablet-2')).toBe(false);
    expect(s.events.length).toBe(events);
  });

  it('opens a separate check on that table when the request asks for one', () => {
    const first = place(waiter, seat('t-a1'));
    const second = place(waiter2, seat('t-a1', { separateCheck: true }));
    expect(openAt('t-a1')).toEqual([first.id, second.id]);
  });

  it("seats a table whose only open orders are its guests' phone orders (each phone orders on its own)", () => {
    const phone = place(table('t-a2'), { channel: 'qr', lines: [plum()] });
    const opened = place(waiter, seat('t-a2'));
    expect(openAt('t-a2')).toEqual([phone.id, opened.id]);
  });

  it('seats a table again once its last party has paid', () => {
    const first = place(waiter, seat('t-a3', { lines: [tofu()] }));
    s.run(() => s.service.pay(first.id, { tender: 'cash', amountMinor: first.dueMinor }, s.ctx(waiter)));
    expect(outcomeOf(() => place(waiter2, seat('t-a3')))).toBe('ok');
  });
});

describe('reopening a bill whose table has new guests', () => {
  const closedAt = (tableId: string): Order => {
    const order = place(waiter, seat(tableId, { lines: [tofu()] }));
    return s.run(() => s.service.pay(order.id, { tender: 'cash', amountMinor: order.dueMinor }, s.ctx(waiter, NOON + 1_000))).order;
  };

  it('refuses to put the last party’s bill back on a table seated again (409 naming the open order)', () => {
    const old = closedAt('t-a4');
    const next = place(waiter2, seat('t-a4'), NOON + 60_000);

    const error = domainErrorOf(() => s.run(() => s.service.reopen(old.id, 'forgot the rice', s.ctx(manager))));
    expect(error.code).toBe('conflict');
    expect(error.details).toMatchObject({ tableId: 't-a4', openOrderIds: [next.id] });
    expect(s.orders.get(old.id)?.status).toBe('closed');
    expect(openAt('t-a4')).toEqual([next.id]);
  });

  it('reopens it beside an order that was open at the table when it closed (the same party’s separate check)', () => {
    const separate = place(waiter, seat('t-a6', { lines: [tofu()] }));
    const old = closedAt('t-a6');
    // closedAt places its order beside the open one: a separate check asked for
    expect(s.run(() => s.service.reopen(old.id, 'forgot the rice', s.ctx(manager))).status).not.toBe('closed');
    expect(openAt('t-a6')).toEqual([separate.id, old.id]);
  });

  it('refuses it when a party moved to the table after it closed (their order was placed earlier, at another table)', () => {
    const old = closedAt('t-a7');
    const moved = place(waiter2, seat('t-b3', { lines: [tofu()] }), NOON + 500);
    s.run(() => s.service.transfer(moved.id, { tableId: 't-a7' }, s.ctx(waiter2, NOON + 60_000)));

    const error = domainErrorOf(() => s.run(() => s.service.reopen(old.id, 'forgot the rice', s.ctx(manager, NOON + 120_000))));
    expect(error).toMatchObject({ code: 'conflict', details: { tableId: 't-a7', openOrderIds: [moved.id] } });
    expect(s.orders.get(old.id)?.status).toBe('closed');
  });

  it('refuses it when a whole party was moved to the table after it closed', () => {
    const old = closedAt('t-a7');
    const moved = place(waiter2, seat('t-b3', { lines: [tofu()] }), NOON + 500);
    const phone = place(table('t-b3'), { channel: 'qr', lines: [plum()] }, NOON + 700);
    s.run(() => s.service.moveTable('t-b3', { toTableId: 't-a7' }, s.ctx(waiter2, NOON + 60_000)));

    const error = domainErrorOf(() => s.run(() => s.service.reopen(old.id, 'forgot the rice', s.ctx(manager, NOON + 120_000))));
    expect(error).toMatchObject({ code: 'conflict', details: { tableId: 't-a7', openOrderIds: [moved.id, phone.id] } });
  });

  it('reopens it beside the same party’s separate check given a dish after the close', () => {
    const separate = place(waiter, seat('t-a6', { lines: [tofu()] }));
    const old = closedAt('t-a6');
    s.run(() => s.service.addLines(separate.id, { lines: [plum()] }, s.ctx(waiter, NOON + 60_000)));

    expect(s.run(() => s.service.reopen(old.id, 'forgot the rice', s.ctx(manager, NOON + 120_000))).status).not.toBe('closed');
    expect(openAt('t-a6')).toEqual([separate.id, old.id]);
  });

  it('reopens it while the table is still free', () => {
    const old = closedAt('t-a5');
    expect(s.run(() => s.service.reopen(old.id, 'forgot the rice', s.ctx(manager))).status).not.toBe('closed');
    expect(openAt('t-a5')).toEqual([old.id]);
  });
});

describe("what a customer's phone or a kiosk may ask of the kitchen", () => {
  it.each<{ who: string; principal: Principal; input: PlaceOrder }>([
    { who: 'a phone holding a dish', principal: table('t-a6'), input: { channel: 'qr', lines: [plum({ hold: true })] } },
    { who: 'a phone not firing its order', principal: table('t-a6'), input: { channel: 'qr', fire: false, lines: [plum()] } },
    { who: 'a kiosk holding a dish', principal: kiosk, input: { channel: 'kiosk', lines: [plum(), tofu({ hold: true })] } },
    { who: 'a kiosk not firing its order', principal: kiosk, input: { channel: 'kiosk', fire: false, lines: [plum()] } },
  ])('refuses $who (held courses are the waiter’s call: nobody there could fire them)', ({ principal, input }) => {
    expect(outcomeOf(() => place(principal, input))).toBe('forbidden');
    expect(s.orders.list({ limit: 10 })).toHaveLength(0);
  });

  it("refuses a phone adding a held dish to its table's order (the waiter's bill would never close)", () => {
    const order = place(waiter, seat('t-a7', { lines: [tofu()] }));
    const add = (fire?: boolean, hold?: boolean) =>
      outcomeOf(() => s.run(() => s.service.addLines(order.id, { lines: [plum(hold ? { hold } : {})], ...(fire === undefined ? {} : { fire }) }, s.ctx(table('t-a7')))));
    expect(add(undefined, true)).toBe('forbidden');
    expect(add(false)).toBe('forbidden');
    expect(add()).toBe('ok');
    expect(s.orders.get(order.id)?.lines.filter((l) => l.status === 'held')).toEqual([]);
  });

  it('still lets a waiter hold a course', () => {
    const order = place(waiter, seat('t-a8', { lines: [tofu(), plum({ course: 2, hold: true })] }));
    expect(order.lines.map((l) => l.status)).toEqual(['fired', 'held']);
  });
});

describe('merging into a bill already partly paid', () => {
  it('refuses a merge whose discount would leave the merged bill paid beyond its total (refund first)', () => {
    // table A: 1000 off granted, then the dish voided: 300 of food, all of it discounted, 700 of the grant unused
    const a = voidLine(
      discount(
        makeOrder([makeLine({ id: 'tofu', unitPriceMinor: 2800, status: 'fired' }), makeLine({ id: 'rice', unitPriceMinor: 300, status: 'fired' })]),
        { amountMinor: 1000, reason: 'regular' },
        NOON,
      ).order,
      'tofu',
      'wrong dish',
      NOON,
    ).order;
    // table B: 3200 of fish, 3000 of it paid already
    const b = pay(
      makeOrder([makeLine({ id: 'fish', unitPriceMinor: 3200, status: 'fired' })], { id: 'o-2', tableId: 't-a2' }),
      { tender: 'cash', amountMinor: 3000 },
      { id: 'p-1', now: NOON, staffId: null },
    ).order;
    expect([a.totalMinor, b.dueMinor]).toEqual([0, 200]);

    const error = domainErrorOf(() => merge(a, b, LATER));
    expect(error.code).toBe('order_has_payments');
  });

  it('merges when the bill stays within what is paid', () => {
    const a = makeOrder([makeLine({ id: 'tofu', unitPriceMinor: 2800, status: 'fired' })]);
    const b = pay(
      makeOrder([makeLine({ id: 'fish', unitPriceMinor: 3200, status: 'fired' })], { id: 'o-2', tableId: 't-a2' }),
      { tender: 'cash', amountMinor: 3000 },
      { id: 'p-1', now: NOON, staffId: null },
    ).order;
    const { into } = merge(a, b, LATER);
    expect(into).toMatchObject({ totalMinor: 6000, paidMinor: 3000, dueMinor: 3000, status: 'fired' });
  });
});

describe('seats on a merged bill (a line names seats 1 to 99: lineInputSchema)', () => {
  /** Every seat on the bill is one a waiter can put the guest's next dish on. */
  const nameable = (o: Order) => seatsOf(o).filter((n) => !addLinesSchema.safeParse({ lines: [{ itemId: 'steamed-rice', qty: 1, seat: n }] }).success);

  it("refuses the tenth 10-top of a banquet (409): seat 100 could never get another dish; nothing is merged", () => {
    const tables = Array.from({ length: 10 }, (_, i) => `t-a${i + 1}`);
    const [host, ...others] = tables.map((tableId) =>
      place(waiter, seat(tableId, { guestCount: 10, lines: Array.from({ length: 10 }, (_, i) => rice({ seat: i + 1 })) })),
    );
    const mergeTable = (from: string) => s.run(() => s.service.mergeTable(from, { intoOrderId: host!.id }, s.ctx(waiter, LATER)));
    for (const from of tables.slice(1, 9)) mergeTable(from);
    const nine = s.orders.get(host!.id)!;
    expect(seatsOf(nine)).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));

    const error = domainErrorOf(() => mergeTable('t-a10'));
    expect(error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/seat/) });
    expect(s.orders.get(host!.id)).toEqual(nine);
    expect(openAt('t-a10')).toEqual([others.at(-1)!.id]);
    expect(nameable(nine)).toEqual([]);
  });

  it("numbers the joining seats on with no gaps when numbering on as they were would pass seat 99", () => {
    // a 90-guest function; joining it, a party that used seats 1 and 12 (numbered on: 91 and 102)
    const target = makeOrder([makeLine({ id: 't1', seat: 90 })], { id: 'o-dst', guestCount: 90 });
    const source = makeOrder([makeLine({ id: 's1', seat: 1 }), makeLine({ id: 's2', seat: 12 }), makeLine({ id: 's3', seat: 12, status: 'voided' })], {
      id: 'o-src',
      tableId: 't-a2',
      guestCount: 12,
    });
    const { into } = merge(source, target, LATER);
    expect(into.lines.map((l) => [l.id, l.seat])).toEqual([
      ['t1', 90],
      ['s1', 91],
      ['s2', 92],
      ['s3', 92],
    ]);
    expect(nameable(into)).toEqual([]);
    // numbered on as before whenever that fits: the joining seat 1 is still the first after the target's guests
    const smaller = makeOrder([makeLine({ id: 't1', seat: 80 })], { id: 'o-dst', guestCount: 80 });
    expect(merge(source, smaller, LATER).into.lines.map((l) => l.seat)).toEqual([80, 81, 92, 92]);
  });
});

describe("the kitchen's load, as kiosk and QR customers are quoted", () => {
  it('counts a kiosk order paid at checkout while its food is still cooking', () => {
    s.db.close();
    s = openDemoStore({ ...DEFAULT_PACING, threshold: 2 });
    for (let i = 0; i < 2; i++) {
      const o = place(kiosk, { channel: 'kiosk', lines: [tofu()] });
      const paid = s.run(() => s.service.pay(o.id, { tender: 'card', amountMinor: o.dueMinor, reference: `ref-${i}` }, s.ctx(kiosk))).order;
      expect(paid.status).toBe('closed');
    }
    expect(s.kitchen.status().openTickets).toBe(2);
    expect(place(kiosk, { channel: 'kiosk', lines: [plum()] }).quotedReadyAt).not.toBeNull();
  });

  it('stops counting an order once its food is bumped ready', () => {
    s.db.close();
    s = openDemoStore({ ...DEFAULT_PACING, threshold: 2 });
    const o = place(kiosk, { channel: 'kiosk', lines: [tofu()] });
    expect(s.kitchen.status().openTickets).toBe(1);
    s.run(() => s.service.setLineStatus(o.id, { status: 'ready' }, s.ctx(manager)));
    expect(s.kitchen.status().openTickets).toBe(0);
  });
});

describe('a rush on a bill closed long ago, its food still cooking', () => {
  const HOUR = 3_600_000;
  const paidAt = (at: number): Order => {
    const o = place(waiter, { channel: 'pos', tableId: 't-a1', lines: [tofu()] }, at);
    s.run(() => s.service.pay(o.id, { tender: 'cash', amountMinor: o.totalMinor }, s.ctx(cashier, at)));
    return o;
  };

  it("is not the next party's news: their phones neither hear it nor read that bill again; the kitchen hears it", () => {
    const o = paidAt(NOON);
    const nextParty = place(waiter, { channel: 'pos', tableId: 't-a1', lines: [plum()] }, NOON + HOUR);
    const rushed = s.run(() => s.service.setRush(o.id, true, s.ctx(waiter, NOON + 2 * HOUR)));
    expect(rushed).toMatchObject({ rush: true, status: 'closed' });

    const e = s.events.at(-1)!;
    expect(e.type).toBe('order.rush_changed');
    expect(e.topics).not.toContain('table:t-a1');
    expect(e.topics).toEqual(expect.arrayContaining(['orders', `station:${o.lines[0]!.stationId}`]));
    const phone = table('t-a1');
    expect(outcomeOf(() => s.service.get(o.id, phone, NOON + 2 * HOUR + 60_000))).toBe('not_found');
    expect(s.service.list({}, phone, NOON + 2 * HOUR + 60_000).map((x) => x.id)).toEqual([nextParty.id]);
  });

  it("a moment after it closed is its party's: the table's phones hear it and read it", () => {
    const o = paidAt(NOON);
    s.run(() => s.service.setRush(o.id, true, s.ctx(waiter, NOON + 60_000)));
    expect(s.events.at(-1)!.topics).toContain('table:t-a1');
    expect(s.service.get(o.id, table('t-a1'), NOON + 2 * 60_000)).toMatchObject({ rush: true });
  });
});
