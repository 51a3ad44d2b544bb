import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mutate, newPool, nowMs, type AttemptRecord } from './http.ts';

/**
 * Answers the first request 503 as the hub's writer does in a flood, with `retryAfter` (0 unless a test sets
 * it), then 201; `arrivals` keeps when each request came in.
 */
let server: Server;
let base: URL;
let seen = 0;
let retryAfter = '0';
let arrivals: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(nowMs());
      if (seen++ === 0) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': retryAfter });
        res.end(JSON.stringify({ error: { code: 'overloaded', message: 'the kitchen hub is very busy; please retry in a moment' } }));
      } else {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ order: { id: 'o-1', code: 'not_an_error' } }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

afterEach(() => {
  vi.restoreAllMocks();
  seen = 0;
  retryAfter = '0';
  arrivals = [];
});

describe('mutate', () => {
  it('resends a refused mutation, and records each attempt with a 5xx answer\'s error code (which refusal it was)', async () => {
    const attempts: AttemptRecord[] = [];
    const policy = { timeoutMs: 2000, maxAttempts: 3, giveUpAt: () => nowMs() + 10_000, onAttempt: (a: AttemptRecord) => attempts.push(a) };
    const out = await mutate(base, newPool(1), 'POST', '/api/v1/orders', { lines: [] }, 'token', policy, 'key-1');
    expect(out.reply?.status).toBe(201);
    expect(attempts.map((a) => [a.status, a.code])).toEqual([
      [503, 'overloaded'],
      [201, undefined],
    ]);
  });

  it('never resends sooner than the Retry-After the hub asked for, whatever the jitter draws', async () => {
    // the jitter spreads a crowd refused together; drawn at its lowest it had resent after 0.75 × Retry-After
    vi.spyOn(Math, 'random').mockReturnValue(0);
    retryAfter = '1';
    const policy = { timeoutMs: 2000, maxAttempts: 3, giveUpAt: () => nowMs() + 10_000 };
    const out = await mutate(base, newPool(1), 'POST', '/api/v1/orders', { lines: [] }, 'token', policy, 'key-2');
    expect(out.reply?.status).toBe(201);
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(1000);
  });
});

