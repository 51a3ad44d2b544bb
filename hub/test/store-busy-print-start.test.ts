/**
 * Another program holding the store's write lock for longer than the hub waits for it at its start (5 s,
 * db.ts): the print queue's first write is refused. The hub must start and serve all the same (the kitchen
 * screens, the menu, the bill read); printing starts once the store takes its write (hub/print/print-start.test.ts).
 * The hub exited "failed to start" instead, its ports already bound. In-process, as store-busy-start.test.ts,
 * and for the same reasons: the lock is taken after the migrations and held by a worker thread.
 */
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createHub, DB_FILE, type Hub } from '../hub.ts';
import { openDb } from '../store/db.ts';
import { queuedJob, SqlitePrintRepo } from '../store/print-repo.ts';
import { removeDir } from './harness.ts';

/** Past the hub's start wait (IDLE_BUSY_TIMEOUT_MS, 5 s), with room for a slow machine. */
const HOLD_MS = 7_000;

let hub: Hub | undefined;
let dir: string | undefined;
let holder: Worker | undefined;
afterEach(async () => {
  await holder?.terminate();
  holder = undefined;
  await hub?.stop();
  hub = undefined;
  if (dir) removeDir(dir);
  dir = undefined;
});

/** Another program takes the store's write lock for `ms`; resolves once it holds it. */
async function holdLock(file: string, ms: number): Promise<void> {
  holder = new Worker(
    `const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
     const { parentPort, workerData } = require('node:worker_threads');
     const db = new Database(workerData.file);
     db.exec('BEGIN IMMEDIATE');
     parentPort.postMessage('held');
     setTimeout(() => { db.exec('ROLLBACK'); db.close(); }, workerData.ms);`,
    { eval: true, workerData: { file, ms } },
  );
  const worker = holder;
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
}

describe('a hub starting while another program holds its store past the start wait', () => {
  it('starts and serves; its print queue waits for the store', { timeout: 30_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'brigade-busy-print-start-'));
    const file = join(dir, DB_FILE);
    const db = openDb(file);
    const repo = new SqlitePrintRepo(db);
    const id = repo.insertJob(
      queuedJob({ idempotencyKey: 'left-sending', kind: 'test', orderId: null, orderNumber: null, stationId: null, printerId: null, document: '{}', sourceSeq: null, createdAt: 1 }),
    )!;
    db.prepare("UPDATE print_jobs SET state = 'sending' WHERE id = ?").run(id);
    await holdLock(file, HOLD_MS);

    hub = createHub(
      loadConfig({
        HUB_DATA_DIR: dir,
        HUB_PORT: '0',
        HUB_HOST: '127.0.0.1',
        HUB_HTTPS_PORT: 'off',
        HUB_PUBLIC_PORT: 'off',
        HUB_MDNS: 'off',
        HUB_PRINTERS: 'none',
        HUB_DISK_RESERVE_MB: '0',
        HUB_BACKUP_DIR: 'off',
      }),
      pino({ level: 'silent' }),
      db,
    );
    await expect(hub.listen()).resolves.toMatchObject({ port: expect.any(Number) });
    const { port } = hub.server.address() as { port: number };
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).status).toBe(200);
    // not marked: the job left sending waits for printing's start (not printed again unmarked)
    expect(repo.job(id)!.state).toBe('sending');
  });
});
