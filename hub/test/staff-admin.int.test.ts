/**
 * A manager's staff list and new table QR codes, against the real hub process (README, "Secrets at rest":
 * after a copy of the store leaked, change the PINs and print new table codes). What a person or a phone
 * could observe: who signs in, which tokens the hub still takes, and nothing changed by a refusal.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let db: Database.Database;
let manager: string;
let waiter: { device: string; staff: string };

beforeAll(async () => {
  hub = await startHub();
  db = hub.openDb();
  manager = (await signIn(hub, PINS.manager)).staff;
  waiter = await signIn(hub, PINS.waiter);
}, 60_000);

afterAll(async () => {
  db?.close();
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

const asManager = (method: string, path: string, body?: unknown, key?: string) =>
  hub.request(method, path, { token: manager, ...(body !== undefined ? { body } : {}), ...(key ? { key } : {}) });
/** A sign-in on a tablet of its own, as the waiter's tablet does it: 201 with a session, or the refusal. */
const pinSignIn = async (pin: string) => hub.request('POST', '/api/v1/staff/sessions', { token: (await signIn(hub)).device, body: { pin } });
/** A request that needs a live staff session: 200, or 401 once the session has ended. */
const floorWith = (token: string) => hub.request('GET', '/api/v1/floor', { token });
const qrCodes = async () => (await asManager('GET', '/api/v1/tables/qr-codes')).body.tables as { id: string; qrToken: string; path: string }[];
const tokenOf = async (tableId: string) => (await qrCodes()).find((t) => t.id === tableId)!.qrToken;

function storeState() {
  return {
    staff: db.prepare('SELECT * FROM staff ORDER BY id').all(),
    tables: db.prepare('SELECT id, qr_token FROM dining_tables ORDER BY id').all(),
    sessions: db.prepare('SELECT COUNT(*) FROM staff_sessions').pluck().get(),
    events: db.prepare('SELECT COUNT(*) FROM events').pluck().get(),
  };
}

describe('staff management', () => {
  it('lists the staff with names, roles and whether active, and no PIN or hash', async () => {
    const r = await asManager('GET', '/api/v1/staff');
    expect(r.status).toBe(200);
    expect(r.body.staff).toContainEqual({ id: 's-waiter', name: '王芳 Wang Fang', role: 'waiter', active: true });
    expect(Object.keys(r.body.staff[0]).sort()).toEqual(['active', 'id', 'name', 'role']);
    const hashes = db.prepare('SELECT pin_hash FROM staff').pluck().all() as string[];
    for (const h of hashes) expect(JSON.stringify(r.body)).not.toContain(h);
  });

  it('a manager adds a waiter, who can then sign in with their PIN and work', async () => {
    const r = await asManager('POST', '/api/v1/staff', { name: '赵六 Zhao Liu', role: 'waiter', pin: '4321' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.staff).toEqual({ id: expect.any(String), name: '赵六 Zhao Liu', role: 'waiter', active: true });
    const session = await pinSignIn('4321');
    expect(session.status).toBe(201);
    expect(session.body.staff).toEqual({ id: r.body.staff.id, name: '赵六 Zhao Liu', role: 'waiter' });
    expect((await floorWith(session.body.token)).status).toBe(200);
    // the store keeps no PIN in clear, neither with the staff nor with the request's key
    expect(JSON.stringify(db.prepare('SELECT * FROM idempotency_keys').all())).not.toContain('4321');
  });

  it('refuses a PIN another staff member has (409 pin_in_use), and adds nobody', async () => {
    const before = storeState();
    const r = await asManager('POST', '/api/v1/staff', { name: 'Copy', role: 'manager', pin: PINS.cashier });
    expect([r.status, r.body.error.code]).toEqual([409, 'pin_in_use']);
    expect(r.body.error.message).not.toMatch(/Chen Jing|s-cashier/);
    expect(storeState()).toEqual(before);
  });

  it("a PIN change ends the person's sessions at once (the old token gets 401), the old PIN signs nobody in and the new one does", async () => {
    const old = await pinSignIn(PINS.waiter2);
    expect((await floorWith(old.body.token)).status).toBe(200); // in use, and so kept in the hub's memory
    const r = await asManager('POST', '/api/v1/staff/s-waiter2/pin', { pin: '6543' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ staff: { id: 's-waiter2', name: '李明 Li Ming', role: 'waiter', active: true }, sessionsEnded: 1 });
    expect((await floorWith(old.body.token)).status).toBe(401);
    expect((await pinSignIn(PINS.waiter2)).status).toBe(401);
    const fresh = await pinSignIn('6543');
    expect(fresh.body.staff?.id).toBe('s-waiter2');
    expect((await floorWith(fresh.body.token)).status).toBe(200);
  });

  it('a deactivated person cannot sign in and their session ends at once; re-activated, they sign in again', async () => {
    const cook = await pinSignIn(PINS.kitchen);
    expect((await floorWith(cook.body.token)).status).toBe(200);
    const off = await asManager('PATCH', '/api/v1/staff/s-kitchen', { active: false });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body).toEqual({ staff: { id: 's-kitchen', name: '张伟 Zhang Wei', role: 'kitchen', active: false }, sessionsEnded: 1 });
    expect((await floorWith(cook.body.token)).status).toBe(401);
    expect((await pinSignIn(PINS.kitchen)).status).toBe(401);
    expect((await asManager('GET', '/api/v1/staff')).body.staff).toContainEqual(off.body.staff);
    expect((await asManager('PATCH', '/api/v1/staff/s-kitchen', { active: true })).status).toBe(200);
    expect((await pinSignIn(PINS.kitchen)).status).toBe(201);
  });

  it("gives a departed person's PIN to someone new; re-activating the departed one is refused (409) until they have a new PIN", async () => {
    const left = await asManager('POST', '/api/v1/staff', { name: '周八 Zhou Ba', role: 'waiter', pin: '7531' });
    expect((await asManager('PATCH', `/api/v1/staff/${left.body.staff.id}`, { active: false })).status).toBe(200);
    const successor = await asManager('POST', '/api/v1/staff', { name: '吴九 Wu Jiu', role: 'waiter', pin: '7531' });
    expect(successor.status, JSON.stringify(successor.body)).toBe(201);
    expect((await pinSignIn('7531')).body.staff?.id).toBe(successor.body.staff.id);
    // an active person's PIN is still refused, the departed one's own included once it is someone's again
    expect((await asManager('POST', `/api/v1/staff/${left.body.staff.id}/pin`, { pin: '7531' })).body.error?.code).toBe('pin_in_use');

    const before = storeState();
    const back = await asManager('PATCH', `/api/v1/staff/${left.body.staff.id}`, { active: true });
    expect([back.status, back.body.error?.code, back.body.error?.details]).toEqual([409, 'conflict', { reason: 'pin-in-use' }]);
    expect(back.body.error.message).not.toMatch(/Wu Jiu|7531/);
    expect(storeState()).toEqual(before);
    expect((await pinSignIn('7531')).body.staff?.id).toBe(successor.body.staff.id);

    expect((await asManager('POST', `/api/v1/staff/${left.body.staff.id}/pin`, { pin: '7532' })).status).toBe(200);
    expect((await asManager('PATCH', `/api/v1/staff/${left.body.staff.id}`, { active: true })).status).toBe(200);
    expect((await pinSignIn('7532')).body.staff?.id).toBe(left.body.staff.id);
    expect((await pinSignIn('7531')).body.staff?.id).toBe(successor.body.staff.id);
  });

  it('a manager cannot deactivate themselves (409; the last active manager: staff-admin.test.ts); nothing changes', async () => {
    const before = storeState();
    const self = await asManager('PATCH', '/api/v1/staff/s-manager', { active: false });
    expect([self.status, self.body.error.details]).toEqual([409, { reason: 'deactivating-self' }]);
    expect((await floorWith(manager)).status).toBe(200);
    expect(storeState()).toEqual(before);
  });

  it('a waiter can do none of it (403), and the store is as it was', async () => {
    const before = storeState();
    const tries: [string, string, unknown?][] = [
      ['GET', '/api/v1/staff'],
      ['POST', '/api/v1/staff', { name: 'Me Too', role: 'manager', pin: '7777' }],
      ['POST', '/api/v1/staff/s-manager/pin', { pin: '7777' }],
      ['PATCH', '/api/v1/staff/s-manager', { active: false }],
      ['POST', '/api/v1/tables/qr-codes', { tables: 'all' }],
    ];
    for (const [method, path, body] of tries) {
      const r = await hub.request(method, path, { token: waiter.staff, ...(body !== undefined ? { body } : {}) });
      expect([method, path, r.status, r.body.error?.code]).toEqual([method, path, 403, 'forbidden']);
    }
    // nor a tablet without a staff sign-in
    expect((await hub.request('GET', '/api/v1/staff', { token: waiter.device })).status).toBe(403);
    expect(storeState()).toEqual(before);
  });

  it('answers bad input with a 4xx and an error body, never a 5xx, and changes nothing', async () => {
    const before = storeState();
    const bad: [string, string, unknown, number][] = [
      ['POST', '/api/v1/staff', { name: 'Short PIN', role: 'waiter', pin: '12' }, 400],
      ['POST', '/api/v1/staff', { name: 'Number PIN', role: 'waiter', pin: 1234 }, 400],
      ['POST', '/api/v1/staff', { name: 'Chef', role: 'chef', pin: '5555' }, 400],
      ['POST', '/api/v1/staff', { name: '   ', role: 'waiter', pin: '5555' }, 400],
      ['POST', '/api/v1/staff', { name: 'Extra', role: 'waiter', pin: '5555', pinHash: 'x' }, 400],
      ['POST', '/api/v1/staff', null, 400],
      ['POST', '/api/v1/staff/s-nobody/pin', { pin: '5555' }, 404],
      ['POST', `/api/v1/staff/${'x'.repeat(300)}/pin`, { pin: '5555' }, 400],
      ['POST', '/api/v1/staff/s-waiter/pin', { pin: '５５５５' }, 400],
      ['PATCH', '/api/v1/staff/s-nobody', { active: false }, 404],
      ['PATCH', '/api/v1/staff/s-waiter', { active: 'no' }, 400],
      ['PATCH', '/api/v1/staff/s-waiter', {}, 400],
      ['POST', '/api/v1/tables/qr-codes', {}, 400],
      ['POST', '/api/v1/tables/qr-codes', { tables: [] }, 400],
      ['POST', '/api/v1/tables/qr-codes', { tables: 'some' }, 400],
      ['POST', '/api/v1/tables/qr-codes', { tables: ['t-a1', 't-nowhere'] }, 404],
    ];
    for (const [method, path, body, status] of bad) {
      const r = await asManager(method, path, body);
      expect([path, JSON.stringify(body), r.status, typeof r.body?.error?.code]).toEqual([path, JSON.stringify(body), status, 'string']);
    }
    expect((await hub.request('POST', '/api/v1/staff', { token: manager, body: { name: 'No key', role: 'waiter', pin: '5555' }, key: null })).status).toBe(400);
    expect(storeState()).toEqual(before);
  });

  it('answers a replayed Idempotency-Key with the first answer, and adds or changes nothing more', async () => {
    const key = randomUUID();
    const add = { name: '孙七 Sun Qi', role: 'cashier', pin: '2468' };
    const first = await asManager('POST', '/api/v1/staff', add, key);
    expect(first.status).toBe(201);
    const afterFirst = storeState();
    const again = await asManager('POST', '/api/v1/staff', add, key);
    expect([again.status, again.body]).toEqual([201, first.body]);
    expect(storeState()).toEqual(afterFirst);
    // the same key with another PIN is another request: refused, not answered with the first
    expect((await asManager('POST', '/api/v1/staff', { ...add, pin: '1357' }, key)).status).toBe(422);

    const pinKey = randomUUID();
    const changed = await asManager('POST', `/api/v1/staff/${first.body.staff.id}/pin`, { pin: '8642' }, pinKey);
    const session = await pinSignIn('8642');
    const replayed = await asManager('POST', `/api/v1/staff/${first.body.staff.id}/pin`, { pin: '8642' }, pinKey);
    expect([replayed.status, replayed.body]).toEqual([200, changed.body]);
    expect((await floorWith(session.body.token)).status).toBe(200); // the replay ended no session

    // a key is one request whatever the route: one used where a PIN was sent (its answer kept sealed) and
    // then on a plain route, or the other way round, is refused like any other key used again
    const sealedFirst = randomUUID();
    expect((await asManager('POST', '/api/v1/staff', { name: '郑十 Zheng Shi', role: 'waiter', pin: '3579' }, sealedFirst)).status).toBe(201);
    const beforeReuse = storeState();
    const plainAfter = await asManager('POST', '/api/v1/tables/qr-codes', { tables: ['t-b2'] }, sealedFirst);
    expect([plainAfter.status, plainAfter.body.error?.code]).toEqual([422, 'idempotency_key_reused']);
    const plainFirst = randomUUID();
    expect((await asManager('PATCH', '/api/v1/staff/s-waiter', { active: true }, plainFirst)).status).toBe(200);
    const sealedAfter = await asManager('POST', '/api/v1/staff', { name: '钱十一 Qian', role: 'waiter', pin: '3580' }, plainFirst);
    expect([sealedAfter.status, sealedAfter.body.error?.code]).toEqual([422, 'idempotency_key_reused']);
    expect(storeState()).toEqual(beforeReuse);

    const tableKey = randomUUID();
    const replaced = await asManager('POST', '/api/v1/tables/qr-codes', { tables: ['t-b1'] }, tableKey);
    const token = await tokenOf('t-b1');
    expect(await asManager('POST', '/api/v1/tables/qr-codes', { tables: ['t-b1'] }, tableKey)).toMatchObject({ status: 200, body: replaced.body });
    expect(await tokenOf('t-b1')).toBe(token);
  });
});

describe('new table QR codes', () => {
  it("refuses a table's old code at once and takes the new one; the sheet lists the new one; others are untouched", async () => {
    const before = await qrCodes();
    const old = before.find((t) => t.id === 't-a1')!.qrToken;
    expect((await hub.request('GET', '/api/v1/qr/table', { token: old })).status).toBe(200); // in use, and so kept
    const r = await asManager('POST', '/api/v1/tables/qr-codes', { tables: ['t-a1'] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.tables).toEqual([{ id: 't-a1', name: 'A1' }]);
    expect(JSON.stringify(r.body)).not.toMatch(/tbl_/);
    const refused = await hub.request('GET', '/api/v1/qr/table', { token: old });
    expect([refused.status, refused.body.error.code]).toEqual([401, 'unauthenticated']);
    // the phone's order is refused too: a phone holding the old code sends nothing to the kitchen
    expect((await hub.request('POST', '/api/v1/orders', { token: old, body: { channel: 'qr', tableId: 't-a1', lines: [{ itemId: 'steamed-rice', qty: 1 }] } })).status).toBe(401);
    const after = await qrCodes();
    const fresh = after.find((t) => t.id === 't-a1')!;
    expect(fresh.qrToken).not.toBe(old);
    expect(fresh.path).toBe(`/t/${fresh.qrToken}`);
    expect((await hub.request('GET', '/api/v1/qr/table', { token: fresh.qrToken })).body.table).toMatchObject({ id: 't-a1' });
    for (const t of before) if (t.id !== 't-a1' && t.id !== 't-b1') expect(after.find((a) => a.id === t.id)!.qrToken).toBe(t.qrToken);
    // the log says which tables, never their codes
    const event = db.prepare("SELECT payload FROM events WHERE type = 'table.qr_codes_replaced' ORDER BY seq DESC LIMIT 1").pluck().get() as string;
    expect(JSON.parse(event)).toEqual({ tables: [{ id: 't-a1', name: 'A1' }] });
  });

  it('gives every table a new code with "all": no old code works', async () => {
    const before = await qrCodes();
    const r = await asManager('POST', '/api/v1/tables/qr-codes', { tables: 'all' });
    expect(r.status).toBe(200);
    expect(r.body.tables).toHaveLength(before.length);
    for (const t of before) expect((await hub.request('GET', '/api/v1/qr/table', { token: t.qrToken })).status).toBe(401);
    const after = await qrCodes();
    expect(new Set(after.map((t) => t.qrToken)).size).toBe(before.length);
    for (const t of after) expect(before.map((b) => b.qrToken)).not.toContain(t.qrToken);
  });
});
