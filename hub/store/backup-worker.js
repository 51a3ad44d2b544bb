// @ts-check
/**
 * Copies the store to a backup file, on a thread of its own (see backups.ts). Plain JavaScript so that
 * Node loads it as it is, in the hub under tsx and in vitest alike, like checkpoint-worker.js.
 *
 * `VACUUM INTO` reads one snapshot of the store through a connection of its own: in WAL mode a reader never
 * blocks the writer, so orders go on being taken while the copy is made, and the copy is consistent (a
 * transaction is in it whole or not at all). The copy is then marked as a backup (`backup_taken_at` in
 * `meta`): a hub that opens a marked file knows it is running on a restored backup and renews its epoch,
 * so that no device resumes its stream from a seq the restored store handed out again to other events.
 *
 * Written aside, checked, synced and renamed: a backup under its real name is whole, and readable only by
 * the hub's user (it holds the tokens' hashes, the PIN key and every order).
 */
import Database from 'better-sqlite3';
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

// On Linux this thread's alone: the copy takes what CPU the hub's own thread leaves (and, with the CFQ and
// BFQ disk schedulers, what disk time: their I/O priority follows the nice value)
try {
  setPriority(0, 19);
} catch {
  // not permitted: the copy runs at the hub's priority
}

const { source, dest, takenAt } = /** @type {{ source: string; dest: string; takenAt: number }} */ (workerData);
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

/** @param {string} path */
function fsyncPath(path) {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes the copy a backup of its own: whole (checked), its journal its own, marked with when it was taken.
 * @param {import('better-sqlite3').Database} copy
 */
function finishCopy(copy) {
  copy.pragma('journal_mode = DELETE');
  copy.pragma('synchronous = FULL');
  const check = copy.pragma('quick_check', { simple: true });
  if (check !== 'ok') throw new Error(`the copy failed its check: ${String(check)}`);
  const set = copy.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  const epoch = /** @type {string} */ (copy.prepare("SELECT value FROM meta WHERE key = 'epoch'").pluck().get());
  const headSeq = /** @type {number} */ (copy.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck().get());
  copy.transaction(() => {
    set.run('backup_taken_at', String(takenAt));
    set.run('backup_of_epoch', epoch);
  })();
  return { headSeq, epoch };
}

/**
 * Runs a step on the copy, giving SQLite's errors there a code of their own (`COPY_<code>`).
 * @template T
 * @param {() => T} step
 * @returns {T}
 */
function copyStep(step) {
  try {
    return step();
  } catch (err) {
    const e = /** @type {{ code?: unknown; message?: unknown }} */ (err);
    throw Object.assign(new Error(`the copy could not be finished: ${String(e.message ?? err)}`), { code: e.code ? `COPY_${String(e.code)}` : 'COPY' });
  }
}

function copy() {
  const started = performance.now();
  const aside = `${dest}.partial`;
  try {
    unlinkSync(aside);
  } catch {
    // nothing left over from an earlier attempt
  }
  // VACUUM INTO writes into an empty file that exists; made here so that it is 0600 from the start
  closeSync(openSync(aside, 'wx', 0o600));
  try {
    const from = new Database(source, { readonly: true, fileMustExist: true });
    try {
      from.pragma('busy_timeout = 5000');
      from.prepare('VACUUM INTO ?').run(aside);
    } finally {
      from.close();
    }
    // SQLite's errors from here on are the copy's, not the store's: a code saying "corrupt" must not be taken
    // for the store's own damage (the hub's integrity check listens to backup failures)
    const { headSeq, epoch } = copyStep(() => {
      const copy = new Database(aside, { fileMustExist: true });
      try {
        return finishCopy(copy);
      } finally {
        copy.close();
      }
    });
    fsyncPath(aside);
    renameSync(aside, dest);
    fsyncPath(dirname(dest));
    return { bytes: statSync(dest).size, headSeq, epoch, ms: performance.now() - started };
  } catch (err) {
    try {
      unlinkSync(aside);
    } catch {
      // already gone
    }
    throw err;
  }
}

try {
  port.postMessage({ ok: true, ...copy() });
} catch (err) {
  const e = /** @type {{ code?: unknown; message?: unknown }} */ (err);
  port.postMessage({ ok: false, code: String(e.code ?? ''), message: String(e.message ?? err) });
}
