/** Order fixtures for the print tests (tickets, receipts): pure data, no I/O. */
import type { OrderLine } from '../protocol/orders.ts';

/** 2024-05-01 12:34 in Asia/Shanghai. */
export const AT = Date.UTC(2024, 4, 1, 4, 34);

/** A fired 麻婆豆腐 at 28.00, added by a waiter at `AT`. */
export function orderLine(id: string, over: Partial<OrderLine> = {}): OrderLine {
  return {
    id,
    itemId: 'mapo-tofu',
    nameZh: '麻婆豆腐',
    nameEn: 'Mapo Tofu',
    stationId: 'hot',
    qty: 1,
    unitPriceMinor: 2800,
    lineTotalMinor: 2800,
    options: [],
    note: null,
    course: 1,
    status: 'fired',
    voidReason: null,
    addedAt: AT,
    firedAt: AT,
    readyAt: null,
    servedAt: null,
    addedByStaffId: 's-waiter',
    ...over,
  };
}
