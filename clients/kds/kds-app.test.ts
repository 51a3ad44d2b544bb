/**
 * The KDS controller's actions against a real hub process (HTTP only: the screens here have not started their
 * streams, so what each holds is whatever it loaded last, as a screen whose stream is a moment behind), and a
 * screen's void notices across a stream reset and a reload (there with its real stream, over `ws`).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { Order } from '../../hub/protocol/index.ts';
import { PINS, removeDir, signIn, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { language } from '../shared/i18n.ts';
import type { SocketFactory } from '../shared/stream-client.ts';
import { KdsApp } from './kds-app.ts';
import { buildTickets, menuTargets, type Ticket } from './tickets.ts';
import { memoryStorage } from '../shared/memory-storage.ts';

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

async function place(lines: unknown[], tableId = 't-a3'): Promise<Order> {
  const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId, lines } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.order as Order;
}

/** A screen of its own at the hot station with the kitchen signed in (a session the test may end). */
async function ownScreen(): Promise<{ app: KdsApp; own: { device: string; staff: string } }> {
  const own = await signIn(hub, '3333', 'kds');
  const app = new KdsApp({ search: '?station=hot', baseUrl: hub.url });
  app.session.device.set({ token: own.device, deviceId: 'kds', name: 'KDS', kind: 'kds' });
  app.session.staff.set({ token: own.staff, staff: { id: 's-kitchen', name: '张伟 Zhang Wei', role: 'kitchen' }, expiresAt: Date.now() + 3_600_000 });
  app.board.loadSnapshot(await app.hub.snapshot());
  return { app, own };
}

/** The status of a read with `token` (200 while its session lasts, 401 once ended). */
const floorWith = async (token: string) => (await hub.request('GET', '/api/v1/floor', { token })).status;

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

describe('a recall of a dish expo served a moment before', () => {
  it.each([
    ['zh-CN', /^[^A-Za-z]*$/],
    ['en', /served/],
  ] as const)('tells the cook in %s that the dish has gone out and was not recalled', async (lang, text) => {
    const order = await place([{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }]);
    await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen.staff, body: { status: 'ready' } });
    const mine = await screen('hot');
    // the cook sees the garnish was wrong and recalls the dish; expo served it a moment before (not heard yet)
    await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: waiter, body: { status: 'served' } });
    language.set(lang);
    await mine.recall(mine.board.orders.get(order.id)!, [order.lines[0]!.id]);
    expect(await statuses(order.id)).toEqual(['served']);
    expect(mine.notices.get().map((n) => n.text)).toEqual([expect.stringMatching(text)]);
  });

  it('recalls the dishes still at the pass and names only the one served', async () => {
    const order = await place([
      { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] },
      { itemId: 'kung-pao-chicken', qty: 1, optionIds: ['spice-hot', 'size-large'] },
    ]);
    const [tofu, chicken] = order.lines;
    await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen.staff, body: { status: 'ready' } });
    const mine = await screen('hot');
    await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: waiter, body: { status: 'served', lineIds: [tofu!.id] } });
    language.set('en');
    await mine.recall(mine.board.orders.get(order.id)!, [tofu!.id, chicken!.id]);
    expect(await statuses(order.id)).toEqual(['served', 'preparing']);
    expect(mine.notices.get().map((n) => n.text)).toEqual([expect.stringContaining(tofu!.nameEn)]);
    expect(mine.notices.get()[0]!.text).not.toContain(chicken!.nameEn);
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

describe('what the cook is told when the hub kept asking to wait', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** The hub answers every bump with `status`/`code` (no Retry-After: the client's own short backoff), and saves nothing. */
  function hubAnswering(status: number, code: string, message: string) {
    const realFetch = globalThis.fetch;
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) =>
      /\/status$/.test(new URL(String(input)).pathname)
        ? Promise.resolve(new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json' } }))
        : realFetch(input, init),
    );
  }

  it.each([
    ['zh-CN', 507, 'storage_full', /^[^A-Za-z]*$/],
    ['en', 507, 'storage_full', /disk is full.*tap again/i],
    ['zh-CN', 503, 'overloaded', /^[^A-Za-z]*$/],
    ['en', 503, 'overloaded', /busy.*tap again/i],
  ] as const)('says in %s, in its own words, that a %i %s left the dish where it was', async (lang, status, code, text) => {
    const order = await place([{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }]);
    const mine = await screen('hot');
    hubAnswering(status, code, code === 'storage_full' ? "the hub's disk is full: nothing was saved" : 'the hub is busy; retry shortly');
    language.set(lang);
    await mine.bump(mine.board.orders.get(order.id)!, [order.lines[0]!.id]);
    vi.unstubAllGlobals();
    expect(mine.notices.get().map((n) => n.text)).toEqual([expect.stringMatching(text)]);
    expect(await statuses(order.id)).toEqual(['fired']);
  });
});

describe('a cook whose session the hub no longer takes', () => {
  it('is sent back to the PIN pad by a refused bump, and told it did not go', async () => {
    const { app, own } = await ownScreen();
    const order = await place([{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }]);
    // ended elsewhere (a manager, the 12 hours): the screen still thinks the cook is signed in
    expect((await hub.request('DELETE', '/api/v1/staff/sessions/current', { token: own.staff })).status).toBe(200);
    await app.bump(order, [order.lines[0]!.id]);
    expect(app.session.staff.get()).toBeNull();
    expect(app.notices.get()).toHaveLength(1);
    expect(await statuses(order.id)).toEqual(['fired']);
  });
});

describe('locking the screen', () => {
  it('ends the kitchen session on the hub: the token the screen held is refused, the screen stays paired', async () => {
    const own = await signIn(hub, '3333', 'kds');
    const app = new KdsApp({ search: '?station=hot', baseUrl: hub.url });
    app.session.device.set({ token: own.device, deviceId: 'kds', name: 'KDS', kind: 'kds' });
    app.session.staff.set({ token: own.staff, staff: { id: 's-kitchen', name: '张伟 Zhang Wei', role: 'kitchen' }, expiresAt: Date.now() + 3_600_000 });
    expect((await hub.request('GET', '/api/v1/floor', { token: own.staff })).status).toBe(200);

    await app.lock();
    expect(app.session.staff.get()).toBeNull();
    expect((await hub.request('GET', '/api/v1/floor', { token: own.staff })).status).toBe(401);
    expect((await hub.request('GET', '/api/v1/snapshot', { token: own.device })).status).toBe(200);
    expect(app.session.device.get()).not.toBeNull();
  });
});


/** What the screen's requests looked like on the way out (the test's own checks are left out by `path`). */
interface Sent {
  method: string;
  path: string;
  bearer: string | null;
}

/**
 * The screen's network, in which the first bump (or recall) it sends waits for `drop()` and then fails as a
 * dropped connection does (no answer: the hub client tries again, with the same Idempotency-Key).
 */
function droppingFirstBump() {
  const realFetch = globalThis.fetch;
  const sent: Sent[] = [];
  let release!: () => void;
  const dropped = new Promise<void>((r) => (release = r));
  let isHeld = false;
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(String(input)).pathname;
    sent.push({ method: init?.method ?? 'GET', path, bearer: new Headers(init?.headers).get('authorization') });
    if (!isHeld && /\/(status|recall)$/.test(path)) {
      isHeld = true;
      await dropped;
      throw new TypeError('fetch failed');
    }
    return realFetch(input, init);
  });
  return { sent, isHeld: () => isHeld, drop: release };
}

/** Who the hub recorded as moving the order's lines (the staff of each status event, oldest first). */
function bumpedBy(orderId: string): (string | null)[] {
  const db = hub.openDb();
  try {
    return db
      .prepare("SELECT staff_id FROM events WHERE type = 'order.lines_status_changed' AND json_extract(payload, '$.order.id') = ? ORDER BY seq")
      .pluck()
      .all(orderId) as (string | null)[];
  } finally {
    db.close();
  }
}

/** A cook's screen with a dish bumped whose first try the network holds (droppingFirstBump): the bump is on its way. */
async function bumpHeldOnItsWay() {
  const { app, own } = await ownScreen();
  const order = await place([{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }]);
  app.board.upsert(order);
  const net = droppingFirstBump();
  const bumping = app.bump(order, [order.lines[0]!.id]);
  await until('the bump on its way', net.isHeld);
  return { app, own, order, net, bumping };
}

describe('a bump still on its way when the cook locks the screen', () => {
  beforeEach(() => {
    vi.stubGlobal('localStorage', memoryStorage());
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('goes as the cook who bumped, not as the manager who signed in on the screen before it was sent again', async () => {
    const { app, own, order, net, bumping } = await bumpHeldOnItsWay();
    const locking = app.lock();
    expect(app.session.staff.get()).toBeNull(); // the PIN pad at once
    await locking;
    const res = await app.hub.signIn(PINS.manager, ['kitchen', 'manager']);
    app.session.signedIn(res, app.hub.serverOffsetMs);

    net.drop(); // no answer to the first try: the hub client sends it again
    await bumping;
    expect(await statuses(order.id)).toEqual(['ready']);
    expect(bumpedBy(order.id)).toEqual(['s-kitchen']);
    expect(app.notices.get()).toEqual([]);
    expect(app.session.staff.get()?.staff.id).toBe('s-manager'); // the manager is still signed in here
    // and the cook's session ends on the hub once the bump made with it was answered, not before
    await vi.waitFor(async () => expect(await floorWith(own.staff)).toBe(401), { timeout: 5000, interval: 50 });
    const lastBump = net.sent.findLastIndex((s) => s.path.endsWith('/status'));
    const signOut = net.sent.findIndex((s) => s.method === 'DELETE' && s.bearer === `Bearer ${own.staff}`);
    expect(signOut).toBeGreaterThan(lastBump);
    expect(await floorWith(res.token)).toBe(200);
  });

  it('goes when nobody signs in after the Lock, and the session ends on the hub once it was answered', async () => {
    const { app, own, order, net, bumping } = await bumpHeldOnItsWay();
    await app.lock();
    expect(app.session.staff.get()).toBeNull();
    // the sign-out waits for the bump: the session still works on the hub meanwhile
    expect(net.sent.some((s) => s.method === 'DELETE')).toBe(false);

    net.drop();
    await bumping;
    expect(app.notices.get()).toEqual([]);
    expect(await statuses(order.id)).toEqual(['ready']);
    expect(bumpedBy(order.id)).toEqual(['s-kitchen']);
    await vi.waitFor(async () => expect(await floorWith(own.staff)).toBe(401), { timeout: 5000, interval: 50 });
  });
});


const wsSocket: SocketFactory = (url, on) => {
  const ws = new WebSocket(url);
  ws.on('open', () => on.open());
  ws.on('message', (data) => on.message(String(data)));
  ws.on('close', (code, reason) => on.close(code, String(reason)));
  ws.on('error', () => undefined);
  return { send: (d) => ws.send(d), close: (code, reason) => ws.close(code, reason) };
};

async function until(what: string, pred: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What the screen shows, as the app's view computes it (app.tsx). */
const ticketsOn = (app: KdsApp): Ticket[] => buildTickets(app.board.orders.values(), menuTargets(app.menu.get()), app.view.get()!, Date.now(), app.dismissed.get());
const ticketOf = (app: KdsApp, orderId: string) => ticketsOn(app).find((t) => t.order.id === orderId);
/** What the ticket's Got it (or a tap on a struck-through line) acknowledges: its voided lines (ticket-card.tsx). */
const voidedOn = (t: Ticket) => t.lines.filter((l) => l.state === 'voided').map((l) => l.line.id);

/**
 * The screen's network: while `away`, no socket, no sign-out and no bump (recall, rush) reaches the hub (the
 * test's own checks, other requests, still do). `sent` lists the screen's sign-outs and order actions.
 */
function screenNetwork() {
  const net = {
    away: false,
    open: [] as WebSocket[],
    sent: [] as Sent[],
    socket: null as unknown as SocketFactory,
    /** The Wi-Fi drops: the stream is cut, and what the screen sends gets no answer. */
    async drop(app: KdsApp): Promise<void> {
      net.away = true;
      for (const ws of net.open.splice(0)) ws.terminate();
      await until('the stream lost', () => app.connection.get().status !== 'live');
    },
  };
  net.socket = (url, on) => {
    if (net.away) {
      setTimeout(() => on.close(1006, ''), 10);
      return { send: () => undefined, close: () => undefined };
    }
    const ws = new WebSocket(url);
    net.open.push(ws);
    ws.on('open', () => on.open());
    ws.on('message', (data) => on.message(String(data)));
    ws.on('close', (code, reason) => on.close(code, String(reason)));
    ws.on('error', () => undefined);
    return { send: (d) => ws.send(d), close: (code, reason) => ws.close(code, reason) };
  };
  const realFetch = globalThis.fetch;
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(String(input)).pathname;
    if (path === '/api/v1/staff/sessions/current' || /\/(status|recall|rush)$/.test(path)) {
      net.sent.push({ method: init?.method ?? 'GET', path, bearer: new Headers(init?.headers).get('authorization') });
      if (net.away) return Promise.reject(new TypeError('fetch failed'));
    }
    return realFetch(input, init);
  });
  return net;
}

describe('a Lock the hub did not hear', () => {
  let net: ReturnType<typeof screenNetwork>;
  let app: KdsApp;
  let own: { device: string; staff: string };
  beforeEach(async () => {
    vi.stubGlobal('localStorage', memoryStorage());
    net = screenNetwork();
    own = await signIn(hub, '3333', 'kds'); // a session of its own: this one is ended
    app = new KdsApp({ search: '?station=hot', baseUrl: hub.url, socket: net.socket });
    app.session.device.set({ token: own.device, deviceId: 'kds', name: 'KDS', kind: 'kds' });
    app.session.staff.set({ token: own.staff, staff: { id: 's-kitchen', name: '张伟 Zhang Wei', role: 'kitchen' }, expiresAt: Date.now() + 3_600_000 });
    app.start();
    await until('the stream live', () => app.connection.get().status === 'live');
  });
  afterEach(() => {
    app.stop();
    for (const ws of net.open) ws.terminate();
    vi.unstubAllGlobals();
  });

  it('ends the session on the hub once the screen is back in touch with it, with nobody signing in', async () => {
    // the Wi-Fi drops as the cook taps Lock at closing time: the sign-out gets no answer
    await net.drop(app);
    await app.lock();
    expect(app.session.staff.get()).toBeNull();
    expect(await floorWith(own.staff)).toBe(200);

    // the network is back and the screen's stream with it; nobody signs in here until the morning
    net.away = false;
    app.reconnectNow();
    await until('the stream live again', () => app.connection.get().status === 'live');
    await vi.waitFor(async () => expect(await floorWith(own.staff)).toBe(401), { timeout: 5000, interval: 100 });
  });

  it('tries the sign-out only once a bump made before the Lock was given up, and sends it again when the hub is back', async () => {
    const order = await place([{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }]);
    await until('the ticket', () => app.board.orders.has(order.id));
    await net.drop(app);
    const bumping = app.bump(app.board.orders.get(order.id)!, [order.lines[0]!.id]);
    await app.lock();
    expect(net.sent.filter((s) => s.method === 'DELETE')).toEqual([]); // the bump is still being tried

    await bumping; // given up: no answer to any of its tries
    const bumps = net.sent.filter((s) => s.path.endsWith('/status'));
    expect(bumps.length).toBeGreaterThan(1);
    expect(bumps.every((s) => s.bearer === `Bearer ${own.staff}`)).toBe(true);
    expect(app.notices.get()).toHaveLength(1); // the cook is told it did not go
    await until('the sign-out tried', () => net.sent.some((s) => s.method === 'DELETE'));
    expect(net.sent.findIndex((s) => s.method === 'DELETE')).toBeGreaterThan(net.sent.lastIndexOf(bumps.at(-1)!));
    expect(await floorWith(own.staff)).toBe(200);

    net.away = false;
    app.reconnectNow();
    await until('the stream live again', () => app.connection.get().status === 'live');
    await vi.waitFor(async () => expect(await floorWith(own.staff)).toBe(401), { timeout: 8000, interval: 100 });
    expect(await statuses(order.id)).toEqual(['fired']);
  });
});

describe('void notices across a stream reset and a reload', () => {
  const running: KdsApp[] = [];
  beforeEach(() => {
    vi.stubGlobal('localStorage', memoryStorage());
  });
  afterEach(() => {
    for (const app of running.splice(0)) app.stop();
    vi.unstubAllGlobals();
  });

  /** The hot screen as a page (re)load starts it: pairing and sign-in from localStorage, then its stream's snapshot. */
  async function loadPage(): Promise<KdsApp> {
    const app = new KdsApp({ search: '?station=hot', baseUrl: hub.url, socket: wsSocket });
    running.push(app);
    app.start();
    await until('the stream live', () => app.connection.get().status === 'live');
    return app;
  }
  /** The first visit: paired and signed in (`screen`), which the page keeps in localStorage. */
  const firstVisit = () => screen('hot');

  it('shows a whole order voided while cooking after a reset and after a reload, until a cook taps Got it; then not after another reload', async () => {
    await firstVisit();
    const order = await place([{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }]);
    const live = await loadPage();
    await until('the ticket', () => ticketOf(live, order.id) !== undefined);
    const manager = (await signIn(hub, '9999')).staff;
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/void`, { token: manager, body: { reason: '客人离开' } })).status).toBe(200);
    await until('the void notice', () => ticketOf(live, order.id)?.isVoided === true);

    // a reset (the screen was away too long, the hub's database was replaced): the stream client replaces the
    // board with the snapshot, as its onSnapshot does
    live.board.loadSnapshot(await live.hub.snapshot());
    expect(ticketOf(live, order.id)).toMatchObject({ isVoided: true });
    live.stop();

    // a reload: a new page loads the snapshot
    const reloaded = await loadPage();
    const notice = ticketOf(reloaded, order.id);
    expect(notice).toMatchObject({ isVoided: true, bumpLineIds: [] });
    expect(voidedOn(notice!)).toEqual([order.lines[0]!.id]);
    reloaded.dismiss(voidedOn(notice!));
    expect(ticketOf(reloaded, order.id)).toBeUndefined();
    reloaded.stop();

    const again = await loadPage();
    expect(again.board.orders.has(order.id)).toBe(true); // still in the hub's snapshot: the screen remembers the Got it
    expect(ticketOf(again, order.id)).toBeUndefined();
  });

  it('keeps a voided line acknowledged across a reload, and the rest of the ticket cooking', async () => {
    await firstVisit();
    const order = await place([
      { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] },
      { itemId: 'kung-pao-chicken', qty: 1, optionIds: ['spice-hot', 'size-large'] },
    ]);
    const [tofu, chicken] = order.lines;
    const manager = (await signIn(hub, '9999')).staff;
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/lines/${tofu!.id}/void`, { token: manager, body: { reason: '客人不要了' } })).status).toBe(200);

    const first = await loadPage();
    await until('the ticket', () => ticketOf(first, order.id) !== undefined);
    expect(voidedOn(ticketOf(first, order.id)!)).toEqual([tofu!.id]);
    first.dismiss([tofu!.id]);
    first.stop();

    const reloaded = await loadPage();
    await until('the ticket', () => ticketOf(reloaded, order.id) !== undefined);
    const t = ticketOf(reloaded, order.id)!;
    expect(voidedOn(t)).toEqual([]);
    expect(t.lines.map((l) => [l.line.id, l.state])).toEqual([[chicken!.id, 'pending']]);
  });

  it('forgets acknowledgements past a service day, and keeps only the most recent few hundred', () => {
    const app = new KdsApp({ search: '?station=hot', baseUrl: hub.url });
    const t0 = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(t0 - 25 * 3_600_000);
      app.dismiss(['l-yesterday']);
      vi.setSystemTime(t0);
      app.dismiss(Array.from({ length: 600 }, (_, i) => `l-${i}`));
      const reloaded = new KdsApp({ search: '?station=hot', baseUrl: hub.url });
      const kept = reloaded.dismissed.get();
      expect(kept.has('l-yesterday')).toBe(false);
      expect(kept.size).toBe(500);
      expect(kept.has('l-599')).toBe(true);
      expect(kept.has('l-0')).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("a screen's stream reset", () => {
  beforeEach(() => vi.stubGlobal('localStorage', memoryStorage()));
  afterEach(() => vi.unstubAllGlobals());

  it('reads the menu again: edits made in the gap the reset skipped (target times, sold out) would stay wrong until a reload', async () => {
    const sockets: Parameters<SocketFactory>[1][] = [];
    const app = new KdsApp({ search: '?station=hot', baseUrl: 'http://127.0.0.1:9', socket: (_url, on) => (sockets.push(on), { send: () => undefined, close: () => undefined }) });
    let menuReads = 0;
    app.hub.menu = (async () => (menuReads++, { version: menuReads, currency: 'CNY', stations: [], categories: [], optionGroups: [], items: [] })) as typeof app.hub.menu;
    app.hub.snapshot = async () => ({ epoch: 'e', seq: 5, menuVersion: 1, orders: [] });
    app.session.device.set({ token: 'dev_test', deviceId: 'd-1', name: 'kds', kind: 'kds' });
    const flush = () => new Promise((r) => setTimeout(r, 0));
    app.start();
    try {
      sockets.at(-1)!.open();
      await flush();
      sockets.at(-1)!.message(JSON.stringify({ type: 'welcome', epoch: 'e', headSeq: 5, fromSeq: 5 }));
      await flush();
      const before = menuReads;
      // the screen was away too long (or the store was restored): the hub asks for a snapshot
      sockets.at(-1)!.message(JSON.stringify({ type: 'reset', reason: 'too-far-behind', epoch: 'e', headSeq: 900 }));
      await flush();
      await flush();
      expect(menuReads).toBe(before + 1);
    } finally {
      app.stop();
    }
  });
});

// races between screens (and a waiter): the screens here have not started their streams, so each holds what
// it loaded last, as a screen whose stream is a moment behind
const tofu = { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] };

describe('expo serving a ticket the station recalled a moment before', () => {
  it('leaves the recalled dish on the station (it is being made again), and serves the rest', async () => {
    const order = await place([tofu, { itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'] }], 't-a5');
    await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen.staff, body: { status: 'ready' } });
    const expo = await screen('expo');
    // the hot station's cook recalls the tofu (wrong garnish); expo has not heard yet and taps Served
    const hot = await screen('hot');
    await hot.recall(hot.board.orders.get(order.id)!, [order.lines[0]!.id]);
    await expo.bump(expo.board.orders.get(order.id)!, order.lines.map((l) => l.id));
    // the hub served a 'preparing' line, and the dish being remade left the screens
    expect(await statuses(order.id)).toEqual(['preparing', 'served']);
  });
});

describe('a bump racing a merge', () => {
  it('bumps the dish on the order it was merged into, without an error', async () => {
    const from = await place([tofu], 't-a6');
    const into = await place([tofu], 't-a7');
    const hot = await screen('hot');
    // a waiter merges table A6 into A7 as the cook taps A6's ticket (the screen has not heard of the merge)
    const merged = await hub.request('POST', `/api/v1/orders/${from.id}/merge`, { token: waiter, body: { intoOrderId: into.id } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    await hot.bump(hot.board.orders.get(from.id)!, [from.lines[0]!.id]);
    // the hub answered 404 ("order #n has no line …", in English), and the dish stayed to cook on A7's ticket
    expect(hot.notices.get()).toEqual([]);
    expect(await statuses(into.id)).toEqual(['fired', 'ready']);
  });
});

describe('a bump racing two merges', () => {
  it('bumps the dish on the order it ended on when its table was merged on twice', async () => {
    const a = await place([tofu], 't-a10');
    const b = await place([tofu], 't-a11');
    const c = await place([tofu], 't-a12');
    const hot = await screen('hot');
    // the waiter joins A10 to A11, then A11 to A12, as the cook taps A10's ticket (not heard of either yet)
    for (const [from, into] of [[a, b], [b, c]] as const) {
      const r = await hub.request('POST', `/api/v1/orders/${from.id}/merge`, { token: waiter, body: { intoOrderId: into.id } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    await hot.bump(hot.board.orders.get(a.id)!, [a.lines[0]!.id]);
    expect(hot.notices.get()).toEqual([]);
    const onC = ((await hub.request('GET', `/api/v1/orders/${c.id}`, { token: waiter })).body.order as Order).lines;
    expect(onC.find((l) => l.id === a.lines[0]!.id)?.status).toBe('ready');
  });
});
