import type { MenuItem, UpdateMenuItem } from '../protocol/menu.ts';
import { DomainError } from './errors.ts';
import type { CommandContext, MenuRepo } from './ports.ts';
import { requireStaff, staffRoles } from './principal.ts';

export class MenuService {
  constructor(private readonly repo: MenuRepo) {}

  /** Manager edits: names, price, availability, remaining count, target prep time. */
  updateItem(id: string, patch: UpdateMenuItem, ctx: CommandContext): MenuItem {
    requireStaff(ctx.principal, staffRoles.managerOnly, 'editing the menu');
    const item = this.repo.updateItem(id, patch);
    if (!item) throw new DomainError('not_found', `no menu item ${id}`, { itemId: id });
    ctx.events.emit('menu.item_updated', { item }, ['menu']);
    return item;
  }
}
