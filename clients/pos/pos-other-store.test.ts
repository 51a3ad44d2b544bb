/**
 * A waiter tablet moved to another store for good, with changes it made at the old store still unsent (the
 * Wi-Fi was down when it left). Its outbox never sends them here (clients/shared/outbox.ts), but:
 * - the old store's "open table A1" made the new store's table A1 (same id: both floors were set up from the
 *   same template) show "saving" for ever, and a tap on it opened the old store's order, which does not exist;
 * - nothing told the staff they were there, nor let anyone give them up.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { Menu } from '../../hub/protocol/index.ts';
import { HubError, HubUnreachableError } from '../shared/hub-client.ts';
import { translator } from '../shared/i18n.ts';
import { memoryStorage } from '../shared/memory-storage.ts';
import { menuItem } from '../shared/menu-fixtures.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { textOf } from '../shared/ui/text-of.ts';
import { posMessages } from './messages.ts';
import { OtherStoreFacts, OtherStoreNotice } from './other-store.tsx';
import { PosApp, type PosAction, type PosSubmission } from './pos-app.ts';

const menu: Menu = { version: 1, currency: 'CNY', stations: [], categories: [], optionGroups: [], items: [menuItem({ id: 'rice' })] };

let pos: PosApp | null = null;
beforeEach(() => {
  vi.stubGlobal('localStorage', memoryStorage());
});
afterEach(() => {
  pos?.stop();
  pos = null;
  vi.unstubAllGlobals();
});

/** What this tablet queued at store A and never sent: table A1 opened, dishes, a card and a cash payment. */
function storeAEntries(): PosSubmission[] {
  const base = { scope: 'pos:d-1', attempts: 2, createdAt: 1, updatedAt: 1, nextAttemptAt: 1, lastProblem: 'hub unreachable', result: null, error: null, storeId: 'store-a', state: 'unknown' as const };
  const entry = (id: string, seq: number, path: string, body: unknown, action: PosAction, dependsOn: string | null = null): PosSubmission => ({
    ...base,
    id,
    seq,
    key: `k-${id}`,
    method: 'POST',
    path,
    body,
    dependsOn,
    meta: { orderId: 'o-a', action, staffToken: 'staff_old' },
  });
  return [
    entry('e-open', 1, '/api/v1/orders', { id: 'o-a', tableId: 't-a1', guestCount: 2 }, { kind: 'open', tableId: 't-a1', guests: 2 }),
    entry('e-lines', 2, '/api/v1/orders/o-a/lines', { lines: [] }, { kind: 'lines', lines: [] }, 'e-open'),
    entry('e-card', 3, '/api/v1/orders/o-a/payments', { id: 'p-1', tender: 'card', amountMinor: 4200, reference: 'T-77' }, { kind: 'payment', amountMinor: 4200, tender: 'card' }, 'e-open'),
    entry('e-cash', 4, '/api/v1/orders/o-a/payments', { id: 'p-2', tender: 'cash', amountMinor: 1500 }, { kind: 'payment', amountMinor: 1500, tender: 'cash' }, 'e-open'),
  ];
}

/** The tablet, now paired with store B (its floor has a free A1 too), `role` signed in; no hub answers. */
async function movedToStoreB(role: 'waiter' | 'manager') {
  localStorage.setItem('brigade.pos.store', JSON.stringify({ deviceId: 'd-1', storeId: 'store-b' }));
  localStorage.setItem('brigade.pos.storeNames', JSON.stringify({ 'store-a': '静安寺店', 'store-b': '南京西路店' }));
  const storage = new MemoryOutboxStorage();
  for (const e of storeAEntries()) await storage.put(e);
  const app = (pos = new PosApp({ storage }));
  app.session.device.set({ token: 'dev_test', deviceId: 'd-1', name: 'test-pos', kind: 'pos' });
  app.session.staff.set({ token: `staff_${role}`, staff: { id: `s-${role}`, name: role, role } as never, expiresAt: Date.now() + 3600_000 });
  app.client.request = (async () => {
    throw new HubUnreachableError('no hub in this test');
  }) as typeof app.client.request;
  app.client.signIn = (async (pin: string) => {
    if (pin === '9999') return { token: 'staff_pin_manager', staff: { id: 's-m', name: '李经理', role: 'manager' }, expiresAt: Date.now() + 3600_000 };
    throw new HubError(401, 'pin_invalid', 'wrong PIN');
  }) as typeof app.client.signIn;
  await app.outbox.load();
  app.state.set({
    ...app.state.get(),
    phase: 'ready',
    menu,
    floor: { areas: [], tables: [{ id: 't-a1', name: 'A1', areaId: 'a', seats: 4, status: 'free', openOrderIds: [] }] } as never,
  });
  return { app, storage };
}

it("another store's unsent opening of a table with the same id does not make this store's free table 'saving'", async () => {
  const { app } = await movedToStoreB('waiter');
  expect(app.pendingOpen('t-a1')).toBeNull();
  // a tap on the free table offers to open it, rather than opening the old store's order
  app.openExisting('t-a1');
  expect(app.state.get().screen).toBe('floor');
});

it("tells the staff, as one line with the store's name, what waits for the other store", async () => {
  const { app } = await movedToStoreB('waiter');
  expect(app.state.get().otherStores).toEqual([
    {
      storeId: 'store-a',
      storeName: '静安寺店',
      changes: 4,
      orders: 1,
      payments: [
        { amountMinor: 4200, reference: 'T-77', tender: 'card' },
        { amountMinor: 1500, reference: null, tender: 'cash' },
      ],
    },
  ]);
  for (const lang of ['zh-CN', 'en'] as const) {
    const t = translator(posMessages, lang);
    const said = textOf(OtherStoreNotice({ app, t, onDiscard: () => undefined }));
    expect(said).toContain(t('otherStore.notice', { n: 4, store: '静安寺店' }));
    expect(said).not.toMatch(/\{\w+\}/);
  }
});

it('the confirmation names the store, what would be lost, and each payment to record there by hand', async () => {
  const { app } = await movedToStoreB('waiter');
  const w = app.state.get().otherStores[0]!;
  for (const lang of ['zh-CN', 'en'] as const) {
    const t = translator(posMessages, lang);
    const said = textOf(OtherStoreFacts({ w, currency: 'CNY', t }));
    expect(said).toContain(t('otherStore.confirm', { store: '静安寺店', n: 4, orders: 1, payments: 2 }));
    expect(said).toMatch(/42\.00/);
    expect(said).toContain('T-77');
    expect(said).toMatch(/15\.00/);
    expect(said).not.toMatch(/\{\w+\}/);
  }
});

it("a waiter cannot discard them alone: a manager's PIN typed on the spot can", async () => {
  const { app, storage } = await movedToStoreB('waiter');
  expect(app.discardNeedsApproval()).toBe(true);
  expect(await app.discardOtherStore('store-a')).toBe('forbidden');
  expect(app.outbox.list()).toHaveLength(4);
  const approval = await app.managerApproval('9999');
  if ('problem' in approval) throw new Error(approval.problem);
  expect(await app.discardOtherStore('store-a', approval)).toBe(4);
  expect(app.outbox.list()).toEqual([]);
  expect(storage.rows.size).toBe(0);
  expect(app.state.get().otherStores).toEqual([]);
});

it('a manager signed in discards them; the store the tablet is paired with is never discarded', async () => {
  const { app } = await movedToStoreB('manager');
  expect(app.discardNeedsApproval()).toBe(false);
  expect(await app.discardOtherStore('store-b')).toBe(0);
  expect(await app.discardOtherStore('store-a')).toBe(4);
  expect(app.outbox.list()).toEqual([]);
});

it("the float the cashier counts here does not name the other store's unsent float as the one it replaces (this hub would refuse it)", async () => {
  const { app, storage } = await movedToStoreB('manager');
  const [first] = storeAEntries();
  await storage.put({ ...first!, id: 'e-float', seq: 5, key: 'k-float', path: '/api/v1/reports/day/float', body: { businessDate: '2024-05-01', amountMinor: 50_000, id: 'f-a', replaces: null }, meta: { orderId: 'day:2024-05-01', action: { kind: 'float', businessDate: '2024-05-01', amountMinor: 50_000, id: 'f-a', replaces: null }, staffToken: 'staff_old' } });
  await app.outbox.load();
  const entry = await app.setFloat('2024-05-01', 30_000);
  expect(entry?.body).toMatchObject({ businessDate: '2024-05-01', amountMinor: 30_000, replaces: null });
});
