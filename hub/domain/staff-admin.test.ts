import { afterEach, describe, expect, it } from 'vitest';
import type { StaffMember } from '../protocol/staff.ts';
import { SqliteAuthRepo } from '../store/auth-repo.ts';
import { readIdentity } from '../store/db.ts';
import { SqliteFloorRepo } from '../store/floor-repo.ts';
import { nodeSecrets } from '../store/secrets.ts';
import { AuthService } from './auth-service.ts';
import type { Principal } from './principal.ts';
import { deactivationRefusal } from './staff-admin.ts';
import { domainErrorOf, manager, NOON, openDemoStore, staff, waiter, type DemoStore } from './test-support.ts';

const stores: DemoStore[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.db.close()));

const pos: Principal = { kind: 'device', deviceId: 'd-pos', deviceKind: 'pos' };

/** The demo store (PINs 1111 waiter, 9999 manager, …) with the hub's auth rules and a paired tablet. */
function hub() {
  const store = openDemoStore();
  stores.push(store);
  store.db.prepare("INSERT INTO devices (id, name, kind, token_hash, paired_at) VALUES ('d-pos', 'POS', 'pos', 'h', 0)").run();
  const auth = new AuthService(new SqliteAuthRepo(store.db), nodeSecrets(readIdentity(store.db).pinKey), { isValid: () => false, redeemed: () => undefined });
  const signIn = (pin: string) => auth.signIn(pin, pos, NOON);
  /** Resolves a token as a request does, outside any transaction: what the repo may keep in memory. */
  const resolve = (token: string) => auth.resolve(token, NOON + 1);
  const as = (principal: Principal) => store.ctx(principal);
  return Object.assign(store, { auth, signIn, resolve, as });
}
const member = (o: Partial<StaffMember> = {}): StaffMember => ({ id: 's-x', name: 'X', role: 'waiter', active: true, ...o });

describe('deactivationRefusal', () => {
  it.each([
    ['a manager deactivating themselves: refused', member({ id: 's-boss', role: 'manager' }), 's-boss', 2, 'deactivating-self'],
    ['the last active manager: refused', member({ role: 'manager' }), 's-boss', 1, 'last-active-manager'],
    ['one of two active managers: allowed', member({ role: 'manager' }), 's-boss', 2, undefined],
    ['a waiter, with one manager left: allowed', member(), 's-boss', 1, undefined],
    ['an inactive manager, with one active manager left: allowed', member({ role: 'manager', active: false }), 's-boss', 1, undefined],
  ] as const)('%s', (_name, target, caller, managers, expected) => {
    expect(deactivationRefusal(target, caller, managers)).toBe(expected);
  });
});

describe('StaffAdmin', () => {
  it('adds a staff member who can then sign in with their PIN; the list and the event carry no PIN or hash', () => {
    const h = hub();
    const added = h.run(() => h.auth.staff.add({ name: '赵六 Zhao Liu', role: 'waiter', pin: '4321' }, h.as(manager)));
    expect(added).toEqual({ id: expect.any(String), name: '赵六 Zhao Liu', role: 'waiter', active: true });
    expect(h.auth.staff.list(manager)).toContainEqual(added);
    expect(h.signIn('4321').staff).toEqual({ id: added.id, name: '赵六 Zhao Liu', role: 'waiter' });
    expect(h.events).toEqual([{ type: 'staff.added', payload: { staff: added }, topics: ['staff'] }]);
    const hash = nodeSecrets(readIdentity(h.db).pinKey).hashPin('4321');
    expect(JSON.stringify([h.auth.staff.list(manager), h.events])).not.toMatch(new RegExp(`4321|${hash}`));
  });

  it('refuses a PIN someone active has, and names no one', () => {
    const h = hub();
    const e = domainErrorOf(() => h.run(() => h.auth.staff.add({ name: 'Y', role: 'waiter', pin: '1111' }, h.as(manager))));
    expect(e.code).toBe('pin_in_use');
    expect(e.message).not.toMatch(/Wang Fang|s-waiter/);
    expect(domainErrorOf(() => h.run(() => h.auth.staff.changePin('s-cashier', '9999', h.as(manager)))).code).toBe('pin_in_use');
    // a deactivated person's own PIN is no one's: refused only because someone active has it
    h.run(() => h.auth.staff.setActive('s-waiter2', false, h.as(manager)));
    expect(domainErrorOf(() => h.run(() => h.auth.staff.changePin('s-waiter2', '2222', h.as(manager)))).code).toBe('pin_in_use');
    expect(h.auth.staff.list(manager)).toHaveLength(5);
  });

  it("gives a departed waiter's PIN to someone new, who signs in with it; the departed one stays signed out", () => {
    const h = hub();
    h.run(() => h.auth.staff.setActive('s-waiter2', false, h.as(manager)));
    const added = h.run(() => h.auth.staff.add({ name: 'Y', role: 'waiter', pin: '1112' }, h.as(manager)));
    expect(h.signIn('1112').staff.id).toBe(added.id);
    // and to a person already on the list, as a new PIN
    h.run(() => h.auth.staff.setActive(added.id, false, h.as(manager)));
    h.run(() => h.auth.staff.changePin('s-waiter', '1112', h.as(manager)));
    expect(h.signIn('1112').staff.id).toBe('s-waiter');
  });

  it("refuses to re-activate someone whose PIN was given to another since (409), until they have a new PIN: a PIN never signs in two people", () => {
    const h = hub();
    h.run(() => h.auth.staff.setActive('s-waiter2', false, h.as(manager)));
    const added = h.run(() => h.auth.staff.add({ name: 'Y', role: 'waiter', pin: '1112' }, h.as(manager)));
    h.events.length = 0;
    const refused = domainErrorOf(() => h.run(() => h.auth.staff.setActive('s-waiter2', true, h.as(manager))));
    expect([refused.code, refused.details]).toEqual(['conflict', { reason: 'pin-in-use' }]);
    expect(refused.message).not.toMatch(/\bY\b|1112/);
    expect(h.auth.staff.list(manager).find((m) => m.id === 's-waiter2')?.active).toBe(false);
    expect(h.signIn('1112').staff.id).toBe(added.id);
    expect(h.events).toEqual([]);
    h.run(() => h.auth.staff.changePin('s-waiter2', '6543', h.as(manager)));
    expect(h.run(() => h.auth.staff.setActive('s-waiter2', true, h.as(manager))).staff.active).toBe(true);
    expect(h.signIn('6543').staff.id).toBe('s-waiter2');
    expect(h.signIn('1112').staff.id).toBe(added.id);
  });

  it("a new PIN the person already has is refused as another's is: the answer never says whose a PIN is", () => {
    const h = hub();
    const session = h.signIn('2222');
    h.resolve(session.token);
    // 2222 is the cashier's: answered as 1111 (the waiter's) is, so trying PINs on each person names no holder
    const own = domainErrorOf(() => h.run(() => h.auth.staff.changePin('s-cashier', '2222', h.as(manager))));
    const others = domainErrorOf(() => h.run(() => h.auth.staff.changePin('s-cashier', '1111', h.as(manager))));
    expect([own.code, own.message]).toEqual([others.code, others.message]);
    expect(h.resolve(session.token).kind).toBe('staff'); // and refused, it ended nobody's session
    expect(h.events).toEqual([]);
  });

  it('ends the sessions of someone whose PIN changes at once, those kept in memory too; the old PIN signs nobody in, the new one does', () => {
    const h = hub();
    const session = h.signIn('1111');
    expect(h.resolve(session.token).kind).toBe('staff'); // now kept
    const changed = h.run(() => h.auth.staff.changePin('s-waiter', '5678', h.as(manager)));
    expect(changed.sessionsEnded).toBe(1);
    expect(domainErrorOf(() => h.resolve(session.token)).code).toBe('unauthenticated');
    expect(domainErrorOf(() => h.signIn('1111')).code).toBe('pin_invalid');
    expect(h.signIn('5678').staff.id).toBe('s-waiter');
    expect(h.events.map((e) => e.type)).toEqual(['staff.pin_changed']);
  });

  it("keeps the session a manager changes their own PIN with, and ends their others", () => {
    const h = hub();
    const here = h.signIn('9999');
    const elsewhere = h.signIn('9999');
    const me = h.resolve(here.token);
    h.resolve(elsewhere.token);
    expect(h.run(() => h.auth.staff.changePin('s-manager', '8888', h.as(me))).sessionsEnded).toBe(1);
    expect(h.resolve(here.token).kind).toBe('staff');
    expect(domainErrorOf(() => h.resolve(elsewhere.token)).code).toBe('unauthenticated');
  });

  it('a deactivated person cannot sign in and their session ends at once; re-activated, their PIN signs in again', () => {
    const h = hub();
    const session = h.signIn('1111');
    h.resolve(session.token);
    expect(h.run(() => h.auth.staff.setActive('s-waiter', false, h.as(manager)))).toEqual({
      staff: { id: 's-waiter', name: '王芳 Wang Fang', role: 'waiter', active: false },
      sessionsEnded: 1,
    });
    expect(domainErrorOf(() => h.resolve(session.token)).code).toBe('unauthenticated');
    expect(domainErrorOf(() => h.signIn('1111')).code).toBe('pin_invalid');
    h.run(() => h.auth.staff.setActive('s-waiter', true, h.as(manager)));
    expect(h.signIn('1111').staff.id).toBe('s-waiter');
    expect(h.events.map((e) => e.type)).toEqual(['staff.deactivated', 'staff.reactivated']);
  });

  it('refuses a manager deactivating themselves, and the last active manager; changes nothing', () => {
    const h = hub();
    const self = domainErrorOf(() => h.run(() => h.auth.staff.setActive('s-manager', false, h.as(manager))));
    expect([self.code, self.details]).toEqual(['conflict', { reason: 'deactivating-self' }]);
    // a manager not on the store's list (the rule, whoever asks): the demo's only manager is the last one
    const last = domainErrorOf(() => h.run(() => h.auth.staff.setActive('s-manager', false, h.as(staff('manager', 's-other')))));
    expect([last.code, last.details]).toEqual(['conflict', { reason: 'last-active-manager' }]);
    expect(h.auth.staff.list(manager).find((m) => m.id === 's-manager')?.active).toBe(true);
    expect(h.events).toEqual([]);
  });

  it("a manager deactivated earlier in the same writer batch changes nothing after it: their request, resolved before, is refused", () => {
    const h = hub();
    const b = h.run(() => h.auth.staff.add({ name: 'B', role: 'manager', pin: '7777' }, h.as(manager)));
    const a = h.resolve(h.signIn('9999').token);
    const fired = h.resolve(h.signIn('7777').token);
    // one batch: A's deactivation of B runs first; B's change of A's PIN, authenticated before it, runs after.
    // Both passing is no serial order (B deactivated could not; A's session ended could not have): B alone
    // would know the PIN of the only active manager
    const refused = h.run(() => {
      h.auth.staff.setActive(b.id, false, h.as(a));
      return [
        domainErrorOf(() => h.auth.staff.changePin('s-manager', '1234', h.as(fired))).code,
        domainErrorOf(() => h.auth.staff.add({ name: 'B2', role: 'manager', pin: '2345' }, h.as(fired))).code,
        domainErrorOf(() => h.auth.staff.replaceTableCodes({ tables: 'all' }, h.as(fired))).code,
      ];
    });
    expect(refused).toEqual(['unauthenticated', 'unauthenticated', 'unauthenticated']);
    expect(h.signIn('9999').staff.id).toBe('s-manager');
    expect(h.events.map((e) => e.type)).toEqual(['staff.added', 'staff.deactivated']);
  });

  it("a manager whose PIN another manager changed in the same batch changes nothing after it", () => {
    const h = hub();
    const b = h.run(() => h.auth.staff.add({ name: 'B', role: 'manager', pin: '7777' }, h.as(manager)));
    const a = h.resolve(h.signIn('9999').token);
    const other = h.resolve(h.signIn('7777').token);
    const refused = h.run(() => {
      h.auth.staff.changePin(b.id, '7778', h.as(a));
      return domainErrorOf(() => h.auth.staff.setActive('s-waiter', false, h.as(other))).code;
    });
    expect(refused).toBe('unauthenticated');
    expect(h.auth.staff.list(manager).find((m) => m.id === 's-waiter')?.active).toBe(true);
  });

  it('re-activating someone deactivated outside the hub (a sqlite3 shell) brings none of their old sessions back', () => {
    const h = hub();
    const session = h.signIn('1111');
    h.db.prepare("UPDATE staff SET active = 0 WHERE id = 's-waiter'").run();
    expect(domainErrorOf(() => h.resolve(session.token)).code).toBe('unauthenticated');
    expect(h.run(() => h.auth.staff.setActive('s-waiter', true, h.as(manager))).staff.active).toBe(true);
    expect(domainErrorOf(() => h.resolve(session.token)).code).toBe('unauthenticated');
    expect(h.signIn('1111').staff.id).toBe('s-waiter');
  });

  it('refuses every change to anyone but a manager', () => {
    const h = hub();
    const tries: (() => unknown)[] = [
      () => h.auth.staff.list(waiter),
      () => h.auth.staff.add({ name: 'Y', role: 'manager', pin: '4444' }, h.as(waiter)),
      () => h.auth.staff.changePin('s-manager', '4444', h.as(waiter)),
      () => h.auth.staff.setActive('s-manager', false, h.as(waiter)),
      () => h.auth.staff.replaceTableCodes({ tables: 'all' }, h.as(waiter)),
      () => h.auth.staff.replaceTableCodes({ tables: 'all' }, h.as(pos)),
    ];
    for (const t of tries) expect(domainErrorOf(() => h.run(t)).code).toBe('forbidden');
    expect(h.events).toEqual([]);
  });

  it("gives tables new QR codes: the old one is refused at once, though it was kept in memory; the new one is the table's", () => {
    const h = hub();
    const floor = new SqliteFloorRepo(h.db);
    const before = new Map(floor.qrCodes().map((t) => [t.id, t.qrToken]));
    const a1 = before.get('t-a1')!;
    expect(h.resolve(a1)).toEqual({ kind: 'table', tableId: 't-a1' }); // now kept
    const r = h.run(() => h.auth.staff.replaceTableCodes({ tables: ['t-a1', 't-a1'] }, h.as(manager)));
    expect(r).toEqual({ tables: [{ id: 't-a1', name: 'A1' }], replacedAt: NOON });
    expect(domainErrorOf(() => h.resolve(a1)).code).toBe('unauthenticated');
    const after = new Map(floor.qrCodes().map((t) => [t.id, t.qrToken]));
    expect(after.get('t-a1')).not.toBe(a1);
    expect(after.get('t-a1')).toMatch(/^tbl_/);
    expect(h.resolve(after.get('t-a1')!)).toEqual({ kind: 'table', tableId: 't-a1' });
    for (const [id, token] of before) if (id !== 't-a1') expect(after.get(id)).toBe(token);
    expect(h.events).toEqual([{ type: 'table.qr_codes_replaced', payload: { tables: [{ id: 't-a1', name: 'A1' }] }, topics: ['floor'] }]);
  });

  it('gives every table a new code with "all"; an unknown table refuses the whole request', () => {
    const h = hub();
    const floor = new SqliteFloorRepo(h.db);
    const before = floor.qrCodes();
    expect(domainErrorOf(() => h.run(() => h.auth.staff.replaceTableCodes({ tables: ['t-a1', 't-nope'] }, h.as(manager)))).code).toBe('not_found');
    expect(floor.qrCodes()).toEqual(before);
    const r = h.run(() => h.auth.staff.replaceTableCodes({ tables: 'all' }, h.as(manager)));
    expect(r.tables.map((t) => t.id)).toEqual(before.map((t) => t.id));
    const after = floor.qrCodes();
    after.forEach((t, i) => expect(t.qrToken).not.toBe(before[i]!.qrToken));
    expect(JSON.stringify(h.events)).not.toMatch(/tbl_/);
  });
});
