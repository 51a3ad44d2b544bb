/**
 * What the staff typed for the staff (why a dish was voided, the bill discounted, refunded or reopened; a
 * note a waiter wrote on an order or a line) is not for the table's phones: they see that a dish was voided
 * or the bill discounted, and the amounts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Order } from '../protocol/orders.ts';
import { eventForPublic, orderForPublic } from './public-reads.ts';
import { manager, NOON, openDemoStore, table, waiter, type DemoStore } from './test-support.ts';

let s: DemoStore;
beforeEach(() => {
  s = openDemoStore();
});
afterEach(() => {
  s.db.close();
});

const MIN = 60_000;
const STAFF_TEXT = /guest was rude|owner's friend|refund: cold|reopened: wrong card|VIP regular|birthday candle/;

/** A waiter's order at A4 with notes of the waiter's, a line the phone added with the guest's note, then a void, a discount, payment, refund and reopen. */
function orderWithStaffText(): Order {
  const placed = s.place(waiter, {
    channel: 'pos',
    tableId: 't-a4',
    note: 'VIP regular',
    lines: [
      { itemId: 'steamed-rice', qty: 1, note: 'birthday candle' },
      { itemId: 'steamed-rice', qty: 2 },
    ],
  });
  const added = s.run(() => s.service.addLines(placed.id, { lines: [{ itemId: 'steamed-rice', qty: 1, note: 'no spring onion' }] }, s.ctx(table('t-a4'), NOON + MIN)));
  const voided = s.run(() => s.service.voidLine(added.id, placed.lines[1]!.id, 'guest was rude', s.ctx(manager, NOON + 2 * MIN)));
  const discounted = s.run(() => s.service.discount(voided.id, { amountMinor: 100, reason: "owner's friend" }, s.ctx(manager, NOON + 3 * MIN)));
  const { order: paid } = s.run(() => s.service.pay(discounted.id, { tender: 'cash', amountMinor: discounted.dueMinor }, s.ctx(manager, NOON + 4 * MIN)));
  s.run(() => s.service.refund(paid.id, { paymentId: paid.payments[0]!.id, amountMinor: 50, reason: 'refund: cold' }, s.ctx(manager, NOON + 5 * MIN)));
  return s.run(() => s.service.reopen(paid.id, 'reopened: wrong card', s.ctx(manager, NOON + 6 * MIN)));
}

describe("a table's phone, of what the staff typed", () => {
  it('reads no void or discount reason, no refund reason and no note a waiter wrote; voids, discount, amounts and its own note stay', () => {
    const order = orderWithStaffText();
    const staffView = s.service.get(order.id, waiter, NOON + 7 * MIN);
    expect(JSON.stringify(staffView)).toMatch(/guest was rude/);
    const seen = s.service.get(order.id, table('t-a4'), NOON + 7 * MIN);
    expect(JSON.stringify(seen)).not.toMatch(STAFF_TEXT);
    expect(JSON.stringify(s.service.list({}, table('t-a4'), NOON + 7 * MIN))).not.toMatch(STAFF_TEXT);
    expect(seen.lines.map((l) => ({ status: l.status, voidReason: l.voidReason, note: l.note }))).toEqual([
      { status: staffView.lines[0]!.status, voidReason: null, note: null },
      { status: 'voided', voidReason: null, note: null },
      { status: staffView.lines[2]!.status, voidReason: null, note: 'no spring onion' },
    ]);
    expect(seen).toMatchObject({
      note: null,
      discountReason: null,
      discountMinor: staffView.discountMinor,
      totalMinor: staffView.totalMinor,
      paidMinor: staffView.paidMinor,
      dueMinor: staffView.dueMinor,
    });
    expect(seen.refunds).toEqual([{ ...staffView.refunds![0]!, reason: '', reference: null, staffId: null }]);
    expect(orderForPublic(staffView)).toEqual(seen);
  });

  it("hears none of it on the stream: events cleared of the staff's reasons and notes, the guest's own note and the kitchen's pause reason kept", () => {
    orderWithStaffText();
    s.run(() => s.kitchen.setPacing({ publicOrderingPaused: true, reason: 'back at 7' }, s.ctx(manager, NOON + 8 * MIN)));
    const heard = s.events.map((e, i) => eventForPublic({ seq: i + 1, type: e.type, at: NOON, deviceId: null, staffId: 's-manager', payload: e.payload }));
    const text = JSON.stringify(heard);
    expect(JSON.stringify(s.events)).toMatch(/guest was rude/);
    expect(text).not.toMatch(STAFF_TEXT);
    expect(text).toContain('no spring onion');
    const byType = (type: string) => heard.find((e) => e.type === type)!.payload as Record<string, unknown>;
    expect(byType('order.discounted')).toMatchObject({ reason: '' });
    expect(byType('order.reopened')).toMatchObject({ reason: '' });
    expect(byType('order.line_voided')).toMatchObject({ line: { status: 'voided', voidReason: null } });
    expect(byType('order.refunded')).toMatchObject({ refund: { amountMinor: 50, reason: '' } });
    expect(byType('kitchen.pacing_changed')).toMatchObject({ reason: 'back at 7' });
  });

  it('hears no reason for a whole order voided', () => {
    const o = s.place(waiter, { channel: 'pos', tableId: 't-a4', lines: [{ itemId: 'steamed-rice', qty: 1 }] });
    s.run(() => s.service.voidOrder(o.id, 'guest was rude', s.ctx(manager, NOON + MIN)));
    const e = s.events.find((x) => x.type === 'order.voided')!;
    expect(eventForPublic({ seq: 1, type: e.type, staffId: 's-manager', payload: e.payload })).toMatchObject({ payload: { reason: '' } });
    expect(JSON.stringify(s.service.get(o.id, table('t-a4'), NOON + 2 * MIN))).not.toMatch(STAFF_TEXT);
  });
});
