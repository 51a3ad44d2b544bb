/**
 * The machine's own limit: how many order-shaped durable transactions better-sqlite3 commits per second on
 * this disk, with the hub's durability (WAL, synchronous=FULL), one order per transaction and 16 per
 * transaction. No HTTP, no JSON parsing of requests, no sockets: the ceiling the hub is measured against.
 *
 * One order = an order row, `lines` order-line rows (snapshotted names and option JSON, like the hub's),
 * one event row carrying the whole order as JSON (like `order.placed`), and two print-job rows (one per
 * kitchen station) with a rendered ticket.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ulidFactory } from '../../hub/store/ulid.ts';

export interface RawResult {
  ordersPerSec: number;
  orders: number;
  seconds: number;
  /** Bytes of the event payload of one order (the order as JSON). */
  eventBytes: number;
}

const SCHEMA = `
CREATE TABLE orders (id TEXT PRIMARY KEY, number INTEGER NOT NULL, business_date TEXT NOT NULL, channel TEXT NOT NULL,
  table_id TEXT, guest_count INTEGER, note TEXT, status TEXT NOT NULL, subtotal_minor INTEGER NOT NULL,
  discount_minor INTEGER NOT NULL, total_minor INTEGER NOT NULL, paid_minor INTEGER NOT NULL, due_minor INTEGER NOT NULL,
  revision INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, device_id TEXT, staff_id TEXT);
CREATE UNIQUE INDEX orders_day_number ON orders (business_date, number);
CREATE INDEX orders_status ON orders (status);
CREATE TABLE order_lines (id TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(id), position INTEGER NOT NULL,
  item_id TEXT NOT NULL, name_zh TEXT NOT NULL, name_en TEXT NOT NULL, station_id TEXT NOT NULL, qty INTEGER NOT NULL,
  unit_price_minor INTEGER NOT NULL, line_total_minor INTEGER NOT NULL, options TEXT NOT NULL, note TEXT,
  course INTEGER NOT NULL, status TEXT NOT NULL, added_at INTEGER NOT NULL, fired_at INTEGER);
CREATE INDEX order_lines_order ON order_lines (order_id, position);
CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, at INTEGER NOT NULL, device_id TEXT,
  staff_id TEXT, topics TEXT NOT NULL, payload TEXT NOT NULL);
CREATE INDEX events_at ON events (at);
CREATE TABLE print_jobs (id TEXT PRIMARY KEY, order_id TEXT NOT NULL, station_id TEXT NOT NULL, status TEXT NOT NULL,
  attempts INTEGER NOT NULL, document TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX print_jobs_status ON print_jobs (status, created_at);
`;

const OPTIONS = [
  { id: 'spice-medium', groupId: 'spice', nameZh: '中辣', nameEn: 'Medium', priceDeltaMinor: 0 },
  { id: 'size-regular', groupId: 'size', nameZh: '中份', nameEn: 'Regular', priceDeltaMinor: 0 },
];

const DISHES = [
  ['mapo-tofu', '麻婆豆腐', 'Mapo Tofu', 'hot', 2800],
  ['kung-pao-chicken', '宫保鸡丁', 'Kung Pao Chicken', 'hot', 3800],
  ['dan-dan-noodles', '担担面', 'Dan Dan Noodles', 'hot', 2200],
  ['sour-plum-drink', '酸梅汤', 'Sour Plum Drink', 'bar', 800],
  ['bubble-milk-tea', '珍珠奶茶', 'Bubble Milk Tea', 'bar', 1600],
] as const;

/** Runs `seconds` of one-order transactions, then `seconds` of 16-order transactions, on a fresh file in `dir`. */
export function rawCommitRate(o: { dir: string; seconds: number; lines: number; group: number }): { single: RawResult; grouped: RawResult } {
  const dir = mkdtempSync(join(o.dir, 'brigade-raw-'));
  const db = new Database(join(dir, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL'); // the hub's setting: each COMMIT fsyncs the WAL
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    const ulid = ulidFactory();
    const s = {
      order: db.prepare(
        `INSERT INTO orders VALUES (@id, @number, '2025-01-01', 'pos', 't-a1', 2, NULL, 'fired', @total, 0, @total, 0, @total, 1, @now, @now, 'dev', 'staff')`,
      ),
      line: db.prepare(
        `INSERT INTO order_lines VALUES (@id, @orderId, @position, @itemId, @nameZh, @nameEn, @stationId, 1, @price, @price, @options, NULL, 1, 'fired', @now, @now)`,
      ),
      event: db.prepare(`INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES ('order.placed', ?, 'dev', 'staff', ?, ?)`),
      job: db.prepare(`INSERT INTO print_jobs VALUES (?, ?, ?, 'queued', 0, ?, ?)`),
    };
    let number = 0;
    const ticket = randomBytes(300).toString('base64'); // a rendered kitchen ticket, roughly
    let eventBytes = 0;
    const one = () => {
      const now = Date.now();
      const id = ulid();
      const lines = Array.from({ length: o.lines }, (_, i) => {
        const d = DISHES[i % DISHES.length]!;
        return { id: ulid(), itemId: d[0], nameZh: d[1], nameEn: d[2], stationId: d[3], qty: 1, unitPriceMinor: d[4], lineTotalMinor: d[4], options: OPTIONS };
      });
      const total = lines.reduce((a, l) => a + l.lineTotalMinor, 0);
      s.order.run({ id, number: ++number, total, now });
      lines.forEach((l, i) =>
        s.line.run({ id: l.id, orderId: id, position: i, itemId: l.itemId, nameZh: l.nameZh, nameEn: l.nameEn, stationId: l.stationId, price: l.unitPriceMinor, options: JSON.stringify(l.options), now }),
      );
      // the event carries the whole order with every line field, as the hub's order.placed does
      const wireLines = lines.map((l) => ({ ...l, note: null, course: 1, status: 'fired', voidReason: null, addedAt: now, firedAt: now, readyAt: null, servedAt: null, addedByStaffId: 's-waiter' }));
      const payload = JSON.stringify({
        order: { id, number, businessDate: '2025-01-01', channel: 'pos', tableId: 't-a1', guestCount: 2, note: null, status: 'fired', lines: wireLines, payments: [], subtotalMinor: total, discountMinor: 0, discountReason: null, totalMinor: total, paidMinor: 0, dueMinor: total, revision: 1, createdAt: now, updatedAt: now, closedAt: null, deviceId: 'dev', staffId: 's-waiter' },
      });
      eventBytes = payload.length;
      s.event.run(now, 'orders table:t-a1 station:hot station:bar', payload);
      s.job.run(ulid(), id, 'hot', ticket, now);
      s.job.run(ulid(), id, 'bar', ticket, now);
    };
    const txn = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) one();
    });
    const measure = (group: number): RawResult => {
      // warm up (page cache, statement plans) and then time a fixed window
      for (let i = 0; i < 20; i++) txn(group);
      const t0 = performance.now();
      const end = t0 + o.seconds * 1000;
      let orders = 0;
      // bounded in time and in count
      while (performance.now() < end && orders < 10_000_000) {
        txn(group);
        orders += group;
      }
      const seconds = (performance.now() - t0) / 1000;
      return { ordersPerSec: orders / seconds, orders, seconds, eventBytes };
    };
    return { single: measure(1), grouped: measure(o.group) };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
