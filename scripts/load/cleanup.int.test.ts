/**
 * `npm run load` interrupted (Ctrl-C sent to it alone, as a supervisor or `kill -INT` does) stops the hub
 * it started, and so does a script that exits on an error before its `finally` could: nothing is left
 * listening on loopback.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './hub-process.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function gone(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (!alive(pid)) return true;
  return !alive(pid);
}

const started: number[] = [];
const dirs: string[] = [];
afterEach(() => {
  // whatever the case left behind is ours to stop, by pid
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.runIf(process.platform === 'linux')('the hub a load script started', () => {
  it('stops the hub it started when it gets SIGINT', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'brigade-load-int-'));
    dirs.push(runDir);
    const args = ['--import', 'tsx', 'scripts/load/main.ts', '--duration', '20', '--tablets', '1', '--kiosks', '0', '--phones', '0', '--kds', '0', '--sockets', '1', '--workers', '1', '--quiet', '--run-dir', runDir];
    const load = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    started.push(load.pid!);
    let err = '';
    const hubPid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no hub started in 30 s:\n${err}`)), 30_000);
      load.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /hub started on \S+ \(data (\S+), pid (\d+)\)/.exec(err);
        if (m) {
          clearTimeout(timer);
          dirs.push(m[1]!);
          resolve(Number(m[2]));
        }
      });
    });
    started.push(hubPid);
    await sleep(1500); // the workers are forked and setting up
    const exited = new Promise<number | null>((r) => load.once('exit', (code) => r(code)));
    load.kill('SIGINT');
    expect(await gone(load.pid!, 20_000)).toBe(true);
    expect(await exited).not.toBe(0);
    expect(await gone(hubPid, 20_000)).toBe(true);
  }, 60_000);

  it('stops the hub when the process that started it exits without stopping it (an error path)', async () => {
    const script = `import { startHub } from './scripts/load/hub-process.ts';
const hub = await startHub();
process.stdout.write(hub.pid + ' ' + hub.dataDir + '\\n');
process.exit(2);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(child.pid!);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    const [pid, dataDir] = out.trim().split(' ');
    dirs.push(dataDir!);
    started.push(Number(pid));
    expect(await gone(Number(pid), 20_000)).toBe(true);
  }, 60_000);
});
