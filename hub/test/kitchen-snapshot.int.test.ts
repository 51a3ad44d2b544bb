/**
 * The snapshot a kitchen screen loads after a stream reset or a reload, against the real hub process: an
 * order voided while its food was on the kitchen's screens stays in it for `READY_FOOD_KEPT_MS`, so the
 * screen can still show the cooks "整单取消 · 停止制作" until one of them taps Got it (docs/kds.md). A void
 * the kitchen never had to hear of (nothing fired, or everything already bumped) and one from hours ago
 * are left out: the notice is for the service in progress.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY_FOOD_KEPT_MS } from '../protocol/kitchen-snapshot.ts';
import type { Order } from '../protocol/orders.ts';
import { PINS, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let manager: string;
let kitchen: string;
let kds: string;

beforeAll(async () => {
  hub = await startHub();
  [waiter, manager, kitchen, kds] = await Promise.all([
    signIn(hub, PINS.waiter).then((s) => s.staff),
    signIn(hub, PINS.manager).then((s) => s.staff),
    signIn(hub, PINS.kitchen).then((s) => s.staff),
    signIn(hub, undefined, 'kds').then((s) => s.device),
  ]);
}, 30_000);

afterAll(async () => {
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

const tofu = { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-regular'] };
const plum = { itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'] };

async function place(lines: unknown[]): Promise<Order> {
  const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId: 't-a2', lines } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.order as Order;
}

async function voidOrder(order: Order, reason = '客人离开'): Promise<Order> {
  const r = await hub.request('POST', `/api/v1/orders/${order.id}/void`, { token: manager, body: { reason } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.order as Order;
}

async function snapshotOrders(): Promise<Order[]> {
  const r = await hub.request('GET', '/api/v1/snapshot', { token: kds });
  expect(r.status).toBe(200);
  return r.body.orders as Order[];
}

/** The hub has no injectable clock: the void made `by` ms older in its database. */
function voidedAgo(orderId: string, by: number): void {
  const rw = new Database(join(hub.dataDir, 'brigade.db'));
  try {
    rw.prepare('UPDATE orders SET updated_at = updated_at - ? WHERE id = ?').run(by, orderId);
  } finally {
    rw.close();
  }
}

describe('a voided order in the kitchen snapshot', () => {
  it('carries an order voided while its food was cooking, with its lines voided as they were fired', async () => {
    const order = await place([tofu, plum]);
    await voidOrder(order);
    const found = (await snapshotOrders()).find((o) => o.id === order.id);
    expect(found).toMatchObject({ status: 'voided' });
    expect(found!.lines.map((l) => [l.status, l.voidReason, l.firedAt !== null, l.readyAt])).toEqual([
      ['voided', '客人离开', true, null],
      ['voided', '客人离开', true, null],
    ]);
  });

  it('carries it while one of its lines was still cooking, even though another was bumped', async () => {
    const order = await place([tofu, plum]);
    const bumped = await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen, body: { status: 'ready', lineIds: [order.lines[1]!.id] } });
    expect(bumped.status).toBe(200);
    await voidOrder(order);
    expect((await snapshotOrders()).map((o) => o.id)).toContain(order.id);
  });

  it('leaves out an order voided before anything of it was fired', async () => {
    const order = await place([{ ...tofu, course: 2, hold: true }]);
    expect(order.lines[0]!.firedAt).toBeNull();
    await voidOrder(order);
    expect((await snapshotOrders()).map((o) => o.id)).not.toContain(order.id);
  });

  it('leaves out an order voided once all its food was bumped ready: nobody is cooking it', async () => {
    const order = await place([tofu]);
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen, body: { status: 'ready' } })).status).toBe(200);
    await voidOrder(order);
    expect((await snapshotOrders()).map((o) => o.id)).not.toContain(order.id);
  });

  it('carries a paid order whose line was voided while cooking: the bill closed, the cook still owes the notice', async () => {
    const order = await place([tofu, plum]);
    // the tofu is taken off while it cooks; the drink is served and the table pays at once and leaves
    const voided = await hub.request('POST', `/api/v1/orders/${order.id}/lines/${order.lines[0]!.id}/void`, { token: manager, body: { reason: '做错了' } });
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen, body: { status: 'ready', lineIds: [order.lines[1]!.id] } })).status).toBe(200);
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: waiter, body: { status: 'served', lineIds: [order.lines[1]!.id] } })).status).toBe(200);
    const due = voided.body.order.dueMinor as number;
    const paid = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: manager, body: { tender: 'cash', amountMinor: due, tenderedMinor: due } });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body.order.status).toBe('closed');
    const found = (await snapshotOrders()).find((o) => o.id === order.id);
    expect(found?.lines.map((l) => l.status)).toEqual(['voided', 'served']);
    // and not once the window has passed
    voidedAgo(order.id, READY_FOOD_KEPT_MS + 60_000);
    expect((await snapshotOrders()).map((o) => o.id)).not.toContain(order.id);
  });

  it('keeps it for READY_FOOD_KEPT_MS after the void, and not a moment longer', async () => {
    const recent = await place([tofu]);
    const old = await place([tofu]);
    await voidOrder(recent);
    await voidOrder(old);
    voidedAgo(recent.id, READY_FOOD_KEPT_MS - 60_000);
    voidedAgo(old.id, READY_FOOD_KEPT_MS + 60_000);
    const ids = (await snapshotOrders()).map((o) => o.id);
    expect(ids).toContain(recent.id);
    expect(ids).not.toContain(old.id);
  });
});
