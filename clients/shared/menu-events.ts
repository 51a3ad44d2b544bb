import type { HubEvent, Menu } from '../../hub/protocol/index.ts';

/**
 * The menu after the stream's menu events, without fetching it again: a stock count goes down with every
 * order of a counted dish, and hundreds of phones refetching the whole menu each time would be a flood of
 * their own. Other events leave it as it was (the same object, so nothing re-renders).
 */
export function withMenuEvents(menu: Menu, events: readonly HubEvent[]): Menu {
  let items = menu.items;
  for (const e of events) {
    if (e.type === 'menu.stock_changed') {
      const remaining = new Map(e.payload.items.map((i) => [i.id, i.remaining]));
      items = items.map((item) => (remaining.has(item.id) ? { ...item, remaining: remaining.get(item.id) ?? null } : item));
    } else if (e.type === 'menu.item_updated') {
      const updated = e.payload.item;
      items = items.map((item) => (item.id === updated.id ? updated : item));
    }
  }
  return items === menu.items ? menu : { ...menu, items };
}
