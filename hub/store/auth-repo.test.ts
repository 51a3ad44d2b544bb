import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthService, ENDED_SESSION_KEPT_MS, STAFF_SESSION_MS } from '../domain/auth-service.ts';
import { DomainError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import { SqliteAuthRepo } from './auth-repo.ts';
import { openDb, readIdentity, type Db } from './db.ts';
import { nodeSecrets } from './secrets.ts';

const dbs: Db[] = [];
const dirs: string[] = [];
afterEach(() => {
  dbs.splice(0).forEach((db) => db.close());
  dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

function store() {
  const db = openDb(':memory:');
  dbs.push(db);
  db.prepare("INSERT INTO areas (id, name_zh, name_en, sort) VALUES ('hall', '大厅', 'Hall', 0)").run();
  db.prepare("INSERT INTO dining_tables (id, area_id, name, seats, qr_token) VALUES ('t-a1', 'hall', 'A1', 4, 'tbl_known')").run();
  return { db, repo: new SqliteAuthRepo(db) };
}

describe('SqliteAuthRepo.tableIdByQrToken', () => {
  it('finds a table by its QR token, and keeps answering it from memory', () => {
    const { db, repo } = store();
    expect(repo.tableIdByQrToken('tbl_known')).toBe('t-a1');
    // the row is gone from under it: the answer comes from the kept hit (tokens never change)
    db.prepare('UPDATE dining_tables SET qr_token = ? WHERE id = ?').run('tbl_other', 't-a1');
    expect(repo.tableIdByQrToken('tbl_known')).toBe('t-a1');
  });

  it('does not keep a miss: a token unknown at first is found once it exists', () => {
    const { db, repo } = store();
    expect(repo.tableIdByQrToken('tbl_later')).toBeUndefined();
    db.prepare("INSERT INTO dining_tables (id, area_id, name, seats, qr_token) VALUES ('t-a2', 'hall', 'A2', 2, 'tbl_later')").run();
    expect(repo.tableIdByQrToken('tbl_later')).toBe('t-a2');
    expect(repo.tableIdByQrToken('tbl_forged')).toBeUndefined();
  });
});

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 5, 1, 14, 0, 0);

/** A store in a real SQLite file with the kitchen's PIN and a paired screen, and the hub's auth rules over it. */
function fileStore() {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-auth-'));
  dirs.push(dir);
  const db = openDb(join(dir, 'brigade.db'));
  dbs.push(db);
  const secrets = nodeSecrets(readIdentity(db).pinKey);
  db.prepare("INSERT INTO staff (id, name, role, pin_hash) VALUES ('s-kitchen', '张伟 Zhang Wei', 'kitchen', ?)").run(secrets.hashPin('3333'));
  db.prepare("INSERT INTO devices (id, name, kind, token_hash, paired_at) VALUES ('d-kds', 'KDS', 'kds', 'dev_hash', 0)").run();
  const repo = new SqliteAuthRepo(db);
  const auth = new AuthService(repo, secrets, { isValid: () => false, redeemed: () => undefined });
  const screen: Principal = { kind: 'device', deviceId: 'd-kds', deviceKind: 'kds' };
  const signInAt = (at: number) => auth.signIn('3333', screen, at).token;
  const sessions = () => db.prepare('SELECT COUNT(*) FROM staff_sessions').pluck().get() as number;
  return { db, repo, auth, signInAt, sessions };
}

describe('deleting ended staff sessions', () => {
  it('deletes the sessions that ended more than a day ago, keeps the others, and every live session still signs in', () => {
    const { auth, signInAt, sessions } = fileStore();
    const endedAgo = (ms: number) => signInAt(T0 - STAFF_SESSION_MS - ms);
    endedAgo(3 * 24 * HOUR);
    endedAgo(ENDED_SESSION_KEPT_MS + 1);
    const endedADayAgo = endedAgo(ENDED_SESSION_KEPT_MS - 60_000);
    const endedJustNow = endedAgo(1);
    const live = [signInAt(T0 - STAFF_SESSION_MS + 1), signInAt(T0 - HOUR), signInAt(T0)];
    expect(sessions()).toBe(7);

    expect(auth.pruneSessions(T0)).toBe(2);
    expect(sessions()).toBe(5);
    expect(auth.pruneSessions(T0)).toBe(0);
    for (const token of live) expect(auth.resolve(token, T0)).toMatchObject({ kind: 'staff', staffId: 's-kitchen' });
    // ended, kept or not: refused the same way
    for (const token of [endedADayAgo, endedJustNow]) expect(() => auth.resolve(token, T0)).toThrow(DomainError);
  });

  it('takes a backlog a batch at a time, oldest first, and leaves the session that has not ended', () => {
    const { db, repo, signInAt, sessions } = fileStore();
    const DAY = 24 * HOUR;
    for (let i = 0; i < 7; i++) signInAt(T0 - 10 * DAY + i * HOUR);
    const live = signInAt(T0 - 2 * HOUR); // ends at T0 + 10 h
    const signedInAt = () => db.prepare('SELECT created_at FROM staff_sessions ORDER BY created_at').pluck().all() as number[];

    expect(repo.deleteSessionsEndedBefore(T0, 3)).toBe(3);
    expect(signedInAt()[0]).toBe(T0 - 10 * DAY + 3 * HOUR); // the three oldest went
    expect(repo.deleteSessionsEndedBefore(T0, 3)).toBe(3);
    expect(repo.deleteSessionsEndedBefore(T0, 3)).toBe(1);
    expect(repo.deleteSessionsEndedBefore(T0, 3)).toBe(0);
    expect(sessions()).toBe(1);
    const hash = nodeSecrets(readIdentity(db).pinKey).hashToken(live);
    expect(repo.sessionByTokenHash(hash)).toMatchObject({ staffId: 's-kitchen', expiresAt: T0 + 10 * HOUR });
  });
});

describe('a PIN a departed person had', () => {
  it('signs in the active person given it since, and the store refuses a second active person with it', () => {
    const { db, auth, repo } = fileStore();
    const hash = nodeSecrets(readIdentity(db).pinKey).hashPin('3333');
    const kds: Principal = { kind: 'device', deviceId: 'd-kds', deviceKind: 'kds' };
    db.prepare("UPDATE staff SET active = 0 WHERE id = 's-kitchen'").run();
    repo.insertStaff({ id: 's-new', name: 'New cook', role: 'kitchen', active: true, pinHash: hash });
    expect(auth.signIn('3333', kds, T0).staff.id).toBe('s-new');
    expect(repo.activeStaffIdByPinHash(hash)).toBe('s-new');
    expect(repo.pinInUseByAnother('s-kitchen')).toBe(true);
    expect(repo.pinInUseByAnother('s-new')).toBe(false);
    // the store itself keeps a PIN to one active person, whatever a caller forgot to check
    expect(() => repo.setStaffActive('s-kitchen', true)).toThrow(/UNIQUE/);
    expect(() => repo.insertStaff({ id: 's-copy', name: 'Copy', role: 'manager', active: true, pinHash: hash })).toThrow(/UNIQUE/);
    repo.setStaffActive('s-new', false);
    expect(repo.pinInUseByAnother('s-kitchen')).toBe(false);
  });
});

describe('staff sessions kept in memory', () => {
  /** Another program's connection to the store (an operator's `sqlite3` shell), as the hub never changes these itself. */
  function otherConnection(db: Db): Db {
    const other = openDb(db.name);
    dbs.push(other);
    return other;
  }

  it('answers a session from memory, yet refuses it once another connection revoked its device or retired its staff', () => {
    const { db, auth, signInAt } = fileStore();
    const token = signInAt(T0);
    expect(auth.resolve(token, T0)).toMatchObject({ kind: 'staff', staffId: 's-kitchen', staffName: '张伟 Zhang Wei' });
    const other = otherConnection(db);
    other.prepare("UPDATE devices SET revoked_at = ? WHERE id = 'd-kds'").run(T0);
    expect(() => auth.resolve(token, T0)).toThrow(DomainError);

    other.prepare("UPDATE devices SET revoked_at = NULL WHERE id = 'd-kds'").run();
    expect(auth.resolve(token, T0)).toMatchObject({ kind: 'staff', staffId: 's-kitchen' });
    other.prepare("UPDATE staff SET active = 0 WHERE id = 's-kitchen'").run();
    expect(() => auth.resolve(token, T0)).toThrow(DomainError);
  });

  it('sees a rename and a session ended by another connection', () => {
    const { db, auth, signInAt } = fileStore();
    const token = signInAt(T0);
    expect(auth.resolve(token, T0)).toMatchObject({ staffName: '张伟 Zhang Wei' });
    const other = otherConnection(db);
    other.prepare("UPDATE staff SET name = 'Wei' WHERE id = 's-kitchen'").run();
    expect(auth.resolve(token, T0)).toMatchObject({ staffName: 'Wei' });
    other.prepare('UPDATE staff_sessions SET expires_at = 1').run();
    expect(() => auth.resolve(token, T0)).toThrow(DomainError);
  });

  it('refuses a session at once once it is signed out or deleted as ended, and one that expires while kept', () => {
    const { auth, repo, signInAt } = fileStore();
    const token = signInAt(T0);
    const principal = auth.resolve(token, T0);
    auth.signOut(principal);
    expect(() => auth.resolve(token, T0)).toThrow(DomainError);

    const ending = signInAt(T0 - STAFF_SESSION_MS + HOUR);
    expect(auth.resolve(ending, T0)).toMatchObject({ kind: 'staff' });
    expect(() => auth.resolve(ending, T0 + HOUR)).toThrow(DomainError); // expired while kept
    expect(repo.deleteSessionsEndedBefore(T0 + 2 * HOUR, 10)).toBe(1);
    expect(() => auth.resolve(ending, T0)).toThrow(DomainError); // its row is gone, not kept
  });

  it('does not keep a session read inside a write that rolls back', () => {
    const { db, repo } = fileStore();
    const hash = nodeSecrets(readIdentity(db).pinKey).hashToken('stf_never-committed');
    const signInThenFail = db.transaction(() => {
      repo.insertSession({ tokenHash: hash, staffId: 's-kitchen', deviceId: 'd-kds', createdAt: T0, expiresAt: T0 + HOUR });
      expect(repo.sessionByTokenHash(hash)).toMatchObject({ staffId: 's-kitchen' });
      throw new Error('rolled back');
    });
    expect(() => signInThenFail()).toThrow('rolled back');
    expect(repo.sessionByTokenHash(hash)).toBeUndefined();
  });
});

describe('table QR tokens kept in memory', () => {
  /** A store in a real file with one table, and another program's connection to it (an operator's `sqlite3` shell). */
  function withShell() {
    const dir = mkdtempSync(join(tmpdir(), 'brigade-auth-qr-'));
    dirs.push(dir);
    const db = openDb(join(dir, 'brigade.db'));
    const shell = openDb(join(dir, 'brigade.db'));
    dbs.push(db, shell);
    db.prepare("INSERT INTO areas (id, name_zh, name_en, sort) VALUES ('hall', '大厅', 'Hall', 0)").run();
    db.prepare("INSERT INTO dining_tables (id, area_id, name, seats, qr_token) VALUES ('t-a1', 'hall', 'A1', 4, 'tbl_leaked')").run();
    return { shell, repo: new SqliteAuthRepo(db) };
  }

  it('refuses a table code replaced by another connection at once (README: a leaked store, new table codes printed)', () => {
    const { shell, repo } = withShell();
    expect(repo.tableIdByQrToken('tbl_leaked')).toBe('t-a1');
    shell.prepare("UPDATE dining_tables SET qr_token = 'tbl_new' WHERE id = 't-a1'").run();
    expect(repo.tableIdByQrToken('tbl_leaked')).toBeUndefined();
    expect(repo.tableIdByQrToken('tbl_new')).toBe('t-a1');
  });

  it('keeps staff sessions honest when a table lookup was the first to see another connection commit', () => {
    const { db, auth, repo, signInAt } = fileStore();
    db.prepare("INSERT INTO areas (id, name_zh, name_en, sort) VALUES ('hall', '大厅', 'Hall', 0)").run();
    db.prepare("INSERT INTO dining_tables (id, area_id, name, seats, qr_token) VALUES ('t-a1', 'hall', 'A1', 4, 'tbl_a1')").run();
    const token = signInAt(T0);
    expect(auth.resolve(token, T0)).toMatchObject({ kind: 'staff' });
    const shell = openDb(db.name);
    dbs.push(shell);
    shell.prepare("UPDATE devices SET revoked_at = ? WHERE id = 'd-kds'").run(T0);
    expect(repo.tableIdByQrToken('tbl_a1')).toBe('t-a1'); // a phone's request comes first
    expect(() => auth.resolve(token, T0)).toThrow(DomainError);
  });
});
