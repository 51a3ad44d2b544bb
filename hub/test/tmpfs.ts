/**
 * A tmpfs of a test's own, to fill up the disk under a hub (the pattern of disk-full.int.test.ts). Needs
 * root to mount; `canMountTmpfs()` says so once, at collection time, so a test can `skipIf` on it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MB = 1 << 20;

export function canMountTmpfs(): { ok: boolean; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'mounting a tmpfs needs root' };
  const dir = mkdtempSync(join(tmpdir(), 'brigade-mount-probe-'));
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' });
    if (mounted.status !== 0) return { ok: false, reason: `mount failed: ${mounted.stderr.trim()}` };
    spawnSync('umount', [dir]);
    return { ok: true, reason: '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Tmpfs {
  dir: string;
  free(): number;
  /** Grows a ballast file until `leftBytes` are free. */
  fill(name: string, leftBytes: number): void;
  /** Unmounts (lazily) and removes the mount point. */
  remove(): void;
}

export function mountTmpfs(sizeMb: number, prefix = 'brigade-tmpfs-'): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
  const free = () => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    free,
    fill(name, leftBytes) {
      const fd = openSync(join(dir, name), 'a');
      try {
        const big = Buffer.alloc(MB);
        const small = Buffer.alloc(4096);
        while (free() > leftBytes + MB) writeSync(fd, big);
        // the hub writes too (its checkpoint thread may grow the store between a look and a write): a write
        // refused for space means the disk is at least as full as asked
        try {
          while (free() > leftBytes) writeSync(fd, small);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        }
      } finally {
        closeSync(fd);
      }
    },
    remove() {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
