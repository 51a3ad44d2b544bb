import Database from 'better-sqlite3';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from './db.ts';
import { isStoreDamage, quickCheck, StoreIntegrity, type CheckResult } from './integrity.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A closed store with a few hundred events, as a hub leaves it at a stop. */
function aStore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-integrity-'));
  dirs.push(dir);
  const file = join(dir, 'brigade.db');
  const db = openDb(file);
  const add = db.prepare("INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES ('menu.changed', 1, NULL, NULL, 'menu', ?)");
  db.transaction(() => {
    for (let i = 0; i < 600; i++) add.run(JSON.stringify({ filler: 'x'.repeat(200), i }));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return file;
}

/** Overwrites one whole page of `file` (1-based, as SQLite numbers them) with garbage. */
function spoilPage(file: string, page: number): void {
  const db = new Database(file, { readonly: true });
  const size = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(size, 0xa5), 0, size, (page - 1) * size);
  closeSync(fd);
}

/** A page that holds rows of the events table, not its root: what a torn write in the day's work would hit. */
function anEventsLeaf(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 3").pluck().get() as number;
  } finally {
    db.close();
  }
}

const logged = () => {
  const lines: { level: string; msg: string }[] = [];
  return {
    lines,
    log: {
      error: (_o: object, msg: string) => void lines.push({ level: 'error', msg }),
      warn: (_o: object, msg: string) => void lines.push({ level: 'warn', msg }),
      info: (_o: object, msg: string) => void lines.push({ level: 'info', msg }),
    },
  };
};

describe('quickCheck', () => {
  it('reads a whole store through and finds it whole', async () => {
    const r = await quickCheck(aStore());
    expect(r).toMatchObject({ ok: true });
  });

  it("finds a page of rows spoilt, with SQLite's words for where", async () => {
    const file = aStore();
    spoilPage(file, anEventsLeaf(file));
    const r = (await quickCheck(file)) as Extract<CheckResult, { problems: string[] }>;
    expect(r.ok).toBe(false);
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems.join(' ')).toMatch(/page/i);
  });

  it('says a file whose header is gone is not a database, as an error with its code', async () => {
    const file = aStore();
    spoilPage(file, 1);
    const r = await quickCheck(file);
    expect(r).toMatchObject({ error: { code: 'SQLITE_NOTADB' } });
  });
});

describe('quickCheck, stopped', () => {
  it('is killed at once when the hub stops, and says so', async () => {
    const file = aStore();
    const stop = new AbortController();
    const checking = quickCheck(file, stop.signal);
    stop.abort();
    await expect(checking).rejects.toThrow(/stopped/);
  });
});

describe('StoreIntegrity', () => {
  it('is checking while the read runs, then ok, and logs that once', async () => {
    const { lines, log } = logged();
    let finish!: (r: CheckResult) => void;
    const i = new StoreIntegrity({ file: 'x', clock: () => 5, log, check: () => new Promise((r) => (finish = r)) });
    expect(i.status().state).toBe('unchecked');
    const done = i.start();
    expect(i.status().state).toBe('checking');
    finish({ ok: true, ms: 12.4 });
    await done;
    expect(i.status()).toEqual({ state: 'ok', checkedAt: 5, checkMs: 12, damagedSince: null, foundBy: null, detail: null, checkError: null });
    expect(lines.map((l) => l.level)).toEqual(['info']);
  });

  it('on a real spoilt store: damaged, found by the check, with the cure in the log', async () => {
    const file = aStore();
    spoilPage(file, anEventsLeaf(file));
    const { lines, log } = logged();
    const i = new StoreIntegrity({ file, clock: () => 7, log });
    await i.start();
    expect(i.status()).toMatchObject({ state: 'damaged', foundBy: 'check', damagedSince: 7, checkedAt: 7 });
    expect(i.status().detail).toMatch(/page/i);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toContain('npm run restore');
  });

  it('a header gone (SQLITE_NOTADB) is damage too; a file it cannot open is only a check that could not run', async () => {
    const file = aStore();
    spoilPage(file, 1);
    const damaged = new StoreIntegrity({ file, clock: () => 1, log: logged().log });
    await damaged.start();
    expect(damaged.status()).toMatchObject({ state: 'damaged', foundBy: 'check' });

    const missing = new StoreIntegrity({ file: join(dirs[0]!, 'nothing-here.db'), clock: () => 1, log: logged().log });
    await missing.start();
    expect(missing.status()).toMatchObject({ state: 'unchecked', damagedSince: null });
    expect(missing.status().checkError).toBeTruthy();
  });

  it("takes SQLite's word from a request, a backup or a checkpoint, says it once, and ignores other errors", () => {
    const { lines, log } = logged();
    let now = 100;
    const i = new StoreIntegrity({ file: 'x', clock: () => now, log });
    expect(i.noteError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }), 'request')).toBe(false);
    expect(i.noteError(new Error('no code at all'), 'request')).toBe(false);
    expect(i.status().state).toBe('unchecked');

    expect(i.noteError(Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' }), 'backup')).toBe(true);
    now = 200;
    expect(i.noteError(Object.assign(new Error('malformed again'), { code: 'SQLITE_CORRUPT_INDEX' }), 'request')).toBe(true);
    expect(i.status()).toMatchObject({ state: 'damaged', foundBy: 'backup', damagedSince: 100, detail: 'database disk image is malformed' });
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('a check finding the store whole does not clear damage a request met meanwhile', async () => {
    let finish!: (r: CheckResult) => void;
    const i = new StoreIntegrity({ file: 'x', clock: () => 1, log: logged().log, check: () => new Promise((r) => (finish = r)) });
    const done = i.start();
    i.noteError(Object.assign(new Error('malformed'), { code: 'SQLITE_CORRUPT' }), 'request');
    finish({ ok: true, ms: 1 });
    await done;
    expect(i.status()).toMatchObject({ state: 'damaged', foundBy: 'request' });
  });
});

describe('isStoreDamage', () => {
  it("is SQLite's corrupt and not-a-database codes, and nothing else", () => {
    const e = (code: unknown) => Object.assign(new Error('x'), { code });
    expect([e('SQLITE_CORRUPT'), e('SQLITE_CORRUPT_VTAB'), e('SQLITE_NOTADB')].map(isStoreDamage)).toEqual([true, true, true]);
    expect([e('SQLITE_FULL'), e('SQLITE_IOERR'), e('ENOENT'), e(11), null, undefined, 'SQLITE_CORRUPT'].map(isStoreDamage)).toEqual([false, false, false, false, false, false, false]);
    // a backup's own copy failing (backup-worker.js) is the copy's damage, not the store's
    expect(isStoreDamage(e('COPY_SQLITE_CORRUPT'))).toBe(false);
  });
});
