/**
 * KioskApp in Node against a real hub: the hub refuses a kiosk order for a reason the kiosk's menu or
 * pacing did not show yet (they are polled every 15 s). "Change the order" puts the dishes back in the cart:
 * by then the kiosk must show what the hub said — the dish sold out, ordering paused — or the customer just
 * sends the same order again and is refused again.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { PAIRING_CODE, PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { cartProblems } from '../shared/cart.ts';
import { newId } from '../shared/ids.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { eventually, pairAndSignIn } from '../test/browser.ts';
import { KioskApp } from './kiosk-app.ts';

let hub: HubProcess;
let manager: string;
const apps: KioskApp[] = [];
beforeAll(async () => {
  hub = await startHub();
  manager = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
}, 60_000);
afterEach(async () => {
  for (const a of apps.splice(0)) a.stop();
  expect((await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: false } })).status).toBe(200);
});
afterAll(async () => {
  await hub?.stop();
});

/** A paired kiosk that has loaded the menu, with one dish in the cart, at checkout. */
async function kioskAtCheckout(itemId: string, optionIds: string[]): Promise<KioskApp> {
  const r = await hub.request('POST', '/api/v1/devices/pair', { body: { code: PAIRING_CODE, name: 'kiosk-refusal', kind: 'kiosk' } });
  expect(r.status).toBe(201);
  const app = new KioskApp({ storage: new MemoryOutboxStorage(), baseUrl: hub.url, terminal: null });
  apps.push(app);
  app.session.device.set({ token: r.body.deviceToken, deviceId: r.body.device.id, name: 'kiosk-refusal', kind: 'kiosk' });
  app.start();
  await eventually('menu', async () => (app.state.get().phase === 'ready' && app.state.get().menu ? true : undefined));
  app.go('menu');
  app.setCart([{ id: newId(), itemId, qty: 1, optionIds, note: '' }]);
  app.go('checkout');
  return app;
}

async function refusedAndBackInCart(app: KioskApp, code: string): Promise<void> {
  expect(await app.submit()).toBe(true);
  const refused = await eventually('refused', async () => app.state.get().submissions.find((s) => s.state === 'rejected'));
  expect(refused.error?.code).toBe(code);
  await app.editRefused(refused.id);
  expect(app.state.get().screen).toBe('checkout');
  expect(app.state.get().cart).toHaveLength(1);
}

it('a dish the hub refused as sold out shows sold out when the customer changes the order', async () => {
  const app = await kioskAtCheckout('sour-plum-drink', ['ice-less']);
  // sold out at the counter after the kiosk's last menu poll
  expect((await hub.request('PATCH', '/api/v1/menu/items/sour-plum-drink', { token: manager, body: { available: false } })).status).toBe(200);
  try {
    await refusedAndBackInCart(app, 'item_unavailable');
    await eventually('the cart line marked', async () => {
      const { menu, cart } = app.state.get();
      return menu && cartProblems(menu, cart).length === 1 ? true : undefined;
    }, 5000);
  } finally {
    await hub.request('PATCH', '/api/v1/menu/items/sour-plum-drink', { token: manager, body: { available: true } });
  }
}, 60_000);

it('an order refused because the kitchen paused ordering leaves the kiosk showing the pause', async () => {
  const app = await kioskAtCheckout('sour-plum-drink', ['ice-less']);
  expect((await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: true, reason: 'kitchen full' } })).status).toBe(200);
  await refusedAndBackInCart(app, 'ordering_paused');
  await eventually('paused shown', async () => (app.orderingPaused() ? true : undefined), 5000);
}, 60_000);
