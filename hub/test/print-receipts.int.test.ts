/**
 * Customer paper end to end: the real hub process, a front-counter printer (station "receipts") simulated on
 * 127.0.0.1 over real TCP. Kiosk orders print a pickup slip by themselves; the bill and the receipt are
 * printed on request, once per request whatever the retries.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { addPrinters, FAST_PRINT_ENV, waitUntil, type TestPrinters } from '../print/test-support.ts';
import { removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let manager: string;
let kitchen: string;
let kiosk: string;
let printers: TestPrinters | undefined;

beforeAll(async () => {
  hub = await startHub({ env: FAST_PRINT_ENV });
  waiter = (await signIn(hub, '1111')).staff;
  manager = (await signIn(hub, '9999')).staff;
  kitchen = (await signIn(hub, '3333')).staff;
  kiosk = (await signIn(hub, undefined, 'kiosk')).device;
});
afterEach(async () => {
  await printers?.remove();
  printers = undefined;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

const TOFU = { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] };
const BEER = { itemId: 'tsingtao-beer', qty: 2 };
const withCounter = () =>
  addPrinters(hub, manager, [
    { name: 'Hot', stations: ['hot', 'bar'] },
    { name: 'Counter 前台', stations: ['receipts'] },
  ]);

async function placeAtTable(lines: unknown[], tableId = 't-a3'): Promise<{ id: string; number: number; totalMinor: number }> {
  const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId, lines } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.order;
}
const receipt = (orderId: string, o: { token?: string; key?: string; body?: unknown } = {}) =>
  hub.request('POST', `/api/v1/orders/${orderId}/receipt`, { token: o.token ?? waiter, key: o.key ?? randomUUID(), body: o.body ?? {} });

describe('kiosk pickup slips', () => {
  it('prints one pickup slip with the number and the dishes on the counter printer, and the kitchen ticket on the station', async () => {
    printers = await withCounter();
    const r = await hub.request('POST', '/api/v1/orders', { token: kiosk, body: { channel: 'kiosk', lines: [TOFU, BEER] } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const order = r.body.order;
    // Hot prints both kitchen stations: a ticket for the tofu (hot) and one for the beer (bar)
    await waitUntil(() => printers!.texts('Counter 前台').length === 1 && printers!.texts('Hot').length === 2, 'the slip and the tickets');
    await new Promise((res) => setTimeout(res, 300));
    const [slip] = printers.texts('Counter 前台');
    expect(printers.texts('Counter 前台')).toHaveLength(1);
    expect(slip).toContain('PICKUP 取餐');
    expect(slip).toContain(`#${order.number}`);
    expect(slip).toContain('麻婆豆腐');
    expect(slip).toContain('Pay at the counter 请到前台付款');
    expect(printers.texts('Hot')).toHaveLength(2);
    for (const t of printers.texts('Hot')) expect(t).not.toContain('PICKUP');
  });

  it('prints no slip for table orders, and nothing fails for a kiosk order when no printer prints receipts', async () => {
    printers = await addPrinters(hub, manager, [{ name: 'Hot', stations: ['hot', 'bar'] }]);
    await placeAtTable([TOFU]);
    const r = await hub.request('POST', '/api/v1/orders', { token: kiosk, body: { channel: 'kiosk', lines: [TOFU] } });
    expect(r.status).toBe(201);
    await waitUntil(() => printers!.texts('Hot').length === 2, 'the kitchen tickets');
    const jobs = (await hub.request('GET', `/api/v1/print-jobs?orderId=${r.body.order.id}`, { token: waiter })).body.jobs;
    expect(jobs.map((j: { kind: string }) => j.kind)).toEqual(['kitchen']);
  });
});

describe('bills and receipts', () => {
  it('prints the bill while something is due and the receipt with tenders and change once paid, once per request', async () => {
    printers = await withCounter();
    const order = await placeAtTable([TOFU, BEER]);
    const bill = await receipt(order.id);
    expect(bill.status, JSON.stringify(bill.body)).toBe(201);
    expect(bill.body.job).toMatchObject({ kind: 'receipt', orderId: order.id, stationId: 'receipts' });
    await waitUntil(() => printers!.texts('Counter 前台').length === 1, 'the bill');
    expect(printers.texts('Counter 前台')[0]).toContain('BILL / 账单');

    const cash = Math.ceil(order.totalMinor / 10_000) * 10_000;
    const pay = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, {
      token: waiter,
      body: { id: randomUUID(), tender: 'cash', amountMinor: order.totalMinor, tenderedMinor: cash },
    });
    expect(pay.status, JSON.stringify(pay.body)).toBe(201);
    const key = randomUUID();
    const first = await receipt(order.id, { key });
    const replay = await receipt(order.id, { key });
    expect(replay.status).toBe(201);
    expect(replay.body.job.id).toBe(first.body.job.id);
    await waitUntil(() => printers!.texts('Counter 前台').length === 2, 'the receipt');
    await new Promise((res) => setTimeout(res, 300));
    expect(printers.texts('Counter 前台')).toHaveLength(2);
    const text = printers.texts('Counter 前台')[1]!;
    expect(text).toContain('RECEIPT / 收据');
    expect(text).toContain('Cash 现金');
    expect(text).toContain(`￥${(cash - order.totalMinor) / 100}.`);
    expect(text).toContain(`￥${Math.floor(order.totalMinor / 100)}.${String(order.totalMinor % 100).padStart(2, '0')}`);
    expect(text).toContain('A3');
  });

  it('prints the bill of the order a merged-away order went to (its dishes and total), not an empty one', async () => {
    printers = await withCounter();
    const from = await placeAtTable([TOFU], 't-a8');
    const into = await placeAtTable([BEER], 't-a9');
    const merged = await hub.request('POST', `/api/v1/orders/${from.id}/merge`, { token: waiter, body: { intoOrderId: into.id } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);

    // the cashier's screen still shows the first order: its guests want to pay what is now on the second
    const bill = await receipt(from.id);
    expect(bill.status, JSON.stringify(bill.body)).toBe(201);
    expect(bill.body.job).toMatchObject({ kind: 'receipt', orderId: into.id, orderNumber: String(into.number) });
    await waitUntil(() => printers!.texts('Counter 前台').length === 1, 'the bill');
    const text = printers.texts('Counter 前台')[0]!;
    expect(text).toContain('BILL / 账单');
    expect(text).toContain(`#${into.number}`);
    expect(text).toContain('麻婆豆腐');
    expect(text).toContain('青岛啤酒');
    const total = from.totalMinor + into.totalMinor;
    expect(text).toContain(`￥${Math.floor(total / 100)}.${String(total % 100).padStart(2, '0')}`);
  });

  it('answers 422 no_receipt_printer when no printer prints receipts, 404 for an unknown order, 403 for the kitchen', async () => {
    printers = await addPrinters(hub, manager, [{ name: 'Hot', stations: ['hot', 'bar'] }]);
    const order = await placeAtTable([BEER]);
    const none = await receipt(order.id);
    expect(none.status).toBe(422);
    expect(none.body.error.code).toBe('no_receipt_printer');
    expect((await receipt('no-such-order')).status).toBe(404);
    expect((await receipt(order.id, { token: kitchen })).status).toBe(403);
    expect((await receipt(order.id, { body: { printer: 'x' } })).status).toBe(400);
  });

  it('lets a manager give a printer the receipts station, and refuses an unknown station', async () => {
    const bad = await hub.request('POST', '/api/v1/printers', {
      token: manager,
      body: { name: 'Nowhere', host: '127.0.0.1', port: 9, encoding: 'gb18030', widthChars: 48, stations: ['receipt-typo'], allowOffline: true },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('receipts');
  });
});
