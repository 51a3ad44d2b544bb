/**
 * What a kitchen screen shows, derived from the board: pure functions of (orders, menu, view, now), so
 * colours and order can be tested with any clock.
 */
import type { Menu, MergedFrom, Order, OrderLine } from '../../hub/protocol/index.ts';
import { isVoidedWhileCooking } from './board.ts';

export type View = { kind: 'station'; stationId: string } | { kind: 'expo' };

/** green → amber → red against the target prep time. */
export type Urgency = 'ok' | 'warn' | 'late';

/** Amber from this share of the target prep time; red once it is passed. */
export const WARN_AT = 0.75;
const DEFAULT_TARGET_S = 600;

export interface MenuTargets {
  item: ReadonlyMap<string, number | null>;
  station: ReadonlyMap<string, number>;
}

export const menuTargets = (menu: Menu | null): MenuTargets => ({
  item: new Map((menu?.items ?? []).map((i) => [i.id, i.targetPrepSeconds])),
  station: new Map((menu?.stations ?? []).map((s) => [s.id, s.targetPrepSeconds])),
});

/** The item's own target prep time, else its station's. */
export const targetSeconds = (line: Pick<OrderLine, 'itemId' | 'stationId'>, t: MenuTargets): number =>
  t.item.get(line.itemId) ?? t.station.get(line.stationId) ?? DEFAULT_TARGET_S;

export function urgencyOf(ageMs: number, targetMs: number): Urgency {
  if (ageMs >= targetMs) return 'late';
  if (ageMs >= targetMs * WARN_AT) return 'warn';
  return 'ok';
}

export type LineState = 'pending' | 'done' | 'voided';

export interface TicketLine {
  line: OrderLine;
  state: LineState;
  /** Added to the order after it was placed (an add-on to a ticket already in the kitchen). */
  isAddOn: boolean;
  /** Fired on another table's order, then moved onto this one by a merge: food the cooks have, not an add-on. */
  mergedFrom: MergedFrom | null;
  /** Still cooking past its own target prep time. */
  isLate: boolean;
}

export interface Ticket {
  order: Order;
  lines: TicketLine[];
  /** What bumping the whole ticket moves: pending lines at a station (→ ready), ready lines at expo (→ served). */
  bumpLineIds: string[];
  /** When its oldest line still cooking was fired; the age shown counts from here. */
  startedAt: number;
  ageMs: number;
  /** When the first of its lines is due (fired + that line's target prep time). */
  dueAt: number;
  /** The most urgent line decides: a 4-minute drink on a ticket with a 20-minute fish is late after 4. */
  urgency: Urgency;
  /** Expo: every station has bumped its lines. */
  isReady: boolean;
  /** The whole order was voided while its food was on the screen. */
  isVoided: boolean;
  /** Lines at this view still held for a later course. */
  heldCount: number;
  /** Expo: per station, lines bumped of lines sent. */
  stations: { stationId: string; done: number; total: number }[];
}

const isPending = (l: OrderLine) => l.status === 'fired' || l.status === 'preparing';
const isDone = (l: OrderLine) => l.status === 'ready' || l.status === 'served';

export function buildTickets(
  orders: Iterable<Order>,
  targets: MenuTargets,
  view: View,
  now: number,
  dismissed: ReadonlySet<string> = new Set(),
): Ticket[] {
  const tickets: Ticket[] = [];
  for (const order of orders) {
    const t = view.kind === 'expo' ? expoTicket(order, targets, now, dismissed) : stationTicket(order, view.stationId, targets, now, dismissed);
    if (t) tickets.push(t);
  }
  return tickets.sort(compareTickets);
}

function stationTicket(
  order: Order,
  stationId: string,
  targets: MenuTargets,
  now: number,
  dismissed: ReadonlySet<string>,
): Ticket | null {
  const here = order.lines.filter((l) => l.stationId === stationId);
  const pending = here.filter(isPending);
  const voidedLive = here.filter((l) => isVoidedWhileCooking(l) && !dismissed.has(l.id));
  if (pending.length === 0 && voidedLive.length === 0) return null;
  const shown = here.filter((l) => l.firedAt !== null && (l.status !== 'voided' || !dismissed.has(l.id)));
  return finish(order, shown, pending, pending, targets, now, { isReady: false, isVoided: order.status === 'voided', heldCount: countHeld(here) });
}

function expoTicket(order: Order, targets: MenuTargets, now: number, dismissed: ReadonlySet<string>): Ticket | null {
  const sent = order.lines.filter((l) => l.firedAt !== null);
  const unserved = sent.filter((l) => isPending(l) || l.status === 'ready');
  const voidedLive = sent.filter((l) => isVoidedWhileCooking(l) && !dismissed.has(l.id));
  if (unserved.length === 0 && voidedLive.length === 0) return null;
  const cooking = unserved.filter(isPending);
  const isReady = unserved.length > 0 && cooking.length === 0;
  const shown = sent.filter((l) => l.status !== 'voided' || !dismissed.has(l.id));
  const ready = unserved.filter((l) => l.status === 'ready');
  const t = finish(order, shown, unserved, cooking.length > 0 ? cooking : unserved, targets, now, {
    isReady,
    isVoided: order.status === 'voided',
    heldCount: countHeld(order.lines),
  });
  t.bumpLineIds = ready.map((l) => l.id);
  const byStation = new Map<string, { done: number; total: number }>();
  for (const l of sent) {
    if (l.status === 'voided') continue;
    const s = byStation.get(l.stationId) ?? { done: 0, total: 0 };
    s.total += l.qty;
    if (isDone(l)) s.done += l.qty;
    byStation.set(l.stationId, s);
  }
  t.stations = [...byStation].map(([stationId, s]) => ({ stationId, ...s }));
  return t;
}

function finish(
  order: Order,
  shown: OrderLine[],
  open: OrderLine[],
  timed: OrderLine[],
  targets: MenuTargets,
  now: number,
  extra: Pick<Ticket, 'isReady' | 'isVoided' | 'heldCount'>,
): Ticket {
  const clocked = (timed.length > 0 ? timed : shown).filter((l) => l.firedAt !== null);
  const startedAt = Math.min(...clocked.map((l) => l.firedAt!), now);
  const dueOf = (l: OrderLine) => l.firedAt! + targetSeconds(l, targets) * 1000;
  const dueAt = Math.min(...clocked.map(dueOf), Number.MAX_SAFE_INTEGER);
  const worst = clocked.reduce<Urgency>((u, l) => max(u, urgencyOf(now - l.firedAt!, targetSeconds(l, targets) * 1000)), 'ok');
  const isAddOn = (l: OrderLine) => l.addedAt > order.createdAt && !l.mergedFrom;
  // within a course the add-ons come last, under their own heading (ticket-card.tsx): lines a merge brought,
  // ordered after an add-on, are part of the ticket all the same
  const sorted = [...shown].sort((a, b) => a.course - b.course || Number(isAddOn(a)) - Number(isAddOn(b)) || a.addedAt - b.addedAt);
  return {
    order,
    lines: sorted.map((line) => ({
      line,
      state: line.status === 'voided' ? 'voided' : isDone(line) ? 'done' : 'pending',
      isAddOn: isAddOn(line),
      mergedFrom: line.mergedFrom ?? null,
      isLate: isPending(line) && line.firedAt !== null && now >= dueOf(line),
    })),
    bumpLineIds: open.filter(isPending).map((l) => l.id),
    startedAt,
    ageMs: now - startedAt,
    dueAt,
    urgency: worst,
    stations: [],
    ...extra,
  };
}

const order3: Urgency[] = ['ok', 'warn', 'late'];
const max = (a: Urgency, b: Urgency): Urgency => (order3.indexOf(a) >= order3.indexOf(b) ? a : b);

const countHeld = (lines: OrderLine[]) => lines.filter((l) => l.status === 'held').length;

/** Voided first (stop cooking), then rush, then ready at expo, then overdue (longest overdue first), then oldest. */
export function compareTickets(a: Ticket, b: Ticket): number {
  return (
    rank(b.isVoided) - rank(a.isVoided) ||
    rank(b.order.rush) - rank(a.order.rush) ||
    rank(b.isReady) - rank(a.isReady) ||
    rank(b.urgency === 'late') - rank(a.urgency === 'late') ||
    (a.urgency === 'late' ? a.dueAt - b.dueAt : 0) ||
    a.startedAt - b.startedAt ||
    a.order.number - b.order.number
  );
}
const rank = (x: boolean) => (x ? 1 : 0);

export interface AllDayCount {
  itemId: string;
  nameZh: string;
  nameEn: string;
  qty: number;
}

/** How many of each item are waiting at this view right now (sent, not bumped). */
export function allDayCounts(tickets: readonly Ticket[]): AllDayCount[] {
  const counts = new Map<string, AllDayCount>();
  for (const t of tickets) {
    for (const { line } of t.lines) {
      if (!isPending(line)) continue;
      const c = counts.get(line.itemId) ?? { itemId: line.itemId, nameZh: line.nameZh, nameEn: line.nameEn, qty: 0 };
      c.qty += line.qty;
      counts.set(line.itemId, c);
    }
  }
  return [...counts.values()].sort((a, b) => b.qty - a.qty || a.nameEn.localeCompare(b.nameEn));
}

export interface Bumped {
  order: Order;
  lineIds: string[];
  readyAt: number;
}

/** The tickets this station bumped most recently and that can still be recalled (ready, not yet served). */
export function recentlyBumped(orders: Iterable<Order>, stationId: string | null, limit = 8): Bumped[] {
  const out: Bumped[] = [];
  for (const order of orders) {
    if (order.status === 'voided') continue;
    const ready = order.lines.filter((l) => l.status === 'ready' && (stationId === null || l.stationId === stationId));
    if (ready.length === 0) continue;
    out.push({ order, lineIds: ready.map((l) => l.id), readyAt: Math.max(...ready.map((l) => l.readyAt ?? 0)) });
  }
  return out.sort((a, b) => b.readyAt - a.readyAt).slice(0, limit);
}
