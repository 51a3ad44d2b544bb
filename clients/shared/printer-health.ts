/**
 * Printer health as the KDS and the waiter tablet show it (issue #5): a pure reducer over the printer list
 * the hub reports (`GET /api/v1/printers`, or the thinner `GET /api/v1/health`) and the `printers` topic's
 * events, applied in seq order, plus a small controller that keeps it in a Store.
 *
 * Choices:
 * - A printer is "down" while its state is `offline`, `held` or `failed-over`; `printer.up` clears it.
 * - A ticket the hub gave up on (`print.job_failed`) stays listed until someone dismisses it on this device,
 *   or until an event says that job is no longer failed (a `print.job_state_changed` for the same job, or for
 *   a job that reprints it: `reprintOf`). The hub sends no event when a reprint is confirmed, so a reprint
 *   made elsewhere that never changes state does not clear it: dismiss does, or the next printer list (a reload,
 *   a reconnect), whose `failedJobs` are the hub's word on the tickets still failed. A dismissal is kept on the
 *   device (localStorage, a day): a reload brings back the tickets it missed, not the ones its staff dismissed.
 * - Tickets waiting behind a down printer (`print.job_state_changed` to held / sent / retry-wait / uncertain)
 *   are listed under that printer and cleared when it comes back up or fails over (the hub sends no event
 *   when a held job is finally confirmed).
 * - A ticket for a station no printer prints is not a failure: the hub holds it (no printer, `held`) and
 *   prints it once a printer is given the station, so a reprint would be refused. It is announced with
 *   `print.job_failed` all the same (the alert); here it counts under its station ("no printer prints hot:
 *   3 tickets waiting"), one alert per station, until the hub releases the station's tickets (a
 *   `print.job_state_changed` of a held job, or its `print.job_failed` once it waited too long: then it is
 *   an ordinary failed ticket). A reload starts from the printer list's `stationsWithoutPrinter`.
 */
import type { HubEvent } from '../../hub/protocol/index.ts';
import type { Health } from '../../hub/protocol/health.ts';
import type { PrintJob, PrintJobKind, Printer, PrinterState } from '../../hub/protocol/printing.ts';
import { load as loadSaved, save } from './storage.ts';
import { Store } from './store.ts';

export interface WaitingTicket {
  jobId: number;
  orderNumber: string | null;
}

export interface PrinterView {
  id: string;
  name: string;
  state: PrinterState;
  /** why it is down ('paper-out', 'cover-open', 'connect-refused', …); null when up or unknown */
  reason: string | null;
  since: number | null;
  /** the backup printer its queue moved to */
  failedOverTo: string | null;
  /** stations it prints for; null when the source did not say (the health endpoint does not) */
  stations: readonly string[] | null;
  waiting: readonly WaitingTicket[];
}

export interface FailedTicket {
  jobId: number;
  /** what it was (a kitchen ticket, the customer's receipt, …): the alert names it */
  kind: PrintJobKind;
  orderId: string | null;
  orderNumber: string | null;
  stationId: string | null;
  printerId: string | null;
  error: string;
  at: number;
}

/** A station no printer prints, whose tickets wait on the hub (held, with no printer) until one is given it. */
export interface StationWithoutPrinter {
  stationId: string;
  waiting: number;
  /** the held tickets this screen heard of (a snapshot gives only the count) */
  jobIds: readonly number[];
}

export interface PrinterHealthState {
  printers: readonly PrinterView[];
  failed: readonly FailedTicket[];
  withoutPrinter: readonly StationWithoutPrinter[];
}

/** One printer as a snapshot source reports it. */
export interface PrinterSnapshotEntry {
  id: string;
  name: string;
  state: PrinterState;
  reason?: string | null;
  since?: number | null;
  failedOverTo?: string | null;
  stations?: readonly string[] | null;
}

/** What `GET /api/v1/printers` says of the stations no printer prints. */
export interface StationWaitingEntry {
  stationId: string;
  waiting: number;
}

/**
 * A snapshot as the feed loads it; `failedJobs` and `stationsWithoutPrinter` only from a source that knows them
 * (the printer list).
 */
export interface PrinterSnapshot {
  entries: PrinterSnapshotEntry[];
  failedJobs?: readonly PrintJob[];
  stationsWithoutPrinter?: readonly StationWaitingEntry[];
}

/** `GET /api/v1/printers` as a screen reads it (a hub older than a field leaves it out). */
export interface PrintersAnswer {
  printers: Printer[];
  stationsWithoutPrinter?: StationWaitingEntry[];
  failedJobs?: PrintJob[];
}

/** The printer list as a snapshot: the printers, the stations no printer prints, the tickets that could not print. */
export const fromPrintersResponse = (answer: PrintersAnswer): PrinterSnapshot => ({
  entries: fromPrinterList(answer.printers),
  ...(answer.failedJobs ? { failedJobs: answer.failedJobs } : {}),
  ...(answer.stationsWithoutPrinter ? { stationsWithoutPrinter: answer.stationsWithoutPrinter } : {}),
});

export const emptyPrinterHealth: PrinterHealthState = { printers: [], failed: [], withoutPrinter: [] };

export const fromPrinterList = (printers: readonly Printer[]): PrinterSnapshotEntry[] =>
  printers.map((p) => ({
    id: p.id,
    name: p.name,
    state: p.status.state,
    reason: p.status.reason,
    since: p.status.since,
    failedOverTo: p.status.failedOverTo,
    stations: p.stations,
  }));

/** The health endpoint has no reason: `lastError` is the worker's last reason while the printer is down. */
export const fromHealth = (health: Pick<Health, 'printers'>): PrinterSnapshotEntry[] =>
  (health.printers ?? []).map((p) => ({ id: p.id, name: p.name, state: p.state, reason: isDownState(p.state) ? p.lastError : null }));

export function isDownState(state: PrinterState): boolean {
  return state === 'offline' || state === 'held' || state === 'failed-over';
}

/**
 * Replaces the printers with a fresh snapshot. The failed tickets and the stations without a printer are
 * replaced when the snapshot says (`failedJobs`, `stationsWithoutPrinter`: the hub's list is the truth, a
 * ticket reprinted from another screen meanwhile is not in it), kept otherwise (the health endpoint).
 */
export function loadPrinterSnapshot(
  state: PrinterHealthState,
  entries: readonly PrinterSnapshotEntry[],
  failedJobs?: readonly PrintJob[],
  stationsWithoutPrinter?: readonly StationWaitingEntry[],
): PrinterHealthState {
  const printers = entries.map(
    (e): PrinterView => ({
      id: e.id,
      name: e.name,
      state: e.state,
      reason: isDownState(e.state) ? (e.reason ?? null) : null,
      since: e.since ?? null,
      failedOverTo: e.state === 'failed-over' ? (e.failedOverTo ?? null) : null,
      stations: e.stations ? [...e.stations] : null,
      waiting: state.printers.find((p) => p.id === e.id && isDownState(e.state))?.waiting ?? [],
    }),
  );
  let failed = failedJobs ? [] : state.failed;
  for (const job of failedJobs ?? []) if (job.state === 'failed') failed = addFailed(failed, job, job.lastError ?? 'failed', job.updatedAt);
  const withoutPrinter = stationsWithoutPrinter
    ? stationsWithoutPrinter.filter((s) => s.waiting > 0).map((s): StationWithoutPrinter => ({ stationId: s.stationId, waiting: s.waiting, jobIds: [] }))
    : state.withoutPrinter;
  return { printers, failed, withoutPrinter };
}

/** A ticket the hub holds for its station, which no printer prints: it has no printer. */
const heldForStation = (job: PrintJob): job is PrintJob & { stationId: string } => job.printerId === null && job.state === 'held' && job.stationId !== null;
/** A job that was held for its station (no printer) and is not any more: released to a printer, or failed. */
const leftStationHold = (job: PrintJob): job is PrintJob & { stationId: string } => job.printerId === null && job.state !== 'held' && job.stationId !== null;

/**
 * How many tickets of the station wait, as the hub's alert says it ("no printer prints station hot: 3 tickets
 * waiting for one", hub/print/station-holds.ts): the hub's own count, exact whatever this screen heard before
 * (an event applied again on top of a snapshot that already counted it must not count twice).
 */
function waitingInAlert(error: string): number | null {
  const m = /: (\d+) tickets? waiting/.exec(error);
  return m ? Number(m[1]) : null;
}

/**
 * One more held ticket for its station. The station's count only grows until the hub releases them all at
 * once (when a printer is given the station), so the larger of the two counts is the newer.
 */
function addHeld(list: readonly StationWithoutPrinter[], job: PrintJob & { stationId: string }, error: string): readonly StationWithoutPrinter[] {
  const i = list.findIndex((s) => s.stationId === job.stationId);
  const was = list[i];
  if (was?.jobIds.includes(job.id)) return list;
  const said = waitingInAlert(error);
  const next: StationWithoutPrinter = {
    stationId: job.stationId,
    waiting: said !== null ? Math.max(said, was?.waiting ?? 0) : (was?.waiting ?? 0) + 1,
    jobIds: [...(was?.jobIds ?? []), job.id],
  };
  return was ? list.map((s, j) => (j === i ? next : s)) : [...list, next];
}

/** The hub releases (or fails) every held ticket of a station in one go: one of them leaving ends the station's alert. */
function dropStation(list: readonly StationWithoutPrinter[], stationId: string): readonly StationWithoutPrinter[] {
  return list.some((s) => s.stationId === stationId) ? list.filter((s) => s.stationId !== stationId) : list;
}

const WAITING_STATES: readonly string[] = ['held', 'sent', 'retry-wait', 'uncertain'];

/** Applies events in seq order; events of other kinds are ignored. */
export function applyPrinterEvents(state: PrinterHealthState, events: readonly HubEvent[]): PrinterHealthState {
  let { printers, failed, withoutPrinter } = state;
  const update = (id: string, name: string | null, fn: (p: PrinterView) => PrinterView) => {
    const i = printers.findIndex((p) => p.id === id);
    const base: PrinterView = i >= 0 ? printers[i]! : { id, name: name ?? id, state: 'unknown', reason: null, since: null, failedOverTo: null, stations: null, waiting: [] };
    const next = fn(name === null ? base : { ...base, name });
    printers = i >= 0 ? printers.map((p, j) => (j === i ? next : p)) : [...printers, next];
  };
  for (const e of events) {
    switch (e.type) {
      case 'printer.configured': {
        const c = e.payload.printer;
        update(c.id, c.name, (p) => ({ ...p, stations: [...c.stations], ...(c.enabled ? {} : { state: 'disabled', reason: null, waiting: [] }) }));
        break;
      }
      case 'printer.removed':
        printers = printers.filter((p) => p.id !== e.payload.printerId);
        break;
      case 'printer.down':
        update(e.payload.printerId, e.payload.name, (p) => ({ ...p, state: e.payload.state, reason: e.payload.reason, since: e.payload.since, failedOverTo: null }));
        break;
      case 'printer.up':
        update(e.payload.printerId, e.payload.name, (p) => ({ ...p, state: 'online', reason: null, since: e.at, failedOverTo: null, waiting: [] }));
        break;
      case 'printer.failed_over':
        update(e.payload.printerId, e.payload.name, (p) => ({ ...p, state: 'failed-over', failedOverTo: e.payload.backupPrinterId, since: p.since ?? e.at, waiting: [] }));
        break;
      case 'print.job_failed': {
        const job = e.payload.job;
        if (heldForStation(job)) {
          withoutPrinter = addHeld(withoutPrinter, job, e.payload.error);
          break;
        }
        if (leftStationHold(job)) withoutPrinter = dropStation(withoutPrinter, job.stationId);
        failed = addFailed(failed, job, e.payload.error, e.at);
        printers = printers.map((p) => dropWaiting(p, job.id));
        break;
      }
      case 'print.job_state_changed': {
        const job = e.payload.job;
        if (leftStationHold(job)) withoutPrinter = dropStation(withoutPrinter, job.stationId);
        if (job.state !== 'failed') failed = failed.filter((f) => f.jobId !== job.id && f.jobId !== job.reprintOf);
        printers = printers.map((p) => dropWaiting(p, job.id));
        if (job.printerId && WAITING_STATES.includes(job.state)) {
          update(job.printerId, null, (p) => ({ ...p, waiting: [...p.waiting, { jobId: job.id, orderNumber: job.orderNumber }] }));
        }
        break;
      }
      default:
        break;
    }
  }
  return printers === state.printers && failed === state.failed && withoutPrinter === state.withoutPrinter ? state : { printers, failed, withoutPrinter };
}

function addFailed(failed: readonly FailedTicket[], job: PrintJob, error: string, at: number): readonly FailedTicket[] {
  if (failed.some((f) => f.jobId === job.id)) return failed;
  return [...failed, { jobId: job.id, kind: job.kind, orderId: job.orderId, orderNumber: job.orderNumber, stationId: job.stationId, printerId: job.printerId, error, at }];
}

function dropWaiting(p: PrinterView, jobId: number): PrinterView {
  return p.waiting.some((w) => w.jobId === jobId) ? { ...p, waiting: p.waiting.filter((w) => w.jobId !== jobId) } : p;
}

export function dismissFailed(state: PrinterHealthState, jobId: number): PrinterHealthState {
  return { ...state, failed: state.failed.filter((f) => f.jobId !== jobId) };
}

export interface PrinterAlertsView {
  down: readonly PrinterView[];
  failed: readonly FailedTicket[];
  withoutPrinter: readonly StationWithoutPrinter[];
}

/**
 * What a screen shows. `stations`: the stations this screen serves (null: all). A printer whose stations
 * are unknown is shown everywhere; a failed ticket with no station too.
 */
export function visibleAlerts(state: PrinterHealthState, stations: readonly string[] | null): PrinterAlertsView {
  const mine = (list: readonly string[] | null) => stations === null || list === null || list.some((s) => stations.includes(s));
  return {
    down: state.printers.filter((p) => isDownState(p.state) && mine(p.stations)),
    failed: state.failed.filter((f) => mine(f.stationId === null ? null : [f.stationId])),
    withoutPrinter: state.withoutPrinter.filter((s) => mine([s.stationId])),
  };
}

/** The words for a station whose tickets wait for a printer (English counts one ticket apart). */
export const withoutPrinterKey = (s: Pick<StationWithoutPrinter, 'waiting'>): 'printer.noPrinter.one' | 'printer.noPrinter.many' =>
  s.waiting === 1 ? 'printer.noPrinter.one' : 'printer.noPrinter.many';

/** The message key for why a printer is down. */
export type DownReasonKey = 'printer.paperOut' | 'printer.coverOpen' | 'printer.offline' | 'printer.failedOver' | 'printer.error';

export function downReasonKey(p: PrinterView): DownReasonKey {
  if (p.state === 'failed-over') return 'printer.failedOver';
  if (p.reason === 'paper-out') return 'printer.paperOut';
  if (p.reason === 'cover-open') return 'printer.coverOpen';
  if (p.state === 'offline' || p.reason === 'offline') return 'printer.offline';
  return 'printer.error';
}

/** What a printed slip is, as staff call it: the kitchen's tickets (new, add-on, void) are all 厨房单. */
export type SlipKind = 'kitchen' | 'receipt' | 'pickup' | 'other';

export function slipKind(kind: PrintJobKind | null | undefined): SlipKind {
  if (kind === 'kitchen' || kind === 'addon' || kind === 'void') return 'kitchen';
  if (kind === 'receipt' || kind === 'pickup') return kind;
  return 'other';
}

export type FailedTicketKey = `printer.failed.${SlipKind}` | `printer.failedNoNumber.${SlipKind}`;

/**
 * The message for a ticket that could not print. It names what failed: a cashier told "a kitchen ticket
 * could not print" for the customer's receipt looks for the problem in the kitchen.
 */
export function failedTicketKey(f: Pick<FailedTicket, 'kind' | 'orderNumber'>): FailedTicketKey {
  return f.orderNumber ? `printer.failed.${slipKind(f.kind)}` : `printer.failedNoNumber.${slipKind(f.kind)}`;
}

/** Where a screen remembers the failed tickets dismissed on it; without a key, only while the page lives. */
export interface DismissalOptions {
  /** storage.ts key (the app's own: each device remembers what its staff dismissed) */
  dismissedKey?: string;
  now?: () => number;
}

/**
 * The printer list brings back the failed tickets of the business day, 50 at most: the dismissals of the last
 * day, the newest few hundred of them, cover every one it can bring back, and localStorage stays small.
 */
const DISMISSED_KEPT = 200;
const DISMISSED_KEPT_MS = 24 * 60 * 60_000;

/** [job id, when dismissed] pairs, oldest first, as stored. */
type StoredDismissals = [number, number][];

/**
 * Keeps the state in a Store: `reload()` on every stream snapshot (first start, reset), `apply()` with the
 * stream's events. Events that arrive while a reload is in flight are applied again on top of its answer,
 * so the newest event wins whatever order the two come back in. A ticket dismissed on this screen stays
 * dismissed: the printer list (a reload) and the stream (a replay) would otherwise bring it back.
 */
export class PrinterHealthFeed {
  readonly state = new Store<PrinterHealthState>(emptyPrinterHealth);
  private buffered: HubEvent[] | null = null;
  private generation = 0;
  /** job id → when it was dismissed here, oldest first */
  private readonly dismissed: Map<number, number>;
  private readonly now: () => number;

  constructor(
    private readonly load: () => Promise<PrinterSnapshot>,
    private readonly opts: DismissalOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    const saved = opts.dismissedKey ? loadSaved<unknown>(opts.dismissedKey) : null;
    // whatever the storage holds (another version's, a hand edit), only well-formed pairs count
    const pairs = Array.isArray(saved) ? saved.filter((p): p is [number, number] => Array.isArray(p) && Number.isInteger(p[0]) && Number.isFinite(p[1])) : [];
    this.dismissed = new Map(pairs);
    this.forgetOldDismissals();
  }

  async reload(): Promise<void> {
    const gen = ++this.generation;
    this.buffered = [];
    try {
      const { entries, failedJobs, stationsWithoutPrinter } = await this.load();
      if (gen !== this.generation) return;
      const events = this.buffered;
      this.show(applyPrinterEvents(loadPrinterSnapshot(this.state.get(), entries, failedJobs, stationsWithoutPrinter), events));
    } catch {
      /* keep what the events built; the next snapshot tries again */
    } finally {
      if (gen === this.generation) this.buffered = null;
    }
  }

  apply(events: readonly HubEvent[]): void {
    this.buffered?.push(...events);
    this.show(applyPrinterEvents(this.state.get(), events));
  }

  dismiss(jobId: number): void {
    this.dismissed.delete(jobId); // newest last
    this.dismissed.set(jobId, this.now());
    this.forgetOldDismissals();
    if (this.opts.dismissedKey) save(this.opts.dismissedKey, [...this.dismissed] satisfies StoredDismissals);
    this.state.set(dismissFailed(this.state.get(), jobId));
  }

  private show(state: PrinterHealthState): void {
    const { dismissed } = this;
    this.state.set(state.failed.some((f) => dismissed.has(f.jobId)) ? { ...state, failed: state.failed.filter((f) => !dismissed.has(f.jobId)) } : state);
  }

  private forgetOldDismissals(): void {
    const since = this.now() - DISMISSED_KEPT_MS;
    // one stamped a day ahead was stamped by a clock since set back: it would otherwise outlive the bound
    for (const [jobId, at] of this.dismissed) if (at < since || at > this.now() + DISMISSED_KEPT_MS) this.dismissed.delete(jobId);
    for (const jobId of [...this.dismissed.keys()].slice(0, Math.max(0, this.dismissed.size - DISMISSED_KEPT))) this.dismissed.delete(jobId);
  }
}
