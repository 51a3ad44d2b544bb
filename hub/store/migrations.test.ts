/**
 * Migrations are history: once a store has run one, it must never change. drizzle's migrator runs every
 * migration whose journal `when` is later than the last one the store recorded, and does not compare the
 * SQL, so an edited migration is either skipped by old stores (they never get the change) or, with a new
 * `when`, run again on top of itself (a store that had run 0008 failed to start when 0008 was edited in
 * round sixteen: its CREATE INDEX met the index it had made). A change goes in a new migration
 * (`npm run db:generate`); its line is then added below.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const folder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Every migration ever committed: tag, journal `when`, first 16 hex digits of the SHA-256 of its SQL. */
const COMMITTED: [tag: string, when: number, sha256: string][] = [
  ['0000_init', 1795598864188, '59907c23523ef173'],
  ['0001_kitchen_pacing', 1795599715045, 'cf59153eff8dea12'],
  ['0002_rush', 1795600018509, 'fee8cfa5319af9a3'],
  ['0003_print_queue', 1795600604652, 'cce09300322e9bbe'],
  ['0004_staff_name', 1795602416272, 'bcc2a50d0f6e926a'],
  ['0005_floor_moves_and_split_bills', 1795608916912, '3729003ddd308475'],
  ['0006_menu_images', 1795611659281, '62f74b1dda4f4e82'],
  ['0007_idempotency_body_by_event', 1795639300676, 'bf7a0e755b318975'],
  ['0008_indexes_for_a_long_history', 1795712934786, '0a36c6cd9be5a7cf'],
  ['0009_print_jobs_by_printer', 1795717414704, '08bdb3e4b1d99a8d'],
  ['0010_forget_stored_credentials', 1795720961403, '4fff8637971b32d0'],
  ['0011_keep_the_granted_discount', 1795722462245, 'b784f4e4182ba5ee'],
  ['0012_refunds', 1795731535402, 'e998d419ed4f37a4'],
  ['0013_kitchen_count_from_the_index', 1795732222171, 'ea4e28a9a71c419f'],
  ['0014_orders_by_business_day', 1795737677413, '6671840ce0e9860c'],
  ['0015_voided_orders_for_the_kitchen', 1795739875095, '08fdadf8de678965'],
  ['0016_stock_taken_per_line', 1795740598971, '03d170357943584f'],
  ['0017_unrecorded_card_charges', 1795741351942, '1c7a2cb6d0d63aef'],
  ['0018_kitchen_void_notices_on_paid_orders', 1795743300232, 'f2a45bba2775a76e'],
  ['0019_takings_by_day', 1795751330947, '4b6f65f2ad38e7c9'],
  ['0020_day_float_and_card_charges_by_day', 1795757430708, '34b60afd5f1f1c8d'],
  ['0021_print_jobs_to_compact', 1795759359847, '89098b2b3a77d349'],
  ['0022_day_float_ids_and_card_charge_resolutions', 1795768054879, 'c458e158790272e2'],
  ['0023_card_charges_settled_at', 1795770986108, '76750ea1880630e8'],
  ['0024_pins_unique_among_active_staff', 1795796224606, '37a9ec20c025726f'],
  ['0025_merged_lines_remember_their_ticket', 1795797701516, 'f16cb5f2b6fa8567'],
  ['0026_orders_remember_when_their_party_sat', 1795802156685, '8d7c2b3003578337'],
  ['0027_stock_for_the_day', 1795807952928, 'dd542b6e1cd3a9a9'],
];

const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: { idx: number; when: number; tag: string }[] };
const sha = (tag: string) => createHash('sha256').update(readFileSync(join(folder, `${tag}.sql`))).digest('hex').slice(0, 16);

describe('migrations', () => {
  it('are the committed ones, unchanged, and in the order they were made', () => {
    const now = journal.entries.map((e) => [e.tag, e.when, sha(e.tag)]);
    // a new migration: add its line to COMMITTED; an old one changed: make a new migration instead
    expect(now.slice(0, COMMITTED.length)).toEqual(COMMITTED);
    expect(now.length, 'a migration in the journal is missing from COMMITTED: add its line').toBe(COMMITTED.length);
  });

  it('are numbered without gaps, each later than the one before, each with its SQL file and nothing else', () => {
    journal.entries.forEach((e, i) => {
      expect(e.idx).toBe(i);
      if (i > 0) expect(e.when).toBeGreaterThan(journal.entries[i - 1]!.when);
    });
    const files = readdirSync(folder).filter((f) => f.endsWith('.sql')).sort();
    expect(files).toEqual(journal.entries.map((e) => `${e.tag}.sql`));
  });
});

describe('0010_forget_stored_credentials', () => {
  it('forgets the answers kept in clear that carry a token, and nothing else', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, body TEXT NOT NULL)');
    const rows = {
      pairing: '{"deviceToken":"dev_3fZ","device":{"id":"d1"}}',
      signIn: '{"token":"stf_9Qx","staff":{"id":"s1"},"expiresAt":1}',
      order: '{"order":{"id":"o1","note":"{\\"token\\":\\"stf_x\\"}"}}',
      lookalike: '{"token":"stfx","staff":{}}',
      sealed: 'sealed:v1:AAAA',
      byEvent: '',
    };
    const insert = db.prepare('INSERT INTO idempotency_keys VALUES (?, ?)');
    for (const [key, body] of Object.entries(rows)) insert.run(key, body);
    db.exec(readFileSync(join(folder, '0010_forget_stored_credentials.sql'), 'utf8'));
    expect(db.prepare('SELECT key FROM idempotency_keys ORDER BY key').pluck().all()).toEqual(['byEvent', 'lookalike', 'order', 'sealed']);
    db.close();
  });
});

describe('0011_keep_the_granted_discount', () => {
  it('takes the discount an order applied as the one it was granted, for the orders stored before', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE orders (id TEXT PRIMARY KEY, discount_minor INTEGER NOT NULL)');
    db.exec("INSERT INTO orders VALUES ('none', 0), ('comped', 300), ('regular', 1000)");
    db.exec(readFileSync(join(folder, '0011_keep_the_granted_discount.sql'), 'utf8'));
    expect(db.prepare('SELECT id, discount_minor AS applied, discount_granted_minor AS granted FROM orders ORDER BY id').all()).toEqual([
      { id: 'comped', applied: 300, granted: 300 },
      { id: 'none', applied: 0, granted: 0 },
      { id: 'regular', applied: 1000, granted: 1000 },
    ]);
    db.close();
  });
});

describe('0012_refunds', () => {
  it('adds refunds beside the payments they give back on, found by order, leaving the payments as they were', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    db.exec('CREATE TABLE orders (id TEXT PRIMARY KEY)');
    db.exec('CREATE TABLE payments (id TEXT PRIMARY KEY, order_id TEXT NOT NULL, amount_minor INTEGER NOT NULL)');
    db.exec("INSERT INTO orders VALUES ('o1'); INSERT INTO payments VALUES ('p1', 'o1', 4400)");
    db.exec(readFileSync(join(folder, '0012_refunds.sql'), 'utf8'));
    db.prepare("INSERT INTO refunds (id, order_id, payment_id, amount_minor, reason, created_at) VALUES ('r1', 'o1', 'p1', 1200, 'cold soup', 1)").run();
    expect(db.prepare('SELECT id, lines, reference, staff_id AS staffId FROM refunds').all()).toEqual([{ id: 'r1', lines: '[]', reference: null, staffId: null }]);
    expect(db.prepare('SELECT * FROM payments').all()).toEqual([{ id: 'p1', order_id: 'o1', amount_minor: 4400 }]);
    // a refund names a payment that exists
    expect(() => db.prepare("INSERT INTO refunds (id, order_id, payment_id, amount_minor, reason, created_at) VALUES ('r2', 'o1', 'nope', 1, 'x', 1)").run()).toThrow(/FOREIGN KEY/);
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM refunds WHERE order_id = 'o1'").all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX refunds_order/);
    db.close();
  });
});

describe('0020_day_float_and_card_charges_by_day', () => {
  it("adds one float a business day, and reads a day's card charges, resolved or not, along their creation time", () => {
    const db = new Database(':memory:');
    db.exec(readFileSync(join(folder, '0017_unrecorded_card_charges.sql'), 'utf8'));
    const charge = db.prepare(
      "INSERT INTO unrecorded_card_charges (id, order_id, amount_minor, refusal_code, refusal_message, created_at, resolved_at) VALUES (?, 'o1', 4400, 'forbidden', 'paid', ?, ?)",
    );
    charge.run('c1', 10, null);
    charge.run('c2', 20, 25);
    db.exec(readFileSync(join(folder, '0020_day_float_and_card_charges_by_day.sql'), 'utf8'));
    expect(db.prepare('SELECT id FROM unrecorded_card_charges ORDER BY id').pluck().all()).toEqual(['c1', 'c2']);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT id FROM unrecorded_card_charges WHERE created_at >= 0 AND created_at < 30').all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX unrecorded_card_charges_created/);

    db.prepare("INSERT INTO day_floats (business_date, amount_minor, set_at, staff_id) VALUES ('2026-11-27', 50000, 1, 's-cashier')").run();
    // one row a day: a second float replaces the first (the repository upserts), never sits beside it
    expect(() => db.prepare("INSERT INTO day_floats (business_date, amount_minor, set_at) VALUES ('2026-11-27', 30000, 2)").run()).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO day_floats (business_date, set_at) VALUES ('2026-11-28', 2)").run()).toThrow(/NOT NULL/);
    db.close();
  });
});

describe('0022_day_float_ids_and_card_charge_resolutions', () => {
  it('gives the floats recorded before an id of their day, and the charges resolved before with a note the kind other', () => {
    const db = new Database(':memory:');
    for (const tag of ['0017_unrecorded_card_charges', '0020_day_float_and_card_charges_by_day']) db.exec(readFileSync(join(folder, `${tag}.sql`), 'utf8'));
    db.prepare("INSERT INTO day_floats (business_date, amount_minor, set_at, staff_id) VALUES ('2026-11-27', 50000, 1, 's-cashier')").run();
    const charge = db.prepare(
      "INSERT INTO unrecorded_card_charges (id, order_id, amount_minor, refusal_code, refusal_message, created_at, resolved_at, resolution_note) VALUES (?, 'o1', 4400, 'forbidden', 'paid', ?, ?, ?)",
    );
    charge.run('open', 10, null, null);
    charge.run('noted', 20, 25, 'refunded on the terminal');
    db.exec(readFileSync(join(folder, '0022_day_float_ids_and_card_charge_resolutions.sql'), 'utf8'));
    expect(db.prepare('SELECT id, amount_minor AS amountMinor FROM day_floats').all()).toEqual([{ id: 'float-2026-11-27', amountMinor: 50000 }]);
    expect(db.prepare('SELECT id, resolution_kind AS kind, resolution_note AS note, resolution_order_id AS orderId FROM unrecorded_card_charges ORDER BY id').all()).toEqual([
      { id: 'noted', kind: 'other', note: 'refunded on the terminal', orderId: null },
      { id: 'open', kind: null, note: null, orderId: null },
    ]);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT id FROM unrecorded_card_charges WHERE resolved_at >= 0 AND resolved_at < 30').all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX unrecorded_card_charges_resolved/);
    db.close();
  });
});

describe('0023_card_charges_settled_at', () => {
  it('dates the charges settled before by their resolve, leaves the others unsettled, and reads them along the new date', () => {
    const db = new Database(':memory:');
    for (const tag of ['0017_unrecorded_card_charges', '0020_day_float_and_card_charges_by_day', '0022_day_float_ids_and_card_charge_resolutions']) {
      db.exec(readFileSync(join(folder, `${tag}.sql`), 'utf8'));
    }
    const charge = db.prepare(
      "INSERT INTO unrecorded_card_charges (id, order_id, amount_minor, refusal_code, refusal_message, created_at, resolved_at, resolution_kind) VALUES (?, 'o1', 4400, 'forbidden', 'paid', ?, ?, ?)",
    );
    charge.run('open', 10, null, null);
    charge.run('refunded', 20, 25, 'refunded_on_terminal');
    charge.run('recorded', 30, 35, 'recorded_as_payment');
    charge.run('other', 40, 45, 'other');
    db.exec(readFileSync(join(folder, '0023_card_charges_settled_at.sql'), 'utf8'));
    expect(db.prepare('SELECT id, settled_at AS settledAt, resolution_payment_id AS paymentId FROM unrecorded_card_charges ORDER BY created_at').all()).toEqual([
      { id: 'open', settledAt: null, paymentId: null },
      { id: 'refunded', settledAt: 25, paymentId: null },
      { id: 'recorded', settledAt: 35, paymentId: null },
      { id: 'other', settledAt: null, paymentId: null },
    ]);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT id FROM unrecorded_card_charges WHERE settled_at >= 0 AND settled_at < 30').all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX unrecorded_card_charges_settled/);
    db.close();
  });
});

describe('0024_pins_unique_among_active_staff', () => {
  it("lets a deactivated person's PIN be given to someone else, never to two active people, and signs in along the new index", () => {
    const db = new Database(':memory:');
    db.exec(
      "CREATE TABLE `staff` (`id` text PRIMARY KEY NOT NULL, `name` text NOT NULL, `role` text NOT NULL, `pin_hash` text NOT NULL, `active` integer DEFAULT true NOT NULL)",
    );
    db.exec('CREATE UNIQUE INDEX `staff_pin_hash_unique` ON `staff` (`pin_hash`)');
    db.exec("INSERT INTO staff (id, name, role, pin_hash, active) VALUES ('s-left', 'Left', 'waiter', 'h1112', 0), ('s-here', 'Here', 'waiter', 'h1111', 1)");
    const add = db.prepare("INSERT INTO staff (id, name, role, pin_hash, active) VALUES (?, 'New', 'waiter', ?, ?)");
    expect(() => add.run('s-new', 'h1112', 1)).toThrow(/UNIQUE/); // before: a departed person's PIN was theirs for ever
    db.exec(readFileSync(join(folder, '0024_pins_unique_among_active_staff.sql'), 'utf8'));
    add.run('s-new', 'h1112', 1);
    add.run('s-left2', 'h1112', 0);
    expect(() => add.run('s-copy', 'h1111', 1)).toThrow(/UNIQUE/);
    expect(() => db.prepare("UPDATE staff SET active = 1 WHERE id = 's-left'").run()).toThrow(/UNIQUE/);
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id, name, role FROM staff WHERE pin_hash = 'h1112' AND active = 1").all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX staff_active_pin/);
    db.close();
  });
});

describe('0026_orders_remember_when_their_party_sat', () => {
  it('takes an order stored before as seated when it was placed (whether it moved since, the store never kept)', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE orders (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL)');
    db.exec("INSERT INTO orders VALUES ('lunch', 1000), ('dinner', 9000)");
    db.exec(readFileSync(join(folder, '0026_orders_remember_when_their_party_sat.sql'), 'utf8'));
    expect(db.prepare('SELECT id, seated_at AS seatedAt FROM orders ORDER BY created_at').all()).toEqual([
      { id: 'lunch', seatedAt: 1000 },
      { id: 'dinner', seatedAt: 9000 },
    ]);
    db.close();
  });
});
