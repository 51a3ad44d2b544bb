/**
 * The staff rows a spoilt page took, made again for a salvaged store (salvage.ts). They are not in the log as
 * orders are: no event holds a PIN hash. The newest backup the store's history runs through holds the people
 * it knew, with their hashes; the log's staff events say who came, left or changed their PIN since. A person the
 * backup holds and nothing changed since comes back as the backup has them (they sign in as before); one who
 * left since comes back as they left. One who came since, or whose PIN changed since (the old one may have
 * leaked), comes back inactive and without a PIN that signs in: a manager gives them a new PIN and re-activates
 * them. Nobody is made active who was not, nor signs in with a PIN the store no longer held. Those neither
 * a backup nor the log can give back (seeded, and no backup of the store) are named, to be added again.
 */
import Database from 'better-sqlite3';
import { Dictionaries } from './compactor.ts';
import type { Db } from './db.ts';
import { MARK, MARK_EPOCH, RESTORED_TAKEN_AT } from './backups.ts';

interface StaffRow {
  id: string;
  name: string;
  role: string;
  pinHash: string;
  active: number;
}

/** The people made again, and those of them who need a new PIN, by name. */
export interface StaffRebuilt {
  rows: number;
  needPin: string[];
  /**
   * People the copy still names (a sign-in, an order, an event of theirs) whom neither a backup nor the log
   * could make again: by the name an order of theirs keeps, else by their id.
   */
  lost: string[];
}

const ROLES: ReadonlySet<string> = new Set(['waiter', 'cashier', 'kitchen', 'manager']);

/** A PIN hash no PIN makes (hashes are hex), unique per person: the unique index on hashes never meets it twice. */
const noPin = (id: string) => `no-pin:${id}`;

/**
 * Makes again the people the copy lacks, from `backups` (newest first; see newestAncestor for which is used)
 * and the copy's log. Only called when the staff table lost rows.
 */
export function rebuildStaff(dest: Db, backups: readonly string[]): StaffRebuilt {
  const have = new Set(dest.prepare('SELECT id FROM staff').pluck().all() as string[]);
  const fromBackup = newestAncestor(dest, backups);
  const since = fromBackup?.headSeq ?? 0;
  // the last word of the log on each person, and whether anything of theirs happened after the backup
  const last = new Map<string, { name: string; role: string; active: boolean; pinChangedSince: boolean; changedSince: boolean }>();
  const dicts = new Dictionaries(dest);
  for (const e of dest.prepare("SELECT seq, type, payload FROM events WHERE type GLOB 'staff.*' ORDER BY seq").iterate() as IterableIterator<{ seq: number; type: string; payload: string }>) {
    let staff: { id?: unknown; name?: unknown; role?: unknown; active?: unknown } | undefined;
    try {
      staff = (JSON.parse(dicts.unpack(e.payload)) as { staff?: typeof staff }).staff;
    } catch {
      continue; // a payload that no longer reads: the backup's row, or nothing, stands
    }
    if (typeof staff?.id !== 'string' || typeof staff.name !== 'string' || typeof staff.role !== 'string' || !ROLES.has(staff.role)) continue;
    const was = last.get(staff.id);
    const after = e.seq > since;
    last.set(staff.id, {
      name: staff.name,
      role: staff.role,
      active: staff.active === true,
      changedSince: (was?.changedSince ?? false) || after,
      pinChangedSince: (was?.pinChangedSince ?? false) || (after && (e.type === 'staff.pin_changed' || e.type === 'staff.added')),
    });
  }

  const insert = dest.prepare('INSERT INTO staff (id, name, role, pin_hash, active) VALUES (@id, @name, @role, @pinHash, @active)');
  const rebuilt: StaffRebuilt = { rows: 0, needPin: [], lost: [] };
  const put = (row: StaffRow, needsPin: boolean) => {
    try {
      insert.run(row);
    } catch (err) {
      if (!String((err as { code?: unknown }).code ?? '').startsWith('SQLITE_CONSTRAINT')) throw err;
      // the PIN is another active person's now: this one needs a new one
      insert.run({ ...row, pinHash: noPin(row.id), active: 0 });
      needsPin = true;
    }
    rebuilt.rows++;
    if (needsPin) rebuilt.needPin.push(row.name);
  };
  dest.transaction(() => {
    for (const row of fromBackup?.staff ?? []) {
      if (have.has(row.id)) continue;
      have.add(row.id);
      const l = last.get(row.id);
      if (l?.pinChangedSince) put({ id: row.id, name: l.name, role: l.role, pinHash: noPin(row.id), active: 0 }, true);
      // left or came back since: as the log last said, with the PIN the backup holds
      else if (l?.changedSince) put({ ...row, name: l.name, role: l.role, active: l.active ? 1 : 0 }, false);
      else put(row, false);
    }
    for (const [id, l] of last) {
      if (have.has(id)) continue;
      put({ id, name: l.name, role: l.role, pinHash: noPin(id), active: 0 }, l.active);
    }
  })();
  rebuilt.lost = stillNamed(dest);
  return rebuilt;
}

/**
 * Those the copy names and has no row of: whoever signed in, took an order or set a float, or acted in the log.
 * Staff are never deleted (only deactivated), so each of them was on the spoilt page. Before what a lost person
 * leaves dangling (their sign-ins) is removed.
 */
function stillNamed(dest: Db): string[] {
  const ids = dest
    .prepare(
      `SELECT staff_id FROM staff_sessions UNION SELECT staff_id FROM orders UNION SELECT staff_id FROM day_floats
       UNION SELECT staff_id FROM events EXCEPT SELECT id FROM staff`,
    )
    .pluck()
    .all()
    .filter((id): id is string => typeof id === 'string');
  // the name the newest order of theirs was taken under; a sign-in or an event keeps none
  const nameOf = dest.prepare('SELECT staff_name FROM orders WHERE staff_id = ? AND staff_name IS NOT NULL ORDER BY created_at DESC LIMIT 1').pluck();
  return ids.map((id) => {
    const name = nameOf.get(id) as string | undefined;
    return name === undefined ? `id ${id}` : `${name} (id ${id})`;
  });
}

interface Ancestor {
  staff: StaffRow[];
  /** the last event of the log the backup holds: the copy's staff events after it happened since */
  headSeq: number;
}

/**
 * The staff of the newest backup the store's history runs through, and its log's head. Each restore starts a
 * new epoch (backups.ts), so within one epoch the history is one line: the newest backup of this store in its
 * epoch is the one. Until the hub takes its first backup in a new epoch, that is the backup the store was
 * restored from (`restored_backup_taken_at` names its mark); the old epoch's later backups are another history
 * (people this store never had, PINs it never held). A backup whose last event the copy holds otherwise is not
 * of this history either, whatever its meta says.
 */
function newestAncestor(dest: Db, backups: readonly string[]): Ancestor | null {
  const meta = dest.prepare('SELECT value FROM meta WHERE key = ?').pluck();
  const storeId = meta.get('store_id') as string | undefined;
  const epoch = meta.get('epoch') as string | undefined;
  const restoredFrom = meta.get(RESTORED_TAKEN_AT) as string | undefined;
  const eventAt = dest.prepare('SELECT type, at FROM events WHERE seq = ?');
  let restored: Ancestor | null = null;
  for (const file of backups) {
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      const theirs = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
      if (theirs.get('store_id') !== storeId) continue;
      const ofThisEpoch = (theirs.get(MARK_EPOCH) ?? theirs.get('epoch')) === epoch;
      const restoredHere = restored === null && restoredFrom !== undefined && theirs.get(MARK) === restoredFrom;
      if (!ofThisEpoch && !restoredHere) continue;
      const headSeq = (db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number | null) ?? 0;
      const ours = eventAt.get(headSeq) as { type: string; at: number } | undefined;
      const last = db.prepare('SELECT type, at FROM events WHERE seq = ?').get(headSeq) as { type: string; at: number } | undefined;
      // the copy may lack that event (a spoilt page of the log): then the epoch, or the restore's note, alone says
      if (ours && last && (ours.type !== last.type || ours.at !== last.at)) continue;
      const found = { staff: db.prepare('SELECT id, name, role, pin_hash AS pinHash, active FROM staff').all() as StaffRow[], headSeq };
      if (ofThisEpoch) return found;
      restored = found;
    } catch {
      // unreadable, or not a store: the next one
    } finally {
      db?.close();
    }
  }
  return restored;
}
