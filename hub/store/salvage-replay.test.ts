/**
 * Salvage rebuilds from the event log the orders whose rows were on a spoilt page, on real SQLite files: a
 * day of orders taken by the real order rules (every event written to the log as the writer writes it, the
 * older half compacted), then pages of `orders`, `order_lines`, `payments`, `refunds` and `events`
 * overwritten. An order whose whole history the log holds reads back exactly as it was; one whose history a
 * spoilt page of the log cut is listed as lost with what the log last said of it, never rebuilt wrong.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../domain/ports.ts';
import { deviceIdOf, staffIdOf, type Principal } from '../domain/principal.ts';
import { cashier, DEFAULT_PACING, kiosk, kitchen, manager, NOON, openDemoStore, plum, rice, table as guestAt, tofu, waiter } from '../domain/test-support.ts';
import type { Order, OrderSummary } from '../protocol/orders.ts';
import { Compactor, Dictionaries, EVENTS } from './compactor.ts';
import { SqliteOrderRepo } from './order-repo.ts';
import { salvageStore, type SalvageResult } from './salvage.ts';
import { OrderReplay, type OrderEvent } from './salvage-replay.ts';
import { leafAt, leavesOf, quickCheck, rowsOf, spoil, withOnlyFirstRows } from './salvage-test-support.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const TAKEN_AT = NOON + 86_400_000;
const GROUPS = 20;

type Step = Generator<void, void, void>;

/**
 * A day of a restaurant, in groups of nine orders whose commands interleave (so that each page of the log
 * holds several orders' events): every kind of change an order goes through, then, an hour later, refunds
 * of bills closed long before (a complaint: a table's bill refunded then keeps its last change time), rushes
 * of some of them if asked (their food still cooking: the same) and
 * more dishes for the tables still open.
 */
function makeDay({ lateRushes: withLateRushes = false } = {}): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-replay-'));
  dirs.push(dir);
  const file = join(dir, 'brigade.db');
  const store = openDemoStore(DEFAULT_PACING, file);
  // a test's store needs no durability: one fsync per command made the day take seconds
  store.db.pragma('synchronous = OFF');
  const append = store.db.prepare('INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES (?, ?, ?, ?, ?, ?)');
  let now = NOON;
  const act = <R>(p: Principal, fn: (ctx: CommandContext) => R): R => {
    const at = (now += 1000);
    const ctx: CommandContext = {
      ...store.ctx(p, at),
      // as the writer appends them: in the command's transaction, stamped with its time
      events: { emit: (type, payload, topics) => Number(append.run(type, at, deviceIdOf(p), staffIdOf(p), topics.join(' '), JSON.stringify(payload)).lastInsertRowid) },
    };
    return store.run(() => fn(ctx));
  };
  const s = store.service;
  const lateRefunds: (() => void)[] = [];
  const lateDishes: (() => void)[] = [];
  const lateRushes: (() => void)[] = [];

  function* cashTakeaway(): Step {
    let o = act(waiter, (c) => s.place({ channel: 'pos', lines: [tofu({ optionIds: ['spice-hot', 'size-large'] }), plum({ qty: 2 })] }, c));
    yield;
    o = act(kitchen, (c) => s.setLineStatus(o.id, { status: 'preparing' }, c));
    yield;
    o = act(kitchen, (c) => s.setLineStatus(o.id, { status: 'ready' }, c));
    yield;
    o = act(waiter, (c) => s.setLineStatus(o.id, { status: 'served' }, c));
    yield;
    const { payment } = act(cashier, (c) => s.pay(o.id, { tender: 'cash', amountMinor: o.dueMinor, tenderedMinor: o.dueMinor + 500 }, c));
    lateRefunds.push(() => act(manager, (c) => s.refund(o.id, { paymentId: payment.id, amountMinor: 100, reason: 'cold' }, c)));
  }
  function* discountedTable(): Step {
    let o = act(waiter, (c) => s.place({ channel: 'pos', tableId: 't-a1', guestCount: 3, note: 'window', lines: [tofu(), rice({ course: 2, hold: true })] }, c));
    yield;
    o = act(waiter, (c) => s.addLines(o.id, { lines: [plum({ note: 'no straw', seat: 2 })] }, c));
    yield;
    o = act(waiter, (c) => s.fire(o.id, 2, c));
    yield;
    o = act(kitchen, (c) => s.setLineStatus(o.id, { status: 'ready' }, c));
    yield;
    o = act(manager, (c) => s.discount(o.id, { percent: 10, reason: 'regular' }, c));
    yield;
    const { payment } = act(cashier, (c) => s.pay(o.id, { tender: 'card', amountMinor: o.dueMinor, reference: `T-${o.id}` }, c));
    yield;
    act(manager, (c) => s.refund(o.id, { paymentId: payment.id, amountMinor: 300, reason: 'soup was cold', reference: `R-${o.id}` }, c));
    lateRefunds.push(() => act(manager, (c) => s.refund(o.id, { paymentId: payment.id, amountMinor: 200, reason: 'complaint', reference: `R2-${o.id}` }, c)));
    lateRushes.push(() => act(waiter, (c) => s.setRush(o.id, true, c)));
  }
  function* voidedAndReopened(): Step {
    let o = act(waiter, (c) => s.place({ channel: 'pos', lines: [tofu(), plum(), rice({ hold: true })] }, c));
    const [, drink, held] = o.lines;
    yield;
    o = act(waiter, (c) => s.voidLine(o.id, held!.id, 'changed mind', c));
    yield;
    o = act(manager, (c) => s.voidLine(o.id, drink!.id, 'spilt', c));
    yield;
    o = act(kitchen, (c) => s.setLineStatus(o.id, { status: 'served' }, c));
    yield;
    o = act(cashier, (c) => s.pay(o.id, { tender: 'cash', amountMinor: o.dueMinor }, c)).order;
    yield;
    o = act(manager, (c) => s.reopen(o.id, 'forgot the dessert', c));
    yield;
    o = act(waiter, (c) => s.addLines(o.id, { lines: [plum({ optionIds: ['ice-none'] })] }, c));
    yield;
    act(cashier, (c) => s.pay(o.id, { tender: 'card', amountMinor: o.dueMinor, reference: `T2-${o.id}` }, c));
  }
  function* movedAndSplit(): Step {
    let o = act(waiter, (c) => s.place({ channel: 'pos', tableId: 't-a2', lines: [tofu(), plum(), rice()] }, c));
    const tofuLine = o.lines[0]!;
    yield;
    o = act(waiter, (c) => s.transfer(o.id, { tableId: 't-a3' }, c));
    yield;
    o = act(kitchen, (c) => s.setLineStatus(o.id, { status: 'ready' }, c));
    yield;
    o = act(kitchen, (c) => s.recall(o.id, [tofuLine.id], c));
    yield;
    o = act(kitchen, (c) => s.setLineStatus(o.id, { status: 'ready', lineIds: [tofuLine.id] }, c));
    yield;
    o = act(waiter, (c) => s.requestBill(o.id, true, c));
    yield;
    o = act(cashier, (c) => s.pay(o.id, { tender: 'cash', amountMinor: tofuLine.lineTotalMinor, lineIds: [tofuLine.id] }, c)).order;
    yield;
    act(cashier, (c) => s.pay(o.id, { tender: 'card', amountMinor: o.dueMinor, reference: `T-${o.id}` }, c));
  }
  function* merged(): Step {
    const a = act(waiter, (c) => s.place({ channel: 'pos', tableId: 't-a4', guestCount: 2, lines: [tofu()] }, c));
    yield;
    let b = act(waiter, (c) => s.place({ channel: 'pos', tableId: 't-a5', guestCount: 2, lines: [plum(), rice()] }, c));
    yield;
    act(cashier, (c) => s.pay(a.id, { tender: 'cash', amountMinor: 500 }, c));
    yield;
    act(waiter, (c) => s.setRush(a.id, true, c));
    yield;
    b = act(waiter, (c) => s.merge(a.id, { intoOrderId: b.id }, c)).order;
    yield;
    b = act(kitchen, (c) => s.setLineStatus(b.id, { status: 'served' }, c));
    yield;
    act(cashier, (c) => s.pay(b.id, { tender: 'cash', amountMinor: b.dueMinor }, c));
  }
  function* voided(): Step {
    const o = act(waiter, (c) => s.place({ channel: 'pos', fire: false, lines: [tofu(), plum()] }, c));
    yield;
    act(waiter, (c) => s.voidOrder(o.id, 'walked out', c));
  }
  function* kioskOrder(): Step {
    let o = act(kiosk, (c) => s.place({ channel: 'kiosk', lines: [plum(), tofu({ optionIds: ['spice-none', 'size-small'] })] }, c));
    yield;
    o = act(waiter, (c) => s.setRush(o.id, true, c));
    yield;
    o = act(kitchen, (c) => s.setLineStatus(o.id, { status: 'ready' }, c));
    yield;
    act(kiosk, (c) => s.pay(o.id, { tender: 'card', amountMinor: o.dueMinor, reference: `K-${o.id}` }, c));
  }
  function* leftOpen(g: number): Step {
    const o = act(waiter, (c) => s.place({ channel: 'pos', tableId: `t-b${(g % 8) + 1}`, lines: [tofu(), plum()] }, c));
    yield;
    act(waiter, (c) => s.requestBill(o.id, true, c));
    yield;
    act(kitchen, (c) => s.setLineStatus(o.id, { status: 'preparing' }, c));
    lateDishes.push(() => act(waiter, (c) => s.addLines(o.id, { lines: [rice({ qty: 2 }), tofu({ optionIds: ['spice-mild', 'size-large'], note: 'for the kids' })] }, c)));
  }

  for (let g = 0; g < GROUPS; g++) {
    const scripts = [cashTakeaway(), discountedTable(), voidedAndReopened(), movedAndSplit(), merged(), voided(), kioskOrder(), leftOpen(g)];
    // round-robin, a step of each in turn, until every script has run to its end
    for (let live = scripts; live.length > 0; ) live = live.filter((script) => !script.next().done);
  }
  now += 3600_000;
  for (const refund of lateRefunds.filter((_, i) => i % 3 === 0)) refund();
  // (not in every day: the tests of the log's last page need its rows where they are)
  if (withLateRushes) for (const rush of lateRushes.filter((_, i) => i % 2 === 0)) rush();
  // the tables still open order more: lines written an hour after their orders' first
  for (const dishes of lateDishes) dishes();
  // the tests of a cut log need its end so: the last dish of the last event alone on the last page of lines, and
  // three events or more on the last page of the log. Where pages end moves with the size of every row (a
  // field added to lines or events), so the open tables order another round until it falls so
  for (let round = 0; !(lastLeafCells(store.db, 'order_lines') === 1 && lastLeafCells(store.db, 'events') >= 3); round++) {
    if (round === 200) throw new Error('the day never ends as the tests of a cut log need');
    lateDishes[round % lateDishes.length]!();
  }

  // the older half of the log compacted, as the hub leaves it: the rebuild reads it through the dictionary
  const compactor = new Compactor(store.db, EVENTS, {
    submit: () => Promise.reject(new Error('not used')),
    idle: () => true,
    clock: () => now,
    minAgeMs: 0,
    everyMs: 60_000,
    batch: 200,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const half = NOON + (now - NOON) / 2;
  while (store.db.transaction(() => compactor.compactBatch(half))());
  store.db.close();
  expect(rowsOf(file, "SELECT COUNT(*) AS n FROM events WHERE payload GLOB 'z*'")[0].n).toBeGreaterThan(200);
  return { dir, file };
}

/** How many rows the last page of a table holds. */
const lastLeafCells = (db: Database.Database, table: string): number =>
  db.prepare("SELECT ncell FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path DESC LIMIT 1").pluck().get(table) as number;

/** Every order of a store, as the hub reads it, by id. */
function ordersOf(file: string): Map<string, Order> {
  const db = new Database(file, { readonly: true });
  try {
    const repo = new SqliteOrderRepo(db);
    const ids = db.prepare('SELECT id FROM orders ORDER BY rowid').pluck().all() as string[];
    return new Map(ids.map((id) => [id, repo.get(id)!]));
  } finally {
    db.close();
  }
}

const idsOn = (file: string, table: string, rowids: readonly number[]): string[] =>
  rowsOf(file, `SELECT id FROM "${table}" WHERE _rowid_ IN (${rowids.join(', ')})`).map((r) => r.id as string);

/** Each order's events, oldest first: the seq and what the event said of that order. */
type Seen = { seq: number; type: string; at: number; summary: OrderSummary };
function historiesOf(file: string): Map<string, Seen[]> {
  const db = new Database(file, { readonly: true });
  try {
    const dicts = new Dictionaries(db);
    const out = new Map<string, Seen[]>();
    const note = (e: Omit<Seen, 'summary'>, o: OrderSummary) => out.set(o.id, [...(out.get(o.id) ?? []), { ...e, summary: o }]);
    for (const e of db.prepare("SELECT seq, type, at, payload FROM events WHERE type GLOB 'order.*' ORDER BY seq").all() as (Omit<Seen, 'summary'> & { payload: string })[]) {
      const p = JSON.parse(dicts.unpack(e.payload)) as { order: OrderSummary; merged?: OrderSummary };
      if (p.merged) note(e, p.merged);
      note(e, p.order);
    }
    return out;
  } finally {
    db.close();
  }
}

function salvage(dir: string, file: string): { dest: string; r: SalvageResult } {
  const dest = join(dir, 'backups', 'salvaged.db');
  return { dest, r: salvageStore({ source: file, dest, takenAt: TAKEN_AT, batch: 100 }) };
}

describe('salvage rebuilds lost orders from the event log', () => {
  it('makes every order whose rows were on spoilt pages of orders, lines, payments and refunds again, exactly as the hub held it', () => {
    const { dir, file } = makeDay({ lateRushes: true });
    const before = ordersOf(file);
    const lostOrders = leafAt(file, 'orders', 0.3);
    const lostLines = leafAt(file, 'order_lines', 0.6);
    const lostPayments = leafAt(file, 'payments', 0.5);
    // refunds are few: their one page, the table's root, is spoilt whole
    const refundPages = leavesOf(file, 'refunds');
    const lostOrderIds = idsOn(file, 'orders', lostOrders.rowids);
    // among them a bill rushed an hour after it closed: it keeps its last change time, as the hub keeps it
    expect(lostOrderIds.some((id) => before.get(id)!.rush && before.get(id)!.status === 'closed')).toBe(true);
    const lineOwners = rowsOf(file, `SELECT DISTINCT order_id AS id FROM order_lines WHERE _rowid_ IN (${lostLines.rowids.join(', ')})`).map((r) => r.id as string);
    // the lines lost are (mostly) other orders' than the orders lost: kept orders whose lines are made again
    expect(lineOwners.filter((id) => !lostOrderIds.includes(id)).length).toBeGreaterThan(0);
    spoil(file, lostOrders.pageno, lostLines.pageno, lostPayments.pageno, ...refundPages.map((p) => p.pageno));
    expect(quickCheck(file)).not.toBe('ok');

    const { dest, r } = salvage(dir, file);

    expect(quickCheck(dest)).toBe('ok');
    expect(rowsOf(dest, 'PRAGMA foreign_key_check')).toEqual([]);
    const after = ordersOf(dest);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [id, order] of before) expect(after.get(id), `order #${order.number} (${id})`).toEqual(order);

    expect(r.lostOrders).toEqual([]);
    expect(r.ordersToCheck).toEqual([]);
    expect(r.rebuilt.filter((o) => o.rowLost).map((o) => o.id).sort()).toEqual([...lostOrderIds].sort());
    expect(r.rebuilt.filter((o) => !o.rowLost).length).toBeGreaterThan(0);
    const table = (name: string) => r.tables.find((t) => t.table === name)!;
    expect(table('orders')).toMatchObject({ kept: before.size, rebuilt: lostOrderIds.length, removed: 0 });
    expect(table('order_lines')).toMatchObject({ removed: 0 });
    expect(table('payments')).toMatchObject({ removed: 0 });
    const refunds = [...before.values()].reduce((n, o) => n + (o.refunds?.length ?? 0), 0);
    expect(refunds).toBeGreaterThan(0);
    expect(table('refunds')).toMatchObject({ lostTail: true, removed: 0, kept: refunds, rebuilt: refunds });
  });

  it('completes a kept order placed long before the lines of it that were lost, reading the log back to its placing', () => {
    const { dir, file } = makeDay();
    const before = ordersOf(file);
    // the last pages of lines: the dishes the open tables ordered an hour after they sat down
    const leaves = leavesOf(file, 'order_lines').slice(-2);
    const lostRowids = leaves.flatMap((l) => l.rowids);
    const owners = rowsOf(file, `SELECT DISTINCT order_id AS id FROM order_lines WHERE _rowid_ IN (${lostRowids.join(', ')})`).map((r) => r.id as string);
    const lastKept = rowsOf(file, 'SELECT added_at AS at FROM order_lines WHERE _rowid_ = ?', lostRowids[0]! - 1)[0].at as number;
    expect(owners.length).toBeGreaterThan(1);
    expect(owners.every((id) => before.get(id)!.createdAt < lastKept - 30 * 60_000)).toBe(true);
    spoil(file, ...leaves.map((l) => l.pageno));

    const { dest, r } = salvage(dir, file);

    const after = ordersOf(dest);
    for (const [id, order] of before) expect(after.get(id), `order #${order.number} (${id})`).toEqual(order);
    expect(r.rebuilt.map((o) => o.id).sort()).toEqual([...owners].sort());
    expect(r.rebuilt.every((o) => !o.rowLost)).toBe(true);
    expect(r).toMatchObject({ lostOrders: [], ordersToCheck: [] });
    expect(r.tables.find((t) => t.table === 'order_lines')).toMatchObject({ rebuilt: lostRowids.length, lostTail: true });
  });

  it('makes again the rows of pages that read whole but as they were before rows were added to them (writes the disk never made): no error, yet rows missing', () => {
    const { dir, file } = makeDay();
    const before = ordersOf(file);
    // a leaf in the middle of the orders (a hole in their rowids) and the last of the payments (a short end)
    const orders = leafAt(file, 'orders', 0.5);
    const payments = leavesOf(file, 'payments').at(-1)!;
    const lostOrderIds = idsOn(file, 'orders', orders.rowids.slice(2));
    const lostPayments = payments.rowids.length - 2;
    const refunds = rowsOf(file, 'SELECT COUNT(*) AS n FROM refunds')[0].n as number;
    withOnlyFirstRows(file, orders.pageno, 2);
    withOnlyFirstRows(file, payments.pageno, 2);
    // SQLite reads every page without a word; only the indexes, which still list the rows, tell
    expect(rowsOf(file, 'SELECT COUNT(*) AS n FROM orders NOT INDEXED')[0].n).toBe(before.size - lostOrderIds.length);
    expect(quickCheck(file)).toMatch(/wrong # of entries in index orders_day_number/);

    const { dest, r } = salvage(dir, file);

    expect(quickCheck(dest)).toBe('ok');
    const after = ordersOf(dest);
    for (const [id, order] of before) expect(after.get(id), `order #${order.number} (${id})`).toEqual(order);
    expect(r).toMatchObject({ lostOrders: [], ordersToCheck: [] });
    // told as lost on a damaged page, and made again from the log: nothing removed for want of its parent
    const table = (name: string) => r.tables.find((t) => t.table === name)!;
    expect(table('orders')).toMatchObject({
      skipped: [{ after: orders.rowids[1], before: orders.rowids.at(-1)! + 1 }],
      lostRowids: lostOrderIds.length,
      rebuilt: lostOrderIds.length,
    });
    expect(r.rebuilt.filter((o) => o.rowLost).map((o) => o.id).sort()).toEqual([...lostOrderIds].sort());
    expect(table('payments')).toMatchObject({ lostTail: true, skipped: [{ after: payments.rowids[1], before: null }], rebuilt: lostPayments, removed: 0 });
    expect(table('order_lines')).toMatchObject({ removed: 0 });
    expect(table('refunds')).toMatchObject({ kept: refunds, removed: 0 });
  });

  /**
   * The log's end, as a power cut leaves it: the last page of the log spoilt by `damage` (which returns the last
   * seq still read), and the page of sqlite_sequence, rewritten with every event, whole but as it was when the
   * log ended there. The log's last events are the dishes ordered an hour later at the open tables; `id` is the
   * table's order whose dishes are the `nth` event from the end.
   */
  function cutLogEnd(file: string, damage: (last: { pageno: number; rowids: number[] }) => number, nth = 1) {
    const histories = historiesOf(file);
    const last = leavesOf(file, 'events').at(-1)!;
    const [id, history] = [...histories].find(([, h]) => h.at(-1)!.seq === last.rowids.at(-nth) && h.at(-1)!.type === 'order.lines_added')!;
    const readable = damage(last);
    const db = new Database(file);
    db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'").run(readable);
    db.close();
    return { id, history };
  }

  it('rebuilds no order from a log whose last page is spoilt when the sequence of seqs reads whole but old: a change of it may have been there', () => {
    const { dir, file } = makeDay();
    const { id, history } = cutLogEnd(file, (last) => (spoil(file, last.pageno), last.rowids[0]! - 1));
    // its row, and the rows of those dishes (its two newest lines)
    const lateLines = rowsOf(file, 'SELECT _rowid_ AS r FROM order_lines WHERE order_id = ? ORDER BY _rowid_ DESC LIMIT 2', id).map((l) => l.r as number);
    const orderLeaf = leavesOf(file, 'orders').find((l) => idsOn(file, 'orders', l.rowids).includes(id))!;
    spoil(file, orderLeaf.pageno, ...leavesOf(file, 'order_lines').filter((l) => l.rowids.some((r) => lateLines.includes(r))).map((l) => l.pageno));

    const { dest, r } = salvage(dir, file);

    // not made again without its last dishes: listed, with what the log last said of it
    expect(rowsOf(dest, 'SELECT id FROM orders WHERE id = ?', id)).toEqual([]);
    expect(r.lostOrders.find((o) => o.id === id)).toMatchObject({ why: 'later-events-lost', lastSeen: { number: history.at(-2)!.summary.number } });
    expect(r.rebuilt.map((o) => o.id)).not.toContain(id);
  });

  it('rebuilds no order from a log whose last page reads whole but short when a row written after its last event is kept: the log lost its end', () => {
    const { dir, file } = makeDay();
    // the last page of the log as it was before its last two events: the dishes of two tables, `id`'s the first
    const { id, history } = cutLogEnd(file, (last) => (withOnlyFirstRows(file, last.pageno, last.rowids.length - 2), last.rowids.at(-3)!), 2);
    const keptAt = rowsOf(file, 'SELECT at FROM events WHERE seq = ?', history.at(-1)!.seq - 1)[0].at as number;
    // its row spoilt; the last lines whole but short: its two dishes and the other table's first missing, the
    // other table's second kept, alone on the last page, and written after the last event the log keeps
    const orderLeaf = leavesOf(file, 'orders').find((l) => idsOn(file, 'orders', l.rowids).includes(id))!;
    const lines = leavesOf(file, 'order_lines');
    const [lastLeaf, leaf] = [lines.at(-1)!, lines.at(-2)!];
    expect(lastLeaf.rowids.length).toBe(1);
    expect(rowsOf(file, 'SELECT added_at AS at FROM order_lines WHERE _rowid_ = ?', lastLeaf.rowids[0])[0].at).toBeGreaterThan(keptAt);
    spoil(file, orderLeaf.pageno);
    withOnlyFirstRows(file, leaf.pageno, leaf.rowids.length - 3);

    const { dest, r } = salvage(dir, file);

    // no table lost its end: that line alone says the log's is lost
    expect(r.tables.find((t) => t.table === 'order_lines')).toMatchObject({ lostTail: false, skipped: [{ after: leaf.rowids.at(-4), before: lastLeaf.rowids[0] }] });
    expect(rowsOf(dest, 'SELECT id FROM orders WHERE id = ?', id)).toEqual([]);
    expect(r.lostOrders.find((o) => o.id === id)).toMatchObject({ why: 'later-events-lost' });
    expect(r.rebuilt.map((o) => o.id)).not.toContain(id);
  });

  it('rebuilds no order from a log whose last page reads whole but short when no event it keeps names the rows lost at the end of a table: the log lost their events', () => {
    const { dir, file } = makeDay();
    // the last page of the log as it was before its last event: the very last dishes
    const { id } = cutLogEnd(file, (last) => (withOnlyFirstRows(file, last.pageno, last.rowids.length - 1), last.rowids.at(-2)!));
    // its row, and the rows of those dishes: the last two lines, the end of their table (the page after the
    // kept one fails, the kept one reads whole but short)
    const orderLeaf = leavesOf(file, 'orders').find((l) => idsOn(file, 'orders', l.rowids).includes(id))!;
    const lines = leavesOf(file, 'order_lines');
    const [lastLeaf, leaf] = [lines.at(-1)!, lines.at(-2)!];
    expect(lastLeaf.rowids.length).toBeLessThanOrEqual(2);
    spoil(file, orderLeaf.pageno, lastLeaf.pageno);
    if (lastLeaf.rowids.length < 2) withOnlyFirstRows(file, leaf.pageno, leaf.rowids.length - (2 - lastLeaf.rowids.length));

    const { dest, r } = salvage(dir, file);

    expect(r.tables.find((t) => t.table === 'order_lines')).toMatchObject({ lostTail: true });
    expect(rowsOf(dest, 'SELECT id FROM orders WHERE id = ?', id)).toEqual([]);
    expect(r.lostOrders.find((o) => o.id === id)).toMatchObject({ why: 'later-events-lost' });
    expect(r.rebuilt.map((o) => o.id)).not.toContain(id);
  });

  it.each([
    // orders lost for good and rows removed with them, rows made again after every other: holes in the rowids.
    // Which pages hold bills with refunds follows the rows' width (a column added moves them): the test says so
    ['pages in the middle', (file: string) => [leafAt(file, 'events', 0.55), leafAt(file, 'orders', 0.5), leafAt(file, 'order_lines', 0.3)]],
    // orders lost for good at the end of their tables, their payments' refunds removed: the log names them after
    // the newest rows. The orders' last two leaves: the last alone may hold only a few orders, none refunded
    [
      'the ends of its tables',
      (file: string) => [leavesOf(file, 'orders').at(-2)!, ...['orders', 'order_lines', 'payments', 'events'].map((t) => leavesOf(file, t).at(-1)!)],
    ],
  ] as const)('counts nothing as lost again in a store salvaged before (%s spoilt): what it lacks for good was told then', (_, pages) => {
    const { dir, file } = makeDay();
    spoil(file, ...pages(file).map((l) => l.pageno));
    const { dest: first, r: once } = salvage(dir, file);
    expect(once.lostOrders.length).toBeGreaterThan(0);
    expect(once.tables.find((t) => t.table === 'refunds')!.removed).toBeGreaterThan(0);

    const r = salvageStore({ source: first, dest: join(dir, 'again.db'), takenAt: TAKEN_AT + 1 });

    for (const t of r.tables) expect(t, t.table).toMatchObject({ skipped: [], lostRowids: 0, lostTail: false, removed: 0, rebuilt: 0 });
    expect(r).toMatchObject({ rebuilt: [], lostOrders: [], ordersToCheck: [] });
  });

  it('does not rebuild an order whose rows the store kept say otherwise than its events: it is listed as lost', () => {
    const { dir, file } = makeDay();
    const lostOrders = leafAt(file, 'orders', 0.5);
    const ids = idsOn(file, 'orders', lostOrders.rowids);
    const [line] = rowsOf(file, `SELECT id, order_id AS orderId FROM order_lines WHERE order_id IN (${ids.map(() => '?').join(', ')}) LIMIT 1`, ...ids);
    // a kept line of an order about to be lost that the log does not know (as a store changed by hand would hold it)
    const db = new Database(file);
    db.prepare("UPDATE order_lines SET note = 'changed by hand' WHERE id = ?").run(line.id);
    db.close();
    spoil(file, lostOrders.pageno);

    const { dest, r } = salvage(dir, file);

    expect(r.lostOrders).toEqual([expect.objectContaining({ id: line.orderId, why: 'inconsistent' })]);
    expect(r.rebuilt.map((o) => o.id).sort()).toEqual(ids.filter((id) => id !== line.orderId).sort());
    expect(rowsOf(dest, 'SELECT id FROM orders WHERE id = ?', line.orderId)).toEqual([]);
    expect(rowsOf(dest, 'SELECT id FROM order_lines WHERE order_id = ?', line.orderId)).toEqual([]);
  });

  it('lists an order whose history a spoilt page of the log cut as lost, with what the log last said of it, and rebuilds none wrong', () => {
    const { dir, file } = makeDay();
    const before = ordersOf(file);
    const histories = historiesOf(file);
    const lostEvents = leafAt(file, 'events', 0.5);
    const gap = new Set(lostEvents.rowids);
    // the page of orders whose events are most on the spoilt page of the log, and one placed well after it
    const ordersLeaves = leavesOf(file, 'orders');
    const cut = (id: string) => (histories.get(id) ?? []).some((e) => gap.has(e.seq));
    // a change of the order on the spoilt page (an order.closed only repeats what the change before it said)
    const changeCut = (id: string) => (histories.get(id) ?? []).some((e) => gap.has(e.seq) && e.type !== 'order.closed');
    const cutLeaf = ordersLeaves.reduce((best, l) => (idsOn(file, 'orders', l.rowids).filter(changeCut).length > idsOn(file, 'orders', best.rowids).filter(changeCut).length ? l : best));
    const lateLeaf = ordersLeaves[Math.floor(ordersLeaves.length * 0.9)]!;
    const cutIds = idsOn(file, 'orders', cutLeaf.rowids).filter(changeCut);
    const lateIds = idsOn(file, 'orders', lateLeaf.rowids);
    expect(cutIds.length).toBeGreaterThan(0);
    expect(lateIds.some(cut)).toBe(false);
    spoil(file, lostEvents.pageno, cutLeaf.pageno, lateLeaf.pageno);

    const { dest, r } = salvage(dir, file);

    expect(quickCheck(dest)).toBe('ok');
    const after = ordersOf(dest);
    const lost = new Map(r.lostOrders.map((o) => [o.id, o]));
    // nothing rebuilt wrong: every order reads as it was, or is listed as lost (and is not in the store)
    for (const [id, order] of before) {
      if (lost.has(id)) expect(after.has(id), `#${order.number} is listed as lost`).toBe(false);
      else expect(after.get(id), `order #${order.number} (${id})`).toEqual(order);
    }
    // those the spoilt page of the log cut are not rebuilt; those placed after it are, all of them
    for (const id of cutIds) expect(lost.get(id)?.why, id).toMatch(/^(history-gap|placing-lost|later-events-lost)$/);
    for (const id of lateIds) expect(after.get(id)).toEqual(before.get(id));
    expect(r.rebuilt.map((o) => o.id)).toEqual(expect.arrayContaining(lateIds));

    // each listed with what the last of its events the log kept said of it, for the manager to check the bills
    for (const [id, entry] of lost) {
      const last = histories.get(id)!.filter((e) => !gap.has(e.seq)).at(-1)!;
      const tableName = last.summary.tableId === null ? null : rowsOf(file, 'SELECT name FROM dining_tables WHERE id = ?', last.summary.tableId)[0]?.name;
      expect(entry.lastSeen, id).toEqual({
        at: last.at,
        // the other events do not carry the day
        businessDate: histories.get(id)!.some((e) => e.type === 'order.placed' && !gap.has(e.seq)) ? before.get(id)!.businessDate : null,
        number: last.summary.number,
        status: last.summary.status,
        tableId: last.summary.tableId,
        tableName,
        totalMinor: last.summary.totalMinor,
        paidMinor: last.summary.paidMinor,
        dueMinor: last.summary.dueMinor,
      });
    }
  });
});

/**
 * The replay joins and changes orders by the hub's own rules (hub/domain/order.ts): fed the events a real
 * day's commands wrote (as the log holds them, JSON), each order comes out as the store holds it.
 */
describe('the replay of an order, as the hub changed it', () => {
  function recorded(pacing = DEFAULT_PACING) {
    const store = openDemoStore(pacing);
    const log: OrderEvent[] = [];
    let now = NOON;
    const act = <R>(p: Principal, fn: (ctx: CommandContext) => R): R => {
      const at = (now += 1000);
      const events = { emit: (type: string, payload: unknown) => log.push({ seq: log.length + 1, type, at, deviceId: null, staffId: null, payload: JSON.parse(JSON.stringify(payload)) } as OrderEvent) };
      return store.run(() => fn({ ...store.ctx(p, at), events }));
    };
    const replayed = (id: string) => {
      const replay = new OrderReplay();
      for (const e of log) replay.apply(e);
      expect(replay.broken.get(id)).toBeUndefined();
      return replay.orders.get(id);
    };
    return { store, s: store.service, act, replayed, log };
  }

  it("joins a merged table's dishes with their seats numbered on, the later quoted time, both notes and where each fired dish was fired", () => {
    const { store, s, act, replayed } = recorded({ ...DEFAULT_PACING, threshold: 1 });
    const first = act(waiter, (c) => s.place({ channel: 'pos', tableId: 't-a1', note: 'window', lines: [tofu({ seat: 1 }), rice({ seat: 2 })] }, c));
    const second = act(waiter, (c) => s.place({ channel: 'pos', tableId: 't-a2', note: 'peanut allergy', lines: [plum({ seat: 1 }), rice({ seat: 2, hold: true })] }, c));
    const phones = act(guestAt('t-a2'), (c) => s.place({ channel: 'qr', lines: [plum({ seat: 1 })] }, c));
    expect(phones.quotedReadyAt).not.toBeNull();
    // the phone's order joins its table's, which then joins the first table's
    act(waiter, (c) => s.merge(phones.id, { intoOrderId: second.id }, c));
    const { order } = act(waiter, (c) => s.merge(second.id, { intoOrderId: first.id }, c));
    expect(order.lines.map((l) => [l.seat, l.mergedFrom?.number ?? null])).toEqual([
      [1, null],
      [2, null],
      [3, second.number],
      [4, null],
      [5, phones.number],
    ]);
    expect(order).toMatchObject({ quotedReadyAt: phones.quotedReadyAt, note: 'window / peanut allergy' });
    expect(store.orders.get(first.id)).toEqual(order);
    expect(replayed(first.id)).toEqual(order);
  });

  it('leaves the dishes of a merge logged before lines said where they were fired unmarked, as the store then kept them', () => {
    const { s, act, log } = recorded();
    const a = act(waiter, (c) => s.place({ channel: 'pos', tableId: 't-a1', lines: [tofu()] }, c));
    const b = act(waiter, (c) => s.place({ channel: 'pos', tableId: 't-a2', lines: [plum()] }, c));
    const { order } = act(waiter, (c) => s.merge(a.id, { intoOrderId: b.id }, c));
    expect(order.lines[1]!.mergedFrom).not.toBeNull();
    // the log as such a hub wrote it: no quoted ready time in the summaries (a placed order has its own), no marks on the lines
    const old = log.map((e) => JSON.parse(JSON.stringify(e, (k, v) => (k === 'mergedFrom' || (k === 'quotedReadyAt' && e.type !== 'order.placed') ? undefined : v))) as OrderEvent);
    const replay = new OrderReplay();
    for (const e of old) replay.apply(e);
    expect(replay.broken.get(b.id)).toBeUndefined();
    expect(replay.orders.get(b.id)).toEqual({ ...order, lines: order.lines.map((l) => ({ ...l, mergedFrom: null })) });
  });

  it("takes the new quoted ready time when a guest's phone adds dishes to the table's order", () => {
    const { store, s, act, replayed } = recorded({ ...DEFAULT_PACING, threshold: 1 });
    act(waiter, (c) => s.place({ channel: 'pos', tableId: 't-a2', lines: [tofu()] }, c));
    const o = act(guestAt('t-a1'), (c) => s.place({ channel: 'qr', lines: [plum()] }, c));
    for (let i = 0; i < 3; i++) act(waiter, (c) => s.place({ channel: 'pos', tableId: `t-a${i + 3}`, lines: [tofu()] }, c));
    const more = act(guestAt('t-a1'), (c) => s.addLines(o.id, { lines: [tofu()] }, c));
    expect(more.quotedReadyAt).toBeGreaterThan(o.quotedReadyAt!);
    expect(store.orders.get(o.id)).toEqual(more);
    expect(replayed(o.id)).toEqual(more);
  });
});
