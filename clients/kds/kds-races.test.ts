/**
 * Races between screens (and a waiter) the KDS controller meets against a real hub. The screens here have not
 * started their streams: each holds what it loaded last, as a screen whose stream is a moment behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../hub/protocol/index.ts';
import { removeDir, signIn, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { KdsApp } from './kds-app.ts';

let hub: HubProcess;
let waiter: string;
let kitchen: { device: string; staff: string };

beforeAll(async () => {
  hub = await startHub();
  waiter = (await signIn(hub, '1111')).staff;
  kitchen = await signIn(hub, '3333', 'kds');
}, 30_000);

afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

async function screen(station: string): Promise<KdsApp> {
  const app = new KdsApp({ search: `?station=${station}`, baseUrl: hub.url });
  app.session.device.set({ token: kitchen.device, deviceId: 'kds', name: 'KDS', kind: 'kds' });
  app.session.staff.set({ token: kitchen.staff, staff: { id: 's-kitchen', name: '张伟 Zhang Wei', role: 'kitchen' }, expiresAt: Date.now() + 3_600_000 });
  app.board.loadSnapshot(await app.hub.snapshot());
  return app;
}

async function place(tableId: string, lines: unknown[]): Promise<Order> {
  const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId, lines } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.order as Order;
}

const read = async (orderId: string) => (await hub.request('GET', `/api/v1/orders/${orderId}`, { token: waiter })).body.order as Order;
const tofu = { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] };

describe('expo serving a ticket the station recalled a moment before', () => {
  it('leaves the recalled dish on the station (it is being made again), and serves the rest', async () => {
    const order = await place('t-a5', [tofu, { itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'] }]);
    await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen.staff, body: { status: 'ready' } });
    const expo = await screen('expo');
    // the hot station's cook recalls the tofu (wrong garnish); expo has not heard yet and taps Served
    const hot = await screen('hot');
    await hot.recall(hot.board.orders.get(order.id)!, [order.lines[0]!.id]);
    await expo.bump(expo.board.orders.get(order.id)!, order.lines.map((l) => l.id));
    // the hub served a 'preparing' line, and the dish being remade left the screens
    expect((await read(order.id)).lines.map((l) => l.status)).toEqual(['preparing', 'served']);
  });
});

describe('a bump racing a merge', () => {
  it('bumps the dish on the order it was merged into, without an error', async () => {
    const from = await place('t-a6', [tofu]);
    const into = await place('t-a7', [tofu]);
    const hot = await screen('hot');
    // a waiter merges table A6 into A7 as the cook taps A6's ticket (the screen has not heard of the merge)
    const merged = await hub.request('POST', `/api/v1/orders/${from.id}/merge`, { token: waiter, body: { intoOrderId: into.id } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    await hot.bump(hot.board.orders.get(from.id)!, [from.lines[0]!.id]);
    // the hub answered 404 ("order #n has no line …", in English), and the dish stayed to cook on A7's ticket
    expect(hot.notices.get()).toEqual([]);
    expect((await read(into.id)).lines.map((l) => l.status)).toEqual(['fired', 'ready']);
  });
});
