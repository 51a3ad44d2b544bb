/**
 * Another program writing to the store while the hub starts: for a moment (under a second), then past the
 * hub's start wait. For a moment: The hub waits
 * a long time for a lock only while it serves nothing: its start-up writes (a restored backup adopted, the
 * print queue's recovery) waited 100 ms, the busy_timeout meant for serving, and the hub exited "failed to
 * start" after binding its ports. In-process, unlike its neighbours: the lock must be taken after the
 * migrations (which wait for it) and before the hub's next write, a moment the hub's process gives no handle
 * on; the lock is held by a worker thread, since the hub's waits block this thread.
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
import { markStore } from '../store/backups.ts';
import { BUSY_TIMEOUT_MS, openDb, readIdentity } from '../store/db.ts';
import { queuedJob, SqlitePrintRepo } from '../store/print-repo.ts';
import { removeDir } from './harness.ts';

const HOLD_MS = 800;
/** Past the hub's start wait (IDLE_BUSY_TIMEOUT_MS, 5 s), with room for a slow machine. */
const HOLD_PAST_START_WAIT_MS = 7_000;

let hub: Hub | undefined;
let dir: string | undefined;
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
  if (dir) removeDir(dir);
  dir = undefined;
});

/** Another program takes the store's write lock and lets go after `ms`; resolves once it holds it. */
async function holdLock(file: string, ms: number): Promise<{ released: Promise<number> }> {
  const worker = new Worker(
    `const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
     const { parentPort, workerData } = require('node:worker_threads');
     const db = new Database(workerData.file);
     db.exec('BEGIN IMMEDIATE');
     parentPort.postMessage('held');
     setTimeout(() => { db.exec('ROLLBACK'); db.close(); parentPort.postMessage(Date.now()); }, workerData.ms);`,
    { eval: true, workerData: { file, ms } },
  );
  const message = (wanted: (m: unknown) => boolean) =>
    new Promise<unknown>((resolve, reject) => {
      worker.on('message', (m) => wanted(m) && resolve(m));
      worker.once('error', reject);
    });
  const released = message((m) => typeof m === 'number').finally(() => worker.terminate()) as Promise<number>;
  await message((m) => m === 'held');
  return { released };
}

function config(dataDir: string) {
  return loadConfig({
    HUB_DATA_DIR: dataDir,
    HUB_PORT: '0',
    HUB_HOST: '127.0.0.1',
    HUB_HTTPS_PORT: 'off',
    HUB_PUBLIC_PORT: 'off',
    HUB_MDNS: 'off',
    HUB_PRINTERS: 'none',
    HUB_DISK_RESERVE_MB: '0',
    HUB_BACKUP_DIR: 'off',
  });
}

describe('a hub starting while another program writes to its store for a moment', () => {
  it.each([
    ['an ordinary store', false],
    ['a restored backup it adopts (a new epoch written at the start)', true],
  ])('waits for the lock and starts, with %s', async (_what, restored) => {
    dir = mkdtempSync(join(tmpdir(), 'brigade-busy-start-'));
    const file = join(dir, DB_FILE);
    const db = openDb(file);
    const epochBefore = readIdentity(db).epoch;
    if (restored) markStore(db, Date.now() - 3_600_000);
    const lock = await holdLock(file, HOLD_MS);

    hub = createHub(config(dir), pino({ level: 'silent' }), db);
    const listened = hub.listen().then(() => Date.now());
    await expect(listened).resolves.toEqual(expect.any(Number));
    // it waited for the lock (its start writes), rather than giving up on them
    expect(await listened).toBeGreaterThanOrEqual(await lock.released);
    expect(readIdentity(db).epoch !== epochBefore).toBe(restored);

    // serving now: a lock held later is waited for only briefly (store-busy.int.test.ts)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(BUSY_TIMEOUT_MS);
    const { port } = hub.server.address() as { port: number };
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).status).toBe(200);
  });
});

/**
 * Held past the start wait: the print queue's first write is refused. The hub must start and serve all the
 * same (the kitchen screens, the menu, the bill read); printing starts once the store takes its write
 * (hub/print/print-start.test.ts). It exited "failed to start" instead, its ports already bound.
 */
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
    const lock = await holdLock(file, HOLD_PAST_START_WAIT_MS);

    hub = createHub(config(dir), pino({ level: 'silent' }), db);
    await expect(hub.listen()).resolves.toMatchObject({ port: expect.any(Number) });
    const { port } = hub.server.address() as { port: number };
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).status).toBe(200);
    // not marked: the job left sending waits for printing's start (not printed again unmarked)
    expect(repo.job(id)!.state).toBe('sending');
    await lock.released;
  });
});
