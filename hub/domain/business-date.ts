/**
 * The business day an instant belongs to, in the store's time zone. A day runs from 04:00 to 04:00 local,
 * so a late supper at 01:30 still counts towards the evening it belongs to (and keeps its order numbers).
 */
export const BUSINESS_DAY_STARTS_AT_HOUR = 4;

const formatters = new Map<string, Intl.DateTimeFormat>();

export function businessDate(epochMs: number, timeZone: string): string {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, fmt);
  }
  return fmt.format(new Date(epochMs - BUSINESS_DAY_STARTS_AT_HOUR * 3_600_000));
}
