import { describe, expect, it } from 'vitest';
import type { Order } from '../../hub/protocol/index.ts';
import { tokenFromLocation, withOrder } from './order-app.ts';

describe('the QR page address', () => {
  it('reads the table token from /t/<token>', () => {
    expect(tokenFromLocation({ pathname: '/t/tbl_abc-DEF_1', search: '' })).toBe('tbl_abc-DEF_1');
    expect(tokenFromLocation({ pathname: '/t/tbl_abc/', search: '' })).toBe('tbl_abc');
    expect(tokenFromLocation({ pathname: '/order/', search: '?t=tbl_x' })).toBe('tbl_x');
    expect(tokenFromLocation({ pathname: '/order/', search: '' })).toBeNull();
  });
});

describe("the table's order list", () => {
  // only the fields the list looks at
  const order = (id: string, revision: number, createdAt: number) => ({ id, revision, createdAt }) as Order;
  const none = new Set<string>();

  it('adds a new order newest first and replaces an order only by a newer revision', () => {
    const a = order('a', 1, 100);
    const list = withOrder([a], order('b', 1, 200), none)!;
    expect(list.map((o) => o.id)).toEqual(['b', 'a']);
    expect(withOrder(list, order('a', 1, 100), none)).toBeNull();
    expect(withOrder(list, order('a', 3, 100), none)!.find((o) => o.id === 'a')!.revision).toBe(3);
  });

  it('keeps an order moved to another table out, whatever answer from before the move arrives later', () => {
    expect(withOrder([], order('a', 5, 100), new Set(['a']))).toBeNull();
    expect(withOrder([order('b', 1, 50)], order('a', 5, 100), new Set(['a']))).toBeNull();
  });
});
