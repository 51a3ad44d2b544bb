/**
 * The verifier against hand-made runs: a tiny database with the columns it reads and the logs a worker
 * writes, then one defect at a time. Each case is a way the verifier could pass a run it should fail.
 */
import Database from 'better-sqlite3';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FNV_OFFSET, fnv1a, type AckRecord, type RunMeta, type SegmentRecord, type SubscriberRecord } from './records.ts';
import { verifyRun } from './verify.ts';
import { pack } from '../../hub/store/compactor.ts';

const SCHEMA = `
CREATE TABLE orders (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, at INTEGER NOT NULL, topics TEXT NOT NULL, payload TEXT NOT NULL);
CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, principal TEXT NOT NULL, request_hash TEXT NOT NULL, status INTEGER NOT NULL,
  body TEXT NOT NULL, body_event_seq INTEGER, created_at INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A run of one worker `w0`: orders placed through the hub's tables, the acks it logged, one all-topics socket. */
class Fixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'brigade-verify-'));
  readonly dbFile = join(this.dir, 'brigade.db');
  readonly db = new Database(this.dbFile);
  acks: AckRecord[] = [];
  subs: SubscriberRecord[] = [];
  private n = 0;

  constructor() {
    dirs.push(this.dir);
    this.db.exec(SCHEMA);
  }

  /** The hub's side of a placed order: the row, its order.placed event, the key whose answer is that event. */
  store(key: string, orderId: string): void {
    const now = Date.now();
    this.db.prepare('INSERT INTO orders (id, created_at) VALUES (?, ?)').run(orderId, now);
    const { lastInsertRowid } = this.db
      .prepare("INSERT INTO events (type, at, topics, payload) VALUES ('order.placed', ?, 'orders station:hot', ?)")
      .run(now, JSON.stringify({ order: { id: orderId } }));
    this.db.prepare("INSERT INTO idempotency_keys VALUES (?, 'store', 'h', 201, '', ?, ?)").run(key, Number(lastInsertRowid), now);
  }

  /** An order the hub took and the generator logged as acknowledged. */
  place(key = `k${++this.n}`, orderId = `o${this.n}`): { key: string; orderId: string } {
    this.store(key, orderId);
    this.acks.push(ack(key, orderId));
    return { key, orderId };
  }

  head(): number {
    return (this.db.prepare('SELECT coalesce(max(seq), 0) FROM events').pluck().get() as number) ?? 0;
  }

  /** A subscriber that received every event up to the head, in order. */
  fullSubscriber(sub = 'listener-0'): SubscriberRecord {
    const events = this.db.prepare('SELECT seq, type FROM events ORDER BY seq').all() as { seq: number; type: string }[];
    const head = this.head();
    const seg: SegmentRecord = { fromSeq: 0, upToSeq: head, ranges: [], count: 0, hash: FNV_OFFSET, resumes: 0 };
    for (const e of events) receive(seg, e.seq, e.type);
    return { w: 'w0', sub, topics: null, segments: [seg], endHead: head, reachedEnd: true, resets: 0, violations: [], violationCount: 0 };
  }

  /** Writes the run dir as a finished worker leaves it; `edit` may tamper with the files afterwards. */
  write(o: { sockets?: number } = {}): string {
    const meta: RunMeta = { startedAt: new Date(Date.now() - 60_000).toISOString(), url: 'http://127.0.0.1:1', dbFile: this.dbFile, endHead: this.head(), phases: ['load'] };
    (meta as RunMeta & { workers?: unknown }).workers = [{ id: 'w0', sockets: o.sockets ?? this.subs.length }];
    writeFileSync(join(this.dir, 'run.json'), JSON.stringify(meta));
    writeFileSync(join(this.dir, 'acks-w0.jsonl'), this.acks.map((a) => `${JSON.stringify(a)}\n`).join(''));
    writeFileSync(join(this.dir, 'subs-w0.jsonl'), this.subs.map((s) => `${JSON.stringify(s)}\n`).join(''));
    writeFileSync(join(this.dir, 'done-w0.json'), JSON.stringify({ acks: this.acks.length, subscribers: this.subs.length }));
    return this.dir;
  }

  verify() {
    this.db.close();
    return verifyRun({ runDir: this.dir, dbFile: this.dbFile });
  }
}

const ack = (key: string, orderId: string, extra: Partial<AckRecord> = {}): AckRecord => ({
  t: Date.now(),
  w: 'w0',
  dev: 'tablet-0',
  op: 'place',
  key,
  status: 201,
  orderId,
  attempts: 1,
  ms: 3,
  ...extra,
});

function receive(seg: SegmentRecord, seq: number, type: string): void {
  const last = seg.ranges[seg.ranges.length - 1];
  if (last && seq === last[1] + 1) last[1] = seq;
  else seg.ranges.push([seq, seq]);
  seg.count++;
  seg.hash = fnv1a(`${seq}:${type};`, seg.hash);
}

/** A healthy run: three orders, one socket that saw all of them. */
function healthy(): Fixture {
  const f = new Fixture();
  f.place();
  f.place();
  f.place();
  f.subs.push(f.fullSubscriber());
  return f;
}

const failuresOf = (f: Fixture) => {
  const r = f.verify();
  return { ok: r.ok, text: r.failures.join('\n') };
};

describe('verifyRun on hand-made runs', () => {
  it('passes a healthy run', () => {
    const f = healthy();
    f.write();
    expect(f.verify().failures).toEqual([]);
  });

  // ---- defects it already caught ----

  it('reads stored answers the hub compacted (older than an hour), as a replay does', () => {
    const f = healthy();
    // a payment on o1, answered 201, its answer stored compacted with the store's dictionary
    const dict = Buffer.from(JSON.stringify({ order: { id: 'o0', status: 'closed' } }));
    f.db.prepare("INSERT INTO meta VALUES ('answer_dict_1', ?)").run(dict.toString('base64'));
    f.db.prepare("INSERT INTO idempotency_keys VALUES ('kp', 'store', 'h', 201, ?, NULL, 1)").run(pack(JSON.stringify({ order: { id: 'o1' } }), 1, dict));
    f.db.prepare("INSERT INTO events (type, at, topics, payload) VALUES ('order.payment_taken', 1, 'orders', ?)").run(JSON.stringify({ order: { id: 'o1' } }));
    f.acks.push(ack('kp', 'o1', { op: 'pay', status: 201 }));
    f.subs = [f.fullSubscriber()];
    f.write();
    expect(f.verify().failures).toEqual([]);
  });

  it('reads events the hub compacted (older than a day) as a replay does, and still counts them: a payment applied twice is caught', () => {
    const f = healthy();
    const pay = (orderId: string) =>
      f.db.prepare("INSERT INTO events (type, at, topics, payload) VALUES ('order.payment_taken', 1, 'orders', ?)").run(JSON.stringify({ order: { id: orderId } }));
    pay('o1');
    pay('o2');
    pay('o2'); // applied twice: one of the two events stays plain, the other is compacted
    f.db.prepare("INSERT INTO idempotency_keys VALUES ('kp1', 'store', 'h', 201, ?, NULL, 1)").run(JSON.stringify({ order: { id: 'o1' } }));
    f.db.prepare("INSERT INTO idempotency_keys VALUES ('kp2', 'store', 'h', 201, ?, NULL, 1)").run(JSON.stringify({ order: { id: 'o2' } }));
    f.acks.push(ack('kp1', 'o1', { op: 'pay', status: 201 }), ack('kp2', 'o2', { op: 'pay', status: 201 }));
    // every event but the last compacted with the store's event dictionary; the placed ones are their keys' answers too
    const dict = Buffer.from(JSON.stringify({ order: { id: 'o0', status: 'placed' } }));
    f.db.prepare("INSERT INTO meta VALUES ('event_dict_2', ?)").run(dict.toString('base64'));
    const last = f.head();
    for (const { seq, payload } of f.db.prepare('SELECT seq, payload FROM events WHERE seq < ?').all(last) as { seq: number; payload: string }[]) {
      f.db.prepare('UPDATE events SET payload = ? WHERE seq = ?').run(pack(payload, 2, dict), seq);
    }
    f.subs = [f.fullSubscriber()];
    f.write();
    expect(f.verify().failures).toEqual(['[V3] pay applied more often than asked: 1\n    o2: 1 acked + 0 abandoned, 2 order.payment_taken events']);
  });

  it('fails a duplicated order (a second row and event no key accounts for)', () => {
    const f = healthy();
    f.store('k-unlogged', 'o1-again');
    f.subs = [f.fullSubscriber()];
    f.write();
    const r = failuresOf(f);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('[V4]');
  });

  it('fails a lost acknowledged order', () => {
    const f = healthy();
    f.acks.push(ack('k-lost', 'o-lost'));
    f.write();
    const r = failuresOf(f);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('[V1] an acknowledged order is missing from the database');
  });

  it('fails an order acknowledged under one key but stored twice under two', () => {
    const f = healthy();
    // the intent k1 → o1 was also applied under another key as o1-dup (a retry with a fresh key)
    f.store('k1-retry-with-new-key', 'o1-dup');
    f.subs = [f.fullSubscriber()];
    f.write();
    const r = failuresOf(f);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('[V4]');
  });

  it('fails a skipped, a reordered and a duplicated event on one subscriber', () => {
    const skipped = healthy();
    const seg = skipped.subs[0]!.segments[0]!;
    seg.ranges = [[1, 1], [3, 3]];
    seg.count = 2;
    skipped.write();
    expect(failuresOf(skipped).text).toContain('[V5] a subscriber missed events (a gap)');

    const reordered = healthy();
    reordered.subs[0]!.segments[0]!.ranges = [[1, 1], [3, 3], [2, 2]];
    reordered.write();
    expect(failuresOf(reordered).ok).toBe(false);

    const twice = healthy();
    twice.subs[0]!.segments[0]!.ranges = [[1, 2], [2, 3]];
    twice.subs[0]!.segments[0]!.count = 4;
    twice.write();
    expect(failuresOf(twice).ok).toBe(false);
  });

  it('fails a subscriber that received nothing at all', () => {
    const f = healthy();
    const seg = f.subs[0]!.segments[0]!;
    seg.ranges = [];
    seg.count = 0;
    seg.hash = FNV_OFFSET;
    f.write();
    expect(failuresOf(f).text).toContain('[V5] a subscriber missed events (a gap)');
  });

  it('takes a 503 and a 507 answered, then a successful resend under the same key, as one order', () => {
    const f = healthy();
    const { key } = f.place();
    // the log holds the final answer of the mutation; the refusals before it are attempts
    f.acks[f.acks.length - 1] = { ...f.acks[f.acks.length - 1]!, attempts: 3, key };
    f.subs = [f.fullSubscriber()];
    f.write();
    expect(f.verify().failures).toEqual([]);
  });

  // ---- defects it did not catch ----

  it('fails two acknowledged intents (two keys) answered with one and the same order: one of them is lost', () => {
    const f = healthy();
    // the hub answered k-second with o1 (and stored it so): two orders acknowledged, one in the database
    f.db.prepare("INSERT INTO idempotency_keys SELECT 'k-second', principal, request_hash, status, body, body_event_seq, created_at FROM idempotency_keys WHERE key = 'k1'").run();
    f.acks.push(ack('k-second', 'o1'));
    f.write();
    const r = failuresOf(f);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('[V1] two acknowledged orders are one order in the database');
  });

  it('fails an abandoned order the hub applied without its order.placed event (no kitchen screen would see it)', () => {
    const f = healthy();
    // the generator gave up on k-gave-up (no answer in time); the hub had taken it, but wrote no event
    f.db.prepare('INSERT INTO orders (id, created_at) VALUES (?, ?)').run('o-silent', Date.now());
    f.db.prepare("INSERT INTO idempotency_keys VALUES ('k-gave-up', 'store', 'h', 201, ?, NULL, ?)").run(JSON.stringify({ order: { id: 'o-silent' } }), Date.now());
    f.acks.push(ack('k-gave-up', 'o-silent', { status: 0, abandoned: true, attempts: 8 }));
    f.write();
    const r = failuresOf(f);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('order.placed');
  });

  it('fails an abandoned waiter order stored twice: its own id, and another order its Idempotency-Key names', () => {
    const f = healthy();
    // the tablet chose o-x and gave up (no answer); the first attempt made o-x, the retry under the same key
    // made o-y and stored the key for it: two orders in the kitchen for one intent
    f.db.prepare('INSERT INTO orders (id, created_at) VALUES (?, ?)').run('o-x', Date.now());
    f.db.prepare("INSERT INTO events (type, at, topics, payload) VALUES ('order.placed', ?, 'orders', ?)").run(Date.now(), JSON.stringify({ order: { id: 'o-x' } }));
    f.store('k-gave-up', 'o-y');
    f.acks.push(ack('k-gave-up', 'o-x', { status: 0, abandoned: true, attempts: 8 }));
    f.subs = [f.fullSubscriber()];
    f.write();
    const r = failuresOf(f);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('[V2] the key is stored for another order');
  });

  it('fails an abandoned order the hub applied without storing its Idempotency-Key (a resend would apply it again)', () => {
    const f = healthy();
    f.db.prepare('INSERT INTO orders (id, created_at) VALUES (?, ?)').run('o-keyless', Date.now());
    f.db.prepare("INSERT INTO events (type, at, topics, payload) VALUES ('order.placed', ?, 'orders', ?)").run(Date.now(), JSON.stringify({ order: { id: 'o-keyless' } }));
    f.acks.push(ack('k-keyless', 'o-keyless', { status: 0, abandoned: true, attempts: 8 }));
    f.subs = [f.fullSubscriber()];
    f.write();
    const r = failuresOf(f);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('[V2] an order the hub applied has no stored Idempotency-Key');
  });

  it('fails a payment on an order the generator sent no payment for (applied to the wrong order, or made up)', () => {
    const f = healthy();
    // o2 was never paid by a device of the run: its payment event has no logged mutation to answer for it
    f.db.prepare("INSERT INTO events (type, at, topics, payload) VALUES ('order.payment_taken', 1, 'orders', ?)").run(JSON.stringify({ order: { id: 'o2' } }));
    f.subs = [f.fullSubscriber()];
    f.write();
    const r = failuresOf(f);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('[V3] pay applied more often than asked');
  });

  it('on a store given with --data-dir, still fails a duplicate made during the run, not orders from before it', () => {
    const f = healthy();
    // history: an order from yesterday no key of this run accounts for
    f.db.prepare('INSERT INTO orders (id, created_at) VALUES (?, ?)').run('o-yesterday', Date.now() - 86_400_000);
    const dir = f.write();
    f.db.close();
    expect(verifyRun({ runDir: dir, dbFile: f.dbFile, accountFor: 'run' }).failures).toEqual([]);

    const g = healthy();
    g.store('k-unlogged', 'o1-again'); // during the run
    g.subs = [g.fullSubscriber()];
    g.write();
    g.db.close();
    const r = verifyRun({ runDir: g.dir, dbFile: g.dbFile, accountFor: 'run' });
    expect(r.ok).toBe(false);
    expect(r.failures.join('\n')).toContain('[V4]');
  });

  it("fails a run whose worker's ack log was cut short at a line boundary (killed before its buffer was written)", () => {
    const f = healthy();
    const dir = f.write();
    // the last acknowledgement never reached the file; where the run need not account for every order in the
    // database (--lenient: other clients used the hub too) nothing else would notice
    writeFileSync(join(dir, 'acks-w0.jsonl'), f.acks.slice(0, 2).map((a) => `${JSON.stringify(a)}\n`).join(''));
    f.db.close();
    const report = verifyRun({ runDir: dir, dbFile: f.dbFile, accountFor: 'none' });
    const r = { ok: report.ok, text: report.failures.join('\n') };
    expect(r.ok).toBe(false);
    expect(r.text).toContain('log is incomplete');
  });

  it('reports a log whose last line was cut mid-write as a failure, not a crash', () => {
    const f = healthy();
    const dir = f.write();
    appendFileSync(join(dir, 'acks-w0.jsonl'), '{"t":1,"w":"w0","dev":"tab');
    const r = failuresOf(f);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('log is incomplete');
  });

  it('fails a run whose worker never finished (no subscriber records, no completion mark)', () => {
    const f = healthy();
    const dir = f.write({ sockets: 1 });
    rmSync(join(dir, 'subs-w0.jsonl'));
    rmSync(join(dir, 'done-w0.json'));
    const r = failuresOf(f);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('log is incomplete');
  });

  it('fails a run with fewer subscriber records than the sockets it planned', () => {
    const f = healthy();
    f.write({ sockets: 3 });
    const r = failuresOf(f);
    expect(r.ok).toBe(false);
    expect(r.text).toContain('subscriber records');
  });
});
