/**
 * The waiter tablet's table moves and bill splitting over the real hub process: transfer, moving a whole
 * table, merge, bill requested, split payments, and a manager's PIN approving the void of a fired line.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStream, PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let waiterDevice: string;
let kitchen: string;
let manager: string;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_SHED_LAG_MS: '5000' } });
  ({ staff: waiter, device: waiterDevice } = await signIn(hub, PINS.waiter));
  kitchen = (await signIn(hub, PINS.kitchen, 'kds')).staff;
  manager = (await signIn(hub, PINS.manager)).staff;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

const head = async () => (await hub.request('GET', '/api/v1/health')).body.seq as number;
const open = async (tableId: string, extra: Record<string, unknown> = {}) => {
  const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder({ tableId, ...extra }) });
  expect(r.status).toBe(201);
  return r.body.order as { id: string; totalMinor: number; lines: { id: string; itemId: string; status: string; lineTotalMinor: number; seat: number | null }[] };
};
const tableStatus = async (id: string) =>
  ((await hub.request('GET', '/api/v1/floor', { token: waiter })).body.tables as { id: string; status: string }[]).find((t) => t.id === id)?.status;
const qrToken = async (tableId: string) =>
  ((await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager })).body.tables as { id: string; qrToken: string }[]).find((t) => t.id === tableId)!.qrToken;
const printJobs = async (orderId: string) => (await hub.request('GET', `/api/v1/print-jobs?orderId=${orderId}`, { token: waiter })).body.jobs as unknown[];
const openIds = async (tableId: string) =>
  ((await hub.request('GET', '/api/v1/floor', { token: waiter })).body.tables as { id: string; openOrderIds: string[] }[]).find((t) => t.id === tableId)!.openOrderIds;
const phoneOrder = async (token: string) => {
  const body = { channel: 'qr', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-regular'] }] };
  const r = await hub.request('POST', '/api/v1/orders', { token, body });
  expect(r.status).toBe(201);
  return r.body.order.id as string;
};

describe('transfer', () => {
  it('moves an order to a free table once, however often the tablet resends it', async () => {
    const order = await open('t-a1');
    const key = randomUUID();
    const first = await hub.request('POST', `/api/v1/orders/${order.id}/transfer`, { token: waiter, key, body: { tableId: 't-b1' } });
    expect(first.status).toBe(200);
    expect(first.body.order.tableId).toBe('t-b1');
    const replay = await hub.request('POST', `/api/v1/orders/${order.id}/transfer`, { token: waiter, key, body: { tableId: 't-b1' } });
    expect(replay).toMatchObject({ status: 200, body: first.body });
    expect([await tableStatus('t-a1'), await tableStatus('t-b1')]).toEqual(['free', 'in-kitchen']);
  });

  it.each([
    { what: 'no table', body: {}, status: 400 },
    { what: 'a malformed table id', body: { tableId: 'A 1!' }, status: 400 },
    { what: 'an unknown field', body: { tableId: 't-b3', seat: 1 }, status: 400 },
    { what: 'a table that does not exist', body: { tableId: 't-zz' }, status: 404 },
  ])('answers a transfer to $what with $status, and the order stays', async ({ body, status }) => {
    const order = await open('t-a2');
    const r = await hub.request('POST', `/api/v1/orders/${order.id}/transfer`, { token: waiter, body });
    expect(r.status).toBe(status);
    expect((await hub.request('GET', `/api/v1/orders/${order.id}`, { token: waiter })).body.order.tableId).toBe('t-a2');
  });

  it('refuses a busy table (409) and the kitchen (403); a cashier may move a table', async () => {
    const order = await open('t-a3');
    await open('t-a4');
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/transfer`, { token: waiter, body: { tableId: 't-a4' } })).status).toBe(409);
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/transfer`, { token: kitchen, body: { tableId: 't-b3' } })).status).toBe(403);
    const cashier = (await signIn(hub, PINS.cashier)).staff;
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/transfer`, { token: cashier, body: { tableId: 't-b3' } })).status).toBe(200);
  });

  it("tells the old table's phone where its order went, then stops showing that order to it", async () => {
    const tokenA = await qrToken('t-a5');
    const tokenB = await qrToken('t-b5');
    const placed = await hub.request('POST', '/api/v1/orders', { token: tokenA, body: { channel: 'qr', lines: [{ itemId: 'xiaolongbao', qty: 1 }] } });
    expect(placed.status).toBe(201);
    const orderId = placed.body.order.id as string;
    const phone = await connectStream(hub, tokenA, { lastSeq: await head() });

    expect((await hub.request('POST', `/api/v1/orders/${orderId}/transfer`, { token: waiter, body: { tableId: 't-b5' } })).status).toBe(200);
    await phone.waitFor(() => phone.events().some((e) => e.type === 'order.transferred'));
    expect(phone.events().find((e) => e.type === 'order.transferred').payload).toMatchObject({
      order: { id: orderId, tableId: 't-b5' },
      from: { id: 't-a5', name: 'A5' },
      to: { id: 't-b5', name: 'B5' },
    });
    phone.close();

    expect((await hub.request('GET', `/api/v1/orders/${orderId}`, { token: tokenA })).status).toBe(404);
    expect((await hub.request('GET', '/api/v1/orders?status=open', { token: tokenA })).body.orders).toEqual([]);
    const add = { lines: [{ itemId: 'tsingtao-beer', qty: 1 }] };
    expect((await hub.request('POST', `/api/v1/orders/${orderId}/lines`, { token: tokenA, body: add })).status).toBe(404);
    expect((await hub.request('GET', `/api/v1/orders/${orderId}`, { token: tokenB })).status).toBe(200);
    expect((await hub.request('POST', `/api/v1/orders/${orderId}/lines`, { token: tokenB, body: add })).status).toBe(200);
  });
});

describe('moving a whole table', () => {
  // A9 → B2 here plays "A1 → B3": the transfer tests above seat A1 and B3 of this hub
  const move = (fromTableId: string, body: unknown, o: { token?: string; key?: string } = {}) =>
    hub.request('POST', `/api/v1/tables/${fromTableId}/move`, { token: o.token ?? waiter, body, ...(o.key ? { key: o.key } : {}) });
  const tableOf = async (orderId: string) => (await hub.request('GET', `/api/v1/orders/${orderId}`, { token: waiter })).body.order.tableId as string;

  it("moves the waiter's order and a phone's to a free table at once, tells the old table's phone, and does it once however often it is resent", async () => {
    const waiters = (await open('t-a9')).id;
    const tokenA = await qrToken('t-a9');
    const tokenB = await qrToken('t-b2');
    const phones = await phoneOrder(tokenA);
    expect(await openIds('t-a9')).toEqual([waiters, phones]);
    const phone = await connectStream(hub, tokenA, { lastSeq: await head() });
    const kds = await connectStream(hub, kitchen, { lastSeq: await head(), topics: ['station:hot'] });

    const key = randomUUID();
    const first = await move('t-a9', { toTableId: 't-b2' }, { key });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ from: { id: 't-a9', name: 'A9' }, to: { id: 't-b2', name: 'B2' } });
    expect(first.body.orders.map((o: { id: string; tableId: string }) => [o.id, o.tableId])).toEqual([
      [waiters, 't-b2'],
      [phones, 't-b2'],
    ]);
    expect([await tableStatus('t-a9'), await tableStatus('t-b2')]).toEqual(['free', 'in-kitchen']);
    expect(await openIds('t-b2')).toEqual([waiters, phones]);

    // the phone on A9 is told where its order went; the KDS shows both tickets at B2
    await phone.waitFor(() => phone.events().some((e) => e.type === 'order.transferred' && e.payload.order.id === phones));
    expect(phone.events().find((e) => e.type === 'order.transferred' && e.payload.order.id === phones).payload).toMatchObject({
      from: { id: 't-a9', name: 'A9' },
      to: { id: 't-b2', name: 'B2' },
    });
    await kds.waitFor(() => kds.events().filter((e) => e.type === 'order.transferred').length === 2);
    expect(kds.events().filter((e) => e.type === 'order.transferred').map((e) => [e.payload.order.id, e.payload.order.tableId])).toEqual([
      [waiters, 't-b2'],
      [phones, 't-b2'],
    ]);
    phone.close();
    kds.close();

    // a tablet resending its queued move (same key): the first answer, nothing moved or told again
    const seq = await head();
    const replay = await move('t-a9', { toTableId: 't-b2' }, { key });
    expect(replay).toMatchObject({ status: 200, body: first.body });
    expect(await head()).toBe(seq);
    // another tablet's move of the old table (its own key): nothing is left there to move
    expect((await move('t-a9', { toTableId: 't-b2' })).body.error.code).toBe('invalid_transition');

    // the next party at A9 sees none of it on its phones; B2's QR code sees both
    expect((await hub.request('GET', `/api/v1/orders/${phones}`, { token: tokenA })).status).toBe(404);
    expect((await hub.request('GET', '/api/v1/orders?status=open', { token: tokenA })).body.orders).toEqual([]);
    const atB = (await hub.request('GET', '/api/v1/orders?status=open', { token: tokenB })).body.orders as { id: string }[];
    expect(atB.map((o) => o.id).sort()).toEqual([waiters, phones].sort());
  });

  it('refuses a table with an open order (409, naming it: merge instead) and moves none of the orders', async () => {
    const waiters = (await open('t-a10')).id;
    const phones = await phoneOrder(await qrToken('t-a10'));
    const busy = (await open('t-a11')).id;
    const seq = await head();
    const r = await move('t-a10', { toTableId: 't-a11' });
    expect(r).toMatchObject({ status: 409, body: { error: { code: 'conflict', details: { tableId: 't-a11', openOrderIds: [busy] } } } });
    expect([await tableOf(waiters), await tableOf(phones), await tableOf(busy)]).toEqual(['t-a10', 't-a10', 't-a11']);
    expect(await head()).toBe(seq);
  });

  it.each([
    { what: 'no target', from: 't-a12', body: {}, status: 400 },
    { what: 'a malformed target', from: 't-a12', body: { toTableId: 'B 2!' }, status: 400 },
    { what: 'an unknown field', from: 't-a12', body: { toTableId: 't-b3', orderId: 'x' }, status: 400 },
    { what: 'a malformed table in the path', from: 't.a12', body: { toTableId: 't-b3' }, status: 400 },
    { what: 'a target that does not exist', from: 't-a12', body: { toTableId: 't-zz' }, status: 404 },
    { what: 'a table that does not exist', from: 't-zz', body: { toTableId: 't-a9' }, status: 404 },
    { what: 'the table it is at', from: 't-a12', body: { toTableId: 't-a12' }, status: 409 },
    { what: 'the kitchen', from: 't-a12', body: { toTableId: 't-a9' }, status: 403, as: 'kitchen' },
  ])('answers a move with $what with $status, and the order stays', async ({ from, body, status, as }) => {
    const order = await open('t-a12');
    expect((await move(from, body, as === 'kitchen' ? { token: kitchen } : {})).status).toBe(status);
    expect(await tableOf(order.id)).toBe('t-a12');
  });
});

describe('merge', () => {
  it('moves lines (kitchen progress kept, nothing reprinted) and payments into the other table’s order, once', async () => {
    const a = await open('t-a6');
    const b = await open('t-a7');
    const drink = a.lines.find((l) => l.itemId === 'sour-plum-drink')!;
    expect((await hub.request('POST', `/api/v1/orders/${a.id}/status`, { token: kitchen, body: { status: 'ready', lineIds: [drink.id] } })).status).toBe(200);
    expect((await hub.request('POST', `/api/v1/orders/${a.id}/payments`, { token: waiter, body: { tender: 'cash', amountMinor: 1000 } })).status).toBe(201);
    const jobsBefore = [(await printJobs(a.id)).length, (await printJobs(b.id)).length];
    const kds = await connectStream(hub, kitchen, { lastSeq: await head(), topics: ['station:bar'] });

    const key = randomUUID();
    const merged = await hub.request('POST', `/api/v1/orders/${a.id}/merge`, { token: waiter, key, body: { intoOrderId: b.id } });
    expect(merged.status).toBe(200);
    expect(merged.body.merged).toMatchObject({ id: a.id, status: 'merged', mergedIntoOrderId: b.id, lines: [] });
    expect(merged.body.order.lines.map((l: { id: string }) => l.id)).toEqual([...b.lines.map((l) => l.id), ...a.lines.map((l) => l.id)]);
    expect(merged.body.order.lines.find((l: { id: string }) => l.id === drink.id).status).toBe('ready');
    expect(merged.body.order).toMatchObject({ paidMinor: 1000, totalMinor: a.totalMinor + b.totalMinor });

    const replay = await hub.request('POST', `/api/v1/orders/${a.id}/merge`, { token: waiter, key, body: { intoOrderId: b.id } });
    expect(replay).toMatchObject({ status: 200, body: merged.body });
    await kds.waitFor(() => kds.events().some((e) => e.type === 'order.merged'));
    kds.close();
    expect([(await printJobs(a.id)).length, (await printJobs(b.id)).length]).toEqual(jobsBefore);
    expect(await tableStatus('t-a6')).toBe('free');
    expect((await hub.request('GET', `/api/v1/orders/${b.id}`, { token: waiter })).body.order).toEqual(merged.body.order);

    const again = await hub.request('POST', `/api/v1/orders/${a.id}/merge`, { token: waiter, body: { intoOrderId: b.id } });
    expect(again.status).toBe(409);
  });

  it('answers 400 to a body without the target and 403 to the kitchen', async () => {
    const a = await open('t-a8');
    expect((await hub.request('POST', `/api/v1/orders/${a.id}/merge`, { token: waiter, body: { tableId: 't-a7' } })).status).toBe(400);
    expect((await hub.request('POST', `/api/v1/orders/${a.id}/merge`, { token: kitchen, body: { intoOrderId: a.id } })).status).toBe(403);
  });
});

describe('merging a whole table', () => {
  // A6 is free again (merged above) and A8 holds an open order
  const mergeTable = (fromTableId: string, body: unknown, o: { token?: string; key?: string } = {}) =>
    hub.request('POST', `/api/v1/tables/${fromTableId}/merge`, { token: o.token ?? waiter, body, ...(o.key ? { key: o.key } : {}) });

  it("merges the waiter's order and a phone's into the other table's bill at once, frees the table, tells its phone, and does it once", async () => {
    const waiters = await open('t-a6');
    const tokenA = await qrToken('t-a6');
    const phones = await phoneOrder(tokenA);
    const [into] = await openIds('t-a8');
    const target = (await hub.request('GET', `/api/v1/orders/${into}`, { token: waiter })).body.order as { id: string; lines: { id: string }[]; totalMinor: number };
    const phone = await connectStream(hub, tokenA, { lastSeq: await head() });

    const key = randomUUID();
    const first = await mergeTable('t-a6', { intoOrderId: into }, { key });
    expect(first.status).toBe(200);
    expect(first.body.from).toEqual({ id: 't-a6', name: 'A6' });
    expect(first.body.merged.map((o: { id: string; status: string }) => [o.id, o.status])).toEqual([
      [waiters.id, 'merged'],
      [phones, 'merged'],
    ]);
    expect(first.body.order.id).toBe(into);
    expect(first.body.order.lines.slice(0, target.lines.length + waiters.lines.length).map((l: { id: string }) => l.id)).toEqual([
      ...target.lines.map((l) => l.id),
      ...waiters.lines.map((l) => l.id),
    ]);
    expect(await openIds('t-a6')).toEqual([]);
    expect(await tableStatus('t-a6')).toBe('free');

    // one order.merged per order, as a single merge: the phone at A6 hears where its order went
    await phone.waitFor(() => phone.events().some((e) => e.type === 'order.merged' && e.payload.merged.id === phones));
    expect(phone.events().find((e) => e.type === 'order.merged' && e.payload.merged.id === phones).payload.order.id).toBe(into);
    phone.close();

    const seq = await head();
    expect(await mergeTable('t-a6', { intoOrderId: into }, { key })).toMatchObject({ status: 200, body: first.body });
    expect(await head()).toBe(seq);
    expect((await mergeTable('t-a6', { intoOrderId: into })).body.error.code).toBe('invalid_transition');
    // nothing open at A6 for its phones to order onto; the guests' own order reads as merged (for minutes, as any done bill)
    expect((await hub.request('GET', `/api/v1/orders/${phones}`, { token: tokenA })).body.order).toMatchObject({ status: 'merged', mergedIntoOrderId: into });
    expect((await hub.request('GET', '/api/v1/orders?status=open', { token: tokenA })).body.orders).toEqual([]);
  });

  it.each([
    { what: 'no target', from: 't-a9', body: {}, status: 400 },
    { what: 'an unknown field', from: 't-a9', body: { intoOrderId: 'x', toTableId: 't-a8' }, status: 400 },
    { what: 'a malformed table in the path', from: 't.a9', body: { intoOrderId: 'x' }, status: 400 },
    { what: 'a target that does not exist', from: 't-a9', body: { intoOrderId: 'nope' }, status: 404 },
    { what: 'a table that does not exist', from: 't-zz', body: 'a8', status: 404 },
    { what: "the table's own order", from: 't-a9', body: 'own', status: 409 },
    { what: 'the kitchen', from: 't-a9', body: 'a8', status: 403, as: 'kitchen' },
  ])('answers a table merge with $what with $status, and merges nothing', async ({ from, body, status, as }) => {
    const order = await open('t-a9');
    const [a8] = await openIds('t-a8');
    const sent = body === 'a8' ? { intoOrderId: a8 } : body === 'own' ? { intoOrderId: order.id } : body;
    expect((await mergeTable(from, sent, as === 'kitchen' ? { token: kitchen } : {})).status).toBe(status);
    expect((await hub.request('GET', `/api/v1/orders/${order.id}`, { token: waiter })).body.order.status).not.toBe('merged');
  });
});

describe('bill requested', () => {
  it('shows on the floor when the phone asks for the bill or the waiter marks it, and clears when paid', async () => {
    const order = await open('t-b6');
    const phone = await qrToken('t-b6');
    expect((await hub.request('POST', '/api/v1/qr/waiter-call', { token: phone, body: { reason: 'bill' } })).status).toBe(201);
    expect(await tableStatus('t-b6')).toBe('bill-requested');
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/bill-request`, { token: waiter, body: { requested: false } })).status).toBe(200);
    expect(await tableStatus('t-b6')).toBe('in-kitchen');
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/bill-request`, { token: waiter, body: { requested: true } })).body.order.billRequestedAt).toEqual(expect.any(Number));
    expect(await tableStatus('t-b6')).toBe('bill-requested');
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/bill-request`, { token: waiter, body: { requested: 'yes' } })).status).toBe(400);
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/bill-request`, { token: kitchen, body: { requested: true } })).status).toBe(403);
    await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: waiter, body: { tender: 'cash', amountMinor: order.totalMinor } });
    expect(await tableStatus('t-b6')).toBe('free');
  });
});

describe('split payments', () => {
  it('pays by item: a payment names its lines, is allocated to them, and is refused for any other amount than they have open', async () => {
    const order = await open('t-b7', { lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'], seat: 1 }, { itemId: 'tsingtao-beer', qty: 2, seat: 2 }] });
    const [tofu, beer] = order.lines;
    expect([tofu!.seat, beer!.seat]).toEqual([1, 2]);
    const wrong = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: waiter, body: { tender: 'cash', amountMinor: 1, lineIds: [beer!.id] } });
    expect(wrong).toMatchObject({ status: 422, body: { error: { code: 'invalid_order', details: { expectedMinor: beer!.lineTotalMinor } } } });
    const paid = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: waiter, body: { tender: 'cash', amountMinor: beer!.lineTotalMinor, lineIds: [beer!.id] } });
    expect(paid.status).toBe(201);
    expect(paid.body.payment.lines).toEqual([{ lineId: beer!.id, amountMinor: beer!.lineTotalMinor }]);
    const rest = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: waiter, body: { tender: 'card', reference: 'T-1', amountMinor: tofu!.lineTotalMinor, lineIds: [tofu!.id] } });
    expect(rest.body.order.status).toBe('closed');
  });

  it('pays evenly between 2: the shares sum exactly to the bill, and a share for the wrong amount is refused', async () => {
    const order = await open('t-b8');
    const share1 = Math.ceil(order.totalMinor / 2);
    const body = (amountMinor: number, splitWays: number) => ({ tender: 'cash', amountMinor, splitWays });
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: waiter, body: body(share1 + 1, 2) })).status).toBe(422);
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: waiter, body: { ...body(share1, 2), lineIds: [order.lines[0]!.id] } })).status).toBe(400);
    const first = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: waiter, body: body(share1, 2) });
    expect(first.body.order).toMatchObject({ status: 'fired', dueMinor: order.totalMinor - share1 });
    const second = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: waiter, body: body(order.totalMinor - share1, 1) });
    expect(second.body.order).toMatchObject({ status: 'closed', paidMinor: order.totalMinor });
  });
});

describe("voiding a fired line with a manager's PIN", () => {
  it('is refused to the waiter alone and done with a manager session signed in on the same tablet', async () => {
    const order = await open('t-b4');
    const line = order.lines[0]!;
    const path = `/api/v1/orders/${order.id}/lines/${line.id}/void`;
    expect((await hub.request('POST', path, { token: waiter, body: { reason: 'guest changed mind' } })).status).toBe(403);

    const approval = await hub.request('POST', '/api/v1/staff/sessions', { token: waiterDevice, body: { pin: PINS.manager } });
    expect(approval.body.staff.role).toBe('manager');
    const stream = await connectStream(hub, waiterDevice, { lastSeq: await head(), topics: ['orders'] });
    const voided = await hub.request('POST', path, { token: approval.body.token, body: { reason: 'guest changed mind' } });
    expect(voided.status).toBe(200);
    expect(voided.body.order.lines[0]).toMatchObject({ status: 'voided', voidReason: 'guest changed mind' });
    await stream.waitFor(() => stream.events().some((e) => e.type === 'order.line_voided'));
    const event = stream.events().find((e) => e.type === 'order.line_voided');
    expect(event).toMatchObject({ staffId: approval.body.staff.id, payload: { wasFired: true, line: { voidReason: 'guest changed mind' } } });
    stream.close();
  });
});
