import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ANSWERS, Compactor, EVENTS, isPacked, noteDictionariesGiven, pack, PRINT_JOBS, unpack, type CompactedColumn } from './compactor.ts';
import { openDb, type Db } from './db.ts';
import { EventLog, type LoggedEvent } from './event-log.ts';
import { IdempotencyStore, seal, sealedKey } from './idempotency.ts';
import { queuedJob, SqlitePrintRepo } from './print-repo.ts';
import type { PrintJobState } from '../protocol/printing.ts';
import { Writer } from './writer.ts';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(): { db: Db; answers: IdempotencyStore } {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-answers-'));
  dirs.push(dir);
  const db = openDb(join(dir, 'brigade.db'));
  dbs.push(db);
  return { db, answers: new IdempotencyStore(db) };
}

/** An answer shaped like the hub's: the whole order, bilingual dish names, a different id each time. */
const answer = (i: number) =>
  JSON.stringify({
    order: {
      id: `01JDZ${String(i).padStart(8, '0')}`,
      number: i,
      status: 'fired',
      lines: [
        { id: `l-${i}-1`, itemId: 'mapo-tofu', nameZh: '麻婆豆腐', nameEn: 'Mapo tofu', qty: 1, unitPriceMinor: 3800, options: [{ id: 'spice-medium', nameZh: '中辣', nameEn: 'Medium' }] },
        { id: `l-${i}-2`, itemId: 'sour-plum-drink', nameZh: '酸梅汤', nameEn: 'Sour plum drink', qty: 2, unitPriceMinor: 1200, options: [] },
      ],
      totalMinor: 6200 + i,
      payments: [],
    },
  });

const log = { info() {}, warn() {}, error() {} };
const HOUR = 3_600_000;

function compactor(db: Db, batch = 50, column: CompactedColumn = ANSWERS, minAgeMs = HOUR) {
  return new Compactor(db, column, { submit: () => Promise.reject(new Error('not here')), idle: () => true, clock: () => 0, minAgeMs, everyMs: 60_000, batch, log });
}

/** Runs batches, each in its own transaction as the writer would, until the compactor says there is no more. */
function compactAll(db: Db, c: Compactor, now: number): number {
  let batches = 0;
  while (db.transaction(() => c.compactBatch(now))()) batches++;
  return batches + 1;
}

describe('packed answers', () => {
  it('give back the very bytes, Chinese included; JSON and sealed answers are never read as packed', () => {
    const dict = Buffer.from(answer(1) + answer(2));
    for (const body of [answer(7), '{}', JSON.stringify({ error: { code: 'sold_out', message: '麻婆豆腐 已售完 sold out' } })]) {
      const packed = pack(body, 3, dict);
      expect(isPacked(packed)).toBe(true);
      expect(unpack(packed, (id) => (id === 3 ? dict : undefined))).toBe(body);
    }
    expect(isPacked(answer(1))).toBe(false);
    expect(isPacked(seal('k', answer(1)))).toBe(false);
    expect(() => unpack(pack('{}', 9, dict), () => undefined)).toThrow(/dictionary 9/);
  });
});

describe('Compactor, answers', () => {
  it('compacts old answers about 9 × (a replay reads the same bytes), and leaves young, sealed and event-kept ones', () => {
    const { db, answers } = store();
    const day = 10 * 24 * HOUR;
    for (let i = 0; i < 300; i++) answers.put(`k${i}`, { principal: 'p', requestHash: 'h', status: 200, body: answer(i) }, day + i);
    answers.put(sealedKey('secret'), { principal: 'p', requestHash: 'h', status: 201, body: seal('secret', answer(1000)) }, day + 400);
    const event = db.prepare("INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES ('order.placed', 1, NULL, NULL, 'orders', ?)").run(answer(2000));
    answers.put('in-event', { principal: 'p', requestHash: 'h', status: 201, body: '' }, day + 401, Number(event.lastInsertRowid));
    for (let i = 0; i < 10; i++) answers.put(`young${i}`, { principal: 'p', requestHash: 'h', status: 200, body: answer(3000 + i) }, day + 2 * HOUR);
    const bytes = () => db.prepare('SELECT SUM(length(body)) FROM idempotency_keys').pluck().get() as number;
    const before = bytes();

    const c = compactor(db);
    const now = day + 2 * HOUR + 1; // the 300 and the others are two hours old; the young ones a moment
    expect(compactAll(db, c, now)).toBeGreaterThan(1);
    expect(c.done.rows).toBe(300);
    expect(c.done.before / c.done.after).toBeGreaterThan(5);
    expect(bytes()).toBeLessThan(before / 3);

    const raw = (key: string) => db.prepare('SELECT body FROM idempotency_keys WHERE key = ?').pluck().get(key) as string;
    for (const i of [0, 149, 299]) {
      expect(isPacked(raw(`k${i}`))).toBe(true);
      expect(new IdempotencyStore(db).get(`k${i}`)).toEqual({ principal: 'p', requestHash: 'h', status: 200, body: answer(i) });
    }
    expect(raw(sealedKey('secret')).startsWith('sealed:')).toBe(true);
    expect(answers.get('in-event')!.body).toBe(answer(2000));
    expect(raw('young3')).toBe(answer(3003));

    // nothing twice; the young ones once they are old, with the same dictionary
    expect(compactAll(db, c, now)).toBe(1);
    expect(c.done.rows).toBe(300);
    const later = compactor(db);
    compactAll(db, later, now + 2 * HOUR);
    expect(later.done.rows).toBe(10);
    expect(isPacked(raw('young3'))).toBe(true);
    expect(answers.get('young3')!.body).toBe(answer(3003));
    expect(db.prepare("SELECT COUNT(*) FROM meta WHERE key LIKE 'answer_dict_%'").pluck().get()).toBe(1);
  });

  it('waits for enough history to make its dictionary from', () => {
    const { db, answers } = store();
    for (let i = 0; i < 20; i++) answers.put(`k${i}`, { principal: 'p', requestHash: 'h', status: 200, body: answer(i) }, i);
    const c = compactor(db);
    expect(compactAll(db, c, 2 * HOUR)).toBe(1);
    expect(c.done.rows).toBe(0);
    expect(answers.get('k3')!.body).toBe(answer(3));
  });
});

describe('Compactor, a dictionary lost by a salvage', () => {
  const dictKeys = (db: Db) => db.prepare("SELECT key FROM meta WHERE key GLOB '*_dict_[0-9]*' ORDER BY key").pluck().all();

  // raw deflate has no checksum: a number handed out again would let an older backup's dictionary under it
  // read the new values as other bytes, without an error
  it.each([
    ['noted when it was made', (_db: Db) => undefined],
    [
      'made before the note was kept: noted at the next start, while the store still held it',
      (db: Db) => {
        db.prepare("DELETE FROM meta WHERE key = 'dict_last_given'").run();
        db.transaction(() => compactor(db).compactBatch(2 * HOUR))();
      },
    ],
    [
      'its note lost with it, and noted again by the salvage that found values naming it',
      (db: Db) => {
        db.prepare("DELETE FROM meta WHERE key = 'dict_last_given'").run();
        noteDictionariesGiven(db, [1]);
      },
    ],
  ])('never hands its number out again (%s)', (_how, remember) => {
    const { db, answers } = store();
    for (let i = 0; i < 60; i++) answers.put(`old${i}`, { principal: 'p', requestHash: 'h', status: 200, body: answer(i) }, i);
    // too young to pack yet: the salvage leaves it (and the rowids go on after it)
    answers.put('young', { principal: 'p', requestHash: 'h', status: 200, body: answer(999) }, 1.5 * HOUR);
    compactAll(db, compactor(db), 2 * HOUR);
    expect(dictKeys(db)).toEqual(['answer_dict_1']);
    remember(db);

    // what a salvage leaves when the dictionary's page was spoilt and the backup predates it
    db.prepare("DELETE FROM meta WHERE key = 'answer_dict_1'").run();
    db.prepare("DELETE FROM idempotency_keys WHERE body GLOB 'z1:*'").run();
    for (let i = 0; i < 60; i++) answers.put(`new${i}`, { principal: 'p', requestHash: 'h', status: 200, body: answer(1000 + i) }, 3 * HOUR + i);
    const after = compactor(db);
    compactAll(db, after, 5 * HOUR);

    expect(after.done.rows).toBe(61);
    expect(dictKeys(db)).toEqual(['answer_dict_2']);
    expect(db.prepare("SELECT body FROM idempotency_keys WHERE key = 'new0'").pluck().get()).toMatch(/^z2:/);
    expect(answers.get('new0')!.body).toBe(answer(1000));
  });
});

/** Events as the hub writes them: through the writer, at `clock()`; the JSON the live stream sent, by seq. */
function eventStore() {
  const { db, answers } = store();
  let now = 10 * 24 * HOUR;
  const live = new Map<number, string>();
  const writer = new Writer(db, { clock: () => now, maxBatch: 64, maxQueue: 1000, onCommit: (es: LoggedEvent[]) => es.forEach((e) => live.set(e.seq, e.json)) });
  const append = (type: string, payload: unknown, o: { answerKey?: string; at?: number } = {}) => {
    if (o.at !== undefined) now = o.at;
    return writer.submit((tx) => {
      const seq = tx.append({ type: type as 'order.placed', payload: payload as never, topics: ['orders', 'station:hot'], deviceId: 'dev-1', staffId: null });
      if (o.answerKey) answers.put(o.answerKey, { principal: 'p', requestHash: 'h', status: 201, body: '' }, tx.now, seq);
      return seq;
    });
  };
  return { db, answers, live, append, at: () => now };
}

const placed = (i: number) => JSON.parse(answer(i)) as { order: { id: string; lines: { id: string }[] } };

describe('Compactor, events', () => {
  it('compacts old events several times smaller, and a replay from seq 0 reads the very JSON the live stream sent, byte for byte', async () => {
    const { db, live, append, at } = eventStore();
    for (let i = 0; i < 200; i++) {
      await append('order.placed', placed(i), { answerKey: `place-${i}` });
      await append('order.lines_status_changed', { order: { id: placed(i).order.id, revision: 2 }, lineIds: [`l-${i}-1`], status: 'preparing' });
      await append('order.closed', { order: { id: placed(i).order.id, status: 'closed', note: '不要香菜 "no coriander"\n' } });
    }
    const young = await append('order.placed', placed(999), { at: at() + 3 * 24 * HOUR });
    const bytes = () => db.prepare('SELECT SUM(length(payload)) FROM events').pluck().get() as number;
    const before = bytes();

    // an answers' dictionary first, as in a store that compacted answers before it compacted events
    const answers = new IdempotencyStore(db);
    for (let i = 0; i < 60; i++) answers.put(`a${i}`, { principal: 'p', requestHash: 'h', status: 200, body: answer(5000 + i) }, 10 * 24 * HOUR);
    compactAll(db, compactor(db), at());
    const c = compactor(db, 50, EVENTS, 24 * HOUR);
    expect(compactAll(db, c, at())).toBeGreaterThan(1);
    expect(c.done.rows).toBe(600);
    expect(c.done.before / c.done.after).toBeGreaterThan(3);
    expect(bytes()).toBeLessThan(before / 2);
    const raw = (seq: number) => db.prepare('SELECT payload FROM events WHERE seq = ?').pluck().get(seq) as string;
    expect(raw(1)).toMatch(/^z2:/); // the answers' dictionary is 1: the events' one takes the next number
    expect(raw(young).startsWith('{')).toBe(true);

    const replayed = new EventLog(db).after(0, 1000);
    expect(replayed.map((e) => e.seq)).toEqual([...live.keys()]);
    for (const e of replayed) expect(e.json).toBe(live.get(e.seq));
    // a placed order's answer is its event's payload: a resend reads it back the same
    expect(new IdempotencyStore(db).get('place-7')!.body).toBe(answer(7));
    expect(db.prepare("SELECT COUNT(*) FROM meta WHERE key GLOB '*_dict_*'").pluck().get()).toBe(2);
  });

  it('a whole-order void ticket still leaves out the lines voided one by one once their events are compacted', async () => {
    const { db, append, at } = eventStore();
    const orderAt = at();
    // a table that sat long: its first void a day before the order is voided whole; many others' voids between
    await append('order.line_voided', { order: { id: 'o-long' }, line: { id: 'line-1', nameZh: '麻婆豆腐' }, wasFired: true });
    for (let i = 0; i < 80; i++) await append('order.line_voided', { order: { id: `o-${i}` }, line: { id: `x-${i}`, nameZh: '酸梅汤' }, wasFired: true });
    await append('order.line_voided', { order: { id: 'o-long' }, line: { id: 'line-2', nameZh: '酸梅汤' }, wasFired: false }, { at: at() + 2 * 24 * HOUR });
    compactAll(db, compactor(db, 50, EVENTS, 24 * HOUR), at());
    expect(isPacked(db.prepare('SELECT payload FROM events WHERE seq = 1').pluck().get() as string)).toBe(true);

    expect(new SqlitePrintRepo(db).linesVoidedBefore('o-long', orderAt)).toEqual(new Set(['line-1', 'line-2']));
  });
});

/** A kitchen ticket's document as the planner stores it: bilingual dishes, options, the store's time zone. */
const ticket = (i: number) =>
  JSON.stringify({
    kind: 'kitchen',
    orderNumber: String(100 + i),
    tableLabel: `A${i % 12}`,
    time: { epochMs: 1_714_538_040_000 + i * 60_000, timeZone: 'Asia/Shanghai' },
    server: '王芳 Wang Fang',
    channel: 'POS 收银',
    station: '热菜 Hot kitchen',
    lines: [
      { qty: 1 + (i % 3), nameZh: '麻婆豆腐', nameEn: 'Mapo tofu', options: ['中辣 Medium', '大份 Large'], note: i % 5 === 0 ? '不要花生 no peanuts' : undefined },
      { qty: 2, nameZh: '宫保鸡丁', nameEn: 'Kung pao chicken', options: ['微辣 Mild'] },
      { qty: 1, nameZh: '米饭', nameEn: 'Steamed rice', options: [] },
    ],
    footerLines: i % 4 === 0 ? ['Note 备注: 过敏 allergy'] : undefined,
  });

describe('Compactor, print job documents', () => {
  /** A job that was queued at `createdAt` and reached `state` at `updatedAt` (a job's last change is its end). */
  function job(db: Db, i: number, state: PrintJobState, createdAt: number, updatedAt: number): number {
    const repo = new SqlitePrintRepo(db);
    const id = repo.insertJob(
      queuedJob({ idempotencyKey: `o-${i}:hot`, kind: 'kitchen', orderId: null, orderNumber: String(100 + i), stationId: 'hot', printerId: 'hot', document: ticket(i), sourceSeq: null, createdAt }),
    )!;
    db.prepare('UPDATE print_jobs SET state = ?, updated_at = ? WHERE id = ?').run(state, updatedAt, id);
    return id;
  }

  it('packs the documents of jobs finished a day ago, in the order they finished, and every job read gives the document back', () => {
    const { db } = store();
    const day = 24 * HOUR;
    const t0 = 40 * day;
    db.prepare("INSERT INTO printers (id, name, host, port, encoding, width_chars, stations, buzzer, created_at, updated_at) VALUES ('hot', 'Hot', '10.0.0.9', 9100, 'gb18030', 48, '[\"hot\"]', 'none', 0, 0)").run();
    const finished = ['confirmed', 'failed', 'rerouted'] as const;
    const old = Array.from({ length: 120 }, (_, i) => job(db, i, finished[i % 3]!, t0 + i * 1000, t0 + i * 1000 + 500));
    // held behind a dead printer for two days: created first, finished after all the others
    const late = job(db, 500, 'confirmed', t0 - 2 * day, t0 + 3 * day);
    // old, but still waiting: its document is read at every attempt
    const waiting = (['queued', 'retry-wait', 'held', 'uncertain', 'sending', 'sent'] as const).map((st, k) => job(db, 600 + k, st, t0 - 5 * day, t0 - 5 * day));
    const young = job(db, 700, 'confirmed', t0 + 3 * day, t0 + 3 * day + 10);
    const documentOf = (id: number) => db.prepare('SELECT document FROM print_jobs WHERE id = ?').pluck().get(id) as string;
    const bytes = () => db.prepare('SELECT SUM(length(document)) FROM print_jobs').pluck().get() as number;
    const before = bytes();

    const c = compactor(db, 50, PRINT_JOBS, day);
    expect(compactAll(db, c, t0 + 2 * day)).toBeGreaterThan(1);
    expect(c.done.rows).toBe(120);
    expect(c.done.before / c.done.after).toBeGreaterThan(4);
    expect(bytes()).toBeLessThan(before / 2);
    for (const id of old) expect(isPacked(documentOf(id))).toBe(true);
    expect(documentOf(late)).toBe(ticket(500));
    for (const [k, id] of waiting.entries()) expect(documentOf(id)).toBe(ticket(600 + k));

    // a day after it finished the late one goes too, with the same dictionary; the young one a day after its end
    const later = compactor(db, 50, PRINT_JOBS, day);
    compactAll(db, later, t0 + 4 * day + 1);
    expect(later.done.rows).toBe(1);
    expect(isPacked(documentOf(late))).toBe(true);
    expect(documentOf(young)).toBe(ticket(700));
    expect(db.prepare("SELECT COUNT(*) FROM meta WHERE key GLOB 'print_dict_*'").pluck().get()).toBe(1);
    // nothing left to do: the index the compactor reads holds the young one only
    expect(db.prepare("SELECT COUNT(*) FROM print_jobs INDEXED BY print_jobs_to_compact WHERE state IN ('confirmed', 'failed', 'rerouted') AND document GLOB '{*' AND updated_at <= ?").pluck().get(t0 + 10 * day)).toBe(1);

    const repo = new SqlitePrintRepo(db);
    for (const [n, id] of [...old.entries()].filter(([n]) => n % 17 === 0)) expect(repo.job(id)!.document).toBe(ticket(n));
    expect(repo.job(late)!.document).toBe(ticket(500));
    expect(repo.listJobs({ limit: 500 })).toHaveLength(128);
  });
});
