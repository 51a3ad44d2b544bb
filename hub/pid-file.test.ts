import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDataDir, LOCK_FILE, PID_FILE, runningHub } from './pid-file.ts';
import { removeDir } from './test/harness.ts';

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-pid-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

describe('which hub runs on a data directory', () => {
  it('is none after a power cut, though the pid left in hub.pid is some other program\'s after the reboot (restore refused to run)', () => {
    const dir = dataDir();
    writeFileSync(join(dir, LOCK_FILE), ''); // left by the hub that ran, and nobody holds it
    writeFileSync(join(dir, PID_FILE), `${process.pid}\n`); // alive, and no hub
    expect(runningHub(dir)).toBeNull();
  });

  it('is the process that holds the lock, refused to a second claim; once that process is killed outright, none', async () => {
    const dir = dataDir();
    // another process holds it (a lock is per process: this one's own claim would not be refused by itself)
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', '-e', `import('${join(import.meta.dirname, 'pid-file.ts')}').then((m) => { const c = m.claimDataDir(${JSON.stringify(dir)}); m.writePidFile(${JSON.stringify(dir)}); console.log(c.ok); setInterval(() => {}, 1000); })`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      expect(runningHub(dir)).toBe(holder.pid);
      expect(claimDataDir(dir)).toMatchObject({ ok: false, heldBy: holder.pid });
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('close', r));
    }
    // killed outright: the kernel dropped its lock, and its pid file no longer counts
    expect(runningHub(dir)).toBeNull();
    const claim = claimDataDir(dir);
    expect(claim.ok).toBe(true);
    if (claim.ok) claim.release();
  });

  it('is none with no hub.pid', () => {
    expect(runningHub(dataDir())).toBeNull();
  });
});
