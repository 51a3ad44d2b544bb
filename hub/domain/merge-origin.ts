import type { Order, OrderLine } from '../protocol/orders.ts';

/**
 * Where a line of `source` comes from once a merge moves it: the order it was fired on, whose number and
 * table its kitchen ticket carried (`OrderLine.mergedFrom`). A line merged on again keeps its first; one still
 * held gets none: it will be fired under the order it joined, and its ticket will carry that number.
 *
 * A module of its own, importing types only: the kitchen screen marks the lines of an `order.merged` event by
 * the same rule, and must not bundle the domain's schemas.
 */
export function mergedFromOf(source: Pick<Order, 'id' | 'number' | 'tableId'>, line: OrderLine): OrderLine['mergedFrom'] {
  return line.mergedFrom ?? (line.firedAt !== null ? { orderId: source.id, number: source.number, tableId: source.tableId } : null);
}
