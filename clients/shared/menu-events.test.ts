import { describe, expect, it } from 'vitest';
import type { HubEvent, Menu, MenuItem, Pacing } from '../../hub/protocol/index.ts';
import { menuItem } from './menu-fixtures.ts';
import { touchesMenuOrPacing, withMenuEvents, withPacingEvents } from './menu-events.ts';

const item = (id: string, o: Partial<MenuItem> = {}): MenuItem => menuItem({ ...o, id });
const menu: Menu = { version: 3, currency: 'CNY', stations: [], categories: [], optionGroups: [], items: [item('tofu', { remaining: 5 }), item('rice'), item('fish', { remaining: 2 })] };
const event = <T extends HubEvent['type']>(type: T, payload: Extract<HubEvent, { type: T }>['payload'], seq = 1) =>
  ({ seq, type, at: 0, deviceId: null, staffId: null, payload }) as HubEvent;

describe('withMenuEvents', () => {
  it('applies stock counts to the items named, in order, and leaves the others as they were', () => {
    const next = withMenuEvents(menu, [
      event('menu.stock_changed', { items: [{ id: 'tofu', remaining: 4 }, { id: 'fish', remaining: 1 }] }),
      event('menu.stock_changed', { items: [{ id: 'tofu', remaining: 0 }] }, 2),
    ]);
    expect(next.items.map((i) => [i.id, i.remaining])).toEqual([['tofu', 0], ['rice', null], ['fish', 1]]);
    expect(next.items[1]).toBe(menu.items[1]);
    expect(menu.items[0]!.remaining).toBe(5);
  });

  it('replaces an updated item whole (sold out by the manager, renamed, repriced)', () => {
    const updated = item('rice', { available: false, priceMinor: 300, nameEn: 'Rice (bowl)' });
    const next = withMenuEvents(menu, [event('menu.item_updated', { item: updated })]);
    expect(next.items[1]).toEqual(updated);
    expect(next.items.length).toBe(3);
  });

  it('returns the same menu when nothing in it changes', () => {
    expect(withMenuEvents(menu, [event('kitchen.pacing_changed', { publicOrderingPaused: true, reason: null })])).toBe(menu);
    expect(withMenuEvents(menu, [event('menu.stock_changed', { items: [] })])).toBe(menu);
    expect(withMenuEvents(menu, [event('menu.stock_changed', { items: [{ id: 'tofu', remaining: 5 }, { id: 'gone', remaining: 1 }] })])).toBe(menu);
    expect(withMenuEvents(menu, [event('menu.item_updated', { item: item('not-on-this-menu') })])).toBe(menu);
  });
});

describe('withPacingEvents', () => {
  const pacing: Pacing = { publicOrderingPaused: false, pausedReason: null, openTickets: 7, threshold: 5, busy: true, backlogSeconds: 300 };

  it("takes the manager's last pause or resume, and keeps how busy the kitchen is", () => {
    const next = withPacingEvents(pacing, [
      event('kitchen.pacing_changed', { publicOrderingPaused: true, reason: '后厨满单' }),
      event('menu.stock_changed', { items: [] }, 2),
    ]);
    expect(next).toEqual({ ...pacing, publicOrderingPaused: true, pausedReason: '后厨满单' });
    expect(withPacingEvents(next, [event('kitchen.pacing_changed', { publicOrderingPaused: false, reason: null }, 3)])).toEqual(pacing);
    expect(withPacingEvents(pacing, [event('menu.stock_changed', { items: [] })])).toBe(pacing);
  });

  it('says which events touch the menu or pacing', () => {
    expect(touchesMenuOrPacing([event('menu.stock_changed', { items: [] })])).toBe(true);
    expect(touchesMenuOrPacing([event('kitchen.pacing_changed', { publicOrderingPaused: false, reason: null })])).toBe(true);
    expect(touchesMenuOrPacing([])).toBe(false);
  });
});
