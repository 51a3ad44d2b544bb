/**
 * A kiosk's card payment against the real hub process (issue #6): the kiosk device, without a staff PIN,
 * records the card sale its terminal approved for its own order, exactly once however often the outbox
 * resends it, and is told plainly why anything else is refused. The full allow/refuse matrix of who may pay
 * is in roles.int.test.ts and hub/domain/order-service.test.ts.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order, Payment } from '../protocol/orders.ts';
import { removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let db: Database.Database;
let kiosk: string;

beforeAll(async () => {
  hub = await startHub();
  db = hub.openDb();
  kiosk = (await signIn(hub, undefined, 'kiosk')).device;
}, 30_000);

afterAll(async () => {
  db?.close();
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

async function kioskOrder(): Promise<Order> {
  const r = await hub.request<{ order: Order }>('POST', '/api/v1/orders', { token: kiosk, body: sampleOrder({ channel: 'kiosk', tableId: undefined }) });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.order;
}

const payments = (orderId: string) => db.prepare('SELECT id, tender, amount_minor AS amountMinor, reference FROM payments WHERE order_id = ?').all(orderId);
const paymentEvents = (orderId: string) =>
  (db.prepare("SELECT COUNT(*) FROM events WHERE type = 'order.payment_taken' AND payload LIKE ?").pluck().get(`%${orderId}%`) as number);

describe('a kiosk card payment', () => {
  it('is recorded once when the outbox resends it with the same Idempotency-Key, and the answer is the same', async () => {
    const order = await kioskOrder();
    const key = randomUUID();
    const body = { id: randomUUID(), tender: 'card', amountMinor: order.dueMinor, reference: 'SIM-7Q2K' };
    const first = await hub.request<{ order: Order; payment: Payment }>('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body, key });
    const again = await hub.request<{ order: Order; payment: Payment }>('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body, key });

    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(first.body.order).toMatchObject({ status: 'closed', dueMinor: 0, paidMinor: order.totalMinor });
    expect(payments(order.id)).toEqual([{ id: body.id, tender: 'card', amountMinor: order.dueMinor, reference: 'SIM-7Q2K' }]);
    expect(paymentEvents(order.id)).toBe(1);
  });

  it('is refused as a conflict when the same payment comes again under a new key (a second kiosk page, say)', async () => {
    const order = await kioskOrder();
    const body = { id: randomUUID(), tender: 'card', amountMinor: order.dueMinor, reference: 'SIM-8B' };
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body })).status).toBe(201);
    const second = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('conflict');
    expect(payments(order.id)).toHaveLength(1);
    expect(paymentEvents(order.id)).toBe(1);
  });

  it.each([
    { what: 'cash', body: (o: Order) => ({ tender: 'cash', amountMinor: o.dueMinor }), says: 'tender cash is taken at the counter' },
    { what: 'part of the amount', body: (o: Order) => ({ tender: 'card', amountMinor: o.dueMinor - 100, reference: 'SIM-P' }), says: 'due, not' },
    { what: 'no reference', body: (o: Order) => ({ tender: 'card', amountMinor: o.dueMinor }), says: 'reference is missing' },
  ])('refuses $what with 403 and a message a person can act on, recording nothing', async ({ body, says }) => {
    const order = await kioskOrder();
    const r = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body: body(order) });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('forbidden');
    expect(r.body.error.message).toContain('a kiosk without a staff sign-in may only record');
    expect(r.body.error.message).toContain(says);
    expect(payments(order.id)).toEqual([]);
    const still = await hub.request<{ order: Order }>('GET', `/api/v1/orders/${order.id}`, { token: kiosk });
    expect(still.body.order).toMatchObject({ dueMinor: order.dueMinor, payments: [] });
  });
});
