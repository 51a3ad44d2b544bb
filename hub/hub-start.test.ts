import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { createHub, DB_FILE, type Hub } from './hub.ts';
import { PID_FILE } from './pid-file.ts';
import { openDb } from './store/db.ts';
import { SEEN_FILE } from './store/store-seen.ts';
import { removeDir } from './test/harness.ts';

describe('making the hub', () => {
  it('does not fail when the note of how far the store has gone cannot be written (a full disk, a read-only data dir)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brigade-hub-start-'));
    const db = openDb(join(dir, DB_FILE));
    mkdirSync(join(dir, `${SEEN_FILE}.tmp`)); // its write fails (EISDIR), as ENOSPC or EACCES would
    const config = loadConfig({ HUB_DATA_DIR: dir, HUB_PORT: '0', HUB_HOST: '127.0.0.1', HUB_HTTPS_PORT: 'off', HUB_PUBLIC_PORT: 'off', HUB_MDNS: 'off', HUB_PRINTERS: 'none', HUB_DISK_RESERVE_MB: '0', HUB_BACKUP_DIR: 'off' });
    let hub: Hub | undefined;
    try {
      // the note's failure is told to the integrity tracker, which was made after it (a ReferenceError)
      expect(() => (hub = createHub(config, pino({ level: 'silent' }), db))).not.toThrow();
    } finally {
      await hub?.stop();
      removeDir(dir);
    }
  });
});

describe('starting the hub (hub/main.ts)', () => {
  const ROOT = join(import.meta.dirname, '..');
  const env = (dir: string, extra: Record<string, string> = {}) => ({
    ...process.env,
    HUB_DATA_DIR: dir,
    HUB_PORT: '0',
    HUB_HOST: '127.0.0.1',
    HUB_HTTPS_PORT: 'off',
    HUB_PUBLIC_PORT: 'off',
    HUB_MDNS: 'off',
    HUB_PRINTERS: 'none',
    HUB_SEED: 'none',
    HUB_DISK_RESERVE_MB: '0',
    HUB_BACKUP_DIR: 'off',
    LOG_LEVEL: 'info',
    ...extra,
  });
  const startHub = (dir: string, extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'hub/main.ts')], { cwd: ROOT, env: env(dir, extra), stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { child, out, exited };
  };
  const until = async (what: string, pred: () => boolean, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('prints an IPv6 listening address as a URL a browser takes (in brackets)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brigade-ipv6-hub-'));
    const hub = startHub(dir, { HUB_HOST: '::1' });
    try {
      await until('the banner', () => hub.out.stdout.includes('Waiter tablet'));
      const waiter = hub.out.stdout.split('\n').find((l) => l.includes('Waiter tablet'));
      expect(waiter).toMatch(/http:\/\/\[::1\]:\d+\/pos\//);
    } finally {
      hub.child.kill('SIGTERM');
      expect(await hub.exited).toBe(0);
      removeDir(dir);
    }
  }, 60_000);

  it('refuses in one line naming the running hub, and leaves it and its pid file alone (two hubs would both write the store and print every ticket)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brigade-second-hub-'));
    const first = startHub(dir);
    try {
      await until('the first hub', () => first.out.stdout.includes('"msg":"listening"'));
      const second = startHub(dir);
      let secondCode: number | null | undefined;
      void second.exited.then((c) => (secondCode = c));
      try {
        // the current code let it start on another port (HUB_PORT=0): it listened beside the first
        await until('the second hub to stop or listen', () => secondCode !== undefined || second.out.stdout.includes('"msg":"listening"'));
        expect(second.out.stdout).not.toContain('"msg":"listening"');
        expect(await second.exited).toBe(1);
        expect(second.out.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`another hub \\(pid ${first.child.pid}\\) is running on`))]);
      } finally {
        if (second.child.exitCode === null) second.child.kill('SIGKILL');
      }
      expect(readFileSync(join(dir, PID_FILE), 'utf8').trim()).toBe(String(first.child.pid));
      expect(first.child.exitCode).toBeNull();
    } finally {
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      removeDir(dir);
    }
  }, 90_000);
});
