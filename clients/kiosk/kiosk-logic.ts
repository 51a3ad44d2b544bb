/**
 * The kiosk's pure rules, without the view or the hub: how long until an untouched kiosk starts over, what
 * the customer is told about an order in the outbox, which pickup numbers to keep showing, the colour
 * of a category's badge, and why a cart row or a refused order cannot go.
 */
import type { Menu, MenuItem, Order } from '../../hub/protocol/index.ts';
import { isSoldOut, optionProblems, unknownOptions, type CartLine } from '../shared/cart.ts';
import { isSettled, type OutboxEntry } from '../shared/outbox.ts';

export const DEFAULT_IDLE_MS = 90_000;

/** `?idle=<seconds>` (for tests and set-up), else the default; never shorter than 1 s. */
export function idleMsFrom(search: string, fallbackMs: number = DEFAULT_IDLE_MS): number {
  const raw = new URLSearchParams(search).get('idle');
  if (raw === null || raw.trim() === '') return fallbackMs;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0) return fallbackMs;
  return Math.max(1000, Math.round(s * 1000));
}

export interface IdleTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: IdleTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Calls `onIdle` once `idleMs` pass with no `touch()`. While `armed` is false (the welcome screen) it
 * never fires. Touches are cheap (a timestamp); the timer is re-armed lazily when it comes due.
 */
export class IdleWatch {
  private last: number;
  private handle: unknown = null;
  private armed = false;

  constructor(
    readonly idleMs: number,
    private readonly onIdle: () => void,
    private readonly timers: IdleTimers = realTimers,
  ) {
    this.last = timers.now();
  }

  touch(): void {
    this.last = this.timers.now();
  }

  /** Arm (a customer is using the kiosk) or disarm (back at the welcome screen). Arming counts as a touch. */
  setArmed(armed: boolean): void {
    if (armed === this.armed) return;
    this.armed = armed;
    this.touch();
    if (armed) this.schedule(this.idleMs);
    else this.cancel();
  }

  stop(): void {
    this.armed = false;
    this.cancel();
  }

  private cancel(): void {
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  private schedule(ms: number): void {
    this.cancel();
    this.handle = this.timers.setTimeout(() => this.due(), ms);
  }

  private due(): void {
    this.handle = null;
    if (!this.armed) return;
    const left = this.last + this.idleMs - this.timers.now();
    if (left > 0) return this.schedule(left);
    this.armed = false;
    this.onIdle();
  }
}

/** What the confirmation screen says about a submitted order. Only `confirmed` shows a pickup number. */
export type OrderView =
  | { kind: 'saving' }
  | { kind: 'sending' }
  /** No answer yet (offline, timeout, hub busy): still retrying with the same key, never "failed". */
  | { kind: 'retrying'; busy: boolean; nextAttemptAt: number | null }
  | { kind: 'confirmed'; number: number; totalMinor: number; quotedReadyAt: number | null }
  | { kind: 'rejected'; code: string; message: string };

export function orderView(e: Pick<OutboxEntry, 'state' | 'result' | 'error' | 'lastProblem' | 'nextAttemptAt'>): OrderView {
  switch (e.state) {
    case 'saved':
      return { kind: 'saving' };
    case 'sending':
      return { kind: 'sending' };
    case 'unknown':
      return { kind: 'retrying', busy: e.lastProblem !== null && /HTTP (429|503|507)/.test(e.lastProblem), nextAttemptAt: e.nextAttemptAt };
    case 'rejected':
      return { kind: 'rejected', code: e.error?.code ?? 'internal', message: e.error?.message ?? '' };
    case 'confirmed': {
      const order = (e.result as { order?: Pick<Order, 'number' | 'totalMinor' | 'quotedReadyAt'> } | null)?.order;
      // a 2xx without an order body cannot happen with this hub; say "sending" rather than invent a number
      if (!order) return { kind: 'sending' };
      return { kind: 'confirmed', number: order.number, totalMinor: order.totalMinor, quotedReadyAt: order.quotedReadyAt };
    }
  }
}

/**
 * Orders placed on this kiosk worth showing on the welcome screen: pickup numbers confirmed in the last
 * `windowMs` (a customer who walked away before the answer came), and how many are still unsettled.
 */
export function recentPickups(entries: readonly Pick<OutboxEntry, 'state' | 'result' | 'updatedAt'>[], now: number, windowMs = 10 * 60_000): { numbers: number[]; pending: number } {
  const numbers: number[] = [];
  let pending = 0;
  for (const e of entries) {
    if (e.state === 'saved' || e.state === 'sending' || e.state === 'unknown') pending++;
    if (e.state !== 'confirmed' || now - e.updatedAt > windowMs) continue;
    const n = (e.result as { order?: { number?: number } } | null)?.order?.number;
    if (typeof n === 'number') numbers.push(n);
  }
  return { numbers: numbers.slice(-6), pending };
}

/** Badge colours for categories, in menu order (readable with white text). */
export const CATEGORY_COLOURS = ['#c0392b', '#d35400', '#1e8449', '#2471a3', '#7d3c98', '#b7950b', '#117a65', '#a04000'] as const;

export const categoryColour = (index: number): string => CATEGORY_COLOURS[((index % CATEGORY_COLOURS.length) + CATEGORY_COLOURS.length) % CATEGORY_COLOURS.length]!;

// ---- what is wrong with a cart row, in words a customer can act on ----

/** Why a cart row cannot be sent now. */
export type LineProblem = { kind: 'gone' } | { kind: 'soldOut' } | { kind: 'optionGone' } | { kind: 'options' } | { kind: 'short'; left: number };

const MAX_QTY = 99;

/**
 * The rows the shared `cartProblems` blocks "place order" for, each with its reason (that function says
 * only which): the same checks in the same order, so a red row always has its own words.
 */
export function lineProblems(menu: Menu, lines: readonly CartLine[]): Map<string, LineProblem> {
  const wanted = new Map<string, number>();
  for (const l of lines) wanted.set(l.itemId, (wanted.get(l.itemId) ?? 0) + l.qty);
  const problems = new Map<string, LineProblem>();
  for (const l of lines) {
    const item = menu.items.find((i) => i.id === l.itemId);
    if (!item) problems.set(l.id, { kind: 'gone' });
    else if (isSoldOut(item)) problems.set(l.id, { kind: 'soldOut' });
    else if (unknownOptions(menu, item, l.optionIds).length > 0) problems.set(l.id, { kind: 'optionGone' });
    else if (optionProblems(menu, item, l.optionIds).length > 0) problems.set(l.id, { kind: 'options' });
    // the hub reserves a dish's quantity over all rows at once, so every row of a short dish is the problem
    else if (item.remaining !== null && (wanted.get(l.itemId) ?? 0) > item.remaining) problems.set(l.id, { kind: 'short', left: item.remaining });
  }
  return problems;
}

/**
 * How many of a dish the item sheet may put on one row (`lineId`: the row being edited, null for a new one):
 * what is left of a counted dish less its other rows, so a card saying "only 3 left" cannot take 5. 0: the
 * cart already holds all that is left, or the dish is sold out (switched off with no count: remaining null).
 */
export function maxQty(item: Pick<MenuItem, 'id' | 'available' | 'remaining'>, cart: readonly CartLine[], lineId: string | null): number {
  if (isSoldOut(item)) return 0;
  if (item.remaining === null) return MAX_QTY;
  const others = cart.filter((l) => l.itemId === item.id && l.id !== lineId).reduce((n, l) => n + l.qty, 0);
  return Math.max(0, Math.min(MAX_QTY, item.remaining - others));
}

/**
 * What the open item sheet may add, from the menu as polled now (the sheet opened on an older one): the dish
 * switched off or counted out meanwhile is `soldOut`, taken off the menu `gone`; either way nothing is added.
 */
export function sheetLimit(menu: Menu, itemId: string, cart: readonly CartLine[], lineId: string | null): { most: number; blocked: 'soldOut' | 'gone' | null } {
  const item = menu.items.find((i) => i.id === itemId);
  if (!item) return { most: 0, blocked: 'gone' };
  if (isSoldOut(item)) return { most: 0, blocked: 'soldOut' };
  return { most: maxQty(item, cart, lineId), blocked: null };
}

/** A checkout row: `item` null when the dish left the menu (the row still shows, to be removed). */
export interface CheckoutRow {
  line: CartLine;
  item: MenuItem | null;
  problem: LineProblem | null;
}

export function checkoutRows(menu: Menu, cart: readonly CartLine[]): CheckoutRow[] {
  const problems = lineProblems(menu, cart);
  return cart.map((line) => ({ line, item: menu.items.find((i) => i.id === line.itemId) ?? null, problem: problems.get(line.id) ?? null }));
}

/**
 * What a refused order's screen says. The hub's message is a developer's English sentence and the outbox
 * keeps no details, but the kiosk kept the lines it sent and re-reads the menu on a refusal: the dishes
 * that fail against it are named in both languages (names null: the dish left the menu). Until that menu
 * shows why (or when it cannot), "the menu has changed".
 */
export type RefusalView =
  | { kind: 'paused' }
  | { kind: 'dishes'; dishes: { nameZh: string | null; nameEn: string | null; problem: LineProblem }[] }
  | { kind: 'changed' }
  | { kind: 'other' };

const MENU_REFUSALS = new Set(['sold_out', 'item_unavailable', 'invalid_order']);

export function refusalView(code: string, lines: readonly CartLine[], menu: Menu | null): RefusalView {
  if (code === 'ordering_paused') return { kind: 'paused' };
  if (!MENU_REFUSALS.has(code)) return { kind: 'other' };
  if (!menu) return { kind: 'changed' };
  const problems = lineProblems(menu, lines);
  const dishes: Extract<RefusalView, { kind: 'dishes' }>['dishes'] = [];
  const named = new Set<string>();
  for (const l of lines) {
    const problem = problems.get(l.id);
    // two rows of one dish are one dish to the customer
    if (!problem || named.has(l.itemId)) continue;
    named.add(l.itemId);
    const item = menu.items.find((i) => i.id === l.itemId);
    dishes.push({ nameZh: item?.nameZh ?? null, nameEn: item?.nameEn ?? null, problem });
  }
  return dishes.length > 0 ? { kind: 'dishes', dishes } : { kind: 'changed' };
}

// ---- card payment at the kiosk (issue #6) ----

/** The hub's answer to a confirmed order entry: what a card sale needs. Null until the hub confirmed it. */
export function confirmedOrder(e: Pick<OutboxEntry, 'state' | 'result'> | undefined): Pick<Order, 'id' | 'number' | 'dueMinor'> | null {
  if (e?.state !== 'confirmed') return null;
  const order = (e.result as { order?: Partial<Order> } | null)?.order;
  if (typeof order?.id !== 'string' || typeof order.number !== 'number' || typeof order.dueMinor !== 'number') return null;
  return { id: order.id, number: order.number, dueMinor: order.dueMinor };
}

/** What the terminal approved, as the payment's outbox entry keeps it (and the screen shows it). */
export interface CardApproval {
  kind: 'payment';
  orderId: string;
  /** Made on the kiosk: a resend under another key is then a conflict, never a second payment. */
  paymentId: string;
  number: number;
  amountMinor: number;
  reference: string;
  cardLast4: string | null;
  scheme: string | null;
}

/** The longest terminal reference the hub records (`paymentInputSchema.reference`: trimmed, then at most 80). */
export const MAX_REFERENCE = 80;

/**
 * The terminal's reference as the hub takes it. Longer is a 400 before the hub looks at the payment, so the
 * charge would be neither recorded nor put on the staff's strip: cut it, the same way on every resend, and
 * never between the two halves of a character.
 */
export function hubReference(reference: string): string {
  const trimmed = reference.trim();
  if (trimmed.length <= MAX_REFERENCE) return trimmed;
  const last = trimmed.charCodeAt(MAX_REFERENCE - 1);
  const cut = last >= 0xd800 && last <= 0xdbff ? MAX_REFERENCE - 1 : MAX_REFERENCE;
  return trimmed.slice(0, cut).trimEnd();
}

/** The card sale of the order on the confirmation screen (not stored: a reload starts a new screen). */
export interface CardSale {
  /** The order's outbox entry. */
  entryId: string;
  /** `settled`: nothing was owed by the time the sale would start (the counter took the money meanwhile). */
  phase: 'terminal' | 'declined' | 'cancelled' | 'error' | 'approved' | 'counter' | 'settled';
  reason: string | null;
  /** What the terminal is asked for: what the order owed when the sale started, not when it was placed. */
  amountMinor?: number;
  /** What the terminal approved (phase `approved`). */
  approval: CardApproval | null;
  /** The payment's outbox entry, once the approval is stored. */
  paymentEntryId: string | null;
  /** The approval could not be stored on this kiosk: it stays on screen for the counter, with "try again". */
  storeFailed: boolean;
}

/**
 * The sale needs the confirmation screen to stay: the customer is paying on the terminal, or an approved
 * charge is not stored on this kiosk yet (being stored, or it failed and waits for "try again"). The idle
 * reset waits, and "new order" with it while an approval is unstored.
 */
export function saleHoldsScreen(sale: CardSale | null): boolean {
  return sale !== null && (sale.phase === 'terminal' || (sale.approval !== null && sale.paymentEntryId === null));
}

/** An approved charge this kiosk has not stored yet: starting over would lose it. */
export function approvalUnstored(sale: CardSale | null): boolean {
  return sale !== null && sale.approval !== null && sale.paymentEntryId === null;
}

/** What the confirmation screen says about paying. Only `paid` means the hub has the payment. */
export type PaymentView =
  | { kind: 'counter' }
  /** Nothing is owed on the order any more: no card is charged. */
  | { kind: 'settled' }
  | { kind: 'terminal' }
  | { kind: 'failed'; outcome: 'declined' | 'cancelled' | 'error'; reason: string | null }
  /** Approved by the terminal, not yet confirmed by the hub: the outbox keeps sending it. */
  | { kind: 'saving'; approval: CardApproval; retrying: boolean }
  | { kind: 'paid'; approval: CardApproval }
  /**
   * The hub refused to record an approved payment: a person at the counter must sort it out. The hub's
   * refusal (English, for staff) is on the staff's unrecorded-charges strip, not on the customer's screen.
   */
  | { kind: 'unrecorded'; approval: CardApproval }
  | { kind: 'unsaved'; approval: CardApproval };

export function paymentView(sale: CardSale | null, payment: Pick<OutboxEntry<CardApproval>, 'state' | 'error' | 'meta'> | undefined): PaymentView {
  // the stored payment outranks the screen's memory of the sale: it is what the hub will (or did) get
  if (payment) {
    const approval = payment.meta;
    switch (payment.state) {
      case 'confirmed':
        return { kind: 'paid', approval };
      case 'rejected':
        return { kind: 'unrecorded', approval };
      default:
        return { kind: 'saving', approval, retrying: payment.state === 'unknown' };
    }
  }
  if (sale?.approval) return sale.storeFailed ? { kind: 'unsaved', approval: sale.approval } : { kind: 'saving', approval: sale.approval, retrying: false };
  switch (sale?.phase) {
    case 'terminal':
      return { kind: 'terminal' };
    case 'declined':
    case 'cancelled':
    case 'error':
      return { kind: 'failed', outcome: sale.phase, reason: sale.reason };
    case 'settled':
      return { kind: 'settled' };
    default:
      return { kind: 'counter' };
  }
}

/** What this kiosk holds for another store (it was moved): shared with the waiter tablet. */
export type { OtherStoreWait } from '../shared/other-store.ts';

/**
 * What this kiosk's outbox has not had answered: orders, and card payments the terminal already charged. An
 * unpaired kiosk shows them on its pairing screen (they go once it is paired again).
 */
export function waitingToSend(s: { submissions: readonly Pick<OutboxEntry, 'state'>[]; payments: readonly Pick<OutboxEntry, 'state'>[] }): { orders: number; payments: number } {
  return { orders: s.submissions.filter((e) => !isSettled(e)).length, payments: s.payments.filter((e) => !isSettled(e)).length };
}
