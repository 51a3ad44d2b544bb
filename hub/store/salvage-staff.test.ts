/**
 * Salvage of a store whose staff page is spoilt, on real SQLite files. Staff rows are neither in the log (no
 * event holds a PIN hash) nor rebuilt with the orders: without this, every person was lost and nobody could
 * sign in. The newest backup of the store holds those it knew, with their PIN hashes; the log says who came
 * or changed since. Nobody signs in with a PIN the store no longer holds, nor a departed person at all.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupFileName, markAsBackup } from './backups.ts';
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
