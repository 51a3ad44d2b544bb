/**
 * The waiter tablet: everything it knows and does, without the view.
 *
 * Identity: the tablet is paired once (kind `pos`), then a staff member signs in with a PIN; idle for
 * `?lock=` seconds (default 120) locks back to the PIN screen. The floor comes from `GET /api/v1/floor`; it
 * is refetched at once after this tablet's own changes and at most once a second when the stream (`orders`,
 * `floor`, `menu` topics) says another device changed an order; waiter calls (`table.waiter_called`, and
 * those still open in the floor's answer) are badges until a waiter opens the table on any tablet
 * (`table.waiter_call_acknowledged`).
 *
 * Every change — open a table, add lines, take a payment, void a line, fire a course — goes through the
 * IndexedDB outbox with an id made here and an Idempotency-Key, stored before the first send and retried
 * until the hub answers. Adding to a table is line-level (`POST /orders/:id/lines`), so two tablets on one
 * table merge. Each entry carries the token of the staff member who made it, so a change queued before the
 * screen locked is still sent as that person.
 */
import type { Floor, HubEvent, Menu, OpenWaiterCall, Order, OrderSummary, Refund } from '../../hub/protocol/index.ts';
import { cartProblems, toLineInputs, type CartLine } from '../shared/cart.ts';
import { HubError, HubUnreachableError, type HubClient } from '../shared/hub-client.ts';
import { newId, newIdempotencyKey } from '../shared/ids.ts';
import type { PrintJob } from '../../hub/protocol/printing.ts';
import { fromHealth, fromPrintersResponse, PrinterHealthFeed, slipKind, type FailedTicket, type PrintersAnswer, type PrinterSnapshot, type SlipKind } from '../shared/printer-health.ts';
import { isSettled, Outbox, outboxStorage, type OutboxEntry, type OutboxStorage, type SendResult } from '../shared/outbox.ts';
import { sendEntry } from '../shared/outbox-transport.ts';
import { otherStoreWaits, type OtherStoreWait } from '../shared/other-store.ts';
import { Session } from '../shared/session.ts';
import { load, save } from '../shared/storage.ts';
import { Store } from '../shared/store.ts';
import { StreamClient, type ConnectionState, type SocketFactory } from '../shared/stream-client.ts';
import { IdleWatch } from '../kiosk/kiosk-logic.ts';
import { billAfterQueued, BILLS_PAGE, billsPath, lockMsFrom, mergeBills, paymentProblem, refreshLimit, searchedNumber, splitProblem, tableNamed, refundLeft, refundLinesAmount, refundProblem, refusedItemIds, voidBlocked, withQueued, type QueuedChange, type QueuedPayment, type RefundLike } from './pos-logic.ts';
import { withMenuEvents } from '../shared/menu-events.ts';
import type { ResolveCardChargeInput, UnrecordedCardCharge } from '../../hub/protocol/card-charges.ts';
import { CardChargeFeed, resolveOutcome, type ResolveOutcome } from './card-charges.ts';
import type { DayReport } from '../../hub/protocol/reports.ts';
import { DayReportFeed, floatRequest, readsTakings, refusedFloats, type DayPrinted } from './day-report.ts';
import { PacedRefresh } from '../shared/paced-refresh.ts';

export type PosAction =
  | { kind: 'open'; tableId: string; guests: number }
  | { kind: 'lines'; lines: CartLine[] }
  | { kind: 'payment'; amountMinor: number; tender: 'cash' | 'card'; split?: PaySplit }
  /** `approvedBy`: the manager whose PIN approved voiding a line the kitchen already had. */
  | { kind: 'void'; lineId: string; approvedBy?: string }
  | { kind: 'fire'; course: number }
  /**
   * Money given back on one payment. `lines`: what it gives back of each line (by-line refunds), so a refund
   * on its way counts against what is left to refund; `approvedBy`: the manager whose PIN approved it.
   */
  | { kind: 'refund'; paymentId: string; amountMinor: number; tender: string; lines: { lineId: string; amountMinor: number }[]; approvedBy?: string }
  /** One order to another table: queued by tablets before "move table" moved the whole table (still sent, and listed). */
  | { kind: 'transfer'; toTableId: string }
  /** The party: every open order of `fromTableId` (the guests' phone orders too) to the free table `toTableId`. */
  | { kind: 'moveTable'; fromTableId: string; toTableId: string }
  /**
   * Into the open order `intoOrderId` of table `intoTableId`: the party, every open order of `fromTableId`
   * (the guests' phone orders too); without `fromTableId` (queued before merges took the table, or an order
   * of no table) only the order shown.
   */
  | { kind: 'merge'; intoOrderId: string; intoTableId: string; fromTableId?: string }
  | { kind: 'billRequest'; requested: boolean }
  | { kind: 'receipt' }
  /** `slip`: what is reprinted, when not a kitchen ticket (a failed receipt reprinted from the alert strip). */
  | { kind: 'reprint'; jobId: number; slip?: SlipKind }
  /**
   * A business day's opening float, counted into the drawer (the day summary): of no order (`orderId` is
   * `day:<date>`). `id`: the float's, made here; `replaces`: the float it names as the one it replaces (both
   * absent on floats queued before floats had ids).
   */
  | { kind: 'float'; businessDate: string; amountMinor: number; id?: string; replaces?: string | null };

/** How one payment splits the bill: some lines (by item or by seat), or one of `ways` even shares. */
export type PaySplit = { lineIds: string[] } | { ways: number };

/** A manager's PIN, checked by the hub on this tablet: a session used for the one change it approves. */
export interface Approval {
  token: string;
  name: string;
}

/**
 * Why a manager's PIN approved nothing: not a manager's (the hub names whose it was), no one's, too many
 * wrong PINs on this tablet (the hub locks it for a while), the hub's disk full, or no answer from the hub.
 */
export interface ApprovalRefusal {
  problem: 'void.notManager' | 'void.pinInvalid' | 'void.locked' | 'void.storageFull' | 'void.unreachable';
  name?: string;
}

/**
 * A staff session this tablet is done with (locked, or a manager's approval used), still to be ended on the
 * hub. `expiresAt` on this device's clock: past it, the hub refuses the token by itself.
 */
interface EndingSession {
  token: string;
  expiresAt: number;
}

export interface PosMeta {
  orderId: string;
  action: PosAction;
  /** The staff token of whoever made the change (sent with it). */
  staffToken: string | null;
}

export type PosSubmission = OutboxEntry<PosMeta>;

/** What this tablet holds for another store (it was moved): `changes` of any kind, for `orders` orders. */
export type PosOtherStoreWait = OtherStoreWait & { changes: number };

export type Screen = 'floor' | 'order' | 'bill' | 'bills';

/**
 * Today's bills (今日账单): the business day's orders, closed ones included, so a bill that has left the floor
 * (paid, then the guest complains) can be opened again to refund it or reprint its receipt.
 */
export interface BillsState {
  /** The business day's orders, newest first (the hub's copies as last loaded). */
  orders: Order[];
  /** Their business day: the hub's today when they were asked for; null until the hub named one. */
  date: string | null;
  /** The last order of the pages loaded one after another: the next page is the orders after it. */
  cursor: string | null;
  /** How many orders those pages held (a refresh asks for as many again). */
  paged: number;
  /** The whole day is listed; otherwise the next page can be loaded. */
  complete: boolean;
  loading: boolean;
  /** The last load got no answer: what is listed is from `loadedAt`. */
  failed: boolean;
  loadedAt: number | null;
  /** A search asked of the hub (an order number, a table named exactly), and how far it got. */
  lookup: { query: string; state: 'asking' | 'answered' | 'failed' } | null;
}

/**
 * The outbox entries this tablet sends: its own, with staff tokens. One waiter tablet per browser (its
 * pairing lives in this origin's localStorage), so every `pos:` entry in this origin's IndexedDB is this
 * tablet's, from this pairing or an earlier one; the phones' and kiosks' entries on the same origin are not.
 */
export const ownsPosScope = (scope: string): boolean => scope.startsWith('pos:');

export interface PosCartLine extends CartLine {
  course: number;
  hold: boolean;
  /** The guest's seat, for splitting the bill by seat (none: shared). */
  seat?: number | null;
  /** The hub refused this dish when it was sent (sold out, not available): put back marked, not sent again. */
  refused?: boolean;
}

/** A table's newest open call (the badge): `seq` names it, and an acknowledgement clears it and those before. */
export interface WaiterCall {
  at: number;
  note: string | null;
  seq: number;
  reason?: 'bill' | 'other';
}

export interface PosState {
  phase: 'loading' | 'unreachable' | 'ready';
  screen: Screen;
  menu: Menu | null;
  floor: Floor | null;
  calls: Record<string, WaiterCall>;
  tableId: string | null;
  orderId: string | null;
  order: Order | null;
  /** Dishes chosen for the current order, not sent yet. */
  cart: PosCartLine[];
  /**
   * Dishes chosen for other orders and not sent yet, by order id: a waiter called away to another table
   * mid-order finds them again when they come back (this tablet only, in memory: a reload loses them). Those
   * of an order that takes no more (closed, or refused by the hub) wait under `table:<id>` for the table's
   * next order.
   */
  unsent: Record<string, PosCartLine[]>;
  submissions: PosSubmission[];
  /**
   * What waits for another store than this tablet's (it was moved): not in `submissions`, whose tables and
   * orders are this store's (the same table id in both stores), but told to the staff, who may discard it.
   */
  otherStores: PosOtherStoreWait[];
  bills: BillsState;
  /**
   * The open orders of the table shown when it has more than one (the host's empty opening order beside the
   * guests' phone orders, a separate check): the order screen lists each, to switch to.
   */
  tableOrders: Order[];
  /** The bill shown was opened from today's bills: going back returns there, not to the floor. */
  fromBills: boolean;
  conn: ConnectionState;
  durable: boolean;
  storageError: boolean;
}

const PRUNE_SETTLED_AFTER_MS = 12 * 3600_000;
/** Where the unsent dishes of an order that takes no more wait: for the table's next order. */
const tableKey = (tableId: string): string => `table:${tableId}`;
/** Whether an order still takes dishes and payments (not closed, voided or merged away). */
export const isOpenOrder = (order: Pick<Order, 'status'>): boolean => order.status !== 'closed' && order.status !== 'voided' && order.status !== 'merged';
/** Whether an order has a dish on it (not voided): the host's empty opening order has none. */
const hasFood = (order: Order): boolean => order.lines.some((l) => l.status !== 'voided');
const KITCHEN_KINDS: ReadonlySet<string> = new Set(['kitchen', 'addon', 'void']);
/**
 * Another device's change shows on this tablet's floor within a second. Refetching on every order event kept
 * 40 tablets fetching back to back at a peak: up to ~1,000 floor requests a second for the hub.
 */
const FLOOR_PACE_MS = 1000;

export class PosApp {
  readonly session = new Session('pos');
  readonly client: HubClient;
  readonly outbox: Outbox;
  readonly state: Store<PosState>;
  readonly idle: IdleWatch;
  /** Printer health (topic `printers`): every printer's alerts and the tickets that could not print. */
  readonly printers = new PrinterHealthFeed(() => this.loadPrinters(), { dismissedKey: 'pos.printerDismissed' });
  /** Cards the kiosk charged that the hub refused to record (topics `orders`, `floor`): until a manager resolves them. */
  readonly cardCharges = new CardChargeFeed(async () => (await this.client.request<{ charges: UnrecordedCardCharge[] }>('GET', '/api/v1/card-charges/unrecorded', { as: 'staff' })).charges);
  /** The day's takings above today's bills, for a cashier or a manager (`GET /api/v1/reports/day`). */
  readonly dayReport = new DayReportFeed(
    async (date) => (await this.client.request<{ report: DayReport }>('GET', `/api/v1/reports/day?businessDate=${encodeURIComponent(date)}`, { as: 'staff' })).report,
    (date) => this.client.mutate<DayPrinted>('POST', '/api/v1/reports/day/print', { businessDate: date }),
  );
  private stream: StreamClient | null = null;
  private started = false;
  /** The floor: at once for this tablet's own changes, at most once a second for everyone else's. */
  private readonly floorRefresh = new PacedRefresh(() => this.loadFloor(), { coalesceMs: 30, paceMs: FLOOR_PACE_MS });
  /** For each menu request on its way, the stream's menu events heard since it was sent. */
  private readonly menuCrossing = new Set<HubEvent[]>();
  /** Menu requests sent so far, and the latest one whose answer is shown (an older answer coming later is not). */
  private menuAsked = 0;
  /**
   * The open calls this tablet knows (the floor's and the stream's), and per table the newest call seq
   * acknowledged (heard on the stream, or acknowledged here and on its way): a floor answer read before an
   * acknowledgement must not bring its calls back.
   */
  private openCalls: OpenWaiterCall[] = [];
  private readonly callsAcknowledged = new Map<string, number>();
  private menuShownFrom = 0;
  /** Bill lists asked for so far (only the latest answer is shown). */
  private billsAsked = 0;
  /** Orders whose payment of 0 (`settle`) is being stored in the outbox right now. */
  private readonly settling = new Set<string>();
  /** Staff tokens the hub refused for an outbox send on this page: not presented again (each try is a 401). */
  private readonly refusedTokens = new Set<string>();
  /**
   * Paths of changes being stored in the outbox right now. A second tap on the same button lands before the
   * first change is stored (IndexedDB takes a moment) and the screen has moved on: it would queue the change
   * twice — two payments, two orders on one table, two receipts.
   */
  private readonly storing = new Set<string>();
  /**
   * The dishes the hub named when it refused a batch (`details`, which the outbox does not keep), by entry:
   * put back, they are marked. In memory: after a reload the menu (refetched at start) marks a sold-out one.
   */
  private readonly refusedDishes = new Map<string, string[]>();
  /** Refused batches already put back in a cart on this page (a second tap would add the dishes twice). */
  private readonly putBackDone = new Set<string>();
  /**
   * Sessions to end on the hub once nothing queued needs them (see `lock`), kept across reloads like the
   * outbox entries that hold them back.
   */
  private ending: EndingSession[] = (load<EndingSession[]>('pos.endingSessions') ?? []).filter((e) => e.expiresAt > Date.now());
  /** Approvals handed to a form and not yet used for their change (or given up): not to be ended yet. */
  private readonly approvalsInUse = new Set<string>();
  /** The staff tokens of changes being stored in the outbox right now (not in its list yet). */
  private readonly storingAs: string[] = [];
  /** The outbox has read what earlier pages left: only then does "nothing made with this token is queued" hold. */
  private outboxRead = false;
  private endingNow = false;
  private endAgain = false;

  constructor(private readonly o: { search?: string; storage?: OutboxStorage; baseUrl?: string; socket?: SocketFactory } = {}) {
    this.client = this.session.client({ baseUrl: o.baseUrl ?? '', timeoutMs: 8000 });
    const { storage, durable } = outboxStorage(o.storage);
    this.state = new Store<PosState>({
      phase: 'loading',
      screen: 'floor',
      menu: load<Menu>('pos.menu'),
      floor: null,
      calls: {},
      tableId: null,
      orderId: null,
      order: null,
      cart: [],
      unsent: {},
      submissions: [],
      otherStores: [],
      bills: { orders: [], date: null, cursor: null, paged: 0, complete: true, loading: false, failed: false, loadedAt: null, lookup: null },
      tableOrders: [],
      fromBills: false,
      conn: { status: 'stopped', since: Date.now() },
      durable,
      storageError: false,
    });
    this.outbox = new Outbox({
      storage,
      owns: ownsPosScope,
      transport: (e) => this.send(e as PosSubmission),
      onChange: (entries) => this.onOutbox(entries),
      log: (m) => console.info(m),
      // an order or payment made for one store never goes to another's hub (the tablet moved, or re-paired)
      store: () => this.session.storeId(),
    });
    this.idle = new IdleWatch(lockMsFrom(o.search ?? ''), () => this.lock());
    this.session.staff.subscribe((s) => this.idle.setArmed(s !== null));
    this.idle.setArmed(this.session.staff.get() !== null);
    // someone signed in: changes that waited for a staff token go now, and the hub answers again. After the
    // store is known (asked at the sign-in, answered at once when known): those that waited to learn it go too
    this.session.staff.subscribe((s) => s && (void this.session.learnStore().then(() => this.outbox.retryNow()), void this.endSessions()));
    // a sign-in on Today's bills reads them again: locked there overnight, the list and the day's takings shown
    // are last night's (and their Print, yesterday's report); another person may read less or more of them
    this.session.staff.subscribe((s) => s && this.state.get().screen === 'bills' && void this.loadBills());
  }

  private set(patch: Partial<PosState>): void {
    this.state.set({ ...this.state.get(), ...patch });
  }

  /** Outbox scope: this tablet (other apps on the same origin keep their own entries). */
  private scope(): string {
    return `pos:${this.session.device.get()?.deviceId ?? 'unpaired'}`;
  }

  /**
   * The Lock button, or idle: the PIN pad at once, and the waiter's session ended on the hub so its token is
   * no use for the rest of its 12 hours. Not at once, though: each outbox entry is sent with the token of
   * whoever made it (`bearers`), and a token ended while changes made with it wait (offline) would leave
   * them to go as whoever signs in next, or to wait for ever. So it waits until nothing made with that token
   * is being stored or queued (`endSessions`, run again whenever the outbox changes, someone signs in or
   * the hub is back). The hub's sign-out ends only the session it comes with: the same waiter signed in
   * again keeps her new session.
   */
  lock(): void {
    const s = this.session.staff.get();
    this.session.staff.set(null);
    if (s) this.endLater({ token: s.token, expiresAt: s.expiresAt });
  }

  private endLater(e: EndingSession): void {
    this.setEnding([...this.ending.filter((x) => x.token !== e.token), e]);
    void this.endSessions();
  }

  private setEnding(list: EndingSession[]): void {
    this.ending = list.filter((e) => e.expiresAt > Date.now());
    save('pos.endingSessions', this.ending.length > 0 ? this.ending : null);
  }

  /**
   * Whether the hub may end `token`'s session now: not the session signed in here, not an approval still
   * waiting for its change, and no change made with it being stored or queued unsettled. Only this token
   * counts: the hub's sign-out ends no other session, the same person's included. One the hub already
   * refused holds nothing back (its session is over anyway).
   */
  private mayEnd(token: string): boolean {
    if (this.session.staffToken() === token || this.approvalsInUse.has(token)) return false;
    if (this.refusedTokens.has(token)) return true;
    if (this.storingAs.includes(token)) return false;
    return !this.outbox.list().some((e) => !isSettled(e) && (e as PosSubmission).meta.staffToken === token);
  }

  /** Ends on the hub the sessions that may end now; one round at a time. Without an answer, kept for later. */
  private async endSessions(): Promise<void> {
    if (this.ending.length === 0) return;
    if (this.endingNow) {
      this.endAgain = true;
      return;
    }
    if (!this.outboxRead) {
      // what an earlier page queued first (shared with the outbox's own first read)
      this.outbox.load().then(
        () => {
          this.outboxRead = true;
          void this.endSessions();
        },
        () => undefined,
      );
      return;
    }
    this.endingNow = true;
    try {
      do {
        this.endAgain = false;
        this.setEnding(this.ending);
        for (const e of [...this.ending]) {
          if (!this.ending.includes(e) || !this.mayEnd(e.token)) continue;
          try {
            await this.client.signOut(e.token);
          } catch (err) {
            // no answer, or "not now": later. Any other answer (401: ended already) is final
            if (!(err instanceof HubError) || err.status === 429 || err.status >= 500) continue;
          }
          // ended, now or before: this token only (the hub ended no other session)
          this.setEnding(this.ending.filter((x) => x.token !== e.token));
        }
      } while (this.endAgain);
    } finally {
      this.endingNow = false;
    }
  }

  /** Once paired: outbox, menu and the stream. The floor loads once someone has signed in. */
  start(): void {
    if (this.started || !this.session.device.get()) return;
    this.started = true;
    this.outbox.resume(() => this.set({ durable: false }));
    void this.loadMenu();
    this.session.staff.subscribe((s) => s && (this.refreshFloor(), void this.cardCharges.reload()));
    if (this.session.staff.get()) {
      this.refreshFloor();
      void this.cardCharges.reload();
    }
    // a tablet paired again (the hub refused its token: a store restored from before its pairing) streams on
    // its new token: the stream it had stopped for good, and the floor and other tablets' orders never moved
    this.session.device.subscribe((d) => (d ? this.startStream() : this.stopStream()));
    this.startStream();
  }

  private startStream(): void {
    this.stopStream();
    this.stream = new StreamClient({
      url: () => {
        const token = this.session.deviceToken();
        return token ? this.client.streamUrl(token) : null;
      },
      topics: ['orders', 'floor', 'menu', 'printers'],
      loadSnapshot: () => this.client.snapshot(),
      // the events between this tablet's old position and the snapshot never come: everything kept from
      // events is loaded again — the menu (sold-out dishes, prices; a 304 when unchanged) and the order shown
      onSnapshot: () => {
        this.refreshFloor();
        void this.printers.reload();
        void this.cardCharges.reload();
        void this.loadMenu();
        void this.loadOrder();
      },
      onEvents: (events) => {
        this.printers.apply(events);
        this.cardCharges.apply(events);
        this.onEvents(events);
      },
      onState: (conn) => {
        this.set({ conn });
        // the device token refused (4001): pair again, as an HTTP 401 asks
        if (conn.status === 'unauthorised') this.session.refused('device');
        // the hub is back: a session waiting to be ended may end now
        if (conn.status === 'live') void this.endSessions();
      },
      ...(this.o.socket ? { socket: this.o.socket } : {}),
    });
    this.stream.start();
  }

  private stopStream(): void {
    this.stream?.stop();
    this.stream = null;
  }

  /** The printer list with stations and reasons; the public health endpoint if this device may not read it. */
  private async loadPrinters(): Promise<PrinterSnapshot> {
    try {
      // with the stations no printer prints and the tickets that could not print: their alerts are back after a reload
      return fromPrintersResponse(await this.client.request<PrintersAnswer>('GET', '/api/v1/printers', { as: 'device' }));
    } catch (err) {
      if (err instanceof HubUnreachableError) throw err;
      return { entries: fromHealth(await this.client.health()) };
    }
  }

  /** Reprints a ticket that could not print (from the printer alert strip) and takes it off the strip. */
  async reprintFailed(ticket: FailedTicket): Promise<void> {
    if (!ticket.orderId) return;
    const slip = slipKind(ticket.kind);
    const entry = await this.enqueue(ticket.orderId, `/api/v1/print-jobs/${ticket.jobId}/reprint`, {}, { kind: 'reprint', jobId: ticket.jobId, ...(slip === 'kitchen' ? {} : { slip }) });
    if (entry) this.printers.dismiss(ticket.jobId);
  }

  /**
   * The menu from the hub. The stream may change the menu while the answer is on its way (a busy counted dish
   * sells on every order): those events carry whole items and absolute counts, so they are applied again on
   * top of the answer, which is then never older than what the tablet has heard — the menu shown may itself
   * lack changes (after a snapshot the events before it never came), so the answer is never dropped for it.
   */
  async loadMenu(): Promise<void> {
    const asked = ++this.menuAsked;
    const crossing: HubEvent[] = [];
    this.menuCrossing.add(crossing);
    try {
      const answer: Menu = await this.client.menu();
      if (asked < this.menuShownFrom) return this.set({ phase: 'ready' });
      this.menuShownFrom = asked;
      const menu = withMenuEvents(answer, crossing);
      if (menu !== this.state.get().menu) save('pos.menu', menu);
      this.set({ menu, phase: 'ready' });
    } catch (err) {
      this.set({ phase: this.state.get().menu ? 'ready' : 'unreachable' });
      if (!(err instanceof HubUnreachableError)) console.error('loading the menu failed', err);
    } finally {
      this.menuCrossing.delete(crossing);
    }
  }

  /** Refetches the floor soon: this tablet changed it, or needs it now. */
  refreshFloor(): void {
    this.floorRefresh.soon();
  }

  private async loadFloor(): Promise<void> {
    if (!this.session.staffToken()) return;
    try {
      const floor = await this.client.floor();
      this.set({ floor });
      if (floor.waiterCalls) this.takeCalls(floor.waiterCalls, floor.seq);
      // an order opened at the table shown since (a phone's; or this tablet's own, opened on a floor that did
      // not show the phone's yet: the hub takes a waiter's order beside a phone's): list it to switch to
      const { tableId, screen, tableOrders } = this.state.get();
      const ids = floor.tables.find((t) => t.id === tableId)?.openOrderIds ?? [];
      const listed = tableOrders.map((o) => o.id);
      if (tableId && screen !== 'floor' && (ids.length > 1 || listed.length > 0) && ids.join() !== listed.join()) void this.loadTableOrders(tableId);
    } catch (err) {
      if (!(err instanceof HubUnreachableError) && !(err instanceof HubError && err.status === 401)) console.error('loading the floor failed', err);
    }
  }

  async loadOrder(): Promise<void> {
    const { orderId } = this.state.get();
    if (!orderId || !this.session.staffToken()) return;
    try {
      const order = await this.client.order(orderId);
      if (this.state.get().orderId === orderId) this.acceptOrder(order);
    } catch (err) {
      // 404: the order is still in the outbox (not created yet) — the outbox's answer brings it
      if (!(err instanceof HubUnreachableError) && !(err instanceof HubError && (err.status === 404 || err.status === 401))) console.error('loading the order failed', err);
    }
  }

  /** Keeps the newest copy of the current order (by revision). */
  private acceptOrder(order: Order): void {
    const cur = this.state.get().order;
    if (order.id !== this.state.get().orderId) return;
    if (cur && cur.id === order.id && cur.revision > order.revision) return;
    this.keepTableOrder(order);
    // another tablet may have moved the table: follow the order, not the table — nor back to where it is
    // still, at the hub, while this tablet's own move of it waits in the outbox
    const tableId = order.tableId && this.movingTo(order.tableId);
    this.set({ order, ...(tableId && tableId !== this.state.get().tableId ? { tableId } : {}) });
  }

  /**
   * Where the party at `tableId` is once this tablet's moves of it are made: those on their way, or, for a
   * table being opened here, every move queued after its opening (`since`) that the hub has not refused.
   */
  private movingTo(tableId: string, since?: number): string {
    let at = tableId;
    for (const s of this.state.get().submissions) {
      const a = s.meta.action;
      if (a.kind !== 'moveTable' || a.fromTableId !== at || s.state === 'rejected') continue;
      if (since === undefined ? s.state !== 'confirmed' : s.seq > since) at = a.toTableId;
    }
    return at;
  }

  private onEvents(events: HubEvent[]): void {
    let floor = false;
    let order = false;
    const calls = [...this.openCalls];
    let called = false;
    const current = this.state.get().orderId;
    for (const e of events) {
      if (e.type.startsWith('order.')) {
        floor = true;
        const id = (e.payload as { order?: { id?: string } }).order?.id;
        if (id && id === current) order = true;
        const changed = (e.payload as { order?: Order }).order;
        if (changed?.id && changed.id !== current) this.keepTableOrder(changed);
        // another tablet merged the order shown here away: reload it to say where it went
        if (e.type === 'order.merged' && e.payload.merged.id === current) order = true;
        // money given back (on another tablet, or this one's refund answered on the stream first): the bill
        // shows it at once, without waiting for the reload (which may not come back: offline)
        if (e.type === 'order.refunded') this.applyRefund(e.payload.order, e.payload.refund);
      } else if (e.type === 'table.waiter_called') {
        const { table, note, reason } = e.payload;
        calls.push({ seq: e.seq, at: e.at, table, note, ...(reason ? { reason } : {}) });
        called = true;
      } else if (e.type === 'table.waiter_call_acknowledged') {
        this.noteAcknowledged(e.payload.table.id, e.payload.throughSeq);
        called = true;
      }
    }
    if (called) this.showCalls(calls);
    if (floor) this.floorRefresh.paced();
    if (order) void this.loadOrder();
    // sold-out counts and item edits come whole in the events: a counted dish selling must not send every
    // tablet to refetch the menu
    const shown = this.state.get().menu;
    const menuEvents = events.filter((e) => e.type.startsWith('menu.'));
    if (menuEvents.length > 0) for (const crossing of this.menuCrossing) crossing.push(...menuEvents);
    const menu = shown && withMenuEvents(shown, events);
    if (menu && menu !== shown) {
      save('pos.menu', menu);
      this.set({ menu });
    }
  }

  /**
   * An `order.refunded` event on the order shown: its summary (paid, due, status, revision) and the refund
   * itself. Only the next change of the copy shown (revision + 1) is applied: a later one skipped changes
   * this tablet has not seen (lines, payments), and the reload every order event starts brings them all.
   */
  private applyRefund(summary: OrderSummary, refund: Refund): void {
    const cur = this.state.get().order;
    if (!cur || cur.id !== summary.id || summary.id !== this.state.get().orderId || summary.revision !== cur.revision + 1) return;
    const refunds = [...(cur.refunds ?? []).filter((r) => r.id !== refund.id), refund];
    this.set({ order: { ...cur, ...summary, refunds } });
  }

  /**
   * The floor's open calls (as of its `seq`, the log's head it was read at), with the calls heard on the
   * stream since: those after `seq` are not in it yet. Without a seq (an older hub) the floor's stand alone.
   */
  private takeCalls(fromFloor: readonly OpenWaiterCall[], seq: number | undefined): void {
    const since = seq === undefined ? [] : this.openCalls.filter((c) => c.seq > seq);
    this.showCalls([...fromFloor, ...since.filter((c) => !fromFloor.some((f) => f.seq === c.seq))]);
  }

  private noteAcknowledged(tableId: string, throughSeq: number): void {
    this.callsAcknowledged.set(tableId, Math.max(throughSeq, this.callsAcknowledged.get(tableId) ?? 0));
  }

  /** Keeps the calls not acknowledged, and badges each table with its newest. */
  private showCalls(list: readonly OpenWaiterCall[]): void {
    this.openCalls = list.filter((c) => c.seq > (this.callsAcknowledged.get(c.table.id) ?? 0)).sort((a, b) => a.seq - b.seq);
    const calls: Record<string, WaiterCall> = {};
    for (const c of this.openCalls) calls[c.table.id] = { seq: c.seq, at: c.at, note: c.note, ...(c.reason ? { reason: c.reason } : {}) };
    this.set({ calls });
  }

  /**
   * The waiter has seen to the table (opened it): its calls, up to the newest this tablet shows, stop showing
   * here at once and on every tablet once the hub has it. Sent as itself, not through the outbox: nothing
   * is lost if it never arrives (the hub keeps the call open, and the floor shows it again), and, naming the
   * newest call seen, a late one never clears a call made after it.
   */
  acknowledgeCall(tableId: string): void {
    const call = this.state.get().calls[tableId];
    if (!call) return;
    const before = this.callsAcknowledged.get(tableId);
    this.noteAcknowledged(tableId, call.seq);
    this.showCalls(this.openCalls);
    if (!this.session.staffToken()) return;
    this.client.mutate('POST', `/api/v1/tables/${encodeURIComponent(tableId)}/waiter-calls/acknowledge`, { throughSeq: call.seq }).catch((err: unknown) => {
      // not taken: the call is open at the hub, and the next floor shows it again here (unless heard acknowledged meanwhile)
      if (this.callsAcknowledged.get(tableId) === call.seq) {
        if (before === undefined) this.callsAcknowledged.delete(tableId);
        else this.callsAcknowledged.set(tableId, before);
      }
      if (!(err instanceof HubUnreachableError)) console.error('acknowledging the waiter call failed', err);
    });
  }

  wake(): void {
    this.outbox.retryNow();
    void this.endSessions();
    this.stream?.reconnectNow();
    void this.loadMenu();
    this.refreshFloor();
  }

  // ---- screens ----

  goFloor(): void {
    this.set({ screen: 'floor', tableId: null, orderId: null, order: null, tableOrders: [], fromBills: false, ...this.cartsFor(null) });
    this.refreshFloor();
  }

  // ---- today's bills ----

  /**
   * Today's bills: from the floor (the first page, asked for again), or `keep`, back from a bill opened there
   * (the pages loaded so far, with that bill's own copy in the list at once: offline, it still shows the
   * refund just made). What was listed stays on screen while the hub answers, and when it does not.
   */
  async showBills(o: { keep?: boolean } = {}): Promise<void> {
    const { order, bills } = this.state.get();
    const orders = o.keep && order ? bills.orders.map((x) => (x.id === order.id && x.revision <= order.revision ? order : x)) : bills.orders;
    this.set({
      ...this.cartsFor(null),
      screen: 'bills',
      tableId: null,
      orderId: null,
      order: null,
      fromBills: false,
      bills: { ...bills, orders, ...(o.keep ? {} : { paged: 0 }) },
    });
    await this.loadBills();
  }

  /** Leaves the bill shown: to today's bills when it was opened there, else to the floor. */
  async backFromBill(): Promise<void> {
    if (this.state.get().fromBills) await this.showBills({ keep: true });
    else this.goFloor();
  }

  private setBills(patch: Partial<BillsState>): void {
    this.set({ bills: { ...this.state.get().bills, ...patch } });
  }

  /** One answer of the hub's order list: the orders, and the business day it is now. */
  private listOrders(path: string): Promise<{ orders: Order[]; businessDate?: string | undefined }> {
    return this.client.request<{ orders: Order[]; businessDate?: string }>('GET', path, { as: 'staff' });
  }

  /**
   * Today's orders from the hub's list, newest first: the first pages again, as many as were loaded (or
   * `more`: the page after the last one). "Today" is the hub's: the day it named last, checked against each
   * answer (past 04:00 the day turns, and the list is asked for again); never named yet, it is asked for
   * first. Only the latest request's answer is shown. No answer: the list says it could not load and keeps
   * what it showed.
   */
  async loadBills(o: { more?: boolean } = {}): Promise<void> {
    if (!this.session.staffToken()) return;
    const b = this.state.get().bills;
    if (o.more && (b.complete || b.date === null || b.cursor === null)) return;
    const asked = ++this.billsAsked;
    this.setBills({ loading: true });
    try {
      if (o.more && b.date !== null) {
        const { orders } = await this.listOrders(billsPath(b.date, { limit: BILLS_PAGE, before: b.cursor }));
        if (asked !== this.billsAsked) return;
        const now = this.state.get().bills;
        this.setBills({
          orders: mergeBills(now.orders, orders),
          cursor: orders.at(-1)?.id ?? now.cursor,
          paged: now.paged + orders.length,
          complete: orders.length < BILLS_PAGE,
          loading: false,
          failed: false,
          loadedAt: Date.now(),
        });
        return;
      }
      const limit = refreshLimit(b.paged);
      let date = b.date ?? (await this.listOrders('/api/v1/orders?limit=1')).businessDate;
      if (date === undefined) throw new Error('the hub did not name its business day');
      let answer = await this.listOrders(billsPath(date, { limit }));
      if (answer.businessDate !== undefined && answer.businessDate !== date) {
        date = answer.businessDate;
        answer = await this.listOrders(billsPath(date, { limit }));
      }
      if (asked !== this.billsAsked) return;
      const { orders } = answer;
      // a search is asked again of the list as it is now (bills.tsx asks on every load)
      this.setBills({ orders, date, cursor: orders.at(-1)?.id ?? null, paged: orders.length, complete: orders.length < limit, loading: false, failed: false, loadedAt: Date.now(), lookup: null });
      // the day's takings with the list, for the day it is of (a waiter's tablet never asks: the hub refuses them)
      if (readsTakings(this.session.staff.get()?.staff.role)) void this.dayReport.load(date);
      else this.dayReport.clear();
    } catch (err) {
      if (asked !== this.billsAsked) return;
      this.setBills({ loading: false, failed: true });
      if (!(err instanceof HubUnreachableError) && !(err instanceof HubError && err.status === 401)) console.error('loading the bills failed', err);
    }
  }

  /**
   * A search the pages loaded may not hold the answer to: the order number it names, and the table it names
   * exactly, asked of the hub for the day listed, and what it finds added to the list. Nothing to ask when
   * the whole day is listed, or the number is.
   */
  async lookUpBills(query: string): Promise<void> {
    const { bills, floor } = this.state.get();
    const { date } = bills;
    const number = searchedNumber(query);
    const table = tableNamed(query, floor?.tables ?? []);
    if (bills.complete || date === null) return;
    const paths = [
      ...(number !== null && !bills.orders.some((o) => o.number === number) ? [billsPath(date, { number, limit: 1 })] : []),
      ...(table ? [billsPath(date, { tableId: table.id, limit: BILLS_PAGE })] : []),
    ];
    if (paths.length === 0) return;
    const mine = () => this.state.get().bills.lookup?.query === query && this.state.get().bills.date === date;
    this.setBills({ lookup: { query, state: 'asking' } });
    try {
      const answers = await Promise.all(paths.map((p) => this.listOrders(p)));
      if (this.state.get().bills.date !== date) return;
      this.setBills({ orders: mergeBills(this.state.get().bills.orders, answers.flatMap((a) => a.orders)), ...(mine() ? { lookup: { query, state: 'answered' as const } } : {}) });
    } catch (err) {
      if (mine()) this.setBills({ lookup: { query, state: 'failed' } });
      // the search shows what is listed; the list itself says when the hub cannot be reached
      if (!(err instanceof HubUnreachableError) && !(err instanceof HubError && err.status === 401)) console.error('looking up the bills failed', err);
    }
  }

  /**
   * Opens a bill from today's bills: the list's copy at once (offline too), then the hub's. An open order's
   * bill is the usual one; a closed (voided, merged) one is read-only but for refunds and the receipt.
   */
  openBill(orderId: string): void {
    const found = this.state.get().bills.orders.find((x) => x.id === orderId);
    if (!found) return;
    // a closed order takes no dishes: the table's waiting ones stay for its next order
    const tableId = isOpenOrder(found) ? found.tableId : null;
    this.set({ ...this.cartsFor(orderId, false, tableId), screen: 'bill', tableId: found.tableId, orderId, order: found, fromBills: true });
    void this.loadOrder();
  }

  /** The bill shown is of an order that is done (closed, voided, merged): nothing on it changes but refunds. */
  billReadOnly(): boolean {
    const { order, orderId } = this.state.get();
    return order !== null && order.id === orderId && !isOpenOrder(order);
  }

  /**
   * The carts when the tablet turns to another order: the current order's unsent dishes are put aside and
   * the next order's are taken back. `carryTo`: the current order's dishes go with it to the order that took
   * its lines (a merge), after that order's own.
   */
  private cartsFor(orderId: string | null, carryTo = false, tableId: string | null = null): Pick<PosState, 'cart' | 'unsent'> {
    const { orderId: current, tableId: currentTable, order, cart, unsent } = this.state.get();
    if (orderId === current && !carryTo) return { cart, unsent };
    const next = { ...unsent };
    if (current && cart.length > 0 && !carryTo) {
      // an order that takes no more dishes is off the floor: its dishes would be out of reach under its id.
      // Merged away, they go to the order that took its lines; closed or refused, to the table's next order
      const into = order?.id === current ? order.mergedIntoOrderId : null;
      const key = into ?? (this.orderGone(current) && currentTable ? tableKey(currentTable) : current);
      next[key] = [...(next[key] ?? []), ...cart];
    }
    // the table's next order (opened here or on another tablet) takes what waited for it
    const keys = [orderId, tableId === null ? null : tableKey(tableId)].filter((k): k is string => k !== null);
    const taken = keys.flatMap((k) => next[k] ?? []);
    for (const k of keys) delete next[k];
    return { cart: carryTo ? [...taken, ...cart] : taken, unsent: next };
  }

  /** Tables with dishes chosen on this tablet and not sent yet (the floor marks them). */
  unsentTables(): string[] {
    const { floor, unsent, orderId, cart } = this.state.get();
    const has = (id: string) => (unsent[id]?.length ?? 0) > 0 || (id === orderId && cart.length > 0);
    return (floor?.tables ?? [])
      .filter((t) => has(tableKey(t.id)) || [...t.openOrderIds, this.pendingOpen(t.id)].some((id) => id !== null && has(id)))
      .map((t) => t.id);
  }

  /**
   * Whether an order (default: the one shown) takes no more dishes: closed, voided or merged away under the
   * waiter, or never created (the hub refused to open it). Dishes for it can go to a new order for the table.
   */
  orderGone(orderId: string | null = this.state.get().orderId): boolean {
    const { order, submissions } = this.state.get();
    if (!orderId) return false;
    if (order && order.id === orderId && !isOpenOrder(order)) return true;
    return submissions.some((s) => s.meta.orderId === orderId && s.meta.action.kind === 'open' && s.state === 'rejected');
  }

  /** The guest count an order was opened with (the hub's order, or this tablet's opening of it). */
  guestsFor(orderId: string): number | null {
    const { order, submissions } = this.state.get();
    if (order?.id === orderId && order.guestCount !== null) return order.guestCount;
    const open = submissions.find((s) => s.meta.orderId === orderId && s.meta.action.kind === 'open')?.meta.action;
    return open?.kind === 'open' ? open.guests : null;
  }

  /**
   * Cart lines that cannot be sent: sold out, off the menu or more than is left (the menu shown), or refused
   * by the hub when they were sent. The hub takes a batch all or nothing: one of them would send the whole
   * cart back refused.
   */
  cartBlocked(): string[] {
    const { menu, cart } = this.state.get();
    const bad = new Set(menu ? cartProblems(menu, cart) : []);
    return cart.filter((l) => l.refused || bad.has(l.id)).map((l) => l.id);
  }

  /** Follows a merged order to the order (and table) that took its lines. */
  followMerge(): void {
    const { order, floor } = this.state.get();
    const into = order?.mergedIntoOrderId;
    if (!into) return;
    const table = floor?.tables.find((t) => t.openOrderIds.includes(into));
    this.set({ ...this.cartsFor(into, true), orderId: into, order: null, tableId: table?.id ?? null });
    void this.loadOrder();
  }

  /**
   * An occupied table (or one this tablet is opening): its order, with the dishes that waited for it. A table
   * with several open orders opens on the newest with food once they are loaded (the host's opening order
   * stays empty when the guests order by phone: nothing to add to or bill there), and lists them all.
   */
  openExisting(tableId: string): void {
    const table = this.state.get().floor?.tables.find((t) => t.id === tableId);
    const orderId = table?.openOrderIds[0] ?? this.pendingOpen(tableId);
    if (!orderId) return;
    this.acknowledgeCall(tableId);
    this.set({ ...this.cartsFor(orderId, false, tableId), screen: 'order', tableId, orderId, order: this.state.get().orderId === orderId ? this.state.get().order : null, tableOrders: [], fromBills: false });
    void this.loadOrder();
    if ((table?.openOrderIds.length ?? 0) > 1) void this.loadTableOrders(tableId, { toFood: true });
  }

  /** Switches to another open order of the table shown (its dishes not sent yet wait for it here). */
  chooseOrder(orderId: string): void {
    const { orderId: shown, tableId, tableOrders, screen } = this.state.get();
    if (orderId === shown) return;
    const known = tableOrders.find((o) => o.id === orderId) ?? null;
    this.set({ ...this.cartsFor(orderId, false, tableId), orderId, order: known, screen: screen === 'bill' ? 'bill' : 'order' });
    void this.loadOrder();
  }

  /**
   * The open orders of a table, for the list on the order screen. `toFood`: the waiter has just tapped the
   * table and the order shown has nothing on it nor in the cart: go to the newest with food.
   */
  private async loadTableOrders(tableId: string, o: { toFood?: boolean } = {}): Promise<void> {
    const ids = this.state.get().floor?.tables.find((t) => t.id === tableId)?.openOrderIds ?? [];
    // one still in an outbox (not created yet) answers 404: the others are listed
    const got = await Promise.allSettled(ids.map((id) => this.client.order(id)));
    for (const r of got) {
      const err: unknown = r.status === 'rejected' ? r.reason : null;
      if (err && !(err instanceof HubUnreachableError) && !(err instanceof HubError && (err.status === 404 || err.status === 401))) console.error('loading the orders of the table failed', err);
    }
    const s = this.state.get();
    if (s.tableId !== tableId || s.screen === 'floor') return;
    const fetched = got.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    // the order shown, not created at the hub yet, is listed with the others
    const orders = ids.flatMap((id) => fetched.find((x) => x.id === id) ?? (id === s.orderId && s.order ? [s.order] : []));
    const open = orders.filter(isOpenOrder);
    this.set({ tableOrders: open.length > 1 ? open : [] });
    if (!o.toFood || s.cart.length > 0) return;
    const shown = open.find((x) => x.id === s.orderId);
    if (!shown || hasFood(shown)) return;
    const newest = [...open].reverse().find(hasFood);
    if (newest) this.chooseOrder(newest.id);
  }

  /** A newer copy of an order listed for the table shown. */
  private keepTableOrder(order: Order): void {
    const { tableOrders } = this.state.get();
    const i = tableOrders.findIndex((o) => o.id === order.id);
    if (i < 0 || tableOrders[i]!.revision > order.revision) return;
    this.set({ tableOrders: tableOrders.map((o, j) => (j === i ? order : o)) });
  }

  /**
   * The order this tablet is opening on a table and the hub has not confirmed (nor refused) yet; a table
   * opened here and then moved (the move waits behind the opening) is being opened at the table moved to.
   */
  pendingOpen(tableId: string): string | null {
    const e = this.state.get().submissions.find(
      (s) => s.meta.action.kind === 'open' && s.state !== 'rejected' && s.state !== 'confirmed' && this.movingTo(s.meta.action.tableId, s.seq) === tableId,
    );
    return e?.meta.orderId ?? null;
  }

  go(screen: 'order' | 'bill'): void {
    this.set({ screen });
    void this.loadOrder();
  }

  setCart(cart: PosCartLine[]): void {
    this.set({ cart });
  }

  // ---- changes (all through the outbox) ----

  private async enqueue(orderId: string, path: string, body: unknown, action: PosAction, dependsOn: string | null = null, asToken?: string): Promise<PosSubmission | null> {
    if (this.storing.has(path)) return null;
    this.storing.add(path);
    const staffToken = asToken ?? this.session.staffToken();
    // a Lock tapped while the change is being stored must not end the session it is to be sent with
    if (staffToken) this.storingAs.push(staffToken);
    try {
      const entry = await this.outbox.enqueue<PosMeta>({
        scope: this.scope(),
        method: 'POST',
        path,
        body,
        dependsOn,
        meta: { orderId, action, staffToken },
      });
      this.set({ storageError: false });
      return entry;
    } catch (err) {
      console.error('could not store the change on this tablet', err);
      this.set({ storageError: true });
      return null;
    } finally {
      this.storing.delete(path);
      if (staffToken) {
        this.storingAs.splice(this.storingAs.indexOf(staffToken), 1);
        void this.endSessions();
      }
    }
  }

  /** The entry that creates `orderId`, while unsettled (later changes to the order depend on it). */
  private opening(orderId: string): string | null {
    return this.state.get().submissions.find((s) => s.meta.action.kind === 'open' && s.meta.orderId === orderId && s.state !== 'confirmed')?.id ?? null;
  }

  /**
   * Opens a free table with a guest count: an order with no lines, its id made here. `carryCart`: the dishes
   * chosen for the order shown (closed under the waiter: paid at the counter) go to the new one.
   */
  async openTable(tableId: string, guests: number, o: { carryCart?: boolean } = {}): Promise<boolean> {
    // being opened from this tablet, or seated from another since the floor was drawn: a second order on the
    // table would split its bill and its kitchen tickets in two; go to the order it has
    const { floor, order } = this.state.get();
    const table = floor?.tables.find((t) => t.id === tableId);
    // a floor drawn before the order shown was closed still lists it: that one does not count
    const closed = order && !isOpenOrder(order) ? order.id : null;
    const open = table?.openOrderIds.filter((id) => id !== closed) ?? [];
    // the guests' phone orders do not seat the table (the hub takes a waiter's order beside them): the waiter
    // opens it with the guest count picked, which was lost when the tablet went to the phone's order instead
    // (pending asked again after the hub's answer: a second tap may have opened the table meanwhile)
    if (this.pendingOpen(tableId) || (open.length > 0 && !(await this.onlyGuestOrders(open))) || this.pendingOpen(tableId)) {
      this.openExisting(tableId);
      return false;
    }
    const orderId = newId();
    const entry = await this.enqueue(orderId, '/api/v1/orders', { id: orderId, channel: 'pos', tableId, guestCount: guests, lines: [] }, { kind: 'open', tableId, guests });
    if (!entry) return false;
    this.acknowledgeCall(tableId);
    this.set({ ...this.cartsFor(orderId, o.carryCart === true, tableId), screen: 'order', tableId, orderId, order: null, tableOrders: [], fromBills: false });
    return true;
  }

  /**
   * Whether the table's open orders are all the guests' own (phone, kiosk), asked of the hub. Not when it
   * cannot say (out of reach, an order not created yet): the table may have a waiter's order, and a second
   * would split its bill and tickets in two.
   */
  private async onlyGuestOrders(orderIds: readonly string[]): Promise<boolean> {
    try {
      const orders = await Promise.all(orderIds.map((id) => this.client.order(id)));
      return orders.every((o) => o.channel === 'qr' || o.channel === 'kiosk');
    } catch (err) {
      if (!(err instanceof HubUnreachableError) && !(err instanceof HubError && (err.status === 404 || err.status === 401))) console.error("reading the table's orders failed", err);
      return false;
    }
  }

  /** Sends the cart: one line-level add (never replaces what another tablet added); held courses wait. */
  async sendCart(): Promise<boolean> {
    const { orderId, cart } = this.state.get();
    if (!orderId || cart.length === 0) return false;
    // paid at the counter (or voided, merged) on another device, or its opening refused: the hub would refuse
    // the dishes and the cart would be gone. The ticket offers a new order for the table that takes them along
    if (this.orderGone(orderId)) return false;
    // the hub takes the lines all or nothing: one sold-out dish would send the whole cart back refused, after
    // it was cleared here. The ticket marks the dish to take out
    if (this.cartBlocked().length > 0) return false;
    const lines = toLineInputs(cart).map((l, i) => {
      const c = cart[i]!;
      return { ...l, course: c.course, ...(c.hold ? { hold: true } : {}), ...(c.seat ? { seat: c.seat } : {}) };
    });
    const entry = await this.enqueue(orderId, `/api/v1/orders/${orderId}/lines`, { lines, fire: true }, { kind: 'lines', lines: cart }, this.opening(orderId));
    if (!entry) return false;
    this.set({ cart: [] });
    return true;
  }

  /** Whether a refused batch of dishes can be put back in a cart (not put back already). */
  canPutBack(entryId: string): boolean {
    const e = this.state.get().submissions.find((s) => s.id === entryId);
    return e !== undefined && e.state === 'rejected' && e.meta.action.kind === 'lines' && !this.putBackDone.has(entryId);
  }

  /**
   * Puts a batch of dishes the hub refused (sold out while the tablet was offline, the order closed, its
   * opening refused) back in the cart of the order it was for: the cart was cleared when it was queued, and
   * the waiter would enter every dish again from memory. The dishes the refusal named are marked, to take out;
   * an order that takes no more dishes offers a new order for the table with them. The refusal is then taken
   * off the list (dealt with).
   */
  async putBack(entryId: string): Promise<boolean> {
    const e = this.state.get().submissions.find((s) => s.id === entryId);
    if (!e || e.meta.action.kind !== 'lines' || !this.canPutBack(entryId)) return false;
    this.putBackDone.add(entryId);
    const named = new Set(this.refusedDishes.get(entryId) ?? []);
    // queued by this tablet, the batch's lines are its cart lines (course, hold, seat and all)
    const lines: PosCartLine[] = e.meta.action.lines.map((l) => {
      const { refused: _, ...line } = l as Partial<PosCartLine> & CartLine;
      return { ...line, course: line.course ?? 1, hold: line.hold ?? false, ...(named.has(l.itemId) ? { refused: true } : {}) };
    });
    const { orderId, order, cart, unsent } = this.state.get();
    // merged away since: the dishes belong to the order that took its lines
    const target = (order?.id === e.meta.orderId ? order.mergedIntoOrderId : null) ?? e.meta.orderId;
    if (target === orderId) this.set({ cart: [...cart, ...lines] });
    else this.set({ unsent: { ...unsent, [target]: [...(unsent[target] ?? []), ...lines] } });
    try {
      await this.outbox.remove(entryId);
    } catch (err) {
      // still listed, and still not put back twice on this page
      console.error('could not remove the refused batch', err);
    }
    return true;
  }

  /** One tender; with `split`, it pays some lines or one even share (the hub checks the amount against it). */
  async pay(p: { tender: 'cash' | 'card'; amountMinor: number; tenderedMinor?: number; reference?: string; split?: PaySplit }): Promise<PosSubmission | null> {
    const { orderId } = this.state.get();
    // 0 settles a bill with nothing due (comped, free dishes only, paid and reopened): the hub takes it only then.
    // A closed bill (opened again from today's bills) takes no payment: the hub would refuse it (order_closed)
    if (!orderId || paymentProblem(p) !== null || this.billReadOnly()) return null;
    // the hub's split rules on the bill as it will be when this payment arrives (those before it stored): a
    // seat already paid while the hub was out of reach, or a share of a stale amount, would be refused after
    // the money was taken
    const { order } = this.state.get();
    const bill = this.billAfterQueued();
    if (order && bill && splitProblem(order, bill, p) !== null) return null;
    const body = {
      id: newId(),
      tender: p.tender,
      amountMinor: p.amountMinor,
      ...(p.tender === 'cash' && p.tenderedMinor !== undefined ? { tenderedMinor: p.tenderedMinor } : {}),
      ...(p.tender === 'card' && p.reference?.trim() ? { reference: p.reference.trim() } : {}),
      ...(p.split && 'lineIds' in p.split ? { lineIds: p.split.lineIds } : {}),
      ...(p.split && 'ways' in p.split ? { splitWays: p.split.ways } : {}),
    };
    const action: PosAction = { kind: 'payment', amountMinor: p.amountMinor, tender: p.tender, ...(p.split ? { split: p.split } : {}) };
    return this.enqueue(orderId, `/api/v1/orders/${orderId}/payments`, body, action, this.opening(orderId));
  }

  /**
   * Closes a bill with nothing due (comped, free dishes only, or paid in full and reopened): a payment of 0,
   * once. While one is being stored or is on its way no other is queued: the first closes the bill, and the
   * hub refuses the second (409 order_closed).
   */
  async settle(): Promise<PosSubmission | null> {
    const { orderId } = this.state.get();
    if (!orderId || this.settling.has(orderId) || this.paymentOnItsWay(orderId)) return null;
    this.settling.add(orderId);
    try {
      return await this.pay({ tender: 'cash', amountMinor: 0 });
    } finally {
      this.settling.delete(orderId);
    }
  }

  /** Payments of the order shown on their way from this tablet (neither confirmed nor refused), in queue order. */
  paymentsOnTheirWay(): QueuedPayment[] {
    const { orderId, submissions } = this.state.get();
    return submissions.flatMap((x) => {
      const a = x.meta.action;
      if (x.meta.orderId !== orderId || a.kind !== 'payment' || x.state === 'confirmed' || x.state === 'rejected') return [];
      return [{ kind: 'payment' as const, id: (x.body as { id?: string }).id, amountMinor: a.amountMinor, ...(a.split && 'lineIds' in a.split ? { lineIds: a.split.lineIds } : {}) }];
    });
  }

  /**
   * The changes of the order shown on their way from this tablet that move its money (payments, voids,
   * refunds; neither confirmed nor refused), in queue order: the order the hub stores them in.
   */
  changesOnTheirWay(): QueuedChange[] {
    const { orderId, submissions } = this.state.get();
    return submissions.flatMap((x): QueuedChange[] => {
      const a = x.meta.action;
      if (x.meta.orderId !== orderId || x.state === 'confirmed' || x.state === 'rejected') return [];
      const id = (x.body as { id?: string }).id;
      if (a.kind === 'payment') return [{ kind: 'payment', id, amountMinor: a.amountMinor, ...(a.split && 'lineIds' in a.split ? { lineIds: a.split.lineIds } : {}) }];
      if (a.kind === 'void') return [{ kind: 'void', lineId: a.lineId }];
      if (a.kind === 'refund') return [{ kind: 'refund', id, paymentId: a.paymentId, amountMinor: a.amountMinor, lines: a.lines }];
      return [];
    });
  }

  /**
   * The bill shown as it will be once this tablet's changes on their way are stored (`billAfterQueued`:
   * payments, voids and refunds, in queue order): what is due and each line's balance. Null: no bill shown.
   */
  billAfterQueued(): ReturnType<typeof billAfterQueued> | null {
    const { order, orderId } = this.state.get();
    return order && order.id === orderId ? billAfterQueued(order, this.changesOnTheirWay()) : null;
  }

  /** Whether a payment for the order is in the outbox, neither confirmed nor refused yet. */
  paymentOnItsWay(orderId: string): boolean {
    return this.state.get().submissions.some((x) => x.meta.orderId === orderId && x.meta.action.kind === 'payment' && x.state !== 'confirmed' && x.state !== 'rejected');
  }

  /** Refunds of the order shown that are on their way from this tablet (neither confirmed nor refused). */
  private refundsOnTheirWay(): RefundLike[] {
    const { orderId, submissions } = this.state.get();
    return submissions.flatMap((x) =>
      x.meta.orderId === orderId && x.meta.action.kind === 'refund' && x.state !== 'confirmed' && x.state !== 'rejected'
        ? [{ id: (x.body as { id?: string }).id, paymentId: x.meta.action.paymentId, amountMinor: x.meta.action.amountMinor, lines: x.meta.action.lines }]
        : [],
    );
  }

  /** What a payment of the order shown still holds to refund (in all and by line), counting refunds on their way. */
  refundLeft(paymentId: string): { leftMinor: number; lines: Map<string, number> } | null {
    const { order, orderId } = this.state.get();
    return order && order.id === orderId ? refundLeft(order, paymentId, this.refundsOnTheirWay()) : null;
  }

  /** A by-line refund's amount: what the payment still covers on those lines. */
  refundAmount(paymentId: string, lineIds: readonly string[]): number {
    const { order, orderId } = this.state.get();
    return order && order.id === orderId ? refundLinesAmount(order, paymentId, lineIds, this.refundsOnTheirWay()) : 0;
  }

  /** Why a refund cannot be queued as typed (the hub's rules, refunds on their way counted), or null. */
  refundProblem(r: { paymentId: string; amountMinor: number | null; reason: string; reference?: string; lineIds?: readonly string[] }): ReturnType<typeof refundProblem> {
    const { order, orderId } = this.state.get();
    return order && order.id === orderId ? refundProblem(order, r, this.refundsOnTheirWay()) : 'payment';
  }

  /** The hub takes refunds from a manager only: anyone else signed in needs a manager's PIN for one. */
  refundNeedsApproval(): boolean {
    return this.session.staff.get()?.staff.role !== 'manager';
  }

  /**
   * Gives back money of one payment of the order shown, through the outbox (a refund id made here, its own
   * Idempotency-Key). Not queued when the hub would refuse it (more than is left counting refunds on their
   * way — so a second tap never gives the money back twice —, an amount that does not match the lines, no
   * reason, a card refund without the terminal's reference) nor without a manager: the signed-in manager,
   * or `approval`, a manager's PIN typed on this tablet (sent with that session, as a void of a fired line).
   */
  async refund(r: { paymentId: string; amountMinor: number; reason: string; reference?: string; lineIds?: string[] }, approval?: Approval): Promise<PosSubmission | null> {
    try {
      return await this.queueRefund(r, approval);
    } finally {
      this.approvalUsed(approval);
    }
  }

  private async queueRefund(r: { paymentId: string; amountMinor: number; reason: string; reference?: string; lineIds?: string[] }, approval?: Approval): Promise<PosSubmission | null> {
    const { orderId, order } = this.state.get();
    if (!orderId || !order || order.id !== orderId) return null;
    if (!approval && this.refundNeedsApproval()) return null;
    if (this.refundProblem(r) !== null) return null;
    const payment = order.payments.find((p) => p.id === r.paymentId)!;
    const left = this.refundLeft(r.paymentId)!;
    // by line: what it gives back of each line, to count while it is on its way (the hub says the same)
    const lineIds = payment.lines.length > 0 ? (r.lineIds ?? [...left.lines.keys()]) : [];
    const lines = [...new Set(lineIds)].map((lineId) => ({ lineId, amountMinor: left.lines.get(lineId) ?? 0 }));
    const reference = r.reference?.trim();
    const body = {
      id: newId(),
      paymentId: r.paymentId,
      amountMinor: r.amountMinor,
      reason: r.reason.trim(),
      ...(reference ? { reference } : {}),
      ...(r.lineIds ? { lineIds: [...new Set(r.lineIds)] } : {}),
    };
    const action: PosAction = { kind: 'refund', paymentId: r.paymentId, amountMinor: r.amountMinor, tender: payment.tender, lines, ...(approval ? { approvedBy: approval.name } : {}) };
    return this.enqueue(orderId, `/api/v1/orders/${orderId}/refunds`, body, action, this.opening(orderId), approval?.token);
  }

  /** Voids a line; a line the kitchen already has needs a manager's approval (the hub enforces it). */
  async voidLine(lineId: string, reason: string, approval?: Approval): Promise<void> {
    try {
      const { orderId } = this.state.get();
      if (!orderId || !reason.trim() || !this.canVoid(lineId)) return;
      const action: PosAction = { kind: 'void', lineId, ...(approval ? { approvedBy: approval.name } : {}) };
      await this.enqueue(orderId, `/api/v1/orders/${orderId}/lines/${lineId}/void`, { reason: reason.trim() }, action, null, approval?.token);
    } finally {
      this.approvalUsed(approval);
    }
  }

  /**
   * Whether the tablet offers to void a line of the order shown: not one the hub would refuse (voided, paid,
   * or leaving the bill overpaid), nor one whose void is already on its way (tapped again before the hub
   * answered, it would come back refused: already voided).
   */
  canVoid(lineId: string): boolean {
    const { order, orderId, submissions } = this.state.get();
    if (this.billReadOnly()) return false;
    // counting the changes on their way: a dish a queued payment by seat covers is paid, as the hub will say;
    // one a queued refund gave back is open again; a void queued before this one leaves less food to pay for
    if (order && order.id === orderId && voidBlocked(withQueued(order, this.changesOnTheirWay()), lineId) !== null) return false;
    return !submissions.some((x) => x.meta.orderId === orderId && x.meta.action.kind === 'void' && x.meta.action.lineId === lineId && x.state !== 'confirmed' && x.state !== 'rejected');
  }

  /** Giving up what waits for another store loses orders and money taken: a manager's call (as a refund). */
  discardNeedsApproval(): boolean {
    return this.refundNeedsApproval();
  }

  /**
   * The tablet moved for good: what waits for `storeId` (another store than this tablet's) is removed unsent,
   * once the staff were told what that store may never get. A manager's: the signed-in one, or `approval`
   * (a manager's PIN typed here, as for a refund). Resolves with how many changes went.
   */
  async discardOtherStore(storeId: string, approval?: Approval): Promise<number | 'forbidden'> {
    try {
      if (!approval && this.discardNeedsApproval()) return 'forbidden';
      const n = await this.outbox.discardWaitingFor(storeId);
      if (n > 0) console.warn(`discarded ${n} unsent changes made for store ${storeId}${approval ? `, approved by ${approval.name}` : ''}`);
      return n;
    } finally {
      this.approvalUsed(approval);
    }
  }

  /**
   * Says what became of a card the kiosk charged and the hub did not record (`resolution`: refunded on the
   * terminal, recorded as an order's card payment, or other with a note; `resolutionBody` checks it). A
   * manager's: the signed-in one, or `approval` (a manager's PIN typed here, as for a refund). Sent at once,
   * not through the outbox — the strip stays until the hub has it — and retried with the same
   * Idempotency-Key while the answer is unknown.
   */
  async resolveCardCharge(id: string, resolution: ResolveCardChargeInput, approval?: Approval): Promise<ResolveOutcome> {
    try {
      return await this.sendResolve(id, resolution, approval);
    } finally {
      this.approvalUsed(approval);
    }
  }

  private async sendResolve(id: string, body: ResolveCardChargeInput, approval?: Approval): Promise<ResolveOutcome> {
    if ((body.kind ?? 'other') === 'other' && !body.note?.trim()) return 'forbidden';
    if (!approval && this.refundNeedsApproval()) return 'forbidden';
    try {
      const path = `/api/v1/card-charges/${encodeURIComponent(id)}/resolve`;
      await (approval
        ? this.client.request('POST', path, { as: 'none', headers: { authorization: `Bearer ${approval.token}` }, body, key: newIdempotencyKey() })
        : this.client.mutate('POST', path, body));
      this.cardCharges.resolved(id);
      return 'resolved';
    } catch (err) {
      const outcome = resolveOutcome(err);
      // resolved meanwhile (another manager, another tablet): it leaves the strip all the same
      if (outcome === 'already_resolved') this.cardCharges.resolved(id);
      return outcome;
    }
  }

  /**
   * A manager's PIN typed on this tablet: the hub signs the manager in on this device (same PIN rules and
   * lockout as the PIN screen) for the one change it approves. Only a manager: anyone else's PIN is refused
   * by the hub, by name, and leaves no session behind. The approval's session is ended on the hub once that
   * change is answered (`approvalUsed`, then as for a lock). Needs the hub: a PIN is never checked here.
   */
  async managerApproval(pin: string): Promise<Approval | ApprovalRefusal> {
    try {
      const session = await this.client.signIn(pin, ['manager']);
      const ending = { token: session.token, expiresAt: session.expiresAt - this.client.serverOffsetMs };
      if (session.staff.role !== 'manager') {
        // a hub that let another role in all the same: that session is of no use
        this.endLater(ending);
        return { problem: 'void.notManager', name: session.staff.name };
      }
      this.approvalsInUse.add(session.token);
      this.setEnding([...this.ending, ending]);
      return { token: session.token, name: session.staff.name };
    } catch (err) {
      if (err instanceof HubError && err.code === 'forbidden') {
        const name = (err.details as { name?: unknown } | undefined)?.name;
        return { problem: 'void.notManager', ...(typeof name === 'string' ? { name } : {}) };
      }
      if (err instanceof HubError && err.status === 429) return { problem: 'void.locked' };
      if (err instanceof HubError && err.code === 'pin_invalid') return { problem: 'void.pinInvalid' };
      // the hub answered: a session is a write, refused while its disk is full (not "cannot reach the hub")
      if (err instanceof HubError && err.status === 507) return { problem: 'void.storageFull' };
      return { problem: 'void.unreachable' };
    }
  }

  /**
   * The change an approval was for is queued (or sent, or given up): its session may end once nothing
   * queued needs it, as a locked waiter's.
   */
  private approvalUsed(approval: Approval | undefined): void {
    if (!approval) return;
    this.approvalsInUse.delete(approval.token);
    void this.endSessions();
  }

  /**
   * Moves the party at the table shown to a free table: every open order of the table, the guests' phone
   * orders and a separate check too (`POST /tables/:id/move`), not only the order shown — the others would
   * stay behind with their food, their bill and the next party's phones. The hub finds the table's orders
   * when the move arrives, so one a phone placed after this floor was loaded (or while the move waited
   * offline) goes along. Queued behind the order's opening, if that is still on its way.
   */
  async moveTable(toTableId: string): Promise<void> {
    const { orderId, tableId } = this.state.get();
    if (!orderId || !tableId || tableId === toTableId) return;
    const action: PosAction = { kind: 'moveTable', fromTableId: tableId, toTableId };
    const entry = await this.enqueue(orderId, `/api/v1/tables/${encodeURIComponent(tableId)}/move`, { toTableId }, action, this.opening(orderId));
    if (!entry) return;
    // dishes left waiting on the table for its next order (their order closed under the waiter) are the party's
    const unsent = { ...this.state.get().unsent };
    const waiting = unsent[tableKey(tableId)];
    if (waiting) {
      delete unsent[tableKey(tableId)];
      unsent[tableKey(toTableId)] = [...(unsent[tableKey(toTableId)] ?? []), ...waiting];
    }
    this.set({ tableId: toTableId, unsent });
  }

  /** How many open orders move with the table shown (the hub's floor: the guests' phone orders count). */
  ordersAtTable(): number {
    const { floor, tableId } = this.state.get();
    return floor?.tables.find((t) => t.id === tableId)?.openOrderIds.length ?? 0;
  }

  /**
   * Merges the party at the table shown into the open order of another table, and follows it there: every
   * open order of the table, the guests' phone orders and a separate check too (`POST /tables/:id/merge`),
   * not only the order shown — the others would stay behind, the table busy, their bill readable by the next
   * party's phones. The hub finds the table's orders when the merge arrives, as it does for a move. An order
   * of no table merges alone.
   */
  async merge(intoTableId: string): Promise<void> {
    const { orderId, tableId, floor } = this.state.get();
    const intoOrderId = floor?.tables.find((t) => t.id === intoTableId)?.openOrderIds[0];
    if (!orderId || !intoOrderId || tableId === intoTableId) return;
    const [path, action]: [string, PosAction] = tableId
      ? [`/api/v1/tables/${encodeURIComponent(tableId)}/merge`, { kind: 'merge', intoOrderId, intoTableId, fromTableId: tableId }]
      : [`/api/v1/orders/${orderId}/merge`, { kind: 'merge', intoOrderId, intoTableId }];
    const entry = await this.enqueue(orderId, path, { intoOrderId }, action, this.opening(orderId));
    if (!entry) return;
    this.set({ ...this.cartsFor(intoOrderId, true), tableId: intoTableId, orderId: intoOrderId, order: null });
    void this.loadOrder();
  }

  async requestBill(requested: boolean): Promise<void> {
    const { orderId } = this.state.get();
    if (!orderId) return;
    await this.enqueue(orderId, `/api/v1/orders/${orderId}/bill-request`, { requested }, { kind: 'billRequest', requested }, this.opening(orderId));
  }

  /** Queues the customer's receipt on the receipt printer (the hub answers 422 if there is none). */
  async printReceipt(): Promise<void> {
    const { orderId } = this.state.get();
    if (!orderId) return;
    await this.enqueue(orderId, `/api/v1/orders/${orderId}/receipt`, {}, { kind: 'receipt' }, this.opening(orderId));
  }

  /** The kitchen tickets printed for the current order (not reprints), newest first. */
  async kitchenTickets(): Promise<PrintJob[] | null> {
    const { orderId } = this.state.get();
    if (!orderId) return null;
    try {
      const { jobs } = await this.client.request<{ jobs: PrintJob[] }>('GET', `/api/v1/print-jobs?orderId=${encodeURIComponent(orderId)}`, { as: 'staff' });
      // the sheet reprints kitchen tickets: the customer's receipt (and any other slip) is not one
      return jobs.filter((j) => j.reprintOf === null && KITCHEN_KINDS.has(j.kind));
    } catch {
      return null;
    }
  }

  async reprint(jobId: number): Promise<void> {
    const { orderId } = this.state.get();
    if (!orderId) return;
    await this.enqueue(orderId, `/api/v1/print-jobs/${jobId}/reprint`, {}, { kind: 'reprint', jobId });
  }

  /**
   * Records the opening float of the day the summary shows, through the outbox like every other change: the
   * cashier counts the drawer before the first sale, when the Wi-Fi may not be up yet, and the hub gets it
   * when it answers. The day goes with it, so a float queued before 04:00 is still that day's. The form
   * closes once the change is stored here; the summary says it is on its way until the hub confirms it.
   */
  async setFloat(businessDate: string, amountMinor: number): Promise<PosSubmission | null> {
    const body = floatRequest(this.ownEntries(), this.dayReport.state.get().report, businessDate, amountMinor, newId());
    const entry = await this.enqueue(`day:${businessDate}`, '/api/v1/reports/day/float', body, { kind: 'float', ...body });
    if (entry) this.dayReport.editFloat(businessDate, null);
    return entry;
  }

  /**
   * A float of this tablet's the hub refused, another having been recorded for the day meanwhile: the
   * cashier keeps that one (`replaceWith` null) or replaces it with `replaceWith` — a new change, with a new
   * key, naming the float the summary now shows. Either way this tablet's refused floats of the day go.
   */
  async settleFloat(businessDate: string, replaceWith: number | null): Promise<void> {
    if (replaceWith !== null && !(await this.setFloat(businessDate, replaceWith))) return;
    for (const e of refusedFloats(this.ownEntries(), businessDate)) await this.outbox.remove(e.id);
  }

  async fireCourse(course: number): Promise<void> {
    const { orderId } = this.state.get();
    if (!orderId) return;
    await this.enqueue(orderId, `/api/v1/orders/${orderId}/fire`, { course }, { kind: 'fire', course });
  }

  async dismiss(id: string): Promise<void> {
    await this.outbox.remove(id);
  }

  // ---- outbox plumbing ----

  /**
   * The outbox's entries for this tablet's store, as they are now (`submissions` follows a moment later):
   * another store's unsent float of the day is not this store's float to replace.
   */
  private ownEntries(entries: readonly OutboxEntry[] = this.outbox.list()): PosSubmission[] {
    const elsewhere = new Set(this.outbox.waitingForOtherStores().flatMap((w) => w.entries.map((e) => e.id)));
    return (entries as PosSubmission[]).filter((e) => !elsewhere.has(e.id));
  }

  /**
   * Sends a change as whoever made it, or, when the hub no longer takes that session (expired after 12 h,
   * revoked), as whoever is signed in now. A 401 is about the token, not the change (the hub checks the token
   * before the key, and may have committed the change before its answer was lost); the key stays the same and
   * the hub keeps staff keys per store, not per session, so the resend as another waiter gets the stored
   * answer, never a second change. With no token the hub takes, the change waits (unknown) until someone
   * signs in.
   */
  private async send(e: PosSubmission): Promise<SendResult> {
    for (const token of this.bearers(e)) {
      const result = await sendEntry(this.client, e, token);
      if (result.kind === 'answer' && result.status >= 400 && e.meta.action.kind === 'lines') this.noteRefusedDishes(e.id, result.body);
      if (result.kind !== 'answer' || result.status !== 401) return result;
      this.refusedTokens.add(token);
      // the signed-in session itself was refused: back to the PIN screen, as for any other request
      if (token === this.session.staffToken()) this.session.refused('staff');
    }
    return { kind: 'answer', status: 401, body: { error: { code: 'unauthenticated', message: 'sign in to send this change' } } };
  }

  /** Keeps the dishes a refusal names (its `details`: the outbox keeps only the code and message). */
  private noteRefusedDishes(entryId: string, body: unknown): void {
    const error = (body as { error?: { code?: string; details?: unknown } } | null)?.error;
    const ids = refusedItemIds(error?.code, error?.details);
    if (ids.length > 0) this.refusedDishes.set(entryId, ids);
  }

  /** The staff tokens to try for an entry, in order: whoever made it, then whoever is signed in. */
  private bearers(e: PosSubmission): string[] {
    const tokens = new Set([e.meta.staffToken, this.session.staffToken()]);
    return [...tokens].filter((t): t is string => t !== null && !this.refusedTokens.has(t));
  }

  private onOutbox(entries: readonly OutboxEntry[]): void {
    const now = Date.now();
    // the outbox holds this tablet's entries only (from this pairing or an earlier one); another store's are
    // not this floor's: its "open table A1" is not this store's A1 being opened
    const mine = this.ownEntries(entries);
    const otherStores = otherStoreWaits<PosSubmission>(this.outbox.waitingForOtherStores(), (id) => this.session.storeName(id), (e) => ({
      orderId: e.meta.action.kind === 'float' ? null : e.meta.orderId,
      payment: e.meta.action.kind === 'payment' ? { amountMinor: e.meta.action.amountMinor, reference: (e.body as { reference?: string } | null)?.reference ?? null, tender: e.meta.action.tender } : null,
    }));
    const before = new Map(this.state.get().submissions.map((s) => [s.id, s.state]));
    for (const e of mine) {
      if ((e.state === 'confirmed' || e.state === 'rejected') && now - e.updatedAt > PRUNE_SETTLED_AFTER_MS) void this.outbox.remove(e.id);
    }
    // the hub's answer first, then the entry's new state: a bill never shows a payment both pending and paid
    for (const e of mine) {
      if (e.state !== 'confirmed' || before.get(e.id) === 'confirmed') continue;
      const a = e.meta.action;
      // a float the hub took: the summary shows the day's figures with it (the drawer's total)
      if (a.kind === 'float') {
        this.reloadTakings(a.businessDate);
        continue;
      }
      // one order, or a table's orders (a table move)
      const result = e.result as { order?: Order; orders?: Order[] } | null;
      for (const order of [...(result?.order ? [result.order] : []), ...(result?.orders ?? [])]) this.acceptOrder(order);
      this.refreshFloor();
    }
    this.set({ submissions: mine, otherStores });
    // a change answered may have been the last one holding back the end of a session
    void this.endSessions();
    // a float refused (another recorded meanwhile): the summary reads the day again, to show the one in its way
    for (const e of mine) {
      const a = e.meta.action;
      if (a.kind === 'float' && e.state === 'rejected' && before.get(e.id) !== 'rejected') this.reloadTakings(a.businessDate);
    }
    // a move the hub refused (the table taken meanwhile, or nothing left there to move): the order shown is
    // where the hub has it
    for (const e of mine) {
      if (e.meta.action.kind !== 'moveTable' || e.state !== 'rejected' || before.get(e.id) === 'rejected' || !before.has(e.id)) continue;
      const { order, orderId } = this.state.get();
      if (order && order.id === orderId && order.id === e.meta.orderId && order.tableId) this.set({ tableId: this.movingTo(order.tableId) });
      this.refreshFloor();
      void this.loadOrder();
    }
    // a merge the hub refused (the other table's bill paid or closed meanwhile, or the merge would overpay it):
    // the tablet went on to the other order at once, as if the lines had joined it. They did not: this order
    // is still open at its table, and the dishes chosen for it (carried along) would be sent to the other
    // party's bill. Back to it, unless the waiter has gone on elsewhere
    for (const e of mine) {
      const a = e.meta.action;
      if (a.kind !== 'merge' || e.state !== 'rejected' || before.get(e.id) === 'rejected' || !before.has(e.id)) continue;
      if (this.state.get().orderId === a.intoOrderId) {
        const source = e.meta.orderId;
        const tableId = this.state.get().floor?.tables.find((x) => x.openOrderIds.includes(source))?.id ?? null;
        this.set({ ...this.cartsFor(source, true), orderId: source, order: null, tableId });
        void this.loadOrder();
      }
      this.refreshFloor();
    }
  }

  /** The day's takings read again, if they are the ones shown and whoever is signed in reads them. */
  private reloadTakings(businessDate: string): void {
    if (this.dayReport.state.get().report?.businessDate === businessDate && readsTakings(this.session.staff.get()?.staff.role)) void this.dayReport.load(businessDate);
  }

  stop(): void {
    this.outbox.stop();
    this.idle.stop();
    this.stopStream();
    this.floorRefresh.stop();
  }
}
