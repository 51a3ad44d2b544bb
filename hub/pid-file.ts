/**
 * Which process runs a hub on this store, or works on its files.
 *
 * `hub.lock` in the data directory is held (an exclusive SQLite lock on an empty file) by the hub for as long
 * as it runs. The kernel drops the lock when the process ends, however it ends (a kill, a power cut), so it
 * is never stale. A second hub started on the same directory (another HUB_PORT, a service and a hand start)
 * finds it held and refuses: two hubs would both write the store and both print every ticket.
 *
 * The tools that change the store's files (`npm run restore`, `npm run seed`, `npm run salvage`, and `npm run
 * backup` when it finishes a restore cut short) hold the same lock while they work (`claimForTool`): a hub
 * started meanwhile (systemd starts it again 2 s after it stops) refuses, and is started again later, instead of
 * opening a store half swapped. `tool.pid` says which tool holds it, so that the hub's refusal names it.
 *
 * `hub.pid` says which hub holds it, for people and for those refusals. The pid alone does not tell: after a
 * power cut the file is left, and the pid in it may be another program's after the reboot.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PID_FILE = 'hub.pid';
export const LOCK_FILE = 'hub.lock';
/** Which tool holds `hub.lock` (its pid and name), while one does. */
export const TOOL_FILE = 'tool.pid';

/** The tools that change the store's files, by their npm script's name. */
export type StoreTool = 'restore' | 'seed' | 'salvage' | 'backup';

/** A hub that starts waits this long for the lock: a tool's look at it (`runningHub`) holds it for an instant. */
const CLAIM_WAIT_MS = 2_000;
/** A tool, only for that instant: an operator who forgot to stop the hub is told at once. */
const TOOL_CLAIM_WAIT_MS = 200;

/** Who holds the data directory: the hub (`tool` null), or a tool; `heldBy` null when its pid is not known. */
export interface DataDirHolder {
  heldBy: number | null;
  tool: StoreTool | null;
}

export type DataDirClaim = { ok: true; release(): void } | ({ ok: false; err?: Error } & DataDirHolder);

/** The open lock, referenced here too so that it is never collected (closing it would drop the lock). */
let held: Database.Database | undefined;

/**
 * Claims the data directory for this process (the hub, or `tool`), or says who has it. When the lock cannot be
 * taken for another reason (`err`: a read-only directory), nothing is claimed and the caller decides; the
 * store's own opening will say more.
 */
export function claimDataDir(dataDir: string, tool?: StoreTool): DataDirClaim {
  let lock: Database.Database | undefined;
  try {
    mkdirSync(dataDir, { recursive: true });
    lock = new Database(join(dataDir, LOCK_FILE), { timeout: tool ? TOOL_CLAIM_WAIT_MS : CLAIM_WAIT_MS });
    lock.exec('BEGIN EXCLUSIVE'); // never committed: held until the connection closes or the process ends
  } catch (err) {
    lock?.close();
    return isBusy(err) ? { ok: false, ...holder(dataDir) } : { ok: false, heldBy: null, tool: null, err: err as Error };
  }
  held = lock;
  const toolFile = join(dataDir, TOOL_FILE);
  try {
    // the hub clears what a tool killed outright left: a later refusal must not name that tool
    if (tool) writeFileSync(toolFile, `${process.pid} ${tool}\n`);
    else rmSync(toolFile, { force: true });
  } catch {
    // only the refusal's words suffer: a hub started meanwhile says "another hub"
  }
  return {
    ok: true,
    release: () => {
      if (held !== lock) return;
      held = undefined;
      try {
        // before the lock goes: whoever takes it next must not find this tool named
        if (tool) rmSync(toolFile, { force: true });
      } finally {
        lock.close();
      }
    },
  };
}

/** Who holds the lock: the tool `tool.pid` names while it lives, else the hub of `hub.pid`. */
function holder(dataDir: string): DataDirHolder {
  let text: string;
  try {
    text = readFileSync(join(dataDir, TOOL_FILE), 'utf8');
  } catch {
    return { heldBy: pidInFile(dataDir), tool: null };
  }
  const [pid, tool] = text.trim().split(' ');
  const toolPid = Number(pid);
  if (Number.isInteger(toolPid) && toolPid > 0 && isStoreTool(tool) && isAlive(toolPid)) return { heldBy: toolPid, tool };
  return { heldBy: pidInFile(dataDir), tool: null };
}

const isStoreTool = (name: string | undefined): name is StoreTool => name === 'restore' || name === 'seed' || name === 'salvage' || name === 'backup';

/** Who holds the data directory, in words: "the hub (pid 12)", "a restore (npm run restore, pid 12)". */
export function holderText({ heldBy, tool }: DataDirHolder): string {
  const pid = heldBy === null ? 'pid unknown' : `pid ${heldBy}`;
  switch (tool) {
    case 'restore':
      return `a restore (npm run restore, ${pid})`;
    case 'salvage':
      return `a salvage (npm run salvage, ${pid})`;
    case 'seed':
      return `npm run seed (${pid})`;
    case 'backup':
      return `npm run backup (${pid}), finishing a restore that was cut short,`;
    case null:
      return heldBy === null ? 'the hub' : `the hub (${pid})`;
  }
}

/**
 * Claims the data directory for a tool that changes the store's files, until it calls `release` or ends
 * (however it ends). Refused while the hub runs, or another tool works: `why`, in words, for the tool to print.
 */
export function claimForTool(
  dataDir: string,
  tool: StoreTool,
): { ok: true; release(): void; warning?: string } | ({ ok: false; why: string } & DataDirHolder) {
  const lockWasThere = existsSync(join(dataDir, LOCK_FILE));
  const claim = claimDataDir(dataDir, tool);
  if (claim.ok) {
    // no hub.lock before: a hub of a version before it may be running, which the lock does not tell
    const oldHub = lockWasThere ? null : pidInFile(dataDir);
    if (oldHub === null || oldHub === process.pid || !isAlive(oldHub)) {
      process.once('exit', claim.release); // a tool's refusal (process.exit) leaves no tool.pid naming it
      return claim;
    }
    claim.release();
    return { ok: false, heldBy: oldHub, tool: null, why: `the hub (pid ${oldHub}) is running on ${dataDir}: stop it first` };
  }
  if (!claim.err) {
    const doing = claim.tool ? 'is in progress' : 'is running';
    const then = claim.tool ? 'run this again once it is done' : 'stop it first';
    return { ok: false, heldBy: claim.heldBy, tool: claim.tool, why: `${holderText(claim)} ${doing} on ${dataDir}: ${then}` };
  }
  // the lock cannot be taken here (a read-only directory, hub.lock another user's): the pid file still tells
  const hub = runningHub(dataDir);
  if (hub !== null) return { ok: false, heldBy: hub, tool: null, why: `the hub (pid ${hub}) is running on ${dataDir}: stop it first` };
  return { ok: true, release: () => undefined, warning: `${LOCK_FILE} could not be taken (${claim.err.message}): a hub started meanwhile would not be refused` };
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
  return isAlive(pid) ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: a process of another user has this pid: alive, and not ours to judge
    return (err as NodeJS.ErrnoException).code === 'EPERM';
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
