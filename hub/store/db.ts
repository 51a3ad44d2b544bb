import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finishSwap } from './store-swap.ts';

export type Db = Database.Database;

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * How long a statement on the hub's connection waits for a lock another connection holds before SQLite gives
 * up with SQLITE_BUSY. better-sqlite3 is synchronous: while it waits, the hub's whole thread waits (every
 * request, the kitchen's stream, the printers), and at 5 s a second program holding the write lock (a
 * `sqlite3` shell left in a transaction) froze the hub for 5 s per write. The hub's own work never makes its
 * writer wait: checkpoints are PASSIVE, backups (VACUUM INTO) and the integrity check only read. Measured on
 * this machine (a 100–200 MB store, 100 batches of 10 × 3 kB a second): with busy_timeout 0, 5,700 batches
 * beside 39 backups, 116 quick_checks and 480 checkpoints met no SQLITE_BUSY; with 5 s, BEGIN IMMEDIATE never
 * took over 0.2 ms. So the wait is only for another program's short write (a commit and its fsync); a lock held
 * longer is refused as `store_busy` (503 + Retry-After), see writer.ts. Set once the hub's start is done
 * (`waitBrieflyForLocks`).
 */
export const BUSY_TIMEOUT_MS = 100;

/**
 * Before the hub serves anything and after it stopped (the last checkpoint), a wait stops nothing. Its start
 * writes (the migrations, a restored backup adopted, the print queue's recovery): at 100 ms, another program
 * writing for a second as the hub started made it exit "failed to start", its ports already bound.
 */
const IDLE_BUSY_TIMEOUT_MS = 5000;

/**
 * The most disk the WAL keeps once a checkpoint has started it over. SQLite never shrinks the WAL file by
 * itself: it writes over it from the beginning, and a WAL that one long read made grow (a backup's VACUUM
 * INTO, the start-up integrity check, each holding its snapshot while orders keep coming: no checkpoint may
 * start the WAL over under a reader) kept its size until the hub stopped. With a limit, the first commit after
 * the WAL starts over truncates the file to it. Well above what the WAL needs at the peak (the checkpointer
 * keeps it near 1,000 pages, ~4 MB), so in ordinary running nothing is ever truncated, and the WAL is written
 * over, not grown again (a file that grows has its size synced with every commit too).
 */
export const WAL_SIZE_LIMIT = 16 * 1024 * 1024;

/** The hub serves from now on (its start is done): a lock another program holds is waited for briefly. */
export function waitBrieflyForLocks(db: Db): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
}

/**
 * Opens the store's single connection. Durability first: WAL with `synchronous=FULL`, because
 * better-sqlite3 builds SQLite with WAL defaulting to NORMAL, which may roll back acknowledged commits on
 * power loss (sqlite.org/wal.html §2.3). Applies committed migrations before anything else runs.
 */
export function openDb(file: string): Db {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true });
    // a restore cut short (a power cut between its renames) is finished first: opened now, the store's name
    // might hold no file, and SQLite would create a new empty store there
    finishSwap(file);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  db.pragma('foreign_keys = ON');
  // nothing is served yet: waiting out another connection's lock holds up no request (until waitBrieflyForLocks)
  db.pragma(`busy_timeout = ${IDLE_BUSY_TIMEOUT_MS}`);
  // Every job in a group commit runs in its own savepoint, and SQLite copies each page a savepoint changes
  // into a statement journal first. Past 64 KiB (a 10-line order) that journal spills into a temp file in
  // /var/tmp: a file created, written page by page and deleted in every batch. In memory it stays a memcpy.
  db.pragma('temp_store = MEMORY');
  migrate(drizzle(db), { migrationsFolder });
  ensureIdentity(db);
  return db;
}

export interface StoreIdentity {
  storeId: string;
  /** Renewed whenever the database is created anew: clients holding seqs of another epoch must resync. */
  epoch: string;
  /** Key for PIN hashes, so a copied database does not reveal PINs by a lookup table alone. */
  pinKey: string;
}

/** A fresh epoch: a store created anew, or a restored backup, gets one (see backups.ts). */
export function newEpoch(): string {
  return randomBytes(8).toString('hex');
}

function ensureIdentity(db: Db): void {
  const insert = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
  db.transaction(() => {
    insert.run('store_id', randomUUID());
    insert.run('epoch', newEpoch());
    insert.run('pin_key', randomBytes(32).toString('hex'));
    insert.run('menu_version', '1');
  })();
}

export function readIdentity(db: Db): StoreIdentity {
  const get = (key: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string }).value;
  return { storeId: get('store_id'), epoch: get('epoch'), pinKey: get('pin_key') };
}

/** The journal time (`when`) of the newest migration this code applies: a store migrated past it is a newer Brigade's. */
export function newestMigration(): number {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };
  return Math.max(0, ...journal.entries.map((e) => e.when));
}

export function checkpointAndClose(db: Db, onCheckpointFailed: (err: unknown) => void): void {
  if (!db.open) return;
  // nothing is served any more: TRUNCATE may wait for a reader (a backup) to finish its last page
  db.pragma(`busy_timeout = ${IDLE_BUSY_TIMEOUT_MS}`);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (err) {
    // a full disk cannot take the WAL's pages into the database; nothing is lost: SQLite reads the WAL
    // back at the next start
    onCheckpointFailed(err);
  }
  db.close();
}
