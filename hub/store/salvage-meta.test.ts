/**
 * Salvage of a store whose own settings (`meta`) are on a spoilt page, on real SQLite files: what the damaged
 * store no longer yields of them is taken from the newest backup of the same store, key by key; values packed
 * with a dictionary made after that backup are taken from the backup's same rows, or their rows removed and
 * counted, never left unreadable nor read with another dictionary; without a backup of the store, refused.
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupFileName, markAsBackup } from './backups.ts';
import { ANSWERS, Compactor, Dictionaries, EVENTS, isPacked, PRINT_JOBS, type CompactedColumn } from './compactor.ts';
import { openDb, readIdentity, type Db } from './db.ts';
import { salvageStore, SalvageError, type SalvageResult } from './salvage.ts';
import { pagesOf, quickCheck, rowsOf, spoil } from './salvage-test-support.ts';
import { nodeSecrets } from './secrets.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const DAY = '2026-11-26';
const START = 1_795_000_000_000;
const BACKUP_AT = START + 3_600_000;
const TAKEN_AT = START + 7_200_000;
const PIN = '4821';
const BEFORE = 120;
const AFTER = 120;

interface Store {
  dir: string;
  file: string;
  backups: string;
  /** every packed column's values as written, by rowid */
  written: Record<'events' | 'idempotency_keys' | 'print_jobs', Map<number, string>>;
}

function newStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-salvage-meta-'));
  dirs.push(dir);
  const backups = join(dir, 'backups');
  mkdirSync(backups);
  return { dir, file: join(dir, 'brigade.db'), backups, written: { events: new Map(), idempotency_keys: new Map(), print_jobs: new Map() } };
}

/** A menu and a manager whose PIN hash is made with the store's own key, as the hub makes it. */
function setUp(db: Db): void {
  const { hashPin } = nodeSecrets(readIdentity(db).pinKey);
  db.transaction(() => {
    db.prepare("INSERT INTO stations (id, name_zh, name_en, target_prep_seconds) VALUES ('hot', '热菜', 'Hot', 600)").run();
    db.prepare("INSERT INTO categories (id, name_zh, name_en, sort) VALUES ('mains', '主菜', 'Mains', 1)").run();
    db.prepare("INSERT INTO items (id, category_id, name_zh, name_en, price_minor, station_id, sort) VALUES ('mapo', 'mains', '麻婆豆腐', 'Mapo tofu', 1000, 'hot', 1)").run();
    db.prepare("INSERT INTO staff (id, name, role, pin_hash) VALUES ('s-1', 'Li', 'manager', ?)").run(hashPin(PIN));
    db.prepare("INSERT INTO meta (key, value) VALUES ('store_name', '川味小馆')").run();
  })();
}

/**
 * Orders `from`..`to`, each with its line, its event, an answer stored inline (a payment's, say) and a printed
 * kitchen ticket: one value of each column the compactor packs.
 */
function orders(s: Store, db: Db, from: number, to: number): void {
  const order = db.prepare(
    `INSERT INTO orders (id, number, business_date, channel, status, subtotal_minor, discount_minor, total_minor, paid_minor, due_minor, revision, created_at, updated_at)
     VALUES (?, ?, ?, 'pos', 'placed', 1000, 0, 1000, 0, 1000, 1, ?, ?)`,
  );
  const line = db.prepare(
    `INSERT INTO order_lines (id, order_id, position, item_id, name_zh, name_en, station_id, qty, unit_price_minor, line_total_minor, options, course, status, added_at)
     VALUES (?, ?, 0, 'mapo', '麻婆豆腐', 'Mapo tofu', 'hot', 1, 1000, 1000, '[]', 1, 'fired', ?)`,
  );
  const event = db.prepare("INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES ('order.placed', ?, 'd-1', 's-1', 'orders', ?)");
  const answer = db.prepare("INSERT INTO idempotency_keys (key, principal, request_hash, status, body, body_event_seq, created_at) VALUES (?, 'staff:s-1', ?, 200, ?, NULL, ?)");
  const job = db.prepare(
    "INSERT INTO print_jobs (idempotency_key, kind, order_id, order_number, station_id, printer_id, state, document, created_at, updated_at) VALUES (?, 'kitchen', ?, ?, 'hot', 'p-hot', 'confirmed', ?, ?, ?)",
  );
  db.transaction(() => {
    for (let i = from; i <= to; i++) {
      const at = START + i * 1000;
      order.run(`o-${i}`, i, DAY, at, at);
      line.run(`l-${i}`, `o-${i}`, at);
      const payload = JSON.stringify({ order: { id: `o-${i}`, number: i, lines: [{ id: `l-${i}`, itemId: 'mapo', nameZh: '麻婆豆腐', nameEn: 'Mapo tofu', qty: 1 }] } });
      s.written.events.set(Number(event.run(at, payload).lastInsertRowid), payload);
      const body = JSON.stringify({ order: { id: `o-${i}`, number: i, paidMinor: 1000, dueMinor: 0 }, payment: { id: `p-${i}`, tender: 'cash' } });
      s.written.idempotency_keys.set(Number(answer.run(`key-${i}`, `h-${i}`, body, at).lastInsertRowid), body);
      const document = JSON.stringify({ kind: 'kitchen', station: 'Hot 热菜', number: i, lines: [{ name: '麻婆豆腐 Mapo tofu', qty: 1 }] });
      s.written.print_jobs.set(Number(job.run(`print-${i}`, `o-${i}`, String(i), document, at, at).lastInsertRowid), document);
    }
    db.prepare('INSERT INTO order_counters (business_date, last_number) VALUES (?, ?) ON CONFLICT (business_date) DO UPDATE SET last_number = excluded.last_number').run(DAY, to);
  })();
}

/** The compactor of each column (default: all) run to its end, as the hub's would in idle moments; every value old enough. */
function compactAll(db: Db, now: number, columns: readonly CompactedColumn[] = [EVENTS, ANSWERS, PRINT_JOBS]): void {
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  for (const column of columns) {
    const c = new Compactor(db, column, { submit: () => Promise.reject(new Error('not here')), idle: () => true, clock: () => now, minAgeMs: 1000, everyMs: 1000, log: quiet });
    for (let i = 0; i < 1000 && db.transaction(() => c.compactBatch(now))(); i++);
  }
}

/** A backup as the hub takes one: SQLite's own copy, marked with when it was taken. */
function backUp(s: Store, db: Db, takenAt: number): string {
  const file = join(s.backups, backupFileName(takenAt));
  db.prepare('VACUUM INTO ?').run(file);
  markAsBackup(file, takenAt);
  return file;
}

/**
 * `BEFORE` orders, a backup, `AFTER` more; compacted before the backup (its dictionaries are in it) or only
 * after (they are not), then stopped.
 */
function storeWithBackup(compacted: 'before-backup' | 'after-backup'): Store & { backup: string } {
  const s = newStore();
  const db = openDb(s.file);
  db.pragma('synchronous = OFF');
  setUp(db);
  orders(s, db, 1, BEFORE);
  if (compacted === 'before-backup') compactAll(db, BACKUP_AT);
  const backup = backUp(s, db, BACKUP_AT);
  orders(s, db, BEFORE + 1, BEFORE + AFTER);
  compactAll(db, TAKEN_AT);
  db.close();
  return { ...s, backup };
}

/** The page of `meta` that holds its rows (its dictionaries spill onto overflow pages of their own). */
function metaLeaf(file: string): number {
  const pages = pagesOf(file, 'meta');
  return (pages.find((p) => p.pagetype === 'leaf') ?? pages[0]!).pageno;
}

const salvage = (s: Store, backups: string[] = readdirSync(s.backups).sort().reverse().map((n) => join(s.backups, n))) =>
  salvageStore({ source: s.file, dest: join(s.dir, 'salvaged.db'), takenAt: TAKEN_AT, backups });

const meta = (file: string) => new Map(rowsOf(file, 'SELECT key, value FROM meta').map((r) => [r.key as string, r.value as string]));

/** Every value of the packed columns as the hub reads it back, by rowid; throws on one it cannot read. */
function readBack(file: string): Record<'events' | 'idempotency_keys' | 'print_jobs', Map<number, string>> {
  const db = new Database(file, { readonly: true });
  try {
    const dicts = new Dictionaries(db);
    const read = (sql: string) => new Map((db.prepare(sql).raw().all() as [number, string][]).map(([id, text]) => [id, dicts.unpack(text)]));
    return {
      events: read('SELECT seq, payload FROM events'),
      idempotency_keys: read('SELECT rowid, body FROM idempotency_keys'),
      print_jobs: read('SELECT id, document FROM print_jobs'),
    };
  } finally {
    db.close();
  }
}

const firstOf = <K, V>(m: Map<K, V>, n: number) => new Map([...m].slice(0, n));
const tableOf = (r: SalvageResult, name: string) => r.tables.find((t) => t.table === name)!;

describe('salvage of a store whose own settings (meta) are on a spoilt page', () => {
  it('takes them from the newest backup of the store; values packed with a dictionary made after it are taken from its same rows or removed, never read wrong', () => {
    const s = storeWithBackup('after-backup');
    const before = meta(s.file);
    // every value is packed with a dictionary the backup does not have
    expect([...before.keys()].filter((k) => k.includes('_dict_')).sort()).toEqual(['answer_dict_2', 'event_dict_1', 'print_dict_3']);
    expect([...meta(s.backup).keys()].some((k) => k.includes('_dict_'))).toBe(false);
    expect(rowsOf(s.file, "SELECT COUNT(*) AS n FROM events WHERE payload GLOB 'z1:*'")[0].n).toBe(BEFORE + AFTER);
    spoil(s.file, metaLeaf(s.file));
    expect(quickCheck(s.file)).not.toBe('ok');

    const r = salvage(s);

    // the settings: every one the backup has, the store's identity among them
    expect(r.meta).toMatchObject({ damaged: true, passedOver: [], lostDictionaries: [1, 2, 3], backup: { file: s.backup, takenAt: BACKUP_AT, sameBy: 'pin-hash' } });
    expect(r.meta.backup!.keys).toEqual(expect.arrayContaining(['store_id', 'epoch', 'pin_key', 'menu_version', 'store_name']));
    const got = meta(r.file);
    for (const key of ['store_id', 'pin_key', 'store_name']) expect(got.get(key), key).toBe(before.get(key));
    // the manager's PIN signs in: its hash is the one the restored key makes
    expect(rowsOf(r.file, 'SELECT pin_hash FROM staff')[0].pin_hash).toBe(nodeSecrets(got.get('pin_key')!).hashPin(PIN));

    // values written before the backup: taken from it as written; those after it: their rows removed, counted
    expect(r.meta.packed).toEqual([
      { table: 'events', fromBackup: BEFORE, removed: AFTER },
      { table: 'idempotency_keys', fromBackup: BEFORE, removed: AFTER },
      { table: 'print_jobs', fromBackup: BEFORE, removed: AFTER },
    ]);
    const back = readBack(r.file);
    expect(back.events).toEqual(firstOf(s.written.events, BEFORE));
    expect(back.idempotency_keys).toEqual(firstOf(s.written.idempotency_keys, BEFORE));
    expect(back.print_jobs).toEqual(firstOf(s.written.print_jobs, BEFORE));
    expect(tableOf(r, 'events').kept).toBe(BEFORE);
    // the orders are rows of their own: all kept
    expect(tableOf(r, 'orders').kept).toBe(BEFORE + AFTER);
    // marked as a backup of its own, not with the backup's mark
    expect(got.get('backup_taken_at')).toBe(String(TAKEN_AT));
    expect(quickCheck(r.file)).toBe('ok');

    // the compactors, from the first row again (their cursors were on the page, the backup had none), pack the
    // values taken again with dictionaries of their own, never numbered as a lost one (a value of an older
    // backup packed with it would read as garbage with another of its number), and every value reads as written
    const db = openDb(r.file);
    try {
      compactAll(db, TAKEN_AT + 3_600_000);
    } finally {
      db.close();
    }
    const made = [...meta(r.file).keys()].filter((k) => k.includes('_dict_')).map((k) => Number(k.slice(k.lastIndexOf('_') + 1)));
    expect(made.length).toBeGreaterThan(0);
    expect(Math.min(...made)).toBeGreaterThan(3);
    expect(rowsOf(r.file, 'SELECT payload FROM events').every((e) => isPacked(e.payload))).toBe(true);
    expect(readBack(r.file)).toEqual(back);
  });

  it('takes only what the spoilt page took: a dictionary on its overflow page comes from the backup, and the store\'s own settings stay as they are', () => {
    const s = storeWithBackup('before-backup');
    const db = new Database(s.file);
    // changed after the backup: the store's own value must win over the backup's
    db.prepare("UPDATE meta SET value = '川味小馆 二店' WHERE key = 'store_name'").run();
    db.close();
    const overflow = pagesOf(s.file, 'meta').filter((p) => p.pagetype === 'overflow');
    expect(overflow.length).toBeGreaterThan(3);
    // a page in the middle of the first dictionary's chain: that row alone is lost
    spoil(s.file, overflow[1]!.pageno);

    const r = salvage(s);

    expect(tableOf(r, 'meta').skipped).toHaveLength(1);
    expect(r.meta).toMatchObject({ damaged: true, backup: { sameBy: 'store-id', keys: ['event_dict_1'] }, packed: [], lostDictionaries: [] });
    const got = meta(r.file);
    expect(got.get('store_name')).toBe('川味小馆 二店');
    expect(got.get('events_compacted_seq')).toBe(String(BEFORE + AFTER));
    const back = readBack(r.file);
    expect(back.events).toEqual(s.written.events);
    expect(back.idempotency_keys).toEqual(s.written.idempotency_keys);
  });

  it('does not take from a backup a dictionary whose number the store gave again to another one (after a salvage that lost it): its values would read as something else', () => {
    const s = newStore();
    const db = openDb(s.file);
    db.pragma('synchronous = OFF');
    setUp(db);
    orders(s, db, 1, BEFORE);
    compactAll(db, BACKUP_AT, [EVENTS]);
    const backup = backUp(s, db, BACKUP_AT);
    // as a salvage that lost dictionary 1 and the compactor's note of the numbers it gave (on the same page)
    // leaves the store: no value names it, and its number is free again; the compactor, its cursor further
    // on, makes another dictionary 1 of other events
    const dicts = new Dictionaries(db);
    db.transaction(() => {
      for (const e of db.prepare('SELECT seq, payload FROM events').all() as { seq: number; payload: string }[]) db.prepare('UPDATE events SET payload = ? WHERE seq = ?').run(dicts.unpack(e.payload), e.seq);
      db.prepare("DELETE FROM meta WHERE key IN ('event_dict_1', 'dict_last_given')").run();
      db.prepare("UPDATE meta SET value = '60' WHERE key = 'events_compacted_seq'").run();
    })();
    orders(s, db, BEFORE + 1, BEFORE + AFTER);
    compactAll(db, TAKEN_AT, [EVENTS]);
    expect(meta(s.file).get('event_dict_1')).not.toBe(meta(backup).get('event_dict_1'));
    db.close();
    spoil(s.file, metaLeaf(s.file));

    const r = salvage(s);

    // the backup's dictionary 1 is refused; the values packed with the store's own are taken from the backup
    // (as written) where it holds them, the others lost: none read with the wrong dictionary
    expect(r.meta.backup).toMatchObject({ file: backup, sameBy: 'pin-hash' });
    expect(r.meta.backup!.keys).not.toContain('event_dict_1');
    expect(meta(r.file).has('event_dict_1')).toBe(false);
    expect(r.meta).toMatchObject({ lostDictionaries: [1], packed: [{ table: 'events', fromBackup: BEFORE - 60, removed: AFTER }] });
    expect(readBack(r.file).events).toEqual(firstOf(s.written.events, BEFORE));
    // the backup's cursor (all it had compacted) set back before the first value taken from it, to pack it again
    expect(meta(backup).get('events_compacted_seq')).toBe(String(BEFORE));
    expect(meta(r.file).get('events_compacted_seq')).toBe('60');
  });

  it.each([
    ['takes it from the backup', true, { backup: { sameBy: 'store-id', keys: ['event_dict_1'] }, packed: [], lostDictionaries: [] }, BEFORE + AFTER],
    ['without a backup, removes the rows whose values it packed, and says so', false, { backup: null, packed: [{ table: 'events', fromBackup: 0, removed: BEFORE + AFTER }], lostDictionaries: [1] }, 0],
  ] as const)('with a meta that reads whole but lacks a dictionary (a page the disk never wrote) %s: no value is left unreadable', (_, withBackup, expected, events) => {
    const s = storeWithBackup('before-backup');
    const db = new Database(s.file);
    db.prepare("DELETE FROM meta WHERE key = 'event_dict_1'").run();
    db.close();

    const r = salvage(s, withBackup ? [s.backup] : []);

    expect(r.meta).toMatchObject({ damaged: false, ...expected });
    const back = readBack(r.file);
    expect(back.events).toEqual(firstOf(s.written.events, events));
    expect(back.idempotency_keys).toEqual(s.written.idempotency_keys);
  });

  it('tells the backup is of this store by an order both hold when the store\'s id, its PIN key and its staff are all on spoilt pages', () => {
    const s = storeWithBackup('before-backup');
    spoil(s.file, metaLeaf(s.file), pagesOf(s.file, 'staff')[0]!.pageno);
    const r = salvage(s);
    expect(r.meta.backup).toMatchObject({ file: s.backup, sameBy: 'order' });
    expect(meta(r.file).get('store_id')).toBe(meta(s.backup).get('store_id'));
  });

  it('passes over a newer backup of another store, and a damaged one, for the newest of this store', () => {
    const s = storeWithBackup('before-backup');
    const other = newStore();
    const odb = openDb(other.file);
    setUp(odb);
    const otherBackup = backUp(s, odb, TAKEN_AT - 2);
    odb.close();
    const db = openDb(s.file);
    const damagedBackup = backUp(s, db, TAKEN_AT - 1);
    db.close();
    spoil(damagedBackup, metaLeaf(damagedBackup));
    spoil(s.file, metaLeaf(s.file));

    const r = salvage(s);

    expect(r.meta.backup).toMatchObject({ file: s.backup, sameBy: 'pin-hash' });
    expect(r.meta.passedOver).toEqual([
      { file: damagedBackup, why: expect.stringMatching(/^cannot be read \(.*malformed/) },
      { file: otherBackup, why: expect.stringMatching(/^nothing shows it is this store's/) },
    ]);
  });

  it.each([
    ['no backup', (_: Store & { backup: string }) => [] as string[], /there is no backup to take them from/],
    [
      'only a backup of another store',
      (s: Store & { backup: string }) => {
        // this store's id still readable (its dictionary's page spoilt): the other store's id says no
        const other = newStore();
        const odb = openDb(other.file);
        setUp(odb);
        const file = backUp(s, odb, TAKEN_AT - 1);
        odb.close();
        rmSync(s.backup);
        return [file];
      },
      /no backup of this store could give them \(.*a backup of another store \(its id is not this store's\)\)/,
    ],
  ] as const)('refuses with %s, saying why, and leaves nothing behind', (_, backups, why) => {
    const s = storeWithBackup('before-backup');
    spoil(s.file, pagesOf(s.file, 'meta').filter((p) => p.pagetype === 'overflow')[1]!.pageno);
    let err: unknown;
    try {
      salvage(s, backups(s));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SalvageError);
    expect(err).toMatchObject({ code: 'META_DAMAGED', message: expect.stringMatching(why) });
    expect(readdirSync(s.dir).filter((n) => n.startsWith('salvaged'))).toEqual([]);
  });
});
