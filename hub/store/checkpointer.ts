import { Worker } from 'node:worker_threads';
import type { Db } from './db.ts';

/** What one PASSIVE checkpoint did (SQLite's `PRAGMA wal_checkpoint` row), and how long it took. */
export interface CheckpointResult {
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames copied back into the database file, this time or before. */
  checkpointed: number;
  ms: number;
  /** The checkpoint failed (a full disk: the database file could not grow); the next one tries again. */
  error?: { code: string; message: string };
}

export interface CheckpointerOptions {
  /** Checkpoints at most this often, and only after a commit. */
  intervalMs: number;
  /**
   * The writer's thread finishes a checkpoint only once the WAL holds at least this many frames (pages);
   * below that the thread's next checkpoint copies the rest. Default: 1,000, where SQLite itself would
   * checkpoint. 0 finishes after every checkpoint of the thread.
   */
  finishAtFrames?: number;
  onCheckpoint?: (where: 'thread' | 'writer', ms: number) => void;
  /** The thread failed: the writer's connection checkpoints on its own again (SQLite's default). */
  onFailure?: (error: unknown) => void;
  /**
   * One checkpoint failed, on the thread or on the writer's thread (`code` is SQLite's: SQLITE_FULL when
   * the database file could not grow). Nothing is lost — the WAL keeps every page — and the next one tries
   * again; it used to throw out of the worker's message handler and end the hub.
   */
  onCheckpointError?: (error: { code: string; message: string }) => void;
}

const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;
const DEFAULT_FINISH_AT_FRAMES = SQLITE_DEFAULT_AUTOCHECKPOINT;

/**
 * Moves WAL checkpoints off the writer's thread.
 *
 * Left to itself, SQLite checkpoints inside the COMMIT that takes the WAL past 1,000 pages: that commit
 * copies ~4 MB back into the database file and syncs it, 15–25 ms on the event loop every ~200 orders at
 * the peak, during which no request is parsed and no frame reaches a screen. Here the writer's connection
 * never checkpoints; a worker thread with its own connection does, PASSIVE, concurrently with the writer.
 *
 * A passive checkpoint can only copy what was committed when it began, and SQLite starts the WAL over
 * from its beginning only once everything in it has been copied; under a steady stream of orders a
 * checkpoint that runs alongside the writer never quite catches up, and the WAL would grow for as long
 * as the peak lasts. So when the thread is done and the WAL has grown past `finishAtFrames`, the writer's
 * thread finishes the job: it copies only what was committed while the thread ran (a batch or two), and the
 * next transaction starts the WAL over. Below that size the writer leaves it to the thread: at an ordinary
 * pace the thread's checkpoint often ends before the next commit, and the WAL starts over without the
 * writer's help; when it does not, the next checkpoint copies what came meanwhile. A finish holds the
 * event loop for its copy and the database file's fsync (~0.5 ms at 50 orders/s, ~4 ms at 200/s here);
 * after every checkpoint of the thread that was nearly five times a second at any pace.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private inFlight = false;
  private lastRequest = 0;
  private failed = false;
  private closing = false;

  constructor(
    private readonly db: Db,
    private readonly opts: CheckpointerOptions,
  ) {
    if (db.memory) throw new Error('an in-memory database has no WAL to checkpoint');
    db.pragma('wal_autocheckpoint = 0');
    this.worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: { file: db.name } });
    // never what keeps the process alive: the store's close checkpoints whatever is left
    this.worker.unref();
    this.worker.on('message', (result: CheckpointResult) => this.finish(result));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`checkpoint thread exited with code ${code}`));
    });
  }

  /** Called after each commit; asks the thread for a checkpoint unless one ran recently or is running. */
  committed(now = performance.now()): void {
    if (this.inFlight || this.failed || this.closing || now - this.lastRequest < this.opts.intervalMs) return;
    this.inFlight = true;
    this.lastRequest = now;
    this.worker.postMessage('checkpoint');
  }

  /** Stops the thread (after the checkpoint it may be running). The caller checkpoints at close. */
  async stop(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.failed) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    // unref'd, the thread would not keep the process alive while it closes: with the servers already
    // closed, the process ended here, in the middle of the hub's shutdown (exit code 0, nothing after run)
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }

  private finish(result: CheckpointResult): void {
    this.inFlight = false;
    if (result.error) return this.opts.onCheckpointError?.(result.error);
    // SQLITE_BUSY (busy 1, log -1): another connection was checkpointing — the writer finishing the
    // previous one. Nothing was copied and there is nothing to finish; the next request tries again.
    if (result.busy && result.log < 0) return;
    this.opts.onCheckpoint?.('thread', result.ms);
    if (result.log < (this.opts.finishAtFrames ?? DEFAULT_FINISH_AT_FRAMES)) return;
    if (this.closing || !this.db.open || this.db.inTransaction) return;
    // a message is its own turn of the event loop, never inside a write batch
    const started = performance.now();
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      return this.opts.onCheckpointError?.({ code: String(e.code ?? ''), message: String(e.message ?? err) });
    }
    this.opts.onCheckpoint?.('writer', performance.now() - started);
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.inFlight = false;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    this.opts.onFailure?.(error);
  }
}
