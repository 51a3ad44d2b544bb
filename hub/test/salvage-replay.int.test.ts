/**
 * A damaged store salvaged with its orders rebuilt from the event log, end to end: the real hub takes a day's
 * mix of orders through its API (options, dishes added later, courses fired, the kitchen's statuses, a recall,
 * voids, a discount, split payments, refunds, a transfer, a merge, bills closed and one reopened); each order is
 * read back before the damage. The hub is stopped, pages of `orders`, `order_lines` and `payments` are spoilt
 * as a power cut on a lying disk leaves them (and the page of refunds reads whole but without its newest rows,
 * as a write the disk never made leaves it), `npm run salvage` and `npm run restore` run, and the hub
 * started on the salvaged store reads every order exactly as before, and the day's report says what it said.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Order, Payment } from '../protocol/orders.ts';
import { leavesOf, quickCheck, rowsOf, spoil, withOnlyFirstRows } from '../store/salvage-test-support.ts';
import { PINS, removeDir, signIn, startHub, storeTool, type HubProcess } from './harness.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'brigade-salvage-replay-'));
const file = join(dataDir, 'brigade.db');
const hubs: HubProcess[] = [];
afterAll(async () => {
  for (const h of hubs) if (h.proc.exitCode === null && h.proc.signalCode === null) await h.kill9();
  removeDir(dataDir);
});

/** A zone where it is midday now: the day's orders never straddle the 04:00 start of a business day. */
function middayZone(): string {
  const offset = ((12 - new Date().getUTCHours() + 36) % 24) - 12;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
const zone = middayZone();
// backups by hand only: the schedule's first one would come a minute after the start
const env = { HUB_PRINTERS: 'none', HUB_BACKUP_EVERY_MS: '3600000', HUB_DISK_LOW_MB: '1', HUB_TIMEZONE: zone };
const GROUPS = 10;

async function hubOn(): Promise<HubProcess> {
  const hub = await startHub({ dataDir, env });
  hubs.push(hub);
  return hub;
}

const tool = (name: 'restore' | 'salvage', ...args: string[]) => storeTool(name, dataDir, args, zone);

type Tokens = Record<'waiter' | 'cashier' | 'kitchen' | 'manager' | 'kiosk', string>;

/**
 * A day's orders through the API, in groups of nine whose requests interleave (each page of the log holds
 * several orders' events), as in hub/store/salvage-replay.test.ts. Returns the ids of the orders placed.
 */
async function takeOrders(hub: HubProcess, t: Tokens): Promise<string[]> {
  const ids: string[] = [];
  const call = async <T = { order: Order }>(token: string, path: string, body: unknown): Promise<T> => {
    const r = await hub.request('POST', path, { token, body });
    if (r.status >= 300) throw new Error(`POST ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  };
  const place = async (token: string, body: Record<string, unknown>) => {
    const { order } = await call(token, '/api/v1/orders', body);
    ids.push(order.id);
    return order;
  };
  const at = (o: Order, action: string) => `/api/v1/orders/${o.id}/${action}`;
  const tofu = (extra = {}) => ({ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-regular'], ...extra });
  const plum = (extra = {}) => ({ itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'], ...extra });
  const rice = (extra = {}) => ({ itemId: 'steamed-rice', qty: 1, ...extra });

  async function* cashTakeaway() {
    let o = await place(t.waiter, { channel: 'pos', lines: [tofu({ optionIds: ['spice-hot', 'size-large'] }), plum({ qty: 2 })] });
    yield;
    o = (await call(t.kitchen, at(o, 'status'), { status: 'preparing' })).order;
    yield;
    o = (await call(t.kitchen, at(o, 'status'), { status: 'ready' })).order;
    yield;
    o = (await call(t.waiter, at(o, 'status'), { status: 'served' })).order;
    yield;
    await call(t.cashier, at(o, 'payments'), { tender: 'cash', amountMinor: o.dueMinor, tenderedMinor: o.dueMinor + 500 });
  }
  async function* discountedTable(g: number) {
    let o = await place(t.waiter, { channel: 'pos', tableId: 't-a1', guestCount: 3, note: 'window', lines: [tofu(), rice({ course: 2, hold: true })] });
    yield;
    o = (await call(t.waiter, at(o, 'lines'), { lines: [plum({ note: 'no straw', seat: 2 })] })).order;
    yield;
    o = (await call(t.waiter, at(o, 'fire'), { course: 2 })).order;
    yield;
    o = (await call(t.kitchen, at(o, 'status'), { status: 'ready' })).order;
    yield;
    o = (await call(t.manager, at(o, 'discount'), { percent: 10, reason: 'regular' })).order;
    yield;
    const { payment } = await call<{ order: Order; payment: Payment }>(t.cashier, at(o, 'payments'), { tender: 'card', amountMinor: o.dueMinor, reference: `T-${g}` });
    yield;
    await call(t.manager, at(o, 'refunds'), { paymentId: payment.id, amountMinor: 300, reason: 'soup was cold', reference: `R-${g}` });
  }
  async function* voidedAndReopened(g: number) {
    let o = await place(t.waiter, { channel: 'pos', lines: [tofu(), plum(), rice({ hold: true })] });
    const [, drink, held] = o.lines;
    yield;
    o = (await call(t.waiter, `/api/v1/orders/${o.id}/lines/${held!.id}/void`, { reason: 'changed mind' })).order;
    yield;
    o = (await call(t.manager, `/api/v1/orders/${o.id}/lines/${drink!.id}/void`, { reason: 'spilt' })).order;
    yield;
    o = (await call(t.kitchen, at(o, 'status'), { status: 'served' })).order;
    yield;
    o = (await call(t.cashier, at(o, 'payments'), { tender: 'cash', amountMinor: o.dueMinor })).order;
    yield;
    o = (await call(t.manager, at(o, 'reopen'), { reason: 'forgot the dessert' })).order;
    yield;
    o = (await call(t.waiter, at(o, 'lines'), { lines: [plum({ optionIds: ['ice-none'] })] })).order;
    yield;
    await call(t.cashier, at(o, 'payments'), { tender: 'card', amountMinor: o.dueMinor, reference: `T2-${g}` });
  }
  async function* movedAndSplit(g: number) {
    let o = await place(t.waiter, { channel: 'pos', tableId: 't-a2', lines: [tofu(), plum(), rice()] });
    const tofuLine = o.lines[0]!;
    yield;
    o = (await call(t.waiter, at(o, 'transfer'), { tableId: 't-a3' })).order;
    yield;
    o = (await call(t.kitchen, at(o, 'status'), { status: 'ready' })).order;
    yield;
    o = (await call(t.kitchen, at(o, 'recall'), { lineIds: [tofuLine.id] })).order;
    yield;
    o = (await call(t.kitchen, at(o, 'status'), { status: 'ready', lineIds: [tofuLine.id] })).order;
    yield;
    o = (await call(t.waiter, at(o, 'bill-request'), { requested: true })).order;
    yield;
    o = (await call(t.cashier, at(o, 'payments'), { tender: 'cash', amountMinor: tofuLine.lineTotalMinor, lineIds: [tofuLine.id] })).order;
    yield;
    await call(t.cashier, at(o, 'payments'), { tender: 'card', amountMinor: o.dueMinor, reference: `T3-${g}` });
  }
  async function* merged() {
    const a = await place(t.waiter, { channel: 'pos', tableId: 't-a4', guestCount: 2, lines: [tofu()] });
    yield;
    let b = await place(t.waiter, { channel: 'pos', tableId: 't-a5', guestCount: 2, lines: [plum(), rice()] });
    yield;
    await call(t.cashier, at(a, 'payments'), { tender: 'cash', amountMinor: 500 });
    yield;
    await call(t.waiter, at(a, 'rush'), { rush: true });
    yield;
    b = (await call(t.waiter, at(a, 'merge'), { intoOrderId: b.id })).order;
    yield;
    b = (await call(t.kitchen, at(b, 'status'), { status: 'served' })).order;
    yield;
    await call(t.cashier, at(b, 'payments'), { tender: 'cash', amountMinor: b.dueMinor });
  }
  async function* voided() {
    const o = await place(t.waiter, { channel: 'pos', fire: false, lines: [tofu(), plum()] });
    yield;
    await call(t.waiter, at(o, 'void'), { reason: 'walked out' });
  }
  async function* kioskOrder(g: number) {
    let o = await place(t.kiosk, { channel: 'kiosk', lines: [plum(), tofu({ optionIds: ['spice-none', 'size-small'] })] });
    yield;
    o = (await call(t.waiter, at(o, 'rush'), { rush: true })).order;
    yield;
    o = (await call(t.kitchen, at(o, 'status'), { status: 'ready' })).order;
    yield;
    await call(t.kiosk, at(o, 'payments'), { tender: 'card', amountMinor: o.dueMinor, reference: `K-${g}` });
  }
  async function* leftOpen(g: number) {
    const o = await place(t.waiter, { channel: 'pos', tableId: `t-b${(g % 8) + 1}`, lines: [tofu(), plum()] });
    yield;
    await call(t.waiter, at(o, 'bill-request'), { requested: true });
    yield;
    await call(t.kitchen, at(o, 'status'), { status: 'preparing' });
  }

  for (let g = 0; g < GROUPS; g++) {
    let live: AsyncGenerator<void, void, void>[] = [
      cashTakeaway(),
      discountedTable(g),
      voidedAndReopened(g),
      movedAndSplit(g),
      merged(),
      voided(),
      kioskOrder(g),
      leftOpen(g),
    ];
    // a step of each in turn, until each has run to its end (bounded: every script is a few steps long)
    for (let round = 0; live.length > 0 && round < 20; round++) {
      const done = await Promise.all(live.map(async (script) => (await script.next()).done));
      live = live.filter((_, i) => !done[i]);
    }
    expect(live).toEqual([]);
  }
  return ids;
}

async function readAll(hub: HubProcess, token: string, ids: readonly string[]): Promise<Map<string, Order>> {
  const out = new Map<string, Order>();
  for (const id of ids) {
    const r = await hub.request('GET', `/api/v1/orders/${id}`, { token });
    if (r.status === 200) out.set(id, r.body.order as Order);
  }
  return out;
}

/** The day's report without `asOf`: when the hub read it, the one thing a restore rightly changes in it. */
async function dayReport(hub: HubProcess, token: string, businessDate: string): Promise<unknown> {
  const r = await hub.request('GET', `/api/v1/reports/day?businessDate=${businessDate}`, { token });
  expect(r.status).toBe(200);
  const { asOf: _, ...report } = r.body.report as { asOf: number };
  return report;
}

describe('npm run salvage rebuilds from the event log', () => {
  it('gives back every order of spoilt pages of orders, lines and payments, and of a page of refunds read whole but short, exactly as the hub held it, and the day report as it was', async () => {
    let hub = await hubOn();
    const [waiter, cashier, kitchen, manager, kiosk] = await Promise.all([
      signIn(hub, PINS.waiter),
      signIn(hub, PINS.cashier),
      signIn(hub, PINS.kitchen, 'kds'),
      signIn(hub, PINS.manager),
      signIn(hub, undefined, 'kiosk'),
    ]);
    const ids = await takeOrders(hub, { waiter: waiter.staff, cashier: cashier.staff, kitchen: kitchen.staff, manager: manager.staff, kiosk: kiosk.device });
    const before = await readAll(hub, manager.staff, ids);
    expect(before.size).toBe(ids.length);
    const days = [...new Set([...before.values()].map((o) => o.businessDate))];
    const reports = await Promise.all(days.map((d) => dayReport(hub, cashier.staff, d)));
    expect(await hub.stop()).toBe(0);

    // a page in the middle of each: orders, their lines, their payments
    const mid = <T>(xs: T[]) => xs[Math.floor(xs.length / 2)]!;
    const orderLeaves = leavesOf(file, 'orders');
    expect(orderLeaves.length).toBeGreaterThanOrEqual(4);
    const spoilt = { orders: [mid(orderLeaves), orderLeaves[1]!], lines: [mid(leavesOf(file, 'order_lines'))], payments: [mid(leavesOf(file, 'payments'))] };
    const lostIds = rowsOf(file, `SELECT id FROM orders WHERE _rowid_ IN (${spoilt.orders.flatMap((l) => l.rowids).join(', ')})`).map((r) => r.id as string);
    // and the page of refunds as the disk left it when it never wrote the refunds given after the first: it
    // reads whole, without them
    const refunds = leavesOf(file, 'refunds').at(-1)!;
    expect(refunds.rowids.length).toBeGreaterThan(1);
    spoil(file, ...[...spoilt.orders, ...spoilt.lines, ...spoilt.payments].map((l) => l.pageno));
    withOnlyFirstRows(file, refunds.pageno, 1);
    expect(quickCheck(file)).not.toBe('ok');

    const salvage = tool('salvage');
    expect(salvage.code, salvage.out).toBe(0);
    const candidate = /To use the salvaged store: +npm run restore -- (\S+) --yes/.exec(salvage.out)?.[1];
    expect(candidate, salvage.out).toBeDefined();
    const restored = tool('restore', candidate!, '--yes');
    expect(restored.code, restored.out).toBe(0);

    hub = await hubOn();
    const token = (await signIn(hub, PINS.manager)).staff;
    const after = await readAll(hub, token, ids);
    // the whole of each order, nothing left out: a restore changes the store's epoch, not its orders
    for (const [id, order] of before) expect(after.get(id), `order #${order.number} (${id})`).toEqual(order);
    for (const [i, day] of days.entries()) expect(await dayReport(hub, (await signIn(hub, PINS.cashier)).staff, day)).toEqual(reports[i]);
    await hub.stop();

    // what the manager was told: every order of the spoilt pages rebuilt, none lost for good, none to check
    expect(salvage.out).toMatch(new RegExp(`^ +orders +${ids.length} +${lostIds.length} +${lostIds.length} +0$`, 'm'));
    expect(salvage.out).toMatch(new RegExp(`^ +refunds +${refunds.rowids.length} +0 \\+ the table's end +${refunds.rowids.length - 1} +0$`, 'm'));
    expect(salvage.out).toMatch(new RegExp(`^Rebuilt from the event log: ${lostIds.length} orders whose rows were on a damaged page, and the lost lines, payments or refunds of \\d+ orders kept\\.`, 'm'));
    expect(salvage.out).not.toMatch(/lost for good|could not complete/);
  }, 240_000);
});
