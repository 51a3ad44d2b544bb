import { getEventListeners } from 'node:events';
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adoptRestoredBackup, backupFileName, BackupSchedule, backupsToKeep, takenAtOf, copyMedia, inspectStore, listBackups, markAsBackup, runBackup, type BackupScheduleOptions } from './backups.ts';
import { openDb, readIdentity, type Db } from './db.ts';
import { businessDate } from '../domain/business-date.ts';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(): { db: Db; dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-backups-'));
  dirs.push(dir);
  const file = join(dir, 'brigade.db');
  const db = openDb(file);
  dbs.push(db);
  return { db, dir, file };
}

/** An event, as any change of the store appends one. */
const change = (db: Db) =>
  db.prepare("INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES ('menu.changed', 1, NULL, NULL, 'menu', '{}')").run();
const head = (db: Db) => db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck().get() as number;
const silent = { info() {}, warn() {}, error() {} };

describe('runBackup', () => {
  it('writes a whole, marked copy readable by the owner only, while the store is being written', async () => {
    const { db, dir, file } = store();
    for (let i = 0; i < 200; i++) change(db);
    const dest = join(dir, 'copy.db');
    const copying = runBackup(file, dest, 1_700_000_000_000);
    // the writer goes on: the copy has a consistent snapshot, before or after, never half of this batch
    db.transaction(() => {
      for (let i = 0; i < 100; i++) change(db);
    })();
    const result = await copying;
    expect([200, 300]).toContain(result.headSeq);
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    const summary = inspectStore(dest);
    expect(summary).toMatchObject({ takenAt: 1_700_000_000_000, headSeq: result.headSeq, epoch: readIdentity(db).epoch });
    expect(readdirSync(dir).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('stops when told (a hub shutting down does not wait for a copy), leaving nothing under the name', async () => {
    const { db, dir, file } = store();
    for (let i = 0; i < 200; i++) change(db);
    const stopped = new AbortController();
    stopped.abort();
    await expect(runBackup(file, join(dir, 'copy.db'), 1, stopped.signal)).rejects.toThrow(/stopped/);
    const running = new AbortController();
    const copy = runBackup(file, join(dir, 'copy2.db'), 1, running.signal);
    running.abort();
    await expect(copy).rejects.toThrow(/stopped/);
    expect(readdirSync(dir).filter((n) => n === 'copy.db' || n === 'copy2.db')).toEqual([]);
  });

  it("leaves no listener on the hub's long-lived stop signal once a copy is done (one an hour piled up)", async () => {
    const { db, dir, file } = store();
    change(db);
    const hubStopping = new AbortController();
    for (let i = 0; i < 3; i++) await runBackup(file, join(dir, `copy-${i}.db`), 1, hubStopping.signal);
    await new Promise((r) => setTimeout(r, 50)); // the threads' exits
    expect(getEventListeners(hubStopping.signal, 'abort')).toHaveLength(0);
  });

  it('fails, leaving nothing under the name, for a source that is not a store', async () => {
    const { dir } = store();
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database at all, but long enough to be read as one'.repeat(100));
    const dest = join(dir, 'copy.db');
    await expect(runBackup(junk, dest, 1)).rejects.toThrow();
    expect(readdirSync(dir).filter((n) => n.startsWith('copy'))).toEqual([]);
  });
});

describe('inspectStore', () => {
  it('refuses what is not a Brigade store, and a damaged file', () => {
    const { dir } = store();
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, Buffer.alloc(8192, 7));
    expect(() => inspectStore(junk)).toThrow(/not an SQLite database/);
    const plain = join(dir, 'plain.db');
    const p = new Database(plain);
    p.exec('CREATE TABLE t (x)');
    p.close();
    expect(() => inspectStore(plain)).toThrow(/not a Brigade store/);
  });
});

describe('a restored backup', () => {
  it('gets a new epoch once, when a hub first opens it, and remembers when it was restored', async () => {
    const { db, dir, file } = store();
    change(db);
    const dest = join(dir, 'copy.db');
    await runBackup(file, dest, 1_700_000_000_000);
    const restored = openDb(dest);
    dbs.push(restored);
    const before = readIdentity(restored).epoch;
    expect(before).toBe(readIdentity(db).epoch);

    const first = adoptRestoredBackup(restored, 1_800_000_000_000);
    expect(first).toEqual({ adoptedNow: true, restored: { takenAt: 1_700_000_000_000, restoredAt: 1_800_000_000_000 } });
    const epoch = readIdentity(restored).epoch;
    expect(epoch).not.toBe(before);
    expect(restored.prepare("SELECT value FROM meta WHERE key = 'restore_print_pending'").pluck().get()).toBe('1700000000000');

    const again = adoptRestoredBackup(restored, 1_900_000_000_000);
    expect(again).toEqual({ adoptedNow: false, restored: { takenAt: 1_700_000_000_000, restoredAt: 1_800_000_000_000 } });
    expect(readIdentity(restored).epoch).toBe(epoch);
    // the live store was never a backup
    expect(adoptRestoredBackup(db, 1)).toEqual({ adoptedNow: false, restored: null });
  });

  it('a copy made by hand is marked by the restore, and then renewed like a backup', () => {
    const { db, dir, file } = store();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const copy = join(dir, 'by-hand.db');
    writeFileSync(copy, readFileSync(file));
    expect(inspectStore(copy).takenAt).toBeNull();
    markAsBackup(copy, 42);
    expect(inspectStore(copy).takenAt).toBe(42);
  });
});

describe('copyMedia', () => {
  it('copies the dish photos the store names, each once, and nothing else', async () => {
    const { dir } = store();
    const from = join(dir, 'media');
    const to = join(dir, 'backups', 'media');
    mkdirSync(from, { recursive: true });
    const photo = (n: number) => `${String(n).repeat(64).slice(0, 64)}-320.webp`;
    writeFileSync(join(from, photo(1)), 'one');
    writeFileSync(join(from, 'upload.tmp'), 'half');
    expect(await copyMedia(from, to)).toBe(1);
    writeFileSync(join(from, photo(2)), 'two');
    expect(await copyMedia(from, to)).toBe(1);
    expect(readdirSync(to).sort()).toEqual([photo(1), photo(2)]);
    expect(readFileSync(join(to, photo(2)), 'utf8')).toBe('two');
    expect(await copyMedia(join(dir, 'none'), to)).toBe(0);
  });

  it("copes with another copier at the same time (the hub's schedule and npm run backup): both succeed, every photo whole", async () => {
    const { dir } = store();
    const from = join(dir, 'media');
    const to = join(dir, 'backups', 'media');
    mkdirSync(from, { recursive: true });
    const photos = Array.from({ length: 20 }, (_, n) => `${n.toString(16).padStart(64, 'a')}-320.webp`);
    for (const p of photos) writeFileSync(join(from, p), `bytes of ${p}`);
    await Promise.all([copyMedia(from, to), copyMedia(from, to), copyMedia(from, to)]);
    expect(readdirSync(to).sort()).toEqual([...photos].sort());
    for (const p of photos) expect(readFileSync(join(to, p), 'utf8')).toBe(`bytes of ${p}`);
  });
});

describe('BackupSchedule', () => {
  function schedule(db: Db, file: string, over: Partial<BackupScheduleOptions> = {}) {
    let now = Date.UTC(2026, 10, 26, 12, 0, 0);
    const backupDir = join(file, '..', 'backups');
    const s = new BackupSchedule({
      source: file,
      dir: backupDir,
      everyMs: 3_600_000,
      keep: 3,
      keepDays: 0,
      dayOf: (at) => new Date(at).toISOString().slice(0, 10),
      clock: () => (now += 1000),
      headSeq: () => head(db),
      epoch: readIdentity(db).epoch,
      restored: null,
      minFreeBytes: 0,
      log: silent,
      ...over,
    });
    return { s, backupDir };
  }

  it('copies only a store that changed since the newest backup, and keeps the newest `keep`', async () => {
    const { db, file } = store();
    const { s, backupDir } = schedule(db, file);
    s.start();
    expect(s.status().state).toBe('pending');
    change(db);
    expect(await s.runOnce()).not.toBeNull();
    expect(await s.runOnce()).toBeNull(); // nothing new
    for (let i = 0; i < 4; i++) {
      change(db);
      expect(await s.runOnce()).not.toBeNull();
    }
    const kept = listBackups(backupDir);
    expect(kept).toHaveLength(3);
    expect(s.status()).toMatchObject({ state: 'ok', lastFile: kept[0]!.file, lastError: null, sameDiskAsStore: true });
    expect(inspectStore(kept[0]!.file).headSeq).toBe(head(db));
    await s.stop();

    // a new start reads the newest backup on disk: an unchanged store is not copied again
    const { s: next } = schedule(db, file);
    next.start();
    expect(next.status()).toMatchObject({ state: 'ok', lastFile: kept[0]!.file });
    expect(await next.runOnce()).toBeNull();
    await next.stop();
  });

  it('keeps the newest of each of the last `keepDays` days besides the newest `keep`, and removes the rest', async () => {
    const { db, file } = store();
    const hour = 3_600_000;
    let now = Date.UTC(2026, 10, 20, 10, 0, 0);
    // a backup every 4 hours for a week (4:00 is the business day's start in Shanghai)
    const { s, backupDir } = schedule(db, file, {
      keep: 3,
      keepDays: 4,
      dayOf: (at) => businessDate(at, 'Asia/Shanghai'),
      clock: () => (now += 4 * hour),
    });
    s.start();
    for (let i = 0; i < 42; i++) {
      change(db);
      await s.runOnce();
    }
    const kept = listBackups(backupDir).map((b) => takenAtOf(b.file));
    const days = kept.map((at) => businessDate(at, 'Asia/Shanghai'));
    // the three newest, and one for each of the four newest days: the newest of its day
    expect(kept.slice(0, 3)).toEqual([now, now - 4 * hour, now - 8 * hour]);
    expect(new Set(days).size).toBe(4);
    for (const day of new Set(days)) {
      const ofDay = Array.from({ length: 42 }, (_, i) => now - i * 4 * hour).filter((at) => businessDate(at, 'Asia/Shanghai') === day);
      expect(kept).toContain(Math.max(...ofDay));
    }
    expect(kept.length).toBeLessThanOrEqual(3 + 4);
    await s.stop();
  });

  it('names a backup taken while the clock is behind the newest one just after it: it sorts, and is kept, as the newest', async () => {
    const { db, file } = store();
    let now = Date.UTC(2026, 10, 26, 12, 0, 0);
    const { s, backupDir } = schedule(db, file, { clock: () => now, keep: 2 });
    s.start();
    change(db);
    const first = (await s.runOnce())!;
    // a power cut, and the clock battery is flat: the PC boots in 2000
    now = Date.UTC(2000, 0, 1);
    change(db);
    const second = (await s.runOnce())!;
    expect(second.takenAt).toBe(first.takenAt + 1);
    change(db);
    const third = (await s.runOnce())!;
    expect(third.takenAt).toBe(first.takenAt + 2);
    // the newest two kept, the first (the oldest) removed: not the other way round
    expect(listBackups(backupDir).map((b) => b.file)).toEqual([third.file, second.file]);
    expect(inspectStore(third.file).headSeq).toBe(head(db));
    expect(s.status()).toMatchObject({ state: 'ok', lastFile: third.file, lastError: null });
    await s.stop();
  });

  it('started with its clock behind the newest backup, takes the next one within an interval, not when the clock has passed it', async () => {
    const { db, file } = store();
    let now = Date.UTC(2026, 10, 26, 12, 0, 0);
    const { s, backupDir } = schedule(db, file, { clock: () => now });
    change(db);
    const first = (await s.runOnce())!;
    await s.stop();
    // the hub restarts with its clock ten days behind that backup (set by hand a month wrong, then back)
    now -= 10 * 86_400_000;
    change(db);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now });
    try {
      const { s: next } = schedule(db, file, { clock: () => Date.now() });
      next.start();
      // an interval, and the quiet moment a due backup waits for
      await vi.advanceTimersByTimeAsync(3_600_000 + 2 * 60_000);
      // the copy runs on a thread of its own: its answer comes in real time
      vi.useRealTimers();
      await vi.waitFor(() => expect(listBackups(backupDir).map((b) => takenAtOf(b.file))).toEqual([first.takenAt + 1, first.takenAt]), { timeout: 10_000 });
      expect(next.status()).toMatchObject({ state: 'ok', lastError: null });
      await next.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('after a restore, takes the first backup of the new epoch within a minute or two of the start, not an hour after the old epoch\'s newest', async () => {
    const { db, dir, file } = store();
    const now = Date.UTC(2026, 10, 26, 12, 0, 0);
    const { s, backupDir } = schedule(db, file, { clock: () => now });
    change(db);
    const taken = (await s.runOnce())!;
    await s.stop();
    // restored from it five minutes later (npm run restore, then the hub's start renews the epoch)
    const restoredFile = join(dir, 'restored', 'brigade.db');
    mkdirSync(join(dir, 'restored'));
    writeFileSync(restoredFile, readFileSync(taken.file));
    const restored = openDb(restoredFile);
    dbs.push(restored);
    const { restored: from } = adoptRestoredBackup(restored, now + 300_000);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: now + 300_000 });
    try {
      const { s: next } = schedule(restored, restoredFile, { clock: () => Date.now(), epoch: readIdentity(restored).epoch, restored: from, dir: backupDir });
      next.start();
      // the first-backup delay, and the quiet moment a due backup waits for
      await vi.advanceTimersByTimeAsync(60_000 + 2 * 30_000);
      vi.useRealTimers();
      await vi.waitFor(() => expect(listBackups(backupDir)).toHaveLength(2), { timeout: 10_000 });
      expect(inspectStore(listBackups(backupDir)[0]!.file).epoch).toBe(readIdentity(restored).epoch);
      await next.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads when a backup was taken from its name, and keeps by it', () => {
    expect(takenAtOf(`/x/${backupFileName(Date.UTC(2026, 10, 26, 23, 0, 0, 123))}`)).toBe(Date.UTC(2026, 10, 26, 23, 0, 0, 123));
    expect(takenAtOf('/x/brigade-20261126T230000Z.db')).toBe(Date.UTC(2026, 10, 26, 23, 0, 0));
    const names = [30, 20, 10, 2, 1].map((h) => backupFileName(Date.UTC(2026, 10, 1, 0) + h * 3_600_000));
    const byDay = (at: number) => new Date(at).toISOString().slice(0, 10);
    // hours 30 and 20 are Nov 2 and Nov 1, the rest Nov 1
    expect([...backupsToKeep(names, { keep: 1, keepDays: 2, dayOf: byDay })]).toEqual([names[0], names[1]]);
    expect(backupsToKeep(names, { keep: 2, keepDays: 0, dayOf: byDay }).size).toBe(2);
  });

  it('makes room by removing the oldest backups, never the newest, and never leaves less than the low mark free', async () => {
    const { db, file } = store();
    // a disk of 10 units with 1 unit for each backup, 1 for the store, and 6 that must stay free
    const unit = 1 << 20;
    let backupDir = '';
    const free = async () => (10 - 1 - listBackups(backupDir).length) * unit;
    const sched = schedule(db, file, { keep: 24, freeBytes: free, storeBytes: () => unit, minFreeBytes: 6 * unit });
    backupDir = sched.backupDir;
    const { s } = sched;
    s.start();
    const taken: string[] = [];
    for (let i = 0; i < 4; i++) {
      change(db);
      taken.push((await s.runOnce())!.file);
    }
    // a new one fits while 7 units are free (6 stay free after it): two on the disk, and the new one
    expect(listBackups(backupDir).map((b) => b.file)).toEqual([taken[3], taken[2], taken[1]]);
    await s.stop();
  });

  it('waits for a quiet moment to copy a busy store, and copies it anyway once it is three intervals late', () => {
    const { db, file } = store();
    let now = 0;
    let seq = 0;
    const { s } = schedule(db, file, { clock: () => now, headSeq: () => seq, everyMs: 3_600_000 });
    const minute = 60_000;
    // due at the peak: two orders a second, ~600 changes a minute
    expect(s.dueNow()).toBe(false); // the first look only starts watching
    expect(s.status().waitingSince).toBe(0);
    for (let i = 0; i < 10; i++) {
      now += minute / 2;
      seq += 300;
      expect(s.dueNow()).toBe(false);
    }
    // the rush ends: a few changes a minute
    now += minute / 2;
    seq += 10;
    expect(s.dueNow()).toBe(true);
    expect(s.status().waitingSince).toBeNull();

    // a store that never rests: copied when three intervals late, not never
    let looks = 0;
    for (;;) {
      now += minute / 2;
      seq += 300;
      looks++;
      if (s.dueNow()) break;
    }
    expect((looks - 1) * (minute / 2)).toBe(3 * 3_600_000); // from the first look, when it fell due
  });

  it('says a backup failed for want of room, keeping the newest backup, and never fills the disk to make one', async () => {
    const { db, file } = store();
    let full = false;
    const { s, backupDir } = schedule(db, file, { freeBytes: async () => (full ? 1000 : 1 << 30), minFreeBytes: 1 << 20 });
    s.start();
    change(db);
    const kept = (await s.runOnce())!.file;
    full = true;
    change(db);
    await expect(s.runOnce()).rejects.toThrow(/not enough free space/);
    expect(s.status()).toMatchObject({ state: 'failed', lastFile: kept, lastError: expect.stringMatching(/not enough free space/) });
    expect(listBackups(backupDir).map((b) => b.file)).toEqual([kept]);
    await s.stop();
  });

  it('removes a copy a power cut left half made, and leaves other files alone', async () => {
    const { db, file } = store();
    const { s, backupDir } = schedule(db, file);
    s.start();
    const half = join(backupDir, `${backupFileName(1)}.partial`);
    writeFileSync(half, 'half');
    writeFileSync(join(backupDir, 'notes.txt'), 'mine');
    s.start();
    expect(readdirSync(backupDir).sort()).toEqual(['notes.txt']);
    await s.stop();
  });

  it("does not end the hub when the store cannot be read on its timer (a damaged page): it says so and looks again an interval later", async () => {
    const { db, file } = store();
    const failures: unknown[] = [];
    let reads = 0;
    const { s } = schedule(db, file, {
      headSeq: () => {
        reads++;
        throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
      },
      onFailure: (err) => failures.push(err),
    });
    vi.useFakeTimers();
    try {
      s.start();
      // thrown out of the timer, this was an uncaught exception: here, out of advanceTimersByTime
      expect(() => vi.advanceTimersByTime(60_000)).not.toThrow();
      expect(reads).toBe(1);
      expect(failures).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(3_600_000);
      expect(reads).toBe(2);
    } finally {
      vi.useRealTimers();
      await s.stop();
    }
  });

  it('says an attempt whose read of the head failed, as any failed attempt', async () => {
    const { db, file } = store();
    const failures: unknown[] = [];
    const { s } = schedule(db, file, {
      headSeq: () => {
        throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
      },
      onFailure: (err) => failures.push(err),
    });
    await expect(s.runOnce()).rejects.toThrow(/malformed/);
    expect(failures).toHaveLength(1);
    expect(s.status()).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/malformed/) });
    await s.stop();
  });

  it('does not throw on a directory it cannot use: the state says failed', async () => {
    const { db, file, dir } = store();
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const { s } = schedule(db, file, { dir: join(blocker, 'backups') });
    expect(() => s.start()).not.toThrow();
    expect(s.status()).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/cannot be used/) });
    await s.stop();
  });
});
