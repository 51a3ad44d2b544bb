/**
 * The business day an instant belongs to, in the store's time zone. A day runs from 04:00 to 04:00 local,
 * so a late supper at 01:30 still counts towards the evening it belongs to (and keeps its order numbers).
 * Computed on the local wall clock, so daylight-saving changes move nothing.
 */
export const BUSINESS_DAY_STARTS_AT_HOUR = 4;

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(epochMs: number, timeZone: string): { year: number; month: number; day: number; hour: number } {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', hourCycle: 'h23' });
    formatters.set(timeZone, fmt);
  }
  const part = (type: string) => Number(fmt.formatToParts(epochMs).find((p) => p.type === type)?.value);
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour') };
}

// every order asks; the answer can only change on a minute boundary (all zone offsets are whole minutes)
let last = { minute: NaN, timeZone: '', date: '' };

export function businessDate(epochMs: number, timeZone: string): string {
  const minute = Math.floor(epochMs / 60_000);
  if (minute === last.minute && timeZone === last.timeZone) return last.date;
  const { year, month, day, hour } = wallClock(epochMs, timeZone);
  // before 04:00 local the night still belongs to the previous calendar day
  const date = new Date(Date.UTC(year, month - 1, hour < BUSINESS_DAY_STARTS_AT_HOUR ? day - 1 : day)).toISOString().slice(0, 10);
  last = { minute, timeZone, date };
  return date;
}

/** The business day after `date` ('2024-05-01' → '2024-05-02'): calendar arithmetic on the date alone. */
export const dayAfter = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
