/**
 * The customer's cart and the menu rules it must respect before anything is sent: option groups with
 * min/max, sold-out items. Pure functions; the hub re-checks everything and computes the real prices (the
 * totals here are a preview from the same menu).
 */
import type { LineInput, Menu, MenuItem, OptionGroup, Order } from '../../hub/protocol/index.ts';

export interface CartLine {
  /** Local id of the cart row (also the order line id sent to the hub). */
  id: string;
  itemId: string;
  qty: number;
  optionIds: string[];
  note: string;
}

export const isSoldOut = (item: Pick<MenuItem, 'available' | 'remaining'>): boolean => !item.available || item.remaining === 0;

export function groupsOf(menu: Menu, item: MenuItem): OptionGroup[] {
  return item.optionGroupIds.map((id) => menu.optionGroups.find((g) => g.id === id)).filter((g): g is OptionGroup => g !== undefined);
}

/** The options a cart line chose, in the item's group order (what the cart lists under the dish). */
export const chosenOptions = (menu: Menu, item: MenuItem, optionIds: readonly string[]): OptionGroup['options'] =>
  groupsOf(menu, item).flatMap((g) => g.options.filter((o) => optionIds.includes(o.id)));

export interface GroupProblem {
  group: OptionGroup;
  kind: 'min' | 'max';
}

/** What is wrong with these choices for this item (empty: it can go in the cart). */
export function optionProblems(menu: Menu, item: MenuItem, optionIds: readonly string[]): GroupProblem[] {
  const problems: GroupProblem[] = [];
  for (const group of groupsOf(menu, item)) {
    const n = group.options.filter((o) => optionIds.includes(o.id)).length;
    if (n < group.minChoices) problems.push({ group, kind: 'min' });
    else if (n > group.maxChoices) problems.push({ group, kind: 'max' });
  }
  return problems;
}

/**
 * Chosen options the dish no longer offers: taken off the menu, or their group taken off the dish. The
 * min/max count cannot see them (they are in no group), and the hub refuses the whole order for them.
 */
export function unknownOptions(menu: Menu, item: MenuItem, optionIds: readonly string[]): string[] {
  const offered = new Set(groupsOf(menu, item).flatMap((g) => g.options.map((o) => o.id)));
  return optionIds.filter((id) => !offered.has(id));
}

/**
 * Tapping an option: a one-choice group swaps its choice; a many-choice group toggles, refusing a choice
 * past its max (the sheet disables those).
 */
export function toggleOption(menu: Menu, item: MenuItem, optionIds: readonly string[], optionId: string): string[] {
  const group = groupsOf(menu, item).find((g) => g.options.some((o) => o.id === optionId));
  if (!group) return [...optionIds];
  const inGroup = new Set(group.options.map((o) => o.id));
  if (optionIds.includes(optionId)) {
    // a required single choice stays chosen: tapping it again is a no-op
    if (group.maxChoices === 1 && group.minChoices >= 1) return [...optionIds];
    return optionIds.filter((id) => id !== optionId);
  }
  if (group.maxChoices === 1) return [...optionIds.filter((id) => !inGroup.has(id)), optionId];
  const chosen = optionIds.filter((id) => inGroup.has(id)).length;
  if (chosen >= group.maxChoices) return [...optionIds];
  return [...optionIds, optionId];
}

/** Choices to start an item sheet with: a group with a single option that must be chosen is chosen. */
export function defaultOptions(menu: Menu, item: MenuItem): string[] {
  return groupsOf(menu, item).flatMap((g) => (g.minChoices >= 1 && g.options.length === 1 ? [g.options[0]!.id] : []));
}

export function unitPrice(menu: Menu, item: MenuItem, optionIds: readonly string[]): number {
  let price = item.priceMinor;
  for (const g of groupsOf(menu, item)) for (const o of g.options) if (optionIds.includes(o.id)) price += o.priceDeltaMinor;
  return price;
}

export function cartTotal(menu: Menu, lines: readonly CartLine[]): number {
  let total = 0;
  for (const l of lines) {
    const item = menu.items.find((i) => i.id === l.itemId);
    if (item) total += unitPrice(menu, item, l.optionIds) * l.qty;
  }
  return total;
}

export const cartCount = (lines: readonly CartLine[]): number => lines.reduce((n, l) => n + l.qty, 0);

/**
 * Cart rows that cannot be sent now: sold out or gone from the menu since they were added, an option gone
 * from the dish or choices no longer valid, or more of a counted dish than is left (over all its rows: the
 * hub reserves the whole order's quantity at once and refuses the whole order, sold out, when it is short).
 */
export function cartProblems(menu: Menu, lines: readonly CartLine[]): string[] {
  const wanted = new Map<string, number>();
  for (const l of lines) wanted.set(l.itemId, (wanted.get(l.itemId) ?? 0) + l.qty);
  return lines
    .filter((l) => {
      const item = menu.items.find((i) => i.id === l.itemId);
      if (!item || isSoldOut(item) || unknownOptions(menu, item, l.optionIds).length > 0 || optionProblems(menu, item, l.optionIds).length > 0) return true;
      return item.remaining !== null && (wanted.get(l.itemId) ?? 0) > item.remaining;
    })
    .map((l) => l.id);
}

/** The cart as the hub's order lines; each line carries its own client id. */
export const toLineInputs = (lines: readonly CartLine[]): LineInput[] =>
  lines.map((l) => ({ id: l.id, itemId: l.itemId, qty: l.qty, optionIds: [...l.optionIds], ...(l.note.trim() ? { note: l.note.trim() } : {}) }));

export type CustomerStatus = 'received' | 'cooking' | 'ready' | 'served' | 'paid' | 'cancelled' | 'merged';

/** What a customer is told about an order: received (in the queue), cooking, ready, served, paid. */
export function customerStatus(order: Pick<Order, 'status'>): CustomerStatus {
  switch (order.status) {
    case 'placed':
    case 'fired':
      return 'received';
    case 'preparing':
      return 'cooking';
    case 'ready':
      return 'ready';
    case 'served':
      return 'served';
    case 'closed':
      return 'paid';
    case 'voided':
      return 'cancelled';
    case 'merged':
      return 'merged';
  }
}

/** The same for one line (held lines are "received": waiting to be fired). */
export function lineStatus(status: Order['lines'][number]['status']): CustomerStatus {
  switch (status) {
    case 'held':
    case 'fired':
      return 'received';
    case 'preparing':
      return 'cooking';
    case 'ready':
      return 'ready';
    case 'served':
      return 'served';
    case 'voided':
      return 'cancelled';
  }
}
