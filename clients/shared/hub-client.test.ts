import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HubClient, HubUnreachableError } from './hub-client.ts';
import { sendEntry } from './outbox-transport.ts';
import { Session } from './session.ts';
import { MemoryOutboxStorage, Outbox, type OutboxEntry } from './outbox.ts';

/** A loopback server whose answers the test writes by hand (headers now, the body maybe never). */
let server: Server | null = null;
async function serve(handler: (res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    handler(res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = null;
});

/** Headers and the first bytes of a 6 kB answer, then nothing: the link died mid-body. */
const stallMidBody = (res: ServerResponse) => {
  res.writeHead(201, { 'content-type': 'application/json', 'content-length': '6000' });
  res.write('{"order":{"id":"01J');
};

const client = (baseUrl: string) => new HubClient({ baseUrl, credentials: { device: () => 'dev_test', staff: () => null }, timeoutMs: 300 });
/** The promise's outcome, or 'still waiting' after `ms` (a hung request must fail the test, not hang it). */
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p.then((v) => ({ settled: 'resolved' as const, v }), (e: unknown) => ({ settled: 'rejected' as const, e })), new Promise<{ settled: 'still waiting' }>((r) => setTimeout(() => r({ settled: 'still waiting' }), ms))]);

describe('HubClient timeout', () => {
  it('covers the whole answer: a body that stalls after the headers is "no answer" within the timeout', async () => {
    const base = await serve(stallMidBody);
    const started = Date.now();
    const out = await within(client(base).request('POST', '/api/v1/orders', { body: { id: 'x' }, key: 'key-12345678' }), 3000);
    expect(out.settled).toBe('rejected');
    expect((out as { e: unknown }).e).toBeInstanceOf(HubUnreachableError);
    expect(((out as { e: Error }).e).message).toMatch(/no answer from the hub in 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('so an outbox entry whose answer stalled is "unknown" (retried with its key), not stuck in sending', async () => {
    const base = await serve(stallMidBody);
    const entry = { method: 'POST', path: '/api/v1/orders', body: { id: 'x' }, key: 'key-12345678' } as OutboxEntry;
    const out = await within(sendEntry(client(base), entry), 3000);
    expect(out).toMatchObject({ settled: 'resolved', v: { kind: 'unreachable', reason: expect.stringMatching(/no answer/) } });
  });

  it('a slow but complete answer inside the timeout is read as usual', async () => {
    const base = await serve((res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write('{"order":');
      setTimeout(() => res.end('{"id":"a"}}'), 100);
    });
    expect(await client(base).request('POST', '/api/v1/orders', { body: {}, key: 'key-12345678' })).toEqual({ order: { id: 'a' } });
  });
});

describe('HubClient clock offset', () => {
  const DAY = 86_400_000;
  /** The hub (its clock right) answers everything; but the menu, with the hub down, came from the service
   * worker's cache (sw.ts, a reload over HTTPS): stored yesterday, with yesterday's Date header. */
  const fetchWithCachedMenu: typeof fetch = async (input) => {
    const url = String(input);
    const cached = url.endsWith('/api/v1/menu');
    const date = new Date(Date.now() - (cached ? DAY : 0)).toUTCString();
    const body = cached ? { menu: { version: 1, stations: [], categories: [], items: [], optionGroups: [] } } : { epoch: 'e', seq: 0, menuVersion: 1, orders: [] };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', date, ...(cached ? { etag: '"m1"' } : {}) } });
  };

  it('is not taken from a menu the service worker answered from its cache, whose Date is the day it was stored', async () => {
    const hub = new HubClient({ credentials: { device: () => 'dev_test', staff: () => null }, fetch: fetchWithCachedMenu });
    await hub.menu();
    await hub.snapshot();
    // a ticket's age is hub time now − when it was fired: a day off, every ticket shows 0:00 and never turns red
    expect(Math.abs(hub.serverOffsetMs)).toBeLessThan(1500);
  });
});

describe('HubClient.mutate and Retry-After', () => {
  it('waits at least what the hub asked and a random share as long again, so devices refused together come back apart', async () => {
    let calls = 0;
    const base = await serve((res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
        res.end(JSON.stringify({ error: { code: 'overloaded', message: 'busy' } }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }
    });
    const waits: number[] = [];
    for (const r of [0, 0.5, 0.99]) {
      calls = 0;
      const c = new HubClient({
        baseUrl: base,
        credentials: { device: () => 'dev_test', staff: () => null },
        timeoutMs: 1000,
        random: () => r,
        sleep: async (ms: number) => void waits.push(ms),
      });
      expect(await c.mutate('POST', '/api/v1/x', {}, { as: 'device' })).toEqual({ ok: true });
    }
    expect(waits).toEqual([2000, 3000, 3980]);
  });
});

describe('HubClient.mutate and a Retry-After longer than it holds its caller', () => {
  it('is never sent again sooner than the hub asked: a wait longer than a tap should hang is the caller\'s "busy", at once', async () => {
    let calls = 0;
    const base = await serve((res) => {
      calls++;
      // the hub's admission, refusals flooding: Retry-After grows up to 15 s so the callers spread out
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '15' });
      res.end(JSON.stringify({ error: { code: 'too_many_requests', message: 'too many requests from this device; slow down' } }));
    });
    const waits: number[] = [];
    const c = new HubClient({ baseUrl: base, credentials: { device: () => 'dev_test', staff: () => null }, timeoutMs: 1000, random: () => 0.5, sleep: async (ms) => void waits.push(ms) });
    const out = await c.mutate('POST', '/api/v1/qr/waiter-call', {}, { as: 'device', attempts: 2 }).catch((e: unknown) => e);
    expect(out).toMatchObject({ status: 429, details: { retryAfterS: 15 } });
    // what it used to do: 5 s (+ jitter) later, again, into the same flood
    expect(waits.filter((w) => w < 15_000)).toEqual([]);
    expect(calls).toBe(1);
  });
});

describe('HubClient.mutate and a hub whose disk is full', () => {
  it('a 507 (storage_full, nothing saved) is "not now": sent again with the same key after the Retry-After, not shown as refused', async () => {
    const keys: (string | undefined)[] = [];
    const base = await serve((res) => {
      if (keys.length === 1) {
        res.writeHead(507, { 'content-type': 'application/json', 'retry-after': '5' });
        res.end(JSON.stringify({ error: { code: 'storage_full', message: "the hub's disk is full: nothing was saved" } }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"order":{"id":"a"}}');
      }
    });
    server!.prependListener('request', (req) => void keys.push(req.headers['idempotency-key'] as string | undefined));
    const waits: number[] = [];
    const c = new HubClient({ baseUrl: base, credentials: { device: () => 'dev_test', staff: () => 'stf_test' }, timeoutMs: 1000, random: () => 0, sleep: async (ms) => void waits.push(ms) });
    expect(await c.mutate('POST', '/api/v1/orders/a/status', { status: 'ready', lineIds: ['l1'] })).toEqual({ order: { id: 'a' } });
    expect(waits).toEqual([5000]);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });
});

describe('HubClient and a 401 for a token no longer in use', () => {
  /** A hub that answers each request only when the test says, with a 401 for whatever token it was sent. */
  function slowRefusingHub() {
    const waiting: { token: string | null; answer: () => void }[] = [];
    const fetchFn: typeof fetch = (_input, init) =>
      new Promise((resolve) => {
        const token = new Headers(init?.headers).get('authorization')?.replace(/^Bearer /, '') ?? null;
        waiting.push({
          token,
          answer: () => resolve(new Response(JSON.stringify({ error: { code: 'unauthenticated', message: 'token refused' } }), { status: 401, headers: { 'content-type': 'application/json' } })),
        });
      });
    return { fetchFn, waiting };
  }
  const until = async (ok: () => boolean) => {
    for (let end = Date.now() + 2000; !ok(); await new Promise((r) => setTimeout(r, 2))) if (Date.now() > end) throw new Error('timed out');
  };

  it('a device re-paired while a request with its old token was out keeps the new pairing when that request is refused', async () => {
    let deviceToken = 'dev_old';
    const told: string[] = [];
    const { fetchFn, waiting } = slowRefusingHub();
    const c = new HubClient({ credentials: { device: () => deviceToken, staff: () => null }, fetch: fetchFn, onUnauthenticated: (as) => void told.push(as) });
    const old = c.snapshot().catch((e: unknown) => e);
    await until(() => waiting.length === 1);
    deviceToken = 'dev_new'; // the manager unpaired it, the kiosk was paired again meanwhile
    waiting[0]!.answer();
    expect(await old).toMatchObject({ status: 401 });
    expect(told).toEqual([]);

    // the token in use refused: that one does end the pairing
    const current = c.snapshot().catch((e: unknown) => e);
    await until(() => waiting.length === 2);
    expect(waiting[1]!.token).toBe('dev_new');
    waiting[1]!.answer();
    await current;
    expect(told).toEqual(['device']);
  });

  it('a staff member who signed in again keeps the new session when a request sent with the old one is refused (through Session)', async () => {
    const { fetchFn, waiting } = slowRefusingHub();
    const session = new Session('w-client-test');
    session.device.set({ token: 'dev_1', deviceId: 'd1', name: 'pos', kind: 'pos' });
    session.staff.set({ token: 'stf_old', staff: { id: 's1', name: 'Li', role: 'waiter' }, expiresAt: Date.now() + 3_600_000 });
    const c = session.client({ fetch: fetchFn });
    const old = c.floor().catch((e: unknown) => e);
    await until(() => waiting.length === 1);
    session.staff.set({ token: 'stf_new', staff: { id: 's1', name: 'Li', role: 'waiter' }, expiresAt: Date.now() + 3_600_000 });
    waiting[0]!.answer();
    expect(await old).toMatchObject({ status: 401 });
    expect(session.staffToken()).toBe('stf_new');
    expect(session.deviceToken()).toBe('dev_1');
  });
});

describe('HubClient and an answer that is not the hub\'s (a captive portal, a proxy\'s login page)', () => {
  const portalPage = (status = 200) => new Response('<html><body>Welcome to Guest Wi-Fi: accept the terms</body></html>', { status, headers: { 'content-type': 'text/html' } });
  const hubAnswer = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const placed = { order: { id: 'o-1', number: 17 } };

  it('an outbox order answered 200 text/html is not confirmed: it stays unknown and goes again with its key until the hub\'s JSON answer comes', async () => {
    const keys: (string | null)[] = [];
    let portal = true;
    const fetchFn: typeof fetch = async (_input, init) => {
      keys.push(new Headers(init?.headers).get('idempotency-key'));
      return portal ? portalPage() : hubAnswer(201, placed);
    };
    const c = new HubClient({ credentials: { device: () => 'dev_test', staff: () => null }, fetch: fetchFn });
    const outbox = new Outbox({ storage: new MemoryOutboxStorage(), transport: (e) => sendEntry(c, e), backoff: { baseMs: 10, maxMs: 10 }, random: () => 0.5 });
    const entry = await outbox.enqueue({ scope: 'kiosk:d', method: 'POST', path: '/api/v1/orders', body: { id: 'o-1' }, meta: {} });
    await vi.waitFor(() => expect(keys.length).toBeGreaterThanOrEqual(2));
    expect(outbox.get(entry.id)).toMatchObject({ state: expect.stringMatching(/^(unknown|sending)$/), result: null });
    portal = false; // the portal's terms accepted: the hub is reached
    outbox.retryNow();
    expect(await outbox.settled(entry.id)).toMatchObject({ state: 'confirmed', result: placed });
    outbox.stop();
    expect(new Set(keys)).toEqual(new Set([entry.key]));
  });

  it('mutate() resends with the same key after a non-JSON 200, and returns the hub\'s answer, not null', async () => {
    const keys: (string | null)[] = [];
    const answers = [portalPage(), hubAnswer(201, placed)];
    const fetchFn: typeof fetch = async (_input, init) => {
      keys.push(new Headers(init?.headers).get('idempotency-key'));
      return answers.shift()!;
    };
    const c = new HubClient({ credentials: { device: () => null, staff: () => 'stf_test' }, fetch: fetchFn, sleep: async () => undefined });
    expect(await c.mutate('POST', '/api/v1/orders', { id: 'o-1' })).toEqual(placed);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it('a read answered 200 text/html (or an empty 200) is an error, not null', async () => {
    for (const page of [portalPage(), new Response('', { status: 200 })]) {
      const c = new HubClient({ credentials: { device: () => 'dev_test', staff: () => null }, fetch: async () => page });
      await expect(c.snapshot()).rejects.toBeInstanceOf(HubUnreachableError);
    }
  });

  it('a portal answering 401 with its own page does not unpair the device: only the hub refuses tokens', async () => {
    const told: string[] = [];
    const c = new HubClient({ credentials: { device: () => 'dev_test', staff: () => null }, fetch: async () => portalPage(401), onUnauthenticated: (as) => void told.push(as) });
    await expect(c.snapshot()).rejects.toThrow();
    expect(told).toEqual([]);
  });
});
