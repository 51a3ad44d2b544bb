/**
 * The self-order kiosk: everything it knows and does, without the view.
 *
 * Identity is the kiosk's device token (paired once with the hub's pairing code, kind `kiosk`); no staff
 * signs in, and the hub lets a kiosk device place `channel: 'kiosk'` orders and read its own orders only.
 * Every order goes through the IndexedDB outbox (clients/shared/outbox.ts) with an order id made here and
 * an Idempotency-Key: stored before the first send, retried until the hub answers. Only the hub's answer
 * gives the pickup number (`order.number`). The idle timeout starts the kiosk over for the next customer —
 * the cart goes, an unconfirmed order does not (the outbox keeps sending it in the background).
 */
import type { Menu, Pacing } from '../../hub/protocol/index.ts';
import { cartProblems, toLineInputs, type CartLine } from '../shared/cart.ts';
import { HubUnreachableError, type HubClient } from '../shared/hub-client.ts';
import { language } from '../shared/i18n.ts';
import { newId } from '../shared/ids.ts';
import { IdbOutboxStorage, MemoryOutboxStorage, Outbox, type OutboxEntry, type OutboxStorage, type SendResult } from '../shared/outbox.ts';
import { sendEntry } from '../shared/outbox-transport.ts';
import { Session } from '../shared/session.ts';
import { load, save } from '../shared/storage.ts';
import { Store } from '../shared/store.ts';
import { IdleWatch, idleMsFrom } from './kiosk-logic.ts';

export interface KioskOrderMeta {
  orderId: string;
  lines: CartLine[];
}

export type KioskSubmission = OutboxEntry<KioskOrderMeta>;

export type Screen = 'welcome' | 'menu' | 'checkout' | 'done';

export interface KioskState {
  phase: 'loading' | 'unreachable' | 'ready';
  screen: Screen;
  menu: Menu | null;
  pacing: Pacing | null;
  cart: CartLine[];
  /** The outbox entry the confirmation screen is about. */
  current: string | null;
  submissions: KioskSubmission[];
  /** Last poll of the hub answered. */
  reachable: boolean;
  largeText: boolean;
  durable: boolean;
  storageError: boolean;
}

const PRUNE_SETTLED_AFTER_MS = 12 * 3600_000;
const POLL_MS = 15_000;

export class KioskApp {
  readonly session = new Session('kiosk');
  readonly client: HubClient;
  readonly outbox: Outbox;
  readonly state: Store<KioskState>;
  readonly idle: IdleWatch;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private started = false;

  constructor(o: { search?: string; storage?: OutboxStorage; baseUrl?: string } = {}) {
    this.client = this.session.client({ baseUrl: o.baseUrl ?? '', timeoutMs: 8000 });
    const durable = !o.storage && IdbOutboxStorage.available();
    const storage = o.storage ?? (durable ? new IdbOutboxStorage() : new MemoryOutboxStorage());
    this.state = new Store<KioskState>({
      phase: 'loading',
      screen: 'welcome',
      menu: load<Menu>('kiosk.menu'),
      pacing: null,
      cart: [],
      current: null,
      submissions: [],
      reachable: true,
      largeText: false,
      durable: durable || !!o.storage,
      storageError: false,
    });
    this.outbox = new Outbox({
      storage,
      transport: (e) => this.send(e),
      onChange: (entries) => this.onOutbox(entries),
      log: (m) => console.info(m),
    });
    this.idle = new IdleWatch(idleMsFrom(o.search ?? ''), () => this.reset());
  }

  private set(patch: Partial<KioskState>): void {
    this.state.set({ ...this.state.get(), ...patch });
  }

  /** Outbox scope: this kiosk's device (another app on the same origin keeps its own entries). */
  private scope(): string {
    return `kiosk:${this.session.device.get()?.deviceId ?? 'unpaired'}`;
  }

  /** Starts once the device is paired (the view shows the pairing screen until then). */
  start(): void {
    if (this.started || !this.session.device.get()) return;
    this.started = true;
    void this.outbox.load().catch((err: unknown) => {
      console.error('outbox unavailable', err);
      this.set({ durable: false });
    });
    void this.loadAll();
    this.pollTimer = setInterval(() => void this.poll(), POLL_MS);
  }

  async loadAll(): Promise<void> {
    try {
      const [menu, pacing] = await Promise.all([this.client.menu(), this.loadPacing()]);
      save('kiosk.menu', menu);
      this.set({ menu, pacing, phase: 'ready', reachable: true });
    } catch (err) {
      if (this.state.get().menu) this.set({ phase: 'ready', reachable: false });
      else this.set({ phase: 'unreachable', reachable: false });
      if (!(err instanceof HubUnreachableError)) console.error('loading the menu failed', err);
    }
  }

  private loadPacing(): Promise<Pacing> {
    return this.client.request<Pacing>('GET', '/api/v1/kitchen/pacing', { as: 'none' });
  }

  /** Menu (ETag: an unchanged menu is a 304) and pacing, every 15 s and when the network comes back. */
  async poll(): Promise<void> {
    if (this.state.get().phase !== 'ready') return void this.loadAll();
    try {
      const [menu, pacing] = await Promise.all([this.client.menu(), this.loadPacing()]);
      if (menu !== this.state.get().menu) save('kiosk.menu', menu);
      this.set({ menu, pacing, reachable: true });
    } catch {
      this.set({ reachable: false });
    }
  }

  wake(): void {
    this.outbox.retryNow();
    void this.poll();
  }

  // ---- screens ----

  go(screen: Screen): void {
    this.set({ screen });
    this.idle.setArmed(screen !== 'welcome');
  }

  /** The next customer: welcome screen, empty cart, default language and text size. Never touches the outbox. */
  reset(): void {
    this.set({ screen: 'welcome', cart: [], current: null, largeText: false, storageError: false });
    this.idle.setArmed(false);
    language.set('zh-CN');
  }

  toggleLargeText(): void {
    this.set({ largeText: !this.state.get().largeText });
  }

  setCart(cart: CartLine[]): void {
    this.set({ cart });
  }

  orderingPaused(): boolean {
    return this.state.get().pacing?.publicOrderingPaused ?? false;
  }

  /**
   * Places the cart as a kiosk order (pay at the counter): stored in the outbox first, then the cart is
   * emptied and the confirmation screen follows that entry. False (cart kept) when nothing could be stored.
   */
  async submit(): Promise<boolean> {
    const { menu, cart } = this.state.get();
    if (!menu || cart.length === 0 || cartProblems(menu, cart).length > 0 || this.orderingPaused()) return false;
    const orderId = newId();
    let entry: KioskSubmission;
    try {
      entry = await this.outbox.enqueue<KioskOrderMeta>({
        scope: this.scope(),
        method: 'POST',
        path: '/api/v1/orders',
        body: { id: orderId, channel: 'kiosk', lines: toLineInputs(cart) },
        meta: { orderId, lines: cart },
      });
    } catch (err) {
      console.error('could not store the order on this kiosk', err);
      this.set({ storageError: true });
      return false;
    }
    this.set({ cart: [], current: entry.id, storageError: false });
    this.go('done');
    return true;
  }

  /** A refused order back into the cart (fresh line ids), to change and send again. */
  async editRefused(id: string): Promise<void> {
    const s = this.state.get().submissions.find((x) => x.id === id);
    if (!s) return;
    await this.outbox.remove(id);
    this.set({ cart: s.meta.lines.map((l) => ({ ...l, id: newId() })), current: null });
    this.go('checkout');
  }

  // ---- outbox plumbing ----

  private send(e: OutboxEntry): Promise<SendResult> {
    return sendEntry(this.client, e);
  }

  private onOutbox(entries: readonly OutboxEntry[]): void {
    const now = Date.now();
    const mine = entries.filter((e) => e.scope === this.scope()) as KioskSubmission[];
    for (const e of mine) {
      if ((e.state === 'confirmed' || e.state === 'rejected') && now - e.updatedAt > PRUNE_SETTLED_AFTER_MS) void this.outbox.remove(e.id);
    }
    this.set({ submissions: mine });
  }

  stop(): void {
    this.outbox.stop();
    this.idle.stop();
    if (this.pollTimer) clearInterval(this.pollTimer);
  }
}
