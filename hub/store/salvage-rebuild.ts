/**
 * The orders a salvage lost, made again from the event log (salvage.ts calls it once the readable rows are
 * copied, before what a lost row left dangling is removed).
 *
 * An order whose `orders` row was on a spoilt page, or whose lines, payments or refunds were, is named by
 * the events of the log that other pages still hold. Those of its events are replayed (salvage-replay.ts)
 * and, when the log holds its whole history, the rows are written with the hub's own statements
 * (SqliteOrderRepo), then read back through them: the order must read exactly as replayed, or nothing of it
 * is written. An order whose history the log does not hold whole is listed, with what its last event said,
 * for the manager to check against the bills.
 *
 * Which part of the log to read. The rows of a table are numbered (rowid) in the order they were written,
 * and each was written with the event of its change, in the same transaction: the rows on a spoilt page were
 * written after the last row read before it, so their events come at or after that row's. The log is read
 * from the first event of that moment (`events_at`), and before it only for the orders found that were
 * placed earlier (a kept order whose later lines were lost, an order merged into a lost one).
 *
 * What the log does not say is not made up: the portions a rebuilt line took from a counted dish
 * (`stock_taken`) are not in it, so voiding that line later gives none back (as for a line ordered before
 * its dish was counted). Rebuilt rows get new rowids, after every kept one: the only place that shows is the
 * order of orders placed in the same millisecond in a list.
 */
import type { Statement } from 'better-sqlite3';
import type { z } from 'zod';
import type { Order, OrderStatus } from '../protocol/orders.ts';
import { eventPayloadSchemas } from '../protocol/events.ts';
import { Dictionaries } from './compactor.ts';
import type { Db } from './db.ts';
import { SqliteOrderRepo } from './order-repo.ts';
import { OrderReplay, type NotWhole, type OrderEvent, type OrderEventType } from './salvage-replay.ts';

/** An order made again from the log. */
export interface RebuiltOrder {
  id: string;
  number: number;
  businessDate: string;
  /** its `orders` row was lost (else: it was kept, and lines, payments or refunds of it were lost) */
  rowLost: boolean;
}

/** What the last event of a lost order said of it. */
export interface LastSeen {
  at: number;
  /** null when its `order.placed` was lost too (the other events do not carry the day) */
  businessDate: string | null;
  number: number;
  status: OrderStatus;
  tableId: string | null;
  tableName: string | null;
  totalMinor: number;
  paidMinor: number;
  dueMinor: number;
}

/** An order the log names whose row was lost and whose history it does not hold whole. */
export interface LostOrder {
  id: string;
  why: NotWhole;
  /** null when none of its events could be read */
  lastSeen: LastSeen | null;
}

export interface RebuildResult {
  rebuilt: RebuiltOrder[];
  lost: LostOrder[];
  /** Kept orders whose lines, payments or refunds were lost and could not be made again. */
  incomplete: string[];
  /** Rows written, by table. */
  rows: Record<OrderTable, number>;
}

/** The tables an order's rows are in. */
export type OrderTable = 'orders' | 'order_lines' | 'payments' | 'refunds';
export const ORDER_TABLES: readonly OrderTable[] = ['orders', 'order_lines', 'payments', 'refunds'];

/** Where the tables of orders lost rows, and what the log's own damage was. */
export interface RebuildInput {
  /** per table of orders: the stretches of rowids skipped (`after`: the last row read before), and whether rows were refused */
  damage: Map<OrderTable, { skipped: readonly { after: number | null; before: number | null }[]; rejected: number }>;
  /**
   * The highest seq the damaged store had handed out (its AUTOINCREMENT), or null when not known: then events
   * lost at the head of the log cannot be told from none.
   */
  headSeq: number | null;
}

const TIME_OF = { orders: 'created_at', order_lines: 'added_at', payments: 'created_at', refunds: 'created_at' } as const;
const BATCH = 2000;
const EVENT_COLUMNS = 'seq, type, at, device_id AS deviceId, staff_id AS staffId, payload';

interface RawEvent {
  seq: number;
  type: string;
  at: number;
  deviceId: string | null;
  staffId: string | null;
  payload: string;
}

/** What one event names, read without its schema (fast: every event of a stretch of the log goes through it). */
interface Named {
  orders: string[];
  placed: string | null;
  merge: { source: string; target: string } | null;
  lines: string[];
  payment: string | null;
  refund: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const idOf = (v: unknown): string | null => (v !== null && typeof v === 'object' ? str((v as { id?: unknown }).id) : null);

function named(type: string, p: Record<string, unknown>): Named {
  const order = idOf(p.order);
  const merged = type === 'order.merged' ? idOf(p.merged) : null;
  const lines =
    type === 'order.placed'
      ? ((p.order as { lines?: unknown } | undefined)?.lines ?? [])
      : type === 'order.lines_added'
        ? (p.lines ?? [])
        : [];
  return {
    orders: [merged, order].filter((id): id is string => id !== null),
    placed: type === 'order.placed' ? order : null,
    merge: merged !== null && order !== null ? { source: merged, target: order } : null,
    lines: Array.isArray(lines) ? lines.map(idOf).filter((id): id is string => id !== null) : [],
    payment: type === 'order.payment_taken' ? idOf(p.payment) : null,
    refund: type === 'order.refunded' ? idOf(p.refund) : null,
  };
}

export function rebuildFromLog(dest: Db, input: RebuildInput): RebuildResult {
  const log = new LogReader(dest);
  const repo = new SqliteOrderRepo(dest);
  const from = firstSeqToRead(dest, input);
  const ends = lostEnds(dest, input);
  const found = findLost(log, repo, input, from, ends);
  const needed = neededFor(found);
  if (from > 1) readBack(log, found, needed, from);
  const replay = replayOf(log, found, needed);
  // rows lost at a table's end that no event kept names were written by events the log lost: at its end
  const endUnnamed = [...ends].some(([table, seq]) => seq === null || !found.endsNamed.has(table));
  return settle(dest, repo, replay, found, endUnnamed ? Number.POSITIVE_INFINITY : lastMissingSeq(dest, input.headSeq, found.lastUnreadable));
}

/**
 * The tables of orders whose last rows are missing though every page of them read. A leaf the disk said it
 * wrote and never did comes back as it last was, whole: the rows appended to it since are not there, and no
 * read fails. The log names each row in the event that wrote it (its placing, its lines added, its payment,
 * its refund), so read from the moment of a table's newest row on, a row it names that the store lacks was at
 * that table's end. `known`: tables whose end is known lost already (not looked for); `checkedUpTo`: the
 * log's last seq when the store was salvaged before (what it lacked then was told then). An empty table is not
 * looked at: its newest row, and so where to start reading, is not known (a store that never refunded reads no
 * log for its refunds).
 */
export function shortAtEnd(dest: Db, known: ReadonlySet<OrderTable>, checkedUpTo: number): Set<OrderTable> {
  const log = new LogReader(dest);
  const repo = new SqliteOrderRepo(dest);
  // the first event of the newest row's moment (its own event, or one in the same millisecond), else the first after
  const firstOf = dest.prepare('SELECT COALESCE((SELECT MIN(seq) FROM events WHERE at = @at), (SELECT MIN(seq) FROM events WHERE at > @at))').pluck();
  const since = new Map<OrderTable, number>();
  for (const table of ORDER_TABLES) {
    if (known.has(table)) continue;
    const at = newestWritten(dest, table);
    const seq = at === null ? null : (firstOf.get({ at }) as number | null);
    if (seq !== null) since.set(table, Math.max(seq, checkedUpTo + 1));
  }
  const lacks: Record<OrderTable, (n: Named) => boolean> = {
    orders: (n) => n.placed !== null && !repo.exists(n.placed),
    order_lines: (n) => n.lines.some((id) => !repo.lineExists(id)),
    payments: (n) => n.payment !== null && !repo.paymentExists(n.payment),
    refunds: (n) => n.refund !== null && !repo.refundExists(n.refund),
  };
  const short = new Set<OrderTable>();
  for (const [table, seq] of since) {
    // only the events that write its rows are read whole: since a month-old refund, a month of the log's types
    log.forward(seq, (e) => {
      const p = log.payload(e);
      if (!p || !lacks[table](named(e.type, p))) return;
      short.add(table);
      return false;
    }, WRITES[table]);
  }
  return short;
}

/** The events that write rows of each table of orders. */
const WRITES: Record<OrderTable, readonly OrderEventType[]> = {
  orders: ['order.placed'],
  order_lines: ['order.placed', 'order.lines_added'],
  payments: ['order.payment_taken'],
  refunds: ['order.refunded'],
};

/**
 * When the newest row of `table` was written (null: it has none). Its time column, not its rowid: a store
 * salvaged before holds the rows its salvage made again after every other, with the times they first had.
 */
function newestWritten(dest: Db, table: OrderTable): number | null {
  return (dest.prepare(`SELECT MAX(${TIME_OF[table]}) FROM ${table}`).pluck().get() as number | null) ?? null;
}

/** The event log of the salvaged store, its compacted payloads inflated as the hub reads them (event-log.ts). */
class LogReader {
  readonly #dest: Db;
  readonly #dicts: Dictionaries;
  readonly #ascending;
  readonly #descending;
  readonly #bySeq;

  constructor(dest: Db) {
    this.#dest = dest;
    this.#dicts = new Dictionaries(dest);
    this.#ascending = dest.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq >= ? AND type GLOB 'order.*' ORDER BY seq LIMIT ${BATCH}`);
    this.#descending = dest.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq <= ? AND type GLOB 'order.*' ORDER BY seq DESC LIMIT ${BATCH}`);
    this.#bySeq = dest.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq = ?`);
  }

  /** The order events (or those of `types`) from `seq` on, oldest first; return false to stop. */
  forward(seq: number, each: (e: RawEvent) => boolean | void, types?: readonly OrderEventType[]): void {
    const statement = types
      ? this.#dest.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq >= ? AND type IN (${types.map((t) => `'${t}'`).join(', ')}) ORDER BY seq LIMIT ${BATCH}`)
      : this.#ascending;
    this.#walk(statement, seq, 1, each);
  }

  /** The order events up to `seq`, newest first; return false to stop. */
  backward(seq: number, each: (e: RawEvent) => boolean | void): void {
    this.#walk(this.#descending, seq, -1, each);
  }

  at(seq: number): RawEvent | undefined {
    return this.#bySeq.get(seq) as RawEvent | undefined;
  }

  /** The payload as JSON, or null when it cannot be read (spoilt, or packed with a dictionary the store lacks). */
  payload(e: RawEvent): Record<string, unknown> | null {
    try {
      const p: unknown = JSON.parse(this.#dicts.unpack(e.payload));
      return p !== null && typeof p === 'object' ? (p as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  // in batches: a statement iterated holds the connection, which the callers' lookups need
  #walk(statement: Statement, seq: number, step: 1 | -1, each: (e: RawEvent) => boolean | void): void {
    for (let next = seq; ; ) {
      const batch = statement.all(next) as RawEvent[];
      for (const e of batch) if (each(e) === false) return;
      if (batch.length < BATCH) return;
      next = batch[batch.length - 1]!.seq + step;
    }
  }
}

/** What the log names from the first seq read on: each order's events, and which orders lost rows. */
interface Found {
  seqsOf: Map<string, number[]>;
  placed: Set<string>;
  /** merges, both ways */
  sources: Map<string, string[]>;
  targetOf: Map<string, string>;
  /** orders named whose `orders` row is not in the store */
  rowLost: Set<string>;
  /** orders kept that placed a line, took a payment or gave a refund the store lacks */
  missingChildren: Set<string>;
  /** the last seq read whose payload could not be: it may have been any order's */
  lastUnreadable: number;
  /** tables whose lost end the log names a row of (written by an event from `lostEnds`' seq on) */
  endsNamed: Set<OrderTable>;
}

function note(found: Found, seq: number, id: string): void {
  const list = found.seqsOf.get(id);
  if (list) list.push(seq);
  else found.seqsOf.set(id, [seq]);
}

function noteMerge(found: Found, m: { source: string; target: string }): void {
  if (found.targetOf.has(m.source)) return;
  found.targetOf.set(m.source, m.target);
  found.sources.set(m.target, [...(found.sources.get(m.target) ?? []), m.source]);
}

/** 1. The stretch of the log the lost rows' events are in: every order it names, and which of them lost rows. */
function findLost(log: LogReader, repo: SqliteOrderRepo, input: RebuildInput, from: number, ends: ReadonlyMap<OrderTable, number | null>): Found {
  const found: Found = {
    seqsOf: new Map(),
    placed: new Set(),
    sources: new Map(),
    targetOf: new Map(),
    rowLost: new Set(),
    missingChildren: new Set(),
    lastUnreadable: 0,
    endsNamed: new Set(),
  };
  const lostLines = input.damage.has('order_lines');
  const lostPayments = input.damage.has('payments');
  const lostRefunds = input.damage.has('refunds');
  const kept = new Map<string, boolean>();
  const isKept = (id: string) => {
    let known = kept.get(id);
    if (known === undefined) kept.set(id, (known = repo.exists(id)));
    return known;
  };
  log.forward(from, (e) => {
    const p = log.payload(e);
    if (!p) {
      found.lastUnreadable = Math.max(found.lastUnreadable, e.seq);
      return;
    }
    const n = named(e.type, p);
    for (const id of n.orders) {
      note(found, e.seq, id);
      if (!isKept(id)) found.rowLost.add(id);
    }
    if (n.placed) found.placed.add(n.placed);
    if (n.merge) noteMerge(found, n.merge);
    const creator = n.orders.at(-1);
    // the tables this event wrote a row of that the store lacks
    const lacking: OrderTable[] = [];
    if (n.placed !== null && !isKept(n.placed)) lacking.push('orders');
    if (lostLines && n.lines.some((id) => !repo.lineExists(id))) lacking.push('order_lines');
    if (lostPayments && n.payment !== null && !repo.paymentExists(n.payment)) lacking.push('payments');
    if (lostRefunds && n.refund !== null && !repo.refundExists(n.refund)) lacking.push('refunds');
    if (creator !== undefined && lacking.some((t) => t !== 'orders')) found.missingChildren.add(creator);
    for (const t of lacking) if (e.seq >= (ends.get(t) ?? Number.POSITIVE_INFINITY)) found.endsNamed.add(t);
  });
  return found;
}

/**
 * 2. What must be replayed: the orders to make again, the orders a lost line or payment may have moved to
 * since (merges: counted with `missingChildren`), and every order merged into one of those (its lines and
 * payments are theirs now).
 */
function neededFor(found: Found): Set<string> {
  for (const id of [...found.missingChildren]) {
    for (let t = found.targetOf.get(id), hops = 0; t !== undefined && hops < 100; t = found.targetOf.get(t), hops++) found.missingChildren.add(t);
  }
  const needed = new Set<string>();
  for (const id of [...found.rowLost, ...found.missingChildren]) need(found, needed, id);
  return needed;
}

function need(found: Found, all: Set<string>, id: string): void {
  if (all.has(id)) return;
  all.add(id);
  for (const s of found.sources.get(id) ?? []) need(found, all, s);
}

/**
 * 3. Orders placed before the stretch read: the log read back from it, newest first, until each one's placing
 * (an order merged into one of them is found at its merge, before its own earlier events).
 */
function readBack(log: LogReader, found: Found, needed: Set<string>, from: number): void {
  const unplaced = () => [...needed].some((id) => !found.placed.has(id));
  if (!unplaced()) return;
  log.backward(from - 1, (e) => {
    const p = log.payload(e);
    if (!p) return;
    const n = named(e.type, p);
    if (n.merge && needed.has(n.merge.target)) {
      noteMerge(found, n.merge);
      need(found, needed, n.merge.source);
    }
    for (const id of n.orders) if (needed.has(id)) note(found, e.seq, id);
    if (n.placed && needed.has(n.placed)) {
      found.placed.add(n.placed);
      return unplaced();
    }
  });
}

/** 4. The replay, of the needed orders' events only, each checked against its type's schema. */
function replayOf(log: LogReader, found: Found, needed: Set<string>): OrderReplay {
  const replay = new OrderReplay();
  const seqs = [...new Set([...needed].flatMap((id) => found.seqsOf.get(id) ?? []))].sort((a, b) => a - b);
  for (const seq of seqs) {
    const e = log.at(seq)!;
    const p = log.payload(e);
    const ids = p ? named(e.type, p).orders.filter((id) => needed.has(id)) : [];
    const schema = eventPayloadSchemas[e.type as OrderEventType] as z.ZodType | undefined;
    const parsed = p && schema ? schema.safeParse(p) : null;
    if (!parsed?.success) {
      replay.unreadable(seq, ids, parsed ? `not an ${e.type} event (${parsed.error.issues[0]?.message ?? 'schema'})` : 'unreadable');
      continue;
    }
    replay.apply({ seq: e.seq, type: e.type, at: e.at, deviceId: e.deviceId, staffId: e.staffId, payload: parsed.data } as OrderEvent);
  }
  return replay;
}

/** 5. Each order the log holds whole written, and read back as replayed; the others listed. */
function settle(dest: Db, repo: SqliteOrderRepo, replay: OrderReplay, found: Found, lastGap: number): RebuildResult {
  const result: RebuildResult = { rebuilt: [], lost: [], incomplete: [], rows: { orders: 0, order_lines: 0, payments: 0, refunds: 0 } };
  const tableName = dest.prepare('SELECT name FROM dining_tables WHERE id = ?').pluck();
  const firstSeq = (id: string) => replay.histories.get(id)?.[0]?.seq ?? 0;
  const toMake = new Set([...found.rowLost, ...found.missingChildren]);
  // oldest first: rebuilt rows get new rowids, in the order the originals had
  for (const id of [...toMake].sort((a, b) => firstSeq(a) - firstSeq(b))) {
    const lost = found.rowLost.has(id);
    const order = replay.orders.get(id);
    const last = replay.histories.get(id)?.at(-1);
    let why = replay.wholeUpTo(id);
    if (why === null && order && last) {
      // whether it changed after its last event: a kept order's row says how far it went; for a lost one only
      // a log that lacks no seq after that event does (a voided order changes no more)
      if (lost ? lastGap > last.seq && order.status !== 'voided' : repo.get(id)?.revision !== order.revision) why = 'later-events-lost';
    }
    const written = why === null && order ? write(repo, dest, order, result.rows) : 'refused';
    if (written === 'written') result.rebuilt.push({ id, number: order!.number, businessDate: order!.businessDate, rowLost: lost });
    if (written !== 'refused') continue;
    // a kept order is incomplete only if something of its own is missing (a merge target read on the way may lack nothing)
    if (!lost) {
      if (found.missingChildren.has(id)) result.incomplete.push(id);
      continue;
    }
    const s = last?.summary;
    const lastSeen: LastSeen | null =
      s && last
        ? {
            at: last.at,
            businessDate: replay.businessDates.get(id) ?? null,
            number: s.number,
            status: s.status,
            tableId: s.tableId,
            tableName: s.tableId === null ? null : ((tableName.get(s.tableId) as string | undefined) ?? null),
            totalMinor: s.totalMinor,
            paidMinor: s.paidMinor,
            dueMinor: s.dueMinor,
          }
        : null;
    result.lost.push({ id, why: why ?? 'inconsistent', lastSeen });
  }
  return result;
}

/**
 * The first seq whose events may have written a lost row: for each stretch of rowids skipped, the moment the
 * last row read before it was written (its own time column, which its event shares), and the first event of
 * that moment. 1 (the whole log) when a stretch starts at the table's start, rows were refused where, or
 * that moment's events are gone.
 */
function firstSeqToRead(dest: Db, input: RebuildInput): number {
  const firstAt = dest.prepare('SELECT MIN(seq) FROM events WHERE at = ?').pluck();
  let from = Number.MAX_SAFE_INTEGER;
  for (const [table, damage] of input.damage) {
    if (damage.rejected > 0) return 1;
    const timeOf = dest.prepare(`SELECT ${TIME_OF[table]} FROM ${table} WHERE _rowid_ = ?`).pluck();
    for (const s of damage.skipped) {
      if (s.after === null) return 1;
      const at = timeOf.get(s.after) as number | undefined;
      const seq = at === undefined ? null : (firstAt.get(at) as number | null);
      if (seq === null) return 1;
      from = Math.min(from, seq);
    }
  }
  return from === Number.MAX_SAFE_INTEGER ? 1 : from;
}

/**
 * The tables whose end was lost after a row kept (a stretch skipped to the table's end: at least one row, since
 * a read failed past the newest one kept), each with the first seq the events that wrote those rows can have:
 * the first event of the moment the newest row kept was written (null when that moment is not in the log,
 * whose end may be what lost it). A table of which no row was kept may have had none.
 */
function lostEnds(dest: Db, input: RebuildInput): Map<OrderTable, number | null> {
  const firstAt = dest.prepare('SELECT MIN(seq) FROM events WHERE at = ?').pluck();
  const ends = new Map<OrderTable, number | null>();
  for (const [table, damage] of input.damage) {
    const at = damage.skipped.some((s) => s.before === null) ? newestWritten(dest, table) : null;
    if (at !== null) ends.set(table, (firstAt.get(at) as number | null) ?? null);
  }
  return ends;
}

/**
 * The highest seq the log lacks (0: none): a hole between the seqs it kept (seqs are handed out one by one,
 * and a rolled-back transaction takes its seqs back), its lost head (up to what the store had handed out), or
 * an event that could not be read. Unknown head: infinite.
 */
function lastMissingSeq(dest: Db, headSeq: number | null, lastUnreadable: number): number {
  const kept = dest.prepare('SELECT MAX(seq) FROM events').pluck().get() as number | null;
  if (headSeq === null) return Number.POSITIVE_INFINITY;
  if (headSeq > (kept ?? 0)) return headSeq;
  const hole = dest
    .prepare('SELECT seq - 1 FROM (SELECT seq, LAG(seq, 1, 0) OVER (ORDER BY seq) AS prev FROM events) WHERE seq > prev + 1 ORDER BY seq DESC LIMIT 1')
    .pluck()
    .get() as number | undefined;
  return Math.max(hole ?? 0, lastUnreadable);
}

/**
 * Writes what the store lacks of `order` with the hub's own statements, and reads it back: anything but the
 * order as replayed (a kept line that says otherwise) and nothing of it stays written. 'nothing': the store
 * lacked nothing of it, and reads as replayed.
 */
function write(repo: SqliteOrderRepo, dest: Db, order: Order, rows: RebuildResult['rows']): 'written' | 'nothing' | 'refused' {
  const header = !repo.exists(order.id);
  const lines = order.lines.filter((l) => !repo.lineExists(l.id));
  const payments = order.payments.filter((p) => !repo.paymentExists(p.id));
  const refunds = (order.refunds ?? []).filter((r) => !repo.refundExists(r.id));
  if (!header && lines.length + payments.length + refunds.length === 0) return same(repo.get(order.id), order) ? 'nothing' : 'refused';
  try {
    dest.transaction(() => {
      if (header) repo.insert({ ...order, lines: [] });
      if (lines.length > 0) repo.save(order, lines);
      for (const p of payments) repo.save(order, [], p);
      for (const r of refunds) repo.saveRefund(order, r);
      if (!same(repo.get(order.id), order)) throw new NotAsReplayed();
    })();
  } catch (err) {
    if (err instanceof NotAsReplayed) return 'refused';
    const code = (err as { code?: string }).code ?? '';
    // a row of another order under one of its ids: the store says otherwise than the log
    if (code.startsWith('SQLITE_CONSTRAINT')) return 'refused';
    throw err;
  }
  rows.orders += header ? 1 : 0;
  rows.order_lines += lines.length;
  rows.payments += payments.length;
  rows.refunds += refunds.length;
  return 'written';
}

class NotAsReplayed extends Error {}

/** Equal as JSON, whatever the order of the keys (a field absent and one undefined are the same). */
function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([k1], [k2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : 0))) : x,
  );
}
