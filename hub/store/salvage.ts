/**
 * Salvage: a new store made of every row a damaged one still holds (`npm run salvage`).
 *
 * A power cut on a disk that lies about its writes can spoil a page of `brigade.db` (integrity.ts). The other
 * cure, the newest backup, loses everything since it was taken: backups are hourly and wait for a quiet
 * moment, so at dinner that is one to three hours of orders and payments, acknowledged and cooked. A spoilt
 * page holds a few dozen rows. So each table is read through its own b-tree by rowid, never through an index
 * (an index page may be what is spoilt; the new store builds its indexes anew), and where SQLite says a page
 * is damaged the read skips ahead to the first rowid it can read again. A page the disk never wrote reads
 * whole, as it was: the rows of orders missing from it are found by their rowids and the log (noteSilentLoss).
 * SQLite's own `.recover` is in the sqlite3 shell, which a mini PC may not have, and better-sqlite3 does not
 * expose its recovery API.
 *
 * The rows go into a store made by `openDb` (this Brigade's migrations, so the damaged store must be of this
 * version too), with foreign keys off; then the orders whose rows (or lines, payments, refunds) were lost are
 * made again from the event log where it holds their whole history (salvage-rebuild.ts), and what a lost row
 * still leaves dangling is removed or cleared, so that the hub's readers never meet an order line without its
 * order. The copy is marked as a backup (a hub that
 * opens it renews its epoch: every device reloads, and its unprinted tickets are not printed again), checked
 * whole, synced, and named as a backup; `npm run restore` installs it like one. Nothing here writes to the
 * damaged store. What a spoilt page took of the store's own settings (`meta`: its id, its PIN key, the
 * dictionaries its old rows are packed with) comes from the newest backup of the same store (salvage-meta.ts).
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncPath, inspectStore, markAsBackup, type StoreSummary } from './backups.ts';
import { newestMigration, openDb, type Db } from './db.ts';
import { isStoreDamage } from './integrity.ts';
import { hasIdentity, MetaUnusable, settleMeta, type MetaSalvage } from './salvage-meta.ts';
import { rebuildStaff } from './salvage-staff.ts';
import { ORDER_TABLES, rebuildFromLog, shortAtEnd, type LostOrder, type OrderTable, type RebuiltOrder } from './salvage-rebuild.ts';

export class SalvageError extends Error {
  constructor(
    message: string,
    readonly code: 'UNREADABLE' | 'NOT_A_STORE' | 'META_DAMAGED' | 'OTHER_VERSION' | 'WITHOUT_ROWID',
  ) {
    super(message);
  }
}

/** What became of one table's rows. */
export interface TableSalvage {
  table: string;
  /** rows in the salvaged store (while it is made: rows copied so far) */
  kept: number;
  /**
   * Stretches of rowids that could not be read, each between two rows that could (exclusive); `after` null:
   * from the table's start, `before` null: to its end.
   */
  skipped: { after: number | null; before: number | null }[];
  /**
   * Rowids in the skipped stretches: the rows lost, at most (a rowid of a row deleted long ago counts too).
   * A stretch to the table's end is not counted: see `lostTail`.
   */
  lostRowids: number;
  /** the table's last rows could not be read, and how many there were is not known */
  lostTail: boolean;
  /** rows read but refused by the schema (a damaged page can read as a row of nonsense) */
  rejected: number;
  /** rows removed because what they belong to was lost (an order line whose order is gone) */
  removed: number;
  /** references set to NULL because what they named was lost (an order's dining table, a dish's photo) */
  cleared: number;
  /** rows made again from the event log (orders, their lines, payments and refunds), counted in `kept` */
  rebuilt: number;
}

export interface SalvageResult {
  file: string;
  tables: TableSalvage[];
  /** What became of the store's own settings, and of the values packed with a dictionary the copy lacked. */
  meta: MetaSalvage;
  /**
   * Orders whose rows (or lines, payments, refunds) were on a spoilt page, made again from the event log,
   * which holds their whole history: they read as the hub held them.
   */
  rebuilt: RebuiltOrder[];
  /**
   * Orders the event log names whose rows were lost and whose history it does not hold whole (a spoilt page
   * of the log took some of it): not in the salvaged store; what the log last said of each, to check
   * against the bills.
   */
  lostOrders: LostOrder[];
  /**
   * Orders kept whose lines, payments or refunds were partly lost and could not be made again from the log:
   * their totals are the ones stored, to check by hand.
   */
  ordersToCheck: { id: string; number: number; businessDate: string }[];
  /** Days whose order counter was lost or behind the orders kept, set to the highest number kept or lost for good. */
  countersRaised: number;
  /** What makes the salvaged store hard to use, in words for the manager. */
  warnings: string[];
  /**
   * SQLite's quick_check of the store, in the snapshot the rows were read in, found nothing wrong: with no
   * table short of rows either, the store was whole and needed no salvage (the copy is then a plain backup).
   */
  checkedWhole: boolean;
  /** The salvaged store, as `npm run restore` describes it. */
  summary: StoreSummary;
  ms: number;
}

export interface SalvageOptions {
  /** the damaged store (read-only, with its WAL) */
  source: string;
  /** the salvaged store's file; must not exist */
  dest: string;
  /** the mark's time: the copy is taken for a backup taken then */
  takenAt: number;
  /**
   * Backups, newest first: what a spoilt page took of the store's own settings (`meta`) is taken from the
   * newest of them that is of this store (salvage-meta.ts). Without one, such a store is refused.
   */
  backups?: readonly string[];
  /** called after each table, for progress */
  onTable?: (t: TableSalvage) => void;
  /** rows per read and per write transaction */
  batch?: number;
}

/** Copies every readable row of `source` into a new store at `dest`; throws SalvageError when it cannot. */
export function salvageStore(o: SalvageOptions): SalvageResult {
  const started = performance.now();
  const partial = `${o.dest}.partial`;
  // never over anything: a mistaken --out could name the store itself
  if (existsSync(o.dest)) throw new Error(`${o.dest} exists; it is not overwritten`);
  const src = openSource(o.source);
  let dest: Db | undefined;
  try {
    // every table read in one snapshot: a hub started meanwhile goes on writing (systemd restarts one killed by
    // hand, and it writes its pid file only once it listens), and tables copied at different moments would
    // hold an order's lines without the order. The salvage is a copy of the store as it was when it began
    src.exec('BEGIN');
    checkIsStore(src);
    const checkedWhole = quickCheckOk(src);
    mkdirSync(dirname(o.dest), { recursive: true, mode: 0o700 });
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(partial + suffix, { force: true });
    // made here so that it is the hub's user's only from the start: it holds the tokens' hashes and the PIN key
    closeSync(openSync(partial, 'wx', 0o600));
    dest = openDb(partial);
    // a salvage cut short is run again from the start: nothing here needs to survive a power cut until the end
    dest.pragma('synchronous = OFF');
    dest.pragma('foreign_keys = OFF');
    checkVersion(src, dest);

    const batch = o.batch ?? 2000;
    const tables: TableSalvage[] = [];
    // the damaged store's identity, not the one openDb made up
    dest.exec('DELETE FROM meta');
    const meta = copyTable(src, dest, 'meta', batch);
    // the store's id, epoch, PIN key and the dictionaries its old rows are packed with: without all of them
    // the rows cannot be used (no PIN would sign in, old answers and events could not be read). What a spoilt
    // page took of them comes from a backup of the store (salvage-meta.ts); told at once when there is none
    const metaDamaged = meta.skipped.length > 0 || meta.rejected > 0;
    if ((metaDamaged || !hasIdentity(dest)) && (o.backups ?? []).length === 0) throw metaDamagedError('there is no backup to take them from');
    tables.push(meta);
    o.onTable?.(meta);
    for (const table of tablesOf(dest)) {
      if (table === 'meta') continue;
      const t = copyTable(src, dest, table, batch);
      tables.push(t);
      o.onTable?.(t);
    }
    // before anything reads the log: its old events are packed with the dictionaries in meta
    let metaSalvage: MetaSalvage;
    try {
      metaSalvage = settleMeta(dest, { damaged: metaDamaged, backups: o.backups ?? [] });
    } catch (err) {
      if (err instanceof MetaUnusable) throw metaDamagedError(err.message);
      throw err;
    }
    const byName = new Map(tables.map((t) => [t.table, t]));
    keepSequences(src, dest);
    noteSilentLoss(dest, byName);
    // before what a lost order leaves dangling is removed: its kept lines and payments are its own again
    const rebuilt = rebuildOrders(dest, byName);
    // before what a lost person leaves dangling (their sign-ins) is removed
    const staff = unreadable(byName.get('staff')) ? rebuildStaff(dest, o.backups ?? []) : { rows: 0, needPin: [], lost: [] };
    byName.get('staff')!.rebuilt = staff.rows;
    removeDangling(dest, byName);
    const countersRaised = raiseOrderCounters(dest, rebuilt.lost);
    noteKnownLost(dest, byName);
    // an order kept whose lines or payments were on a damaged page: lines removed with their lost order are not that
    const ordersToCheck = ['order_lines', 'payments', 'refunds'].some((n) => unreadable(byName.get(n))) ? incompleteOrders(dest, rebuilt.incomplete) : [];
    for (const t of tables) t.kept = dest.prepare(`SELECT COUNT(*) FROM ${q(t.table)}`).pluck().get() as number;
    const warnings = warningsOf(dest);
    if (staff.lost.length > 0) {
      warnings.unshift(
        `staff who signed in or worked here could not be made again: no backup of the store holds them, and the event log has no word of them (${staff.lost.join(', ')}): on the staff page, add each again with a new PIN`,
      );
    }
    if (staff.needPin.length > 0) {
      warnings.unshift(
        `staff who came or changed their PIN after the newest backup are kept without a PIN, inactive (${staff.needPin.join(', ')}): on the staff page, give each a new PIN and re-activate them`,
      );
    }

    dest.pragma('wal_checkpoint(TRUNCATE)');
    // one file, as a backup is: restore copies the file alone
    dest.pragma('journal_mode = DELETE');
    dest.close();
    dest = undefined;
    markAsBackup(partial, o.takenAt);
    const summary = inspectStore(partial);
    fsyncPath(partial);
    renameSync(partial, o.dest);
    fsyncPath(dirname(o.dest));
    return {
      file: o.dest,
      tables,
      meta: metaSalvage,
      rebuilt: rebuilt.rebuilt,
      lostOrders: rebuilt.lost,
      ordersToCheck,
      countersRaised,
      warnings,
      checkedWhole,
      summary,
      ms: performance.now() - started,
    };
  } catch (err) {
    if (dest?.open) dest.close();
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(partial + suffix, { force: true });
    throw err;
  } finally {
    src.close();
  }
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const unreadable = (t: TableSalvage | undefined) => t !== undefined && (t.skipped.length > 0 || t.rejected > 0);

/** A page SQLite cannot use: damaged (what integrity.ts says), or a sector the disk cannot read. */
function isUnreadable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return isStoreDamage(err) || code === 'SQLITE_IOERR_READ' || code === 'SQLITE_IOERR_SHORT_READ';
}

function openSource(file: string): Database.Database {
  try {
    return new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new SalvageError(`cannot open ${file}: ${(err as Error).message}`, 'UNREADABLE');
  }
}

function checkIsStore(src: Database.Database): void {
  let names: string[];
  try {
    names = src.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  } catch (err) {
    if (!isUnreadable(err)) throw err;
    throw new SalvageError(
      `the store's first pages (its header and the list of its tables) are damaged: nothing in it can be found (${(err as Error).message}). Restore the newest backup instead (npm run restore)`,
      'UNREADABLE',
    );
  }
  for (const t of ['meta', 'orders', 'events', '__drizzle_migrations']) {
    if (!names.includes(t)) throw new SalvageError(`${src.name} is not a Brigade store (it has no ${t} table)`, 'NOT_A_STORE');
  }
}

/** Whether SQLite's quick_check reads every page of the store and finds nothing wrong. */
function quickCheckOk(src: Database.Database): boolean {
  try {
    return src.pragma('quick_check(1)', { simple: true }) === 'ok';
  } catch (err) {
    if (!isUnreadable(err)) throw err;
    return false;
  }
}

/**
 * The rows are copied into this Brigade's tables: a store migrated by another version has other columns, or
 * the same ones meaning something else. Its migration table is read defensively (a page of it may be the
 * spoilt one); unreadable, the store's tables are compared with this version's instead.
 */
function checkVersion(src: Database.Database, dest: Db): void {
  const ours = newestMigration();
  let theirs: number;
  try {
    theirs = Math.max(0, ...(src.prepare('SELECT created_at FROM __drizzle_migrations').pluck().all() as unknown[]).map(Number));
  } catch (err) {
    if (!isUnreadable(err)) throw err;
    const schema = (db: Database.Database) =>
      JSON.stringify(db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations' ORDER BY type, name").all());
    if (schema(src) === schema(dest)) return;
    throw new SalvageError(
      "the store's record of its version is on a damaged page, and its tables are not this Brigade's: salvage it with the Brigade version that last ran it",
      'OTHER_VERSION',
    );
  }
  if (theirs > ours) throw new SalvageError('the store was last run by a newer Brigade than this one: salvage it with that version (or update this one first)', 'OTHER_VERSION');
  if (theirs < ours) throw new SalvageError('the store was last run by an older Brigade than this one: salvage it with that version, restore the salvaged copy, then update', 'OTHER_VERSION');
}

/** The salvaged store's tables (this version's), in the order they were made. */
function tablesOf(dest: Db): string[] {
  const tables = dest.prepare('PRAGMA table_list').all() as { schema: string; name: string; type: string; wr: number }[];
  const ours = tables.filter((t) => t.schema === 'main' && t.type === 'table' && !t.name.startsWith('sqlite_') && t.name !== '__drizzle_migrations');
  // none today (grep -i "without rowid" hub/store/migrations): a WITHOUT ROWID table is a b-tree of its
  // primary key, which the rowid stepping and skipping below cannot walk; it would need its own way here
  const withoutRowid = ours.find((t) => t.wr !== 0);
  if (withoutRowid) throw new SalvageError(`the table ${withoutRowid.name} is WITHOUT ROWID, which the salvage cannot read (hub/store/salvage.ts)`, 'WITHOUT_ROWID');
  const order = new Map((dest.prepare("SELECT name, rowid FROM sqlite_master WHERE type = 'table'").all() as { name: string; rowid: number }[]).map((r) => [r.name, r.rowid]));
  return ours.map((t) => t.name).sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

function metaDamagedError(why: string): SalvageError {
  return new SalvageError(
    `the store's own settings (its id, epoch, the key of the staff PINs, the dictionaries its old rows are packed with) are on a damaged page, and ${why}: without them nothing in it can be used. Put a backup of this store in the backup directory and salvage again, or restore a backup instead (npm run restore lists them)`,
    'META_DAMAGED',
  );
}

type Row = unknown[];
const MIN_ROWID = -(2n ** 63n);
const MAX_ROWID = 2n ** 63n - 1n;

/**
 * Copies one table, by rowid, along its own b-tree. Where a read fails on a damaged page, the first readable
 * row after it is found by probing larger rowids (doubling the stride, then halving the interval: at most
 * 64 + 64 seeks per damaged stretch), and the read goes on from there.
 */
function copyTable(src: Database.Database, dest: Db, table: string, batch: number): TableSalvage {
  const info = dest.prepare(`PRAGMA table_info(${q(table)})`).all() as { name: string; type: string; pk: number }[];
  const columns = info.map((c) => q(c.name)).join(', ');
  // an INTEGER PRIMARY KEY is the rowid itself (events.seq, print_jobs.id): it carries it into the copy
  const pks = info.filter((c) => c.pk > 0);
  const isAlias = pks.length === 1 && pks[0]!.type.toUpperCase() === 'INTEGER';
  // NOT INDEXED: along the table's own b-tree, whatever the planner would prefer
  const read = src.prepare(`SELECT _rowid_, ${columns} FROM ${q(table)} NOT INDEXED WHERE _rowid_ > ? ORDER BY _rowid_ LIMIT ?`).safeIntegers(true).raw(true);
  const probe = src.prepare(`SELECT _rowid_, ${columns} FROM ${q(table)} NOT INDEXED WHERE _rowid_ >= ? ORDER BY _rowid_ LIMIT 1`).safeIntegers(true).raw(true);
  const marks = info.map(() => '?').join(', ');
  // rowids kept: the compactor's cursors in `meta` and the rows' order in time are rowids
  const insert = dest.prepare(
    `INSERT INTO ${q(table)} (${isAlias ? '' : '_rowid_, '}${columns}) VALUES (${isAlias ? '' : '?, '}${marks})`,
  );
  const t: TableSalvage = { table, kept: 0, skipped: [], lostRowids: 0, lostTail: false, rejected: 0, removed: 0, cleared: 0, rebuilt: 0 };
  const write = dest.transaction((rows: Row[]) => {
    for (const row of rows) {
      try {
        insert.run(...(isAlias ? row.slice(1) : row));
        t.kept++;
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (!code.startsWith('SQLITE_CONSTRAINT') && code !== 'SQLITE_MISMATCH') throw err;
        t.rejected++;
      }
    }
  });

  const tryProbe = (rowid: bigint): { row: Row | null } | 'damaged' => {
    try {
      return { row: (probe.get(rowid) as Row | undefined) ?? null };
    } catch (err) {
      if (!isUnreadable(err)) throw err;
      return 'damaged';
    }
  };

  let after = MIN_ROWID;
  for (;;) {
    const rows: Row[] = [];
    let damaged = false;
    try {
      for (const row of read.iterate(after, batch) as IterableIterator<Row>) rows.push(row);
    } catch (err) {
      if (!isUnreadable(err)) throw err;
      damaged = true;
    }
    write(rows);
    const lastRead = rows.length > 0 ? (rows[rows.length - 1]![0] as bigint) : after;
    // a b-tree that goes back (a damaged page that reads as a page of another part of it): skipped like one
    // that does not read, so that every turn of this loop moves forward
    if (lastRead > after) after = lastRead;
    else if (rows.length > 0) damaged = true;
    if (!damaged) {
      if (rows.length < batch) break;
      continue;
    }
    const next = firstReadableAfter(after, tryProbe);
    const from = after === MIN_ROWID ? null : Number(after);
    if (next === null) {
      t.skipped.push({ after: from, before: null });
      t.lostTail = true;
      break;
    }
    const nextRowid = next[0] as bigint;
    t.skipped.push({ after: from, before: Number(nextRowid) });
    // rowids are handed out from 1: a stretch from the start is counted from there
    t.lostRowids += Number(nextRowid - (after === MIN_ROWID ? 0n : after) - 1n);
    write([next]);
    after = nextRowid;
  }
  return t;
}

/**
 * The first row after `last` that can be read whole (a probe reads every column: a row whose overflow page
 * is spoilt is skipped too), or null when none can. Probes `last + 1, + 2, + 4 …` until one lands past the
 * damage, then halves the interval between the last that failed and the first that did not. A seek to a
 * rowid reads only the pages on its way down, so it lands past a spoilt leaf (or a spoilt interior page and
 * all below it) once the rowid is beyond what that page held.
 */
function firstReadableAfter(last: bigint, tryProbe: (rowid: bigint) => { row: Row | null } | 'damaged'): Row | null {
  // rowids are handed out from 1 (no table of ours holds a negative one): a failure at the start searches from 0
  const base = last < 0n ? 0n : last;
  let bad = base;
  let good: bigint | null = null;
  let found: Row | null = null;
  for (let i = 0n; i < 64n; i++) {
    const at = base + (1n << i) > MAX_ROWID ? MAX_ROWID : base + (1n << i);
    const r = tryProbe(at);
    if (r !== 'damaged') {
      good = at;
      found = r.row;
      break;
    }
    bad = at;
    if (at === MAX_ROWID) break;
  }
  if (good === null) return null;
  for (let i = 0; i < 64 && good - bad > 1n; i++) {
    const mid: bigint = bad + (good - bad) / 2n;
    const r = tryProbe(mid);
    if (r === 'damaged') bad = mid;
    else {
      good = mid;
      found = r.row;
    }
  }
  return found;
}

/**
 * What a lost row leaves behind. A row whose parent (by the schema's foreign keys) was lost is removed, or,
 * where the reference may be empty, cleared: an order keeps its lines and payments when its dining table's
 * row is lost, a dish its place on the menu when its photo's row is. Then the references the schema does not
 * declare but the hub follows.
 */
function removeDangling(dest: Db, tables: Map<string, TableSalvage>): void {
  const count = (table: string, what: 'removed' | 'cleared', n: number) => {
    const t = tables.get(table);
    if (t) t[what] += n;
  };
  // a removed payment orphans its refunds: a few rounds, at most one per level of the schema's references
  for (let round = 0; round < 8; round++) {
    const dangling = dest.pragma('foreign_key_check') as { table: string; rowid: number; parent: string; fkid: number }[];
    if (dangling.length === 0) break;
    dest.transaction(() => {
      for (const d of dangling) {
        const fks = (dest.pragma(`foreign_key_list(${q(d.table)})`) as { id: number; from: string }[]).filter((f) => f.id === d.fkid);
        const notNull = new Map((dest.pragma(`table_info(${q(d.table)})`) as { name: string; notnull: number }[]).map((c) => [c.name, c.notnull === 1]));
        if (fks.some((f) => notNull.get(f.from))) {
          count(d.table, 'removed', dest.prepare(`DELETE FROM ${q(d.table)} WHERE _rowid_ = ?`).run(d.rowid).changes);
        } else {
          const set = fks.map((f) => `${q(f.from)} = NULL`).join(', ');
          count(d.table, 'cleared', dest.prepare(`UPDATE ${q(d.table)} SET ${set} WHERE _rowid_ = ?`).run(d.rowid).changes);
        }
      }
    })();
  }
  dest.transaction(() => {
    // a placed order's answer is stored in its event: without the event a device resending that request
    // would get a 500 for ever. Forgotten, the request runs again: the order exists (409, as for any id used
    // twice), or was lost too and is placed again
    count('idempotency_keys', 'removed', dest.prepare('DELETE FROM idempotency_keys WHERE body_event_seq IS NOT NULL AND body_event_seq NOT IN (SELECT seq FROM events)').run().changes);
    // the portions a lost line took: nothing can void that line any more
    count('stock_taken', 'removed', dest.prepare('DELETE FROM stock_taken WHERE line_id NOT IN (SELECT id FROM order_lines)').run().changes);
  })();
}

/**
 * Keeps AUTOINCREMENT where the damaged store had it: events lost at the head of the log must not have their
 * seqs handed out again (a device or HQ may have seen them), nor print jobs their ids (a reprint names one).
 * Read defensively: without it, SQLite's own (the highest rowid kept) stands.
 */
function keepSequences(src: Database.Database, dest: Db): void {
  let theirs: { name: string; seq: number }[];
  try {
    theirs = src.prepare('SELECT name, seq FROM sqlite_sequence').all() as { name: string; seq: number }[];
  } catch (err) {
    if (!isUnreadable(err)) throw err;
    return;
  }
  const update = dest.prepare('UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?');
  const insert = dest.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)');
  dest.transaction(() => {
    for (const s of theirs) if (update.run(s.seq, s.name).changes === 0) insert.run(s.name, s.seq);
  })();
}

/**
 * Rows of orders missing though every page read. A leaf whose last write the disk acknowledged and never made
 * reads whole, as it was before: the rows written to it since are not there, and no read fails. Orders, their
 * lines, payments and refunds are never deleted and take rowids one after the other, so rows missing between
 * two rows read leave a hole in the rowids; rows missing at a table's end are named by the log (shortAtEnd).
 * Each is counted as a stretch skipped, as a page that failed to read is, and made again from the log alike.
 */
function noteSilentLoss(dest: Db, tables: Map<string, TableSalvage>): void {
  const endKnown = new Set<OrderTable>();
  const before = knownLost(dest);
  for (const name of ORDER_TABLES) {
    const t = tables.get(name);
    if (!t) continue;
    if (t.lostTail) endKnown.add(name);
    // a row refused leaves a hole its count has already, and sends the rebuild through the whole log
    if (t.rejected > 0) continue;
    const known = new Set([...t.skipped.map((s) => `${s.after ?? 0}:${s.before}`), ...(before.holes[name] ?? []).map(([lo, hi]) => `${lo}:${hi}`)]);
    for (const { lo, hi } of holesIn(dest, name)) {
      if (known.has(`${lo}:${hi}`)) continue;
      t.skipped.push({ after: lo === 0 ? null : lo, before: hi });
      t.lostRowids += hi - lo - 1;
    }
    t.skipped.sort((a, b) => (a.after ?? 0) - (b.after ?? 0));
  }
  for (const name of shortAtEnd(dest, endKnown, before.seq)) {
    const t = tables.get(name)!;
    t.skipped.push({ after: dest.prepare(`SELECT MAX(_rowid_) FROM ${q(name)}`).pluck().get() as number, before: null });
    t.lostTail = true;
  }
}

/** Rowids missing between two rows of a table (`lo` 0: from its start). */
function holesIn(dest: Db, table: OrderTable): { lo: number; hi: number }[] {
  return dest
    .prepare(`SELECT lo, hi FROM (SELECT LAG(_rowid_, 1, 0) OVER (ORDER BY _rowid_) AS lo, _rowid_ AS hi FROM ${q(table)}) WHERE hi > lo + 1`)
    .all() as { lo: number; hi: number }[];
}

/**
 * What a salvaged store lacks for good, in its `meta`, so that a later salvage of it (or of a backup of it)
 * does not count it as lost again: the holes its tables of orders were left with (rows lost for good, those
 * removed with them, and the rows made again, which take rowids after every other), and the last seq of its
 * log then (the rows the log names up to there and the store lacks were lost then). Nothing else reads it.
 */
const KNOWN_LOST = 'salvage_known_lost';

interface KnownLost {
  seq: number;
  holes: Partial<Record<OrderTable, [number, number][]>>;
}

function knownLost(dest: Db): KnownLost {
  const stored = dest.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(KNOWN_LOST) as string | undefined;
  try {
    if (stored !== undefined) return JSON.parse(stored) as KnownLost;
  } catch {
    // not ours to read: as if never salvaged
  }
  return { seq: 0, holes: {} };
}

function noteKnownLost(dest: Db, tables: Map<string, TableSalvage>): void {
  // a salvage that lost nothing of orders leaves the store as it found it (an earlier salvage's note included)
  if (!ORDER_TABLES.some((name) => unreadable(tables.get(name)) || (tables.get(name)?.removed ?? 0) > 0)) return;
  const known: KnownLost = { seq: (dest.prepare('SELECT MAX(seq) FROM events').pluck().get() as number | null) ?? 0, holes: {} };
  for (const table of ORDER_TABLES) {
    const holes = holesIn(dest, table);
    if (holes.length > 0) known.holes[table] = holes.map(({ lo, hi }) => [lo, hi]);
  }
  dest.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(KNOWN_LOST, JSON.stringify(known));
}

/** The orders (and lines, payments, refunds) lost on spoilt pages, made again from the event log where it holds them whole. */
function rebuildOrders(dest: Db, tables: Map<string, TableSalvage>): ReturnType<typeof rebuildFromLog> {
  const damaged = ORDER_TABLES.filter((name) => unreadable(tables.get(name)));
  if (damaged.length === 0) return { rebuilt: [], lost: [], incomplete: [], rows: { orders: 0, order_lines: 0, payments: 0, refunds: 0 } };
  const headSeq = logHead(dest, tables.get('events'));
  const r = rebuildFromLog(dest, { damage: new Map(damaged.map((name) => [name, tables.get(name)!])), headSeq });
  for (const name of ORDER_TABLES) {
    const t = tables.get(name);
    if (t) t.rebuilt = r.rows[name];
  }
  return r;
}

/**
 * The last seq the damaged store handed out (its AUTOINCREMENT, kept by keepSequences), or null when the
 * log's end is lost and how far the log went is not known. A log that lost its end went beyond its last seq
 * kept, so a sequence that says no further is no witness: its page, rewritten with every event, read whole but
 * as it was before (or failed, and SQLite's own stands). The log lost its end when its last page failed, or
 * when rows of orders were written after its last event: each is written with its event, at the same time.
 */
function logHead(dest: Db, events: TableSalvage | undefined): number | null {
  const one = (sql: string) => (dest.prepare(sql).pluck().get() as number | null | undefined) ?? 0;
  const head = one("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
  if (head > one('SELECT MAX(seq) FROM events')) return head;
  // a refund of an old bill keeps the order's change time: its own time counts
  const newestRow = one(
    `SELECT MAX(t) FROM (SELECT MAX(updated_at) AS t FROM orders UNION ALL SELECT MAX(created_at) FROM payments
       UNION ALL SELECT MAX(created_at) FROM refunds UNION ALL SELECT MAX(added_at) FROM order_lines)`,
  );
  return events?.lostTail || newestRow > one('SELECT MAX(at) FROM events') ? null : head;
}

/**
 * An order's number is its day's counter plus one; a lost counter (or one behind a kept order) would hand
 * out a number the day already has, and the unique (business_date, number) would refuse every new order.
 * The numbers of orders lost for good count too: a new order under the number of a bill on the counter
 * would be taken for it.
 */
function raiseOrderCounters(dest: Db, lost: readonly LostOrder[]): number {
  const numbers = lost.flatMap((o) => (o.lastSeen?.businessDate ? [{ day: o.lastSeen.businessDate, number: o.lastSeen.number }] : []));
  return dest
    .prepare(
      `INSERT INTO order_counters (business_date, last_number)
         SELECT day, MAX(number) FROM (
           SELECT business_date AS day, number FROM orders
           UNION ALL SELECT value ->> '$.day', value ->> '$.number' FROM json_each(?)
         ) WHERE true GROUP BY day
       ON CONFLICT (business_date) DO UPDATE SET last_number = excluded.last_number WHERE excluded.last_number > last_number`,
    )
    .run(JSON.stringify(numbers)).changes;
}

/**
 * Orders whose stored totals the lines and payments kept no longer add up to (what settle() in
 * hub/domain/order.ts keeps), and `known`: those the log showed lacking a line, payment or refund.
 */
function incompleteOrders(dest: Db, known: readonly string[]): { id: string; number: number; businessDate: string }[] {
  const named = new Set(known);
  const byTotals = dest
    .prepare(
      `SELECT o.id, o.number, o.business_date AS businessDate FROM orders o
        WHERE o.status <> 'merged' AND (
          o.subtotal_minor <> (SELECT COALESCE(SUM(l.line_total_minor), 0) FROM order_lines l WHERE l.order_id = o.id AND l.status <> 'voided')
          OR o.paid_minor <> (SELECT COALESCE(SUM(p.amount_minor), 0) FROM payments p WHERE p.order_id = o.id)
                           - (SELECT COALESCE(SUM(r.amount_minor), 0) FROM refunds r WHERE r.order_id = o.id))
        ORDER BY o.created_at`,
    )
    .all() as { id: string; number: number; businessDate: string }[];
  for (const o of byTotals) named.delete(o.id);
  const get = dest.prepare('SELECT id, number, business_date AS businessDate FROM orders WHERE id = ?');
  const more = [...named].flatMap((id) => (get.all(id) as { id: string; number: number; businessDate: string }[]));
  return [...byTotals, ...more];
}

function warningsOf(dest: Db): string[] {
  const warnings: string[] = [];
  const count = (sql: string) => dest.prepare(sql).pluck().get() as number;
  if (count('SELECT COUNT(*) FROM items') === 0) {
    warnings.push(
      'no dish of the menu could be kept: a hub started on it with HUB_SEED=demo (the default) would load the demo menu and staff into it. Set HUB_SEED=none before starting it, and enter the menu again',
    );
  }
  if (count("SELECT COUNT(*) FROM staff WHERE role = 'manager' AND active") === 0) {
    warnings.push('no manager could be kept: nobody could sign in to add staff. Restore the newest backup instead');
  }
  return warnings;
}

/** What a store holds, for comparing a salvaged copy with a backup: rows per table, its newest order and event. */
export interface StoreFigures {
  rows: Map<string, number>;
  newestOrder: { number: number; businessDate: string; createdAt: number } | null;
  newestEvent: { seq: number; at: number } | null;
}

/** Reads `file` (a whole store: a backup, a salvaged copy) read-only. */
export function storeFigures(file: string, tables: readonly string[]): StoreFigures {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = new Map<string, number>();
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck();
    for (const t of tables) if (has.get(t)) rows.set(t, db.prepare(`SELECT COUNT(*) FROM ${q(t)}`).pluck().get() as number);
    const newestOrder = db.prepare('SELECT number, business_date AS businessDate, created_at AS createdAt FROM orders ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as
      | StoreFigures['newestOrder']
      | undefined;
    const newestEvent = db.prepare('SELECT seq, at FROM events ORDER BY seq DESC LIMIT 1').get() as StoreFigures['newestEvent'] | undefined;
    return { rows, newestOrder: newestOrder ?? null, newestEvent: newestEvent ?? null };
  } finally {
    db.close();
  }
}
