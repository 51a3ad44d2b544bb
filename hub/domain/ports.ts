import type { EventPayload, EventType } from '../protocol/events.ts';
import type { Order, OrderLine, Payment, OrderStatus, Refund } from '../protocol/orders.ts';
import type { MenuItem, UpdateMenuItem } from '../protocol/menu.ts';
import type { MenuIndex } from './menu-index.ts';
import type { Principal } from './principal.ts';

/**
 * What the rules need from the outside world. The store implements these over SQLite; everything runs
 * synchronously inside one transaction, so a rule sees its own writes and nothing else interleaves.
 */
/** What the order list filters by (`GET /api/v1/orders`); `number` and `before` come with a `businessDate`. */
export interface OrderListFilter {
  status?: OrderStatus | 'open' | undefined;
  tableId?: string | undefined;
  /** One business day's orders (`YYYY-MM-DD`). */
  businessDate?: string | undefined;
  /** The day's order of that number (numbers restart every business day). */
  number?: number | undefined;
  /** The next page: the orders listed after this one (its id). */
  before?: string | undefined;
  limit: number;
}

export interface OrderRepo {
  get(id: string): Order | undefined;
  exists(id: string): boolean;
  lineExists(id: string): boolean;
  paymentExists(id: string): boolean;
  refundExists(id: string): boolean;
  insert(order: Order): void;
  /** Writes the header, upserts the given lines and inserts the payment, if any. */
  save(order: Order, lines: readonly OrderLine[], payment?: Payment): void;
  /** Writes the header and inserts the refund (payments are never changed). */
  saveRefund(order: Order, refund: Refund): void;
  /**
   * Re-homes lines (appended, in the given order, with the seat and origin given: a merge numbers them on
   * after the target's, and marks those fired with the order they were fired on), payments and their refunds
   * to another order (a merge).
   */
  moveContents(toOrderId: string, lines: readonly Pick<OrderLine, 'id' | 'seat' | 'mergedFrom'>[], paymentIds: readonly string[], firstPosition: number, refundIds: readonly string[]): void;
  nextNumber(businessDate: string): number;
  /**
   * Newest first (by creation time, then the order they were stored in), at most `limit`. `before`: an
   * order that exists; the orders listed after it.
   */
  list(filter: OrderListFilter): Order[];
  /**
   * A table's done orders (closed, voided, merged; or only `status`, one of those) placed at or after
   * `placedSince` and last changed at or after `changedSince`, newest first (what a table's phone may read).
   */
  listDoneAtTable(filter: { tableId: string; status?: OrderStatus; placedSince: number; changedSince: number; limit: number }): Order[];
  /**
   * What a KDS must show, oldest first: open orders; closed ones whose food is still in the kitchen (fired,
   * preparing, or bumped ready since `since`); and orders voided or closed since `since` with a line voided
   * while the kitchen may have been cooking it (fired, never bumped), for the screens' void notice.
   */
  listActive(since: number): Order[];
}

export interface FloorRepo {
  tableExists(id: string): boolean;
  table(id: string): { id: string; name: string } | undefined;
  /** Ids of the table's open orders, oldest first (none: the table is free). */
  openOrderIds(tableId: string): string[];
}

export interface StockRepo {
  /** Remaining portions for the given items (null: not counted). */
  remaining(itemIds: Iterable<string>): Map<string, number | null>;
  setRemaining(updates: ReadonlyMap<string, number>): void;
  /** Records the portions of a counted dish each line took. */
  recordTaken(taken: readonly { lineId: string; itemId: string; qty: number }[]): void;
  /** Gives up the record of what these lines took, and returns it (lines that took nothing are not in it). */
  releaseTaken(lineIds: readonly string[]): { lineId: string; itemId: string; qty: number }[];
}

export interface MenuRepo {
  /** `businessDay`: the day a change of the count, the switch or `stockFor` is set on (the reset's `stock_set_on`). */
  updateItem(id: string, patch: UpdateMenuItem, businessDay: string): MenuItem | undefined;
}

export interface EventSink {
  /** Logs the event with the command's write; answers its seq. */
  emit<T extends EventType>(type: T, payload: EventPayload<T>, topics: readonly string[]): number;
}

/** Everything one command runs with: who asks, when, the menu of the moment, and where facts go. */
export interface CommandContext {
  principal: Principal;
  now: number;
  newId: () => string;
  menu: MenuIndex;
  timeZone: string;
  events: EventSink;
}
