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
  if (openOrders.some((o) => o.billRequested)) return 'bill-requested';
  if (openOrders.some((o) => o.cooking > 0)) return 'in-kitchen';
  if (openOrders.some((o) => o.held > 0)) return 'ordered';
  // nothing held, cooking or at the pass: every order with food has had it served
  if (openOrders.every((o) => o.live > 0)) return 'served';
  return 'seated';
}
