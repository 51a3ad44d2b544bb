/**
 * What a customer's phone is told on the public address (HUB_PUBLIC_PORT), against the real hub process:
 * of health, what the ordering page needs and no load figures; of its table's orders (over HTTP and on the
 * stream), that dishes were voided and the bill discounted, with the amounts, but not the reasons the staff
 * typed nor the notes a waiter wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../protocol/orders.ts';
import { connectStream, PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let publicUrl: string;
let waiter: string;
let manager: string;
let phone: string;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_PUBLIC_PORT: '0' } });
  publicUrl = hub.publicUrl!;
  [waiter, manager] = (await Promise.all([signIn(hub, PINS.waiter), signIn(hub, PINS.manager)])).map((s) => s.staff) as [string, string];
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  phone = (qr.body.tables as { id: string; qrToken: string }[]).find((t) => t.id === 't-a6')!.qrToken;
});
afterAll(async () => {
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

describe('health on the public address', () => {
  it("tells a phone the store and the log's head, not how loaded the hub is (the staff address does)", async () => {
    const staff = await hub.request('GET', '/api/v1/health');
    expect(staff.body).toMatchObject({ writeQueueDepth: expect.any(Number), eventLoopLagMs: expect.any(Number), streamClients: expect.any(Number) });
    const guest = await hub.request('GET', '/api/v1/health', { base: publicUrl });
    expect(guest.status).toBe(200);
    expect(guest.body).toEqual({ status: 'ok', storeId: staff.body.storeId, storeName: staff.body.storeName, epoch: staff.body.epoch, seq: expect.any(Number) });
  });
});

describe("a table's phone on the public address", () => {
  const STAFF_TEXT = /guest was rude|friend of the owner|VIP regular|birthday candle/;

  it('sees the void and the discount with their amounts, not the reasons typed or the waiter’s notes; its own note stays', async () => {
    const head = (await hub.request('GET', '/api/v1/health', { base: publicUrl })).body.seq as number;
    const stream = await connectStream(hub, phone, { lastSeq: head, topics: ['table:t-a6'] }, publicUrl);
    const placed = await hub.request('POST', '/api/v1/orders', {
      token: waiter,
      body: sampleOrder({ tableId: 't-a6', note: 'VIP regular', lines: [{ itemId: 'steamed-rice', qty: 1, note: 'birthday candle' }, { itemId: 'steamed-rice', qty: 2 }] }),
    });
    expect(placed.status).toBe(201);
    const order = placed.body.order as Order;
    const added = await hub.request('POST', `/api/v1/orders/${order.id}/lines`, { token: phone, base: publicUrl, body: { lines: [{ itemId: 'steamed-rice', qty: 1, note: 'no spring onion' }] } });
    expect(added.status).toBe(200);
    expect(JSON.stringify(added.body)).not.toMatch(STAFF_TEXT);
    const voided = await hub.request('POST', `/api/v1/orders/${order.id}/lines/${order.lines[1]!.id}/void`, { token: manager, body: { reason: 'guest was rude' } });
    expect(voided.status).toBe(200);
    const discounted = await hub.request('POST', `/api/v1/orders/${order.id}/discount`, { token: manager, body: { amountMinor: 100, reason: 'friend of the owner' } });
    expect(discounted.status).toBe(200);
    const staffView = discounted.body.order as Order;

    const listed = await hub.request('GET', '/api/v1/orders', { token: phone, base: publicUrl });
    const one = await hub.request('GET', `/api/v1/orders/${order.id}`, { token: phone, base: publicUrl });
    for (const seen of [(listed.body.orders as Order[]).find((o) => o.id === order.id)!, one.body.order as Order]) {
      expect(JSON.stringify(seen)).not.toMatch(STAFF_TEXT);
      expect(seen.lines.map((l) => l.status)).toEqual(staffView.lines.map((l) => l.status));
      expect(seen.lines[1]!.status).toBe('voided');
      expect(seen.lines[2]!.note).toBe('no spring onion');
      expect(seen).toMatchObject({ discountMinor: 100, totalMinor: staffView.totalMinor, dueMinor: staffView.dueMinor });
    }

    await stream.waitFor(() => stream.events().some((e) => e.type === 'order.discounted'));
    const heard = stream.events().filter((e) => e.payload?.order?.id === order.id);
    expect(heard.map((e) => e.type)).toEqual(['order.placed', 'order.lines_added', 'order.line_voided', 'order.discounted']);
    expect(JSON.stringify(heard)).not.toMatch(STAFF_TEXT);
    expect(heard[2].payload.line).toMatchObject({ status: 'voided', voidReason: null });
    expect(heard[3].payload).toMatchObject({ reason: '', order: { discountMinor: 100 } });
    stream.close();
    // the staff still read every word
    const staffRead = await hub.request('GET', `/api/v1/orders/${order.id}`, { token: waiter });
    expect(JSON.stringify(staffRead.body)).toMatch(/guest was rude/);
    expect(staffRead.body.order).toMatchObject({ note: 'VIP regular', discountReason: 'friend of the owner' });
  });
});
