import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;

beforeAll(async () => {
  hub = await startHub();
  waiter = (await signIn(hub, '1111')).staff;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

describe('Idempotency-Key', () => {
  it('creates exactly one order when 100 concurrent submissions share one key', async () => {
    const key = randomUUID();
    const body = sampleOrder({ tableId: 't-a2' });
    const replies = await Promise.all(
      Array.from({ length: 100 }, () => hub.request('POST', '/api/v1/orders', { token: waiter, body, key })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(100).fill(201));
    const ids = new Set(replies.map((r) => r.body.order.id));
    expect(ids.size).toBe(1);
    expect(replies.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(99);

    const db = hub.openDb();
    try {
      expect(db.prepare("SELECT COUNT(*) FROM orders WHERE table_id = 't-a2'").pluck().get()).toBe(1);
      expect(db.prepare("SELECT COUNT(*) FROM events WHERE type = 'order.placed'").pluck().get()).toBe(1);
    } finally {
      db.close();
    }
  });

  it('returns the original status and body byte for byte on replay, writing nothing', async () => {
    const key = randomUUID();
    const body = sampleOrder({ tableId: 't-a3' });
    const first = await hub.request('POST', '/api/v1/orders', { token: waiter, body, key });
    const seqBefore = (await hub.request('GET', '/api/v1/health')).body.seq;
    const again = await hub.request('POST', '/api/v1/orders', { token: waiter, body: JSON.stringify(body), key });
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect((await hub.request('GET', '/api/v1/health')).body.seq).toBe(seqBefore);
  });

  it('matches a replay whose JSON keys come in another order', async () => {
    const key = randomUUID();
    const first = await hub.request('POST', '/api/v1/orders', { token: waiter, key, body: '{"channel":"pos","tableId":"t-a4","lines":[{"itemId":"tsingtao-beer","qty":1}]}' });
    const again = await hub.request('POST', '/api/v1/orders', { token: waiter, key, body: '{"lines":[{"qty":1,"itemId":"tsingtao-beer"}],"tableId":"t-a4","channel":"pos"}' });
    expect(first.status).toBe(201);
    expect(again.body.order.id).toBe(first.body.order.id);
  });

  it('refuses the same key with a different body (422) and writes nothing', async () => {
    const key = randomUUID();
    await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder({ tableId: 't-a5' }), key });
    const seqBefore = (await hub.request('GET', '/api/v1/health')).body.seq;
    const other = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder({ tableId: 't-a6' }), key });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    expect((await hub.request('GET', '/api/v1/health')).body.seq).toBe(seqBefore);
  });

  it('refuses a mutation without the header (400)', async () => {
    const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder(), key: null });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('idempotency_key_missing');
  });

  it('stores a refusal too: a replay of a sold-out order answers the same refusal', async () => {
    const manager = (await signIn(hub, '9999')).staff;
    const patch = await hub.request('PATCH', '/api/v1/menu/items/xiaolongbao', { token: manager, body: { remaining: 1 } });
    expect(patch.status).toBe(200);
    const key = randomUUID();
    const body = sampleOrder({ tableId: 't-a7', lines: [{ itemId: 'xiaolongbao', qty: 2 }] });
    const first = await hub.request('POST', '/api/v1/orders', { token: waiter, body, key });
    expect(first.status).toBe(409);
    expect(first.body.error.code).toBe('sold_out');
    await hub.request('PATCH', '/api/v1/menu/items/xiaolongbao', { token: manager, body: { remaining: 10 } });
    const again = await hub.request('POST', '/api/v1/orders', { token: waiter, body, key });
    expect(again.status).toBe(409);
    expect(again.body).toEqual(first.body);
  });

  it('lets a device queue dependent mutations offline with its own ids: create, then add to it', async () => {
    const orderId = `ord-${randomUUID()}`;
    const lineId = `line-${randomUUID()}`;
    const [created, added] = await Promise.all([
      hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder({ id: orderId, tableId: 't-a8' }) }),
      // sent right behind the create, as an outbox would after reconnecting
      new Promise((r) => setTimeout(r, 20)).then(() =>
        hub.request('POST', `/api/v1/orders/${orderId}/lines`, { token: waiter, body: { lines: [{ id: lineId, itemId: 'tsingtao-beer', qty: 1 }] } }),
      ),
    ]);
    expect(created.status).toBe(201);
    expect(created.body.order.id).toBe(orderId);
    expect(added.status).toBe(200);
    expect(added.body.order.lines.map((l: { id: string }) => l.id)).toContain(lineId);
  });
});
