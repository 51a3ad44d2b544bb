/**
 * The business day's counts and sold-out switches. A dish whose stock is `today` (the default) and was counted
 * or switched off on an earlier business day is back on sale, not counted, once the next day starts (04:00,
 * as `businessDate` counts it): the kitchen preps again each morning, and nobody has to remember the dish
 * marked sold out at 21:00. A dish off the menu for longer is set `until_changed`.
 *
 * The reset is the store's own state, not a timer's: it takes the items set on a day before today and clears
 * their day, in one transaction with its events. So it is applied whenever the hub first looks after the
 * boundary (at start, if it was off then), and a second look, or a restart, finds nothing more to do.
 */
import type { MenuItem } from '../protocol/menu.ts';
import { businessDate } from './business-date.ts';
import type { CommandContext } from './ports.ts';

export interface StockDayRepo {
  /**
   * Puts back on sale, not counted, the `today` items counted or switched off on a business day before
   * `today` (forgetting what lines took from their counts), clears their day, and returns them as they are now.
   */
  resetBefore(today: string): MenuItem[];
  /** Whether `resetBefore(today)` would reset anything (a read: the hub asks the writer only then). */
  anyBefore(today: string): boolean;
}

/** Whether the day's reset has anything to do at `now`. */
export const stockResetDue = (repo: StockDayRepo, now: number, timeZone: string): boolean => repo.anyBefore(businessDate(now, timeZone));

/** Applies the day's reset, if one is due at `ctx.now`; each item reset is a `menu.item_updated`. */
export function resetStockDay(repo: StockDayRepo, ctx: Pick<CommandContext, 'now' | 'timeZone' | 'events'>): MenuItem[] {
  const items = repo.resetBefore(businessDate(ctx.now, ctx.timeZone));
  // the event the devices already apply to their menus (clients/shared/menu-events.ts): no client change
  for (const item of items) ctx.events.emit('menu.item_updated', { item }, ['menu']);
  return items;
}
