/**
 * A card the kiosk's terminal charged that the hub refused to record must reach a person (docs/kiosk.md,
 * "A card charged but not recorded"): against the real hub process, a kiosk order paid at the counter
 * meanwhile, then the kiosk's card payment refused → the charge is recorded once (however often the outbox
 * resends it), told to the staff tablets on the stream, listed until a manager resolves it.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnrecordedCardCharge } from '../protocol/card-charges.ts';
import type { Order } from '../protocol/orders.ts';
import { connectStream, PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let db: Database.Database;
let kiosk: string;
let waiter: string;
let cashier: string;
let manager: string;

beforeAll(async () => {
  hub = await startHub();
  db = hub.openDb();
  [kiosk, waiter, cashier, manager] = (
    await Promise.all([signIn(hub, undefined, 'kiosk'), signIn(hub, PINS.waiter), signIn(hub, PINS.cashier), signIn(hub, PINS.manager)])
  ).map((s, i) => (i === 0 ? s.device : s.staff)) as [string, string, string, string];
}, 30_000);

afterAll(async () => {
  db?.close();
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

const head = async () => (await hub.request<{ seq: number }>('GET', '/api/v1/health')).body.seq;
const chargeRows = (orderId: string) => db.prepare('SELECT COUNT(*) FROM unrecorded_card_charges WHERE order_id = ?').pluck().get(orderId) as number;
const unrecorded = async (token: string) => hub.request<{ charges: UnrecordedCardCharge[] }>('GET', '/api/v1/card-charges/unrecorded', { token });

/** A kiosk order the cashier then takes in cash at the counter, before the kiosk's card payment arrives. */
async function paidAtTheCounter(): Promise<Order> {
  const placed = await hub.request<{ order: Order }>('POST', '/api/v1/orders', { token: kiosk, body: sampleOrder({ channel: 'kiosk', tableId: undefined }) });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const order = placed.body.order;
  const cash = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: cashier, body: { tender: 'cash', amountMinor: order.dueMinor }, key: randomUUID() });
  expect(cash.status, JSON.stringify(cash.body)).toBe(201);
  return order;
}

describe("a kiosk's card payment the hub refuses", () => {
  it('records the charge once, tells the staff tablets, and lists it until a manager resolves it', async () => {
    const order = await paidAtTheCounter();
    const tablet = await connectStream(hub, waiter, { lastSeq: await head() });
    const key = randomUUID();
    const body = { id: randomUUID(), tender: 'card', amountMinor: order.dueMinor, reference: 'SIM-LATE1' };

    const refused = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body, key });
    // nothing is due any more, so the kiosk may not record a card sale on it (the rule's own words)
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');

    // the staff side hears it, with what a person needs to find the customer and the terminal's sale
    await tablet.waitFor(() => tablet.events().some((e) => e.type === 'payment.unrecorded'));
    const told = tablet.events().filter((e) => e.type === 'payment.unrecorded');
    expect(told).toHaveLength(1);
    expect(told[0].payload.charge).toMatchObject({
      orderId: order.id,
      orderNumber: order.number,
      amountMinor: order.dueMinor,
      reference: 'SIM-LATE1',
      refusal: { code: 'forbidden', message: refused.body.error.message },
      resolvedAt: null,
    });
    const charge = told[0].payload.charge as UnrecordedCardCharge;

    // the outbox resends: the same answer, nothing recorded twice
    const again = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body, key });
    expect(again).toMatchObject({ status: 403, body: refused.body });
    expect(chargeRows(order.id)).toBe(1);
    expect(db.prepare("SELECT COUNT(*) FROM events WHERE type = 'payment.unrecorded' AND json_extract(payload, '$.charge.orderId') = ?").pluck().get(order.id)).toBe(1);
    // the takings still hold only the counter's cash
    expect(db.prepare("SELECT COUNT(*) FROM payments WHERE order_id = ? AND tender = 'card'").pluck().get(order.id)).toBe(0);

    const listed = await unrecorded(cashier);
    expect(listed.status).toBe(200);
    expect(listed.body.charges).toContainEqual(charge);
    expect((await unrecorded(waiter)).body.charges).toContainEqual(charge);

    // a waiter (or cashier) cannot say what became of the money; a manager can
    const path = `/api/v1/card-charges/${charge.id}/resolve`;
    const note = { note: 'refunded on the terminal, ref SIM-RF9' };
    for (const token of [waiter, cashier]) {
      const r = await hub.request('POST', path, { token, body: note, key: randomUUID() });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
    }
    expect((await unrecorded(cashier)).body.charges).toContainEqual(charge);

    const resolveKey = randomUUID();
    const resolved = await hub.request<{ charge: UnrecordedCardCharge }>('POST', path, { token: manager, body: note, key: resolveKey });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    // a note alone (a tablet from before the kinds) is resolved as other: the note is what there is to read
    expect(resolved.body.charge).toMatchObject({ id: charge.id, resolvedBy: 's-manager', resolutionKind: 'other', resolutionNote: note.note, resolvedAt: expect.any(Number) });
    await tablet.waitFor(() => tablet.events().some((e) => e.type === 'payment.unrecorded_resolved'));
    expect((await unrecorded(cashier)).body.charges.map((c) => c.id)).not.toContain(charge.id);

    // the manager's tablet resends: the same answer; another manager resolving it again: refused, saying so
    const replay = await hub.request('POST', path, { token: manager, body: note, key: resolveKey });
    expect(replay).toMatchObject({ status: 200, body: resolved.body });
    const twice = await hub.request('POST', path, { token: manager, body: { note: 'taken for order 12' }, key: randomUUID() });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('already resolved') });
    expect(db.prepare('SELECT resolution_note FROM unrecorded_card_charges WHERE id = ?').pluck().get(charge.id)).toBe(note.note);
    expect(tablet.events().filter((e) => e.type === 'payment.unrecorded_resolved')).toHaveLength(1);
    tablet.close();
  });

  it('records nothing when the payment is recorded, nor when a waiter is refused at the tablet', async () => {
    const placed = await hub.request<{ order: Order }>('POST', '/api/v1/orders', { token: kiosk, body: sampleOrder({ channel: 'kiosk', tableId: undefined }) });
    const order = placed.body.order;
    const paid = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body: { tender: 'card', amountMinor: order.dueMinor, reference: 'SIM-OK' }, key: randomUUID() });
    expect(paid.status).toBe(201);
    const byWaiter = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: waiter, body: { tender: 'card', amountMinor: 100, reference: 'SIM-W' }, key: randomUUID() });
    expect(byWaiter.status).toBe(409);
    expect(chargeRows(order.id)).toBe(0);
  });

  it('records nothing when the kiosk sends a payment the hub already recorded again, under another key: the money is in the takings', async () => {
    const placed = await hub.request<{ order: Order }>('POST', '/api/v1/orders', { token: kiosk, body: sampleOrder({ channel: 'kiosk', tableId: undefined }) });
    const order = placed.body.order;
    const body = { id: randomUUID(), tender: 'card', amountMinor: order.dueMinor, reference: 'SIM-TWICE' };
    const paid = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body, key: randomUUID() });
    expect(paid.status).toBe(201);
    // the same approval stored twice on the kiosk (each entry with its own key): the second is refused, as a
    // payment the hub has, and no card was charged that the takings lack
    const again = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body, key: randomUUID() });
    expect(again.status).toBe(409);
    expect(chargeRows(order.id)).toBe(0);
    expect((await unrecorded(cashier)).body.charges.map((c) => c.orderId)).not.toContain(order.id);
  });

  it('records a refused card sale once when the kiosk sends it again under another key: one charge on the terminal, one to refund', async () => {
    const order = await paidAtTheCounter();
    const body = { id: randomUUID(), tender: 'card', amountMinor: order.dueMinor, reference: 'SIM-DUP' };
    for (let i = 0; i < 2; i++) {
      const refused = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body, key: randomUUID() });
      expect(refused.status).toBe(403);
    }
    expect(chargeRows(order.id)).toBe(1);
    expect((await unrecorded(cashier)).body.charges.filter((c) => c.orderId === order.id)).toHaveLength(1);
  });

  it('still records a second card charge the kiosk sends under a payment id the hub holds for another amount', async () => {
    const placed = await hub.request<{ order: Order }>('POST', '/api/v1/orders', { token: kiosk, body: sampleOrder({ channel: 'kiosk', tableId: undefined }) });
    const order = placed.body.order;
    const id = randomUUID();
    const paid = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body: { id, tender: 'card', amountMinor: order.dueMinor, reference: 'SIM-A' }, key: randomUUID() });
    expect(paid.status).toBe(201);
    const other = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: kiosk, body: { id, tender: 'card', amountMinor: 100, reference: 'SIM-B' }, key: randomUUID() });
    expect(other.status).toBe(409);
    expect(chargeRows(order.id)).toBe(1);
  });

  it('is refused to a kiosk and to the kitchen, and resolving an unknown charge is 404', async () => {
    expect((await unrecorded(kiosk)).status).toBe(403);
    const kitchen = (await signIn(hub, PINS.kitchen)).staff;
    expect((await unrecorded(kitchen)).status).toBe(403);
    const r = await hub.request('POST', '/api/v1/card-charges/no-such-charge/resolve', { token: manager, body: { note: 'x' }, key: randomUUID() });
    expect(r.status).toBe(404);
  });
});
