import { afterEach, expect, it } from 'vitest';
import { language } from '../shared/i18n.ts';
import { MemoryOutboxStorage, type OutboxEntry } from '../shared/outbox.ts';
import { KioskApp, type KioskOrderMeta } from './kiosk-app.ts';
import type { PaymentTerminal, SaleOutcome, SaleRequest } from './terminal.ts';

class Terminal implements PaymentTerminal {
  readonly simulated = true;
  cancelled = 0;
  answer: ((o: SaleOutcome) => void) | null = null;
  sale(_r: SaleRequest, signal?: AbortSignal): Promise<SaleOutcome> {
    return new Promise((resolve) => {
      this.answer = resolve;
      signal?.addEventListener('abort', () => { this.cancelled++; resolve({ kind: 'cancelled' }); });
    });
  }
}
const entry: OutboxEntry<KioskOrderMeta> = {
  id: 'e1', seq: 1, scope: 'kiosk:dev-k1', key: 'k1', method: 'POST', path: '/api/v1/orders', body: {}, dependsOn: null,
  meta: { orderId: 'o1', lines: [], pay: 'card' }, state: 'confirmed', attempts: 1, createdAt: 1, updatedAt: Date.now(),
  nextAttemptAt: null, lastProblem: null, result: { order: { id: 'o1', number: 17, totalMinor: 4200, dueMinor: 4200, quotedReadyAt: null } }, error: null,
};
const apps: KioskApp[] = [];
afterEach(() => { for (const a of apps.splice(0)) a.stop(); });

/** A kiosk (idle time 1 s) on the confirmation screen of a card order, its sale waiting at the terminal. */
async function atTerminal() {
  const storage = new MemoryOutboxStorage();
  await storage.put(entry);
  const terminal = new Terminal();
  const app = new KioskApp({ storage, terminal, baseUrl: 'http://127.0.0.1:9', search: '?idle=1' });
  apps.push(app);
  app.session.device.set({ token: 'dev_x', deviceId: 'dev-k1', name: 'kiosk', kind: 'kiosk' });
  app.state.set({ ...app.state.get(), current: 'e1' });
  app.go('done'); // as submit() does
  await app.outbox.load();
  app.outbox.stop();
  // the kiosk reads what the order owes now before it asks the terminal (here the hub is unreachable)
  for (let end = Date.now() + 5000; !terminal.answer; await new Promise((r) => setTimeout(r, 5))) if (Date.now() > end) throw new Error('no sale');
  return { storage, terminal, app };
}

it('the idle reset waits while the customer is paying on the terminal, and runs again after the outcome', async () => {
  const { storage, terminal, app } = await atTerminal();
  expect(app.state.get().sale?.phase).toBe('terminal');
  // the customer is entering a PIN on the terminal: nothing touches the kiosk screen
  await new Promise((r) => setTimeout(r, 1300));
  expect(terminal.cancelled).toBe(0);
  expect(app.state.get().screen).toBe('done');
  terminal.answer!({ kind: 'declined', reason: 'insufficient funds' });
  await new Promise((r) => setTimeout(r, 10));
  expect(app.state.get().sale?.phase).toBe('declined');
  await new Promise((r) => setTimeout(r, 1300)); // nobody takes the decline further: the next customer's kiosk
  expect(app.state.get().screen).toBe('welcome');
});

it('an approved card charge the kiosk could not store stays on screen, with its retry, through the idle time', async () => {
  const { storage, terminal, app } = await atTerminal();
  storage.put = () => Promise.reject(new Error('QuotaExceededError'));
  app.idle.touch();
  terminal.answer!({ kind: 'approved', reference: 'T-1' });
  await new Promise((r) => setTimeout(r, 10));
  expect(app.state.get().sale?.storeFailed).toBe(true);
  await new Promise((r) => setTimeout(r, 1300)); // customer leaves, nobody at the counter saw the screen
  const s = app.state.get();
  expect(s.screen).toBe('done');
  expect(s.sale?.approval?.reference).toBe('T-1');
  expect(s.sale?.storeFailed).toBe(true);
  app.reset(); // "new order" waits too
  expect(app.state.get().sale?.approval?.reference).toBe('T-1');
  delete (storage as { put?: unknown }).put; // the prototype's put again: storage works now
  await app.retryStoreApproval();
  expect(app.state.get().sale?.paymentEntryId).not.toBeNull();
  await new Promise((r) => setTimeout(r, 1300)); // stored: the idle reset runs again
  expect(app.state.get().screen).toBe('welcome');
});

it('gives up on a card prompt nobody answers, after three times the idle time: the customer walked away from the terminal too', async () => {
  const { storage, terminal, app } = await atTerminal();
  expect(app.state.get().sale?.phase).toBe('terminal');
  await new Promise((r) => setTimeout(r, 2500));
  expect(app.state.get().screen).toBe('done'); // still paying, as far as anyone can tell
  await new Promise((r) => setTimeout(r, 1000));
  expect(terminal.cancelled).toBe(1);
  expect(app.state.get().screen).toBe('welcome');
});

it('English and large text chosen on the welcome screen by a customer who then walked away go back to Chinese and normal size', async () => {
  const app = new KioskApp({ storage: new MemoryOutboxStorage(), baseUrl: 'http://127.0.0.1:9', terminal: null, search: '?idle=1' });
  apps.push(app);
  app.session.device.set({ token: 'dev_x', deviceId: 'dev-k1', name: 'kiosk', kind: 'kiosk' });
  expect(app.state.get().screen).toBe('welcome');
  // the corner switches of the welcome screen; the customer never taps "start"
  app.toggleLargeText();
  language.set('en');
  await new Promise((r) => setTimeout(r, 1300));
  expect(app.state.get().largeText).toBe(false);
  expect(language.get()).toBe('zh-CN');
  expect(app.state.get().screen).toBe('welcome');
});
