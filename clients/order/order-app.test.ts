import { describe, expect, it } from 'vitest';
import type { Menu, Order } from '../../hub/protocol/index.ts';
import { menuItem } from '../shared/menu-fixtures.ts';
import { MemoryOutboxStorage, type OutboxEntry } from '../shared/outbox.ts';
import { translator } from '../shared/i18n.ts';
import { orderMessages, refusalText } from './messages.ts';
import { QrApp, tokenFromLocation, withOrder, type SubmissionMeta } from './order-app.ts';

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

/** An order the hub refused (sold out), as the phone's outbox keeps it. */
const refusedEntry = (id: string, at: number): OutboxEntry<SubmissionMeta> => ({
  id, seq: 1, scope: 'tbl_token', key: `k-${id}`, method: 'POST', path: '/api/v1/orders', body: {}, dependsOn: null,
  meta: { kind: 'create', orderId: `o-${id}`, lines: [{ id: 'l1', itemId: 'mapo-tofu', qty: 1, optionIds: [], note: '' }] },
  state: 'rejected', attempts: 1, createdAt: at, updatedAt: at, nextAttemptAt: null, lastProblem: null, result: null,
  error: { status: 409, code: 'sold_out', message: 'sold out: Mapo tofu (0 left)' },
});

describe('what the phone kept from an earlier visit', () => {
  it('forgets a refusal 12 h old, as it forgets a confirmed order: the page does not open on it, nor offer to send those dishes again', async () => {
    const storage = new MemoryOutboxStorage();
    await storage.put(refusedEntry('e-yesterday', Date.now() - 13 * 3600_000));
    const app = new QrApp('tbl_token', { storage, baseUrl: 'http://127.0.0.1:9' });
    await app.outbox.load();
    app.outbox.stop();
    await new Promise((r) => setTimeout(r, 10));
    expect(app.state.get().submissions).toEqual([]);
    expect(storage.rows.size).toBe(0);
  });
});

describe('sending a refused order again', () => {
  it('sends it once, even when the refused entry cannot be removed (a second tap ordered the same dishes twice)', async () => {
    // storage that refuses deletes (IndexedDB failing a transaction): the refused entry stays listed
    class NoDeletes extends MemoryOutboxStorage {
      override async delete(): Promise<void> {
        throw new Error('the transaction failed');
      }
    }
    const storage = new NoDeletes();
    await storage.put(refusedEntry('e-refused', Date.now()));
    const app = new QrApp('tbl_token', { storage, baseUrl: 'http://127.0.0.1:9' });
    await app.outbox.load();
    app.outbox.stop();
    await new Promise((r) => setTimeout(r, 10));
    const menu: Menu = { version: 1, currency: 'CNY', stations: [], categories: [], optionGroups: [], items: [menuItem({ id: 'mapo-tofu' })] };
    app.state.set({ ...app.state.get(), menu, table: { id: 't-a1', name: 'A1' } });
    expect(app.state.get().submissions.map((x) => x.id)).toEqual(['e-refused']);
    await app.sendAgain('e-refused').catch(() => undefined);
    await app.sendAgain('e-refused').catch(() => undefined);
    const sentAgain = [...storage.rows.values()].filter((e) => e.id !== 'e-refused');
    expect(sentAgain).toHaveLength(1);
  });
});

describe('why an order was not placed, in the language the page is in', () => {
  const menu: Menu = {
    version: 1, currency: 'CNY', stations: [], categories: [], optionGroups: [],
    items: [menuItem({ id: 'mapo-tofu', nameZh: '麻婆豆腐', nameEn: 'Mapo tofu', remaining: 0 }), menuItem({ id: 'sprouts', nameZh: '炒豆芽', nameEn: 'Sprouts' })],
  };
  const lines = [
    { id: 'l1', itemId: 'mapo-tofu', qty: 1, optionIds: [], note: '' },
    { id: 'l2', itemId: 'sprouts', qty: 1, optionIds: [], note: '' },
  ];
  const zh = translator(orderMessages, 'zh-CN');
  const en = translator(orderMessages, 'en');

  it("names the sold-out dish in the customer's language, not in the hub's English", () => {
    const error = { status: 409, code: 'sold_out', message: 'sold out: Mapo tofu (0 left)' };
    const text = refusalText(error, lines, menu, 'zh-CN', zh);
    expect(text).toContain('麻婆豆腐');
    expect(text).not.toContain('sold out');
    expect(text).not.toContain('豆芽');
    expect(refusalText(error, lines, menu, 'en', en)).toContain('Mapo tofu');
  });

  it('says a paid order takes no more dishes without telling the guest to find a manager to reopen it', () => {
    const error = { status: 409, code: 'order_closed', message: 'order #12 is closed; a manager can reopen it to add lines' };
    for (const [lang, t] of [['zh-CN', zh], ['en', en]] as const) {
      const text = refusalText(error, lines, menu, lang, t);
      expect(text).not.toContain('manager');
      expect(text).not.toBe(t('sub.rejected', { message: error.message }));
    }
  });

  it("keeps the hub's words for a refusal it has no text of its own for", () => {
    const error = { status: 422, code: 'invalid_order', message: 'option x does not belong to y' };
    expect(refusalText(error, lines, menu, 'en', en)).toBe(en('sub.rejected', { message: error.message }));
  });
});

describe('sending a sold-out order again', () => {
  it('puts its dishes back in the cart, where the sold-out one is marked, rather than doing nothing', async () => {
    const storage = new MemoryOutboxStorage();
    await storage.put(refusedEntry('e-sold-out', Date.now()));
    const app = new QrApp('tbl_token', { storage, baseUrl: 'http://127.0.0.1:9' });
    await app.outbox.load();
    app.outbox.stop();
    await new Promise((r) => setTimeout(r, 10));
    // the stream has told the page the dish is sold out
    const menu: Menu = { version: 1, currency: 'CNY', stations: [], categories: [], optionGroups: [], items: [menuItem({ id: 'mapo-tofu', remaining: 0 })] };
    app.state.set({ ...app.state.get(), menu, table: { id: 't-a1', name: 'A1' } });
    await app.sendAgain('e-sold-out');
    expect(app.state.get().cart.map((l) => l.itemId)).toEqual(['mapo-tofu']);
    expect([...storage.rows.keys()]).toEqual([]);
    expect(app.state.get().submissions).toEqual([]);
  });
});
