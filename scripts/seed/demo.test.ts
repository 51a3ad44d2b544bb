import { describe, it, expect } from 'vitest';
import type { SeedOptionGroup, StaffRole } from '../../hub/store/seed-types.ts';
import { demoSeed } from './demo.ts';

const CJK = /[\u4e00-\u9fff]/;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) dups.add(id);
    seen.add(id);
  }
  return [...dups];
}

/**
 * The lowest total delta a valid selection in this group can add: the `minChoices` cheapest options are
 * mandatory, and any further negative options may be added up to `maxChoices`.
 */
function worstCaseDelta(group: SeedOptionGroup): number {
  const deltas = group.options.map((o) => o.priceDeltaMinor).sort((a, b) => a - b);
  let total = 0;
  deltas.forEach((d, i) => {
    if (i < group.minChoices || (i < group.maxChoices && d < 0)) total += d;
  });
  return total;
}

describe('demo seed', () => {
  const { store, stations, categories, optionGroups, items, areas, tables, staff } = demoSeed;
  const stationIds = new Set(stations.map((s) => s.id));
  const categoryIds = new Set(categories.map((c) => c.id));
  const groupsById = new Map(optionGroups.map((g) => [g.id, g]));
  const areaIds = new Set(areas.map((a) => a.id));

  it('has the expected counts', () => {
    expect(items).toHaveLength(40);
    expect(tables).toHaveLength(20);
    expect(stations).toHaveLength(2);
    expect(stations.map((s) => s.id).sort()).toEqual(['bar', 'hot']);
    expect(categories.length).toBeGreaterThanOrEqual(5);
    expect(areas).toHaveLength(2);
  });

  it('has bilingual names everywhere', () => {
    const named = [store, ...stations, ...categories, ...optionGroups, ...optionGroups.flatMap((g) => g.options), ...items, ...areas];
    for (const n of named) {
      expect(n.nameZh, JSON.stringify(n)).toMatch(CJK);
      expect(n.nameEn, JSON.stringify(n)).toMatch(PRINTABLE_ASCII);
      expect(n.nameEn.trim(), JSON.stringify(n)).not.toBe('');
    }
    for (const item of items) {
      if (item.descriptionZh !== undefined) expect(item.descriptionZh, item.id).toMatch(CJK);
      if (item.descriptionEn !== undefined) expect(item.descriptionEn, item.id).toMatch(PRINTABLE_ASCII);
    }
  });

  it('uses unique kebab-case ids', () => {
    const optionIds = optionGroups.flatMap((g) => g.options.map((o) => o.id));
    const idLists: Record<string, string[]> = {
      stations: stations.map((s) => s.id),
      categories: categories.map((c) => c.id),
      optionGroups: optionGroups.map((g) => g.id),
      options: optionIds,
      items: items.map((i) => i.id),
      areas: areas.map((a) => a.id),
      tables: tables.map((t) => t.id),
      staff: staff.map((s) => s.id),
    };
    for (const [kind, ids] of Object.entries(idLists)) {
      expect(duplicates(ids), kind).toEqual([]);
      for (const id of ids) expect(id, kind).toMatch(SLUG);
    }
    expect(duplicates(tables.map((t) => t.name)), 'table names').toEqual([]);
  });

  it('references only existing categories, stations and option groups', () => {
    for (const item of items) {
      expect(categoryIds.has(item.categoryId), `${item.id} category ${item.categoryId}`).toBe(true);
      expect(stationIds.has(item.stationId), `${item.id} station ${item.stationId}`).toBe(true);
      expect(duplicates(item.optionGroupIds), item.id).toEqual([]);
      for (const gid of item.optionGroupIds) {
        expect(groupsById.has(gid), `${item.id} option group ${gid}`).toBe(true);
      }
    }
    for (const t of tables) expect(areaIds.has(t.areaId), `${t.id} area ${t.areaId}`).toBe(true);
  });

  it('routes drinks to the bar and everything else to the hot kitchen', () => {
    for (const item of items) {
      expect(item.stationId, item.id).toBe(item.categoryId === 'drinks' ? 'bar' : 'hot');
    }
  });

  it('has option groups with sane choice bounds, every group used', () => {
    for (const g of optionGroups) {
      expect(g.options.length, g.id).toBeGreaterThan(0);
      expect(Number.isInteger(g.minChoices) && Number.isInteger(g.maxChoices), g.id).toBe(true);
      expect(g.minChoices, g.id).toBeGreaterThanOrEqual(0);
      expect(g.minChoices, g.id).toBeLessThanOrEqual(g.maxChoices);
      expect(g.maxChoices, g.id).toBeLessThanOrEqual(g.options.length);
      for (const o of g.options) expect(Number.isInteger(o.priceDeltaMinor), o.id).toBe(true);
      expect(items.some((i) => i.optionGroupIds.includes(g.id)), `${g.id} unused`).toBe(true);
    }
  });

  it('keeps every item price positive under the cheapest valid option selection', () => {
    for (const item of items) {
      expect(Number.isInteger(item.priceMinor) && item.priceMinor > 0, item.id).toBe(true);
      let worst = item.priceMinor;
      for (const gid of item.optionGroupIds) {
        const group = groupsById.get(gid);
        if (group) worst += worstCaseDelta(group);
      }
      expect(worst, item.id).toBeGreaterThan(0);
    }
  });

  it('has sensible stock, availability, prep times and sort orders', () => {
    for (const item of items) {
      if (item.remaining !== undefined && item.remaining !== null) {
        expect(Number.isInteger(item.remaining) && item.remaining >= 0, item.id).toBe(true);
      }
      if (item.targetPrepSeconds !== undefined) {
        expect(Number.isInteger(item.targetPrepSeconds) && item.targetPrepSeconds > 0, item.id).toBe(true);
      }
    }
    expect(items.filter((i) => typeof i.remaining === 'number').length).toBeGreaterThanOrEqual(1);
    expect(items.filter((i) => i.available === false).length).toBeGreaterThanOrEqual(1);
    for (const s of stations) expect(s.targetPrepSeconds, s.id).toBeGreaterThan(0);

    expect(duplicates(categories.map((c) => String(c.sort))), 'category sort').toEqual([]);
    for (const c of categories) {
      const inCategory = items.filter((i) => i.categoryId === c.id);
      expect(inCategory.length, `${c.id} is empty`).toBeGreaterThan(0);
      expect(duplicates(inCategory.map((i) => String(i.sort))), `${c.id} sort`).toEqual([]);
    }
  });

  it('has tables with a positive seat count', () => {
    for (const t of tables) {
      expect(Number.isInteger(t.seats) && t.seats > 0, t.id).toBe(true);
      expect(t.name.trim(), t.id).not.toBe('');
    }
  });

  it('has staff with unique numeric PINs covering every role', () => {
    const pins = staff.map((s) => s.pin);
    expect(duplicates(pins)).toEqual([]);
    for (const pin of pins) expect(pin).toMatch(/^\d{4,8}$/);
    const roles: StaffRole[] = ['waiter', 'cashier', 'kitchen', 'manager'];
    for (const role of roles) expect(staff.some((s) => s.role === role), role).toBe(true);
    // The demo PINs are documented; changing them breaks the README and the smoke tests.
    expect(Object.fromEntries(staff.map((s) => [s.id, s.pin]))).toEqual({
      's-waiter': '1111',
      's-waiter2': '1112',
      's-cashier': '2222',
      's-kitchen': '3333',
      's-manager': '9999',
    });
  });
});
