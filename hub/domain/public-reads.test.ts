import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Order, PlaceOrder } from '../protocol/orders.ts';
import type { Principal } from './principal.ts';
import { eventForPublic, orderForPublic, streamTopicsFor, TABLE_DONE_VISIBLE_MS, visibleToTable } from './public-reads.ts';
import { cashier, kiosk, manager, NOON, openDemoStore, outcomeOf, posDevice, table, waiter, type DemoStore } from './test-support.ts';

let s: DemoStore;
beforeEach(() => {
  s = openDemoStore();
});
afterEach(() => {
  s.db.close();
});

const MIN = 60_000;
const place = (principal: Principal, input: PlaceOrder, now = NOON): Order => s.place(principal, input, now);
const atTable = (tableId: string, now = NOON) => place(waiter, { channel: 'pos', tableId, lines: [{ itemId: 'steamed-rice', qty: 1 }] }, now);
const payByCard = (o: Order, reference: string, now: number) =>
  s.run(() => s.service.pay(o.id, { tender: 'card', amountMinor: o.dueMinor, reference }, s.ctx(cashier, now))).order;

describe("a table's phone reads", () => {
  it("its open orders whatever their age, done ones for TABLE_DONE_VISIBLE_MS after their last change, never another table's", () => {
    const open = atTable('t-a4', NOON - 5 * 3600_000);
    const paid = payByCard(atTable('t-a4'), 'AUTH-1', NOON + MIN);
    const other = atTable('t-a5');
    const phone = table('t-a4');
    const ids = (now: number, status?: 'open' | 'closed') => s.service.list(status ? { status } : {}, phone, now).map((o) => o.id);

    expect(ids(NOON + 2 * MIN)).toEqual([paid.id, open.id]);
    expect(ids(NOON + 2 * MIN, 'closed')).toEqual([paid.id]);
    expect(ids(NOON + 2 * MIN, 'open')).toEqual([open.id]);
    expect(s.service.get(paid.id, phone, NOON + MIN + TABLE_DONE_VISIBLE_MS).id).toBe(paid.id);
    // the next party
    const later = NOON + MIN + TABLE_DONE_VISIBLE_MS + 1;
    expect(ids(later)).toEqual([open.id]);
    expect(ids(later, 'closed')).toEqual([]);
    expect(outcomeOf(() => s.service.get(paid.id, phone, later))).toBe('not_found');
    expect(outcomeOf(() => s.service.get(other.id, phone, NOON))).toBe('not_found');
    // staff read everything, whenever
    expect(s.service.get(paid.id, waiter, later).payments[0]?.reference).toBe('AUTH-1');
  });

  it('orders without a payment reference, staff id or staff name; staff and the kiosk that placed one see them', () => {
    const o = atTable('t-a4');
    const paid = payByCard(o, 'AUTH-2', NOON + MIN);
    const seen = s.service.get(paid.id, table('t-a4'), NOON + 2 * MIN);
    expect(seen).toMatchObject({ staffId: null, staffName: null, totalMinor: paid.totalMinor, paidMinor: paid.paidMinor });
    expect(seen.lines.map((l) => l.addedByStaffId)).toEqual([null]);
    expect(seen.payments).toEqual([{ ...paid.payments[0], reference: null, staffId: null }]);
    expect(s.service.get(paid.id, waiter, NOON + 2 * MIN).payments[0]).toMatchObject({ reference: 'AUTH-2', staffId: 's-cashier' });
    expect(orderForPublic(paid)).toEqual(seen);
  });

  it("orders' refunds without their refund reference, the manager's staff id or the reason they typed; amounts kept", () => {
    const paid = payByCard(atTable('t-a4'), 'AUTH-4', NOON + MIN);
    const input = { paymentId: paid.payments[0]!.id, amountMinor: 100, reason: 'cold rice', reference: 'RFND-4' };
    const { refund } = s.run(() => s.service.refund(paid.id, input, s.ctx(manager, NOON + 2 * MIN)));
    const seen = s.service.get(paid.id, table('t-a4'), NOON + 3 * MIN);
    expect(seen.refunds).toEqual([{ ...refund, reference: null, staffId: null, reason: '' }]);
    expect(seen.paidMinor).toBe(paid.paidMinor - 100);
    expect(JSON.stringify(s.service.list({}, table('t-a4'), NOON + 3 * MIN))).not.toMatch(/RFND-4|s-manager/);
    expect(s.service.get(paid.id, waiter, NOON + 3 * MIN).refunds?.[0]).toMatchObject({ reference: 'RFND-4', staffId: 's-manager' });
    // the event phones hear, as the stream clears it
    const event = s.events.find((e) => e.type === 'order.refunded')!;
    expect(JSON.stringify(eventForPublic({ staffId: 's-manager', payload: event.payload }))).not.toMatch(/RFND-4|s-manager/);
    expect(eventForPublic(event.payload)).toMatchObject({ refund: { amountMinor: 100, reason: '', reference: null, staffId: null } });
  });
});

describe('the public channel', () => {
  it('hears events without staff ids, names or payment references, wherever they sit', () => {
    const event = {
      seq: 3,
      type: 'order.payment_taken',
      deviceId: 'dev-1',
      staffId: 's-cashier',
      payload: { order: { id: 'o1', staffName: 'Li' }, payment: { id: 'p1', reference: 'AUTH-3', staffId: 's-cashier', amountMinor: 100 }, lines: [{ id: 'l1', addedByStaffId: 's-waiter' }] },
    };
    expect(eventForPublic(event)).toEqual({
      seq: 3,
      type: 'order.payment_taken',
      deviceId: 'dev-1',
      staffId: null,
      payload: { order: { id: 'o1', staffName: null }, payment: { id: 'p1', reference: null, staffId: null, amountMinor: 100 }, lines: [{ id: 'l1', addedByStaffId: null }] },
    });
  });

  it('may subscribe: a phone to its table, the menu and pacing; a kiosk to the menu and pacing; staff screens to anything', () => {
    expect(streamTopicsFor(table('t-a4'))).toEqual(['table:t-a4', 'menu', 'kitchen']);
    expect(streamTopicsFor(kiosk)).toEqual(['menu', 'kitchen']);
    expect(streamTopicsFor(posDevice)).toBeNull();
    expect(streamTopicsFor(waiter)).toBeNull();
  });

  it('a kiosk places pickup orders only: no table', () => {
    expect(outcomeOf(() => place(kiosk, { channel: 'kiosk', tableId: 't-a4', lines: [{ itemId: 'steamed-rice', qty: 1 }] }))).toBe('forbidden');
    expect(place(kiosk, { channel: 'kiosk', lines: [{ itemId: 'steamed-rice', qty: 1 }] }).tableId).toBeNull();
  });

  it('visibleToTable: open at any age, done within the window, the table named', () => {
    const base = { tableId: 't-a4', createdAt: NOON, updatedAt: NOON };
    expect(visibleToTable({ ...base, status: 'fired' }, 't-a4', NOON + 48 * 3600_000)).toBe(true);
    expect(visibleToTable({ ...base, status: 'voided' }, 't-a4', NOON + TABLE_DONE_VISIBLE_MS)).toBe(true);
    expect(visibleToTable({ ...base, status: 'merged' }, 't-a4', NOON + TABLE_DONE_VISIBLE_MS + 1)).toBe(false);
    expect(visibleToTable({ ...base, status: 'fired' }, 't-a5', NOON)).toBe(false);
  });
});
