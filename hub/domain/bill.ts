/**
 * Splitting a bill, in integer minor units. Pure and free of imports (types only), so the waiter tablet
 * computes the same shares and line balances that the hub checks a payment against.
 */
import type { Order, PaymentLine } from '../protocol/orders.ts';

/**
 * `totalMinor` as `ways` shares that differ by at most one fen and sum exactly to the total; the remainder
 * fen go to the first shares. Paying share 1 and splitting the rest `ways - 1` ways gives the same
 * remaining shares, so a tablet only needs to remember how many ways are left.
 *
 * @example evenShares(10_000, 3) // [3334, 3333, 3333]
 */
export function evenShares(totalMinor: number, ways: number): number[] {
  if (!Number.isSafeInteger(totalMinor) || totalMinor < 0) throw new RangeError(`cannot split ${totalMinor}`);
  if (!Number.isSafeInteger(ways) || ways < 1) throw new RangeError(`cannot split ${ways} ways`);
  const base = Math.floor(totalMinor / ways);
  const remainder = totalMinor - base * ways;
  return Array.from({ length: ways }, (_, i) => base + (i < remainder ? 1 : 0));
}

/**
 * What each live line comes to on the bill: its total less its part of the discount applied, the discount
 * spread over the lines in proportion to their totals (largest remainder; a tie goes to the earlier line),
 * so the parts sum exactly to the bill's total. A guest paying their seat's dishes pays their share of a
 * discount on the table, not full price while the last guest to pay gets the whole of it.
 *
 * @example lineAmounts({ discountMinor: 2000, lines: [a 6000, b 4000] }) // a 4800, b 3200
 */
export function lineAmounts(order: Pick<Order, 'lines' | 'discountMinor'>): Map<string, number> {
  const live = order.lines.filter((l) => l.status !== 'voided');
  const subtotal = live.reduce((sum, l) => sum + l.lineTotalMinor, 0);
  const discount = Math.min(Math.max(0, order.discountMinor), subtotal);
  // integer arithmetic: a line's exact part is discount·total/subtotal, its floor and what is left over
  const parts = live.map((l, i) => {
    const exact = discount * l.lineTotalMinor;
    return { l, i, floor: subtotal === 0 ? 0 : Math.floor(exact / subtotal), rest: subtotal === 0 ? 0 : exact % subtotal };
  });
  let left = discount - parts.reduce((sum, p) => sum + p.floor, 0);
  // `left` is less than the number of lines with a remainder: each gets at most one fen, never past its total
  for (const p of [...parts].sort((a, b) => b.rest - a.rest || a.i - b.i)) {
    if (left === 0) break;
    if (p.rest === 0) continue;
    p.floor += 1;
    left -= 1;
  }
  return new Map(parts.map((p) => [p.l.id, p.l.lineTotalMinor - p.floor]));
}

/**
 * What is paid and still open on each live line, from the payments that named lines less what refunds gave
 * back of them (a refunded line is open again: it can be paid again, or voided), against what the line comes
 * to on the bill (`lineAmounts`: its total less its part of the discount).
 */
export function lineBalances(order: Pick<Order, 'lines' | 'payments' | 'refunds' | 'discountMinor'>): Map<string, { paidMinor: number; openMinor: number }> {
  const paid = new Map<string, number>();
  const add = (lineId: string, amountMinor: number) => paid.set(lineId, (paid.get(lineId) ?? 0) + amountMinor);
  for (const p of order.payments) for (const l of p.lines) add(l.lineId, l.amountMinor);
  for (const r of order.refunds ?? []) for (const l of r.lines) add(l.lineId, -l.amountMinor);
  const amounts = lineAmounts(order);
  const balances = new Map<string, { paidMinor: number; openMinor: number }>();
  for (const [lineId, amountMinor] of amounts) {
    const paidMinor = Math.max(0, paid.get(lineId) ?? 0);
    balances.set(lineId, { paidMinor, openMinor: Math.max(0, amountMinor - paidMinor) });
  }
  return balances;
}

/**
 * Spreads `amountMinor` over the given lines' open amounts, in the given order (a payment on the whole bill
 * names no lines, and can make the amount due smaller than the lines' open amounts: the last lines then
 * stay partly open).
 */
export function allocate(amountMinor: number, open: readonly { lineId: string; openMinor: number }[]): PaymentLine[] {
  let left = amountMinor;
  const out: PaymentLine[] = [];
  for (const l of open) {
    const take = Math.min(left, l.openMinor);
    if (take > 0) out.push({ lineId: l.lineId, amountMinor: take });
    left -= take;
  }
  return out;
}

/** The seats that have live lines, ascending (lines without a seat are shared: not listed). */
export function seatsOf(order: Pick<Order, 'lines'>): number[] {
  const seats = new Set<number>();
  for (const l of order.lines) if (l.status !== 'voided' && l.seat != null) seats.add(l.seat);
  return [...seats].sort((a, b) => a - b);
}
