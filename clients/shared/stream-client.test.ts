import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { HubEvent, Snapshot } from '../../hub/protocol/index.ts';
import { removeDir, sampleOrder, signIn, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { freePort } from '../test/ports.ts';
import { backoffDelay, HubClient } from './hub-client.ts';
import { StreamClient, type ConnectionState, type SocketFactory, type SocketHandlers, type StreamClientOptions, type StreamPosition } from './stream-client.ts';

/**
 * Real sockets (the `ws` package in Node 20), with switches to cut the network, freeze a socket silently, or
 * hold frames back (`held`) until `release()` delivers them in order.
 */
function network() {
  const ctl = { blocked: false, frozen: false, sockets: [] as WebSocket[], sent: [] as string[], received: [] as string[], held: null as string[] | null };
  let deliver = (_: string) => undefined as unknown;
  const release = () => {
    const frames = ctl.held ?? [];
    ctl.held = null;
    for (const f of frames) deliver(f);
  };
  const factory: SocketFactory = (url, on) => {
    const ws = new WebSocket(ctl.blocked ? 'ws://127.0.0.1:9/' : url);
    ctl.sockets.push(ws);
    deliver = on.message;
    ws.on('open', () => on.open());
    ws.on('message', (data) => {
      if (ctl.frozen) return;
      if (ctl.held) return void ctl.held.push(String(data));
      ctl.received.push(String(data));
      on.message(String(data));
    });
    ws.on('close', (code, reason) => on.close(code, String(reason)));
    ws.on('error', () => undefined);
    return { send: (d) => !ctl.frozen && (ctl.sent.push(d), ws.send(d)), close: (code, reason) => ws.close(code, reason) };
  };
  return { ctl, factory, release, last: () => ctl.sockets.at(-1)! };
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

  it('recovers from events it could not apply without losing one the old subscription sent while the snapshot loaded', async () => {
    // the review's race: the snapshot is read at S; S+1 reaches the old state before the snapshot's answer;
    // S+2 comes after the snapshot but before the hello's welcome; then the replay from S brings both again
    let fail = false;
    let loads = 0;
    const shown = new Set<string>();
    const placed: string[] = [];
    const inFrame = (frames: string[], id: string) => frames.some((f) => f.includes(id));
    const s: ReturnType<typeof recorder> = recorder(hub, device, {
      onSnapshot: (snap) => (shown.clear(), snap.orders.forEach((o) => shown.add(o.id))),
      onEvents: (es) => {
        if (fail) throw new Error('the screen could not apply this', { cause: (fail = false) });
        es.forEach((e) => e.type === 'order.placed' && shown.add(e.payload.order.id));
      },
      loadSnapshot: async () => {
        const api = new HubClient({ baseUrl: hub.url, credentials: { device: () => device, staff: () => null } });
        const snapshot = await api.snapshot();
        if (++loads === 1) return snapshot;
        const early = await place();
        await s.until('the frame ahead of the snapshot', () => inFrame(s.net.ctl.received, early));
        s.net.ctl.held = [];
        const late = await place();
        await s.until('the frame behind the snapshot', () => inFrame(s.net.ctl.held ?? [], late));
        setTimeout(s.net.release, 0); // once the snapshot is applied and the hello sent
        placed.push(early, late);
        return snapshot;
      },
    });
    s.client.start();
    await s.until('live', () => s.client.connection.status === 'live');
    fail = true;
    const failed = await place();
    await s.until('the reload', () => placed.length === 2);
    const head = (await hub.request('GET', '/api/v1/health')).body.seq as number;
    await s.until('the resume point at the head', () => s.client.resumePoint?.seq === head);
    expect([failed, ...placed].filter((id) => !shown.has(id))).toEqual([]);
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

/**
 * The test speaks for the hub, frame by frame, to play races a real hub only loses now and then. The app's
 * state is the seq of its last snapshot plus the seqs applied since: it is right when those are exactly the
 * seqs after the snapshot, in order.
 */
function scriptedHub(position: StreamPosition | null, failOn: number[] = []) {
  const sockets: { on: SocketHandlers; sent: { type: string; lastSeq?: number }[]; closed: boolean }[] = [];
  const loads: ((s: Snapshot) => void)[] = [];
  /** `gaps`: events applied to a state that lacked the one before (the screen showed something wrong). */
  const app = { base: -1, applied: [] as number[], snapshots: 0, gaps: [] as number[] };
  const failing = new Set(failOn);
  const client = new StreamClient({
    url: () => 'ws://scripted',
    loadSnapshot: () => new Promise<Snapshot>((resolve) => loads.push(resolve)),
    onSnapshot: (s) => ((app.base = s.seq), (app.applied = []), app.snapshots++),
    onEvents: (es) => {
      for (const e of es) {
        if (failing.delete(e.seq)) throw new Error(`cannot apply ${e.seq}`);
        if (e.seq !== (app.applied.at(-1) ?? app.base) + 1) app.gaps.push(e.seq);
        app.applied.push(e.seq);
      }
    },
    position,
    socket: (_url, on) => {
      const s = { on, sent: [] as { type: string }[], closed: false };
      sockets.push(s);
      return { send: (d) => s.sent.push(JSON.parse(d) as { type: string }), close: () => void (s.closed = true) };
    },
    backoff: { baseMs: 1, maxMs: 1 },
  });
  const socket = () => sockets.at(-1)!;
  const say = (msg: object) => socket().on.message(JSON.stringify(msg));
  const event = (seq: number) => ({ seq, type: 'order.placed', at: 0, deviceId: null, staffId: null, payload: {} }) as unknown as HubEvent;
  return {
    client,
    app,
    loads,
    sockets,
    socket,
    hellos: () => socket().sent.filter((m) => m.type === 'hello').map((m) => m.lastSeq),
    welcome: (fromSeq: number) => say({ type: 'welcome', epoch: 'e', headSeq: fromSeq, fromSeq }),
    reset: (headSeq: number) => say({ type: 'reset', reason: 'too-far-behind', epoch: 'e', headSeq }),
    error: (code = 'bad_message') => say({ type: 'error', code, message: 'scripted' }),
    events: (seqs: number[]) => say({ type: 'events', events: seqs.map(event), upToSeq: seqs.at(-1) }),
    /** The hub read its snapshot at `seq`; the answer arrives now. */
    snapshot: async (seq: number) => {
      loads.shift()!({ epoch: 'e', seq, menuVersion: 1, orders: [] });
      await new Promise((r) => setTimeout(r, 0));
    },
    rightAfterSnapshot: (upTo: number) => expect(app.applied).toEqual(Array.from({ length: upTo - app.base }, (_, i) => app.base + 1 + i)),
  };
}

describe('stream client resubscribing on one socket (scripted hub)', () => {
  it('reloads after an event fails to apply without losing the events the old subscription sent meanwhile', async () => {
    const h = scriptedHub({ epoch: 'e', seq: 10 }, [11]);
    h.client.start();
    h.socket().on.open();
    expect(h.hellos()).toEqual([10]);
    h.welcome(10);
    h.events([11]); // throws: the client asks for a snapshot, which the hub reads at 12
    expect(h.loads).toHaveLength(1);
    h.events([12]);
    h.events([13]); // the old subscription goes on, ahead of the snapshot's answer
    await h.snapshot(12);
    expect(h.hellos()).toEqual([10, 12]);
    h.events([14]); // in flight before the hub read the hello
    h.welcome(12);
    h.events([13, 14]); // the replay the hello asked for
    h.rightAfterSnapshot(14);
    expect(h.client.resumePoint).toEqual({ epoch: 'e', seq: 14 });
    h.client.stop();
  });

  it('after an event failed to apply, a socket that drops before the snapshot came resumes from a new snapshot, not from past the failed event', async () => {
    const h = scriptedHub({ epoch: 'e', seq: 10 }, [11]);
    h.client.start();
    h.socket().on.open();
    h.welcome(10);
    h.events([11]);
    const first = h.socket();
    first.on.close(1006, '');
    await vi.waitFor(() => expect(h.socket()).not.toBe(first));
    h.socket().on.open();
    expect(h.hellos()).toEqual([]);
    await h.snapshot(11); // the drop made this answer useless
    expect(h.app.snapshots).toBe(0);
    await h.snapshot(12);
    expect(h.hellos()).toEqual([12]);
    h.welcome(12);
    h.events([13]);
    expect(h.app.snapshots).toBe(1);
    h.rightAfterSnapshot(13);
    h.client.stop();
  });

  it('a hello answered by reset: frames the old subscription sent before the hub read it are not applied, only what follows the next welcome', async () => {
    const h = scriptedHub({ epoch: 'e', seq: 10 }, [11]);
    h.client.start();
    h.socket().on.open();
    h.welcome(10);
    h.events([11]); // throws: the client asks for a snapshot, which the hub reads at 12
    h.events([12]);
    h.events([13]);
    await h.snapshot(12);
    expect(h.hellos()).toEqual([10, 12]);
    h.events([14]); // the old subscription, before the hub read the hello: 13 is not in the snapshot
    expect(h.app.applied).toEqual([]);
    h.reset(14); // the hello is too far behind now (a small replay allowance, a table's phone)
    await h.snapshot(14);
    expect(h.hellos()).toEqual([10, 12, 14]);
    h.welcome(14);
    h.events([15]);
    expect(h.app.snapshots).toBe(2);
    h.rightAfterSnapshot(15);
    expect(h.app.gaps).toEqual([]);
    expect(h.client.resumePoint).toEqual({ epoch: 'e', seq: 15 });
    h.client.stop();
  });

  it('a hello answered with an error closes the socket and resumes on a new one (the old subscription would go on as if live)', async () => {
    const h = scriptedHub({ epoch: 'e', seq: 10 }, [11]);
    h.client.start();
    h.socket().on.open();
    h.welcome(10);
    h.events([11]); // throws: a snapshot, then a hello from it on the same socket
    await h.snapshot(12);
    expect(h.hellos()).toEqual([10, 12]);
    const first = h.socket();
    h.error(); // the hub refused the hello and keeps the old subscription (and answers its syncs)
    h.events([13]);
    expect(first.closed).toBe(true);
    await vi.waitFor(() => expect(h.sockets).toHaveLength(2));
    h.socket().on.open();
    expect(h.hellos()).toEqual([12]);
    h.welcome(12);
    h.events([13, 14]);
    h.rightAfterSnapshot(14);
    expect(h.client.connection.status).toBe('live');
    h.client.stop();
  });

  it('a first hello answered with an error does not leave the client waiting on that socket', async () => {
    const h = scriptedHub({ epoch: 'e', seq: 10 });
    h.client.start();
    h.socket().on.open();
    h.error();
    expect(h.socket().closed).toBe(true);
    await vi.waitFor(() => expect(h.sockets).toHaveLength(2));
    h.socket().on.open();
    expect(h.hellos()).toEqual([10]);
    h.welcome(10);
    expect(h.client.connection.status).toBe('live');
    h.client.stop();
  });

  it('an error that is no hello\'s answer (a bad sync) leaves a live socket alone', async () => {
    const h = scriptedHub({ epoch: 'e', seq: 10 });
    h.client.start();
    h.socket().on.open();
    h.welcome(10);
    h.error();
    h.events([11]);
    expect(h.socket().closed).toBe(false);
    expect(h.sockets).toHaveLength(1);
    expect(h.app.applied).toEqual([11]);
    h.client.stop();
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
