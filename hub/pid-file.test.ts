import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDataDir, claimForTool, holderText, LOCK_FILE, PID_FILE, runningHub, TOOL_FILE } from './pid-file.ts';
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

/** Another process (a lock is per process) running `code` with the module as `m`; resolves once it printed. */
async function otherProcess(code: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `import('${join(import.meta.dirname, 'pid-file.ts')}').then((m) => { ${code}; console.log('ready'); setInterval(() => {}, 1000); })`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return {
    pid: child.pid!,
    kill: async () => {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
    },
  };
}

describe('a tool holding the data directory (restore, seed, salvage, backup finishing a swap)', () => {
  it('refuses the hub and other tools, naming itself; a hub started after it was killed outright no longer names it', async () => {
    const dir = dataDir();
    const restore = await otherProcess(`m.claimForTool(${JSON.stringify(dir)}, 'restore')`);
    try {
      const refused = claimDataDir(dir);
      expect(refused).toMatchObject({ ok: false, heldBy: restore.pid, tool: 'restore' });
      if (!refused.ok) expect(holderText(refused)).toBe(`a restore (npm run restore, pid ${restore.pid})`);
      const salvage = claimForTool(dir, 'salvage');
      expect(salvage).toMatchObject({ ok: false, why: `a restore (npm run restore, pid ${restore.pid}) is in progress on ${dir}: run this again once it is done` });
    } finally {
      await restore.kill();
    }
    expect(existsSync(join(dir, TOOL_FILE))).toBe(true); // killed outright: it removed nothing
    const hub = await otherProcess(`m.claimDataDir(${JSON.stringify(dir)}); m.writePidFile(${JSON.stringify(dir)})`);
    try {
      expect(claimForTool(dir, 'restore')).toMatchObject({ ok: false, heldBy: hub.pid, tool: null, why: `the hub (pid ${hub.pid}) is running on ${dir}: stop it first` });
    } finally {
      await hub.kill();
    }
  }, 30_000);

  it('lets go at release, and leaves no tool.pid naming it', () => {
    const dir = dataDir();
    const claim = claimForTool(dir, 'seed');
    expect(claim).toMatchObject({ ok: true });
    expect(existsSync(join(dir, TOOL_FILE))).toBe(true);
    if (claim.ok) claim.release();
    expect(existsSync(join(dir, TOOL_FILE))).toBe(false);
    const again = claimDataDir(dir);
    expect(again.ok).toBe(true);
    if (again.ok) again.release();
  });

  it('is refused by a hub of a version before the lock, which has only hub.pid', async () => {
    const dir = dataDir();
    const oldHub = await otherProcess(`require('node:fs').writeFileSync(${JSON.stringify(join(dir, PID_FILE))}, process.pid + '\\n')`);
    try {
      expect(claimForTool(dir, 'restore')).toMatchObject({ ok: false, heldBy: oldHub.pid, tool: null });
    } finally {
      await oldHub.kill();
    }
    // gone (after a reboot, say): the pid it left is no hub
    const claim = claimForTool(dir, 'restore');
    expect(claim.ok).toBe(true);
    if (claim.ok) claim.release();
  }, 30_000);
});
