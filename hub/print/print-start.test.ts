/**
 * Printing's start while the store refuses its first write: on a real store file and the real writer, with the
 * write lock held by another connection (a `sqlite3` shell left in a transaction). The hub must start and
 * serve; printing waits and starts once the store takes its write. The whole hub meeting the same is in
 * hub/test/store-busy-start.test.ts.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDb, waitBrieflyForLocks, type Db } from '../store/db.ts';
import { queuedJob, SqlitePrintRepo } from '../store/print-repo.ts';
import { Writer } from '../store/writer.ts';
import { PrintService } from './print-service.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A store with one job a previous run left `sending`, its write lock held by another connection. */
function heldStore() {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-print-start-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'store.db');
  const db: Db = openDb(file);
  cleanups.push(() => db.close());
  const repo = new SqlitePrintRepo(db);
  const id = repo.insertJob(
    queuedJob({ idempotencyKey: 'left-sending', kind: 'test', orderId: null, orderNumber: null, stationId: null, printerId: null, document: '{}', sourceSeq: null, createdAt: 1 }),
  )!;
  db.prepare("UPDATE print_jobs SET state = 'sending' WHERE id = ?").run(id);
  // no 5 s wait on the lock in a unit test: the refusal is the same
  waitBrieflyForLocks(db);
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  const release = () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    if (other.open) other.close();
  };
  cleanups.push(release);
  const writer = new Writer(db, { clock: Date.now, maxBatch: 64, maxQueue: 100, onCommit: () => undefined, busyBackoffMs: 0 });
  const printing = new PrintService({
    db,
    submit: (job) => writer.submit(job),
    clock: Date.now,
    timeZone: 'Asia/Shanghai',
    settings: { failoverMs: 300, retryBaseMs: 10, retryMaxMs: 40, heldPollMs: 20, probeIntervalMs: 5000, maxUncertain: 2, stopTimeoutMs: 500 },
    log: pino({ level: 'silent' }),
  });
  cleanups.push(() => printing.stop());
  return { printing, release, state: () => repo.job(id)!.state };
}

describe('printing started while another program holds the store', () => {
  it('does not fail the start; it starts (a job left sending marked) once the store takes its write', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = heldStore();
    await expect(s.printing.start()).resolves.toBeUndefined();
    expect(s.state()).toBe('sending');

    // still held at the next try: it tries again
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s.state()).toBe('sending');

    s.release();
    await vi.advanceTimersByTimeAsync(5_000);
    for (let turns = 0; turns < 100 && s.state() === 'sending'; turns++) await new Promise((r) => setImmediate(r));
    expect(s.state()).toBe('uncertain');
  });
});
