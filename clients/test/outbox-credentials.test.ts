/**
 * The apps' outboxes against a real hub, in Node (no browser): every app on the hub's origin shares one
 * IndexedDB database (`brigade-outbox`), here one `MemoryOutboxStorage` handed to each app.
 *
 * - An app sends only the entries it can send with the right credentials: a QR page only its own table's, the
 *   waiter tablet and the kiosk only their own; nobody else's entry is sent, or even touched, in storage.
 * - A refused credential (401) is not the answer to a change: the waiter tablet resends with the same key as
 *   whoever is signed in now (the hub replays the answer it stored), or holds the change until someone signs
 *   in; a kiosk holds its orders until it is paired again.
 * - A change goes only to the store it was made for: two stores' hubs behind one address (a food court's LAN
 *   swapping their addresses, a tablet moved and paired again), the other store's queue waits, saying why.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Menu } from '../../hub/protocol/index.ts';
import { PAIRING_CODE, PINS, removeDir, sampleOrder, startHub, type HubProcess } from '../../hub/test/harness.ts';
import type { CartLine } from '../shared/cart.ts';
import { newId } from '../shared/ids.ts';
import { HubClient } from '../shared/hub-client.ts';
import { madeForAnotherStore, MemoryOutboxStorage, Outbox, type OutboxEntry } from '../shared/outbox.ts';
import { sendEntry } from '../shared/outbox-transport.ts';
import { Session, type DeviceCredentials, type StaffSession } from '../shared/session.ts';
import { pairDevice } from '../shared/ui/pairing.tsx';
import { memoryStorage } from '../shared/memory-storage.ts';
import { KioskApp } from '../kiosk/kiosk-app.ts';
import { QrApp } from '../order/order-app.ts';
import { PosApp, type PosMeta } from '../pos/pos-app.ts';
import { freePort } from './ports.ts';

let hub: HubProcess;
let menu: Menu;
let manager: string;
let qr: Map<string, string>;
/** A closed port on loopback: "the Wi-Fi dropped". */
let nowhere: string;
const apps: { stop(): void }[] = [];

async function pair(kind: 'pos' | 'kiosk'): Promise<DeviceCredentials> {
  const r = await hub.request('POST', '/api/v1/devices/pair', { body: { code: PAIRING_CODE, name: `test-${kind}`, kind } });
  expect(r.status).toBe(201);
  return { token: r.body.deviceToken, deviceId: r.body.device.id, name: r.body.device.name, kind };
}

async function signIn(device: DeviceCredentials, pin: string): Promise<StaffSession> {
  const r = await hub.request('POST', '/api/v1/staff/sessions', { token: device.token, body: { pin } });
  expect(r.status).toBe(201);
  return { token: r.body.token, staff: r.body.staff, expiresAt: r.body.expiresAt };
}

const until = async (what: string, pred: () => boolean, ms = 8000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cart = (): CartLine[] => [{ id: newId(), itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'], note: '' }];
const track = <T extends { stop(): void }>(app: T): T => (apps.push(app), app);

/** A QR page for a table that has loaded its table and menu (the view's first render), outbox running. */
async function qrPage(tableId: string, storage: MemoryOutboxStorage, baseUrl = hub.url): Promise<QrApp> {
  const app = track(new QrApp(qr.get(tableId)!, { storage, baseUrl }));
  app.state.set({ ...app.state.get(), menu, table: { id: tableId, name: tableId }, phase: { name: 'ready' } });
  await app.outbox.load();
  return app;
}

async function orderOnHub(orderId: string): Promise<{ status: number; tableId?: string | null }> {
  const r = await hub.request('GET', `/api/v1/orders/${orderId}`, { token: manager });
  return { status: r.status, tableId: r.body?.order?.tableId };
}

beforeAll(async () => {
  [hub, nowhere] = await Promise.all([startHub(), freePort().then((p) => `http://127.0.0.1:${p}`)]);
  manager = (await signIn(await pair('pos'), PINS.manager)).token;
  const codes = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  expect(codes.status).toBe(200);
  qr = new Map((codes.body.tables as { id: string; qrToken: string }[]).map((t) => [t.id, t.qrToken]));
  menu = (await hub.request('GET', '/api/v1/menu')).body.menu;
}, 60_000);

afterAll(async () => {
  for (const a of apps) a.stop();
  await hub.stop();
  removeDir(hub.dataDir);
});

describe("an app sends only the outbox entries it holds the credentials for (one IndexedDB database per origin)", () => {
  it("a QR order queued on table A5 is not placed on A7 when the phone opens A7's page, nor sent by the kiosk or a waiter tablet; A5's page sends it to A5", async () => {
    const storage = new MemoryOutboxStorage();
    // A5: the order is stored, then the Wi-Fi drops: no answer
    const a5 = await qrPage('t-a5', storage, nowhere);
    expect(await a5.submit(cart())).toBe(true);
    const queued = a5.state.get().submissions[0]!;
    await until('the A5 order to be unknown', () => a5.outbox.get(queued.id)?.state === 'unknown');
    a5.stop();
    const left = structuredClone(storage.rows.get(queued.id)!);

    // on the same origin: a kiosk, and a waiter tablet with someone signed in, start
    const kioskDevice = await pair('kiosk');
    const kiosk = track(new KioskApp({ storage, baseUrl: hub.url, terminal: null }));
    kiosk.session.device.set(kioskDevice);
    await kiosk.outbox.load();
    const posDevice = await pair('pos');
    const pos = track(new PosApp({ storage, baseUrl: hub.url }));
    pos.session.device.set(posDevice);
    pos.session.staff.set(await signIn(posDevice, PINS.waiter));
    await pos.outbox.load();
    // then A7's page, which places an order of its own
    const a7 = await qrPage('t-a7', storage);
    expect(await a7.submit(cart())).toBe(true);
    const own = a7.state.get().submissions[0]!;
    expect((await a7.outbox.settled(own.id)).state).toBe('confirmed');
    await pause(300);

    expect(storage.rows.get(queued.id)).toEqual(left);
    expect(a7.state.get().submissions.map((s) => s.id)).toEqual([own.id]);
    expect(kiosk.state.get().submissions).toEqual([]);
    expect(pos.state.get().submissions).toEqual([]);
    expect(await orderOnHub(queued.meta.orderId)).toEqual({ status: 404, tableId: undefined });
    expect(await orderOnHub(own.meta.orderId)).toMatchObject({ status: 200, tableId: 't-a7' });

    // A5's page again, with the Wi-Fi back: the order goes to A5, with the key it was stored with
    const again = await qrPage('t-a5', storage);
    const done = await again.outbox.settled(queued.id);
    expect(done).toMatchObject({ state: 'confirmed', key: queued.key });
    expect(await orderOnHub(queued.meta.orderId)).toMatchObject({ status: 200, tableId: 't-a5' });
    expect(hub.eventCount('order.placed', queued.meta.orderId)).toBe(1);
  });
});

describe('a refused credential (401) is not the answer to a change', () => {
  it("waiter tablet: the hub committed, the answer was lost, the waiter's session expired before the resend: held until someone signs in, then sent as them with the same key — confirmed, one order", async () => {
    const storage = new MemoryOutboxStorage();
    const device = await pair('pos');
    const waiter = await signIn(device, PINS.waiter);
    // the session this tablet signed in with: by the time of the resend the hub no longer knows it
    const expired: StaffSession = { ...waiter, token: 'stf_expired-session-of-the-first-waiter' };
    const first = track(new PosApp({ storage, baseUrl: nowhere }));
    first.session.device.set(device);
    first.session.staff.set(expired);
    await first.outbox.load();
    expect(await first.openTable('t-b2', 2)).toBe(true);
    const entry = first.state.get().submissions[0]! as OutboxEntry<PosMeta>;
    expect(entry.meta.staffToken).toBe(expired.token);
    await until('the open-table change to be unknown', () => first.outbox.get(entry.id)?.state === 'unknown');
    first.stop();
    // what the hub did with the first attempt, whose answer never arrived
    const committed = await hub.request('POST', entry.path, { token: waiter.token, key: entry.key, body: entry.body });
    expect(committed.status).toBe(201);

    // the next page: nobody signed in yet
    const next = track(new PosApp({ storage, baseUrl: hub.url }));
    next.session.device.set(device);
    await next.outbox.load();
    await until('a first resend', () => next.outbox.get(entry.id)!.attempts > 1 && next.outbox.get(entry.id)!.state !== 'sending');
    await pause(300);
    expect(next.outbox.get(entry.id)).toMatchObject({ state: 'unknown', error: null });

    // another waiter signs in: the change is sent as them, and the hub answers what it stored for the key
    next.session.staff.set(await signIn(device, PINS.waiter2));
    const done = await next.outbox.settled(entry.id);
    expect(done).toMatchObject({ state: 'confirmed', key: entry.key });
    expect((done.result as { order: { id: string } }).order.id).toBe(entry.meta.orderId);
    expect(hub.eventCount('order.placed', entry.meta.orderId)).toBe(1);
  });

  it('waiter tablet: with someone signed in, a change whose own session the hub refuses is resent at once as them (same key)', async () => {
    const storage = new MemoryOutboxStorage();
    const device = await pair('pos');
    const first = track(new PosApp({ storage, baseUrl: nowhere }));
    first.session.device.set(device);
    first.session.staff.set({ ...(await signIn(device, PINS.waiter)), token: 'stf_revoked-session' });
    await first.outbox.load();
    expect(await first.openTable('t-b3', 4)).toBe(true);
    const entry = first.state.get().submissions[0]!;
    await until('the open-table change to be unknown', () => first.outbox.get(entry.id)?.state === 'unknown');
    first.stop();

    const next = track(new PosApp({ storage, baseUrl: hub.url }));
    next.session.device.set(device);
    next.session.staff.set(await signIn(device, PINS.waiter2));
    await next.outbox.load();
    expect(await next.outbox.settled(entry.id)).toMatchObject({ state: 'confirmed', key: entry.key });
    expect(await orderOnHub(entry.meta.orderId)).toMatchObject({ status: 200, tableId: 't-b3' });
    expect(hub.eventCount('order.placed', entry.meta.orderId)).toBe(1);
    // the signed-in waiter was not signed out by the refusal of someone else's session
    expect(next.session.staffToken()).not.toBeNull();
  });

  it('kiosk: a device token the hub refuses holds the order (the kiosk asks to be paired); once paired again it is sent with the same key', async () => {
    const storage = new MemoryOutboxStorage();
    const kiosk = track(new KioskApp({ storage, baseUrl: hub.url, terminal: null }));
    kiosk.session.device.set({ token: 'dev_unpaired-by-the-manager', deviceId: 'kiosk-old', name: 'kiosk', kind: 'kiosk' });
    kiosk.state.set({ ...kiosk.state.get(), menu, phase: 'ready' });
    await kiosk.outbox.load();
    kiosk.setCart(cart());
    expect(await kiosk.submit()).toBe(true);
    const entry = kiosk.state.get().submissions[0]!;
    await until('the pairing screen', () => kiosk.session.device.get() === null);
    await pause(300);
    expect(kiosk.outbox.get(entry.id)).toMatchObject({ state: 'unknown', error: null });

    kiosk.session.device.set(await pair('kiosk'));
    expect(await kiosk.outbox.settled(entry.id)).toMatchObject({ state: 'confirmed', key: entry.key });
    expect(hub.eventCount('order.placed', entry.meta.orderId)).toBe(1);
  });
});

describe("a 401 from the hub's own rules (a change that reached it with no token)", () => {
  it('is held, and the same key places the change once someone signs in: the hub kept nothing under the key, so the resend is not refused as a reused key', async () => {
    // the apps never send a change without a token (the client refuses to, and a refused token is answered
    // before the key is looked at); a page that did — an older one — meets the rule's 401 instead
    const device = await pair('pos');
    let staff: string | null = null;
    const answers: number[] = [];
    const outbox = track(
      new Outbox({
        storage: new MemoryOutboxStorage(),
        backoff: { baseMs: 50, maxMs: 200 },
        transport: async (e) => {
          const r = await hub.request(e.method, e.path, { body: e.body, key: e.key, ...(staff ? { token: staff } : {}) });
          answers.push(r.status);
          return { kind: 'answer', status: r.status, body: r.body };
        },
      }),
    );
    await outbox.load();
    const orderId = newId();
    const e = await outbox.enqueue({ scope: 'pos:x', method: 'POST', path: '/api/v1/orders', body: sampleOrder({ id: orderId, tableId: 't-b7' }), meta: {} });
    await until('two refused attempts', () => answers.length >= 2 && outbox.get(e.id)?.state === 'unknown');
    expect(outbox.get(e.id)).toMatchObject({ state: 'unknown', error: null, lastProblem: expect.stringContaining('401 unauthenticated') });

    staff = (await signIn(device, PINS.waiter)).token;
    outbox.retryNow(); // what the app does when someone signs in
    expect(await outbox.settled(e.id)).toMatchObject({ state: 'confirmed', key: e.key });
    expect(answers.filter((s) => s !== 401)).toEqual([201]);
    expect(hub.eventCount('order.placed', orderId)).toBe(1);
  });
});

describe('a change goes only to the store it was made for', () => {
  let other: HubProcess;
  beforeAll(async () => {
    other = await startHub();
  }, 60_000);
  afterAll(async () => {
    await other.stop();
    removeDir(other.dataDir);
  });
  beforeEach(() => {
    vi.stubGlobal('localStorage', memoryStorage());
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  /**
   * A waiter tablet as the apps make one: its session (paired on the pair screen, signed in on the PIN pad),
   * an outbox tagging each change with the session's store, sent as whoever is signed in to whichever hub
   * answers at `at` (the tablet's one address). `at` changes hub: the LAN gave the address to the other one.
   */
  function tablet(storage: MemoryOutboxStorage) {
    const session = new Session('pos-tag');
    const t = { session, at: session.client({ baseUrl: nowhere, timeoutMs: 2000 }) };
    const outbox = new Outbox({
      storage,
      owns: (scope) => scope.startsWith('pos:'),
      store: () => session.storeId(),
      transport: (e) => sendEntry(t.at, e, session.staffToken() ?? undefined),
      backoff: { baseMs: 50, maxMs: 200 },
    });
    const reach = (base: string): HubClient => (t.at = session.client({ baseUrl: base, timeoutMs: 4000 }));
    const pairWith = async (base: string) => {
      const hubClient = reach(base);
      session.refused('device');
      await session.paired(await pairDevice(hubClient)({ code: PAIRING_CODE, name: 'pos-moved', kind: 'pos' }), 'pos', hubClient);
      session.signedIn(await hubClient.signIn(PINS.waiter), hubClient.serverOffsetMs);
      outbox.retryNow(); // what the app does when someone signs in
    };
    apps.push(outbox);
    return Object.assign(t, { outbox, reach, pairWith });
  }

  it("an order and its payment queued for store A, the tablet paired with store B at the same address: not sent to B (they wait, saying why), B's own order goes; paired with A again, they go to A with their keys, once", async () => {
    const storage = new MemoryOutboxStorage();
    const pos = tablet(storage);
    await pos.pairWith(hub.url);
    const storeA = pos.session.storeId();
    expect(storeA).toMatch(/./);
    await pos.outbox.load();

    // the Wi-Fi drops: an order and its payment wait for store A
    pos.reach(nowhere);
    const orderId = newId();
    const placed = await pos.outbox.enqueue({ scope: 'pos:d', method: 'POST', path: '/api/v1/orders', body: sampleOrder({ id: orderId, tableId: 't-b5' }), meta: {} });
    const paid = await pos.outbox.enqueue({ scope: 'pos:d', method: 'POST', path: `/api/v1/orders/${orderId}/payments`, body: { id: newId(), tender: 'cash', amountMinor: 100 }, meta: {}, dependsOn: placed.id });
    await until('the order to be unknown', () => pos.outbox.get(placed.id)?.state === 'unknown');

    // back on the network, the address now reaches store B's hub: A's tokens are refused there, and the
    // tablet is paired with B (the staff thought it had been unpaired)
    await pos.pairWith(other.url);
    expect(pos.session.storeId()).not.toBe(storeA);
    const ownId = newId();
    const own = await pos.outbox.enqueue({ scope: 'pos:d', method: 'POST', path: '/api/v1/orders', body: sampleOrder({ id: ownId, tableId: 't-b6' }), meta: {} });
    expect((await pos.outbox.settled(own.id)).state).toBe('confirmed');
    await pause(500);
    expect(other.eventCount('order.placed', orderId)).toBe(0);
    expect(other.eventCount('order.placed', ownId)).toBe(1);
    for (const e of [placed, paid]) {
      expect(pos.outbox.get(e.id)).toMatchObject({ storeId: storeA, error: null });
      expect(madeForAnotherStore(pos.outbox.get(e.id)!)).toBe(true);
    }

    // paired with store A again (the right hub found): A's order and payment go there with their keys
    await pos.pairWith(hub.url);
    expect(await pos.outbox.settled(paid.id)).toMatchObject({ state: 'confirmed', key: paid.key });
    expect(pos.outbox.get(placed.id)).toMatchObject({ state: 'confirmed', key: placed.key });
    expect(hub.eventCount('order.placed', orderId)).toBe(1);
    expect(other.eventCount('order.placed', orderId)).toBe(0);
    const order = await hub.request('GET', `/api/v1/orders/${orderId}`, { token: manager });
    expect(order.body.order.payments).toHaveLength(1);
  });
});
