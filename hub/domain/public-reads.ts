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

const publicLine = (l: OrderLine): OrderLine => (l.addedByStaffId === null ? l : { ...l, addedByStaffId: null });
const publicPayment = (p: Payment): Payment => ({ ...p, reference: null, staffId: null });
// the terminal's refund reference and the manager who gave it, as a payment's: amounts and the reason stay
const publicRefund = (r: Refund): Refund => ({ ...r, reference: null, staffId: null });

/**
 * An order as a guest sees it: no card (or other tender's) reference on its payments or refunds, and no
 * staff id or staff name anywhere (who placed it, who added a line, who took a payment or gave a refund).
 * Tender and amounts stay: the page shows what is paid and due.
 */
export const orderForPublic = (o: Order): Order => ({
  ...o,
  staffId: null,
  staffName: null,
  lines: o.lines.map(publicLine),
  payments: o.payments.map(publicPayment),
  ...(o.refunds ? { refunds: o.refunds.map(publicRefund) } : {}),
});

/** `order` as `principal` may be shown it: staff and the kiosk that placed it see all of it; a table's phone, a guest's view. */
export const orderShownTo = (order: Order, principal: Principal): Order => (principal.kind === 'table' ? orderForPublic(order) : order);

/** What an event may not tell the public channel, wherever in it it sits (an order, a line, a payment, the envelope). */
const STAFF_ONLY_KEYS = new Set(['staffId', 'staffName', 'addedByStaffId', 'reference']);

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = STAFF_ONLY_KEYS.has(k) ? null : strip(v);
  return out;
}

/**
 * An event (envelope and payload) as a guest's phone may hear it: `orderForPublic` for the orders, lines,
 * payments and refunds it carries (order.placed's whole order, added and voided lines, order.payment_taken's
 * payment, order.refunded's refund: the same keys), and no staff id on the envelope. Every field it clears
 * is nullable in the protocol.
 */
export const eventForPublic = <E>(event: E): E => strip(event) as E;

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
