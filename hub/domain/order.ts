import type {
  DiscountInput,
  KitchenStatus,
  LineStatus,
  Order,
  OrderLine,
  OrderStatus,
  OrderSummary,
  Payment,
  PaymentInput,
  PaymentLine,
  Refund,
  RefundInput,
} from '../protocol/orders.ts';
import { MAX_SEAT, orderStatusSchema } from '../protocol/orders.ts';
import { allocate, evenShares, lineBalances } from './bill.ts';
import { DomainError } from './errors.ts';
import { mergedFromOf } from './merge-origin.ts';

/**
 * Rules of one order, as pure functions: each takes the current order and returns the next one plus the
 * lines it touched. Status is derived from the lines (the kitchen moves lines, not orders); `closed` and
 * `voided` are the only stored states. An order closes when it is paid in full and none of its lines is
 * held (a course still to fire is food still to cook: the order is not done); its fired lines keep moving
 * through the kitchen independently, as on every real KDS. A bill with nothing due (free dishes) is never
 * closed by itself — more dishes may follow — but settled by a payment of 0 (or a manager's comp).
 */

/** Statuses an order ends in; every other status is an open order's. */
export const DONE_STATUSES: readonly OrderStatus[] = ['closed', 'voided', 'merged'];
export const OPEN_STATUSES: readonly OrderStatus[] = orderStatusSchema.options.filter((s) => !DONE_STATUSES.includes(s));

export const isOpen = (o: Pick<Order, 'status'>): boolean => !DONE_STATUSES.includes(o.status);
export const liveLines = (o: Pick<Order, 'lines'>): OrderLine[] => o.lines.filter((l) => l.status !== 'voided');
export const heldLines = (o: Pick<Order, 'lines'>): OrderLine[] => o.lines.filter((l) => l.status === 'held');
/** What a manager granted; an order stored before the grant was kept apart carries only what applied. */
export const grantedDiscount = (o: Pick<Order, 'discountMinor' | 'discountGrantedMinor'>): number => o.discountGrantedMinor ?? o.discountMinor;
/** Refunds given so far; an order stored or cached before refunds existed has none. */
export const refundsOf = (o: Pick<Order, 'refunds'>): Refund[] => o.refunds ?? [];
const sumMinor = (xs: readonly { amountMinor: number }[]): number => xs.reduce((sum, x) => sum + x.amountMinor, 0);

/**
 * Someone settled the bill: a payment of 0 (free dishes, a comp), or one not given back in full. A payment
 * wholly refunded settles nothing any more: with it the bill would close by itself, with nothing paid, the
 * moment nothing is due (a comp, a void leaving free dishes) instead of waiting for its payment of 0.
 */
export function hasStandingPayment(o: Pick<Order, 'payments' | 'refunds'>): boolean {
  const refunds = refundsOf(o);
  return o.payments.some((p) => p.amountMinor === 0 || sumMinor(refunds.filter((r) => r.paymentId === p.id)) < p.amountMinor);
}

/**
 * Nothing keeps the order from being done: it has food (a live line), none of it waiting to be fired, and
 * nothing due. Every rule that closes an order asks this, so the floor, the kitchen snapshot and
 * `order.closed` agree.
 */
function nothingLeft(o: Order): boolean {
  return o.dueMinor === 0 && liveLines(o).length > 0 && heldLines(o).length === 0;
}

// a closed bill is no longer requested: the floor shows the table free
const close = (o: Order, now: number): Order => ({ ...o, status: 'closed', closedAt: now, billRequestedAt: null });

export function deriveStatus(order: Pick<Order, 'status' | 'lines'>): OrderStatus {
  if (!isOpen(order)) return order.status;
  const live = liveLines(order);
  if (live.length === 0) return 'placed';
  const all = (...s: LineStatus[]) => live.every((l) => s.includes(l.status));
  const some = (...s: LineStatus[]) => live.some((l) => s.includes(l.status));
  if (all('served')) return 'served';
  if (all('ready', 'served')) return 'ready';
  if (some('preparing', 'ready', 'served')) return 'preparing';
  if (some('fired')) return 'fired';
  return 'placed';
}

/**
 * Recomputes totals and status (bumping the revision and the change time) as `settle` does, but never closes
 * the order: for a change that moves no money and leaves nothing more to cook (the kitchen's progress, a rush,
 * a bill request, a move, a refund, a reopen). The only open bill such a change would close is one a manager
 * reopened paid in full: it stays open for what it was reopened for until a payment, a void, a discount or a
 * fired course settles it.
 */
export function restate(order: Order, now: number): Order {
  const subtotalMinor = liveLines(order).reduce((sum, l) => sum + l.lineTotalMinor, 0);
  // the grant is kept whole: a void that leaves less food than it does not cut it for good
  const discountGrantedMinor = grantedDiscount(order);
  const discountMinor = Math.min(discountGrantedMinor, subtotalMinor);
  const totalMinor = subtotalMinor - discountMinor;
  // what the payments took less what refunds gave back: every "refund first" rule (void, discount, merge)
  // compares against this, so a refund is what lets them through
  const paidMinor = sumMinor(order.payments) - sumMinor(refundsOf(order));
  const next: Order = {
    ...order,
    subtotalMinor,
    discountMinor,
    discountGrantedMinor,
    totalMinor,
    paidMinor,
    dueMinor: Math.max(0, totalMinor - paidMinor),
    revision: order.revision + 1,
    updatedAt: now,
  };
  return { ...next, status: deriveStatus(next) };
}

/** Recomputes totals and status after any change, closing the order once it is done; bumps revision and the change time. */
export function settle(order: Order, now: number): Order {
  const next = restate(order, now);
  // paid in full (a payment of 0 settles a bill with nothing due); a total of 0 alone never closes: a
  // table opened with free tea still orders its dishes, and a void never closes an order nobody paid
  return isOpen(next) && hasStandingPayment(next) && nothingLeft(next) ? close(next, now) : next;
}

export const summarize = (o: Order): OrderSummary => ({
  id: o.id,
  number: o.number,
  status: o.status,
  tableId: o.tableId,
  subtotalMinor: o.subtotalMinor,
  discountMinor: o.discountMinor,
  totalMinor: o.totalMinor,
  paidMinor: o.paidMinor,
  dueMinor: o.dueMinor,
  revision: o.revision,
  rush: o.rush,
  updatedAt: o.updatedAt,
  quotedReadyAt: o.quotedReadyAt,
});

export function requireOpen(order: Order, action: string): void {
  if (order.status === 'merged') {
    throw new DomainError('order_closed', `order #${order.number} was merged into another order; cannot ${action}`, {
      mergedIntoOrderId: order.mergedIntoOrderId,
    });
  }
  if (order.status === 'voided') throw new DomainError('order_closed', `order #${order.number} is voided; cannot ${action}`);
  if (order.status === 'closed') {
    throw new DomainError('order_closed', `order #${order.number} is closed; a manager can reopen it to ${action}`);
  }
}

export interface Change {
  order: Order;
  /** New or modified lines, to be written. */
  lines: OrderLine[];
}

function replaceLines(order: Order, changed: OrderLine[]): Order {
  const byId = new Map(changed.map((l) => [l.id, l]));
  return { ...order, lines: order.lines.map((l) => byId.get(l.id) ?? l) };
}

/** Sends held lines to the kitchen: all of them, or one course. */
export function fire(order: Order, course: number | undefined, now: number, onlyLineIds?: ReadonlySet<string>): Change {
  requireOpen(order, 'fire lines');
  const fired = order.lines
    .filter((l) => l.status === 'held' && (course === undefined || l.course === course))
    .filter((l) => !onlyLineIds || onlyLineIds.has(l.id))
    .map((l): OrderLine => ({ ...l, status: 'fired', firedAt: now }));
  return { order: settle(replaceLines(order, fired), now), lines: fired };
}

const kitchenNext: Record<KitchenStatus, readonly LineStatus[]> = {
  // a line can be marked ready or served straight from fired: cooks often bump without "start"
  preparing: ['fired'],
  ready: ['fired', 'preparing'],
  served: ['fired', 'preparing', 'ready'],
};

/**
 * Moves lines forward in the kitchen. With explicit line ids, every named line must be able to move;
 * without, every line that can move does (at least one must).
 */
export function advanceLines(order: Order, status: KitchenStatus, lineIds: string[] | undefined, now: number, seenIn?: readonly LineStatus[]): Change {
  if (order.status === 'voided') throw new DomainError('order_closed', `order #${order.number} is voided`);
  const allowedFrom = seenIn ? kitchenNext[status].filter((s) => seenIn.includes(s)) : kitchenNext[status];
  let targets: OrderLine[];
  if (lineIds) {
    // a line named twice moves once: listed twice, the event would count it twice on every screen
    targets = [...new Set(lineIds)].map((id) => {
      const line = order.lines.find((l) => l.id === id);
      if (!line) throw new DomainError('not_found', `order #${order.number} has no line ${id}`, { lineId: id });
      if (!allowedFrom.includes(line.status)) {
        throw new DomainError('invalid_transition', `line ${line.nameEn} is ${line.status}; cannot mark it ${status}`, {
          lineId: id,
          from: line.status,
          to: status,
        });
      }
      return line;
    });
  } else {
    targets = order.lines.filter((l) => allowedFrom.includes(l.status));
    if (targets.length === 0) {
      throw new DomainError('invalid_transition', `order #${order.number} has no lines that can be marked ${status}`);
    }
  }
  const moved = targets.map(
    (l): OrderLine => ({
      ...l,
      status,
      readyAt: status === 'ready' || status === 'served' ? (l.readyAt ?? now) : l.readyAt,
      servedAt: status === 'served' ? now : l.servedAt,
    }),
  );
  return { order: restate(replaceLines(order, moved), now), lines: moved };
}

/** Puts bumped (ready) lines back on the kitchen screens: a cook bumped the wrong ticket. */
export function recallLines(order: Order, lineIds: string[] | undefined, now: number): Change {
  if (order.status === 'voided') throw new DomainError('order_closed', `order #${order.number} is voided`);
  const ready = (l: OrderLine) => l.status === 'ready';
  const targets = lineIds
    ? [...new Set(lineIds)].map((id) => {
        const line = order.lines.find((l) => l.id === id);
        if (!line) throw new DomainError('not_found', `order #${order.number} has no line ${id}`, { lineId: id });
        if (!ready(line)) {
          throw new DomainError('invalid_transition', `line ${line.nameEn} is ${line.status}; only ready lines can be recalled`, {
            lineId: id,
            from: line.status,
          });
        }
        return line;
      })
    : order.lines.filter(ready);
  if (targets.length === 0) throw new DomainError('invalid_transition', `order #${order.number} has no ready lines to recall`);
  const recalled = targets.map((l): OrderLine => ({ ...l, status: 'preparing', readyAt: null }));
  return { order: restate(replaceLines(order, recalled), now), lines: recalled };
}

export const wasFired = (l: OrderLine): boolean => l.firedAt !== null;

export function voidLine(order: Order, lineId: string, reason: string, now: number): Change {
  requireOpen(order, 'void a line');
  const line = order.lines.find((l) => l.id === lineId);
  if (!line) throw new DomainError('not_found', `order #${order.number} has no line ${lineId}`, { lineId });
  if (line.status === 'voided') throw new DomainError('invalid_transition', `line ${line.nameEn} is already voided`);
  if ((lineBalances(order).get(lineId)?.paidMinor ?? 0) > 0) {
    throw new DomainError('order_has_payments', `line ${line.nameEn} is paid; refund it before voiding`, { lineId });
  }
  const voided: OrderLine = { ...line, status: 'voided', voidReason: reason };
  const next = settle(replaceLines(order, [voided]), now);
  if (next.paidMinor > next.totalMinor) {
    throw new DomainError('order_has_payments', 'voiding this line would leave the order overpaid; refund first', {
      paidMinor: next.paidMinor,
      totalAfterMinor: next.totalMinor,
    });
  }
  return { order: next, lines: [voided] };
}

export function voidOrder(order: Order, reason: string, now: number): Change {
  requireOpen(order, 'void it');
  if (order.paidMinor > 0) {
    throw new DomainError('order_has_payments', `order #${order.number} has payments; refund them before voiding`);
  }
  const voided = order.lines
    .filter((l) => l.status !== 'voided')
    .map((l): OrderLine => ({ ...l, status: 'voided', voidReason: reason }));
  const next = settle({ ...replaceLines(order, voided), status: 'voided' }, now);
  return { order: next, lines: voided };
}

export function discount(order: Order, input: DiscountInput, now: number): Change {
  requireOpen(order, 'discount it');
  const amount =
    input.amountMinor !== undefined ? input.amountMinor : Math.round((order.subtotalMinor * (input.percent ?? 0)) / 100);
  if (amount > order.subtotalMinor) {
    throw new DomainError('invalid_order', 'a discount cannot exceed the subtotal', {
      subtotalMinor: order.subtotalMinor,
      discountMinor: amount,
    });
  }
  if (order.subtotalMinor - amount < order.paidMinor) {
    throw new DomainError('order_has_payments', 'this discount would leave the order overpaid; refund first');
  }
  const next = settle({ ...order, discountGrantedMinor: amount, discountReason: input.reason }, now);
  // a manager comping the whole bill settles it, unless a course is still held (then a payment of 0 does)
  const comped = amount > 0 && isOpen(next) && nothingLeft(next);
  return { order: comped ? close(next, now) : next, lines: [] };
}

/**
 * Takes one tender. Cash may be handed over in excess (change is computed); no tender may pay more than is
 * due, so split tenders add up exactly.
 */
export function pay(
  order: Order,
  input: PaymentInput,
  payment: { id: string; now: number; staffId: string | null },
): Change & { payment: Payment } {
  requireOpen(order, 'take a payment');
  if (input.amountMinor === 0) requireNothingDue(order, input);
  else if (order.dueMinor <= 0) throw new DomainError('overpayment', `order #${order.number} has nothing due (a payment of 0 settles it)`);
  if (input.amountMinor > order.dueMinor) {
    throw new DomainError('overpayment', `amount ${input.amountMinor} exceeds the ${order.dueMinor} due`, {
      dueMinor: order.dueMinor,
    });
  }
  if (input.tender !== 'cash' && input.tenderedMinor !== undefined) {
    throw new DomainError('invalid_order', 'tenderedMinor is for cash only');
  }
  const tendered = input.tender === 'cash' ? (input.tenderedMinor ?? input.amountMinor) : null;
  if (tendered !== null && tendered < input.amountMinor) {
    throw new DomainError('invalid_order', 'cash tendered is less than the amount', {
      tenderedMinor: tendered,
      amountMinor: input.amountMinor,
    });
  }
  if (input.tender === 'card' && !input.reference) {
    throw new DomainError('invalid_order', 'a card payment needs the terminal reference');
  }
  const taken: Payment = {
    id: payment.id,
    tender: input.tender,
    amountMinor: input.amountMinor,
    lines: coveredLines(order, input),
    tenderedMinor: tendered,
    changeMinor: tendered === null ? 0 : tendered - input.amountMinor,
    reference: input.reference ?? null,
    createdAt: payment.now,
    staffId: payment.staffId,
  };
  return { order: settle({ ...order, payments: [...order.payments, taken] }, payment.now), lines: [], payment: taken };
}

/**
 * A payment of 0 settles a bill with nothing due, explicitly (a zero total never closes by itself): only
 * when nothing is due, the order has food, and no course is still held; whole, and without cash handed over.
 */
function requireNothingDue(order: Order, input: PaymentInput): void {
  if (order.dueMinor > 0) {
    throw new DomainError('invalid_order', `a payment of 0 only settles a bill with nothing due, and ${order.dueMinor} is due`, {
      dueMinor: order.dueMinor,
    });
  }
  if (liveLines(order).length === 0) {
    throw new DomainError('invalid_order', `order #${order.number} has no lines: nothing to settle (void it instead)`);
  }
  const held = heldLines(order);
  if (held.length > 0) {
    throw new DomainError('invalid_transition', `order #${order.number} has held lines: fire or void them before settling the bill`, {
      lineIds: held.map((l) => l.id),
    });
  }
  if (input.lineIds !== undefined || input.splitWays !== undefined) {
    throw new DomainError('invalid_order', 'a bill with nothing due is settled whole, not split');
  }
  if ((input.tenderedMinor ?? 0) > 0) throw new DomainError('invalid_order', 'nothing is due: no cash is tendered');
}

/**
 * The lines a payment covers (split by item or seat), checking the amount against what a tablet should
 * have shown: the lines' open amounts, or the next even share. A mismatch means the tablet's bill was stale.
 */
function coveredLines(order: Order, input: PaymentInput): Payment['lines'] {
  if (input.splitWays !== undefined) {
    const [share = 0] = evenShares(order.dueMinor, input.splitWays);
    if (input.amountMinor !== share) {
      throw new DomainError('invalid_order', `one of ${input.splitWays} shares of ${order.dueMinor} is ${share}, not ${input.amountMinor}`, {
        expectedMinor: share,
      });
    }
    return [];
  }
  if (input.lineIds === undefined) return [];
  const balances = lineBalances(order);
  const open = [...new Set(input.lineIds)].map((lineId) => {
    const balance = balances.get(lineId);
    if (!balance) throw new DomainError('invalid_order', `order #${order.number} has no live line ${lineId}`, { lineId });
    if (balance.openMinor === 0) throw new DomainError('overpayment', `line ${lineId} is already paid`, { lineId });
    return { lineId, openMinor: balance.openMinor };
  });
  const expected = Math.min(order.dueMinor, open.reduce((sum, l) => sum + l.openMinor, 0));
  if (input.amountMinor !== expected) {
    throw new DomainError('invalid_order', `those lines have ${expected} open, not ${input.amountMinor}`, { expectedMinor: expected });
  }
  return allocate(expected, open);
}

/**
 * Gives back money taken by one of the order's payments (the rules are on `refundInputSchema`). The order
 * may be open or closed and stays so: a complaint after the bill is no reason to put the table back on the
 * floor, and a refund on an open bill only makes more due. Payments are never changed; the refund is a
 * record of its own, and `settle` takes it off what is paid.
 */
export function refund(order: Order, input: RefundInput, made: { id: string; now: number; staffId: string | null }): Change & { refund: Refund } {
  if (order.status === 'merged') {
    // the service names the order it went to; this is the rule's own guard
    throw new DomainError('order_closed', `order #${order.number} was merged into another order: refund its payments there`, {
      mergedIntoOrderId: order.mergedIntoOrderId,
    });
  }
  if (order.status === 'voided') {
    // voiding is refused while anything is paid, so a voided order holds no money to give back
    throw new DomainError('order_closed', `order #${order.number} is voided: it has nothing left to refund`);
  }
  const payment = order.payments.find((p) => p.id === input.paymentId);
  if (!payment) throw new DomainError('not_found', `order #${order.number} has no payment ${input.paymentId}`, { paymentId: input.paymentId });
  const earlier = refundsOf(order).filter((r) => r.paymentId === payment.id);
  const refundableMinor = payment.amountMinor - sumMinor(earlier);
  if (input.amountMinor > refundableMinor) {
    throw new DomainError('overpayment', `refund ${input.amountMinor} exceeds the ${refundableMinor} left of payment ${payment.id}`, {
      paymentId: payment.id,
      refundableMinor,
    });
  }
  if (payment.tender === 'card' && !input.reference) {
    // the card money goes back through the terminal: without its reference nobody can match the two
    throw new DomainError('invalid_order', "a card refund needs the terminal's refund reference");
  }
  const given: Refund = {
    id: made.id,
    paymentId: payment.id,
    amountMinor: input.amountMinor,
    lines: refundedLines(payment, earlier, input),
    reference: input.reference ?? null,
    reason: input.reason,
    createdAt: made.now,
    staffId: made.staffId,
  };
  // a refund only adds to what is due: it never closes an open order (nor reopens a closed one: done orders
  // keep their status)
  return { order: restate({ ...order, refunds: [...refundsOf(order), given] }, made.now), lines: [], refund: given };
}

/**
 * What a refund gives back of the lines its payment covered. A bill-level payment covered none. A payment by
 * item or seat is refunded line by line, each named line whole (what the payment still covers on it), or all
 * it still holds: the amount must be exactly that, as a payment by item must be what is open on its lines,
 * so a tablet with a stale bill is refused rather than leaving a line half paid.
 */
function refundedLines(payment: Payment, earlier: readonly Refund[], input: RefundInput): PaymentLine[] {
  if (payment.lines.length === 0) {
    if (input.lineIds !== undefined) {
      throw new DomainError('invalid_order', `payment ${payment.id} was taken on the whole bill: its refund names no lines`, { paymentId: payment.id });
    }
    return [];
  }
  const left = new Map(payment.lines.map((l) => [l.lineId, l.amountMinor]));
  for (const r of earlier) for (const l of r.lines) left.set(l.lineId, (left.get(l.lineId) ?? 0) - l.amountMinor);
  let back: PaymentLine[];
  if (input.lineIds === undefined) {
    back = [...left].filter(([, amountMinor]) => amountMinor > 0).map(([lineId, amountMinor]) => ({ lineId, amountMinor }));
  } else {
    back = [...new Set(input.lineIds)].map((lineId) => {
      const amountMinor = left.get(lineId);
      if (amountMinor === undefined) {
        throw new DomainError('invalid_order', `payment ${payment.id} did not pay line ${lineId}`, { paymentId: payment.id, lineId });
      }
      if (amountMinor <= 0) throw new DomainError('overpayment', `line ${lineId} was refunded already`, { paymentId: payment.id, lineId });
      return { lineId, amountMinor };
    });
  }
  const expected = sumMinor(back);
  if (input.amountMinor !== expected) {
    const what =
      input.lineIds === undefined
        ? `payment ${payment.id} still covers ${expected} on its lines (name the lines to refund part of it)`
        : `payment ${payment.id} covers ${expected} on those lines`;
    throw new DomainError('invalid_order', `${what}, not ${input.amountMinor}`, { expectedMinor: expected });
  }
  return back;
}

/** Moves an open order to another table (the service checks that the table exists and is free). */
export function transfer(order: Order, toTableId: string, now: number): Change {
  requireOpen(order, 'move it');
  if (order.tableId === toTableId) throw new DomainError('invalid_transition', `order #${order.number} is already at that table`);
  return { order: restate({ ...order, tableId: toTableId, seatedAt: now }, now), lines: [] };
}

/** When the party holding `order` sat down at its table: placed there, or moved there (an order from before the field: placed). */
export const seatedSince = (order: Pick<Order, 'createdAt' | 'seatedAt'>): number => order.seatedAt ?? order.createdAt;

/**
 * Moves a party: each of `orders` (the open orders of table `from`, oldest first) to table `to`, as
 * `transfer` moves one. The service checks that `to` exists and is free; a table with nothing open has
 * nobody to move (another tablet moved or paid it meanwhile).
 */
export function moveTable(orders: readonly Order[], from: { id: string; name: string }, to: { id: string; name: string }, now: number): Change[] {
  if (from.id === to.id) throw new DomainError('invalid_transition', `the party is already at table ${to.name}`, { tableId: to.id });
  if (orders.length === 0) throw new DomainError('invalid_transition', `table ${from.name} has no open order to move`, { tableId: from.id });
  return orders.map((o) => transfer(o, to.id, now));
}

const joinNotes = (a: string | null, b: string | null): string | null => (a && b && a !== b ? `${a} / ${b}` : a || b || null);

/** The later of two quoted ready times, either of which may be none: a customer keeps the time promised. */
export const laterQuote = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

const highestSeat = (lines: readonly OrderLine[]): number => lines.reduce((max, l) => Math.max(max, l.seat ?? 0), 0);

/**
 * The source's lines as they join the target: their seats numbered on after the target's highest (voided
 * lines' seats included) or its guest count, whichever is more, so seat 1 of each table stays two guests,
 * each paying their own dishes, and a target guest who has not ordered yet keeps a seat of their own.
 * Payments name lines, not seats: what a seat paid before the merge stays on its lines.
 *
 * A seat past MAX_SEAT could never be given another dish (no line can name it), so where numbering on would
 * pass it (a big party: a banquet's tables merged one by one) the source's seats are numbered on with their
 * gaps closed; past it even so, `merge` refuses.
 */
export function joiningLines(source: Pick<Order, 'lines'>, target: Pick<Order, 'lines' | 'guestCount'>): OrderLine[] {
  const highestUsed = highestSeat(target.lines);
  if (highestUsed === 0) return source.lines;
  const highest = Math.max(highestUsed, target.guestCount ?? 0);
  const seatOf = highest + highestSeat(source.lines) <= MAX_SEAT ? (seat: number) => seat + highest : closingGaps(source.lines, highest);
  return source.lines.map((l) => (l.seat == null ? l : { ...l, seat: seatOf(l.seat) }));
}

/** The seats of `lines` renumbered `after` + 1, `after` + 2, … in their order: seats 1 and 12 become two seats side by side. */
function closingGaps(lines: readonly OrderLine[], after: number): (seat: number) => number {
  const seats = [...new Set(lines.flatMap((l) => (l.seat == null ? [] : [l.seat])))].sort((a, b) => a - b);
  const renumbered = new Map(seats.map((seat, i) => [seat, after + 1 + i]));
  return (seat) => renumbered.get(seat)!;
}

/**
 * `target` with everything of `source` joined to it, its totals not yet worked out again: the lines (seats
 * numbered on, `joiningLines`; each marked with where it was fired, `mergedFromOf`), payments, refunds,
 * grants and promises. `merge` settles it; the salvage's replay (store/salvage-replay.ts) takes the totals
 * from the event, so both join orders by these rules.
 */
export function joined(source: Order, target: Order): Order {
  const lines = joiningLines(source, target).map((l): OrderLine => ({ ...l, mergedFrom: mergedFromOf(source, l) }));
  return {
    ...target,
    lines: [...target.lines, ...lines],
    payments: [...target.payments, ...source.payments],
    // a refund belongs with its payment: the merged bill's paid amount stays net of it
    refunds: [...refundsOf(target), ...refundsOf(source)],
    // the grants follow the food: the merged bill applies both, capped at its subtotal
    discountGrantedMinor: grantedDiscount(target) + grantedDiscount(source),
    discountReason: target.discountReason ?? source.discountReason,
    guestCount: target.guestCount === null && source.guestCount === null ? null : (target.guestCount ?? 0) + (source.guestCount ?? 0),
    rush: target.rush || source.rush,
    // a phone's or kiosk's order was quoted a ready time: joined to the waiter's, the promise still stands
    quotedReadyAt: laterQuote(target.quotedReadyAt, source.quotedReadyAt),
    billRequestedAt: target.billRequestedAt ?? source.billRequestedAt,
    // the kitchen prints the order's note under every ticket: an allergy noted on the source must reach
    // the tickets of its course still held
    note: joinNotes(target.note, source.note),
  };
}

/**
 * Moves every line (with its kitchen progress: `joined`) and payment of `source` into `target`; `source` ends
 * as `merged`, pointing at `target`. Nothing goes back to the kitchen: the lines keep their status and times.
 */
export function merge(source: Order, target: Order, now: number): { merged: Order; into: Order } {
  requireOpen(source, 'merge it');
  requireOpen(target, 'merge into it');
  if (source.id === target.id) throw new DomainError('invalid_transition', 'an order cannot be merged into itself');
  const into = settle(joined(source, target), now);
  const seated = highestSeat(into.lines.slice(target.lines.length));
  if (seated > MAX_SEAT) {
    throw new DomainError('conflict', `order #${target.number} has no seats left for order #${source.number}'s guests: seats go up to ${MAX_SEAT}, and theirs would reach ${seated}; keep them on a bill of their own`, {
      intoOrderId: target.id,
      maxSeat: MAX_SEAT,
      seatNeeded: seated,
    });
  }
  // a grant left unused on one side (a void left it less food) applies to the other side's food too: with
  // payments taken, that can make the merged bill paid beyond its total, which would close it overpaid
  if (into.paidMinor > into.totalMinor) {
    throw new DomainError('order_has_payments', 'merging these orders would leave the bill overpaid (a discount covers more of it); refund first', {
      paidMinor: into.paidMinor,
      totalAfterMinor: into.totalMinor,
    });
  }
  const merged = settle(
    { ...source, status: 'merged', mergedIntoOrderId: target.id, lines: [], payments: [], refunds: [], discountMinor: 0, discountGrantedMinor: 0, billRequestedAt: null },
    now,
  );
  return { merged, into };
}

/**
 * Joins a party to another table's bill: each of `orders` (the open orders of table `from`, oldest first)
 * merged, one after the other, into `target`, as `merge` merges one. Each step names the target as it was
 * before it (what the store appends to). The service checks that `from` exists; a table with nothing open
 * has nobody to merge (another tablet merged or paid it meanwhile), and a bill of the table itself is not
 * another table's.
 */
export function mergeTable(orders: readonly Order[], from: { id: string; name: string }, target: Order, now: number): { target: Order; merged: Order; into: Order }[] {
  if (target.tableId === from.id) {
    throw new DomainError('invalid_transition', `order #${target.number} is at table ${from.name} already`, { tableId: from.id, intoOrderId: target.id });
  }
  if (orders.length === 0) throw new DomainError('invalid_transition', `table ${from.name} has no open order to merge`, { tableId: from.id });
  let into = target;
  return orders.map((source) => {
    const before = into;
    const step = merge(source, before, now);
    into = step.into;
    return { target: before, ...step };
  });
}

/** "Bill please": shown on the floor plan until the order closes (or a waiter clears it). */
export function requestBill(order: Order, requested: boolean, now: number): Change {
  requireOpen(order, requested ? 'ask for its bill' : 'clear its bill request');
  return { order: restate({ ...order, billRequestedAt: requested ? (order.billRequestedAt ?? now) : null }, now), lines: [] };
}

export function reopen(order: Order, now: number): Change {
  if (order.status !== 'closed') {
    throw new DomainError('invalid_transition', `order #${order.number} is ${order.status}; only closed orders reopen`);
  }
  // open again with whatever is paid: not closed again at once, nor by the next change that moves no money
  return { order: restate({ ...order, status: 'placed', closedAt: null }, now), lines: [] };
}
