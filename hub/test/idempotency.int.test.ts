import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requestHash } from '../http/mutations.ts';
import { PAIRING_CODE, PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

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

  it('does not keep a 401 as the answer: the same change sent again signed in is taken (the outbox resends with the key)', async () => {
    const key = randomUUID();
    const body = sampleOrder({ tableId: 't-a8' });
    const anonymous = await hub.request('POST', '/api/v1/orders', { body, key });
    expect(anonymous.status).toBe(401);
    const signedIn = await hub.request('POST', '/api/v1/orders', { token: waiter, body, key });
    expect(signedIn.status).toBe(201);
    expect(signedIn.headers.get('idempotent-replayed')).toBeNull();
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

  it('stores one string once: the answer is the order.placed payload, which the idempotency record points to', async () => {
    const key = randomUUID();
    const first = await rawPost(hub, '/api/v1/orders', JSON.stringify(sampleOrder({ tableId: 't-a9' })), { 'idempotency-key': key, authorization: `Bearer ${waiter}` });
    expect(first.status).toBe(201);
    const db = hub.openDb();
    try {
      const id = (JSON.parse(first.text) as { order: { id: string } }).order.id;
      const placed = db.prepare("SELECT seq, payload FROM events WHERE type = 'order.placed' AND json_extract(payload, '$.order.id') = ?").get(id) as { seq: number; payload: string };
      expect(placed.payload).toBe(first.text);
      // the record holds the event's seq, not a second copy of the body
      expect(db.prepare('SELECT body, body_event_seq AS seq FROM idempotency_keys WHERE key = ?').get(key)).toEqual({ body: '', seq: placed.seq });
      // an answer that is no event's payload (a refusal) is stored as it is
      const refusal = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder({ tableId: 'no-such-table' }) });
      expect(refusal.status).toBeGreaterThanOrEqual(400);
      const keyOfRefusal = db.prepare('SELECT body, body_event_seq AS seq FROM idempotency_keys ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as { body: string; seq: number | null };
      expect(keyOfRefusal.seq).toBeNull();
      expect(JSON.parse(keyOfRefusal.body)).toEqual(refusal.body);
    } finally {
      db.close();
    }
    const again = await rawPost(hub, '/api/v1/orders', JSON.stringify(sampleOrder({ tableId: 't-a9' })), { 'idempotency-key': key, authorization: `Bearer ${waiter}` });
    expect(again.text).toBe(first.text);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  // the plain node:http path takes ordinary requests; express takes the unusual ones; both answer alike
  it('answers a chunked body (left to express) exactly as a plain one: same status, headers and replay', async () => {
    const key = randomUUID();
    const body = JSON.stringify(sampleOrder({ tableId: 't-a10' }));
    const headers = { 'idempotency-key': key, authorization: `Bearer ${waiter}` };
    const chunked = await rawPost(hub, '/api/v1/orders', body, headers, { chunked: true });
    const plain = await rawPost(hub, '/api/v1/orders', body, headers);
    expect(chunked.status).toBe(201);
    expect(plain.status).toBe(201);
    expect(plain.text).toBe(chunked.text);
    expect(plain.headers['idempotent-replayed']).toBe('true');
    expect(plain.headers['content-type']).toBe(chunked.headers['content-type']);
    expect(plain.headers['x-powered-by']).toBeUndefined();
    const refused = await rawPost(hub, '/api/v1/orders', '{"channel":', headers, { chunked: true });
    const refusedPlain = await rawPost(hub, '/api/v1/orders', '{"channel":', headers);
    expect([refused.status, refusedPlain.status]).toEqual([400, 400]);
    expect(refusedPlain.text).toBe(refused.text);
  });
});

/** A POST over node:http, with a Content-Length or chunked; the answer's bytes as text. */
function rawPost(
  h: HubProcess,
  path: string,
  body: string,
  headers: Record<string, string>,
  o: { chunked?: boolean } = {},
): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${h.url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...(o.chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      },
    );
    req.on('error', reject);
    if (o.chunked) {
      req.write(body.slice(0, 10));
      req.write(body.slice(10));
    } else req.write(body);
    req.end();
  });
}

describe('Idempotency-Key, on answers that carry a credential', () => {
  /** Every byte of the store as it is on disk now: the database file and its WAL. */
  const storeBytes = () => Buffer.concat(['brigade.db', 'brigade.db-wal'].map((f) => readFileSync(join(hub.dataDir, f)))).toString('latin1');

  it('replays the same device token and staff session, yet a copy of the store holds neither', async () => {
    const pairKey = randomUUID();
    const pairBody = { code: PAIRING_CODE, name: 'tablet 7', kind: 'pos' };
    const paired = await hub.request('POST', '/api/v1/devices/pair', { body: pairBody, key: pairKey });
    expect(paired.status).toBe(201);
    const again = await hub.request('POST', '/api/v1/devices/pair', { body: pairBody, key: pairKey });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(paired.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const device = paired.body.deviceToken as string;

    const signInKey = randomUUID();
    const session = await hub.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin: PINS.waiter }, key: signInKey });
    expect(session.status).toBe(201);
    const replayed = await hub.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin: PINS.waiter }, key: signInKey });
    expect(replayed.body).toEqual(session.body);
    const staff = session.body.token as string;
    expect((await hub.request('GET', '/api/v1/orders?status=open', { token: staff })).status).toBe(200);

    // the request hash kept with them does not give the PIN or the pairing code back to whoever tries them all
    const db = hub.openDb();
    try {
      const hashes = db.prepare("SELECT request_hash FROM idempotency_keys WHERE key LIKE 'sealed:%'").pluck().all() as string[];
      expect(hashes.length).toBeGreaterThanOrEqual(2);
      const guesses = [requestHash('POST', '/api/v1/devices/pair', pairBody), requestHash('POST', '/api/v1/staff/sessions', { pin: PINS.waiter })];
      for (const g of guesses) expect(hashes).not.toContain(g);
    } finally {
      db.close();
    }
    // a backup or a stolen disk hands out no working token: not in the answers kept with the keys, nowhere
    const bytes = storeBytes();
    expect(bytes).not.toContain(device);
    expect(bytes).not.toContain(staff);
    expect(bytes).not.toContain(pairKey);
    // and the key still guards its request: another body under it is refused
    const other = await hub.request('POST', '/api/v1/devices/pair', { body: { ...pairBody, name: 'tablet 8' }, key: pairKey });
    expect(other.status).toBe(422);
  });
});
