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
 *   made elsewhere that never changes state does not clear it: dismiss does.
 * - Tickets waiting behind a down printer (`print.job_state_changed` to held / sent / retry-wait / uncertain)
 *   are listed under that printer and cleared when it comes back up or fails over (the hub sends no event
 *   when a held job is finally confirmed).
 */
import type { HubEvent } from '../../hub/protocol/index.ts';
import type { Health } from '../../hub/protocol/health.ts';
import type { PrintJob, PrintJobKind, Printer, PrinterState } from '../../hub/protocol/printing.ts';
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

export interface PrinterHealthState {
  printers: readonly PrinterView[];
  failed: readonly FailedTicket[];
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

export const emptyPrinterHealth: PrinterHealthState = { printers: [], failed: [] };

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

/** Replaces the printers with a fresh snapshot; failed tickets (not in any snapshot) are kept. */
export function loadPrinterSnapshot(state: PrinterHealthState, entries: readonly PrinterSnapshotEntry[], failedJobs: readonly PrintJob[] = []): PrinterHealthState {
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
  let failed = state.failed;
  for (const job of failedJobs) if (job.state === 'failed') failed = addFailed(failed, job, job.lastError ?? 'failed', job.updatedAt);
  return { printers, failed };
}

const WAITING_STATES: readonly string[] = ['held', 'sent', 'retry-wait', 'uncertain'];

/** Applies events in seq order; events of other kinds are ignored. */
export function applyPrinterEvents(state: PrinterHealthState, events: readonly HubEvent[]): PrinterHealthState {
  let { printers, failed } = state;
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
      case 'print.job_failed':
        failed = addFailed(failed, e.payload.job, e.payload.error, e.at);
        printers = printers.map((p) => dropWaiting(p, e.payload.job.id));
        break;
      case 'print.job_state_changed': {
        const job = e.payload.job;
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
  return printers === state.printers && failed === state.failed ? state : { printers, failed };
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
  };
}

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

/**
 * Keeps the state in a Store: `reload()` on every stream snapshot (first start, reset), `apply()` with the
 * stream's events. Events that arrive while a reload is in flight are applied again on top of its answer,
 * so the newest event wins whatever order the two come back in.
 */
export class PrinterHealthFeed {
  readonly state = new Store<PrinterHealthState>(emptyPrinterHealth);
  private buffered: HubEvent[] | null = null;
  private generation = 0;

  constructor(private readonly load: () => Promise<{ entries: PrinterSnapshotEntry[]; failedJobs?: PrintJob[] }>) {}

  async reload(): Promise<void> {
    const gen = ++this.generation;
    this.buffered = [];
    try {
      const { entries, failedJobs } = await this.load();
      if (gen !== this.generation) return;
      const events = this.buffered;
      this.state.set(applyPrinterEvents(loadPrinterSnapshot(this.state.get(), entries, failedJobs), events));
    } catch {
      /* keep what the events built; the next snapshot tries again */
    } finally {
      if (gen === this.generation) this.buffered = null;
    }
  }

  apply(events: readonly HubEvent[]): void {
    this.buffered?.push(...events);
    this.state.set(applyPrinterEvents(this.state.get(), events));
  }

  dismiss(jobId: number): void {
    this.state.set(dismissFailed(this.state.get(), jobId));
  }
}
