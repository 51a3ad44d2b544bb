import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { RequestListener, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { viaGate } from './mark.ts';
import { PublicGate } from './public-gate.ts';

let gate: PublicGate | undefined;
afterEach(async () => {
  await gate?.stop();
  gate = undefined;
});

// the hub's app, reduced to saying what it was told about the caller
const sayWhatCame: RequestListener = (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ via: viaGate(req) ?? null, path: req.url, connection: req.headers.connection }));
};

function start(failures: unknown[], app = sayWhatCame, maxInFlight = 8): PublicGate {
  return new PublicGate({
    port: 0,
    host: '127.0.0.1',
    app,
    attachUpgrades: () => undefined,
    signals: () => ({ queueDepth: 0, lagMs: 0 }),
    settings: { ratePerSec: 1000, maxInFlight, publicQueueLimit: 100, maxLagMs: 1000, keepAliveMs: 5000, niceness: 0 },
    onShed: () => undefined,
    onFailure: (err) => failures.push(err),
  });
}

describe('PublicGate', () => {
  it("passes a public request to the hub's app marked with the phone's address, and keeps the rest out", async () => {
    gate = start([]);
    const port = await gate.listen();
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/menu`, { headers: { 'x-forwarded-for': '10.9.9.9' } });
    // the caller's own X-Forwarded-For is replaced by what the gate saw
    expect(await r.json()).toEqual({ via: '127.0.0.1', path: '/api/v1/menu', connection: 'keep-alive' });
    // a phone closing its connection does not close the gate's kept connection to the hub
    const closing = await fetch(`http://127.0.0.1:${port}/api/v1/menu`, { headers: { connection: 'close' } });
    expect((await closing.json()).connection).toBe('keep-alive');
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
  });

  it("answers what it refuses itself with the hub's security headers too (it is the guest network's only door)", async () => {
    gate = start([]);
    const port = await gate.listen();
    for (const path of ['/metrics', '/pos/']) {
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(r.status).toBe(404);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    }
  });

  it('removes the socket directories that hubs killed with -9 left behind, and only those', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const dead = join(tmpdir(), `brigade-gate-${deadPid}-leftover`);
    const running = join(tmpdir(), `brigade-gate-${process.pid}-running`);
    for (const dir of [dead, running]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'hub.sock'), '');
    }
    try {
      gate = start([]);
      await gate.listen();
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(running)).toBe(true);
    } finally {
      rmSync(dead, { recursive: true, force: true });
      rmSync(running, { recursive: true, force: true });
    }
  });

  it('starts its thread again on the same port when it dies, and says so', async () => {
    const failures: unknown[] = [];
    gate = start(failures);
    const port = await gate.listen();
    await (gate as unknown as { worker: Worker }).worker.terminate();
    // the dead thread's figures are not given as if they were measured
    expect(gate.status()).toMatchObject({ state: 'restarting', apiInFlight: null, oldestApiWaitMs: null });
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${port}/api/v1/menu`).catch(() => undefined))?.status, { timeout: 10_000, interval: 200 })
      .toBe(200);
    expect(failures).toHaveLength(1);
    await expect.poll(() => gate!.status().state).toBe('running');
  });

  it('says what waits in it: API requests on the hub and the oldest one\'s wait, pages, bodies still arriving; then that none do', async () => {
    // the hub's app holds what it is sent until the test answers it
    const held: ServerResponse[] = [];
    gate = start([], (_req, res) => void held.push(res), 3);
    expect(gate.status().state).toBe('starting');
    const port = await gate.listen();
    const none = { state: 'running', apiPlaces: 3, apiInFlight: 0, oldestApiWaitMs: 0, pagesInFlight: 0, bodiesArriving: 0 };
    expect(gate.status()).toEqual(none);

    // a phone sends its order's headers and only part of its body (it takes no place until the rest comes)
    const slow = connect(port, '127.0.0.1');
    slow.on('error', () => undefined);
    slow.write('POST /api/v1/orders HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"chan');
    await expect.poll(() => gate!.status().bodiesArriving, { timeout: 5000 }).toBe(1);
    const api = Array.from({ length: 3 }, () => fetch(`http://127.0.0.1:${port}/api/v1/menu`));
    const page = fetch(`http://127.0.0.1:${port}/order/`);
    await expect.poll(() => held.length, { timeout: 5000 }).toBe(4);
    await pause(300);
    const busy = gate.status();
    expect(busy).toMatchObject({ apiInFlight: 3, pagesInFlight: 1, bodiesArriving: 1 });
    expect(busy.oldestApiWaitMs).toBeGreaterThanOrEqual(250);
    // every place is taken: one more is refused at once
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/menu`)).status).toBe(503);

    slow.destroy();
    for (const res of held.splice(0)) res.end('{}');
    await Promise.all([...api, page].map(async (r) => (await r).text()));
    await expect.poll(() => gate!.status(), { timeout: 5000 }).toEqual(none);
  });
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pages on the public address', () => {
  it('are not held up by phones that send a page request with a body and stall in it (16 such shut every page out)', async () => {
    // the hub serves pages as static files: it answers at once, whatever the request carries
    gate = start([], (_req, res) => res.end('<html></html>'));
    const port = await gate.listen();
    const stalled = Array.from({ length: 20 }, () => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.write('POST /order/ HTTP/1.1\r\nHost: hub\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nabc');
      return s;
    });
    try {
      await pause(300);
      const started = Date.now();
      const r = await fetch(`http://127.0.0.1:${port}/order/`, { signal: AbortSignal.timeout(5000) });
      expect(r.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      for (const s of stalled) s.destroy();
    }
  });
});

describe('bodies on their way through the public address', () => {
  it("are not all held by one address sending made-up tokens, shutting every phone's order out with 503", async () => {
    gate = start([], sayWhatCame);
    const port = await gate.listen();
    const phone = { authorization: 'Bearer tbl_real_phone', 'content-type': 'application/json' };
    // the real phone loaded its page: the hub took its token
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/qr/table`, { headers: phone })).status).toBe(200);
    // each stalled upload with a token of its own: a fresh allowance each, and none reaches the hub to be refused
    const stalled = Array.from({ length: 320 }, (_, i) => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.write(`POST /api/v1/orders HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer made-up-${i}\r\nContent-Type: application/json\r\nContent-Length: 65536\r\n\r\n{"ch`);
      return s;
    });
    try {
      await pause(500);
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/orders`, { method: 'POST', headers: phone, body: '{"channel":"qr"}' });
      expect(r.status).toBe(200);
    } finally {
      for (const s of stalled) s.destroy();
    }
  });
});
