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
}

export type Job<R> = (tx: Tx) => R;

export type Priority = 'high' | 'low';

export class OverloadedError extends Error {
  constructor(readonly depth: number) {
    super(`write queue is full (${depth} waiting)`);
  }
}

export interface WriterOptions {
  clock: () => number;
  /** Jobs committed together in one transaction (group commit). 1 disables grouping. */
  maxBatch: number;
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
  /** Called after each batch with its size and the time it took, COMMIT included (for metrics). */
  onFlush?: (jobs: number, ms: number) => void;
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
  private readonly insertEvent;
  private readonly runBatch;
  private readonly runSavepoint;

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
  }

  get depth(): number {
    return this.lanes.high.length + this.lanes.low.length;
  }

  submit<R>(job: Job<R>, priority: Priority = 'high'): Promise<R> {
    if (this.depth >= this.opts.maxQueue) return Promise.reject(new OverloadedError(this.depth));
    return new Promise<R>((resolve, reject) => {
      this.lanes[priority].push({ job, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Commits everything queued, now. Used at shutdown. */
  drain(): void {
    while (this.depth > 0) this.flush(this.nextBatch());
  }

  /**
   * One batch per turn of the event loop: between batches the hub parses new requests (a waiter's order
   * arriving now goes ahead of phones still waiting) and answers reads such as health checks.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.depth > 0) this.flush(this.nextBatch());
      if (this.depth > 0) this.schedule();
    });
  }

  private nextBatch(): Pending[] {
    const { high, low } = this.lanes;
    const batch = high.splice(0, this.opts.maxBatch);
    if (batch.length < this.opts.maxBatch) batch.push(...low.splice(0, this.opts.maxBatch - batch.length));
    return batch;
  }

  private flush(batch: Pending[]): void {
    const started = performance.now();
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const committed: LoggedEvent[] = [];
    let anyRolledBack = false;
    try {
      this.runBatch(() => {
        for (const pending of batch) {
          const events: LoggedEvent[] = [];
          try {
            const value = this.runSavepoint(() => pending.job(this.txFor(events)));
            committed.push(...events);
            outcomes.push({ ok: true, value });
          } catch (error) {
            anyRolledBack = true;
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // the COMMIT itself failed (disk full, I/O error): nothing in this batch is durable
      this.opts.onRollback?.();
      for (const pending of batch) pending.reject(error);
      return;
    }
    if (anyRolledBack) this.opts.onRollback?.();
    this.opts.onFlush?.(batch.length, performance.now() - started);
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
    if (committed.length > 0) this.opts.onCommit(committed);
  }

  private txFor(events: LoggedEvent[]): Tx {
    const now = this.opts.clock();
    const tx: Tx = {
      now,
      append: (e) => {
        const topics = e.topics.join(' ');
        const payloadJson = JSON.stringify(e.payload);
        const seq = Number(this.insertEvent.run(e.type, now, e.deviceId, e.staffId, topics, payloadJson).lastInsertRowid);
        events.push(logged({ seq, type: e.type, at: now, deviceId: e.deviceId, staffId: e.staffId, topics, payloadJson }));
        this.opts.onAppend?.({ seq, type: e.type, at: now, deviceId: e.deviceId, staffId: e.staffId, payload: e.payload } as HubEvent, tx);
        return seq;
      },
      savepoint: <R>(fn: () => R): R => {
        const mark = events.length;
        try {
          return this.runSavepoint(fn) as R;
        } catch (error) {
          events.length = mark;
          throw error;
        }
      },
    };
    return tx;
  }
}
