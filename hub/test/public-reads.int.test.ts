/**
 * What the public channel may read, against the real hub process: a table's QR token sees its table's open
 * orders and the ones done (closed, voided, merged away) in the last few minutes, never an earlier party's,
 * and nothing of any payment's card reference or of the staff; a kiosk reads its own orders and the menu,
 * and places pickup orders only (no table). The same rule over HTTP (list and one order) and on the stream.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../protocol/orders.ts';
import { connectStream, PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let cashier: string;
let manager: string;
let kiosk: string;
let otherKiosk: string;
let phoneA4: string;

const HOUR = 3600_000;
const head = async () => (await hub.request('GET', '/api/v1/health')).body.seq as number;

/** The hub has no injectable clock: an order (and the events up to a seq) made older in its database. */
function age(by: number, what: { orderId?: string; eventsUpTo?: number }): void {
  const rw = new Database(join(hub.dataDir, 'brigade.db'));
  try {
    if (what.orderId) {
      rw.prepare('UPDATE orders SET created_at = created_at - ?, updated_at = updated_at - ?, closed_at = closed_at - ? WHERE id = ?').run(by, by, by, what.orderId);
    }
    if (what.eventsUpTo !== undefined) rw.prepare('UPDATE events SET at = at - ? WHERE seq <= ?').run(by, what.eventsUpTo);
  } finally {
    rw.close();
  }
}

async function place(token: string, body: unknown): Promise<Order> {
  const r = await hub.request('POST', '/api/v1/orders', { token, body });
  if (r.status !== 201) throw new Error(`order refused: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.order;
}

/** A waiter's order at the table, paid by card (reference `ref`) by the cashier: closed. */
async function paidByCard(tableId: string, ref: string): Promise<Order> {
  const o = await place(waiter, sampleOrder({ tableId }));
  const r = await hub.request('POST', `/api/v1/orders/${o.id}/payments`, { token: cashier, body: { tender: 'card', amountMinor: o.dueMinor, reference: ref } });
  if (r.status !== 201 || r.body.order.status !== 'closed') throw new Error(`payment refused: ${JSON.stringify(r.body)}`);
  return r.body.order;
}

/** Nothing of the staff, and no card reference, anywhere in what a phone was given. */
function expectNoStaffOrReference(order: Order): void {
  expect(order.staffId).toBeNull();
  expect(order.staffName).toBeNull();
  for (const l of order.lines) expect(l.addedByStaffId).toBeNull();
  for (const p of order.payments) expect({ reference: p.reference, staffId: p.staffId }).toEqual({ reference: null, staffId: null });
}

beforeAll(async () => {
  hub = await startHub();
  [waiter, cashier, manager] = (await Promise.all([signIn(hub, PINS.waiter), signIn(hub, PINS.cashier), signIn(hub, PINS.manager)])).map((s) => s.staff) as [string, string, string];
  kiosk = (await signIn(hub, undefined, 'kiosk')).device;
  otherKiosk = (await signIn(hub, undefined, 'kiosk')).device;
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  phoneA4 = (qr.body.tables as { id: string; qrToken: string }[]).find((t) => t.id === 't-a4')!.qrToken;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

describe("a table's phone", () => {
  it("never sees an earlier party's closed order, nor its card payment", async () => {
    const earlier = await paidByCard('t-a4', 'AUTH-778812');
    age(2 * HOUR, { orderId: earlier.id });
    // the next party scans the code
    const listed = await hub.request('GET', '/api/v1/orders', { token: phoneA4 });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain('AUTH-778812');
    expect((listed.body.orders as Order[]).map((o) => o.id)).not.toContain(earlier.id);
    for (const status of ['closed', 'open']) {
      const r = await hub.request('GET', `/api/v1/orders?status=${status}`, { token: phoneA4 });
      expect((r.body.orders as Order[]).map((o) => o.id)).not.toContain(earlier.id);
    }
    const one = await hub.request('GET', `/api/v1/orders/${earlier.id}`, { token: phoneA4 });
    expect(one.status).toBe(404);
    expect(JSON.stringify(one.body)).not.toContain('AUTH-778812');
    // staff still read it
    expect((await hub.request('GET', `/api/v1/orders/${earlier.id}`, { token: cashier })).body.order.payments[0].reference).toBe('AUTH-778812');
  });

  it('sees its own party’s order just paid, without the card reference, staff id or staff name', async () => {
    const paid = await paidByCard('t-a4', 'AUTH-778813');
    const one = await hub.request('GET', `/api/v1/orders/${paid.id}`, { token: phoneA4 });
    expect(one.status).toBe(200);
    expect(one.body.order).toMatchObject({ id: paid.id, status: 'closed', paidMinor: paid.totalMinor });
    expect(one.body.order.payments).toHaveLength(1);
    expect(one.body.order.payments[0]).toMatchObject({ tender: 'card', amountMinor: paid.totalMinor });
    expectNoStaffOrReference(one.body.order);
    const listed = (await hub.request('GET', '/api/v1/orders', { token: phoneA4 })).body.orders as Order[];
    expect(listed.map((o) => o.id)).toContain(paid.id);
    listed.forEach(expectNoStaffOrReference);
    expect(JSON.stringify(listed)).not.toContain('AUTH-');
  });

  it('sees the open order of its table with a part paid, and what it adds to it, without references or staff', async () => {
    const open = await place(waiter, sampleOrder({ tableId: 't-a4' }));
    const part = await hub.request('POST', `/api/v1/orders/${open.id}/payments`, { token: cashier, body: { tender: 'card', amountMinor: 100, reference: 'AUTH-PART-1' } });
    expect(part.status).toBe(201);
    const listed = (await hub.request('GET', '/api/v1/orders?status=open', { token: phoneA4 })).body.orders as Order[];
    expect(listed.map((o) => o.id)).toEqual([open.id]);
    listed.forEach(expectNoStaffOrReference);
    const added = await hub.request('POST', `/api/v1/orders/${open.id}/lines`, { token: phoneA4, body: { lines: [{ itemId: 'steamed-rice', qty: 1 }] } });
    expect(added.status).toBe(200);
    expectNoStaffOrReference(added.body.order);
    // settle it, so the later tests start from a table without open orders
    const due = added.body.order.dueMinor as number;
    expect((await hub.request('POST', `/api/v1/orders/${open.id}/payments`, { token: cashier, body: { tender: 'cash', amountMinor: due } })).status).toBe(201);
  });

  it('hears its table live without card references or staff, while a staff screen on the same topics hears everything', async () => {
    const from = await head();
    const phone = await connectStream(hub, phoneA4, { lastSeq: from, topics: ['table:t-a4'] });
    const staffScreen = await connectStream(hub, waiter, { lastSeq: from, topics: ['table:t-a4', 'menu', 'kitchen'] });
    const paid = await paidByCard('t-a4', 'AUTH-778814');
    for (const s of [phone, staffScreen]) await s.waitFor(() => s.events().some((e) => e.type === 'order.closed' && e.payload.order.id === paid.id));
    const mine = phone.events().filter((e) => e.payload?.order?.id === paid.id);
    expect(mine.map((e) => e.type)).toEqual(expect.arrayContaining(['order.placed', 'order.payment_taken', 'order.closed']));
    expect(JSON.stringify(phone.events())).not.toContain('AUTH-778814');
    for (const e of mine) expect(e.staffId).toBeNull();
    expectNoStaffOrReference(mine.find((e) => e.type === 'order.placed').payload.order);
    expect(mine.find((e) => e.type === 'order.payment_taken').payload.payment).toMatchObject({ tender: 'card', amountMinor: paid.totalMinor, reference: null, staffId: null });
    // the staff screen shares no frame with the phone
    const staffPaid = staffScreen.events().find((e) => e.type === 'order.payment_taken' && e.payload.order.id === paid.id);
    expect(staffPaid.payload.payment).toMatchObject({ reference: 'AUTH-778814', staffId: 's-cashier' });
    expect(staffScreen.events().find((e) => e.type === 'order.placed' && e.payload.order.id === paid.id).payload.order.staffName).toEqual(expect.any(String));
    phone.close();
    staffScreen.close();
  });

  it("replays only the last minutes of its table: further back it is told to reload (an earlier party's events are not replayed)", async () => {
    const from = await head();
    const earlier = await paidByCard('t-a4', 'AUTH-778815');
    const upTo = await head();
    age(2 * HOUR, { orderId: earlier.id, eventsUpTo: upTo });
    const phone = await connectStream(hub, phoneA4, { lastSeq: from });
    await phone.waitFor((m) => m.some((x) => x.type === 'reset' || x.type === 'welcome'));
    expect(phone.messages[0]).toMatchObject({ type: 'reset', reason: 'too-far-behind' });
    expect(phone.events()).toEqual([]);
    phone.close();
    // a recent gap still replays
    const recentFrom = await head();
    const recent = await place(waiter, sampleOrder({ tableId: 't-a4' }));
    const again = await connectStream(hub, phoneA4, { lastSeq: recentFrom });
    await again.waitFor(() => again.events().some((e) => e.type === 'order.placed' && e.payload.order.id === recent.id));
    again.close();
  });
});

describe('a kiosk', () => {
  it('may not load the snapshot of every open order (403)', async () => {
    await place(waiter, sampleOrder({ tableId: 't-a9' }));
    const r = await hub.request('GET', '/api/v1/snapshot', { token: kiosk });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
  });

  it("hears only the menu and the kitchen's pacing on the stream, whatever topics it asks for", async () => {
    const from = await head();
    const all = await connectStream(hub, kiosk, { lastSeq: from, topics: ['*'] });
    const asked = await connectStream(hub, kiosk, { lastSeq: from, topics: ['orders', 'table:t-a9', 'station:hot', 'floor', 'kitchen'] });
    const noTopics = await connectStream(hub, kiosk, { lastSeq: from });
    await place(waiter, sampleOrder({ tableId: 't-a9' }));
    await paidByCard('t-a10', 'AUTH-778816');
    await place(otherKiosk, sampleOrder({ channel: 'kiosk', tableId: undefined }));
    expect((await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: true } })).status).toBe(200);
    expect((await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: false } })).status).toBe(200);
    for (const s of [all, asked, noTopics]) {
      await s.waitFor(() => s.events().filter((e) => e.type === 'kitchen.pacing_changed').length === 2);
      expect(new Set(s.events().map((e) => e.type.split('.')[0]))).toEqual(new Set(['kitchen']));
      s.close();
    }
  });

  it('reads only its own orders: another kiosk’s is 404 and it lists none', async () => {
    const own = await place(kiosk, sampleOrder({ channel: 'kiosk', tableId: undefined }));
    const other = await place(otherKiosk, sampleOrder({ channel: 'kiosk', tableId: undefined }));
    expect((await hub.request('GET', `/api/v1/orders/${own.id}`, { token: kiosk })).status).toBe(200);
    expect((await hub.request('GET', `/api/v1/orders/${other.id}`, { token: kiosk })).status).toBe(404);
    const listed = await hub.request('GET', '/api/v1/orders', { token: kiosk });
    expect(listed.status).toBe(403);
    expect(listed.body.orders).toBeUndefined();
  });

  it('places pickup orders only: a table on a kiosk order is refused (403), and the table sees nothing', async () => {
    const before = (await hub.request('GET', '/api/v1/orders', { token: waiter })).body.orders.length as number;
    const r = await hub.request('POST', '/api/v1/orders', { token: kiosk, body: sampleOrder({ channel: 'kiosk', tableId: 't-a11' }) });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
    expect((await hub.request('GET', '/api/v1/orders', { token: waiter })).body.orders.length).toBe(before);
  });
});
