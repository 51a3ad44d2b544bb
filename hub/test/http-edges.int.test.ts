/**
 * Edges of the hub's HTTP surface on the real hub process, with its public address up as in a store
 * (HUB_PUBLIC_PORT): odd requests to the landing page, the counters on `/metrics`, the mutation fast path
 * against express for the same request, and the security headers every answer carries.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let manager: string;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_PUBLIC_PORT: '0' } });
  manager = (await signIn(hub, PINS.manager)).staff;
});
afterAll(async () => {
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

/** Sends `text` as is on a fresh connection and resolves what came back, status line first. */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(hub.port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.on('data', (c: Buffer) => (out += c.toString()));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

/** The sum of `brigade_http_requests_total` over the series whose labels contain `match`. */
async function requestsCounted(match: string): Promise<number> {
  const text = await fetch(`${hub.url}/metrics`).then((r) => r.text());
  return text
    .split('\n')
    .filter((l) => l.startsWith('brigade_http_requests_total{') && l.includes(match))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('the landing page', () => {
  // regression: an HTTP/1.0 request has no Host; req.hostname was undefined and the public-address link threw
  it('answers a request without a Host header with the page, not a 500', async () => {
    const reply = await raw('GET / HTTP/1.0\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toContain('Brigade hub');
    expect(hub.output()).not.toContain('"msg":"request failed"');
  });

  it('links the public address on an IPv6 host once bracketed', async () => {
    const reply = await raw(`GET / HTTP/1.1\r\nHost: [::1]:${hub.port}\r\nConnection: close\r\n\r\n`);
    const publicPort = new URL(hub.publicUrl!).port;
    expect(reply).toContain(`href="http://[::1]:${publicPort}/kiosk/"`);
    expect(reply).not.toContain('[[');
  });

  it("answers the browser's icon request with no content, not a 404 its console shows as an error", async () => {
    expect((await hub.request('GET', '/favicon.ico')).status).toBe(204);
  });
});

describe('/metrics', () => {
  // regression: the counting middleware ran after express.json, so a body it refused was never counted
  it('counts a mutation whose body express refuses as malformed', async () => {
    const before = await requestsCounted('status="400"');
    const r = await hub.request('POST', '/api/v1/orders', {
      token: manager,
      body: '{"channel":',
      // a media type parameter the fast path leaves to express
      headers: { 'content-type': 'application/json; profile=x' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('malformed_json');
    expect(await requestsCounted('status="400"')).toBe(before + 1);
  });
});

describe('refusals of a read', () => {
  // regression: a query-string refusal was reported as "body: Unrecognized key", on a GET with no body
  it.each([
    ['an unknown parameter', '/api/v1/orders?colour=red', /^query: Unrecognized key: "colour"/, 'query'],
    ['a parameter given twice', '/api/v1/orders?status=open&status=closed', /^query\.status: /, 'query.status'],
    ['a parameter out of range', '/api/v1/orders?limit=0', /^query\.limit: /, 'query.limit'],
  ])('name the query for %s', async (_name, path, message, where) => {
    const r = await hub.request('GET', path, { token: manager });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
    expect(r.body.error.message).toMatch(message);
    expect(r.body.error.details[0].path).toBe(where);
  });
});

describe('the fast path and express', () => {
  /** The same request, answered by the fast path (plain JSON) and by express (a media type parameter). */
  async function both(path: string, body: string) {
    const send = (contentType: string) =>
      hub.request('POST', path, { token: manager, body, key: randomUUID(), headers: { 'content-type': contentType } });
    return { fast: await send('application/json'), express: await send('application/json; profile=x') };
  }

  it.each([
    ['a body that is only a byte order mark', '\ufeff'],
    ['an empty object after a byte order mark', '\ufeff{}'],
    ['whitespace only', '  '],
    ['a trailing comma', '{"rush":true,}'],
    ['a JSON null', 'null'],
  ])('answer %s alike', async (_name, body) => {
    const placed = await hub.request('POST', '/api/v1/orders', { token: manager, body: sampleOrder({ tableId: 't-a3', fire: false }) });
    expect(placed.status).toBe(201);
    const { fast, express } = await both(`/api/v1/orders/${placed.body.order.id}/rush`, body);
    expect({ status: fast.status, body: fast.body }).toEqual({ status: express.status, body: express.body });
  });
});

describe('security headers', () => {
  it.each([
    ['the landing page', '/'],
    ['the QR sheet', '/tables/qr'],
    ['the photo page', '/menu/photos'],
    ['the printer page', '/printers'],
    ['a JSON read', '/api/v1/health'],
    ['an unknown path', '/nope'],
  ])('%s may not be framed or sniffed', async (_name, path) => {
    const res = await fetch(hub.url + path);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  });

  it('are the same on a mutation answered by the fast path and by express', async () => {
    const send = (contentType: string) =>
      fetch(`${hub.url}/api/v1/devices/pairing-codes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${manager}`, 'idempotency-key': randomUUID(), 'content-type': contentType },
        body: '{}',
      });
    for (const res of [await send('application/json'), await send('application/json; profile=x')]) {
      expect(res.status).toBe(201);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('are on the pages the public address serves too', async () => {
    const res = await fetch(`${hub.publicUrl}/api/v1/menu`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('health on the public address', () => {
  it("tells the guest network the log head but not the printers, the disk, the backups, the clock or the store's state, which the staff address shows", async () => {
    const staff = await fetch(`${hub.url}/api/v1/health`).then((r) => r.json());
    expect(staff.printers?.length).toBeGreaterThan(0);
    expect(staff.storage).toBeDefined();
    expect(staff.backups?.dir).toEqual(expect.any(String));
    expect(staff.clock).toBeDefined();
    expect(staff.integrity).toBeDefined();
    const guest = await fetch(`${hub.publicUrl}/api/v1/health`).then((r) => r.json());
    expect(guest).toMatchObject({ status: 'ok', epoch: staff.epoch, storeId: staff.storeId });
    expect(typeof guest.seq).toBe('number');
    expect(guest.printers).toBeUndefined();
    expect(guest.storage).toBeUndefined();
    expect(guest.backups).toBeUndefined();
    expect(guest.clock).toBeUndefined();
    expect(guest.integrity).toBeUndefined();
  });
});
