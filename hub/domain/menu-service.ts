import type { MenuImage, MenuItem, UpdateMenuItem } from '../protocol/menu.ts';
import { businessDate } from './business-date.ts';
import { DomainError } from './errors.ts';
import type { MenuImageRepo } from './menu-images.ts';
import type { CommandContext, MenuRepo } from './ports.ts';
import { requireStaff, staffRoles } from './principal.ts';

/** The record of the portions lines took from a dish's count (`StockRepo.recordTaken`), as a new count sees it. */
export interface StockCountRepo {
  /** Forgets what every line took from the item's count: voiding those lines gives none back. */
  forgetTaken(itemId: string): void;
}

export class MenuService {
  constructor(private readonly repo: MenuRepo & MenuImageRepo & StockCountRepo) {}

  /** Manager edits: names, price, availability, remaining count (for today or until changed), target prep time. */
  updateItem(id: string, patch: UpdateMenuItem, ctx: CommandContext): MenuItem {
    requireStaff(ctx.principal, staffRoles.managerOnly, 'editing the menu');
    // the day a count or switch is for: the next business day's start resets it (stock-day.ts)
    const item = this.repo.updateItem(id, patch, businessDate(ctx.now, ctx.timeZone));
    if (!item) throw new DomainError('not_found', `no menu item ${id}`, { itemId: id });
    // a count (or its end) is what is left to sell as the manager takes it, after the orders already placed:
    // their portions are not in it. A line ordered before, voided, giving its portions back on top would have
    // the dish sold beyond what the kitchen has (the count may well include that portion, still in the fridge)
    if (patch.remaining !== undefined) this.repo.forgetTaken(id);
    ctx.events.emit('menu.item_updated', { item }, ['menu']);
    return item;
  }

  /**
   * Gives an item a photo (already processed and on disk) or, with null, takes it away. The files stay:
   * other items or an earlier menu may name the same hash, and a stale cache may still ask for them.
   */
  setItemImage(id: string, image: MenuImage | null, ctx: CommandContext): MenuItem {
    requireStaff(ctx.principal, staffRoles.managerOnly, 'changing dish photos');
    const item = this.repo.setItemImage(id, image, ctx.now);
    if (!item) throw new DomainError('not_found', `no menu item ${id}`, { itemId: id });
    ctx.events.emit('menu.item_updated', { item }, ['menu']);
    return item;
  }

  /** The refusal an upload gets before its bytes are processed: the same rule `setItemImage` applies. */
  checkMayChangeImages(ctx: Pick<CommandContext, 'principal'>): void {
    requireStaff(ctx.principal, staffRoles.managerOnly, 'changing dish photos');
  }
}
