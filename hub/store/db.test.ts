/**
 * The store's connection settings, checked on a real file: durability (WAL, synchronous=FULL) and where
 * SQLite keeps the statement journal of a group commit's savepoints.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from './db.ts';

const dir = mkdtempSync(join(tmpdir(), 'brigade-db-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * SQLite's temp files this process holds open (named `etilqs_…` in its temp directory; SQLite unlinks them
 * at once, so only /proc sees them).
 */
function openTempFiles(): string[] {
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.includes('/etilqs_'));
}

/**
 * What a batch of the writer does: one transaction, a savepoint per job, each job changing pages that
 * existed before (~30 pages of 4 KiB here, well past SQLite's 64 KiB in-memory statement journal).
 * Returns the temp files open while the transaction was still running.
 */
function batchOfSavepointJobs(db: Database.Database): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < 60; i++) insert.run('x'.repeat(2000));
  })();
  const update = db.prepare('UPDATE t SET body = ? WHERE id % 2 = ?');
  let seen: string[] = [];
  const job = db.transaction((n: number) => update.run('y'.repeat(2000 + n), n % 2));
  db.transaction(() => {
    for (let n = 0; n < 4; n++) job(n); // nested: a SAVEPOINT per job
    seen = openTempFiles();
  }).immediate();
  return seen;
}

describe('openDb', () => {
  it('opens the store durable: WAL, synchronous=FULL, foreign keys on', () => {
    const db = openDb(join(dir, 'durable.db'));
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('keeps the savepoints’ statement journal in memory: a large batch opens no temp file', () => {
    const db = openDb(join(dir, 'store.db'));
    try {
      expect(batchOfSavepointJobs(db)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('control: with SQLite’s default temp store, the same batch spills the journal into a temp file', () => {
    const db = new Database(join(dir, 'default.db'));
    try {
      db.pragma('journal_mode = WAL');
      expect(batchOfSavepointJobs(db).length).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});
