/**
 * The customer's phone: everything the QR ordering page knows and does, without the view.
 *
 * Identity is the table's QR token in the URL (`/t/<token>`); it is sent as the bearer token, so the hub
 * lets this page read the menu and its own table's orders (the open ones, and those done in the last minutes:
 * hub/domain/public-reads.ts; with no payment reference or staff on them), and place or add to that table's
 * orders only.
 * Every submission goes through the IndexedDB outbox (clients/shared/outbox.ts): the first one creates an
 * order with an id made here, later ones add lines to the table's open order — queued in order, so both
 * work offline and survive a reload.
 */
import type { Health, HubEvent, Menu, Order, Pacing, Snapshot } from '../../hub/protocol/index.ts';
import { backoffDelay, HubClient, HubError } from '../shared/hub-client.ts';
import { sendEntry } from '../shared/outbox-transport.ts';
import { newId } from '../shared/ids.ts';
import { load, save } from '../shared/storage.ts';
import { Store } from '../shared/store.ts';
import { StreamClient, type ConnectionState } from '../shared/stream-client.ts';
import { isSettled, Outbox, outboxStorage, type OutboxEntry, type OutboxStorage, type SendResult } from '../shared/outbox.ts';
import { cartProblems, toLineInputs, type CartLine } from '../shared/cart.ts';
import { touchesMenuOrPacing, withMenuEvents, withPacingEvents } from '../shared/menu-events.ts';
import { WaiterCallTracker, type CallReason, type WaiterCall } from './waiter-call.ts';

export interface SubmissionMeta {
  /** create: a new order for the table; add: lines added to an open order. */
  kind: 'create' | 'add';
  orderId: string;
  lines: CartLine[];
}

export type Submission = OutboxEntry<SubmissionMeta>;

export type Phase =
  | { name: 'loading' }
  | { name: 'invalid'; message: string }
  /** No answer, or (`busy`) the hub asked the phone to wait (429/503): the page loads again by itself. */
  | { name: 'unreachable'; message: string; busy: boolean }
  | { name: 'ready' };

export interface QrState {
  phase: Phase;
  table: { id: string; name: string } | null;
  menu: Menu | null;
  pacing: Pacing | null;
  /** This table's orders as the hub last told us (newest first). */
  orders: Order[];
  submissions: Submission[];
  cart: CartLine[];
  conn: ConnectionState;
  /** Orders a waiter moved from this table to another, oldest move first: this QR code no longer follows them. */
  moved: readonly MovedOrder[];
  /** False when the browser has no IndexedDB: submissions then live only in memory (the UI warns). */
  durable: boolean;
  storageError: boolean;
  /** A submit() is storing the cart: one at a time, so a double tap cannot send the dishes twice. */
  submitting: boolean;
  /** The guest's latest call for a waiter (or for the bill), until a waiter has seen to it and a while after. */
  waiterCall: WaiterCall | null;
}

export interface MovedOrder {
  orderId: string;
  tableName: string;
}

/**
 * Where this table's moved orders went: one note per table, naming the orders that went there (a party split
 * over two tables gets two notes, not only the last move's).
 */
export function movedNotes(moved: readonly MovedOrder[]): { tableName: string; orderIds: string[] }[] {
  const byTable = new Map<string, string[]>();
  for (const m of moved) byTable.set(m.tableName, [...(byTable.get(m.tableName) ?? []), m.orderId]);
  return [...byTable].map(([tableName, orderIds]) => ({ tableName, orderIds }));
}

/**
 * `orders` (newest first) with `order` in it, or null when that changes nothing: the page already has this
 * revision or a newer one, or the order was moved to another table — answers from before a move can
 * arrive after it (a refetch in flight, a confirmed submission replayed by the outbox).
 */
export function withOrder(orders: readonly Order[], order: Order, movedAway: ReadonlySet<string>): Order[] | null {
  if (movedAway.has(order.id)) return null;
  const i = orders.findIndex((o) => o.id === order.id);
  if (i >= 0 && orders[i]!.revision >= order.revision) return null;
  const next = i >= 0 ? orders.map((o) => (o.id === order.id ? order : o)) : [order, ...orders];
  return next.sort((a, b) => b.createdAt - a.createdAt);
}

/** `/t/<token>` → token (also tolerates `/order/?t=<token>` for development). */
export function tokenFromLocation(loc: { pathname: string; search: string }): string | null {
  const m = /^\/t\/([^/?#]+)/.exec(loc.pathname);
  if (m) return decodeURIComponent(m[1]!);
  return new URLSearchParams(loc.search).get('t');
}

/**
 * Open: not paid, voided or merged (a merged order lives on inside another one, maybe another table's). As the
 * hub's `isOpen` (hub/domain/order.ts), which the page does not import: it would bring the hub's schemas along.
 */
const takesLines = (o: Pick<Order, 'status'>): boolean => o.status !== 'closed' && o.status !== 'voided' && o.status !== 'merged';

/** Refusals of added dishes that mean their order takes no more: it is done, or no longer this table's. */
const ORDER_GONE: ReadonlySet<string> = new Set(['order_closed', 'not_found']);

const PRUNE_SETTLED_AFTER_MS = 12 * 3600_000;

export class QrApp {
  /** Refused submissions being sent again right now (one tap, one resend). */
  private readonly resending = new Set<string>();
  readonly state: Store<QrState>;
  readonly client: HubClient;
  readonly outbox: Outbox;
  private stream: StreamClient | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  /** The next `loadAll` after one that failed, and how many failed in a row. */
  private loadRetry: ReturnType<typeof setTimeout> | null = null;
  private loadFailures = 0;
  private stopped = false;
  /** Menu and pacing events applied from the stream so far (a poll answer that crossed one is stale). */
  private streamChanges = 0;
  private refetch = new Map<string, ReturnType<typeof setTimeout>>();
  /** Orders a waiter moved to another table: this QR code no longer follows them. */
  private readonly movedAwayIds = new Set<string>();
  /**
   * Submissions this page saw unsettled: only their answers are news. An answer stored by an earlier page
   * (kept 12 h) is the order as it was then, "received" even after it was paid, and the hub's own list (open
   * orders) and stream say what it is now.
   */
  private readonly awaitingAnswer = new Set<string>();
  private readonly cartKey: string;
  private readonly waiterCalls = new WaiterCallTracker(() => this.state.get().table?.id);
  /** Puts "a waiter is on the way" away. */
  private comingTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly token: string,
    o: { storage?: OutboxStorage; baseUrl?: string; fetch?: typeof fetch } = {},
  ) {
    this.client = new HubClient({
      baseUrl: o.baseUrl ?? '',
      ...(o.fetch ? { fetch: o.fetch } : {}),
      credentials: { device: () => token, staff: () => null },
      timeoutMs: 8000,
      onUnauthenticated: () => this.invalid('unauthenticated'),
    });
    const { storage, durable } = outboxStorage(o.storage);
    this.cartKey = `order.cart.${token.slice(-12)}`;
    this.state = new Store<QrState>({
      phase: { name: 'loading' },
      table: null,
      menu: load<Menu>('order.menu'),
      pacing: null,
      orders: [],
      moved: [],
      submissions: [],
      cart: load<CartLine[]>(this.cartKey) ?? [],
      conn: { status: 'stopped', since: Date.now() },
      durable,
      storageError: false,
      submitting: false,
      waiterCall: null,
    });
    this.outbox = new Outbox({
      storage,
      // the hub takes the table from the token the entry is sent with: a page sends only its own table's
      // entries (another table's order, queued on this phone, waits for that table's page)
      owns: (scope) => scope === token,
      // a table's QR token is the phone's only credential and nothing on the phone can renew it (the hub
      // changes it only when the table is set up again): a 401 is final, and the page says the code is not
      // valid any more. It cannot cause a second order: a page with a refused token sends nothing.
      unauthenticated: 'reject',
      transport: (e) => this.send(e),
      onChange: (entries) => this.onOutbox(entries),
      log: (m) => console.info(m),
    });
  }

  private set(patch: Partial<QrState>): void {
    this.state.set({ ...this.state.get(), ...patch });
  }

  async start(): Promise<void> {
    // the outbox first: whatever a previous page left resumes even if the rest cannot load
    this.outbox.resume(() => this.set({ durable: false }));
    await this.loadAll();
    this.pollTimer = setInterval(() => void this.poll(), 30_000);
  }

  /** Table, menu, pacing and orders; then the live stream. Safe to call again ("Try again"). */
  async loadAll(): Promise<void> {
    if (this.loadRetry !== null) clearTimeout(this.loadRetry);
    this.loadRetry = null;
    try {
      const { table } = await this.client.request<{ table: { id: string; name: string } }>('GET', '/api/v1/qr/table');
      this.set({ table });
      const [menu, pacing, orders] = await Promise.all([this.client.menu(), this.loadPacing(), this.loadOrders()]);
      save('order.menu', menu);
      this.set({ menu, pacing, orders, phase: { name: 'ready' } });
      this.loadFailures = 0;
      this.startStream(table.id);
    } catch (err) {
      if (err instanceof HubError && (err.status === 401 || err.status === 404)) return this.invalid(err.message);
      const busy = err instanceof HubError && (err.status === 429 || err.status === 503);
      const cached = this.state.get().menu;
      // a phone that lost the Wi-Fi after loading once still shows the menu it has (and its outbox)
      if (cached && this.state.get().table) this.set({ phase: { name: 'ready' } });
      else this.set({ phase: { name: 'unreachable', message: err instanceof Error ? err.message : String(err), busy } });
      // and loads again by itself (the stream and the table's orders too, which the cached menu does not
      // bring): after the hub's Retry-After when it asked to wait — at the peak every table scans at once,
      // and nobody at the table knows to tap "Try again" — else on a backoff
      this.retryLoad(err);
    }
  }

  private retryLoad(err: unknown): void {
    if (this.stopped || this.loadRetry !== null) return;
    // never sooner than the hub asked, and spread out beyond that: the tables that scanned together would
    // otherwise all come back in the same second, and be refused together again
    const hintedS = err instanceof HubError ? (err.details as { retryAfterS?: number } | undefined)?.retryAfterS : undefined;
    const delay = Math.min(30_000, Math.max(1000, (hintedS ?? 0) * 1000) + backoffDelay(this.loadFailures, { baseMs: 1000, maxMs: 15_000 }));
    this.loadFailures++;
    this.loadRetry = setTimeout(() => {
      this.loadRetry = null;
      void this.loadAll();
    }, delay);
  }

  private invalid(message: string): void {
    this.stream?.stop();
    if (this.loadRetry !== null) clearTimeout(this.loadRetry);
    this.loadRetry = null;
    this.set({ phase: { name: 'invalid', message } });
  }

  private loadPacing(): Promise<Pacing> {
    return this.client.request<Pacing>('GET', '/api/v1/kitchen/pacing', { as: 'none' });
  }

  private async loadOrders(): Promise<Order[]> {
    return (await this.client.request<{ orders: Order[] }>('GET', '/api/v1/orders?status=open&limit=20')).orders;
  }

  /**
   * Sold-out counts and a kitchen pause arrive on the stream (`menu` and `kitchen` topics) and are applied as
   * they come; the menu (ETag: unchanged is a 304) and pacing (how busy the kitchen is) are also polled every
   * 30 s and when the stream comes back, for whatever was missed while it was down.
   */
  async poll(): Promise<void> {
    if (this.state.get().phase.name !== 'ready') return;
    try {
      const changesBefore = this.streamChanges;
      const [menu, pacing] = await Promise.all([this.client.menu(), this.loadPacing()]);
      // the stream changed the menu or pacing while this was on its way: the answer may be older than
      // what the page shows now, so keep that (the next poll, or the next event, brings the rest)
      if (this.streamChanges !== changesBefore) return;
      // otherwise the hub's answer is the truth, a 304 included (the menu as last fetched: a stock count
      // that went down and back up while the stream was away is a 304, and must undo what it applied)
      if (menu !== this.state.get().menu) save('order.menu', menu);
      this.set({ menu, pacing });
    } catch {
      /* offline: keep what we have */
    }
  }

  private applyMenuAndPacing(events: readonly HubEvent[]): void {
    if (!touchesMenuOrPacing(events)) return;
    this.streamChanges++;
    const { menu, pacing } = this.state.get();
    const nextMenu = menu && withMenuEvents(menu, events);
    if (nextMenu && nextMenu !== menu) save('order.menu', nextMenu);
    this.set({ menu: nextMenu, pacing: pacing && withPacingEvents(pacing, events) });
  }

  private startStream(tableId: string): void {
    if (this.stream) return;
    this.stream = new StreamClient({
      url: () => this.client.streamUrl(this.token),
      topics: [`table:${tableId}`, 'menu', 'kitchen'],
      // a table token may not load the staff snapshot: the same thing from the public head + own orders
      loadSnapshot: async (): Promise<Snapshot> => {
        const health = await this.client.request<Health>('GET', '/api/v1/health', { as: 'none' });
        const orders = await this.loadOrders();
        return { epoch: health.epoch, seq: health.seq, menuVersion: this.state.get().menu?.version ?? 0, orders };
      },
      onSnapshot: (snap) => this.set({ orders: snap.orders.filter((o) => !this.movedAwayIds.has(o.id)) }),
      onEvents: (events) => this.applyStreamEvents(events),
      onState: (conn) => {
        this.set({ conn });
        if (conn.status === 'live') {
          this.outbox.retryNow();
          void this.poll();
        }
      },
    });
    this.stream.start();
  }

  /** What the table's, the menu's and the kitchen's topics bring (public: the tests feed the page this way). */
  applyStreamEvents(events: readonly HubEvent[]): void {
    this.applyMenuAndPacing(events);
    this.setWaiterCall(this.waiterCalls.heard(this.state.get().waiterCall, events, Date.now()));
    for (const e of events) {
      if (e.type === 'order.placed') this.upsert(e.payload.order);
      else if (e.type === 'order.transferred') {
        if (e.payload.to.id === this.state.get().table?.id) this.movedHere(e.payload.order.id);
        else this.movedAway(e.payload.order.id, e.payload.to.name);
      }
      else if (e.type === 'order.merged') {
        // each side refetches what it may read: the merged order (old table), the order it joined (new table)
        for (const o of [e.payload.merged, e.payload.order]) {
          if (!this.state.get().orders.some((x) => x.id === o.id)) continue;
          this.patchSummary(o);
          this.scheduleRefetch(o.id);
        }
      } else if (e.type.startsWith('order.')) {
        const summary = (e.payload as { order: { id: string; revision: number; status: Order['status'] } }).order;
        this.patchSummary(summary);
        this.scheduleRefetch(summary.id);
      }
    }
  }

  /** The browser is online again, or the page is visible again: do not wait for the backoff. */
  wake(): void {
    this.outbox.retryNow();
    this.stream?.reconnectNow();
    if (this.state.get().phase.name === 'unreachable') void this.loadAll();
    else void this.poll();
  }

  /**
   * The guests were moved to another table: the order belongs to that table's QR code now (the hub no
   * longer shows it to this one), so it leaves this page with a note saying where it went.
   */
  private movedAway(orderId: string, tableName: string): void {
    const { orders } = this.state.get();
    if (!orders.some((o) => o.id === orderId)) return;
    // remembered, so that a refetch, snapshot or outbox answer from before the move cannot bring it back
    this.movedAwayIds.add(orderId);
    const moved = [...this.state.get().moved.filter((m) => m.orderId !== orderId), { orderId, tableName }];
    this.set({ orders: orders.filter((o) => o.id !== orderId), moved });
  }

  /** A waiter moved another table's order onto this one: the hub shows it to this QR code now, so the page does too. */
  private movedHere(orderId: string): void {
    this.movedAwayIds.delete(orderId);
    const { moved } = this.state.get();
    if (moved.some((m) => m.orderId === orderId)) this.set({ moved: moved.filter((m) => m.orderId !== orderId) });
    this.scheduleRefetch(orderId);
  }

  private upsert(order: Order): void {
    const next = withOrder(this.state.get().orders, order, this.movedAwayIds);
    if (next) this.set({ orders: next });
  }

  /**
   * An order refetched because the table's topic spoke of it. A done one the page does not list is an earlier
   * party's: the hub still shows a bill to its table for minutes after its last change (public-reads.ts), and
   * its food served or refunded after paying would otherwise appear on the next party's phone, paid.
   */
  private upsertHeardOf(order: Order): void {
    if (!takesLines(order) && !this.state.get().orders.some((o) => o.id === order.id)) return;
    this.upsert(order);
  }

  private patchSummary(s: { id: string; revision: number; status: Order['status'] }): void {
    const orders = this.state.get().orders;
    const cur = orders.find((o) => o.id === s.id);
    if (!cur || cur.revision >= s.revision) return;
    // the header at once; `revision` stays the full order's, so the refetch of its lines still applies
    this.set({ orders: orders.map((o) => (o.id === s.id ? { ...o, ...s, revision: o.revision } : o)) });
  }

  /** Line states come from the full order; events are coalesced into one fetch per order. */
  private scheduleRefetch(orderId: string): void {
    if (this.refetch.has(orderId)) return;
    this.refetch.set(
      orderId,
      setTimeout(() => {
        this.refetch.delete(orderId);
        this.client
          .request<{ order: Order }>('GET', `/api/v1/orders/${encodeURIComponent(orderId)}`)
          .then((r) => this.upsertHeardOf(r.order))
          .catch((err: unknown) => {
            // the table may no longer read it (done long ago, or moved): it is not the table's open order
            if (err instanceof HubError && err.status === 404) this.set({ orders: this.state.get().orders.filter((o) => o.id !== orderId) });
          });
      }, 150),
    );
  }

  // ---- the cart ----

  setCart(cart: CartLine[]): void {
    save(this.cartKey, cart);
    this.set({ cart });
  }

  /** Which order new lines go to: this phone's own (maybe still queued) order, else the table's open one. */
  private target(): { orderId: string; dependsOn: string | null } | null {
    const { submissions, orders } = this.state.get();
    const isOpen = (id: string) => orders.some((o) => o.id === id && takesLines(o));
    for (let i = submissions.length - 1; i >= 0; i--) {
      const s = submissions[i]!;
      if (s.meta.kind !== 'create' || s.state === 'rejected') continue;
      // still queued: add behind it (offline "create, then add")
      if (!isSettled(s)) return { orderId: s.meta.orderId, dependsOn: s.id };
      // placed: only while the hub still lists it open (a paid order takes no more lines)
      if (isOpen(s.meta.orderId)) return { orderId: s.meta.orderId, dependsOn: null };
    }
    const open = orders.find((o) => isOpen(o.id));
    return open ? { orderId: open.id, dependsOn: null } : null;
  }

  /** True when the next submission adds to an existing order. */
  appending(): boolean {
    return this.target() !== null;
  }

  /**
   * Asks for a waiter now. Not queued: a call delivered an hour late helps nobody, so the page says if it failed.
   * Then `waiterCall` says it waits until a waiter's tablet acknowledges it (heard on the stream): the hub
   * having the call is not a waiter on the way.
   */
  async callWaiter(reason?: 'bill'): Promise<boolean> {
    const why: CallReason = reason ?? null;
    this.setWaiterCall({ phase: 'calling', reason: why });
    try {
      const answer = await this.client.mutate<{ called: true; at: number; seq?: number }>('POST', '/api/v1/qr/waiter-call', reason ? { reason } : {}, { as: 'device', attempts: 2 });
      this.setWaiterCall(this.waiterCalls.answered(why, answer, Date.now()));
      return true;
    } catch {
      this.setWaiterCall({ phase: 'failed', reason: why });
      return false;
    }
  }

  /** The guest put the "did not get through" away. */
  dismissWaiterCall(): void {
    if (this.state.get().waiterCall?.phase === 'failed') this.setWaiterCall(null);
  }

  private setWaiterCall(call: WaiterCall | null): void {
    if (call === this.state.get().waiterCall) return;
    if (this.comingTimer !== null) clearTimeout(this.comingTimer);
    this.comingTimer = null;
    this.set({ waiterCall: call });
    if (call?.phase !== 'coming') return;
    this.comingTimer = setTimeout(() => {
      this.comingTimer = null;
      if (this.state.get().waiterCall === call) this.set({ waiterCall: null });
    }, Math.max(0, call.until - Date.now()));
  }

  /**
   * Sends the cart: stored in the outbox first (so it survives anything after this), then the cart is
   * emptied. Returns false (cart kept) when nothing could be stored or the cart has a problem, and when
   * another submit is still storing (a double tap: the first one sends the dishes).
   */
  async submit(lines: CartLine[] = this.state.get().cart): Promise<boolean> {
    const { menu, table, submitting } = this.state.get();
    if (submitting || !menu || !table || lines.length === 0 || cartProblems(menu, lines).length > 0) return false;
    this.set({ submitting: true });
    try {
      return await this.store(lines);
    } finally {
      this.set({ submitting: false });
    }
  }

  private async store(lines: CartLine[]): Promise<boolean> {
    const target = this.target();
    const orderId = target?.orderId ?? newId();
    try {
      await this.outbox.enqueue<SubmissionMeta>({
        scope: this.token,
        method: 'POST',
        path: target ? `/api/v1/orders/${encodeURIComponent(orderId)}/lines` : '/api/v1/orders',
        body: target ? { lines: toLineInputs(lines) } : { id: orderId, channel: 'qr', lines: toLineInputs(lines) },
        dependsOn: target?.dependsOn ?? null,
        meta: { kind: target ? 'add' : 'create', orderId, lines },
      });
    } catch (err) {
      console.error('could not store the order on this device', err);
      this.set({ storageError: true });
      return false;
    }
    if (lines === this.state.get().cart) this.setCart([]);
    this.set({ storageError: false });
    return true;
  }

  /** A refused submission, sent again as a new one (a new key; to whichever order is open now). */
  async sendAgain(id: string): Promise<void> {
    const s = this.state.get().submissions.find((x) => x.id === id);
    // a second tap while the first is stored, or while the refused entry is being removed, sends nothing
    if (!s || this.resending.has(id)) return;
    this.resending.add(id);
    let sent = false;
    try {
      // fresh line ids: the refused ones may not be reused
      const lines = s.meta.lines.map((l) => ({ ...l, id: newId() }));
      const { menu, cart } = this.state.get();
      if (menu && cartProblems(menu, lines).length > 0) {
        // a dish sold out (or changed) since: sent as it is, it would be refused again, and submit() refuses to
        // send it at all, so the tap did nothing. Back in the cart, the dish is marked and the rest can go.
        this.setCart([...cart, ...lines]);
        sent = true;
      } else sent = await this.submit(lines);
      if (sent) await this.outbox.remove(id);
    } finally {
      // once sent again, never again: a refused entry whose removal failed stays listed, and a second tap on
      // it would order the same dishes twice
      if (!sent) this.resending.delete(id);
    }
  }

  dismiss(id: string): Promise<void> {
    return this.outbox.remove(id);
  }

  // ---- outbox plumbing ----

  private send(e: OutboxEntry): Promise<SendResult> {
    return sendEntry(this.client, e);
  }

  private onOutbox(entries: readonly OutboxEntry[]): void {
    const now = Date.now();
    // the outbox holds this table's entries only
    const mine = entries as Submission[];
    for (const e of mine) {
      if (!isSettled(e)) this.awaitingAnswer.add(e.id);
      const order = (e.result as { order?: Order } | null)?.order;
      if (e.state === 'confirmed' && order && this.awaitingAnswer.delete(e.id)) this.upsert(order);
      // dishes refused because their order was paid, voided or moved meanwhile (its event missed: the stream was
      // away): the page learns where the order stands, so that "send again" starts a new order and does not
      // go to the same one, to be refused again
      if (e.state === 'rejected' && this.awaitingAnswer.delete(e.id) && e.meta.kind === 'add' && ORDER_GONE.has(e.error?.code ?? '')) {
        this.scheduleRefetch(e.meta.orderId);
      }
      // a refusal too: one from an earlier visit would open the page on "My orders", offering to send those dishes again
      if (isSettled(e) && now - e.updatedAt > PRUNE_SETTLED_AFTER_MS) void this.outbox.remove(e.id);
    }
    this.set({ submissions: mine });
  }

  stop(): void {
    this.stopped = true;
    this.stream?.stop();
    this.outbox.stop();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.loadRetry !== null) clearTimeout(this.loadRetry);
    if (this.comingTimer !== null) clearTimeout(this.comingTimer);
  }
}
