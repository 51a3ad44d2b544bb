/** Orders, lines and events built by hand for the board's tests, in the shapes hub/protocol/events.ts gives. */
import type { HubEvent, Order, OrderLine } from '../../hub/protocol/index.ts';

export const T0 = Date.UTC(2025, 0, 1, 4, 0, 0);

// one counter for line ids, order ids and numbers, and event seqs: each is unique within a test file
let seq = 0;

export const line = (over: Partial<OrderLine> = {}): OrderLine => ({
  id: `l${++seq}`, itemId: 'mapo', nameZh: 'm', nameEn: 'm', stationId: 'hot', qty: 1, unitPriceMinor: 1000, lineTotalMinor: 1000,
  options: [], note: null, course: 1, status: 'fired', voidReason: null, addedAt: T0, firedAt: T0, readyAt: null, servedAt: null,
  addedByStaffId: null, ...over,
});

export const order = (lines: OrderLine[], over: Partial<Order> = {}): Order => ({
  id: `o${++seq}`, number: seq, businessDate: '2025-01-01', channel: 'pos', tableId: 't', guestCount: null, note: null, status: 'fired',
  lines, payments: [], subtotalMinor: 0, discountMinor: 0, discountReason: null, totalMinor: 0, paidMinor: 0, dueMinor: 0, revision: 1,
  createdAt: T0, updatedAt: T0, closedAt: null, quotedReadyAt: null, rush: false, deviceId: null, staffId: null, staffName: null, ...over,
});

/** An event of `type` with the next seq. */
export const ev = (type: HubEvent['type'], payload: unknown, at = T0): HubEvent =>
  ({ seq: ++seq, type, at, deviceId: null, staffId: null, payload }) as HubEvent;
