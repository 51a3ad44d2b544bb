/**
 * The waiter tablet's floor, in Node, with a stand-in hub: waiter calls that every tablet clears once one
 * waiter has seen to them (and that a reloaded tablet shows again), and opening a table the guests have
 * already ordered at by phone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Floor, HubEvent, Menu, OpenWaiterCall, Order } from '../../hub/protocol/index.ts';
import { orderLine } from '../../hub/print/order-fixtures.ts';
import { menuItem } from '../shared/menu-fixtures.ts';
import { HubError, HubUnreachableError } from '../shared/hub-client.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { PosApp } from './pos-app.ts';

let pos: PosApp | null = null;
afterEach(() => pos?.stop());

const menu: Menu = { version: 1, currency: 'CNY', stations: [], categories: [], optionGroups: [], items: [menuItem({ id: 'mapo-tofu' })] };

const order = (o: Partial<Order> = {}): Order => ({
  id: 'o-1', number: 7, businessDate: '2024-01-01', channel: 'pos', tableId: 't-a1', guestCount: 2, note: null, status: 'fired',
  lines: [orderLine('l-1', { addedAt: 0, firedAt: 0, seat: null, addedByStaffId: null })], payments: [], subtotalMinor: 2800,
  discountMinor: 0, discountGrantedMinor: 0, discountReason: null, totalMinor: 2800, paidMinor: 0, dueMinor: 2800, revision: 1,
  createdAt: 0, updatedAt: 0, closedAt: null, quotedReadyAt: null, rush: false, deviceId: null, staffId: null, staffName: null,
  mergedIntoOrderId: null, billRequestedAt: null, ...o,
});

const call = (seq: number, tableId: string, o: Partial<OpenWaiterCall> = {}): OpenWaiterCall => ({ seq, at: seq * 1000, table: { id: tableId, name: tableId.slice(2).toUpperCase() }, note: null, ...o });
const tables: Floor['tables'] = [
  { id: 't-a1', name: 'A1', areaId: 'a', seats: 4, status: 'free', openOrderIds: [] },
  { id: 't-a2', name: 'A2', areaId: 'a', seats: 4, status: 'free', openOrderIds: [] },
];

interface Sent {
  method: string;
  path: string;
  body: unknown;
  key: string | undefined;
}

/** A signed-in tablet on the floor; `hub.floor` is what GET /floor answers, `hub.sent` the mutations it was sent directly. */
async function tablet(o: { orders?: Record<string, Order>; unreachable?: boolean } = {}) {
  const app = (pos = new PosApp({ storage: new MemoryOutboxStorage() }));
  app.session.device.set({ token: 'dev_test', deviceId: 'd-1', name: 'test-pos', kind: 'pos' });
  app.session.staff.set({ token: 'staff_test', staff: { id: 's-1', name: '王芳', role: 'waiter' } as never, expiresAt: Date.now() + 3600_000 });
  const hub = { floor: { areas: [], tables, waiterCalls: [] as OpenWaiterCall[], seq: 0 } as Floor, sent: [] as Sent[] };
  app.client.request = (async (method: string, path: string, ro: { body?: unknown; key?: string } = {}) => {
    if (o.unreachable) throw new HubUnreachableError('no hub in this test');
    if (method === 'GET' && path === '/api/v1/floor') return structuredClone(hub.floor);
    const found = /^\/api\/v1\/orders\/([^/]+)$/.exec(path);
    if (method === 'GET' && found) {
      const got = o.orders?.[decodeURIComponent(found[1]!)];
      if (!got) throw new HubError(404, 'not_found', 'no such order');
      return { order: got };
    }
    if (method === 'POST' && path.endsWith('/waiter-calls/acknowledge')) {
      hub.sent.push({ method, path, body: ro.body, key: ro.key });
      return { acknowledged: 1 };
    }
    // the outbox's sends: never answered here, so its entries stay queued
    throw new HubUnreachableError('no hub in this test');
  }) as typeof app.client.request;
  await app.outbox.load();
  app.state.set({ ...app.state.get(), phase: 'ready', menu, screen: 'floor', tableId: null, orderId: null, order: null, floor: structuredClone(hub.floor) });
  const events = (list: HubEvent[]) => (app as unknown as { onEvents(e: HubEvent[]): void }).onEvents(list);
  const loadFloor = async () => {
    app.refreshFloor();
    await vi.waitFor(() => expect(app.state.get().floor).toEqual(hub.floor));
  };
  const of = (kind: string) => app.state.get().submissions.filter((s) => s.meta.action.kind === kind);
  return { app, hub, events, loadFloor, of };
}

const called = (seq: number, tableId: string, o: { note?: string; reason?: 'bill' } = {}): HubEvent =>
  ({ seq, type: 'table.waiter_called', at: seq * 1000, deviceId: null, staffId: null, payload: { table: { id: tableId, name: 'X' }, note: o.note ?? null, ...(o.reason ? { reason: o.reason } : {}) } }) as HubEvent;
const acknowledged = (seq: number, tableId: string, throughSeq: number): HubEvent =>
  ({ seq, type: 'table.waiter_call_acknowledged', at: seq * 1000, deviceId: 'd-2', staffId: 's-2', payload: { table: { id: tableId, name: 'X' }, throughSeq, calls: 1, staffId: 's-2', staffName: '李雷' } }) as HubEvent;

describe('waiter calls on a tablet', () => {
  it("shows the calls still open when it loads the floor (a reload lost them: they lived in this tablet's memory only)", async () => {
    const { app, hub, loadFloor } = await tablet();
    hub.floor = { ...hub.floor, waiterCalls: [call(3, 't-a1', { note: '加水' }), call(5, 't-a2', { reason: 'bill' }), call(7, 't-a1')], seq: 9 };
    await loadFloor();
    expect(app.state.get().calls).toEqual({ 't-a1': { seq: 7, at: 7000, note: null }, 't-a2': { seq: 5, at: 5000, note: null, reason: 'bill' } });
  });

  it('clears a call when another tablet acknowledges it, and a floor read before that does not bring it back', async () => {
    const { app, hub, events, loadFloor } = await tablet();
    events([called(3, 't-a1'), called(4, 't-a2')]);
    expect(Object.keys(app.state.get().calls)).toEqual(['t-a1', 't-a2']);
    events([acknowledged(6, 't-a1', 3)]);
    expect(Object.keys(app.state.get().calls)).toEqual(['t-a2']);
    // the hub's answer was read before the acknowledgement (seq 5): it still lists the call
    hub.floor = { ...hub.floor, waiterCalls: [call(3, 't-a1'), call(4, 't-a2')], seq: 5 };
    await loadFloor();
    expect(Object.keys(app.state.get().calls)).toEqual(['t-a2']);
  });

  it('keeps a call heard on the stream after the floor it loads was read, and one made after an acknowledgement', async () => {
    const { app, hub, events, loadFloor } = await tablet();
    events([called(3, 't-a1'), acknowledged(4, 't-a1', 3), called(8, 't-a1', { note: 'again' })]);
    hub.floor = { ...hub.floor, waiterCalls: [], seq: 6 };
    await loadFloor();
    expect(app.state.get().calls).toEqual({ 't-a1': { seq: 8, at: 8000, note: 'again' } });
    // a floor read after a stream reset is the truth for everything up to its seq
    hub.floor = { ...hub.floor, waiterCalls: [], seq: 8 };
    await loadFloor();
    expect(app.state.get().calls).toEqual({});
  });

  it('tells the hub when the waiter opens the called table (every tablet clears it), naming the newest call it shows', async () => {
    const { app, hub, events } = await tablet();
    events([called(3, 't-a1'), called(5, 't-a1', { reason: 'bill' })]);
    expect(await app.openTable('t-a1', 2)).toBe(true);
    expect(app.state.get().calls).toEqual({});
    await vi.waitFor(() => expect(hub.sent).toHaveLength(1));
    expect(hub.sent[0]).toMatchObject({ method: 'POST', path: '/api/v1/tables/t-a1/waiter-calls/acknowledge', body: { throughSeq: 5 } });
    expect(hub.sent[0]!.key).toMatch(/^[\x21-\x7e]{8,}$/);
    // a table without a call: nothing to tell
    app.goFloor();
    expect(await app.openTable('t-a2', 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(hub.sent).toHaveLength(1);
  });
});

describe('opening a table the guests have already ordered at by phone', () => {
  const phoneOrder = order({ id: 'o-phone', channel: 'qr', tableId: 't-a1', guestCount: null });

  it("opens the waiter's order with the guest count picked (the floor had drawn the table free; the phone's order came meanwhile)", async () => {
    const { app, of } = await tablet({ orders: { 'o-phone': phoneOrder } });
    // the sheet was opened on a free table; the floor has since shown the guests' phone order
    app.state.set({ ...app.state.get(), floor: { areas: [], tables: [{ ...tables[0]!, status: 'in-kitchen', openOrderIds: ['o-phone'] }] } });
    expect(await app.openTable('t-a1', 4)).toBe(true);
    const [opening] = of('open');
    expect(opening?.body).toMatchObject({ channel: 'pos', tableId: 't-a1', guestCount: 4, lines: [] });
    const orderId = app.state.get().orderId!;
    expect(orderId).not.toBe('o-phone');
    expect(app.guestsFor(orderId)).toBe(4);
  });

  it("still goes to the order a waiter opened there (a second one would split the bill), and to the table's order when the hub cannot say", async () => {
    const waiterOrder = order({ id: 'o-waiter', tableId: 't-a1' });
    for (const o of [{ orders: { 'o-phone': phoneOrder, 'o-waiter': waiterOrder } }, { unreachable: true }]) {
      const { app, of } = await tablet(o);
      app.state.set({ ...app.state.get(), floor: { areas: [], tables: [{ ...tables[0]!, status: 'in-kitchen', openOrderIds: ['o-phone', 'o-waiter'] }] } });
      expect(await app.openTable('t-a1', 4)).toBe(false);
      expect(of('open')).toHaveLength(0);
      expect(app.state.get()).toMatchObject({ screen: 'order', tableId: 't-a1', orderId: 'o-phone' });
      pos?.stop();
    }
  });
});
