/**
 * The waiter tablet's pure rules: auto-lock delay, menu search (Chinese, English, pinyin initials), what an
 * money input and change due, splitting the bill. No DOM, no hub: unit-tested.
 */
import type { Menu, MenuItem, Order, TableStatus } from '../../hub/protocol/index.ts';
import { evenShares, lineBalances } from '../../hub/domain/bill.ts';

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

/** "88" → 8800, "88.5" → 8850, "88.05" → 8805; null for anything else (no floats on money). */
export function parseMoney(text: string): number | null {
  const m = /^\s*(\d{1,7})(?:[.,](\d{0,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
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

// ---- tables and orders ----

export const TABLE_STATUSES: readonly TableStatus[] = ['free', 'seated', 'ordered', 'in-kitchen', 'food-ready', 'served', 'bill-requested'];

/** Held lines by course (to fire them), lowest course first. */
export function heldCourses(order: Pick<Order, 'lines'>): number[] {
  return [...new Set(order.lines.filter((l) => l.status === 'held').map((l) => l.course))].sort((a, b) => a - b);
}

export const guestChoices = (seats: number): number[] => Array.from({ length: Math.max(8, seats + 2) }, (_, i) => i + 1);

// ---- splitting the bill ----
// The hub checks every split payment with the same functions (hub/domain/bill.ts: pure, no imports at run
// time), so what the tablet offers is exactly what the hub accepts.

export { evenShares, lineBalances, seatsOf } from '../../hub/domain/bill.ts';

/** What the chosen lines still have open, capped at what is due (a discount can make the bill smaller). */
export function linesAmount(order: Pick<Order, 'lines' | 'payments'>, lineIds: readonly string[], dueMinor: number): number {
  const balances = lineBalances(order);
  const open = lineIds.reduce((sum, id) => sum + (balances.get(id)?.openMinor ?? 0), 0);
  return Math.min(open, dueMinor);
}

/** The lines of one seat that still have something open. */
export function seatLineIds(order: Pick<Order, 'lines' | 'payments'>, seat: number): string[] {
  const balances = lineBalances(order);
  return order.lines.filter((l) => l.seat === seat && (balances.get(l.id)?.openMinor ?? 0) > 0).map((l) => l.id);
}

/** The next even share of what is due, with `waysLeft` shares still to pay (this one included). */
export const nextShare = (dueMinor: number, waysLeft: number): number => evenShares(dueMinor, Math.max(1, waysLeft))[0] ?? 0;
