/**
 * The rules that move no money never close a bill a manager reopened paid in
 * full; the rules that settle it (a payment of 0, a fired course) still do.
 */
import { describe, expect, it } from 'vitest';
import type { Order } from '../protocol/orders.ts';
import { advanceLines, fire, pay, recallLines, reopen, requestBill, transfer } from './order.ts';
import { makeLine, makeOrder, NOON } from './test-support.ts';

const LATER = NOON + 60_000;

/** A bill of a dish in the kitchen (ready) and one cooking, paid in full, closed, then reopened. */
function reopenedPaidBill(): Order {
  const order = makeOrder([makeLine({ id: 'tofu', status: 'ready' }), makeLine({ id: 'fish', status: 'fired' })]);
  const closed = pay(order, { tender: 'other', amountMinor: order.totalMinor }, { id: 'p1', now: NOON, staffId: null }).order;
  expect(closed.status).toBe('closed');
  return reopen(closed, NOON + 1).order;
}

describe('a bill reopened paid in full', () => {
  it.each<{ what: string; change: (o: Order) => Order }>([
    { what: 'the kitchen bumps a dish', change: (o) => advanceLines(o, 'ready', ['fish'], LATER).order },
    { what: 'a dish is served', change: (o) => advanceLines(o, 'served', undefined, LATER).order },
    { what: 'the kitchen recalls a dish', change: (o) => recallLines(o, ['tofu'], LATER).order },
    { what: 'its bill is requested', change: (o) => requestBill(o, true, LATER).order },
    { what: 'it moves to another table', change: (o) => transfer(o, 't-b2', LATER).order },
  ])('stays open when $what', ({ change }) => {
    const after = change(reopenedPaidBill());
    expect(after).toMatchObject({ closedAt: null, dueMinor: 0, updatedAt: LATER });
    expect(after.status).not.toBe('closed');
  });

  it('closes on a payment of 0', () => {
    const settled = pay(reopenedPaidBill(), { tender: 'other', amountMinor: 0 }, { id: 'p2', now: LATER, staffId: null }).order;
    expect(settled).toMatchObject({ status: 'closed', closedAt: LATER });
  });

  it('closes when a dish added and held is fired (free, as a dessert on the house)', () => {
    const reopened = reopenedPaidBill();
    const withDessert: Order = { ...reopened, lines: [...reopened.lines, makeLine({ id: 'dessert', unitPriceMinor: 0, course: 2 })] };
    expect(fire(withDessert, 2, LATER).order).toMatchObject({ status: 'closed', closedAt: LATER });
  });
});
