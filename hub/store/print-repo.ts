import type { Channel } from '../protocol/common.ts';
import type { EventPayload } from '../protocol/events.ts';
import type { OrderLine } from '../protocol/orders.ts';
import type { PrintJob, PrintJobKind, PrintJobState, PrinterConfig } from '../protocol/printing.ts';
import { Dictionaries } from './compactor.ts';
import type { Db } from './db.ts';
import { ExternalCommits } from './external-commits.ts';
import { lineOfRow, MERGED_FROM_COLUMNS, type MergedFromRow } from './order-repo.ts';

/** Table names kept at most (a floor has tens; ids come from stored orders, so this only bounds the map). */
const MAX_KEPT_TABLE_NAMES = 10_000;

/** States in which a job still waits for its printer; `sending` and `sent` are in flight. */
export const ACTIVE_STATES = ['queued', 'retry-wait', 'held', 'uncertain'] as const satisfies readonly PrintJobState[];
/** What `?state=active` lists, and what counts as waiting on a printer: everything not finished. */
const UNFINISHED_STATES: ReadonlySet<string> = new Set<PrintJobState>([...ACTIVE_STATES, 'sending', 'sent']);
const sqlList = (states: Iterable<string>): string => `(${[...states].map((st) => `'${st}'`).join(', ')})`;
const ACTIVE_SQL = sqlList(ACTIVE_STATES);
export const UNFINISHED_SQL = sqlList(UNFINISHED_STATES);

/** A print job as stored, the ticket document as JSON (inflated if the compactor packed it). */
export interface JobRow {
  id: number;
  idempotencyKey: string;
  kind: PrintJobKind;
  orderId: string | null;
  orderNumber: string | null;
  stationId: string | null;
  printerId: string | null;
  state: PrintJobState;
  document: string;
  sourceSeq: number | null;
  possibleDuplicate: boolean;
  reprintOf: number | null;
  reprintNumber: number | null;
  movedFromJobId: number | null;
  movedFromPrinter: string | null;
  attempts: number;
  uncertainCount: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
  confirmedAt: number | null;
}

export type NewJob = Omit<JobRow, 'id' | 'attempts' | 'uncertainCount' | 'nextAttemptAt' | 'sentAt' | 'confirmedAt' | 'updatedAt'> & {
  lastError: string | null;
};

/** A new job waiting for its printer, unmarked: no banner, not a reprint, not moved, no error. */
export function queuedJob(
  job: Pick<NewJob, 'idempotencyKey' | 'kind' | 'orderId' | 'orderNumber' | 'stationId' | 'printerId' | 'document' | 'sourceSeq' | 'createdAt'> &
    Partial<Pick<NewJob, 'reprintOf' | 'reprintNumber' | 'movedFromPrinter'>>,
): NewJob {
  return { state: 'queued', possibleDuplicate: false, reprintOf: null, reprintNumber: null, movedFromJobId: null, movedFromPrinter: null, lastError: null, ...job };
}

/** The fields a state change may write. */
export type JobUpdate = Pick<
  JobRow,
  'id' | 'state' | 'possibleDuplicate' | 'attempts' | 'uncertainCount' | 'nextAttemptAt' | 'lastError' | 'updatedAt' | 'sentAt' | 'confirmedAt'
>;

const JOB_COLUMNS = `id, idempotency_key AS idempotencyKey, kind, order_id AS orderId, order_number AS orderNumber,
  station_id AS stationId, printer_id AS printerId, state, document, source_seq AS sourceSeq,
  possible_duplicate AS possibleDuplicate, reprint_of AS reprintOf, reprint_number AS reprintNumber,
  moved_from_job_id AS movedFromJobId, moved_from_printer AS movedFromPrinter, attempts, uncertain_count AS uncertainCount,
  next_attempt_at AS nextAttemptAt, last_error AS lastError, created_at AS createdAt, updated_at AS updatedAt,
  sent_at AS sentAt, confirmed_at AS confirmedAt`;

const PRINTER_COLUMNS = `id, name, host, port, encoding, width_chars AS widthChars, stations, backup_printer_id AS backupPrinterId,
  buzzer, enabled, simulated, created_at AS createdAt, updated_at AS updatedAt`;

type PrinterRow = Omit<PrinterConfig, 'stations' | 'enabled' | 'simulated'> & { stations: string; enabled: number; simulated: number };
type RawJob = Omit<JobRow, 'possibleDuplicate'> & { possibleDuplicate: number };

const frozen = (p: PrinterConfig): PrinterConfig => Object.freeze({ ...p, stations: Object.freeze([...p.stations]) as string[] });

const toPrinter = (r: PrinterRow): PrinterConfig => ({
  ...r,
  stations: JSON.parse(r.stations) as string[],
  enabled: r.enabled === 1,
  simulated: r.simulated === 1,
});
/** The row with its flags; its document as stored (perhaps packed): for views, which leave the document out. */
const toJob = (r: RawJob): JobRow => ({ ...r, possibleDuplicate: r.possibleDuplicate === 1 });

/** The job as the API shows it (no document, no key). */
export const jobView = (j: JobRow): PrintJob => ({
  id: j.id,
  kind: j.kind,
  orderId: j.orderId,
  orderNumber: j.orderNumber,
  stationId: j.stationId,
  printerId: j.printerId,
  state: j.state,
  possibleDuplicate: j.possibleDuplicate,
  reprintOf: j.reprintOf,
  reprintNumber: j.reprintNumber,
  movedFromJobId: j.movedFromJobId,
  movedFromPrinter: j.movedFromPrinter,
  attempts: j.attempts,
  lastError: j.lastError,
  createdAt: j.createdAt,
  updatedAt: j.updatedAt,
  confirmedAt: j.confirmedAt,
});

export interface OrderHeaderRow {
  id: string;
  number: number;
  channel: Channel;
  tableId: string | null;
  note: string | null;
  rush: boolean;
  staffId: string | null;
  createdAt: number;
}

/**
 * A printer's queue, read through its unfinished states: never along `print_jobs_printer_id`, which the
 * planner would take for `ORDER BY id` and which holds every ticket the printer ever printed.
 */
const QUEUE = 'print_jobs INDEXED BY print_jobs_printer';

/**
 * Printers and print jobs on the hub's one connection. Writes run inside the writer's transaction (the
 * planner's inserts share the order change's transaction); reads run between transactions.
 */
export class SqlitePrintRepo {
  private readonly s;
  /**
   * Unfinished jobs per printer, kept up to date as this repo writes jobs (the only writer of print_jobs);
   * undefined until first asked, and again after a rollback. Health asks for these counts several times a
   * second; counting the rows cost ~2 µs per waiting job (100–270 ms per call with the backlog of a flood),
   * and a trigger-kept or partially indexed count doubled the cost of every job's state change.
   */
  private waiting: Map<string, number> | undefined;
  /**
   * The printers, kept from the last read until this repo writes one (it is their only writer) or the
   * writer rolls back (a printer written by the rolled-back work may have been read since). The planner
   * asks for them for every order (~2 % of the hub's time read from SQLite). Frozen: every caller shares them.
   */
  private printers: readonly PrinterConfig[] | undefined;
  /**
   * The stations' and tables' names tickets show, kept: the planner asked SQLite for both with every order
   * (~11 µs of it, over 1 % of the hub's time per order). The hub never writes them while it runs (the seed
   * does, before it starts); whatever another connection commits (a `sqlite3` shell) drops them, so they read
   * as SQLite has them, and so does a rollback (forgetKept).
   */
  private stations: ReadonlyMap<string, { nameZh: string; nameEn: string }> | undefined;
  private readonly tableNames = new Map<string, string>();
  private readonly external: ExternalCommits;
  /** For the events a void reads back and the documents of old jobs, stored compacted (compactor.ts). */
  private readonly dictionaries: Dictionaries;

  constructor(private readonly db: Db) {
    this.dictionaries = new Dictionaries(db);
    this.external = new ExternalCommits(db);
    this.s = {
      printers: db.prepare(`SELECT ${PRINTER_COLUMNS} FROM printers ORDER BY created_at, id`),
      printer: db.prepare(`SELECT ${PRINTER_COLUMNS} FROM printers WHERE id = ?`),
      insertPrinter: db.prepare(
        `INSERT INTO printers (id, name, host, port, encoding, width_chars, stations, backup_printer_id, buzzer, enabled, simulated,
           created_at, updated_at)
         VALUES (@id, @name, @host, @port, @encoding, @widthChars, @stations, @backupPrinterId, @buzzer, @enabled, @simulated,
           @createdAt, @updatedAt)`,
      ),
      updatePrinter: db.prepare(
        `UPDATE printers SET name = @name, host = @host, port = @port, encoding = @encoding, width_chars = @widthChars,
           stations = @stations, backup_printer_id = @backupPrinterId, buzzer = @buzzer, enabled = @enabled, updated_at = @updatedAt
         WHERE id = @id`,
      ),
      deletePrinter: db.prepare('DELETE FROM printers WHERE id = ?'),
      insertJob: db.prepare(
        `INSERT INTO print_jobs (idempotency_key, kind, order_id, order_number, station_id, printer_id, state, document, source_seq,
           possible_duplicate, reprint_of, reprint_number, moved_from_job_id, moved_from_printer, last_error, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (idempotency_key) DO NOTHING`,
      ),
      updateJob: db.prepare(
        `UPDATE print_jobs SET state = @state, possible_duplicate = @possibleDuplicate, attempts = @attempts,
           uncertain_count = @uncertainCount, next_attempt_at = @nextAttemptAt, last_error = @lastError, updated_at = @updatedAt,
           sent_at = @sentAt, confirmed_at = @confirmedAt
         WHERE id = @id`,
      ),
      job: db.prepare(`SELECT ${JOB_COLUMNS} FROM print_jobs WHERE id = ?`),
      head: db.prepare(`SELECT ${JOB_COLUMNS} FROM ${QUEUE} WHERE printer_id = ? AND state IN ${ACTIVE_SQL} ORDER BY id LIMIT 1`),
      active: db.prepare(`SELECT ${JOB_COLUMNS} FROM ${QUEUE} WHERE printer_id = ? AND state IN ${ACTIVE_SQL} ORDER BY id`),
      sent: db.prepare(`SELECT ${JOB_COLUMNS} FROM ${QUEUE} WHERE printer_id = ? AND state = 'sent' ORDER BY id`),
      sending: db.prepare(`SELECT ${JOB_COLUMNS} FROM ${QUEUE} WHERE printer_id = ? AND state = 'sending' ORDER BY id`),
      inFlight: db.prepare(`SELECT ${JOB_COLUMNS} FROM print_jobs WHERE state IN ('sending', 'sent') ORDER BY id`),
      unfinished: db.prepare(`SELECT ${JOB_COLUMNS} FROM print_jobs WHERE state IN ${UNFINISHED_SQL} ORDER BY id`),
      waiting: db.prepare(
        `SELECT printer_id AS printerId, COUNT(*) AS n FROM print_jobs WHERE state IN ${UNFINISHED_SQL} AND printer_id IS NOT NULL
         GROUP BY printer_id`,
      ),
      waitingOn: db.prepare(`SELECT COUNT(*) FROM ${QUEUE} WHERE printer_id = ? AND state IN ${UNFINISHED_SQL}`).pluck(),
      // the copies of a planned ticket: the jobs its change made (and their moved copies) on every printer
      sameChange: db.prepare(
        `SELECT printer_id AS printerId, state, station_id AS stationId, kind, document FROM print_jobs INDEXED BY print_jobs_order
          WHERE order_id = ? AND source_seq = ? AND reprint_of IS NULL`,
      ),
      placeOf: db.prepare('SELECT state, printer_id AS printerId FROM print_jobs WHERE id = ?'),
      // a reprint moved to another printer keeps its number: its copies are not further reprints
      lastReprint: db.prepare('SELECT COALESCE(MAX(reprint_number), 0) FROM print_jobs WHERE reprint_of = ?').pluck(),
      // the screens' failed-ticket alerts after a reload: newest first along the state index, so the LIMIT ends the read
      recentFailed: db.prepare(`SELECT ${JOB_COLUMNS} FROM print_jobs INDEXED BY print_jobs_state WHERE state = 'failed' ORDER BY id DESC LIMIT ?`),
      // a reprint (or its moved copy) made after a job, printed or on its way
      reprintedAfter: db
        .prepare(`SELECT 1 FROM print_jobs INDEXED BY print_jobs_reprint WHERE reprint_of = ? AND id > ? AND state NOT IN ('failed', 'rerouted') LIMIT 1`)
        .pluck(),
      // order data for tickets (the planner runs inside the order's transaction, so these see its writes)
      orderHeader: db.prepare(
        `SELECT id, number, channel, table_id AS tableId, note, rush, staff_id AS staffId, created_at AS createdAt FROM orders WHERE id = ?`,
      ),
      lines: db.prepare(
        `SELECT id, item_id AS itemId, name_zh AS nameZh, name_en AS nameEn, station_id AS stationId, qty,
           unit_price_minor AS unitPriceMinor, line_total_minor AS lineTotalMinor, options, note, course, status,
           void_reason AS voidReason, added_at AS addedAt, fired_at AS firedAt, ready_at AS readyAt, served_at AS servedAt,
           added_by_staff_id AS addedByStaffId, ${MERGED_FROM_COLUMNS}
         FROM order_lines WHERE order_id = ? ORDER BY position`,
      ),
      // lines voided one by one earlier have had their own void ticket; `events_at` bounds the scan to the order's life
      // (and its lines': a line merged in from another order was perhaps voided there, before this order began).
      // A line merged in was voided under its first order's id: it is found by its own id. An order older than
      // HUB_COMPACT_EVENTS_AFTER_MS meets compacted events (not JSON to SQLite): those come back whole
      // (`packed`), to be read here
      voidedBefore: db.prepare(
        `SELECT CASE WHEN payload GLOB 'z*' THEN payload END AS packed,
                CASE WHEN payload GLOB 'z*' THEN NULL ELSE json_extract(payload, '$.line.id') END AS lineId
           FROM events
          WHERE at >= @since AND type = 'order.line_voided'
            AND CASE WHEN payload GLOB 'z*' THEN 1
                     ELSE json_extract(payload, '$.order.id') = @orderId OR json_extract(payload, '$.line.id') IN (SELECT value FROM json_each(@lineIds))
                END`,
      ),
      lineIdsAdded: db.prepare('SELECT id, added_at AS addedAt FROM order_lines WHERE order_id = ?'),
      stations: db.prepare('SELECT id, name_zh AS nameZh, name_en AS nameEn FROM stations'),
      stationIds: db.prepare('SELECT id FROM stations').pluck(),
      tableName: db.prepare('SELECT name FROM dining_tables WHERE id = ?').pluck(),
      staffName: db.prepare('SELECT name FROM staff WHERE id = ?').pluck(),
      anyPrinter: db.prepare('SELECT 1 FROM printers LIMIT 1').pluck(),
      alerted: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setAlerted: db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES (?, '1')"),
      setDownSince: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      forgetDownSince: db.prepare("UPDATE meta SET value = '1' WHERE key = ?"),
      clearAlerted: db.prepare('DELETE FROM meta WHERE key = ?'),
    };
  }

  // ---- printers ----

  listPrinters(): readonly PrinterConfig[] {
    this.printers ??= Object.freeze((this.s.printers.all() as PrinterRow[]).map((r) => frozen(toPrinter(r))));
    return this.printers;
  }

  printer(id: string): PrinterConfig | undefined {
    const row = this.s.printer.get(id) as PrinterRow | undefined;
    return row ? toPrinter(row) : undefined;
  }

  hasAnyPrinter(): boolean {
    return this.s.anyPrinter.get() !== undefined;
  }

  insertPrinter(p: PrinterConfig): void {
    this.printers = undefined;
    this.s.insertPrinter.run(printerParams(p));
  }

  updatePrinter(p: PrinterConfig): void {
    this.printers = undefined;
    this.s.updatePrinter.run(printerParams(p));
  }

  deletePrinter(id: string): void {
    this.printers = undefined;
    this.s.deletePrinter.run(id);
    this.s.clearAlerted.run(alertKey(id)); // printer.removed takes it off the screens
  }

  /**
   * Whether the screens were last told that this printer is down or has tickets waiting on it. Kept across
   * restarts (screens resume their stream, they do not reload): a hub that finds the printer up again must say
   * so with `printer.up`, or the alert stays on every screen.
   */
  isPrinterAlerted(printerId: string): boolean {
    return this.s.alerted.get(alertKey(printerId)) !== undefined;
  }

  /**
   * Since when the printer has been down, as last recorded (before a restart too); null when it is not known
   * to be down or the time was not kept (a row written before the time was, or alerted only for a job).
   */
  printerDownSince(printerId: string): number | null {
    const value = this.s.alerted.get(alertKey(printerId)) as string | undefined;
    if (value === undefined || !value.startsWith('{')) return null;
    const since = (JSON.parse(value) as { downSince?: unknown }).downSince;
    return typeof since === 'number' && Number.isFinite(since) ? since : null;
  }

  setPrinterAlerted(printerId: string, isAlerted: boolean): void {
    if (isAlerted) this.s.setAlerted.run(alertKey(printerId));
    else this.s.clearAlerted.run(alertKey(printerId));
  }

  /** The printer went down at `since`: alerted, and its failover clock kept across a restart. */
  setPrinterDownSince(printerId: string, since: number): void {
    this.s.setDownSince.run(alertKey(printerId), JSON.stringify({ downSince: since }));
  }

  /** The printer's failover clock forgotten (it was disabled); whether the screens were told it is down, kept. */
  forgetPrinterDownSince(printerId: string): void {
    this.s.forgetDownSince.run(alertKey(printerId));
  }

  // ---- jobs ----

  /** Inserts a job; returns its id, or null when a job with the same idempotency key exists already. */
  insertJob(job: NewJob): number | null {
    // positional parameters: the planner inserts a job per station and printer of every order, and binding
    // 17 named ones (from a copy of the job) took ~2 µs of each insert
    const j = job;
    const r = this.s.insertJob.run(
      j.idempotencyKey, j.kind, j.orderId, j.orderNumber, j.stationId, j.printerId, j.state, j.document, j.sourceSeq,
      j.possibleDuplicate ? 1 : 0, j.reprintOf, j.reprintNumber, j.movedFromJobId, j.movedFromPrinter, j.lastError, j.createdAt, j.createdAt,
    );
    if (r.changes !== 1) return null;
    this.countWaiting(job.printerId, job.state, +1);
    return Number(r.lastInsertRowid);
  }

  /** Changes a job's state (never its printer). */
  updateJob(u: JobUpdate): void {
    const before = this.waiting && (this.s.placeOf.get(u.id) as { state: string; printerId: string | null } | undefined);
    this.s.updateJob.run({ ...u, possibleDuplicate: u.possibleDuplicate ? 1 : 0 });
    if (!before) return;
    this.countWaiting(before.printerId, before.state, -1);
    this.countWaiting(before.printerId, u.state, +1);
  }

  private countWaiting(printerId: string | null, state: string, delta: number): void {
    if (!this.waiting || printerId === null || !UNFINISHED_STATES.has(state)) return;
    this.waiting.set(printerId, (this.waiting.get(printerId) ?? 0) + delta);
  }

  /**
   * A job with its document as JSON: a finished job's is packed a day after it finished (a preview, a reprint
   * of an old ticket), and every job read from here is inflated, so no reader meets a packed one.
   */
  private readonly withDocument = (r: RawJob): JobRow => ({ ...toJob(r), document: this.dictionaries.unpack(r.document) });

  job(id: number): JobRow | undefined {
    const r = this.s.job.get(id) as RawJob | undefined;
    return r ? this.withDocument(r) : undefined;
  }

  /** The oldest job waiting for the printer: FIFO, one at a time. */
  headJob(printerId: string): JobRow | undefined {
    const r = this.s.head.get(printerId) as RawJob | undefined;
    return r ? this.withDocument(r) : undefined;
  }

  activeJobs(printerId: string): JobRow[] {
    return (this.s.active.all(printerId) as RawJob[]).map(this.withDocument);
  }

  /** Jobs the printer took but stopped on (paper ran out mid-job), oldest first. */
  sentJobs(printerId: string): JobRow[] {
    return (this.s.sent.all(printerId) as RawJob[]).map(this.withDocument);
  }

  /** Jobs a printer's worker marked `sending` (at most one while the worker runs). */
  sendingJobs(printerId: string): JobRow[] {
    return (this.s.sending.all(printerId) as RawJob[]).map(this.withDocument);
  }

  /** Jobs that were on their way to a printer: after a crash nobody knows whether they printed. */
  inFlightJobs(): JobRow[] {
    return (this.s.inFlight.all() as RawJob[]).map(this.withDocument);
  }

  /** Every job not yet printed, failed or moved: a restored backup's, which are as old as the backup. */
  unfinishedJobs(): JobRow[] {
    return (this.s.unfinished.all() as RawJob[]).map(this.withDocument);
  }

  /**
   * Unfinished jobs per printer (printers with none left out), as committed. Only outside a write batch: a
   * job of the batch may yet roll back (then the writer calls forgetKept). Inside one, waitingOn.
   */
  waitingCounts(): ReadonlyMap<string, number> {
    this.waiting ??= new Map((this.s.waiting.all() as { printerId: string; n: number }[]).map((r) => [r.printerId, r.n]));
    return new Map([...this.waiting].filter(([, n]) => n > 0));
  }

  /** Unfinished jobs of one printer, counted now (inside a write batch too). */
  waitingOn(printerId: string): number {
    return this.s.waitingOn.get(printerId) as number;
  }

  /**
   * After a rollback: the waiting counts and the printers kept may include writes that never happened; they
   * (and the names kept) are read again when asked.
   */
  forgetKept(): void {
    this.waiting = undefined;
    this.printers = undefined;
    this.stations = undefined;
    this.tableNames.clear();
  }

  /**
   * Runs `fn`, which writes inside a savepoint of the current transaction; if it throws (the savepoint is
   * rolled back, the transaction goes on) the waiting counts are put back as they were before it.
   */
  undoable<R>(fn: () => R): R {
    const kept = this.waiting && new Map(this.waiting);
    try {
      return fn();
    } catch (err) {
      this.waiting = kept;
      throw err;
    }
  }

  /** The printers that have a copy of a planned ticket (the same change, station and document), failed ones left out. */
  printersWithCopy(job: Pick<JobRow, 'orderId' | 'sourceSeq' | 'stationId' | 'kind' | 'document'>): Set<string> {
    const holding = new Set<string>();
    if (job.orderId === null || job.sourceSeq === null) return holding;
    for (const r of this.s.sameChange.all(job.orderId, job.sourceSeq) as { printerId: string | null; state: string; stationId: string | null; kind: string; document: string }[]) {
      if (r.printerId === null || r.state === 'failed' || r.stationId !== job.stationId || r.kind !== job.kind) continue;
      if (this.dictionaries.unpack(r.document) === job.document) holding.add(r.printerId);
    }
    return holding;
  }

  /** The number of the latest reprint of a ticket (0: none); moved copies of a reprint keep its number. */
  lastReprintNumber(jobId: number): number {
    return this.s.lastReprint.get(jobId) as number;
  }

  /** The newest failed jobs, newest first (their documents, perhaps packed, are not read). */
  recentFailedJobs(limit: number): JobRow[] {
    return (this.s.recentFailed.all(limit) as RawJob[]).map(toJob);
  }

  /** Whether a reprint of the ticket `ticketId` made after job `afterId` printed or is on its way. */
  reprintedAfter(ticketId: number, afterId: number): boolean {
    return this.s.reprintedAfter.get(ticketId, afterId) !== undefined;
  }

  /** The jobs as the API lists them (their documents, perhaps packed, are not read). */
  listJobs(f: { state?: PrintJobState | 'active'; printerId?: string; orderId?: string; limit: number }): PrintJob[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.state === 'active') where.push(`state IN ${UNFINISHED_SQL}`);
    else if (f.state) (where.push('state = ?'), params.push(f.state));
    if (f.printerId) (where.push('printer_id = ?'), params.push(f.printerId));
    if (f.orderId) (where.push('order_id = ?'), params.push(f.orderId));
    // an order's few tickets through the order; a printer's in one state through that state
    const from = f.orderId ? 'print_jobs INDEXED BY print_jobs_order' : f.printerId && f.state ? QUEUE : 'print_jobs';
    const sql = `SELECT ${JOB_COLUMNS} FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, f.limit) as RawJob[]).map((r) => jobView(toJob(r)));
  }

  // ---- what tickets are made of ----

  orderHeader(orderId: string): OrderHeaderRow | undefined {
    const r = this.s.orderHeader.get(orderId) as (Omit<OrderHeaderRow, 'rush'> & { rush: number }) | undefined;
    return r ? { ...r, rush: r.rush === 1 } : undefined;
  }

  orderLines(orderId: string): OrderLine[] {
    return (this.s.lines.all(orderId) as (Omit<OrderLine, 'options' | 'mergedFrom'> & MergedFromRow & { options: string })[]).map((l): OrderLine => lineOfRow(l));
  }

  /**
   * Ids of the order's lines voided one by one (each had its own void ticket), also those voided on an order
   * merged into this one before the merge.
   */
  linesVoidedBefore(orderId: string, orderCreatedAt: number): Set<string> {
    const lines = this.s.lineIdsAdded.all(orderId) as { id: string; addedAt: number }[];
    const lineIds = new Set(lines.map((l) => l.id));
    const since = lines.reduce((min, l) => Math.min(min, l.addedAt), orderCreatedAt);
    const ids = new Set<string>();
    const rows = this.s.voidedBefore.all({ since, orderId, lineIds: JSON.stringify([...lineIds]) }) as { packed: string | null; lineId: string | null }[];
    for (const r of rows) {
      if (r.packed === null) ids.add(r.lineId!);
      else {
        const voided = JSON.parse(this.dictionaries.unpack(r.packed)) as EventPayload<'order.line_voided'>;
        if (voided.order.id === orderId || lineIds.has(voided.line.id)) ids.add(voided.line.id);
      }
    }
    return ids;
  }

  stationNames(): ReadonlyMap<string, { nameZh: string; nameEn: string }> {
    this.keptNames();
    this.stations ??= new Map((this.s.stations.all() as { id: string; nameZh: string; nameEn: string }[]).map((s) => [s.id, Object.freeze(s)]));
    return this.stations;
  }

  stationIds(): string[] {
    return this.s.stationIds.all() as string[];
  }

  tableName(id: string): string | null {
    this.keptNames();
    const kept = this.tableNames.get(id);
    if (kept !== undefined) return kept;
    const name = this.s.tableName.get(id) as string | undefined;
    if (name !== undefined && this.tableNames.size < MAX_KEPT_TABLE_NAMES) this.tableNames.set(id, name);
    return name ?? null;
  }

  /** Drops the station and table names kept, when another connection may have changed them. */
  private keptNames(): void {
    if (!this.external.since()) return;
    this.stations = undefined;
    this.tableNames.clear();
  }

  staffName(id: string): string | null {
    return (this.s.staffName.get(id) as string | undefined) ?? null;
  }
}

/** The `meta` row that says the screens were told a printer is down (see isPrinterAlerted). */
const alertKey = (printerId: string): string => `print.alerted:${printerId}`;

function printerParams(p: PrinterConfig) {
  return { ...p, stations: JSON.stringify(p.stations), enabled: p.enabled ? 1 : 0, simulated: p.simulated ? 1 : 0 };
}
