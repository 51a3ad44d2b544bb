import type { EventPayload, EventType, HubEvent } from '../protocol/events.ts';
import type { Db } from './db.ts';
import { logged, type LoggedEvent } from './event-log.ts';

/** What a job may do besides its own SQL: append facts to the log, and nest a savepoint. */
export interface Tx {
  readonly now: number;
  append<T extends EventType>(
    event: { type: T; payload: EventPayload<T>; topics: readonly string[]; deviceId: string | null; staffId: string | null },
  ): number;
  /** Runs `fn` in a savepoint: if it throws, its writes and events are undone and the error rethrown. */
  savepoint<R>(fn: () => R): R;
  /**
   * `JSON.stringify(value)`, except that each top-level member's JSON is kept for the rest of the job and
   * reused when the same object is serialised again: a placed order is serialised once for its
   * `order.placed` event and its HTTP answer (which the idempotency record stores), not twice.
   */
  stringify(value: unknown): string;
  /** The seq of an event this job appended (and kept) whose payload is exactly this JSON, if any. */
  eventWithPayload(json: string): number | undefined;
}

export type Job<R> = (tx: Tx) => R;

export type Priority = 'high' | 'low';

const DEFAULT_MAX_BATCH_MS = 25;
const DEFAULT_BUSY_BACKOFF_MS = 1000;
const DEFAULT_BUSY_NOTE_EVERY_MS = 5000;

export class OverloadedError extends Error {
  constructor(readonly depth: number) {
    super(`write queue is full (${depth} waiting)`);
  }
}

/** The disk had no room for a write (SQLITE_FULL, ENOSPC): nothing of it was kept, and a retry may succeed. */
export class StorageFullError extends Error {
  constructor(override readonly cause: unknown) {
    super("the hub's disk is full: the write was not saved");
  }
}

export const isStorageFull = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
};

/**
 * Another program holds the store's write lock (SQLITE_BUSY: a `sqlite3` shell left in a transaction, a tool
 * run against the live store): nothing of the job was written, and a retry once it lets go succeeds.
 */
export class StoreBusyError extends Error {
  constructor(override readonly cause: unknown) {
    super("another program holds the store's write lock: the write was not saved");
  }
}

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_TIMEOUT). */
export const isStoreBusy = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
};

/**
 * A refusal that passes by itself (a full write queue, a full disk, a store held by another program): what
 * was refused is retried later, and is not an error of every step that meets it. SQLite's own SQLITE_BUSY
 * counts too: a read outside the writer (a print worker's step) meets it raw, not as a StoreBusyError, when
 * another connection holds a lock a reader needs (a WAL being recovered), and it passes like the writer's.
 */
export const isPassingRefusal = (err: unknown): boolean =>
  err instanceof OverloadedError || err instanceof StorageFullError || err instanceof StoreBusyError || isStoreBusy(err);

/**
 * What `onStoreBusy` is told: the store found busy (`refused`: jobs refused since the last note), or free once
 * more (`refused`: all the jobs refused while it was busy). `busyForMs`: since the first refusal.
 */
export interface StoreBusyNote {
  state: 'busy' | 'free';
  refused: number;
  busyForMs: number;
}

/**
 * SQLite rolled the whole transaction back on its own after an error (SQLITE_FULL, SQLITE_IOERR…), not just
 * the failing statement; `cause` is that error. Nothing may run after it: outside a transaction each
 * statement would commit on its own. Code that catches errors inside a job must rethrow this one.
 */
export class TransactionLostError extends Error {
  constructor(override readonly cause: unknown) {
    super('SQLite rolled the transaction back');
  }
}

export interface WriterOptions {
  clock: () => number;
  /** Jobs committed together in one transaction (group commit). 1 disables grouping. */
  maxBatch: number;
  /** A batch takes no further job once its jobs have run this long (default 25 ms). */
  maxBatchMs?: number;
  /** Jobs allowed to wait; beyond this submit() refuses at once instead of queueing without bound. */
  maxQueue: number;
  /** Called after each commit with the events it made durable, in seq order. */
  onCommit: (events: LoggedEvent[]) => void;
  /** Called when a transaction or job rolled back, so caches that may have seen its writes can drop them. */
  onRollback?: () => void;
  /**
   * Called inside the transaction right after an event is appended: derived rows (print jobs for fired
   * lines, …) written here commit — or roll back — together with the change that caused them.
   */
  onAppend?: (event: HubEvent, tx: Tx) => void;
  /**
   * Called after each batch with its size, the time it took, COMMIT included (for metrics), and whether it
   * changed any row: a batch of replays (a key already answered is read, not written) commits on a full disk
   * too, and says nothing about whether writes go through again.
   */
  onFlush?: (jobs: number, ms: number, wrote: boolean) => void;
  /** Called when a write failed for want of disk space (the jobs it hit are refused with StorageFullError). */
  onStorageFull?: () => void;
  /**
   * Once a transaction could not begin because another program holds the write lock, jobs are refused at
   * once (StoreBusyError) for this long, default 1 s, before the next batch tries again: each try holds the
   * hub's thread for the connection's busy_timeout, and twenty tablets resending at their own moments would
   * otherwise hold it most of every second.
   */
  busyBackoffMs?: number;
  /**
   * Told when the store is found busy — at once, then at most every `busyNoteEveryMs` (default 5 s) with the
   * jobs refused since the last note — and once when a batch commits again: for a warning in the log, not an
   * error per refused request.
   */
  onStoreBusy?: (note: StoreBusyNote) => void;
  busyNoteEveryMs?: number;
}

interface Pending {
  job: Job<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * The single writer. Every mutation is a synchronous job; jobs that arrive in the same turn of the event
 * loop are committed together in one transaction, each inside its own savepoint (so one failing job never
 * takes its neighbours down), and each caller is answered only after COMMIT returned — i.e. after the WAL
 * fsync that `synchronous=FULL` requires. One fsync for a group instead of one per order is where the
 * throughput at peak comes from.
 */
export class Writer {
  /** Staff and kitchen work first; customers' phones and kiosks wait behind it when the hub is busy. */
  private readonly lanes: Record<Priority, Pending[]> = { high: [], low: [] };
  private scheduled = false;
  /** Recent time per job (a batch's time over its jobs, COMMIT included), moving average. */
  private msPerJob = 1;
  private readonly insertEvent;
  private readonly runBatch;
  private readonly runSavepoint;
  private readonly totalChanges;
  private readonly busy: BusySpell;

  constructor(
    private readonly db: Db,
    private readonly opts: WriterOptions,
  ) {
    this.insertEvent = db.prepare(
      'INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.runBatch = db.transaction((fn: () => void) => fn()).immediate;
    // better-sqlite3 turns a transaction function called inside another into a SAVEPOINT
    this.runSavepoint = db.transaction((fn: () => unknown) => fn());
    // rows inserted, updated or deleted on this connection since it opened (a rolled-back savepoint's too)
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
    this.busy = new BusySpell(opts.busyBackoffMs ?? DEFAULT_BUSY_BACKOFF_MS, opts.busyNoteEveryMs ?? DEFAULT_BUSY_NOTE_EVERY_MS, opts.onStoreBusy);
  }

  get depth(): number {
    return this.lanes.high.length + this.lanes.low.length;
  }

  /** Jobs refused because another program held the store's write lock, since the start (for /metrics). */
  get busyRefusals(): number {
    return this.busy.refusals;
  }

  /**
   * How long a job submitted now with this priority would wait for its turn, estimated from the jobs ahead
   * of it (a staff job has only the high lane ahead; a public one both) and the recent time per job,
   * COMMIT included.
   */
  expectedWaitMs(priority: Priority): number {
    return (this.lanes.high.length + (priority === 'low' ? this.lanes.low.length : 0)) * this.msPerJob;
  }

  /**
   * Queues a job. With `maxWaitMs`, a job that would wait longer than that for its turn, behind at least
   * `minAhead` others, is refused at once (OverloadedError, answered 503 + Retry-After): under sustained
   * overload a caller learns in a millisecond to come back later, instead of every caller waiting seconds
   * in a queue that cannot drain. `minAhead` keeps an ordinary burst (every tablet sending at once, or one
   * slow commit inflating the estimate) from being refused.
   */
  submit<R>(job: Job<R>, priority: Priority = 'high', o: { maxWaitMs?: number; minAhead?: number } = {}): Promise<R> {
    const busy = this.busy.refusal(performance.now());
    if (busy) return Promise.reject(busy);
    if (this.depth >= this.opts.maxQueue || (o.maxWaitMs !== undefined && this.tooLong(priority, o.maxWaitMs, o.minAhead ?? 0))) {
      return Promise.reject(new OverloadedError(this.depth));
    }
    return new Promise<R>((resolve, reject) => {
      this.lanes[priority].push({ job, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private tooLong(priority: Priority, maxWaitMs: number, minAhead: number): boolean {
    const ahead = this.lanes.high.length + (priority === 'low' ? this.lanes.low.length : 0);
    return ahead >= minAhead && ahead * this.msPerJob > maxWaitMs;
  }

  /** Commits everything queued, now. Used at shutdown. */
  drain(): void {
    while (this.depth > 0) this.flush(Infinity);
  }

  /**
   * One batch per turn of the event loop: between batches the hub parses new requests (a waiter's order
   * arriving now goes ahead of phones still waiting), sheds what it cannot take, and answers reads such as
   * health checks.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.depth > 0) this.flush(this.opts.maxBatchMs ?? DEFAULT_MAX_BATCH_MS);
      if (this.depth > 0) this.schedule();
    });
  }

  /** The next job: the high lane first. */
  private take(): Pending | undefined {
    return this.lanes.high.shift() ?? this.lanes.low.shift();
  }

  /**
   * Runs up to `maxBatch` jobs in one transaction and commits them. A batch also ends once its jobs have
   * run for `maxMs`: the event loop is blocked while it runs, and a long one would hold up every request
   * and stream frame behind it; the rest wait for the next turn.
   */
  private flush(maxMs: number): void {
    const started = performance.now();
    const changesBefore = this.totalChanges.get() as number;
    const batch: Pending[] = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const committed: LoggedEvent[] = [];
    let anyRolledBack = false;
    let lastError: unknown;
    try {
      this.runBatch(() => {
        for (let pending = this.take(); pending; pending = batch.length < this.opts.maxBatch && performance.now() - started < maxMs ? this.take() : undefined) {
          batch.push(pending);
          // On some errors (SQLITE_FULL, SQLITE_IOERR) SQLite rolls the whole transaction back, not just the
          // failing statement. A job run after that would commit on its own, outside the batch, answered
          // with the batch's failure and never published to the stream: the batch ends here instead.
          if (!this.db.inTransaction) throw new TransactionLostError(lastError);
          const events: LoggedEvent[] = [];
          try {
            const value = this.runSavepoint(() => pending!.job(this.txFor(events)));
            committed.push(...events);
            outcomes.push({ ok: true, value });
          } catch (error) {
            anyRolledBack = true;
            lastError = error instanceof TransactionLostError ? error.cause : error;
            outcomes.push({ ok: false, error: this.storageFull(lastError) ? new StorageFullError(lastError) : error });
          }
        }
        if (!this.db.inTransaction) throw new TransactionLostError(lastError);
      });
    } catch (error) {
      // nothing in this batch is durable: SQLite rolled it back, or the COMMIT itself failed (disk full, I/O)
      // (a loss no job reported — one swallowed its error — is refused as itself, not as `undefined`)
      const cause = error instanceof TransactionLostError ? (error.cause ?? error) : error;
      // (a job's own SQLITE_FULL was already reported when it failed)
      const full = cause === lastError ? isStorageFull(cause) : this.storageFull(cause);
      const busy = isStoreBusy(cause);
      const refusal = full ? new StorageFullError(cause) : busy ? new StoreBusyError(cause) : cause;
      this.opts.onRollback?.();
      // the transaction could not even begin (another process holds the write lock, an I/O error): the jobs
      // that would have made this batch are answered with why, or they would wait for ever while the writer
      // tried again every turn at full CPU (and drain() at shutdown looped for ever). A held lock refuses
      // every job waiting: each would wait out the busy_timeout again, on the hub's thread
      if (batch.length === 0) {
        for (let pending = this.take(); pending; pending = busy || batch.length < this.opts.maxBatch ? this.take() : undefined) batch.push(pending);
      }
      for (const pending of batch) pending.reject(refusal);
      if (busy) this.busy.found(performance.now(), batch.length, cause);
      return;
    }
    if (anyRolledBack) this.opts.onRollback?.();
    const ms = performance.now() - started;
    this.msPerJob = this.msPerJob * 0.8 + (ms / Math.max(1, batch.length)) * 0.2;
    this.opts.onFlush?.(batch.length, ms, this.totalChanges.get() !== changesBefore);
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
    if (committed.length > 0) this.opts.onCommit(committed);
    this.busy.over(performance.now());
  }

  private assertInTransaction(): void {
    if (!this.db.inTransaction) throw new TransactionLostError(undefined);
  }

  /** Whether `error` is the disk being full; says so to `onStorageFull` when it is. */
  private storageFull(error: unknown): boolean {
    if (!isStorageFull(error)) return false;
    this.opts.onStorageFull?.();
    return true;
  }

  private txFor(events: LoggedEvent[]): Tx {
    const now = this.opts.clock();
    const memo = new WeakMap<object, string>();
    const payloads: { seq: number; json: string }[] = [];
    const tx: Tx = {
      now,
      stringify: (value) => stringifyShared(value, memo),
      append: (e) => {
        this.assertInTransaction();
        const topics = e.topics.join(' ');
        const payloadJson = stringifyShared(e.payload, memo);
        const seq = Number(this.insertEvent.run(e.type, now, e.deviceId, e.staffId, topics, payloadJson).lastInsertRowid);
        events.push(logged({ seq, type: e.type, at: now, deviceId: e.deviceId, staffId: e.staffId, topics, payloadJson }));
        payloads.push({ seq, json: payloadJson });
        this.opts.onAppend?.({ seq, type: e.type, at: now, deviceId: e.deviceId, staffId: e.staffId, payload: e.payload } as HubEvent, tx);
        return seq;
      },
      eventWithPayload: (json) => payloads.find((p) => p.json.length === json.length && p.json === json)?.seq,
      savepoint: <R>(fn: () => R): R => {
        this.assertInTransaction();
        const mark = events.length;
        const payloadMark = payloads.length;
        try {
          return this.runSavepoint(fn) as R;
        } catch (error) {
          events.length = mark;
          payloads.length = payloadMark;
          if (!this.db.inTransaction && !(error instanceof TransactionLostError)) throw new TransactionLostError(error);
          throw error;
        }
      },
    };
    return tx;
  }
}

/**
 * A spell of the store being held by another program: from the first batch refused for SQLITE_BUSY until one
 * commits again. Keeps the back-off, the count of refused jobs, and the notes that say so without flooding.
 */
class BusySpell {
  #refusals = 0;
  #since: number | undefined;
  #until = -Infinity;
  #lastNoteAt = -Infinity;
  #unnoted = 0;
  #inSpell = 0;
  #cause: unknown;

  constructor(
    private readonly backoffMs: number,
    private readonly noteEveryMs: number,
    private readonly onNote: ((note: StoreBusyNote) => void) | undefined,
  ) {}

  get refusals(): number {
    return this.#refusals;
  }

  /** The refusal for a job submitted at `now`, while the writer waits out the back-off; else undefined. */
  refusal(now: number): StoreBusyError | undefined {
    if (now >= this.#until) return undefined;
    this.#refused(now, 1);
    return new StoreBusyError(this.#cause);
  }

  /** A batch could not begin for SQLITE_BUSY (`cause`): `jobs` were refused, and the next ones are for a while. */
  found(now: number, jobs: number, cause: unknown): void {
    this.#since ??= now;
    this.#cause = cause;
    this.#until = now + this.backoffMs;
    this.#refused(now, jobs);
  }

  /** A batch committed: the spell, if any, is over. */
  over(now: number): void {
    if (this.#since === undefined) return;
    this.onNote?.({ state: 'free', refused: this.#inSpell, busyForMs: Math.round(now - this.#since) });
    this.#since = undefined;
    this.#until = -Infinity;
    this.#lastNoteAt = -Infinity;
    this.#unnoted = 0;
    this.#inSpell = 0;
  }

  #refused(now: number, jobs: number): void {
    this.#refusals += jobs;
    this.#inSpell += jobs;
    this.#unnoted += jobs;
    if (now - this.#lastNoteAt < this.noteEveryMs) return;
    this.#lastNoteAt = now;
    this.onNote?.({ state: 'busy', refused: this.#unnoted, busyForMs: Math.round(now - (this.#since ?? now)) });
    this.#unnoted = 0;
  }
}

/**
 * The same string as `JSON.stringify(value) ?? 'null'`, built member by member for a plain object so that
 * an object member (an order) serialised earlier in the job is not serialised again. Objects here are
 * immutable values (the rules copy, never mutate), so the JSON kept for one stays true for the job.
 */
function stringifyShared(value: unknown, memo: WeakMap<object, string>): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return JSON.stringify(value) ?? 'null';
  }
  let out = '';
  for (const key of Object.keys(value)) {
    const member: unknown = (value as Record<string, unknown>)[key];
    let json: string | undefined;
    if (member !== null && typeof member === 'object') {
      json = memo.get(member);
      if (json === undefined) {
        json = JSON.stringify(member) as string | undefined;
        if (json === undefined) continue;
        memo.set(member, json);
      }
    } else {
      // undefined, functions and symbols are left out, as JSON.stringify does
      json = JSON.stringify(member) as string | undefined;
      if (json === undefined) continue;
    }
    out += `${out === '' ? '{' : ','}${JSON.stringify(key)}:${json}`;
  }
  return out === '' ? '{}' : `${out}}`;
}
