/**
 * The bill "as the hub will see it", checked against the hub's own rules. Random orders (dishes at odd fen,
 * seats, free dishes, a held course, a manager's discount, some of it already paid and refunded on the hub)
 * get a random queue of what this tablet offers while the hub is out of reach: payments on the whole bill,
 * by item, by seat, even shares, a payment of 0 that settles, voids, refunds by line or in part. Then
 * - the hub's own `pay` / `voidLine` / `refund` (hub/domain/order.ts) take every change of the queue, in
 *   queue order: the tablet never offered what the hub refuses;
 * - `withQueued` / `billAfterQueued` on the bill the tablet had give what the hub stored: what can still be
 *   paid, what is paid, each line's balance — also when the hub already stored the first changes of the
 *   queue and their answers were lost (the stream brought the bill first).
 * Seeded: a failure names its seed, and the same seed replays the same case.
 */
import { describe, expect, it } from 'vitest';
import { discount, isOpen, pay, refund, settle, voidLine } from '../../hub/domain/order.ts';
import { blankOrder, orderLine } from '../../hub/print/order-fixtures.ts';
import type { Order, OrderLine, PaymentInput, RefundInput } from '../../hub/protocol/index.ts';
import { billAfterQueued, lineBalances, linesAmount, nextShare, refundLeft, refundProblem, seatLineIds, seatsOf, splitProblem, voidBlocked, withQueued, type QueuedChange, type QueuedRefund } from './pos-logic.ts';

/** mulberry32: small, seeded, good enough to pick cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pick {
  int(lo: number, hi: number): number;
  one<T>(xs: readonly T[]): T;
  some<T>(xs: readonly T[]): T[];
  chance(p: number): boolean;
}

function picker(seed: number): Pick {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  return {
    int,
    one: (xs) => xs[int(0, xs.length - 1)]!,
    some: (xs) => xs.filter(() => r() < 0.5),
    chance: (p) => r() < p,
  };
}

/** An open order as the hub stores it (totals from `settle`). */
function makeOrder(p: Pick): Order {
  const n = p.int(2, 5);
  const lines: OrderLine[] = Array.from({ length: n }, (_, i) => {
    const total = p.chance(0.1) ? 0 : p.int(1, 60) * 100 + (p.chance(0.5) ? p.int(1, 99) : 0);
    const held = i === n - 1 && p.chance(0.15);
    return orderLine(`l${i}`, {
      unitPriceMinor: total,
      lineTotalMinor: total,
      seat: p.chance(0.3) ? null : p.int(1, 3),
      addedAt: 0,
      addedByStaffId: null,
      ...(held ? { status: 'held' as const, firedAt: null, course: 2 } : { firedAt: 0 }),
    });
  });
  const raw = blankOrder({ guestCount: 3, lines, discountGrantedMinor: 0 });
  let o = settle(raw, 0);
  if (p.chance(0.5)) {
    const amountMinor = p.chance(0.2) ? o.subtotalMinor : p.int(0, o.subtotalMinor);
    o = discount(o, { amountMinor, reason: 'regulars' }, 0).order;
  }
  return o;
}

/** A change this tablet offers, as the hub's API gets it and as the tablet counts it on its way. */
type Offered = { kind: 'payment'; input: PaymentInput } | { kind: 'void'; lineId: string } | { kind: 'refund'; input: RefundInput; queued: QueuedRefund };

const queuedOf = (c: Offered): QueuedChange =>
  c.kind === 'payment' ? { kind: 'payment', id: c.input.id, amountMinor: c.input.amountMinor, ...(c.input.lineIds ? { lineIds: c.input.lineIds } : {}) } : c.kind === 'void' ? { kind: 'void', lineId: c.lineId } : c.queued;

/**
 * What the tablet offers on `shown` (the hub's bill it has) with `queue` on its way, by the gates of
 * pos-app.ts and bill.tsx: `pay` (paymentProblem, a bill not read-only, splitProblem on billAfterQueued; the
 * bill screen's amounts: linesAmount, seatLineIds, nextShare; the settle button), `canVoid`, `queueRefund`.
 */
function offers(shown: Order, queue: readonly Offered[], n: number): Offered[] {
  if (!isOpen(shown)) return [];
  const q = queue.map(queuedOf);
  const bill = billAfterQueued(shown, q);
  const out: Offered[] = [];
  const payment = (amountMinor: number, split?: { lineIds: string[] } | { ways: number }) => {
    // bill.tsx: 0 or more than is due is never offered (paymentProblem with dueMinor); pos-app.pay: splitProblem
    if (amountMinor <= 0 || amountMinor > bill.dueMinor || splitProblem(shown, bill, { amountMinor, split }) !== null) return;
    const input: PaymentInput = { id: `p-${n}-${out.length}`, tender: 'cash', amountMinor };
    if (split && 'lineIds' in split) input.lineIds = split.lineIds;
    if (split && 'ways' in split) input.splitWays = split.ways;
    out.push({ kind: 'payment', input });
  };
  payment(bill.dueMinor);
  payment(Math.max(1, Math.floor(bill.dueMinor / 3)));
  for (const ways of [2, 3, 5]) payment(nextShare(bill.dueMinor, ways), { ways });
  const open = shown.lines.filter((l) => (bill.balances.get(l.id)?.openMinor ?? 0) > 0).map((l) => l.id);
  for (const id of open) payment(linesAmount(shown, [id], bill.dueMinor, bill.balances), { lineIds: [id] });
  if (open.length > 1) payment(linesAmount(shown, open, bill.dueMinor, bill.balances), { lineIds: open });
  for (const seat of seatsOf(shown)) {
    const ids = seatLineIds(shown, seat, bill.balances);
    if (ids.length > 0) payment(linesAmount(shown, ids, bill.dueMinor, bill.balances), { lineIds: ids });
  }
  // the settle button (bill.tsx): nothing due on the hub nor after the queue, food, nothing held, no payment on
  // its way, a dish left after the queue; then pos-app.pay's splitProblem
  const live = shown.lines.filter((l) => l.status !== 'voided');
  const settles = shown.dueMinor === 0 && bill.dueMinor === 0 && live.length > 0 && !shown.lines.some((l) => l.status === 'held') && !queue.some((c) => c.kind === 'payment');
  if (settles && bill.balances.size > 0 && splitProblem(shown, bill, { amountMinor: 0 }) === null) {
    out.push({ kind: 'payment', input: { id: `p-${n}-settle`, tender: 'cash', amountMinor: 0 } });
  }
  // canVoid
  const after = withQueued(shown, q);
  for (const l of live) {
    if (voidBlocked(after, l.id) === null && !queue.some((c) => c.kind === 'void' && c.lineId === l.id)) out.push({ kind: 'void', lineId: l.id });
  }
  // queueRefund: a payment of the hub's bill with something left, counting refunds on their way
  const pending = q.filter((c): c is QueuedRefund => c.kind === 'refund');
  for (const p of shown.payments) {
    const left = refundLeft(shown, p.id, pending);
    if (!left || left.leftMinor === 0) continue;
    const tries: { amountMinor: number; lineIds?: string[] }[] =
      p.lines.length === 0
        ? [{ amountMinor: left.leftMinor }, { amountMinor: Math.max(1, Math.floor(left.leftMinor / 2)) }]
        : [{ amountMinor: left.leftMinor }, ...[...left.lines].map(([lineId, amountMinor]) => ({ amountMinor, lineIds: [lineId] }))];
    for (const t of tries) {
      const r = { paymentId: p.id, amountMinor: t.amountMinor, reason: 'cold', ...(t.lineIds ? { lineIds: t.lineIds } : {}) };
      if (refundProblem(shown, r, pending) !== null) continue;
      const lineIds = p.lines.length > 0 ? (t.lineIds ?? [...left.lines.keys()]) : [];
      const id = `r-${n}-${out.length}`;
      out.push({ kind: 'refund', input: { id, ...r }, queued: { kind: 'refund', id, paymentId: p.id, amountMinor: t.amountMinor, lines: lineIds.map((lineId) => ({ lineId, amountMinor: left.lines.get(lineId) ?? 0 })) } });
    }
  }
  return out;
}

/** The hub stores one change (its own rules; throws what it refuses). */
function store(o: Order, c: Offered, now: number): Order {
  const made = { id: c.kind === 'void' ? '' : c.input.id!, now, staffId: null };
  if (c.kind === 'payment') return pay(o, c.input, made).order;
  if (c.kind === 'void') return voidLine(o, c.lineId, 'test', now).order;
  return refund(o, c.input, made).order;
}

/** What the tablet can compare with the hub: what can still be paid, what is paid, each line's balance. */
const seen = (o: { dueMinor: number; paidMinor: number; balances: ReturnType<typeof lineBalances> }) => ({
  dueMinor: o.dueMinor,
  paidMinor: o.paidMinor,
  balances: Object.fromEntries(o.balances),
});
// a done bill takes no more payments: nothing can be paid on it, whatever a refund gave back
const hubSeen = (o: Order) => seen({ dueMinor: isOpen(o) ? o.dueMinor : 0, paidMinor: o.paidMinor, balances: lineBalances(o) });
const tabletSeen = (shown: Order, queue: readonly Offered[]) => {
  const q = queue.map(queuedOf);
  const after = withQueued(shown, q);
  return seen({ dueMinor: billAfterQueued(shown, q).dueMinor, paidMinor: after.paidMinor, balances: lineBalances(after) });
};

/** One case: the hub's history, then a queue made on the tablet while the hub is away. */
function run(seed: number): void {
  const p = picker(seed);
  let hub = makeOrder(p);
  // some history on the hub first (this or another device, answered): what the tablet offered then
  for (let i = p.int(0, 3); i > 0; i--) {
    const choices = offers(hub, [], 100 + i);
    if (choices.length === 0) break;
    hub = store(hub, p.one(choices), 1);
  }
  const shown = hub;
  const queue: Offered[] = [];
  const stored: Order[] = [shown];
  for (let n = p.int(1, 5); n > 0; n--) {
    const choices = offers(shown, queue, n);
    if (choices.length === 0) break;
    const c = p.one(choices);
    queue.push(c);
    let next: Order;
    try {
      next = store(stored.at(-1)!, c, 2 + queue.length);
    } catch (err) {
      throw new Error(`seed ${seed}: the tablet offered ${JSON.stringify(c)} and the hub refused it: ${(err as Error).message}\nbill shown: ${JSON.stringify(shown)}\nqueue before: ${JSON.stringify(queue.slice(0, -1))}`);
    }
    stored.push(next);
  }
  const final = stored.at(-1)!;
  // the bill the tablet had, with the whole queue; and the hub's bill with some of it stored (answers lost)
  for (let k = 0; k < stored.length; k++) {
    expect(tabletSeen(stored[k]!, queue), `seed ${seed}: the hub stored ${k} of ${queue.length} changes ${JSON.stringify(queue)}`).toEqual(hubSeen(final));
  }
}

describe('the bill with the changes on their way is the bill the hub stores', () => {
  it('takes every change the tablet offers, and ends with the due and line balances the tablet counted (3000 random cases)', () => {
    for (let seed = 1; seed <= 3000; seed++) run(seed);
  });
});
