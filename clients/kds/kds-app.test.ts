/**
 * The KDS controller's actions against a real hub process (HTTP only: the screens here have not started their
 * streams, so what each holds is whatever it loaded last, as a screen whose stream is a moment behind).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../hub/protocol/index.ts';
import { removeDir, signIn, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { language } from '../shared/i18n.ts';
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

/** A screen at `station`, paired and signed in as the kitchen, holding the hub's snapshot as of now. */
async function screen(station: string): Promise<KdsApp> {
  const app = new KdsApp({ search: `?station=${station}`, baseUrl: hub.url });
  app.session.device.set({ token: kitchen.device, deviceId: 'kds', name: 'KDS', kind: 'kds' });
  app.session.staff.set({ token: kitchen.staff, staff: { id: 's-kitchen', name: '张伟 Zhang Wei', role: 'kitchen' }, expiresAt: Date.now() + 3_600_000 });
  app.board.loadSnapshot(await app.hub.snapshot());
  return app;
}

async function place(lines: unknown[]): Promise<Order> {
  const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId: 't-a3', lines } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.order as Order;
}

const statuses = async (orderId: string) =>
  ((await hub.request('GET', `/api/v1/orders/${orderId}`, { token: waiter })).body.order as Order).lines.map((l) => l.status);

describe('two screens bumping the same ticket', () => {
  it('bumps the rest of the ticket when another screen bumped one of its lines a moment before, and says nothing went wrong', async () => {
    const order = await place([
      { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] },
      { itemId: 'kung-pao-chicken', qty: 1, optionIds: ['spice-hot', 'size-large'] },
    ]);
    const [tofu, chicken] = order.lines;
    const mine = await screen('hot');
    // the other hot screen's cook tapped the tofu line; this screen has not heard of it yet, and its cook
    // bumps the whole ticket
    const other = await screen('hot');
    await other.bump(order, [tofu!.id]);
    expect(await statuses(order.id)).toEqual(['ready', 'fired']);

    await mine.bump(mine.board.orders.get(order.id)!, [tofu!.id, chicken!.id]);
    expect(await statuses(order.id)).toEqual(['ready', 'ready']);
    expect(mine.notices.get()).toEqual([]);
    expect(mine.board.orders.get(order.id)!.lines.map((l) => l.status)).toEqual(['ready', 'ready']);
  });

  it('says nothing went wrong when every line it bumped was already bumped by the other screen', async () => {
    const order = await place([{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }]);
    const mine = await screen('hot');
    const other = await screen('hot');
    await other.bump(order, [order.lines[0]!.id]);
    await mine.bump(mine.board.orders.get(order.id)!, [order.lines[0]!.id]);
    expect(await statuses(order.id)).toEqual(['ready']);
    expect(mine.notices.get()).toEqual([]);
    expect(mine.board.orders.get(order.id)!.lines[0]!.status).toBe('ready');
  });

  it('serves at expo what is still ready when a waiter served part of the ticket first', async () => {
    const order = await place([
      { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] },
      { itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'] },
    ]);
    await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen.staff, body: { status: 'ready' } });
    const expo = await screen('expo');
    const ids = order.lines.map((l) => l.id);
    await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: waiter, body: { status: 'served', lineIds: [ids[1]] } });
    await expo.bump(expo.board.orders.get(order.id)!, ids);
    expect(await statuses(order.id)).toEqual(['served', 'served']);
    expect(expo.notices.get()).toEqual([]);
  });
});

describe('two screens recalling the same ticket', () => {
  it('says nothing went wrong when the other screen recalled it first', async () => {
    const order = await place([{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }]);
    await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen.staff, body: { status: 'ready' } });
    const mine = await screen('hot');
    const other = await screen('hot');
    await other.recall(order, [order.lines[0]!.id]);
    await mine.recall(mine.board.orders.get(order.id)!, [order.lines[0]!.id]);
    expect(await statuses(order.id)).toEqual(['preparing']);
    expect(mine.notices.get()).toEqual([]);
    expect(mine.board.orders.get(order.id)!.lines[0]!.status).toBe('preparing');
  });
});

describe('what the cook is told when a bump is refused', () => {
  it.each([
    ['zh-CN', /^[^A-Za-z]*$/],
    ['en', /voided/],
  ] as const)('says in %s that the order was voided meanwhile, not the hub’s English', async (lang, text) => {
    const order = await place([{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }]);
    const mine = await screen('hot');
    const manager = (await signIn(hub, '9999')).staff;
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/void`, { token: manager, body: { reason: 'left' } })).status).toBe(200);
    language.set(lang);
    await mine.bump(mine.board.orders.get(order.id)!, [order.lines[0]!.id]);
    expect(mine.notices.get().map((n) => n.text)).toEqual([expect.stringMatching(text)]);
  });
});
