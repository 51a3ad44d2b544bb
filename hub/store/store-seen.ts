/**
 * `store-seen.json` beside the store: how far this store's log had gone the last time its hub looked, with
 * the store's id and epoch. Devices resume the stream from the seq they last applied; a store file put back
 * from an older copy hands those seqs out again for other events, and a device that resumed would miss them.
 * `npm run restore` marks what it installs so the hub renews the epoch (every device reloads); a copy put
 * back by hand carries no mark, but its log ends before the seq noted here, and that is enough to tell.
 *
 * Only seqs already committed are noted (WAL, synchronous=FULL), so a store that was not replaced is never
 * behind its note, not even after a power cut. The note is best effort: without it (first start, a full
 * disk, the whole data directory copied back with its old note) nothing is detected, as before.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markStore } from './backups.ts';
import { readIdentity, type Db, type StoreIdentity } from './db.ts';

export const SEEN_FILE = 'store-seen.json';

export interface SeenLog {
  storeId: string;
  epoch: string;
  seq: number;
  at: number;
}

export function readSeen(dir: string): SeenLog | null {
  try {
    const v = JSON.parse(readFileSync(join(dir, SEEN_FILE), 'utf8')) as Partial<SeenLog>;
    if (typeof v.storeId !== 'string' || typeof v.epoch !== 'string' || !Number.isSafeInteger(v.seq) || !Number.isSafeInteger(v.at)) return null;
    return v as SeenLog;
  } catch {
    // none yet, or cut short: nothing to compare with
    return null;
  }
}

/**
 * The store went back in time: it is this store (same id) but its log ends before a seq its hub already
 * handed out, or its epoch is not the one the devices last heard (an older copy, from before a renewal).
 * Unless the store was adopted as a restored backup after the note was written (`restoredAt`): then the
 * note is the stale one (a hub that renewed the epoch and could not write the note, on a full disk), and
 * the store must not be taken for a backup again (its tickets would be failed a second time).
 */
export function wentBack(seen: SeenLog | null, store: Pick<StoreIdentity, 'storeId' | 'epoch'> & { head: number; restoredAt: number | null }): boolean {
  if (seen === null || seen.storeId !== store.storeId) return false;
  if (store.restoredAt !== null && store.restoredAt >= seen.at) return false;
  return seen.epoch !== store.epoch || store.head < seen.seq;
}

/**
 * Called before `adoptRestoredBackup`: a store that went back in time is marked as the backup it is (taken
 * when its newest event was), so the hub adopts it like one that `npm run restore` installed: new epoch,
 * its unprinted tickets not printed again. Returns the note it was behind when it marked it, or null.
 */
export function markIfWentBack(db: Db, dir: string): SeenLog | null {
  const seen = readSeen(dir);
  const last = db.prepare('SELECT seq, at FROM events ORDER BY seq DESC LIMIT 1').get() as { seq: number; at: number } | undefined;
  const restoredAt = db.prepare("SELECT value FROM meta WHERE key = 'restored_at'").pluck().get() as string | undefined;
  if (!wentBack(seen, { ...readIdentity(db), head: last?.seq ?? 0, restoredAt: restoredAt === undefined ? null : Number(restoredAt) })) return null;
  // a backup `npm run restore` installed is marked already, and adopted as such
  return markStore(db, last?.at ?? Date.now()) ? seen : null;
}

/** Notes the log's head when it moved, on a timer and on demand (start, stop). Never throws. */
export class SeenNote {
  #noted = -1;
  #timer: ReturnType<typeof setInterval> | undefined;
  #failed = false;

  constructor(
    private readonly o: {
      dir: string;
      identity: Pick<StoreIdentity, 'storeId' | 'epoch'>;
      head: () => number;
      clock: () => number;
      everyMs: number;
      onFailure: (err: unknown) => void;
    },
  ) {}

  start(): void {
    this.note();
    this.#timer = setInterval(() => this.note(), this.o.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.note();
  }

  note(): void {
    try {
      // the head is a read of the store, which can fail too (a failing disk, a damaged page): thrown from the
      // timer, that ended the hub (an uncaught exception)
      const seq = this.o.head();
      if (seq === this.#noted) return;
      const file = join(this.o.dir, SEEN_FILE);
      const body: SeenLog = { storeId: this.o.identity.storeId, epoch: this.o.identity.epoch, seq, at: this.o.clock() };
      // written aside and renamed: a cut leaves the old note or the new one, never half of one
      writeFileSync(`${file}.tmp`, `${JSON.stringify(body)}\n`);
      renameSync(`${file}.tmp`, file);
      this.#noted = seq;
      this.#failed = false;
    } catch (err) {
      // a full disk, a read refused: said once, tried again at the next turn
      if (!this.#failed) this.o.onFailure(err);
      this.#failed = true;
    }
  }
}
