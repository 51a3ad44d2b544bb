/**
 * The waiter tablet's pure rules: auto-lock delay, menu search (Chinese, English, pinyin initials), what an
 * money input and change due, splitting the bill. No DOM, no hub: unit-tested.
 */
import type { Menu, MenuItem, Order, TableStatus } from '../../hub/protocol/index.ts';
import { allocate, evenShares, lineBalances } from '../../hub/domain/bill.ts';
import { minorDigits } from '../shared/format.ts';

export const DEFAULT_LOCK_MS = 120_000;

/** `?lock=<seconds>` (tests, set-up), else the default; never shorter than 1 s. */
export function lockMsFrom(search: string, fallbackMs: number = DEFAULT_LOCK_MS): number {
  const raw = new URLSearchParams(search).get('lock');
  if (raw === null || raw.trim() === '') return fallbackMs;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0) return fallbackMs;
  return Math.max(1000, Math.round(s * 1000));
}

// ---- pinyin initials ----

/**
 * Pinyin initials computed from the platform's pinyin collation (ICU `zh-u-co-pinyin`, in every browser and
 * in Node): a Chinese character sorts between the first characters of two initials, so the last boundary it
 * does not sort before gives its letter. Boundaries: the first character of each initial in pinyin order
 * (no i, u, v: no syllable starts with them). Polyphones get their most common reading (重庆 → zq, not cq).
 */
const BOUNDARIES = [...'阿八嚓哒妸发旮哈丌咔垃妈拏噢妑七呥仨他屲夕丫帀'];
const LETTERS = 'abcdefghjklmnopqrstwxyz';
let collator: Intl.Collator | null | undefined;

function pinyinCollator(): Intl.Collator | null {
  if (collator !== undefined) return collator;
  try {
    const c = new Intl.Collator('zh-Hans-CN-u-co-pinyin');
    // a runtime without Chinese collation data sorts by code point: 八 (U+516B) before 阿 (U+963F)
    collator = c.compare('阿', '八') < 0 && c.compare('八', '嚓') < 0 ? c : null;
  } catch {
    collator = null;
  }
  return collator;
}

const HAN = /[\u3400-\u9fff]/;

/** The initial of one character: a letter for Han, itself (lower case) for ASCII letters and digits, '' else. */
export function initialOf(ch: string): string {
  if (/^[a-z0-9]$/i.test(ch)) return ch.toLowerCase();
  if (!HAN.test(ch)) return '';
  const c = pinyinCollator();
  if (!c) return '';
  let found = -1;
  for (let i = 0; i < BOUNDARIES.length; i++) {
    if (c.compare(ch, BOUNDARIES[i]!) >= 0) found = i;
    else break;
  }
  return found < 0 ? '' : LETTERS[found]!;
}

/** 宫保鸡丁 → "gbjd". */
export function pinyinInitials(text: string): string {
  let out = '';
  for (const ch of text) out += initialOf(ch);
  return out;
}

/** Whether the runtime can compute initials (the search box says "pinyin initials" only then). */
export const pinyinAvailable = (): boolean => pinyinCollator() !== null;

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

export interface SearchIndex {
  item: MenuItem;
  zh: string;
  en: string;
  initials: string;
}

export function searchIndex(menu: Menu): SearchIndex[] {
  return menu.items.map((item) => ({ item, zh: item.nameZh, en: norm(item.nameEn), initials: pinyinInitials(item.nameZh) }));
}

/**
 * Items matching `query`: Chinese substring, English words (each word a prefix of some word of the name,
 * or a substring), or pinyin initials (a prefix or substring of the initials). Best matches first.
 */
export function searchItems(index: readonly SearchIndex[], query: string): MenuItem[] {
  const q = norm(query);
  if (!q) return [];
  const compact = q.replace(/\s/g, '');
  const scored: { item: MenuItem; score: number; sort: number }[] = [];
  for (const e of index) {
    let score = 0;
    if (e.zh.includes(query.trim())) score = e.zh.startsWith(query.trim()) ? 100 : 90;
    else if (/^[a-z]+$/.test(compact) && e.initials.startsWith(compact)) score = 80;
    else if (e.en.startsWith(q)) score = 70;
    else if (q.split(' ').every((w) => e.en.split(/[\s-]+/).some((x) => x.startsWith(w)))) score = 60;
    else if (e.en.includes(q)) score = 50;
    else if (/^[a-z]{2,}$/.test(compact) && e.initials.includes(compact)) score = 40;
    if (score > 0) scored.push({ item: e.item, score, sort: e.item.sort });
  }
  return scored.sort((a, b) => b.score - a.score || a.sort - b.sort).map((s) => s.item);
}

// ---- money ----

/**
 * "88" → 8800, "88.5" → 8850, "88.05" → 8805; null for anything else (no floats on money). In a currency
 * without minor units (JPY: what formatMoney shows as ¥1,500 is 1500) only whole numbers.
 */
export function parseMoney(text: string, currency = 'CNY'): number | null {
  const m = /^\s*(\d{1,7})(?:[.,](\d{0,2}))?\s*$/.exec(text);
  if (!m) return null;
  if (minorDigits(currency) === 0) return m[2] === undefined ? Number(m[1]) : null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** An amount as the money fields show it for typing: 8805 → "88.05" (no symbol, no grouping, no float). */
export function moneyText(minor: number, currency = 'CNY'): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(minor));
  if (minorDigits(currency) === 0) return `${sign}${abs}`;
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Cash handed over for a bill: the exact amount, then round notes above it (¥10, ¥20, ¥50, ¥100 steps). */
export function cashSuggestions(dueMinor: number): number[] {
  if (dueMinor <= 0) return [];
  const out = new Set<number>([dueMinor]);
  for (const step of [1000, 2000, 5000, 10_000]) out.add(Math.ceil(dueMinor / step) * step);
  return [...out].sort((a, b) => a - b).slice(0, 4);
}

/** Change for a cash tender; negative means not enough handed over. */
export const changeDue = (amountMinor: number, tenderedMinor: number): number => tenderedMinor - amountMinor;

export type PaymentProblem = 'amount' | 'overDue' | 'short' | 'reference';

/**
 * Why a tender cannot be taken as typed, or null: the hub's own rules (a card needs the terminal's
 * reference, cash handed over covers the amount, whole fen, never more than is due), checked before the
 * payment is queued — refused after the tap, it reads as "failed" to a cashier who already has the money.
 * Without `dueMinor` (the controller, which settles a bill with 0) an amount of 0 passes.
 */
export function paymentProblem(p: { tender: 'cash' | 'card'; amountMinor: number | null; tenderedMinor?: number | null; reference?: string; dueMinor?: number }): PaymentProblem | null {
  const amount = p.amountMinor;
  if (amount === null || !Number.isSafeInteger(amount) || amount < 0) return 'amount';
  if (p.dueMinor !== undefined) {
    if (amount === 0) return 'amount';
    if (amount > p.dueMinor) return 'overDue';
  }
  if (p.tender === 'card') return p.reference?.trim() ? null : 'reference';
  const tendered = p.tenderedMinor;
  if (tendered === undefined || tendered === null) return null;
  return Number.isSafeInteger(tendered) && tendered >= amount ? null : 'short';
}

// ---- tables and orders ----

export const TABLE_STATUSES: readonly TableStatus[] = ['free', 'seated', 'ordered', 'in-kitchen', 'food-ready', 'served', 'bill-requested'];

/**
 * Why a line cannot be voided, or null (the hub decides; this only keeps the tablet from offering what it
 * would refuse): the order done (closed: paid in full, voided, merged), the line already voided, paid by a
 * payment that named it, or its void would leave the bill overpaid (both "refund first").
 */
export function voidBlocked(
  order: Pick<Order, 'lines' | 'payments' | 'refunds' | 'subtotalMinor' | 'discountMinor' | 'discountGrantedMinor' | 'paidMinor'> & Partial<Pick<Order, 'status'>>,
  lineId: string,
): 'closed' | 'missing' | 'voided' | 'paid' | 'overpaid' | null {
  // closed (paid in full, also by a payment on its way: withQueued), voided or merged: the hub's requireOpen()
  if (!isOpenBill(order)) return 'closed';
  const line = order.lines.find((l) => l.id === lineId);
  if (!line) return 'missing';
  if (line.status === 'voided') return 'voided';
  if ((lineBalances(order).get(lineId)?.paidMinor ?? 0) > 0) return 'paid';
  // the hub's voidLine(): refused when what is paid is more than the bill without the line. `paidMinor` is
  // the hub's figure, payments less refunds: a refund makes room for the void
  return order.paidMinor > billTotalMinor({ ...order, subtotalMinor: order.subtotalMinor - line.lineTotalMinor }) ? 'overpaid' : null;
}

/**
 * The bill's total for a subtotal: the manager's granted discount applies up to the subtotal (an order
 * stored before the grant was kept apart has only `discountMinor`, what applied).
 *
 * A COPY of the arithmetic in `settle()` (hub/domain/order.ts: `discountMinor = min(grantedDiscount(order),
 * subtotalMinor)`, `totalMinor = subtotalMinor - discountMinor`) and MUST MATCH it: the hub keeps it in
 * order.ts, whose imports (zod schemas at run time) the tablet's bundle does not take, and hub/domain/bill.ts
 * (pure, imported here) has no total. `pos-void-parity.test.ts` pins the two to the same answers with the
 * hub's own `settle` and `voidLine`; once bill.ts exports the bill's totals, import them and drop this.
 */
export function billTotalMinor(o: Pick<Order, 'subtotalMinor' | 'discountMinor' | 'discountGrantedMinor'>): number {
  return o.subtotalMinor - Math.min(o.discountGrantedMinor ?? o.discountMinor, o.subtotalMinor);
}

/** Held lines by course (to fire them), lowest course first. */
export function heldCourses(order: Pick<Order, 'lines'>): number[] {
  return [...new Set(order.lines.filter((l) => l.status === 'held').map((l) => l.course))].sort((a, b) => a - b);
}

export const guestChoices = (seats: number): number[] => Array.from({ length: Math.max(8, seats + 2) }, (_, i) => i + 1);

/** Seats the item sheet offers by the guest count alone (a chip each; a count not known yet: 4). */
const SEATS_BY_GUESTS = 12;
/** The hub's highest seat on a line it is sent (addLinesSchema). */
const MAX_SEAT = 99;

/**
 * The seats a dish can be put on: one per guest (up to 12), and every seat the order's lines (and the cart's)
 * use. A merge numbers the joining table's seats on after the target's highest (hub/domain/order.ts
 * joiningLines): a 4-top merged into a table whose guests sat at seats 5 and 6 is seats 7–10, more than
 * its guest count; offered only seats by the count, those guests' next dishes could not go on their seat.
 */
export function seatChoices(guestCount: number | null, lines: readonly { seat?: number | null | undefined }[]): number[] {
  const used = lines.reduce((max, l) => Math.max(max, l.seat ?? 0), 0);
  const n = Math.min(MAX_SEAT, Math.max(Math.min(SEATS_BY_GUESTS, Math.max(guestCount ?? 4, 1)), used));
  return Array.from({ length: n }, (_, i) => i + 1);
}

// ---- today's bills ----
// The hub lists one business day's orders (`GET /api/v1/orders?businessDate=`, listOrdersQuerySchema) newest
// first, a page at a time (`before`: the last order of the page before), finds the day's order of a number
// (`number`), and names the business day it is now in every answer (`businessDate`: the store's time zone and
// 04:00 day start, which the tablet does not know).

/** A page of today's bills: a lunch's orders, a few hundred kB at most on the tablet's Wi-Fi. */
export const BILLS_PAGE = 50;
/** The hub answers at most 500 orders a list (listOrdersQuerySchema's `limit`). */
export const BILLS_MAX = 500;

/** The hub's list of one business day's orders, narrowed to a table or an order number, or the page after an order. */
export function billsPath(date: string, o: { limit: number; before?: string | null; tableId?: string; number?: number }): string {
  const q = new URLSearchParams({ businessDate: date });
  if (o.tableId !== undefined) q.set('tableId', o.tableId);
  if (o.number !== undefined) q.set('number', String(o.number));
  if (o.before) q.set('before', o.before);
  q.set('limit', String(o.limit));
  return `/api/v1/orders?${q}`;
}

/**
 * How many orders a refresh asks for: as many as the pages loaded held (a page at least), so what was
 * paged through stays listed, up to the hub's 500 (past those, "more" pages on again).
 */
export const refreshLimit = (paged: number): number => Math.min(Math.max(BILLS_PAGE, paged), BILLS_MAX);

/**
 * The list with orders the hub answered added (a search's, the next page's): one copy of each, the newer
 * revision, newest first as the hub lists them.
 */
export function mergeBills(listed: readonly Order[], found: readonly Order[]): Order[] {
  const byId = new Map(listed.map((o) => [o.id, o]));
  for (const o of found) {
    const known = byId.get(o.id);
    if (!known || known.revision <= o.revision) byId.set(o.id, o);
  }
  return [...byId.values()].sort((a, b) => b.createdAt - a.createdAt);
}

const searchText = (q: string): string => q.trim().toLowerCase().replace(/^(#|单号|no\.?)\s*/, '').replace(/\s+/g, '');

/**
 * The bills a search finds: by order number (`12`, `#12`, `单号12`: that number exactly) or by table (its name,
 * or the start of it: `a1` finds A1 and A12). Empty: all of them.
 */
export function searchBills(orders: readonly Order[], query: string, tableName: (tableId: string | null) => string | undefined): Order[] {
  const q = searchText(query);
  if (!q) return [...orders];
  const n = /^\d+$/.test(q) ? Number(q) : null;
  return orders.filter((o) => o.number === n || (tableName(o.tableId)?.toLowerCase().replace(/\s+/g, '').startsWith(q) ?? false));
}

/** The order number a search names (`12`, `#12`, `单号12`; the hub finds it beyond the pages loaded), or null. */
export function searchedNumber(query: string): number | null {
  const q = searchText(query);
  return /^\d{1,6}$/.test(q) && Number(q) > 0 ? Number(q) : null;
}

/** The table a search names exactly (the hub can list its orders by itself, beyond the page loaded). */
export function tableNamed<T extends { id: string; name: string }>(query: string, tables: readonly T[]): T | null {
  const q = searchText(query);
  return q ? (tables.find((t) => t.name.toLowerCase().replace(/\s+/g, '') === q) ?? null) : null;
}

// ---- splitting the bill ----
// The hub checks every split payment with the same functions (hub/domain/bill.ts: pure, no imports at run
// time), so what the tablet offers is exactly what the hub accepts.

export { evenShares, seatsOf } from '../../hub/domain/bill.ts';

/**
 * What is paid and still open on each live line: what the payments that named it took, less what refunds
 * gave back of it, against what the line comes to on the bill (its total less its part of the discount). A
 * refunded line is open again — payable by item, voidable. The hub's own function: the hub refuses a payment
 * by item whose amount is not what these say.
 */
export { lineAmounts, lineBalances } from '../../hub/domain/bill.ts';

type LineBalances = Map<string, { paidMinor: number; openMinor: number }>;

/**
 * What the chosen lines still have open, capped at what is due (a payment on the whole bill can make it
 * smaller), as the hub computes a payment by item. `balances`: the lines' balances to go by (default the
 * order's own; the bill counts the payments on their way, `billAfterQueued`).
 */
export function linesAmount(order: Pick<Order, 'lines' | 'payments' | 'refunds' | 'discountMinor'>, lineIds: readonly string[], dueMinor: number, balances: LineBalances = lineBalances(order)): number {
  const open = [...new Set(lineIds)].reduce((sum, id) => sum + (balances.get(id)?.openMinor ?? 0), 0);
  return Math.min(open, dueMinor);
}

/** The lines of one seat that still have something open. */
export function seatLineIds(order: Pick<Order, 'lines' | 'payments' | 'refunds' | 'discountMinor'>, seat: number, balances: LineBalances = lineBalances(order)): string[] {
  return order.lines.filter((l) => l.seat === seat && (balances.get(l.id)?.openMinor ?? 0) > 0).map((l) => l.id);
}

/** A payment queued on this tablet that the hub has not answered yet, as the bill counts it. */
export interface QueuedPayment {
  kind: 'payment';
  /** The payment id made here (the hub keeps it). */
  id?: string | undefined;
  amountMinor: number;
  lineIds?: readonly string[] | undefined;
}

/** A line voided on this tablet, the void not answered yet. */
export interface QueuedVoid {
  kind: 'void';
  lineId: string;
}

/** A refund queued on this tablet and not answered yet: what it gives back, and of which lines. */
export interface QueuedRefund extends RefundLike {
  kind: 'refund';
}

/** A change on its way from this tablet that moves the bill's money: the hub stores them in queue order. */
export type QueuedChange = QueuedPayment | QueuedVoid | QueuedRefund;

type QueuedBill = Pick<Order, 'lines' | 'payments' | 'refunds' | 'subtotalMinor' | 'discountMinor' | 'discountGrantedMinor' | 'totalMinor' | 'dueMinor' | 'paidMinor'> & Partial<Pick<Order, 'status'>>;

const DONE: readonly Order['status'][] = ['closed', 'voided', 'merged'];
/** Whether the hub still takes payments and voids on the order (no status: an open bill, as tests build it). */
export const isOpenBill = (o: Partial<Pick<Order, 'status'>>): boolean => o.status === undefined || !DONE.includes(o.status);

/**
 * Whether the hub closes the order once a payment or a void is stored: paid in full (a payment not wholly
 * refunded, or one of 0, stands), with food, none of it held, nothing due.
 *
 * A COPY of the closing rule in `settle()` (hub/domain/order.ts: `hasStandingPayment(next) && nothingLeft(next)`)
 * and MUST MATCH it, for the same reason as `billTotalMinor`; `pos-queue-parity.test.ts` pins the two (random
 * bills paid, voided and refunded through the hub's own rules). A closed order takes refunds (and stays
 * closed) but no payment and no void (409 order_closed).
 */
export function closesBill(o: Pick<Order, 'lines' | 'payments' | 'refunds' | 'dueMinor'>): boolean {
  const refunds = o.refunds ?? [];
  const standing = o.payments.some((p) => p.amountMinor === 0 || refunds.filter((r) => r.paymentId === p.id).reduce((sum, r) => sum + r.amountMinor, 0) < p.amountMinor);
  const live = o.lines.filter((l) => l.status !== 'voided');
  return standing && o.dueMinor === 0 && live.length > 0 && !live.some((l) => l.status === 'held');
}

/**
 * The order once the changes on their way from this tablet are stored, as the hub will store them: one at a
 * time in queue order (the outbox sends them so), each followed by the hub's `settle()` arithmetic (what is
 * paid is payments less refunds; what is due, the total less that, never below 0).
 * - A payment by item or seat is allocated to its lines with the hub's own `allocate`, and added to what is
 *   paid: the next even share is of what will be left, a seat paid while the hub is out of reach is not
 *   offered (and charged) again, nor its dish for voiding.
 * - A void takes the line off the subtotal (and the discount applied, capped at the subtotal, with it): the
 *   hub stores it before any payment queued after it, and refuses a share of the bill as it was.
 * - A refund is taken off what is paid, and what it gave back of a line opens the line again.
 * - A payment or a void that leaves nothing due closes the order (`closesBill`, settle()'s rule): the hub
 *   refuses the payments and voids queued after it (order_closed), and takes the refunds — a refund of the
 *   cash after the card paid the rest leaves money "due" on a closed bill that nobody can pay.
 *
 * A change the hub's order already shows counts once: a payment or refund it lists (by the id made here), a
 * line it shows voided. The hub stored it and its answer was lost, or the stream brought the order first;
 * the retry gets the stored answer, not a second change. Counted twice, "share 2 of 3" was half of what was
 * left after taking share 1 off twice.
 */
export function withQueued<O extends QueuedBill>(order: O, queued: readonly QueuedChange[]): O {
  const knownPayments = new Set(order.payments.map((p) => p.id));
  const knownRefunds = new Set((order.refunds ?? []).map((r) => r.id));
  let next = order;
  // the hub's settle(), on the fields a change here moves (totalMinor via billTotalMinor, as voidBlocked)
  const settled = (o: O, paidMinor: number): O => {
    const totalMinor = billTotalMinor(o);
    return { ...o, discountMinor: o.subtotalMinor - totalMinor, totalMinor, paidMinor, dueMinor: Math.max(0, totalMinor - paidMinor) };
  };
  // a payment or a void that leaves the bill paid in full closes it, as the hub's settle() does (a refund never
  // closes an open order, nor opens a closed one: hub/domain/order.ts refund())
  const closing = (o: O): O => (isOpenBill(o) && closesBill(o) ? { ...o, status: 'closed' } : o);
  queued.forEach((c, i) => {
    // closed (paid in full by a change before this one): the hub refuses a payment or a void, takes a refund
    if (c.kind !== 'refund' && !isOpenBill(next)) return;
    if (c.kind === 'void') {
      const line = next.lines.find((l) => l.id === c.lineId);
      if (!line || line.status === 'voided') return;
      const lines = next.lines.map((l) => (l.id === c.lineId ? { ...l, status: 'voided' as const } : l));
      next = closing(settled({ ...next, lines, subtotalMinor: next.subtotalMinor - line.lineTotalMinor }, next.paidMinor));
      return;
    }
    if (c.kind === 'refund') {
      if (c.id !== undefined && knownRefunds.has(c.id)) return;
      const refund: NonNullable<Order['refunds']>[number] = {
        id: c.id ?? `queued-${i}`,
        paymentId: c.paymentId,
        amountMinor: c.amountMinor,
        lines: [...c.lines],
        reference: null,
        reason: '',
        createdAt: 0,
        staffId: null,
      };
      next = settled({ ...next, refunds: [...(next.refunds ?? []), refund] }, next.paidMinor - c.amountMinor);
      return;
    }
    if (c.id !== undefined && knownPayments.has(c.id)) return;
    const balances = lineBalances(next);
    const open = [...new Set(c.lineIds ?? [])].flatMap((lineId) => {
      const openMinor = balances.get(lineId)?.openMinor ?? 0;
      return openMinor > 0 ? [{ lineId, openMinor }] : [];
    });
    const payment: Order['payments'][number] = {
      id: c.id ?? `queued-${i}`,
      tender: 'cash',
      amountMinor: c.amountMinor,
      lines: allocate(c.amountMinor, open),
      tenderedMinor: null,
      changeMinor: 0,
      reference: null,
      createdAt: 0,
      staffId: null,
    };
    next = closing(settled({ ...next, payments: [...next.payments, payment] }, next.paidMinor + c.amountMinor));
  });
  return next;
}

/**
 * What is due and each live line's balance once the changes on their way are stored (`withQueued`). A bill
 * they leave closed (paid in full) has nothing to pay, even with a refund queued after: the hub takes the
 * refund and refuses any payment (order_closed).
 */
export function billAfterQueued(order: QueuedBill, queued: readonly QueuedChange[]): { dueMinor: number; balances: LineBalances } {
  const after = withQueued(order, queued);
  return { dueMinor: isOpenBill(after) ? after.dueMinor : 0, balances: lineBalances(after) };
}

/**
 * Why the hub would refuse a payment on `bill` (the bill after the payments before it), or null: the amount
 * of a split must be what the hub will compute (the chosen lines' open amount capped at what is due, or the
 * next even share), a line already paid cannot be paid again, and no payment is more than is due. A payment
 * of 0 (settling a bill with nothing due) is the hub's to judge, unless no dish is left once the voids on
 * their way are stored.
 */
export function splitProblem(
  order: Pick<Order, 'lines' | 'payments' | 'refunds' | 'discountMinor'>,
  bill: { dueMinor: number; balances: LineBalances },
  p: { amountMinor: number; split?: { lineIds: readonly string[] } | { ways: number } | undefined },
): 'overDue' | 'paidLine' | 'amount' | null {
  // 0 settles a bill with nothing due, and an order with no dish is not settled (the hub: void it instead):
  // one whose dishes are all voided on their way from here has no live line left
  if (p.amountMinor === 0) return bill.balances.size === 0 ? 'amount' : null;
  const lineIds = p.split && 'lineIds' in p.split ? p.split.lineIds : null;
  if (lineIds && (lineIds.length === 0 || lineIds.some((id) => (bill.balances.get(id)?.openMinor ?? 0) === 0))) return 'paidLine';
  if (p.amountMinor > bill.dueMinor) return 'overDue';
  if (!p.split) return null;
  if ('ways' in p.split) return p.amountMinor === nextShare(bill.dueMinor, p.split.ways) ? null : 'amount';
  return p.amountMinor === linesAmount(order, lineIds ?? [], bill.dueMinor, bill.balances) ? null : 'amount';
}

/**
 * The even split a cashier is paying on this tablet, read back from the payments queued here (this order's,
 * oldest first, refused ones left out): each share carries the ways still left (`ways`), so the latest run
 * 3, 2, … is one split. Kept in the bill screen alone, it restarted whenever the cashier stepped back to
 * the order: "share 1 of 2" of what was left, after one of three guests had paid. Null: no split going on.
 *
 * A refund ends the split: one queued here after a share (`{ refund: true }`, in queue order), or one of the
 * run's shares refunded anywhere (`refunded`). The shares were of what was due; a refund makes more due, and
 * "share 2 of 3" of the new amount would charge the guests who paid for the money given back.
 */
export function evenSplitProgress(payments: readonly ({ ways?: number | undefined; refunded?: boolean } | { refund: true })[]): { ways: number; taken: number } | null {
  let run: { ways: number; refunded: boolean }[] = [];
  for (const p of payments) {
    if ('refund' in p || p.ways === undefined) run = [];
    else if (run.length > 0 && p.ways === run[run.length - 1]!.ways - 1) run.push({ ways: p.ways, refunded: p.refunded === true });
    else run = [{ ways: p.ways, refunded: p.refunded === true }];
  }
  const ways = run[0]?.ways;
  if (ways === undefined || run.some((p) => p.refunded)) return null;
  return run.length < ways ? { ways, taken: run.length } : null;
}

/** The next even share of what is due, with `waysLeft` shares still to pay (this one included). */
export const nextShare = (dueMinor: number, waysLeft: number): number => evenShares(dueMinor, Math.max(1, waysLeft))[0] ?? 0;

// ---- refunds ----
// The hub's rules (refundInputSchema in hub/protocol/orders.ts): a refund gives back money of one payment,
// never more than it took less its refunds; a payment that covered lines is refunded by line, for exactly
// what it still covers on them (or all it still holds); a card refund carries the terminal's reference.

/** A refund as the tablet counts it: the hub's, or one queued here and not answered yet. */
export interface RefundLike {
  id?: string;
  paymentId: string;
  amountMinor: number;
  lines: readonly { lineId: string; amountMinor: number }[];
}

/**
 * What one payment still holds — in all, and on each line it covered (only lines with something left) —
 * after the hub's refunds and those on their way from this tablet (`pending`; one the hub already lists,
 * by id, is not counted twice). Null: no such payment.
 */
export function refundLeft(order: Pick<Order, 'payments' | 'refunds'>, paymentId: string, pending: readonly RefundLike[] = []): { leftMinor: number; lines: Map<string, number> } | null {
  const payment = order.payments.find((p) => p.id === paymentId);
  if (!payment) return null;
  const known = new Set((order.refunds ?? []).map((r) => r.id));
  const refunds = [...(order.refunds ?? []), ...pending.filter((r) => r.id === undefined || !known.has(r.id))].filter((r) => r.paymentId === paymentId);
  const lines = new Map<string, number>();
  for (const l of payment.lines) lines.set(l.lineId, (lines.get(l.lineId) ?? 0) + l.amountMinor);
  for (const r of refunds) for (const l of r.lines) lines.set(l.lineId, (lines.get(l.lineId) ?? 0) - l.amountMinor);
  for (const [id, left] of lines) if (left <= 0) lines.delete(id);
  const leftMinor = Math.max(0, payment.amountMinor - refunds.reduce((sum, r) => sum + r.amountMinor, 0));
  return { leftMinor, lines };
}

/** A by-line refund's amount: what the payment still covers on the chosen lines (0 for lines it never covered). */
export function refundLinesAmount(order: Pick<Order, 'payments' | 'refunds'>, paymentId: string, lineIds: readonly string[], pending: readonly RefundLike[] = []): number {
  const left = refundLeft(order, paymentId, pending);
  return left ? [...new Set(lineIds)].reduce((sum, id) => sum + (left.lines.get(id) ?? 0), 0) : 0;
}

export type RefundProblem = 'payment' | 'amount' | 'over' | 'lines' | 'reason' | 'reference';

/**
 * Why a refund cannot be queued as typed, or null: the hub's rules, checked before the refund is queued —
 * refused after the tap, it reads as failed to a cashier who has already handed the money back.
 */
export function refundProblem(
  order: Pick<Order, 'payments' | 'refunds'>,
  r: { paymentId: string; amountMinor: number | null; reason: string; reference?: string | undefined; lineIds?: readonly string[] | undefined },
  pending: readonly RefundLike[] = [],
): RefundProblem | null {
  const payment = order.payments.find((p) => p.id === r.paymentId);
  const left = refundLeft(order, r.paymentId, pending);
  if (!payment || !left) return 'payment';
  const amount = r.amountMinor;
  if (amount === null || !Number.isSafeInteger(amount) || amount <= 0) return 'amount';
  if (amount > left.leftMinor) return 'over';
  if (payment.lines.length === 0) {
    if (r.lineIds !== undefined) return 'lines';
  } else if (r.lineIds !== undefined) {
    if (r.lineIds.length === 0 || r.lineIds.some((id) => !left.lines.has(id))) return 'lines';
    if (amount !== refundLinesAmount(order, r.paymentId, r.lineIds, pending)) return 'amount';
  } else if (amount !== left.leftMinor) return 'amount';
  if (!r.reason.trim()) return 'reason';
  if (payment.tender === 'card' && !r.reference?.trim()) return 'reference';
  return null;
}

// ---- what a refusal means to the waiter ----

/**
 * The dishes a refusal of a batch names (the hub's `details`): sold out (`items[].itemId`), not available or
 * not orderable as chosen (`itemId`). Empty when the refusal was about the order, not a dish (closed, not
 * found), so the batch goes back unmarked.
 */
export function refusedItemIds(code: string | undefined, details: unknown): string[] {
  if (code !== 'sold_out' && code !== 'item_unavailable' && code !== 'invalid_order') return [];
  const d = details as { itemId?: unknown; items?: unknown } | null | undefined;
  if (!d || typeof d !== 'object') return [];
  const ids = Array.isArray(d.items) ? d.items.map((i: { itemId?: unknown } | null) => i?.itemId) : [d.itemId];
  return ids.filter((x): x is string => typeof x === 'string');
}

export type RejectionKey =
  | 'reject.soldOut'
  | 'reject.unavailable'
  | 'reject.closed'
  | 'reject.billChanged'
  | 'reject.paidLine'
  | 'reject.forbidden'
  | 'reject.notFound'
  | 'reject.tableBusy'
  | 'reject.changed'
  | 'reject.nothingToMove'
  | 'reject.noReceiptPrinter'
  | 'reject.printer'
  | 'reject.invalid'
  | 'reject.overRefund'
  | 'reject.refundMismatch'
  | 'reject.refundManager'
  | 'reject.receiptVoided'
  | 'reject.floatSuperseded'
  | 'reject.other';

/**
 * The message for a change the hub refused, from its stable error code and what the change was. The hub's
 * own `message` is English for developers ("amount 5000 exceeds the 3000 due"): staff are told what happened
 * in their language, never a code.
 */
export function rejectionKey(kind: string, code: string | undefined): RejectionKey {
  if (kind === 'refund') {
    // the hub's refund rules (refundInputSchema): more than the payment holds; an amount or lines that do not
    // match it, or a card refund without the terminal's reference; managers only
    if (code === 'overpayment') return 'reject.overRefund';
    if (code === 'invalid_order') return 'reject.refundMismatch';
    if (code === 'forbidden') return 'reject.refundManager';
  }
  // the hub's only closed order without a bill: every dish voided (a paid or closed order still prints its bill)
  if (kind === 'receipt' && code === 'order_closed') return 'reject.receiptVoided';
  switch (code) {
    case 'sold_out':
      return 'reject.soldOut';
    case 'item_unavailable':
      return 'reject.unavailable';
    case 'order_closed':
      return 'reject.closed';
    case 'overpayment':
    case 'invalid_order':
      return kind === 'payment' ? 'reject.billChanged' : 'reject.invalid';
    case 'order_has_payments':
      return 'reject.paidLine';
    case 'forbidden':
      return 'reject.forbidden';
    case 'not_found':
      return 'reject.notFound';
    case 'conflict':
      return kind === 'transfer' || kind === 'moveTable' ? 'reject.tableBusy' : 'reject.changed';
    case 'invalid_transition':
      // a table move: the party is gone from that table (moved or paid on another device)
      return kind === 'moveTable' ? 'reject.nothingToMove' : 'reject.changed';
    case 'no_receipt_printer':
      return 'reject.noReceiptPrinter';
    case 'printer_unreachable':
      return 'reject.printer';
    case 'float_superseded':
      return 'reject.floatSuperseded';
    case 'validation_failed':
    case 'bad_request':
    case 'malformed_json':
      return 'reject.invalid';
    default:
      return 'reject.other';
  }
}
