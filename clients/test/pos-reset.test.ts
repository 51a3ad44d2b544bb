/**
 * The waiter tablet after the hub answers its hello with `reset`, against a real hub, in Node: the events
 * between the tablet's old position and the snapshot never come, so what the tablet keeps from events — the
 * menu (sold-out dishes, prices) and the order open on its screen — is loaded again.
 *
 * The hub replays at most one event (HUB_STREAM_MAX_REPLAY=1): a tablet that missed two must start over
 * from a snapshot.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PAIRING_CODE, PINS, removeDir, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { newId } from '../shared/ids.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import type { DeviceCredentials, StaffSession } from '../shared/session.ts';
import type { SocketFactory } from '../shared/stream-client.ts';
import { PosApp } from '../pos/pos-app.ts';

let hub: HubProcess;
let manager: string;
let pos: PosApp | null = null;

/** Real sockets over `ws`; `cut()` makes the open ones drop every frame from the hub, as a lost network would. */
function network() {
  const sockets: WebSocket[] = [];
  const deaf = new Set<WebSocket>();
  const factory: SocketFactory = (url, on) => {
    const ws = new WebSocket(url);
    sockets.push(ws);
    ws.on('open', () => on.open());
    ws.on('message', (data) => !deaf.has(ws) && on.message(String(data)));
    ws.on('close', (code, reason) => on.close(code, String(reason)));
    ws.on('error', () => undefined);
    return { send: (d) => ws.send(d), close: (code, reason) => ws.close(code, reason) };
  };
  return { sockets, factory, cut: () => sockets.forEach((ws) => deaf.add(ws)) };
}

async function pairAndSignIn(pin: string) {
  const pair = await hub.request('POST', '/api/v1/devices/pair', { body: { code: PAIRING_CODE, name: 'test-pos', kind: 'pos' } });
  expect(pair.status).toBe(201);
  const session = await hub.request('POST', '/api/v1/staff/sessions', { token: pair.body.deviceToken, body: { pin } });
  expect(session.status).toBe(201);
  return {
    device: { token: pair.body.deviceToken, deviceId: pair.body.device.id, name: pair.body.device.name, kind: 'pos' } satisfies DeviceCredentials,
    staff: { token: session.body.token, staff: session.body.staff, expiresAt: session.body.expiresAt } satisfies StaffSession,
  };
}

const until = async (what: string, pred: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  hub = await startHub({ env: { HUB_STREAM_MAX_REPLAY: '1' } });
  manager = (await pairAndSignIn(PINS.manager)).staff.token;
}, 60_000);

afterAll(async () => {
  pos?.stop();
  await hub.stop();
  removeDir(hub.dataDir);
});

it('after a reset the tablet shows the dish sold out and the open order as changed during the gap', async () => {
  const net = network();
  const { device, staff } = await pairAndSignIn(PINS.waiter);
  pos = new PosApp({ storage: new MemoryOutboxStorage(), baseUrl: hub.url, socket: net.factory });
  pos.session.device.set(device);
  pos.session.staff.set(staff);
  let snapshots = 0;
  const snapshot = pos.client.snapshot.bind(pos.client);
  pos.client.snapshot = () => (snapshots++, snapshot());
  await pos.outbox.load();
  pos.start();
  await until('live with a menu', () => pos!.state.get().conn.status === 'live' && pos!.state.get().phase === 'ready');
  const dish = () => pos!.state.get().menu!.items.find((i) => i.id === 'mapo-tofu')!;
  expect(dish().available).toBe(true);

  // a table opened on this tablet, shown on its screen
  expect(await pos.openTable('t-b2', 2)).toBe(true);
  const orderId = pos.state.get().orderId!;
  await until('the order on screen', () => pos!.state.get().order?.id === orderId);
  expect(pos.state.get().order!.lines).toHaveLength(0);

  // the tablet loses the network: nothing from the hub reaches it
  net.cut();
  // meanwhile the manager sells out a dish and another tablet adds to the order: more than the hub replays
  const soldOut = await hub.request('PATCH', '/api/v1/menu/items/mapo-tofu', { token: manager, body: { available: false } });
  expect(soldOut.status).toBe(200);
  const added = await hub.request('POST', `/api/v1/orders/${orderId}/lines`, {
    token: manager,
    body: { lines: [{ id: newId(), itemId: 'sour-plum-drink', qty: 2, optionIds: ['ice-less'] }], fire: true },
  });
  expect(added.status).toBe(200);

  // the socket dies; the tablet reconnects, is told to reset, loads the snapshot and goes live again
  const sockets = net.sockets.length;
  net.sockets.at(-1)!.close();
  await until('a new live socket', () => net.sockets.length > sockets && pos!.state.get().conn.status === 'live');
  expect(snapshots).toBe(2);

  await until('the dish sold out on the tablet', () => dish().available === false);
  await until('the added line on the order shown', () => pos!.state.get().order?.lines.length === 1);
  expect(pos.state.get().order!.lines[0]).toMatchObject({ itemId: 'sour-plum-drink', qty: 2 });
}, 30_000);
