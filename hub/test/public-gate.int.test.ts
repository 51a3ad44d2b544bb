import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectStream, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let pub: string;
let waiter: { device: string; staff: string };
let tableToken: string;

beforeAll(async () => {
  // one request at a time may wait on the hub through the public address: the test holds that one open
  hub = await startHub({ env: { HUB_PUBLIC_PORT: '0', HUB_PUBLIC_INFLIGHT: '1', HUB_PUBLIC_RATE: '5' } });
  if (!hub.publicUrl) throw new Error(`the hub logged no public port:\n${hub.output()}`);
  pub = hub.publicUrl;
  waiter = await signIn(hub, '1111');
  const manager = (await signIn(hub, '9999')).staff;
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  tableToken = qr.body.tables.find((t: { id: string }) => t.id === 't-b3').qrToken;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

const qrOrder = { channel: 'qr', lines: [{ itemId: 'tsingtao-beer', qty: 1 }] };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the public address (customers’ phones and kiosks)', () => {
  it('takes a phone’s order exactly once: a replay of its key gets the stored answer', async () => {
    const key = randomUUID();
    const first = await hub.request('POST', '/api/v1/orders', { base: pub, token: tableToken, body: qrOrder, key });
    expect(first.status).toBe(201);
    const again = await hub.request('POST', '/api/v1/orders', { base: pub, token: tableToken, body: qrOrder, key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.order.id).toBe(first.body.order.id);
    // it is the hub's own order, seen on the staff address too, placed once
    const staffView = await hub.request('GET', `/api/v1/orders/${first.body.order.id}`, { token: waiter.staff });
    expect(staffView.status).toBe(200);
    expect(hub.eventCount('order.placed', first.body.order.id)).toBe(1);
  });

  it('serves the table its live stream, and refuses staff tokens, their stream and the staff pages', async () => {
    await pause(1000); // the table's bucket refills
    const phone = await connectStream(hub, tableToken, { lastSeq: 0 }, pub);
    await phone.waitFor((m) => m.some((x) => x.type === 'welcome'));
    phone.close();

    const asStaff = await hub.request('GET', '/api/v1/orders', { base: pub, token: waiter.staff });
    expect(asStaff.status).toBe(403);
    expect(asStaff.body.error.code).toBe('forbidden');
    const staffOrder = await hub.request('POST', '/api/v1/orders', { base: pub, token: waiter.staff, body: sampleOrder() });
    expect(staffOrder.status).toBe(403);
    // the same tokens work on the staff address
    expect((await hub.request('GET', '/api/v1/orders', { token: waiter.staff })).status).toBe(200);

    const staffStream = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://${new URL(pub).host}/api/v1/stream?token=${encodeURIComponent(waiter.staff)}`);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('a staff stream opened on the public address')));
      ws.once('error', () => undefined);
    });
    expect(staffStream).toBe(403);

    for (const path of ['/metrics', '/pos/', '/kds/', '/tables/qr', '/printers/sim', '/ca.crt', '/api/v1/../metrics']) {
      const r = await fetch(pub + path);
      expect(r.status, path).toBe(404);
    }
    expect((await fetch(`${hub.url}/metrics`)).status).toBe(200);
    // the staff address's landing page says where phones and kiosks go
    const landing = await (await fetch(`${hub.url}/`)).text();
    expect(landing).toContain(`http://127.0.0.1:${new URL(pub).port}/kiosk/`);
    expect(landing).not.toContain('data-public-gate'); // serving: nothing to say
  });

  it('rate-limits one phone with 429 + Retry-After before the hub sees the requests', async () => {
    await pause(1000);
    const replies = await Promise.all(Array.from({ length: 30 }, () => hub.request('GET', '/api/v1/menu', { base: pub, token: tableToken })));
    const limited = replies.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(15);
    for (const r of limited) {
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(r.body.error.code).toBe('too_many_requests');
    }
    // the page and its assets (and dish photos) are never rate-limited: a browser does not retry them
    const pages = await Promise.all(Array.from({ length: 30 }, () => fetch(`${pub}/t/${tableToken}`)));
    expect(pages.filter((r) => r.status === 429)).toHaveLength(0);
    // the hub counts the gate's refusals (published every few ms)
    await expect.poll(async () => (await fetch(`${hub.url}/metrics`).then((r) => r.text())).match(/brigade_shed_total\{reason="rate"\} (\d+)/)?.[1], { timeout: 5000 }).toMatch(/^[1-9]/);
  });

  it('answers 503 + Retry-After once as many requests wait on the hub as it allows, and staff are not held up', async () => {
    await pause(2000); // the address's bucket refills (5 a second, a burst of 10)
    // eight requests arriving together on connections of their own: one place, so the gate sends one on and
    // refuses the others at once
    const url = new URL(pub);
    const sockets = await Promise.all(
      Array.from({ length: 8 }, () => new Promise<Socket>((resolve) => { const s = connect(Number(url.port), '127.0.0.1', () => resolve(s)); })),
    );
    // each connection closes after its answer: what it read is the whole answer
    const answers = sockets.map(
      (s) =>
        new Promise<string>((resolve) => {
          let text = '';
          s.setEncoding('latin1');
          s.on('data', (c: string) => (text += c));
          s.on('close', () => resolve(text));
        }),
    );
    // all eight reach the gate's thread in one turn of its loop, however busy the machine: the hub's process is
    // stopped while their requests are completed (the bytes wait in the kernel), so none can be answered,
    // freeing the place, before the next is read (on a loaded machine the test's own writes came tens of ms
    // apart: no 503 at all). Each has sent the start of its request before: a connection the gate had not yet
    // accepted when the process stopped was read a turn after the others, once the first had been answered
    for (const s of sockets) s.write('GET /api/v1/menu HTTP/1.1\r\nHost: hub\r\n');
    await pause(300);
    hub.proc.kill('SIGSTOP');
    try {
      for (const s of sockets) s.write('Connection: close\r\n\r\n');
      await pause(200);
    } finally {
      hub.proc.kill('SIGCONT');
    }
    const heads = (await Promise.all(answers)).map((a) => a.slice(0, a.indexOf('\r\n\r\n')));
    const shed = heads.filter((h) => h.startsWith('HTTP/1.1 503'));
    expect(heads.filter((h) => h.startsWith('HTTP/1.1 200')).length).toBeGreaterThanOrEqual(1);
    expect(shed.length).toBeGreaterThanOrEqual(1);
    for (const h of shed) expect(h).toMatch(/\r\nRetry-After: \d+/i);
    // the ordering page itself is not shed (a browser does not retry a script that answered 503): the hub
    // answers it (200 once the apps are built, 404 from the hub before)
    expect([200, 404]).toContain((await fetch(`${pub}/t/${tableToken}`)).status);
    // staff do not go through the gate
    expect((await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder() })).status).toBe(201);
    const metrics = await fetch(`${hub.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/brigade_shed_total\{reason="gate"\} [1-9]/);
  });

  it('holds no place for a phone that stalls in the middle of its body: the others are served meanwhile', async () => {
    await pause(1000);
    // a phone that sends its headers and then only part of its body (one that left the Wi-Fi mid-send, or
    // does it on purpose) held one of the HUB_PUBLIC_INFLIGHT places until the server gave up on it (5 min):
    // a few such phones shut every table's ordering
    const slow = connect(Number(new URL(pub).port), '127.0.0.1');
    await new Promise<void>((r) => slow.once('connect', () => r()));
    const body = JSON.stringify(qrOrder);
    slow.write(
      `POST /api/v1/orders HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer ${tableToken}\r\nContent-Type: application/json\r\n` +
        `Idempotency-Key: ${randomUUID()}\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    try {
      await pause(300);
      const meanwhile = await hub.request('GET', '/api/v1/menu', { base: pub });
      expect(meanwhile.status).toBe(200);
      // the rest of its body comes after all: its order is taken
      const answer = new Promise<string>((resolve) => {
        let text = '';
        slow.setEncoding('utf8');
        slow.on('data', (c: string) => {
          text += c;
          if (text.includes('"order"')) resolve(text);
        });
      });
      slow.write(body.slice(5));
      expect(await answer).toMatch(/^HTTP\/1\.1 201/);
    } finally {
      slow.destroy();
    }
  });

  it('holds up an address that sends a made-up token with each request, but not the real phones', async () => {
    // each made-up token would get a rate-limit allowance of its own and reach the hub's thread to be refused
    // made-up tokens the hub answers without reading them (an unknown route, a query parameter) are not learnt as good
    for (let i = 0; i < 5; i++) expect((await hub.request('GET', '/api/v1/nope', { base: pub, token: `tbl_learnt${i}` })).status).toBe(404);
    for (let i = 0; i < 5; i++) expect((await fetch(`${pub}/api/v1/menu?token=tbl_learnt${i + 5}`)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await hub.request('GET', '/api/v1/menu', { base: pub, token: `tbl_madeup${i}` })).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(20).fill(429));
    const ws = new WebSocket(`${pub.replace('http', 'ws')}/api/v1/stream?token=tbl_madeup99`);
    await expect(new Promise((_, reject) => ws.once('error', reject))).rejects.toThrow(/429/);
    for (let i = 0; i < 10; i++) expect((await hub.request('GET', '/api/v1/menu', { base: pub, token: `tbl_learnt${i}` })).status).toBe(429);
    // the table's own token, which the hub has taken before, is not held up by the address it shares
    await pause(1000);
    expect((await hub.request('GET', '/api/v1/menu', { base: pub, token: tableToken })).status).toBe(200);
  });

  it('rate-limits a phone by its address when it varies a ?token= the hub never reads, before the hub sees it', async () => {
    await pause(2000); // the address's bucket refills
    const refusedByHub = async () => {
      const text = await fetch(`${hub.url}/metrics`).then((r) => r.text());
      return [...text.matchAll(/^brigade_http_requests_total\{route="\/api\/v1\/menu",method="GET",status="429"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    const before = await refusedByHub();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await fetch(`${pub}/api/v1/menu?token=tbl_varied${i}`)).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
    // each made-up ?token= was a fresh allowance at the gate: the hub's thread refused them all itself
    expect(await refusedByHub()).toBe(before);
  });

  it('when its port is taken, the hub starts anyway on the staff port and says so', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as AddressInfo).port;
    const other = await startHub({ env: { HUB_PUBLIC_PORT: String(port) } });
    try {
      expect(other.publicUrl).toBeUndefined();
      expect(other.output()).toContain('the public address did not start');
      const health = await other.request('GET', '/api/v1/health');
      expect(health.status).toBe(200);
      // it says so, rather than zeros as if it had measured them
      expect(health.body.publicGate).toEqual({ state: 'failed', apiPlaces: 16, apiInFlight: null, oldestApiWaitMs: null, pagesInFlight: null, bodiesArriving: null });
      const metrics = await fetch(`${other.url}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/^brigade_public_gate_up 0$/m);
      expect(metrics).not.toMatch(/^brigade_public_gate_(requests|oldest_wait_seconds)\{/m);
      // where the manager looks first: the QR codes name that address, and nothing else there tells them
      const landing = await fetch(`${other.url}/`).then((r) => r.text());
      expect(landing).toContain('data-public-gate="failed"');
      expect(landing).toContain(`port ${port}`);
    } finally {
      await other.stop();
      removeDir(other.dataDir);
      busy.close();
    }
  });
});

describe('what waits in the public address, in health and /metrics', () => {
  /** The gate's line of /metrics for `stage`, or undefined when it has none. */
  const gateMetric = (text: string, stage: string) => text.match(new RegExp(`^brigade_public_gate_requests\\{stage="${stage}"\\} (\\d+)$`, 'm'))?.[1];

  it('shows the API requests holding its places while phones crowd it, then draining to 0', async () => {
    // two places on the hub, and no rate limit to speak of: every phone below competes for those places
    const busy = await startHub({ env: { HUB_PUBLIC_PORT: '0', HUB_PUBLIC_INFLIGHT: '2', HUB_PUBLIC_RATE: '100000' } });
    try {
      const staffToken = (await signIn(busy, '1111')).staff;
      const idle = await busy.request('GET', '/api/v1/health');
      expect(idle.body.publicGate).toEqual({ state: 'running', apiPlaces: 2, apiInFlight: 0, oldestApiWaitMs: 0, pagesInFlight: 0, bodiesArriving: 0 });
      // the phones are not told how the gate is doing
      expect((await busy.request('GET', '/api/v1/health', { base: busy.publicUrl })).body.publicGate).toBeUndefined();

      let crowding = true;
      const phone = async () => {
        for (let i = 0; crowding && i < 100_000; i++) await fetch(`${busy.publicUrl}/api/v1/menu`).then((r) => r.arrayBuffer()).catch(() => undefined);
      };
      // the waiters keep the hub's thread busy meanwhile: the phones' requests wait for it
      const waiters = async () => {
        for (let i = 0; crowding && i < 10_000; i++) await busy.request('POST', '/api/v1/orders', { token: staffToken, body: sampleOrder() });
      };
      const crowd = [...Array.from({ length: 8 }, phone), waiters(), waiters()];
      const seen: { apiInFlight: number; oldestApiWaitMs: number }[] = [];
      let metricSeen: string | undefined;
      try {
        const until = Date.now() + 15_000;
        while (Date.now() < until && (seen.filter((s) => s.apiInFlight > 0).length < 3 || metricSeen === undefined)) {
          const gate = (await busy.request('GET', '/api/v1/health')).body.publicGate;
          expect(gate.state).toBe('running');
          expect(gate.apiInFlight).toBeLessThanOrEqual(2);
          seen.push(gate);
          const api = gateMetric(await fetch(`${busy.url}/metrics`).then((r) => r.text()), 'api');
          if (Number(api) > 0) metricSeen = api;
        }
      } finally {
        crowding = false;
        await Promise.all(crowd);
      }
      const holding = seen.filter((s) => s.apiInFlight > 0);
      expect(holding.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...holding.map((s) => s.oldestApiWaitMs))).toBeGreaterThan(0);
      expect(Number(metricSeen)).toBeGreaterThan(0);

      // once the phones have their answers, nothing waits
      await expect
        .poll(async () => (await busy.request('GET', '/api/v1/health')).body.publicGate, { timeout: 5000 })
        .toEqual({ state: 'running', apiPlaces: 2, apiInFlight: 0, oldestApiWaitMs: 0, pagesInFlight: 0, bodiesArriving: 0 });
      const metrics = await fetch(`${busy.url}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/^brigade_public_gate_up 1$/m);
      expect(metrics).toMatch(/^brigade_public_gate_api_places 2$/m);
      expect([gateMetric(metrics, 'api'), gateMetric(metrics, 'pages'), gateMetric(metrics, 'body')]).toEqual(['0', '0', '0']);
      expect(metrics).toMatch(/^brigade_public_gate_oldest_wait_seconds\{stage="api"\} 0$/m);
    } finally {
      await busy.stop();
      removeDir(busy.dataDir);
    }
  });
});
