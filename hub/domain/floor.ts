import type { TableStatus } from '../protocol/floor.ts';

/** What the floor needs of one open order: how many of its lines are where (voided lines not counted). */
export interface OpenOrderLines {
  /** Lines not voided. */
  live: number;
  /** Waiting for a waiter to fire them. */
  held: number;
  /** Fired or being prepared. */
  cooking: number;
  /** Bumped ready: at the pass. */
  ready: number;
  billRequested?: boolean;
  /** Something paid and nothing due: its guests wait for no bill (a course still held keeps it open). */
  paidInFull?: boolean;
}

/**
 * A table's status, derived from its open orders' lines (never stored, so it cannot drift):
 * free → seated (opened, nothing ordered) → ordered → in-kitchen → food-ready → served → bill-requested.
 * The most urgent state wins: food waiting at the pass matters more than a bill (it gets cold; the guests
 * waiting to pay can see a waiter coming), and both more than food still cooking. By the lines, not the
 * orders' status: an order with one dish at the pass and another cooking, or a later course held, is
 * "preparing", and the dish at the pass would not show.
 */
export function tableStatus(openOrders: readonly OpenOrderLines[]): TableStatus {
  if (openOrders.length === 0) return 'free';
  if (openOrders.some((o) => o.ready > 0)) return 'food-ready';
  if (openOrders.some(waitsForBill)) return 'bill-requested';
  if (openOrders.some((o) => o.cooking > 0)) return 'in-kitchen';
  if (openOrders.some((o) => o.held > 0)) return 'ordered';
  // nothing held, cooking or at the pass: any food there is has been served. An empty order beside it does not
  // make the table "seated": the host's opening order stays empty when the guests order on their phones
  if (openOrders.some((o) => o.live > 0)) return 'served';
  return 'seated';
}

/**
 * A bill request someone still waits on. Not on a bill paid in full (it stays open while a course is held: the
 * waiter would come with the card terminal to guests who have paid), nor on an order with no food: a phone's
 * "bill please" marks every open order of its table, the host's empty opening order too, which has no bill and
 * stays open once the phones' orders are paid.
 */
const waitsForBill = (o: OpenOrderLines): boolean => o.billRequested === true && !o.paidInFull && o.live > 0;
