/**
 * `npx tsx scripts/bench/age-store.ts --from DB --out DB --days N` — a store with a history, for measuring
 * what months of orders do to the hub (start-up, the hot path's queries, the database's size).
 *
 * Nothing ever deletes an order, a line, a payment, an event, a print job or an idempotency key, so a hub
 * that has served a year carries a year of them in every index it writes and reads. A load run's database is
 * one busy day; this writes a new database holding that day N times over, copy k dated k days back (k = N…1;
 * a run that crossed the start of a business day spans two, and each copy then moves back two days), and no
 * today: the hub that measures it makes today's orders itself.
 *
 * - order, line and payment IDs are the same IDs moved to their day: a ULID (made by the hub) keeps its
 *   random part and gets its time moved back k days, so history sorts before today in every index as in a
 *   real store; any other ID (a device's UUID, random anyway) gets a suffix. The IDs inside event
 *   payloads, stored answers, payments' line lists and ticket documents (JSON strings) follow them;
 * - event seqs and print job IDs are renumbered so that history comes first in the log and the queue, and the
 *   references to them (the answer an event carries, the event a job came from, reprints) follow;
 * - every copy is the end of its day: open orders are closed and paid, lines served, queued tickets printed.
 *
 * The copies are for measuring, not for accounting: an order closed here has no payment row, and payloads
 * say what they said on the source's day (its business date, the statuses then).
 * Configuration (menu, tables, staff, devices, printers, the store's identity and PIN key) is copied as is,
 * so the source run's device tokens and PINs still work; only the source hub's embedded simulated printers
 * are left out (they ran inside that hub).
 *
 *   npm run load -- --duration 30 --keep        # one busy day (its data directory is printed at the end)
 *   npx tsx scripts/bench/age-store.ts --from /tmp/brigade-load-…/brigade.db --out /tmp/aged/brigade.db --days 50
 *
 * Options: --from FILE (a hub database; read only), --out FILE (must not exist), --days N (copies, 1–3650).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Dictionaries, isCompactionMeta } from '../../hub/store/compactor.ts';
import { openDb, type Db } from '../../hub/store/db.ts';
import { exitWithHelpIfAsked, exitWithUsageError } from './usage.ts';

const DAY_MS = 86_400_000;
const HISTORY_TABLES = ['orders', 'order_lines', 'payments', 'events', 'idempotency_keys', 'print_jobs', 'order_counters'];
/** Written by the migrations or by SQLite itself, not copied. */
const OWN_TABLES = ['__drizzle_migrations', 'sqlite_sequence'];

const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** A JSON string: IDs in payloads, answers and documents are string values. */
const JSON_STRING = /"([^"\\]*)"/g;

/** The same ULID with its 48-bit millisecond time moved back `shiftMs`: order within a copy is kept. */
export function shiftUlid(id: string, shiftMs: number): string {
  let time = 0;
  for (let i = 0; i < 10; i++) time = time * 32 + ULID_ALPHABET.indexOf(id[i]!);
  let prefix = '';
  for (let i = 0, rest = time - shiftMs; i < 10; i++, rest = Math.floor(rest / 32)) prefix = ULID_ALPHABET[rest % 32]! + prefix;
  return prefix + id.slice(10);
}

/**
 * The ID of copy `k`, `daysBack` days back: a ULID keeps its place in time; any other ID (a device's UUID,
 * random anyway) gets a suffix.
 */
export function agedId(id: string, k: number, daysBack = k): string {
  return ULID.test(id) ? shiftUlid(id, daysBack * DAY_MS) : `${id}-d${k}`;
}

/** `YYYY-MM-DD` minus `days`, as a calendar date (business dates carry no time zone). */
export function dateMinusDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);
}

type Row = Record<string, unknown>;

interface Copy {
  /** The copy's number, 1 or more: copy k is k source spans back. */
  k: number;
  /** How many days back it is: k × the business dates the source spans (a run across the day's start: 2). */
  daysBack: number;
  /** Added to every event seq of the source. */
  seqBase: number;
}

function main(): void {
  exitWithHelpIfAsked(import.meta.filename);
  const { values } = parseArgs({
    options: { from: { type: 'string' }, out: { type: 'string' }, days: { type: 'string' } },
    strict: false,
  });
  const tool = 'age-store';
  const from = typeof values.from === 'string' ? values.from : exitWithUsageError(tool, '--from FILE is required');
  const out = typeof values.out === 'string' ? values.out : exitWithUsageError(tool, '--out FILE is required');
  const days = Number(values.days ?? 30);
  if (!Number.isInteger(days) || days < 1 || days > 3650) exitWithUsageError(tool, '--days is a whole number from 1 to 3650');
  if (!existsSync(from)) exitWithUsageError(tool, `no database at ${from}`);
  if (existsSync(out)) exitWithUsageError(tool, `${out} exists; the aged store is always written anew`);

  const started = performance.now();
  const result = ageStore({ from, out, days, progress: (done) => process.stderr.write(`\rage-store: ${done}/${days} days`) });
  process.stderr.write('\n');
  process.stdout.write(`${JSON.stringify({ out, days, ...result, seconds: Math.round((performance.now() - started) / 100) / 10 })}\n`);
}

export interface AgedStore {
  /** Rows of each history table in the aged store. */
  counts: Record<string, number>;
  bytes: number;
}

/** Writes `out`: the history of `from` repeated `days` times, one business day back each (see the header). */
export function ageStore(o: { from: string; out: string; days: number; progress?: (daysDone: number) => void }): AgedStore {
  const src = new Database(o.from, { readonly: true, fileMustExist: true });
  const dst = openDb(o.out);
  // a scratch file being filled: nothing here needs to survive a crash, so no journal and no fsyncs; and a
  // cache big enough for the indexes of random UUID keys, which otherwise cost a read per insert
  dst.pragma('journal_mode = OFF');
  dst.pragma('synchronous = OFF');
  dst.pragma('cache_size = -2000000');
  // tables are copied in name order, not in the order their references need; checked once at the end
  dst.pragma('foreign_keys = OFF');
  try {
    copyConfiguration(src, dst);
    const head = (src.prepare('SELECT coalesce(max(seq), 0) AS head FROM events').get() as { head: number }).head;
    const ids = new Set<string>();
    for (const table of ['orders', 'order_lines', 'payments']) {
      for (const { id } of src.prepare(`SELECT id FROM ${table}`).iterate() as Iterable<{ id: string }>) ids.add(id);
    }
    // a source that crossed the start of a business day holds two dates: each copy then moves back two days
    const dates = src.prepare('SELECT min(business_date) AS first, max(business_date) AS last FROM order_counters').get() as {
      first: string | null;
      last: string | null;
    };
    const span = dates.first && dates.last ? Math.round((Date.parse(dates.last) - Date.parse(dates.first)) / DAY_MS) + 1 : 1;
    for (let k = o.days; k >= 1; k--) {
      copyDay(src, dst, ids, { k, daysBack: k * span, seqBase: (o.days - k) * head });
      o.progress?.(o.days - k + 1);
    }
    const broken = dst.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new Error(`the aged store has ${broken.length} broken references, first ${JSON.stringify(broken[0])}`);
    dst.pragma('journal_mode = WAL');
    const counts = Object.fromEntries(HISTORY_TABLES.map((t) => [t, dst.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]));
    const bytes = (dst.pragma('page_count', { simple: true }) as number) * (dst.pragma('page_size', { simple: true }) as number);
    return { counts, bytes };
  } finally {
    src.close();
    dst.close();
  }
}

/** Menu, floor, staff, devices, printers and the store's identity: everything that is not history. */
function copyConfiguration(src: Database.Database, dst: Db): void {
  const tables = (
    src.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]
  )
    .map((r) => r.name)
    .filter((t) => !HISTORY_TABLES.includes(t) && !OWN_TABLES.includes(t));
  dst.transaction(() => {
    for (const table of tables) {
      // a hub's embedded simulated printers run only in that hub: the hub measuring the store brings its own
      const rows = src.prepare(`SELECT * FROM "${table}"${table === 'printers' ? ' WHERE simulated = 0' : ''}`).iterate() as Iterable<Row>;
      for (const row of rows) {
        // the source's compaction dictionaries and cursors are of its rows: the aged store's hub makes its own
        if (table === 'meta' && isCompactionMeta(String(row.key))) continue;
        insert(dst, table, row, 'OR REPLACE');
      }
    }
  })();
}

function copyDay(src: Database.Database, dst: Db, copiedIds: ReadonlySet<string>, copy: Copy): void {
  const { k, daysBack, seqBase } = copy;
  const shift = daysBack * DAY_MS;
  const id = (v: unknown) => (typeof v === 'string' ? agedId(v, k, daysBack) : v);
  const ms = (v: unknown) => (typeof v === 'number' ? v - shift : v);
  const seq = (v: unknown) => (typeof v === 'number' ? v + seqBase : v);
  // a source older than an hour holds compacted answers and events (hub/store/compactor.ts): copied as JSON
  const dictionaries = new Dictionaries(src);
  const idsIn = (text: unknown) =>
    typeof text === 'string'
      ? dictionaries.unpack(text).replace(JSON_STRING, (m, id: string) => (copiedIds.has(id) ? `"${agedId(id, k, daysBack)}"` : m))
      : text;
  const key = (v: unknown) => `${String(v)}~${k}`;
  const rows = (sql: string) => src.prepare(sql).iterate() as Iterable<Row>;

  dst.transaction(() => {
    for (const r of rows('SELECT * FROM order_counters')) {
      insert(dst, 'order_counters', { ...r, business_date: dateMinusDays(String(r.business_date), daysBack) });
    }
    for (const r of rows('SELECT * FROM orders')) {
      const open = !['closed', 'voided', 'merged'].includes(String(r.status));
      const o = open ? { ...r, status: 'closed', paid_minor: r.total_minor, due_minor: 0, closed_at: r.updated_at } : r;
      insert(dst, 'orders', {
        ...o,
        id: id(o.id),
        business_date: dateMinusDays(String(o.business_date), daysBack),
        created_at: ms(o.created_at),
        updated_at: ms(o.updated_at),
        closed_at: ms(o.closed_at),
        quoted_ready_at: ms(o.quoted_ready_at),
        bill_requested_at: null,
        merged_into_order_id: id(o.merged_into_order_id),
      });
    }
    for (const r of rows('SELECT * FROM order_lines')) {
      const l = r.status === 'voided' ? r : { ...r, status: 'served', served_at: r.served_at ?? r.ready_at ?? r.added_at };
      insert(dst, 'order_lines', {
        ...l,
        id: id(l.id),
        order_id: id(l.order_id),
        added_at: ms(l.added_at),
        fired_at: ms(l.fired_at),
        ready_at: ms(l.ready_at),
        served_at: ms(l.served_at),
      });
    }
    for (const r of rows('SELECT * FROM payments')) {
      insert(dst, 'payments', { ...r, id: id(r.id), order_id: id(r.order_id), lines: idsIn(r.lines), created_at: ms(r.created_at) });
    }
    for (const r of rows('SELECT * FROM events ORDER BY seq')) {
      insert(dst, 'events', { ...r, seq: seq(r.seq), at: ms(r.at), payload: idsIn(r.payload) });
    }
    for (const r of rows('SELECT * FROM idempotency_keys')) {
      insert(dst, 'idempotency_keys', {
        ...r,
        key: key(r.key),
        body: idsIn(r.body),
        body_event_seq: seq(r.body_event_seq),
        created_at: ms(r.created_at),
      });
    }
    const jobIds = new Map<number, number>();
    const job = (v: unknown) => (v == null ? null : (jobIds.get(Number(v)) ?? null));
    for (const r of rows('SELECT * FROM print_jobs ORDER BY id')) {
      const { id: oldId, ...j } = r.state === 'failed' ? r : { ...r, state: 'confirmed', confirmed_at: r.confirmed_at ?? r.updated_at };
      const newId = insert(dst, 'print_jobs', {
        ...j,
        idempotency_key: key(j.idempotency_key),
        order_id: id(j.order_id),
        document: idsIn(j.document),
        source_seq: seq(j.source_seq),
        reprint_of: job(j.reprint_of),
        moved_from_job_id: job(j.moved_from_job_id),
        created_at: ms(j.created_at),
        updated_at: ms(j.updated_at),
        sent_at: ms(j.sent_at),
        confirmed_at: ms(j.confirmed_at),
        next_attempt_at: null,
      });
      jobIds.set(Number(oldId), newId);
    }
  })();
}

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/** Inserts a row as named columns; a statement per table and column list, prepared once per database. */
function insert(db: Db, table: string, row: Row, or = ''): number {
  const columns = Object.keys(row);
  const sql = `INSERT ${or} INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`;
  let mine = statements.get(db);
  if (!mine) statements.set(db, (mine = new Map()));
  let statement = mine.get(sql);
  if (!statement) mine.set(sql, (statement = db.prepare(sql)));
  return Number(statement.run(row).lastInsertRowid);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
