import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSeed } from '../../scripts/seed/demo.ts';
import { loadConfig } from '../config.ts';
import { createHub, type Hub } from '../hub.ts';
import { openDb, type Db } from './db.ts';
import { loadSeed } from './seed.ts';

/**
 * Nothing deletes an order, a line, a payment, an event, a print job or an idempotency key, so after a year
 * these tables hold hundreds of thousands of rows each (a year at 1,000 orders a day: 365,000 orders, over
 * a million lines, events and keys). A statement that reads one of them whole is fine on a test's database
 * and takes the hub's only thread for half a second in a year-old store (docs/benchmarks.md, round
 * sixteen). This asks SQLite how it would run every statement the hub prepares and holds each to one rule:
 * a history table is read only through an index, by equality on its leading columns, or through an index
 * whose rows do not pile up with history.
 *
 * Plans without `sqlite_stat1` do not depend on the data (the hub never runs ANALYZE), so the plans asked of
 * this fresh database are the ones a year-old store would run.
 */

// stock_taken: a row per line of a counted dish, kept until the dish is counted again (a dish counted for good)
const HISTORY = ['orders', 'order_lines', 'payments', 'refunds', 'events', 'idempotency_keys', 'print_jobs', 'stock_taken'];

/** Indexes a range may run along: each holds only rows that leave it, or a range the caller bounds. */
const RANGE_OK: Record<string, string> = {
  events_at: "bounded below by the order's own creation time: the events of one order's life",
  'INTEGER PRIMARY KEY': 'replays and pages from a seq or job id, with a LIMIT',
  orders_done_updated: 'only voided and closed orders, bounded below by the kitchen snapshot\'s window: the last two hours\' of them',
  // held to both bounds below ("reads the day's takings …")
  payments_created: "bounded on both sides by one business day: the payments of the day's takings",
  refunds_created: "bounded on both sides by one business day: the refunds of the day's takings",
  print_jobs_to_compact: 'only finished jobs whose document is not compacted yet (a day of them), with a LIMIT (compactor.ts, PRINT_JOBS)',
};

/**
 * Indexes where even one value piles up with history (every closed order, a table's orders of every day, all
 * printed tickets). Reading one by equality is bounded only when the values named are ones rows leave (open
 * statuses, unfinished tickets), when a range on the next column bounds it, or when the index hands rows over
 * in the statement's order and a LIMIT stops the read.
 */
const PILING: Record<string, { column: string; piles: string[] }> = {
  orders_status: { column: 'status', piles: ['closed', 'voided', 'merged'] },
  orders_table: { column: 'table_id', piles: ['*'] },
  orders_created: { column: 'created_at', piles: ['*'] },
  order_lines_status: { column: 'status', piles: ['served', 'voided'] },
  print_jobs_state: { column: 'state', piles: ['confirmed', 'failed', 'cancelled'] },
  print_jobs_printer: { column: 'state', piles: ['confirmed', 'failed', 'cancelled'] },
  print_jobs_printer_id: { column: 'printer_id', piles: ['*'] },
};

/**
 * A LIMIT ends a read early only if every row the index hands over is one the statement keeps. These read
 * along an index and filter on a column it does not hold; each says why the filter keeps many of the rows.
 */
const FILTERED_PAGES: Record<string, string> = {
  'INDEXED BY orders_table WHERE status = @status AND table_id = @tableId':
    "a done status at one table, newest first along the table's own orders: closed is nearly all of them; a rare status (voided) reads that one table's history",
};

/**
 * The columns of `table` (called `name` in the statement) that its WHERE clauses mention, whatever the
 * operator or function around them; the statement's own closing ORDER BY and LIMIT left out.
 */
function filterColumns(db: Db, sql: string, name: string, table: string): Set<string> {
  const columns = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
  const from = sql.search(/\bWHERE\b/i);
  if (from < 0) return new Set();
  const where = sql
    .slice(from)
    .replace(/\bORDER BY\b[^()]*$/i, '')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/[@:$]\w+/g, '?');
  const found = new Set<string>();
  for (const [, qualifier, column] of where.matchAll(/\b(?:(\w+)\.)?(\w+)\b/g)) {
    if (!columns.has(column!)) continue;
    if (qualifier === undefined || qualifier === name || qualifier === table) found.add(column!);
  }
  return found;
}

/**
 * The literal values a statement names for a column of the table it calls `name` (`l.status IN ('fired', …)`),
 * or null when they are bound (`= ?`).
 */
function literalValues(sql: string, name: string, column: string): string[] | null {
  const qualified = new RegExp(`\\b${name}\\.${column}\\s*(?:IN\\s*\\(([^)]*)\\)|=\\s*('[^']*'))`, 'i');
  const bare = new RegExp(`(?<![.\\w])${column}\\s*(?:IN\\s*\\(([^)]*)\\)|=\\s*('[^']*'))`, 'i');
  const m = qualified.exec(sql) ?? bare.exec(sql);
  if (!m) return null;
  const list = m[1] ?? m[2]!;
  if (!/^\s*'[^']*'(\s*,\s*'[^']*')*\s*$/.test(list)) return null;
  return [...list.matchAll(/'([^']*)'/g)].map((v) => v[1]!);
}

const SQL_KEYWORDS = new Set(['where', 'join', 'left', 'inner', 'on', 'order', 'group', 'limit', 'set', 'values', 'as', 'union', 'using']);

/** `orders o`, `order_lines AS l`: the names a plan calls history tables by in this statement. */
function historyNames(sql: string): Map<string, string> {
  const names = new Map(HISTORY.map((t) => [t, t]));
  for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+"?(\w+)"?\s+(?:AS\s+)?(\w+)/gi)) {
    const [, table, alias] = m;
    if (HISTORY.includes(table!) && !SQL_KEYWORDS.has(alias!.toLowerCase())) names.set(alias!, table!);
  }
  return names;
}

/** Nulls for every parameter: EXPLAIN QUERY PLAN does not need values, better-sqlite3 needs them bound. */
function nullParams(sql: string): unknown[] {
  const unquoted = sql.replace(/'(?:[^']|'')*'/g, "''");
  const named = [...new Set([...unquoted.matchAll(/[@:$]([A-Za-z_]\w*)/g)].map((m) => m[1]!))];
  if (named.length > 0) return [Object.fromEntries(named.map((n) => [n, null]))];
  return Array.from({ length: (unquoted.match(/\?/g) ?? []).length }, () => null);
}

export interface PlanProblem {
  sql: string;
  step: string;
}

/** The steps of a statement's plan that read a history table as a whole, or along a part that grows. */
export function historyReads(db: Db, sql: string): PlanProblem[] {
  const names = historyNames(sql);
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...nullParams(sql)) as { parent: number; detail: string }[];
  // an index that hands the outermost loop its rows in the statement's order lets a LIMIT end the read early;
  // the LIMIT bounds nothing in the loops inside it
  const sorted = plan.some((p) => p.detail.startsWith('USE TEMP B-TREE FOR ORDER BY'));
  const outermost = plan.find((p) => p.parent === 0 && /^(SCAN|SEARCH) /.test(p.detail));
  const limitEnds = (step: { detail: string }) => /\bLIMIT\b/i.test(sql) && !sorted && step === outermost;
  const problems: PlanProblem[] = [];
  for (const step of plan) {
    const { detail } = step;
    const scan = /^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?/.exec(detail);
    // a scan in the statement's order, with nothing to filter, ends at the LIMIT
    if (scan && names.has(scan[1]!) && !(limitEnds(step) && !/\bWHERE\b/i.test(sql))) problems.push({ sql, step: detail });
    const search = /^SEARCH (\w+) USING (?:COVERING )?(?:INDEX (\w+)|(INTEGER PRIMARY KEY)) \((.*)\)/.exec(detail);
    if (!search || !names.has(search[1]!)) continue;
    const index = search[2] ?? search[3]!;
    const constraints = search[4]!;
    if (!/^\w+=\?/.test(constraints)) {
      if (!(index in RANGE_OK)) problems.push({ sql, step: detail });
      continue;
    }
    const piling = PILING[index];
    if (!piling || /[<>]\?$/.test(constraints)) continue;
    // bounded by what it names: values rows leave (open statuses, unfinished tickets)
    const values = literalValues(sql, search[1]!, piling.column);
    if (values !== null && !values.some((v) => piling.piles.includes(v) || piling.piles.includes('*'))) continue;
    // bounded by a LIMIT, if every row the index hands over is kept
    if (limitEnds(step)) {
      const served = new Set([...constraints.matchAll(/(\w+)[=<>]/g)].map((m) => m[1]!));
      const filtered = [...filterColumns(db, sql, search[1]!, names.get(search[1]!)!)].filter((c) => !served.has(c));
      if (filtered.length === 0 || Object.keys(FILTERED_PAGES).some((f) => sql.includes(f))) continue;
      problems.push({ sql, step: `${detail}, then filters on ${filtered.join(', ')}` });
      continue;
    }
    problems.push({ sql, step: detail });
  }
  return problems;
}

describe('query plans in a store with a long history', () => {
  let db: Db;
  let hub: Hub;
  const prepared = new Set<string>();

  beforeAll(() => {
    db = openDb(':memory:');
    loadSeed(db, demoSeed);
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      prepared.add(sql);
      return prepare(sql);
    }) as typeof db.prepare;
    hub = createHub(loadConfig({ HUB_DATA_DIR: '/nonexistent', HUB_MDNS: 'off', HUB_PRINTERS: 'none' }), pino({ level: 'silent' }), db);
    // statements made per call: the print job list, in each of its filter shapes
    for (const state of [undefined, 'active', 'failed'] as const) {
      for (const printerId of [undefined, 'p-1']) {
        for (const orderId of [undefined, 'o-1']) {
          hub.printing.jobs({ limit: 10, ...(state ? { state } : {}), ...(printerId ? { printerId } : {}), ...(orderId ? { orderId } : {}) });
        }
      }
    }
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('sees the statements of every repository', () => {
    const reads = [...prepared].filter((sql) => /^\s*SELECT/i.test(sql));
    // the order path, the floor, the kitchen snapshot, the print queue, idempotency replays and the stream
    for (const fragment of ['FROM orders', 'FROM order_lines', 'FROM payments', 'FROM refunds', 'FROM print_jobs', 'FROM events', 'FROM idempotency_keys']) {
      expect(reads.some((sql) => sql.includes(fragment)), fragment).toBe(true);
    }
  });

  it('reads no history table whole, nor along a range that grows with it', () => {
    const problems = [...prepared].filter((sql) => !/^\s*(CREATE|ALTER|DROP|PRAGMA)\b/i.test(sql)).flatMap((sql) => historyReads(db, sql));
    expect(problems.map((p) => `${p.step}  ←  ${p.sql.replace(/\s+/g, ' ').slice(0, 300)}`)).toEqual([]);
  });

  it("reads a business day's order list along that day's part of an index, whatever else it filters by", () => {
    const dayLists = [...prepared].filter((sql) => /^\s*SELECT\b/.test(sql) && /FROM orders\b/.test(sql) && sql.includes('business_date = @businessDate') && /\bLIMIT @limit$/.test(sql));
    // status (4 shapes) × table or not × the day or its order of a number × a page on from a cursor or the first
    expect(dayLists).toHaveLength(32);
    for (const sql of dayLists) {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...nullParams(sql)) as { detail: string }[]).map((p) => p.detail);
      const numbered = sql.includes('number = @number');
      const paged = sql.includes('(created_at, rowid) <');
      const expected = numbered
        ? 'SEARCH orders USING INDEX orders_day_number (business_date=? AND number=?)'
        : `SEARCH orders USING INDEX orders_day_created (business_date=?${paged ? ' AND created_at<?' : ''})`;
      // newest first straight off the index (a number's one row needs no order): a page reads its own rows, not the whole day sorted
      expect(plan, sql).toEqual([expected]);
    }
  });

  it("reads the day's takings within one business day: its orders and their lines by the day, its money by a range bounded on both sides", () => {
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...nullParams(sql)) as { detail: string }[]).map((p) => p.detail);
    const reads = [...prepared].filter((sql) => /^\s*SELECT\b/.test(sql));
    const one = (fragment: string) => {
      const found = reads.filter((sql) => sql.includes(fragment));
      expect(found, fragment).toHaveLength(1);
      return plan(found[0]!);
    };
    expect(one('FROM orders o INDEXED BY orders_day_created LEFT JOIN dining_tables')).toEqual([
      'SEARCH o USING INDEX orders_day_created (business_date=?)',
      'SEARCH t USING INDEX sqlite_autoindex_dining_tables_1 (id=?) LEFT-JOIN',
    ]);
    // the orders open now, of whatever day: one open status at a time, bounded above by the day's end
    expect(one('FROM orders o INDEXED BY orders_status LEFT JOIN dining_tables')).toEqual([
      'SEARCH o USING INDEX orders_status (status=? AND created_at<?)',
      'SEARCH t USING INDEX sqlite_autoindex_dining_tables_1 (id=?) LEFT-JOIN',
      'USE TEMP B-TREE FOR ORDER BY',
    ]);
    expect(one('CROSS JOIN order_lines l INDEXED BY order_lines_order')).toEqual([
      'SEARCH o USING INDEX orders_day_created (business_date=?)',
      'SEARCH l USING INDEX order_lines_order (order_id=?)',
    ]);
    expect(one('FROM payments p INDEXED BY payments_created')).toEqual([
      'SEARCH p USING INDEX payments_created (created_at>? AND created_at<?)',
      'SEARCH o USING INDEX sqlite_autoindex_orders_1 (id=?)',
    ]);
    expect(one('FROM refunds r INDEXED BY refunds_created')).toEqual([
      'SEARCH r USING INDEX refunds_created (created_at>? AND created_at<?)',
      'SEARCH p USING INDEX sqlite_autoindex_payments_1 (id=?)',
      'SEARCH o USING INDEX sqlite_autoindex_orders_1 (id=?)',
    ]);
    // the kiosks' unrecorded card charges of the same window, resolved or not (migration 0020), in their order
    expect(one('FROM unrecorded_card_charges INDEXED BY unrecorded_card_charges_created')).toEqual([
      'SEARCH unrecorded_card_charges USING INDEX unrecorded_card_charges_created (created_at>? AND created_at<?)',
    ]);
    // and the earlier days' ones settled in the window (refunded on its terminal, recorded in its payments: migration 0023)
    expect(one('FROM unrecorded_card_charges INDEXED BY unrecorded_card_charges_settled')).toEqual([
      'SEARCH unrecorded_card_charges USING INDEX unrecorded_card_charges_settled (settled_at>? AND settled_at<?)',
      'USE TEMP B-TREE FOR ORDER BY',
    ]);
    // the day's float by its day, with who recorded it, and the one recorded replacing it there
    expect(one('FROM day_floats f LEFT JOIN staff s')).toEqual([
      'SEARCH f USING INDEX sqlite_autoindex_day_floats_1 (business_date=?)',
      'SEARCH s USING INDEX sqlite_autoindex_staff_1 (id=?) LEFT-JOIN',
    ]);
    // RANGE_OK lets these two indexes take a range: every statement of the hub that does bounds it on both sides
    for (const sql of reads) {
      for (const step of plan(sql).filter((d) => /USING (?:COVERING )?INDEX (payments|refunds)_created/.test(d))) {
        expect(step, sql).toMatch(/\(created_at>\? AND created_at<\?\)$/);
      }
    }
  });

  it('flags the shapes that read a whole history (the rule itself can fail)', () => {
    const flagged = (sql: string) => historyReads(db, sql).length > 0;
    // whole tables
    expect(flagged("SELECT id FROM orders WHERE status NOT IN ('closed', 'voided', 'merged')")).toBe(true);
    expect(flagged('SELECT COUNT(*) FROM print_jobs WHERE moved_from_job_id = ?')).toBe(true);
    expect(flagged('SELECT o.id FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.note = ?')).toBe(true);
    // a range along an index of everything
    expect(flagged('SELECT o.id FROM orders o WHERE o.table_id IS NOT NULL')).toBe(true);
    // equality on a value that piles up, or on one the caller chooses
    expect(flagged("SELECT id FROM orders WHERE status = 'closed'")).toBe(true);
    expect(flagged('SELECT id FROM orders WHERE status = ?')).toBe(true);
    expect(flagged("SELECT id FROM orders WHERE table_id = ? AND status IN ('placed', 'fired')")).toBe(true);
    expect(flagged("SELECT id FROM orders WHERE status = ? ORDER BY note LIMIT 5")).toBe(true);
    // a page along an index that hands over rows the statement then throws away, however it says so
    expect(flagged('SELECT id FROM orders WHERE status = ? AND note = ? ORDER BY created_at DESC LIMIT 5')).toBe(true);
    expect(flagged('SELECT id FROM orders WHERE status = ? AND note LIKE ? ORDER BY created_at DESC LIMIT 5')).toBe(true);
    expect(flagged("SELECT id FROM orders WHERE status = ? AND coalesce(note, '') = ? ORDER BY created_at DESC LIMIT 5")).toBe(true);
    expect(flagged('SELECT id FROM orders WHERE status = ? AND ? = note ORDER BY created_at DESC LIMIT 5')).toBe(true);
    // a LIMIT bounds the outer loop, not one inside it
    expect(
      flagged('SELECT o.id FROM orders o CROSS JOIN order_lines l WHERE o.status = ? AND l.status = ? ORDER BY o.created_at DESC LIMIT 5'),
    ).toBe(true);
    expect(flagged('SELECT id FROM print_jobs NOT INDEXED WHERE printer_id = ? ORDER BY id DESC LIMIT 5')).toBe(true);
    // what is fine
    expect(flagged('SELECT id FROM orders WHERE id = ?')).toBe(false);
    expect(flagged("SELECT id FROM orders WHERE status IN ('placed', 'fired')")).toBe(false);
    expect(flagged('SELECT id FROM orders WHERE status = ? ORDER BY created_at DESC LIMIT 5')).toBe(false);
    expect(flagged('SELECT id FROM orders ORDER BY created_at DESC LIMIT 5')).toBe(false);
    // one business day's orders, a page of them on from a cursor; not a run of days
    expect(flagged('SELECT id FROM orders WHERE business_date = ? AND (created_at, rowid) < (?, ?) ORDER BY created_at DESC, rowid DESC LIMIT 5')).toBe(false);
    expect(flagged('SELECT id FROM orders WHERE business_date >= ? ORDER BY created_at DESC LIMIT 5')).toBe(true);
  });
});
