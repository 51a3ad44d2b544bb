// @ts-check
/**
 * Reads the whole store once with SQLite's `quick_check`, on a thread of its own (see integrity.ts). Plain
 * JavaScript so that Node loads it as it is, in the hub under tsx and in vitest alike, like backup-worker.js.
 *
 * A read-only connection of its own: in WAL mode it never blocks the writer, and orders go on being taken
 * while it reads (a large store takes seconds).
 */
import Database from 'better-sqlite3';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

// the check takes what CPU the hub's own thread leaves (and, with the CFQ and BFQ schedulers, what disk time)
try {
  setPriority(0, 19);
} catch {
  // not permitted: the check runs at the hub's priority
}

const { file, maxErrors } = /** @type {{ file: string; maxErrors: number }} */ (workerData);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const started = performance.now();
try {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    /** @type {string[]} */
    const problems = [];
    try {
      // row by row: on some damage SQLite names the pages it found, then fails the next step ("malformed")
      for (const row of db.prepare(`PRAGMA quick_check(${maxErrors})`).pluck().iterate()) {
        if (row !== 'ok') problems.push(String(row));
      }
    } catch (err) {
      const e = /** @type {{ code?: unknown; message?: unknown }} */ (err);
      if (!String(e.code ?? '').startsWith('SQLITE_CORRUPT')) throw err;
      problems.push(String(e.message ?? err));
    }
    port.postMessage({ ok: problems.length === 0, problems, ms: performance.now() - started });
  } finally {
    db.close();
  }
} catch (err) {
  // a damaged file often fails before the check can say why (SQLITE_CORRUPT, SQLITE_NOTADB); the caller tells
  // that from a check that could not run (a busy or unreadable file)
  const e = /** @type {{ code?: unknown; message?: unknown }} */ (err);
  port.postMessage({ error: { code: String(e.code ?? ''), message: String(e.message ?? err) }, ms: performance.now() - started });
}
