/**
 * What the public channel may read. A customer's phone (its table's QR token) and a kiosk (a paired device
 * with no PIN, standing in public) are not staff: what they are shown of an order is what a guest may see,
 * the same over HTTP (`GET /orders`, `GET /orders/:id`, answers to their own changes) and on the stream.
 */
import type { Order, OrderLine, Payment, Refund } from '../protocol/orders.ts';
import { DomainError } from './errors.ts';
import { isOpen } from './order.ts';
import { requirePaired, type Principal } from './principal.ts';

/**
 * How long a table's phone still sees an order of its table after it was closed, voided or merged away,
 * counted from the order's last change. The QR page (clients/order/order-app.ts) lists only the table's
 * open orders (on load, and after every stream reset); a done order is read only right after one of its
 * events arrives (the page refetches it ~150 ms later: "paid" once the payment closes it, the kitchen's
 * progress on food paid for before it was served, each change moving the order's last change on). Ten
 * minutes covers that and a phone that dropped off the Wi-Fi for a while around paying, and keeps the
 * next party at the table from reading an earlier party's bill; further back the stream tells the phone to
 * reload (`tableReplayReachMs`), and the reload lists open orders only.
 */
export const TABLE_DONE_VISIBLE_MS = 10 * 60_000;

/**
 * Done orders placed longer ago than this are never a phone's, however recently changed: no party sits at
 * a table for a day. (It also bounds the read to the table's recent orders: `orders_table` by time.)
 */
export const TABLE_PARTY_MAX_MS = 24 * 3600_000;

/** How far back a table's phone may replay the stream: as far as it may read done orders over HTTP. */
export const tableReplayReachMs = TABLE_DONE_VISIBLE_MS;

/** A table's phone reads its table's open orders, and those done within `TABLE_DONE_VISIBLE_MS`. */
export function visibleToTable(order: Pick<Order, 'tableId' | 'status' | 'createdAt' | 'updatedAt'>, tableId: string, now: number): boolean {
  if (order.tableId !== tableId) return false;
  if (isOpen(order)) return true;
  return order.updatedAt >= now - TABLE_DONE_VISIBLE_MS && order.createdAt >= now - TABLE_PARTY_MAX_MS;
}

/**
 * What the staff wrote for the staff: a note on an order a waiter placed or on a line a waiter added (the
 * guest's own notes stay), and a refund's reason. Why a dish was voided or the bill discounted is theirs
 * whoever added the dish. A guest sees that a dish was voided or the bill discounted, and the amounts.
 */
const byStaff = (written: { staffId?: unknown; addedByStaffId?: unknown }): boolean =>
  typeof written.staffId === 'string' || typeof written.addedByStaffId === 'string';

const publicLine = (l: OrderLine): OrderLine =>
  l.addedByStaffId === null && l.voidReason === null ? l : { ...l, addedByStaffId: null, voidReason: null, note: byStaff(l) ? null : l.note };
const publicPayment = (p: Payment): Payment => ({ ...p, reference: null, staffId: null });
// the terminal's refund reference, the manager who gave it and why: the amounts stay
const publicRefund = (r: Refund): Refund => ({ ...r, reference: null, staffId: null, reason: byStaff(r) ? '' : r.reason });

/**
 * An order as a guest sees it: no card (or other tender's) reference on its payments or refunds, no staff
 * id or staff name anywhere (who placed it, who added a line, who took a payment or gave a refund), and
 * nothing the staff typed for the staff (reasons, their notes). Tender and amounts stay: the page shows what
 * is paid and due, and which dishes were voided.
 */
export const orderForPublic = (o: Order): Order => ({
  ...o,
  staffId: null,
  staffName: null,
  note: byStaff(o) ? null : o.note,
  discountReason: null,
  lines: o.lines.map(publicLine),
  payments: o.payments.map(publicPayment),
  ...(o.refunds ? { refunds: o.refunds.map(publicRefund) } : {}),
});

/** `order` as `principal` may be shown it: staff and the kiosk that placed it see all of it; a table's phone, a guest's view. */
export const orderShownTo = (order: Order, principal: Principal): Order => (principal.kind === 'table' ? orderForPublic(order) : order);

/**
 * What an event may not tell the public channel, wherever in it it sits (an order, a line, a payment, the
 * envelope): cleared to null. `voidReason` and `discountReason` are the staff's words, not who they are.
 */
export const STAFF_ONLY_KEYS: ReadonlySet<string> = new Set(['staffId', 'staffName', 'addedByStaffId', 'reference', 'voidReason', 'discountReason']);

/** Events whose payload `reason` a manager or waiter typed (a string in the protocol: heard empty). */
const STAFF_REASON_EVENTS = new Set(['order.voided', 'order.discounted', 'order.reopened']);

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  // read before its keys are cleared: an order or line a waiter wrote, a refund a manager gave
  const staffWrote = byStaff(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (STAFF_ONLY_KEYS.has(k)) out[k] = null;
    else if (staffWrote && k === 'note') out[k] = null;
    else if (staffWrote && k === 'reason' && typeof v === 'string') out[k] = '';
    else out[k] = strip(v);
  }
  return out;
}

/**
 * An event (envelope and payload) as a guest's phone may hear it: `orderForPublic` for the orders, lines,
 * payments and refunds it carries (order.placed's whole order, added and voided lines, order.payment_taken's
 * payment, order.refunded's refund: the same rules), no staff id on the envelope, and no reason typed for
 * a void, a discount or a reopened bill. The kitchen's reason for pausing online orders is for the guests
 * (the page shows it), as is what a phone said calling the waiter. Every field it clears to null is
 * nullable in the protocol; a required string is cleared to ''.
 */
export function eventForPublic<E>(event: E): E {
  const out = strip(event) as { type?: unknown; payload?: unknown };
  const payload = out.payload as { reason?: unknown } | null | undefined;
  if (STAFF_REASON_EVENTS.has(out.type as string) && typeof payload?.reason === 'string') payload.reason = '';
  return out as E;
}

/**
 * The stream topics `principal` may hear, or null for any. A customer's phone: its own table, the menu
 * (sold out) and the kitchen's pacing. A kiosk: the menu and the pacing, which anyone may read over HTTP
 * (`GET /menu`, `GET /kitchen/pacing`); it reads its own orders by id, and an order event's topics
 * (`orders`, stations, tables) would tell it every order of the store.
 */
export function streamTopicsFor(principal: Principal): string[] | null {
  if (principal.kind === 'table') return [`table:${principal.tableId}`, 'menu', 'kitchen'];
  if (principal.kind === 'device' && principal.deviceKind === 'kiosk') return ['menu', 'kitchen'];
  return null;
}

/**
 * What only the store's own screens read (the snapshot of every open order, the printers and their
 * queues): a paired device, and not a kiosk, which stands in public and reads only the orders it placed.
 */
export function requireStoreScreen(p: Principal, what: string): void {
  requirePaired(p, what);
  if (p.kind === 'device' && p.deviceKind === 'kiosk') {
    throw new DomainError('forbidden', `a kiosk reads only the orders it placed (GET /api/v1/orders/:id), not ${what}`);
  }
}
