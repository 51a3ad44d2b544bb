import type { Menu, MenuItem, MenuOption, OptionGroup, Station } from '../protocol/menu.ts';

/** The menu arranged for lookups on the order path; built once per menu version, not per request. */
export interface MenuIndex {
  readonly menu: Menu;
  readonly items: ReadonlyMap<string, MenuItem>;
  readonly groups: ReadonlyMap<string, OptionGroup>;
  readonly options: ReadonlyMap<string, { option: MenuOption; group: OptionGroup }>;
  readonly stations: ReadonlyMap<string, Station>;
}

export function indexMenu(menu: Menu): MenuIndex {
  const groups = new Map(menu.optionGroups.map((g) => [g.id, g]));
  const options = new Map<string, { option: MenuOption; group: OptionGroup }>();
  for (const group of menu.optionGroups) for (const option of group.options) options.set(option.id, { option, group });
  return {
    menu,
    items: new Map(menu.items.map((i) => [i.id, i])),
    groups,
    options,
    stations: new Map(menu.stations.map((s) => [s.id, s])),
  };
}
