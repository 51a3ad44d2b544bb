/** Order fixtures for the print tests (tickets, receipts) and the tablet's bill tests: pure data, no I/O. */
import type { Order, OrderLine } from '../protocol/orders.ts';

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

/** Order o-1, number 7 at table A1, fired, with no lines, payments or totals: callers add theirs and `settle` it. */
export function blankOrder(over: Partial<Order> = {}): Order {
  return {
    id: 'o-1',
    number: 7,
    businessDate: '2024-05-01',
    channel: 'pos',
    tableId: 't-a1',
    guestCount: 2,
    note: null,
    status: 'fired',
    lines: [],
    payments: [],
    refunds: [],
    subtotalMinor: 0,
    discountMinor: 0,
    discountReason: null,
    totalMinor: 0,
    paidMinor: 0,
    dueMinor: 0,
    revision: 1,
    createdAt: 0,
    updatedAt: 0,
    closedAt: null,
    quotedReadyAt: null,
    rush: false,
    deviceId: null,
    staffId: null,
    staffName: null,
    mergedIntoOrderId: null,
    billRequestedAt: null,
    ...over,
  };
}
