/**
 * The waiting counts the print repo keeps in memory (for health, asked several times a second) against
 * counting the jobs themselves: after any mix of new jobs, duplicates, state changes and jobs or batches
 * the writer rolled back, read between batches as health reads them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PrintJobState } from '../protocol/printing.ts';
import { openDb, type Db } from './db.ts';
import { queuedJob, SqlitePrintRepo, UNFINISHED_SQL } from './print-repo.ts';
import { Writer } from './writer.ts';

const STATES: PrintJobState[] = ['queued', 'sending', 'sent', 'retry-wait', 'held', 'uncertain', 'confirmed', 'failed', 'rerouted'];
const PRINTERS = ['kitchen', 'bar', 'pass', null];

const dbs: Db[] = [];
afterEach(() => dbs.splice(0).forEach((db) => void db.close()));

function counted(db: Db): Record<string, number> {
  const rows = db
    .prepare(`SELECT printer_id AS p, COUNT(*) AS n FROM print_jobs WHERE state IN ${UNFINISHED_SQL} AND printer_id IS NOT NULL GROUP BY printer_id`)
    .all() as { p: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.p, r.n]));
}

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('SqlitePrintRepo waiting counts', () => {
  it('equal counting the jobs after every batch, with jobs and whole batches rolled back', async () => {
    const db = openDb(':memory:');
    dbs.push(db);
    const repo = new SqlitePrintRepo(db);
    const writer = new Writer(db, { clock: () => 0, maxBatch: 8, maxQueue: 100, onCommit: () => {}, onRollback: () => repo.forgetKept() });
    const r = random(3);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const ids = () => db.prepare('SELECT id FROM print_jobs').pluck().all() as number[];
    const change = (id: number, state: PrintJobState) =>
      repo.updateJob({ id, state, possibleDuplicate: false, attempts: 1, uncertainCount: 0, nextAttemptAt: null, lastError: null, updatedAt: 1, sentAt: null, confirmedAt: null });
    const newJob = (key: string, printerId: string | null, state: PrintJobState) =>
      repo.insertJob({ ...queuedJob({ idempotencyKey: key, kind: 'kitchen', orderId: null, orderNumber: null, stationId: 'hot', printerId, document: '{}', sourceSeq: null, createdAt: 0 }), state });

    for (let round = 0; round < 150; round++) {
      const jobs = Array.from({ length: 1 + Math.floor(r() * 6) }, (_, j) => {
        const op = r();
        const fails = r() < 0.15;
        const existing = ids();
        return writer.submit(() => {
          // the same key twice is ignored (ON CONFLICT DO NOTHING), as a replayed plan is
          if (op < 0.45 || existing.length === 0) newJob(`k${Math.floor(r() * 400)}`, pick(PRINTERS), pick(STATES));
          else for (let n = 0; n < 3; n++) change(pick(existing), pick(STATES));
          if (fails) throw new Error(`job ${round}.${j} refused after its writes`);
        });
      });
      await Promise.allSettled(jobs);
      expect(Object.fromEntries(repo.waitingCounts()), `after round ${round}`).toEqual(counted(db));
      if (round % 10 === 0) for (const p of ['kitchen', 'bar']) expect(repo.waitingOn(p)).toBe(counted(db)[p] ?? 0);
    }
    expect(Object.keys(counted(db)).length).toBeGreaterThan(1);
  });

  it('(control) without being told of rollbacks, the counts drift from the jobs', async () => {
    const db = openDb(':memory:');
    dbs.push(db);
    const repo = new SqlitePrintRepo(db);
    const writer = new Writer(db, { clock: () => 0, maxBatch: 8, maxQueue: 100, onCommit: () => {} });
    repo.waitingCounts();
    await writer
      .submit(() => {
        repo.insertJob(queuedJob({ idempotencyKey: 'k', kind: 'kitchen', orderId: null, orderNumber: null, stationId: 'hot', printerId: 'kitchen', document: '{}', sourceSeq: null, createdAt: 0 }));
        throw new Error('refused');
      })
      .catch(() => undefined);
    expect(counted(db)).toEqual({});
    expect(Object.fromEntries(repo.waitingCounts())).toEqual({ kitchen: 1 });
  });
});
