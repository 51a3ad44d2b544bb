/**
 * Refunds against the real hub process: `POST /api/v1/orders/:orderId/refunds` (manager only, with an
 * Idempotency-Key like every mutation), what it stores, what a replay gets, and what a table's phone is
 * shown of a refund (no refund reference, no staff id) over HTTP and on the stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { refundResponseSchema, type Order } from '../protocol/orders.ts';
import { connectStream, PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let cashier: string;
let manager: string;
let phoneA8: string;

const refundsPath = (o: Order) => `/api/v1/orders/${o.id}/refunds`;
const head = async () => (await hub.request('GET', '/api/v1/health')).body.seq as number;
function rows(sql: string, ...args: unknown[]): unknown[] {
  const db = hub.openDb();
  try {
    return db.prepare(sql).all(...args);
  } finally {
    db.close();
  }
}

async function place(tableId: string): Promise<Order> {
  const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder({ tableId }) });
  if (r.status !== 201) throw new Error(`order refused: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.order;
}
async function payByCard(o: Order, amountMinor: number, reference: string): Promise<{ order: Order; payment: Order['payments'][number] }> {
  const r = await hub.request('POST', `/api/v1/orders/${o.id}/payments`, { token: cashier, body: { tender: 'card', amountMinor, reference } });
  if (r.status !== 201) throw new Error(`payment refused: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

beforeAll(async () => {
  hub = await startHub();
  [waiter, cashier, manager] = (await Promise.all([signIn(hub, PINS.waiter), signIn(hub, PINS.cashier), signIn(hub, PINS.manager)])).map((s) => s.staff) as [string, string, string];
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  phoneA8 = (qr.body.tables as { id: string; qrToken: string }[]).find((t) => t.id === 't-a8')!.qrToken;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

describe('POST /api/v1/orders/:orderId/refunds', () => {
  it('refunds part of a card payment for a manager (201), once per key: a replay gets the same refund, one row, one event', async () => {
    const o = await place('t-a7');
    const { payment } = await payByCard(o, o.totalMinor - 100, 'AUTH-31');
    const body = { paymentId: payment.id, amountMinor: 500, reason: 'dish sent back', reference: 'RFND-31' };

    // a waiter is refused, and nothing is written
    const refused = await hub.request('POST', refundsPath(o), { token: waiter, body });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(rows('SELECT * FROM refunds WHERE order_id = ?', o.id)).toEqual([]);

    const key = randomUUID();
    const r = await hub.request('POST', refundsPath(o), { token: manager, body, key });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const answer = refundResponseSchema.parse(r.body);
    expect(answer.refund).toMatchObject({ paymentId: payment.id, amountMinor: 500, lines: [], reference: 'RFND-31', reason: 'dish sent back', staffId: 's-manager' });
    expect(answer.order).toMatchObject({ paidMinor: o.totalMinor - 600, dueMinor: 600, refunds: [answer.refund] });
    expect(answer.order.payments).toEqual([payment]);

    const replay = await hub.request('POST', refundsPath(o), { token: manager, body, key });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(r.body);
    expect(rows('SELECT id, amount_minor AS amountMinor FROM refunds WHERE order_id = ?', o.id)).toEqual([{ id: answer.refund.id, amountMinor: 500 }]);
    expect(hub.eventCount('order.refunded', o.id)).toBe(1);
    // the key with another body is refused, not applied
    const reused = await hub.request('POST', refundsPath(o), { token: manager, body: { ...body, amountMinor: 400 }, key });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');

    const read = await hub.request('GET', `/api/v1/orders/${o.id}`, { token: waiter });
    expect(read.body.order).toEqual(answer.order);
  });

  it('refuses more than is left on the payment (422) and a card refund without a reference (422), writing nothing', async () => {
    const o = await place('t-a9');
    const { payment } = await payByCard(o, 1000, 'AUTH-32');
    const over = await hub.request('POST', refundsPath(o), { token: manager, body: { paymentId: payment.id, amountMinor: 1001, reason: 'x', reference: 'R' } });
    expect(over.status).toBe(422);
    expect(over.body.error.code).toBe('overpayment');
    const noRef = await hub.request('POST', refundsPath(o), { token: manager, body: { paymentId: payment.id, amountMinor: 100, reason: 'x' } });
    expect(noRef.status).toBe(422);
    expect(noRef.body.error.code).toBe('invalid_order');
    const zero = await hub.request('POST', refundsPath(o), { token: manager, body: { paymentId: payment.id, amountMinor: 0, reason: 'x', reference: 'R' } });
    expect(zero.status).toBe(400);
    expect(rows('SELECT * FROM refunds WHERE order_id = ?', o.id)).toEqual([]);
    expect(hub.eventCount('order.refunded', o.id)).toBe(0);
  });

  it("keeps a closed bill closed; the table's phone sees the refund without its reference, the manager or the reason typed, over HTTP and on the stream", async () => {
    const from = await head();
    const phone = await connectStream(hub, phoneA8, { lastSeq: from });
    const staffScreen = await connectStream(hub, waiter, { lastSeq: from, topics: ['table:t-a8'] });
    const o = await place('t-a8');
    const paid = await payByCard(o, o.totalMinor, 'AUTH-33');
    expect(paid.order.status).toBe('closed');

    const r = await hub.request('POST', refundsPath(o), { token: manager, body: { paymentId: paid.payment.id, amountMinor: 300, reason: 'cold soup', reference: 'RFND-33' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.order).toMatchObject({ status: 'closed', closedAt: paid.order.closedAt, paidMinor: o.totalMinor - 300, dueMinor: 300 });
    expect(hub.eventCount('order.closed', o.id)).toBe(1);

    const seen = await hub.request('GET', `/api/v1/orders/${o.id}`, { token: phoneA8 });
    expect(seen.status).toBe(200);
    // nor the reason the manager typed (staff text): the phone sees the amount
    expect(seen.body.order.refunds).toEqual([{ ...r.body.refund, reference: null, staffId: null, reason: '' }]);
    expect(seen.body.order.paidMinor).toBe(o.totalMinor - 300);
    const listed = await hub.request('GET', '/api/v1/orders', { token: phoneA8 });
    for (const text of [JSON.stringify(seen.body), JSON.stringify(listed.body)]) {
      expect(text).not.toContain('RFND-33');
      expect(text).not.toContain('s-manager');
      expect(text).not.toContain('cold soup');
    }

    for (const s of [phone, staffScreen]) await s.waitFor(() => s.events().some((e) => e.type === 'order.refunded' && e.payload.order.id === o.id));
    const heard = phone.events().find((e) => e.type === 'order.refunded' && e.payload.order.id === o.id);
    expect(heard.staffId).toBeNull();
    expect(heard.payload.refund).toMatchObject({ amountMinor: 300, reason: '', reference: null, staffId: null });
    expect(heard.payload.order).toMatchObject({ id: o.id, status: 'closed', paidMinor: o.totalMinor - 300 });
    expect(JSON.stringify(phone.events())).not.toMatch(/RFND-33|s-manager/);
    // staff screens hear all of it
    const staffHeard = staffScreen.events().find((e) => e.type === 'order.refunded' && e.payload.order.id === o.id);
    expect(staffHeard.payload.refund).toMatchObject({ reference: 'RFND-33', staffId: 's-manager', reason: 'cold soup' });
    phone.close();
    staffScreen.close();
  });

  it('is in the OpenAPI document, manager only, with its Idempotency-Key', async () => {
    const doc = (await hub.request('GET', '/api/v1/openapi.json')).body;
    const op = doc.paths['/api/v1/orders/{orderId}/refunds']?.post;
    expect(op).toBeDefined();
    expect(op.tags).toEqual(['payments']);
    expect(op.description ?? op.summary).toMatch(/manager/i);
    expect(op.parameters.find((p: { in: string; name: string }) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')?.required).toBe(true);
    expect(Object.keys(op.responses)).toContain('201');
  });
});
