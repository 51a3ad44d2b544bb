/**
 * Which process runs a hub on this store.
 *
 * `hub.lock` in the data directory is held (an exclusive SQLite lock on an empty file) by the hub for as long
 * as it runs. The kernel drops the lock when the process ends, however it ends (a kill, a power cut), so it
 * is never stale. A second hub started on the same directory (another HUB_PORT, a service and a hand start)
 * finds it held and refuses: two hubs would both write the store and both print every ticket.
 *
 * `hub.pid` says which process holds it, for people and for the tools that replace the store's file (`npm run
 * restore`, `npm run seed -- --reset`, `npm run salvage`), which refuse while a hub runs. The pid alone does
 * not tell: after a power cut the file is left, and the pid in it may be another program's after the reboot.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PID_FILE = 'hub.pid';
export const LOCK_FILE = 'hub.lock';

/** A hub that starts waits this long for the lock: a tool's look at it (`runningHub`) holds it for an instant. */
const CLAIM_WAIT_MS = 2_000;

export type DataDirClaim = { ok: true; release(): void } | { ok: false; heldBy: number | null; err?: Error };

/** The open lock, referenced here too so that it is never collected (closing it would drop the lock). */
let held: Database.Database | undefined;

/**
 * Claims the data directory for this process, or says which process has it (`heldBy`; null when its pid is
 * not known). When the lock cannot be taken for another reason (`err`: a read-only directory), nothing is
 * claimed and the caller decides; the store's own opening will say more.
 */
export function claimDataDir(dataDir: string): DataDirClaim {
  let lock: Database.Database | undefined;
  try {
    mkdirSync(dataDir, { recursive: true });
    lock = new Database(join(dataDir, LOCK_FILE), { timeout: CLAIM_WAIT_MS });
    lock.exec('BEGIN EXCLUSIVE'); // never committed: held until the connection closes or the process ends
  } catch (err) {
    lock?.close();
    return isBusy(err) ? { ok: false, heldBy: pidInFile(dataDir) } : { ok: false, heldBy: null, err: err as Error };
  }
  held = lock;
  return {
    ok: true,
    release: () => {
      if (held !== lock) return;
      held = undefined;
      lock.close();
    },
  };
}

const isBusy = (err: unknown) => typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('SQLITE_BUSY');

/**
 * Never throws: a hub that starts on a full disk (it must: every read still works) cannot write it, and
 * then only the tools' check is missing. The error is returned for the log.
 */
export function writePidFile(dataDir: string): Error | null {
  try {
    writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`);
    return null;
  } catch (err) {
    return err as Error;
  }
}

/** Removes the file if it still names this process (a second hub started by mistake must not remove the first's). */
export function removePidFile(dataDir: string): void {
  if (pidInFile(dataDir) === process.pid) rmSync(join(dataDir, PID_FILE), { force: true });
}

/** The pid of the hub running on `dataDir`, or null. */
export function runningHub(dataDir: string): number | null {
  const lock = lockState(dataDir);
  if (lock === 'free') return null;
  const pid = pidInFile(dataDir);
  if (pid === null) return null;
  // held, or no lock file (a hub of a version before it): the pid in the file, if that process lives
  if (lock === 'held') return pid;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: a process of another user has this pid: alive, and not ours to judge
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** Whether a hub holds the lock, by taking it for an instant (never waiting for it). */
function lockState(dataDir: string): 'held' | 'free' | 'unknown' {
  let probe: Database.Database | undefined;
  try {
    probe = new Database(join(dataDir, LOCK_FILE), { fileMustExist: true, timeout: 0 });
    probe.exec('BEGIN EXCLUSIVE');
    probe.exec('ROLLBACK');
    return 'free';
  } catch (err) {
    return isBusy(err) ? 'held' : 'unknown';
  } finally {
    probe?.close();
  }
}

function pidInFile(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim());
  } catch {
    return null;
  }
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}
