/**
 * Counted dishes against the real hub process: kiosks racing for the last portions in the writer's group
 * commit (each order a savepoint of one transaction), what the devices hear of it (the stream's `menu` topic,
 * the menu's ETag), a manager's new count, and the counts across a restart. The rules themselves are in
 * hub/domain/order-service.test.ts and hub/domain/menu-service.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../protocol/orders.ts';
import { connectStream, PINS, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

const FISH = 'chopped-chili-fish-head';

let hub: HubProcess;
let manager: string;
let waiter: string;
let kiosks: string[];

beforeAll(async () => {
  hub = await startHub();
  [manager, waiter] = await Promise.all([signIn(hub, PINS.manager).then((s) => s.staff), signIn(hub, PINS.waiter).then((s) => s.staff)]);
  kiosks = await Promise.all(Array.from({ length: 6 }, () => signIn(hub, undefined, 'kiosk').then((s) => s.device)));
}, 30_000);

afterAll(async () => {
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

const setCount = async (remaining: number | null) => {
  const r = await hub.request('PATCH', `/api/v1/menu/items/${FISH}`, { token: manager, body: { remaining } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const fishLine = (qty: number, extra: Record<string, unknown> = {}) => ({ itemId: FISH, qty, optionIds: ['spice-medium'], ...extra });
const remaining = async (): Promise<number | null> => {
  const r = await hub.request('GET', '/api/v1/menu');
  return r.body.menu.items.find((i: { id: string }) => i.id === FISH).remaining;
};
const storedRemaining = () => {
  const db = hub.openDb();
  try {
    return db.prepare('SELECT remaining FROM items WHERE id = ?').pluck().get(FISH) as number | null;
  } finally {
    db.close();
  }
};

describe('the last portions of a counted dish', () => {
  it('go to as many kiosks as there are portions when six order at once; the others are told sold out', async () => {
    await setCount(2);
    const stream = await connectStream(hub, kiosks[0]!, { topics: ['menu'] });
    const before = await hub.request('GET', '/api/v1/menu');

    const answers = await Promise.all(kiosks.map((k) => hub.request('POST', '/api/v1/orders', { token: k, body: { channel: 'kiosk', lines: [fishLine(1)] } })));

    const statuses = answers.map((a) => a.status).sort();
    expect(statuses, JSON.stringify(answers.map((a) => a.body))).toEqual([201, 201, 409, 409, 409, 409].sort());
    for (const refused of answers.filter((a) => a.status !== 201)) expect(refused.body.error.code).toBe('sold_out');
    expect(storedRemaining()).toBe(0);
    expect(await remaining()).toBe(0);
    // a kiosk hears the count go down to 0 on the menu topic, and its ETag'd poll gets the new menu
    await stream.waitFor(() => stream.events().some((e) => e.type === 'menu.stock_changed' && e.payload.items[0].remaining === 0));
    const poll = await hub.request('GET', '/api/v1/menu', { headers: { 'if-none-match': before.headers.get('etag')! } });
    expect(poll.status).toBe(200);
    stream.close();
  });

  it('a manager counting again after a held line was ordered: voiding that line leaves the new count as it is', async () => {
    await setCount(5);
    const placed = await hub.request<{ order: Order }>('POST', '/api/v1/orders', {
      token: waiter,
      body: { channel: 'pos', tableId: 't-b1', lines: [fishLine(2, { hold: true })] },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(await remaining()).toBe(3);
    await setCount(10); // what is left to sell now, the two held portions not in it

    const line = placed.body.order.lines[0]!;
    const voided = await hub.request('POST', `/api/v1/orders/${placed.body.order.id}/lines/${line.id}/void`, { token: waiter, body: { reason: 'changed mind' } });
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    expect(await remaining()).toBe(10);
  });

  it('keeps the count and what lines took across a restart', async () => {
    await setCount(4);
    const placed = await hub.request<{ order: Order }>('POST', '/api/v1/orders', {
      token: waiter,
      body: { channel: 'pos', tableId: 't-b2', lines: [fishLine(3, { hold: true })] },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const dataDir = hub.dataDir;
    await hub.kill9();
    hub = await startHub({ dataDir });
    manager = (await signIn(hub, PINS.manager)).staff;
    expect(await remaining()).toBe(1);

    const line = placed.body.order.lines[0]!;
    const voided = await hub.request('POST', `/api/v1/orders/${placed.body.order.id}/lines/${line.id}/void`, { token: manager, body: { reason: 'guests left' } });
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    expect(await remaining()).toBe(4);
  }, 30_000);
});
