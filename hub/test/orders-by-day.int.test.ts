/**
 * The order list by business day, against the real hub process, as the waiter tablet's "Today's bills"
 * (今日账单) reads it: one day's orders newest first, a page at a time from a cursor, the day's order of a
 * number (numbers restart every day), and the day it is now named in every answer.
 *
 * The hub has no injectable clock: yesterday is made by moving the first orders placed back a day in its
 * database (their business day, their times) and restarting today's order numbers, as a store finds them
 * the morning after.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../protocol/orders.ts';
import { PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

const DAY = 24 * 3600_000;

let hub: HubProcess;
let manager: string;
let today: string;
let yesterday: string;
/** In the order they were placed (oldest first). */
let yesterdays: Order[] = [];
let todays: Order[] = [];

/**
 * A zone where it is midday now (`Etc/GMT-8` is UTC+8): the test's orders, placed seconds apart, never
 * straddle the 04:00 start of a business day.
 */
function middayZone(): string {
  const offset = ((12 - new Date().getUTCHours() + 36) % 24) - 12;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

async function place(tableId: string | null): Promise<Order> {
  // no table: a takeaway
  const r = await hub.request('POST', '/api/v1/orders', { token: manager, body: sampleOrder(tableId === null ? { tableId: undefined } : { tableId }) });
  if (r.status !== 201) throw new Error(`order refused: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.order;
}

function write(change: (db: Database.Database) => void): void {
  const rw = new Database(join(hub.dataDir, 'brigade.db'));
  try {
    change(rw);
  } finally {
    rw.close();
  }
}

interface ListAnswer {
  orders: Order[];
  businessDate: string;
  error?: { code: string; message: string; details?: unknown };
}
const list = (query: string, token = manager) => hub.request<ListAnswer>('GET', `/api/v1/orders?${query}`, { token });
const ids = (orders: readonly Order[]) => orders.map((o) => o.id);
const newestFirst = (orders: readonly Order[]) => ids([...orders].reverse());

/** Every page of `query` from the first, `limit` at a time, each on from the last order of the one before. */
async function allPages(query: string, limit: number): Promise<{ pages: string[][]; asked: string[] }> {
  const pages: string[][] = [];
  const asked: string[] = [];
  let before: string | undefined;
  for (;;) {
    const q = `${query}&limit=${limit}${before ? `&before=${before}` : ''}`;
    asked.push(q);
    const r = await list(q);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    pages.push(ids(r.body.orders));
    if (r.body.orders.length < limit || pages.length > 20) return { pages, asked };
    before = r.body.orders.at(-1)!.id;
  }
}

beforeAll(async () => {
  hub = await startHub({ env: { HUB_TIMEZONE: middayZone() } });
  manager = (await signIn(hub, PINS.manager)).staff;
  // yesterday: three orders, numbers 1–3 of their day
  const first = [await place('t-a1'), await place(null), await place('t-a2')];
  today = first[0]!.businessDate;
  yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
  write((db) => {
    const move = db.prepare('UPDATE orders SET business_date = ?, created_at = created_at - ?, updated_at = updated_at - ? WHERE id = ?');
    for (const o of first) move.run(yesterday, DAY, DAY, o.id);
    db.prepare('UPDATE order_counters SET business_date = ? WHERE business_date = ?').run(yesterday, today);
  });
  yesterdays = first.map((o) => ({ ...o, businessDate: yesterday }));
  // today: five, numbers 1–5 again
  todays = [await place('t-a1'), await place(null), await place('t-a2'), await place('t-a1'), await place('t-a3')];
  // the last one paid: closed
  const last = todays[4]!;
  const paid = await hub.request('POST', `/api/v1/orders/${last.id}/payments`, { token: manager, body: { tender: 'cash', amountMinor: last.dueMinor, tenderedMinor: last.dueMinor } });
  if (paid.status !== 201) throw new Error(`payment refused: ${JSON.stringify(paid.body)}`);
}, 60_000);

afterAll(async () => {
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

describe('GET /api/v1/orders?businessDate=', () => {
  it('lists one business day’s orders, newest first, closed ones included, and names the day it is now', async () => {
    expect(todays.map((o) => [o.businessDate, o.number])).toEqual([1, 2, 3, 4, 5].map((n) => [today, n]));
    const now = await list(`businessDate=${today}`);
    expect(now.status).toBe(200);
    expect(ids(now.body.orders)).toEqual(newestFirst(todays));
    expect(now.body.orders[0]).toMatchObject({ status: 'closed' });
    expect(now.body.businessDate).toBe(today);
    const before = await list(`businessDate=${yesterday}`);
    expect(ids(before.body.orders)).toEqual(newestFirst(yesterdays));
    expect(before.body.orders.map((o) => o.number)).toEqual([3, 2, 1]);
    // the day it is now, whichever day was asked for, and with no day at all
    expect(before.body.businessDate).toBe(today);
    const all = await list('limit=100');
    expect(all.body.businessDate).toBe(today);
    expect(ids(all.body.orders)).toEqual([...newestFirst(todays), ...newestFirst(yesterdays)]);
    expect((await list('businessDate=2020-01-01')).body.orders).toEqual([]);
  });

  it('narrows by status and table within the day', async () => {
    expect(ids((await list(`businessDate=${today}&status=open`)).body.orders)).toEqual(newestFirst(todays.slice(0, 4)));
    expect(ids((await list(`businessDate=${today}&status=closed`)).body.orders)).toEqual([todays[4]!.id]);
    expect(ids((await list(`businessDate=${today}&tableId=t-a1`)).body.orders)).toEqual([todays[3]!.id, todays[0]!.id]);
    expect(ids((await list(`businessDate=${yesterday}&tableId=t-a1&status=open`)).body.orders)).toEqual([yesterdays[0]!.id]);
  });

  it('finds the day’s order of a number: the same number on another day is another order', async () => {
    expect(ids((await list(`businessDate=${today}&number=2`)).body.orders)).toEqual([todays[1]!.id]);
    expect(ids((await list(`businessDate=${yesterday}&number=2`)).body.orders)).toEqual([yesterdays[1]!.id]);
    expect((await list(`businessDate=${yesterday}&number=4`)).body.orders).toEqual([]);
    // with the other filters too: #5 is closed, not open
    expect(ids((await list(`businessDate=${today}&number=5&status=closed`)).body.orders)).toEqual([todays[4]!.id]);
    expect((await list(`businessDate=${today}&number=5&status=open`)).body.orders).toEqual([]);
    expect((await list(`businessDate=${today}&number=5&tableId=t-a1`)).body.orders).toEqual([]);
  });

  it('pages through a day on from the last order of each page, in the list’s order, with the other filters kept', async () => {
    const { pages, asked } = await allPages(`businessDate=${today}`, 2);
    expect(pages).toEqual([newestFirst(todays).slice(0, 2), newestFirst(todays).slice(2, 4), newestFirst(todays).slice(4)]);
    expect(asked[1]).toBe(`businessDate=${today}&limit=2&before=${todays[3]!.id}`);
    // a page of open orders at one table, one at a time
    const atA1 = await allPages(`businessDate=${today}&status=open&tableId=t-a1`, 1);
    expect(atA1.pages.flat()).toEqual([todays[3]!.id, todays[0]!.id]);
    // the day named is the one paged, whichever day the cursor's order is of: yesterday's orders are all older
    expect(ids((await list(`businessDate=${yesterday}&before=${todays[0]!.id}`)).body.orders)).toEqual(newestFirst(yesterdays));
    expect((await list(`businessDate=${today}&before=${todays[0]!.id}`)).body.orders).toEqual([]);
  });

  it('refuses a day that is not a date, a number or a page without a day, and a page from an order that is not there', async () => {
    for (const [query, field] of [
      ['businessDate=2026-02-30', 'businessDate'],
      ['businessDate=2026-1-5', 'businessDate'],
      ['businessDate=today', 'businessDate'],
      ['businessDate=2026-11-26&businessDate=2026-11-27', 'businessDate'],
      ['number=3', 'number'],
      [`businessDate=${today}&number=0`, 'number'],
      [`businessDate=${today}&number=two`, 'number'],
      [`before=${todays[1]!.id}`, 'before'],
      [`businessDate=${today}&before=no.such`, 'before'],
    ] as const) {
      const r = await list(query);
      expect({ query, status: r.status, code: r.body.error?.code }).toEqual({ query, status: 400, code: 'validation_failed' });
      expect(r.body.error?.message, query).toMatch(new RegExp(`^query\\.${field}: `));
    }
    const unknown = await list(`businessDate=${today}&before=o-never-placed`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'bad_request', details: { before: 'o-never-placed' } });
  });

  it("a table's phone: the day narrows what it may read; it has no pages", async () => {
    const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
    const phone = (qr.body.tables as { id: string; qrToken: string }[]).find((t) => t.id === 't-a1')!.qrToken;
    expect(ids((await list(`businessDate=${today}`, phone)).body.orders)).toEqual([todays[3]!.id, todays[0]!.id]);
    expect(ids((await list(`businessDate=${today}&number=1`, phone)).body.orders)).toEqual([todays[0]!.id]);
    // an order still open is the table's whatever its day (hub/domain/public-reads.ts): yesterday's at A1 too
    expect(ids((await list(`businessDate=${yesterday}`, phone)).body.orders)).toEqual([yesterdays[0]!.id]);
    const paged = await list(`businessDate=${today}&before=${todays[3]!.id}`, phone);
    expect({ status: paged.status, code: paged.body.error?.code }).toEqual({ status: 400, code: 'bad_request' });
  });

  // last: it gives yesterday's orders one creation time
  it('pages orders placed in the same millisecond in the order they were stored, none twice or lost', async () => {
    write((db) => {
      const same = db.prepare('UPDATE orders SET created_at = ? WHERE id = ?');
      for (const o of yesterdays) same.run(yesterdays[0]!.createdAt - DAY, o.id);
    });
    const whole = await list(`businessDate=${yesterday}`);
    expect(ids(whole.body.orders)).toEqual(newestFirst(yesterdays));
    const { pages } = await allPages(`businessDate=${yesterday}`, 1);
    expect(pages.flat()).toEqual(newestFirst(yesterdays));
  });
});
