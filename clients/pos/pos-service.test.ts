/**
 * The waiter tablet's controller during a busy service, in Node, with no hub (its outbox never gets an
 * answer): double taps on every change, dishes that sold out while they sat in the cart, card payments
 * without the terminal's reference, voids the hub would refuse, the cart kept while the waiter answers
 * another table, and the reprint list.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HubEvent, Menu, Order } from '../../hub/protocol/index.ts';
import type { PrintJob } from '../../hub/protocol/printing.ts';
import { orderLine } from '../../hub/print/order-fixtures.ts';
import { menuItem } from '../shared/menu-fixtures.ts';
import { HubError, HubUnreachableError } from '../shared/hub-client.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { posMessages } from './messages.ts';
import { PosApp, type PosCartLine } from './pos-app.ts';
import { Submission, SubmissionList } from './submission.tsx';
import type { SocketFactory, SocketHandlers } from '../shared/stream-client.ts';
import { translator } from '../shared/i18n.ts';

let pos: PosApp | null = null;
afterEach(() => pos?.stop());

const menu: Menu = {
  version: 1,
  currency: 'CNY',
  stations: [{ id: 'hot', nameZh: '热厨', nameEn: 'Hot kitchen' }] as Menu['stations'],
  categories: [],
  optionGroups: [],
  items: [menuItem({ id: 'mapo-tofu' }), menuItem({ id: 'dumplings', remaining: 2 }), menuItem({ id: 'fish', available: false })],
};

const line = (id: string, o: Partial<Order['lines'][number]> = {}): Order['lines'][number] =>
  orderLine(id, { addedAt: 0, firedAt: 0, seat: null, addedByStaffId: null, ...o });

const order = (o: Partial<Order> = {}): Order => ({
  id: 'o-1',
  number: 7,
  businessDate: '2024-01-01',
  channel: 'pos',
  tableId: 't-a1',
  guestCount: 2,
  note: null,
  status: 'fired',
  lines: [line('l-1'), line('l-2')],
  payments: [],
  subtotalMinor: 5600,
  discountMinor: 0,
  discountGrantedMinor: 0,
  discountReason: null,
  totalMinor: 5600,
  paidMinor: 0,
  dueMinor: 5600,
  revision: 3,
  createdAt: 0,
  updatedAt: 0,
  closedAt: null,
  quotedReadyAt: null,
  rush: false,
  deviceId: null,
  staffId: null,
  staffName: null,
  mergedIntoOrderId: null,
  billRequestedAt: null,
  ...o,
});

const cartLine = (id: string, itemId: string, qty = 1): PosCartLine => ({ id, itemId, qty, optionIds: [], note: '', course: 1, hold: false, seat: null });

/** A signed-in tablet showing order o-1 at A1; its outbox keeps everything (the hub is out of reach). */
async function tablet(o: { socket?: SocketFactory } = {}) {
  const app = (pos = new PosApp({ storage: new MemoryOutboxStorage(), ...o }));
  app.session.device.set({ token: 'dev_test', deviceId: 'd-1', name: 'test-pos', kind: 'pos' });
  app.session.staff.set({ token: 'staff_test', staff: { id: 's-1', name: '王芳', role: 'waiter' } as never, expiresAt: Date.now() + 3600_000 });
  // no hub: every send is "unreachable", so entries stay unsettled
  app.client.request = (async () => {
    throw new HubUnreachableError('no hub in this test');
  }) as typeof app.client.request;
  await app.outbox.load();
  app.state.set({
    ...app.state.get(),
    phase: 'ready',
    menu,
    screen: 'order',
    tableId: 't-a1',
    orderId: 'o-1',
    order: order(),
    floor: {
      areas: [],
      tables: [
        { id: 't-a1', name: 'A1', areaId: 'a', seats: 4, status: 'ordered', openOrderIds: ['o-1'] },
        { id: 't-a2', name: 'A2', areaId: 'a', seats: 4, status: 'ordered', openOrderIds: ['o-2'] },
        { id: 't-a3', name: 'A3', areaId: 'a', seats: 4, status: 'free', openOrderIds: [] },
      ],
    } as never,
  });
  const of = (kind: string) => app.state.get().submissions.filter((s) => s.meta.action.kind === kind);
  return { app, of };
}

describe('a double tap queues a change once', () => {
  it('takes one cash payment of part of the bill, not two', async () => {
    const { app, of } = await tablet();
    const pay = () => app.pay({ tender: 'cash', amountMinor: 2000, tenderedMinor: 2000 });
    const [a, b] = await Promise.all([pay(), pay()]);
    expect([a, b].filter((x) => x !== null)).toHaveLength(1);
    expect(of('payment')).toHaveLength(1);
  });

  it('opens a free table once (never two orders on one table)', async () => {
    const { app, of } = await tablet();
    app.goFloor();
    const [a, b] = await Promise.all([app.openTable('t-a3', 2), app.openTable('t-a3', 2)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(of('open')).toHaveLength(1);
    // the table shows as being opened; opening it again (a second tap once the sheet is back) goes to that order
    expect(await app.openTable('t-a3', 2)).toBe(false);
    expect(of('open')).toHaveLength(1);
  });

  it('sends the cart once', async () => {
    const { app, of } = await tablet();
    app.setCart([cartLine('c-1', 'mapo-tofu')]);
    await Promise.all([app.sendCart(), app.sendCart()]);
    expect(of('lines')).toHaveLength(1);
  });

  it('prints one receipt', async () => {
    const { app, of } = await tablet();
    await Promise.all([app.printReceipt(), app.printReceipt()]);
    expect(of('receipt')).toHaveLength(1);
  });

  it('voids a line once, also when tapped again before the hub has answered', async () => {
    const { app, of } = await tablet();
    await Promise.all([app.voidLine('l-1', 'wrong dish'), app.voidLine('l-1', 'wrong dish')]);
    expect(of('void')).toHaveLength(1);
    await app.voidLine('l-1', 'wrong dish');
    expect(of('void')).toHaveLength(1);
    // another line is another change
    await app.voidLine('l-2', 'wrong dish');
    expect(of('void')).toHaveLength(2);
  });
});

describe('a dish that sold out or left the menu while it sat in the cart', () => {
  it('is not sent (the hub would refuse the whole batch and the cart would be gone)', async () => {
    const { app, of } = await tablet();
    app.setCart([cartLine('c-1', 'mapo-tofu'), cartLine('c-2', 'fish')]);
    expect(await app.sendCart()).toBe(false);
    expect(of('lines')).toHaveLength(0);
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1', 'c-2']);
  });

  it('nor a dish no longer on the menu, nor more of a counted dish than is left', async () => {
    const { app, of } = await tablet();
    app.setCart([cartLine('c-1', 'gone-dish')]);
    expect(await app.sendCart()).toBe(false);
    app.setCart([cartLine('c-1', 'dumplings', 2), cartLine('c-2', 'dumplings', 1)]);
    expect(await app.sendCart()).toBe(false);
    expect(of('lines')).toHaveLength(0);
    app.setCart([cartLine('c-1', 'dumplings', 2)]);
    expect(await app.sendCart()).toBe(true);
    expect(of('lines')).toHaveLength(1);
  });
});

describe('an order that was closed under the waiter', () => {
  it('takes no more dishes: the cart stays (to send on the table\'s new order), not refused and lost', async () => {
    const { app, of } = await tablet();
    app.state.set({ ...app.state.get(), order: order({ status: 'closed', closedAt: 1, paidMinor: 5600, dueMinor: 0 }) });
    app.setCart([cartLine('c-1', 'mapo-tofu')]);
    expect(await app.sendCart()).toBe(false);
    expect(of('lines')).toHaveLength(0);
    expect(app.state.get().cart).toHaveLength(1);
    // the table is free again: a new order for it takes the dishes along
    app.state.set({ ...app.state.get(), floor: { areas: [], tables: [{ id: 't-a1', name: 'A1', areaId: 'a', seats: 4, status: 'free', openOrderIds: [] }] } as never });
    expect(await app.openTable('t-a1', 2, { carryCart: true })).toBe(true);
    expect(app.state.get().orderId).not.toBe('o-1');
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
    expect(await app.sendCart()).toBe(true);
    expect(of('lines')).toHaveLength(1);
    expect(of('lines')[0]!.dependsOn).toBe(of('open')[0]!.id);
  });
});

describe('payments the hub would refuse are not queued', () => {
  it('a card payment needs the terminal reference', async () => {
    const { app, of } = await tablet();
    expect(await app.pay({ tender: 'card', amountMinor: 5600, reference: '  ' })).toBeNull();
    expect(of('payment')).toHaveLength(0);
    expect(await app.pay({ tender: 'card', amountMinor: 5600, reference: 'AUTH-1' })).not.toBeNull();
  });

  it('cash handed over must cover the amount, and amounts are whole fen', async () => {
    const { app, of } = await tablet();
    expect(await app.pay({ tender: 'cash', amountMinor: 5600, tenderedMinor: 5000 })).toBeNull();
    expect(await app.pay({ tender: 'cash', amountMinor: 56.5 })).toBeNull();
    expect(of('payment')).toHaveLength(0);
  });
});

describe('payments on their way from this tablet (the hub out of reach)', () => {
  const seated = () => order({ lines: [line('l-1', { seat: 1 }), line('l-2', { seat: 2 })] });

  it("a seat paid while the hub is out of reach is not paid again: its dishes count as paid, the hub's rules apply to what is left", async () => {
    const { app, of } = await tablet();
    app.state.set({ ...app.state.get(), order: seated() });
    expect(await app.pay({ tender: 'card', amountMinor: 2800, reference: 'SEAT-1', split: { lineIds: ['l-1'] } })).not.toBeNull();
    // seat 1 again (a second guest's card, the waiter picked the wrong seat): the hub would refuse it as paid
    expect(await app.pay({ tender: 'card', amountMinor: 2800, reference: 'SEAT-1b', split: { lineIds: ['l-1'] } })).toBeNull();
    expect(app.billAfterQueued()).toMatchObject({ dueMinor: 2800 });
    expect(app.billAfterQueued()?.balances.get('l-1')).toEqual({ paidMinor: 2800, openMinor: 0 });
    // an even share of the bill as it was, or more than is left: refused at the hub after the money was taken
    expect(await app.pay({ tender: 'card', amountMinor: 2800, reference: 'HALF', split: { ways: 2 } })).toBeNull();
    expect(await app.pay({ tender: 'cash', amountMinor: 5600, tenderedMinor: 6000 })).toBeNull();
    // seat 2 is what is left
    expect(await app.pay({ tender: 'cash', amountMinor: 2800, tenderedMinor: 3000, split: { lineIds: ['l-2'] } })).not.toBeNull();
    expect(of('payment').map((x) => x.body)).toMatchObject([{ lineIds: ['l-1'] }, { lineIds: ['l-2'] }]);
  });

  it('a dish a payment on its way covers is not offered for voiding (the hub would refuse it after the payment: refund first)', async () => {
    const { app, of } = await tablet();
    app.state.set({ ...app.state.get(), order: seated() });
    expect(app.canVoid('l-1')).toBe(true);
    expect(await app.pay({ tender: 'card', amountMinor: 2800, reference: 'SEAT-1', split: { lineIds: ['l-1'] } })).not.toBeNull();
    expect(app.canVoid('l-1')).toBe(false);
    await app.voidLine('l-1', 'guest changed their mind');
    expect(of('void')).toHaveLength(0);
    expect(app.canVoid('l-2')).toBe(true);
    // ¥12 more on the whole bill (¥40 paid): voiding seat 2's ¥28 dish would leave ¥28 of food, overpaid
    expect(await app.pay({ tender: 'cash', amountMinor: 1200, tenderedMinor: 1200 })).not.toBeNull();
    expect(app.canVoid('l-2')).toBe(false);
  });

  it("one the hub's bill already lists (its answer lost, the bill reloaded) is counted once", async () => {
    const { app } = await tablet();
    const entry = await app.pay({ tender: 'card', amountMinor: 1867, reference: 'AUTH-1', split: { ways: 3 } });
    expect(app.billAfterQueued()).toMatchObject({ dueMinor: 5600 - 1867 });
    const id = (entry!.body as { id: string }).id;
    const stored = { id, tender: 'card' as const, amountMinor: 1867, lines: [], tenderedMinor: null, changeMinor: 0, reference: 'AUTH-1', createdAt: 0, staffId: null };
    app.state.set({ ...app.state.get(), order: order({ payments: [stored], paidMinor: 1867, dueMinor: 3733, revision: 4 }) });
    expect(app.paymentsOnTheirWay()).toHaveLength(1);
    expect(app.billAfterQueued()).toMatchObject({ dueMinor: 3733 });
    // share 2 of 3 is half of what is left, 1867 (not of 1866, with share 1 taken off twice: 933)
    expect(await app.pay({ tender: 'card', amountMinor: 933, reference: 'AUTH-2', split: { ways: 2 } })).toBeNull();
    expect(await app.pay({ tender: 'card', amountMinor: 1867, reference: 'AUTH-2', split: { ways: 2 } })).not.toBeNull();
  });
});

describe('voids and refunds on their way from this tablet count on the bill as the hub will store them', () => {
  type Payment = Order['payments'][number];
  type Refund = NonNullable<Order['refunds']>[number];
  const payment = (id: string, amountMinor: number, o: Partial<Payment> = {}): Payment => ({ id, tender: 'cash', amountMinor, lines: [], tenderedMinor: amountMinor, changeMinor: 0, reference: null, createdAt: 0, staffId: null, ...o });
  const signIn = (app: PosApp, role: 'manager' | 'waiter') =>
    app.session.staff.set({ token: `staff_${role}`, staff: { id: `s-${role}`, name: role, role } as never, expiresAt: Date.now() + 3600_000 });

  it('a dish voided while the hub is out of reach is off what is due: the next even share is of what will be left (the hub refused the old one as "bill changed")', async () => {
    const { app, of } = await tablet();
    await app.voidLine('l-2', 'guest changed their mind');
    expect(of('void')).toHaveLength(1);
    expect(app.billAfterQueued()).toMatchObject({ dueMinor: 2800 });
    expect(app.billAfterQueued()?.balances.has('l-2')).toBe(false);
    // half of ¥56 is what the hub refuses once the void is stored before it; half of ¥28 is what it takes
    expect(await app.pay({ tender: 'card', amountMinor: 2800, reference: 'HALF-OLD', split: { ways: 2 } })).toBeNull();
    expect(await app.pay({ tender: 'cash', amountMinor: 5600, tenderedMinor: 6000 })).toBeNull();
    expect(await app.pay({ tender: 'card', amountMinor: 1400, reference: 'HALF', split: { ways: 2 } })).not.toBeNull();
    // the voided dish is not paid by item either (the hub: no live line)
    expect(await app.pay({ tender: 'card', amountMinor: 1400, reference: 'ITEM', split: { lineIds: ['l-2'] } })).toBeNull();
    expect(of('payment').map((x) => x.body)).toMatchObject([{ amountMinor: 1400, splitWays: 2 }]);
  });

  it('a second void is checked against the bill after the first (the hub would find it overpaid)', async () => {
    const { app } = await tablet();
    // ¥20 paid on the whole bill of ¥56: voiding one ¥28 dish leaves ¥28 (fine), voiding both leaves 0
    app.state.set({ ...app.state.get(), order: order({ payments: [payment('p-1', 2000)], refunds: [], paidMinor: 2000, dueMinor: 3600 }) });
    expect(app.canVoid('l-1')).toBe(true);
    await app.voidLine('l-2', 'sent back');
    expect(app.billAfterQueued()).toMatchObject({ dueMinor: 800 });
    expect(app.canVoid('l-1')).toBe(false);
  });

  it("a void the hub's bill already shows (its answer lost) is counted once", async () => {
    const { app } = await tablet();
    await app.voidLine('l-2', 'sent back');
    app.state.set({ ...app.state.get(), order: order({ lines: [line('l-1'), line('l-2', { status: 'voided' })], subtotalMinor: 2800, totalMinor: 2800, dueMinor: 2800, revision: 4 }) });
    expect(app.billAfterQueued()).toMatchObject({ dueMinor: 2800 });
  });

  it('a refund on its way adds to what is due at once: the whole of it, or an even share of it, is taken as the hub will count it', async () => {
    const { app, of } = await tablet();
    signIn(app, 'manager');
    // ¥40 paid on the whole bill of ¥56; ¥12 of it given back
    app.state.set({ ...app.state.get(), screen: 'bill', order: order({ payments: [payment('p-1', 4000)], refunds: [], paidMinor: 4000, dueMinor: 1600 }) });
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 1200, reason: 'overcharged' })).not.toBeNull();
    expect(app.billAfterQueued()).toMatchObject({ dueMinor: 2800 });
    // a share of the old ¥16 would be refused by the hub (the refund is stored first)
    expect(await app.pay({ tender: 'card', amountMinor: 800, reference: 'HALF-OLD', split: { ways: 2 } })).toBeNull();
    expect(await app.pay({ tender: 'card', amountMinor: 1400, reference: 'HALF', split: { ways: 2 } })).not.toBeNull();
    expect(of('payment').map((x) => x.body)).toMatchObject([{ amountMinor: 1400, splitWays: 2 }]);
  });

  it('a dish whose payment is being refunded is open again: payable by item, and voidable', async () => {
    const { app, of } = await tablet();
    signIn(app, 'manager');
    const p1 = payment('p-1', 5600, { lines: [{ lineId: 'l-1', amountMinor: 2800 }, { lineId: 'l-2', amountMinor: 2800 }] });
    app.state.set({ ...app.state.get(), screen: 'bill', order: order({ payments: [p1], refunds: [], paidMinor: 5600, dueMinor: 0 }) });
    expect(app.canVoid('l-1')).toBe(false);
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 2800, reason: 'wrong dish', lineIds: ['l-1'] })).not.toBeNull();
    expect(app.billAfterQueued()).toMatchObject({ dueMinor: 2800 });
    expect(app.billAfterQueued()?.balances.get('l-1')).toEqual({ paidMinor: 0, openMinor: 2800 });
    expect(app.canVoid('l-1')).toBe(true);
    expect(await app.pay({ tender: 'cash', amountMinor: 2800, tenderedMinor: 3000, split: { lineIds: ['l-1'] } })).not.toBeNull();
    expect(of('payment')).toHaveLength(1);
  });

  // the hub closes an order paid in full with nothing held (settle() in hub/domain/order.ts); a closed order
  // takes refunds (and stays closed) but no payment and no void (409 order_closed)
  const closing = (app: PosApp) =>
    app.state.set({
      ...app.state.get(),
      screen: 'bill',
      // ¥20 cash of ¥56 paid; a free tea beside the dishes
      order: order({ lines: [line('l-1'), line('l-2'), line('l-tea', { unitPriceMinor: 0, lineTotalMinor: 0 })], payments: [payment('p-1', 2000)], refunds: [], paidMinor: 2000, dueMinor: 3600 }),
    });

  it('a bill a payment on its way pays in full is closed by the hub: no dish is offered for voiding, not even a free one', async () => {
    const { app, of } = await tablet();
    closing(app);
    expect(app.canVoid('l-tea')).toBe(true);
    expect(await app.pay({ tender: 'card', amountMinor: 3600, reference: 'AUTH-1' })).not.toBeNull();
    expect(app.canVoid('l-tea')).toBe(false);
    await app.voidLine('l-tea', 'not wanted');
    expect(of('void')).toHaveLength(0);
  });

  it('a refund queued after a payment that closes the bill asks no payment: the hub takes the refund and refuses any payment after it', async () => {
    const { app, of } = await tablet();
    signIn(app, 'manager');
    closing(app);
    expect(await app.pay({ tender: 'card', amountMinor: 3600, reference: 'AUTH-1' })).not.toBeNull();
    // the guest would rather have paid it all by card: the ¥20 cash goes back
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 2000, reason: 'all on the card' })).not.toBeNull();
    expect(app.billAfterQueued()).toMatchObject({ dueMinor: 0 });
    expect(await app.pay({ tender: 'card', amountMinor: 2000, reference: 'AUTH-2' })).toBeNull();
    expect(of('payment')).toHaveLength(1);
  });

  it('a bill with nothing due whose dishes are all voided on their way is not settled: the hub refuses a payment of 0 on an order with no dish', async () => {
    const { app, of } = await tablet();
    // free tea only (nothing due): Close the bill is a payment of 0; the tea voided first leaves no dish
    app.state.set({ ...app.state.get(), screen: 'bill', order: order({ lines: [line('l-tea', { unitPriceMinor: 0, lineTotalMinor: 0 })], subtotalMinor: 0, totalMinor: 0, dueMinor: 0 }) });
    await app.voidLine('l-tea', 'not wanted');
    expect(of('void')).toHaveLength(1);
    expect(await app.settle()).toBeNull();
    expect(of('payment')).toHaveLength(0);
  });

  it("a refund the hub's bill already lists (by the id made here) is counted once", async () => {
    const { app } = await tablet();
    signIn(app, 'manager');
    app.state.set({ ...app.state.get(), screen: 'bill', order: order({ payments: [payment('p-1', 4000)], refunds: [], paidMinor: 4000, dueMinor: 1600 }) });
    const entry = await app.refund({ paymentId: 'p-1', amountMinor: 1200, reason: 'overcharged' });
    const id = (entry!.body as { id: string }).id;
    const stored: Refund = { id, paymentId: 'p-1', amountMinor: 1200, lines: [], reference: null, reason: 'overcharged', createdAt: 1, staffId: 's-manager' };
    app.state.set({ ...app.state.get(), order: order({ payments: [payment('p-1', 4000)], refunds: [stored], paidMinor: 2800, dueMinor: 2800, revision: 4 }) });
    expect(app.billAfterQueued()).toMatchObject({ dueMinor: 2800 });
  });
});

describe('voids the hub would refuse', () => {
  it('a line a payment covered cannot be voided (refund first): not queued', async () => {
    const { app, of } = await tablet();
    const paid = order({
      payments: [{ id: 'p-1', tender: 'cash', amountMinor: 2800, lines: [{ lineId: 'l-1', amountMinor: 2800 }], tenderedMinor: 2800, changeMinor: 0, reference: null, createdAt: 0, staffId: null }],
      paidMinor: 2800,
      dueMinor: 2800,
    });
    app.state.set({ ...app.state.get(), order: paid });
    expect(app.canVoid('l-1')).toBe(false);
    expect(app.canVoid('l-2')).toBe(true);
    await app.voidLine('l-1', 'guest left');
    expect(of('void')).toHaveLength(0);
  });

  it('nor a line whose void would leave the order overpaid', async () => {
    const { app } = await tablet();
    // ¥40 paid on the whole bill of ¥56: voiding a ¥28 dish leaves ¥28 of food
    app.state.set({ ...app.state.get(), order: order({ payments: [{ id: 'p-1', tender: 'cash', amountMinor: 4000, lines: [], tenderedMinor: 4000, changeMinor: 0, reference: null, createdAt: 0, staffId: null }], paidMinor: 4000, dueMinor: 1600 }) });
    expect(app.canVoid('l-1')).toBe(false);
  });
});

describe('the unsent cart while the waiter answers another table', () => {
  it('is kept per order: back to the floor, another table, and back again', async () => {
    const { app } = await tablet();
    app.setCart([cartLine('c-1', 'mapo-tofu')]);
    app.goFloor();
    app.openExisting('t-a2');
    expect(app.state.get().cart).toEqual([]);
    app.setCart([cartLine('c-9', 'dumplings')]);
    app.openExisting('t-a1');
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
    app.openExisting('t-a2');
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-9']);
    expect(app.unsentTables()).toEqual(['t-a1', 't-a2']);
  });

  it('follows the order when it is merged into another table', async () => {
    const { app } = await tablet();
    app.setCart([cartLine('c-1', 'mapo-tofu')]);
    await app.merge('t-a2');
    expect(app.state.get().orderId).toBe('o-2');
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
  });

  it("merges the whole table, the guests' phone orders too: one change for the table (not the order shown)", async () => {
    const { app, of } = await tablet();
    await app.merge('t-a2');
    expect(of('merge').map((e) => [e.method, e.path, e.body, e.meta.orderId, e.meta.action])).toEqual([
      ['POST', '/api/v1/tables/t-a1/merge', { intoOrderId: 'o-2' }, 'o-1', { kind: 'merge', intoOrderId: 'o-2', intoTableId: 't-a2', fromTableId: 't-a1' }],
    ]);
  });

  it('a merge the hub refused (the other bill paid meanwhile) takes the tablet back to the order, with its dishes: it is still open at its table', async () => {
    const { app, of } = await tablet();
    refusing(app, (m, path) => (path === '/api/v1/tables/t-a1/merge' ? new HubError(409, 'order_closed', 'order #8 is closed') : null));
    app.setCart([cartLine('c-1', 'mapo-tofu')]);
    await app.merge('t-a2');
    expect(app.state.get()).toMatchObject({ orderId: 'o-2', tableId: 't-a2' });
    expect((await app.outbox.settled(of('merge')[0]!.id)).state).toBe('rejected');
    // not left on A2's order as if A1 had joined it: the next dishes sent would land on the other party's bill
    expect(app.state.get()).toMatchObject({ orderId: 'o-1', tableId: 't-a1' });
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
  });

  it('a merge refused after the waiter went on to another table leaves the screen where it is', async () => {
    const { app, of } = await tablet();
    refusing(app, (m, path) => (path === '/api/v1/tables/t-a1/merge' ? new HubError(409, 'order_closed', 'order #8 is closed') : null));
    await app.merge('t-a2');
    app.goFloor();
    expect((await app.outbox.settled(of('merge')[0]!.id)).state).toBe('rejected');
    expect(app.state.get()).toMatchObject({ screen: 'floor', orderId: null, tableId: null });
  });
});

describe('moving the table', () => {
  /** A1 holds the waiter's order o-1 and a guest's phone order o-9; B1 is free. */
  async function partyAtA1(o: { socket?: SocketFactory } = {}) {
    const t = await tablet(o);
    const floor = t.app.state.get().floor!;
    t.app.state.set({
      ...t.app.state.get(),
      floor: {
        ...floor,
        tables: [
          ...floor.tables.map((x) => (x.id === 't-a1' ? { ...x, openOrderIds: ['o-1', 'o-9'] } : x)),
          { id: 't-b1', name: 'B1', areaId: 'b', seats: 4, status: 'free', openOrderIds: [] },
        ],
      } as never,
    });
    return t;
  }

  it("moves the whole table, the guests' phone order too: one change for the table (not the order shown), queued once", async () => {
    const { app, of } = await partyAtA1();
    expect(app.ordersAtTable()).toBe(2);
    await Promise.all([app.moveTable('t-b1'), app.moveTable('t-b1')]);
    expect(of('transfer')).toEqual([]);
    expect(of('moveTable').map((e) => [e.method, e.path, e.body, e.meta.orderId, e.meta.action])).toEqual([
      ['POST', '/api/v1/tables/t-a1/move', { toTableId: 't-b1' }, 'o-1', { kind: 'moveTable', fromTableId: 't-a1', toTableId: 't-b1' }],
    ]);
    // the order screen is at the new table at once (offline too), and a reload of the order from before the
    // move does not take it back while the move waits in the outbox
    expect(app.state.get().tableId).toBe('t-b1');
    await app.loadOrder();
    app.client.request = (async (method: string, path: string) => {
      if (method === 'GET' && path === '/api/v1/orders/o-1') return { order: order() };
      throw new HubUnreachableError('the move is not answered in this test');
    }) as typeof app.client.request;
    await app.loadOrder();
    expect(app.state.get().order?.tableId).toBe('t-a1');
    expect(app.state.get().tableId).toBe('t-b1');
  });

  it('says what moved in both languages', async () => {
    const { app, of } = await partyAtA1();
    await app.moveTable('t-b1');
    const floor = app.state.get().floor;
    for (const [lang, words] of [['zh-CN', 'A1 整桌转到 B1'], ['en', 'Table A1 moved to B1']] as const) {
      const t = translator(posMessages, lang);
      expect(elements(Submission({ e: of('moveTable')[0]!, menu, floor, t }), (p) => p['data-submission'] === 'moveTable')).toHaveLength(1);
      expect(JSON.stringify(Submission({ e: of('moveTable')[0]!, menu, floor, t }))).toContain(words);
    }
  });

  it('follows the hub: its answer moves the order shown; a refusal (the table taken meanwhile) leaves it where it is, said in words', async () => {
    const { app, of } = await partyAtA1();
    let refuse = false;
    app.client.request = (async (method: string, path: string) => {
      if (method === 'POST' && path === '/api/v1/tables/t-a1/move') {
        if (refuse) throw new HubError(409, 'conflict', 'table B1 is not free; merge into its order instead', { tableId: 't-b1', openOrderIds: ['o-7'] });
        return { orders: [order({ tableId: 't-b1', revision: 4 }), order({ id: 'o-9', channel: 'qr', tableId: 't-b1', revision: 2 })], from: { id: 't-a1', name: 'A1' }, to: { id: 't-b1', name: 'B1' } };
      }
      throw new HubUnreachableError('no such route in this test');
    }) as typeof app.client.request;
    await app.moveTable('t-b1');
    expect((await app.outbox.settled(of('moveTable')[0]!.id)).state).toBe('confirmed');
    expect(app.state.get()).toMatchObject({ tableId: 't-b1', order: { id: 'o-1', tableId: 't-b1', revision: 4 } });

    // back at A1 (another party), moved to a table someone seats before the move arrives
    app.state.set({ ...app.state.get(), tableId: 't-a1', order: order({ revision: 5 }) });
    refuse = true;
    await app.dismiss(of('moveTable')[0]!.id);
    await app.moveTable('t-b1');
    expect(app.state.get().tableId).toBe('t-b1');
    const refused = (await app.outbox.settled(of('moveTable')[0]!.id)).state;
    expect(refused).toBe('rejected');
    expect(app.state.get().tableId).toBe('t-a1');
    for (const lang of ['zh-CN', 'en'] as const) {
      const t = translator(posMessages, lang);
      const text = elements(Submission({ e: of('moveTable')[0]!, menu, floor: null, t }), (p) => p.class === 'p-sub__state').map((p) => String(p.children))[0]!;
      expect(text).toContain(lang === 'en' ? 'merge' : '并台');
    }
  });

  it('a table opened here and moved before the hub answered: the move waits behind the opening, and the floor shows the party at the new table', async () => {
    const { app, of } = await partyAtA1();
    app.goFloor();
    expect(await app.openTable('t-a3', 2)).toBe(true);
    const orderId = app.state.get().orderId!;
    await app.moveTable('t-b1');
    const [opening] = of('open');
    expect(of('moveTable')[0]!).toMatchObject({ path: '/api/v1/tables/t-a3/move', dependsOn: opening!.id });
    expect([app.pendingOpen('t-a3'), app.pendingOpen('t-b1')]).toEqual([null, orderId]);
    // A3 is free again for the next party: opening it is a new order, not the one moved away
    app.goFloor();
    expect(await app.openTable('t-a3', 4)).toBe(true);
    expect(app.state.get().orderId).not.toBe(orderId);
  });

  it("dishes left waiting on the old table for its next order go with the party", async () => {
    const { app } = await partyAtA1();
    app.state.set({ ...app.state.get(), unsent: { 'table:t-a1': [cartLine('c-5', 'mapo-tofu')] } });
    await app.moveTable('t-b1');
    expect(app.state.get().unsent).toEqual({ 'table:t-b1': [cartLine('c-5', 'mapo-tofu')] });
  });
});

describe('reprinting from the printer alert strip', () => {
  it('a failed receipt is queued as a receipt reprint, a kitchen ticket as a kitchen ticket', async () => {
    const { app, of } = await tablet();
    const failed = { orderId: 'o-1', orderNumber: '7', stationId: null, printerId: 'p-1', error: 'offline', at: 0 };
    await app.reprintFailed({ ...failed, jobId: 5, kind: 'receipt' });
    await app.reprintFailed({ ...failed, jobId: 6, kind: 'addon' });
    expect(of('reprint').map((e) => e.meta.action)).toEqual([
      { kind: 'reprint', jobId: 5, slip: 'receipt' },
      { kind: 'reprint', jobId: 6 },
    ]);
  });
});

describe('reprinting a kitchen ticket', () => {
  it("lists the order's kitchen tickets only: not its receipt, nor reprints", async () => {
    const { app } = await tablet();
    const job = (id: number, kind: PrintJob['kind'], reprintOf: number | null = null) => ({ id, kind, reprintOf, orderId: 'o-1', stationId: 'hot', state: 'confirmed', createdAt: 0 }) as PrintJob;
    app.client.request = (async () => ({ jobs: [job(1, 'kitchen'), job(2, 'receipt'), job(3, 'addon'), job(4, 'kitchen', 1), job(5, 'void')] })) as typeof app.client.request;
    expect((await app.kitchenTickets())?.map((j) => j.id)).toEqual([1, 3, 5]);
  });
});

/** A hub that refuses some requests (by method and path) and is out of reach for every other one. */
function refusing(app: PosApp, refuse: (method: string, path: string) => HubError | null): void {
  app.client.request = (async (method: string, path: string) => {
    throw refuse(method, path) ?? new HubUnreachableError('no hub in this test');
  }) as typeof app.client.request;
}

/** The props of every element in a (hook-free) view whose props match, function components expanded. */
function elements(node: unknown, match: (props: Record<string, unknown>) => boolean): Record<string, unknown>[] {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap((n) => elements(n, match));
  const v = node as { type: unknown; props: Record<string, unknown> };
  if (typeof v.type === 'function') return elements((v.type as (p: unknown) => unknown)(v.props), match);
  return [...(match(v.props ?? {}) ? [v.props] : []), ...elements(v.props?.children, match)];
}

/** A dish sent to order o-1, refused because the order closed meanwhile (paid at the counter), then put back in the cart. */
async function putBackFromClosedOrder(app: PosApp, of: (kind: string) => { id: string }[]): Promise<void> {
  refusing(app, (m, path) => (path === '/api/v1/orders/o-1/lines' ? new HubError(409, 'order_closed', 'order #7 is closed') : null));
  app.setCart([cartLine('c-1', 'mapo-tofu')]);
  await app.sendCart();
  await app.outbox.settled(of('lines')[0]!.id);
  app.state.set({ ...app.state.get(), order: order({ status: 'closed', closedAt: 1, paidMinor: 5600, dueMinor: 0 }) });
  await app.putBack(of('lines')[0]!.id);
}

describe('a batch of dishes the hub refused after it was queued', () => {
  const soldOut = () => new HubError(409, 'sold_out', 'sold out: dumplings (0 left)', { items: [{ itemId: 'dumplings', requested: 2, remaining: 0 }] });

  it('goes back in the cart of its order, the refused dish marked and not sent until it is taken out', async () => {
    const { app, of } = await tablet();
    refusing(app, (m, path) => (path === '/api/v1/orders/o-1/lines' ? soldOut() : null));
    const dumplings: PosCartLine = { ...cartLine('c-2', 'dumplings', 2), course: 2, hold: true, seat: 1, note: 'no chili' };
    app.setCart([cartLine('c-1', 'mapo-tofu'), dumplings]);
    expect(await app.sendCart()).toBe(true);
    expect(app.state.get().cart).toEqual([]);
    const batch = of('lines')[0]!;
    expect((await app.outbox.settled(batch.id)).state).toBe('rejected');
    expect(app.canPutBack(batch.id)).toBe(true);
    // a double tap puts the dishes back once
    await Promise.all([app.putBack(batch.id), app.putBack(batch.id)]);
    const cart = app.state.get().cart;
    expect(cart.map((l) => l.id)).toEqual(['c-1', 'c-2']);
    // course, hold, seat and note come back as chosen
    expect(cart[1]).toMatchObject({ course: 2, hold: true, seat: 1, note: 'no chili', qty: 2, refused: true });
    expect(cart[0]!.refused).toBeFalsy();
    // the tablet's menu has not heard the dish sold out: the hub's refusal marks it
    expect(app.cartBlocked()).toEqual(['c-2']);
    // dealt with: the refusal is gone from the list and cannot be put back again
    expect(of('lines')).toHaveLength(0);
    expect(app.canPutBack(batch.id)).toBe(false);
    expect(await app.sendCart()).toBe(false);
    app.setCart(app.state.get().cart.filter((l) => l.id !== 'c-2'));
    expect(await app.sendCart()).toBe(true);
    expect(of('lines')).toHaveLength(1);
  });

  it('is offered on the refused batch in the order’s list, in both languages', async () => {
    const { app, of } = await tablet();
    refusing(app, (m, path) => (path === '/api/v1/orders/o-1/lines' ? soldOut() : null));
    app.setCart([cartLine('c-1', 'mapo-tofu')]);
    await app.sendCart();
    await app.printReceipt();
    await app.outbox.settled(of('lines')[0]!.id);
    const s = app.state.get();
    for (const [lang, word] of [
      ['zh-CN', '放回购物车'],
      ['en', 'Put back in cart'],
    ] as const) {
      const t = translator(posMessages, lang);
      const buttons = elements(SubmissionList({ app, subs: s.submissions, menu, floor: s.floor, t }), (p) => 'data-put-back' in p);
      // the refused batch has it; the receipt still on its way has not
      expect(buttons).toHaveLength(1);
      expect(buttons[0]!.children).toBe(word);
    }
    const t = translator(posMessages, 'en');
    const [button] = elements(SubmissionList({ app, subs: s.submissions, menu, floor: s.floor, t }), (p) => 'data-put-back' in p);
    (button!.onClick as () => void)();
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
  });

  it('on an order closed under the waiter: back in its cart, and a new order for the table takes them', async () => {
    const { app, of } = await tablet();
    await putBackFromClosedOrder(app, of);
    expect(app.state.get().cart.map((l) => [l.id, l.refused ?? false])).toEqual([['c-1', false]]);
    expect(app.orderGone()).toBe(true);
    expect(await app.sendCart()).toBe(false);
    expect(await app.openTable('t-a1', 2, { carryCart: true })).toBe(true);
    expect(app.state.get().orderId).not.toBe('o-1');
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
  });

  it('on an order closed under the waiter, when another tablet has seated the table since: its order takes them', async () => {
    const { app } = await tablet();
    app.state.set({ ...app.state.get(), order: order({ status: 'closed', closedAt: 1, paidMinor: 5600, dueMinor: 0 }) });
    app.setCart([cartLine('c-1', 'mapo-tofu')]);
    app.state.set({ ...app.state.get(), floor: { areas: [], tables: [{ id: 't-a1', name: 'A1', areaId: 'a', seats: 4, status: 'seated', openOrderIds: ['o-9'] }] } as never });
    expect(await app.openTable('t-a1', 2, { carryCart: true })).toBe(false);
    expect(app.state.get().orderId).toBe('o-9');
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
  });

  it('of a new order the hub refused: back in the cart, and the table opened again with them', async () => {
    const { app, of } = await tablet();
    refusing(app, (m, path) => (path === '/api/v1/orders' ? new HubError(403, 'forbidden', 'not allowed') : null));
    app.goFloor();
    expect(await app.openTable('t-a3', 3)).toBe(true);
    const refusedOrder = app.state.get().orderId!;
    app.setCart([cartLine('c-1', 'mapo-tofu')]);
    expect(await app.sendCart()).toBe(true);
    const batch = of('lines')[0]!;
    // the dishes waited behind the table's opening, and are refused with it
    expect((await app.outbox.settled(batch.id)).error?.code).toBe('depends_on_rejected');
    await app.putBack(batch.id);
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
    expect(app.orderGone()).toBe(true);
    // sent again, they would wait on the refused opening and be refused at once
    expect(await app.sendCart()).toBe(false);
    expect(app.guestsFor(refusedOrder)).toBe(3);
    expect(await app.openTable('t-a3', 3, { carryCart: true })).toBe(true);
    expect(app.state.get().orderId).not.toBe(refusedOrder);
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
  });

  it('of an order that cannot take them, left for the floor: they wait on the table for its next order', async () => {
    const { app, of } = await tablet();
    await putBackFromClosedOrder(app, of);
    app.goFloor();
    // the closed order is off the floor: the table itself carries the tag
    app.state.set({ ...app.state.get(), floor: { areas: [], tables: [{ id: 't-a1', name: 'A1', areaId: 'a', seats: 4, status: 'free', openOrderIds: [] }] } as never });
    expect(app.unsentTables()).toEqual(['t-a1']);
    expect(await app.openTable('t-a1', 2)).toBe(true);
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
  });

  it('of an order merged away since: they go to the order that took its lines', async () => {
    const { app, of } = await tablet();
    refusing(app, (m, path) => (path === '/api/v1/orders/o-1/lines' ? new HubError(409, 'order_closed', 'order #7 was merged') : null));
    app.setCart([cartLine('c-1', 'mapo-tofu')]);
    await app.sendCart();
    await app.outbox.settled(of('lines')[0]!.id);
    app.state.set({ ...app.state.get(), order: order({ status: 'merged', mergedIntoOrderId: 'o-2' }) });
    await app.putBack(of('lines')[0]!.id);
    expect(app.unsentTables()).toEqual(['t-a2']);
    app.followMerge();
    expect(app.state.get().orderId).toBe('o-2');
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
  });
});

describe('refunds', () => {
  type Payment = Order['payments'][number];
  type Refund = NonNullable<Order['refunds']>[number];
  const payment = (id: string, amountMinor: number, o: Partial<Payment> = {}): Payment => ({ id, tender: 'cash', amountMinor, lines: [], tenderedMinor: amountMinor, changeMinor: 0, reference: null, createdAt: 0, staffId: null, ...o });
  const refund = (id: string, paymentId: string, amountMinor: number, lines: Refund['lines'] = []): Refund => ({ id, paymentId, amountMinor, lines, reference: null, reason: 'cold', createdAt: 1, staffId: 's-9' });
  /** ¥40 paid on the whole bill of ¥56 (p-1, cash), nothing refunded yet. */
  const partlyPaid = () => order({ payments: [payment('p-1', 4000)], refunds: [], paidMinor: 4000, dueMinor: 1600 });
  /** Both dishes paid by item (p-1): l-1 and l-2, ¥28 each. */
  const paidByItem = (o: Partial<Payment> = {}) =>
    order({ payments: [payment('p-1', 5600, { lines: [{ lineId: 'l-1', amountMinor: 2800 }, { lineId: 'l-2', amountMinor: 2800 }], ...o })], refunds: [], paidMinor: 5600, dueMinor: 0 });
  const signIn = (app: PosApp, role: 'manager' | 'waiter' | 'cashier') =>
    app.session.staff.set({ token: `staff_${role}`, staff: { id: `s-${role}`, name: role, role } as never, expiresAt: Date.now() + 3600_000 });
  const show = (app: PosApp, o: Order) => app.state.set({ ...app.state.get(), screen: 'bill', order: o });

  it('is queued once, with a refund id made here and its own Idempotency-Key, also when tapped twice', async () => {
    const { app, of } = await tablet();
    signIn(app, 'manager');
    show(app, partlyPaid());
    const tap = () => app.refund({ paymentId: 'p-1', amountMinor: 1200, reason: ' overcharged ' });
    const [a, b] = await Promise.all([tap(), tap()]);
    expect([a, b].filter((x) => x !== null)).toHaveLength(1);
    const [e] = of('refund');
    expect(of('refund')).toHaveLength(1);
    expect(e).toMatchObject({ method: 'POST', path: '/api/v1/orders/o-1/refunds', meta: { orderId: 'o-1', staffToken: 'staff_manager' } });
    expect(e!.body).toEqual({ id: expect.any(String), paymentId: 'p-1', amountMinor: 1200, reason: 'overcharged' });
    expect(e!.key).toEqual(expect.any(String));
    expect(e!.key).not.toBe('');
    // the refund on its way counts: ¥28 is left on the payment, never its whole ¥40 again
    expect(app.refundLeft('p-1')?.leftMinor).toBe(2800);
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 4000, reason: 'overcharged' })).toBeNull();
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 2800, reason: 'guest left' })).not.toBeNull();
    expect(of('refund')).toHaveLength(2);
    expect(app.refundLeft('p-1')?.leftMinor).toBe(0);
  });

  it('of a payment by item gives back what it still covers on the lines chosen', async () => {
    const { app, of } = await tablet();
    signIn(app, 'manager');
    show(app, paidByItem());
    expect(app.refundAmount('p-1', ['l-1'])).toBe(2800);
    expect(app.refundAmount('p-1', ['l-1', 'l-2'])).toBe(5600);
    // an amount that is not what the payment covers on those lines would be refused: not queued
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 2000, reason: 'cold', lineIds: ['l-1'] })).toBeNull();
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 2800, reason: 'cold', lineIds: ['l-1'] })).not.toBeNull();
    expect(of('refund')[0]!.body).toEqual({ id: expect.any(String), paymentId: 'p-1', amountMinor: 2800, reason: 'cold', lineIds: ['l-1'] });
    // the line's refund is on its way: what is left to refund is the other dish
    expect(app.refundAmount('p-1', ['l-1', 'l-2'])).toBe(2800);
  });

  it('by card needs the terminal refund reference', async () => {
    const { app, of } = await tablet();
    signIn(app, 'manager');
    show(app, order({ payments: [payment('p-1', 4000, { tender: 'card', tenderedMinor: null, reference: 'AUTH-1' })], refunds: [], paidMinor: 4000, dueMinor: 1600 }));
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 4000, reason: 'double charge' })).toBeNull();
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 4000, reason: 'double charge', reference: '   ' })).toBeNull();
    expect(of('refund')).toHaveLength(0);
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 4000, reason: 'double charge', reference: ' RF-77 ' })).not.toBeNull();
    expect(of('refund')[0]!.body).toMatchObject({ reference: 'RF-77', amountMinor: 4000 });
  });

  it("by a waiter or cashier needs a manager's approval, and goes with the manager's session", async () => {
    const { app, of } = await tablet();
    show(app, partlyPaid());
    // the hub takes refunds from managers only: refused after the tap, the money would already be handed back
    expect(app.refundNeedsApproval()).toBe(true);
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 1000, reason: 'cold' })).toBeNull();
    signIn(app, 'cashier');
    expect(await app.refund({ paymentId: 'p-1', amountMinor: 1000, reason: 'cold' })).toBeNull();
    expect(of('refund')).toHaveLength(0);
    const entry = await app.refund({ paymentId: 'p-1', amountMinor: 1000, reason: 'cold' }, { token: 'staff_approving', name: '刘洋' });
    expect(entry).not.toBeNull();
    expect(entry!.meta).toMatchObject({ staffToken: 'staff_approving', action: { kind: 'refund', paymentId: 'p-1', amountMinor: 1000, approvedBy: '刘洋' } });
    // the cashier stays signed in
    expect(app.session.staffToken()).toBe('staff_cashier');
    signIn(app, 'manager');
    expect(app.refundNeedsApproval()).toBe(false);
  });

  it('after the hub confirms it, the void it refused ("refund first") is offered again', async () => {
    const { app, of } = await tablet();
    signIn(app, 'manager');
    const before = paidByItem();
    show(app, before);
    expect(app.canVoid('l-1')).toBe(false);
    const after: Order = { ...before, refunds: [refund('r-1', 'p-1', 2800, [{ lineId: 'l-1', amountMinor: 2800 }])], paidMinor: 2800, dueMinor: 0, revision: before.revision + 1 };
    app.client.request = (async (method: string, path: string, o: { body?: { id?: string } }) => {
      if (path === '/api/v1/orders/o-1/refunds') return { order: after, refund: { ...after.refunds![0]!, id: o.body?.id } };
      throw new HubUnreachableError('no hub in this test');
    }) as typeof app.client.request;
    const entry = await app.refund({ paymentId: 'p-1', amountMinor: 2800, reason: 'wrong dish', lineIds: ['l-1'] });
    expect((await app.outbox.settled(entry!.id)).state).toBe('confirmed');
    expect(app.state.get().order?.paidMinor).toBe(2800);
    expect(app.canVoid('l-1')).toBe(true);
    expect(app.canVoid('l-2')).toBe(false);
    await app.voidLine('l-1', 'wrong dish');
    expect(of('void')).toHaveLength(1);
  });

  it('from the stream (another tablet) is applied to the order shown: its totals and the refund', async () => {
    const sockets: SocketHandlers[] = [];
    const { app } = await tablet({ socket: (_url, on) => (sockets.push(on), { send: () => undefined, close: () => undefined }) });
    app.client.menu = async () => menu;
    app.client.snapshot = async () => ({ epoch: 'e', seq: 5, menuVersion: 1, orders: [] });
    app.client.health = async () => ({ status: 'ok', printers: [] }) as unknown as Awaited<ReturnType<typeof app.client.health>>;
    const flush = () => new Promise((r) => setTimeout(r, 0));
    const before = partlyPaid();
    show(app, before);
    app.start();
    sockets.at(-1)!.open();
    await flush();
    sockets.at(-1)!.message(JSON.stringify({ type: 'welcome', epoch: 'e', headSeq: 5, fromSeq: 5 }));
    await flush();
    const r = refund('r-1', 'p-1', 1200);
    const summary = { id: 'o-1', number: 7, status: 'fired', tableId: 't-a1', subtotalMinor: 5600, discountMinor: 0, totalMinor: 5600, paidMinor: 2800, dueMinor: 2800, revision: before.revision + 1, rush: false };
    const event = { seq: 6, type: 'order.refunded', at: 0, deviceId: 'd-2', staffId: 's-9', payload: { order: summary, refund: r } } as unknown as HubEvent;
    sockets.at(-1)!.message(JSON.stringify({ type: 'events', upToSeq: 6, events: [event] }));
    await flush();
    const shown = app.state.get().order!;
    expect(shown).toMatchObject({ paidMinor: 2800, dueMinor: 2800, revision: before.revision + 1, refunds: [r] });
    expect(shown.lines).toHaveLength(2);
    expect(app.refundLeft('p-1')?.leftMinor).toBe(2800);
    // the same event again (a replay) changes nothing
    sockets.at(-1)!.message(JSON.stringify({ type: 'events', upToSeq: 6, events: [event] }));
    await flush();
    expect(app.state.get().order!.refunds).toEqual([r]);
  });

  it('a device token the stream refuses (4001) sends the tablet to pairing, and once paired again it streams on the new token', async () => {
    const sockets: { url: string; on: SocketHandlers }[] = [];
    const { app } = await tablet({ socket: (url, on) => (sockets.push({ url, on }), { send: () => undefined, close: () => undefined }) });
    app.client.menu = async () => menu;
    app.client.snapshot = async () => ({ epoch: 'e', seq: 5, menuVersion: 1, orders: [] });
    app.client.health = async () => ({ status: 'ok', printers: [] }) as unknown as Awaited<ReturnType<typeof app.client.health>>;
    const flush = () => new Promise((r) => setTimeout(r, 0));
    app.start();
    sockets.at(-1)!.on.open();
    await flush();
    // the hub's store was restored from before this tablet was paired: its token is unknown there
    sockets.at(-1)!.on.close(4001, 'unauthorised');
    await flush();
    expect(app.session.device.get()).toBeNull();
    const before = sockets.length;
    app.session.device.set({ token: 'dev_again', deviceId: 'd-2', name: 'test-pos', kind: 'pos' });
    app.start(); // what the page does once paired (it had started before)
    await flush();
    expect(sockets.length).toBe(before + 1);
    expect(sockets.at(-1)!.url).toContain('dev_again');
  });

  it('refused by the hub says why in both languages: over-refund, a card reference missing, not a manager', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const t = translator(posMessages, lang);
      const said = (code: string) => {
        const e = { id: 'e-1', state: 'rejected', lastProblem: null, error: { status: 422, code, message: 'developer words' }, meta: { orderId: 'o-1', staffToken: null, action: { kind: 'refund', paymentId: 'p-1', amountMinor: 1200, lines: [], tender: 'card' } } } as never;
        return elements(Submission({ e, menu, floor: null, t }), (p) => p.class === 'p-sub__state').map((p) => String(p.children))[0]!;
      };
      const over = said('overpayment');
      expect(over).toContain(lang === 'en' ? 'more than is left' : '超过');
      expect(said('invalid_order')).toContain(lang === 'en' ? 'reference' : '参考号');
      expect(said('forbidden')).toContain(lang === 'en' ? 'manager' : '经理');
      expect(over).not.toContain('developer words');
    }
  });
});

describe("today's bills: a closed bill found again", () => {
  type Payment = Order['payments'][number];
  const paid = (id: string, amountMinor: number, o: Partial<Payment> = {}): Payment => ({ id, tender: 'cash', amountMinor, lines: [], tenderedMinor: amountMinor, changeMinor: 0, reference: null, createdAt: 0, staffId: null, ...o });
  /** Order #3 at A1, paid in full (¥56 cash) and closed: gone from the floor. */
  const closed = order({ id: 'o-3', number: 3, businessDate: '2024-05-02', createdAt: 3000, status: 'closed', closedAt: 3500, payments: [paid('p-1', 5600)], refunds: [], paidMinor: 5600, dueMinor: 0 });
  const open = order({ id: 'o-4', number: 4, businessDate: '2024-05-02', createdAt: 4000, tableId: 't-a2' });
  const earlier = order({ id: 'o-2', number: 2, businessDate: '2024-05-02', createdAt: 2000, tableId: null, channel: 'kiosk', status: 'closed', payments: [paid('p-0', 1800)], paidMinor: 1800, dueMinor: 0 });
  const yesterday = order({ id: 'o-y', number: 81, businessDate: '2024-05-01', createdAt: 100, status: 'closed' });

  /**
   * A tablet whose hub answers the order list (and each order) from `orders`, until `offline()`, as the hub
   * lists them (hub/test/orders-by-day.int.test.ts): one business day, a table, a number, the page after an
   * order; every answer names the business day it is now (`today`, until `turnDay`).
   */
  async function withHub(orders: Order[], o: { role?: 'manager' | 'waiter'; today?: string } = {}) {
    const role = o.role ?? 'manager';
    let today = o.today ?? '2024-05-02';
    const t = await tablet();
    const { app } = t;
    app.session.staff.set({ token: `staff_${role}`, staff: { id: `s-${role}`, name: role, role } as never, expiresAt: Date.now() + 3600_000 });
    app.goFloor();
    const asked: string[] = [];
    let reachable = true;
    app.client.request = (async (method: string, path: string) => {
      if (!reachable) throw new HubUnreachableError('Wi-Fi down');
      const url = new URL(path, 'http://hub');
      // the day summary a manager's list asks for with it: its requests are held by day-report.test.ts
      if (url.pathname === '/api/v1/reports/day') throw new HubUnreachableError('not in this test');
      asked.push(`${method} ${path}`);
      if (method === 'GET' && url.pathname === '/api/v1/orders') {
        const q = (name: string) => url.searchParams.get(name);
        const cursor = orders.find((x) => x.id === q('before'));
        const listed = orders
          .filter((x) => (!q('businessDate') || x.businessDate === q('businessDate')) && (!q('tableId') || x.tableId === q('tableId')) && (!q('number') || x.number === Number(q('number'))))
          .filter((x) => !cursor || x.createdAt < cursor.createdAt)
          .sort((a, b) => b.createdAt - a.createdAt);
        return { orders: listed.slice(0, Number(q('limit'))), businessDate: today };
      }
      const one = /^\/api\/v1\/orders\/([^/]+)$/.exec(url.pathname);
      if (method === 'GET' && one) return { order: orders.find((o) => o.id === one[1]) };
      if (method === 'GET' && url.pathname === '/api/v1/floor') return app.state.get().floor;
      throw new HubUnreachableError('no such route in this test');
    }) as typeof app.client.request;
    return { ...t, asked, offline: () => (reachable = false), turnDay: (day: string) => (today = day) };
  }

  it("lists the hub's business day (named in its answer), closed orders included, newest first", async () => {
    const { app, asked } = await withHub([earlier, closed, open, yesterday]);
    await app.showBills();
    expect(app.state.get().screen).toBe('bills');
    // the day not known yet: the hub names it, then its orders are asked for
    expect(asked).toEqual(['GET /api/v1/orders?limit=1', 'GET /api/v1/orders?businessDate=2024-05-02&limit=50']);
    const { bills } = app.state.get();
    expect(bills.orders.map((o) => o.id)).toEqual(['o-4', 'o-3', 'o-2']);
    expect(bills).toMatchObject({ date: '2024-05-02', complete: true, failed: false, loading: false });
    // known: one request
    await app.loadBills();
    expect(asked.slice(2)).toEqual(['GET /api/v1/orders?businessDate=2024-05-02&limit=50']);
  });

  it("shows the day that has begun, not the newest order's: none yet, yesterday's not among them", async () => {
    const { app } = await withHub([earlier, closed, open, yesterday], { today: '2024-05-03' });
    await app.showBills();
    expect(app.state.get().bills).toMatchObject({ date: '2024-05-03', orders: [], complete: true });
  });

  it('asks again when the day turns while the list is open (past 04:00 at the hub)', async () => {
    const late = order({ id: 'o-n1', number: 1, businessDate: '2024-05-03', createdAt: 9000, tableId: null, channel: 'kiosk' });
    const { app, asked, turnDay } = await withHub([earlier, closed, open, late]);
    await app.showBills();
    expect(app.state.get().bills.orders.map((o) => o.id)).toEqual(['o-4', 'o-3', 'o-2']);
    turnDay('2024-05-03');
    asked.length = 0;
    await app.loadBills();
    expect(asked).toEqual(['GET /api/v1/orders?businessDate=2024-05-02&limit=50', 'GET /api/v1/orders?businessDate=2024-05-03&limit=50']);
    expect(app.state.get().bills).toMatchObject({ date: '2024-05-03', complete: true });
    expect(app.state.get().bills.orders.map((o) => o.id)).toEqual(['o-n1']);
  });

  it('offline: says it could not load and keeps the list shown', async () => {
    const { app, offline } = await withHub([closed, open]);
    await app.showBills();
    offline();
    await app.loadBills();
    expect(app.state.get().bills).toMatchObject({ failed: true, loading: false, date: '2024-05-02' });
    expect(app.state.get().bills.orders.map((o) => o.id)).toEqual(['o-4', 'o-3']);
    // never loaded: nothing to keep, and it says so
    const other = await withHub([closed]);
    other.offline();
    await other.app.showBills();
    expect(other.app.state.get().bills).toMatchObject({ failed: true, orders: [], date: null });
  });

  it('a closed bill opens read-only: refund and receipt only, its back goes to the list', async () => {
    const { app, of } = await withHub([closed, open]);
    await app.showBills();
    app.openBill('o-3');
    const s = app.state.get();
    expect(s).toMatchObject({ screen: 'bill', orderId: 'o-3', tableId: 't-a1', fromBills: true });
    // the list's copy at once (offline too), then the hub's
    expect(s.order?.id).toBe('o-3');
    expect(app.billReadOnly()).toBe(true);
    // nothing that changes the order is queued: no payment, no settling, no void
    expect(await app.pay({ tender: 'cash', amountMinor: 100, tenderedMinor: 100 })).toBeNull();
    expect(await app.settle()).toBeNull();
    expect(app.canVoid('l-1')).toBe(false);
    await app.voidLine('l-1', 'cold');
    expect(of('payment')).toHaveLength(0);
    expect(of('void')).toHaveLength(0);
    // the guest complains after paying: ¥12 back, and the receipt reprinted
    const r = await app.refund({ paymentId: 'p-1', amountMinor: 1200, reason: 'cold soup' });
    expect(r).toMatchObject({ path: '/api/v1/orders/o-3/refunds', body: { paymentId: 'p-1', amountMinor: 1200, reason: 'cold soup' } });
    await app.printReceipt();
    expect(of('receipt')).toMatchObject([{ path: '/api/v1/orders/o-3/receipt' }]);
    // back: the list again, the bill's copy in it
    await app.backFromBill();
    expect(app.state.get()).toMatchObject({ screen: 'bills', orderId: null, order: null, fromBills: false });
    expect(app.state.get().bills.orders.map((o) => o.id)).toEqual(['o-4', 'o-3']);
  });

  it('an open order from the list opens its bill as usual (payments taken)', async () => {
    const { app, of } = await withHub([closed, open]);
    await app.showBills();
    app.openBill('o-4');
    expect(app.state.get()).toMatchObject({ screen: 'bill', orderId: 'o-4', tableId: 't-a2' });
    expect(app.billReadOnly()).toBe(false);
    expect(await app.pay({ tender: 'cash', amountMinor: 1000, tenderedMinor: 1000 })).not.toBeNull();
    expect(of('payment')).toHaveLength(1);
  });

  it('a busy day: page after page, a number and a table searched for asked of the hub beyond them, none twice', async () => {
    // 120 orders after #3 at A1, then #2 (a kiosk's) and #3 earlier in the day: two pages and a bit
    const many = Array.from({ length: 120 }, (_, i) => order({ id: `o-${100 + i}`, number: 100 + i, businessDate: '2024-05-02', createdAt: 10_000 + i, tableId: 't-a2', status: 'closed' }));
    const { app, asked } = await withHub([earlier, closed, ...many, yesterday]);
    await app.showBills();
    const ids = () => app.state.get().bills.orders.map((o) => o.id);
    expect(app.state.get().bills).toMatchObject({ complete: false, paged: 50, cursor: 'o-170' });
    expect(ids()).not.toContain('o-3');
    // #2, by its number: the hub finds it, into the list
    asked.length = 0;
    await app.lookUpBills('#2');
    expect(asked).toEqual(['GET /api/v1/orders?businessDate=2024-05-02&number=2&limit=1']);
    expect(ids()).toContain('o-2');
    expect(app.state.get().bills.lookup).toEqual({ query: '#2', state: 'answered' });
    // A1 named exactly: its orders of the day, by themselves
    await app.lookUpBills('a1');
    expect(asked[1]).toBe('GET /api/v1/orders?businessDate=2024-05-02&tableId=t-a1&limit=50');
    expect(ids()).toContain('o-3');
    // listed now: not asked again
    await app.lookUpBills('3');
    expect(asked).toHaveLength(2);
    // the pages go on from the last one's last order, not from the orders found
    await app.loadBills({ more: true });
    expect(asked[2]).toBe('GET /api/v1/orders?businessDate=2024-05-02&before=o-170&limit=50');
    await app.loadBills({ more: true });
    expect(asked[3]).toBe('GET /api/v1/orders?businessDate=2024-05-02&before=o-120&limit=50');
    expect(app.state.get().bills).toMatchObject({ complete: true, paged: 122 });
    expect(ids()).toEqual([...many.map((o) => o.id).reverse(), 'o-3', 'o-2']);
    // complete: nothing more to ask
    await app.loadBills({ more: true });
    await app.lookUpBills('#99');
    expect(asked).toHaveLength(4);
    // a refresh asks for as many as were paged through
    await app.loadBills();
    expect(asked[4]).toBe('GET /api/v1/orders?businessDate=2024-05-02&limit=122');
    expect(ids()).toHaveLength(122);
  });
});

/**
 * A tablet whose hub can be switched off and on: every request is recorded with the token it presents.
 * As the real hub: a sign-out ends the one session it came with (the same person's other sessions stay), a
 * request with an ended session's token is answered 401, every change is taken, and PINs are checked.
 */
async function hubbed() {
  const t = await tablet();
  const { app } = t;
  const calls: { method: string; path: string; bearer: string | null; body: unknown; answered: boolean }[] = [];
  /** `sessions`: the staff tokens the hub takes (the first waiter's to begin with); `away`: paths it is not reached on. */
  const hub = { up: false, sessions: new Set(['staff_test']), away: [] as string[] };
  // a request's tries follow each other at once (their backoff is the client's, tested with it): a sign-out
  // tried while the hub is away is over, and kept for later, by the next tick
  (app.client as unknown as { opts: { sleep?: () => Promise<void> } }).opts.sleep = async () => undefined;
  app.client.request = (async (method: string, path: string, o: { as?: string; bearer?: string; headers?: Record<string, string>; body?: unknown } = {}) => {
    const bearer = o.bearer ?? o.headers?.authorization?.replace(/^Bearer /, '') ?? (o.as === 'staff' ? app.session.staffToken() : o.as === 'none' ? null : app.session.deviceToken());
    calls.push({ method, path, bearer, body: o.body, answered: hub.up });
    if (!hub.up || hub.away.some((p) => path.endsWith(p))) throw new HubUnreachableError('the hub is away');
    if (bearer !== null && bearer !== app.session.deviceToken() && !hub.sessions.has(bearer)) throw new HubError(401, 'unauthenticated', 'staff session expired or unknown; sign in again');
    if (method === 'DELETE') {
      hub.sessions.delete(bearer!);
      return { signedOut: true };
    }
    if (path === '/api/v1/staff/sessions') {
      const { pin, roles } = o.body as { pin: string; roles?: string[] };
      const staff = pin === '9999' ? { id: 's-9', name: '张经理', role: 'manager' } : pin === '1112' ? { id: 's-2', name: '李娜', role: 'waiter' } : null;
      if (!staff) throw new HubError(401, 'pin_invalid', 'unknown PIN');
      if (roles && !roles.includes(staff.role)) throw new HubError(403, 'forbidden', 'not a manager', { required: roles, role: staff.role, name: staff.name });
      const token = `stf_${staff.id}_${calls.length}`;
      hub.sessions.add(token);
      return { token, staff, expiresAt: Date.now() + 12 * 3600_000 };
    }
    if (method === 'GET') throw new HubUnreachableError('reads are not part of this test');
    return { order: order() };
  }) as typeof app.client.request;
  /** The sign-outs the hub got (not those sent while it was away). */
  const signOuts = () => calls.filter((c) => c.method === 'DELETE' && c.answered).map((c) => c.bearer);
  const sends = (pathEnd: string) => calls.filter((c) => c.method === 'POST' && c.path.endsWith(pathEnd)).map((c) => c.bearer);
  /** Someone signs in on the tablet's PIN pad (the hub makes the session). */
  const signIn = (token: string, id: string, name: string) => {
    hub.sessions.add(token);
    app.session.staff.set({ token, staff: { id, name, role: 'waiter' } as never, expiresAt: Date.now() + 3600_000 });
  };
  return { ...t, hub, calls, signOuts, sends, signIn };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('locking the tablet ends the session on the hub', () => {
  it('at once, when nothing of the waiter is queued', async () => {
    const { app, hub, signOuts } = await hubbed();
    hub.up = true;
    app.lock();
    expect(app.session.staff.get()).toBeNull();
    await vi.waitFor(() => expect(signOuts()).toEqual(['staff_test']));
  });

  it('locks at once, and ends the session only once the changes the waiter queued are answered, sent as them (not as whoever signs in next)', async () => {
    const { app, hub, calls, signOuts, sends, signIn } = await hubbed();
    const entry = (await app.pay({ tender: 'cash', amountMinor: 2000, tenderedMinor: 2000 }))!;
    app.lock();
    expect(app.session.staff.get()).toBeNull(); // the PIN pad, at once
    signIn('staff_b', 's-2', '李娜'); // the next waiter
    hub.up = true;
    app.wake(); // the hub is back: anything waiting may go now
    await tick();
    // the payment went first, as the waiter who took it; their session ended after its answer
    expect((await app.outbox.settled(entry.id)).state).toBe('confirmed');
    await vi.waitFor(() => expect(signOuts()).toEqual(['staff_test']));
    expect(sends('/payments').every((b) => b === 'staff_test')).toBe(true);
    const confirmedAt = calls.findLastIndex((c) => c.path.endsWith('/payments'));
    expect(calls.findIndex((c) => c.method === 'DELETE')).toBeGreaterThan(confirmedAt);
  });

  it('a Lock tapped while the change is still being stored on the tablet waits for it too', async () => {
    const { app, hub, calls, signOuts, sends } = await hubbed();
    hub.up = true;
    // the tablet's storage takes its time (IndexedDB under load): the entry is not in the outbox yet
    let store!: () => void;
    const storage = (app.outbox as unknown as { opts: { storage: MemoryOutboxStorage } }).opts.storage;
    const put = storage.put.bind(storage);
    storage.put = async (e) => {
      if (!store) await new Promise<void>((r) => (store = r));
      return put(e);
    };
    const paying = app.pay({ tender: 'cash', amountMinor: 2000, tenderedMinor: 2000 });
    app.lock();
    await tick();
    expect(calls.filter((c) => c.method === 'DELETE')).toEqual([]);
    store();
    const entry = (await paying)!;
    expect((await app.outbox.settled(entry.id)).state).toBe('confirmed');
    await vi.waitFor(() => expect(signOuts()).toEqual(['staff_test']));
    expect(sends('/payments')).toEqual(['staff_test']);
  });

  it('no sign-out while the hub is away with the change still queued, and none of a session still in use', async () => {
    const { app, hub, calls, signOuts } = await hubbed();
    await app.pay({ tender: 'cash', amountMinor: 2000, tenderedMinor: 2000 });
    app.lock();
    await tick();
    // the hub cannot be reached: the payment waits, and so does the sign-out (not even tried: sent before
    // the payment, the hub would refuse the payment's token and it would go as someone else)
    expect(calls.filter((c) => c.method === 'DELETE')).toEqual([]);
    hub.up = true;
    app.outbox.retryNow();
    await vi.waitFor(() => expect(signOuts()).toEqual(['staff_test']));
  });

  it("the same waiter back on the tablet: her old session is ended while she works under her new one, which stays valid", async () => {
    const { app, hub, signOuts, sends, signIn } = await hubbed();
    app.lock(); // the hub is away: the sign-out is kept
    await tick();
    signIn('staff_test2', 's-1', '王芳');
    hub.up = true;
    app.wake();
    // the hub ends the session the sign-out came with, not hers now
    await vi.waitFor(() => expect(signOuts()).toEqual(['staff_test']));
    expect(hub.sessions.has('staff_test')).toBe(false);
    expect(hub.sessions.has('staff_test2')).toBe(true);
    const entry = (await app.pay({ tender: 'cash', amountMinor: 2000, tenderedMinor: 2000 }))!;
    expect((await app.outbox.settled(entry.id)).state).toBe('confirmed');
    expect(sends('/payments')).toEqual(['staff_test2']);
    expect(app.session.staff.get()?.token).toBe('staff_test2');
    // she leaves again: that session ends too, on its own
    app.lock();
    await vi.waitFor(() => expect(signOuts()).toEqual(['staff_test', 'staff_test2']));
    expect(hub.sessions.has('staff_test2')).toBe(false);
  });

  it("a change queued under her old session holds back that session's end only, not her new one's", async () => {
    const { app, hub, signOuts, sends, signIn } = await hubbed();
    const entry = (await app.pay({ tender: 'cash', amountMinor: 2000, tenderedMinor: 2000 }))!;
    app.lock();
    signIn('staff_test2', 's-1', '王芳');
    app.lock(); // nothing was made under her new session
    hub.up = true;
    hub.away = ['/payments']; // the hub is back, the payment not through yet
    app.wake();
    await vi.waitFor(() => expect(signOuts()).toEqual(['staff_test2']));
    await tick();
    expect(signOuts()).toEqual(['staff_test2']); // the old session waits for its payment
    hub.away = [];
    app.outbox.retryNow();
    expect((await app.outbox.settled(entry.id)).state).toBe('confirmed');
    await vi.waitFor(() => expect(signOuts()).toEqual(['staff_test2', 'staff_test']));
    expect(sends('/payments').every((b) => b === 'staff_test')).toBe(true);
  });
});

describe("a manager's approval", () => {
  it('asks the hub for a manager only: anyone else is refused by name and no session is made', async () => {
    const { app, hub, calls } = await hubbed();
    hub.up = true;
    expect(await app.managerApproval('1112')).toEqual({ problem: 'void.notManager', name: '李娜' });
    expect(calls.find((c) => c.path === '/api/v1/staff/sessions')?.body).toEqual({ pin: '1112', roles: ['manager'] });
    expect(await app.managerApproval('0000')).toEqual({ problem: 'void.pinInvalid' });
  });

  it('its session ends on the hub once the void it approved is answered, not before', async () => {
    const { app, hub, signOuts, sends } = await hubbed();
    hub.up = true;
    const approval = await app.managerApproval('9999');
    if (!('token' in approval)) throw new Error('no approval');
    hub.up = false;
    await app.voidLine('l-1', 'guest allergic', approval);
    const entry = app.state.get().submissions.find((x) => x.meta.action.kind === 'void')!;
    await tick();
    expect(signOuts()).toEqual([]); // the void waits with the manager's session
    hub.up = true;
    app.outbox.retryNow();
    expect((await app.outbox.settled(entry.id)).state).toBe('confirmed');
    expect(sends('/void').every((b) => b === approval.token)).toBe(true);
    await vi.waitFor(() => expect(signOuts()).toEqual([approval.token]));
    expect(app.session.staff.get()?.token).toBe('staff_test'); // the waiter is still signed in
    expect(hub.sessions.has('staff_test')).toBe(true);
  });

  it('said in both languages, the name of whoever typed a PIN that is not a manager’s', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const t = translator(posMessages, lang);
      expect(t('void.notManagerNamed', { name: '李娜' })).toContain('李娜');
      expect(t('void.locked')).not.toBe('void.locked');
      expect(t('bill.overDue', { amount: '¥10.00' })).toContain('¥10.00');
    }
  });
});

describe('a table with several open orders (the host opened it empty, the guests ordered by phone)', () => {
  /** A4 with the host's empty opening order and a phone's order with food; the hub answers both. */
  async function tableOfTwo() {
    const t = await tablet();
    const { app } = t;
    const host = order({ id: 'o-host', number: 11, tableId: 't-a4', lines: [], subtotalMinor: 0, totalMinor: 0, dueMinor: 0 });
    const phone = order({ id: 'o-phone', number: 12, tableId: 't-a4', channel: 'qr', guestCount: null });
    const orders: Record<string, Order> = { 'o-host': host, 'o-phone': phone };
    app.client.order = (async (id: string) => {
      const o = orders[id];
      if (!o) throw new HubError(404, 'not_found', 'no such order');
      return o;
    }) as typeof app.client.order;
    const floor = app.state.get().floor!;
    const a4 = { id: 't-a4', name: 'A4', areaId: 'a', seats: 4, status: 'ordered' as const, openOrderIds: ['o-host', 'o-phone'] };
    app.state.set({ ...app.state.get(), screen: 'floor', tableId: null, orderId: null, order: null, floor: { ...floor, tables: [...floor.tables, a4] } });
    return { ...t, orders };
  }

  it("opens the order with the food (the phone's), not the host's empty one, and lists both to choose", async () => {
    const { app } = await tableOfTwo();
    app.openExisting('t-a4');
    await vi.waitFor(() => expect(app.state.get().tableOrders.map((o) => o.id)).toEqual(['o-host', 'o-phone']));
    expect(app.state.get().orderId).toBe('o-phone');
    expect(app.state.get().order?.id).toBe('o-phone');
    app.chooseOrder('o-host');
    expect(app.state.get()).toMatchObject({ orderId: 'o-host', tableId: 't-a4', screen: 'order' });
    expect(app.state.get().order?.id).toBe('o-host');
  });

  it('keeps the unsent dishes with the order they were chosen for when the waiter switches', async () => {
    const { app } = await tableOfTwo();
    app.openExisting('t-a4');
    await vi.waitFor(() => expect(app.state.get().orderId).toBe('o-phone'));
    app.setCart([cartLine('c-1', 'mapo-tofu')]);
    app.chooseOrder('o-host');
    expect(app.state.get().cart).toEqual([]);
    app.chooseOrder('o-phone');
    expect(app.state.get().cart.map((l) => l.id)).toEqual(['c-1']);
  });

  it("a tablet whose floor was stale opened a second order beside the phone's (the hub takes it): the phone's order is listed beside it", async () => {
    const { app, orders } = await tableOfTwo();
    const floor = app.state.get().floor!;
    // A3 still free on this tablet; the guests have ordered by phone meanwhile
    expect(await app.openTable('t-a3', 2)).toBe(true);
    const mine = app.state.get().orderId!;
    orders['o-phone'] = { ...orders['o-phone']!, tableId: 't-a3' };
    orders[mine] = order({ id: mine, number: 13, tableId: 't-a3', lines: [], totalMinor: 0 });
    app.client.floor = (async () => ({ ...floor, tables: floor.tables.map((x) => (x.id === 't-a3' ? { ...x, status: 'ordered', openOrderIds: ['o-phone', mine] } : x)) })) as typeof app.client.floor;
    app.refreshFloor();
    await vi.waitFor(() => expect(app.state.get().tableOrders.map((o) => o.id)).toEqual(['o-phone', mine]));
    // the waiter stays on the order they opened (they may be entering dishes), and sees the phone's
    expect(app.state.get().orderId).toBe(mine);
  });
});
