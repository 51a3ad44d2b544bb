/**
 * Closing the till with the day's takings, against the real hub process: the opening float a cashier records
 * (`POST /api/v1/reports/day/float`) and the drawer's total it gives, the kiosks' card charges the hub refused
 * to record (the card terminal's total has them), and an earlier day's open order told apart by its day —
 * read back from `GET /api/v1/reports/day` and printed on a simulated receipt printer (real TCP on 127.0.0.1).
 * The hub has no injectable clock: "yesterday" is made in its database, as in day-report.int.test.ts.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../protocol/orders.ts';
import type { DayFloat, DayReport } from '../protocol/reports.ts';
import { addPrinters, FAST_PRINT_ENV, waitUntil, type TestPrinters } from '../print/test-support.ts';
import { connectStream, PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

const DAY = 24 * 3600_000;

let hub: HubProcess;
let db: Database.Database;
let printers: TestPrinters;
const tokens = { manager: '', cashier: '', waiter: '', kitchen: '', device: '', kiosk: '' };
let today: string;
let yesterday: string;

/** A zone where it is midday now: the test's orders never straddle the 04:00 start of a business day. */
function middayZone(): string {
  const offset = ((12 - new Date().getUTCHours() + 36) % 24) - 12;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

async function ok<T = any>(method: string, path: string, body: unknown, token: string): Promise<T> {
  const r = await hub.request(method, path, { token, ...(body === undefined ? {} : { body }) });
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
  return r.body as T;
}
const place = async (body: Record<string, unknown>, token = tokens.waiter): Promise<Order> => (await ok<{ order: Order }>('POST', '/api/v1/orders', sampleOrder(body), token)).order;
const readReport = async (date: string, token = tokens.cashier): Promise<DayReport> => (await ok<{ report: DayReport }>('GET', `/api/v1/reports/day?businessDate=${date}`, undefined, token)).report;
const setFloat = (body: unknown, o: { token?: string; key?: string | null } = {}) =>
  hub.request<{ float: DayFloat; error?: { code: string } }>('POST', '/api/v1/reports/day/float', {
    token: o.token ?? tokens.cashier,
    key: o.key === undefined ? randomUUID() : o.key,
    body,
  });
const floatEvents = () =>
  (db.prepare("SELECT payload, topics, staff_id AS staffId FROM events WHERE type = 'day.float_set' ORDER BY seq").all() as { payload: string; topics: string; staffId: string }[]).map((e) => ({
    ...e,
    payload: JSON.parse(e.payload) as { float: DayFloat; previousMinor: number | null; previousId: string | null },
  }));
const floatRows = () => db.prepare('SELECT * FROM day_floats ORDER BY business_date').all();
const moveBack = (sql: string, ...args: unknown[]) => {
  const rw = new Database(join(hub.dataDir, 'brigade.db'));
  try {
    rw.prepare(sql).run(...args);
  } finally {
    rw.close();
  }
};

/** A kiosk order paid at the counter meanwhile, then the kiosk's card payment: refused, its charge recorded. */
async function unrecordedCharge(reference: string): Promise<{ order: Order; chargeId: string }> {
  const order = await place({ channel: 'kiosk', tableId: undefined }, tokens.kiosk);
  await ok('POST', `/api/v1/orders/${order.id}/payments`, { tender: 'cash', amountMinor: order.dueMinor }, tokens.cashier);
  const card = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: tokens.kiosk, key: randomUUID(), body: { tender: 'card', amountMinor: order.dueMinor, reference } });
  expect(card.status, JSON.stringify(card.body)).toBe(403);
  const chargeId = db.prepare('SELECT id FROM unrecorded_card_charges WHERE order_id = ?').pluck().get(order.id) as string;
  expect(chargeId).toBeTruthy();
  return { order, chargeId };
}

beforeAll(async () => {
  hub = await startHub({ env: { ...FAST_PRINT_ENV, HUB_TIMEZONE: middayZone(), HUB_STORE_NAME: '川味小馆 Sichuan House' } });
  db = hub.openDb();
  const [manager, cashier, waiter, kitchen, kiosk] = await Promise.all([
    signIn(hub, PINS.manager),
    signIn(hub, PINS.cashier),
    signIn(hub, PINS.waiter),
    signIn(hub, PINS.kitchen, 'kds'),
    signIn(hub, undefined, 'kiosk'),
  ]);
  Object.assign(tokens, { manager: manager.staff, cashier: cashier.staff, waiter: waiter.staff, kitchen: kitchen.staff, device: waiter.device, kiosk: kiosk.device });
  printers = await addPrinters(hub, tokens.manager, [{ name: 'Counter 前台', stations: ['receipts'] }]);
  const probe = await place({ tableId: 't-a1' });
  today = probe.businessDate;
  yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
  await ok('POST', `/api/v1/orders/${probe.id}/payments`, { tender: 'cash', amountMinor: probe.totalMinor, tenderedMinor: 5000 }, tokens.cashier);
}, 60_000);

afterAll(async () => {
  db?.close();
  await printers?.remove();
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

describe("the day's opening float", () => {
  it('is recorded by the cashier, once however often the request is replayed, and the report counts the drawer against it', async () => {
    const before = await readReport(today);
    expect(before).toMatchObject({ floatMinor: null, floatSetAt: null, drawerExpectedMinor: null });
    expect(before.cashExpectedMinor).toBeGreaterThan(0);

    const key = randomUUID();
    const first = await setFloat({ businessDate: today, amountMinor: 50_000 }, { key });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.float).toMatchObject({ businessDate: today, amountMinor: 50_000, staffId: 's-cashier' });
    const replay = await setFloat({ businessDate: today, amountMinor: 50_000 }, { key });
    expect(replay).toMatchObject({ status: 200, body: first.body });
    expect(floatEvents()).toHaveLength(1);

    const after = await readReport(today);
    // the cash expected means what it meant: the float is beside it, and the drawer's total is both
    expect(after).toMatchObject({ cashExpectedMinor: before.cashExpectedMinor, floatMinor: 50_000, floatSetAt: first.body.float.setAt, drawerExpectedMinor: 50_000 + before.cashExpectedMinor });
  });

  it('is replaced by a later one naming it (a manager correcting it), each kept in the event log with the float it replaced', async () => {
    const first = await readReport(today);
    expect(first.floatSetBy).toBe('陈静 Chen Jing');
    const second = await setFloat({ businessDate: today, amountMinor: 48_000, id: 'f-corrected', replaces: first.floatId }, { token: tokens.manager });
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.float).toMatchObject({ id: 'f-corrected', staffName: '刘洋 Liu Yang' });
    expect(await readReport(today)).toMatchObject({ floatMinor: 48_000, floatId: 'f-corrected', floatSetBy: '刘洋 Liu Yang' });
    expect(floatRows()).toEqual([{ business_date: today, id: 'f-corrected', amount_minor: 48_000, set_at: second.body.float.setAt, staff_id: 's-manager' }]);
    const log = floatEvents();
    expect(log.map((e) => [e.payload.float.amountMinor, e.payload.previousMinor, e.payload.previousId, e.staffId, e.topics])).toEqual([
      [50_000, null, null, 's-cashier', 'till'],
      [48_000, 50_000, first.floatId, 's-manager', 'till'],
    ]);
    // another day's float is that day's: yesterday's till, closed after 04:00
    expect((await setFloat({ businessDate: yesterday, amountMinor: 0 })).status).toBe(200);
    expect(await readReport(yesterday)).toMatchObject({ floatMinor: 0, drawerExpectedMinor: 0 });
    expect((await readReport(today)).floatMinor).toBe(48_000);
  });

  it.each([
    ['a waiter', 'waiter', 403],
    ['the kitchen', 'kitchen', 403],
    ['a paired device without a PIN', 'device', 403],
    ['a kiosk', 'kiosk', 403],
  ] as const)('refuses %s, and writes nothing', async (_who, caller, status) => {
    const rows = floatRows();
    const events = floatEvents().length;
    const r = await setFloat({ businessDate: today, amountMinor: 1 }, { token: tokens[caller] });
    expect(r.status).toBe(status);
    expect(r.body.error?.code).toBe('forbidden');
    expect(floatRows()).toEqual(rows);
    expect(floatEvents()).toHaveLength(events);
  });

  it.each([
    ['no day', { amountMinor: 50_000 }],
    ['no amount', { businessDate: '2026-01-01' }],
    ['a day that is no date', { businessDate: '2026-02-30', amountMinor: 50_000 }],
    ['a negative amount', { businessDate: '2026-01-01', amountMinor: -1 }],
    ['a fraction of a fen', { businessDate: '2026-01-01', amountMinor: 500.5 }],
    ['an amount in yuan as text', { businessDate: '2026-01-01', amountMinor: '500' }],
    ['more than the hub takes', { businessDate: '2026-01-01', amountMinor: 100_000_001 }],
    ['a field it does not know', { businessDate: '2026-01-01', amountMinor: 50_000, drawer: 'A' }],
    ['a float id that is no id', { businessDate: '2026-01-01', amountMinor: 50_000, id: 'a b' }],
    ['a replaced float named by a number', { businessDate: '2026-01-01', amountMinor: 50_000, replaces: 7 }],
  ])('answers 400 to %s, and writes nothing', async (_what, body) => {
    const rows = floatRows();
    const r = await setFloat(body);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.error?.code).toBe('validation_failed');
    expect(floatRows()).toEqual(rows);
  });

  it('needs a sign-in and an Idempotency-Key', async () => {
    expect((await hub.request('POST', '/api/v1/reports/day/float', { key: randomUUID(), body: { businessDate: today, amountMinor: 1 } })).status).toBe(401);
    const r = await setFloat({ businessDate: today, amountMinor: 1 }, { key: null });
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('idempotency_key_missing');
  });
});

describe('a float queued offline on one tablet, sent after another tablet recorded one', () => {
  it('is refused with the float recorded (409 float_superseded), the same answer to its resend, and replaces it only when sent again naming it', async () => {
    const day = '2026-03-14';
    // tablet A, offline at 10:00, queues 500.00 having seen no float; tablet B records 800.00 at 10:05
    const b = await setFloat({ businessDate: day, amountMinor: 80_000, id: 'f-tablet-b', replaces: null }, { token: tokens.manager });
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    const logged = floatEvents().length;
    // A is back at 10:10: its queued float goes out with its key
    const aKey = randomUUID();
    const aBody = { businessDate: day, amountMinor: 50_000, id: 'f-tablet-a', replaces: null };
    const late = await setFloat(aBody, { key: aKey });
    expect(late.status, JSON.stringify(late.body)).toBe(409);
    expect(late.body.error).toMatchObject({
      code: 'float_superseded',
      details: { current: { id: 'f-tablet-b', businessDate: day, amountMinor: 80_000, setAt: b.body.float.setAt, staffId: 's-manager', staffName: '刘洋 Liu Yang' } },
    });
    // the outbox resends it (the answer was lost): the same answer, nothing written
    expect(await setFloat(aBody, { key: aKey })).toMatchObject({ status: 409, body: late.body });
    expect(await readReport(day)).toMatchObject({ floatMinor: 80_000, floatId: 'f-tablet-b', floatSetBy: '刘洋 Liu Yang' });
    expect(floatEvents()).toHaveLength(logged);
    // a tablet from before floats had ids names none: it saw none, so it is refused the same way
    expect((await setFloat({ businessDate: day, amountMinor: 50_000 })).body.error?.code).toBe('float_superseded');

    // the cashier replaces it knowingly: a new request, with a new key, naming the float shown
    const replaced = await setFloat({ businessDate: day, amountMinor: 50_000, id: 'f-tablet-a2', replaces: 'f-tablet-b' });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(await readReport(day)).toMatchObject({ floatMinor: 50_000, floatId: 'f-tablet-a2', floatSetBy: '陈静 Chen Jing' });
    expect(floatEvents().at(-1)).toMatchObject({ topics: 'till', payload: { previousMinor: 80_000, previousId: 'f-tablet-b' } });
  });

  it("never reaches a tablet's stream: the waiter's tablet hears the order placed after the float, and not the float", async () => {
    const head = (await hub.request<{ seq: number }>('GET', '/api/v1/health')).body.seq;
    // the topics the waiter tablet asks for (clients/pos/pos-app.ts), with its device token: the same whoever signs in
    const tablet = await connectStream(hub, tokens.device, { lastSeq: head, topics: ['orders', 'floor', 'menu', 'printers'] });
    const everything = await connectStream(hub, tokens.device, { lastSeq: head });
    try {
      expect((await setFloat({ businessDate: '2026-03-15', amountMinor: 30_000 })).status).toBe(200);
      const after = await place({ channel: 'kiosk', tableId: undefined }, tokens.kiosk);
      await tablet.waitFor(() => tablet.events().some((e) => e.type === 'order.placed' && e.payload.order.id === after.id));
      expect(tablet.events().filter((e) => e.type === 'day.float_set')).toEqual([]);
      // it is in the log all the same, on its own topic
      await everything.waitFor(() => everything.events().some((e) => e.type === 'day.float_set'));
    } finally {
      tablet.close();
      everything.close();
    }
  });
});

describe("the day's card charges not recorded, and an earlier day's open order", () => {
  it('counts the charges the terminal made in the day, resolved or not, and prints them, the float and the drawer total on the slip', async () => {
    const base = await readReport(today);
    const kept = await unrecordedCharge('SIM-KEPT');
    const resolved = await unrecordedCharge('SIM-GAVEBACK');
    await ok('POST', `/api/v1/card-charges/${resolved.chargeId}/resolve`, { note: 'refunded on the terminal 已退款' }, tokens.manager);
    // a charge the terminal made yesterday is yesterday's
    const old = await unrecordedCharge('SIM-OLD');
    moveBack('UPDATE unrecorded_card_charges SET created_at = created_at - ? WHERE id = ?', DAY, old.chargeId);

    // yesterday's bill still open at A3: numbered in yesterday's sequence
    const late = await place({ tableId: 't-a3' });
    moveBack('UPDATE orders SET business_date = ?, created_at = created_at - ?, updated_at = updated_at - ? WHERE id = ?', yesterday, DAY, DAY, late.id);

    const r = await readReport(today);
    const dueMinor = late.totalMinor;
    expect(r.unrecordedCardCharges).toMatchObject({
      count: base.unrecordedCardCharges.count + 2,
      amountMinor: base.unrecordedCardCharges.amountMinor + kept.order.totalMinor + resolved.order.totalMinor,
      unresolved: { count: base.unrecordedCardCharges.unresolved.count + 1, amountMinor: base.unrecordedCardCharges.unresolved.amountMinor + kept.order.totalMinor },
    });
    expect(r.unrecordedCardCharges.charges.slice(-2)).toEqual([
      expect.objectContaining({ id: kept.chargeId, orderId: kept.order.id, orderNumber: kept.order.number, reference: 'SIM-KEPT', resolvedAt: null, resolutionNote: null }),
      expect.objectContaining({ id: resolved.chargeId, reference: 'SIM-GAVEBACK', resolvedAt: expect.any(Number), resolutionNote: 'refunded on the terminal 已退款' }),
    ]);
    // not in the payments: the hub took the counter's cash for those orders, never the card
    expect(r.payments.byTender.card).toEqual(base.payments.byTender.card);
    expect((await readReport(yesterday)).unrecordedCardCharges).toMatchObject({ count: 1, charges: [{ id: old.chargeId, reference: 'SIM-OLD' }] });
    expect(r.openOrders.orders).toContainEqual(expect.objectContaining({ id: late.id, number: late.number, businessDate: yesterday, tableName: 'A3', dueMinor }));

    const printed = await hub.request<{ job: { id: number }; report: DayReport }>('POST', '/api/v1/reports/day/print', { token: tokens.cashier, key: randomUUID(), body: { businessDate: today } });
    expect(printed.status, JSON.stringify(printed.body)).toBe(201);
    expect(printed.body.report).toMatchObject({ floatMinor: 48_000, drawerExpectedMinor: 48_000 + r.cashExpectedMinor, unrecordedCardCharges: { count: r.unrecordedCardCharges.count } });
    const slips = () => printers.texts('Counter 前台').filter((t) => t.includes('DAY REPORT / 日结单'));
    await waitUntil(() => slips().length === 1, 'the day report slip');
    const slip = slips()[0]!;
    const yuan = (minor: number) => `￥${Math.trunc(minor / 100)}\\.${String(minor % 100).padStart(2, '0')}`;
    expect(slip).toMatch(new RegExp(`Opening float 备用金 +${yuan(48_000)}`));
    expect(slip).toMatch(new RegExp(`Drawer total 钱箱合计 +${yuan(48_000 + r.cashExpectedMinor)}`));
    expect(slip).toContain(`Card charges not recorded 未入账刷卡 (${r.unrecordedCardCharges.count})`);
    expect(slip).toMatch(new RegExp(`#${kept.order.number} \\d\\d:\\d\\d SIM-KEPT +${yuan(kept.order.totalMinor)}`));
    expect(slip.replace(/\s+/g, '')).toContain('resolved已处理:refundedontheterminal已退款');
    expect(slip).toMatch(new RegExp(`Charged on the terminal\\s+终端已扣款 +${yuan(r.unrecordedCardCharges.amountMinor)}`));
    // the earlier day's order by its day: today may have an order of the same number
    expect(slip).toMatch(new RegExp(`#${late.number} \\(${yesterday}\\) A3 +${yuan(dueMinor)}`));
    expect(slip).not.toContain('\uFFFD');
  });
});

describe("card charges resolved by what became of them: the card terminal's total", () => {
  it("counts a charge refunded on the terminal, or recorded as another order's card payment, once, and prints what the terminals should total", async () => {
    const base = await readReport(today);
    const refunded = await unrecordedCharge('SIM-REFUNDED');
    const moved = await unrecordedCharge('SIM-MOVED');
    // the guest's other order, paid at the counter with the kiosk terminal's charge: no second swipe
    const instead = await place({ tableId: 't-b2' });
    expect(instead.totalMinor).toBe(moved.order.totalMinor);
    await ok('POST', `/api/v1/orders/${instead.id}/payments`, { tender: 'card', amountMinor: instead.totalMinor, reference: 'SIM-MOVED' }, tokens.cashier);

    const resolve = (chargeId: string, body: unknown) => hub.request('POST', `/api/v1/card-charges/${chargeId}/resolve`, { token: tokens.manager, key: randomUUID(), body });
    expect((await resolve(refunded.chargeId, { kind: 'refunded_on_terminal', note: 'ref RF-1' })).status).toBe(200);
    // an order with no card payment (the kiosk order itself, paid in cash at the counter) is not where it went
    const wrong = await resolve(moved.chargeId, { kind: 'recorded_as_payment', orderNumber: moved.order.number });
    expect(wrong.status, JSON.stringify(wrong.body)).toBe(422);
    expect(wrong.body.error.code).toBe('invalid_order');
    expect((await resolve(moved.chargeId, { kind: 'recorded_as_payment', orderNumber: 999_999 })).status).toBe(422);
    // nor is a kind without what it needs
    expect((await resolve(moved.chargeId, { kind: 'recorded_as_payment' })).status).toBe(400);
    expect((await resolve(moved.chargeId, { kind: 'other' })).status).toBe(400);
    const right = await resolve(moved.chargeId, { kind: 'recorded_as_payment', orderNumber: instead.number });
    expect(right.status, JSON.stringify(right.body)).toBe(200);
    expect(right.body.charge).toMatchObject({ resolutionKind: 'recorded_as_payment', resolutionOrderId: instead.id, resolutionOrderNumber: instead.number, resolutionNote: null });

    const r = await readReport(today);
    const both = refunded.order.totalMinor + moved.order.totalMinor;
    expect(r.unrecordedCardCharges).toMatchObject({
      count: base.unrecordedCardCharges.count + 2,
      amountMinor: base.unrecordedCardCharges.amountMinor + both,
      settled: { count: base.unrecordedCardCharges.settled.count + 2, amountMinor: base.unrecordedCardCharges.settled.amountMinor + both },
      // neither is on the terminal beyond the payments any more
      onTerminalMinor: base.unrecordedCardCharges.onTerminalMinor,
    });
    expect(r.payments.byTender.card.amountMinor).toBe(base.payments.byTender.card.amountMinor + instead.totalMinor);
    // the terminals' journal since: SIM-REFUNDED charged and given back, SIM-MOVED charged once (at the kiosk)
    expect(r.cardTerminalExpectedMinor).toBe(base.cardTerminalExpectedMinor + moved.order.totalMinor);
    expect(r.unrecordedCardCharges.charges.filter((c) => c.id === refunded.chargeId || c.id === moved.chargeId).map((c) => [c.reference, c.resolutionKind, c.resolutionNote])).toEqual([
      ['SIM-REFUNDED', 'refunded_on_terminal', 'ref RF-1'],
      ['SIM-MOVED', 'recorded_as_payment', null],
    ]);

    const printed = await hub.request<{ job: { id: number }; report: DayReport }>('POST', '/api/v1/reports/day/print', { token: tokens.cashier, key: randomUUID(), body: { businessDate: today } });
    expect(printed.status, JSON.stringify(printed.body)).toBe(201);
    const slips = () => printers.texts('Counter 前台').filter((t) => t.includes('DAY REPORT / 日结单'));
    await waitUntil(() => slips().length === 2, 'the second day report slip');
    const slip = slips()[1]!.replace(/\s+/g, ' ');
    const yuan = (minor: number) => `￥${Math.trunc(minor / 100)}\\.${String(minor % 100).padStart(2, '0')}`;
    expect(slip).toContain('refunded on terminal 已在终端退款: ref RF-1');
    expect(slip).toContain(`paid as #${instead.number} 收作该单付款`);
    expect(slip).toMatch(new RegExp(`Still on the terminal 终端上仍有 ${yuan(r.unrecordedCardCharges.onTerminalMinor)}`));
    expect(slip).toMatch(new RegExp(`Card terminal total 刷卡终端合计 ${yuan(printed.body.report.cardTerminalExpectedMinor)}`));
  });
});
