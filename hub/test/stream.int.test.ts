import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { FLOOD_CLOSE_GRACE_MS, MAX_PUBLIC_SOCKETS, MESSAGE_BURST, MESSAGE_REFILL_MS } from '../stream/stream-server.ts';
import { connectStream, removeDir, sampleOrder, signIn, startHub, type HubProcess, type StreamClient } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let kitchen: string;
let device: string;

const head = async () => (await hub.request('GET', '/api/v1/health')).body.seq as number;
const placeOrders = async (n: number, table = 't-b1') => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder({ tableId: table }) });
    expect(r.status).toBe(201);
    ids.push(r.body.order.id);
  }
  return ids;
};
const seqs = (events: { seq: number }[]) => events.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  // the default ping interval: at 300 ms, a test process held up by a busy CI machine for a few hundred ms
  // had its live sockets taken for dead (a bar screen lost its events once); the ping test has a hub of its own
  hub = await startHub();
  const w = await signIn(hub, '1111');
  waiter = w.staff;
  device = w.device;
  kitchen = (await signIn(hub, '3333', 'kds')).staff;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

describe('event stream', () => {
  it('delivers an order placed over HTTP to a connected client', async () => {
    const client = await connectStream(hub, device, {});
    await client.waitFor((m) => m.some((x) => x.type === 'welcome'));
    const [id] = await placeOrders(1);
    await client.waitFor(() => client.events().some((e) => e.type === 'order.placed' && e.payload.order.id === id));
    client.close();
  });

  it('counts in /metrics how long every live event waited between its commit and the last socket, and only live ones', async () => {
    const delivered = async () => {
      const metrics = await fetch(`${hub.url}/metrics`).then((r) => r.text());
      return Number(/^brigade_stream_delivery_seconds_count (\d+)$/m.exec(metrics)?.[1]);
    };
    // the head once nothing has been committed for a while (the simulated printers' job events come later)
    const quietHead = async () => {
      let last = await head();
      for (let i = 0; i < 50; i++) {
        await new Promise((r) => setTimeout(r, 300));
        const now = await head();
        if (now === last) return now;
        last = now;
      }
      throw new Error('the hub kept committing');
    };
    const reached = (c: StreamClient, seq: number) => () => c.messages.some((m) => m.type === 'events' && m.upToSeq >= seq);

    const from = await quietHead();
    const before = await delivered();
    const live = await connectStream(hub, device, { lastSeq: from });
    await live.waitFor((m) => m.some((x) => x.type === 'welcome'));
    await placeOrders(3);
    const to = await quietHead();
    await live.waitFor(reached(live, to));
    expect(to - from).toBeGreaterThanOrEqual(3);
    // every event committed while the socket listened went out live, each counted once
    expect((await delivered()) - before).toBe(to - from);

    // a socket catching up is sent a replay, not a live delivery: nothing more is counted
    const late = await connectStream(hub, device, { lastSeq: from });
    await late.waitFor(reached(late, to));
    const end = await quietHead();
    await live.waitFor(reached(live, end));
    expect((await delivered()) - before).toBe(end - from);
    live.close();
    late.close();
  });

  it('resumes after a disconnect with exactly the missed events, in seq order, then streams live', async () => {
    const a = await connectStream(hub, device, { lastSeq: await head() });
    await placeOrders(2);
    await a.waitFor(() => a.events().filter((e) => e.type === 'order.placed').length === 2);
    const applied = a.messages.filter((m) => m.type === 'events').at(-1).upToSeq as number;
    a.ws.terminate(); // a Wi-Fi drop: no close handshake

    await placeOrders(3);
    const orderId = (await placeOrders(1))[0]!;
    const bump = await hub.request('POST', `/api/v1/orders/${orderId}/status`, { token: kitchen, body: { status: 'ready' } });
    expect(bump.status).toBe(200);
    const missedTo = await head();

    const b = await connectStream(hub, device, { lastSeq: applied });
    await b.waitFor(() => b.messages.some((m) => m.type === 'events' && m.upToSeq >= missedTo));
    expect(seqs(b.events())).toEqual(range(applied + 1, missedTo));
    expect(b.events().at(-1).type).toBe('order.lines_status_changed');

    const [live] = await placeOrders(1);
    await b.waitFor(() => b.events().some((e) => e.payload.order?.id === live));
    expect(seqs(b.events())).toEqual(range(applied + 1, missedTo + 1));
    b.close();
  });

  it('filters by topic: a bar screen sees the events touching the bar only', async () => {
    const bar = await connectStream(hub, device, { lastSeq: await head(), topics: ['station:bar'] });
    const r = await hub.request('POST', '/api/v1/orders', {
      token: waiter,
      body: { channel: 'pos', tableId: 't-b2', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-small'] }] },
    });
    const drink = await hub.request('POST', '/api/v1/orders', {
      token: waiter,
      body: { channel: 'pos', tableId: 't-b2', lines: [{ itemId: 'tsingtao-beer', qty: 1 }] },
    });
    const drinkSeq = await head();
    await bar.waitFor((m) => m.some((x) => x.type === 'events' && x.upToSeq >= drinkSeq));
    const ids = bar.events().map((e) => e.payload.order?.id);
    expect(ids).toContain(drink.body.order.id);
    expect(ids).not.toContain(r.body.order.id);
    bar.close();
  });

  it('answers sync with how far a filtered subscriber has been sent, though nothing matched it', async () => {
    const bar = await connectStream(hub, device, { lastSeq: await head(), topics: ['station:bar'] });
    const hot = await hub.request('POST', '/api/v1/orders', {
      token: waiter,
      body: { channel: 'pos', tableId: 't-b3', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-small'] }] },
    });
    expect(hot.status).toBe(201);
    const after = await head();
    // nothing for the bar: no frame; sync until the answer covers the hot-kitchen order
    for (let i = 0; i < 50 && !bar.messages.some((x) => x.type === 'events' && x.upToSeq >= after); i++) {
      bar.ws.send(JSON.stringify({ type: 'sync' }));
      await new Promise((r) => setTimeout(r, 50));
    }
    const answers = bar.messages.filter((x) => x.type === 'events');
    expect(answers.at(-1)).toMatchObject({ events: [], upToSeq: after });
    expect(answers.flatMap((x) => x.events)).toEqual([]);
    bar.close();
  });

  it.each([
    ['epoch-changed', () => ({ lastSeq: 1, epoch: 'not-this-hub' })],
    ['ahead-of-hub', () => ({ lastSeq: 10_000_000 })],
  ])('tells a client to reload a snapshot when %s', async (reason, hello) => {
    const c = await connectStream(hub, device, hello());
    await c.waitFor((m) => m.some((x) => x.type === 'reset'));
    expect(c.messages[0]).toMatchObject({ type: 'reset', reason });
    // the snapshot then gives the seq to resume from
    const snap = await hub.request('GET', '/api/v1/snapshot', { token: device });
    expect(snap.status).toBe(200);
    expect(snap.body.seq).toBe(await head());
    c.ws.send(JSON.stringify({ type: 'hello', lastSeq: snap.body.seq, epoch: snap.body.epoch }));
    await c.waitFor((m) => m.some((x) => x.type === 'welcome'));
    c.close();
  });

  it('refuses a socket without a valid token', async () => {
    for (const token of ['', 'dev_not-a-real-token']) {
      const ws = new WebSocket(`ws://127.0.0.1:${hub.port}/api/v1/stream?token=${token}`);
      const status = await new Promise<number>((res) => ws.once('unexpected-response', (_req, r) => res(r.statusCode ?? 0)));
      expect(status).toBe(401);
    }
  });

  it('answers a malformed hello with an error message and keeps the socket', async () => {
    const c = await connectStream(hub, device, { lastSeq: -5 });
    await c.waitFor((m) => m.some((x) => x.type === 'error'));
    c.ws.send(JSON.stringify({ type: 'hello' }));
    await c.waitFor((m) => m.some((x) => x.type === 'welcome'));
    c.close();
  });

  it('closes a socket that keeps saying hello (each hello may replay the log), and serves the others', async () => {
    const c = await connectStream(hub, device, {});
    for (let i = 0; i < 5; i++) c.ws.send(JSON.stringify({ type: 'hello', lastSeq: 0 }));
    const code = await new Promise<number>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`still open after 5 s; got ${JSON.stringify(c.messages.map((m) => m.type))}`)), 5000);
      c.ws.once('close', (closeCode) => (clearTimeout(t), res(closeCode)));
    });
    expect(code).toBe(4029);
    // the first hello and four more were served; the sixth was refused
    expect(c.messages.filter((m) => m.type === 'welcome')).toHaveLength(5);
    expect(c.messages.filter((m) => m.type !== 'closed').at(-1)).toMatchObject({ type: 'error', code: 'too_many_hellos' });
    const other = await connectStream(hub, device, {});
    await other.waitFor((m) => m.some((x) => x.type === 'welcome'));
    other.close();
  });

  it('ends a replay with how far it went, though nothing in it matched the subscription', async () => {
    await placeOrders(2);
    const now = await head();
    const c = await connectStream(hub, kitchen, { lastSeq: now - 2, topics: ['floor'] });
    await c.waitFor((m) => m.some((x) => x.type === 'events'));
    expect(c.messages[0]).toMatchObject({ type: 'welcome', fromSeq: now - 2 });
    // the printers may have written events of their own since `now`: the frame says the head it replayed to
    expect(c.messages[1]).toEqual({ type: 'events', events: [], upToSeq: expect.any(Number) });
    expect(c.messages[1].upToSeq).toBeGreaterThanOrEqual(now);
    c.close();
  });

  it('drops a socket that stops answering pings', async () => {
    await withQuietHub({ HUB_STREAM_PING_MS: '300' }, async ({ hub: own, kds }) => {
      const ws = new WebSocket(`ws://127.0.0.1:${own.port}/api/v1/stream?token=${kds}`, { autoPong: false });
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'hello' }));
      const closedWithin = await new Promise<number>((res) => {
        const t0 = Date.now();
        ws.once('close', () => res(Date.now() - t0));
      });
      expect(closedWithin).toBeLessThan(3000);
    });
  });
});

/**
 * A hub of a test's own with no printers, so that only the test's orders write events and seqs are exact;
 * with a waiter and a kitchen screen signed in. Stopped and removed afterwards.
 */
async function withQuietHub(
  env: Record<string, string>,
  test: (h: { hub: HubProcess; kds: string; place: (tableId?: string) => Promise<void>; head: () => Promise<number> }) => Promise<void>,
): Promise<void> {
  const own = await startHub({ env: { ...env, HUB_PRINTERS: 'none' } });
  try {
    const waiterHere = (await signIn(own, '1111')).staff;
    const kds = (await signIn(own, '3333', 'kds')).staff;
    const place = async (tableId = 't-b2') => {
      expect((await own.request('POST', '/api/v1/orders', { token: waiterHere, body: sampleOrder({ tableId }) })).status).toBe(201);
    };
    await test({ hub: own, kds, place, head: async () => (await own.request('GET', '/api/v1/health')).body.seq as number });
  } finally {
    await own.stop();
    removeDir(own.dataDir);
  }
}

describe('event stream: a long replay, page by page', () => {
  it('replays in pages of HUB_STREAM_REPLAY_PAGE while new orders commit: every event once, in seq order, then live', async () => {
    // pages of one event make a 200-event gap take 200 turns of the loop
    await withQuietHub({ HUB_STREAM_REPLAY_PAGE: '1' }, async ({ hub: own, kds, place, head: headHere }) => {
      for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 10 }, () => place()));
      const start = await headHere();

      // the replay from the beginning and ten more orders, at once
      const [c] = await Promise.all([connectStream(own, kds, { lastSeq: 0 }, own.url), ...Array.from({ length: 10 }, () => place())]);
      const end = await headHere();
      expect(end).toBe(start + 10);
      await c.waitFor((m) => m.some((x) => x.type === 'events' && x.upToSeq >= end));
      expect(c.messages[0]).toMatchObject({ type: 'welcome', fromSeq: 0 });
      expect(seqs(c.events())).toEqual(range(1, end));
      // page by page: a frame per event of the gap there was at the hello
      expect(c.messages.filter((m) => m.type === 'events').length).toBeGreaterThanOrEqual(start);

      // and live afterwards
      await place();
      await c.waitFor((m) => m.some((x) => x.type === 'events' && x.upToSeq >= end + 1));
      expect(seqs(c.events())).toEqual(range(1, end + 1));
      c.close();

      // the hub answers between pages: health, asked just after a hello, is answered while that replay runs.
      // Judged by the hub's own count of replays under way, not by what reached this process first (on a
      // loaded machine the whole replay could be read here before the health answer). A request that reached
      // the hub before the hello or after the replay proves nothing either way, so the attempt is repeated;
      // a hub that replayed in one go would never answer during one.
      let answeredDuringReplay = 0;
      for (let attempt = 0; attempt < 5 && answeredDuringReplay === 0; attempt++) {
        const again = await connectStream(own, kds, { lastSeq: 0 }, own.url);
        const health = await own.request('GET', '/api/v1/health');
        expect(health.status).toBe(200);
        answeredDuringReplay = health.body.streamReplays as number;
        await again.waitFor((m) => m.some((x) => x.type === 'events' && x.upToSeq >= end + 1));
        expect(seqs(again.events())).toEqual(range(1, end + 1));
        again.close();
      }
      expect(answeredDuringReplay).toBe(1);
    });
  });
});

describe('event stream: a liveness probe during a replay', () => {
  it('answers a sync sent while the replay runs with how far the replay has gone, not with silence', async () => {
    // pages of one event: the replay of the gap takes a turn of the loop per event
    await withQuietHub({ HUB_STREAM_REPLAY_PAGE: '1' }, async ({ hub: own, kds, place, head: headHere }) => {
      for (let i = 0; i < 8; i++) await Promise.all(Array.from({ length: 10 }, () => place()));
      const end = await headHere();
      // a screen whose topics nothing in the gap matches: the replay sends it nothing until its end
      const c = await connectStream(own, kds, { lastSeq: 0, topics: ['floor'] }, own.url);
      c.ws.send(JSON.stringify({ type: 'sync' }));
      await c.waitFor((m) => m.some((x) => x.type === 'events' && x.upToSeq >= end));
      const frames = c.messages.filter((m) => m.type === 'events');
      // the answer to the sync, then the replay's end; every one of them without events, never going back
      expect(frames.length).toBe(2);
      expect(frames.flatMap((f) => f.events)).toEqual([]);
      expect(frames[0].upToSeq).toBeLessThan(end);
      expect(frames[1].upToSeq).toBe(end);
      c.close();
    });
  });
});

describe('event stream: how far back a phone may replay', () => {
  it("tells a phone further behind than HUB_STREAM_MAX_PUBLIC_REPLAY to reload; staff that far behind replay", async () => {
    await withQuietHub({ HUB_STREAM_MAX_PUBLIC_REPLAY: '3' }, async ({ hub: own, kds, place, head: headHere }) => {
      const manager = (await signIn(own, '9999')).staff;
      const tables = (await own.request('GET', '/api/v1/tables/qr-codes', { token: manager })).body.tables as { id: string; qrToken: string }[];
      const table = tables[0]!;
      for (let i = 0; i < 4; i++) await place(table.id);
      const now = await headHere();

      const near = await connectStream(own, table.qrToken, { lastSeq: now - 3 }, own.url);
      await near.waitFor((m) => m.some((x) => x.type === 'events'));
      expect(near.messages[0]).toMatchObject({ type: 'welcome', fromSeq: now - 3 });
      expect(seqs(near.events())).toEqual(range(now - 2, now));
      near.close();

      const far = await connectStream(own, table.qrToken, { lastSeq: now - 4 }, own.url);
      await far.waitFor((m) => m.some((x) => x.type === 'reset'));
      expect(far.messages[0]).toMatchObject({ type: 'reset', reason: 'too-far-behind', headSeq: now });
      far.close();

      const staff = await connectStream(own, kds, { lastSeq: now - 4 }, own.url);
      await staff.waitFor((m) => m.some((x) => x.type === 'events'));
      expect(staff.messages[0]).toMatchObject({ type: 'welcome', fromSeq: now - 4 });
      expect(seqs(staff.events())).toEqual(range(now - 3, now));
      staff.close();
    });
  });
});

describe("event stream: a phone's sockets on the staff address", () => {
  it("count against the phone's request rate (429 + Retry-After past it); staff sockets do not", async () => {
    // 2 a second, a burst of 4: of ten sockets opened at once, most are refused
    await withQuietHub({ HUB_PUBLIC_RATE: '2' }, async ({ hub: own, kds }) => {
      const manager = (await signIn(own, '9999')).staff;
      const table = ((await own.request('GET', '/api/v1/tables/qr-codes', { token: manager })).body.tables as { qrToken: string }[])[0]!;
      const open = (token: string) =>
        new Promise<{ status: number; retryAfter?: string }>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${own.port}/api/v1/stream?token=${encodeURIComponent(token)}`);
          ws.once('open', () => (ws.close(), resolve({ status: 101 })));
          ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}) }));
          ws.once('error', () => undefined);
        });
      const phone = await Promise.all(Array.from({ length: 10 }, () => open(table.qrToken)));
      expect(phone.filter((r) => r.status === 101).length).toBeLessThanOrEqual(5);
      const refused = phone.filter((r) => r.status !== 101);
      expect(refused.length).toBeGreaterThanOrEqual(5);
      for (const r of refused) expect(r).toEqual({ status: 429, retryAfter: expect.stringMatching(/^\d+$/) });
      const staff = await Promise.all(Array.from({ length: 10 }, () => open(kds)));
      expect(staff.map((r) => r.status)).toEqual(Array(10).fill(101));
    });
  });
});

describe("event stream: how many sockets one phone's token may hold open", () => {
  it('refuses a table’s sockets past MAX_PUBLIC_SOCKETS (429 + Retry-After) until one closes; staff sockets are not counted', async () => {
    // within its rate a phone opened 20 sockets a second and kept them all: 12,000 after ten minutes, each
    // written every event of its table (a few hundred ms of the hub's thread per event), pinged, and held
    await withQuietHub({ HUB_PUBLIC_RATE: '1000' }, async ({ hub: own, kds }) => {
      const manager = (await signIn(own, '9999')).staff;
      const table = ((await own.request('GET', '/api/v1/tables/qr-codes', { token: manager })).body.tables as { qrToken: string }[])[0]!;
      const opened: WebSocket[] = [];
      const open = (token: string) =>
        new Promise<{ status: number; retryAfter?: string }>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${own.port}/api/v1/stream?token=${encodeURIComponent(token)}`);
          ws.once('open', () => (opened.push(ws), resolve({ status: 101 })));
          ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}) }));
          ws.once('error', () => undefined);
        });
      try {
        const first = await Promise.all(Array.from({ length: MAX_PUBLIC_SOCKETS }, () => open(table.qrToken)));
        expect(first.map((r) => r.status)).toEqual(Array(MAX_PUBLIC_SOCKETS).fill(101));
        const more = await Promise.all(Array.from({ length: 5 }, () => open(table.qrToken)));
        for (const r of more) expect(r).toEqual({ status: 429, retryAfter: expect.stringMatching(/^\d+$/) });
        // one closes: its place is free again
        const closing = opened.shift()!;
        await new Promise((r) => (closing.once('close', r), closing.close()));
        await expect.poll(async () => (await open(table.qrToken)).status, { timeout: 5000 }).toBe(101);
        const staff = await Promise.all(Array.from({ length: MAX_PUBLIC_SOCKETS + 5 }, () => open(kds)));
        expect(staff.map((r) => r.status)).toEqual(Array(MAX_PUBLIC_SOCKETS + 5).fill(101));
      } finally {
        for (const ws of opened) ws.terminate();
      }
    });
  });
});

/** The TCP connection under a ws client: ws keeps it as `_socket`, with no public accessor. */
function socketOf(ws: WebSocket): Socket {
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  if (!socket) throw new Error('ws no longer keeps its socket as _socket');
  return socket;
}

/** Keeps this process's thread busy for `ms`, as a loaded machine's scheduler may (nothing else runs meanwhile). */
function holdThread(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('event stream: a socket that floods the hub with messages', () => {
  it('closes a phone’s socket (4029) once past its message allowance, reads it no further, and serves the others', async () => {
    await withQuietHub({}, async ({ hub: own, kds, place }) => {
      const manager = (await signIn(own, '9999')).staff;
      const table = ((await own.request('GET', '/api/v1/tables/qr-codes', { token: manager })).body.tables as { qrToken: string }[])[0]!;
      const screen = await connectStream(own, kds, {});
      const phone = await connectStream(own, table.qrToken, {});
      await phone.waitFor((m) => m.some((x) => x.type === 'welcome'));
      // each sync cost the hub's thread a parse and an answer, and nothing limited them: a phone sending them
      // as fast as its socket carried them (~100,000 a second) held every waiter's order for seconds
      // All in one write, once the loop is done. Written as they were sent, a loop a loaded machine stretched
      // past FLOOD_CLOSE_GRACE_MS (held here) was still writing when the hub cut the socket: the failed write
      // tore this client's socket down before it had read the close frame waiting in its kernel (1006). A
      // browser reads on its network thread whatever its page does, and learns the 4029.
      const sync = JSON.stringify({ type: 'sync' });
      const socket = socketOf(phone.ws);
      socket.cork();
      for (let i = 0; i < 2500; i++) phone.ws.send(sync);
      holdThread(FLOOD_CLOSE_GRACE_MS + 500);
      for (let i = 0; i < 2500; i++) phone.ws.send(sync);
      socket.uncork();
      const sentAt = performance.now();
      const closed = new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`still open after 5 s; ${phone.messages.length} answers`)), 5000);
        phone.ws.once('close', (closeCode) => (clearTimeout(t), resolve(closeCode)));
      });
      await phone.waitFor((m) => m.some((x) => x.type === 'error'));
      // the allowance comes back while the hub reads the flood: one more for every interval that took (none
      // unless the hub was held up for one, but a loaded machine holds it up)
      const refills = Math.floor((performance.now() - sentAt) / MESSAGE_REFILL_MS);
      expect(await closed).toBe(4029);
      const answered = phone.messages.filter((m) => m.type === 'events').length;
      expect(answered).toBeLessThanOrEqual(MESSAGE_BURST + refills);
      expect(phone.messages.filter((m) => m.type === 'error').map((m) => m.code)).toEqual(['too_many_messages']);
      // the kitchen's screen streams on
      await place();
      await screen.waitFor((m) => m.some((x) => x.type === 'events' && x.events.some((e: { type: string }) => e.type === 'order.placed')));
      screen.close();
    });
  });
});

describe('event stream across a hub crash', () => {
  it('replays, after kill -9 and restart, the events committed before the crash', async () => {
    const crashHub = await startHub();
    try {
      const { staff, device: dev } = await signIn(crashHub, '1111');
      const c = await connectStream(crashHub, dev, { lastSeq: 0 });
      const epoch = await new Promise<string>((res) => c.waitFor((m) => m.some((x) => x.type === 'welcome')).then(() => res(c.messages[0].epoch)));
      c.ws.terminate();
      const placed: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await crashHub.request('POST', '/api/v1/orders', { token: staff, body: sampleOrder({ tableId: 't-b3' }) });
        placed.push(r.body.order.id);
      }
      await crashHub.kill9();
      const restarted = await startHub({ dataDir: crashHub.dataDir });
      try {
        const again = await connectStream(restarted, dev, { lastSeq: 0, epoch });
        await again.waitFor(() => again.events().filter((e) => e.type === 'order.placed').length === 5);
        expect(again.events().filter((e) => e.type === 'order.placed').map((e) => e.payload.order.id)).toEqual(placed);
        expect(again.messages[0]).toMatchObject({ type: 'welcome', epoch });
        again.close();
      } finally {
        await restarted.stop();
      }
    } finally {
      removeDir(crashHub.dataDir);
    }
  });
});
