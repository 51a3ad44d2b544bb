/**
 * A salvage's `meta` (the store's own settings) when what the damaged store yields of it is not enough: what
 * it lacks is taken from the newest backup of the same store, key by key (salvage.ts calls it once every
 * table is copied, before anything reads the copy's log).
 *
 * `meta` holds what the rest of the store cannot be used without: the store's id and epoch, the key of every
 * staff PIN hash (secrets.ts: an HMAC, so without the right key no PIN signs in), and the dictionaries the
 * compactor packed old events, answers and ticket documents with (compactor.ts: a packed value names its
 * dictionary). It is small, often one page, and a spoilt page of it cost the whole salvage. None of those
 * ever change once written, so a backup of the same store holds the very same values; what the damaged store
 * still yields is kept (it is newer: a cursor further on, a setting changed since) and only the keys it lacks
 * are taken from the backup.
 *
 * The same store: its id, when the damaged store still yields it; else its PIN key; else a PIN hash kept in
 * both (an HMAC under the store's own random key: equal hashes mean the same key, which is what signing in
 * needs); else an order kept in both (its id is random, its time the same). A backup that shows none of these
 * is not used: refused rather than a store whose staff cannot sign in.
 *
 * What the backup cannot give: a dictionary made after it was taken. A value packed with a dictionary the copy
 * lacks cannot be read, and every reader of the hub would fail on it (a device resuming its stream, a retried
 * request, a reprint). Such a value is taken from the backup when it holds the same row (written before it was
 * taken, packed after): its value as written, which the compactor packs again later. Otherwise the row is
 * removed and counted, as a row on a spoilt page is: an event missing from the log (the stream and the rebuild
 * know holes in it), an answer forgotten (a device resending that request has it run again, as after any lost
 * answer), a finished ticket no longer reprintable. No value is left that cannot be read, and none is read
 * with another dictionary: with no value naming a lost dictionary left, the compactor may hand its number
 * out again, so a dictionary taken from a backup is first checked against the values both hold
 * (refuseOtherDictionaries).
 *
 * Cursors taken from the backup are behind: the compactor goes over the newer rows again and leaves the ones
 * packed as they are (`isPacked`). The cursors are set back before the first value taken from the backup, so
 * that it is packed again too. `menu_version` from the backup is harmless: every device reloads the menu
 * after a restore (new epoch, and the menu's ETag carries the epoch and a hash of the menu).
 */
import Database from 'better-sqlite3';
import { unmarkStore } from './backups.ts';
import { ANSWERS, Dictionaries, EVENTS, noteDictionariesGiven } from './compactor.ts';
import type { Db } from './db.ts';

/** How a backup was told to be of the damaged store. */
export type SameStoreBy = 'store-id' | 'pin-key' | 'pin-hash' | 'order';

/** What became of the values packed with a dictionary the copy lacked, in one table. */
export interface PackedSalvage {
  table: PackedTable;
  /** taken, as written, from the backup's same row */
  fromBackup: number;
  /** rows removed: the backup has no such row (written after it was taken) */
  removed: number;
}

export type PackedTable = 'events' | 'idempotency_keys' | 'print_jobs';

export interface MetaSalvage {
  /** rows of `meta` were on a spoilt page (or refused), or the store's id, epoch or PIN key were not among those read */
  damaged: boolean;
  /** the backup what `meta` lacked was taken from; null when it lacked nothing, or no backup of this store was found */
  backup: {
    file: string;
    /** from its mark; null for a copy made by hand */
    takenAt: number | null;
    sameBy: SameStoreBy;
    /** the keys taken from it, which the damaged store did not yield */
    keys: string[];
  } | null;
  /** backups not used, newest first, and why */
  passedOver: { file: string; why: string }[];
  /** dictionaries stored values were packed with that neither the damaged store nor the backup holds */
  lostDictionaries: number[];
  /** per table, the values packed with a dictionary the copy lacked (only tables that had some) */
  packed: PackedSalvage[];
}

/** The columns the compactor packs (compactor.ts), how a row is found, and what shows a backup's row is the same row. */
const PACKED: readonly { table: PackedTable; column: string; key: string; same: readonly string[]; cursorKey: string | null }[] = [
  { table: 'events', column: 'payload', key: 'seq', same: ['type', 'at', 'topics', 'device_id', 'staff_id'], cursorKey: EVENTS.cursorKey },
  { table: 'idempotency_keys', column: 'body', key: 'key', same: ['principal', 'request_hash', 'status', 'created_at', 'body_event_seq'], cursorKey: ANSWERS.cursorKey },
  { table: 'print_jobs', column: 'document', key: 'id', same: ['idempotency_key', 'kind', 'order_id', 'created_at'], cursorKey: null },
];

/** A packed value (`z<dict>:…`, compactor.ts) as SQL sees it, and the dictionary it names. */
const PACKED_GLOB = (column: string) => `${column} GLOB 'z[0-9]*:*'`;
const DICT_OF = (column: string) => `CAST(substr(${column}, 2, instr(${column}, ':') - 2) AS INTEGER)`;

const IDENTITY = ['store_id', 'epoch', 'pin_key'] as const;

export class MetaUnusable extends Error {}

/**
 * Completes the copy's `meta` from the newest backup of the same store among `backups` (newest first) when
 * `damaged` or when stored values name dictionaries it lacks, and deals with the values still unreadable.
 * Throws MetaUnusable, saying why, when `meta` was damaged and no backup of the store can complete it.
 */
export function settleMeta(dest: Db, o: { damaged: boolean; backups: readonly string[] }): MetaSalvage {
  const result: MetaSalvage = { damaged: o.damaged || !hasIdentity(dest), backup: null, passedOver: [], lostDictionaries: [], packed: [] };
  // one pass over the packed columns: the numbers they name do not change, only which of them meta holds
  const used = usedDictionaries(dest);
  if (result.damaged || missingOf(dest, used).length > 0) {
    const own = new Map((dest.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    for (const file of o.backups) {
      // all of it or none: a backup that fails half way leaves nothing of it for the next one to meet
      const found = withBackup(file, (backup) =>
        dest.transaction(() => {
          const same = sameStore(dest, own, backup);
          if ('why' in same) return same;
          const taken = takeKeys(dest, backup);
          const refused = refuseOtherDictionaries(dest, backup, taken);
          const keys = taken.filter((k) => !refused.has(k));
          return { sameBy: same.by, keys, takenAt: markOf(backup), ...settlePacked(dest, used, backup) };
        })(),
      );
      if ('why' in found) {
        result.passedOver.push({ file, why: found.why });
        continue;
      }
      result.backup = { file, takenAt: found.takenAt, sameBy: found.sameBy, keys: found.keys };
      result.packed = found.packed;
      result.lostDictionaries = found.lost;
      break;
    }
  }
  // whatever the damaged store yields of the rest, a spoilt page of meta may have held anything: a setting, a
  // dictionary whose values are not found before the rows are read, the identity itself
  if ((result.damaged && !result.backup) || !hasIdentity(dest)) {
    const why = result.backup
      ? `the backup ${result.backup.file} lacks them too`
      : result.passedOver.length === 0
        ? 'there is no backup to take them from'
        : `no backup of this store could give them (${result.passedOver.map((p) => `${p.file}: ${p.why}`).join('; ')})`;
    throw new MetaUnusable(why);
  }
  // the damaged store may have been a backup itself, restored and never opened: its mark would be taken for
  // this copy's own; the backup's mark is not this copy's either
  unmarkStore(dest);
  if (result.backup) {
    const has = dest.prepare('SELECT 1 FROM meta WHERE key = ?');
    result.backup.keys = result.backup.keys.filter((k) => has.get(k) !== undefined);
  } else {
    // a `meta` read whole that lacks a dictionary (a page the disk never wrote) and no backup of the store
    ({ packed: result.packed, lost: result.lostDictionaries } = settlePacked(dest, used, null));
  }
  // the compactor's note of the numbers it gave may have gone with the page, or come back older from the
  // backup: no number a value named, lost or kept, is given again (a value of an older backup packed with the
  // lost dictionary would read as garbage with a new one of the same number)
  noteDictionariesGiven(dest, [...used]);
  return result;
}

export function hasIdentity(dest: Db): boolean {
  const n = dest.prepare(`SELECT COUNT(*) FROM meta WHERE key IN (${IDENTITY.map((k) => `'${k}'`).join(', ')}) AND value <> ''`).pluck().get() as number;
  return n === IDENTITY.length;
}

/** The dictionaries values in `db` are packed with (a read of every packed column). */
function usedDictionaries(db: Db): Set<number> {
  const used = new Set<number>();
  for (const c of PACKED) {
    for (const id of db.prepare(`SELECT DISTINCT ${DICT_OF(c.column)} FROM ${c.table} WHERE ${PACKED_GLOB(c.column)}`).pluck().all() as number[]) used.add(id);
  }
  return used;
}

/** Those of `used` that `meta` lacks, in order. */
function missingOf(db: Db, used: ReadonlySet<number>): number[] {
  const dicts = new Dictionaries(db);
  return [...used].filter((id) => dicts.get(id) === undefined).sort((a, b) => a - b);
}

/** Opens a backup read-only for `use`; a backup that cannot be read is passed over, saying why. */
function withBackup<T extends object>(file: string, use: (backup: Database.Database) => T | { why: string }): T | { why: string } {
  let backup: Database.Database;
  try {
    backup = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    return { why: `cannot be opened (${(err as Error).message})` };
  }
  try {
    return use(backup);
  } catch (err) {
    // a backup damaged in its turn, or not a store of ours
    if (!String((err as { code?: unknown }).code ?? '').startsWith('SQLITE_')) throw err;
    return { why: `cannot be read (${(err as Error).message})` };
  } finally {
    backup.close();
  }
}

function sameStore(dest: Db, own: ReadonlyMap<string, string>, backup: Database.Database): { by: SameStoreBy } | { why: string } {
  const theirs = (key: string) => backup.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
  for (const [key, by, what] of [['store_id', 'store-id', 'id'], ['pin_key', 'pin-key', 'PIN key']] as const) {
    const mine = own.get(key);
    if (mine === undefined || mine === '') continue;
    // either is conclusive: a store's id and PIN key are made once, at random, and never change
    return mine === theirs(key) ? { by } : { why: `a backup of another store (its ${what} is not this store's)` };
  }
  const hashes = backup.prepare('SELECT id, pin_hash AS pinHash FROM staff').all() as { id: string; pinHash: string }[];
  const keptHash = dest.prepare('SELECT 1 FROM staff WHERE id = ? AND pin_hash = ?');
  if (hashes.some((s) => keptHash.get(s.id, s.pinHash) !== undefined)) return { by: 'pin-hash' };
  const orders = backup.prepare('SELECT id, created_at AS createdAt FROM orders ORDER BY _rowid_ DESC LIMIT 1000').all() as { id: string; createdAt: number }[];
  const keptOrder = dest.prepare('SELECT 1 FROM orders WHERE id = ? AND created_at = ?');
  if (orders.some((r) => keptOrder.get(r.id, r.createdAt) !== undefined)) return { by: 'order' };
  return { why: "nothing shows it is this store's: the store's id and PIN key were on the spoilt page, and it shares no staff PIN hash and no order with what was kept" };
}

/** Inserts the backup's keys the copy lacks; returns them. */
function takeKeys(dest: Db, backup: Database.Database): string[] {
  const rows = backup.prepare('SELECT key, value FROM meta ORDER BY key').all() as { key: string; value: string }[];
  const insert = dest.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
  return dest.transaction(() => rows.filter((r) => insert.run(r.key, r.value).changes > 0).map((r) => r.key))();
}

/**
 * The dictionaries taken from the backup that are not the ones the copy's values were packed with, removed
 * again: a number is handed out again once no value names it (a salvage that lost a dictionary removes every
 * value that did), so a backup older than such a salvage holds another dictionary under it, and raw deflate,
 * which has no checksum, would read the values as something else. Checked on values the copy and the backup
 * both hold (the same row): read with the dictionary taken, each must be the backup's as written. A
 * dictionary with no value in both to check it by is kept (the store's own, by its number).
 */
function refuseOtherDictionaries(dest: Db, backup: Database.Database, taken: readonly string[]): Set<string> {
  const refused = new Set<string>();
  const theirs = new Dictionaries(backup);
  for (const key of taken) {
    const id = /_dict_(\d+)$/.exec(key)?.[1];
    if (id === undefined) continue;
    const ours = new Dictionaries(dest);
    const differs = PACKED.some((c) => {
      const rows = dest.prepare(`SELECT * FROM ${c.table} WHERE ${c.column} GLOB 'z${id}:*' ORDER BY _rowid_ LIMIT ${CHECKED_PER_DICTIONARY}`).all() as Record<string, unknown>[];
      const same = backup.prepare(`SELECT * FROM ${c.table} WHERE ${c.key} = ?`);
      return rows.some((row) => {
        const their = same.get(row[c.key]) as Record<string, unknown> | undefined;
        if (!their || !c.same.every((col) => (their[col] ?? null) === row[col])) return false;
        const written = readable(String(their[c.column]), theirs);
        return written !== null && readable(String(row[c.column]), ours) !== written;
      });
    });
    if (!differs) continue;
    dest.prepare('DELETE FROM meta WHERE key = ?').run(key);
    refused.add(key);
  }
  return refused;
}

/** Values read to check a dictionary taken from a backup, per column. */
const CHECKED_PER_DICTIONARY = 20;

function markOf(backup: Database.Database): number | null {
  const mark = backup.prepare("SELECT value FROM meta WHERE key = 'backup_taken_at'").pluck().get() as string | undefined;
  return mark === undefined ? null : Number(mark);
}

/**
 * The values packed with a dictionary the copy lacks: each taken from the backup's same row, as written, or
 * its row removed. Then the compactors' cursors set back before the first value taken, to pack it again.
 */
function settlePacked(dest: Db, used: ReadonlySet<number>, backup: Database.Database | null): { packed: PackedSalvage[]; lost: number[] } {
  const missing = missingOf(dest, used);
  if (missing.length === 0) return { packed: [], lost: [] };
  const theirDicts = backup ? new Dictionaries(backup) : null;
  const out: PackedSalvage[] = [];
  for (const c of PACKED) {
    const rows = dest
      .prepare(`SELECT _rowid_ AS rowid, ${c.key} AS key, ${c.same.join(', ')} FROM ${c.table} WHERE ${PACKED_GLOB(c.column)} AND ${DICT_OF(c.column)} IN (${missing.join(', ')}) ORDER BY _rowid_`)
      .all() as Record<string, unknown>[];
    if (rows.length === 0) continue;
    // `*`: a backup from before an update may lack a column of `same`, and a statement naming it would fail
    const theirs = backup?.prepare(`SELECT * FROM ${c.table} WHERE ${c.key} = ?`);
    const set = dest.prepare(`UPDATE ${c.table} SET ${c.column} = ? WHERE _rowid_ = ?`);
    const remove = dest.prepare(`DELETE FROM ${c.table} WHERE _rowid_ = ?`);
    const done: PackedSalvage = { table: c.table, fromBackup: 0, removed: 0 };
    let firstTaken: number | null = null;
    dest.transaction(() => {
      for (const row of rows) {
        const their = theirs?.get(row.key) as Record<string, unknown> | undefined;
        const value = their && c.same.every((col) => (their[col] ?? null) === row[col]) ? readable(String(their[c.column]), theirDicts!) : null;
        if (value === null) {
          remove.run(row.rowid);
          done.removed++;
          continue;
        }
        set.run(value, row.rowid);
        done.fromBackup++;
        firstTaken ??= row.rowid as number;
      }
      if (c.cursorKey !== null && firstTaken !== null) {
        dest.prepare('UPDATE meta SET value = ? WHERE key = ? AND CAST(value AS INTEGER) >= ?').run(String(firstTaken - 1), c.cursorKey, firstTaken);
      }
    })();
    out.push(done);
  }
  return { packed: out, lost: missing };
}

/** A stored value as it was written, or null when `dicts` cannot read it (packed with a dictionary they lack, or not JSON). */
function readable(stored: string, dicts: Dictionaries): string | null {
  try {
    const text = dicts.unpack(stored);
    // every value the compactor packs is JSON: anything else is not the value that was written
    JSON.parse(text);
    return text;
  } catch {
    return null;
  }
}
