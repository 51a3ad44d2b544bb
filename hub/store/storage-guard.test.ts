import { describe, expect, it } from 'vitest';
import { RESERVE_FILE, StorageGuard, type StorageFs } from './storage-guard.ts';

const MB = 1 << 20;

/** A file system of `free` bytes where files take exactly their size. */
function fakeFs(free: number, files: Record<string, number> = {}) {
  const sizes = new Map(Object.entries(files));
  const fills: string[] = [];
  const fs: StorageFs & { free: number } = {
    free,
    freeBytes: async () => fs.free,
    size: async (f) => sizes.get(f) ?? 0,
    fill: async (f, bytes) => {
      const had = sizes.get(f) ?? 0;
      if (bytes - had > fs.free) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      fs.free -= bytes - had;
      sizes.set(f, bytes);
      fills.push(f);
    },
    remove: async (f) => {
      fs.free += sizes.get(f) ?? 0;
      sizes.delete(f);
    },
  };
  return { fs, sizes, fills };
}

function guard(fs: StorageFs, o: { reserveBytes?: number; lowBytes?: number } = {}) {
  const logged: { level: string; msg: string }[] = [];
  const log = {
    info: (_: object, msg: string) => logged.push({ level: 'info', msg }),
    warn: (_: object, msg: string) => logged.push({ level: 'warn', msg }),
    error: (_: object, msg: string) => logged.push({ level: 'error', msg }),
  };
  let now = 1_000;
  const g = new StorageGuard({
    dir: '/data',
    storeFiles: ['/data/brigade.db', '/data/brigade.db-wal'],
    reserveBytes: o.reserveBytes ?? 64 * MB,
    lowBytes: o.lowBytes ?? 1024 * MB,
    checkMs: 60_000,
    clock: () => (now += 1000),
    log,
    fs,
  });
  return { g, logged, errors: () => logged.filter((l) => l.level === 'error').length };
}

/** Lets the reserve's removal (a promise) and the look that follows it finish. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('StorageGuard', () => {
  it('makes the reserve while there is room, and reports free space and the store\'s size without it', async () => {
    const { fs, sizes } = fakeFs(4096 * MB, { '/data/brigade.db': 30 * MB, '/data/brigade.db-wal': 4 * MB });
    const { g } = guard(fs);
    await g.check();
    expect(sizes.get(`/data/${RESERVE_FILE}`)).toBe(64 * MB);
    expect(g.status()).toEqual({ state: 'ok', freeBytes: 4032 * MB, storeBytes: 34 * MB, reserveBytes: 64 * MB, since: null });
  });

  it('warns once free space falls under the low mark, and clears when it is back', async () => {
    const { fs } = fakeFs(4096 * MB);
    const { g, logged } = guard(fs);
    await g.check();
    fs.free = 900 * MB;
    await g.check();
    expect(g.status()).toMatchObject({ state: 'low', freeBytes: 900 * MB });
    expect(g.status().since).not.toBeNull();
    await g.check();
    expect(logged.filter((l) => l.level === 'warn')).toHaveLength(1);
    fs.free = 2048 * MB;
    await g.check();
    expect(g.status()).toMatchObject({ state: 'ok', since: null });
  });

  it('gives the reserve back on the first failed write, is full until a commit goes through, then critical', async () => {
    const { fs, sizes } = fakeFs(200 * MB);
    const { g, errors } = guard(fs);
    await g.check();
    fs.free = 0; // the store grew into every byte left
    g.writeFailed();
    g.writeFailed(); // every job of the batch, and the next batch, fail the same way: said once
    expect(g.status().state).toBe('full');
    await settle();
    await g.check();
    expect(sizes.has(`/data/${RESERVE_FILE}`)).toBe(false);
    expect(g.status()).toMatchObject({ state: 'full', freeBytes: 64 * MB, reserveBytes: 0 });
    g.committed();
    expect(g.status().state).toBe('critical');
    expect(errors()).toBe(3); // the failure, the reserve given back, the state critical
  });

  it('does not take the reserve again until there is room for it twice over, then is back to ok', async () => {
    const { fs, fills } = fakeFs(2048 * MB);
    const { g } = guard(fs);
    await g.check();
    fs.free = 0;
    g.writeFailed();
    g.committed();
    await settle();
    await g.check();
    fs.free += 50 * MB; // a little room: still without a reserve
    await g.check();
    expect(g.status()).toMatchObject({ state: 'critical', reserveBytes: 0 });
    fs.free = 3000 * MB; // the manager cleared old backups
    await g.check();
    expect(g.status()).toMatchObject({ state: 'ok', reserveBytes: 64 * MB, freeBytes: 2936 * MB });
    expect(fills).toHaveLength(2);
  });

  it('is no longer full once there is room for the reserve again, before any write goes through', async () => {
    const { fs } = fakeFs(2048 * MB);
    const { g } = guard(fs);
    await g.check();
    fs.free = 0;
    g.writeFailed(); // the reserve is given back; and every write after it fails (a restart on the full disk)
    await settle();
    await g.check();
    expect(g.status()).toMatchObject({ state: 'full', reserveBytes: 0 });
    fs.free = 3000 * MB; // the manager cleared old backups
    await g.check();
    expect(g.status()).toMatchObject({ state: 'ok', reserveBytes: 64 * MB });
  });

  it('keeps the reserve an earlier run made, without writing it again', async () => {
    const { fs, fills } = fakeFs(4096 * MB, { [`/data/${RESERVE_FILE}`]: 64 * MB });
    const { g } = guard(fs);
    await g.check();
    expect(fills).toEqual([]);
    expect(g.status()).toMatchObject({ state: 'ok', reserveBytes: 64 * MB });
  });

  it('is critical from the start on a disk without room for a reserve', async () => {
    const { fs, sizes } = fakeFs(100 * MB);
    const { g } = guard(fs);
    await g.check();
    expect(sizes.has(`/data/${RESERVE_FILE}`)).toBe(false);
    expect(g.status()).toMatchObject({ state: 'critical', reserveBytes: 0, freeBytes: 100 * MB });
  });

  it('without a reserve (0) goes from full straight back to what free space says', async () => {
    const { fs, fills } = fakeFs(4096 * MB);
    const { g } = guard(fs, { reserveBytes: 0 });
    await g.check();
    expect(fills).toEqual([]);
    g.writeFailed();
    expect(g.status().state).toBe('full');
    g.committed();
    expect(g.status().state).toBe('ok');
  });

  it('without a reserve (0) is no longer full once free space is back over the low mark, before any write goes through', async () => {
    const { fs } = fakeFs(4096 * MB);
    const { g } = guard(fs, { reserveBytes: 0, lowBytes: 1024 * MB });
    await g.check();
    fs.free = 0;
    g.writeFailed(); // and every write after it fails
    await g.check();
    expect(g.status().state).toBe('full');
    fs.free = 3 * MB; // a few pages freed (a log rotated): not room for a peak's writes
    await g.check();
    expect(g.status().state).toBe('full');
    fs.free = 3000 * MB; // the manager cleared old backups
    await g.check();
    expect(g.status()).toMatchObject({ state: 'ok', since: null });
  });

  it('gives back a reserve file of any size on the first failed write: one cut short, or made smaller before', async () => {
    const { fs, sizes } = fakeFs(20 * MB, { [`/data/${RESERVE_FILE}`]: 40 * MB });
    const { g } = guard(fs);
    await g.check();
    expect(g.status()).toMatchObject({ reserveBytes: 40 * MB });
    fs.free = 0;
    g.writeFailed();
    await settle();
    await g.check();
    expect(sizes.has(`/data/${RESERVE_FILE}`)).toBe(false);
    expect(g.status()).toMatchObject({ state: 'full', freeBytes: 40 * MB, reserveBytes: 0 });
  });

  it('does not count the reserve as held when a look runs while it is being given back', async () => {
    const { fs, sizes } = fakeFs(4096 * MB);
    const pending: (() => void)[] = [];
    const remove = fs.remove;
    fs.remove = (f) => new Promise<void>((r) => pending.push(() => void remove(f).then(r)));
    const removed = () => pending.splice(0).forEach((go) => go());
    const { g } = guard(fs);
    await g.check();
    fs.free = 0;
    g.writeFailed();
    const looking = g.check(); // the periodic look, while the file is still there
    removed();
    await looking;
    await settle();
    await g.check();
    expect(sizes.has(`/data/${RESERVE_FILE}`)).toBe(false);
    expect(g.status()).toMatchObject({ state: 'full', reserveBytes: 0 });
    g.committed();
    expect(g.status().state).toBe('critical');
  });

  it('does not count a smaller reserve it measured just before the disk filled and the file was given back', async () => {
    const { fs, sizes } = fakeFs(20 * MB, { [`/data/${RESERVE_FILE}`]: 16 * MB });
    const { g } = guard(fs);
    // the look measures the 16 MB file, then waits on free space; meanwhile a write fails and the file goes
    const freeBytes = fs.freeBytes;
    let hold: () => void = () => undefined;
    let held = false;
    fs.freeBytes = (dir) => {
      if (held) return freeBytes(dir);
      held = true;
      return new Promise((r) => (hold = () => void freeBytes(dir).then(r)));
    };
    const looking = g.check();
    await settle();
    g.writeFailed();
    await settle();
    expect(sizes.has(`/data/${RESERVE_FILE}`)).toBe(false);
    hold();
    await looking;
    expect(g.status()).toMatchObject({ reserveBytes: 0 });
    g.committed();
    expect(g.status().state).toBe('critical');
  });
});
