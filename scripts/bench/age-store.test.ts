import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PACING, kiosk, NOON, openDemoStore, waiter } from '../../hub/domain/test-support.ts';
import { ANSWERS, Compactor, EVENTS, isPacked, PRINT_JOBS, type CompactedColumn } from '../../hub/store/compactor.ts';
import { openDb } from '../../hub/store/db.ts';
import { SqliteOrderRepo } from '../../hub/store/order-repo.ts';
import { ulidFactory } from '../../hub/store/ulid.ts';
import { agedId, ageStore, dateMinusDays, shiftUlid, type AgedStore } from './age-store.ts';

const DAY = 86_400_000;

describe('age-store: a day of orders, repeated back in time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-age-'));
  const from = join(dir, 'source.db');
  const out = join(dir, 'aged.db');
  const tableOrderId = randomUUID(); // made by a tablet
  const paymentId = ulidFactory(() => NOON)(); // made by the hub
  let kioskOrderId = '';
  let aged: Database.Database;
  let result: AgedStore;

  beforeAll(() => {
    // the source: an open table order with a fired line, and a kiosk order paid by card
    const s = openDemoStore(DEFAULT_PACING, from);
    const open = s.run(() =>
      s.service.place(
        { id: tableOrderId, channel: 'pos', tableId: 't-a1', lines: [{ id: randomUUID(), itemId: 'steamed-rice', qty: 2 }] },
        s.ctx(waiter, NOON),
      ),
    );
    const placed = s.run(() => s.service.place({ channel: 'kiosk', lines: [{ itemId: 'steamed-rice', qty: 1 }] }, s.ctx(kiosk, NOON + 1000)));
    kioskOrderId = placed.id;
    const paid = s.run(
      () => s.service.pay(placed.id, { id: paymentId, tender: 'card', amountMinor: placed.dueMinor, reference: 'SIM-1' }, s.ctx(kiosk, NOON + 2000)).order,
    );
    // the log, the stored answers and the tickets, as the hub writes them beside the orders
    const event = s.db.prepare("INSERT INTO events (seq, type, at, topics, payload) VALUES (?, 'order.placed', ?, 'orders', ?)");
    event.run(1, NOON, JSON.stringify({ order: open }));
    event.run(2, NOON + 2000, JSON.stringify({ order: paid }));
    const key = s.db.prepare("INSERT INTO idempotency_keys (key, principal, request_hash, status, body, body_event_seq, created_at) VALUES (?, 'p', 'h', ?, ?, ?, ?)");
    key.run('key-place', 201, '', 1, NOON);
    key.run('key-pay', 201, JSON.stringify({ order: paid }), null, NOON + 2000);
    const job = s.db.prepare(
      `INSERT INTO print_jobs (id, idempotency_key, kind, order_id, station_id, printer_id, state, document, source_seq, reprint_of, created_at, updated_at)
       VALUES (?, ?, 'kitchen', ?, 'hot', 'p-1', ?, ?, 1, ?, ?, ?)`,
    );
    job.run(1, `${tableOrderId}:r1:e1:hot`, tableOrderId, 'queued', JSON.stringify({ orderId: tableOrderId }), null, NOON, NOON);
    job.run(2, `${tableOrderId}:reprint`, tableOrderId, 'confirmed', JSON.stringify({ orderId: tableOrderId }), 1, NOON + 5, NOON + 5);
    s.db.close();

    result = ageStore({ from, out, days: 2 });
    aged = new Database(out, { readonly: true });
  });
  afterAll(() => {
    aged?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const all = <T>(sql: string, ...params: unknown[]) => aged.prepare(sql).all(...params) as T[];

  it('holds the day once per day back, and no today', () => {
    expect(result.counts).toMatchObject({ orders: 4, payments: 2, events: 4, idempotency_keys: 4, print_jobs: 4, order_counters: 2 });
    expect(all<{ d: string }>('SELECT DISTINCT business_date AS d FROM orders ORDER BY d').map((r) => r.d)).toEqual(['2024-04-29', '2024-04-30']);
  });

  it('ends every copied day: orders closed and paid, food served, tickets printed', () => {
    expect(all('SELECT id FROM orders WHERE status <> ? OR due_minor <> 0', 'closed')).toEqual([]);
    expect(all('SELECT id FROM order_lines WHERE status <> ?', 'served')).toEqual([]);
    expect(all('SELECT id FROM print_jobs WHERE state <> ?', 'confirmed')).toEqual([]);
    // and a hub reads it as history: nothing for the kitchen, nothing open
    const db = openDb(out);
    try {
      expect(new SqliteOrderRepo(db).listActive(0)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it("moves a device's id by suffix and a hub ULID back in time, so history sorts first", () => {
    const ids = all<{ id: string }>('SELECT id FROM orders').map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([`${tableOrderId}-d1`, `${tableOrderId}-d2`]));
    const payments = all<{ id: string; created_at: number }>('SELECT id, created_at FROM payments ORDER BY id');
    expect(payments.map((p) => p.id)).toEqual([shiftUlid(paymentId, 2 * DAY), shiftUlid(paymentId, DAY)]);
    expect(payments.map((p) => p.created_at)).toEqual([NOON + 2000 - 2 * DAY, NOON + 2000 - DAY]);
  });

  it('numbers the log in time order and points payloads, answers and tickets at their own copy', () => {
    const events = all<{ seq: number; at: number; payload: string }>('SELECT seq, at, payload FROM events ORDER BY seq');
    expect(events.map((e) => e.at)).toEqual([NOON - 2 * DAY, NOON + 2000 - 2 * DAY, NOON - DAY, NOON + 2000 - DAY]);
    expect(JSON.parse(events[0]!.payload).order.id).toBe(`${tableOrderId}-d2`);
    expect(events.every((e) => !e.payload.includes(`"${tableOrderId}"`))).toBe(true);

    const placeKey = aged.prepare("SELECT body_event_seq AS seq FROM idempotency_keys WHERE key = 'key-place~1'").get() as { seq: number };
    expect(JSON.parse(events.find((e) => e.seq === placeKey.seq)!.payload).order.id).toBe(`${tableOrderId}-d1`);
    const payKey = aged.prepare("SELECT body FROM idempotency_keys WHERE key = 'key-pay~2'").pluck().get() as string;
    expect(JSON.parse(payKey).order.id).toBe(`${kioskOrderId}-d2`);

    const jobs = all<{ id: number; reprint_of: number | null; order_id: string; source_seq: number }>(
      'SELECT id, reprint_of, order_id, source_seq FROM print_jobs ORDER BY id',
    );
    expect(jobs).toEqual([
      { id: 1, reprint_of: null, order_id: `${tableOrderId}-d2`, source_seq: 1 },
      { id: 2, reprint_of: 1, order_id: `${tableOrderId}-d2`, source_seq: 1 },
      { id: 3, reprint_of: null, order_id: `${tableOrderId}-d1`, source_seq: 3 },
      { id: 4, reprint_of: 3, order_id: `${tableOrderId}-d1`, source_seq: 3 },
    ]);
  });
});

/** Runs `test` with a directory of its own, removed afterwards. */
function inTempDir(test: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-age-'));
  try {
    test(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('age-store: a run that crossed the start of a business day', () => {
  it('moves each copy back as many days as the run spans, so no two copies share a date', () => {
    inTempDir((dir) => {
      const from = join(dir, 'source.db');
      const s = openDemoStore(DEFAULT_PACING, from);
      for (const at of [NOON, NOON + DAY]) {
        s.run(() => s.service.place({ channel: 'kiosk', lines: [{ itemId: 'steamed-rice', qty: 1 }] }, s.ctx(kiosk, at)));
      }
      s.db.close();
      const out = join(dir, 'aged.db');
      expect(ageStore({ from, out, days: 2 }).counts).toMatchObject({ orders: 4, order_counters: 4 });
      const aged = new Database(out, { readonly: true });
      try {
        const dates = aged.prepare('SELECT business_date FROM orders ORDER BY business_date').pluck().all();
        expect(dates).toEqual(['2024-04-27', '2024-04-28', '2024-04-29', '2024-04-30']);
      } finally {
        aged.close();
      }
    });
  });
});

describe('age-store: a source older than an hour, its answers, events and print documents compacted', () => {
  it("copies them as JSON with their ids moved, and leaves the source's dictionaries and cursors behind", () => {
    inTempDir((dir) => {
      const from = join(dir, 'source.db');
      const s = openDemoStore(DEFAULT_PACING, from);
      const order = s.run(() => s.service.place({ channel: 'kiosk', lines: [{ itemId: 'steamed-rice', qty: 1 }] }, s.ctx(kiosk, NOON)));
      const event = s.db.prepare("INSERT INTO events (type, at, topics, payload) VALUES ('order.placed', ?, 'orders', ?)");
      const key = s.db.prepare("INSERT INTO idempotency_keys (key, principal, request_hash, status, body, body_event_seq, created_at) VALUES (?, 'p', 'h', 200, ?, NULL, ?)");
      const job = s.db.prepare(
        "INSERT INTO print_jobs (idempotency_key, kind, order_id, station_id, printer_id, state, document, created_at, updated_at) VALUES (?, 'kitchen', ?, 'hot', NULL, 'confirmed', ?, ?, ?)",
      );
      for (let i = 0; i < 60; i++) {
        event.run(NOON + i, JSON.stringify({ order: order, i }));
        key.run(`k${i}`, JSON.stringify({ order: order, i }), NOON + i);
        job.run(`j${i}`, order.id, JSON.stringify({ kind: 'kitchen', orderNumber: String(order.number), footerLines: [order.id], i }), NOON + i, NOON + i);
      }
      const log = { info() {}, warn() {}, error() {} };
      const compact = (column: CompactedColumn) => {
        const c = new Compactor(s.db, column, { submit: () => Promise.reject(new Error('not here')), idle: () => true, clock: () => 0, minAgeMs: 1000, everyMs: 1000, log });
        while (s.db.transaction(() => c.compactBatch(NOON + DAY))());
      };
      compact(ANSWERS);
      compact(EVENTS);
      compact(PRINT_JOBS);
      expect(s.db.prepare('SELECT payload FROM events').pluck().all().every((p) => isPacked(p as string))).toBe(true);
      expect(s.db.prepare('SELECT document FROM print_jobs').pluck().all().every((d) => isPacked(d as string))).toBe(true);
      s.db.close();

      const out = join(dir, 'aged.db');
      ageStore({ from, out, days: 2 });
      const aged = new Database(out, { readonly: true });
      try {
        const texts = [...aged.prepare('SELECT payload FROM events').pluck().all(), ...aged.prepare('SELECT body FROM idempotency_keys').pluck().all()] as string[];
        expect(texts).toHaveLength(240);
        const ids = texts.map((t) => (JSON.parse(t) as { order: { id: string } }).order.id);
        expect(new Set(ids)).toEqual(new Set([agedId(order.id, 1), agedId(order.id, 2)]));
        const documents = aged.prepare('SELECT document FROM print_jobs').pluck().all() as string[];
        expect(documents).toHaveLength(120);
        expect(new Set(documents.map((d) => (JSON.parse(d) as { footerLines: string[] }).footerLines[0]))).toEqual(new Set([agedId(order.id, 1), agedId(order.id, 2)]));
        // the aged store's rows are others: its own compactor starts from its first row, with its own dictionaries
        expect(aged.prepare("SELECT key FROM meta WHERE key GLOB '*_dict_*' OR key GLOB '*_compacted_*'").pluck().all()).toEqual([]);
      } finally {
        aged.close();
      }
    });
  });
});

describe('dateMinusDays', () => {
  it('counts back across months and years', () => {
    expect(dateMinusDays('2024-03-01', 1)).toBe('2024-02-29');
    expect(dateMinusDays('2025-01-01', 367)).toBe('2023-12-31');
  });
});
