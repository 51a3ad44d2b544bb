/**
 * Salvage of a damaged store, on real SQLite files with real pages overwritten (as a power cut on a lying
 * disk leaves them): every row on the other pages is kept, what was lost is counted, and what a lost row
 * leaves dangling is removed, so the copy is a store the hub can run on.
 */
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptRestoredBackup, inspectStore } from './backups.ts';
import { newestMigration, openDb, readIdentity, type Db } from './db.ts';
import { salvageStore, SalvageError, type SalvageResult, type TableSalvage } from './salvage.ts';
import { pagesOf, quickCheck, rowsOf, spoil } from './salvage-test-support.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const DAY = '2026-11-26';
const ORDERS = 400;
const TAKEN_AT = 1_795_000_000_000;

/** A stopped hub's store: a menu, a manager, `ORDERS` orders of three lines, half paid, two events each. */
function makeStore(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-salvage-'));
  dirs.push(dir);
  const file = join(dir, 'brigade.db');
  const db = openDb(file);
  fill(db);
  db.close();
  return { dir, file };
}

function fill(db: Db): void {
  db.transaction(() => {
    db.prepare("INSERT INTO stations (id, name_zh, name_en, target_prep_seconds) VALUES ('hot', '热菜', 'Hot', 600)").run();
    db.prepare("INSERT INTO categories (id, name_zh, name_en, sort) VALUES ('mains', '主菜', 'Mains', 1)").run();
    db.prepare("INSERT INTO items (id, category_id, name_zh, name_en, price_minor, station_id, sort) VALUES ('mapo', 'mains', '麻婆豆腐', 'Mapo tofu', 1000, 'hot', 1)").run();
    db.prepare("INSERT INTO staff (id, name, role, pin_hash) VALUES ('s-1', 'Li', 'manager', 'hash')").run();
    const order = db.prepare(
      `INSERT INTO orders (id, number, business_date, channel, status, subtotal_minor, discount_minor, total_minor, paid_minor, due_minor, revision, created_at, updated_at)
       VALUES (?, ?, ?, 'pos', 'placed', 3000, 0, 3000, ?, ?, 1, ?, ?)`,
    );
    const line = db.prepare(
      `INSERT INTO order_lines (id, order_id, position, item_id, name_zh, name_en, station_id, qty, unit_price_minor, line_total_minor, options, course, status, added_at)
       VALUES (?, ?, ?, 'mapo', '麻婆豆腐', 'Mapo tofu', 'hot', 1, 1000, 1000, '[]', 1, 'fired', ?)`,
    );
    const payment = db.prepare("INSERT INTO payments (id, order_id, tender, amount_minor, change_minor, created_at) VALUES (?, ?, 'cash', 3000, 0, ?)");
    const event = db.prepare("INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES ('order.placed', ?, NULL, NULL, 'orders', ?)");
    const answer = db.prepare("INSERT INTO idempotency_keys (key, principal, request_hash, status, body, body_event_seq, created_at) VALUES (?, 'staff', 'h', 201, '', ?, ?)");
    for (let i = 1; i <= ORDERS; i++) {
      const at = 1_795_000_000_000 + i * 1000;
      const paid = i % 2 === 0;
      order.run(`o-${i}`, i, DAY, paid ? 3000 : 0, paid ? 0 : 3000, at, at);
      for (let k = 1; k <= 3; k++) line.run(`l-${i}-${k}`, `o-${i}`, k, at);
      if (paid) payment.run(`p-${i}`, `o-${i}`, at);
      // one order's answer is long enough to spill onto an overflow page of its own
      const payload = JSON.stringify({ order: { id: `o-${i}`, number: i }, pad: i === 150 ? 'x'.repeat(9000) : 'x'.repeat(120) });
      const seq = event.run(at, payload).lastInsertRowid;
      answer.run(`key-${i}`, seq, at);
      event.run(at, JSON.stringify({ order: { id: `o-${i}` }, fired: true }));
    }
    db.prepare('INSERT INTO order_counters (business_date, last_number) VALUES (?, ?)').run(DAY, ORDERS);
  })();
}

/**
 * A leaf `part` of the way along a rowid table whose rowids run from 1 with none deleted, and the rowids it
 * holds (a table b-tree keeps its rows in its leaves only, in rowid order).
 */
function leaf(file: string, table: string, part: number): { pageno: number; first: number; last: number } {
  const leaves = pagesOf(file, table).filter((p) => p.pagetype === 'leaf');
  const nth = Math.floor(leaves.length * part);
  const before = leaves.slice(0, nth).reduce((n, p) => n + p.ncell, 0);
  const page = leaves[nth]!;
  return { pageno: page.pageno, first: before + 1, last: before + page.ncell };
}

const rows = rowsOf;

const tableOf = (r: SalvageResult, name: string): TableSalvage => r.tables.find((t) => t.table === name)!;
const range = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);

describe('salvageStore', () => {
  it('keeps every row on the pages that are whole, counts what the spoilt ones held, and removes what a lost order leaves behind', () => {
    const { dir, file } = makeStore();
    const lostOrders = leaf(file, 'orders', 0.25);
    const lostLines = leaf(file, 'order_lines', 0.75);
    const overflow = pagesOf(file, 'events').find((p) => p.pagetype === 'overflow')!;
    const linesIndex = pagesOf(file, 'order_lines_order').filter((p) => p.pagetype === 'leaf')[3]!;
    const counters = pagesOf(file, 'order_counters')[0]!;
    const before = {
      orders: rows(file, 'SELECT _rowid_ AS r, * FROM orders ORDER BY _rowid_'),
      lines: rows(file, 'SELECT _rowid_ AS r, * FROM order_lines ORDER BY _rowid_'),
      payments: rows(file, 'SELECT _rowid_ AS r, * FROM payments ORDER BY _rowid_'),
      events: rows(file, 'SELECT * FROM events ORDER BY seq'),
      bigEvent: rows(file, "SELECT seq FROM events WHERE length(payload) > 5000")[0].seq as number,
    };
    // the pages chosen hold rows of different orders: the lines lost are not the lost orders' own
    const ordersLost = new Set(before.orders.filter((o) => o.r >= lostOrders.first && o.r <= lostOrders.last).map((o) => o.id as string));
    const linesLost = before.lines.filter((l) => l.r >= lostLines.first && l.r <= lostLines.last);
    expect(linesLost.some((l) => ordersLost.has(l.order_id))).toBe(false);
    spoil(file, lostOrders.pageno, lostLines.pageno, overflow.pageno, linesIndex.pageno, counters.pageno);
    // the damage is real: SQLite's own check finds it
    expect(quickCheck(file)).not.toBe('ok');

    const dest = join(dir, 'backups', 'salvaged.db');
    const r = salvageStore({ source: file, dest, takenAt: TAKEN_AT, batch: 50 });

    const orders = tableOf(r, 'orders');
    expect(orders).toMatchObject({ lostRowids: lostOrders.last - lostOrders.first + 1, lostTail: false, rejected: 0, removed: 0, kept: ORDERS - ordersLost.size });
    expect(orders.skipped).toEqual([{ after: lostOrders.first - 1, before: lostOrders.last + 1 }]);
    expect(rows(dest, 'SELECT _rowid_ AS r, * FROM orders ORDER BY _rowid_')).toEqual(before.orders.filter((o) => !ordersLost.has(o.id)));

    // the lines of a lost order are removed with it; the lines on the spoilt page are counted
    const lines = tableOf(r, 'order_lines');
    const orphans = before.lines.filter((l) => ordersLost.has(l.order_id));
    expect(orphans.length).toBe(3 * ordersLost.size);
    expect(lines).toMatchObject({ lostRowids: linesLost.length, removed: orphans.length, kept: before.lines.length - linesLost.length - orphans.length });
    const lostLineIds = new Set([...linesLost, ...orphans].map((l) => l.id));
    expect(rows(dest, 'SELECT _rowid_ AS r, * FROM order_lines ORDER BY _rowid_')).toEqual(before.lines.filter((l) => !lostLineIds.has(l.id)));
    const payments = tableOf(r, 'payments');
    expect(payments.removed).toBe(before.payments.filter((p) => ordersLost.has(p.order_id)).length);
    expect(payments.lostRowids).toBe(0);

    // one event's overflow page: that event alone, and the answer kept in it (a replay would read nothing)
    expect(tableOf(r, 'events')).toMatchObject({ lostRowids: 1, skipped: [{ after: before.bigEvent - 1, before: before.bigEvent + 1 }] });
    expect(rows(dest, 'SELECT * FROM events ORDER BY seq')).toEqual(before.events.filter((e) => e.seq !== before.bigEvent));
    expect(tableOf(r, 'idempotency_keys')).toMatchObject({ lostRowids: 0, removed: 1, kept: ORDERS - 1 });

    // the day's counter was on its own spoilt page: rebuilt from the orders kept, so no number comes twice
    expect(tableOf(r, 'order_counters')).toMatchObject({ lostTail: true, skipped: [{ after: null, before: null }] });
    expect(r.countersRaised).toBe(1);
    const highestKept = Math.max(...before.orders.filter((o) => !ordersLost.has(o.id)).map((o) => o.number as number));
    expect(rows(dest, 'SELECT last_number FROM order_counters WHERE business_date = ?', DAY)[0].last_number).toBe(highestKept);

    // this store's events are not the hub's (a payload of a few fields): nothing rebuilt, the lost orders named
    expect(r.rebuilt).toEqual([]);
    expect(r.lostOrders.map((o) => [o.id, o.why, o.lastSeen]).sort()).toEqual([...ordersLost].sort().map((id) => [id, 'unreadable', null]));

    // the orders whose lines were on the spoilt page add up no more: named, for the manager to check
    expect(r.ordersToCheck.map((o) => o.id).sort()).toEqual([...new Set(linesLost.map((l) => l.order_id as string))].sort());
    expect(r.warnings).toEqual([]);

    // a whole store, with the damaged one's identity, marked as a backup, which this Brigade opens
    expect(quickCheck(dest)).toBe('ok');
    expect(rows(dest, 'PRAGMA foreign_key_check')).toEqual([]);
    expect(r.summary).toMatchObject({ takenAt: TAKEN_AT, orders: ORDERS - ordersLost.size, migratedTo: newestMigration() });
    expect(readdirSync(join(dir, 'backups'))).toEqual(['salvaged.db']);
    // it holds the tokens' hashes and the PIN key, as a backup does
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    const db = openDb(dest);
    try {
      const epoch = readIdentity(db).epoch;
      expect(adoptRestoredBackup(db, TAKEN_AT + 1).adoptedNow).toBe(true);
      expect(readIdentity(db).epoch).not.toBe(epoch);
    } finally {
      db.close();
    }
  });

  it('does not hand out again the seqs of events lost at the head of the log (a device or HQ may have seen them)', () => {
    const { dir, file } = makeStore();
    const leaves = pagesOf(file, 'events').filter((p) => p.pagetype === 'leaf');
    const head = rows(file, 'SELECT MAX(seq) AS seq FROM events')[0].seq as number;
    spoil(file, leaves[leaves.length - 1]!.pageno);
    const dest = join(dir, 'salvaged.db');
    const r = salvageStore({ source: file, dest, takenAt: TAKEN_AT });
    const events = tableOf(r, 'events');
    expect(events).toMatchObject({ lostTail: true, kept: head - leaves[leaves.length - 1]!.ncell });
    expect(events.skipped).toEqual([{ after: events.kept, before: null }]);
    expect(rows(dest, "SELECT seq FROM sqlite_sequence WHERE name = 'events'")[0].seq).toBe(head);
  });

  it('refuses a store whose own settings (meta: its id, epoch, PIN key) are on a spoilt page when there is no backup to take them from, and leaves nothing behind', () => {
    const { dir, file } = makeStore();
    spoil(file, pagesOf(file, 'meta')[0]!.pageno);
    const dest = join(dir, 'backups', 'salvaged.db');
    let err: unknown;
    try {
      salvageStore({ source: file, dest, takenAt: TAKEN_AT });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SalvageError);
    expect(err).toMatchObject({ code: 'META_DAMAGED', message: expect.stringMatching(/settings .* damaged page.*npm run restore/) });
    expect(readdirSync(join(dir, 'backups'))).toEqual([]);
  });

  it('copies a whole store row for row, with its WAL, and adds only the mark of a backup', () => {
    const { dir, file } = makeStore();
    // the last orders are still in the WAL, as a hub killed outright leaves them (copied as they are on disk)
    const live = openDb(file);
    live.pragma('wal_autocheckpoint = 0');
    live.transaction(() => {
      live.prepare("INSERT INTO orders (id, number, business_date, channel, status, subtotal_minor, discount_minor, total_minor, paid_minor, due_minor, revision, created_at, updated_at) VALUES ('o-wal', ?, ?, 'kiosk', 'placed', 0, 0, 0, 0, 0, 1, 1, 1)").run(ORDERS + 1, DAY);
      live.prepare('UPDATE order_counters SET last_number = ? WHERE business_date = ?').run(ORDERS + 1, DAY);
    })();
    const copyDir = mkdtempSync(join(tmpdir(), 'brigade-salvage-'));
    dirs.push(copyDir);
    for (const suffix of ['', '-wal']) copyFileSync(file + suffix, join(copyDir, `brigade.db${suffix}`));
    live.close();
    const source = join(copyDir, 'brigade.db');
    const sourceBytes = readFileSync(source);

    const dest = join(dir, 'salvaged.db');
    const r = salvageStore({ source, dest, takenAt: TAKEN_AT });
    for (const t of r.tables) expect(t, t.table).toMatchObject({ skipped: [], lostRowids: 0, lostTail: false, rejected: 0, removed: 0, cleared: 0 });
    expect(r).toMatchObject({ ordersToCheck: [], countersRaised: 0, warnings: [] });
    // nothing was written to the store salvaged
    expect(readFileSync(source).equals(sourceBytes)).toBe(true);

    const tables = rows(dest, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('__drizzle_migrations', 'meta')").map((t) => t.name as string);
    expect(tables).toEqual(expect.arrayContaining(['orders', 'order_lines', 'payments', 'events', 'idempotency_keys', 'sqlite_sequence']));
    for (const t of tables) {
      const order = t === 'sqlite_sequence' ? 'name' : '_rowid_';
      const sql = `SELECT ${t === 'sqlite_sequence' ? '' : '_rowid_ AS r, '}* FROM "${t}" ORDER BY ${order}`;
      expect(rows(dest, sql), t).toEqual(rows(source, sql));
    }
    expect(rows(dest, 'SELECT COUNT(*) AS n FROM orders')[0].n).toBe(ORDERS + 1);
    const meta = (f: string) => rows(f, "SELECT key, value FROM meta WHERE key NOT IN ('backup_taken_at', 'backup_of_epoch') ORDER BY key");
    expect(meta(dest)).toEqual(meta(source));
    expect(rows(dest, "SELECT value FROM meta WHERE key = 'backup_taken_at'")[0].value).toBe(String(TAKEN_AT));
    expect(inspectStore(dest).storeId).toBe(inspectStore(source, { check: false }).storeId);
  });

  it('copies the store as it was when it began, though a hub started meanwhile writes to it (systemd restarts one killed by hand before its pid file is back)', () => {
    const { dir, file } = makeStore();
    const hub = new Database(file);
    const at = 1_795_000_000_000 + (ORDERS + 1) * 1000;
    // after the first table is copied: an order placed, with its line, payment and event, in one transaction
    const place = hub.transaction(() => {
      hub.prepare("INSERT INTO orders (id, number, business_date, channel, status, subtotal_minor, discount_minor, total_minor, paid_minor, due_minor, revision, created_at, updated_at) VALUES ('o-late', ?, ?, 'pos', 'closed', 1000, 0, 1000, 1000, 0, 1, ?, ?)").run(ORDERS + 1, DAY, at, at);
      hub.prepare("INSERT INTO order_lines (id, order_id, position, item_id, name_zh, name_en, station_id, qty, unit_price_minor, line_total_minor, options, course, status, added_at) VALUES ('l-late', 'o-late', 0, 'mapo', '麻婆豆腐', 'Mapo tofu', 'hot', 1, 1000, 1000, '[]', 1, 'fired', ?)").run(at);
      hub.prepare("INSERT INTO payments (id, order_id, tender, amount_minor, change_minor, created_at) VALUES ('p-late', 'o-late', 'cash', 1000, 0, ?)").run(at);
      hub.prepare("INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES ('order.placed', ?, NULL, NULL, 'orders', ?)").run(at, JSON.stringify({ order: { id: 'o-late', number: ORDERS + 1 } }));
      hub.prepare('UPDATE order_counters SET last_number = ? WHERE business_date = ?').run(ORDERS + 1, DAY);
    });
    let placed = false;
    const dest = join(dir, 'salvaged.db');
    try {
      salvageStore({
        source: file,
        dest,
        takenAt: TAKEN_AT,
        onTable: () => {
          if (!placed) place();
          placed = true;
        },
      });
    } finally {
      hub.close();
    }
    expect(rows(file, "SELECT id FROM orders WHERE id = 'o-late'")).toHaveLength(1);

    // none of that order: not its row, nor its line, payment or event (nor a counter that says it was placed)
    for (const [table, id] of [['orders', 'o-late'], ['order_lines', 'l-late'], ['payments', 'p-late']] as const) expect(rows(dest, `SELECT id FROM ${table} WHERE id = ?`, id), table).toEqual([]);
    expect(rows(dest, 'SELECT COUNT(*) AS n FROM events')[0].n).toBe(2 * ORDERS);
    expect(rows(dest, 'SELECT last_number AS n FROM order_counters')[0].n).toBe(ORDERS);
  });

  it.each([
    ['newer', (db: Database.Database) => db.prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('next', ?)").run(newestMigration() + 1), /newer Brigade/],
    ['older', (db: Database.Database) => db.prepare('DELETE FROM __drizzle_migrations WHERE created_at = ?').run(newestMigration()), /older Brigade/],
  ] as const)('refuses a store migrated by a %s Brigade: its rows would not fit this one\'s tables', (_, change, message) => {
    const { dir, file } = makeStore();
    const db = new Database(file);
    change(db);
    db.close();
    expect(() => salvageStore({ source: file, dest: join(dir, 'salvaged.db'), takenAt: TAKEN_AT })).toThrow(message);
    expect(existsSync(join(dir, 'salvaged.db'))).toBe(false);
    expect(existsSync(join(dir, 'salvaged.db.partial'))).toBe(false);
  });

  it('reads what it can of a store whose migration record is on a spoilt page, when its tables are this Brigade\'s', () => {
    const { dir, file } = makeStore();
    spoil(file, pagesOf(file, '__drizzle_migrations')[0]!.pageno);
    const r = salvageStore({ source: file, dest: join(dir, 'salvaged.db'), takenAt: TAKEN_AT });
    expect(tableOf(r, 'orders')).toMatchObject({ kept: ORDERS, lostRowids: 0 });
  });

  it('no table is WITHOUT ROWID: the salvage walks every table by rowid (a new one would need its own way)', () => {
    const db = openDb(':memory:');
    try {
      expect((db.prepare('PRAGMA table_list').all() as { wr: number; name: string }[]).filter((t) => t.wr !== 0)).toEqual([]);
    } finally {
      db.close();
    }
  });
});
