/**
 * The disk under the store. A mini PC's disk fills up (a small eMMC, logs, a store that is never pruned) and
 * it does so at the peak, when the most is written. SQLite then refuses the write (SQLITE_FULL): no order is
 * lost — the device keeps it and resends it with its key — but none can be taken either.
 *
 * So the hub holds a reserve: a file of `reserveBytes` in the data directory, made while there is room.
 * The first write that fails for want of space gives it back to the file system, and the retry (the
 * device's, seconds later) finds room: the service goes on for thousands of orders while the state says
 * `critical` in `/api/v1/health`, `/metrics` and the log. Before that, `low` warns while there is time.
 * Once there is room again, the reserve is made anew.
 *
 * States: `ok`; `low` (free space under `lowBytes`); `critical` (the reserve is given back or could not be
 * made: what is left is all there is); `full` (writes are failing now: a write failed for space, and neither
 * has one been committed since nor has the reserve been made again).
 */
import { constants } from 'node:fs';
import { open, rename, stat, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageStatus } from '../protocol/health.ts';

type StorageState = StorageStatus['state'];

/** What the guard needs from the file system: the real one, or a test's. */
export interface StorageFs {
  freeBytes(dir: string): Promise<number>;
  /** Size of a file, 0 when it does not exist. */
  size(file: string): Promise<number>;
  /** Writes `bytes` zero bytes to a new file and syncs it; a failure removes what was written. */
  fill(file: string, bytes: number): Promise<void>;
  remove(file: string): Promise<void>;
}

export const RESERVE_FILE = 'disk-reserve';
/** Without a reserve, the least free space taken for room again after a write failed for want of it (the default reserve). */
const ROOM_WITHOUT_RESERVE = 64 << 20;
const CHUNK = 1 << 20;

export const nodeStorageFs: StorageFs = {
  async freeBytes(dir) {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  },
  async size(file) {
    try {
      return (await stat(file)).size;
    } catch {
      return 0;
    }
  },
  async fill(file, bytes) {
    // real zeros, written and synced: a sparse file or fallocate on some file systems would hold no space.
    // Written aside and renamed, so a power cut mid-write leaves no short reserve under the real name.
    const aside = `${file}.part`;
    const handle = await open(aside, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
    try {
      const zeros = Buffer.alloc(CHUNK);
      for (let written = 0; written < bytes; written += CHUNK) await handle.write(zeros, 0, Math.min(CHUNK, bytes - written));
      await handle.sync();
    } catch (err) {
      await handle.close();
      await unlink(aside).catch(() => undefined);
      throw err;
    }
    await handle.close();
    await rename(aside, file);
  },
  async remove(file) {
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  },
};

export interface StorageGuardOptions {
  dir: string;
  /** The files whose size is `storeBytes`. */
  storeFiles: string[];
  reserveBytes: number;
  lowBytes: number;
  /** How often free space is looked at. */
  checkMs: number;
  clock: () => number;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void };
  fs?: StorageFs;
}

export class StorageGuard {
  private readonly fs: StorageFs;
  private readonly reserveFile: string;
  private free = Number.POSITIVE_INFINITY;
  private storeBytes = 0;
  private reserveHeld = 0;
  /** A write failed for space and nothing has been committed since. */
  private failing = false;
  /** Writes refused for want of space so far (a look that made the reserve meanwhile does not end `full`). */
  private writeFailures = 0;
  private state: StorageState = 'ok';
  private since: number | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private checking: Promise<void> | undefined;
  /** The reserve being given back: until it is gone, a look must not count the file as held. */
  private releasing: Promise<void> | undefined;
  /** Reserves given back so far: a look that began before one and ends after it must not count the file. */
  private releases = 0;
  private stopped = false;

  constructor(private readonly o: StorageGuardOptions) {
    this.fs = o.fs ?? nodeStorageFs;
    this.reserveFile = join(o.dir, RESERVE_FILE);
  }

  /** Looks once (making the reserve if there is room for it), then every `checkMs`. */
  async start(): Promise<void> {
    await this.check();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.check(), this.o.checkMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  status(): StorageStatus {
    return { state: this.state, freeBytes: Number.isFinite(this.free) ? this.free : 0, storeBytes: this.storeBytes, reserveBytes: this.reserveHeld, since: this.since };
  }

  /** A write failed for want of space: give the reserve back, so that the retry finds room. */
  writeFailed(): void {
    this.writeFailures += 1;
    if (!this.failing) this.o.log.error({ reserveBytes: this.reserveHeld }, "disk full: a write failed; devices keep their orders and resend them");
    this.failing = true;
    this.update();
    if (this.o.reserveBytes === 0 || this.releasing) return;
    // whatever is there goes, held or not: a reserve cut short by a power cut while it was written, or made
    // under a smaller HUB_DISK_RESERVE_MB, is space too
    const released = this.reserveHeld;
    this.reserveHeld = 0;
    this.releases += 1;
    this.releasing = Promise.all([this.fs.remove(this.reserveFile), this.fs.remove(`${this.reserveFile}.part`)]).then(
      () => {
        this.releasing = undefined;
        this.o.log.error({ releasedBytes: released }, 'disk full: the hub gave back its reserve; free space on the hub now');
        void this.check();
      },
      (err: unknown) => {
        this.releasing = undefined;
        this.o.log.error({ err }, 'disk full: the reserve could not be given back');
      },
    );
  }

  /** A batch committed: writes go through again. Called after every commit, so it costs one test. */
  committed(): void {
    if (!this.failing) return;
    this.failing = false;
    this.update();
  }

  /** Free space, the store's size, and the reserve made again once there is room for it. */
  check(): Promise<void> {
    this.checking ??= this.look().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async look(): Promise<void> {
    const releasesBefore = this.releases;
    const failuresBeforeLook = this.writeFailures;
    try {
      if (this.reserveHeld === 0 && this.o.reserveBytes > 0 && !this.releasing) {
        const existing = await this.fs.size(this.reserveFile);
        if (existing >= this.o.reserveBytes) this.reserveHeld = existing;
        else if ((await this.fs.freeBytes(this.o.dir)) + existing >= 2 * this.o.reserveBytes) {
          // room for the reserve and as much again besides: taking it cannot cause what it guards against, and
          // just after it was given back (free space ≈ the reserve) it is not taken again until someone makes room
          const failuresBefore = this.writeFailures;
          await this.fs.fill(this.reserveFile, this.o.reserveBytes);
          this.reserveHeld = this.o.reserveBytes;
          // room for the reserve twice over is room for the store's writes: `full` ends here, not at the next
          // write that happens to come (a manager who cleared space saw the page say full until a waiter
          // ordered), unless a write failed while the reserve was written; one failing later says so again
          if (this.writeFailures === failuresBefore) this.failing = false;
          this.o.log.info({ reserveBytes: this.reserveHeld }, 'disk: reserve in place');
        } else if (existing > 0) {
          // a smaller one (an older, lower HUB_DISK_RESERVE_MB) and no room to grow it: it is what there is
          this.reserveHeld = existing;
        }
        // given back while this looked: the file just measured is gone, or going
        if (this.releases !== releasesBefore) this.reserveHeld = 0;
      }
    } catch (err) {
      this.o.log.warn({ err }, 'disk: the reserve could not be made');
    }
    try {
      this.free = await this.fs.freeBytes(this.o.dir);
      let store = 0;
      for (const f of this.o.storeFiles) store += await this.fs.size(f);
      this.storeBytes = store;
      // without a reserve, nothing above ends `full` but a write going through: the page said full for as long
      // as nobody ordered after the manager cleared space. Free space over the low mark (and a reserve's worth
      // at least) is room for the store's writes, unless one failed while this looked
      if (this.o.reserveBytes === 0 && this.failing && this.writeFailures === failuresBeforeLook && this.free >= Math.max(this.o.lowBytes, ROOM_WITHOUT_RESERVE)) {
        this.failing = false;
      }
    } catch (err) {
      this.o.log.warn({ err }, 'disk: free space could not be read');
    }
    this.update();
  }

  private update(): void {
    const next: StorageState = this.failing
      ? 'full'
      : this.o.reserveBytes > 0 && this.reserveHeld === 0
        ? 'critical'
        : this.free < this.o.lowBytes
          ? 'low'
          : 'ok';
    if (next === this.state) return;
    const was = this.state;
    this.state = next;
    this.since = next === 'ok' ? null : (this.since ?? this.o.clock());
    const detail = { state: next, was, freeBytes: this.status().freeBytes, reserveBytes: this.reserveHeld };
    if (next === 'ok') this.o.log.info(detail, 'disk: enough free space again');
    else if (next === 'low') this.o.log.warn(detail, 'disk: free space is low; the store needs room to grow');
    else if (next === 'critical') this.o.log.error(detail, 'disk: no reserve left; free space on the hub before it fills');
  }
}
