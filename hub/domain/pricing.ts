import type { LineInput, OrderLine, ChosenOption } from '../protocol/orders.ts';
import { DomainError } from './errors.ts';
import type { MenuIndex } from './menu-index.ts';

/**
 * Turns what a device asked for into a priced line. The hub computes every price: the client sends item and
 * option ids only, never amounts.
 */
export function priceLine(
  menu: MenuIndex,
  input: LineInput,
  line: { id: string; now: number; staffId: string | null },
): OrderLine {
  const item = menu.items.get(input.itemId);
  if (!item) throw new DomainError('invalid_order', `unknown menu item "${input.itemId}"`, { itemId: input.itemId });
  if (!item.available) {
    throw new DomainError('item_unavailable', `${item.nameEn} / ${item.nameZh} is not available`, { itemId: item.id });
  }

  const optionIds = input.optionIds ?? [];
  if (new Set(optionIds).size !== optionIds.length) {
    throw new DomainError('invalid_order', `an option is chosen twice for ${item.nameEn}`, { itemId: item.id });
  }
  const chosen: ChosenOption[] = [];
  const countByGroup = new Map<string, number>();
  for (const optionId of optionIds) {
    const found = menu.options.get(optionId);
    if (!found || !item.optionGroupIds.includes(found.group.id)) {
      throw new DomainError('invalid_order', `option "${optionId}" does not belong to ${item.nameEn}`, {
        itemId: item.id,
        optionId,
      });
    }
    countByGroup.set(found.group.id, (countByGroup.get(found.group.id) ?? 0) + 1);
    chosen.push({
      id: found.option.id,
      groupId: found.group.id,
      nameZh: found.option.nameZh,
      nameEn: found.option.nameEn,
      priceDeltaMinor: found.option.priceDeltaMinor,
    });
  }
  for (const groupId of item.optionGroupIds) {
    const group = menu.groups.get(groupId);
    if (!group) continue;
    const count = countByGroup.get(groupId) ?? 0;
    if (count < group.minChoices || count > group.maxChoices) {
      throw new DomainError(
        'invalid_order',
        `${item.nameEn}: choose ${group.minChoices === group.maxChoices ? group.minChoices : `${group.minChoices}–${group.maxChoices}`} of "${group.nameEn}" (${count} chosen)`,
        { itemId: item.id, groupId, min: group.minChoices, max: group.maxChoices, chosen: count },
      );
    }
  }

  const unitPriceMinor = item.priceMinor + chosen.reduce((sum, o) => sum + o.priceDeltaMinor, 0);
  if (unitPriceMinor < 0) {
    throw new DomainError('invalid_order', `${item.nameEn}: options make the price negative`, { itemId: item.id });
  }
  return {
    id: line.id,
    itemId: item.id,
    nameZh: item.nameZh,
    nameEn: item.nameEn,
    stationId: item.stationId,
    qty: input.qty,
    unitPriceMinor,
    lineTotalMinor: unitPriceMinor * input.qty,
    options: chosen,
    note: input.note ? input.note : null,
    course: input.course ?? 1,
    seat: input.seat ?? null,
    status: 'held',
    voidReason: null,
    addedAt: line.now,
    firedAt: null,
    readyAt: null,
    servedAt: null,
    addedByStaffId: line.staffId,
  };
}

/** Portions each item needs, summed over lines (two lines of the same dish count together). */
export function stockDemand(lines: readonly Pick<OrderLine, 'itemId' | 'qty'>[]): Map<string, number> {
  const demand = new Map<string, number>();
  for (const l of lines) demand.set(l.itemId, (demand.get(l.itemId) ?? 0) + l.qty);
  return demand;
}

/**
 * Checks demand against counted stock and returns the new counts. Items whose remaining is null are not
 * counted. All-or-nothing: one short item refuses the whole request.
 */
export function reserveStock(
  demand: ReadonlyMap<string, number>,
  remaining: ReadonlyMap<string, number | null>,
  nameOf: (itemId: string) => string,
): Map<string, number> {
  const updates = new Map<string, number>();
  const short: { itemId: string; requested: number; remaining: number }[] = [];
  for (const [itemId, qty] of demand) {
    const left = remaining.get(itemId);
    if (left === null || left === undefined) continue;
    if (left < qty) short.push({ itemId, requested: qty, remaining: left });
    else updates.set(itemId, left - qty);
  }
  if (short.length > 0) {
    const names = short.map((s) => `${nameOf(s.itemId)} (${s.remaining} left)`).join(', ');
    throw new DomainError('sold_out', `sold out: ${names}`, { items: short });
  }
  return updates;
}
