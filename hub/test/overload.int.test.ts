import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let tableToken: string;

beforeAll(async () => {
  // a deliberately tiny capacity for the public channel
  hub = await startHub({ env: { HUB_PUBLIC_RATE: '2', HUB_PUBLIC_QUEUE: '0' } });
  waiter = (await signIn(hub, '1111')).staff;
  const manager = (await signIn(hub, '9999')).staff;
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  tableToken = qr.body.tables.find((t: { id: string }) => t.id === 't-b5').qrToken;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

const qrOrder = { channel: 'qr', lines: [{ itemId: 'tsingtao-beer', qty: 1 }] };

describe('overload', () => {
  it('rate-limits a customer phone with 429 + Retry-After while staff orders go through', async () => {
    const phone = await Promise.all(Array.from({ length: 20 }, () => hub.request('GET', '/api/v1/menu', { token: tableToken })));
    const staff = await Promise.all(Array.from({ length: 20 }, () => hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder() })));
    const limited = phone.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(15);
    for (const r of limited) {
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(r.body.error.code).toBe('too_many_requests');
    }
    expect(staff.map((r) => r.status)).toEqual(Array(20).fill(201));
  });

  it('sheds public orders with 503 + Retry-After while the writer is backed up, never staff orders', async () => {
    await new Promise((r) => setTimeout(r, 1500)); // let the phone's bucket refill
    const mixed = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 20 === 0
          ? hub.request('POST', '/api/v1/orders', { token: tableToken, body: qrOrder }).then((r) => ({ who: 'phone', r }))
          : hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder() }).then((r) => ({ who: 'staff', r })),
      ),
    );
    const staff = mixed.filter((m) => m.who === 'staff');
    const phone = mixed.filter((m) => m.who === 'phone');
    expect(staff.every((m) => m.r.status === 201)).toBe(true);
    for (const { r } of phone) {
      expect([201, 429, 503]).toContain(r.status);
      if (r.status !== 201) expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    // queued behind 50+ staff orders with a public queue limit of 0, at least one phone order is shed
    expect(phone.filter((m) => m.r.status === 503).length).toBeGreaterThanOrEqual(1);
    const health = await hub.request('GET', '/api/v1/health');
    expect(health.status).toBe(200);
    const metrics = await fetch(`${hub.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/brigade_shed_total\{reason="queue"\} [1-9]/);
    expect(metrics).toMatch(/brigade_shed_total\{reason="rate"\} [1-9]/);
  });

  it('answers a staff burst far beyond the writer with 201 or a 503 + Retry-After that left nothing behind', async () => {
    const keys = Array.from({ length: 200 }, () => randomUUID());
    const body = sampleOrder({ lines: Array.from({ length: 10 }, () => ({ itemId: 'steamed-rice', qty: 1 })) });
    const replies = await Promise.all(keys.map((key) => hub.request('POST', '/api/v1/orders', { token: waiter, body, key })));
    const refused = keys.filter((_, i) => replies[i]!.status !== 201);
    for (const key of refused) {
      const r = replies[keys.indexOf(key)]!;
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('overloaded');
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    // a refused key stored nothing: its retry is placed, once
    const retried = await Promise.all(refused.slice(0, 5).map((key) => hub.request('POST', '/api/v1/orders', { token: waiter, body, key })));
    for (const r of retried) expect(r.status).toBe(201);
    const db = hub.openDb();
    try {
      const stored = db.prepare(`SELECT COUNT(*) FROM idempotency_keys WHERE key IN (${keys.map(() => '?').join(',')})`).pluck().get(...keys);
      expect(stored).toBe(keys.length - refused.length + retried.length);
    } finally {
      db.close();
    }
  });

  it('refuses a rate-limited phone before reading its order, and the connection stays open for the next one', async () => {
    await new Promise((r) => setTimeout(r, 1500)); // let the phone's bucket refill (2/s, burst 4)
    const url = new URL(hub.url);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const post = (body: string) =>
      new Promise<{ status: number; retryAfter: string | undefined; text: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path: '/api/v1/orders',
            agent,
            headers: { authorization: `Bearer ${tableToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'idempotency-key': randomUUID() },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], text }));
          },
        );
        req.on('socket', (socket) => sockets.add(socket));
        req.on('error', reject);
        req.end(body);
      });
    try {
      const answers = [];
      for (let i = 0; i < 8; i++) answers.push(await post(JSON.stringify(qrOrder)));
      expect(answers.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(3);
      // 60 kB that is not even JSON: a refusal that read it would answer 400; this one never looks at it
      const unread = await post(`{not json ${'x'.repeat(60_000)}`);
      expect([unread.status, unread.retryAfter, JSON.parse(unread.text).error.code]).toEqual([429, '1', 'too_many_requests']);
      // and the same connection carries the next request
      expect((await post(JSON.stringify(qrOrder))).status).toBe(429);
      // every answer came over the one keep-alive connection
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('says the public address is off (HUB_PUBLIC_PORT=off) rather than report its queue as zeros', async () => {
    const health = await hub.request('GET', '/api/v1/health');
    expect(health.body.publicGate).toEqual({ state: 'off', apiPlaces: null, apiInFlight: null, oldestApiWaitMs: null, pagesInFlight: null, bodiesArriving: null });
    const metrics = await fetch(`${hub.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('brigade_write_queue_depth');
    expect(metrics).not.toContain('brigade_public_gate_');
  });
});
