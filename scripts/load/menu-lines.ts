/**
 * Valid random order lines built from the hub's own menu (GET /api/v1/menu): each line satisfies every
 * option group of its item (min ≤ chosen ≤ max), so the hub accepts it. Pure, seeded: the same seed
 * produces the same orders.
 */
import type { LineInput } from '../../hub/protocol/orders.ts';
import type { Menu, MenuItem, OptionGroup } from '../../hub/protocol/menu.ts';

/** mulberry32: a tiny seeded PRNG, plenty for choosing dishes. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;

export const pick = <T>(r: Rand, xs: readonly T[]): T => {
  if (xs.length === 0) throw new Error('pick from an empty list');
  return xs[Math.floor(r() * xs.length)]!;
};

export const between = (r: Rand, min: number, max: number): number => min + Math.floor(r() * (max - min + 1));

export interface LinePicker {
  /** `n` lines of any orderable item. */
  lines(n: number, opts?: { withIds?: boolean }): LineInput[];
  /** Add-on style lines: drinks and staples (rice, noodles with extras). */
  addOns(n: number, opts?: { withIds?: boolean }): LineInput[];
  /** Items a line can be made of (available and not stock-counted). */
  readonly items: readonly MenuItem[];
}

/**
 * Items that are unavailable are skipped; so are stock-counted items (remaining ≠ null) unless
 * `includeCounted`, because a load run would sell them out in seconds and then measure refusals.
 */
export function linePicker(menu: Menu, r: Rand, opts: { includeCounted?: boolean; newId?: () => string } = {}): LinePicker {
  const groups = new Map<string, OptionGroup>(menu.optionGroups.map((g) => [g.id, g]));
  const items = menu.items.filter((i) => i.available && (opts.includeCounted || i.remaining === null));
  if (items.length === 0) throw new Error('the menu has no orderable items');
  const addOnItems = items.filter((i) => i.categoryId === 'drinks' || i.categoryId === 'staples');
  const newId = opts.newId;

  const line = (item: MenuItem, withIds: boolean): LineInput => {
    const optionIds: string[] = [];
    for (const gid of item.optionGroupIds) {
      const g = groups.get(gid);
      if (!g || g.options.length === 0) continue;
      const max = Math.min(g.maxChoices, g.options.length);
      const count = between(r, Math.min(g.minChoices, max), max);
      const pool = [...g.options];
      for (let k = 0; k < count; k++) optionIds.push(pool.splice(Math.floor(r() * pool.length), 1)[0]!.id);
    }
    const input: LineInput = { itemId: item.id, qty: r() < 0.8 ? 1 : between(r, 2, 3) };
    if (optionIds.length > 0) input.optionIds = optionIds;
    if (r() < 0.1) input.note = pick(r, ['少油 less oil', '不要香菜 no coriander', '打包 to go', '快一点 rush']);
    if (withIds && newId) input.id = newId();
    return input;
  };

  return {
    items,
    lines: (n, o = {}) => Array.from({ length: n }, () => line(pick(r, items), o.withIds ?? false)),
    addOns: (n, o = {}) => Array.from({ length: n }, () => line(pick(r, addOnItems.length > 0 ? addOnItems : items), o.withIds ?? false)),
  };
}
