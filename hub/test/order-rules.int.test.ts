/**
 * When an order is done, against the real hub process: a held course on a bill paid up front can still be
 * fired (and the order closes then, not before); a discount a manager granted survives a void; a bill with
 * nothing due is settled by an explicit payment of 0. The rules themselves are in hub/domain/order.test.ts
 * and hub/domain/order-service.test.ts; this is the HTTP contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Floor } from '../protocol/floor.ts';
import type { Order, Payment } from '../protocol/orders.ts';
import { PINS, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

interface Body {
  order?: Order;
  payment?: Payment;
  orders?: Order[];
  error?: { code: string; message: string; details?: unknown };
}

let hub: HubProcess;
let waiter: string;
let manager: string;
let kds: string;

beforeAll(async () => {
  hub = await startHub();
  [waiter, manager, kds] = await Promise.all([
    signIn(hub, PINS.waiter).then((s) => s.staff),
    signIn(hub, PINS.manager).then((s) => s.staff),
    signIn(hub, undefined, 'kds').then((s) => s.device),
  ]);
}, 30_000);

afterAll(async () => {
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

const post = (token: string, path: string, body: unknown) => hub.request<Body>('POST', path, { token, body });
const order = (id: string, suffix = '') => `/api/v1/orders/${id}${suffix}`;
const tofu = { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-regular'] };
const rice = { itemId: 'steamed-rice', qty: 1 };

async function place(body: Record<string, unknown>): Promise<Order> {
  const r = await post(waiter, '/api/v1/orders', { channel: 'pos', ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.order!;
}
async function tableStatus(tableId: string): Promise<string | undefined> {
  const r = await hub.request<Floor>('GET', '/api/v1/floor', { token: waiter });
  return r.body.tables.find((t) => t.id === tableId)?.status;
}
async function inSnapshot(orderId: string): Promise<boolean> {
  const r = await hub.request<{ orders: Order[] }>('GET', '/api/v1/snapshot', { token: kds });
  expect(r.status).toBe(200);
  return r.body.orders.some((o) => o.id === orderId);
}

describe('a held course on a bill paid up front', () => {
  it('keeps the order open until the course is fired, by a waiter, and closes it then', async () => {
    const placed = await place({ tableId: 't-b1', lines: [tofu, { ...rice, course: 2, hold: true }] });
    const paid = await post(waiter, order(placed.id, '/payments'), { tender: 'cash', amountMinor: placed.dueMinor });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body.order).toMatchObject({ dueMinor: 0, closedAt: null });

    const tofuLine = placed.lines.find((l) => l.itemId === 'mapo-tofu')!;
    expect((await post(waiter, order(placed.id, '/status'), { status: 'served', lineIds: [tofuLine.id] })).status).toBe(200);
    expect(await tableStatus('t-b1')).not.toBe('free');
    expect(await inSnapshot(placed.id)).toBe(true);

    const fired = await post(waiter, order(placed.id, '/fire'), { course: 2 });
    expect(fired.status, JSON.stringify(fired.body)).toBe(200);
    expect(fired.body.order?.status).toBe('closed');
    expect(fired.body.order?.lines.find((l) => l.itemId === 'steamed-rice')?.status).toBe('fired');
    expect(await tableStatus('t-b1')).toBe('free');
    expect(await inSnapshot(placed.id)).toBe(true);
    expect(hub.eventCount('order.closed', placed.id)).toBe(1);
  });
});

describe('a discount a manager granted', () => {
  it('survives a waiter voiding the wrong dish and applies in full to the right one', async () => {
    const placed = await place({ tableId: 't-b2', fire: false, lines: [tofu, rice] });
    expect((await post(manager, order(placed.id, '/discount'), { amountMinor: 1000, reason: 'regular' })).status).toBe(200);

    const tofuLine = placed.lines.find((l) => l.itemId === 'mapo-tofu')!;
    const voided = await post(waiter, order(placed.id, `/lines/${tofuLine.id}/void`), { reason: 'wrong dish' });
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    expect(voided.body.order).toMatchObject({ subtotalMinor: 300, discountMinor: 300, discountGrantedMinor: 1000, totalMinor: 0, closedAt: null });

    const readded = await post(waiter, order(placed.id, '/lines'), { lines: [{ ...tofu, optionIds: ['spice-hot', 'size-regular'] }] });
    expect(readded.status, JSON.stringify(readded.body)).toBe(200);
    expect(readded.body.order).toMatchObject({ subtotalMinor: 3100, discountMinor: 1000, discountGrantedMinor: 1000, dueMinor: 2100 });
  });
});

describe('a bill with nothing due', () => {
  it('is settled by a payment of 0, and a payment of 0 is refused (422) while something is due', async () => {
    const priced = await hub.request('PATCH', '/api/v1/menu/items/chrysanthemum-tea', { token: manager, body: { priceMinor: 0 } });
    expect(priced.status).toBe(200);
    const tea = { itemId: 'chrysanthemum-tea', qty: 1, optionIds: ['sugar-none'] };

    const withRice = await place({ tableId: 't-b3', lines: [tea, rice] });
    const refused = await post(waiter, order(withRice.id, '/payments'), { tender: 'cash', amountMinor: 0 });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'invalid_order', details: { dueMinor: 300 } });

    const free = await place({ tableId: 't-b4', lines: [tea] });
    expect(free).toMatchObject({ totalMinor: 0, closedAt: null });
    expect(await tableStatus('t-b4')).not.toBe('free');
    const settled = await post(waiter, order(free.id, '/payments'), { tender: 'other', amountMinor: 0, reference: 'on the house' });
    expect(settled.status, JSON.stringify(settled.body)).toBe(201);
    expect(settled.body.payment).toMatchObject({ tender: 'other', amountMinor: 0, reference: 'on the house' });
    expect(settled.body.order).toMatchObject({ status: 'closed', paidMinor: 0 });
    expect(await tableStatus('t-b4')).toBe('free');

    const again = await post(waiter, order(free.id, '/payments'), { tender: 'cash', amountMinor: 0 });
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('order_closed');
  });
});

describe('two tablets seating one table at the same moment', () => {
  it('opens one order; the other tablet is refused (409 naming it), and a separate check is opened only when asked for', async () => {
    const waiter2 = (await signIn(hub, PINS.waiter2)).staff;
    const seat = (token: string, extra: Record<string, unknown> = {}) =>
      post(token, '/api/v1/orders', { channel: 'pos', tableId: 't-b5', guestCount: 2, lines: [], ...extra });
    const answers = await Promise.all([seat(waiter), seat(waiter2)]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const opened = answers.find((a) => a.status === 201)!.body.order!;
    const refused = answers.find((a) => a.status === 409)!.body.error!;
    expect(refused).toMatchObject({ code: 'conflict', details: { tableId: 't-b5', openOrderIds: [opened.id] } });
    expect(refused.message).toMatch(/B5/);
    const floor = async () => (await hub.request<Floor>('GET', '/api/v1/floor', { token: waiter })).body.tables.find((t) => t.id === 't-b5')!.openOrderIds;
    expect(await floor()).toEqual([opened.id]);

    const separate = await seat(waiter2, { separateCheck: true });
    expect(separate.status, JSON.stringify(separate.body)).toBe(201);
    expect(await floor()).toEqual([opened.id, separate.body.order!.id]);
  });
});

describe('reopening a bill whose table has new guests', () => {
  it('is refused (409 naming the new order) and the bill stays closed', async () => {
    const placed = await place({ tableId: 't-b6', lines: [rice] });
    expect((await post(waiter, order(placed.id, '/payments'), { tender: 'cash', amountMinor: placed.dueMinor })).status).toBe(201);
    const next = await place({ tableId: 't-b6', guestCount: 4, lines: [] });

    const reopened = await post(manager, order(placed.id, '/reopen'), { reason: 'forgot the beer' });
    expect(reopened.status).toBe(409);
    expect(reopened.body.error).toMatchObject({ code: 'conflict', details: { tableId: 't-b6', openOrderIds: [next.id] } });
    expect((await hub.request<Body>('GET', order(placed.id), { token: waiter })).body.order?.status).toBe('closed');
  });
});

describe("a customer's phone", () => {
  it('cannot hold its dishes back from the kitchen (403), and orders them as placed', async () => {
    const codes = await hub.request<{ tables: { id: string; qrToken: string }[] }>('GET', '/api/v1/tables/qr-codes', { token: manager });
    const phone = codes.body.tables.find((t) => t.id === 't-b7')!.qrToken;
    const held = await post(phone, '/api/v1/orders', { channel: 'qr', lines: [{ ...rice, hold: true }] });
    expect(held.status).toBe(403);
    expect(held.body.error?.code).toBe('forbidden');
    const placed = await post(phone, '/api/v1/orders', { channel: 'qr', lines: [rice] });
    expect(placed.status).toBe(201);
    expect(placed.body.order?.lines.map((l) => l.status)).toEqual(['fired']);
  });
});
