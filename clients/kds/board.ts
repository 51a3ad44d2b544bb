/**
 * The kitchen's picture of the hub: every order the screens may need, kept current from the stream.
 * Pure state changes over a Map; no I/O. After a snapshot plus the events since it (and `forgetCollected`),
 * the board equals the hub's orders (the e2e tests compare the two).
 */
import type { HubEvent, Order, OrderLine, OrderSummary, Snapshot } from '../../hub/protocol/index.ts';
import { mergedFromOf } from '../../hub/domain/merge-origin.ts';

/** Lines that just reached a station (new ticket, add-on, fired course, recall): the screen beeps. */
export interface Arrival {
  orderId: string;
  lines: OrderLine[];
}

export class KitchenBoard {
  readonly orders = new Map<string, Order>();
  /** Orders known only from an event's summary (their `order.placed` was never seen); fetch them whole. */
  readonly partial = new Set<string>();

  /**
   * Replaces the board with the hub's snapshot (after a stream reset), and returns what it brought to the
   * stations that the board did not have: food sent while the screen was away, which would otherwise appear
   * without the chime and the flash that live arrivals get.
   */
  loadSnapshot(snapshot: Snapshot): Arrival[] {
    // food already cooking on this screen is not news; a line it held (a course fired since) or had bumped
    // (recalled since) is, as a new line is
    const cooking = new Set([...this.orders.values()].flatMap((o) => o.lines.filter(isCooking).map((l) => l.id)));
    this.orders.clear();
    this.partial.clear();
    const arrivals: Arrival[] = [];
    for (const o of snapshot.orders) {
      this.orders.set(o.id, o);
      const lines = o.lines.filter((l) => isCooking(l) && !cooking.has(l.id));
      if (lines.length > 0) arrivals.push({ orderId: o.id, lines });
    }
    return arrivals;
  }

  /** Applies events in seq order; returns what arrived at the stations. */
  apply(events: readonly HubEvent[]): Arrival[] {
    const arrivals: Arrival[] = [];
    for (const e of events) {
      const a = applyEvent(this.orders, this.partial, e);
      if (a && a.lines.length > 0) arrivals.push(a);
    }
    return arrivals;
  }

  /**
   * Forgets what the hub's snapshot leaves out (`since`: now minus `READY_FOOD_KEPT_MS`), so a screen up all
   * day and one that just loaded show the same tickets: paid orders whose food has all been ready since
   * before `since` (and no line voided while cooking since), and voided orders voided before `since` or whose
   * food never was on the screens (nothing fired, or all of it bumped before the void: no notice to show).
   */
  forgetCollected(since: number): void {
    for (const [id, o] of this.orders) {
      if (o.status === 'closed') {
        const stillCooking = o.lines.some((l) => l.status === 'fired' || l.status === 'preparing');
        const recentlyReady = o.lines.some((l) => l.status === 'ready' && (l.readyAt ?? since) >= since);
        // a line voided while cooking, the bill then paid: the cooks still owe its notice a look
        const voidNotice = o.updatedAt >= since && o.lines.some(isVoidedWhileCooking);
        if (stillCooking || recentlyReady || voidNotice) continue;
      } else if (o.status === 'voided') {
        if (o.updatedAt >= since && o.lines.some(isVoidedWhileCooking)) continue;
      } else continue;
      this.orders.delete(id);
      this.partial.delete(id);
    }
  }

  /**
   * A whole order from an HTTP answer; kept only if the board still holds the order and the answer is not
   * older than its copy. Only the stream puts orders on the board: an order that has left it (served and
   * paid, merged away, not in a newer snapshot) would come back from an answer older than its leaving — a
   * retried bump gets the answer the hub stored for the first try — and any later change to it reaches the
   * board as an event anyway.
   */
  upsert(order: Order): boolean {
    const current = this.orders.get(order.id);
    if (!current || order.revision < current.revision) return false;
    this.orders.set(order.id, order);
    this.partial.delete(order.id);
    return true;
  }
}

const isCooking = (l: OrderLine) => l.status === 'fired' || l.status === 'preparing';
const isKitchen = (l: OrderLine) => isCooking(l) || l.status === 'ready';
/**
 * A line voided while the cooks may have been making it: fired and never bumped. The screens show it until a
 * cook acknowledges it, and the hub's snapshot carries a voided order with one (hub/store/order-repo.ts).
 */
export const isVoidedWhileCooking = (l: OrderLine) => l.status === 'voided' && l.firedAt !== null && l.readyAt === null;

function applyEvent(orders: Map<string, Order>, partial: Set<string>, e: HubEvent): Arrival | null {
  if (e.type === 'order.placed') {
    const { order } = e.payload;
    orders.set(order.id, order);
    partial.delete(order.id);
    return { orderId: order.id, lines: order.lines.filter((l) => l.status === 'fired' || l.status === 'preparing') };
  }
  if (!e.type.startsWith('order.')) return null;
  // the merged-away order leaves the board whatever copy of the order it joined the board holds (a newer one
  // from an HTTP answer already has the moved lines, and the check below then skips the rest of the event)
  const mergedAway = e.type === 'order.merged' ? orders.get(e.payload.merged.id) : undefined;
  if (e.type === 'order.merged') {
    orders.delete(e.payload.merged.id);
    partial.delete(e.payload.merged.id);
  }
  const summary = (e.payload as { order: OrderSummary }).order;
  const current = orders.get(summary.id);
  // an HTTP answer may already have brought a newer copy: never step back. The answer put the food on the
  // screen without a chime (a waiter's add-on landing in the answer to this screen's bump): it arrives now
  if (current && summary.revision < current.revision) return e.type === 'order.merged' ? null : { orderId: current.id, lines: cookingNamedBy(e, current) };

  // the hub's own last change (a kitchen change to a bill closed long ago leaves it where it was, and the
  // snapshot keeps a void notice by it): a live board that moved it on would show the notice for hours after a
  // reloaded one let it go. Events logged before summaries carried it: the event's time.
  const updatedAt = summary.updatedAt ?? e.at;
  const merge = (lines: (ls: OrderLine[]) => OrderLine[]): Order => {
    const base = current ?? placeholder(summary, e.at, partial);
    return { ...base, ...summary, lines: lines(base.lines), updatedAt };
  };
  const patchLines = (ids: readonly string[], patch: (l: OrderLine) => OrderLine) => {
    const set = new Set(ids);
    return (ls: OrderLine[]) => ls.map((l) => (set.has(l.id) ? patch(l) : l));
  };

  let next: Order;
  let arrived: OrderLine[] = [];
  switch (e.type) {
    case 'order.lines_added': {
      const ids = new Set(e.payload.lines.map((l) => l.id));
      next = merge((ls) => [...ls.filter((l) => !ids.has(l.id)), ...e.payload.lines]);
      arrived = e.payload.lines.filter((l) => l.status === 'fired');
      break;
    }
    case 'order.lines_fired': {
      const { firedAt, lineIds } = e.payload;
      next = merge(patchLines(lineIds, (l) => ({ ...l, status: 'fired', firedAt })));
      arrived = next.lines.filter((l) => lineIds.includes(l.id));
      break;
    }
    case 'order.lines_status_changed': {
      const { status, at, lineIds } = e.payload;
      next = merge(
        patchLines(lineIds, (l) => ({
          ...l,
          status,
          readyAt: status === 'ready' || status === 'served' ? (l.readyAt ?? at) : l.readyAt,
          servedAt: status === 'served' ? at : l.servedAt,
        })),
      );
      break;
    }
    case 'order.lines_recalled': {
      const { lineIds } = e.payload;
      next = merge(patchLines(lineIds, (l) => ({ ...l, status: 'preparing', readyAt: null })));
      arrived = next.lines.filter((l) => lineIds.includes(l.id));
      break;
    }
    case 'order.line_voided': {
      const voided = e.payload.line;
      next = merge((ls) => (ls.some((l) => l.id === voided.id) ? ls.map((l) => (l.id === voided.id ? voided : l)) : [...ls, voided]));
      break;
    }
    case 'order.voided': {
      const reason = e.payload.reason;
      next = merge((ls) => ls.map((l) => (l.status === 'voided' ? l : { ...l, status: 'voided', voidReason: reason })));
      break;
    }
    case 'order.merged': {
      // a table merged into another: its lines (kitchen progress kept) now belong to the other order
      const from = mergedAway;
      const ids = new Set(e.payload.lineIds);
      const { merged } = e.payload;
      const moved = (from?.lines.filter((l) => ids.has(l.id)) ?? []).map((l) => ({ ...l, mergedFrom: mergedFromOf(merged, l) }));
      next = { ...merge((ls) => [...ls.filter((l) => !ids.has(l.id)), ...moved]), note: joinNotes(current?.note ?? null, from?.note ?? null) };
      // lines the board never had (it did not know the merged order): fetch the whole order
      if (moved.length < ids.size) partial.add(next.id);
      break;
    }
    case 'order.reopened':
      // a bill the board let go (its food served, or left ready for hours) is an open order again, which the
      // hub's snapshot holds whatever its age: fetched whole (the event carries no lines)
      next = merge((ls) => ls);
      break;
    default:
      // rush, payments, discounts, close: the header changes, the lines do not
      if (!current) return null; // nothing on a screen depends on an order the board never had
      next = { ...current, ...summary, updatedAt };
  }
  // a paid order whose food has all left the kitchen is history, unless a cook still owes a void on it a look
  // (a line voided while cooking: `forgetCollected` lets it go when the hub's snapshot does)
  if (next.status === 'closed' && !next.lines.some(isKitchen) && !next.lines.some(isVoidedWhileCooking)) {
    orders.delete(next.id);
    partial.delete(next.id);
    return null;
  }
  orders.set(next.id, next);
  return { orderId: next.id, lines: arrived };
}

/** The lines a skipped (older) event sent to the kitchen that are still cooking in the board's newer copy. */
function cookingNamedBy(e: HubEvent, current: Order): OrderLine[] {
  const ids =
    e.type === 'order.lines_added'
      ? e.payload.lines.filter((l) => l.status === 'fired').map((l) => l.id)
      : e.type === 'order.lines_fired' || e.type === 'order.lines_recalled'
        ? e.payload.lineIds
        : [];
  return current.lines.filter((l) => ids.includes(l.id) && isCooking(l));
}

/**
 * The joined order's note after a merge, as the hub writes it (hub/domain/order.ts `merge`): both, when they
 * differ. Events carry no note, and the kitchen prints and shows it (an allergy noted on the merged-away order).
 */
const joinNotes = (a: string | null, b: string | null): string | null => (a && b && a !== b ? `${a} / ${b}` : a || b || null);

/** An order seen first through a later event: enough to show its lines until the whole order is fetched. */
function placeholder(summary: OrderSummary, at: number, partial: Set<string>): Order {
  partial.add(summary.id);
  return {
    ...summary,
    businessDate: '',
    channel: 'pos',
    guestCount: null,
    note: null,
    lines: [],
    payments: [],
    discountReason: null,
    createdAt: at,
    updatedAt: at,
    closedAt: null,
    quotedReadyAt: null,
    deviceId: null,
    staffId: null,
    staffName: null,
  };
}
