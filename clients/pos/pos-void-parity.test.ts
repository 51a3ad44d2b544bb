/**
 * The tablet's copy of the hub's bill arithmetic, pinned to the hub's. `voidBlocked` (pos-logic.ts) decides
 * whether the tablet offers a void by the total the bill would have without the line; the hub decides it in
 * `voidLine` with `settle()` (hub/domain/order.ts). `settle` is not in a browser-safe module the tablet may
 * import (hub/domain/bill.ts has no total), so the tablet keeps `billTotalMinor`: these orders hold both to
 * the same answers, so a change to the hub's discount rule fails here, not on a cashier's screen.
 */
import { describe, expect, it } from 'vitest';
import { pay, settle, voidLine } from '../../hub/domain/order.ts';
import { blankOrder, orderLine } from '../../hub/print/order-fixtures.ts';
import type { Order, OrderLine, Payment, Refund } from '../../hub/protocol/index.ts';
import { billAfterQueued, billTotalMinor, nextShare, voidBlocked, withQueued } from './pos-logic.ts';

/** A fired dish at `totalMinor`, as the print tests' fixture (hub/print/order-fixtures.ts) makes it. */
const line = (id: string, totalMinor: number, o: Partial<OrderLine> = {}): OrderLine =>
  orderLine(id, { unitPriceMinor: totalMinor, lineTotalMinor: totalMinor, addedAt: 0, firedAt: 0, seat: null, addedByStaffId: null, ...o });

const payment = (id: string, amountMinor: number, lines: Payment['lines'] = []): Payment => ({
  id,
  tender: 'cash',
  amountMinor,
  lines,
  tenderedMinor: amountMinor,
  changeMinor: 0,
  reference: null,
  createdAt: 0,
  staffId: null,
});

const refund = (id: string, paymentId: string, amountMinor: number): Refund => ({ id, paymentId, amountMinor, lines: [], reference: null, reason: 'cold', createdAt: 0, staffId: null });

/** An open order as the hub stores it: totals from `settle` itself, never typed in by hand. */
function order(o: { lines: OrderLine[]; payments?: Payment[]; refunds?: Refund[]; discountGrantedMinor?: number; legacyDiscountMinor?: number }): Order {
  const raw = blankOrder({
    lines: o.lines,
    payments: o.payments ?? [],
    refunds: o.refunds ?? [],
    discountMinor: o.legacyDiscountMinor ?? 0,
    // an order stored before the grant was kept apart has only `discountMinor` (what applied)
    ...(o.discountGrantedMinor === undefined ? {} : { discountGrantedMinor: o.discountGrantedMinor }),
  });
  const settled = settle(raw, 0);
  if (o.legacyDiscountMinor !== undefined) delete (settled as Partial<Order>).discountGrantedMinor;
  return settled;
}

/** What the hub answers to voiding the line: refused as "refund first" (paid or overpaid), or taken. */
function hubVoid(o: Order, lineId: string): 'refused' | 'ok' {
  try {
    voidLine(o, lineId, 'test', 1);
    return 'ok';
  } catch (err) {
    expect((err as { code?: string }).code).toBe('order_has_payments');
    return 'refused';
  }
}

const cases: [string, Order][] = [
  ['no discount, part paid on the whole bill', order({ lines: [line('a', 2800), line('b', 2800)], payments: [payment('p-1', 4000)] })],
  ['no discount, paid exactly what is left after the void', order({ lines: [line('a', 2800), line('b', 2800)], payments: [payment('p-1', 2800)] })],
  ['a discount larger than what the void leaves (applies up to the subtotal)', order({ lines: [line('a', 2800), line('b', 1200)], payments: [payment('p-1', 100)], discountGrantedMinor: 3000 })],
  ['a discount, the rest part paid', order({ lines: [line('a', 2800), line('b', 2800), line('c', 800)], payments: [payment('p-1', 4500)], discountGrantedMinor: 1000 })],
  ['a legacy order (only the discount that applied)', order({ lines: [line('a', 2800), line('b', 2800)], payments: [payment('p-1', 2400)], legacyDiscountMinor: 500 })],
  ['a refund makes room for the void', order({ lines: [line('a', 2800), line('b', 2800)], payments: [payment('p-1', 5000)], refunds: [refund('r-1', 'p-1', 2200)] })],
  ['a refund short of the room needed', order({ lines: [line('a', 2800), line('b', 2800)], payments: [payment('p-1', 5000)], refunds: [refund('r-1', 'p-1', 2100)] })],
  ['a line paid by item', order({ lines: [line('a', 2800), line('b', 2800)], payments: [payment('p-1', 2800, [{ lineId: 'a', amountMinor: 2800 }])] })],
  ['nothing paid yet, a discount, an odd fen', order({ lines: [line('a', 2800), line('b', 1200), line('c', 801)], discountGrantedMinor: 500 })],
  ['a voided line beside it', order({ lines: [line('a', 2800), line('b', 2800), line('v', 900, { status: 'voided', voidReason: 'x' })], payments: [payment('p-1', 2000)], discountGrantedMinor: 900 })],
];

describe('the tablet offers a void exactly when the hub takes it', () => {
  it.each(cases)('%s', (_, o) => {
    for (const l of o.lines.filter((x) => x.status !== 'voided')) {
      const tablet = voidBlocked(o, l.id) === null ? 'ok' : 'refused';
      expect(tablet, `line ${l.id}`).toBe(hubVoid(o, l.id));
    }
  });
});

describe('billTotalMinor is settle()’s total', () => {
  it.each(cases)('%s', (_, o) => {
    expect(billTotalMinor(o)).toBe(o.totalMinor);
    // and without each line, as voidBlocked asks it
    for (const l of o.lines.filter((x) => x.status !== 'voided')) {
      const hub = settle({ ...o, lines: o.lines.map((x) => (x.id === l.id ? { ...x, status: 'voided' as const } : x)) }, 1);
      expect(billTotalMinor({ ...o, subtotalMinor: o.subtotalMinor - l.lineTotalMinor }), `without ${l.id}`).toBe(hub.totalMinor);
    }
  });
});

describe('a void on its way counts on the tablet as the hub will store it', () => {
  it('takes the share after a void where one is due (not only bills a void leaves settled)', () => {
    const [, o] = cases.find(([name]) => name.startsWith('nothing paid yet'))!;
    expect(billAfterQueued(o, [{ kind: 'void', lineId: 'c' }]).dueMinor).toBe(3500);
  });

  it.each(cases)('%s', (_, o) => {
    for (const l of o.lines.filter((x) => x.status !== 'voided')) {
      if (hubVoid(o, l.id) !== 'ok') continue;
      const hub = voidLine(o, l.id, 'test', 1).order;
      const tablet = withQueued(o, [{ kind: 'void', lineId: l.id }]);
      const money = (x: Order) => ({ subtotalMinor: x.subtotalMinor, discountMinor: x.discountMinor, totalMinor: x.totalMinor, paidMinor: x.paidMinor, dueMinor: x.dueMinor });
      expect(money(tablet), `without ${l.id}`).toEqual(money(hub));
      // the next of 2 even shares the tablet offers after the void is the one the hub takes after it
      const { dueMinor } = billAfterQueued(o, [{ kind: 'void', lineId: l.id }]);
      if (dueMinor === 0) continue;
      const share = nextShare(dueMinor, 2);
      expect(() => pay(hub, { tender: 'card', amountMinor: share, reference: 'AUTH', splitWays: 2 } as never, { id: 'p-2', now: 2, staffId: null }), `share after voiding ${l.id}`).not.toThrow();
    }
  });
});
