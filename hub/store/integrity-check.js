// @ts-check
/**
 * Reads the whole store once with SQLite's `quick_check`, in a process of its own (see integrity.ts). Plain
 * JavaScript so that Node runs it as it is, without the hub's loader.
 *
 * A process, not a worker thread: a thread inside a long SQLite call cannot be stopped, and a hub told to
 * stop would wait for the whole read before exiting; a process is killed at once, and a read-only check
 * killed halfway leaves nothing behind. A read-only connection of its own: in WAL mode it never blocks the
 * writer, and orders go on being taken while it reads (a large store takes seconds).
 */
import Database from 'better-sqlite3';
import { setPriority } from 'node:os';

// the check takes what CPU the hub leaves (and, with the CFQ and BFQ schedulers, what disk time)
try {
  setPriority(0, 19);
} catch {
  // not permitted: the check runs at the hub's priority
}

const [file = '', maxErrors = '10'] = process.argv.slice(2);
/** @param {object} message */
const answer = (message) => {
  if (process.send) process.send(message, () => process.disconnect());
};
const started = performance.now();
try {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    /** @type {string[]} */
    const problems = [];
    try {
      // row by row: on some damage SQLite names the pages it found, then fails the next step ("malformed")
      for (const row of db.prepare(`PRAGMA quick_check(${Number(maxErrors) | 0})`).pluck().iterate()) {
        if (row !== 'ok') problems.push(String(row));
      }
    } catch (err) {
      const e = /** @type {{ code?: unknown; message?: unknown }} */ (err);
      if (!String(e.code ?? '').startsWith('SQLITE_CORRUPT')) throw err;
      problems.push(String(e.message ?? err));
    }
    answer({ ok: problems.length === 0, problems, ms: performance.now() - started });
  } finally {
    db.close();
  }
} catch (err) {
  // a damaged file often fails before the check can say why (SQLITE_CORRUPT, SQLITE_NOTADB); the caller tells
  // that from a check that could not run (a busy or unreadable file)
  const e = /** @type {{ code?: unknown; message?: unknown }} */ (err);
  answer({ error: { code: String(e.code ?? ''), message: String(e.message ?? err) }, ms: performance.now() - started });
}
