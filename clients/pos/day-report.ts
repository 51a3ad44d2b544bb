import type { Role } from '../../hub/protocol/common.ts';
import type { DayReport } from '../../hub/protocol/reports.ts';
import { Store } from '../shared/store.ts';

/** The day's takings are the cashier's and the manager's (the hub refuses a waiter: 403). */
export const readsTakings = (role: Role | null | undefined): boolean => role === 'cashier' || role === 'manager';

export interface DayReportState {
  /** The hub's report of `date`, as last loaded; null until one came. */
  report: DayReport | null;
  loading: boolean;
  /** The last load got no answer: what is shown is from `report.asOf`. */
  failed: boolean;
}

/**
 * The day's takings shown above today's bills (`GET /api/v1/reports/day`), loaded with the list, for the day
 * the list is of. Only the latest request's answer is shown; no answer keeps what was shown, said as such.
 */
export class DayReportFeed {
  readonly state = new Store<DayReportState>({ report: null, loading: false, failed: false });
  private asked = 0;

  constructor(private readonly fetchDay: (date: string) => Promise<DayReport>) {}

  async load(date: string): Promise<void> {
    const asked = ++this.asked;
    const now = this.state.get();
    // another day's report is not shown as this one's while it loads
    this.state.set({ report: now.report?.businessDate === date ? now.report : null, loading: true, failed: false });
    try {
      const report = await this.fetchDay(date);
      if (asked === this.asked) this.state.set({ report, loading: false, failed: false });
    } catch {
      if (asked === this.asked) this.state.set({ ...this.state.get(), loading: false, failed: true });
    }
  }

  /** Signed out, or a waiter now: nothing of the takings stays on screen. */
  clear(): void {
    this.asked++;
    this.state.set({ report: null, loading: false, failed: false });
  }
}

/** The drawer is not ready to close: an order of the day still has money due on it. */
export const hasMoneyDue = (r: Pick<DayReport, 'openOrders'>): boolean => r.openOrders.dueMinor > 0;
