/**
 * Backups of the store, and what a hub does when it finds itself running on one.
 *
 * The hub is the only copy of the store's orders, payments and kitchen state until a cloud exists, and a
 * mini PC's disk dies. So the hub copies its store to `HUB_BACKUP_DIR` every `HUB_BACKUP_EVERY_MS` (an hour)
 * while the store changes, keeps the newest `HUB_BACKUP_KEEP` and one a day for `HUB_BACKUP_KEEP_DAYS` days,
 * and says in health how the last one went.
 * The copy is made on a thread of its own (backup-worker.js): `VACUUM INTO` from its own connection, which
 * in WAL mode never holds up an order.
 *
 * A restored backup must not be taken for the store it was copied from. Devices remember the last `seq`
 * they applied; a store put back an hour hands out the seqs of that hour again, to other events, and a
 * tablet that resumed from its old seq would miss them without knowing. Every backup carries a mark
 * (`backup_taken_at` in `meta`); a hub that opens a marked store renews its epoch and removes the mark in
 * one transaction, so every device reloads. `npm run restore` marks a file that lacks it (a copy made by
 * hand) before putting it in place; a copy put back without the tool is told by its log (store-seen.ts).
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, statfs } from 'node:fs/promises';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import type { BackupStatus } from '../protocol/health.ts';
import { newEpoch, type Db } from './db.ts';

export interface BackupResult {
  file: string;
  bytes: number;
  /** the store's last event in the copy */
  headSeq: number;
  epoch: string;
  takenAt: number;
  ms: number;
}

export class BackupError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * Copies the store `source` to `dest` on a thread of its own; `dest` appears only once it is whole and synced.
 * `signal` stops the thread (a hub shutting down does not wait a minute for a copy): what it wrote aside is
 * removed at the next start.
 */
export function runBackup(source: string, dest: string, takenAt: number, signal?: AbortSignal): Promise<BackupResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./backup-worker.js', import.meta.url), { workerData: { source, dest, takenAt } });
    let answered = false;
    const stop = () => {
      if (answered) return;
      answered = true;
      void worker.terminate();
      reject(new BackupError('the backup was stopped (the hub is shutting down)', 'STOPPED'));
    };
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop);
    // the schedule's signal lives as long as the hub: a listener left on it per backup piles up, one an hour
    worker.once('exit', () => signal?.removeEventListener('abort', stop));
    type Reply = { ok: true; bytes: number; headSeq: number; epoch: string; ms: number } | { ok: false; code: string; message: string };
    worker.once('message', (r: Reply) => {
      answered = true;
      if (r.ok) resolve({ file: dest, bytes: r.bytes, headSeq: r.headSeq, epoch: r.epoch, takenAt, ms: r.ms });
      else reject(new BackupError(r.message, r.code));
    });
    worker.once('error', (err) => {
      answered = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new BackupError(`the backup thread exited with code ${code}`, 'EXIT'));
    });
  });
}

/**
 * Dish photos live beside the store (`<data dir>/media/`), named by the hash of what they hold: a backup
 * without them, restored onto a new disk, would name photos that are not there. They are copied to `media/`
 * beside the backups, once each (a name never changes its content), and back by `npm run restore`.
 * Returns how many files were copied.
 */
export async function copyMedia(from: string, to: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(from);
  } catch {
    return 0; // no photos (yet)
  }
  const there = new Set(await readdir(to).catch(() => [] as string[]));
  let copied = 0;
  for (const name of names) {
    if (!MEDIA_NAME.test(name) || there.has(name)) continue;
    if (copied === 0) await mkdir(to, { recursive: true, mode: 0o700 });
    // an aside of its own: the hub's schedule and `npm run backup` may copy the same photo at once. A photo's
    // name is the hash of its content, so whichever rename lands last puts the same bytes in place
    const aside = join(to, `${name}.${randomBytes(6).toString('hex')}.tmp`);
    await copyFile(join(from, name), aside);
    await rename(aside, join(to, name));
    copied++;
  }
  return copied;
}

/** What the photo store writes (hub/media/sharp-image-store.ts): a hash, a width, webp. */
const MEDIA_NAME = /^[0-9a-f]{64}-\d{1,5}\.webp$/;

const BACKUP_NAME = /^brigade-(\d{8}T\d{6}(?:\d{3})?Z)\.db$/;

/** `brigade-20261126T230000123Z.db`: UTC, so that names sort as the backups were taken. */
export function backupFileName(takenAt: number): string {
  return `brigade-${new Date(takenAt).toISOString().replace(/[-:.]/g, '')}.db`;
}

/** When a backup was taken, from its name (UTC to the millisecond; older names to the second). */
export function takenAtOf(file: string): number {
  const stamp = BACKUP_NAME.exec(basename(file))?.[1];
  if (!stamp) return NaN;
  const [, y, mo, d, h, mi, sec, ms] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})?Z$/.exec(stamp)!;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number(ms ?? 0));
}

/**
 * Which backups to keep, of `newestFirst`: the newest `keep` (one an hour, by default: the last day, hour by
 * hour), and the newest of each of the last `keepDays` days a backup was taken on. A mistake noticed after
 * a weekend (a menu deleted on Friday) is in none of the last 24 hours' copies, but in Friday's.
 */
export function backupsToKeep(newestFirst: readonly string[], o: { keep: number; keepDays: number; dayOf: (at: number) => string }): Set<string> {
  const kept = new Set(newestFirst.slice(0, o.keep));
  const days = new Set<string>();
  for (const file of newestFirst) {
    if (days.size >= o.keepDays) break;
    const day = o.dayOf(takenAtOf(file));
    if (days.has(day)) continue;
    days.add(day);
    kept.add(file);
  }
  return kept;
}

/** The backups in `dir`, newest first (files named as the hub names them; anything else is left alone). */
export function listBackups(dir: string): { file: string; bytes: number; mtimeMs: number }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => BACKUP_NAME.test(n))
    .sort()
    .reverse()
    .map((n) => {
      const file = join(dir, n);
      const st = statSync(file);
      return { file, bytes: st.size, mtimeMs: st.mtimeMs };
    });
}

/** What a store file holds, read without changing it: for choosing a backup to restore, and for checking one. */
export interface StoreSummary {
  storeId: string;
  storeName: string | null;
  epoch: string;
  /** from the backup's mark; null for a copy made by hand */
  takenAt: number | null;
  headSeq: number;
  orders: number;
  lastOrderAt: number | null;
  /** the journal time (`when`) of the newest migration applied to it */
  migratedTo: number;
}

/**
 * Opens `file` read-only and checks it is a Brigade store, and with `check` that it is whole (SQLite's
 * quick_check reads every page: seconds for a large store); throws BackupError saying why it is not.
 */
export function inspectStore(file: string, { check = true }: { check?: boolean } = {}): StoreSummary {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new BackupError(`cannot open ${file}: ${(err as Error).message}`, 'UNREADABLE');
  }
  try {
    let result: unknown = 'ok';
    try {
      // (also what first reads the file: a file that is not SQLite fails here)
      result = check ? db.pragma('quick_check', { simple: true }) : db.pragma('schema_version', { simple: true });
    } catch (err) {
      throw new BackupError(`${file} is not an SQLite database: ${(err as Error).message}`, 'NOT_A_STORE');
    }
    if (check && result !== 'ok') throw new BackupError(`${file} is damaged: ${String(result)}`, 'DAMAGED');
    const has = (table: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
    if (!has('meta') || !has('events') || !has('orders') || !has('__drizzle_migrations')) {
      throw new BackupError(`${file} is not a Brigade store`, 'NOT_A_STORE');
    }
    const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    const storeId = meta.get('store_id');
    const epoch = meta.get('epoch');
    if (!storeId || !epoch) throw new BackupError(`${file} is not a Brigade store (no store id)`, 'NOT_A_STORE');
    const orders = db.prepare('SELECT COUNT(*) AS n, MAX(created_at) AS last FROM orders').get() as { n: number; last: number | null };
    const takenAt = meta.get('backup_taken_at');
    return {
      storeId,
      storeName: meta.get('store_name') ?? null,
      epoch,
      takenAt: takenAt === undefined ? null : Number(takenAt),
      headSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck().get() as number,
      orders: orders.n,
      lastOrderAt: orders.last,
      migratedTo: Number(db.prepare('SELECT COALESCE(MAX(created_at), 0) FROM __drizzle_migrations').pluck().get()),
    };
  } finally {
    db.close();
  }
}

export interface RestoredBackup {
  /** when the backup was taken */
  takenAt: number;
  /** when a hub first opened it */
  restoredAt: number;
}

/** Meta keys. The mark travels in backups; the others stay in a restored store. */
export const MARK = 'backup_taken_at';
export const MARK_EPOCH = 'backup_of_epoch';
const RESTORED_AT = 'restored_at';
/** The mark of the backup the store was restored from: its history up to the restore is that backup's. */
export const RESTORED_TAKEN_AT = 'restored_backup_taken_at';
/** Set with a new epoch, cleared by the print service once it has dealt with the backup's unprinted jobs. */
export const RESTORE_PRINT_PENDING = 'restore_print_pending';

/**
 * Called before anything reads the store's identity. A marked store is a restored backup: its epoch is
 * renewed and the mark removed, in one transaction; the print service is left a note (its jobs are an hour
 * old). Returns the store's last restore, if it ever was one.
 */
export function adoptRestoredBackup(db: Db, now: number): { restored: RestoredBackup | null; adoptedNow: boolean } {
  const get = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
  const mark = get.get(MARK) as string | undefined;
  if (mark !== undefined) {
    const set = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    db.transaction(() => {
      set.run('epoch', newEpoch());
      set.run(RESTORED_AT, String(now));
      set.run(RESTORED_TAKEN_AT, mark);
      set.run(RESTORE_PRINT_PENDING, mark);
      db.prepare('DELETE FROM meta WHERE key IN (?, ?)').run(MARK, MARK_EPOCH);
    })();
  }
  const restoredAt = get.get(RESTORED_AT) as string | undefined;
  const takenAt = get.get(RESTORED_TAKEN_AT) as string | undefined;
  return {
    restored: restoredAt === undefined || takenAt === undefined ? null : { takenAt: Number(takenAt), restoredAt: Number(restoredAt) },
    adoptedNow: mark !== undefined,
  };
}

/** Marks a store file as a backup taken at `takenAt` (a copy made by hand, before `npm run restore` installs it). */
export function markAsBackup(file: string, takenAt: number): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('synchronous = FULL');
    markStore(db, takenAt);
  } finally {
    db.close();
  }
}

/**
 * Marks an open store as a backup taken at `takenAt`, unless it carries a mark already (a real backup's).
 * Returns whether it marked it.
 */
export function markStore(db: Db, takenAt: number): boolean {
  const set = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
  return db.transaction(() => {
    if (set.run(MARK, String(takenAt)).changes === 0) return false;
    set.run(MARK_EPOCH, db.prepare("SELECT value FROM meta WHERE key = 'epoch'").pluck().get() as string);
    return true;
  })();
}

/**
 * When a backup taken `now` is stamped: `now`, or just after the newest backup in `dir` when the clock is
 * behind it, so that names keep the order backups were taken in (see BackupSchedule's #stampAfterNewest).
 */
export function stampAfterNewest(dir: string, now: number): number {
  const newest = listBackups(dir)[0];
  const newestAt = newest ? takenAtOf(newest.file) : NaN;
  return newestAt >= now ? newestAt + 1 : now;
}

export { fsyncPath } from './store-swap.ts';

/** Takes a backup's mark off an open store (a copy of a marked store that is to carry a mark of its own). */
export function unmarkStore(db: Pick<Db, 'prepare'>): void {
  db.prepare('DELETE FROM meta WHERE key IN (?, ?)').run(MARK, MARK_EPOCH);
}

/** Health's `backups` with HUB_BACKUP_DIR=off: nothing taken, but a restore is still worth saying. */
export function backupsOff(restored: RestoredBackup | null): BackupStatus {
  return { state: 'off', dir: null, everyMs: null, lastAt: null, lastFile: null, lastBytes: null, lastError: null, waitingSince: null, sameDiskAsStore: null, restoredFrom: restored };
}

export interface BackupScheduleOptions {
  /** the store's file */
  source: string;
  dir: string;
  everyMs: number;
  /** the newest backups kept */
  keep: number;
  /** and the newest of each of the last `keepDays` days a backup was taken on */
  keepDays: number;
  /** the business day of an instant */
  dayOf: (at: number) => string;
  clock: () => number;
  /** the store's last event now: a store that has not changed since the newest backup is not copied again */
  headSeq: () => number;
  epoch: string;
  restored: RestoredBackup | null;
  /** the dish photos (`<data dir>/media`), copied to `<dir>/media` after each backup */
  mediaDir?: string;
  /** free bytes on the backup directory's disk */
  freeBytes?: (dir: string) => Promise<number>;
  /** bytes a backup of the store will take, at most (the database file and its WAL) */
  storeBytes?: () => number;
  /**
   * Free space a backup must leave on its disk (the hub's "low" mark, HUB_DISK_LOW_MB): backups use the room
   * the store does not need, never the room it grows into. Older backups are removed to make it.
   */
  minFreeBytes: number;
  /** An attempt failed (after it was logged): the hub hears of a store file too damaged to copy. */
  onFailure?: (err: unknown) => void;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void };
}

/** The first backup after a start waits this long (or the interval, if shorter), so a start stays quick. */
const FIRST_BACKUP_DELAY_MS = 60_000;
/**
 * A store's changes per minute under which a due backup runs (an order makes 4–6 events: 60 a minute is
 * about 700 orders an hour). Copying a busy year's store reads and writes gigabytes on the store's disk and
 * takes a core: measured during a load run on 2.3 GB, the waiters' p99 went from 120 to 880 ms. So a due
 * backup waits for a quiet moment, between lunch and dinner or after closing time.
 */
export const QUIET_EVENTS_PER_MIN = 60;
/** How long the store's rate of change is watched before a due backup runs (or the interval, if shorter). */
const QUIET_WINDOW_MS = 30_000;
/** A store busy without a break still gets its backup once it is this many intervals late. */
const MAX_POSTPONED_INTERVALS = 3;

/** Takes a backup every `everyMs` while the store changes; keeps the newest `keep`, and one a day for `keepDays` days. */
export class BackupSchedule {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;
  readonly #abort = new AbortController();
  #last: { at: number; file: string; bytes: number; headSeq: number; epoch: string } | null = null;
  #lastError: string | null = null;
  /** When the backup that waits for a quiet moment fell due; null while none is due. */
  #dueSince: number | null = null;
  /** The store's head when the current quiet window began. */
  #window: { at: number; seq: number } | null = null;

  constructor(private readonly o: BackupScheduleOptions) {}

  /** Never throws: a backup directory that cannot be used is a failed backup (health says so), not a hub that cannot start. */
  start(): void {
    try {
      mkdirSync(this.o.dir, { recursive: true, mode: 0o700 });
      this.#removeLeftovers();
      this.#last = this.#newestOnDisk();
    } catch (err) {
      this.#lastError = `the backup directory cannot be used: ${(err as Error).message}`;
      this.o.log.error({ err, dir: this.o.dir }, 'backup: the backup directory cannot be used');
    }
    const now = this.o.clock();
    const firstDelay = Math.min(FIRST_BACKUP_DELAY_MS, this.o.everyMs);
    // the newest backup of another epoch (the store was restored since) is not this store's: until its first
    // backup, a spoilt page would cost everything since the restore, and the salvage the staff's PINs too
    const due = this.#last && this.#last.epoch === this.o.epoch ? this.#last.at + this.o.everyMs : now + firstDelay;
    // never more than an interval away: with the clock behind the newest backup, `due` is days ahead (and
    // a timer runs on its own clock, whatever the date is set to later); the attempt says what is wrong
    this.#schedule(Math.max(firstDelay, Math.min(due - now, this.o.everyMs)));
  }

  /** Stops the schedule, and a copy under way (a busy year's store takes a minute to copy). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#running;
  }

  status(): BackupStatus {
    return {
      state: this.#lastError !== null ? 'failed' : this.#last ? 'ok' : 'pending',
      dir: this.o.dir,
      everyMs: this.o.everyMs,
      lastAt: this.#last?.at ?? null,
      lastFile: this.#last?.file ?? null,
      lastBytes: this.#last?.bytes ?? null,
      lastError: this.#lastError,
      waitingSince: this.#dueSince,
      sameDiskAsStore: this.#sameDisk(),
      restoredFrom: this.o.restored,
    };
  }

  #sameDisk(): boolean | null {
    try {
      return statSync(this.o.dir).dev === statSync(this.o.source).dev;
    } catch {
      return null;
    }
  }

  /** Takes a backup now, unless the store has not changed since the newest one (then null). */
  async runOnce(): Promise<BackupResult | null> {
    if (this.#running) await this.#running;
    const run = this.#take();
    this.#running = run.catch(() => undefined);
    try {
      return await run;
    } finally {
      this.#running = undefined;
    }
  }

  async #take(): Promise<BackupResult | null> {
    let takenAt = this.o.clock();
    try {
      // inside: a head that cannot be read is this attempt's failure, said and counted as any other
      const head = this.o.headSeq();
      if (this.#last && this.#last.headSeq === head && this.#last.epoch === this.o.epoch) return null;
      mkdirSync(this.o.dir, { recursive: true, mode: 0o700 });
      takenAt = this.#stampAfterNewest(takenAt);
      await this.#makeRoom();
      const result = await runBackup(this.o.source, join(this.o.dir, backupFileName(takenAt)), takenAt, this.#abort.signal);
      this.#last = { at: takenAt, file: result.file, bytes: result.bytes, headSeq: result.headSeq, epoch: result.epoch };
      this.#lastError = null;
      this.#prune();
      const photos = this.o.mediaDir ? await copyMedia(this.o.mediaDir, join(this.o.dir, 'media')) : 0;
      this.o.log.info({ file: result.file, bytes: result.bytes, ms: Math.round(result.ms), photos }, 'backup: the store was copied');
      return result;
    } catch (err) {
      if (this.#stopped) throw err; // stopped by the hub's shutdown: not a failure to report
      this.#lastError = (err as Error).message;
      this.o.log.error({ err, dir: this.o.dir }, 'backup: the store could not be copied; the next attempt is at the next interval');
      this.o.onFailure?.(err);
      throw err;
    }
  }

  /**
   * Backups are named, kept and removed by when they were taken, newest first. With the clock behind the
   * newest backup (a flat clock battery after a power cut; or a clock that was ahead, a PC keeping local
   * time in its hardware clock until NTP set it, and is right again), a backup stamped with it would sort
   * as the oldest and be the first removed, and the old ones would stand for the newest. So it is stamped
   * just after the newest instead: its name keeps the order backups were taken in, and backups never stop
   * for a clock (the hub's page says when the clock is behind its store).
   */
  #stampAfterNewest(now: number): number {
    const at = stampAfterNewest(this.o.dir, now);
    if (at !== now) {
      this.o.log.warn(
        { now: new Date(now).toISOString(), newestBackupAt: new Date(at - 1).toISOString() },
        "backup: the hub's clock is behind the newest backup; this one is named just after it, to keep their order",
      );
    }
    return at;
  }

  /**
   * A store of a busy year is gigabytes, and so is each of its backups: keeping `keep` of them is not always
   * possible. The oldest go first, the newest is always kept; without room even then, no backup is taken.
   */
  async #makeRoom(): Promise<void> {
    const freeBytes = this.o.freeBytes ?? (async (dir: string) => {
      const s = await statfs(dir);
      return s.bavail * s.bsize;
    });
    const need = this.o.storeBytes?.() ?? sizeOf(this.o.source) + sizeOf(`${this.o.source}-wal`);
    const enough = async () => (await freeBytes(this.o.dir)) - need >= this.o.minFreeBytes;
    for (const old of listBackups(this.o.dir).slice(1).reverse()) {
      if (await enough()) return;
      this.#remove(old.file);
      this.o.log.warn({ file: old.file, bytes: old.bytes }, 'backup: an old backup was removed to make room for a new one');
    }
    if (await enough()) return;
    const free = await freeBytes(this.o.dir);
    throw new BackupError(
      `not enough free space for a backup in ${this.o.dir}: ${mb(free)} free, the copy needs up to ${mb(need)} and ${mb(this.o.minFreeBytes)} must stay free`,
      'NO_ROOM',
    );
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      let due: boolean;
      try {
        due = this.dueNow();
      } catch (err) {
        // dueNow reads the log's head: a read error (a damaged page, a failing disk) thrown from the timer was
        // an uncaught exception that ended the hub. It waits for the next interval, as a failed backup does
        this.#schedule(this.o.everyMs);
        this.o.log.error({ err }, 'backup: the store could not be read to tell whether a backup is due; looked at again at the next interval');
        this.o.onFailure?.(err);
        return;
      }
      if (!due) return this.#schedule(this.#quietWindowMs());
      this.runOnce()
        .catch(() => undefined)
        .finally(() => this.#schedule(this.o.everyMs));
    }, ms);
    this.#timer.unref();
  }

  #quietWindowMs(): number {
    return Math.min(QUIET_WINDOW_MS, this.o.everyMs);
  }

  /**
   * Called when a backup is due, and again after each quiet window while it waits: true once the store
   * changed fewer than QUIET_EVENTS_PER_MIN times a minute over a whole window, or the backup is
   * MAX_POSTPONED_INTERVALS intervals late. (Public for the tests, which drive it with their clock.)
   */
  dueNow(): boolean {
    const now = this.o.clock();
    const seq = this.o.headSeq();
    this.#dueSince ??= now;
    const window = this.#window;
    this.#window = { at: now, seq };
    const late = now - this.#dueSince >= MAX_POSTPONED_INTERVALS * this.o.everyMs;
    const quiet = window !== null && now > window.at && ((seq - window.seq) * 60_000) / (now - window.at) < QUIET_EVENTS_PER_MIN;
    if (!quiet && !late) return false;
    if (late && !quiet) this.o.log.warn({ dueSince: this.#dueSince }, 'backup: the store has been busy for hours; the backup runs now');
    this.#dueSince = null;
    this.#window = null;
    return true;
  }

  #prune(): void {
    const all = listBackups(this.o.dir).map((b) => b.file);
    const kept = backupsToKeep(all, this.o);
    for (const file of all) if (!kept.has(file)) this.#remove(file);
  }

  #remove(file: string): void {
    try {
      unlinkSync(file);
    } catch (err) {
      this.o.log.warn({ err, file }, 'backup: an old backup could not be removed');
    }
  }

  /** A copy cut short by a power cut or a kill (the thread writes aside, then renames). */
  #removeLeftovers(): void {
    for (const name of readdirSync(this.o.dir)) {
      if (name.endsWith('.db.partial') && BACKUP_NAME.test(name.slice(0, -'.partial'.length))) {
        try {
          unlinkSync(join(this.o.dir, name));
        } catch {
          // someone else's
        }
      }
    }
  }

  #newestOnDisk(): { at: number; file: string; bytes: number; headSeq: number; epoch: string } | null {
    for (const b of listBackups(this.o.dir)) {
      try {
        const s = inspectStore(b.file, { check: false });
        // a backup of another store, or from before a restore, does not stand for this one: start() and
        // #take() compare its epoch
        return { at: s.takenAt ?? b.mtimeMs, file: b.file, bytes: b.bytes, headSeq: s.headSeq, epoch: s.epoch };
      } catch (err) {
        this.o.log.warn({ err, file: b.file }, 'backup: a backup in the directory cannot be read');
      }
    }
    return null;
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
