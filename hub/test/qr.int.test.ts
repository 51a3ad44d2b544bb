import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStream, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let manager: string;
let tablet: string;
let tableToken: string;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_SHED_LAG_MS: '5000' } });
  const m = await signIn(hub, '9999');
  manager = m.staff;
  tablet = (await signIn(hub, '1111')).device;
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  tableToken = qr.body.tables.find((t: { id: string }) => t.id === 't-a7').qrToken;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

const head = async () => (await hub.request('GET', '/api/v1/health')).body.seq as number;

describe("a customer's phone", () => {
  it('calls a waiter: the floor tablets and the table itself see it live', async () => {
    const floor = await connectStream(hub, tablet, { lastSeq: await head(), topics: ['floor'] });
    const phone = await connectStream(hub, tableToken, { lastSeq: await head() });
    const r = await hub.request('POST', '/api/v1/qr/waiter-call', { token: tableToken, body: { note: '买单 the bill, please' } });
    expect(r.status).toBe(201);
    for (const screen of [floor, phone]) {
      await screen.waitFor(() => screen.events().some((e) => e.type === 'table.waiter_called'));
      expect(screen.events().find((e) => e.type === 'table.waiter_called').payload).toEqual({ table: { id: 't-a7', name: 'A7' }, note: '买单 the bill, please' });
    }
    expect((await hub.request('POST', '/api/v1/qr/waiter-call', { token: tablet, body: {} })).status).toBe(401);
    floor.close();
    phone.close();
  });

  it('rings the tablets once for a call repeated at once, and again for another reason', async () => {
    const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
    const phone = qr.body.tables.find((t: { id: string }) => t.id === 't-a9').qrToken;
    const floor = await connectStream(hub, tablet, { lastSeq: await head(), topics: ['floor'] });
    const call = (body: object) => hub.request('POST', '/api/v1/qr/waiter-call', { token: phone, body });
    const first = await call({});
    for (let i = 0; i < 5; i++) {
      const again = await call({});
      expect(again.status).toBe(201);
      expect(again.body.at).toBe(first.body.at);
    }
    expect((await call({ reason: 'bill' })).status).toBe(201);
    const marker = await call({ note: 'last' });
    await floor.waitFor(() => floor.events().some((e) => e.type === 'table.waiter_called' && e.payload.note === 'last'));
    expect(floor.events().filter((e) => e.type === 'table.waiter_called').map((e) => [e.payload.reason ?? null, e.payload.note])).toEqual([
      [null, null],
      ['bill', null],
      [null, 'last'],
    ]);
    expect(marker.body.at).toBeGreaterThanOrEqual(first.body.at);
    floor.close();
  });

  it('hears about sold-out dishes and pacing on its stream, but never about other tables', async () => {
    const phone = await connectStream(hub, tableToken, { lastSeq: await head(), topics: ['*'] });
    const waiter = (await signIn(hub, '1111')).staff;
    await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId: 't-a8', lines: [{ itemId: 'xiaolongbao', qty: 1 }] } });
    await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: true } });
    await phone.waitFor(() => phone.events().some((e) => e.type === 'kitchen.pacing_changed'));
    const types = phone.events().map((e) => e.type);
    expect(types).toContain('menu.stock_changed');
    expect(types).not.toContain('order.placed'); // table A8's order is not this phone's business
    await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: false } });
    phone.close();
  });

  it('gets its order taken with the same key once a paused kitchen resumes (a pause is not stored as the answer)', async () => {
    await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: true } });
    const key = randomUUID();
    const body = { channel: 'qr', lines: [{ itemId: 'tsingtao-beer', qty: 1 }] };
    const paused = await hub.request('POST', '/api/v1/orders', { token: tableToken, body, key });
    expect(paused.status).toBe(503);
    expect(paused.headers.get('retry-after')).toBe('60');
    await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: false } });
    const resumed = await hub.request('POST', '/api/v1/orders', { token: tableToken, body, key });
    expect(resumed.status).toBe(201);
    expect(resumed.headers.get('idempotent-replayed')).toBeNull();
  });
});
