import { afterEach, describe, expect, it } from 'vitest';
import { SqliteAuthRepo } from './auth-repo.ts';
import { openDb, type Db } from './db.ts';

const dbs: Db[] = [];
afterEach(() => dbs.splice(0).forEach((db) => db.close()));

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
