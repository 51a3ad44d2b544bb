/**
 * The day's takings on the demo store over real SQLite (Asia/Shanghai, a business day runs 04:00–04:00):
 * orders placed, discounted, voided, paid in split tenders, refunded in part, and paid or refunded on
 * another business day than the one they were placed on, then the report read through the store's own
 * statements (hub/store/report-repo.ts). Every sum is asserted to the fen.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LineInput, Order, PaymentInput, PlaceOrder } from '../protocol/orders.ts';
import type { UnrecordedCardCharge } from '../protocol/card-charges.ts';
import { SqliteCardChargeRepo } from '../store/card-charge-repo.ts';
import { SqliteReportRepo } from '../store/report-repo.ts';
import { businessDate } from './business-date.ts';
import { CardChargeService } from './card-charges.ts';
import { businessDayBounds, DayReportService, summarizeDay } from './day-report.ts';
import type { Principal } from './principal.ts';
import { cashier, type DemoStore, domainErrorOf, kiosk, kitchen, manager, openDemoStore, plum, posDevice, rice, shanghai, tofu, waiter } from './test-support.ts';

const TZ = 'Asia/Shanghai';
let s: DemoStore;
let reports: DayReportService;
beforeEach(() => {
  s = openDemoStore();
  reports = new DayReportService(new SqliteReportRepo(s.db));
});
afterEach(() => {
  s.db.close();
});

// demo prices: mapo tofu ¥28.00, steamed rice ¥3.00, sour plum drink ¥8.00
const place = (at: number, lines: LineInput[], extra: Partial<PlaceOrder> = {}, who: Principal = waiter): Order =>
  s.run(() => s.service.place({ channel: 'pos', tableId: 't-a1', lines, ...extra }, s.ctx(who, at)));
const pay = (o: Order, at: number, input: PaymentInput, who: Principal = cashier) => s.run(() => s.service.pay(o.id, input, s.ctx(who, at))).payment;
const refund = (o: Order, at: number, paymentId: string, amountMinor: number, reference?: string) =>
  s.run(() => s.service.refund(o.id, { paymentId, amountMinor, reason: 'test', ...(reference ? { reference } : {}) }, s.ctx(manager, at)));
const report = (date: string, who: Principal = cashier) => reports.read(who, date, shanghai(2024, 5, 3, 12), TZ);
const tenders = (cash: [number, number], card: [number, number], other: [number, number] = [0, 0]) => ({
  cash: { count: cash[0], amountMinor: cash[1] },
  card: { count: card[0], amountMinor: card[1] },
  other: { count: other[0], amountMinor: other[1] },
});

/**
 * 30 April: #1 at A3 (tofu ¥28), placed at 22:00, paid in cash on 1 May at 11:00.
 * 1 May: A at A1 (tofu, rice, plum ¥39; ¥5 off; the rice voided: ¥31), paid ¥10 card and ¥21 cash (¥25 handed
 * over, ¥4 change), then ¥3 of the cash refunded; B at the kiosk (two plums ¥16), its card; E at A2 (tofu ¥28)
 * ¥10 paid in cash, still open; F at B1 (plum ¥8) voided whole; L at A3, a late supper at 02:30 on 2 May
 * (rice ¥3), paid at 05:00 — the next business day — and ¥2 of A's card refunded on 2 May.
 */
function aDayOfService() {
  const c = place(shanghai(2024, 4, 30, 22), [tofu()], { tableId: 't-a3' });
  const cPay = pay(c, shanghai(2024, 5, 1, 11), { tender: 'cash', amountMinor: 2800, tenderedMinor: 3000 });

  let a = place(shanghai(2024, 5, 1, 12), [tofu(), rice(), plum()]);
  a = s.run(() => s.service.discount(a.id, { amountMinor: 500, reason: 'regular' }, s.ctx(manager, shanghai(2024, 5, 1, 12, 10))));
  const riceLine = a.lines.find((l) => l.itemId === 'steamed-rice')!;
  a = s.run(() => s.service.voidLine(a.id, riceLine.id, 'not wanted', s.ctx(manager, shanghai(2024, 5, 1, 12, 15))));
  expect(a.totalMinor).toBe(3100);
  const aCard = pay(a, shanghai(2024, 5, 1, 12, 50), { tender: 'card', amountMinor: 1000, reference: 'T-1' });
  const aCash = pay(a, shanghai(2024, 5, 1, 12, 51), { tender: 'cash', amountMinor: 2100, tenderedMinor: 2500 });
  refund(a, shanghai(2024, 5, 1, 13), aCash.id, 300);

  const b = place(shanghai(2024, 5, 1, 12, 30), [plum({ qty: 2 })], { channel: 'kiosk', tableId: undefined }, kiosk);
  pay(b, shanghai(2024, 5, 1, 12, 31), { tender: 'card', amountMinor: 1600, reference: 'K-1' }, kiosk);

  const e = place(shanghai(2024, 5, 1, 18), [tofu()], { tableId: 't-a2' });
  pay(e, shanghai(2024, 5, 1, 19), { tender: 'cash', amountMinor: 1000, tenderedMinor: 1000 });

  const f = place(shanghai(2024, 5, 1, 19), [plum()], { tableId: 't-b1' });
  s.run(() => s.service.voidOrder(f.id, 'walked out', s.ctx(manager, shanghai(2024, 5, 1, 19, 5))));

  const l = place(shanghai(2024, 5, 2, 2, 30), [rice()], { tableId: 't-a3' });
  pay(l, shanghai(2024, 5, 2, 5), { tender: 'cash', amountMinor: 300, tenderedMinor: 300 });
  refund(a, shanghai(2024, 5, 2, 10), aCard.id, 200, 'R-1');
  return { a, b, c, cPay, e, f, l };
}

describe("the day's takings", () => {
  it('sums the day exactly: orders and sales of the orders placed on it, money as it moved during it', () => {
    const { a, e, l } = aDayOfService();
    expect([a, e, l].map((o) => o.businessDate)).toEqual(['2024-05-01', '2024-05-01', '2024-05-01']);
    const r = report('2024-05-01');
    expect(r).toMatchObject({
      businessDate: '2024-05-01',
      timeZone: TZ,
      from: shanghai(2024, 5, 1, 4),
      to: shanghai(2024, 5, 2, 4),
      // A, B, E and the late supper L; F was voided whole; #1 of 30 April is that day's
      orders: { count: 4, byChannel: { pos: 3, kiosk: 1, qr: 0, preorder: 0 }, voided: 1, firstAt: shanghai(2024, 5, 1, 12), lastAt: shanghai(2024, 5, 2, 2, 30) },
      // A 36 (39 less the voided rice) + B 16 + E 28 + L 3
      grossMinor: 8300,
      discountsMinor: 500,
      netSalesMinor: 7800,
      // A's rice and F's plum
      voidedLines: { count: 2, amountMinor: 1100 },
      // 30 April's bill paid this morning (28 cash), A's split (10 card + 21 cash: not the 25 handed over),
      // B's card (16) and E's part (10 cash); L's rice was paid after 04:00 on 2 May: not today's money
      payments: { count: 5, amountMinor: 8500, byTender: tenders([3, 5900], [2, 2600]), forOtherDaysMinor: 2800 },
      // the 3 of A's cash given back today; the 2 of its card on 2 May is not
      refunds: { count: 1, amountMinor: 300, byTender: tenders([1, 300], [0, 0]), forOtherDaysMinor: 0 },
      cashExpectedMinor: 5900 - 300,
      openOrders: {
        count: 1,
        dueMinor: 1800,
        orders: [{ id: e.id, number: e.number, businessDate: '2024-05-01', tableId: 't-a2', tableName: 'A2', channel: 'pos', totalMinor: 2800, dueMinor: 1800, createdAt: shanghai(2024, 5, 1, 18) }],
      },
    });
  });

  it('counts a payment or a refund on the day it was made, not on its order’s day', () => {
    aDayOfService();
    // 30 April: its order, no money (paid on 1 May)
    expect(report('2024-04-30')).toMatchObject({
      orders: { count: 1, voided: 0 },
      grossMinor: 2800,
      netSalesMinor: 2800,
      payments: { count: 0, amountMinor: 0, forOtherDaysMinor: 0 },
      cashExpectedMinor: 0,
      openOrders: { count: 0, dueMinor: 0, orders: [] },
    });
    // 2 May: no order of its own, L's rice paid in cash and ¥2 of A's card refunded, both for 1 May's orders
    expect(report('2024-05-02')).toMatchObject({
      orders: { count: 0, byChannel: { pos: 0, kiosk: 0, qr: 0, preorder: 0 }, voided: 0, firstAt: null, lastAt: null },
      grossMinor: 0,
      netSalesMinor: 0,
      payments: { count: 1, amountMinor: 300, byTender: tenders([1, 300], [0, 0]), forOtherDaysMinor: 300 },
      refunds: { count: 1, amountMinor: 200, byTender: tenders([0, 0], [1, 200]), forOtherDaysMinor: 200 },
      // a card refund takes nothing from the drawer
      cashExpectedMinor: 300,
    });
  });

  it('is for a cashier or a manager; a waiter, the kitchen and devices are refused', () => {
    expect(report('2024-05-01', manager).businessDate).toBe('2024-05-01');
    for (const who of [waiter, kitchen, kiosk]) expect(domainErrorOf(() => report('2024-05-01', who)).code).toBe('forbidden');
  });

  it('reads the business day it is now when none is named (before 04:00 it is still yesterday)', () => {
    expect(reports.read(cashier, undefined, shanghai(2024, 5, 2, 3, 59), TZ).businessDate).toBe('2024-05-01');
    expect(reports.read(cashier, undefined, shanghai(2024, 5, 2, 4), TZ).businessDate).toBe('2024-05-02');
  });

  it('keeps an open order with nothing due in the list, and an empty day at zero', () => {
    const empty = summarizeDay({ businessDate: '2024-05-01', timeZone: TZ, from: 0, to: 1, asOf: 1, orders: [], openOrders: [], voidedLines: { count: 0, amountMinor: 0 }, payments: [], refunds: [], cardCharges: [], float: null });
    expect(empty).toMatchObject({
      grossMinor: 0,
      netSalesMinor: 0,
      cashExpectedMinor: 0,
      floatMinor: null,
      drawerExpectedMinor: null,
      unrecordedCardCharges: { count: 0, amountMinor: 0, unresolved: { count: 0, amountMinor: 0 }, charges: [] },
      openOrders: { count: 0, dueMinor: 0, orders: [] },
      orders: { firstAt: null, lastAt: null },
    });
    const opened = place(shanghai(2024, 5, 1, 12), []);
    expect(report('2024-05-01').openOrders).toEqual({ count: 1, dueMinor: 0, orders: [expect.objectContaining({ id: opened.id, dueMinor: 0, tableName: 'A1' })] });
  });
});

describe('businessDayBounds', () => {
  it.each([
    ['2024-05-01', 'Asia/Shanghai', Date.UTC(2024, 3, 30, 20), Date.UTC(2024, 4, 1, 20)],
    // New York springs forward at 02:00 on 10 March: 9 March is a 23-hour business day
    ['2024-03-09', 'America/New_York', Date.UTC(2024, 2, 9, 9), Date.UTC(2024, 2, 10, 8)],
    // and falls back on 3 November: 2 November runs 25 hours
    ['2024-11-02', 'America/New_York', Date.UTC(2024, 10, 2, 8), Date.UTC(2024, 10, 3, 9)],
    ['2024-12-31', 'Pacific/Kiritimati', Date.UTC(2024, 11, 30, 14), Date.UTC(2024, 11, 31, 14)],
  ])('%s in %s runs from its 04:00 to the next day’s', (date, zone, from, to) => {
    expect(businessDayBounds(date, zone)).toEqual({ from, to });
    expect(businessDate(from, zone)).toBe(date);
    expect(businessDate(from - 1, zone)).not.toBe(date);
    expect(businessDate(to - 1, zone)).toBe(date);
    expect(businessDate(to, zone)).not.toBe(date);
  });
});

describe("the day's open orders: every bill still open when the till closes, whatever day it was placed on", () => {
  it("lists an earlier day's open order that one of the day's orders was merged into, with what is due on it", () => {
    // a late supper at A3 placed at 03:30 on 2 May (business day 1 May), still at the table after 04:00
    const p = place(shanghai(2024, 5, 2, 3, 30), [tofu()], { tableId: 't-a3' });
    // friends come at 04:30 (business day 2 May), order at A1 and join the table: their bill goes onto #P
    const q = place(shanghai(2024, 5, 2, 4, 30), [rice()], { tableId: 't-a1' });
    s.run(() => s.service.merge(q.id, { intoOrderId: p.id }, s.ctx(waiter, shanghai(2024, 5, 2, 5))));
    pay(p, shanghai(2024, 5, 2, 5, 10), { tender: 'cash', amountMinor: 1000, tenderedMinor: 1000 });
    expect([p.businessDate, q.businessDate]).toEqual(['2024-05-01', '2024-05-02']);

    const r = report('2024-05-02');
    // the ¥10 taken today is in the drawer; the ¥21 still due on the table is not settled
    expect(r.payments.amountMinor).toBe(1000);
    expect(r.openOrders).toEqual({
      count: 1,
      dueMinor: 2100,
      // with its own business day: its number is 1 May's, not today's
      orders: [{ id: p.id, number: p.number, businessDate: '2024-05-01', tableId: 't-a3', tableName: 'A3', channel: 'pos', totalMinor: 3100, dueMinor: 2100, createdAt: shanghai(2024, 5, 2, 3, 30) }],
    });
  });

  it("lists an earlier day's bill a manager reopened today, and not an order placed after the day", () => {
    const y = place(shanghai(2024, 5, 1, 20), [tofu()], { tableId: 't-a2' });
    pay(y, shanghai(2024, 5, 1, 21), { tender: 'cash', amountMinor: 2800, tenderedMinor: 3000 });
    // 2 May: the table is reopened for a forgotten drink, not paid yet
    s.run(() => s.service.reopen(y.id, 'forgot the drink', s.ctx(manager, shanghai(2024, 5, 2, 12))));
    const added = s.run(() => s.service.addLines(y.id, { lines: [plum()] }, s.ctx(waiter, shanghai(2024, 5, 2, 12, 1))));
    expect(added.dueMinor).toBe(800);
    // 3 May's order is not 2 May's business
    place(shanghai(2024, 5, 3, 11), [rice()], { tableId: 't-b1' });

    const r = report('2024-05-02');
    expect(r.openOrders).toMatchObject({ count: 1, dueMinor: 800, orders: [{ id: y.id, number: y.number, businessDate: '2024-05-01', tableName: 'A2', dueMinor: 800 }] });
  });
});

describe("the day's opening float", () => {
  /** A float naming the one it replaces: `replaces` given, or the day's as the store has it now (what a tablet showing the day would name). */
  const setFloat = (date: string, amountMinor: number, who: Principal, at: number, o: { id?: string; replaces?: string | null } = {}) =>
    s.run(() => reports.setFloat({ businessDate: date, amountMinor, ...o, replaces: 'replaces' in o ? o.replaces : (report(date).floatId ?? null) }, s.ctx(who, at)));

  it('is not in the cash expected: the drawer total is the float plus it, and null until a float is recorded', () => {
    const o = place(shanghai(2024, 5, 1, 12), [tofu()]);
    pay(o, shanghai(2024, 5, 1, 12, 30), { tender: 'cash', amountMinor: 2800, tenderedMinor: 3000 });
    expect(report('2024-05-01')).toMatchObject({ cashExpectedMinor: 2800, floatMinor: null, floatSetAt: null, drawerExpectedMinor: null });

    setFloat('2024-05-01', 50_000, cashier, shanghai(2024, 5, 1, 9));
    expect(report('2024-05-01')).toMatchObject({ cashExpectedMinor: 2800, floatMinor: 50_000, floatSetAt: shanghai(2024, 5, 1, 9), drawerExpectedMinor: 52_800 });
    // a drawer opened empty: a float of 0 recorded, and a total to count against
    setFloat('2024-05-02', 0, manager, shanghai(2024, 5, 2, 9));
    expect(report('2024-05-02')).toMatchObject({ floatMinor: 0, drawerExpectedMinor: 0 });
    // each day its own
    expect(report('2024-04-30').floatMinor).toBeNull();
  });

  it('is replaced by a later one that names it, each kept in the log with the float it replaced, on a topic no tablet hears', () => {
    const first = setFloat('2024-05-01', 50_000, cashier, shanghai(2024, 5, 1, 9), { id: 'f-morning', replaces: null });
    expect(first).toEqual({ id: 'f-morning', businessDate: '2024-05-01', amountMinor: 50_000, setAt: shanghai(2024, 5, 1, 9), staffId: 's-cashier', staffName: 'Staff s-cashier' });
    // the report names it, and who recorded it (the staff member's name as the store has it)
    expect(report('2024-05-01')).toMatchObject({ floatId: 'f-morning', floatSetBy: '陈静 Chen Jing' });
    const second = setFloat('2024-05-01', 45_000, manager, shanghai(2024, 5, 1, 21), { replaces: 'f-morning' });
    // no id sent: the hub makes one
    expect(second.id).toMatch(/^id-\d+$/);
    expect(report('2024-05-01')).toMatchObject({ floatMinor: 45_000, floatSetAt: shanghai(2024, 5, 1, 21), floatId: second.id, floatSetBy: '刘洋 Liu Yang' });
    expect(s.db.prepare('SELECT COUNT(*) FROM day_floats').pluck().get()).toBe(1);
    expect(s.events.filter((e) => e.type === 'day.float_set')).toEqual([
      { type: 'day.float_set', payload: { float: first, previousMinor: null, previousId: null }, topics: ['till'] },
      { type: 'day.float_set', payload: { float: second, previousMinor: 50_000, previousId: 'f-morning' }, topics: ['till'] },
    ]);
  });

  it('refuses a float that does not name the one recorded meanwhile (queued offline, sent late), with that one, and writes nothing', () => {
    // tablet A saw no float at 10:00 (offline); tablet B recorded 800.00 at 10:05; A's 500.00 arrives at 10:10
    const b = setFloat('2024-05-01', 80_000, manager, shanghai(2024, 5, 1, 10, 5), { id: 'f-b', replaces: null });
    const stale = domainErrorOf(() => setFloat('2024-05-01', 50_000, cashier, shanghai(2024, 5, 1, 10, 10), { id: 'f-a', replaces: null }));
    expect(stale.code).toBe('float_superseded');
    expect(stale.details).toEqual({ current: { ...b, staffName: '刘洋 Liu Yang' } });
    // a request from a tablet before floats had ids names nothing: it saw none, and is refused the same way
    expect(domainErrorOf(() => s.run(() => reports.setFloat({ businessDate: '2024-05-01', amountMinor: 50_000 }, s.ctx(cashier, shanghai(2024, 5, 1, 10, 11))))).code).toBe('float_superseded');
    // nor does naming an older float than the one recorded replace it
    expect(domainErrorOf(() => setFloat('2024-05-01', 50_000, cashier, shanghai(2024, 5, 1, 10, 12), { replaces: 'f-older' })).code).toBe('float_superseded');
    expect(report('2024-05-01')).toMatchObject({ floatMinor: 80_000, floatId: 'f-b' });
    expect(s.events.filter((e) => e.type === 'day.float_set')).toHaveLength(1);
    // replaced knowingly: a new request naming it
    expect(setFloat('2024-05-01', 50_000, cashier, shanghai(2024, 5, 1, 10, 15), { id: 'f-a2', replaces: 'f-b' }).amountMinor).toBe(50_000);
    expect(report('2024-05-01')).toMatchObject({ floatMinor: 50_000, floatId: 'f-a2' });
    // the first float of a day needs no name, and a float cannot replace itself
    expect(s.run(() => reports.setFloat({ businessDate: '2024-05-02', amountMinor: 1 }, s.ctx(cashier, shanghai(2024, 5, 2, 9)))).amountMinor).toBe(1);
    expect(domainErrorOf(() => setFloat('2024-05-01', 1, cashier, shanghai(2024, 5, 1, 11), { id: 'f-a2', replaces: 'f-a2' })).code).toBe('conflict');
  });

  it('is recorded by a cashier or a manager only: a waiter, the kitchen and devices are refused and nothing is written', () => {
    for (const who of [waiter, kitchen, kiosk, posDevice]) expect(domainErrorOf(() => setFloat('2024-05-01', 50_000, who, shanghai(2024, 5, 1, 9))).code).toBe('forbidden');
    expect(s.db.prepare('SELECT COUNT(*) FROM day_floats').pluck().get()).toBe(0);
    expect(s.events.filter((e) => e.type === 'day.float_set')).toEqual([]);
  });
});

describe("the day's unrecorded card charges", () => {
  const charges = () => new SqliteCardChargeRepo(s.db);
  const charge = (id: string, at: number, amountMinor: number, orderNumber: number | null = 7): UnrecordedCardCharge => {
    const c: UnrecordedCardCharge = {
      id,
      orderId: `o-${id}`,
      orderNumber,
      amountMinor,
      reference: `T-${id}`,
      deviceId: 'dev-kiosk-1',
      refusal: { code: 'forbidden', message: 'nothing is due' },
      createdAt: at,
      resolvedAt: null,
      resolvedBy: null,
      resolutionKind: null,
      resolutionOrderId: null,
      resolutionOrderNumber: null,
      resolutionNote: null,
      settledAt: null,
    };
    charges().insert(c);
    return c;
  };
  const resolve = (id: string, at: number, kind: 'refunded_on_terminal' | 'recorded_as_payment' | 'other', note: string | null = null) =>
    charges().resolve(id, at, 's-manager', {
      kind,
      orderId: kind === 'recorded_as_payment' ? 'o-paid' : null,
      orderNumber: kind === 'recorded_as_payment' ? 14 : null,
      paymentId: kind === 'recorded_as_payment' ? 'p-paid' : null,
      note,
      settledAt: kind === 'other' ? null : at,
    });
  const dayCharge = (id: string, at: number, amountMinor: number, o: Record<string, unknown> = {}) => ({
    id,
    orderId: `o-${id}`,
    orderNumber: 7,
    amountMinor,
    reference: `T-${id}`,
    createdAt: at,
    resolvedAt: null,
    resolutionKind: null,
    resolutionOrderNumber: null,
    resolutionNote: null,
    settledAt: null,
    ...o,
  });

  it('counts every charge the terminal made in [from, to), resolved or not, and how many are still unresolved', () => {
    const { from, to } = businessDayBounds('2024-05-01', TZ);
    charge('before', from - 1, 1_000);
    charge('first', from, 2_800);
    charge('resolved', shanghai(2024, 5, 1, 12), 4_400);
    charge('late', to - 1, 1_600, null);
    charge('next', to, 900);
    resolve('resolved', shanghai(2024, 5, 1, 13), 'other', 'customer took it as credit for next week');

    const r = report('2024-05-01').unrecordedCardCharges;
    expect(r).toEqual({
      count: 3,
      amountMinor: 2_800 + 4_400 + 1_600,
      unresolved: { count: 2, amountMinor: 2_800 + 1_600 },
      charges: [
        dayCharge('first', from, 2_800),
        dayCharge('resolved', shanghai(2024, 5, 1, 12), 4_400, { resolvedAt: shanghai(2024, 5, 1, 13), resolutionKind: 'other', resolutionNote: 'customer took it as credit for next week' }),
        dayCharge('late', to - 1, 1_600, { orderNumber: null }),
      ],
      // resolved as something else, the money is still on the terminal and not in the payments
      settled: { count: 0, amountMinor: 0 },
      settledOfEarlierDays: { count: 0, amountMinor: 0, charges: [] },
      onTerminalMinor: 2_800 + 4_400 + 1_600,
    });
    // not in the payments: the hub never took them
    expect(report('2024-05-01').payments.count).toBe(0);
    // the ones either side are their own days'
    expect(report('2024-04-30').unrecordedCardCharges).toMatchObject({ count: 1, amountMinor: 1_000 });
    expect(report('2024-05-02').unrecordedCardCharges).toMatchObject({ count: 1, amountMinor: 900, unresolved: { count: 1, amountMinor: 900 } });
  });

  /** A kiosk's card payment of `o` the hub refuses (paid at the counter meanwhile, or voided): the charge recorded. */
  const refusedAtKiosk = (o: Order, at: number, reference: string): UnrecordedCardCharge => {
    const input: PaymentInput = { tender: 'card', amountMinor: o.totalMinor, reference };
    const ctx = s.ctx(kiosk, at);
    const refusal = domainErrorOf(() => s.run(() => s.service.pay(o.id, input, ctx)));
    return s.run(() => new CardChargeService(charges()).recordRefusedPayment(o.id, input, refusal, ctx))!;
  };
  const kioskOrder = (at: number, lines: LineInput[]) => place(at, lines, { channel: 'kiosk', tableId: undefined }, kiosk);

  it("counts what the card terminal's total really has: a charge refunded on it or recorded as another order's payment not again, on the day it was settled", () => {
    const service = new CardChargeService(charges());
    const resolveAs = (c: UnrecordedCardCharge, at: number, input: Parameters<CardChargeService['resolve']>[1]) => s.run(() => service.resolve(c.id, input, s.ctx(manager, at)));
    // 12:00 a kiosk order paid in cash at the counter meanwhile: its card charge refunded on the terminal
    const k1 = kioskOrder(shanghai(2024, 5, 1, 12), [plum({ qty: 2 })]);
    pay(k1, shanghai(2024, 5, 1, 12, 1), { tender: 'cash', amountMinor: 1600, tenderedMinor: 2000 });
    const c1 = refusedAtKiosk(k1, shanghai(2024, 5, 1, 12, 2), 'K-1');
    resolveAs(c1, shanghai(2024, 5, 1, 12, 10), { kind: 'refunded_on_terminal', note: 'ref R-1' });
    // 13:00 a kiosk order voided (the guest changed their mind at the counter): the charge is recorded as the
    // card payment of the order placed instead, with the kiosk terminal's reference, no second swipe
    const k2 = kioskOrder(shanghai(2024, 5, 1, 13), [tofu()]);
    s.run(() => s.service.voidOrder(k2.id, 'changed at the counter', s.ctx(manager, shanghai(2024, 5, 1, 13, 1))));
    const c2 = refusedAtKiosk(k2, shanghai(2024, 5, 1, 13, 2), 'K-2');
    const instead = place(shanghai(2024, 5, 1, 13, 5), [tofu()]);
    pay(instead, shanghai(2024, 5, 1, 13, 6), { tender: 'card', amountMinor: 2800, reference: 'K-2' });
    expect(resolveAs(c2, shanghai(2024, 5, 1, 13, 7), { kind: 'recorded_as_payment', orderNumber: instead.number })).toMatchObject({
      resolutionKind: 'recorded_as_payment',
      resolutionOrderId: instead.id,
      resolutionOrderNumber: instead.number,
      resolutionNote: null,
    });
    // 21:00 a third, still unresolved when the till closes; refunded on the terminal the next morning
    const k3 = kioskOrder(shanghai(2024, 5, 1, 20, 59), [rice()]);
    pay(k3, shanghai(2024, 5, 1, 20, 59) + 30_000, { tender: 'cash', amountMinor: 300, tenderedMinor: 300 });
    const c3 = refusedAtKiosk(k3, shanghai(2024, 5, 1, 21), 'K-3');
    // and one card payment taken on the counter terminal
    const counter = place(shanghai(2024, 5, 1, 18), [plum()]);
    pay(counter, shanghai(2024, 5, 1, 18, 30), { tender: 'card', amountMinor: 800, reference: 'T-9' });
    // the terminals' journal for 1 May: K-1 +16 −16, K-2 +28, K-3 +3, T-9 +8
    const terminalOn1May = 1600 - 1600 + 2800 + 300 + 800;

    const closing = report('2024-05-01');
    expect(closing.payments.byTender.card).toEqual({ count: 2, amountMinor: 2800 + 800 });
    expect(closing.unrecordedCardCharges).toMatchObject({
      count: 3,
      amountMinor: 1600 + 2800 + 300,
      unresolved: { count: 1, amountMinor: 300 },
      settled: { count: 2, amountMinor: 1600 + 2800 },
      onTerminalMinor: 300,
    });
    expect(closing.unrecordedCardCharges.charges.map((c) => [c.reference, c.resolutionKind, c.resolutionOrderNumber])).toEqual([
      ['K-1', 'refunded_on_terminal', null],
      ['K-2', 'recorded_as_payment', instead.number],
      ['K-3', null, null],
    ]);
    expect(closing.cardTerminalExpectedMinor).toBe(terminalOn1May);

    // the next morning K-3 is refunded on the terminal: 1 May's figures stay, 2 May's terminal has the refund
    resolveAs(c3, shanghai(2024, 5, 2, 10), { kind: 'refunded_on_terminal' });
    expect(report('2024-05-01').cardTerminalExpectedMinor).toBe(terminalOn1May);
    const next = report('2024-05-02');
    expect(next.unrecordedCardCharges).toMatchObject({
      count: 0,
      amountMinor: 0,
      settledOfEarlierDays: { count: 1, amountMinor: 300, charges: [{ id: c3.id, reference: 'K-3', resolutionKind: 'refunded_on_terminal' }] },
      onTerminalMinor: -300,
    });
    expect(next.cardTerminalExpectedMinor).toBe(-300);
  });

  it("counts a charge recorded as a payment off the day that payment was taken, however late the manager says so: neither that day twice nor the next short", () => {
    const service = new CardChargeService(charges());
    // 19:00 a kiosk order voided at the counter; its card charge refused, and taken as the card payment of
    // the order placed instead at 20:05 (the kiosk terminal's reference); the manager says so the next morning
    const k = kioskOrder(shanghai(2024, 5, 1, 19), [tofu()]);
    s.run(() => s.service.voidOrder(k.id, 'changed at the counter', s.ctx(manager, shanghai(2024, 5, 1, 19, 1))));
    const c = refusedAtKiosk(k, shanghai(2024, 5, 1, 19, 2), 'K-7');
    const instead = place(shanghai(2024, 5, 1, 20), [tofu()]);
    pay(instead, shanghai(2024, 5, 1, 20, 5), { tender: 'card', amountMinor: 2800, reference: 'K-7' });
    // the terminal's journal for 1 May: K-7 +28, once
    const terminalOn1May = 2800;
    // before the manager's word, the charge is listed unresolved beside the payment (the cashier sees why)
    expect(report('2024-05-01').unrecordedCardCharges.unresolved).toEqual({ count: 1, amountMinor: 2800 });

    const resolved = s.run(() => service.resolve(c.id, { kind: 'recorded_as_payment', orderNumber: instead.number }, s.ctx(manager, shanghai(2024, 5, 2, 9))));
    expect(resolved.settledAt).toBe(shanghai(2024, 5, 1, 20, 5));
    const first = report('2024-05-01');
    expect(first.unrecordedCardCharges).toMatchObject({ settled: { count: 1, amountMinor: 2800 }, onTerminalMinor: 0 });
    expect(first.cardTerminalExpectedMinor).toBe(terminalOn1May);
    const second = report('2024-05-02');
    expect(second.unrecordedCardCharges.settledOfEarlierDays).toEqual({ count: 0, amountMinor: 0, charges: [] });
    expect(second.cardTerminalExpectedMinor).toBe(0);
  });

  it('takes a charge as an order’s payment only when the order of that number has a card payment, on the day the card was charged', () => {
    const service = new CardChargeService(charges());
    const k = kioskOrder(shanghai(2024, 5, 1, 12), [tofu()]);
    s.run(() => s.service.voidOrder(k.id, 'changed at the counter', s.ctx(manager, shanghai(2024, 5, 1, 12, 1))));
    const c = refusedAtKiosk(k, shanghai(2024, 5, 1, 12, 2), 'K-9');
    const cashOnly = place(shanghai(2024, 5, 1, 12, 5), [tofu()]);
    pay(cashOnly, shanghai(2024, 5, 1, 12, 6), { tender: 'cash', amountMinor: 2800, tenderedMinor: 3000 });
    const resolveAs = (input: Parameters<CardChargeService['resolve']>[1]) => domainErrorOf(() => s.run(() => service.resolve(c.id, input, s.ctx(manager, shanghai(2024, 5, 1, 13)))));
    expect(resolveAs({ kind: 'recorded_as_payment', orderNumber: cashOnly.number })).toMatchObject({ code: 'invalid_order', details: { orderId: cashOnly.id } });
    expect(resolveAs({ kind: 'recorded_as_payment', orderNumber: 999 })).toMatchObject({ code: 'invalid_order', details: { orderNumber: 999, businessDate: '2024-05-01' } });
    // the voided kiosk order itself has no card payment either
    expect(resolveAs({ kind: 'recorded_as_payment', orderNumber: k.number }).code).toBe('invalid_order');
    expect(charges().get(c.id)).toMatchObject({ resolvedAt: null, resolutionKind: null });
    expect(s.events.filter((e) => e.type === 'payment.unrecorded_resolved')).toEqual([]);
  });

  it('does not take a charge as a card payment the order had before the card was charged, nor one another charge was already recorded as', () => {
    const service = new CardChargeService(charges());
    const resolveAs = (c: UnrecordedCardCharge, at: number, input: Parameters<CardChargeService['resolve']>[1]) => s.run(() => service.resolve(c.id, input, s.ctx(manager, at)));
    // 12:00 the guest pays the kiosk order by card at the counter (a swipe of its own), then the kiosk's card
    // goes through too: the hub refuses it, and the guest was charged twice
    const k = kioskOrder(shanghai(2024, 5, 1, 12), [tofu()]);
    pay(k, shanghai(2024, 5, 1, 12, 1), { tender: 'card', amountMinor: 2800, reference: 'T-COUNTER' });
    const twice = refusedAtKiosk(k, shanghai(2024, 5, 1, 12, 2), 'K-TWICE');
    // the sheet fills in the kiosk order's number: its card payment is the counter's swipe, not this charge
    expect(domainErrorOf(() => resolveAs(twice, shanghai(2024, 5, 1, 12, 10), { kind: 'recorded_as_payment', orderNumber: k.number }))).toMatchObject({
      code: 'invalid_order',
      details: { orderId: k.id },
    });
    expect(charges().get(twice.id)).toMatchObject({ resolvedAt: null });
    // 13:00 two kiosk orders voided, the guest's two cards recorded at the counter as one order's card payment:
    // one payment, so only one of them is in the payments
    const v1 = kioskOrder(shanghai(2024, 5, 1, 13), [tofu()]);
    const v2 = kioskOrder(shanghai(2024, 5, 1, 13), [tofu()]);
    for (const v of [v1, v2]) s.run(() => s.service.voidOrder(v.id, 'changed at the counter', s.ctx(manager, shanghai(2024, 5, 1, 13, 1))));
    const c1 = refusedAtKiosk(v1, shanghai(2024, 5, 1, 13, 2), 'K-V1');
    const c2 = refusedAtKiosk(v2, shanghai(2024, 5, 1, 13, 3), 'K-V2');
    const instead = place(shanghai(2024, 5, 1, 13, 5), [tofu({ qty: 2 })]);
    pay(instead, shanghai(2024, 5, 1, 13, 6), { tender: 'card', amountMinor: 2800, reference: 'K-V1' });
    resolveAs(c1, shanghai(2024, 5, 1, 13, 7), { kind: 'recorded_as_payment', orderNumber: instead.number });
    expect(domainErrorOf(() => resolveAs(c2, shanghai(2024, 5, 1, 13, 8), { kind: 'recorded_as_payment', orderNumber: instead.number }))).toMatchObject({
      code: 'invalid_order',
      details: { orderId: instead.id },
    });
    // the second charge's own card payment recorded there too: now it is
    pay(instead, shanghai(2024, 5, 1, 13, 10), { tender: 'card', amountMinor: 2800, reference: 'K-V2' });
    expect(resolveAs(c2, shanghai(2024, 5, 1, 13, 11), { kind: 'recorded_as_payment', orderNumber: instead.number }).resolutionOrderId).toBe(instead.id);

    // the terminals' journal: T-COUNTER and K-TWICE (not refunded yet), K-V1 and K-V2
    expect(report('2024-05-01').cardTerminalExpectedMinor).toBe(2800 * 4);
  });

  it("takes a charge made just before 04:00 as the card payment of the order placed instead just after, the next business day's, though the charge's day has an order of that number", () => {
    const service = new CardChargeService(charges());
    const resolveAs = (c: UnrecordedCardCharge, at: number, input: Parameters<CardChargeService['resolve']>[1]) => s.run(() => service.resolve(c.id, input, s.ctx(manager, at)));
    // 1 May at 19:00 the day's #1, paid by card at the counter: long before the kiosk's charge
    const early = place(shanghai(2024, 5, 1, 19), [tofu()]);
    pay(early, shanghai(2024, 5, 1, 19, 30), { tender: 'card', amountMinor: 2800, reference: 'T-EARLY' });
    // 03:50 (still 1 May's business day) a kiosk order, voided at the counter: its card charged at 03:55 is refused
    const k = kioskOrder(shanghai(2024, 5, 2, 3, 50), [tofu()]);
    s.run(() => s.service.voidOrder(k.id, 'changed at the counter', s.ctx(manager, shanghai(2024, 5, 2, 3, 52))));
    const c = refusedAtKiosk(k, shanghai(2024, 5, 2, 3, 55), 'K-LATE');
    // 04:05 the guest orders again at the counter: 2 May's #1, its card payment the kiosk terminal's charge
    const instead = place(shanghai(2024, 5, 2, 4, 5), [tofu()]);
    expect([instead.businessDate, instead.number]).toEqual(['2024-05-02', early.number]);
    const paid = pay(instead, shanghai(2024, 5, 2, 4, 6), { tender: 'card', amountMinor: 2800, reference: 'K-LATE' });

    // 1 May's #1 was paid before the card was charged: 2 May's #1 is the one whose payment can be this charge
    expect(resolveAs(c, shanghai(2024, 5, 2, 4, 10), { kind: 'recorded_as_payment', orderNumber: instead.number })).toMatchObject({
      resolutionOrderId: instead.id,
      resolutionOrderNumber: instead.number,
      settledAt: paid.createdAt,
    });
    // 1 May's terminal has T-EARLY and K-LATE (settled the next day); 2 May's payments have K-LATE, its terminal nothing
    expect(report('2024-05-01').cardTerminalExpectedMinor).toBe(2800 + 2800);
    expect(report('2024-05-02').unrecordedCardCharges.settledOfEarlierDays).toMatchObject({ count: 1, amountMinor: 2800 });
    expect(report('2024-05-02').cardTerminalExpectedMinor).toBe(0);
  });

  it('prefers the order of the charge’s own business day when both days have one of that number that can take it, and says why neither can', () => {
    const service = new CardChargeService(charges());
    const resolveAs = (c: UnrecordedCardCharge, at: number, input: Parameters<CardChargeService['resolve']>[1]) => s.run(() => service.resolve(c.id, input, s.ctx(manager, at)));
    // 1 May's #1 at the kiosk, voided; two charges at 03:55 and 03:56 refused
    const k = kioskOrder(shanghai(2024, 5, 2, 3, 40), [tofu()]);
    s.run(() => s.service.voidOrder(k.id, 'changed at the counter', s.ctx(manager, shanghai(2024, 5, 2, 3, 41))));
    const c1 = refusedAtKiosk(k, shanghai(2024, 5, 2, 3, 55), 'K-1');
    const c2 = refusedAtKiosk(k, shanghai(2024, 5, 2, 3, 56), 'K-2');
    // 1 May's #2 placed at 03:57 and paid by card; 2 May's #1 and #2 placed after 04:00, #2 paid by card
    const sameDay = place(shanghai(2024, 5, 2, 3, 57), [tofu()]);
    pay(sameDay, shanghai(2024, 5, 2, 3, 58), { tender: 'card', amountMinor: 2800, reference: 'K-1' });
    place(shanghai(2024, 5, 2, 4, 5), [rice()]);
    const nextDay = place(shanghai(2024, 5, 2, 4, 6), [tofu()]);
    pay(nextDay, shanghai(2024, 5, 2, 4, 7), { tender: 'card', amountMinor: 2800, reference: 'K-2' });
    expect([sameDay.number, nextDay.number, nextDay.businessDate]).toEqual([2, 2, '2024-05-02']);
    // #2 for the first: both can take it, the charge's own day's is it
    expect(resolveAs(c1, shanghai(2024, 5, 2, 4, 10), { kind: 'recorded_as_payment', orderNumber: 2 })).toMatchObject({ resolutionOrderId: sameDay.id });
    // #2 for the second: 1 May's payment is the first charge's now, 2 May's is free
    expect(resolveAs(c2, shanghai(2024, 5, 2, 4, 11), { kind: 'recorded_as_payment', orderNumber: 2 })).toMatchObject({ resolutionOrderId: nextDay.id });
    // a third charge: neither #2 has a free payment, and the refusal names both days
    const c3 = refusedAtKiosk(k, shanghai(2024, 5, 2, 3, 59), 'K-3');
    const refused = domainErrorOf(() => resolveAs(c3, shanghai(2024, 5, 2, 4, 12), { kind: 'recorded_as_payment', orderNumber: 2 }));
    expect(refused).toMatchObject({ code: 'invalid_order', details: { orderNumber: 2, orderId: sameDay.id } });
    expect(refused.message).toContain('2024-05-01');
    expect(refused.message).toContain('2024-05-02');
    // no #99 either day
    expect(domainErrorOf(() => resolveAs(c3, shanghai(2024, 5, 2, 4, 12), { kind: 'recorded_as_payment', orderNumber: 99 }))).toMatchObject({
      code: 'invalid_order',
      details: { orderNumber: 99, businessDate: '2024-05-01' },
    });
  });

  it('keeps a payment one charge’s when its order is merged into another: the payment moves, the claim on it too', () => {
    const service = new CardChargeService(charges());
    const resolveAs = (c: UnrecordedCardCharge, at: number, input: Parameters<CardChargeService['resolve']>[1]) => s.run(() => service.resolve(c.id, input, s.ctx(manager, at)));
    // two kiosk orders voided at the counter, both charges refused; the first one's card taken as the card
    // payment of the order at A1 (its reference), and the charge resolved so
    const v1 = kioskOrder(shanghai(2024, 5, 1, 13), [tofu()]);
    const v2 = kioskOrder(shanghai(2024, 5, 1, 13), [tofu()]);
    for (const v of [v1, v2]) s.run(() => s.service.voidOrder(v.id, 'changed at the counter', s.ctx(manager, shanghai(2024, 5, 1, 13, 1))));
    const c1 = refusedAtKiosk(v1, shanghai(2024, 5, 1, 13, 2), 'K-V1');
    const c2 = refusedAtKiosk(v2, shanghai(2024, 5, 1, 13, 3), 'K-V2');
    const a1 = place(shanghai(2024, 5, 1, 13, 5), [tofu({ qty: 2 })]);
    const paid = pay(a1, shanghai(2024, 5, 1, 13, 6), { tender: 'card', amountMinor: 2800, reference: 'K-V1' });
    expect(resolveAs(c1, shanghai(2024, 5, 1, 13, 7), { kind: 'recorded_as_payment', orderNumber: a1.number })).toMatchObject({ settledAt: paid.createdAt });
    // the party moves to A2 and the bills are merged: the payment goes with them
    const a2 = place(shanghai(2024, 5, 1, 13, 10), [rice()], { tableId: 't-a2' });
    s.run(() => s.service.merge(a1.id, { intoOrderId: a2.id }, s.ctx(waiter, shanghai(2024, 5, 1, 13, 20))));
    // the one payment is still the first charge's: the second is refused there until its own is recorded
    expect(domainErrorOf(() => resolveAs(c2, shanghai(2024, 5, 1, 13, 30), { kind: 'recorded_as_payment', orderNumber: a2.number }))).toMatchObject({
      code: 'invalid_order',
      details: { orderId: a2.id },
    });
    expect(charges().get(c2.id)).toMatchObject({ resolvedAt: null });
    // the terminal's journal: K-V1 and K-V2; the payments have K-V1 only
    expect(report('2024-05-01').cardTerminalExpectedMinor).toBe(2800 * 2);
  });

  it("records a kiosk's refused card payment as it happens, and the day's report has it", () => {
    const o = place(shanghai(2024, 5, 1, 12), [plum({ qty: 2 })], { channel: 'kiosk', tableId: undefined }, kiosk);
    pay(o, shanghai(2024, 5, 1, 12, 1), { tender: 'cash', amountMinor: 1600, tenderedMinor: 2000 });
    const service = new CardChargeService(charges());
    const ctx = s.ctx(kiosk, shanghai(2024, 5, 1, 12, 2));
    const refusal = domainErrorOf(() => s.run(() => s.service.pay(o.id, { tender: 'card', amountMinor: 1600, reference: 'K-7' }, ctx)));
    s.run(() => service.recordRefusedPayment(o.id, { tender: 'card', amountMinor: 1600, reference: 'K-7' }, refusal, ctx));
    expect(report('2024-05-01')).toMatchObject({
      payments: { count: 1, byTender: tenders([1, 1600], [0, 0]) },
      unrecordedCardCharges: { count: 1, amountMinor: 1600, unresolved: { count: 1, amountMinor: 1600 }, charges: [{ orderId: o.id, orderNumber: o.number, reference: 'K-7' }] },
    });
  });
});
