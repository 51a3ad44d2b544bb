/**
 * The single writer on a real SQLite store: batches bounded in time, refusals by expected wait, and the
 * JSON it shares between an event and the answer of the same job.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canMountTmpfs, mountTmpfs } from '../test/tmpfs.ts';
import { openDb, waitBrieflyForLocks, type Db } from './db.ts';
import type { LoggedEvent } from './event-log.ts';
import { OverloadedError, StorageFullError, StoreBusyError, Writer, type StoreBusyNote, type WriterOptions } from './writer.ts';

const dbs: Db[] = [];
afterEach(() => dbs.splice(0).forEach((db) => db.close()));

function writer(o: Partial<WriterOptions> = {}) {
  const db = openDb(':memory:');
  dbs.push(db);
  const batches: number[] = [];
  const committed: LoggedEvent[] = [];
  const w = new Writer(db, {
    clock: Date.now,
    maxBatch: 64,
    maxQueue: 1000,
    onCommit: (events) => committed.push(...events),
    onFlush: (jobs) => batches.push(jobs),
    ...o,
  });
  return { w, batches, committed };
}

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* a job that takes this long */
  }
};

describe('Writer', () => {
  it('ends a batch once its jobs have run for maxBatchMs, and runs the rest on the next turns', async () => {
    const { w, batches } = writer({ maxBatchMs: 25 });
    await Promise.all(Array.from({ length: 10 }, () => w.submit(() => busy(10))));
    expect(batches.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...batches)).toBeLessThanOrEqual(3);
  });

  it('says after each batch whether it changed any row (a batch of replays only reads, and commits on a full disk too)', async () => {
    const wrote: boolean[] = [];
    const { w } = writer({ onFlush: (_jobs, _ms, changed) => wrote.push(changed) });
    await w.submit((tx) => tx.append({ type: 'order.rush_changed', payload: { order: 'o-1' } as never, topics: ['orders'], deviceId: null, staffId: null }));
    await w.submit(() => 'a stored answer, read');
    expect(wrote).toEqual([true, false]);
  });

  it('still groups quick jobs that arrive in one turn into one transaction', async () => {
    const { w, batches } = writer();
    await Promise.all(Array.from({ length: 20 }, () => w.submit(() => 1)));
    expect(batches).toEqual([20]);
  });

  it('refuses a job that would wait longer than maxWaitMs, counting only the lanes ahead of it', async () => {
    const { w } = writer();
    // teach the writer that a job takes ~10 ms
    await Promise.all(Array.from({ length: 30 }, () => w.submit(() => busy(10))));
    const queued = Array.from({ length: 5 }, () => w.submit(() => 'staff', 'high'));
    const phones = Array.from({ length: 20 }, () => w.submit(() => 'phone', 'low'));
    expect(w.expectedWaitMs('high')).toBeGreaterThan(20);
    expect(w.expectedWaitMs('low')).toBeGreaterThan(w.expectedWaitMs('high'));
    // a staff job has only the 5 staff jobs ahead of it, a phone's all 25
    const budget = w.expectedWaitMs('high') + 1;
    await expect(w.submit(() => 'late phone', 'low', { maxWaitMs: budget })).rejects.toBeInstanceOf(OverloadedError);
    // …but not while fewer than minAhead jobs are ahead: a burst is not an overload
    const burst = w.submit(() => 'phone in a burst', 'low', { maxWaitMs: budget, minAhead: 26 });
    await expect(w.submit(() => 'staff', 'high', { maxWaitMs: budget })).resolves.toBe('staff');
    await expect(burst).resolves.toBe('phone in a burst');
    await expect(Promise.all([...queued, ...phones])).resolves.toHaveLength(25);
  });

  it('serialises an object once for the event and the answer of the same job, as JSON.stringify would', async () => {
    const { w, committed } = writer();
    const order = { id: 'o-1', lines: [{ id: 'l-1', nameZh: '麻婆豆腐', note: null }], total: 2800, skipped: undefined };
    const answer = await w.submit((tx) => {
      tx.append({ type: 'order.rush_changed', payload: { order } as never, topics: ['orders'], deviceId: null, staffId: null });
      return tx.stringify({ order, n: 1, gone: undefined, f: () => 1, at: new Date(0), list: [order] });
    });
    expect(answer).toBe(JSON.stringify({ order, n: 1, gone: undefined, f: () => 1, at: new Date(0), list: [order] }));
    expect(committed[0]!.json).toContain(`"payload":${JSON.stringify({ order })}`);
  });

  it.each([null, 1, 'text', [1, { a: 2 }], {}, { a: undefined }, { toJSON: () => 'custom' }])('stringifies %j exactly as JSON.stringify', async (value) => {
    const { w } = writer();
    await expect(w.submit((tx) => tx.stringify(value))).resolves.toBe(JSON.stringify(value) ?? 'null');
  });

  describe('when another program holds the store\'s write lock', () => {
    // a sqlite3 shell left in a transaction, a tool run against the live store: BEGIN IMMEDIATE fails (after
    // the connection's busy_timeout) before any job is taken
    const dirs: string[] = [];
    const holders: (() => void)[] = [];
    afterEach(() => {
      holders.splice(0).forEach((release) => release());
      dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    });

    function heldStore(o: Partial<WriterOptions> = {}) {
      const dir = mkdtempSync(join(tmpdir(), 'brigade-writer-'));
      dirs.push(dir);
      const db = openDb(join(dir, 'store.db'));
      dbs.push(db);
      // as the hub once it serves
      waitBrieflyForLocks(db);
      const other = new Database(join(dir, 'store.db'));
      other.exec('BEGIN IMMEDIATE');
      const release = () => {
        if (!other.open) return;
        if (other.inTransaction) other.exec('ROLLBACK');
        other.close();
      };
      holders.push(release);
      let rollbacks = 0;
      const notes: StoreBusyNote[] = [];
      const w = new Writer(db, {
        clock: Date.now,
        maxBatch: 2,
        maxQueue: 100,
        onCommit: () => undefined,
        onRollback: () => rollbacks++,
        onStoreBusy: (n) => notes.push(n),
        ...o,
      });
      return { w, db, release, rollbacks: () => rollbacks, notes };
    }

    const timed = async (p: Promise<unknown>) => {
      const started = performance.now();
      const outcome = await p.then(
        () => 'committed',
        (err: unknown) => err,
      );
      return { outcome, ms: performance.now() - started };
    };

    it('answers every job waiting "store busy" in one try, instead of holding them and spinning', async () => {
      // it tried again every turn of the event loop, at full CPU, and never answered them; at shutdown,
      // drain() looped for ever. Then it answered a batch at a time, each after its own busy_timeout.
      const { w, release, rollbacks } = heldStore({ busyBackoffMs: 50 });
      const jobs = Array.from({ length: 5 }, (_, i) => w.submit(() => i));
      const settled = await Promise.race([Promise.allSettled(jobs), new Promise<'pending'>((r) => setTimeout(() => r('pending'), 2000))]);
      expect(settled).not.toBe('pending');
      for (const o of settled as PromiseSettledResult<number>[]) {
        expect(o.status === 'rejected' && o.reason).toBeInstanceOf(StoreBusyError);
        expect(((o as PromiseRejectedResult).reason as StoreBusyError).cause).toMatchObject({ code: 'SQLITE_BUSY' });
      }
      expect(w.depth).toBe(0);
      expect(rollbacks()).toBe(1);
      expect(w.busyRefusals).toBe(5);
      release();
      // the lock gone and the back-off over, the next job commits
      await new Promise((r) => setTimeout(r, 60));
      await expect(w.submit(() => 'after')).resolves.toBe('after');
      w.drain();
    });

    it('refuses at once for a while after, so each write does not hold the thread for the busy_timeout again', async () => {
      const { w, db, release } = heldStore({ busyBackoffMs: 600 });
      db.pragma('busy_timeout = 250');
      const first = await timed(w.submit(() => 1));
      expect(first.outcome).toBeInstanceOf(StoreBusyError);
      expect(first.ms).toBeGreaterThanOrEqual(240);
      // within the back-off: refused without asking SQLite
      const second = await timed(w.submit(() => 2));
      expect(second.outcome).toBeInstanceOf(StoreBusyError);
      expect(second.ms).toBeLessThan(100);
      expect(w.busyRefusals).toBe(2);
      // after it, the writer asks SQLite again: still held, refused after the wait
      await new Promise((r) => setTimeout(r, 620));
      const third = await timed(w.submit(() => 3));
      expect(third.outcome).toBeInstanceOf(StoreBusyError);
      expect(third.ms).toBeGreaterThanOrEqual(240);
      release();
      await new Promise((r) => setTimeout(r, 620));
      await expect(w.submit(() => 4)).resolves.toBe(4);
      // once it committed again, nothing is refused any more
      await expect(w.submit(() => 5)).resolves.toBe(5);
      expect(w.busyRefusals).toBe(3);
    });

    it('says so once, then at most every busyNoteEveryMs with the refusals since, and once when it is free again', async () => {
      const { w, db, release, notes } = heldStore({ busyBackoffMs: 0, busyNoteEveryMs: 1000 });
      // each round asks SQLite (no back-off): without a wait, rounds take no time of their own
      db.pragma('busy_timeout = 0');
      const refusedRound = async (n: number) => {
        const outcomes = await Promise.allSettled(Array.from({ length: n }, (_, i) => w.submit(() => i)));
        expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof StoreBusyError)).toBe(true);
      };
      await refusedRound(3);
      expect(notes).toMatchObject([{ state: 'busy', refused: 3, busyForMs: 0 }]);
      await refusedRound(2);
      await refusedRound(2);
      expect(notes).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1020));
      await refusedRound(1);
      expect(notes).toHaveLength(2);
      expect(notes[1]).toMatchObject({ state: 'busy', refused: 5 });
      expect(notes[1]!.busyForMs).toBeGreaterThanOrEqual(1000);
      release();
      await expect(w.submit(() => 'after')).resolves.toBe('after');
      await expect(w.submit(() => 'again')).resolves.toBe('again');
      expect(notes).toHaveLength(3);
      expect(notes[2]).toMatchObject({ state: 'free', refused: 8 });
      expect(w.busyRefusals).toBe(8);
    });
  });

  describe('when the disk fills up in the middle of a batch', () => {
    // SQLite answers SQLITE_FULL when the file cannot grow; max_page_count makes that happen on cue. On
    // SQLITE_FULL it may roll the whole transaction back, not just the failing statement.
    function fullAfter(extraPages: number) {
      let full = 0;
      // one batch however slow the machine (a batch also ends once its jobs ran 25 ms: on a loaded machine the
      // first job alone took that, and committed on its own)
      const t = writer({ onStorageFull: () => full++, maxBatchMs: 60_000 });
      const db = dbs.at(-1)!;
      db.exec('CREATE TABLE probe (name TEXT, filler TEXT)');
      const insert = db.prepare('INSERT INTO probe VALUES (?, ?)');
      const names = () => db.prepare('SELECT name FROM probe ORDER BY rowid').pluck().all();
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages + extraPages}`);
      const job = (name: string, bytes: number) => (tx: Parameters<Parameters<typeof t.w.submit>[0]>[0]) => {
        insert.run(name, 'x'.repeat(bytes));
        tx.append({ type: 'order.rush_changed', payload: { name } as never, topics: ['orders'], deviceId: null, staffId: null });
        return name;
      };
      return { ...t, db, job, names, full: () => full, room: () => db.pragma(`max_page_count = ${pages + 10_000}`) };
    }

    it('answers every job of the batch "storage full", commits none of them, and publishes nothing', async () => {
      const { w, job, names, committed, full } = fullAfter(3);
      const outcomes = await Promise.allSettled([w.submit(job('before', 10)), w.submit(job('too big', 200_000)), w.submit(job('after', 10))]);
      // without the check, "after" ran outside any transaction, committed on its own and was never published
      expect(names()).toEqual([]);
      expect(committed).toEqual([]);
      for (const o of outcomes) expect(o.status === 'rejected' && o.reason).toBeInstanceOf(StorageFullError);
      expect(full()).toBe(1);
    });

    it('takes the same jobs again once there is room, each exactly once', async () => {
      const { w, job, names, committed, room } = fullAfter(3);
      await Promise.allSettled([w.submit(job('before', 10)), w.submit(job('too big', 200_000)), w.submit(job('after', 10))]);
      room();
      await expect(Promise.all([w.submit(job('before', 10)), w.submit(job('after', 10))])).resolves.toEqual(['before', 'after']);
      expect(names()).toEqual(['before', 'after']);
      expect(committed.map((e) => e.type)).toEqual(['order.rush_changed', 'order.rush_changed']);
    });
  });

  describe('when the COMMIT itself fails, or one job of the batch', () => {
    const event = (tx: Parameters<Parameters<Writer['submit']>[0]>[0], name: string) =>
      tx.append({ type: 'order.rush_changed', payload: { name } as never, topics: ['orders'], deviceId: null, staffId: null });

    it('answers no job of a batch whose COMMIT failed, keeps none of it, and commits the next batch (a check SQLite defers to COMMIT)', async () => {
      const { w, committed } = writer({ maxBatchMs: 60_000 });
      const db = dbs.at(-1)!;
      db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (name TEXT, parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
      const insert = db.prepare('INSERT INTO child VALUES (?, ?)');
      const ran: string[] = [];
      const job = (name: string, parent: number) => (tx: Parameters<Parameters<Writer['submit']>[0]>[0]) => {
        insert.run(name, parent);
        event(tx, name);
        ran.push(name);
        return name;
      };
      db.prepare('INSERT INTO parent VALUES (1)').run();
      // the middle job breaks a deferred rule: every job runs to its end, and the COMMIT is what fails
      const outcomes = await Promise.allSettled([w.submit(job('a', 1)), w.submit(job('orphan', 99)), w.submit(job('c', 1))]);
      expect(ran).toEqual(['a', 'orphan', 'c']);
      for (const o of outcomes) expect(o.status === 'rejected' && (o.reason as { code?: string }).code).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
      expect(db.prepare('SELECT name FROM child').pluck().all()).toEqual([]);
      expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
      expect(committed).toEqual([]);
      expect(db.inTransaction).toBe(false);
      await expect(Promise.all([w.submit(job('a', 1)), w.submit(job('c', 1))])).resolves.toEqual(['a', 'c']);
      expect(db.prepare('SELECT name FROM child').pluck().all()).toEqual(['a', 'c']);
      expect(committed.map((e) => e.seq)).toEqual([1, 2]);
    });

    // a tmpfs of its own (root only, as CI runs): the WAL cannot take the batch's pages at COMMIT
    it.skipIf(!canMountTmpfs().ok)('answers every job "storage full" when the COMMIT cannot write the WAL, keeps none, and commits once there is room', async () => {
      const disk = mountTmpfs(8, 'brigade-commit-full-');
      const db = openDb(join(disk.dir, 'store.db'));
      let full = 0;
      const committed: LoggedEvent[] = [];
      try {
        const w = new Writer(db, { clock: Date.now, maxBatch: 64, maxBatchMs: 60_000, maxQueue: 100, onCommit: (e) => committed.push(...e), onStorageFull: () => full++ });
        db.exec('CREATE TABLE probe (name TEXT, filler BLOB)');
        db.pragma('wal_checkpoint(TRUNCATE)');
        const insert = db.prepare('INSERT INTO probe VALUES (?, ?)');
        const ran: string[] = [];
        // ~300 kB of new pages: they stay in the page cache until COMMIT writes them to the WAL
        const job = (name: string) => (tx: Parameters<Parameters<Writer['submit']>[0]>[0]) => {
          insert.run(name, Buffer.alloc(100_000, 1));
          event(tx, name);
          ran.push(name);
          return name;
        };
        disk.fill('ballast', 64 * 1024);
        const outcomes = await Promise.allSettled([w.submit(job('a')), w.submit(job('b')), w.submit(job('c'))]);
        expect(ran).toEqual(['a', 'b', 'c']);
        for (const o of outcomes) expect(o.status === 'rejected' && o.reason).toBeInstanceOf(StorageFullError);
        expect(full).toBe(1);
        expect(committed).toEqual([]);
        expect(db.inTransaction).toBe(false);
        expect(db.prepare('SELECT count(*) FROM probe').pluck().get()).toBe(0);
        expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
        rmSync(join(disk.dir, 'ballast'));
        await expect(Promise.all([w.submit(job('a')), w.submit(job('b')), w.submit(job('c'))])).resolves.toEqual(['a', 'b', 'c']);
        expect(db.prepare('SELECT name FROM probe ORDER BY rowid').pluck().all()).toEqual(['a', 'b', 'c']);
        expect(committed.map((e) => e.seq)).toEqual([1, 2, 3]);
      } finally {
        db.close();
        disk.remove();
      }
    });

    it('undoes only the job that failed in its savepoint, its rows and events; its neighbours commit and are published', async () => {
      let rolledBack = 0;
      const { w, committed } = writer({ maxBatchMs: 60_000, onRollback: () => rolledBack++ });
      const db = dbs.at(-1)!;
      db.exec('CREATE TABLE probe (name TEXT)');
      const insert = db.prepare('INSERT INTO probe VALUES (?)');
      const job = (name: string, fails = false) => (tx: Parameters<Parameters<Writer['submit']>[0]>[0]) => {
        insert.run(name);
        event(tx, name);
        if (fails) throw new Error(`${name} failed after writing`);
        return name;
      };
      const outcomes = await Promise.allSettled([w.submit(job('a')), w.submit(job('b', true)), w.submit(job('c'))]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(db.prepare('SELECT name FROM probe ORDER BY rowid').pluck().all()).toEqual(['a', 'c']);
      expect(committed.map((e) => (JSON.parse(e.json) as { payload: { name: string } }).payload.name)).toEqual(['a', 'c']);
      expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(2);
      expect(rolledBack).toBe(1);
    });
  });
});
