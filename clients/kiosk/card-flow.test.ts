/**
 * The kiosk's card flow in KioskApp, with a scripted terminal and the outbox stopped before it sends: what
 * matters here is what the kiosk *stores* when the terminal answers (the send itself, and the hub's answer,
 * are covered by kiosk-card.e2e.test.ts against the real hub).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { paymentInputSchema } from '../../hub/protocol/orders.ts';
import { MemoryOutboxStorage, type OutboxEntry } from '../shared/outbox.ts';
import { KioskApp, type KioskOrderMeta } from './kiosk-app.ts';
import { paymentView } from './kiosk-logic.ts';
import type { PaymentTerminal, SaleOutcome, SaleRequest } from './terminal.ts';

/** A terminal the test answers by hand; it ignores cancel requests unless told to honour them. */
class ScriptedTerminal implements PaymentTerminal {
  readonly simulated = true;
  readonly requests: SaleRequest[] = [];
  private answer: ((o: SaleOutcome) => void) | null = null;
  constructor(private readonly honoursCancel = true) {}
  sale(request: SaleRequest, signal?: AbortSignal): Promise<SaleOutcome> {
    this.requests.push(request);
    return new Promise((resolve) => {
      this.answer = resolve;
      if (this.honoursCancel) signal?.addEventListener('abort', () => resolve({ kind: 'cancelled' }));
    });
  }
  respond(o: SaleOutcome): void {
    this.answer?.(o);
    this.answer = null;
  }
}

const ORDER = { id: 'o-kiosk-1', number: 17, totalMinor: 4200, dueMinor: 4200, quotedReadyAt: null };

function confirmedOrderEntry(pay: 'card' | 'counter'): OutboxEntry<KioskOrderMeta> {
  return {
    id: 'entry-order-1',
    seq: 1,
    scope: 'kiosk:dev-k1',
    key: 'key-order-1',
    method: 'POST',
    path: '/api/v1/orders',
    body: { id: ORDER.id, channel: 'kiosk', lines: [] },
    dependsOn: null,
    meta: { orderId: ORDER.id, lines: [], pay },
    state: 'confirmed',
    attempts: 1,
    createdAt: 1,
    updatedAt: Date.now(),
    nextAttemptAt: null,
    lastProblem: null,
    result: { order: ORDER },
    error: null,
  };
}

const apps: KioskApp[] = [];
afterEach(() => {
  for (const a of apps.splice(0)) a.stop();
});

/** A kiosk showing the confirmation of an order the hub confirmed, its outbox unable to send. */
async function kioskShowing(pay: 'card' | 'counter', o: { terminal?: PaymentTerminal | null; storage?: MemoryOutboxStorage } = {}) {
  const storage = o.storage ?? new MemoryOutboxStorage();
  const terminal = o.terminal === undefined ? new ScriptedTerminal() : o.terminal;
  await storage.put(confirmedOrderEntry(pay));
  const app = new KioskApp({ storage, terminal, baseUrl: 'http://127.0.0.1:9' });
  apps.push(app);
  app.session.device.set({ token: 'dev_x', deviceId: 'dev-k1', name: 'kiosk', kind: 'kiosk' });
  app.state.set({ ...app.state.get(), current: 'entry-order-1', screen: 'done' });
  await app.outbox.load();
  app.outbox.stop(); // from here on entries are stored, never sent
  if (pay === 'card' && terminal instanceof ScriptedTerminal) await until('the sale', () => terminal.requests.length > 0);
  return { app, storage, terminal };
}

const storedPayments = (storage: MemoryOutboxStorage) => [...storage.rows.values()].filter((e) => e.path.endsWith('/payments'));
const view = (app: KioskApp) => {
  const s = app.state.get();
  return paymentView(s.sale, s.payments.at(-1));
};
const settle = () => new Promise((r) => setTimeout(r, 0));
/** The kiosk reads the order (what it owes now) before the terminal is asked: here the hub is unreachable. */
async function until(what: string, ok: () => boolean): Promise<void> {
  for (let end = Date.now() + 5000; !ok(); await new Promise((r) => setTimeout(r, 5))) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

describe('paying by card at the kiosk', () => {
  it('starts the sale once the hub confirmed the order, for the hub’s amount due, with the order number as merchant reference', async () => {
    const { app, terminal } = await kioskShowing('card');
    expect((terminal as ScriptedTerminal).requests).toEqual([{ amountMinor: 4200, currency: 'CNY', merchantReference: '17' }]);
    expect(view(app)).toEqual({ kind: 'terminal' });
  });

  it('does not start a sale for an order to be paid at the counter', async () => {
    const { app, terminal } = await kioskShowing('counter');
    expect((terminal as ScriptedTerminal).requests).toEqual([]);
    expect(view(app)).toEqual({ kind: 'counter' });
  });

  it('stores an approval in the outbox as the card payment of the whole amount, after the order, before any send', async () => {
    const { app, terminal, storage } = await kioskShowing('card');
    (terminal as ScriptedTerminal).respond({ kind: 'approved', reference: 'T-991', cardLast4: '0005' });
    await settle();
    const [payment] = storedPayments(storage);
    expect(payment).toMatchObject({
      method: 'POST',
      path: `/api/v1/orders/${ORDER.id}/payments`,
      body: { id: expect.any(String), tender: 'card', amountMinor: 4200, reference: 'T-991' },
      dependsOn: 'entry-order-1',
      state: 'saved',
      meta: { kind: 'payment', orderId: ORDER.id, number: 17, cardLast4: '0005', scheme: null },
    });
    expect((payment!.body as { id: string }).id).toBe((payment!.meta as { paymentId: string }).paymentId);
    expect(view(app)).toMatchObject({ kind: 'saving', retrying: false });
    // the welcome screen's orders stay orders: a payment is not a second pickup number
    expect(app.state.get().submissions.map((e) => e.id)).toEqual(['entry-order-1']);
  });

  it('after a decline offers another try, then the counter, and stores no payment', async () => {
    const { app, terminal, storage } = await kioskShowing('card');
    const t = terminal as ScriptedTerminal;
    t.respond({ kind: 'declined', reason: 'insufficient funds' });
    await settle();
    expect(view(app)).toEqual({ kind: 'failed', outcome: 'declined', reason: 'insufficient funds' });

    void app.payByCard();
    await until('the second sale', () => t.requests.length === 2);
    expect(view(app)).toEqual({ kind: 'terminal' });
    app.cancelCardSale();
    await settle();
    expect(view(app)).toMatchObject({ kind: 'failed', outcome: 'cancelled' });

    app.payAtCounter();
    expect(view(app)).toEqual({ kind: 'counter' });
    expect(storedPayments(storage)).toEqual([]);
  });

  it('records an approval that arrives after the customer walked away (idle reset), though the screen has moved on', async () => {
    const terminal = new ScriptedTerminal(false); // the card was already read: cancelling comes too late
    const { app, storage } = await kioskShowing('card', { terminal });
    app.reset();
    expect(app.state.get().sale).toBeNull();
    terminal.respond({ kind: 'approved', reference: 'T-LATE' });
    await settle();
    expect(storedPayments(storage).map((e) => (e.body as { reference: string }).reference)).toEqual(['T-LATE']);
    expect(app.state.get().payments.map((p) => p.state)).toEqual(['saved']);
  });

  it('keeps an approval it could not store on screen for the counter, and stores it on "try again" under the same payment id', async () => {
    const storage = new MemoryOutboxStorage();
    const { app, terminal } = await kioskShowing('card', { storage });
    const put = storage.put.bind(storage);
    storage.put = () => Promise.reject(new Error('QuotaExceededError'));
    (terminal as ScriptedTerminal).respond({ kind: 'approved', reference: 'T-Q' });
    await settle();
    expect(view(app)).toMatchObject({ kind: 'unsaved', approval: { reference: 'T-Q' } });
    expect(storedPayments(storage)).toEqual([]);

    storage.put = put;
    await app.retryStoreApproval();
    const [payment] = storedPayments(storage);
    expect((payment?.body as { id: string } | undefined)?.id).toBe(app.state.get().sale?.approval?.paymentId);
    expect(view(app)).toMatchObject({ kind: 'saving' });
  });

  it('a terminal reference longer than the hub takes (80) is cut to what it takes, so the payment records rather than being a 400 no strip shows', async () => {
    const { app, terminal, storage } = await kioskShowing('card');
    const long = `  TXN-${'0123456789'.repeat(11)}  `;
    (terminal as ScriptedTerminal).respond({ kind: 'approved', reference: long });
    await settle();
    const [payment] = storedPayments(storage);
    expect(paymentInputSchema.safeParse(payment!.body).success).toBe(true);
    const sent = (payment!.body as { reference: string }).reference;
    expect(sent).toBe(long.trim().slice(0, 80));
    // the screen shows the customer the reference the staff's strip and the payments have
    expect((payment!.meta as { reference: string }).reference).toBe(sent);
    expect(view(app)).toMatchObject({ kind: 'saving', approval: { reference: sent } });
  });

  it('offers no card payment when the kiosk has no terminal', async () => {
    const { app } = await kioskShowing('counter', { terminal: null });
    app.choosePayment('card');
    expect(app.state.get().payChoice).toBe('counter');
    await app.payByCard();
    expect(app.state.get().sale).toBeNull();
  });
});
