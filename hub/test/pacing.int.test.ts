import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let manager: string;
let kiosk: string;
let tableToken: string;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_PACING_THRESHOLD: '3', HUB_PACING_SECONDS_PER_TICKET: '120' } });
  waiter = (await signIn(hub, '1111')).staff;
  manager = (await signIn(hub, '9999')).staff;
  kiosk = (await signIn(hub, undefined, 'kiosk')).device;
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  tableToken = qr.body.tables.find((t: { id: string }) => t.id === 't-b6').qrToken;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

// a beer: the bar's target prep time is the quote's base
const kioskOrder = { channel: 'kiosk', lines: [{ itemId: 'tsingtao-beer', qty: 1 }] };

describe('kitchen-aware pacing', () => {
  it('quotes no ready time while the kitchen keeps up, and one that grows with the backlog past the threshold', async () => {
    const calm = await hub.request('POST', '/api/v1/orders', { token: kiosk, body: kioskOrder });
    expect(calm.status).toBe(201);
    expect(calm.body.order.quotedReadyAt).toBeNull();

    for (let i = 0; i < 3; i++) await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder() });
    const pacing = (await hub.request('GET', '/api/v1/kitchen/pacing')).body;
    expect(pacing).toMatchObject({ busy: true, threshold: 3, publicOrderingPaused: false });
    expect(pacing.openTickets).toBeGreaterThanOrEqual(3);

    const busy = await hub.request('POST', '/api/v1/orders', { token: kiosk, body: kioskOrder });
    expect(busy.status).toBe(201);
    const waitS = (busy.body.order.quotedReadyAt - busy.body.order.createdAt) / 1000;
    const barPrep = (await hub.request('GET', '/api/v1/menu')).body.menu.items.find((i: { id: string }) => i.id === 'tsingtao-beer');
    // its own prep time, plus 120 s for each ticket ahead of it from the threshold on (the calm kiosk order,
    // three waiter orders: 4 open, threshold 3 → 2 × 120 s)
    const expected = (barPrep.targetPrepSeconds ?? 240) + (pacing.openTickets - 3 + 1) * 120;
    expect(waitS).toBe(expected);
  });

  it('lets a manager pause kiosk and QR ordering while staff keep ordering, then resume', async () => {
    const waiterTry = await hub.request('POST', '/api/v1/kitchen/pacing', { token: waiter, body: { publicOrderingPaused: true } });
    expect(waiterTry.status).toBe(403);

    const paused = await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: true, reason: '后厨满单 kitchen full' } });
    expect(paused.status).toBe(200);
    expect(paused.body.publicOrderingPaused).toBe(true);

    const fromKiosk = await hub.request('POST', '/api/v1/orders', { token: kiosk, body: kioskOrder });
    expect(fromKiosk.status).toBe(503);
    expect(fromKiosk.body.error.code).toBe('ordering_paused');
    expect(fromKiosk.headers.get('retry-after')).toBe('60');
    const fromPhone = await hub.request('POST', '/api/v1/orders', { token: tableToken, body: { channel: 'qr', lines: [{ itemId: 'tsingtao-beer', qty: 1 }] } });
    expect(fromPhone.status).toBe(503);
    expect((await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder() })).status).toBe(201);

    await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: false } });
    expect((await hub.request('POST', '/api/v1/orders', { token: kiosk, body: kioskOrder })).status).toBe(201);
  });
});
