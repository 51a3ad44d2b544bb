/**
 * The self-order kiosk: everything it knows and does, without the view.
 *
 * Identity is the kiosk's device token (paired once with the hub's pairing code, kind `kiosk`); no staff
 * signs in, and the hub lets a kiosk device place `channel: 'kiosk'` orders and read its own orders only.
 * Every order goes through the IndexedDB outbox (clients/shared/outbox.ts) with an order id made here and
 * an Idempotency-Key: stored before the first send, retried until the hub answers. Only the hub's answer
 * gives the pickup number (`order.number`). The idle timeout starts the kiosk over for the next customer —
 * the cart goes, an unconfirmed order does not (the outbox keeps sending it in the background).
 *
 * Card payment (issue #6): once the hub confirmed an order placed with "pay by card", the kiosk runs a sale
 * on its `PaymentTerminal` for the hub's amount due. An approval becomes an outbox entry at once
 * (`POST /orders/:id/payments`, tender card, the terminal's reference), so it survives a dead network and a
 * reload like an order does; the hub lets a kiosk record exactly that payment and nothing else.
 */
import type { Menu, Order, Pacing } from '../../hub/protocol/index.ts';
import { cartProblems, toLineInputs, type CartLine } from '../shared/cart.ts';
import { HubUnreachableError, type HubClient } from '../shared/hub-client.ts';
import { language } from '../shared/i18n.ts';
import { newId } from '../shared/ids.ts';
import { Outbox, outboxStorage, type OutboxEntry, type OutboxStorage, type SendResult } from '../shared/outbox.ts';
import { sendEntry } from '../shared/outbox-transport.ts';
import { Session } from '../shared/session.ts';
import { load, save } from '../shared/storage.ts';
import { Store } from '../shared/store.ts';
import { approvalUnstored, confirmedOrder, hubReference, IdleWatch, idleMsFrom, saleHoldsScreen, type CardApproval, type CardSale, type OtherStoreWait } from './kiosk-logic.ts';
import { createTerminal, terminalSetting, type PaymentTerminal, type SaleOutcome } from './terminal.ts';

export type PayChoice = 'card' | 'counter';

export interface KioskOrderMeta {
  orderId: string;
  lines: CartLine[];
  /** Absent on entries stored before card payment existed: the counter. */
  pay?: PayChoice;
}

export type KioskSubmission = OutboxEntry<KioskOrderMeta>;
export type KioskPayment = OutboxEntry<CardApproval>;
type PlacedOrder = NonNullable<ReturnType<typeof confirmedOrder>>;

const isPayment = (e: OutboxEntry): e is KioskPayment => (e.meta as { kind?: unknown } | null)?.kind === 'payment';

export type Screen = 'welcome' | 'menu' | 'checkout' | 'done';

/**
 * The outbox entries this kiosk sends: its own, with its device token. One kiosk per browser (its pairing
 * lives in this origin's localStorage), so every `kiosk:` entry in this origin's IndexedDB is this kiosk's,
 * from this pairing or an earlier one; the phones' and tablets' entries on the same origin are not.
 */
export const ownsKioskScope = (scope: string): boolean => scope.startsWith('kiosk:');

export interface KioskState {
  phase: 'loading' | 'unreachable' | 'ready';
  screen: Screen;
  menu: Menu | null;
  pacing: Pacing | null;
  cart: CartLine[];
  /** The outbox entry the confirmation screen is about. */
  current: string | null;
  submissions: KioskSubmission[];
  /** Card payments this kiosk recorded (outbox entries), newest last. */
  payments: KioskPayment[];
  /** How the customer chose to pay at checkout; card only when a terminal is set up. */
  payChoice: PayChoice;
  sale: CardSale | null;
  /** An order is being stored: "place order" does nothing meanwhile. */
  submitting: boolean;
  /** Last poll of the hub answered. */
  reachable: boolean;
  largeText: boolean;
  durable: boolean;
  storageError: boolean;
  /**
   * What waits for another store than this kiosk's (it was moved): not in `submissions` or `payments`, which
   * customers see ("still sending"), but told to the staff, who may discard it.
   */
  otherStores: OtherStoreWait[];
  /** The store whose waiting entries the staff asked to discard: the confirmation shows. */
  discarding: string | null;
}

const PRUNE_SETTLED_AFTER_MS = 12 * 3600_000;
const POLL_MS = 15_000;
const ORDER_READ_MS = 3000;

/** A card prompt is given this many times the screen's idle time before the kiosk gives up on it. */
const TERMINAL_IDLE_FACTOR = 3;

export class KioskApp {
  readonly session = new Session('kiosk');
  readonly client: HubClient;
  /** Reads the order before a card sale: a customer waits at the terminal meanwhile, so not for long. */
  private readonly orderReader: HubClient;
  readonly outbox: Outbox;
  readonly state: Store<KioskState>;
  readonly idle: IdleWatch;
  private readonly terminalIdle: IdleWatch;
  /** Null: no card payment offered (`?terminal=off`). */
  readonly terminal: PaymentTerminal | null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private started = false;
  private saleAbort: AbortController | null = null;
  private readonly unsubscribeLanguage: () => void;
  /** Refused entries already answered by a fresh menu and pacing. */
  private readonly refusalsSeen = new Set<string>();

  constructor(o: { search?: string; storage?: OutboxStorage; baseUrl?: string; terminal?: PaymentTerminal | null } = {}) {
    const setting = terminalSetting(o.search ?? '', load('kiosk.terminal'));
    save('kiosk.terminal', setting);
    this.terminal = o.terminal !== undefined ? o.terminal : createTerminal(setting);
    // the session keeps the last client it made as its own: the main one
    this.orderReader = this.session.client({ baseUrl: o.baseUrl ?? '', timeoutMs: ORDER_READ_MS });
    this.client = this.session.client({ baseUrl: o.baseUrl ?? '', timeoutMs: 8000 });
    const { storage, durable } = outboxStorage(o.storage);
    this.state = new Store<KioskState>({
      phase: 'loading',
      screen: 'welcome',
      menu: load<Menu>('kiosk.menu'),
      pacing: null,
      cart: [],
      current: null,
      submissions: [],
      payments: [],
      payChoice: 'counter',
      sale: null,
      submitting: false,
      reachable: true,
      largeText: false,
      durable,
      storageError: false,
      otherStores: [],
      discarding: null,
    });
    this.outbox = new Outbox({
      storage,
      owns: ownsKioskScope,
      // a 401 means this kiosk's device token was refused (unpaired): the kiosk asks to be paired, and its
      // orders wait (unknown), then go with the new token and the same key — the hub keeps device keys per
      // store, so an order committed before the answer was lost is answered, not placed twice. Not so a card
      // payment of an order the old pairing placed: the order is the old device's, so the hub refuses it (404)
      transport: (e) => this.send(e),
      onChange: (entries) => this.onOutbox(entries),
      log: (m) => console.info(m),
      // an order or card payment made for one store never goes to another's hub (the kiosk moved, or re-paired)
      store: () => this.session.storeId(),
    });
    this.idle = new IdleWatch(idleMsFrom(o.search ?? ''), () => this.reset());
    // a card prompt nobody answers: the customer walked away from the terminal too (its own prompt may never
    // time out, as the simulated one does not); longer than the screen's idle time, as a PIN takes a while
    this.terminalIdle = new IdleWatch(this.idle.idleMs * TERMINAL_IDLE_FACTOR, () => this.reset());
    // paired again: what waited for a token goes now
    this.session.device.subscribe((d) => d && this.outbox.retryNow());
    // unpaired (a reload after the hub refused the token): the pairing screen must still show what this kiosk
    // has not sent — above all a card the terminal charged — so the outbox is read now, not at start()
    if (!this.session.device.get()) this.outbox.resume(() => this.set({ durable: false }));
    // English chosen on the welcome screen (the shared toggle sets the language itself) holds for the next
    // customer only until the idle time has passed
    this.unsubscribeLanguage = language.subscribe(() => this.syncIdle());
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
    this.syncIdle(); // a reload keeps the last customer's language (localStorage): it too goes back in time
    this.outbox.resume(() => this.set({ durable: false }));
    void this.learnStore();
    void this.loadAll();
    this.pollTimer = setInterval(() => void this.poll(), POLL_MS);
  }

  async loadAll(): Promise<void> {
    try {
      const [menu, pacing] = await Promise.all([this.client.menu(), this.loadPacing()]);
      save('kiosk.menu', menu);
      this.set({ menu, pacing, phase: 'ready', reachable: true });
      void this.learnStore();
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
      void this.learnStore();
    } catch {
      this.set({ reachable: false });
    }
  }

  /**
   * A kiosk paired before devices recorded their store learns it from its hub (no one signs in on a kiosk,
   * which is when the tablets learn it): at start and whenever the hub answers, until it has. Asks nothing
   * once known. What waited for that store goes then.
   */
  private async learnStore(): Promise<void> {
    if (this.session.storeId() !== null) return;
    if ((await this.session.learnStore()) !== null) this.outbox.retryNow();
  }

  wake(): void {
    this.outbox.retryNow();
    void this.poll();
  }

  // ---- screens ----

  go(screen: Screen): void {
    this.set({ screen });
    this.syncIdle();
  }

  /**
   * The idle timer runs while a customer is past the welcome screen (or left English or large text on it),
   * except while the card sale holds the screen (the customer is at the terminal, or an approval is not
   * stored yet): it starts again, from zero, once the sale has its outcome.
   */
  private syncIdle(): void {
    const { screen, sale, largeText } = this.state.get();
    // on the welcome screen too while a customer's language or text size still shows: one who switched and
    // walked away without starting would otherwise leave them to every customer after
    const inUse = screen !== 'welcome' || largeText || language.get() !== 'zh-CN';
    this.idle.setArmed(inUse && !saleHoldsScreen(sale));
    this.terminalIdle.setArmed(sale?.phase === 'terminal');
  }

  /**
   * The next customer: welcome screen, empty cart, default language and text size. Never touches the outbox.
   * Not while an approved charge is unstored: it stays on screen, with "try again", for the counter.
   */
  reset(): void {
    if (approvalUnstored(this.state.get().sale)) return;
    // a sale still on the terminal is cancelled (a tap on "new order"; the idle reset waits for the terminal);
    // should the card be approved anyway, it is still recorded
    this.saleAbort?.abort();
    this.set({ screen: 'welcome', cart: [], current: null, largeText: false, storageError: false, payChoice: 'counter', sale: null, discarding: null });
    this.idle.setArmed(false);
    this.terminalIdle.setArmed(false);
    language.set('zh-CN');
  }

  toggleLargeText(): void {
    this.set({ largeText: !this.state.get().largeText });
    this.syncIdle();
  }

  setCart(cart: CartLine[]): void {
    this.set({ cart });
  }

  choosePayment(payChoice: PayChoice): void {
    if (payChoice === 'card' && !this.terminal) return;
    this.set({ payChoice });
  }

  orderingPaused(): boolean {
    return this.state.get().pacing?.publicOrderingPaused ?? false;
  }

  /**
   * Places the cart as a kiosk order (paid as chosen): stored in the outbox first, then the cart is
   * emptied and the confirmation screen follows that entry. False (cart kept) when nothing could be stored,
   * and while another submit is still storing: a double tap (or Enter) racing the button's re-render would
   * otherwise store the same cart twice, two orders and two pickup numbers for one customer.
   */
  async submit(): Promise<boolean> {
    const { menu, cart, submitting } = this.state.get();
    if (submitting || !menu || cart.length === 0 || cartProblems(menu, cart).length > 0 || this.orderingPaused()) return false;
    this.set({ submitting: true });
    try {
      return await this.store();
    } finally {
      this.set({ submitting: false });
    }
  }

  private async store(): Promise<boolean> {
    const { cart, payChoice } = this.state.get();
    const orderId = newId();
    let entry: KioskSubmission;
    try {
      entry = await this.outbox.enqueue<KioskOrderMeta>({
        scope: this.scope(),
        method: 'POST',
        path: '/api/v1/orders',
        body: { id: orderId, channel: 'kiosk', lines: toLineInputs(cart) },
        meta: { orderId, lines: cart, pay: payChoice },
      });
    } catch (err) {
      console.error('could not store the order on this kiosk', err);
      this.set({ storageError: true });
      return false;
    }
    this.set({ cart: [], current: entry.id, storageError: false, sale: null });
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

  // ---- what waits for another store (staff) ----

  /** "Discard…": shows the confirmation, which says which store, how many and which card payments. */
  askDiscard(storeId: string): void {
    if (this.state.get().otherStores.some((w) => w.storeId === storeId)) this.set({ discarding: storeId });
  }

  cancelDiscard(): void {
    this.set({ discarding: null });
  }

  /** Confirmed: that store's waiting orders and payments are removed from this kiosk, unsent. */
  async confirmDiscard(): Promise<void> {
    const storeId = this.state.get().discarding;
    if (storeId === null) return;
    this.set({ discarding: null });
    const n = await this.outbox.discardWaitingFor(storeId);
    console.warn(`discarded ${n} unsent entries made for store ${storeId}`);
  }

  // ---- card payment ----

  /**
   * Runs the terminal sale for the confirmed order on screen, for the hub's amount due. Started by itself
   * when the order was placed with "pay by card", and again by "try again" after a decline.
   */
  async payByCard(): Promise<void> {
    const { current, submissions, sale, menu } = this.state.get();
    const entry = submissions.find((e) => e.id === current);
    const placed = confirmedOrder(entry);
    const busy = sale !== null && (sale.phase === 'terminal' || sale.approval !== null);
    if (!this.terminal || !entry || !placed || placed.dueMinor <= 0 || busy) return;
    this.set({ sale: { entryId: entry.id, phase: 'terminal', reason: null, approval: null, paymentEntryId: null, storeFailed: false } });
    this.syncIdle();
    const abort = new AbortController();
    this.saleAbort = abort;
    let order = placed;
    let outcome: SaleOutcome | 'nothing due';
    try {
      order = await this.owedNow(placed);
      if (order.dueMinor <= 0) outcome = 'nothing due';
      else if (abort.signal.aborted) outcome = { kind: 'cancelled' }; // "new order" or cancel while it was read
      else {
        this.patchSale(entry.id, { amountMinor: order.dueMinor });
        outcome = await this.terminal.sale({ amountMinor: order.dueMinor, currency: menu?.currency ?? 'CNY', merchantReference: String(order.number) }, abort.signal);
      }
    } catch (err) {
      // the interface says never reject; a terminal SDK that does anyway is treated as "no outcome"
      outcome = { kind: 'error', message: String(err) };
    } finally {
      if (this.saleAbort === abort) this.saleAbort = null;
    }
    if (outcome === 'nothing due') return this.patchSale(entry.id, { phase: 'settled' });
    if (outcome.kind !== 'approved') {
      // the screen says it in the customer's words only: the terminal's raw error is for whoever looks into it
      if (outcome.kind === 'error') console.warn('the card terminal reported a problem', outcome.message);
      this.patchSale(entry.id, { phase: outcome.kind, reason: outcome.kind === 'declined' ? outcome.reason : outcome.kind === 'error' ? outcome.message : null });
      return;
    }
    const approval: CardApproval = {
      kind: 'payment',
      orderId: order.id,
      paymentId: newId(),
      number: order.number,
      amountMinor: order.dueMinor,
      // what the hub records: the screen, the payment and the staff's strip then show the same reference
      reference: hubReference(outcome.reference),
      cardLast4: outcome.cardLast4 ?? null,
      scheme: outcome.scheme ?? null,
    };
    this.patchSale(entry.id, { phase: 'approved', approval });
    await this.storeApproval(entry.id, approval);
  }

  /**
   * What the order owes now. The confirmation is the order as it was placed (a resend is answered with that
   * same stored answer, minutes later), and the counter may have discounted it, voided a dish or taken the
   * money since: charging the old amount took money the hub then refused to record, and a paid order's
   * customer was charged twice. No answer in a few seconds: the confirmation's amount (should it be wrong,
   * the hub refuses it and the staff's strip shows the charge).
   */
  private async owedNow(placed: PlacedOrder): Promise<PlacedOrder> {
    try {
      const { order } = await this.orderReader.request<{ order: Order }>('GET', `/api/v1/orders/${encodeURIComponent(placed.id)}`, { as: 'device' });
      const open = order.status !== 'closed' && order.status !== 'voided' && order.status !== 'merged';
      return { id: order.id, number: order.number, dueMinor: open ? order.dueMinor : 0 };
    } catch {
      return placed;
    }
  }

  /** Ask the terminal to stop waiting for a card. */
  cancelCardSale(): void {
    this.saleAbort?.abort();
  }

  /** After a decline or cancel: the order stays placed and unpaid; the counter takes the money. */
  payAtCounter(): void {
    const sale = this.state.get().sale;
    if (sale && sale.phase !== 'terminal' && !sale.approval) this.patchSale(sale.entryId, { phase: 'counter' });
  }

  /** "Try again" for an approval this kiosk could not store. */
  async retryStoreApproval(): Promise<void> {
    const sale = this.state.get().sale;
    if (sale?.approval && sale.storeFailed) await this.storeApproval(sale.entryId, sale.approval);
  }

  /**
   * The approval goes into the outbox before anything else: from here on the outbox owns it (retries, a
   * reload, the idle reset), whatever the screen does. Depends on the order's entry, which is confirmed.
   */
  private async storeApproval(orderEntryId: string, approval: CardApproval): Promise<void> {
    try {
      const payment = await this.outbox.enqueue<CardApproval>({
        scope: this.scope(),
        method: 'POST',
        path: `/api/v1/orders/${encodeURIComponent(approval.orderId)}/payments`,
        body: { id: approval.paymentId, tender: 'card', amountMinor: approval.amountMinor, reference: approval.reference },
        meta: approval,
        dependsOn: orderEntryId,
      });
      this.patchSale(orderEntryId, { paymentEntryId: payment.id, storeFailed: false });
    } catch (err) {
      console.error('an approved card payment could not be stored on this kiosk', approval, err);
      this.patchSale(orderEntryId, { storeFailed: true });
    }
  }

  /** Updates the sale only while the screen is still about that order (the customer may have moved on). */
  private patchSale(entryId: string, patch: Partial<CardSale>): void {
    const sale = this.state.get().sale;
    if (sale?.entryId !== entryId) return;
    this.set({ sale: { ...sale, ...patch } });
    this.syncIdle();
  }

  /** An order placed with "pay by card" starts its sale as soon as the hub confirms it. */
  private startSaleWhenConfirmed(): void {
    const { current, submissions, sale, screen } = this.state.get();
    if (screen !== 'done' || sale !== null) return;
    const entry = submissions.find((e) => e.id === current);
    if (entry?.meta.pay === 'card' && confirmedOrder(entry)) void this.payByCard();
  }

  // ---- outbox plumbing ----

  private send(e: OutboxEntry): Promise<SendResult> {
    return sendEntry(this.client, e);
  }

  private onOutbox(entries: readonly OutboxEntry[]): void {
    const now = Date.now();
    // the outbox holds this kiosk's entries only (from this pairing or an earlier one)
    for (const e of entries) {
      if ((e.state === 'confirmed' || e.state === 'rejected') && now - e.updatedAt > PRUNE_SETTLED_AFTER_MS) void this.outbox.remove(e.id);
    }
    // another store's are not the customers' business: "still sending" would be a promise never kept here
    const elsewhere = this.outbox.waitingForOtherStores();
    const waitsElsewhere = new Set(elsewhere.flatMap((w) => w.entries.map((e) => e.id)));
    const mine = entries.filter((e) => !waitsElsewhere.has(e.id));
    const otherStores = elsewhere.map(({ storeId, entries: waiting }): OtherStoreWait => ({
      storeId,
      storeName: this.session.storeName(storeId),
      orders: waiting.filter((e) => !isPayment(e)).length,
      payments: waiting.filter(isPayment).map((e) => ({ amountMinor: e.meta.amountMinor, reference: e.meta.reference })),
    }));
    const { discarding } = this.state.get();
    this.set({
      submissions: mine.filter((e) => !isPayment(e)) as KioskSubmission[],
      payments: mine.filter(isPayment),
      otherStores,
      discarding: otherStores.some((w) => w.storeId === discarding) ? discarding : null,
    });
    // the hub refused an order for what the kiosk's menu and pacing (polled every 15 s) may not show yet: a
    // dish sold out, ordering paused. Fetched now, so that "change the order" shows the customer why,
    // rather than letting the same order go again and be refused again
    const refusals = mine.filter((e) => e.state === 'rejected' && !this.refusalsSeen.has(e.id));
    for (const e of refusals) this.refusalsSeen.add(e.id);
    if (refusals.length > 0) void this.poll();
    this.startSaleWhenConfirmed();
  }

  stop(): void {
    this.unsubscribeLanguage();
    this.saleAbort?.abort();
    this.outbox.stop();
    this.idle.stop();
    this.terminalIdle.stop();
    if (this.pollTimer) clearInterval(this.pollTimer);
  }
}
