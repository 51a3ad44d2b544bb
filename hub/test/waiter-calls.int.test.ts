/**
 * Waiter calls across tablets, with the real hub: a phone's call is open until a waiter acknowledges it, every
 * tablet hears the acknowledgement, and a tablet that loads the floor (reloaded, back online, or after the
 * hub restarted) gets the calls still open.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStream, PINS, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let phones: Record<string, string>;

beforeAll(async () => {
  hub = await startHub();
  waiter = (await signIn(hub, PINS.waiter)).staff;
  const manager = (await signIn(hub, PINS.manager)).staff;
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  phones = Object.fromEntries((qr.body.tables as { id: string; qrToken: string }[]).map((t) => [t.id, t.qrToken]));
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

const head = async () => (await hub.request('GET', '/api/v1/health')).body.seq as number;
const callFrom = (tableId: string, body: object = {}) => hub.request('POST', '/api/v1/qr/waiter-call', { token: phones[tableId], body });
/** The open calls a tablet loading the floor gets, of one table: [seq, reason, note]. */
async function openCalls(tableId: string): Promise<[number, string | null, string | null][]> {
  const floor = await hub.request('GET', '/api/v1/floor', { token: waiter });
  expect(floor.status).toBe(200);
  return (floor.body.waiterCalls as { seq: number; table: { id: string }; reason?: string; note: string | null }[])
    .filter((c) => c.table.id === tableId)
    .map((c) => [c.seq, c.reason ?? null, c.note]);
}
/** The seq of the table's one open call. */
async function onlyCall(tableId: string): Promise<number> {
  const calls = await openCalls(tableId);
  expect(calls).toHaveLength(1);
  return calls[0]![0];
}
const acknowledge = (tableId: string, throughSeq: number, o: { token?: string; key?: string } = {}) =>
  hub.request('POST', `/api/v1/tables/${tableId}/waiter-calls/acknowledge`, { token: o.token ?? waiter, body: { throughSeq }, ...(o.key ? { key: o.key } : {}) });

describe('a waiter call', () => {
  it('stays open for a tablet that loads the floor until a waiter acknowledges it; every tablet hears that, once', async () => {
    const tablets = await Promise.all([1, 2].map(async () => connectStream(hub, (await signIn(hub)).device, { lastSeq: await head(), topics: ['floor'] })));
    const phone = await connectStream(hub, phones['t-a1']!, { lastSeq: await head() });
    expect((await callFrom('t-a1', { note: '加水 water please' })).status).toBe(201);
    const seq = await onlyCall('t-a1');
    expect(await openCalls('t-a1')).toEqual([[seq, null, '加水 water please']]);

    const key = randomUUID();
    const ack = await acknowledge('t-a1', seq, { key });
    expect(ack.status).toBe(200);
    expect(ack.body).toEqual({ acknowledged: 1 });
    for (const t of tablets) {
      await t.waitFor(() => t.events().some((e) => e.type === 'table.waiter_call_acknowledged'));
      const e = t.events().find((x) => x.type === 'table.waiter_call_acknowledged');
      expect(e.payload).toEqual({ table: { id: 't-a1', name: 'A1' }, throughSeq: seq, calls: 1, staffId: expect.any(String), staffName: expect.any(String) });
      expect(e.staffId).toBe(e.payload.staffId);
    }
    expect(await openCalls('t-a1')).toEqual([]);
    // the table's phone hears it too, without who saw to it
    await phone.waitFor(() => phone.events().some((e) => e.type === 'table.waiter_call_acknowledged'));
    expect(phone.events().find((e) => e.type === 'table.waiter_call_acknowledged')).toMatchObject({ staffId: null, payload: { staffId: null, staffName: null, throughSeq: seq } });
    phone.close();

    // the same key is the same answer, and a second waiter's tap (already seen to) tells no one anything
    const replay = await acknowledge('t-a1', seq, { key });
    expect([replay.status, replay.body, replay.headers.get('idempotent-replayed')]).toEqual([200, { acknowledged: 1 }, 'true']);
    expect((await acknowledge('t-a1', seq)).body).toEqual({ acknowledged: 0 });
    const db = hub.openDb();
    try {
      expect(db.prepare("SELECT count(*) FROM events WHERE type = 'table.waiter_call_acknowledged' AND json_extract(payload, '$.table.id') = 't-a1'").pluck().get()).toBe(1);
    } finally {
      db.close();
    }
    for (const t of tablets) t.close();
  });

  it("clears only the calls up to the one the waiter saw: a later call (an acknowledgement late from a tablet's outbox) stays open", async () => {
    await callFrom('t-a2');
    const first = await onlyCall('t-a2');
    await callFrom('t-a2', { note: 'still waiting' });
    const later = (await openCalls('t-a2')).map(([s]) => s);
    expect(later).toHaveLength(2);
    expect((await acknowledge('t-a2', first)).body).toEqual({ acknowledged: 1 });
    expect(await openCalls('t-a2')).toEqual([[later[1], null, 'still waiting']]);
    // a seq past the log's head clears what is open now, never a call made afterwards
    expect((await acknowledge('t-a2', 2 ** 40)).body).toEqual({ acknowledged: 1 });
    await callFrom('t-a2', { note: 'after' });
    expect((await openCalls('t-a2')).map(([, , note]) => note)).toEqual(['after']);
  });

  it('rings again when the guests call within 30 s of a call a waiter has already acknowledged (it is a new call, not the same one)', async () => {
    const tablet = await connectStream(hub, (await signIn(hub)).device, { lastSeq: await head(), topics: ['floor'] });
    const first = await callFrom('t-a3');
    const seq = await onlyCall('t-a3');
    expect((await acknowledge('t-a3', seq)).body).toEqual({ acknowledged: 1 });
    const again = await callFrom('t-a3');
    expect(again.status).toBe(201);
    expect(await openCalls('t-a3')).toHaveLength(1);
    // and repeated at once, that new call is the one already made
    expect((await callFrom('t-a3')).body.at).toBe(again.body.at);
    expect(again.body.at).toBeGreaterThanOrEqual(first.body.at);
    await tablet.waitFor(() => tablet.events().filter((e) => e.type === 'table.waiter_called' && e.payload.table.id === 't-a3').length === 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(tablet.events().filter((e) => e.type === 'table.waiter_called').length).toBe(2);
    expect(await openCalls('t-a3')).toHaveLength(1);
    tablet.close();
  });

  it("answers with the call's seq (the page matches acknowledgements by it): a repeat and a replay give the first call's", async () => {
    const key = randomUUID();
    const first = await hub.request('POST', '/api/v1/qr/waiter-call', { token: phones['t-a4'], body: { note: 'seq' }, key });
    expect(first.status).toBe(201);
    const db = hub.openDb();
    let logged: { seq: number; at: number }[];
    try {
      logged = db.prepare("SELECT seq, at FROM events WHERE type = 'table.waiter_called' AND json_extract(payload, '$.table.id') = 't-a4'").all() as typeof logged;
    } finally {
      db.close();
    }
    expect(logged).toHaveLength(1);
    expect(first.body).toEqual({ called: true, at: logged[0]!.at, seq: logged[0]!.seq });
    expect(await onlyCall('t-a4')).toBe(first.body.seq);

    const repeat = await callFrom('t-a4', { note: 'seq' });
    expect([repeat.status, repeat.body]).toEqual([201, first.body]);
    const replay = await hub.request('POST', '/api/v1/qr/waiter-call', { token: phones['t-a4'], body: { note: 'seq' }, key });
    expect([replay.status, replay.body, replay.headers.get('idempotent-replayed')]).toEqual([201, first.body, 'true']);

    // once acknowledged, the same words are a new call, with its own seq
    await acknowledge('t-a4', first.body.seq);
    const anew = await callFrom('t-a4', { note: 'seq' });
    expect(anew.body.seq).toBe(await onlyCall('t-a4'));
    expect(anew.body.seq).toBeGreaterThan(first.body.seq);
  });

  it('a bill call: acknowledging it clears the call, and the table stays "bill requested" until the bill is paid', async () => {
    const order = await hub.request('POST', '/api/v1/orders', { token: phones['t-a5'], body: { channel: 'qr', lines: [{ itemId: 'xiaolongbao', qty: 1 }] } });
    expect(order.status).toBe(201);
    expect((await callFrom('t-a5', { reason: 'bill' })).status).toBe(201);
    const seq = await onlyCall('t-a5');
    expect(await openCalls('t-a5')).toEqual([[seq, 'bill', null]]);
    await acknowledge('t-a5', seq);
    expect(await openCalls('t-a5')).toEqual([]);
    const floor = await hub.request('GET', '/api/v1/floor', { token: waiter });
    expect(floor.body.tables.find((t: { id: string }) => t.id === 't-a5').status).toBe('bill-requested');
  });

  it('is acknowledged by staff who serve tables only, with a key, on a table that exists', async () => {
    await callFrom('t-a6');
    const seq = await onlyCall('t-a6');
    const kitchen = (await signIn(hub, PINS.kitchen)).staff;
    const device = (await signIn(hub)).device;
    expect((await acknowledge('t-a6', seq, { token: kitchen })).status).toBe(403);
    expect((await acknowledge('t-a6', seq, { token: device })).status).toBe(403);
    expect((await acknowledge('t-a6', seq, { token: phones['t-a6'] })).status).toBe(403);
    expect((await hub.request('POST', '/api/v1/tables/t-a6/waiter-calls/acknowledge', { body: { throughSeq: seq } })).status).toBe(401);
    expect((await hub.request('POST', '/api/v1/tables/t-a6/waiter-calls/acknowledge', { token: waiter, body: { throughSeq: seq }, key: null })).status).toBe(400);
    expect((await hub.request('POST', '/api/v1/tables/t-a6/waiter-calls/acknowledge', { token: waiter, body: { throughSeq: 'all' } })).status).toBe(400);
    expect((await hub.request('POST', '/api/v1/tables/t-a6/waiter-calls/acknowledge', { token: waiter, body: {} })).status).toBe(400);
    expect((await acknowledge('t-nowhere', seq)).status).toBe(404);
    expect(await openCalls('t-a6')).toEqual([[seq, null, null]]);
    // a cashier or a manager may
    const cashier = (await signIn(hub, PINS.cashier)).staff;
    expect((await acknowledge('t-a6', seq, { token: cashier })).body).toEqual({ acknowledged: 1 });
  });

  it('is still open after the hub restarts (derived from the log, not kept in memory)', async () => {
    await callFrom('t-a7', { note: 'before the restart' });
    await callFrom('t-a8');
    const acked = await onlyCall('t-a8');
    await acknowledge('t-a8', acked);
    const before = await openCalls('t-a7');
    await hub.stop();
    hub = await startHub({ dataDir: hub.dataDir });
    waiter = (await signIn(hub, PINS.waiter)).staff;
    expect(await openCalls('t-a7')).toEqual(before);
    expect(await openCalls('t-a8')).toEqual([]);
  });
});

describe('opening a table the guests have already ordered at by phone', () => {
  it("takes the waiter's opening beside the phone's order, with the guest count picked", async () => {
    const phone = await hub.request('POST', '/api/v1/orders', { token: phones['t-a9'], body: { channel: 'qr', lines: [{ itemId: 'xiaolongbao', qty: 1 }] } });
    expect(phone.status).toBe(201);
    const opened = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId: 't-a9', guestCount: 3, lines: [] } });
    expect(opened.status).toBe(201);
    expect(opened.body.order.guestCount).toBe(3);
    const floor = await hub.request('GET', '/api/v1/floor', { token: waiter });
    expect(floor.body.tables.find((t: { id: string }) => t.id === 't-a9').openOrderIds).toEqual([phone.body.order.id, opened.body.order.id]);
  });
});
