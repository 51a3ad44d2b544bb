/**
 * WAL checkpoints on their own thread, on a real store file: the WAL stays small while the writer keeps
 * committing (without the checkpointer, and with SQLite's own checkpoints turned off, it only grows), and
 * when the thread dies the writer's connection goes back to checkpointing on its own.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer } from './checkpointer.ts';
import { openDb, WAL_SIZE_LIMIT, type Db } from './db.ts';
import { canMountTmpfs, mountTmpfs } from '../test/tmpfs.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function store(): { db: Db; file: string; wal: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-ckpt-'));
  const file = join(dir, 'store.db');
  const db = openDb(file);
  db.exec('CREATE TABLE scratch (body BLOB NOT NULL)');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => void db.close());
  return { db, file, wal: () => statSync(join(dir, 'store.db-wal')).size };
}

const BODY = Buffer.alloc(16 * 1024, 7);
const COMMITS = 600; // ~10 MB through the WAL

/** Commits like the writer does, one transaction per turn of the event loop, and reports each commit. */
async function commitMany(db: Db, afterCommit: () => void, commits = COMMITS): Promise<void> {
  const insert = db.prepare('INSERT INTO scratch (body) VALUES (?)');
  const batch = db.transaction(() => insert.run(BODY)).immediate;
  for (let i = 0; i < commits; i++) {
    batch();
    afterCommit();
    await nextTurn();
  }
}

/**
 * Commits one at a time until the thread has reported its first checkpoint: bounded in time, not in commits,
 * as on a loaded machine the thread can take a second or more to start.
 */
async function untilTheThreadCheckpointed(db: Db, checkpointer: Checkpointer, seen: { thread: number }): Promise<void> {
  for (const end = Date.now() + 15_000; seen.thread === 0 && Date.now() < end; ) await commitMany(db, () => checkpointer.committed(), 1);
}

describe('Checkpointer', () => {
  it('keeps the WAL small while the writer commits, checkpointing on its thread and finishing on the writer', async () => {
    const { db, wal } = store();
    const seen = { thread: 0, writer: 0 };
    // finishing after every checkpoint of the thread: the tightest WAL
    const checkpointer = new Checkpointer(db, { intervalMs: 0, finishAtFrames: 0, onCheckpoint: (where) => seen[where]++ });
    cleanups.push(() => checkpointer.stop());
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);

    // the WAL file keeps its largest size; what it reached while the thread was starting does not count
    await untilTheThreadCheckpointed(db, checkpointer, seen);
    expect(seen.thread).toBe(1);
    const before = wal();
    const committedBefore = db.prepare('SELECT count(*) FROM scratch').pluck().get() as number;

    await commitMany(db, () => checkpointer.committed());

    expect(seen.thread).toBeGreaterThan(5);
    expect(seen.writer).toBe(seen.thread);
    expect(wal() - before).toBeLessThan(2 * 1024 * 1024);
    expect(db.prepare('SELECT count(*) FROM scratch').pluck().get()).toBe(committedBefore + COMMITS);
  });

  it('leaves a small WAL to the thread, and finishes on the writer only once the WAL passes finishAtFrames', async () => {
    const { db, wal } = store();
    const seen = { thread: 0, writer: 0 };
    const finishAtFrames = 500; // ~2 MB of 4 kB pages
    const checkpointer = new Checkpointer(db, { intervalMs: 0, finishAtFrames, onCheckpoint: (where) => seen[where]++ });
    cleanups.push(() => checkpointer.stop());
    await untilTheThreadCheckpointed(db, checkpointer, seen);
    const before = wal();
    const committedBefore = db.prepare('SELECT count(*) FROM scratch').pluck().get() as number;

    await commitMany(db, () => checkpointer.committed());

    expect(seen.thread).toBeGreaterThan(5);
    // every finish is a copy and an fsync on the event loop: far fewer of them than checkpoints
    expect(seen.writer).toBeLessThan(seen.thread / 2);
    // the WAL is bounded all the same: finishAtFrames, plus what a checkpoint of the thread lets through
    expect(wal() - before).toBeLessThan(finishAtFrames * 4096 + 2 * 1024 * 1024);
    expect(db.prepare('SELECT count(*) FROM scratch').pluck().get()).toBe(committedBefore + COMMITS);
  });

  it('gives back the disk a long read let the WAL take (a backup at the peak), once the reader is done', async () => {
    const { db, file, wal } = store();
    const seen = { thread: 0, writer: 0 };
    const checkpointer = new Checkpointer(db, { intervalMs: 0, onCheckpoint: (where) => seen[where]++ });
    cleanups.push(() => checkpointer.stop());
    await untilTheThreadCheckpointed(db, checkpointer, seen);
    // a backup's VACUUM INTO, or the start-up integrity check: one read transaction holding its snapshot, during
    // which no checkpoint can start the WAL over, and every commit makes it longer
    const reader = new Database(file, { readonly: true });
    cleanups.push(() => void reader.close());
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM scratch').get();
    const grownTo = WAL_SIZE_LIMIT + 8 * 1024 * 1024;
    while (wal() < grownTo) await commitMany(db, () => checkpointer.committed(), 50);
    reader.exec('COMMIT');

    // the peak goes on: checkpoints catch up and the WAL starts over from its beginning
    await commitMany(db, () => checkpointer.committed());
    // without a limit the file kept the size it grew to until the hub stopped, however little it held
    expect(wal()).toBeLessThanOrEqual(WAL_SIZE_LIMIT);
  });

  it('(control) without it, and with SQLite not checkpointing either, the same commits grow the WAL', async () => {
    const { db, wal } = store();
    db.pragma('wal_autocheckpoint = 0');
    await commitMany(db, () => {}, 1);
    const before = wal();
    await commitMany(db, () => {});
    expect(wal() - before).toBeGreaterThan(8 * 1024 * 1024);
  });

  it('hands checkpoints back to SQLite if its thread dies', async () => {
    const { db } = store();
    let failure: unknown;
    const checkpointer = new Checkpointer(db, { intervalMs: 0, onFailure: (e) => (failure = e) });
    cleanups.push(() => checkpointer.stop());
    await (checkpointer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await nextTurn();
    expect(failure).toBeInstanceOf(Error);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    checkpointer.committed(); // asks nothing of a dead thread
  });

  it('lets the store close with a final checkpoint after it stops', async () => {
    const { db, wal } = store();
    const checkpointer = new Checkpointer(db, { intervalMs: 0 });
    await commitMany(db, () => checkpointer.committed());
    await checkpointer.stop();
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(wal()).toBe(0);
  });

  // a tmpfs of its own (root only, as CI runs): the database file cannot grow once it is full
  it.skipIf(!canMountTmpfs().ok)('survives a checkpoint the full disk refuses, and says so, instead of ending the process', async () => {
    const disk = mountTmpfs(8, 'brigade-ckpt-full-');
    cleanups.push(() => disk.remove());
    const dir = disk.dir;
    const db = openDb(join(dir, 'store.db'));
    cleanups.push(() => void db.close());
    db.exec('CREATE TABLE scratch (body BLOB NOT NULL)');
    const errors: { code: string }[] = [];
    // the thread is never asked (a long interval): the writer's finishing copy is the one that meets the full disk
    const checkpointer = new Checkpointer(db, { intervalMs: 1e12, finishAtFrames: 0, onCheckpointError: (e) => errors.push(e) });
    cleanups.push(() => checkpointer.stop());
    await commitMany(db, () => undefined, 40); // ~640 kB of new pages, all in the WAL so far
    disk.fill('ballast', 0);
    const finish = (checkpointer as unknown as { finish(r: object): void }).finish.bind(checkpointer);
    expect(() => finish({ busy: 0, log: 200, checkpointed: 0, ms: 1 })).not.toThrow();
    expect(errors.map((e) => e.code)).toEqual(['SQLITE_FULL']);
    // nothing was lost: every row is still there, read through the WAL
    expect(db.prepare('SELECT COUNT(*) FROM scratch').pluck().get()).toBe(40);
  });
});
