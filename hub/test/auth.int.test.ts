import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FAILURE_KEYS } from '../http/pairing-codes.ts';
import { httpCall, newPool } from '../../scripts/load/http.ts';
import { PAIRING_CODE, PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';
import { seedDevices } from './seed-devices.ts';

let hub: HubProcess;

beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

describe('pairing and PIN sign-in', () => {
  it('pairs with the hub code only, and the device token then signs staff in', async () => {
    const wrong = await hub.request('POST', '/api/v1/devices/pair', { body: { code: '000000', name: 'Tablet', kind: 'pos' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('pairing_code_invalid');
    const paired = await hub.request('POST', '/api/v1/devices/pair', { body: { code: PAIRING_CODE, name: '收银台 Till', kind: 'pos' } });
    expect(paired.status).toBe(201);
    expect(paired.body.deviceToken).toMatch(/^dev_/);
    const session = await hub.request('POST', '/api/v1/staff/sessions', { token: paired.body.deviceToken, body: { pin: '2222' } });
    expect(session.status).toBe(201);
    expect(session.body.staff).toMatchObject({ id: 's-cashier', role: 'cashier' });
    expect(session.body.token).toMatch(/^stf_/);
  });

  it('refuses a PIN without a paired device', async () => {
    const r = await hub.request('POST', '/api/v1/staff/sessions', { body: { pin: '1111' } });
    expect(r.status).toBe(401);
  });

  it('locks a device out after five wrong PINs (429 + Retry-After), without affecting other devices', async () => {
    const { device } = await signIn(hub);
    for (let i = 0; i < 5; i++) {
      const r = await hub.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin: `000${i}` } });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('pin_invalid');
    }
    const locked = await hub.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin: '1111' } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = await signIn(hub, '1111');
    expect(other.staff).toMatch(/^stf_/);
  });

  it('does not forget wrong PINs when someone signs in: guesses between a waiter\'s own sign-ins still lock the device', async () => {
    // a waiter guessing the manager's PIN, signing in as themself after every four guesses
    const { device } = await signIn(hub);
    const attempt = (pin: string) => hub.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin } });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) if ((await attempt(`98${round}${i}`)).status === 429) return; // locked: as it should be
      expect((await attempt('1111')).status).toBe(201);
    }
    expect((await attempt('9870')).status).toBe(429);
  });

  it('refuses to sign staff in on a kiosk (a paired device standing in public)', async () => {
    const { device } = await signIn(hub, undefined, 'kiosk');
    const r = await hub.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin: '9999' } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
  });
});

describe(`the PIN lockout after ${MAX_FAILURE_KEYS.toLocaleString('en')} other devices got a PIN wrong`, () => {
  // a hub of its own: the flood fills the hub's count of failing devices for a day, which the tests above must not meet
  let flooded: HubProcess;
  let dataDir: string | undefined;
  /** The flooding devices' tokens. */
  let others: string[];
  beforeAll(async () => {
    // paired into its store before it starts, by the hub's own pairing code: the test is of the lockout among
    // that many failing devices, not of pairing them (10,000 pairings over HTTP took a loaded machine a minute)
    dataDir = mkdtempSync(join(tmpdir(), 'brigade-flood-'));
    others = seedDevices(dataDir, MAX_FAILURE_KEYS, 'pos', 'Flood');
    flooded = await startHub({ dataDir });
  });
  afterAll(async () => {
    await flooded?.stop();
    if (dataDir) removeDir(dataDir);
  });

  /** Runs `task(0 … n-1)` on `lanes` requests at a time (a bounded count: the loop ends with `n`). */
  async function inLanes(n: number, lanes: number, task: (i: number) => Promise<void>): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < n) await task(next++);
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  it('still locks a device at its fifth wrong PIN when the other four came before the flood, and the flooding devices still sign in', async () => {
    // the count, not a lockout, straddles the flood: guesses count for 15 minutes, a lockout lasts 30 s, and
    // the flood may take longer than that on a busy machine
    const signInWith = (device: string, pin: string) => flooded.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin }, key: null });
    const { device: guesser } = await signIn(flooded);
    for (let i = 0; i < 4; i++) expect((await signInWith(guesser, `000${i}`)).status).toBe(401);

    // sent by the load generator's lean client: fetch cost this process more CPU than the hub its answers
    const pool = newPool(8);
    const statuses: Record<number, number> = {};
    try {
      await inLanes(others.length, 8, async (i) => {
        const r = await httpCall(new URL(flooded.url), pool, 'POST', '/api/v1/staff/sessions', { token: others[i], body: { pin: '0000' }, timeoutMs: 30_000 });
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      });
    } finally {
      pool.destroy();
    }
    expect(statuses).toEqual({ 401: MAX_FAILURE_KEYS });

    expect((await signInWith(guesser, '0004')).status).toBe(401);
    const locked = await signInWith(guesser, PINS.waiter);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await signInWith(others[0]!, PINS.waiter)).status).toBe(201);
    expect((await signInWith(others.at(-1)!, PINS.waiter)).status).toBe(201);
  }, 120_000);
});

describe('a sign-in that says which roles the screen accepts', () => {
  const sessions = () => {
    const db = hub.openDb();
    try {
      return db.prepare('SELECT COUNT(*) FROM staff_sessions').pluck().get() as number;
    } finally {
      db.close();
    }
  };
  const kitchenScreen = async () => (await signIn(hub, undefined, 'kds')).device;
  const attempt = (device: string, pin: string, roles?: string[]) =>
    hub.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin, ...(roles ? { roles } : {}) } });

  it("refuses a waiter's PIN on a kitchen screen (403 forbidden, naming the roles) and makes no session", async () => {
    const device = await kitchenScreen();
    const before = sessions();
    const r = await attempt(device, PINS.waiter, ['kitchen', 'manager']);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
    expect(r.body.error.message).toMatch(/kitchen or manager/);
    expect(r.body.error.details).toMatchObject({ required: ['kitchen', 'manager'], role: 'waiter' });
    expect(r.body.token).toBeUndefined();
    expect(sessions()).toBe(before);
  });

  it('signs in a staff member who has one of the roles, and anyone when the request names none (older clients)', async () => {
    const device = await kitchenScreen();
    const kitchen = await attempt(device, PINS.kitchen, ['kitchen', 'manager']);
    expect(kitchen.status).toBe(201);
    expect(kitchen.body.staff.role).toBe('kitchen');
    expect((await attempt(device, PINS.waiter)).status).toBe(201);
  });

  it('refuses an empty or unknown role list as malformed (400), before looking at the PIN', async () => {
    const device = await kitchenScreen();
    for (const roles of [[], ['chef']]) {
      const r = await attempt(device, PINS.kitchen, roles);
      expect(r.status, JSON.stringify(roles)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
  });

  it('does not count a right PIN with the wrong role as a wrong PIN: ten of them lock nothing, wrong PINs still do', async () => {
    const device = await kitchenScreen();
    for (let i = 0; i < 10; i++) expect((await attempt(device, PINS.waiter, ['kitchen'])).status).toBe(403);
    expect((await attempt(device, PINS.kitchen, ['kitchen'])).status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await attempt(device, `000${i}`, ['kitchen'])).status).toBe(401);
    expect((await attempt(device, PINS.kitchen, ['kitchen'])).status).toBe(429);
  });
});

describe('signing out (DELETE /api/v1/staff/sessions/current)', () => {
  const signOut = (token: string | undefined) => hub.request('DELETE', '/api/v1/staff/sessions/current', { token });

  it("ends the caller's session: its token is refused from then on, the device and other people's sessions on it are not", async () => {
    const { device, staff: kitchen } = await signIn(hub, PINS.kitchen, 'kds');
    const manager = (await hub.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin: PINS.manager } })).body.token as string;
    expect((await hub.request('GET', '/api/v1/floor', { token: kitchen })).status).toBe(200);

    const out = await signOut(kitchen);
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ signedOut: true });
    const after = await hub.request('GET', '/api/v1/floor', { token: kitchen });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthenticated');
    expect((await hub.request('GET', '/api/v1/floor', { token: manager })).status).toBe(200);
    expect((await hub.request('GET', '/api/v1/snapshot', { token: device })).status).toBe(200);
  });

  it('ends only the session it came with: the same person signed in again on the device stays signed in', async () => {
    // a tablet that signed a waiter out while the hub was away sends that sign-out late, after she is back
    const { device, staff: first } = await signIn(hub, PINS.kitchen, 'kds');
    const second = (await hub.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin: PINS.kitchen } })).body.token as string;
    expect((await signOut(first)).status).toBe(200);
    expect((await hub.request('GET', '/api/v1/floor', { token: first })).status).toBe(401);
    expect((await hub.request('GET', '/api/v1/floor', { token: second })).status).toBe(200);
  });

  it('answers a second sign-out of the same session (its first answer lost) with 401: the session is gone', async () => {
    const { staff } = await signIn(hub, PINS.waiter);
    expect((await signOut(staff)).status).toBe(200);
    const again = await signOut(staff);
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('unauthenticated');
  });

  it('needs a staff token: a device token is refused (403), no token at all 401', async () => {
    const { device } = await signIn(hub);
    expect((await signOut(device)).status).toBe(403);
    expect((await signOut(undefined)).status).toBe(401);
  });
});

describe('snapshot', () => {
  it('holds open orders and paid orders whose food is still in the kitchen, as of the log head', async () => {
    const { staff, device } = await signIn(hub, '2222');
    const open = await hub.request('POST', '/api/v1/orders', { token: staff, body: sampleOrder({ tableId: 't-a9' }) });
    expect(open.body.order).toMatchObject({ staffId: 's-cashier', staffName: '陈静 Chen Jing' });
    const paid = await hub.request('POST', '/api/v1/orders', { token: staff, body: sampleOrder({ tableId: 't-a10' }) });
    const pay = await hub.request('POST', `/api/v1/orders/${paid.body.order.id}/payments`, {
      token: staff,
      body: { tender: 'cash', amountMinor: paid.body.order.totalMinor, tenderedMinor: 10000 },
    });
    expect(pay.status).toBe(201);
    expect(pay.body.order.status).toBe('closed');
    expect(pay.body.payment.changeMinor).toBe(10000 - paid.body.order.totalMinor);

    const snap = await hub.request('GET', '/api/v1/snapshot', { token: device });
    expect(snap.status).toBe(200);
    const ids = snap.body.orders.map((o: { id: string }) => o.id);
    expect(ids).toContain(open.body.order.id);
    expect(ids).toContain(paid.body.order.id);
    expect(snap.body.seq).toBe((await hub.request('GET', '/api/v1/health')).body.seq);
  });
});
