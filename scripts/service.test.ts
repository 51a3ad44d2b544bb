/**
 * The systemd unit `npm run -s service` prints: systemd's own checker accepts it, and the commands it runs,
 * run as systemd would run them (its working directory, its environment, its stop signal), start the hub
 * on the unit's data directory and stop it cleanly within the unit's stop timeout.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../clients/test/ports.ts';
import { ROOT } from './load/hub-process.ts';
import { unitFile } from './service.ts';

const dir = mkdtempSync(join(tmpdir(), 'brigade service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const unit = unitFile({ root: ROOT, node: process.execPath, user: userInfo().username, dataDir: join(dir, 'data'), envFile: join(dir, 'hub.env') });

/** The [Service] section's settings, each key's values in order. */
function serviceSettings(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let inService = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('[')) inService = line === '[Service]';
    const m = /^(\w+)=(.*)$/.exec(line);
    if (inService && m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

/** systemd's command-line and assignment quoting, as much of it as the unit uses; `%%` is a literal `%`. */
function words(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push((m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!).replace(/%%/g, '%'));
  return out;
}

describe('npm run service', () => {
  it("prints a unit systemd's checker accepts", () => {
    const file = join(dir, 'brigade-hub.service');
    writeFileSync(file, unit);
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(r.error, 'systemd-analyze (Debian package systemd) is needed; .ci/run installs it').toBeUndefined();
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
    // the store holds the PIN hashes and their key: what the hub writes is its account's alone
    expect(serviceSettings(unit).get('UMask')).toEqual(['0077']);
    // and the script prints the same unit for this checkout
    const printed = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/service.ts', '--user', 'brigade', '--data-dir', join(dir, 'data')], { cwd: ROOT, encoding: 'utf8' });
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(unitFile({ root: ROOT, node: process.execPath, user: 'brigade', dataDir: join(dir, 'data'), envFile: '/etc/brigade/hub.env' }));
  });

  it("starts the hub even when the apps' build fails (a full disk, a broken update): the store and the API matter more", () => {
    // systemd's `-` before a command: its failure does not fail the unit. Without it a build that cannot finish
    // kept the hub down for good, restarted every RestartSec only to fail the build again, while the tablets'
    // cached apps could have gone on taking orders
    const pre = serviceSettings(unit).get('ExecStartPre') ?? [];
    expect(pre).toHaveLength(1);
    expect(pre[0]).toMatch(/^-"[^"]+" --import tsx clients\/build\.ts$/);
    // the hub itself is the unit's one command that must succeed
    expect(serviceSettings(unit).get('ExecStart')![0]).not.toMatch(/^-/);
  });

  it('runs the hub on its data directory as systemd would, and the stop signal stops it cleanly within its timeout', async () => {
    const s = serviceSettings(unit);
    const cwd = s.get('WorkingDirectory')![0]!;
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    for (const assignment of s.get('Environment') ?? []) {
      for (const w of words(assignment)) env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
    }
    // the test's own: loopback only, no mDNS, a free port, no second ports, no printers
    const port = await freePort();
    Object.assign(env, { HUB_HOST: '127.0.0.1', HUB_PORT: String(port), HUB_MDNS: 'off', HUB_HTTPS_PORT: 'off', HUB_PUBLIC_PORT: 'off', HUB_PRINTERS: 'none', HUB_DISK_RESERVE_MB: '0' });

    // (systemd's `-`: the command's failure is ignored, see the test below)
    const [preCmd, ...preArgs] = words(s.get('ExecStartPre')![0]!.replace(/^-/, ''));
    const pre = spawnSync(preCmd!, preArgs, { cwd, env, encoding: 'utf8' });
    expect(pre.status, pre.stderr).toBe(0);

    const [cmd, ...args] = words(s.get('ExecStart')![0]!);
    // under the unit's UMask, as systemd sets it before it runs the command
    const umask = s.get('UMask')![0]!;
    const hub = spawn('sh', ['-c', `umask ${umask} && exec "$0" "$@"`, cmd!, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    hub.stdout.on('data', (d) => (out += String(d)));
    hub.stderr.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((r) => hub.once('exit', (code) => r(code)));
    try {
      let health: Response | undefined;
      for (let i = 0; i < 300 && !health; i++) {
        health = await fetch(`http://127.0.0.1:${port}/api/v1/health`).catch(() => undefined);
        if (!health) await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.status, out).toBe(200);
      expect(existsSync(join(dir, 'data', 'brigade.db'))).toBe(true);
      // made under the unit's UMask, as systemd applies it: the store is no other account's to read
      expect(statSync(join(dir, 'data', 'brigade.db')).mode & 0o077).toBe(0);

      const signal = s.get('KillSignal')![0]! as NodeJS.Signals;
      const timeoutS = Number(s.get('TimeoutStopSec')![0]);
      const stoppedAt = Date.now();
      hub.kill(signal);
      expect(await exited).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(timeoutS * 1000);
      expect(out).toContain('stopped cleanly');
    } finally {
      hub.kill('SIGKILL');
    }
  }, 120_000);
});
