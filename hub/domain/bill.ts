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
 * What is paid and still open on each live line, from the payments that named lines less what refunds gave
 * back of them: a refunded line is open again (it can be paid again, or voided).
 */
export function lineBalances(order: Pick<Order, 'lines' | 'payments' | 'refunds'>): Map<string, { paidMinor: number; openMinor: number }> {
  const paid = new Map<string, number>();
  const add = (lineId: string, amountMinor: number) => paid.set(lineId, (paid.get(lineId) ?? 0) + amountMinor);
  for (const p of order.payments) for (const l of p.lines) add(l.lineId, l.amountMinor);
  for (const r of order.refunds ?? []) for (const l of r.lines) add(l.lineId, -l.amountMinor);
  const balances = new Map<string, { paidMinor: number; openMinor: number }>();
  for (const line of order.lines) {
    if (line.status === 'voided') continue;
    const paidMinor = paid.get(line.id) ?? 0;
    balances.set(line.id, { paidMinor, openMinor: Math.max(0, line.lineTotalMinor - paidMinor) });
  }
  return balances;
}

/**
 * Spreads `amountMinor` over the given lines' open amounts, in the given order (an order-level discount
 * can make the amount due smaller than the lines' total: the last lines then stay partly open).
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
