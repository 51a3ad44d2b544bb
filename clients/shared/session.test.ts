import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Session } from './session.ts';
import { memoryStorage } from './memory-storage.ts';

const HOUR = 3_600_000;
/** The hub's staff session lasts one service day (hub/domain/auth-service.ts, STAFF_SESSION_MS). */
const SESSION_MS = 12 * HOUR;
const DEVICE_T0 = Date.UTC(2025, 0, 1, 2, 0, 0); // 10:00 in Shanghai


/** A hub whose clock is `hubAheadMs` ahead of this device's, answering the PIN sign-in as the real one does. */
function hubFetch(hubAheadMs: number): typeof fetch {
  return async () => {
    const hubNow = Date.now() + hubAheadMs;
    const body = { token: 'stf_1', staff: { id: 's-kitchen', name: '张伟 Zhang Wei', role: 'kitchen' }, expiresAt: hubNow + SESSION_MS };
    return new Response(JSON.stringify(body), { status: 201, headers: { 'content-type': 'application/json', date: new Date(hubNow).toUTCString() } });
  };
}

async function signInOn(session: Session, hubAheadMs: number): Promise<void> {
  const hub = session.client({ fetch: hubFetch(hubAheadMs) });
  const res = await hub.signIn('3333');
  session.signedIn(res, hub.serverOffsetMs); // what the PIN screen does
}

describe('staff session expiry on a tablet whose clock is wrong', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(DEVICE_T0);
    vi.stubGlobal('localStorage', memoryStorage());
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it.each([
    ['8 h ahead of the hub (set by hand to local time on a UTC tablet)', -8 * HOUR],
    ['3 h behind the hub', 3 * HOUR],
    ['right', 0],
  ])('keeps a kitchen sign-in for the hub’s 12 hours on a tablet clock %s, across a reload, and not longer', async (_, hubAheadMs) => {
    const session = new Session('kds');
    session.device.set({ token: 'dev_1', deviceId: 'd1', name: 'KDS-1', kind: 'kds' });
    await signInOn(session, hubAheadMs);
    vi.setSystemTime(DEVICE_T0 + 5 * HOUR); // the dinner rush, five hours later
    expect(session.staffToken()).toBe('stf_1');
    expect(new Session('kds').staffToken()).toBe('stf_1'); // the screen reloaded
    vi.setSystemTime(DEVICE_T0 + SESSION_MS + 2000); // past the hub's 12 hours (2 s: the Date header's resolution)
    expect(new Session('kds').staff.get()).toBeNull();
    expect(session.staffToken()).toBeNull();
  });
});

/** What a fake hub was asked: method, path, bearer token and body. */
interface Asked {
  method: string;
  path: string;
  bearer: string | null;
  body: unknown;
}

/**
 * A hub that signs anyone in as the kitchen and ends sessions when asked; `reachable` false makes every
 * request fail as a dead network does.
 */
function recordingHub() {
  const asked: Asked[] = [];
  const hub = { reachable: true, asked, fetch: (async () => undefined) as unknown as typeof fetch };
  let n = 0;
  hub.fetch = async (input, init) => {
    const url = new URL(String(input), 'http://hub.test');
    const headers = new Headers(init?.headers);
    asked.push({ method: init?.method ?? 'GET', path: url.pathname, bearer: headers.get('authorization'), body: init?.body ? JSON.parse(String(init.body)) : undefined });
    if (!hub.reachable) throw new TypeError('fetch failed');
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', date: new Date().toUTCString() } });
    if (url.pathname === '/api/v1/staff/sessions') {
      return json(201, { token: `stf_${++n}`, staff: { id: 's-kitchen', name: '张伟 Zhang Wei', role: 'kitchen' }, expiresAt: Date.now() + SESSION_MS });
    }
    if (url.pathname === '/api/v1/staff/sessions/current') return json(200, { signedOut: true });
    return json(404, { error: { code: 'not_found', message: 'no' } });
  };
  return hub;
}

const signOuts = (asked: readonly Asked[]) => asked.filter((a) => a.method === 'DELETE' && a.path === '/api/v1/staff/sessions/current').map((a) => a.bearer);

describe('signing in with the roles the screen takes, and out', () => {
  beforeEach(() => {
    vi.stubGlobal('localStorage', memoryStorage());
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  async function signedInSession(hub: ReturnType<typeof recordingHub>, app = 'kds') {
    const session = new Session(app);
    session.device.set({ token: 'dev_1', deviceId: 'd1', name: 'KDS-1', kind: 'kds' });
    const client = session.client({ fetch: hub.fetch, sleep: async () => undefined });
    session.signedIn(await client.signIn('3333', ['kitchen', 'manager']), client.serverOffsetMs);
    return { session, client };
  }

  it('sends the roles the screen takes with the PIN, so the hub refuses a waiter before making a session', async () => {
    const hub = recordingHub();
    await signedInSession(hub);
    expect(hub.asked[0]).toMatchObject({ method: 'POST', path: '/api/v1/staff/sessions', bearer: 'Bearer dev_1', body: { pin: '3333', roles: ['kitchen', 'manager'] } });
  });

  it('forgets the session at once when the screen locks, and ends it on the hub with its own token', async () => {
    const hub = recordingHub();
    const { session } = await signedInSession(hub);
    const out = session.signOut();
    expect(session.staff.get()).toBeNull(); // before the hub has answered: the PIN pad shows at once
    await out;
    expect(signOuts(hub.asked)).toEqual(['Bearer stf_1']);
    expect(new Session('kds').staff.get()).toBeNull();
  });

  it('sends a sign-out the hub did not get (no network) when someone next signs in on the device, once', async () => {
    const hub = recordingHub();
    const { session } = await signedInSession(hub);
    hub.reachable = false;
    await session.signOut();
    expect(session.staff.get()).toBeNull();
    hub.reachable = true;
    const offline = hub.asked.length;
    const reloaded = new Session('kds'); // the screen was reloaded meanwhile
    const again = reloaded.client({ fetch: hub.fetch, sleep: async () => undefined });
    reloaded.signedIn(await again.signIn('3333', ['kitchen']), again.serverOffsetMs);
    await vi.waitFor(() => expect(signOuts(hub.asked.slice(offline))).toEqual(['Bearer stf_1']));
    const sent = signOuts(hub.asked).length;
    await reloaded.signOut();
    expect(signOuts(hub.asked).slice(sent)).toEqual(['Bearer stf_2']); // stf_1 is not sent again
  });

  it('ends a locked session on the hub only once every change made with it was answered or given up', async () => {
    const hub = recordingHub();
    const { session, client } = await signedInSession(hub);
    const bump = session.inUse('stf_1');
    const recall = session.inUse('stf_1');
    await session.signOut();
    expect(signOuts(hub.asked)).toEqual([]);
    // the next cook signs in: their sign-in sends what may go, and the locked session may not yet
    session.signedIn(await client.signIn('3333', ['kitchen']), client.serverOffsetMs);
    await session.sendSignOuts();
    expect(signOuts(hub.asked)).toEqual([]);
    bump();
    bump(); // said twice: still one change
    await session.sendSignOuts();
    expect(signOuts(hub.asked)).toEqual([]);
    recall();
    await vi.waitFor(() => expect(signOuts(hub.asked)).toEqual(['Bearer stf_1']));
    expect(session.staffToken()).toBe('stf_2');
  });
});

/** A hub of store `storeId` that answers its health and signs anyone in; `reachable` false: a dead network. */
function storeHub(storeId: string) {
  const hub = { storeId, reachable: true, asked: [] as string[], fetch: (async () => undefined) as unknown as typeof fetch };
  hub.fetch = async (input) => {
    const path = new URL(String(input), 'http://hub.test').pathname;
    hub.asked.push(path);
    if (!hub.reachable) throw new TypeError('fetch failed');
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', date: new Date().toUTCString() } });
    if (path === '/api/v1/health') return json(200, { status: 'ok', storeId: hub.storeId, storeName: `Store ${hub.storeId}`, epoch: 'e1', seq: 1 });
    if (path === '/api/v1/staff/sessions') return json(201, { token: 'stf_1', staff: { id: 's-waiter', name: 'Li', role: 'waiter' }, expiresAt: Date.now() + SESSION_MS });
    return json(404, { error: { code: 'not_found', message: 'no' } });
  };
  return hub;
}
const pairAnswer = (id: string) => ({ deviceToken: `dev_${id}`, device: { id, name: `POS-${id}`, kind: 'pos' as const, pairedAt: 1 } });

describe('the store a device is paired with (its outbox sends each change only to the store it was made for)', () => {
  beforeEach(() => {
    vi.stubGlobal('localStorage', memoryStorage());
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("pairing records the store of the hub that paired the device, across a reload; a pairing with another store's hub records that one", async () => {
    const a = storeHub('store-a');
    const session = new Session('pos');
    await session.paired(pairAnswer('d1'), 'pos', session.client({ fetch: a.fetch }));
    expect(session.device.get()).toEqual({ token: 'dev_d1', deviceId: 'd1', name: 'POS-d1', kind: 'pos' });
    expect(session.storeId()).toBe('store-a');
    expect(new Session('pos').storeId()).toBe('store-a');

    session.refused('device'); // the hub at this address does not know the tablet (store B's, since the swap)
    expect(session.storeId()).toBeNull();
    await session.paired(pairAnswer('d9'), 'pos', session.client({ fetch: storeHub('store-b').fetch }));
    expect(session.storeId()).toBe('store-b');
  });

  it('a hub that cannot be asked right after pairing: paired all the same, its store not known until the next sign-in there', async () => {
    const a = storeHub('store-a');
    const session = new Session('pos');
    const client = session.client({ fetch: a.fetch, sleep: async () => undefined });
    a.reachable = false;
    await session.paired(pairAnswer('d1'), 'pos', client);
    expect(session.deviceToken()).toBe('dev_d1');
    expect(session.storeId()).toBeNull();
    a.reachable = true;
    session.signedIn(await client.signIn('1111'), client.serverOffsetMs);
    await vi.waitFor(() => expect(session.storeId()).toBe('store-a'));
  });

  it('a device paired before devices recorded their store learns it when someone signs in (that hub just took its token), without setting the device again', async () => {
    const a = storeHub('store-a');
    const session = new Session('pos');
    session.device.set({ token: 'dev_old', deviceId: 'd-old', name: 'POS-old', kind: 'pos' }); // what an older page saved
    let deviceChanges = 0;
    session.device.subscribe(() => deviceChanges++); // the apps restart their stream on every change of it
    const client = session.client({ fetch: a.fetch, sleep: async () => undefined });
    expect(session.storeId()).toBeNull();
    session.signedIn(await client.signIn('1111'), client.serverOffsetMs);
    await vi.waitFor(() => expect(session.storeId()).toBe('store-a'));
    expect(deviceChanges).toBe(0);
    // known now: the next sign-in does not ask again
    const asked = a.asked.length;
    session.signedIn(await client.signIn('1111'), client.serverOffsetMs);
    await new Promise((r) => setTimeout(r, 10));
    expect(a.asked.slice(asked)).toEqual(['/api/v1/staff/sessions']);
  });

  it('a device no one signs in on (a kiosk) paired before devices recorded their store learns it from a hub that takes its token, when it asks (start, hub back)', async () => {
    const a = storeHub('store-a');
    const bearers: (string | null)[] = [];
    const fetchFn: typeof fetch = async (input, init) => {
      bearers.push(new Headers(init?.headers).get('authorization'));
      return a.fetch(input, init);
    };
    const session = new Session('kiosk');
    session.device.set({ token: 'dev_old', deviceId: 'd-old', name: 'kiosk', kind: 'kiosk' });
    session.client({ fetch: fetchFn, sleep: async () => undefined });
    expect(await session.learnStore()).toBe('store-a');
    expect(session.storeId()).toBe('store-a');
    expect(new Session('kiosk').storeId()).toBe('store-a');
    // asked with the device's token: the hub answering is one that knows this device, not another store's
    expect(bearers).toEqual(['Bearer dev_old']);
    expect(session.storeName('store-a')).toBe('Store store-a');
    // known: not asked again
    expect(await session.learnStore()).toBe('store-a');
    expect(a.asked).toEqual(['/api/v1/health']);
  });

  it("a hub that refuses the device's token teaches it no store, and does not unpair it by that", async () => {
    const session = new Session('kiosk');
    session.device.set({ token: 'dev_old', deviceId: 'd-old', name: 'kiosk', kind: 'kiosk' });
    const refusing: typeof fetch = async () => new Response(JSON.stringify({ error: { code: 'unauthenticated', message: 'unknown device token' } }), { status: 401, headers: { 'content-type': 'application/json' } });
    session.client({ fetch: refusing, sleep: async () => undefined });
    expect(await session.learnStore()).toBeNull();
    expect(session.storeId()).toBeNull();
    expect(session.deviceToken()).toBe('dev_old');
  });

  it('remembers the names of the stores it was paired with, for saying which store waiting changes were made for', async () => {
    const session = new Session('pos');
    await session.paired(pairAnswer('d1'), 'pos', session.client({ fetch: storeHub('store-a').fetch }));
    session.refused('device');
    await session.paired(pairAnswer('d9'), 'pos', session.client({ fetch: storeHub('store-b').fetch }));
    const reloaded = new Session('pos');
    expect([reloaded.storeName('store-a'), reloaded.storeName('store-b'), reloaded.storeName('store-x')]).toEqual(['Store store-a', 'Store store-b', null]);
  });
});
