import { businessDate } from '../../hub/domain/business-date.ts';
import type { Role } from '../../hub/protocol/common.ts';
import type { PrintJob } from '../../hub/protocol/printing.ts';
import type { DayCardCharge, DayReport } from '../../hub/protocol/reports.ts';
import { HubError } from '../shared/hub-client.ts';
import { entryView, type OutboxError, type OutboxState } from '../shared/outbox.ts';
import { Store } from '../shared/store.ts';
import type { PosSubmission } from './pos-app.ts';
import { parseMoney } from './pos-logic.ts';

/** The day's takings are the cashier's and the manager's (the hub refuses a waiter: 403). */
export const readsTakings = (role: Role | null | undefined): boolean => role === 'cashier' || role === 'manager';

/**
 * The Print button's last press (`POST /api/v1/reports/day/print`): on its way, queued on the receipt printer
 * (the printer-alert strip tells if it then waits for paper), or not queued and why. `unknown`: no answer,
 * the hub may have queued it — the cashier looks at the printer before pressing again.
 */
export type DayPrintState =
  | { status: 'idle' }
  | { status: 'sending'; date: string }
  | { status: 'queued'; date: string; jobId: number; at: number }
  | { status: 'no_printer' | 'unknown' | 'refused' | 'storage_full'; date: string; message?: string };

export interface DayReportState {
  /** The hub's report of `date`, as last loaded; null until one came. */
  report: DayReport | null;
  loading: boolean;
  /** The last load got no answer: what is shown is from `report.asOf`. */
  failed: boolean;
  /** What became of the last Print of the shown day; absent: not pressed. */
  print?: DayPrintState;
  /** The float being typed for `date` (the form open); absent: closed. */
  floatDraft?: { date: string; text: string };
}

/** What printing a day answers: the job queued and the figures on the paper. */
export interface DayPrinted {
  job: PrintJob;
  report: DayReport;
}

/**
 * The day's takings shown above today's bills (`GET /api/v1/reports/day`), loaded with the list, for the day
 * the list is of. Only the latest request's answer is shown; no answer keeps what was shown, said as such.
 */
export class DayReportFeed {
  readonly state = new Store<DayReportState>({ report: null, loading: false, failed: false });
  private asked = 0;

  constructor(
    private readonly fetchDay: (date: string) => Promise<DayReport>,
    /** Sends the print with one Idempotency-Key, retried with it while the answer is unknown (`HubClient.mutate`). */
    private readonly printDay?: (date: string) => Promise<DayPrinted>,
  ) {}

  async load(date: string): Promise<void> {
    const asked = ++this.asked;
    const now = this.state.get();
    // another day's report is not shown as this one's while it loads (nor what its Print came to)
    const sameDay = now.report?.businessDate === date;
    this.state.set({
      report: sameDay ? now.report : null,
      loading: true,
      failed: false,
      ...(sameDay && now.print ? { print: now.print } : {}),
      // a float half typed stays while the figures refresh under it
      ...(now.floatDraft?.date === date ? { floatDraft: now.floatDraft } : {}),
    });
    try {
      const report = await this.fetchDay(date);
      if (asked === this.asked) this.state.set({ ...this.state.get(), report, loading: false, failed: false });
    } catch {
      if (asked === this.asked) this.state.set({ ...this.state.get(), loading: false, failed: true });
    }
  }

  /**
   * Prints the day's takings on the receipt printer, as the hub has them when it takes the request. Not
   * through the outbox: a Z report queued offline would print figures of whenever the tablet got back, so the
   * button is off while the hub is out of reach (bills.tsx), and a press without an answer says so.
   */
  async print(date: string): Promise<void> {
    const printing = this.state.get().print;
    if (!this.printDay || (printing?.status === 'sending' && printing.date === date)) return;
    this.setPrint({ status: 'sending', date });
    try {
      const { job, report } = await this.printDay(date);
      const now = this.state.get();
      // the figures on the paper are the newest the hub has: shown as such
      this.state.set({ ...now, ...(now.report === null || now.report.businessDate === report.businessDate ? { report, failed: false } : {}) });
      this.setPrint({ status: 'queued', date, jobId: job.id, at: report.asOf });
    } catch (err) {
      if (err instanceof HubError && err.code === 'no_receipt_printer') this.setPrint({ status: 'no_printer', date });
      // the hub answered that it saved nothing (no print job): not "may have printed, check the printer"
      else if (err instanceof HubError && err.status === 507) this.setPrint({ status: 'storage_full', date });
      else if (err instanceof HubError && err.status < 500) this.setPrint({ status: 'refused', date, message: err.message });
      else this.setPrint({ status: 'unknown', date });
    }
  }

  private setPrint(print: DayPrintState): void {
    this.state.set({ ...this.state.get(), print });
  }

  /** The float form of `date`, with what is typed in it; null closes it. Kept here so the view stays hook-free. */
  editFloat(date: string, text: string | null): void {
    const { floatDraft: _closed, ...rest } = this.state.get();
    this.state.set(text === null ? rest : { ...rest, floatDraft: { date, text } });
  }

  /** Signed out, or a waiter now: nothing of the takings stays on screen. */
  clear(): void {
    this.asked++;
    this.state.set({ report: null, loading: false, failed: false });
  }
}

/** The drawer is not ready to close: an order of the day still has money due on it. */
export const hasMoneyDue = (r: Pick<DayReport, 'openOrders'>): boolean => r.openOrders.dueMinor > 0;

/**
 * The hub's upper bound on an amount (`minorSchema` in hub/protocol/common.ts, pinned by day-report.test.ts):
 * the tablet's bundle does not take the zod schemas at run time.
 */
export const FLOAT_MAX_MINOR = 100_000_000;

export type FloatProblem = 'amount' | 'tooMuch';

/**
 * Why the float typed cannot be recorded, or null, checked before it is queued (a refusal after the tap reads
 * as "failed" once the cashier has moved on): an amount in the currency's minor units, 0 allowed (a drawer
 * opened empty), no more than the hub takes.
 */
export function floatProblem(text: string, currency: string): FloatProblem | null {
  const minor = parseMoney(text, currency);
  if (minor === null) return 'amount';
  return minor > FLOAT_MAX_MINOR ? 'tooMuch' : null;
}

/** A float this tablet queued for a day and the hub has not confirmed: on its way, or refused and why. */
export interface QueuedFloat {
  amountMinor: number;
  state: Exclude<OutboxState, 'confirmed'>;
  error: OutboxError | null;
  /** The float it named as the one it replaces (null: none; entries queued before floats had ids: null). */
  replaces: string | null;
  /**
   * The floats this tablet's floats of the day refused as superseded named: none of them is the day's float
   * now (ids are never recorded twice), so a summary still showing one was read before the refusal.
   */
  named: readonly string[];
  /** The hub answers it 507 (its disk full): kept here and resent, but waiting for room, not for the hub. */
  diskFull?: true;
}

/** The hub refused a float because another one was recorded for the day, which this one did not name. */
export const isSuperseded = (q: { state: OutboxState; error: OutboxError | null }): boolean => q.state === 'rejected' && q.error?.code === 'float_superseded';

type FloatAction = Extract<PosSubmission['meta']['action'], { kind: 'float' }>;
const floatOf = (e: PosSubmission, date: string): FloatAction | null => {
  const a = e.meta.action;
  return a.kind === 'float' && a.businessDate === date ? a : null;
};

/**
 * The latest float queued here for `date`, unless the hub confirmed it (the report, loaded again, then has
 * it). An earlier one still on its way is behind the latest in the outbox: the latest is what the day gets.
 */
export function queuedFloat(submissions: readonly PosSubmission[], date: string): QueuedFloat | null {
  let latest: PosSubmission | null = null;
  for (const e of submissions) if (floatOf(e, date) && (latest === null || e.seq > latest.seq)) latest = e;
  const a = latest && floatOf(latest, date);
  if (latest === null || latest.state === 'confirmed' || !a) return null;
  const named = refusedFloats(submissions, date).flatMap((e) => (isSuperseded(e) ? (floatOf(e, date)?.replaces ?? []) : []));
  return { amountMinor: a.amountMinor, state: latest.state, error: latest.error, replaces: a.replaces ?? null, named, ...(entryView(latest) === 'storage' ? { diskFull: true as const } : {}) };
}

/** What `POST /api/v1/reports/day/float` is sent with: the float, its id, and the float it replaces. */
export interface FloatRequest {
  businessDate: string;
  amountMinor: number;
  id: string;
  replaces: string | null;
}

/**
 * A float to queue for `date`, naming the one it replaces: the latest float queued here for the day and not
 * answered yet (the hub will have it first, or refuse it, and then this one too: never a float no one saw
 * replaced), else the newest float of the day this tablet knows the hub has: the summary's
 * (`report.floatId`, null: none), or one the hub took from this tablet after it (its answer in the outbox)
 * while the summary has not been read again — the read after it may have got no answer, and a correction
 * naming the float the summary still shows would be refused for the tablet's own float.
 */
export function floatRequest(
  submissions: readonly PosSubmission[],
  report: Pick<DayReport, 'businessDate' | 'floatId' | 'floatSetAt'> | null,
  date: string,
  amountMinor: number,
  id: string,
): FloatRequest {
  let pending: FloatAction | null = null;
  let seq = -1;
  let known = report?.businessDate === date && report.floatId !== null ? { id: report.floatId, setAt: report.floatSetAt ?? -Infinity } : null;
  for (const e of submissions) {
    const a = floatOf(e, date);
    if (a && e.state !== 'confirmed' && e.state !== 'rejected' && e.seq > seq) [pending, seq] = [a, e.seq];
    const took = a && e.state === 'confirmed' ? tookFloat(e.result) : null;
    // both times are the hub's
    if (took && (known === null || took.setAt > known.setAt)) known = took;
  }
  const replaces = pending ? (pending.id ?? null) : (known?.id ?? null);
  return { businessDate: date, amountMinor, id, replaces };
}

/** The float in the hub's answer to a float (`{ float }`), when it has one. */
function tookFloat(result: unknown): { id: string; setAt: number } | null {
  const f = (result as { float?: { id?: unknown; setAt?: unknown } } | null)?.float;
  return typeof f?.id === 'string' && typeof f.setAt === 'number' ? { id: f.id, setAt: f.setAt } : null;
}

/** This tablet's floats of `date` the hub refused: put away once the cashier has chosen (kept the other, or replaced it). */
export const refusedFloats = (submissions: readonly PosSubmission[], date: string): PosSubmission[] =>
  submissions.filter((e) => floatOf(e, date) !== null && e.state === 'rejected');

/**
 * The float recorded for the day that a refused one of this tablet's was up against, as the summary shows it
 * — once the summary has read the day again (it still shows the float the refused one named, or one an
 * earlier refused one named — two queued offline, the second naming the first —, or none: not yet).
 */
export function floatInTheWay(r: Pick<DayReport, 'floatId' | 'floatMinor' | 'floatSetAt' | 'floatSetBy'>, queued: QueuedFloat): { amountMinor: number; setAt: number; by: string | null } | null {
  if (!isSuperseded(queued) || r.floatId === null || r.floatId === queued.replaces || queued.named.includes(r.floatId) || r.floatMinor === null || r.floatSetAt === null) return null;
  return { amountMinor: r.floatMinor, setAt: r.floatSetAt, by: r.floatSetBy };
}

/**
 * The day shown has ended on the hub's clock (`to`, its 04:00): the tablet still shows last night's summary
 * (left on it overnight, or out of reach of the hub since), so a float typed now is today's, not that day's.
 */
export const dayHasEnded = (r: Pick<DayReport, 'to'>, hubNow: number): boolean => hubNow >= r.to;

/** An open order placed on an earlier business day than the report's: named with its day, as numbers restart every day. */
export const isEarlierDay = (o: { businessDate: string }, r: Pick<DayReport, 'businessDate'>): boolean => o.businessDate !== r.businessDate;

/**
 * The business day of a card charge made before the report's day (an earlier day's, settled during this one),
 * in the hub's zone; null for the day's own. Named with it, as an earlier day's open order is: read a week on,
 * a time alone does not say which night, nor which day's order of that number.
 */
export const earlierChargeDay = (c: Pick<DayCardCharge, 'createdAt'>, r: Pick<DayReport, 'from' | 'timeZone'>): string | null =>
  c.createdAt < r.from ? businessDate(c.createdAt, r.timeZone) : null;
