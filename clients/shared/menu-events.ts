import type { HubEvent, Menu, Pacing } from '../../hub/protocol/index.ts';

/**
 * The menu after the stream's menu events, without fetching it again: a stock count goes down with every
 * order of a counted dish, and hundreds of phones (or every tablet) refetching the whole menu each time
 * would be a flood of their own. When nothing in it changes, the same object comes back (nothing to save
 * or re-render).
 */
export function withMenuEvents(menu: Menu, events: readonly HubEvent[]): Menu {
  let items = menu.items;
  for (const e of events) {
    if (e.type === 'menu.stock_changed') {
      const remaining = new Map(e.payload.items.map((i) => [i.id, i.remaining]));
      if (!items.some((item) => remaining.has(item.id) && remaining.get(item.id) !== item.remaining)) continue;
      items = items.map((item) => (remaining.has(item.id) ? { ...item, remaining: remaining.get(item.id) ?? null } : item));
    } else if (e.type === 'menu.item_updated') {
      const updated = e.payload.item;
      if (!items.some((item) => item.id === updated.id)) continue;
      items = items.map((item) => (item.id === updated.id ? updated : item));
    }
  }
  return items === menu.items ? menu : { ...menu, items };
}

/** Pacing after a manager's pause or resume from the stream (how busy the kitchen is stays as last polled). */
export function withPacingEvents(pacing: Pacing, events: readonly HubEvent[]): Pacing {
  let next = pacing;
  for (const e of events) {
    if (e.type === 'kitchen.pacing_changed') next = { ...next, publicOrderingPaused: e.payload.publicOrderingPaused, pausedReason: e.payload.reason };
  }
  return next;
}

/** Whether any of these events changes the menu or pacing (a poll answer sent before them is stale). */
export const touchesMenuOrPacing = (events: readonly HubEvent[]): boolean =>
  events.some((e) => e.type === 'menu.stock_changed' || e.type === 'menu.item_updated' || e.type === 'kitchen.pacing_changed');
