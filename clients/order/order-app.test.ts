import { describe, expect, it } from 'vitest';
import type { Menu, Order } from '../../hub/protocol/index.ts';
import { menuItem } from '../shared/menu-fixtures.ts';
import { MemoryOutboxStorage, type OutboxEntry } from '../shared/outbox.ts';
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
