/**
 * The QR page's controller (QrApp, run in Node with the `ws` package for the stream) against a real hub,
 * while staff change the table's orders: a merge, a move onto this table, and a double tap on "send".
 */
import WS from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { eventually, pairAndSignIn } from '../test/browser.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { movedNotes, QrApp } from './order-app.ts';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WS;
let hub: HubProcess;
let waiter: string;
let tokens: Map<string, string>;
const apps: QrApp[] = [];
beforeAll(async () => {
  hub = await startHub();
  waiter = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: waiter });
  tokens = new Map((qr.body.tables as { id: string; qrToken: string }[]).map((t) => [t.id, t.qrToken]));
}, 60_000);
afterAll(async () => {
  for (const a of apps) a.stop();
  await hub?.stop();
});

const line = () => ({ id: crypto.randomUUID(), itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'], note: '' });
const posOrder = async (tableId: string): Promise<string> => {
  const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId, lines: [{ itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'] }] } });
  expect(r.status).toBe(201);
  return r.body.order.id as string;
};
const page = async (tableId: string): Promise<QrApp> => {
  const app = new QrApp(tokens.get(tableId)!, { storage: new MemoryOutboxStorage(), baseUrl: hub.url });
  apps.push(app);
  await app.start();
  await eventually('live', async () => (app.state.get().conn.status === 'live' ? true : undefined));
  return app;
};
const settled = (app: QrApp, known: Set<string>) =>
  eventually('settled', async () => app.state.get().submissions.find((s) => !known.has(s.id) && (s.state === 'confirmed' || s.state === 'rejected')));

it('after its order was merged into another table\'s, the next dishes start a new order', async () => {
  const app = await page('t-a5');
  expect(await app.submit([line()])).toBe(true);
  const first = await settled(app, new Set());
  expect(first.state).toBe('confirmed');
  const orderA = first.meta.orderId;
  const into = await posOrder('t-a6');
  const m = await hub.request('POST', `/api/v1/orders/${orderA}/merge`, { token: waiter, body: { intoOrderId: into } });
  expect(m.status).toBe(200);
  await eventually('page sees merged', async () => (app.state.get().orders.find((o) => o.id === orderA)?.status === 'merged' ? true : undefined));
  expect(app.appending()).toBe(false);
  expect(await app.submit([line()])).toBe(true);
  const second = await settled(app, new Set([first.id]));
  expect(second.state).toBe('confirmed');
  expect(second.meta.kind).toBe('create');
  expect(second.meta.orderId).not.toBe(orderA);
}, 60_000);

it('an order a waiter moves onto this table is shown, and the next dishes go to it', async () => {
  const app = await page('t-a8');
  const moved = await posOrder('t-a7');
  const tr = await hub.request('POST', `/api/v1/orders/${moved}/transfer`, { token: waiter, body: { tableId: 't-a8' } });
  expect(tr.status).toBe(200);
  await eventually('shown', async () => (app.state.get().orders.some((o) => o.id === moved) ? true : undefined));
  expect(app.appending()).toBe(true);
  expect(await app.submit([line()])).toBe(true);
  const s = await settled(app, new Set());
  expect([s.state, s.meta.kind, s.meta.orderId]).toEqual(['confirmed', 'add', moved]);
}, 60_000);

it('a double tap on send places the dishes once', async () => {
  const app = await page('t-a3');
  app.setCart([line()]);
  const results = await Promise.all([app.submit(), app.submit()]);
  expect(results.filter(Boolean)).toHaveLength(1);
  expect(app.state.get().submitting).toBe(false);
  expect(app.state.get().cart).toEqual([]);
  const s = await settled(app, new Set());
  expect(s.state).toBe('confirmed');
  expect(app.state.get().submissions).toHaveLength(1);
  const r = await hub.request('GET', '/api/v1/orders?tableId=t-a3', { token: waiter });
  expect(r.body.orders.flatMap((o: { lines: unknown[] }) => o.lines)).toHaveLength(1);
}, 60_000);

it('after a reload, a paid order is not shown as received again, and the next dishes never go to it', async () => {
  const storage = new MemoryOutboxStorage();
  const pay = async (orderId: string) => {
    const o = await hub.request('GET', `/api/v1/orders/${orderId}`, { token: waiter });
    const r = await hub.request('POST', `/api/v1/orders/${orderId}/payments`, { token: waiter, body: { tender: 'cash', amountMinor: o.body.order.dueMinor } });
    expect(r.status).toBe(201);
  };
  const first = new QrApp(tokens.get('t-a2')!, { storage, baseUrl: hub.url });
  apps.push(first);
  await first.start();
  expect(await first.submit([line()])).toBe(true);
  const lunch = await settled(first, new Set());
  expect(lunch.state).toBe('confirmed');
  await pay(lunch.meta.orderId);
  first.stop();

  // the guests come back to the page (a reload, or a phone browser bringing a discarded tab back): the hub
  // lists the table's open orders only, and the paid one is not among them
  const again = new QrApp(tokens.get('t-a2')!, { storage, baseUrl: hub.url });
  apps.push(again);
  await again.start();
  await eventually('live', async () => (again.state.get().conn.status === 'live' ? true : undefined));
  expect(await again.submit([line()])).toBe(true);
  const dessert = await settled(again, new Set([lunch.id]));
  expect([dessert.state, dessert.meta.kind]).toEqual(['confirmed', 'create']);
  // what the outbox kept of the paid order's answer ("placed") is not the order as it stands now
  expect(again.state.get().orders.find((o) => o.id === lunch.meta.orderId && o.status !== 'closed')).toBeUndefined();

  await pay(dessert.meta.orderId);
  await eventually('page sees it paid', async () => (again.state.get().orders.find((o) => o.id === dessert.meta.orderId)?.status === 'closed' ? true : undefined));
  expect(again.appending()).toBe(false);
  expect(await again.submit([line()])).toBe(true);
  const more = await settled(again, new Set([lunch.id, dessert.id]));
  expect([more.state, more.meta.kind]).toEqual(['confirmed', 'create']);
}, 60_000);

it('a party split over two tables gets a note for each table its orders went to', async () => {
  const app = await page('t-a9');
  const [first, second] = [await posOrder('t-a9'), await posOrder('t-a9')];
  await eventually('both shown', async () => (app.state.get().orders.filter((o) => o.id === first || o.id === second).length === 2 ? true : undefined));
  for (const [orderId, tableId] of [[first, 't-a10'], [second, 't-a11']] as const) {
    const tr = await hub.request('POST', `/api/v1/orders/${orderId}/transfer`, { token: waiter, body: { tableId } });
    expect(tr.status).toBe(200);
  }
  await eventually('both moved', async () => (app.state.get().moved.length === 2 ? true : undefined));
  expect(app.state.get().orders.map((o) => o.id)).not.toContain(first);
  expect(movedNotes(app.state.get().moved)).toEqual([
    { tableName: 'A10', orderIds: [first] },
    { tableName: 'A11', orderIds: [second] },
  ]);
}, 60_000);

it("the next party's page never shows the last party's paid bill, when its food is served after paying", async () => {
  // the last party paid at the counter while their food was still cooking, and left
  const lastParty = await posOrder('t-a12');
  const o = await hub.request('GET', `/api/v1/orders/${lastParty}`, { token: waiter });
  const paid = await hub.request('POST', `/api/v1/orders/${lastParty}/payments`, { token: waiter, body: { tender: 'cash', amountMinor: o.body.order.dueMinor } });
  expect(paid.status).toBe(201);
  // the next party sits down and scans the code
  const app = await page('t-a12');
  expect(app.state.get().orders).toEqual([]);
  // the kitchen finishes the paid order's food, and a waiter clears it: the table's topic hears it
  const served = await hub.request('POST', `/api/v1/orders/${lastParty}/status`, { token: waiter, body: { status: 'served' } });
  expect(served.status).toBe(200);
  // the page refetches an order it hears of ~150 ms later: give it time to (wrongly) show it
  await new Promise((r) => setTimeout(r, 1000));
  expect(app.state.get().orders.map((x) => x.id)).not.toContain(lastParty);
  expect(app.appending()).toBe(false);
}, 60_000);

it('dishes refused because the bill was paid meanwhile go, sent again, to a new order (the stream was away)', async () => {
  const app = await page('t-a4');
  expect(await app.submit([line()])).toBe(true);
  const first = await settled(app, new Set());
  expect(first.state).toBe('confirmed');
  // the phone's stream is away (a locked screen) while the bill is paid at the counter
  (app as unknown as { stream: { stop(): void } }).stream.stop();
  const o = await hub.request('GET', `/api/v1/orders/${first.meta.orderId}`, { token: waiter });
  const paid = await hub.request('POST', `/api/v1/orders/${first.meta.orderId}/payments`, { token: waiter, body: { tender: 'cash', amountMinor: o.body.order.dueMinor } });
  expect(paid.status).toBe(201);
  expect(await app.submit([line()])).toBe(true);
  const refused = await settled(app, new Set([first.id]));
  expect([refused.state, refused.error?.code]).toEqual(['rejected', 'order_closed']);
  // a guest reads the refusal before tapping again
  await new Promise((r) => setTimeout(r, 500));
  await app.sendAgain(refused.id);
  const again = await settled(app, new Set([first.id, refused.id]));
  expect([again.state, again.meta.kind]).toEqual(['confirmed', 'create']);
}, 60_000);
