import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { HubEvent, Snapshot } from '../../hub/protocol/index.ts';
import { removeDir, sampleOrder, signIn, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { freePort } from '../test/ports.ts';
import { backoffDelay, HubClient } from './hub-client.ts';
import { StreamClient, type ConnectionState, type SocketFactory, type StreamClientOptions } from './stream-client.ts';

/** Real sockets (the `ws` package in Node 20), with switches to cut the network or freeze a socket silently. */
function network() {
  const ctl = { blocked: false, frozen: false, sockets: [] as WebSocket[], sent: [] as string[] };
  const factory: SocketFactory = (url, on) => {
    const ws = new WebSocket(ctl.blocked ? 'ws://127.0.0.1:9/' : url);
    ctl.sockets.push(ws);
    ws.on('open', () => on.open());
    ws.on('message', (data) => !ctl.frozen && on.message(String(data)));
    ws.on('close', (code, reason) => on.close(code, String(reason)));
    ws.on('error', () => undefined);
    return { send: (d) => !ctl.frozen && (ctl.sent.push(d), ws.send(d)), close: (code, reason) => ws.close(code, reason) };
  };
  return { ctl, factory, last: () => ctl.sockets.at(-1)! };
}

/** What a screen would keep: the snapshot it loaded and every event applied, in order. */
function recorder(hub: HubProcess, device: string, overrides: Partial<StreamClientOptions> = {}) {
  const net = network();
  const api = new HubClient({ baseUrl: hub.url, credentials: { device: () => device, staff: () => null } });
  const rec = { snapshots: [] as Snapshot[], events: [] as HubEvent[], states: [] as ConnectionState[] };
  const client = new StreamClient({
    url: () => api.streamUrl(device),
    topics: ['orders'],
    loadSnapshot: () => api.snapshot(),
    onSnapshot: (s) => rec.snapshots.push(s),
    onEvents: (es) => rec.events.push(...es),
    onState: (s) => rec.states.push(s),
    socket: net.factory,
    backoff: { baseMs: 50, maxMs: 200 },
    ...overrides,
  });
  const until = async (what: string, pred: () => boolean, ms = 8000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; states ${rec.states.map((s) => s.status).join(' → ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const placedIds = () => rec.events.flatMap((e) => (e.type === 'order.placed' ? [e.payload.order.id] : []));
  return { client, rec, net, until, placedIds, seqs: () => rec.events.map((e) => e.seq) };
}

const strictlyIncreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

let hub: HubProcess;
let device: string;
let waiter: string;
let kitchen: string;
const place = async (table = 't-b1') => {
  const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder({ tableId: table }) });
  expect(r.status).toBe(201);
  return r.body.order.id as string;
};

beforeAll(async () => {
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

describe('stream client against a real hub', () => {
  it('starts from a snapshot, then applies live events once each', async () => {
    const before = await place();
    const s = recorder(hub, device);
    s.client.start();
    await s.until('live', () => s.client.connection.status === 'live');
    expect(s.rec.snapshots).toHaveLength(1);
    expect(s.rec.snapshots[0]!.orders.map((o) => o.id)).toContain(before);
    const after = await place();
    await s.until('the live order', () => s.placedIds().includes(after));
    expect(s.placedIds()).toEqual([after]);
    expect(s.rec.states.map((x) => x.status)).toEqual(['connecting', 'live']);
    expect(s.client.resumePoint).toEqual({ epoch: s.rec.snapshots[0]!.epoch, seq: s.rec.events.at(-1)!.seq });
    s.client.stop();
  });

  it('resumes after a dropped socket with exactly the missed events, and no snapshot', async () => {
    const s = recorder(hub, device);
    s.client.start();
    await s.until('live', () => s.client.connection.status === 'live');
    const first = await place();
    await s.until('first order', () => s.placedIds().includes(first));

    s.net.ctl.blocked = true; // the Wi-Fi goes
    s.net.last().terminate();
    await s.until('reconnecting', () => s.client.connection.status === 'reconnecting');
    const missed = [await place(), await place(), await place()];
    const bump = await hub.request('POST', `/api/v1/orders/${missed[0]}/status`, { token: kitchen, body: { status: 'ready' } });
    expect(bump.status).toBe(200);
    s.net.ctl.blocked = false; // and comes back

    await s.until('the missed events', () => s.rec.events.some((e) => e.type === 'order.lines_status_changed'));
    expect(s.placedIds()).toEqual([first, ...missed]);
    expect(strictlyIncreasing(s.seqs())).toBe(true);
    expect(s.rec.snapshots).toHaveLength(1);
    const head = (await hub.request('GET', '/api/v1/health')).body.seq as number;
    expect(s.client.resumePoint?.seq).toBe(head);
    const live = s.rec.states.filter((x) => x.status === 'live');
    expect(live).toHaveLength(2);
    s.client.stop();
  });

  it('reloads a snapshot when told to reset (the database was replaced: another epoch)', async () => {
    const s = recorder(hub, device, { position: { epoch: 'an-old-database', seq: 3 } });
    s.client.start();
    await s.until('live', () => s.client.connection.status === 'live');
    expect(s.rec.snapshots).toHaveLength(1);
    const snap = s.rec.snapshots[0]!;
    expect(s.client.resumePoint).toEqual({ epoch: snap.epoch, seq: snap.seq });
    expect(s.rec.events).toEqual([]); // nothing from the old epoch was applied
    const next = await place();
    await s.until('live order after reset', () => s.placedIds().includes(next));
    s.client.stop();
  });

  it('reloads a snapshot when it is ahead of the hub', async () => {
    const head = (await hub.request('GET', '/api/v1/health')).body;
    const s = recorder(hub, device, { position: { epoch: head.epoch, seq: head.seq + 1000 } });
    s.client.start();
    await s.until('live', () => s.client.connection.status === 'live');
    expect(s.rec.snapshots).toHaveLength(1);
    expect(s.client.resumePoint?.seq).toBe(head.seq);
    s.client.stop();
  });

  it('says offline since the drop once down longer than offlineAfterMs, and recovers', async () => {
    const s = recorder(hub, device, { offlineAfterMs: 300 });
    s.client.start();
    await s.until('live', () => s.client.connection.status === 'live');
    s.net.ctl.blocked = true;
    const droppedAt = Date.now();
    s.net.last().terminate();
    await s.until('offline', () => s.client.connection.status === 'offline');
    const state = s.client.connection as Extract<ConnectionState, { status: 'offline' }>;
    expect(Math.abs(state.since - droppedAt)).toBeLessThan(200);
    expect(s.rec.states.map((x) => x.status)).toContain('reconnecting');
    s.net.ctl.blocked = false;
    await s.until('live again', () => s.client.connection.status === 'live');
    s.client.stop();
  });

  it('notices a socket that went silent without closing, and resumes on a new one', async () => {
    const s = recorder(hub, device, { quietMs: 200, probeTimeoutMs: 200 });
    s.client.start();
    await s.until('live', () => s.client.connection.status === 'live');
    const sockets = s.net.ctl.sockets.length;
    s.net.ctl.frozen = true; // frames stop in both directions; no close ever arrives
    const during = await place();
    await s.until('a new socket', () => s.net.ctl.sockets.length > sockets);
    s.net.ctl.frozen = false;
    await s.until('the order placed while frozen', () => s.placedIds().includes(during));
    expect(strictlyIncreasing(s.seqs())).toBe(true);
    expect(s.rec.snapshots).toHaveLength(1);
    s.client.stop();
  });

  it('moves its resume point on while its topics are quiet: the probe on a quiet socket is a sync, which replays nothing', async () => {
    const s = recorder(hub, device, { topics: ['floor'], quietMs: 150, probeTimeoutMs: 3000 });
    s.client.start();
    await s.until('live', () => s.client.connection.status === 'live');
    await place();
    await place();
    const head = (await hub.request('GET', '/api/v1/health')).body.seq as number;
    await s.until('the resume point at the head', () => (s.client.resumePoint?.seq ?? 0) >= head);
    expect(s.rec.events).toEqual([]);
    const types = s.net.ctl.sent.map((m) => (JSON.parse(m) as { type: string }).type);
    expect(types[0]).toBe('hello');
    expect(types.slice(1)).toContain('sync');
    expect(types.filter((t) => t === 'hello')).toHaveLength(1);
    s.client.stop();
  });

  it('waits its longest back-off when the hub closes it for too many hellos (4029)', async () => {
    const s = recorder(hub, device, { backoff: { baseMs: 10, maxMs: 1500 }, random: () => 0 });
    s.client.start();
    await s.until('live', () => s.client.connection.status === 'live');
    const sockets = s.net.ctl.sockets.length;
    const closedAt = Date.now();
    s.net.last().close(4029, 'too many hellos');
    await s.until('reconnected', () => s.net.ctl.sockets.length > sockets, 5000);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(1400);
    s.client.stop();
  });

  it('resumes at once when the hub closes a slow socket (4008), without the backoff wait', async () => {
    const s = recorder(hub, device, { backoff: { baseMs: 60_000, maxMs: 60_000 }, random: () => 0.99 });
    s.client.start();
    await s.until('live', () => s.client.connection.status === 'live');
    const sockets = s.net.ctl.sockets.length;
    s.net.last().close(4008, 'too slow'); // the close code the hub sends a consumer that cannot keep up
    await s.until('resumed', () => s.net.ctl.sockets.length > sockets && s.client.connection.status === 'live', 3000);
    s.client.stop();
  });

  it('stops retrying and says unauthorised when the hub refuses the device token', async () => {
    const api = new HubClient({ baseUrl: hub.url, credentials: { device: () => 'dev_revoked', staff: () => null } });
    const states: string[] = [];
    const client = new StreamClient({
      url: () => api.streamUrl('dev_revoked'),
      loadSnapshot: () => api.snapshot(),
      onSnapshot: () => undefined,
      onEvents: () => undefined,
      onState: (st) => states.push(st.status),
      socket: network().factory,
      backoff: { baseMs: 20, maxMs: 40 },
    });
    client.start();
    const end = Date.now() + 5000;
    while (client.connection.status !== 'unauthorised' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(client.connection.status).toBe('unauthorised');
    expect(states[0]).toBe('connecting');
  });
});

describe('stream client across a hub restart', () => {
  it('shows reconnecting while the hub is down, then resumes from its seq on the restarted hub', async () => {
    const port = await freePort();
    const first = await startHub({ env: { HUB_PORT: String(port) } });
    try {
      const { device: dev, staff } = await signIn(first, '1111');
      const api = new HubClient({ baseUrl: first.url, credentials: { device: () => dev, staff: () => null } });
      const seen: HubEvent[] = [];
      const states: string[] = [];
      let snapshots = 0;
      const client = new StreamClient({
        url: () => api.streamUrl(dev),
        loadSnapshot: () => api.snapshot(),
        onSnapshot: () => snapshots++,
        onEvents: (es) => seen.push(...es),
        onState: (s) => states.push(s.status),
        socket: network().factory,
        backoff: { baseMs: 100, maxMs: 400 },
      });
      client.start();
      const wait = async (pred: () => boolean) => {
        const end = Date.now() + 15_000;
        while (!pred()) {
          if (Date.now() > end) throw new Error(`timed out; states ${states.join(' → ')}`);
          await new Promise((r) => setTimeout(r, 25));
        }
      };
      await wait(() => client.connection.status === 'live');
      const a = await first.request('POST', '/api/v1/orders', { token: staff, body: sampleOrder() });
      await wait(() => seen.length === 1);
      await first.stop();
      await wait(() => client.connection.status === 'reconnecting');

      const again = await startHub({ dataDir: first.dataDir, env: { HUB_PORT: String(port) } });
      try {
        await wait(() => states.at(-1) === 'live');
        const b = await again.request('POST', '/api/v1/orders', { token: staff, body: sampleOrder() });
        await wait(() => seen.length === 2);
        expect(seen.map((e) => (e.type === 'order.placed' ? e.payload.order.id : e.type))).toEqual([a.body.order.id, b.body.order.id]);
        expect(snapshots).toBe(1); // same database, same epoch: resumed, not reloaded
        client.stop();
      } finally {
        await again.stop();
      }
    } finally {
      removeDir(first.dataDir);
    }
  });
});

describe('backoffDelay', () => {
  it.each([
    [0, 0.999, 499],
    [1, 0.999, 999],
    [3, 0.5, 2000],
    [10, 0.999, 9990],
    [50, 1 - 1e-9, 9999],
    [4, 0, 0],
  ])('attempt %i with random %f waits %i ms (full jitter under a cap of min(10 s, 500 ms·2^n))', (attempt, r, expected) => {
    expect(backoffDelay(attempt, { baseMs: 500, maxMs: 10_000 }, () => r)).toBe(expected);
  });
});
