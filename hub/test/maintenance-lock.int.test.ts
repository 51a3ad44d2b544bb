/**
 * The store's tools change its files with the hub stopped: `npm run restore` swaps the backup in, `npm run seed --
 * --reset` deletes the store and makes a new one, `npm run salvage` reads it whole, `npm run backup` finishes a
 * restore that was cut short. systemd starts the hub again 2 s after it stops, whatever runs meanwhile: a hub started
 * while a tool works must refuse, naming the tool (systemd starts it again later), never open a half-swapped store.
 *
 * Each tool is paused at its riskiest step by a module loaded before it (no hook in the tools' code): it writes
 * `paused` into a directory of the test's and waits for `go` there.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectStore } from '../store/backups.ts';
import { incomingOf } from '../store/store-swap.ts';
import { removeDir, ROOT, startHub, storeTool, storeWithBackup, type HubProcess } from './harness.ts';

const dirs: string[] = [];
const hubs: HubProcess[] = [];
const tools: { proc: ReturnType<typeof spawn>; go(): void }[] = [];
afterAll(async () => {
  for (const t of tools) {
    t.go();
    if (t.proc.exitCode === null && t.proc.signalCode === null) t.proc.kill('SIGKILL');
  }
  for (const h of hubs) if (h.proc.exitCode === null && h.proc.signalCode === null) await h.kill9();
  for (const d of dirs) removeDir(d);
});

const env = { HUB_BACKUP_EVERY_MS: '3600000', HUB_PRINTERS: 'none', HUB_DISK_LOW_MB: '1' };
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-maint-lock-'));
  dirs.push(dir);
  return dir;
};

const until = async (what: string, pred: () => boolean, ms = 30_000) => {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/**
 * Loaded before a tool: the first time it renames or removes `point` (a path), or prints a line beginning with
 * `point`, it stops there until the test says go.
 */
const pauseHook = (point: string, control: string) =>
  `data:text/javascript,${encodeURIComponent(`
    import fs from 'node:fs';
    import { syncBuiltinESMExports } from 'node:module';
    const point = ${JSON.stringify(point)};
    const nap = new Int32Array(new SharedArrayBuffer(4));
    let paused = false;
    const pause = () => {
      if (paused) return;
      paused = true;
      fs.writeFileSync(${JSON.stringify(join(control, 'paused'))}, '');
      while (!fs.existsSync(${JSON.stringify(join(control, 'go'))})) Atomics.wait(nap, 0, 0, 50);
    };
    for (const name of ['renameSync', 'rmSync']) {
      const real = fs[name];
      fs[name] = (path, ...rest) => {
        if (String(path) === point) pause();
        return real(path, ...rest);
      };
    }
    syncBuiltinESMExports();
    const log = console.log;
    console.log = (...args) => {
      log(...args);
      if (String(args[0]).startsWith(point)) pause();
    };
  `)}`;

/** Starts `scripts/<name>.ts` on `dataDir`, paused at `point`; resolves once it is there. */
async function pausedTool(name: string, dataDir: string, args: string[], point: string) {
  const control = tempDir();
  const proc = spawn(process.execPath, ['--import', pauseHook(point, control), '--import', 'tsx', `scripts/${name}.ts`, ...args], {
    cwd: ROOT,
    env: { ...process.env, HUB_DATA_DIR: dataDir, HUB_TIMEZONE: 'Asia/Shanghai' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)));
  const tool = { proc, go: () => writeFileSync(join(control, 'go'), ''), exited, output: () => out };
  tools.push(tool);
  await until(`${name} to pause (${out})`, () => existsSync(join(control, 'paused')) || proc.exitCode !== null);
  expect(proc.exitCode, out).toBeNull();
  return tool;
}

/** A hub started on `dataDir` as systemd would: whether it refused (its exit code and what it printed), or started (then stopped). */
async function tryHub(dataDir: string): Promise<{ started: true } | { started: false; code: number | null; out: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'hub/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, HUB_DATA_DIR: dataDir, HUB_PORT: '0', HUB_HOST: '127.0.0.1', HUB_HTTPS_PORT: 'off', HUB_PUBLIC_PORT: 'off', HUB_MDNS: 'off', HUB_DISK_RESERVE_MB: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let closed: number | null | undefined;
  proc.once('close', (code) => (closed = code));
  await until('the hub to listen or exit', () => closed !== undefined || out.includes('"msg":"listening"'));
  if (closed !== undefined) return { started: false, code: closed, out };
  proc.kill('SIGTERM');
  await until('the hub to stop', () => closed !== undefined);
  return { started: true };
}

/** A stopped hub's demo store and a backup of it, copied into a new data directory for each test. */
let made: { dataDir: string; backup: string; storeId: string };
beforeAll(async () => {
  made = await storeWithBackup(tempDir(), env, hubs);
}, 60_000);

function storeCopy(): { dataDir: string; store: string } {
  const dataDir = tempDir();
  const store = join(dataDir, 'brigade.db');
  copyFileSync(join(made.dataDir, 'brigade.db'), store);
  return { dataDir, store };
}

describe('a hub started while a tool works on the store refuses, naming the tool', () => {
  it('npm run restore, paused between its renames: the hub refuses; the restore ends whole, and the hub starts on the backup', async () => {
    const { dataDir, store } = storeCopy();
    const restore = await pausedTool('restore', dataDir, [made.backup, '--yes'], store);

    const hub = await tryHub(dataDir);
    expect(hub).toMatchObject({ started: false, code: 1 });
    if (!hub.started) expect(hub.out).toMatch(/^brigade: a restore \(npm run restore, pid \d+\) is in progress on .*: start the hub once it is done/m);

    // another tool meanwhile waits its turn too
    const salvage = storeTool('salvage', dataDir);
    expect(salvage.code, salvage.out).toBe(1);
    expect(salvage.out).toMatch(/^salvage: a restore \(npm run restore, pid \d+\) is in progress on /m);

    restore.go();
    expect(await restore.exited, restore.output()).toBe(0);
    expect(restore.output()).toMatch(/Restored/);
    expect(inspectStore(store, { check: false }).takenAt).toEqual(expect.any(Number));
    // the tool let go of the store: the hub starts
    expect(await tryHub(dataDir)).toEqual({ started: true });
  }, 90_000);

  it('npm run seed -- --reset, paused once the store is deleted: the hub refuses rather than make a new store of its own', async () => {
    const { dataDir, store } = storeCopy();
    const seed = await pausedTool('seed', dataDir, ['--reset'], `${store}-wal`);
    const hub = await tryHub(dataDir);
    expect(hub).toMatchObject({ started: false, code: 1 });
    if (!hub.started) expect(hub.out).toMatch(/^brigade: npm run seed \(pid \d+\) is in progress on .*: start the hub once it is done/m);
    seed.go();
    expect(await seed.exited, seed.output()).toBe(0);
    expect(seed.output()).toMatch(/loaded the demo store/);
    expect(await tryHub(dataDir)).toEqual({ started: true });
  }, 90_000);

  it('npm run salvage, paused while it reads the store: the hub refuses (it would change the store under the copy)', async () => {
    const { dataDir } = storeCopy();
    const salvage = await pausedTool('salvage', dataDir, [], 'Reading ');
    const hub = await tryHub(dataDir);
    expect(hub).toMatchObject({ started: false, code: 1 });
    if (!hub.started) expect(hub.out).toMatch(/^brigade: a salvage \(npm run salvage, pid \d+\) is in progress on /m);
    salvage.go();
    expect(await salvage.exited, salvage.output()).toBe(0);
    expect(salvage.output()).toContain('The store is whole');
    expect(await tryHub(dataDir)).toEqual({ started: true });
  }, 90_000);

  it('npm run backup finishing a restore cut short, paused before the backup takes the store\'s name: the hub refuses', async () => {
    // a restore cut short after its first rename: the store aside, the backup not yet in its place
    const { dataDir, store } = storeCopy();
    copyFileSync(made.backup, incomingOf(store));
    writeFileSync(`${store}.restoring.json`, `${JSON.stringify({ aside: 'replaced-cut' })}\n`);
    mkdirSync(join(dataDir, 'replaced-cut'));
    renameSync(store, join(dataDir, 'replaced-cut', 'brigade.db'));

    const backup = await pausedTool('backup', dataDir, [], incomingOf(store));
    const hub = await tryHub(dataDir);
    expect(hub).toMatchObject({ started: false, code: 1 });
    if (!hub.started) expect(hub.out).toMatch(/^brigade: npm run backup \(pid \d+\), finishing a restore that was cut short, is in progress on /m);
    backup.go();
    expect(await backup.exited, backup.output()).toBe(0);
    expect(inspectStore(store, { check: false }).storeId).toBe(made.storeId);
    expect(await tryHub(dataDir)).toEqual({ started: true });
  }, 90_000);
});

describe('a tool started while the hub runs refuses, naming it', () => {
  it('npm run seed -- --reset leaves the store alone', async () => {
    const { dataDir, store } = storeCopy();
    const hub = await startHub({ dataDir, env });
    hubs.push(hub);
    const seed = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/seed.ts', '--reset'], { cwd: ROOT, env: { ...process.env, HUB_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 });
    expect(seed.status, seed.stdout + seed.stderr).toBe(1);
    expect(seed.stderr).toMatch(/the hub \(pid \d+\) is running on .*: stop it/);
    expect(existsSync(store)).toBe(true);
    expect((await hub.request('GET', '/api/v1/health')).body.storeId).toBe(made.storeId);
    expect(await hub.stop()).toBe(0);
  }, 60_000);
});
