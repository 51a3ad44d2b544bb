import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readSeen, SEEN_FILE, SeenNote, wentBack, type SeenLog } from './store-seen.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'brigade-seen-'));
  dirs.push(d);
  return d;
};

const store = { storeId: 's1', epoch: 'e1' };
const seen = (over: Partial<SeenLog> = {}): SeenLog => ({ ...store, seq: 100, at: 1, ...over });

describe('wentBack', () => {
  const at = (head: number, over: { epoch?: string; storeId?: string; restoredAt?: number } = {}) => ({ ...store, restoredAt: null, ...over, head });

  it('is a store of the same id whose log ends before the note, or whose epoch is not the noted one', () => {
    expect(wentBack(seen(), at(99))).toBe(true);
    expect(wentBack(seen(), at(100, { epoch: 'older' }))).toBe(true);
    // adopted as a backup before the note was written: went back again since
    expect(wentBack(seen({ at: 10 }), at(99, { restoredAt: 5 }))).toBe(true);
  });

  it('is not a store at or past its note (a restart, a power cut), another store, or a store never noted', () => {
    expect(wentBack(seen(), at(100))).toBe(false);
    expect(wentBack(seen(), at(150))).toBe(false);
    expect(wentBack(seen({ storeId: 'another' }), at(1))).toBe(false);
    expect(wentBack(null, at(0))).toBe(false);
  });

  it('is not a store adopted as a restored backup after the note: the note is the stale one', () => {
    expect(wentBack(seen({ at: 10 }), at(50, { epoch: 'renewed', restoredAt: 20 }))).toBe(false);
  });
});

describe('SeenNote', () => {
  it('notes the head when it moved, whole, and reads back what it wrote', () => {
    const dir = tempDir();
    let head = 5;
    let writes = 0;
    const note = new SeenNote({ dir, identity: store, head: () => (writes++, head), clock: () => 42, everyMs: 60_000, onFailure: () => {} });
    note.note();
    expect(readSeen(dir)).toEqual({ ...store, seq: 5, at: 42 });
    const before = readFileSync(join(dir, SEEN_FILE), 'utf8');
    writeFileSync(join(dir, SEEN_FILE), 'changed behind its back');
    note.note();
    // the head did not move: nothing written
    expect(readFileSync(join(dir, SEEN_FILE), 'utf8')).toBe('changed behind its back');
    head = 6;
    note.stop();
    expect(readSeen(dir)?.seq).toBe(6);
    expect(before).not.toContain('.tmp');
    expect(writes).toBe(3);
  });

  it('reads nothing from a note cut short or of the wrong shape', () => {
    const dir = tempDir();
    writeFileSync(join(dir, SEEN_FILE), '{"storeId":"s1","epoch":"e1","se');
    expect(readSeen(dir)).toBeNull();
    writeFileSync(join(dir, SEEN_FILE), JSON.stringify({ storeId: 's1', epoch: 'e1', seq: '7', at: 1 }));
    expect(readSeen(dir)).toBeNull();
  });

  it('goes on noting on its timer when a read of the store fails (a failing disk): says so once, and notes once it reads again', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const dir = tempDir();
      const failures: unknown[] = [];
      let head: () => number = () => {
        throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      };
      const note = new SeenNote({ dir, identity: store, head: () => head(), clock: () => 1, everyMs: 10_000, onFailure: (e) => failures.push(e) });
      note.start();
      vi.advanceTimersByTime(30_000);
      expect(failures).toMatchObject([{ code: 'SQLITE_IOERR' }]);
      head = () => 9;
      vi.advanceTimersByTime(10_000);
      expect(readSeen(dir)?.seq).toBe(9);
      note.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('never throws when it cannot write; says so once, and writes when it can again', () => {
    const dir = join(tempDir(), 'gone');
    const failures: unknown[] = [];
    const note = new SeenNote({ dir, identity: store, head: () => 1, clock: () => 1, everyMs: 60_000, onFailure: (e) => failures.push(e) });
    note.note();
    note.note();
    expect(failures).toHaveLength(1);
    mkdirSync(dir);
    note.note();
    expect(readSeen(dir)?.seq).toBe(1);
  });
});
