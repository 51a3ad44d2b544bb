import type { OpenWaiterCall, TableStatus } from '../protocol/floor.ts';

/** What the floor needs of one open order: how many of its lines are where (voided lines not counted). */
export interface OpenOrderLines {
  /** Lines not voided. */
  live: number;
  /** Waiting for a waiter to fire them. */
  held: number;
  /** Fired or being prepared. */
  cooking: number;
  /** Bumped ready: at the pass. */
  ready: number;
  billRequested?: boolean;
  /** Something paid and nothing due: its guests wait for no bill (a course still held keeps it open). */
  paidInFull?: boolean;
}

/**
 * A table's status, derived from its open orders' lines (never stored, so it cannot drift):
 * free → seated (opened, nothing ordered) → ordered → in-kitchen → food-ready → served → bill-requested.
 * The most urgent state wins: food waiting at the pass matters more than a bill (it gets cold; the guests
 * waiting to pay can see a waiter coming), and both more than food still cooking. By the lines, not the
 * orders' status: an order with one dish at the pass and another cooking, or a later course held, is
 * "preparing", and the dish at the pass would not show.
 */
export function tableStatus(openOrders: readonly OpenOrderLines[]): TableStatus {
  if (openOrders.length === 0) return 'free';
  if (openOrders.some((o) => o.ready > 0)) return 'food-ready';
  if (openOrders.some(waitsForBill)) return 'bill-requested';
  if (openOrders.some((o) => o.cooking > 0)) return 'in-kitchen';
  if (openOrders.some((o) => o.held > 0)) return 'ordered';
  // nothing held, cooking or at the pass: any food there is has been served. An empty order beside it does not
  // make the table "seated": the host's opening order stays empty when the guests order on their phones
  if (openOrders.some((o) => o.live > 0)) return 'served';
  return 'seated';
}

/**
 * A bill request someone still waits on. Not on a bill paid in full (it stays open while a course is held: the
 * waiter would come with the card terminal to guests who have paid), nor on an order with no food: a phone's
 * "bill please" marks every open order of its table, the host's empty opening order too, which has no bill and
 * stays open once the phones' orders are paid.
 */
const waitsForBill = (o: OpenOrderLines): boolean => o.billRequested === true && !o.paidInFull && o.live > 0;

/**
 * How far back the open calls are looked for: a call no one acknowledged in three hours is from a party long
 * seen to (or gone), and a tablet loading the floor should not ring for it.
 */
export const WAITER_CALL_LOOKBACK_MS = 3 * 3600_000;

/** A call's or an acknowledgement's event, as the open calls are derived from the log. */
export type WaiterCallFact =
  | { kind: 'called'; call: OpenWaiterCall }
  | { kind: 'acknowledged'; tableId: string; throughSeq: number };

/**
 * The calls no one has acknowledged, derived from the log (never stored, so no tablet and no table can
 * disagree): `open` (those known up to some seq) then the facts after it, oldest first. An acknowledgement
 * clears its table's calls up to the seq it names, and no later one. Calls made before `since` are left out:
 * the look-back is bounded, and a call that old is from a party long seen to or gone.
 */
export function openWaiterCalls(open: readonly OpenWaiterCall[], facts: readonly WaiterCallFact[], since: number): OpenWaiterCall[] {
  let calls = [...open];
  for (const f of facts) {
    if (f.kind === 'called') calls.push(f.call);
    else calls = calls.filter((c) => c.table.id !== f.tableId || c.seq > f.throughSeq);
  }
  return calls.filter((c) => c.at >= since);
}
