/**
 * A kiosk that lost its pairing (the manager unpaired it, or a reload after the hub refused its token) shows
 * only the pairing screen. What its outbox still holds — a card the terminal charged whose payment the hub
 * has not acknowledged, an order not yet answered — must show there too: whoever pairs it (or unplugs it)
 * has to know that something is still waiting to be sent from this kiosk.
 */
import { afterEach, expect, it } from 'vitest';
import { translator } from '../shared/i18n.ts';
import { textOf } from '../shared/ui/text-of.ts';
import { MemoryOutboxStorage, type OutboxEntry } from '../shared/outbox.ts';
import { UnsentNotice } from './app.tsx';
import { KioskApp } from './kiosk-app.ts';
import { waitingToSend, type CardApproval } from './kiosk-logic.ts';
import { kioskMessages } from './messages.ts';

const base = { scope: 'kiosk:dev-old', dependsOn: null, attempts: 3, createdAt: 1, updatedAt: 1, nextAttemptAt: 1, lastProblem: 'HTTP 401 unauthenticated', result: null, error: null };
const order: OutboxEntry = {
  ...base, id: 'e-order', seq: 1, key: 'k1', method: 'POST', path: '/api/v1/orders', body: { id: 'o-1', channel: 'kiosk', lines: [] },
  meta: { orderId: 'o-1', lines: [], pay: 'card' }, state: 'confirmed', result: { order: { id: 'o-1', number: 17, totalMinor: 4200, dueMinor: 4200 } },
};
const approval: CardApproval = { kind: 'payment', orderId: 'o-1', paymentId: 'p-1', number: 17, amountMinor: 4200, reference: 'T-1', cardLast4: null, scheme: null };
const payment: OutboxEntry = {
  ...base, id: 'e-pay', seq: 2, key: 'k2', method: 'POST', path: '/api/v1/orders/o-1/payments',
  body: { id: 'p-1', tender: 'card', amountMinor: 4200, reference: 'T-1' }, dependsOn: 'e-order', meta: approval, state: 'unknown',
};
const queuedOrder: OutboxEntry = { ...order, id: 'e-order-2', seq: 3, key: 'k3', meta: { orderId: 'o-2', lines: [], pay: 'counter' }, state: 'unknown', result: null };

const apps: KioskApp[] = [];
afterEach(() => {
  for (const a of apps.splice(0)) a.stop();
});

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let end = Date.now() + 5000; !ok(); await new Promise((r) => setTimeout(r, 5))) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

it('an unpaired kiosk (after a reload) still knows the card approval and the order its outbox has not sent', async () => {
  const storage = new MemoryOutboxStorage();
  for (const e of [order, payment, queuedOrder]) await storage.put(structuredClone(e));
  const app = new KioskApp({ storage, baseUrl: 'http://127.0.0.1:9', terminal: null });
  apps.push(app);
  expect(app.session.device.get()).toBeNull();
  await until('the outbox to be read', () => app.state.get().payments.length === 1);
  expect(waitingToSend(app.state.get())).toEqual({ orders: 1, payments: 1 });
});

it('counts only what the hub has not answered', () => {
  const s = (state: OutboxEntry['state']) => ({ state });
  expect(waitingToSend({ submissions: [s('confirmed'), s('rejected'), s('saved'), s('sending')], payments: [s('confirmed'), s('rejected')] })).toEqual({ orders: 2, payments: 0 });
});

it('the pairing screen says, in both languages, that a charged card and an order are still waiting to be sent', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    const t = translator(kioskMessages, lang);
    const said = textOf(UnsentNotice({ waiting: { orders: 1, payments: 1 }, t }));
    expect(said).toContain(t('unpaired.payments', { n: 1 }));
    expect(said).toContain(t('unpaired.orders', { n: 1 }));
    expect(said).not.toMatch(/\{\w+\}/);
  }
  expect(UnsentNotice({ waiting: { orders: 0, payments: 0 }, t: translator(kioskMessages, 'zh-CN') })).toBeNull();
});
