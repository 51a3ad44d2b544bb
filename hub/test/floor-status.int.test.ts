/**
 * The floor plan over the real hub: a table's colour follows where its food is, line by line, so a dish
 * waiting at the pass shows whatever else the order holds (a dish still cooking, a later course held).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PINS, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let kitchen: string;

beforeAll(async () => {
  hub = await startHub();
  waiter = (await signIn(hub, PINS.waiter)).staff;
  kitchen = (await signIn(hub, PINS.kitchen, 'kds')).staff;
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
