import { describe, expect, it } from 'vitest';
import { kitchen, openDemoStore, plum, tofu, waiter } from './test-support.ts';

/**
 * The floor's colour is what a waiter walks by: a dish at the pass must say so whatever else the order
 * holds (another dish still cooking, a later course held), and a table with nothing cooking must not say
 * "in kitchen".
 */
describe('the floor with food partly at the pass', () => {
  const statusOf = (s: ReturnType<typeof openDemoStore>, tableId: string) => s.floor.floor().tables.find((t) => t.id === tableId)?.status;

  it('shows food ready when course 1 is at the pass and course 2 is held', () => {
    const s = openDemoStore();
    const order = s.run(() => s.service.place({ channel: 'pos', tableId: 't-a1', lines: [tofu(), tofu({ course: 2, hold: true })] }, s.ctx(waiter)));
    const first = order.lines[0]!.id;
    s.run(() => s.service.setLineStatus(order.id, { status: 'ready', lineIds: [first] }, s.ctx(kitchen)));
    expect(statusOf(s, 't-a1')).toBe('food-ready');
    s.db.close();
  });

  it('shows food ready when one dish is at the pass while another still cooks', () => {
    const s = openDemoStore();
    const order = s.run(() => s.service.place({ channel: 'pos', tableId: 't-a2', lines: [tofu(), plum()] }, s.ctx(waiter)));
    s.run(() => s.service.setLineStatus(order.id, { status: 'ready', lineIds: [order.lines[1]!.id] }, s.ctx(kitchen)));
    expect(statusOf(s, 't-a2')).toBe('food-ready');
    s.db.close();
  });

  it('does not say "in kitchen" when course 1 is served and course 2 waits to be fired', () => {
    const s = openDemoStore();
    const order = s.run(() => s.service.place({ channel: 'pos', tableId: 't-a3', lines: [tofu(), tofu({ course: 2, hold: true })] }, s.ctx(waiter)));
    const first = order.lines[0]!.id;
    s.run(() => s.service.setLineStatus(order.id, { status: 'ready', lineIds: [first] }, s.ctx(kitchen)));
    s.run(() => s.service.setLineStatus(order.id, { status: 'served', lineIds: [first] }, s.ctx(waiter)));
    expect(statusOf(s, 't-a3')).toBe('ordered');
    s.run(() => s.service.fire(order.id, 2, s.ctx(waiter)));
    expect(statusOf(s, 't-a3')).toBe('in-kitchen');
    s.db.close();
  });
});
