// @ts-check
/**
 * The WAL checkpointer's thread (see checkpointer.ts). Plain JavaScript so that Node loads it as it is, in
 * the hub under tsx and in vitest alike. It holds its own connection to the store and, on each request,
 * copies what the WAL holds back into the database file: PASSIVE, so it never waits for the writer and
 * the writer never waits for it; `synchronous=FULL`, so the WAL is synced before the copy and the database
 * file after it, as SQLite's own checkpoints do.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const db = new Database(/** @type {{ file: string }} */ (workerData).file);
db.pragma('synchronous = FULL');

port.on('message', (/** @type {'checkpoint' | 'close'} */ message) => {
  if (message === 'close') {
    db.close();
    port.close();
    return;
  }
  const started = performance.now();
  try {
    const [result] = /** @type {{ busy: number; log: number; checkpointed: number }[]} */ (db.pragma('wal_checkpoint(PASSIVE)'));
    port.postMessage({ ...result, ms: performance.now() - started });
  } catch (err) {
    // a full disk (the database file cannot grow) or an I/O error: this checkpoint failed, the next may not
    const e = /** @type {{ code?: unknown; message?: unknown }} */ (err);
    port.postMessage({ busy: 0, log: -1, checkpointed: -1, ms: performance.now() - started, error: { code: String(e.code ?? ''), message: String(e.message ?? err) } });
  }
});
