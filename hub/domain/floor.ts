import type { TableStatus } from '../protocol/floor.ts';
import type { OrderStatus } from '../protocol/orders.ts';

/**
 * A table's status, derived from its open orders (never stored, so it cannot drift):
 * free → seated (opened, nothing ordered) → ordered → in-kitchen → food-ready → served → bill-requested.
 * The most urgent state wins: food waiting at the pass matters more than a bill (it gets cold; the guests
 * waiting to pay can see a waiter coming), and both more than food still cooking.
 */
export function tableStatus(openOrders: readonly { status: OrderStatus; lineCount: number; billRequested?: boolean }[]): TableStatus {
  if (openOrders.length === 0) return 'free';
  const has = (s: OrderStatus) => openOrders.some((o) => o.status === s);
  if (has('ready')) return 'food-ready';
  if (openOrders.some((o) => o.billRequested)) return 'bill-requested';
  if (has('fired') || has('preparing')) return 'in-kitchen';
  if (openOrders.some((o) => o.status === 'placed' && o.lineCount > 0)) return 'ordered';
  if (openOrders.every((o) => o.status === 'served')) return 'served';
  return 'seated';
}
