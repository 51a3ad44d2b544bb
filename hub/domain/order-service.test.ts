import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LineInput, Order, PaymentInput, PlaceOrder } from '../protocol/orders.ts';
import type { Principal } from './principal.ts';
import { lineBalances, seatsOf } from './bill.ts';
import {
  anonymous,
  cashier,
  DEFAULT_PACING,
  type DemoStore,
  domainErrorOf,
  kiosk,
  kitchen,
  manager,
  NOON,
  openDemoStore,
  outcomeOf,
  plum,
  posDevice,
  posOrder,
  rice,
  shanghai,
  table,
  tofu,
  waiter,
  waiter2,
} from './test-support.ts';

// ---- lines of the demo menu ----
const fishHead = (qty: number, extra: Partial<LineInput> = {}): LineInput => ({
  itemId: 'chopped-chili-fish-head',
  qty,
  optionIds: ['spice-medium'],
  ...extra,
});
const bao = (qty: number): LineInput => ({ itemId: 'xiaolongbao', qty });

let s: DemoStore;
beforeEach(() => {
  s = openDemoStore();
});
afterEach(() => {
  s.db.close();
});

const place = (principal: Principal, input: PlaceOrder, now = NOON): Order => s.place(principal, input, now);
const lineOf = (order: Order, itemId: string) => {
  const line = order.lines.find((l) => l.itemId === itemId);
  if (!line) throw new Error(`order has no ${itemId} line`);
  return line;
};

describe('stock of counted items', () => {
  it('counts portions down across channels (POS, then kiosk, then QR) and refuses the next one at 0', () => {
    expect(s.remaining('chopped-chili-fish-head')).toBe(8);

    place(waiter, posOrder([fishHead(3)]));
    expect(s.remaining('chopped-chili-fish-head')).toBe(5);

    place(kiosk, { channel: 'kiosk', lines: [fishHead(4)] });
    expect(s.remaining('chopped-chili-fish-head')).toBe(1);

    place(table('t-a2'), { channel: 'qr', lines: [fishHead(1)] });
    expect(s.remaining('chopped-chili-fish-head')).toBe(0);
    expect(s.catalog.current().index.items.get('chopped-chili-fish-head')?.remaining).toBe(0);

    const error = domainErrorOf(() => place(table('t-a3'), { channel: 'qr', lines: [fishHead(1)] }));
    expect(error.code).toBe('sold_out');
    expect(error.details).toEqual({ items: [{ itemId: 'chopped-chili-fish-head', requested: 1, remaining: 0 }] });
  });

  it.each<{ who: string; principal: Principal; input: PlaceOrder }>([
    { who: 'a waiter on the POS', principal: waiter, input: posOrder([fishHead(1)]) },
    { who: 'a kiosk', principal: kiosk, input: { channel: 'kiosk', lines: [fishHead(1)] } },
    { who: 'a table QR code', principal: table('t-a5'), input: { channel: 'qr', lines: [fishHead(1)] } },
  ])('refuses $who a sold-out item with sold_out and writes nothing', ({ principal, input }) => {
    place(manager, posOrder([fishHead(8)], { tableId: 't-a4' }));
    const before = s.orders.list({ limit: 100 }).length;

    expect(outcomeOf(() => place(principal, input))).toBe('sold_out');
    expect(s.orders.list({ limit: 100 })).toHaveLength(before);
    expect(s.remaining('chopped-chili-fish-head')).toBe(0);
  });

  it('refuses an order that one short item spoils, all or nothing, without burning an order number', () => {
    const first = place(waiter, posOrder([fishHead(7)]));
    expect(outcomeOf(() => place(waiter, posOrder([bao(2), fishHead(2)], { tableId: 't-a2' })))).toBe('sold_out');
    expect(s.remaining('xiaolongbao')).toBe(30);
    expect(s.remaining('chopped-chili-fish-head')).toBe(1);

    const next = place(waiter, posOrder([bao(2)], { tableId: 't-a2' }));
    expect(next.number).toBe(first.number + 1);
    expect(s.remaining('xiaolongbao')).toBe(28);
  });

  it('counts two lines of the same item together', () => {
    expect(outcomeOf(() => place(waiter, posOrder([fishHead(5), fishHead(4, { optionIds: ['spice-hot'] })])))).toBe('sold_out');
    place(waiter, posOrder([fishHead(5), fishHead(3, { optionIds: ['spice-hot'] })]));
    expect(s.remaining('chopped-chili-fish-head')).toBe(0);
  });

  it('announces the new counts on the menu topic', () => {
    place(waiter, posOrder([bao(3), tofu()]));
    expect(s.events.filter((e) => e.type === 'menu.stock_changed')).toEqual([
      { type: 'menu.stock_changed', payload: { items: [{ id: 'xiaolongbao', remaining: 27 }] }, topics: ['menu'] },
    ]);
  });

  it.each([
    { what: 'an unfired (held) line goes back to stock', hold: true, by: waiter, after: 8 },
    { what: 'a fired line stays used: it was cooked', hold: false, by: manager, after: 6 },
  ])('voiding $what', ({ hold, by, after }) => {
    const order = place(waiter, posOrder([fishHead(2, { hold })]));
    expect(s.remaining('chopped-chili-fish-head')).toBe(6);

    s.run(() => s.service.voidLine(order.id, lineOf(order, 'chopped-chili-fish-head').id, 'changed mind', s.ctx(by)));
    expect(s.remaining('chopped-chili-fish-head')).toBe(after);
  });

  it('voiding gives back only the portions a line took: not those of a line ordered before its dish was counted', () => {
    // mapo tofu is not counted when the waiter holds one; the manager then counts it, 5 left
    const order = place(waiter, posOrder([tofu({ hold: true }), fishHead(1, { hold: true })]));
    const riceLine = order.lines.find((l) => l.itemId === 'mapo-tofu')!;
    s.run(() => s.catalog.setRemaining(new Map([['mapo-tofu', 5]])));
    s.run(() => s.service.voidLine(order.id, riceLine.id, 'changed mind', s.ctx(manager)));
    expect(s.remaining('mapo-tofu')).toBe(5);
    // the counted line voided twice over (a whole-order void after a line void) gives back once
    s.run(() => s.service.voidOrder(order.id, 'guests left', s.ctx(manager)));
    expect(s.remaining('chopped-chili-fish-head')).toBe(8);
  });

  it('voiding a whole unfired order returns all its counted portions', () => {
    const order = place(waiter, posOrder([fishHead(2), bao(5), tofu()], { fire: false }));
    s.run(() => s.service.voidOrder(order.id, 'guests left', s.ctx(waiter)));
    expect(s.remaining('chopped-chili-fish-head')).toBe(8);
    expect(s.remaining('xiaolongbao')).toBe(30);
  });
});

describe('who may place an order', () => {
  it.each<{ who: string; principal: Principal; input: PlaceOrder; outcome: string }>([
    { who: 'a waiter, on the POS channel', principal: waiter, input: posOrder([tofu()]), outcome: 'ok' },
    { who: 'a cashier, as a preorder', principal: cashier, input: { channel: 'preorder', lines: [tofu()] }, outcome: 'ok' },
    { who: 'not the kitchen', principal: kitchen, input: posOrder([tofu()]), outcome: 'forbidden' },
    { who: 'not staff on the QR channel', principal: waiter, input: { channel: 'qr', tableId: 't-a1', lines: [tofu()] }, outcome: 'forbidden' },
    { who: 'a table QR code, on the QR channel', principal: table('t-a1'), input: { channel: 'qr', lines: [tofu()] }, outcome: 'ok' },
    { who: 'a table QR code, naming its own table', principal: table('t-a1'), input: { channel: 'qr', tableId: 't-a1', lines: [tofu()] }, outcome: 'ok' },
    { who: 'not a table QR code on the POS channel', principal: table('t-a1'), input: { channel: 'pos', lines: [tofu()] }, outcome: 'forbidden' },
    { who: 'not a table QR code for another table', principal: table('t-a1'), input: { channel: 'qr', tableId: 't-a2', lines: [tofu()] }, outcome: 'forbidden' },
    { who: 'a kiosk, on the kiosk channel', principal: kiosk, input: { channel: 'kiosk', lines: [tofu()] }, outcome: 'ok' },
    { who: 'not a kiosk on the POS channel', principal: kiosk, input: { channel: 'pos', lines: [tofu()] }, outcome: 'forbidden' },
    { who: 'not a POS device without a staff sign-in', principal: posDevice, input: { channel: 'kiosk', lines: [tofu()] }, outcome: 'forbidden' },
    { who: 'nobody anonymous', principal: anonymous, input: { channel: 'kiosk', lines: [tofu()] }, outcome: 'unauthenticated' },
  ])('$who → $outcome', ({ principal, input, outcome }) => {
    expect(outcomeOf(() => place(principal, input))).toBe(outcome);
  });

  it.each<{ what: string; input: PlaceOrder; outcome: string }>([
    { what: 'a table that does not exist', input: posOrder([tofu()], { tableId: 't-z9' }), outcome: 'not_found' },
    { what: 'no lines, away from a table', input: { channel: 'preorder', lines: [] }, outcome: 'invalid_order' },
    { what: 'no lines, opening a table on the POS', input: posOrder([]), outcome: 'ok' },
  ])('an order for $what → $outcome', ({ input, outcome }) => {
    expect(outcomeOf(() => place(waiter, input))).toBe(outcome);
  });

  it('places a QR order on the table of the code', () => {
    const order = place(table('t-b2'), { channel: 'qr', lines: [plum()] });
    expect(order).toMatchObject({ tableId: 't-b2', channel: 'qr', deviceId: null, staffId: null });
    expect(s.orders.get(order.id)?.tableId).toBe('t-b2');
  });
});

describe('who may act on an existing order', () => {
  let order: Order;
  beforeEach(() => {
    // at t-a1, placed by a waiter on the POS: the tofu fired at once, the drink held
    order = place(waiter, posOrder([tofu(), plum({ hold: true })]));
  });
  const firedLine = () => lineOf(order, 'mapo-tofu').id;
  const heldLine = () => lineOf(order, 'sour-plum-drink').id;

  const actions = {
    'void the fired line': (p: Principal) => s.service.voidLine(order.id, firedLine(), 'burnt', s.ctx(p)),
    'void the held line': (p: Principal) => s.service.voidLine(order.id, heldLine(), 'not wanted', s.ctx(p)),
    'void the order': (p: Principal) => s.service.voidOrder(order.id, 'walked out', s.ctx(p)),
    'take a payment': (p: Principal) => s.service.pay(order.id, { tender: 'cash', amountMinor: 100 }, s.ctx(p)),
    'discount': (p: Principal) => s.service.discount(order.id, { percent: 10, reason: 'regular' }, s.ctx(p)),
    'fire': (p: Principal) => s.service.fire(order.id, undefined, s.ctx(p)),
    'mark preparing': (p: Principal) => s.service.setLineStatus(order.id, { status: 'preparing' }, s.ctx(p)),
    'mark served': (p: Principal) => s.service.setLineStatus(order.id, { status: 'served' }, s.ctx(p)),
    'add lines': (p: Principal) => s.service.addLines(order.id, { lines: [rice()] }, s.ctx(p)),
    'read it': (p: Principal) => s.service.get(order.id, p, NOON),
  } as const;

  it.each<{ action: keyof typeof actions; who: string; principal: Principal; outcome: string }>([
    { action: 'void the fired line', who: 'a waiter', principal: waiter, outcome: 'forbidden' },
    { action: 'void the fired line', who: 'a cashier', principal: cashier, outcome: 'forbidden' },
    { action: 'void the fired line', who: 'a manager', principal: manager, outcome: 'ok' },
    { action: 'void the held line', who: 'a waiter', principal: waiter, outcome: 'ok' },
    { action: 'void the held line', who: 'the kitchen', principal: kitchen, outcome: 'forbidden' },
    { action: 'void the held line', who: "the table's QR code", principal: table('t-a1'), outcome: 'forbidden' },
    { action: 'void the order', who: 'a waiter (a line is fired)', principal: waiter, outcome: 'forbidden' },
    { action: 'void the order', who: 'a manager', principal: manager, outcome: 'ok' },
    { action: 'take a payment', who: 'the kitchen', principal: kitchen, outcome: 'forbidden' },
    { action: 'take a payment', who: "the table's QR code", principal: table('t-a1'), outcome: 'forbidden' },
    { action: 'take a payment', who: 'a waiter', principal: waiter, outcome: 'ok' },
    { action: 'take a payment', who: 'a cashier', principal: cashier, outcome: 'ok' },
    { action: 'discount', who: 'a waiter', principal: waiter, outcome: 'forbidden' },
    { action: 'discount', who: 'a cashier', principal: cashier, outcome: 'forbidden' },
    { action: 'discount', who: 'a manager', principal: manager, outcome: 'ok' },
    { action: 'fire', who: 'the kitchen', principal: kitchen, outcome: 'forbidden' },
    { action: 'fire', who: 'a waiter', principal: waiter, outcome: 'ok' },
    { action: 'mark preparing', who: 'a waiter', principal: waiter, outcome: 'forbidden' },
    { action: 'mark preparing', who: 'the kitchen', principal: kitchen, outcome: 'ok' },
    { action: 'mark served', who: 'a waiter', principal: waiter, outcome: 'ok' },
    { action: 'add lines', who: 'the kitchen', principal: kitchen, outcome: 'forbidden' },
    { action: 'add lines', who: "the table's QR code", principal: table('t-a1'), outcome: 'ok' },
    { action: 'add lines', who: "another table's QR code", principal: table('t-a2'), outcome: 'not_found' },
    { action: 'add lines', who: 'a kiosk that did not place it', principal: kiosk, outcome: 'not_found' },
    { action: 'read it', who: 'the kitchen', principal: kitchen, outcome: 'ok' },
    { action: 'read it', who: "the table's QR code", principal: table('t-a1'), outcome: 'ok' },
    { action: 'read it', who: "another table's QR code", principal: table('t-a2'), outcome: 'not_found' },
    { action: 'read it', who: 'a kiosk that did not place it', principal: kiosk, outcome: 'not_found' },
    { action: 'read it', who: 'nobody anonymous', principal: anonymous, outcome: 'unauthenticated' },
  ])('$action: $who → $outcome', ({ action, principal, outcome }) => {
    expect(outcomeOf(() => s.run(() => actions[action](principal)))).toBe(outcome);
  });

  it('answers not_found, not forbidden, for an order id that does not exist', () => {
    expect(outcomeOf(() => s.service.get('no-such-order', kitchen, NOON))).toBe('not_found');
  });

  it.each<{ who: string; principal: Principal; outcome: string }>([
    { who: 'a waiter', principal: waiter, outcome: 'forbidden' },
    { who: 'a cashier', principal: cashier, outcome: 'forbidden' },
    { who: 'a manager', principal: manager, outcome: 'ok' },
  ])('reopening a closed order: $who → $outcome', ({ principal, outcome }) => {
    // a held line keeps a paid order open: the drink goes to the bar first
    s.run(() => s.service.fire(order.id, undefined, s.ctx(waiter)));
    s.run(() => s.service.pay(order.id, { tender: 'card', amountMinor: order.totalMinor, reference: 'T-9' }, s.ctx(cashier)));
    expect(s.orders.get(order.id)?.status).toBe('closed');
    expect(outcomeOf(() => s.run(() => s.service.reopen(order.id, 'forgot the rice', s.ctx(principal))))).toBe(outcome);
  });

  it('lets a kiosk read the orders it placed', () => {
    const mine = place(kiosk, { channel: 'kiosk', lines: [plum()] });
    expect(s.service.get(mine.id, kiosk, NOON).id).toBe(mine.id);
  });
});

describe('a kiosk device paying by card (its own terminal, no staff PIN)', () => {
  const otherKiosk: Principal = { kind: 'device', deviceId: 'dev-kiosk-2', deviceKind: 'kiosk' };
  let mine: Order;
  beforeEach(() => {
    mine = place(kiosk, { channel: 'kiosk', lines: [plum(), rice()] });
  });
  const card = (extra: Partial<PaymentInput> = {}): PaymentInput => ({ tender: 'card', amountMinor: mine.dueMinor, reference: 'SIM-1', ...extra });
  const pay = (principal: Principal, input: PaymentInput, orderId = mine.id) => s.run(() => s.service.pay(orderId, input, s.ctx(principal)));

  it('records the card payment of the whole amount due on its own order, which closes it', () => {
    const { order, payment } = pay(kiosk, card({ id: 'pay-k1' }));
    expect(payment).toMatchObject({ id: 'pay-k1', tender: 'card', amountMinor: mine.dueMinor, reference: 'SIM-1', staffId: null });
    expect(order).toMatchObject({ status: 'closed', dueMinor: 0, paidMinor: mine.totalMinor });
  });

  it.each<{ what: string; input: () => PaymentInput; message: RegExp }>([
    { what: 'cash', input: () => ({ tender: 'cash', amountMinor: mine.dueMinor }), message: /tender cash is taken at the counter/ },
    { what: 'another tender', input: () => ({ tender: 'other', amountMinor: mine.dueMinor, reference: 'voucher' }), message: /tender other/ },
    { what: 'a card payment without a reference', input: () => card({ reference: undefined }), message: /reference is missing/ },
    { what: 'a blank reference', input: () => card({ reference: '  ' }), message: /reference is missing/ },
    { what: 'part of the amount due', input: () => card({ amountMinor: mine.dueMinor - 1 }), message: /has \d+ due, not \d+/ },
    { what: 'a share of an even split', input: () => card({ splitWays: 1 }), message: /does not split/ },
    { what: 'the lines of an item split', input: () => card({ lineIds: [mine.lines[0]!.id] }), message: /does not split/ },
  ])('refuses $what with forbidden and a message that says why, recording nothing', ({ input, message }) => {
    const error = domainErrorOf(() => pay(kiosk, input()));
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(message);
    expect(s.orders.get(mine.id)).toMatchObject({ payments: [], dueMinor: mine.dueMinor, status: mine.status });
  });

  it('cannot pay for an order another kiosk placed, nor learn that it exists (not_found)', () => {
    expect(outcomeOf(() => pay(otherKiosk, card()))).toBe('not_found');
  });

  it("cannot pay for a waiter's order", () => {
    const pos = place(waiter, posOrder([tofu()]));
    expect(outcomeOf(() => pay(kiosk, { tender: 'card', amountMinor: pos.dueMinor, reference: 'SIM-2' }, pos.id))).toBe('not_found');
  });

  it('cannot pay twice: nothing is due after the first card payment', () => {
    pay(kiosk, card());
    expect(outcomeOf(() => pay(kiosk, card({ reference: 'SIM-again' })))).toBe('forbidden');
    expect(s.orders.get(mine.id)?.payments).toHaveLength(1);
  });

  it('still may not discount or void its own order', () => {
    expect(outcomeOf(() => s.run(() => s.service.discount(mine.id, { percent: 10, reason: 'kiosk' }, s.ctx(kiosk))))).toBe('forbidden');
    expect(outcomeOf(() => s.run(() => s.service.voidOrder(mine.id, 'kiosk', s.ctx(kiosk))))).toBe('forbidden');
  });

  it.each<{ who: string; principal: Principal }>([
    { who: 'a pos device without a PIN', principal: posDevice },
    { who: "the table's QR code", principal: table('t-a1') },
  ])('leaves the card rule to kiosks: $who is refused a card payment', ({ principal }) => {
    expect(outcomeOf(() => pay(principal, card()))).toBe('forbidden');
  });
});

describe('kitchen pacing of kiosk and QR orders', () => {
  const pause = () => s.run(() => s.kitchen.setPacing({ publicOrderingPaused: true, reason: 'kitchen slammed' }, s.ctx(manager)));

  it.each<{ who: string; principal: Principal; input: PlaceOrder; outcome: string }>([
    { who: 'a kiosk', principal: kiosk, input: { channel: 'kiosk', lines: [plum()] }, outcome: 'ordering_paused' },
    { who: 'a table QR code', principal: table('t-a2'), input: { channel: 'qr', lines: [plum()] }, outcome: 'ordering_paused' },
    { who: 'a waiter on the POS', principal: waiter, input: posOrder([plum()]), outcome: 'ok' },
  ])('while a manager has paused public ordering, $who → $outcome', ({ principal, input, outcome }) => {
    pause();
    expect(outcomeOf(() => place(principal, input))).toBe(outcome);
  });

  it('refuses a table adding to its open order while paused, and takes it after resuming', () => {
    const guest = table('t-a2');
    const open = place(guest, { channel: 'qr', lines: [plum()] });
    pause();
    const add = () => s.run(() => s.service.addLines(open.id, { lines: [plum()] }, s.ctx(guest)));
    expect(outcomeOf(add)).toBe('ordering_paused');
    s.run(() => s.kitchen.setPacing({ publicOrderingPaused: false }, s.ctx(manager)));
    expect(outcomeOf(add)).toBe('ok');
  });

  it('refuses the pause to anyone but a manager', () => {
    expect(outcomeOf(() => s.run(() => s.kitchen.setPacing({ publicOrderingPaused: true }, s.ctx(waiter))))).toBe('forbidden');
  });

  it.each([
    { openTickets: 1, waitSeconds: null },
    // at the threshold: one ticket of backlog (60 s) on top of the drink's 240 s bar target
    { openTickets: 2, waitSeconds: 240 + 60 },
    { openTickets: 3, waitSeconds: 240 + 120 },
  ])('with $openTickets kitchen tickets open (threshold 2), a kiosk drink order is quoted a wait of $waitSeconds s', ({ openTickets, waitSeconds }) => {
    s.db.close();
    s = openDemoStore({ ...DEFAULT_PACING, threshold: 2 });
    for (let i = 1; i <= openTickets; i++) place(waiter, posOrder([tofu()], { tableId: `t-a${i}` }));
    const order = place(kiosk, { channel: 'kiosk', lines: [plum()] });
    expect(order.quotedReadyAt).toBe(waitSeconds === null ? null : NOON + waitSeconds * 1000);
  });

  it("quotes a phone's next round as a new order is quoted, kept with the order (it kept the first round's time, by then long past)", () => {
    s.db.close();
    s = openDemoStore({ ...DEFAULT_PACING, threshold: 2 });
    const guest = table('t-a9');
    const first = place(guest, { channel: 'qr', lines: [plum()] });
    expect(first.quotedReadyAt).toBeNull(); // a quiet kitchen: no quote
    for (let i = 1; i <= 3; i++) place(waiter, posOrder([tofu()], { tableId: `t-a${i}` }));
    const anHourOn = NOON + 3_600_000;
    const added = s.run(() => s.service.addLines(first.id, { lines: [plum()] }, s.ctx(guest, anHourOn)));
    // the drink's 240 s at the bar and two tickets of backlog beyond the threshold (four open, with the phone's own)
    expect(added.quotedReadyAt).toBe(anHourOn + (240 + 180) * 1000);
    expect(s.orders.get(first.id)?.quotedReadyAt).toBe(added.quotedReadyAt);
    // a waiter adding to it changes no quote
    expect(s.run(() => s.service.addLines(first.id, { lines: [plum()] }, s.ctx(waiter, anHourOn + 60_000))).quotedReadyAt).toBe(added.quotedReadyAt);
  });

  it('never quotes a staff order, however busy the kitchen', () => {
    s.db.close();
    s = openDemoStore({ ...DEFAULT_PACING, threshold: 1 });
    place(waiter, posOrder([tofu()]));
    expect(place(waiter, posOrder([plum()], { tableId: 't-a2' })).quotedReadyAt).toBeNull();
  });
});

describe('several devices on one order', () => {
  it('keeps the lines two waiters add to the same order, each under their own name', () => {
    const order = place(waiter, posOrder([tofu()], { tableId: 't-a3' }));
    // both waiters look at the same revision, then add
    const seenBy1 = s.service.get(order.id, waiter, NOON);
    const seenBy2 = s.service.get(order.id, waiter2, NOON);
    expect(seenBy1.revision).toBe(seenBy2.revision);

    s.run(() => s.service.addLines(order.id, { lines: [plum()] }, s.ctx(waiter2)));
    s.run(() => s.service.addLines(order.id, { lines: [rice({ qty: 2 })] }, s.ctx(waiter)));

    const after = s.service.get(order.id, manager, NOON);
    expect(after.lines.map((l) => [l.itemId, l.addedByStaffId])).toEqual([
      ['mapo-tofu', 's-waiter'],
      ['sour-plum-drink', 's-waiter2'],
      ['steamed-rice', 's-waiter'],
    ]);
    expect(after).toMatchObject({ subtotalMinor: 2800 + 800 + 600, revision: order.revision + 2 });
  });

  it('refuses adding lines to a closed order', () => {
    const order = place(waiter, posOrder([plum()]));
    s.run(() => s.service.pay(order.id, { tender: 'cash', amountMinor: 800 }, s.ctx(cashier)));
    expect(outcomeOf(() => s.run(() => s.service.addLines(order.id, { lines: [rice()] }, s.ctx(waiter))))).toBe('order_closed');
  });
});

describe('daily order numbers', () => {
  it('numbers orders 1, 2, 3 within a business day, across channels', () => {
    const numbers = [
      place(waiter, posOrder([tofu()]), shanghai(2024, 5, 1, 11, 0)),
      place(kiosk, { channel: 'kiosk', lines: [plum()] }, shanghai(2024, 5, 1, 12, 0)),
      place(table('t-a2'), { channel: 'qr', lines: [rice()] }, shanghai(2024, 5, 1, 13, 0)),
    ].map((o) => [o.number, o.businessDate]);
    expect(numbers).toEqual([
      [1, '2024-05-01'],
      [2, '2024-05-01'],
      [3, '2024-05-01'],
    ]);
  });

  // the business day starts at 04:00 Asia/Shanghai: a late supper still belongs to the evening before
  it.each([
    { at: '23:59', time: shanghai(2024, 5, 1, 23, 59), number: 3, businessDate: '2024-05-01' },
    { at: '00:30 next day', time: shanghai(2024, 5, 2, 0, 30), number: 3, businessDate: '2024-05-01' },
    { at: '03:59 next day', time: shanghai(2024, 5, 2, 3, 59), number: 3, businessDate: '2024-05-01' },
    { at: '04:00 next day', time: shanghai(2024, 5, 2, 4, 0), number: 1, businessDate: '2024-05-02' },
    { at: '11:00 next day', time: shanghai(2024, 5, 2, 11, 0), number: 1, businessDate: '2024-05-02' },
  ])('after two orders on 1 May, an order at $at is number $number of $businessDate', ({ time, number, businessDate }) => {
    place(waiter, posOrder([tofu()]), shanghai(2024, 5, 1, 12, 0));
    place(waiter, posOrder([tofu()], { tableId: 't-a2' }), shanghai(2024, 5, 1, 20, 0));
    expect(place(waiter, posOrder([tofu()], { tableId: 't-a3' }), time)).toMatchObject({ number, businessDate });
  });

  it('restarts at 1 on the next business day and keeps counting from there', () => {
    place(waiter, posOrder([tofu()]), shanghai(2024, 5, 1, 12, 0));
    place(waiter, posOrder([tofu()]), shanghai(2024, 5, 1, 13, 0));
    const day2 = [shanghai(2024, 5, 2, 4, 0), shanghai(2024, 5, 2, 4, 1)].map((t) => place(waiter, posOrder([tofu()]), t).number);
    expect(day2).toEqual([1, 2]);
  });
});

describe('client-supplied ids', () => {
  it('refuses an order id that is already taken with conflict, without taking stock', () => {
    place(kiosk, { id: 'kiosk-01HZX', channel: 'kiosk', lines: [bao(1)] });
    const error = domainErrorOf(() => place(kiosk, { id: 'kiosk-01HZX', channel: 'kiosk', lines: [bao(1)] }));
    expect(error.code).toBe('conflict');
    expect(error.details).toEqual({ id: 'kiosk-01HZX' });
    expect(s.remaining('xiaolongbao')).toBe(29);
    expect(s.orders.list({ limit: 100 })).toHaveLength(1);
  });

  it.each([
    { what: 'a line id used by another order', first: [rice({ id: 'line-1' })], second: [rice({ id: 'line-1' })] },
    { what: 'the same line id twice in one request', first: [], second: [rice({ id: 'line-2' }), plum({ id: 'line-2' })] },
  ])('refuses $what with conflict', ({ first, second }) => {
    if (first.length > 0) place(waiter, posOrder(first));
    expect(outcomeOf(() => place(waiter, posOrder(second, { tableId: 't-a2' })))).toBe('conflict');
  });

  it('refuses a payment id that is already taken with conflict', () => {
    const order = place(waiter, posOrder([tofu()]));
    s.run(() => s.service.pay(order.id, { id: 'pay-1', tender: 'cash', amountMinor: 1000 }, s.ctx(cashier)));
    expect(outcomeOf(() => s.run(() => s.service.pay(order.id, { id: 'pay-1', tender: 'cash', amountMinor: 1000 }, s.ctx(cashier))))).toBe(
      'conflict',
    );
    expect(s.orders.get(order.id)?.paidMinor).toBe(1000);
  });
});

describe('holding and firing by course', () => {
  const coursed = () =>
    place(
      waiter,
      posOrder([tofu({ course: 1 }), fishHead(1, { course: 2, hold: true }), plum({ course: 2, hold: true }), rice({ course: 3, hold: true })]),
    );
  const statuses = (order: Order) => Object.fromEntries(order.lines.map((l) => [l.itemId, l.status]));

  it('fires the lines not held at once and keeps the held ones back', () => {
    const order = coursed();
    expect(order.status).toBe('fired');
    expect(statuses(order)).toEqual({
      'mapo-tofu': 'fired',
      'chopped-chili-fish-head': 'held',
      'sour-plum-drink': 'held',
      'steamed-rice': 'held',
    });
  });

  it('fires one course on request, leaving later courses held', () => {
    const order = coursed();
    const after = s.run(() => s.service.fire(order.id, 2, s.ctx(waiter)));
    expect(statuses(after)).toEqual({
      'mapo-tofu': 'fired',
      'chopped-chili-fish-head': 'fired',
      'sour-plum-drink': 'fired',
      'steamed-rice': 'held',
    });
    expect(statuses(s.service.get(order.id, waiter, NOON))).toEqual(statuses(after));
  });

  it('refuses to fire a course that has no held lines left', () => {
    const order = coursed();
    s.run(() => s.service.fire(order.id, 2, s.ctx(waiter)));
    expect(outcomeOf(() => s.run(() => s.service.fire(order.id, 2, s.ctx(waiter))))).toBe('invalid_transition');
  });

  it('holds every line when the order is placed with fire: false, as status placed', () => {
    const order = place(waiter, posOrder([tofu(), plum()], { fire: false }));
    expect(order.status).toBe('placed');
    expect(order.lines.every((l) => l.status === 'held' && l.firedAt === null)).toBe(true);
  });

  it('fires only the new lines that are not held when adding to an order', () => {
    const order = coursed();
    const after = s.run(() => s.service.addLines(order.id, { lines: [bao(1), rice({ hold: true, course: 4 })] }, s.ctx(waiter)));
    expect(after.lines.slice(-2).map((l) => [l.itemId, l.status])).toEqual([
      ['xiaolongbao', 'fired'],
      ['steamed-rice', 'held'],
    ]);
    expect(lineOf(after, 'chopped-chili-fish-head').status).toBe('held');
  });

  it('counts one revision per command, even when placing fires lines', () => {
    const order = coursed();
    const after = s.run(() => s.service.fire(order.id, 2, s.ctx(waiter)));
    expect(after.revision).toBe(order.revision + 1);
  });
});

describe('events', () => {
  it.each<{ what: string; act: () => unknown; type: string; topics: string[] }>([
    {
      what: 'placing a table order with kitchen and bar lines',
      act: () => place(waiter, posOrder([tofu(), plum()])),
      type: 'order.placed',
      topics: ['orders', 'table:t-a1', 'station:hot', 'station:bar'],
    },
    {
      what: 'placing a kiosk order of drinks only',
      act: () => place(kiosk, { channel: 'kiosk', lines: [plum()] }),
      type: 'order.placed',
      topics: ['orders', 'station:bar'],
    },
    {
      what: 'adding a drink to a table order',
      act: () => {
        const o = place(waiter, posOrder([tofu()]));
        s.run(() => s.service.addLines(o.id, { lines: [plum()] }, s.ctx(waiter)));
      },
      type: 'order.lines_added',
      topics: ['orders', 'table:t-a1', 'station:bar'],
    },
    {
      what: 'firing a held course of kitchen lines',
      act: () => {
        const o = place(waiter, posOrder([plum(), tofu({ hold: true, course: 2 })]));
        s.run(() => s.service.fire(o.id, 2, s.ctx(waiter)));
      },
      type: 'order.lines_fired',
      topics: ['orders', 'table:t-a1', 'station:hot'],
    },
    {
      what: 'the bar marking its drink ready',
      act: () => {
        const o = place(waiter, posOrder([tofu(), plum()]));
        s.run(() => s.service.setLineStatus(o.id, { status: 'ready', lineIds: [lineOf(o, 'sour-plum-drink').id] }, s.ctx(kitchen)));
      },
      type: 'order.lines_status_changed',
      topics: ['orders', 'table:t-a1', 'station:bar'],
    },
    {
      what: 'voiding a kitchen line',
      act: () => {
        const o = place(waiter, posOrder([tofu({ hold: true }), plum()]));
        s.run(() => s.service.voidLine(o.id, lineOf(o, 'mapo-tofu').id, 'no tofu', s.ctx(waiter)));
      },
      type: 'order.line_voided',
      topics: ['orders', 'table:t-a1', 'station:hot'],
    },
    {
      what: 'discounting a table order',
      act: () => {
        const o = place(waiter, posOrder([tofu()]));
        s.run(() => s.service.discount(o.id, { amountMinor: 100, reason: 'regular' }, s.ctx(manager)));
      },
      type: 'order.discounted',
      topics: ['orders', 'table:t-a1'],
    },
  ])('$what emits $type on $topics', ({ act, type, topics }) => {
    act();
    const last = s.events.filter((e) => e.type.startsWith('order.')).at(-1);
    expect(last?.type).toBe(type);
    expect(last?.topics).toEqual(topics);
  });

  it('emits payment_taken for each tender of a split bill, then closed with the final summary', () => {
    const order = place(waiter, posOrder([tofu(), plum()]));
    s.events.length = 0;
    s.run(() => s.service.pay(order.id, { tender: 'card', amountMinor: 2000, reference: 'T-1' }, s.ctx(cashier)));
    const { order: paid } = s.run(() => s.service.pay(order.id, { tender: 'cash', amountMinor: 1600, tenderedMinor: 2000 }, s.ctx(cashier)));

    expect(paid).toMatchObject({ status: 'closed', paidMinor: 3600, dueMinor: 0 });
    expect(s.events.map((e) => e.type)).toEqual(['order.payment_taken', 'order.payment_taken', 'order.closed']);
    expect(s.events.at(-1)).toEqual({
      type: 'order.closed',
      payload: { order: expect.objectContaining({ id: order.id, status: 'closed', paidMinor: 3600, dueMinor: 0 }) },
      topics: ['orders', 'table:t-a1'],
    });
  });

  it('does not close a reopened fully paid order again, and emits reopened rather than closed', () => {
    const order = place(waiter, posOrder([tofu()]));
    s.run(() => s.service.pay(order.id, { tender: 'cash', amountMinor: 2800 }, s.ctx(cashier)));
    s.events.length = 0;

    const reopened = s.run(() => s.service.reopen(order.id, 'forgot the rice', s.ctx(manager)));
    expect(reopened).toMatchObject({ status: 'fired', closedAt: null, dueMinor: 0 });
    expect(s.orders.get(order.id)?.status).toBe('fired');
    expect(s.events.map((e) => e.type)).toEqual(['order.reopened']);

    const withRice = s.run(() => s.service.addLines(order.id, { lines: [rice()] }, s.ctx(waiter)));
    expect(withRice).toMatchObject({ status: 'fired', dueMinor: 300 });
    const { order: closedAgain } = s.run(() => s.service.pay(order.id, { tender: 'cash', amountMinor: 300 }, s.ctx(cashier)));
    expect(closedAgain.status).toBe('closed');
  });
});

describe('moving tables', () => {
  const open = (tableId: string, lines: LineInput[] = [tofu(), plum()]) => place(waiter, posOrder(lines, { tableId, guestCount: 2 }));
  const run = <R>(fn: (ctx: ReturnType<DemoStore['ctx']>) => R, who: Principal = waiter) => s.run(() => fn(s.ctx(who)));

  it('transfers an order to a free table; the floor, the stored order and the old table’s phone all see the move', () => {
    const order = open('t-a1');
    const moved = run((ctx) => s.service.transfer(order.id, { tableId: 't-b2' }, ctx));
    expect(s.orders.get(order.id)?.tableId).toBe('t-b2');
    const status = (id: string) => s.floor.floor().tables.find((t) => t.id === id)?.status;
    expect([status('t-a1'), status('t-b2')]).toEqual(['free', 'in-kitchen']);
    expect(s.events.at(-1)).toMatchObject({
      type: 'order.transferred',
      payload: { from: { id: 't-a1' }, to: { id: 't-b2' } },
      topics: expect.arrayContaining(['table:t-a1', 'table:t-b2', 'floor', 'station:hot']),
    });
    expect(outcomeOf(() => s.service.get(moved.id, table('t-a1'), NOON))).toBe('not_found');
    expect(s.service.list({ status: 'open' }, table('t-a1'), NOON)).toEqual([]);
    expect(s.service.get(moved.id, table('t-b2'), NOON).id).toBe(order.id);
  });

  it.each<{ what: string; to: string; code: string; who?: Principal }>([
    { what: 'to a table with an open order', to: 't-a2', code: 'conflict' },
    { what: 'to a table that does not exist', to: 't-zz', code: 'not_found' },
    { what: 'by the kitchen', to: 't-b2', code: 'forbidden', who: kitchen },
    { what: 'by a table’s phone', to: 't-b2', code: 'forbidden', who: table('t-a1') },
  ])('refuses a transfer $what with $code', ({ to, code, who }) => {
    const order = open('t-a1');
    open('t-a2');
    expect(outcomeOf(() => run((ctx) => s.service.transfer(order.id, { tableId: to }, ctx), who))).toBe(code);
    expect(s.orders.get(order.id)?.tableId).toBe('t-a1');
  });

  describe('the whole table (the party moves: every open order of the table)', () => {
    const tableStatus = (id: string) => s.floor.floor().tables.find((t) => t.id === id)?.status;

    it("moves the waiter's order and a phone's order from A1 to B3 in one command; A1's phone is told where each went", () => {
      const waiters = open('t-a1');
      const phones = place(table('t-a1'), { channel: 'qr', lines: [rice()] });
      const eventsBefore = s.events.length;

      const moved = run((ctx) => s.service.moveTable('t-a1', { toTableId: 't-b3' }, ctx));

      expect(moved.from).toEqual({ id: 't-a1', name: 'A1' });
      expect(moved.to).toEqual({ id: 't-b3', name: 'B3' });
      expect(moved.orders.map((o) => [o.id, o.tableId])).toEqual([
        [waiters.id, 't-b3'],
        [phones.id, 't-b3'],
      ]);
      expect([s.orders.get(waiters.id)?.tableId, s.orders.get(phones.id)?.tableId]).toEqual(['t-b3', 't-b3']);
      expect([tableStatus('t-a1'), tableStatus('t-b3')]).toEqual(['free', 'in-kitchen']);
      expect(s.floor.openOrderIds('t-b3')).toEqual([waiters.id, phones.id]);
      // one event per order, as a single transfer: the KDS, the tablets and both tables' phones follow each
      const events = s.events.slice(eventsBefore);
      expect(events.map((e) => e.type)).toEqual(['order.transferred', 'order.transferred']);
      for (const [i, id] of [waiters.id, phones.id].entries()) {
        expect(events[i]).toMatchObject({
          payload: { order: { id, tableId: 't-b3' }, from: { id: 't-a1', name: 'A1' }, to: { id: 't-b3', name: 'B3' } },
          topics: expect.arrayContaining(['orders', 'table:t-a1', 'table:t-b3', 'floor']),
        });
      }
      // the next party at A1 sees nothing of it on its phones; B3's QR code sees both
      expect(s.service.list({ status: 'open' }, table('t-a1'), NOON)).toEqual([]);
      expect(outcomeOf(() => s.service.get(phones.id, table('t-a1'), NOON))).toBe('not_found');
      expect(s.service.list({ status: 'open' }, table('t-b3'), NOON).map((o) => o.id).sort()).toEqual([waiters.id, phones.id].sort());
    });

    it('moves a separate check and the kitchen lines of every order; closed bills stay where they were paid', () => {
      const paid = open('t-a1', [rice()]);
      run((ctx) => s.service.pay(paid.id, { tender: 'cash', amountMinor: paid.totalMinor }, ctx), cashier);
      const first = open('t-a1');
      const second = place(waiter, posOrder([rice()], { tableId: 't-a1', separateCheck: true }));
      const eventsBefore = s.events.length;
      run((ctx) => s.service.moveTable('t-a1', { toTableId: 't-b3' }, ctx), cashier);
      expect(s.floor.openOrderIds('t-b3')).toEqual([first.id, second.id]);
      expect(s.orders.get(paid.id)).toMatchObject({ tableId: 't-a1', status: 'closed' });
      // each station with food of a moved order hears of it (its ticket's table changes)
      expect(s.events.slice(eventsBefore).flatMap((e) => e.topics)).toEqual(expect.arrayContaining(['station:hot', 'station:bar']));
    });

    it.each<{ what: string; from: string; to: string; code: string; who?: Principal }>([
      { what: 'to a table with an open order', from: 't-a1', to: 't-a2', code: 'conflict' },
      { what: 'to a table that does not exist', from: 't-a1', to: 't-zz', code: 'not_found' },
      { what: 'from a table that does not exist', from: 't-zz', to: 't-b3', code: 'not_found' },
      { what: 'onto the table it is at', from: 't-a1', to: 't-a1', code: 'invalid_transition' },
      { what: 'from a table with nothing open', from: 't-a3', to: 't-b3', code: 'invalid_transition' },
      { what: 'by the kitchen', from: 't-a1', to: 't-b3', code: 'forbidden', who: kitchen },
      { what: 'by a table’s phone, even its own table', from: 't-a1', to: 't-b3', code: 'forbidden', who: table('t-a1') },
      { what: 'by a kiosk', from: 't-a1', to: 't-b3', code: 'forbidden', who: kiosk },
    ])('refuses a move $what with $code, and moves nothing', ({ from, to, code, who }) => {
      const waiters = open('t-a1');
      const phones = place(table('t-a1'), { channel: 'qr', lines: [rice()] });
      const b = open('t-a2');
      const eventsBefore = s.events.length;
      expect(outcomeOf(() => run((ctx) => s.service.moveTable(from, { toTableId: to }, ctx), who))).toBe(code);
      expect([waiters, phones, b].map((o) => s.orders.get(o.id)?.tableId)).toEqual(['t-a1', 't-a1', 't-a2']);
      expect(s.events.length).toBe(eventsBefore);
    });

    it('names the orders of a busy table, so the waiter can merge instead', () => {
      open('t-a1');
      const b = open('t-a2');
      const error = domainErrorOf(() => run((ctx) => s.service.moveTable('t-a1', { toTableId: 't-a2' }, ctx)));
      expect(error).toMatchObject({ code: 'conflict', details: { tableId: 't-a2', openOrderIds: [b.id] } });
    });
  });

  it('merges one table into another: lines keep their kitchen state, payments follow, nothing is fired again', () => {
    const a = open('t-a1');
    const b = open('t-a2', [rice()]);
    run((ctx) => s.service.pay(a.id, { tender: 'cash', amountMinor: 500 }, ctx), cashier);
    const [tofuLine] = a.lines;
    run((ctx) => s.service.setLineStatus(a.id, { status: 'ready', lineIds: [tofuLine!.id] }, ctx), kitchen);
    const eventsBefore = s.events.length;

    const { order, merged } = run((ctx) => s.service.merge(a.id, { intoOrderId: b.id }, ctx));
    const stored = s.orders.get(b.id)!;
    expect(stored).toEqual(order);
    expect(stored.lines.map((l) => [l.itemId, l.status])).toEqual([
      ['steamed-rice', 'fired'],
      ['mapo-tofu', 'ready'],
      ['sour-plum-drink', 'fired'],
    ]);
    expect(stored).toMatchObject({ paidMinor: 500, totalMinor: a.totalMinor + b.totalMinor, guestCount: 4 });
    expect(s.orders.get(a.id)).toMatchObject({ status: 'merged', mergedIntoOrderId: b.id, lines: [], payments: [] });
    expect(merged.status).toBe('merged');
    expect(s.events.slice(eventsBefore).map((e) => e.type)).toEqual(['order.merged']);
    expect(s.floor.floor().tables.find((t) => t.id === 't-a1')?.status).toBe('free');
    expect(s.service.active(Date.now()).map((o) => o.id)).not.toContain(a.id);
  });

  describe('the whole table (the party joins the other bill: every open order of the table)', () => {
    it("merges the waiter's order and a phone's order at A1 into B3's bill in one command; A1 is free and its phones read nothing", () => {
      const waiters = open('t-a1');
      const phones = place(table('t-a1'), { channel: 'qr', lines: [rice()] });
      const b = open('t-b3', [rice()]);
      const eventsBefore = s.events.length;

      const { order, merged, from } = run((ctx) => s.service.mergeTable('t-a1', { intoOrderId: b.id }, ctx));

      expect(from).toEqual({ id: 't-a1', name: 'A1' });
      expect(merged.map((o) => [o.id, o.status, o.mergedIntoOrderId])).toEqual([
        [waiters.id, 'merged', b.id],
        [phones.id, 'merged', b.id],
      ]);
      expect(s.orders.get(b.id)).toEqual(order);
      expect(order.lines.map((l) => l.id)).toEqual([...b.lines, ...waiters.lines, ...phones.lines].map((l) => l.id));
      expect(order.totalMinor).toBe(b.totalMinor + waiters.totalMinor + phones.totalMinor);
      expect(s.floor.openOrderIds('t-a1')).toEqual([]);
      expect(s.floor.openOrderIds('t-b3')).toEqual([b.id]);
      // one event per order, as a single merge: nothing new for the KDS, printing or the phones
      const events = s.events.slice(eventsBefore);
      expect(events.map((e) => e.type)).toEqual(['order.merged', 'order.merged']);
      for (const [i, source] of [waiters, phones].entries()) {
        expect(events[i]).toMatchObject({
          payload: { merged: { id: source.id, status: 'merged' }, order: { id: b.id }, lineIds: source.lines.map((l) => l.id) },
          topics: expect.arrayContaining(['orders', 'table:t-a1', 'table:t-b3', 'floor']),
        });
      }
      expect(s.service.list({ status: 'open' }, table('t-a1'), NOON)).toEqual([]);
    });

    it.each<{ what: string; from: string; into: 'b' | 'a' | 'gone'; code: string; who?: Principal }>([
      { what: 'from a table that does not exist', from: 't-zz', into: 'b', code: 'not_found' },
      { what: 'into an order that is gone', from: 't-a1', into: 'gone', code: 'not_found' },
      { what: "into the table's own bill", from: 't-a1', into: 'a', code: 'invalid_transition' },
      { what: 'from a table with nothing open', from: 't-a3', into: 'b', code: 'invalid_transition' },
      { what: 'by the kitchen', from: 't-a1', into: 'b', code: 'forbidden', who: kitchen },
      { what: 'by a table’s phone, even its own table', from: 't-a1', into: 'b', code: 'forbidden', who: table('t-a1') },
    ])('refuses a table merge $what with $code, and merges nothing', ({ from, into, code, who }) => {
      const waiters = open('t-a1');
      const phones = place(table('t-a1'), { channel: 'qr', lines: [rice()] });
      const b = open('t-b3', [rice()]);
      const intoOrderId = { a: phones.id, b: b.id, gone: 'nope' }[into];
      const eventsBefore = s.events.length;
      expect(outcomeOf(() => run((ctx) => s.service.mergeTable(from, { intoOrderId }, ctx), who))).toBe(code);
      expect([waiters, phones, b].map((o) => s.orders.get(o.id)?.status)).not.toContain('merged');
      expect(s.events.length).toBe(eventsBefore);
    });
  });

  it('refuses to merge into an order that is gone', () => {
    const a = open('t-a1');
    expect(outcomeOf(() => run((ctx) => s.service.merge(a.id, { intoOrderId: 'nope' }, ctx)))).toBe('not_found');
  });
});

describe("a table's open orders", () => {
  it('come oldest first, whatever their kitchen status: the waiter opens the order the table was opened with', () => {
    const first = place(waiter, posOrder([rice()], { tableId: 't-a1' }), NOON);
    s.run(() => s.service.setLineStatus(first.id, { status: 'served', lineIds: first.lines.map((l) => l.id) }, s.ctx(kitchen, NOON + 60_000)));
    const fromPhone = place(table('t-a1'), { channel: 'qr', lines: [plum()] }, NOON + 120_000);
    const later = place(waiter, posOrder([tofu()], { tableId: 't-a1' }), NOON + 180_000);
    const ids = [first.id, fromPhone.id, later.id];
    expect(s.floor.floor().tables.find((t) => t.id === 't-a1')?.openOrderIds).toEqual(ids);
    expect(s.floor.openOrderIds('t-a1')).toEqual(ids);
  });
});

describe('listing orders', () => {
  it('filters by status, open, and table in every combination, newest first, a page at a time', () => {
    const at = (minutes: number) => NOON + minutes * 60_000;
    const a1Paid = place(waiter, posOrder([rice()], { tableId: 't-a1' }), at(0));
    s.run(() => s.service.pay(a1Paid.id, { tender: 'cash', amountMinor: a1Paid.totalMinor }, s.ctx(cashier, at(1))));
    const a1Open = place(waiter, posOrder([rice()], { tableId: 't-a1' }), at(2));
    const a2Open = place(waiter, posOrder([tofu()], { tableId: 't-a2' }), at(3));
    const a2Paid = place(waiter, posOrder([rice()], { tableId: 't-a2' }), at(4));
    s.run(() => s.service.pay(a2Paid.id, { tender: 'cash', amountMinor: a2Paid.totalMinor }, s.ctx(cashier, at(5))));
    const counter = place(kiosk, { channel: 'kiosk', lines: [plum()] }, at(6));
    const ids = (filter: Parameters<typeof s.service.list>[0]) => s.service.list(filter, manager, at(6)).map((o) => o.id);

    expect(ids({})).toEqual([counter.id, a2Paid.id, a2Open.id, a1Open.id, a1Paid.id]);
    expect(ids({ limit: 2 })).toEqual([counter.id, a2Paid.id]);
    expect(ids({ tableId: 't-a1' })).toEqual([a1Open.id, a1Paid.id]);
    expect(ids({ status: 'open' })).toEqual([counter.id, a2Open.id, a1Open.id]);
    expect(ids({ status: 'open', tableId: 't-a2' })).toEqual([a2Open.id]);
    expect(ids({ status: 'fired' })).toEqual([counter.id, a2Open.id, a1Open.id]);
    expect(ids({ status: 'fired', tableId: 't-a1' })).toEqual([a1Open.id]);
    expect(ids({ status: 'closed' })).toEqual([a2Paid.id, a1Paid.id]);
    expect(ids({ status: 'closed', tableId: 't-a1' })).toEqual([a1Paid.id]);
    expect(ids({ status: 'closed', tableId: 't-b1' })).toEqual([]);
    expect(ids({ status: 'voided' })).toEqual([]);
  });
});

describe('bill requested', () => {
  it('a phone asking for the bill marks its table’s open orders, the floor shows it, and paying clears it', () => {
    const order = place(waiter, posOrder([rice()], { tableId: 't-a1' }));
    s.run(() => s.service.requestBillFromTable(s.ctx(table('t-a1'))));
    const status = () => s.floor.floor().tables.find((t) => t.id === 't-a1')?.status;
    expect(status()).toBe('bill-requested');
    expect(s.events.at(-1)).toMatchObject({ type: 'order.bill_requested', payload: { requested: true, by: 'table' } });

    s.run(() => s.service.pay(order.id, { tender: 'cash', amountMinor: order.totalMinor }, s.ctx(cashier)));
    expect(s.orders.get(order.id)).toMatchObject({ status: 'closed', billRequestedAt: null });
    expect(status()).toBe('free');
  });

  it('a waiter marks and clears it; the kitchen may not', () => {
    const order = place(waiter, posOrder([rice()], { tableId: 't-a1' }));
    expect(s.run(() => s.service.requestBill(order.id, true, s.ctx(waiter))).billRequestedAt).toBe(NOON);
    expect(s.run(() => s.service.requestBill(order.id, false, s.ctx(waiter))).billRequestedAt).toBeNull();
    expect(outcomeOf(() => s.run(() => s.service.requestBill(order.id, true, s.ctx(kitchen))))).toBe('forbidden');
  });
});

describe('voiding a fired line', () => {
  it('is refused to a waiter alone and done for a manager, with the reason on the line', () => {
    const order = place(waiter, posOrder([tofu()]));
    const lineId = order.lines[0]!.id;
    expect(outcomeOf(() => s.run(() => s.service.voidLine(order.id, lineId, 'guest changed mind', s.ctx(waiter))))).toBe('forbidden');
    const voided = s.run(() => s.service.voidLine(order.id, lineId, 'guest changed mind', s.ctx(manager)));
    expect(voided.lines[0]).toMatchObject({ status: 'voided', voidReason: 'guest changed mind' });
  });
});

describe('seats', () => {
  it('keeps the seat a line was ordered for', () => {
    const order = place(waiter, posOrder([tofu({ seat: 2 }), rice()]));
    expect(s.orders.get(order.id)!.lines.map((l) => l.seat)).toEqual([2, null]);
  });
});

describe('a bump naming a line twice', () => {
  it('tells the screens of the line once', () => {
    const o = place(waiter, posOrder([tofu(), plum()]));
    const [dish] = o.lines;
    const eventsBefore = s.events.length;
    s.run(() => s.service.setLineStatus(o.id, { status: 'ready', lineIds: [dish!.id, dish!.id] }, s.ctx(kitchen)));
    s.run(() => s.service.recall(o.id, [dish!.id, dish!.id], s.ctx(kitchen)));
    const named = s.events.slice(eventsBefore).map((e) => [e.type, (e.payload as { lineIds: string[] }).lineIds]);
    expect(named).toEqual([
      ['order.lines_status_changed', [dish!.id]],
      ['order.lines_recalled', [dish!.id]],
    ]);
  });
});

describe('merging two tables with seats', () => {
  it("numbers the joined table's seats after the target's, stored as answered; payments by seat keep their lines", () => {
    const a = place(waiter, posOrder([tofu({ seat: 1 }), plum({ seat: 2 })], { tableId: 't-a1' }));
    const b = place(waiter, posOrder([rice({ seat: 1 }), tofu({ seat: 2 }), plum()], { tableId: 't-a2' }));
    const [bRice, bTofu] = b.lines;
    // B's seat 1 pays their rice before the tables are joined
    s.run(() => s.service.pay(b.id, { tender: 'cash', amountMinor: bRice!.lineTotalMinor, lineIds: [bRice!.id] }, s.ctx(cashier)));

    const { order } = s.run(() => s.service.merge(b.id, { intoOrderId: a.id }, s.ctx(waiter, NOON + 60_000)));
    expect(order.lines.map((l) => l.seat)).toEqual([1, 2, 3, 4, null]);
    expect(s.orders.get(a.id)).toEqual(order);
    expect(seatsOf(order)).toEqual([1, 2, 3, 4]);
    const balances = lineBalances(order);
    expect(balances.get(bRice!.id)).toEqual({ paidMinor: bRice!.lineTotalMinor, openMinor: 0 });
    // A's seat 1 pays only their own dish: B's seat 1 is seat 3 now
    const seat1 = order.lines.filter((l) => l.seat === 1).map((l) => l.id);
    expect(seat1).toEqual([a.lines[0]!.id]);
    const paid = s.run(() => s.service.pay(a.id, { tender: 'cash', amountMinor: a.lines[0]!.lineTotalMinor, lineIds: seat1 }, s.ctx(cashier))).order;
    expect(paid.dueMinor).toBe(a.totalMinor + b.totalMinor - bRice!.lineTotalMinor - a.lines[0]!.lineTotalMinor);
    expect(order.lines.find((l) => l.id === bTofu!.id)?.seat).toBe(4);
  });

  it("keeps the phone order's quoted ready time on the order it is merged into", () => {
    s.db.close();
    s = openDemoStore({ ...DEFAULT_PACING, threshold: 2 });
    for (let i = 3; i <= 5; i++) place(waiter, posOrder([tofu()], { tableId: `t-a${i}` }));
    const waiters = place(waiter, posOrder([tofu()], { tableId: 't-a1' }));
    const phones = place(table('t-a1'), { channel: 'qr', lines: [plum()] });
    expect(phones.quotedReadyAt).not.toBeNull();
    const { order } = s.run(() => s.service.merge(phones.id, { intoOrderId: waiters.id }, s.ctx(waiter, NOON + 60_000)));
    expect(order.quotedReadyAt).toBe(phones.quotedReadyAt);
    expect(s.orders.get(waiters.id)?.quotedReadyAt).toBe(phones.quotedReadyAt);
  });

  it('stores on each dish the kitchen already had the order it was fired on, read back as answered (a screen that reloads still knows)', () => {
    const a = place(waiter, posOrder([tofu(), rice({ course: 2, hold: true })], { tableId: 't-a1' }));
    const b = place(waiter, posOrder([plum()], { tableId: 't-a2' }));
    const { order } = s.run(() => s.service.merge(a.id, { intoOrderId: b.id }, s.ctx(waiter, NOON + 60_000)));
    expect(order.lines.map((l) => l.mergedFrom)).toEqual([null, { orderId: a.id, number: a.number, tableId: 't-a1' }, null]);
    expect(s.orders.get(b.id)).toEqual(order);
    // more dishes, and the held course fired on the joined order: none of them came from elsewhere
    s.run(() => s.service.addLines(b.id, { lines: [plum()] }, s.ctx(waiter, NOON + 120_000)));
    const fired = s.run(() => s.service.fire(b.id, undefined, s.ctx(waiter, NOON + 180_000)));
    expect(fired.lines.map((l) => l.mergedFrom?.number ?? null)).toEqual([null, a.number, null, null]);
    expect(s.orders.get(b.id)).toEqual(fired);
  });
});

describe("the hub's clock, not the wall clock", () => {
  it("judges what a table's phone may act on at the command's time: a bill paid a minute ago is closed, not unknown", () => {
    const guest = table('t-a1');
    const o = place(guest, { channel: 'qr', lines: [plum()] });
    s.run(() => s.service.pay(o.id, { tender: 'cash', amountMinor: o.dueMinor }, s.ctx(cashier, NOON + 60_000)));
    // the store's clock says two minutes after noon on 1 May 2024, whatever the machine's says
    const add = () => s.run(() => s.service.addLines(o.id, { lines: [plum()] }, s.ctx(guest, NOON + 2 * 60_000)));
    expect(outcomeOf(add)).toBe('order_closed');
    // and an hour later the next party's phone is not told the order exists
    const later = () => s.run(() => s.service.addLines(o.id, { lines: [plum()] }, s.ctx(guest, NOON + 3_600_000)));
    expect(outcomeOf(later)).toBe('not_found');
  });
});

describe("the kitchen's snapshot (what a screen loads after a reset)", () => {
  const HOUR = 3_600_000;
  const paidKioskOrder = (now = NOON): Order => {
    const order = place(kiosk, { channel: 'kiosk', lines: [plum(), rice()] }, now);
    const card = { tender: 'card' as const, amountMinor: order.dueMinor, reference: 'SIM-1' };
    return s.run(() => s.service.pay(order.id, card, s.ctx(kiosk, now))).order;
  };
  const bump = (order: Order, status: 'ready' | 'served', now: number) =>
    s.run(() => s.service.setLineStatus(order.id, { status, lineIds: order.lines.map((l) => l.id) }, s.ctx(kitchen, now)));
  const activeIds = (now: number) => s.service.active(now).map((o) => o.id);

  it('keeps paid food the kitchen has not finished, however long ago it was paid', () => {
    const cooking = paidKioskOrder();
    expect(cooking.status).toBe('closed');
    expect(activeIds(NOON + 48 * HOUR)).toEqual([cooking.id]);
  });

  it('keeps paid food bumped ready for two hours, then lets it go; open orders stay whatever their age', () => {
    const collected = paidKioskOrder();
    bump(collected, 'ready', NOON + HOUR);
    const dineIn = place(waiter, posOrder([tofu()]), NOON + 10);
    bump(dineIn, 'ready', NOON + HOUR);
    expect(activeIds(NOON + 2 * HOUR)).toEqual([collected.id, dineIn.id]);
    expect(activeIds(NOON + 3 * HOUR + 1)).toEqual([dineIn.id]);
  });

  it('drops paid food once it is served', () => {
    const order = paidKioskOrder();
    bump(order, 'served', NOON + 60_000);
    expect(activeIds(NOON + 120_000)).toEqual([]);
  });

  it('lists what it keeps oldest first', () => {
    const later = place(waiter, posOrder([tofu()]), NOON + 5_000);
    const earlier = paidKioskOrder(NOON);
    expect(activeIds(NOON + 10_000)).toEqual([earlier.id, later.id]);
  });
});

describe('a held course on an order paid up front', () => {
  const tableStatus = (id = 't-a1') => s.floor.floor().tables.find((t) => t.id === id)?.status;
  /** Course 1 sent at once, dessert (rice, for the demo) held as course 2, the whole bill paid up front. */
  const paidUpFront = () => {
    const order = place(waiter, posOrder([tofu(), rice({ course: 2, hold: true })]));
    return s.run(() => s.service.pay(order.id, { tender: 'cash', amountMinor: order.dueMinor }, s.ctx(cashier))).order;
  };

  it('keeps the order open, on the floor and in the kitchen snapshot, after course 1 is served', () => {
    const order = paidUpFront();
    expect(order).toMatchObject({ dueMinor: 0, closedAt: null });
    expect(order.status).not.toBe('closed');
    s.run(() => s.service.setLineStatus(order.id, { status: 'served', lineIds: [lineOf(order, 'mapo-tofu').id] }, s.ctx(waiter)));

    expect(s.orders.get(order.id)?.status).not.toBe('closed');
    expect(tableStatus()).not.toBe('free');
    expect(s.service.active(NOON + 48 * 3_600_000).map((o) => o.id)).toEqual([order.id]);
    expect(s.events.map((e) => e.type)).not.toContain('order.closed');
  });

  it.each<{ who: string; principal: Principal }>([
    { who: 'a waiter', principal: waiter },
    { who: 'a manager', principal: manager },
  ])('lets $who fire course 2, which sends it to the kitchen and closes the order', ({ principal }) => {
    const order = paidUpFront();
    s.events.length = 0;
    const fired = s.run(() => s.service.fire(order.id, 2, s.ctx(principal)));
    expect(lineOf(fired, 'steamed-rice').status).toBe('fired');
    expect(fired).toMatchObject({ status: 'closed', closedAt: NOON });
    expect(s.events.map((e) => e.type)).toEqual(['order.lines_fired', 'order.closed']);
    expect(tableStatus()).toBe('free');
    // the dessert is on the kitchen's screens until it is made
    expect(s.service.active(NOON + 48 * 3_600_000).map((o) => o.id)).toEqual([order.id]);
  });

  it('closes when a waiter voids the held course instead, once what is left is paid', () => {
    const order = place(waiter, posOrder([tofu(), rice({ course: 2, hold: true })]));
    s.run(() => s.service.pay(order.id, { tender: 'cash', amountMinor: lineOf(order, 'mapo-tofu').lineTotalMinor }, s.ctx(cashier)));
    s.events.length = 0;
    const after = s.run(() => s.service.voidLine(order.id, lineOf(order, 'steamed-rice').id, 'too full', s.ctx(waiter)));
    expect(after.status).toBe('closed');
    expect(s.events.map((e) => e.type)).toEqual(['order.line_voided', 'order.closed']);
  });
});

describe('a discount when food is voided and added back', () => {
  /** Tofu and rice held, 1000 off granted by a manager. */
  const discounted = (extra: Partial<LineInput> = { hold: true }) => {
    const order = place(waiter, posOrder([tofu({ hold: true }), rice(extra)]));
    s.run(() => s.service.discount(order.id, { amountMinor: 1000, reason: 'regular' }, s.ctx(manager)));
    return order;
  };

  it('keeps the order open and the granted discount when a waiter voids the wrong dish; the right one gets the whole discount', () => {
    const order = discounted();
    const voided = s.run(() => s.service.voidLine(order.id, lineOf(order, 'mapo-tofu').id, 'wrong dish', s.ctx(waiter)));
    expect(voided).toMatchObject({ subtotalMinor: 300, discountMinor: 300, discountGrantedMinor: 1000, totalMinor: 0, paidMinor: 0 });
    expect(voided.status).not.toBe('closed');

    const readded = s.run(() => s.service.addLines(order.id, { lines: [tofu({ optionIds: ['spice-hot', 'size-regular'] })] }, s.ctx(waiter)));
    expect(readded).toMatchObject({ subtotalMinor: 3100, discountMinor: 1000, discountGrantedMinor: 1000, totalMinor: 2100, dueMinor: 2100 });
    expect(s.orders.get(order.id)).toMatchObject({ discountMinor: 1000, discountGrantedMinor: 1000, totalMinor: 2100 });
  });

  it('does not close a discounted order with nothing paid when a void leaves nothing to pay, the rest fired', () => {
    const order = discounted({});
    const voided = s.run(() => s.service.voidLine(order.id, lineOf(order, 'mapo-tofu').id, 'wrong dish', s.ctx(waiter)));
    expect(voided).toMatchObject({ totalMinor: 0, paidMinor: 0, closedAt: null });
    expect(s.events.map((e) => e.type)).not.toContain('order.closed');
    expect(outcomeOf(() => s.run(() => s.service.addLines(order.id, { lines: [tofu()] }, s.ctx(waiter))))).toBe('ok');
  });

  it('stores what was granted and what applies, and reads both back', () => {
    const order = discounted();
    s.run(() => s.service.voidLine(order.id, lineOf(order, 'mapo-tofu').id, 'wrong dish', s.ctx(waiter)));
    const row = s.db.prepare('SELECT discount_minor AS applied, discount_granted_minor AS granted FROM orders WHERE id = ?').get(order.id);
    expect(row).toEqual({ applied: 300, granted: 1000 });
  });
});

describe('an order whose total is 0', () => {
  const freeTea = (): LineInput => ({ itemId: 'chrysanthemum-tea', qty: 1, optionIds: ['sugar-none'] });
  beforeEach(() => {
    s.catalog.updateItem('chrysanthemum-tea', { priceMinor: 0 });
  });
  const tableStatus = () => s.floor.floor().tables.find((t) => t.id === 't-a1')?.status;

  it('stays open so that real dishes can follow the free tea', () => {
    const order = place(waiter, posOrder([freeTea()]));
    expect(order).toMatchObject({ totalMinor: 0, dueMinor: 0, closedAt: null });
    expect(order.status).not.toBe('closed');
    const more = s.run(() => s.service.addLines(order.id, { lines: [tofu()] }, s.ctx(waiter)));
    expect(more.dueMinor).toBe(2800);
  });

  it('is settled by a payment of 0: recorded, closed, the table free', () => {
    const order = place(waiter, posOrder([freeTea()]));
    s.events.length = 0;
    const { order: settled, payment } = s.run(() => s.service.pay(order.id, { id: 'pay-0', tender: 'cash', amountMinor: 0 }, s.ctx(cashier)));
    expect(payment).toMatchObject({ id: 'pay-0', tender: 'cash', amountMinor: 0, tenderedMinor: 0, changeMinor: 0, staffId: 's-cashier' });
    expect(settled).toMatchObject({ status: 'closed', paidMinor: 0, dueMinor: 0 });
    expect(s.orders.get(order.id)?.payments).toEqual([payment]);
    expect(s.events.map((e) => e.type)).toEqual(['order.payment_taken', 'order.closed']);
    expect(tableStatus()).toBe('free');
  });

  it('refuses a payment of 0 while something is due, recording nothing', () => {
    const order = place(waiter, posOrder([freeTea(), rice()]));
    const error = domainErrorOf(() => s.run(() => s.service.pay(order.id, { tender: 'cash', amountMinor: 0 }, s.ctx(cashier))));
    expect(error).toMatchObject({ code: 'invalid_order', details: { dueMinor: 300 } });
    expect(s.orders.get(order.id)?.payments).toEqual([]);
  });
});

describe('rush from customers', () => {
  it.each<{ who: string; principal: Principal; input: PlaceOrder; outcome: string }>([
    { who: 'a table QR code', principal: table('t-a1'), input: { channel: 'qr', rush: true, lines: [plum()] }, outcome: 'forbidden' },
    { who: 'a table QR code, even unflagging', principal: table('t-a1'), input: { channel: 'qr', rush: false, lines: [plum()] }, outcome: 'forbidden' },
    { who: 'a kiosk', principal: kiosk, input: { channel: 'kiosk', rush: true, lines: [plum()] }, outcome: 'forbidden' },
    { who: 'a waiter', principal: waiter, input: posOrder([plum()], { rush: true }), outcome: 'ok' },
  ])('placing a rush order: $who → $outcome', ({ principal, input, outcome }) => {
    expect(outcomeOf(() => place(principal, input))).toBe(outcome);
  });

  it('says why, the way setting the flag later does, and places nothing', () => {
    const error = domainErrorOf(() => place(kiosk, { channel: 'kiosk', rush: true, lines: [plum()] }));
    expect(error.message).toMatch(/rush.*staff/);
    expect(s.orders.list({ limit: 10 })).toEqual([]);
  });

  it('keeps the flag a waiter sets when placing', () => {
    expect(place(waiter, posOrder([plum()], { rush: true })).rush).toBe(true);
  });
});
