/**
 * The station and table names the print repo keeps in memory (the planner puts them on every order's
 * tickets) against reading the tables: the hub never writes them while it runs, another program may.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from './db.ts';
import { SqlitePrintRepo } from './print-repo.ts';

const dbs: Db[] = [];
const dirs: string[] = [];
afterEach(() => {
  dbs.splice(0).forEach((db) => db.close());
  dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

/** The store in a real file, and a second connection to it: an operator's `sqlite3` shell. */
function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-print-names-'));
  dirs.push(dir);
  const db = openDb(join(dir, 'brigade.db'));
  const other = openDb(join(dir, 'brigade.db'));
  dbs.push(db, other);
  db.prepare("INSERT INTO stations (id, name_zh, name_en, target_prep_seconds) VALUES ('hot', '热菜', 'Hot', 600)").run();
  db.prepare("INSERT INTO areas (id, name_zh, name_en, sort) VALUES ('hall', '大厅', 'Hall', 0)").run();
  db.prepare("INSERT INTO dining_tables (id, area_id, name, seats, qr_token) VALUES ('t-a1', 'hall', 'A1', 4, 'tbl_a1')").run();
  return { db, other, repo: new SqlitePrintRepo(db) };
}

const names = (repo: SqlitePrintRepo) => [...repo.stationNames()].map(([id, n]) => `${id}:${n.nameZh} ${n.nameEn}`);

describe('station and table names kept by the print repo', () => {
  it('reads them as SQLite has them after another connection changed them', () => {
    const { other, repo } = setUp();
    expect(names(repo)).toEqual(['hot:热菜 Hot']);
    expect(repo.tableName('t-a1')).toBe('A1');
    expect(repo.stationNames()).toBe(repo.stationNames()); // kept: one map for every order

    other.prepare("UPDATE stations SET name_en = 'Wok' WHERE id = 'hot'").run();
    other.prepare("INSERT INTO stations (id, name_zh, name_en, target_prep_seconds) VALUES ('bar', '吧台', 'Bar', 120)").run();
    other.prepare("UPDATE dining_tables SET name = 'A1 window' WHERE id = 't-a1'").run();
    expect(names(repo)).toEqual(['hot:热菜 Wok', 'bar:吧台 Bar']);
    expect(repo.tableName('t-a1')).toBe('A1 window');
  });

  it('does not keep a table it did not find', () => {
    const { db, repo } = setUp();
    expect(repo.tableName('t-b1')).toBeNull();
    db.prepare("INSERT INTO dining_tables (id, area_id, name, seats, qr_token) VALUES ('t-b1', 'hall', 'B1', 2, 'tbl_b1')").run();
    expect(repo.tableName('t-b1')).toBe('B1');
  });

  it('reads them again after a rollback (forgetKept)', () => {
    const { db, repo } = setUp();
    expect(repo.tableName('t-a1')).toBe('A1');
    db.prepare("UPDATE dining_tables SET name = 'A1 bis' WHERE id = 't-a1'").run(); // the hub's own connection: kept on
    expect(repo.tableName('t-a1')).toBe('A1');
    repo.forgetKept();
    expect(repo.tableName('t-a1')).toBe('A1 bis');
  });
});
