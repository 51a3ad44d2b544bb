/**
 * Putting a prepared copy (the backup `npm run restore` checked) in the store's place, so that a cut at any
 * point — a power cut, a kill, and systemd starting the hub again at once — leaves the hub a whole store to
 * start on: the one it had, or the backup.
 *
 * The swap is several renames: the store's file, its WAL and its shared memory moved aside, the copy moved in.
 * Between them there was no store at all, and a hub started then created a new empty one: a new store id,
 * every device told the store changed (and `HUB_SEED=demo` loaded the demo menu into it). Nor can the copy be
 * renamed over the store while the store's WAL is still beside it: SQLite would read that WAL into the copy.
 *
 * So the swap is announced first, in a note beside the store naming where its files go, made durable before
 * anything moves. Until the note is there nothing has changed; once it is, the swap is finished — by the
 * restore, or, if that was cut short, by the next start of the hub (`openDb`) before it opens anything.
 * Every step can be taken again after a cut, and the note goes last.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Where the copy to put in place is prepared; until the note exists, a leftover one is only a copy cut short. */
export const incomingOf = (store: string): string => `${store}.restoring`;

const noteOf = (store: string): string => `${store}.restoring.json`;

/** The store and the files SQLite keeps beside it: they move together, or its last commits stay behind. */
const STORE_FILES = ['', '-wal', '-shm'] as const;

interface SwapNote {
  /** The directory, beside the store, the store's files are moved to (a name, not a path: cwd may differ). */
  aside: string;
}

/**
 * Puts `incomingOf(store)` (complete and synced) in the store's place; the store's files, if any, go to the
 * directory `aside` beside it. Returns that directory if anything was moved there.
 */
export function swapIn(store: string, aside: string): { aside: string | null } {
  if (aside.includes('/') || aside.startsWith('.')) throw new Error(`the store's files are put aside in a directory beside it, not ${aside}`);
  if (!existsSync(incomingOf(store))) throw new Error(`nothing to put in place: ${incomingOf(store)} is missing`);
  const note = noteOf(store);
  // written aside and renamed: a cut leaves no note, or a whole one
  writeFileSync(`${note}.tmp`, `${JSON.stringify({ aside } satisfies SwapNote)}\n`);
  fsyncPath(`${note}.tmp`);
  renameSync(`${note}.tmp`, note);
  fsyncPath(dirname(store));
  return finishSwap(store) ?? { aside: null };
}

/**
 * Finishes a swap that was announced (a restore cut short): called before the store is opened. Returns null
 * when none was; otherwise the directory the store's files were moved to, if any.
 */
export function finishSwap(store: string): { aside: string | null } | null {
  const note = readNote(store);
  if (note === null) return null;
  const dir = dirname(store);
  const aside = join(dir, note.aside);
  const incoming = incomingOf(store);
  if (existsSync(incoming)) {
    const moving = STORE_FILES.filter((suffix) => existsSync(store + suffix));
    if (moving.length > 0) {
      mkdirSync(aside, { recursive: true, mode: 0o700 });
      for (const suffix of moving) renameSync(store + suffix, join(aside, basename(store) + suffix));
      fsyncPath(aside);
    }
    // the store's files are gone from here, on disk too, before the copy takes their name
    fsyncPath(dir);
    renameSync(incoming, store);
    fsyncPath(dir);
  } else if (!existsSync(store)) {
    // not a cut (the copy is moved in in one rename): someone removed it. A new empty store is never the answer
    throw new Error(`a restore was cut short and its copy ${incoming} is gone, with no store in its place: put a backup in place with npm run restore (the store it replaced is in ${aside})`);
  }
  rmSync(noteOf(store), { force: true });
  fsyncPath(dir);
  return { aside: existsSync(aside) ? aside : null };
}

/** Whether a swap was announced and not finished (a restore cut short): `finishSwap` finishes it. */
export function swapPending(store: string): boolean {
  return existsSync(noteOf(store));
}

/** A finished swap (what `finishSwap` returned), in words for the hub's log and the tools that finish one. */
export function finishedSwapText(done: { aside: string | null }): string {
  const replaced = done.aside ? `the store it replaced is in ${done.aside}` : 'there was no store before it';
  return `a restore that was cut short was finished: the backup it was putting in place is the store now (${replaced})`;
}

function readNote(store: string): SwapNote | null {
  let text: string;
  try {
    text = readFileSync(noteOf(store), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const note = JSON.parse(text) as Partial<SwapNote>;
  if (typeof note.aside !== 'string' || note.aside === '' || note.aside.includes('/') || note.aside.startsWith('.')) {
    throw new Error(`${noteOf(store)} does not say where the store's files go: finish the restore by hand`);
  }
  return { aside: note.aside };
}

/** Syncs a file or a directory (after a rename into it) to the disk. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
