/**
 * Stored JSON, compacted once it is old: the answers kept for every Idempotency-Key, the event log, and the
 * ticket documents of finished print jobs.
 *
 * Every mutation's answer is kept with its Idempotency-Key, forever, so that a device that resends after any
 * outage gets the very answer it missed; every event is kept, forever, so that a device can resume from the
 * last seq it saw. On a busy store that is three quarters of the database (1.2 and 0.6 of 2.4 GB after 100
 * days of 1,460 orders: rounds nineteen and twenty, docs/benchmarks.md) and of every backup. One by one they
 * deflate poorly (1.6–2.8 ×); with a dictionary made of the store's own JSON (field names, dish names, ids
 * of the menu), about 4 × (events) and 6–9 × (answers).
 *
 * So, in idle moments, values older than `minAgeMs` are replaced by `z<dict>:<base64 of raw deflate>`, with
 * the dictionary kept in `meta` (`<kind>_dict_<n>`), made once from the store's own values of that kind (an
 * event dictionary of events, an answer dictionary of answers: each kind compacts 7–14 % better with its
 * own). Dictionary numbers are shared by the kinds, so a packed value names its dictionary whatever column it
 * sits in (a placed order's answer is its event's payload). A reader inflates it back to the same bytes:
 * nothing about the value changes but how it is stored. JSON never starts with `z`; sealed answers
 * (`sealed:…`, encrypted) and answers kept in their event are left as they are.
 *
 * The work goes through the writer as low-priority jobs of `batch` rows (a few milliseconds each) while the
 * writer has nothing else queued; a cursor in `meta` remembers where it got to. Print jobs have no cursor:
 * they finish in any order (a ticket held for hours behind a dead printer finishes after thousands of later
 * ones), so a partial index (migration 0021) lists the finished ones not yet packed, by when they finished.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Db } from './db.ts';
import type { Job, Priority } from './writer.ts';

/** A column of JSON the compactor may pack. */
export interface CompactedColumn {
  /** names the dictionary in `meta` (`<kind>_dict_<n>`) and the log lines */
  kind: 'answer' | 'event' | 'print';
  /**
   * The `meta` key of the cursor, the last rowid looked at, for a column whose rows are written in time order
   * (rowid order) and never change once old. Null: `rowsAfter` itself finds the rows still to pack.
   */
  cursorKey: string | null;
  /**
   * `rowid`, `at` (ms), `text`, `isKept` (never packed) of at most `@limit` rows, oldest first: those after
   * rowid `@cursor`, or (no cursor) those at or before `@cutoff` not packed yet
   */
  rowsAfter: string;
  /** sets `text` (first parameter) of a rowid (second) */
  update: string;
}

/** Stored answers: those kept in their event (the event is compacted instead) or sealed stay as they are. */
export const ANSWERS: CompactedColumn = {
  kind: 'answer',
  cursorKey: 'answers_compacted_rowid',
  rowsAfter: `SELECT rowid, created_at AS at, body AS text, (body_event_seq IS NOT NULL OR body LIKE 'sealed:%') AS isKept
                FROM idempotency_keys WHERE rowid > @cursor ORDER BY rowid LIMIT @limit`,
  update: 'UPDATE idempotency_keys SET body = ? WHERE rowid = ?',
};

/** The event log's payloads (`seq` is the rowid). */
export const EVENTS: CompactedColumn = {
  kind: 'event',
  cursorKey: 'events_compacted_seq',
  rowsAfter: 'SELECT seq AS rowid, at, payload AS text, 0 AS isKept FROM events WHERE seq > @cursor ORDER BY seq LIMIT @limit',
  update: 'UPDATE events SET payload = ? WHERE seq = ?',
};

/**
 * The ticket documents of print jobs finished (printed, failed, moved to another printer) before `@cutoff`:
 * a job still waiting reads its document at every attempt, and a reprint or a preview of a ticket of the day
 * is common. The partial index holds a job from its end until it is packed, so it stays a day's jobs long.
 * Its WHERE must be the index's, term for term, for SQLite to use it.
 */
export const PRINT_JOBS: CompactedColumn = {
  kind: 'print',
  cursorKey: null,
  rowsAfter: `SELECT id AS rowid, updated_at AS at, document AS text, 0 AS isKept FROM print_jobs INDEXED BY print_jobs_to_compact
                WHERE state IN ('confirmed', 'failed', 'rerouted') AND document GLOB '{*' AND updated_at <= @cutoff
                ORDER BY updated_at LIMIT @limit`,
  update: 'UPDATE print_jobs SET document = ? WHERE id = ?',
};

const COLUMNS = [ANSWERS, EVENTS, PRINT_JOBS];

/**
 * `meta` key: the highest dictionary number ever handed out, of any kind. A number is never handed out twice:
 * raw deflate has no checksum, so a value read with another dictionary than it was packed with comes out as
 * other bytes, not as an error. A salvage that lost a dictionary removes every value naming it, and the next
 * free number was then the lost one's: a backup older than that salvage holds the lost dictionary under the
 * number the new one took, and a later salvage taking keys from it could read values with the wrong one.
 */
const DICT_LAST_GIVEN = 'dict_last_given';

/**
 * Notes dictionary numbers as handed out, so that none of them is handed out again: the compactor's own, and
 * those a salvage found values naming but no dictionary for (`lostDictionaries`, salvage-meta.ts), whose
 * `meta` row may have gone with the dictionary's page. Inside the caller's transaction, if any.
 */
export function noteDictionariesGiven(db: Pick<Db, 'prepare'>, ids: readonly number[]): void {
  if (ids.length === 0) return;
  db.prepare(
    `INSERT INTO meta (key, value) VALUES (@key, @id)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)`,
  ).run({ key: DICT_LAST_GIVEN, id: String(Math.max(...ids)) });
}

const PACKED = /^z(\d+):/;
const dictPrefix = (kind: CompactedColumn['kind']) => `${kind}_dict_`;
/** zlib uses at most the last 32 KiB of a dictionary. */
const DICT_BYTES = 32 * 1024;
/** Values a dictionary is made of: enough to hold the store's words, few enough to be recent. */
const DICT_SAMPLES = 300;

/** True for a value the compactor packed (the first byte of JSON is never `z`: a cheap test on any hot path). */
export function isPacked(text: string): boolean {
  return text.charCodeAt(0) === 0x7a /* z */ && PACKED.test(text);
}

export function pack(text: string, dictId: number, dict: Buffer): string {
  return `z${dictId}:${deflateRawSync(text, { dictionary: dict }).toString('base64')}`;
}

/** The value as it was written: a packed one inflated, anything else as it is. */
export function unpack(stored: string, dictionary: (id: number) => Buffer | undefined): string {
  const m = PACKED.exec(stored);
  if (!m) return stored;
  const dict = dictionary(Number(m[1]));
  if (!dict) throw new Error(`stored value packed with dictionary ${m[1]}, which the store does not have`);
  return inflateRawSync(Buffer.from(stored.slice(m[0].length), 'base64'), { dictionary: dict }).toString('utf8');
}

/** True for the `meta` keys the compactor keeps (its dictionaries and cursors): a store's own, never copied to another. */
export function isCompactionMeta(key: string): boolean {
  return key === DICT_LAST_GIVEN || COLUMNS.some((c) => key === c.cursorKey || key.startsWith(dictPrefix(c.kind)));
}

/**
 * The dictionaries values were packed with, of any kind, read once from `meta` (they never change).
 * Compatible with better-sqlite3's Database (the hub's `Db` and a script's read-only handle alike).
 */
export class Dictionaries {
  readonly #cache = new Map<number, Buffer>();
  readonly #get;

  constructor(db: Pick<Db, 'prepare'>) {
    this.#get = db.prepare(`SELECT value FROM meta WHERE key IN (${COLUMNS.map((c) => `'${dictPrefix(c.kind)}' || @id`).join(', ')})`).pluck();
  }

  get(id: number): Buffer | undefined {
    let dict = this.#cache.get(id);
    if (!dict) {
      const stored = this.#get.get({ id: String(id) }) as string | undefined;
      if (stored === undefined) return undefined;
      this.#cache.set(id, (dict = Buffer.from(stored, 'base64')));
    }
    return dict;
  }

  /** `stored` as it was written. */
  unpack(stored: string): string {
    return isPacked(stored) ? unpack(stored, (id) => this.get(id)) : stored;
  }
}

export interface CompactorOptions {
  submit: <R>(job: Job<R>, priority: Priority) => Promise<R>;
  /** true while the writer has nothing queued (and the hub is not lagging) */
  idle: () => boolean;
  clock: () => number;
  /** values younger than this stay as they are (read often: a device resending, a screen resuming) */
  minAgeMs: number;
  /** how often to look for old values when there were none */
  everyMs: number;
  /** rows per job */
  batch?: number;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void };
}

interface Row {
  rowid: number;
  at: number;
  text: string;
  isKept: number;
}

/** Compacts one column (ANSWERS, EVENTS, PRINT_JOBS) in idle moments. */
export class Compactor {
  readonly #s;
  readonly #db: Db;
  readonly #dicts: Dictionaries;
  readonly #kind: string;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #running: Promise<unknown> = Promise.resolve();
  /** The dictionary values are packed with, once known (it never changes). */
  #dict: { id: number; bytes: Buffer } | undefined;
  /** Values compacted since the start, and their bytes before and after (for the log). */
  readonly done = { rows: 0, before: 0, after: 0 };

  constructor(
    db: Db,
    private readonly column: CompactedColumn,
    private readonly o: CompactorOptions,
  ) {
    this.#dicts = new Dictionaries(db);
    this.#kind = column.kind === 'print' ? 'print documents' : `${column.kind}s`;
    const prefix = dictPrefix(column.kind);
    const anyDict = COLUMNS.map((c) => `key GLOB '${dictPrefix(c.kind)}*'`).join(' OR ');
    this.#s = {
      after: db.prepare(column.rowsAfter),
      set: db.prepare(column.update),
      meta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      putMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      lastDict: db.prepare(`SELECT MAX(CAST(substr(key, ${prefix.length + 1}) AS INTEGER)) FROM meta WHERE key GLOB '${prefix}*'`).pluck(),
      // numbers are shared by the kinds: a new dictionary takes the next
      lastAnyDict: db.prepare(`SELECT MAX(CAST(substr(key, instr(key, '_dict_') + 6) AS INTEGER)) FROM meta WHERE ${anyDict}`).pluck(),
      lastGiven: db.prepare(`SELECT CAST(value AS INTEGER) FROM meta WHERE key = '${DICT_LAST_GIVEN}'`).pluck(),
    };
    this.#db = db;
  }

  start(): void {
    this.#schedule(this.o.everyMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      if (!this.o.idle()) return this.#schedule(this.o.everyMs);
      const run = this.o.submit((tx) => this.compactBatch(tx.now), 'low');
      this.#running = run.catch(() => undefined);
      run.then(
        // more to do: the next batch soon, between the hub's own work; else look again later
        (more) => this.#schedule(more ? BATCH_PAUSE_MS : this.o.everyMs),
        (err: unknown) => {
          this.o.log.warn({ err }, `${this.#kind}: compacting failed; trying again later`);
          this.#schedule(this.o.everyMs);
        },
      );
    }, ms);
    this.#timer.unref();
  }

  /**
   * Inside a write transaction: compacts the next `batch` values old enough. True when there may be more
   * (the batch was full of old values), false when it reached values too young or the end.
   */
  compactBatch(now: number): boolean {
    const cutoff = now - this.o.minAgeMs;
    const limit = this.o.batch ?? DEFAULT_BATCH;
    const { cursorKey } = this.column;
    let cursor = cursorKey === null ? 0 : Number(this.#s.meta.get(cursorKey) ?? 0);
    const rows = this.#s.after.all({ cursor, cutoff, limit }) as Row[];
    const dict = this.#dictionary(cutoff, cursor);
    if (!dict) return false;
    let reachedYoung = false;
    for (const row of rows) {
      // rows are written in time order: the first young one ends the batch (kept for a later one)
      if (row.at > cutoff) {
        reachedYoung = true;
        break;
      }
      cursor = row.rowid;
      if (row.isKept || row.text === '' || isPacked(row.text)) continue;
      const packed = pack(row.text, dict.id, dict.bytes);
      // without a cursor a row stays in the list to do until it is packed: left as it is, it came back in every batch
      if (packed.length >= row.text.length && cursorKey !== null) continue;
      this.#s.set.run(packed, row.rowid);
      this.done.rows++;
      this.done.before += row.text.length;
      this.done.after += packed.length;
    }
    if (cursorKey !== null) this.#s.putMeta.run(cursorKey, String(cursor));
    return !reachedYoung && rows.length === limit;
  }

  /** The dictionary new values are packed with: made once, from the oldest values to compact. */
  #dictionary(cutoff: number, cursor: number): { id: number; bytes: Buffer } | undefined {
    if (this.#dict) return this.#dict;
    const last = this.#s.lastDict.get() as number | null;
    if (last !== null) {
      const bytes = this.#dicts.get(last);
      if (!bytes) throw new Error(`${this.#kind}: dictionary ${last} cannot be read`);
      // made before the note was kept (once a start): noted while the store holds it, a lost page of it no
      // longer frees its number
      noteDictionariesGiven(this.#db, [last]);
      return (this.#dict = { id: last, bytes });
    }
    const samples = (this.#s.after.all({ cursor, cutoff, limit: DICT_SAMPLES * 4 }) as Row[])
      .filter((r) => r.at <= cutoff && !r.isKept && r.text.startsWith('{'))
      .slice(0, DICT_SAMPLES);
    if (samples.length < MIN_DICT_SAMPLES) return undefined;
    // the end of a dictionary weighs most: the newest samples last
    const bytes = Buffer.from(samples.map((r) => r.text).join(''), 'utf8').subarray(-DICT_BYTES);
    // above every number handed out before, not just those `meta` still holds (DICT_LAST_GIVEN)
    const id = Math.max((this.#s.lastAnyDict.get() as number | null) ?? 0, (this.#s.lastGiven.get() as number | undefined) ?? 0) + 1;
    this.#s.putMeta.run(`${dictPrefix(this.column.kind)}${id}`, bytes.toString('base64'));
    noteDictionariesGiven(this.#db, [id]);
    this.o.log.info({ id, samples: samples.length, bytes: bytes.length }, `${this.#kind}: made the dictionary old ${this.#kind} are compacted with`);
    // not kept in #dict until committed: a batch rolled back takes its dictionary with it
    return { id, bytes };
  }
}

const DEFAULT_BATCH = 50;
/** Between two batches while there is a backlog: the hub's own work goes first. */
const BATCH_PAUSE_MS = 50;
/** Fewer values than this old enough to learn from: wait for more history. */
const MIN_DICT_SAMPLES = 50;
