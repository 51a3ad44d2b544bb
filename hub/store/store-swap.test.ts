/**
 * `npm run restore` puts a backup in the store's place in several steps (the store's files moved aside, the
 * backup moved in). A power cut or a kill can stop it after any of them, and systemd starts the hub again at
 * once: whatever step it stopped after, the hub must start on a whole store — the one it had, or the backup —
 * and never on a new empty one (a new store id, every device told the store changed, the demo menu seeded).
 *
 * A crash is a step that never happens, nor anything after it: every call into node:fs that changes the disk
 * counts as a step, and the one the test picks throws instead.
 */
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDb, readIdentity, type Db } from './db.ts';
import { finishedSwapText, finishSwap, incomingOf, swapIn, swapPending } from './store-swap.ts';

const crash = vi.hoisted(() => ({ at: Infinity, steps: 0 }));
class Crash extends Error {}

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const step =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      if (++crash.steps === crash.at) throw new Crash(`crashed before step ${crash.steps}`);
      return fn(...args);
    };
  const changes = ['renameSync', 'rmSync', 'unlinkSync', 'mkdirSync', 'writeFileSync', 'copyFileSync', 'linkSync'] as const;
  const mocked: Record<string, unknown> = { ...fs };
  for (const name of changes) mocked[name] = step(fs[name] as (...args: unknown[]) => unknown);
  return { ...mocked, default: mocked };
});

/** Runs `fn`, crashing before its `at`-th step (Infinity: not at all). Returns whether it crashed. */
function crashingAt(at: number, fn: () => void): boolean {
  crash.at = at;
  crash.steps = 0;
  try {
    fn();
    return false;
  } catch (err) {
    if (err instanceof Crash) return true;
    throw err;
  } finally {
    crash.at = Infinity;
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'brigade-swap-'));
  dirs.push(d);
  return d;
};

const addEvents = (db: Db, n: number) => {
  const append = db.prepare("INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES ('menu.changed', 1, NULL, NULL, 'menu', '{}')");
  for (let i = 0; i < n; i++) append.run();
};
const summary = (db: Database.Database) => ({
  storeId: readIdentity(db).storeId,
  head: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck().get() as number,
});

/** The store a hub left when it was stopped outright: its last 20 events in the WAL only; and a backup of 5. */
function fixtures() {
  const dir = tempDir();
  const live = openDb(join(dir, 'live.db'));
  live.pragma('wal_checkpoint(TRUNCATE)');
  live.pragma('wal_autocheckpoint = 0');
  addEvents(live, 20);
  const old = summary(live);
  for (const suffix of ['', '-wal']) copyFileSync(join(dir, `live.db${suffix}`), join(dir, `old.db${suffix}`));
  live.close();
  const b = openDb(join(dir, 'backup.db'));
  addEvents(b, 5);
  const backup = summary(b);
  b.close();
  return { dir, old, backup };
}

describe('a restore cut short between its steps', () => {
  it('leaves a store the hub starts on whole — the old one or the backup, never a new empty one — and the old one whole aside', () => {
    const f = fixtures();
    expect(f.old.storeId).not.toBe(f.backup.storeId);
    const outcomes = new Set<string>();
    const restoreOf = () => {
      const dir = tempDir();
      const store = join(dir, 'brigade.db');
      for (const suffix of ['', '-wal']) copyFileSync(join(f.dir, `old.db${suffix}`), store + suffix);
      copyFileSync(join(f.dir, 'backup.db'), incomingOf(store));
      return { dir, store, aside: 'replaced-1' };
    };
    const whole = restoreOf();
    crashingAt(Infinity, () => swapIn(whole.store, whole.aside));
    const steps = crash.steps;
    expect(steps).toBeGreaterThan(1);
    // k = steps + 1: the restore ran whole
    for (let k = 1; k <= steps + 1; k++) {
      // systemd starts the hub again, and that start may be cut short too (before its step j), and the next not
      for (let j = 1, startCut = true; startCut; j++) {
        const { dir, store, aside } = restoreOf();
        crashingAt(k, () => swapIn(store, aside));
        startCut = crashingAt(j, () => openDb(store).close());
        const db = openDb(store);
        const now = summary(db);
        db.close();
        const which = now.storeId === f.old.storeId ? 'old' : now.storeId === f.backup.storeId ? 'backup' : 'a new store';
        outcomes.add(which);
        const when = `crashed before step ${k} of the restore, then before step ${j} of the start`;
        expect(which, when).not.toBe('a new store');
        expect(now, when).toEqual(which === 'old' ? f.old : f.backup);
        if (which === 'backup') {
          // the store it replaced is aside, with its WAL: every event it had
          const replaced = new Database(join(dir, aside, 'brigade.db'));
          expect(summary(replaced), when).toEqual(f.old);
          replaced.close();
        }
        // nothing of a restore that happened is left to confuse a later one (the copy of one that did not is
        // left for `npm run restore` to remove at its next run, as a copy cut short is)
        const left = readdirSync(dir).filter((n) => n !== 'replaced-1' && !n.startsWith('brigade.db-'));
        expect(left, when).toEqual(which === 'old' ? expect.arrayContaining(['brigade.db']) : ['brigade.db']);
        expect(left.filter((n) => n !== 'brigade.db' && !n.startsWith('brigade.db.restoring')), when).toEqual([]);
      }
    }
    // every step was cut in turn, and the restore, once it got far enough, is finished by the hub's start
    expect(outcomes).toEqual(new Set(['old', 'backup']));
    expect(finishSwap(join(tempDir(), 'brigade.db'))).toBeNull();
  });
});

describe('a restore cut short, as the tools that read the store see it', () => {
  it('is pending from its note until finished, and says where the store it replaced went', () => {
    const f = fixtures();
    const dir = tempDir();
    const store = join(dir, 'brigade.db');
    copyFileSync(join(f.dir, 'old.db'), store);
    copyFileSync(join(f.dir, 'backup.db'), incomingOf(store));
    expect(swapPending(store)).toBe(false);
    // cut once the note is there, before the store is moved aside
    expect(crashingAt(3, () => swapIn(store, 'replaced-1'))).toBe(true);
    expect(swapPending(store)).toBe(true);
    const done = finishSwap(store)!;
    expect(done.aside).toBe(join(dir, 'replaced-1'));
    expect(swapPending(store)).toBe(false);
    expect(finishedSwapText(done)).toContain(join(dir, 'replaced-1'));
  });
});
