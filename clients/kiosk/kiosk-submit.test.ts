/**
 * "Place order" stores the cart as one outbox entry. Storing takes a moment (IndexedDB), and the button's
 * busy state is only the view's: a double tap racing the re-render, or Enter on a focused button, calls
 * submit() again while the first one is storing — that must not place the same cart twice.
 */
import { afterEach, expect, it } from 'vitest';
import type { Menu } from '../../hub/protocol/index.ts';
import { menuItem } from '../shared/menu-fixtures.ts';
import { MemoryOutboxStorage, type OutboxEntry } from '../shared/outbox.ts';
import { KioskApp } from './kiosk-app.ts';

const menu: Menu = { version: 1, currency: 'CNY', stations: [], categories: [], optionGroups: [], items: [menuItem({ id: 'rice' })] };

const apps: KioskApp[] = [];
afterEach(() => {
  for (const a of apps.splice(0)) a.stop();
});

/** Storage whose writes wait until the test lets them through (a slow IndexedDB). */
class SlowStorage extends MemoryOutboxStorage {
  private held: (() => void)[] = [];
  override async put(entry: OutboxEntry): Promise<void> {
    await new Promise<void>((r) => this.held.push(r));
    return super.put(entry);
  }
  release(): void {
    for (const r of this.held.splice(0)) r();
  }
}

async function kioskAtCheckout(storage: MemoryOutboxStorage) {
  const app = new KioskApp({ storage, terminal: null, baseUrl: 'http://127.0.0.1:9' });
  apps.push(app);
  app.session.device.set({ token: 'dev_x', deviceId: 'dev-k1', name: 'kiosk', kind: 'kiosk' });
  await app.outbox.load();
  app.outbox.stop(); // stored, never sent: what matters here is what is stored
  app.state.set({ ...app.state.get(), phase: 'ready', menu, screen: 'checkout', cart: [{ id: 'l1', itemId: 'rice', qty: 2, optionIds: [], note: '' }] });
  return app;
}

it('a second "place order" while the first is still being stored does nothing: one order, not two', async () => {
  const storage = new SlowStorage();
  const app = await kioskAtCheckout(storage);
  const first = app.submit();
  const second = app.submit(); // the double tap
  await new Promise((r) => setTimeout(r, 10));
  storage.release();
  expect(await first).toBe(true);
  expect(await second).toBe(false);
  storage.release();
  await new Promise((r) => setTimeout(r, 10));
  expect([...storage.rows.values()].filter((e) => e.path === '/api/v1/orders')).toHaveLength(1);
  expect(app.state.get()).toMatchObject({ screen: 'done', cart: [], submitting: false });
});

it('after a store that failed, the customer can place the order again', async () => {
  const storage = new MemoryOutboxStorage();
  const app = await kioskAtCheckout(storage);
  const put = storage.put.bind(storage);
  storage.put = () => Promise.reject(new Error('QuotaExceededError'));
  expect(await app.submit()).toBe(false);
  expect(app.state.get()).toMatchObject({ screen: 'checkout', storageError: true, submitting: false });
  storage.put = put;
  expect(await app.submit()).toBe(true);
  expect([...storage.rows.values()].filter((e) => e.path === '/api/v1/orders')).toHaveLength(1);
});
