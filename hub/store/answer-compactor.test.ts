import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AnswerCompactor, isPacked, packAnswer, unpackAnswer } from './answer-compactor.ts';
import { openDb, type Db } from './db.ts';
import { IdempotencyStore, seal, sealedKey } from './idempotency.ts';

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

function compactor(db: Db, batch = 50) {
  return new AnswerCompactor(db, { submit: () => Promise.reject(new Error('not here')), idle: () => true, clock: () => 0, minAgeMs: HOUR, everyMs: 60_000, batch, log });
}

/** Runs batches, each in its own transaction as the writer would, until the compactor says there is no more. */
function compactAll(db: Db, c: AnswerCompactor, now: number): number {
  let batches = 0;
  while (db.transaction(() => c.compactBatch(now))()) batches++;
  return batches + 1;
}

describe('packed answers', () => {
  it('give back the very bytes, Chinese included; JSON and sealed answers are never read as packed', () => {
    const dict = Buffer.from(answer(1) + answer(2));
    for (const body of [answer(7), '{}', JSON.stringify({ error: { code: 'sold_out', message: '麻婆豆腐 已售完 sold out' } })]) {
      const packed = packAnswer(body, 3, dict);
      expect(isPacked(packed)).toBe(true);
      expect(unpackAnswer(packed, (id) => (id === 3 ? dict : undefined))).toBe(body);
    }
    expect(isPacked(answer(1))).toBe(false);
    expect(isPacked(seal('k', answer(1)))).toBe(false);
    expect(() => unpackAnswer(packAnswer('{}', 9, dict), () => undefined)).toThrow(/dictionary 9/);
  });
});

describe('AnswerCompactor', () => {
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
