import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, HttpPool, TimeoutError, UnsentError } from './http-pool.ts';

/** A loopback server whose answers the tests choose by path. */
let server: Server;
let base: URL;
const connections = new Set<string>();
let concurrent = 0;
let maxConcurrent = 0;

const routes: Record<string, (req: IncomingMessage, res: ServerResponse, body: string) => void> = {
  '/length': (_req, res, body) => {
    res.writeHead(201, { 'content-type': 'application/json', 'x-twice': ['a', 'b'] });
    res.end(JSON.stringify({ echo: body, text: '点单 ✓' }));
  },
  '/chunked': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first ');
    setTimeout(() => res.end('second'), 5);
  },
  '/not-modified': (_req, res) => {
    res.writeHead(304, { etag: '"v1"' });
    res.end();
  },
  '/close': (_req, res) => {
    res.writeHead(429, { 'retry-after': '2', connection: 'close', 'content-length': '4' });
    res.end('busy');
  },
  '/slow': (_req, res) => setTimeout(() => res.end('late'), 60),
  '/never': () => undefined,
  '/hang-up': (req) => req.socket.destroy(),
  '/who': (req, res) => res.end(`${req.socket.remotePort}`),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    connections.add(`${req.socket.remotePort}`);
    maxConcurrent = Math.max(maxConcurrent, ++concurrent);
    res.once('close', () => concurrent--);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => routes[req.url ?? '']!(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const get = (pool: HttpPool, path: string, timeoutMs = 2000) => pool.request(base, { method: 'GET', path, headers: {} }, timeoutMs, 5000);

describe('HttpPool', () => {
  it('sends a body and reads a Content-Length answer, headers lower-cased, repeated ones joined', async () => {
    const pool = new HttpPool(2);
    const r = await pool.request(base, { method: 'POST', path: '/length', headers: { 'content-type': 'application/json' }, body: '{"名":"宫保鸡丁"}' }, 2000, 5000);
    expect(r.status).toBe(201);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-twice']).toBe('a, b');
    expect(JSON.parse(r.body.toString('utf8'))).toEqual({ echo: '{"名":"宫保鸡丁"}', text: '点单 ✓' });
    pool.destroy();
  });

  it('reads chunked answers and answers without a body, and reuses one connection for them', async () => {
    const pool = new HttpPool(1);
    const before = connections.size;
    const a = await get(pool, '/chunked');
    const b = await get(pool, '/not-modified');
    const c = await get(pool, '/chunked');
    expect([a.status, a.body.toString()]).toEqual([200, 'first second']);
    expect([b.status, b.headers.etag, b.body.length]).toEqual([304, '"v1"', 0]);
    expect(c.body.toString()).toBe('first second');
    expect(connections.size - before).toBe(1);
    pool.destroy();
  });

  it('keeps at most maxSockets requests on the wire and sends the queued ones in order', async () => {
    const pool = new HttpPool(3);
    maxConcurrent = 0;
    const sent: number[] = [];
    const all = Array.from({ length: 12 }, (_, i) => pool.request(base, { method: 'GET', path: '/slow', headers: {}, onSocket: () => sent.push(i) }, 2000, 5000));
    expect(sent).toEqual([0, 1, 2]);
    await Promise.all(all);
    expect(maxConcurrent).toBe(3);
    expect(sent).toEqual(Array.from({ length: 12 }, (_, i) => i));
    pool.destroy();
  });

  it('opens a new connection after an answer that closes its own', async () => {
    const pool = new HttpPool(1);
    const refused = await get(pool, '/close');
    expect([refused.status, refused.headers['retry-after'], refused.body.toString()]).toEqual([429, '2', 'busy']);
    const first = (await get(pool, '/who')).body.toString();
    const again = (await get(pool, '/who')).body.toString();
    expect(again).toBe(first);
    pool.destroy();
  });

  it('times out from the moment a request has a connection, and the pool goes on', async () => {
    const pool = new HttpPool(1);
    let onSocketAt = 0;
    const t0 = performance.now();
    const queuedBehind = get(pool, '/slow');
    const never = pool.request(base, { method: 'GET', path: '/never', headers: {}, onSocket: () => (onSocketAt = performance.now()) }, 100, 5000);
    await expect(never).rejects.toBeInstanceOf(TimeoutError);
    expect(onSocketAt - t0).toBeGreaterThanOrEqual(50); // it waited for /slow's connection first
    expect((await queuedBehind).body.toString()).toBe('late');
    expect((await get(pool, '/length')).status).toBe(201);
    pool.destroy();
  });

  it('gives up on a request that waits too long for a connection, without sending it', async () => {
    const pool = new HttpPool(1);
    const busy = get(pool, '/slow');
    let sent = false;
    const queued = pool.request(base, { method: 'GET', path: '/length', headers: {}, onSocket: () => (sent = true) }, 2000, 10);
    await expect(queued).rejects.toBeInstanceOf(UnsentError);
    await busy;
    expect(sent).toBe(false);
    pool.destroy();
  });

  it('fails a request whose connection closes before the answer, then serves the next on a new one', async () => {
    const pool = new HttpPool(1);
    await expect(get(pool, '/hang-up')).rejects.toBeInstanceOf(ConnectionError);
    expect((await get(pool, '/length')).status).toBe(201);
    pool.destroy();
  });

  it('fails at once when nothing listens', async () => {
    const pool = new HttpPool(2);
    const closed = new URL('http://127.0.0.1:1');
    await expect(pool.request(closed, { method: 'GET', path: '/', headers: {} }, 2000, 5000)).rejects.toBeInstanceOf(ConnectionError);
  });

  it('notices an idle connection the server closed and does not send on it', async () => {
    const pool = new HttpPool(1);
    const first = (await get(pool, '/who')).body.toString();
    server.closeIdleConnections();
    await new Promise((r) => setTimeout(r, 50));
    const r = await get(pool, '/who');
    expect(r.status).toBe(200);
    expect(r.body.toString()).not.toBe(first);
    pool.destroy();
  });

  it('drops a connection that receives an answer to no request, and serves the next on a new one', async () => {
    // a raw server: answers each request, then, on the first connection, an unasked-for 408 a moment later
    let connectionsSeen = 0;
    let firstDropped!: () => void;
    const firstClosed = new Promise<void>((r) => (firstDropped = r));
    const raw = createTcpServer((socket) => {
      const n = ++connectionsSeen;
      if (n === 1) socket.on('close', () => firstDropped());
      socket.on('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n' + String(n));
        if (n === 1) setTimeout(() => socket.write('HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n'), 20);
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const rawBase = new URL(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`);
    const pool = new HttpPool(1);
    try {
      const first = await pool.request(rawBase, { method: 'GET', path: '/', headers: {} }, 2000, 5000);
      // wait until the pool has dropped the first connection: a fixed sleep raced the 408 on a busy machine
      const stillOpen = new Promise((_, reject) => setTimeout(() => reject(new Error('the pool kept the first connection open')), 5000).unref());
      await Promise.race([firstClosed, stillOpen]);
      const second = await pool.request(rawBase, { method: 'GET', path: '/', headers: {} }, 2000, 5000);
      expect([first.body.toString(), second.body.toString()]).toEqual(['1', '2']);
    } finally {
      pool.destroy();
      raw.close();
    }
  });
});
