/**
 * The day's takings (`GET /api/v1/reports/day`) against the real hub process: orders placed, discounted,
 * voided, paid in split tenders and refunded through the API, then the report read as the cashier closing the
 * till would. The hub has no injectable clock: "yesterday" is made in its database, as in
 * orders-by-day.int.test.ts — an order moved back a day (its business day and times) and then paid today, and
 * a payment moved back a day — so the test holds the rule that money counts on the day it moved.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order, Payment } from '../protocol/orders.ts';
import type { DayReport } from '../protocol/reports.ts';
import { PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

const DAY = 24 * 3600_000;

let hub: HubProcess;
const tokens: Record<'manager' | 'cashier' | 'waiter' | 'kitchen' | 'device', string> = { manager: '', cashier: '', waiter: '', kitchen: '', device: '' };
let today: string;
let yesterday: string;
let open: Order;
let late: Order;

/** A zone where it is midday now: the test's orders never straddle the 04:00 start of a business day. */
function middayZone(): string {
  const offset = ((12 - new Date().getUTCHours() + 36) % 24) - 12;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

async function call<T = any>(method: string, path: string, body?: unknown, token = tokens.manager): Promise<T> {
  const r = await hub.request(method, path, { token, ...(body !== undefined ? { body } : {}) });
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as T;
}
const place = async (tableId: string): Promise<Order> => (await call<{ order: Order }>('POST', '/api/v1/orders', sampleOrder({ tableId }), tokens.waiter)).order;
const pay = async (o: Order, body: Record<string, unknown>): Promise<Payment> =>
  (await call<{ payment: Payment }>('POST', `/api/v1/orders/${o.id}/payments`, body, tokens.cashier)).payment;
const readReport = (query: string, token = tokens.cashier) => hub.request<{ report: DayReport; error?: { code: string } }>('GET', `/api/v1/reports/day${query}`, { token });

function write(change: (db: Database.Database) => void): void {
  const rw = new Database(join(hub.dataDir, 'brigade.db'));
  try {
    change(rw);
  } finally {
    rw.close();
  }
}

beforeAll(async () => {
  hub = await startHub({ env: { HUB_TIMEZONE: middayZone() } });
  const [manager, cashier, waiter, kitchen] = await Promise.all([signIn(hub, PINS.manager), signIn(hub, PINS.cashier), signIn(hub, PINS.waiter), signIn(hub, PINS.kitchen, 'kds')]);
  Object.assign(tokens, { manager: manager.staff, cashier: cashier.staff, waiter: waiter.staff, kitchen: kitchen.staff, device: waiter.device });

  // "yesterday": an order placed then (its business day and times moved back), left unpaid until today
  late = await place('t-a3');
  today = late.businessDate;
  yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
  write((db) => {
    db.prepare('UPDATE orders SET business_date = ?, created_at = created_at - ?, updated_at = updated_at - ? WHERE id = ?').run(yesterday, DAY, DAY, late.id);
    db.prepare('UPDATE order_lines SET added_at = added_at - ?, fired_at = fired_at - ? WHERE order_id = ?').run(DAY, DAY, late.id);
  });

  // the sample order: mapo tofu ¥28 and two sour plum drinks ¥16, ¥44 in all
  let a = await place('t-a1');
  expect(a.totalMinor).toBe(4400);
  a = (await call<{ order: Order }>('POST', `/api/v1/orders/${a.id}/discount`, { amountMinor: 400, reason: 'regular' })).order;
  const drinks = a.lines.find((l) => l.itemId === 'sour-plum-drink')!;
  a = (await call<{ order: Order }>('POST', `/api/v1/orders/${a.id}/lines/${drinks.id}/void`, { reason: 'spilt' })).order;
  expect(a.totalMinor).toBe(2400);
  // split tender: ¥10 card, ¥14 cash from a ¥20 note (¥6 change), then ¥5 of the cash given back
  await pay(a, { tender: 'card', amountMinor: 1000, reference: 'T-1' });
  const cash = await pay(a, { tender: 'cash', amountMinor: 1400, tenderedMinor: 2000 });
  await call('POST', `/api/v1/orders/${a.id}/refunds`, { paymentId: cash.id, amountMinor: 500, reason: 'cold tofu' });

  // yesterday's bill paid today, in cash
  await pay(late, { tender: 'cash', amountMinor: 4400, tenderedMinor: 5000 });

  // a bill still open with ¥30 due after ¥14 in cash
  open = await place('t-a2');
  await pay(open, { tender: 'cash', amountMinor: 1400, tenderedMinor: 1400 });

  // a bill paid in full whose payment is moved back to yesterday: yesterday's money, not today's
  const moved = await place('t-a4');
  const movedPay = await pay(moved, { tender: 'card', amountMinor: 4400, reference: 'T-2' });
  write((db) => db.prepare('UPDATE payments SET created_at = created_at - ? WHERE id = ?').run(DAY, movedPay.id));
}, 60_000);

afterAll(async () => {
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

const tender = (count: number, amountMinor: number) => ({ count, amountMinor });

describe('GET /api/v1/reports/day', () => {
  it("sums today's orders and the money that moved today, to the fen", async () => {
    const r = await readReport(`?businessDate=${today}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const { report } = r.body;
    expect(report).toMatchObject({
      businessDate: today,
      // A, the open one and the one whose payment was moved back; the late one is yesterday's
      orders: { count: 3, byChannel: { pos: 3, kiosk: 0, qr: 0, preorder: 0 }, voided: 0 },
      // A ¥28 (the drinks voided) + the open one ¥44 + the moved one ¥44
      grossMinor: 2800 + 4400 + 4400,
      discountsMinor: 400,
      netSalesMinor: 2400 + 4400 + 4400,
      voidedLines: { count: 1, amountMinor: 1600 },
      // A's ¥10 card and ¥14 cash (not the ¥20 handed over), yesterday's ¥44 in cash, the open one's ¥14
      payments: { count: 4, amountMinor: 1000 + 1400 + 4400 + 1400, byTender: { cash: tender(3, 7200), card: tender(1, 1000), other: tender(0, 0) }, forOtherDaysMinor: 4400 },
      refunds: { count: 1, amountMinor: 500, byTender: { cash: tender(1, 500), card: tender(0, 0), other: tender(0, 0) }, forOtherDaysMinor: 0 },
      cashExpectedMinor: 7200 - 500,
      openOrders: { count: 1, dueMinor: 3000, orders: [{ id: open.id, number: open.number, tableId: 't-a2', tableName: 'A2', channel: 'pos', totalMinor: 4400, dueMinor: 3000 }] },
    });
    expect(report.orders.firstAt).toBeLessThanOrEqual(report.orders.lastAt!);
    expect(report.from).toBeLessThan(report.asOf);
    expect(report.to - report.from).toBe(DAY);
    // the same day when none is named
    expect((await readReport('')).body.report).toMatchObject({ businessDate: today, netSalesMinor: report.netSalesMinor, cashExpectedMinor: report.cashExpectedMinor });
  });

  it("counts yesterday's order in yesterday's sales, and the payment moved back in yesterday's money", async () => {
    const r = await readReport(`?businessDate=${yesterday}`, tokens.manager);
    expect(r.status).toBe(200);
    expect(r.body.report).toMatchObject({
      businessDate: yesterday,
      orders: { count: 1 },
      grossMinor: 4400,
      netSalesMinor: 4400,
      payments: { count: 1, amountMinor: 4400, byTender: { cash: tender(0, 0), card: tender(1, 4400), other: tender(0, 0) }, forOtherDaysMinor: 4400 },
      refunds: { count: 0, amountMinor: 0 },
      cashExpectedMinor: 0,
      openOrders: { count: 0, orders: [] },
    });
  });

  it.each([
    ['a waiter', 'waiter', 403, 'forbidden'],
    ['the kitchen', 'kitchen', 403, 'forbidden'],
    ['a paired device without a PIN', 'device', 403, 'forbidden'],
  ] as const)('refuses %s', async (_who, caller, status, code) => {
    const r = await readReport(`?businessDate=${today}`, tokens[caller]);
    expect(r.status).toBe(status);
    expect(r.body.error?.code).toBe(code);
  });

  it('asks for a sign-in without a token', async () => {
    expect((await hub.request('GET', '/api/v1/reports/day')).status).toBe(401);
  });

  it.each(['2026-13-01', '2026-02-30', 'yesterday', '20260101', '2026-1-1'])('answers 400 to the business day %s', async (date) => {
    const r = await readReport(`?businessDate=${encodeURIComponent(date)}`);
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toMatch(/^(validation_failed|bad_request)$/);
  });

  it('answers 400 to a filter it does not know', async () => {
    expect((await readReport(`?businessDate=${today}&tender=cash`)).status).toBe(400);
  });
});
