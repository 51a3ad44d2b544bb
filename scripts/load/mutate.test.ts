import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutate, newPool, nowMs, type AttemptRecord } from './http.ts';

/** Answers the first request 503 as the hub's writer does in a flood, Retry-After 0, then 201. */
let server: Server;
let base: URL;
let seen = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (seen++ === 0) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
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
});
