import { describe, expect, it } from 'vitest';
import type { PrintJobState } from '../protocol/printing.ts';
import type { JobRow } from '../store/print-repo.ts';
import { FAILED_SHOWN_MAX, failedTicketsToShow } from './failed-tickets.ts';

const TZ = 'Asia/Shanghai';
const NOW = Date.parse('2024-05-01T12:00:00+08:00');
const row = (id: number, over: Partial<JobRow> = {}): JobRow => ({
  id,
  idempotencyKey: `k${id}`,
  kind: 'kitchen',
  orderId: 'o1',
  orderNumber: '12',
  stationId: 'hot',
  printerId: 'p-hot',
  state: 'failed',
  document: '{}',
  sourceSeq: 1,
  possibleDuplicate: false,
  reprintOf: null,
  reprintNumber: null,
  movedFromJobId: null,
  movedFromPrinter: null,
  attempts: 1,
  uncertainCount: 0,
  nextAttemptAt: null,
  lastError: 'gave up',
  createdAt: NOW - 60_000,
  updatedAt: NOW - 60_000,
  sentAt: null,
  confirmedAt: null,
  ...over,
});

/** The repo's three reads over a list of jobs, as SQLite answers them. */
function repoOf(jobs: JobRow[]) {
  return {
    job: (id: number) => jobs.find((j) => j.id === id),
    recentFailedJobs: (limit: number) => jobs.filter((j) => j.state === 'failed').sort((a, b) => b.id - a.id).slice(0, limit),
    reprintedAfter: (ticket: number, after: number) => jobs.some((j) => j.reprintOf === ticket && j.id > after && !(['failed', 'rerouted'] as PrintJobState[]).includes(j.state)),
  };
}
const shown = (jobs: JobRow[]) => failedTicketsToShow(repoOf(jobs), NOW, TZ).map((j) => j.id);

describe('the failed tickets a screen is shown after a reload', () => {
  it('one per ticket: a reprint that failed too stands for it', () => {
    expect(shown([row(1), row(2, { reprintOf: 1, reprintNumber: 1 }), row(3, { orderId: 'o2' })])).toEqual([3, 2]);
  });

  it('none a later reprint printed or is printing; a moved copy counts as the ticket it was moved from', () => {
    const moved = [row(1, { state: 'rerouted' }), row(2, { movedFromJobId: 1 })];
    expect(shown([...moved, row(3, { reprintOf: 1, state: 'confirmed' })])).toEqual([]);
    expect(shown([...moved, row(3, { reprintOf: 1, state: 'queued' })])).toEqual([]);
    // a reprint moved on: its copy carries it
    expect(shown([...moved, row(3, { reprintOf: 1, state: 'rerouted' })])).toEqual([2]);
  });

  it("only today's (from 04:00), whenever queued, and no test pages", () => {
    const yesterday = Date.parse('2024-05-01T03:59:00+08:00');
    const jobs = [row(1, { updatedAt: yesterday }), row(2, { createdAt: yesterday, updatedAt: Date.parse('2024-05-01T04:01:00+08:00') }), row(3, { kind: 'test', orderId: null, stationId: null })];
    expect(shown(jobs)).toEqual([2]);
  });

  it(`at most ${FAILED_SHOWN_MAX}, the newest`, () => {
    const jobs = Array.from({ length: 80 }, (_, i) => row(i + 1, { orderId: `o${i}` }));
    const ids = shown(jobs);
    expect(ids).toHaveLength(FAILED_SHOWN_MAX);
    expect(ids[0]).toBe(80);
  });
});
