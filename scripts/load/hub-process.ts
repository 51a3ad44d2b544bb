/**
 * Starts the real hub as a child process (`node --import tsx hub/main.ts`) on a random loopback port with a
 * temp data dir and mDNS off, and exposes what a load run needs: its URL, its SQLite file, its pid (for RSS)
 * and a clean stop. The integration tests' harness (hub/test/harness.ts) starts its hubs with it too.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const PAIRING_CODE = '424242';
export const PINS = { waiter: '1111', waiter2: '1112', cashier: '2222', kitchen: '3333', manager: '9999' } as const;
export const DB_FILE = 'brigade.db';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

export interface StartedHub {
  url: string;
  port: number;
  /** The public address (phones and kiosks, HUB_PUBLIC_PORT), when the hub runs it. */
  publicUrl: string | undefined;
  dataDir: string;
  dbFile: string;
  pid: number;
  proc: ChildProcess;
  /** The last 64 kB the hub printed, for diagnosing failures. */
  output(): string;
  /** Resident set size of the hub process in bytes (Linux /proc), or undefined where unavailable. */
  rssBytes(): number | undefined;
  /** SIGTERM, wait for the exit (SIGKILL after 20 s); resolves the exit code. */
  stop(): Promise<number | null>;
}

export interface StartHubOptions {
  dataDir?: string;
  /** Where the temp data dir is made (the disk under test); default the OS temp dir. */
  parentDir?: string;
  env?: Record<string, string>;
  /** Extra node flags for the hub process, e.g. `--cpu-prof` to see where its time goes. */
  nodeArgs?: string[];
  /** Pin the hub to these CPUs (`taskset` list syntax, e.g. `0-1`), away from the load generator. */
  cpus?: string | undefined;
  /** Run the hub of another checkout (an A/B baseline); default this one. */
  root?: string | undefined;
  /** Keep everything the hub prints (tests assert on it); default: the last 64 kB, enough to diagnose a long run. */
  keepAllOutput?: boolean;
}

export async function startHub(opts: StartHubOptions = {}): Promise<StartedHub> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(opts.parentDir ?? tmpdir(), 'brigade-load-'));
  const nodeArgv = [...(opts.nodeArgs ?? []), '--import', 'tsx', 'hub/main.ts'];
  // taskset execs node in place: the pid (and so RSS and CPU sampling) is the hub's own
  const [cmd, argv] = opts.cpus ? ['taskset', ['-c', opts.cpus, process.execPath, ...nodeArgv]] : [process.execPath, nodeArgv];
  const proc = spawn(cmd, argv, {
    cwd: opts.root ?? ROOT,
    env: {
      ...process.env,
      HUB_PORT: '0',
      HUB_HOST: '127.0.0.1',
      HUB_DATA_DIR: dataDir,
      HUB_PAIRING_CODE: PAIRING_CODE,
      LOG_LEVEL: 'info',
      // the load runs only the plain HTTP port, and the public address on a free port
      HUB_HTTPS_PORT: 'off',
      HUB_PUBLIC_PORT: '0',
      // never advertise on the LAN from a load run or a test (the config tests pass invalid values on purpose)
      HUB_MDNS: 'off',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stopWithUs(proc);
  let out = '';
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (!opts.keepAllOutput && out.length > 128 * 1024) out = out.slice(-64 * 1024);
  };
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));

  const { port, publicPort } = await new Promise<{ port: number; publicPort: number | undefined }>((resolvePort, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`hub did not start in ${START_TIMEOUT_MS / 1000} s:\n${out}`));
    }, START_TIMEOUT_MS);
    let line = '';
    const onData = (chunk: Buffer) => {
      keep(chunk);
      line += chunk.toString();
      for (let nl = line.indexOf('\n'); nl >= 0; nl = line.indexOf('\n')) {
        const text = line.slice(0, nl);
        line = line.slice(nl + 1);
        if (!text.includes('"msg":"listening"')) continue;
        const m = /"port":(\d+)/.exec(text);
        if (m) {
          clearTimeout(timer);
          proc.stdout!.off('data', onData);
          proc.stdout!.on('data', keep);
          const pub = /"publicPort":(\d+)/.exec(text);
          resolvePort({ port: Number(m[1]), publicPort: pub ? Number(pub[1]) : undefined });
        }
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code} before listening:\n${out}`));
    });
  }).catch((err: unknown) => {
    // a hub that never started (the config tests start some on purpose) leaves no temp dir of ours behind
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    publicUrl: publicPort === undefined ? undefined : `http://127.0.0.1:${publicPort}`,
    dataDir,
    dbFile: join(dataDir, DB_FILE),
    pid: proc.pid!,
    proc,
    output: () => out,
    rssBytes: () => rssOf(proc.pid!),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Child processes this process started (hubs, simulated printers) that must not outlive it (load workers
 * exit by themselves when their parent goes: they see the IPC channel close).
 * A `finally` that stops them does not run when the process is interrupted or exits from an error handler,
 * and nothing else stops them: a hub kept listening on loopback with its temp data dir, the printers too.
 */
const children = new Set<ChildProcess>();
const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
let exitHooked = false;

/** Stops `proc` (SIGTERM: a hub shuts down cleanly) if it is still running when this process exits. */
export function stopWithUs(proc: ChildProcess): void {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const c of children) if (running(c)) c.kill('SIGTERM');
  });
}

/**
 * For the CLIs: on SIGINT or SIGTERM, stop every child (SIGTERM, SIGKILL after `graceMs`), then exit
 * 130 / 143. A second signal exits at once (the exit hook still sends SIGTERM).
 */
export function exitOnSignals(name: string, graceMs = 10_000): void {
  let stopping = false;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(code);
      stopping = true;
      process.stderr.write(`\n${name}: ${signal}, stopping the processes it started …\n`);
      const left = [...children].filter(running);
      for (const c of left) c.kill('SIGTERM');
      const killer = setTimeout(() => left.forEach((c) => running(c) && c.kill('SIGKILL')), graceMs);
      void Promise.all(left.map((c) => (running(c) ? new Promise((r) => c.once('exit', r)) : undefined))).then(() => {
        clearTimeout(killer);
        process.exit(code);
      });
    });
  }
}

/** VmRSS of a process from /proc, in bytes. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;
const clockTicksToMs = (ticks: number) => {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return (ticks * 1000) / ticksPerSecond;
};

/**
 * CPU time (user + system, all threads) a process has used so far, in ms, from /proc; undefined where
 * unavailable. The hub's CPU time per order compares machines and runs where orders/s cannot: it does not
 * depend on what else shares the cores.
 */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name: state is the 3rd field, utime the 14th, stime the 15th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return clockTicksToMs(Number(fields[11]) + Number(fields[12]));
  } catch {
    return undefined;
  }
}

/**
 * The process's main thread — the hub's event loop, where its JavaScript runs — from the scheduler's own
 * account (`/proc/<pid>/task/<pid>/schedstat`, ns): the time it ran on a CPU, and the time it was ready to
 * run but waited for one. Over a phase, running near 1 means that one thread was the limit; running plus
 * waiting near 1 means it would have been, had it had a core to itself. Undefined without schedstats.
 */
export function mainThreadSchedMs(pid: number): { runMs: number; waitMs: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    if (!Number.isFinite(run) || !Number.isFinite(wait)) return undefined;
    return { runMs: run! / 1e6, waitMs: wait! / 1e6 };
  } catch {
    return undefined;
  }
}

/** CPU time the whole machine has spent so far (every process and the kernel, all cores), in ms. */
export function machineCpuTimeMs(): number | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal …
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    return clockTicksToMs(user! + nice! + system! + irq! + softirq!);
  } catch {
    return undefined;
  }
}

/** Pins a running process (every thread; threads it starts later inherit it) to a `taskset` CPU list. */
export function pinProcess(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** Where the processes that stand in for devices (load workers, simulated printers) run. */
export interface Placement {
  /** A `taskset` CPU list, away from the hub's. */
  cpus?: string | undefined;
  /** A nice value (0–19) for every thread of theirs. */
  nice?: number | undefined;
}

/**
 * Pins a device process and lowers its priority. The nice value is per thread on Linux, so it is set on
 * each of the process's threads (those it starts later inherit it from the thread that starts them).
 */
export function placeProcess(pid: number, p: Placement): void {
  if (p.cpus) pinProcess(pid, p.cpus);
  if (!p.nice) return;
  let threads: number[] = [pid];
  try {
    threads = readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    // no /proc: the main thread only
  }
  for (const tid of threads) setPriority(tid, p.nice);
}

/** The load generator talks to loopback only. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    throw new Error(`the load generator only talks to a hub on this machine (127.0.0.1), not ${host}`);
  }
}
