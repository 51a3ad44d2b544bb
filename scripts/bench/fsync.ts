/**
 * fsync latency of the disk the data lives on: what one durable commit costs at the bottom. Real mini PCs
 * fsync more slowly than a cloud VM, so the bench reports it next to every figure.
 */
import { closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface FsyncResult {
  fsyncP50Ms: number;
  fsyncP99Ms: number;
  fdatasyncP50Ms: number;
  fdatasyncP99Ms: number;
  samples: number;
}

/** Nearest rank: the smallest value with at least p % of the samples at or below it (0 for none). */
export const percentile = (xs: number[], p: number): number => {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  // rank ⌈p/100 × n⌉ is 1-based; ⌊p/100 × n⌋ as an index was the next one up (p99 of 100 was the maximum)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

/** Appends 4 KiB (a WAL frame, roughly) and syncs, for `seconds` per call kind; bounded to 20,000 samples each. */
export function fsyncLatency(o: { dir: string; seconds: number }): FsyncResult {
  const dir = mkdtempSync(join(o.dir, 'brigade-fsync-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const page = Buffer.alloc(4096, 7);
  const run = (sync: (fd: number) => void): number[] => {
    const times: number[] = [];
    const end = performance.now() + o.seconds * 1000;
    let offset = 0;
    while (performance.now() < end && times.length < 20_000) {
      writeSync(fd, page, 0, page.length, offset);
      offset = (offset + page.length) % (4 << 20); // a 4 MiB ring, like a WAL that checkpoints
      const t = performance.now();
      sync(fd);
      times.push(performance.now() - t);
    }
    return times;
  };
  try {
    const fs = run(fsyncSync);
    const fds = run(fdatasyncSync);
    const r2 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      fsyncP50Ms: r2(percentile(fs, 50)),
      fsyncP99Ms: r2(percentile(fs, 99)),
      fdatasyncP50Ms: r2(percentile(fds, 50)),
      fdatasyncP99Ms: r2(percentile(fds, 99)),
      samples: fs.length,
    };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
