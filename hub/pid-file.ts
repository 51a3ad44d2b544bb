/**
 * `hub.pid` in the data directory: which process runs a hub on this store. The hub writes it once it
 * listens and removes it when it stops; tools that replace the store's file (`npm run restore`,
 * `npm run seed -- --reset`) refuse while that process lives. A hub killed outright leaves the file: its
 * process is gone, so it does not count.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PID_FILE = 'hub.pid';

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
  if (runningHub(dataDir) === process.pid) rmSync(join(dataDir, PID_FILE), { force: true });
}

/** The pid of the hub running on `dataDir`, or null. */
export function runningHub(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: a process of another user has this pid: alive, and not ours to judge
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}
