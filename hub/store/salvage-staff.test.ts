/**
 * Salvage of a store whose staff page is spoilt, on real SQLite files. Staff rows are neither in the log (no
 * event holds a PIN hash) nor rebuilt with the orders: without this, every person was lost and nobody could
 * sign in. The newest backup of the store holds those it knew, with their PIN hashes; the log says who came
 * or changed since. Nobody signs in with a PIN the store no longer holds, nor a departed person at all.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptRestoredBackup, backupFileName, markAsBackup } from './backups.ts';
import { openDb, readIdentity, type Db } from './db.ts';
import { salvageStore } from './salvage.ts';
import { pagesOf, rowsOf, spoil } from './salvage-test-support.ts';
import { nodeSecrets } from './secrets.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const START = 1_795_000_000_000;

function staffEvent(db: Db, type: string, staff: { id: string; name: string; role: string; active: boolean }, at: number): void {
  const payload = type === 'staff.added' || type === 'staff.reactivated' ? { staff } : { staff, sessionsEnded: 0 };
  db.prepare("INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES (?, ?, NULL, 's-1', 'staff', ?)").run(type, at, JSON.stringify(payload));
}

describe('salvage of a spoilt staff page', () => {
  it('takes the people from the newest backup and the log: those changed since are kept without a PIN, to be given a new one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brigade-salvage-staff-'));
    dirs.push(dir);
    const backups = join(dir, 'backups');
    mkdirSync(backups);
    const file = join(dir, 'brigade.db');
    const db = openDb(file);
    const { hashPin } = nodeSecrets(readIdentity(db).pinKey);
    const add = db.prepare('INSERT INTO staff (id, name, role, pin_hash, active) VALUES (?, ?, ?, ?, ?)');
    // seeded before the log began: no event names them
    add.run('s-1', 'Li', 'manager', hashPin('1111'), 1);
    add.run('s-2', 'Wang', 'waiter', hashPin('2222'), 1);
    add.run('s-3', 'Zhao', 'cashier', hashPin('3333'), 1);
    add.run('s-5', 'Sun', 'kitchen', hashPin('5555'), 1);
    staffEvent(db, 'staff.added', { id: 's-5', name: 'Sun', role: 'kitchen', active: true }, START);
    const backup = join(backups, backupFileName(START + 1000));
    db.prepare('VACUUM INTO ?').run(backup);
    markAsBackup(backup, START + 1000);
    // after the backup: Wang's PIN changed, Zhao left, Chen came
    db.prepare('UPDATE staff SET pin_hash = ? WHERE id = ?').run(hashPin('2929'), 's-2');
    staffEvent(db, 'staff.pin_changed', { id: 's-2', name: 'Wang', role: 'waiter', active: true }, START + 2000);
    db.prepare('UPDATE staff SET active = 0 WHERE id = ?').run('s-3');
    staffEvent(db, 'staff.deactivated', { id: 's-3', name: 'Zhao', role: 'cashier', active: false }, START + 3000);
    add.run('s-4', 'Chen', 'waiter', hashPin('4444'), 1);
    staffEvent(db, 'staff.added', { id: 's-4', name: 'Chen', role: 'waiter', active: true }, START + 4000);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    spoil(file, ...pagesOf(file, 'staff').map((p) => p.pageno));

    const r = salvageStore({ source: file, dest: join(backups, backupFileName(START + 10_000)), takenAt: START + 10_000, backups: [backup] });
    const staff = new Map(rowsOf(r.file, 'SELECT id, name, role, pin_hash AS pinHash, active FROM staff').map((s) => [s.id, s]));
    // as the backup holds them and nothing since changed them: they sign in as before
    expect(staff.get('s-1')).toEqual({ id: 's-1', name: 'Li', role: 'manager', pinHash: hashPin('1111'), active: 1 });
    expect(staff.get('s-5')).toEqual({ id: 's-5', name: 'Sun', role: 'kitchen', pinHash: hashPin('5555'), active: 1 });
    // left after the backup: kept as they left, never active again by a restore
    expect(staff.get('s-3')).toMatchObject({ name: 'Zhao', role: 'cashier', active: 0 });
    // a PIN changed since (the old one may be why) and a person added since: kept, with no PIN that signs in
    for (const [id, name, role, pins] of [['s-2', 'Wang', 'waiter', ['2222', '2929']], ['s-4', 'Chen', 'waiter', ['4444']]] as const) {
      expect(staff.get(id)).toMatchObject({ name, role, active: 0 });
      for (const pin of pins) expect(staff.get(id)!.pinHash).not.toBe(hashPin(pin));
    }
    expect(r.tables.find((t) => t.table === 'staff')).toMatchObject({ kept: 5, rebuilt: 5 });
    expect(r.warnings.join('\n')).toMatch(/Wang, Chen/);
    expect(r.warnings.join('\n')).not.toMatch(/no manager/);
  });
});

describe('salvage of a spoilt staff page after a restore, before the first backup of the new epoch', () => {
  /** A store as `npm run restore` leaves it once a hub opened it: `backup` put in its place, a new epoch. */
  function restoredFrom(backup: string, file: string, at: number): Db {
    copyFileSync(backup, file);
    const db = openDb(file);
    expect(adoptRestoredBackup(db, at).adoptedNow).toBe(true);
    return db;
  }

  it('takes the people from the backup the store was restored from, not from a later backup of the old epoch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brigade-salvage-staff-'));
    dirs.push(dir);
    const backups = join(dir, 'backups');
    mkdirSync(backups);
    const old = openDb(join(dir, 'old.db'));
    const { hashPin } = nodeSecrets(readIdentity(old).pinKey);
    const add = (db: Db, id: string, name: string, role: string, pin: string) =>
      db.prepare('INSERT INTO staff (id, name, role, pin_hash, active) VALUES (?, ?, ?, ?, 1)').run(id, name, role, hashPin(pin));
    // seeded before the log began: no event names them
    add(old, 's-1', 'Li', 'manager', '1111');
    add(old, 's-3', 'Zhao', 'cashier', '3333');
    add(old, 's-2', 'Wang', 'waiter', '2222');
    add(old, 's-5', 'Sun', 'kitchen', '5555');
    staffEvent(old, 'staff.added', { id: 's-5', name: 'Sun', role: 'kitchen', active: true }, START);
    const taken = join(backups, backupFileName(START + 1000));
    old.prepare('VACUUM INTO ?').run(taken);
    markAsBackup(taken, START + 1000);
    // the old store went on after that backup, and was backed up again: a history the restored store never had
    add(old, 's-6', 'Ma', 'waiter', '6666');
    staffEvent(old, 'staff.added', { id: 's-6', name: 'Ma', role: 'waiter', active: true }, START + 2000);
    old.prepare('UPDATE staff SET active = 0 WHERE id = ?').run('s-3');
    staffEvent(old, 'staff.deactivated', { id: 's-3', name: 'Zhao', role: 'cashier', active: false }, START + 2500);
    const later = join(backups, backupFileName(START + 3000));
    old.prepare('VACUUM INTO ?').run(later);
    markAsBackup(later, START + 3000);
    old.close();

    // restored from the first backup; within the hour, before the hub's first backup of the new epoch,
    // Wang's PIN changes, Zhou comes, and a page of staff is spoilt
    const file = join(dir, 'brigade.db');
    const db = restoredFrom(taken, file, START + 4000);
    db.prepare('UPDATE staff SET pin_hash = ? WHERE id = ?').run(hashPin('2929'), 's-2');
    staffEvent(db, 'staff.pin_changed', { id: 's-2', name: 'Wang', role: 'waiter', active: true }, START + 5000);
    add(db, 's-4', 'Zhou', 'waiter', '4444');
    staffEvent(db, 'staff.added', { id: 's-4', name: 'Zhou', role: 'waiter', active: true }, START + 6000);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    spoil(file, ...pagesOf(file, 'staff').map((p) => p.pageno));

    const r = salvageStore({ source: file, dest: join(backups, backupFileName(START + 10_000)), takenAt: START + 10_000, backups: [later, taken] });
    const staff = new Map(rowsOf(r.file, 'SELECT id, name, role, pin_hash AS pinHash, active FROM staff').map((s) => [s.id, s]));
    // the seeded manager and cashier, as the restored backup had them: they sign in as before
    expect(staff.get('s-1')).toEqual({ id: 's-1', name: 'Li', role: 'manager', pinHash: hashPin('1111'), active: 1 });
    expect(staff.get('s-3')).toEqual({ id: 's-3', name: 'Zhao', role: 'cashier', pinHash: hashPin('3333'), active: 1 });
    expect(staff.get('s-5')).toEqual({ id: 's-5', name: 'Sun', role: 'kitchen', pinHash: hashPin('5555'), active: 1 });
    // changed since the restore: kept without a PIN that signs in
    for (const [id, pins] of [['s-2', ['2222', '2929']], ['s-4', ['4444']]] as const) {
      expect(staff.get(id)).toMatchObject({ active: 0 });
      for (const pin of pins) expect(staff.get(id)!.pinHash).not.toBe(hashPin(pin));
    }
    // the later backup of the old epoch is another history: Ma never worked in this one
    expect(staff.has('s-6')).toBe(false);
    expect(r.warnings.join('\n')).not.toMatch(/no manager/);
    expect(r.warnings.join('\n')).toMatch(/Wang, Zhou/);
  });

  it('prefers a backup of the new epoch, once there is one, to the one the store was restored from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brigade-salvage-staff-'));
    dirs.push(dir);
    const backups = join(dir, 'backups');
    mkdirSync(backups);
    const old = openDb(join(dir, 'old.db'));
    const { hashPin } = nodeSecrets(readIdentity(old).pinKey);
    old.prepare("INSERT INTO staff (id, name, role, pin_hash, active) VALUES ('s-1', 'Li', 'manager', ?, 1)").run(hashPin('1111'));
    const taken = join(backups, backupFileName(START + 1000));
    old.prepare('VACUUM INTO ?').run(taken);
    markAsBackup(taken, START + 1000);
    old.close();
    const file = join(dir, 'brigade.db');
    const db = restoredFrom(taken, file, START + 2000);
    db.prepare("INSERT INTO staff (id, name, role, pin_hash, active) VALUES ('s-4', 'Zhou', 'waiter', ?, 1)").run(hashPin('4444'));
    staffEvent(db, 'staff.added', { id: 's-4', name: 'Zhou', role: 'waiter', active: true }, START + 3000);
    const ofNewEpoch = join(backups, backupFileName(START + 4000));
    db.prepare('VACUUM INTO ?').run(ofNewEpoch);
    markAsBackup(ofNewEpoch, START + 4000);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    spoil(file, ...pagesOf(file, 'staff').map((p) => p.pageno));

    const r = salvageStore({ source: file, dest: join(backups, backupFileName(START + 10_000)), takenAt: START + 10_000, backups: [ofNewEpoch, taken] });
    const staff = new Map(rowsOf(r.file, 'SELECT id, pin_hash AS pinHash, active FROM staff').map((s) => [s.id, s]));
    expect(staff.get('s-1')).toMatchObject({ pinHash: hashPin('1111'), active: 1 });
    // added before the new epoch's backup: that backup holds Zhou's PIN
    expect(staff.get('s-4')).toMatchObject({ pinHash: hashPin('4444'), active: 1 });
    expect(r.warnings.join('\n')).not.toMatch(/without a PIN/);
  });
});

describe('salvage of a spoilt staff page with no backup of the store', () => {
  it('names, in a warning, the people it could not make again: signed in or at work, with no row, no backup and no word in the log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brigade-salvage-staff-'));
    dirs.push(dir);
    const file = join(dir, 'brigade.db');
    const db = openDb(file);
    const { hashPin } = nodeSecrets(readIdentity(db).pinKey);
    const add = db.prepare('INSERT INTO staff (id, name, role, pin_hash, active) VALUES (?, ?, ?, ?, 1)');
    // seeded: no event names them
    add.run('s-1', 'Li', 'manager', hashPin('1111'));
    add.run('s-3', 'Zhao', 'cashier', hashPin('3333'));
    add.run('s-5', 'Sun', 'kitchen', hashPin('5555'));
    // Li signed in on a tablet; Zhao took an order
    db.prepare("INSERT INTO devices (id, name, kind, token_hash, paired_at) VALUES ('d-1', 'pos', 'pos', 'h-1', ?)").run(START);
    db.prepare("INSERT INTO staff_sessions (token_hash, staff_id, device_id, created_at, expires_at) VALUES ('t-1', 's-1', 'd-1', ?, ?)").run(START, START + 3_600_000);
    db.prepare(
      `INSERT INTO orders (id, number, business_date, channel, status, subtotal_minor, discount_minor, total_minor, paid_minor, due_minor, revision, created_at, updated_at, staff_id, staff_name)
       VALUES ('o-1', 1, '2026-11-26', 'pos', 'open', 0, 0, 0, 0, 0, 1, ?, ?, 's-3', 'Zhao')`,
    ).run(START, START);
    db.prepare("INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES ('order.placed', ?, 'd-1', 's-3', 'orders', '{}')").run(START);
    // Chen came by the staff page: the log names them
    add.run('s-4', 'Chen', 'waiter', hashPin('4444'));
    staffEvent(db, 'staff.added', { id: 's-4', name: 'Chen', role: 'waiter', active: true }, START + 1000);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    spoil(file, ...pagesOf(file, 'staff').map((p) => p.pageno));

    const r = salvageStore({ source: file, dest: join(dir, 'salvaged.db'), takenAt: START + 10_000, backups: [] });
    const lost = r.warnings.find((w) => /could not be made again/.test(w));
    expect(lost, r.warnings.join('\n')).toBeDefined();
    // Zhao by the name an order keeps, Li by id (a sign-in keeps none); Sun did nothing the copy holds
    expect(lost).toMatch(/Zhao/);
    expect(lost).toMatch(/s-1/);
    expect(lost).not.toMatch(/Sun|Chen/);
  });
});
