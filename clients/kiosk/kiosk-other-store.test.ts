/**
 * A kiosk and the store its orders are for. Its outbox sends an order or a card payment only to the store it
 * was made for (clients/shared/outbox.ts), which the kiosk knows from its pairing. Two gaps:
 * - a kiosk paired before devices recorded their store never learned it (no one signs in on a kiosk, which
 *   is when the tablets learn it), so its orders were tagged with no store and would go to any hub;
 * - a kiosk moved to another store for good kept the old store's unsent orders for ever: customers read
 *   "2 orders still sending" on the welcome screen, and the staff could do nothing about them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { Menu } from '../../hub/protocol/index.ts';
import { translator } from '../shared/i18n.ts';
import { memoryStorage } from '../shared/memory-storage.ts';
import { menuItem } from '../shared/menu-fixtures.ts';
import { MemoryOutboxStorage, type OutboxEntry } from '../shared/outbox.ts';
import { textOf } from '../shared/ui/text-of.ts';
import { OtherStoreNotice } from './app.tsx';
import { KioskApp } from './kiosk-app.ts';
import { recentPickups, waitingToSend, type CardApproval } from './kiosk-logic.ts';
import { kioskMessages } from './messages.ts';

const menu: Menu = { version: 1, currency: 'CNY', stations: [], categories: [], optionGroups: [], items: [menuItem({ id: 'rice' })] };

/** A hub of store `storeId` that knows the device token `dev_k1` (its health refuses any other token). */
let server: Server | null = null;
async function storeHub(storeId: string): Promise<{ url: string; asked: string[] }> {
  const asked: string[] = [];
  server = createServer((req, res) => {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://hub').pathname;
    asked.push(`${req.method} ${path}`);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/api/v1/health') {
      const auth = req.headers.authorization;
      if (auth !== undefined && auth !== 'Bearer dev_k1') return json(401, { error: { code: 'unauthenticated', message: 'unknown device token' } });
      return json(200, { status: 'ok', storeId, storeName: '南京西路店', epoch: 'e1', seq: 1 });
    }
    if (path === '/api/v1/menu') return json(200, { menu });
    if (path === '/api/v1/kitchen/pacing') return json(200, { publicOrderingPaused: false, pausedReason: null, openTickets: 0, threshold: 20, quotedMinutes: null });
    if (path === '/api/v1/orders' && req.method === 'POST') return json(201, { order: { id: 'o-new', number: 5, totalMinor: 2800, dueMinor: 2800 } });
    json(404, { error: { code: 'not_found', message: 'no' } });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

const apps: KioskApp[] = [];
beforeEach(() => {
  vi.stubGlobal('localStorage', memoryStorage());
});
afterEach(async () => {
  for (const a of apps.splice(0)) a.stop();
  vi.unstubAllGlobals();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = null;
});

const device = { token: 'dev_k1', deviceId: 'dev-k1', name: 'kiosk', kind: 'kiosk' };

it('a kiosk paired before devices recorded their store learns it when it starts, from its hub, and tags the next order with it', async () => {
  const hub = await storeHub('store-b');
  localStorage.setItem('brigade.kiosk.device', JSON.stringify(device)); // what an older page saved: no store
  const app = new KioskApp({ storage: new MemoryOutboxStorage(), baseUrl: hub.url, terminal: null });
  apps.push(app);
  expect(app.session.storeId()).toBeNull();
  app.start();
  await vi.waitFor(() => expect(app.session.storeId()).toBe('store-b'));
  await vi.waitFor(() => expect(app.state.get().phase).toBe('ready'));
  app.state.set({ ...app.state.get(), screen: 'checkout', cart: [{ id: 'l1', itemId: 'rice', qty: 1, optionIds: [], note: '' }] });
  expect(await app.submit()).toBe(true);
  expect(app.outbox.list()[0]).toMatchObject({ storeId: 'store-b' });
});

/** Entries a kiosk made at store A (unsent: the Wi-Fi was down), now paired with store B. */
function storeAEntries(): OutboxEntry[] {
  const base = { scope: 'kiosk:dev-old', attempts: 2, createdAt: 1, updatedAt: 1, nextAttemptAt: 1, lastProblem: 'hub unreachable', result: null, error: null, storeId: 'store-a' };
  const approval: CardApproval = { kind: 'payment', orderId: 'o-1', paymentId: 'p-1', number: 17, amountMinor: 4200, reference: 'T-77', cardLast4: '4242', scheme: 'visa' };
  return [
    { ...base, id: 'e-order', seq: 1, key: 'k1', method: 'POST', path: '/api/v1/orders', body: { id: 'o-2', channel: 'kiosk', lines: [] }, dependsOn: null, meta: { orderId: 'o-2', lines: [], pay: 'counter' }, state: 'unknown' },
    { ...base, id: 'e-order2', seq: 2, key: 'k2', method: 'POST', path: '/api/v1/orders', body: { id: 'o-3', channel: 'kiosk', lines: [] }, dependsOn: null, meta: { orderId: 'o-3', lines: [], pay: 'counter' }, state: 'saved' },
    { ...base, id: 'e-pay', seq: 3, key: 'k3', method: 'POST', path: '/api/v1/orders/o-1/payments', body: { id: 'p-1', tender: 'card', amountMinor: 4200, reference: 'T-77' }, dependsOn: null, meta: approval, state: 'unknown' },
  ];
}

async function kioskMovedToStoreB() {
  const hub = await storeHub('store-b');
  localStorage.setItem('brigade.kiosk.device', JSON.stringify(device));
  localStorage.setItem('brigade.kiosk.store', JSON.stringify({ deviceId: 'dev-k1', storeId: 'store-b' }));
  localStorage.setItem('brigade.kiosk.storeNames', JSON.stringify({ 'store-a': '静安寺店', 'store-b': '南京西路店' }));
  const storage = new MemoryOutboxStorage();
  for (const e of storeAEntries()) await storage.put(e);
  const app = new KioskApp({ storage, baseUrl: hub.url, terminal: null });
  apps.push(app);
  app.start();
  await vi.waitFor(() => expect(app.state.get().otherStores).toHaveLength(1));
  return { app, storage, hub };
}

it("a kiosk moved to another store does not tell customers that the old store's orders are still sending; it tells the staff, with the store's name", async () => {
  const { app } = await kioskMovedToStoreB();
  const s = app.state.get();
  expect(recentPickups(s.submissions, Date.now()).pending).toBe(0);
  expect(waitingToSend(s)).toEqual({ orders: 0, payments: 0 });
  expect(s.otherStores).toEqual([{ storeId: 'store-a', storeName: '静安寺店', orders: 2, payments: [{ amountMinor: 4200, reference: 'T-77' }] }]);
  for (const lang of ['zh-CN', 'en'] as const) {
    const t = translator(kioskMessages, lang);
    const said = textOf(OtherStoreNotice({ app, t }));
    expect(said).toContain('静安寺店');
    expect(said).not.toMatch(/\{\w+\}/);
  }
});

it('the staff discard them after a confirmation that says which store, how many, and the card payments it would forget; "keep" keeps them', async () => {
  const { app, storage } = await kioskMovedToStoreB();
  app.askDiscard('store-a');
  for (const lang of ['zh-CN', 'en'] as const) {
    const t = translator(kioskMessages, lang);
    const said = textOf(OtherStoreNotice({ app, t }));
    expect(said).toContain(t('otherStore.confirm', { store: '静安寺店', orders: 2, payments: 1 }));
    expect(said).toContain('T-77');
    expect(said).toMatch(/42\.00/);
    expect(said).not.toMatch(/\{\w+\}/);
  }
  app.cancelDiscard();
  expect(app.state.get().discarding).toBeNull();
  expect(app.outbox.list()).toHaveLength(3);

  app.askDiscard('store-a');
  await app.confirmDiscard();
  expect(app.state.get()).toMatchObject({ discarding: null, otherStores: [] });
  expect(app.outbox.list()).toEqual([]);
  expect(storage.rows.size).toBe(0);
});

it('a kiosk whose store is not known yet offers no discard: what waits may be for its own store', async () => {
  const hub = await storeHub('store-b');
  server!.removeAllListeners('request');
  server!.on('request', (_req, res) => res.writeHead(503).end()); // the hub does not answer usefully
  localStorage.setItem('brigade.kiosk.device', JSON.stringify(device));
  const storage = new MemoryOutboxStorage();
  for (const e of storeAEntries()) await storage.put(e);
  const app = new KioskApp({ storage, baseUrl: hub.url, terminal: null });
  apps.push(app);
  app.start();
  await vi.waitFor(() => expect(app.state.get().submissions).toHaveLength(2));
  expect(app.state.get().otherStores).toEqual([]);
  expect(OtherStoreNotice({ app, t: translator(kioskMessages, 'en') })).toBeNull();
});
