/** Money and time, the way a Chinese restaurant prints them. Money is always integer minor units (fen). */
import type { Lang } from './i18n.ts';

const SYMBOLS: Record<string, string> = { CNY: '¥', HKD: 'HK$', TWD: 'NT$', USD: '$', EUR: '€', GBP: '£', JPY: '¥' };
const ZERO_DECIMAL = new Set(['JPY', 'KRW', 'TWD']);

/** 1250 → "¥12.50"; −300 → "−¥3.00". Integer arithmetic only: no float rounding on money. */
export function formatMoney(minor: number, currency = 'CNY'): string {
  const sign = minor < 0 ? '−' : '';
  const abs = Math.abs(Math.trunc(minor));
  const symbol = SYMBOLS[currency] ?? `${currency} `;
  if (ZERO_DECIMAL.has(currency)) return `${sign}${symbol}${group(abs)}`;
  return `${sign}${symbol}${group(Math.floor(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
}

/** Digits after the point in the currency's minor units: 2 (fen, cents), 0 where the minor unit is the unit. */
export const minorDigits = (currency = 'CNY'): 0 | 2 => (ZERO_DECIMAL.has(currency) ? 0 : 2);

const group = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

const two = (n: number) => String(n).padStart(2, '0');

/** Wall-clock time, 24-hour: "14:05". In the device's time zone (the hub and its screens share one store). */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** An elapsed time on a ticket: "7:32", "1:02:10"; negative ages (clock skew) show as 0:00. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/** "12 s", "3 min", in the chosen language. */
export function formatDuration(ms: number, lang: Lang): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return lang === 'en' ? `${s} s` : `${s} 秒`;
  const m = Math.floor(s / 60);
  return lang === 'en' ? `${m} min` : `${m} 分钟`;
}
