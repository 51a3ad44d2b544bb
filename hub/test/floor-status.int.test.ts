/**
 * The floor plan over the real hub: a table's colour follows where its food is, line by line, so a dish
 * waiting at the pass shows whatever else the order holds (a dish still cooking, a later course held).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PINS, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let kitchen: string;
let manager: string;

beforeAll(async () => {
  hub = await startHub();
  waiter = (await signIn(hub, PINS.waiter)).staff;
  kitchen = (await signIn(hub, PINS.kitchen, 'kds')).staff;
  manager = (await signIn(hub, PINS.manager)).staff;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

const tofu = (extra: Record<string, unknown> = {}) => ({ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'], ...extra });
const statusOf = async (tableId: string) =>
  ((await hub.request('GET', '/api/v1/floor', { token: waiter })).body.tables as { id: string; status: string }[]).find((t) => t.id === tableId)?.status;

it('shows food ready while course 1 waits at the pass and course 2 is held, ordered once it is served, in kitchen once course 2 fires', async () => {
  const placed = await hub.request('POST', '/api/v1/orders', {
    token: waiter,
    body: { channel: 'pos', tableId: 't-a7', lines: [tofu(), tofu({ course: 2, hold: true })] },
  });
  expect(placed.status).toBe(201);
  const order = placed.body.order as { id: string; lines: { id: string }[] };
  const first = order.lines[0]!.id;
  const mark = async (token: string, status: string) =>
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token, body: { status, lineIds: [first] } })).status).toBe(200);

  expect(await statusOf('t-a7')).toBe('in-kitchen');
  await mark(kitchen, 'ready');
  expect(await statusOf('t-a7')).toBe('food-ready');
  await mark(waiter, 'served');
  expect(await statusOf('t-a7')).toBe('ordered');
  expect((await hub.request('POST', `/api/v1/orders/${order.id}/fire`, { token: waiter, body: { course: 2 } })).status).toBe(200);
  expect(await statusOf('t-a7')).toBe('in-kitchen');
});

it("shows served once the guests' phone orders are served at a table the host opened empty (its order stays empty), and no bill asked for once they are paid", async () => {
  const opened = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId: 't-a8', guestCount: 2, lines: [] } });
  expect(opened.status).toBe(201);
  expect(await statusOf('t-a8')).toBe('seated');
  const qr = ((await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager })).body.tables as { id: string; qrToken: string }[]).find((t) => t.id === 't-a8')!.qrToken;
  const phone = await hub.request('POST', '/api/v1/orders', { token: qr, body: { channel: 'qr', lines: [tofu()] } });
  expect(phone.status).toBe(201);
  const order = phone.body.order as { id: string; totalMinor: number };
  expect(await statusOf('t-a8')).toBe('in-kitchen');
  expect((await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen, body: { status: 'ready' } })).status).toBe(200);
  expect(await statusOf('t-a8')).toBe('food-ready');
  expect((await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: waiter, body: { status: 'served' } })).status).toBe(200);
  expect(await statusOf('t-a8')).toBe('served');

  // "bill please" on the phone marks the empty opening order too; once the food is paid it has no bill to ask for
  expect((await hub.request('POST', '/api/v1/qr/waiter-call', { token: qr, body: { reason: 'bill' } })).status).toBe(201);
  expect(await statusOf('t-a8')).toBe('bill-requested');
  expect((await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: waiter, body: { tender: 'cash', amountMinor: order.totalMinor } })).status).toBe(201);
  expect(await statusOf('t-a8')).toBe('seated');
});
