/**
 * Orders made again from their events, for a salvage (salvage-rebuild.ts reads the log and writes them).
 *
 * Every change of an order is one event, written in the transaction that made it (order-service.ts), and
 * each carries what the change touched and the order's summary after it: `order.placed` the whole order,
 * `order.lines_added` the new lines, the kitchen's events the lines and times, `order.payment_taken` and
 * `order.refunded` the payment and the refund, `order.merged` the lines and payments moved. Replayed in seq
 * order, with the same rules the hub applied (hub/domain/order.ts), they give the order as the hub held it.
 *
 * What the replay cannot prove it does not guess. Every change bumps the order's `revision` by exactly one
 * (`settle`; one per command, `order.closed` repeating the change's), so an order's events whose revisions
 * run 1, 2, 3 … without a hole are all of its changes up to the last one, whatever seqs a spoilt page of the
 * log took from other orders; a hole means one of its own is missing. After each event the order must add up
 * as `settle` keeps it (lines to subtotal, payments less refunds to paid, the kitchen's statuses to the
 * order's): an order that does not is not rebuilt. Whether changes came after its last event surviving is
 * not the replay's to say (see `wholeUpTo`).
 */
import { quietForLaterParty } from '../domain/order-service.ts';
import { deriveStatus, grantedDiscount, isOpen, joined, liveLines, seatedSince } from '../domain/order.ts';
import type { EventType, HubEvent } from '../protocol/events.ts';
import type { Order, OrderLine, OrderSummary } from '../protocol/orders.ts';

export type OrderEventType = Extract<EventType, `order.${string}`>;
export type OrderEvent = Extract<HubEvent, { type: OrderEventType }>;

/** Why an order the log names is not rebuilt. */
export type NotWhole =
  /** its `order.placed` is not in the log: what it was placed with is not known */
  | 'placing-lost'
  /** one of its changes is missing (a hole in its revisions), or an order merged into it is not whole */
  | 'history-gap'
  /** its last event is followed by seqs the log lost, which may have been its own later changes */
  | 'later-events-lost'
  /** one of its events could not be read (its payload spoilt, or not what its type holds) */
  | 'unreadable'
  /** its events do not add up as the hub's rules keep an order (what the log holds is not to be trusted) */
  | 'inconsistent';

/** One event of one order's history: its seq, type and what it said of that order. */
export interface Seen {
  seq: number;
  type: OrderEventType;
  at: number;
  summary: OrderSummary;
}

const sum = (xs: readonly { amountMinor: number }[]) => xs.reduce((n, x) => n + x.amountMinor, 0);

/** An order line as the store reads it back: `seat` and `mergedFrom` were added after the first release. */
const lineOf = (l: OrderLine): OrderLine => ({ ...l, seat: l.seat ?? null, mergedFrom: l.mergedFrom ?? null });

/** The placed order as the store reads it back (fields added after the first release default as the store's columns do). */
function placedOrder(o: Order): Order {
  return {
    ...o,
    lines: o.lines.map(lineOf),
    refunds: o.refunds ?? [],
    discountGrantedMinor: grantedDiscount(o),
    mergedIntoOrderId: o.mergedIntoOrderId ?? null,
    billRequestedAt: o.billRequestedAt ?? null,
    seatedAt: seatedSince(o),
  };
}

/**
 * The header fields an event's summary carries, and the change time (every change's `settle` sets it). The
 * quoted ready time is one since a guest's phone adding dishes is quoted again; an event logged before says
 * nothing of it.
 */
function summarised(o: Order, s: OrderSummary, at: number): Order {
  const { status, tableId, subtotalMinor, discountMinor, totalMinor, paidMinor, dueMinor, revision, rush } = s;
  const quotedReadyAt = s.quotedReadyAt === undefined ? o.quotedReadyAt : s.quotedReadyAt;
  return { ...o, status, tableId, subtotalMinor, discountMinor, totalMinor, paidMinor, dueMinor, revision, rush, quotedReadyAt, updatedAt: at };
}

/** A bill that closed with this change (`close` in order.ts): closed now, no longer asking for its bill. */
function closedBy(before: Order, next: Order, at: number): Order {
  return next.status === 'closed' && before.status !== 'closed' ? { ...next, closedAt: at, billRequestedAt: null } : next;
}

/**
 * The joined order as a hub from before lines said where they were fired left it: the moved lines as they
 * were (the store holds them so). Its events tell: their summaries carry no quoted ready time, which came in
 * the same release as the marks.
 */
function unmarked(into: Order, source: Order): Order {
  const was = new Map(source.lines.map((l) => [l.id, l.mergedFrom ?? null]));
  return { ...into, lines: into.lines.map((l) => (was.has(l.id) ? { ...l, mergedFrom: was.get(l.id)! } : l)) };
}

/** What in `o` does not add up as `settle` keeps an order, or null. */
function inconsistency(o: Order): string | null {
  const subtotal = liveLines(o).reduce((n, l) => n + l.lineTotalMinor, 0);
  const paid = sum(o.payments) - sum(o.refunds ?? []);
  if (o.subtotalMinor !== subtotal) return `its lines come to ${subtotal}, its summary says ${o.subtotalMinor}`;
  if (o.discountMinor !== Math.min(grantedDiscount(o), subtotal)) return `its discount is ${o.discountMinor}, what was granted ${grantedDiscount(o)}`;
  if (o.totalMinor !== o.subtotalMinor - o.discountMinor) return `its total is ${o.totalMinor}`;
  if (o.paidMinor !== paid) return `its payments come to ${paid}, its summary says ${o.paidMinor}`;
  if (o.dueMinor !== Math.max(0, o.totalMinor - paid)) return `its due is ${o.dueMinor}`;
  if (isOpen(o) && deriveStatus(o) !== o.status) return `its lines make it ${deriveStatus(o)}, its summary says ${o.status}`;
  return null;
}

/** The orders of a part of the log, replayed in seq order (call `apply` with ascending seqs). */
export class OrderReplay {
  /** Each order as its events so far make it. */
  readonly orders = new Map<string, Order>();
  /** What each order's events said of it, oldest first. */
  readonly histories = new Map<string, Seen[]>();
  /** The order's business day, from its `order.placed` (the summaries do not carry it). */
  readonly businessDates = new Map<string, string>();
  /** Orders whose replay cannot be trusted, and why. */
  readonly broken = new Map<string, { why: 'unreadable' | 'inconsistent'; detail: string }>();
  /** Orders merged into each order: the seq of the merge and the order merged. */
  readonly mergedInto = new Map<string, { seq: number; source: string }[]>();
  readonly #whole = new Map<string, NotWhole | null>();

  /** An event of these orders that could not be read: they cannot be rebuilt. */
  unreadable(seq: number, orderIds: readonly string[], detail: string): void {
    for (const id of orderIds) this.#break(id, 'unreadable', `event ${seq}: ${detail}`);
  }

  apply(e: OrderEvent): void {
    this.#whole.clear();
    switch (e.type) {
      case 'order.placed': {
        const o = placedOrder(e.payload.order);
        this.#seen(o.id, e, e.payload.order);
        this.businessDates.set(o.id, o.businessDate);
        if (this.orders.has(o.id)) this.#break(o.id, 'inconsistent', `placed again by event ${e.seq}`);
        else this.#set(o, e.seq);
        return;
      }
      case 'order.merged':
        return this.#merge(e);
      default:
        return this.#change(e);
    }
  }

  /** Every event but placing and merging: one order's summary after the change, and what it touched. */
  #change(e: Exclude<OrderEvent, { type: 'order.placed' | 'order.merged' }>): void {
    const s = e.payload.order;
    this.#seen(s.id, e, s);
    const before = this.orders.get(s.id);
    // without its placing the replay has nothing to change: the history check says so
    if (!before) return;
    let next = summarised(before, s, e.at);
    const lines = (ids: readonly string[], change: (l: OrderLine) => OrderLine): OrderLine[] | null => {
      const touched = new Set(ids);
      if (ids.some((id) => !before.lines.some((l) => l.id === id))) return null;
      return before.lines.map((l) => (touched.has(l.id) ? change(l) : l));
    };
    let changed: OrderLine[] | null = before.lines;
    switch (e.type) {
      case 'order.lines_added':
        changed = [...before.lines, ...e.payload.lines.map(lineOf)];
        break;
      case 'order.lines_fired':
        changed = lines(e.payload.lineIds, (l) => ({ ...l, status: 'fired', firedAt: e.payload.firedAt }));
        break;
      case 'order.lines_status_changed': {
        const { status, at } = e.payload;
        // as advanceLines: ready once, served when served
        changed = lines(e.payload.lineIds, (l) => ({
          ...l,
          status,
          readyAt: status === 'ready' || status === 'served' ? (l.readyAt ?? at) : l.readyAt,
          servedAt: status === 'served' ? at : l.servedAt,
        }));
        // as OrderService: the kitchen finishing a bill the table's phones can no longer read keeps its last change time
        next = quietForLaterParty(before, next, e.at).order;
        break;
      }
      case 'order.lines_recalled':
        changed = lines(e.payload.lineIds, (l) => ({ ...l, status: 'preparing', readyAt: null }));
        next = quietForLaterParty(before, next, e.at).order;
        break;
      case 'order.line_voided':
        changed = lines([e.payload.line.id], () => lineOf(e.payload.line));
        break;
      case 'order.voided':
        changed = before.lines.map((l) => (l.status === 'voided' ? l : { ...l, status: 'voided', voidReason: e.payload.reason }));
        break;
      case 'order.discounted':
        // a discount is refused above the subtotal, so what applies after it is what was granted
        next = { ...next, discountGrantedMinor: s.discountMinor, discountReason: e.payload.reason };
        break;
      case 'order.payment_taken':
        next = { ...next, payments: [...before.payments, e.payload.payment] };
        break;
      case 'order.refunded':
        // as OrderService.refund: a bill the table's phones can no longer read keeps its last change time
        next = quietForLaterParty(before, { ...next, refunds: [...(before.refunds ?? []), e.payload.refund] }, e.at).order;
        break;
      case 'order.rush_changed':
        next = quietForLaterParty(before, next, e.at).order;
        break;
      case 'order.reopened':
        next = { ...next, closedAt: null };
        break;
      case 'order.bill_requested':
        next = { ...next, billRequestedAt: e.payload.requested ? (before.billRequestedAt ?? e.at) : null };
        break;
      case 'order.transferred':
        // as `transfer`: the party sat down at the new table when it moved
        next = { ...next, seatedAt: e.at };
        break;
      case 'order.closed':
        break;
    }
    if (changed === null) return this.#break(s.id, 'inconsistent', `event ${e.seq} names a line the order does not have`);
    if (s.number !== before.number) return this.#break(s.id, 'inconsistent', `event ${e.seq} gives it another number`);
    this.#set(closedBy(before, { ...next, lines: changed }, e.at), e.seq);
  }

  /** As `merge` in order.ts (`joined`): the source's lines, payments and refunds go to the target, kitchen progress kept. */
  #merge(e: Extract<OrderEvent, { type: 'order.merged' }>): void {
    const { merged: ms, order: ts, lineIds, paymentIds } = e.payload;
    this.#seen(ms.id, e, ms);
    this.#seen(ts.id, e, ts);
    this.mergedInto.set(ts.id, [...(this.mergedInto.get(ts.id) ?? []), { seq: e.seq, source: ms.id }]);
    const source = this.orders.get(ms.id);
    const target = this.orders.get(ts.id);
    if (source) {
      const same = (a: readonly { id: string }[], ids: readonly string[]) => a.length === ids.length && a.every((x, i) => x.id === ids[i]);
      if (!same(source.lines, lineIds) || !same(source.payments, paymentIds)) {
        this.#break(ms.id, 'inconsistent', `event ${e.seq} moves other lines or payments than the order had`);
        this.#break(ts.id, 'inconsistent', `event ${e.seq} moves into it what the order merged did not hold`);
        return;
      }
      this.#set(
        {
          ...summarised(source, ms, e.at),
          mergedIntoOrderId: ts.id,
          lines: [],
          payments: [],
          refunds: [],
          discountGrantedMinor: 0,
          billRequestedAt: null,
        },
        e.seq,
      );
    }
    // the target alone is asked for when only it was lost: without the source it cannot be made
    if (!target) return;
    if (!source) return this.#break(ts.id, 'inconsistent', `event ${e.seq} merges into it an order whose placing is not in the log`);
    const sourceBroken = this.broken.get(ms.id);
    if (sourceBroken) this.#break(ts.id, sourceBroken.why, `the order merged into it by event ${e.seq}: ${sourceBroken.detail}`);
    // the totals, the status and the revision as the event says; the joining by the hub's own rules
    const into = summarised(joined(source, target), ts, e.at);
    this.#set(closedBy(target, ts.quotedReadyAt === undefined ? unmarked(into, source) : into, e.at), e.seq);
  }

  /**
   * Null when the log holds every change of the order up to `seq` (default: its last event surviving), and of
   * every order merged into it before: its placing first, then revisions without a hole. Changes after its
   * last event are the caller's to rule out.
   */
  wholeUpTo(id: string, seq = Number.MAX_SAFE_INTEGER): NotWhole | null {
    const key = `${id}@${seq}`;
    const known = this.#whole.get(key);
    if (known !== undefined) return known;
    this.#whole.set(key, 'history-gap'); // a merge cycle (which the rules refuse) is no history
    const verdict = this.#wholeUpTo(id, seq);
    this.#whole.set(key, verdict);
    return verdict;
  }

  #wholeUpTo(id: string, seq: number): NotWhole | null {
    const seen = (this.histories.get(id) ?? []).filter((e) => e.seq <= seq);
    const broken = this.broken.get(id);
    // an event unread leaves a hole too: the more precise reason first; an order that does not add up
    // after a missing change is that change missing
    if (broken?.why === 'unreadable') return broken.why;
    const [first, ...rest] = seen;
    if (!first || first.type !== 'order.placed' || first.summary.revision !== 1) return 'placing-lost';
    let revision = first.summary.revision;
    for (const e of rest) {
      // order.closed repeats the revision of the change that closed the bill (one command, one revision)
      if (e.summary.revision === revision + 1 || (e.summary.revision === revision && e.type === 'order.closed')) revision = e.summary.revision;
      else return 'history-gap';
    }
    for (const m of this.mergedInto.get(id) ?? []) {
      if (m.seq > seq) continue;
      if (this.wholeUpTo(m.source, m.seq) !== null) return 'history-gap';
    }
    return broken?.why ?? null;
  }

  #seen(id: string, e: OrderEvent, summary: OrderSummary): void {
    const list = this.histories.get(id);
    const seen: Seen = { seq: e.seq, type: e.type, at: e.at, summary };
    if (list) list.push(seen);
    else this.histories.set(id, [seen]);
  }

  #set(changed: Order, seq: number): void {
    // as the hub loads an order for its next command (SqliteOrderRepo): payments and refunds by time, so a
    // merge's list reads as the store reads it back
    const byTime = <T extends { createdAt: number }>(xs: readonly T[]): T[] => [...xs].sort((a, b) => a.createdAt - b.createdAt);
    const o: Order = { ...changed, payments: byTime(changed.payments), refunds: byTime(changed.refunds ?? []) };
    this.orders.set(o.id, o);
    const wrong = inconsistency(o);
    if (wrong) this.#break(o.id, 'inconsistent', `after event ${seq} ${wrong}`);
  }

  #break(id: string, why: 'unreadable' | 'inconsistent', detail: string): void {
    if (!this.broken.has(id)) this.broken.set(id, { why, detail });
  }
}
