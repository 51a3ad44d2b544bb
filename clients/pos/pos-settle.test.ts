/**
 * "Close the bill (nothing due)": a payment of 0, queued once. A double tap, or a tap while the first is still
 * on its way (offline), would queue a second that the hub refuses once the first has closed the bill.
 */
import { afterEach, expect, it } from 'vitest';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { PosApp } from './pos-app.ts';

let pos: PosApp | null = null;
afterEach(() => pos?.stop());

/** A tablet showing an order's bill; its outbox is not sending (the hub is out of reach). */
async function tablet() {
  const app = (pos = new PosApp({ storage: new MemoryOutboxStorage() }));
  app.session.device.set({ token: 'dev_test', deviceId: 'd-1', name: 'test-pos', kind: 'pos' });
  await app.outbox.load();
  app.state.set({ ...app.state.get(), screen: 'bill', orderId: 'o-1' });
  const payments = () => app.state.get().submissions.filter((s) => s.meta.action.kind === 'payment');
  return { app, payments };
}

it('a double tap queues one payment of 0', async () => {
  const t = await tablet();
  const [first, second] = await Promise.all([t.app.settle(), t.app.settle()]);
  expect(first).not.toBeNull();
  expect(second).toBeNull();
  expect(t.payments()).toHaveLength(1);
  expect(t.payments()[0]!.meta.action).toMatchObject({ kind: 'payment', amountMinor: 0 });
});

it('a tap while the payment of 0 is still on its way queues nothing', async () => {
  const t = await tablet();
  expect(t.app.paymentOnItsWay('o-1')).toBe(false);
  expect(await t.app.settle()).not.toBeNull();
  expect(t.app.paymentOnItsWay('o-1')).toBe(true);
  expect(await t.app.settle()).toBeNull();
  expect(t.payments()).toHaveLength(1);
});
