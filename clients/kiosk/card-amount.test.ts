/**
 * KioskApp in Node against a real hub: the card sale charges what the order owes *now*. The confirmation the
 * kiosk holds is the order as it was placed (and a resend is answered with that same stored answer, minutes
 * later); by the time the customer tries the card again the counter may have discounted the order or taken
 * the money itself. Charging the old amount took money the hub then refused to record (an unrecorded charge
 * for staff to refund); charging a paid order charged the customer twice.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { PAIRING_CODE, PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { newId } from '../shared/ids.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { eventually, pairAndSignIn } from '../test/browser.ts';
import { KioskApp } from './kiosk-app.ts';
import { confirmedOrder, paymentView } from './kiosk-logic.ts';
import type { PaymentTerminal, SaleOutcome, SaleRequest } from './terminal.ts';

class ScriptedTerminal implements PaymentTerminal {
  readonly simulated = true;
  readonly requests: SaleRequest[] = [];
  private answer: ((o: SaleOutcome) => void) | null = null;
  sale(request: SaleRequest, signal?: AbortSignal): Promise<SaleOutcome> {
    this.requests.push(request);
    return new Promise((resolve) => {
      this.answer = resolve;
      signal?.addEventListener('abort', () => resolve({ kind: 'cancelled' }));
    });
  }
  respond(o: SaleOutcome): void {
    this.answer?.(o);
    this.answer = null;
  }
}

let hub: HubProcess;
let manager: string;
const apps: KioskApp[] = [];
beforeAll(async () => {
  hub = await startHub();
  manager = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
}, 60_000);
afterEach(() => {
  for (const a of apps.splice(0)) a.stop();
});
afterAll(async () => {
  await hub?.stop();
});

/** A kiosk that placed a card order, the hub confirmed it and the first card was declined. */
async function declinedCardOrder(): Promise<{ app: KioskApp; terminal: ScriptedTerminal; orderId: string; placedDue: number }> {
  const r = await hub.request('POST', '/api/v1/devices/pair', { body: { code: PAIRING_CODE, name: 'kiosk-amount', kind: 'kiosk' } });
  expect(r.status).toBe(201);
  const terminal = new ScriptedTerminal();
  const app = new KioskApp({ storage: new MemoryOutboxStorage(), baseUrl: hub.url, terminal });
  apps.push(app);
  app.session.device.set({ token: r.body.deviceToken, deviceId: r.body.device.id, name: 'kiosk-amount', kind: 'kiosk' });
  app.start();
  await eventually('menu', async () => (app.state.get().phase === 'ready' ? true : undefined));
  app.go('menu');
  app.setCart([{ id: newId(), itemId: 'sour-plum-drink', qty: 2, optionIds: ['ice-less'], note: '' }]);
  app.go('checkout');
  app.choosePayment('card');
  expect(await app.submit()).toBe(true);
  await eventually('the first sale', async () => (terminal.requests.length === 1 ? true : undefined));
  const order = confirmedOrder(app.state.get().submissions.find((s) => s.id === app.state.get().current))!;
  expect(terminal.requests[0]!.amountMinor).toBe(order.dueMinor);
  terminal.respond({ kind: 'declined', reason: 'insufficient funds' });
  await eventually('declined', async () => (app.state.get().sale?.phase === 'declined' ? true : undefined));
  return { app, terminal, orderId: order.id, placedDue: order.dueMinor };
}

it('tries the card again for what the order owes now, after the counter discounted it', async () => {
  const { app, terminal, orderId, placedDue } = await declinedCardOrder();
  const d = await hub.request('POST', `/api/v1/orders/${orderId}/discount`, { token: manager, body: { amountMinor: 100, reason: 'waited too long' } });
  expect(d.status).toBe(200);
  expect(d.body.order.dueMinor).toBe(placedDue - 100);

  void app.payByCard();
  await eventually('the second sale', async () => (terminal.requests.length === 2 ? true : undefined));
  expect(terminal.requests[1]!.amountMinor).toBe(placedDue - 100);
  terminal.respond({ kind: 'approved', reference: 'T-RETRY' });
  const payment = await eventually('payment confirmed', async () => app.state.get().payments.find((p) => p.state === 'confirmed' || p.state === 'rejected'));
  expect(payment.state).toBe('confirmed');
  const charges = await hub.request('GET', '/api/v1/card-charges/unrecorded', { token: manager });
  expect(charges.body.charges).toEqual([]);
}, 60_000);

it('charges nothing once the counter took the whole amount', async () => {
  const { app, terminal, orderId, placedDue } = await declinedCardOrder();
  const p = await hub.request('POST', `/api/v1/orders/${orderId}/payments`, { token: manager, body: { tender: 'cash', amountMinor: placedDue, tenderedMinor: placedDue } });
  expect(p.status).toBe(201);

  void app.payByCard();
  await new Promise((r) => setTimeout(r, 300));
  expect(terminal.requests).toHaveLength(1);
  const s = app.state.get();
  expect(paymentView(s.sale, undefined)).toEqual({ kind: 'settled' });
}, 60_000);
