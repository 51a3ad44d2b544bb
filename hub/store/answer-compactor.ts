/**
 * Stored answers, compacted once they are old.
 *
 * Every mutation's answer is kept with its Idempotency-Key, forever, so that a device that resends after any
 * outage gets the very answer it missed. On a busy store that is half of the database (1.2 of 2.4 GB after
 * 100 days of 1,460 orders: round nineteen, docs/benchmarks.md) and half of every backup: bumps, payments and
 * add-ons answer with the whole order, about 2.3 kB of JSON each. One by one they deflate poorly (2.8 ×); with a
 * dictionary made of the store's own answers (field names, dish names, ids of the menu), about 9 ×.
 *
 * So, in idle moments, answers older than `minAgeMs` are replaced by `z<dict>:<base64 of raw deflate>`, with
 * the dictionary kept in `meta` (`answer_dict_<n>`), made once from the store's answers. A replay inflates it
 * back to the same bytes: nothing about the answer changes but how it is stored. JSON never starts with `z`,
 * and sealed answers (`sealed:…`, encrypted) and answers kept in their event are left as they are.
 *
 * The work goes through the writer as low-priority jobs of `batch` rows (a few milliseconds each) while the
 * writer has nothing else queued; a cursor (`answers_compacted_rowid`) remembers where it got to.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Db } from './db.ts';
import type { Job, Priority } from './writer.ts';

const PACKED = /^z(\d+):/;
const CURSOR = 'answers_compacted_rowid';
const dictKey = (id: number) => `answer_dict_${id}`;
/** zlib uses at most the last 32 KiB of a dictionary. */
const DICT_BYTES = 32 * 1024;
/** Answers a dictionary is made of: enough to hold the store's words, few enough to be recent. */
const DICT_SAMPLES = 300;

export function isPacked(body: string): boolean {
  return body.charCodeAt(0) === 0x7a /* z */ && PACKED.test(body);
}

export function packAnswer(body: string, dictId: number, dict: Buffer): string {
  return `z${dictId}:${deflateRawSync(body, { dictionary: dict }).toString('base64')}`;
}

export function unpackAnswer(stored: string, dictionary: (id: number) => Buffer | undefined): string {
  const m = PACKED.exec(stored);
  if (!m) return stored;
  const dict = dictionary(Number(m[1]));
  if (!dict) throw new Error(`stored answer packed with dictionary ${m[1]}, which the store does not have`);
  return inflateRawSync(Buffer.from(stored.slice(m[0].length), 'base64'), { dictionary: dict }).toString('utf8');
}

/** The dictionaries answers were packed with, read once from `meta` (they never change). */
export class AnswerDictionaries {
  readonly #cache = new Map<number, Buffer>();
  readonly #get;

  constructor(db: Db) {
    this.#get = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
  }

  get(id: number): Buffer | undefined {
    let dict = this.#cache.get(id);
    if (!dict) {
      const stored = this.#get.get(dictKey(id)) as string | undefined;
      if (stored === undefined) return undefined;
      this.#cache.set(id, (dict = Buffer.from(stored, 'base64')));
    }
    return dict;
  }
}

export interface AnswerCompactorOptions {
  submit: <R>(job: Job<R>, priority: Priority) => Promise<R>;
  /** true while the writer has nothing queued (and the hub is not lagging) */
  idle: () => boolean;
  clock: () => number;
  /** answers younger than this stay as they are (a device resending within the hour reads them often) */
  minAgeMs: number;
  /** how often to look for old answers when there were none */
  everyMs: number;
  /** rows per job */
  batch?: number;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void };
}

interface Row {
  rowid: number;
  createdAt: number;
  body: string;
  inEvent: number;
}

export class AnswerCompactor {
  readonly #s;
  readonly #dicts: AnswerDictionaries;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #running: Promise<unknown> = Promise.resolve();
  /** The dictionary answers are packed with, once known (it never changes). */
  #dict: { id: number; bytes: Buffer } | undefined;
  /** Answers compacted since the start, and their bytes before and after (for the log). */
  readonly done = { rows: 0, before: 0, after: 0 };

  constructor(
    private readonly db: Db,
    private readonly o: AnswerCompactorOptions,
  ) {
    this.#dicts = new AnswerDictionaries(db);
    this.#s = {
      after: db.prepare(
        `SELECT rowid, created_at AS createdAt, body, body_event_seq IS NOT NULL AS inEvent
           FROM idempotency_keys WHERE rowid > ? ORDER BY rowid LIMIT ?`,
      ),
      set: db.prepare('UPDATE idempotency_keys SET body = ? WHERE rowid = ?'),
      meta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      putMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      lastDict: db.prepare("SELECT MAX(CAST(substr(key, 13) AS INTEGER)) FROM meta WHERE key LIKE 'answer_dict_%'").pluck(),
    };
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
          this.o.log.warn({ err }, 'answers: compacting failed; trying again later');
          this.#schedule(this.o.everyMs);
        },
      );
    }, ms);
    this.#timer.unref();
  }

  /**
   * Inside a write transaction: compacts the next `batch` answers old enough. True when there may be more
   * (the batch was full of old answers), false when it reached answers too young or the end.
   */
  compactBatch(now: number): boolean {
    const cutoff = now - this.o.minAgeMs;
    const batch = this.o.batch ?? DEFAULT_BATCH;
    let cursor = Number(this.#s.meta.get(CURSOR) ?? 0);
    const rows = this.#s.after.all(cursor, batch) as Row[];
    const dict = this.#dictionary(cutoff, cursor);
    if (!dict) return false;
    let reachedYoung = false;
    for (const row of rows) {
      // keys are stored in time order: the first young one ends the batch (kept for a later one)
      if (row.createdAt > cutoff) {
        reachedYoung = true;
        break;
      }
      cursor = row.rowid;
      if (row.inEvent || row.body === '' || row.body.startsWith('sealed:') || isPacked(row.body)) continue;
      const packed = packAnswer(row.body, dict.id, dict.bytes);
      if (packed.length >= row.body.length) continue;
      this.#s.set.run(packed, row.rowid);
      this.done.rows++;
      this.done.before += row.body.length;
      this.done.after += packed.length;
    }
    this.#s.putMeta.run(CURSOR, String(cursor));
    return !reachedYoung && rows.length === batch;
  }

  /** The dictionary new answers are packed with: made once, from the oldest answers to compact. */
  #dictionary(cutoff: number, cursor: number): { id: number; bytes: Buffer } | undefined {
    if (this.#dict) return this.#dict;
    const last = this.#s.lastDict.get() as number | null;
    if (last !== null) return (this.#dict = { id: last, bytes: this.#dicts.get(last)! });
    const samples = (this.#s.after.all(cursor, DICT_SAMPLES * 4) as Row[])
      .filter((r) => r.createdAt <= cutoff && !r.inEvent && r.body.startsWith('{'))
      .slice(0, DICT_SAMPLES);
    if (samples.length < MIN_DICT_SAMPLES) return undefined;
    // the end of a dictionary weighs most: the newest samples last
    const bytes = Buffer.from(samples.map((r) => r.body).join(''), 'utf8').subarray(-DICT_BYTES);
    this.#s.putMeta.run(dictKey(1), bytes.toString('base64'));
    this.o.log.info({ samples: samples.length, bytes: bytes.length }, 'answers: made the dictionary old answers are compacted with');
    // not kept in #dict until committed: a batch rolled back takes its dictionary with it
    return { id: 1, bytes };
  }
}

const DEFAULT_BATCH = 50;
/** Between two batches while there is a backlog: the hub's own work goes first. */
const BATCH_PAUSE_MS = 50;
/** Fewer answers than this old enough to learn from: wait for more history. */
const MIN_DICT_SAMPLES = 50;
