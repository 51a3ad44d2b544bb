import type { Logger } from 'pino';
import { hostKey, sharedHostResolver, TcpPrinterTransport, previewTicket, warmEncoding, type HostResolver, type PrinterTransport, type TicketDocument } from '../../printers/index.ts';
import type { HubConfig } from '../config.ts';
import { DomainError } from '../domain/errors.ts';
import type { CommandContext } from '../domain/ports.ts';
import type {
  CreatePrinter,
  ListPrintJobsQuery,
  PrintJob,
  Printer,
  PrinterConfig,
  PrintDayReportInput,
  PrinterHealth,
  PrintJobKind,
  PrinterState,
  ReceiptInput,
  ReprintInput,
  UpdatePrinter,
} from '../protocol/printing.ts';
import type { Order } from '../protocol/orders.ts';
import type { DayReport } from '../protocol/reports.ts';
import type { Db } from '../store/db.ts';
import { RESTORE_PRINT_PENDING } from '../store/backups.ts';
import { ACTIVE_STATES, jobView, queuedJob, SqlitePrintRepo, type JobRow, type NewJob } from '../store/print-repo.ts';
import { isPassingRefusal, StorageFullError, type Tx } from '../store/writer.ts';
import { dayReportSlip } from './day-report-slip.ts';
import { PrintPlanner } from './planner.ts';
import { RECEIPT_STATION, receiptDocument } from './receipts.ts';
import { failoverTarget, isUsableState, printersForStation } from './routing.ts';
import { heldForStationReason, StationHolds } from './station-holds.ts';
import { markedDocument, testTicket } from './tickets.ts';
import { PrinterWorker, profileOf, type PrintSettings, type WorkerHost } from './worker.ts';

/** Timeouts of the TCP transport (docs/printers.md, "Timeouts"). */
export interface TransportSettings {
  connectTimeoutMs: number;
  statusTimeoutMs: number;
  writeStallTimeoutMs: number;
  barrierTimeoutMs: number;
  pollIntervalMs: number;
  closeTimeoutMs: number;
}

export function printSettingsFrom(c: HubConfig): { queue: PrintSettings; transport: TransportSettings } {
  return {
    queue: {
      failoverMs: c.HUB_PRINT_FAILOVER_MS,
      retryBaseMs: c.HUB_PRINT_RETRY_BASE_MS,
      retryMaxMs: c.HUB_PRINT_RETRY_MAX_MS,
      heldPollMs: c.HUB_PRINT_HELD_POLL_MS,
      probeIntervalMs: c.HUB_PRINT_PROBE_MS,
      maxUncertain: c.HUB_PRINT_MAX_UNCERTAIN,
      stopTimeoutMs: 2000,
    },
    transport: {
      connectTimeoutMs: c.HUB_PRINT_CONNECT_TIMEOUT_MS,
      statusTimeoutMs: c.HUB_PRINT_STATUS_TIMEOUT_MS,
      writeStallTimeoutMs: c.HUB_PRINT_WRITE_STALL_MS,
      barrierTimeoutMs: c.HUB_PRINT_BARRIER_TIMEOUT_MS,
      pollIntervalMs: c.HUB_PRINT_POLL_MS,
      closeTimeoutMs: c.HUB_PRINT_CLOSE_TIMEOUT_MS,
    },
  };
}

export interface PrintServiceDeps {
  db: Db;
  /** the single writer: every state change goes through it */
  submit: <R>(job: (tx: Tx) => R) => Promise<R>;
  clock: () => number;
  random?: () => number;
  timeZone: string;
  /** printed at the top of receipts and pickup slips */
  storeName?: string;
  settings: PrintSettings;
  /** how to reach a printer; default: TCP port 9100 with `transportSettings` */
  transportFor?: (printer: PrinterConfig) => PrinterTransport;
  transportSettings?: TransportSettings;
  /** printers' host names to addresses (default: the process's one; tests give theirs a fake lookup) */
  resolver?: HostResolver;
  /** embedded simulators that are running now (`HUB_PRINTERS=sim`); others' simulated printers are idle */
  isSimulatorRunning?: (printerId: string) => boolean;
  log: Logger;
}

/** How often printing tries to start again while the store refuses its first write (a full disk, a held lock). */
const START_RETRY_MS = 5_000;
/**
 * A ticket held for a station with no printer older than this is not printed when a printer is given the
 * station: the food was cooked off the screens long ago, and a pile of old tickets would bury the new ones.
 * It fails instead, with an alert the staff can reprint from.
 */
export const HELD_FOR_STATION_MAX_AGE_MS = 60 * 60_000;

/** Recovery flush for embedded simulators: they never hold half a command as large as a real printer's. */
const SIM_RECOVERY_NUL_BYTES = 512;

/**
 * The hub's printing: the planner (print jobs in the order's transaction), one worker per printer, failover,
 * reprints, printer configuration and health. Printing is never on the order path: workers run beside the
 * writer and only submit their own state changes to it.
 */
/**
 * A new job carrying `job`'s ticket elsewhere (moved to another printer, held for a station with no printer,
 * released from that hold), marked as moved from it. Keyed by where it goes (`key`, default its printer, '-'
 * for none), so the same move made twice is one job. A ticket that may have printed where it was (`sent`,
 * `uncertain`) prints marked POSSIBLE DUPLICATE.
 */
function movedCopy(
  job: JobRow,
  to: { printerId: string | null; state: 'queued' | 'held'; fromName: string | null; lastError: string | null; now: number; key?: string },
): NewJob {
  return {
    idempotencyKey: `${job.idempotencyKey}>${to.key ?? to.printerId ?? '-'}`,
    kind: job.kind,
    orderId: job.orderId,
    orderNumber: job.orderNumber,
    stationId: job.stationId,
    printerId: to.printerId,
    state: to.state,
    document: job.document,
    sourceSeq: job.sourceSeq,
    possibleDuplicate: job.possibleDuplicate || job.state === 'sent' || job.state === 'uncertain',
    reprintOf: job.reprintOf,
    reprintNumber: job.reprintNumber,
    movedFromJobId: job.id,
    movedFromPrinter: to.fromName,
    lastError: to.lastError,
    createdAt: to.now,
  };
}

export class PrintService {
  readonly repo: SqlitePrintRepo;
  readonly planner: PrintPlanner;
  /** Every printer's name lookups go through it (the address check when one is configured too): bounded, remembered. */
  readonly resolver: HostResolver;
  readonly #workers = new Map<string, PrinterWorker>();
  readonly #toWake = new Set<string>();
  #wakeScheduled = false;
  #reconcileScheduled = false;
  #reconciling: Promise<void> = Promise.resolve();
  #started = false;
  /** Jobs a previous run left in flight are marked: workers may run. */
  #recovered = false;
  #startRetry: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #configs: readonly PrinterConfig[] = [];
  /**
   * One TCP transport per address. Two printers configured at one address (one physical printer for the
   * kitchen and the bar, or the bar's printer pointed at the kitchen's when it broke) share the device, which
   * serves one connection at a time: through one transport their jobs and probes take turns. Each with its
   * own, the second connection went unread while the first printed, and was taken for a dead printer.
   */
  readonly #tcpByAddress = new Map<string, PrinterTransport>();
  readonly #host: WorkerHost;
  /** Tickets waiting for a printer to be given their station. */
  readonly #holds: StationHolds;

  constructor(private readonly deps: PrintServiceDeps) {
    this.repo = new SqlitePrintRepo(deps.db);
    this.#holds = new StationHolds(deps.db);
    this.resolver = deps.resolver ?? sharedHostResolver;
    this.#configs = this.repo.listPrinters();
    this.planner = new PrintPlanner({
      repo: this.repo,
      timeZone: deps.timeZone,
      storeName: deps.storeName ?? 'Brigade',
      printers: () => this.repo.listPrinters().filter((p) => this.#isRunnable(p)),
      onQueued: (id) => this.wake(id),
      holds: this.#holds,
      redirect: (id) => this.#redirect(id),
      log: deps.log,
    });
    const random = deps.random ?? Math.random;
    const transportFor = deps.transportFor ?? ((p: PrinterConfig) => this.#tcp(p));
    this.#host = {
      settings: deps.settings,
      repo: this.repo,
      clock: deps.clock,
      random,
      log: deps.log,
      config: (id) => this.#configs.find((p) => p.id === id),
      transport: transportFor,
      submit: deps.submit,
      failover: (w, p) => this.#failover(w, p),
    };
  }

  /** For the Writer: plans print jobs inside the transaction of each order event. */
  readonly onAppend = (...args: Parameters<PrintPlanner['onAppend']>): void => this.planner.onAppend(...args);

  /**
   * Starts the workers. Jobs a previous run left `sending` or `sent` may or may not have printed: they are
   * printed again marked POSSIBLE DUPLICATE, never silently.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    try {
      await this.#recoverInFlight();
    } catch (err) {
      // On a full disk, or a store another program holds past the hub's start wait (a `sqlite3` shell left in
      // a transaction), the hub must still start (the kitchen screens, the menu, the bill all read): printing
      // waits, since it cannot record what it prints. Its jobs stay queued; the planner keeps adding to them.
      if (!isPassingRefusal(err)) throw err;
      if (err instanceof StorageFullError) this.deps.log.error('disk full: printing starts once there is room to record what it prints');
      else this.deps.log.warn({ err }, 'the store refused the print queue its first write: printing starts once it takes it');
      this.#retryStart();
      return;
    }
    await this.reconcile();
  }

  #retryStart(): void {
    this.#startRetry = setTimeout(() => {
      if (this.#stopped) return;
      this.#recoverInFlight().then(
        () => this.reconcile().catch((err: unknown) => this.deps.log.error({ err }, 'starting the printers failed')),
        (err: unknown) => {
          if (isPassingRefusal(err)) this.#retryStart();
          else this.deps.log.error({ err }, 'starting the printers failed');
        },
      );
    }, START_RETRY_MS);
    this.#startRetry.unref();
  }

  /** Until this has committed, no worker runs: a job left `sending` must be marked before it is sent again. */
  async #recoverInFlight(): Promise<void> {
    await this.deps.submit((tx) => {
      this.#dropRestoredJobs(tx);
      for (const j of this.repo.inFlightJobs()) {
        const job: JobRow = {
          ...j,
          state: 'uncertain',
          possibleDuplicate: true,
          nextAttemptAt: null,
          updatedAt: tx.now,
          lastError: `the hub stopped while the job was ${j.state === 'sending' ? 'being sent' : 'held by the printer'}; printing again marked POSSIBLE DUPLICATE`,
        };
        this.repo.updateJob(job);
        // the screens list it as waiting on its printer until a printer.up says the printer is back (a removed
        // printer's jobs move on at the first reconcile, and printer.removed took it off the screens)
        if (job.printerId !== null && this.repo.printer(job.printerId)) this.repo.setPrinterAlerted(job.printerId, true);
        tx.append({ type: 'print.job_state_changed', payload: { job: jobView(job) }, topics: topicsOf(job.stationId), deviceId: null, staffId: null });
      }
    });
    this.#recovered = true;
  }

  /**
   * The store is a restored backup (backups.ts): its unfinished jobs are as old as the backup, and most
   * printed after it was taken. Printing them all again would bury the kitchen in old tickets, so they fail,
   * saying why: the screens and tablets show failed tickets, and staff reprint what is still needed.
   */
  #dropRestoredJobs(tx: Tx): void {
    const pending = this.deps.db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    const takenAt = pending.get(RESTORE_PRINT_PENDING) as string | undefined;
    if (takenAt === undefined) return;
    const when = new Date(Number(takenAt)).toLocaleString('zh-CN', { timeZone: this.deps.timeZone, hour12: false });
    const error = `the store was restored from a backup taken at ${when}: not printed again, as it may have printed before; reprint it if the kitchen still needs it`;
    for (const job of this.repo.unfinishedJobs()) this.#failJob(tx, job, error);
    this.deps.db.prepare('DELETE FROM meta WHERE key = ?').run(RESTORE_PRINT_PENDING);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#startRetry);
    await this.#reconciling;
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all(workers.map((w) => w.stop()));
  }

  /** Wakes a printer's worker after the current transaction (coalesced). */
  wake(printerId: string): void {
    this.#toWake.add(printerId);
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    // after the writer's flush: the worker then reads the committed job
    setImmediate(() => {
      this.#wakeScheduled = false;
      for (const id of this.#toWake) this.#workers.get(id)?.wake();
      this.#toWake.clear();
    });
  }

  /** Applies the printers table to the running workers (after a config change: no restart needed). */
  scheduleReconcile(): void {
    if (this.#reconcileScheduled) return;
    this.#reconcileScheduled = true;
    setImmediate(() => {
      this.#reconcileScheduled = false;
      void this.reconcile().catch((err: unknown) => this.deps.log.error({ err }, 'applying the printer configuration failed'));
    });
  }

  reconcile(): Promise<void> {
    const run = this.#reconciling.then(() => this.#reconcile());
    this.#reconciling = run.catch(() => undefined);
    return run;
  }

  async #reconcile(): Promise<void> {
    const before = this.#configs;
    this.#configs = this.repo.listPrinters();
    // addresses no printer has any more (a job still on its way there keeps its transport until it is done)
    const addresses = new Set(this.#configs.map(addressOf));
    for (const key of this.#tcpByAddress.keys()) if (!addresses.has(key)) this.#tcpByAddress.delete(key);
    if (this.#stopped || !this.#recovered) return;
    const runnable = new Set(this.#configs.filter((p) => this.#isRunnable(p)).map((p) => p.id));
    const retired: PrinterWorker[] = [];
    for (const [id, w] of this.#workers) {
      if (!runnable.has(id)) {
        this.#workers.delete(id);
        retired.push(w);
      }
    }
    await Promise.all(retired.map((w) => w.stop()));
    // A retired worker waited `stopTimeoutMs` at most: a send still on its way then (a dead printer's connect
    // timeout, a barrier wait) is abandoned and its result never recorded, and a result the writer refused
    // while stopping is dropped. Such a job may have printed: it prints again marked POSSIBLE DUPLICATE (moved
    // below if its printer is gone or disabled), never left `sending` with nobody to send or fail it.
    const stranded = retired.flatMap((w) => this.repo.sendingJobs(w.printerId));
    if (stranded.length > 0) {
      await this.deps.submit((tx) => {
        for (const j of stranded) {
          const current = this.repo.job(j.id);
          if (!current || current.state !== 'sending' || current.printerId !== j.printerId) continue;
          const job: JobRow = {
            ...current,
            state: 'uncertain',
            possibleDuplicate: true,
            nextAttemptAt: null,
            updatedAt: tx.now,
            lastError: 'the printer was disabled or removed while the job was being sent; printing again marked POSSIBLE DUPLICATE',
          };
          this.repo.updateJob(job);
          tx.append({ type: 'print.job_state_changed', payload: { job: jobView(job) }, topics: topicsOf(job.stationId), deviceId: null, staffId: null });
        }
      });
    }
    for (const id of runnable) {
      let w = this.#workers.get(id);
      if (!w) {
        const config = this.#configs.find((c) => c.id === id);
        if (config) warmEncoding(config.encoding);
        w = new PrinterWorker(id, this.#host);
        this.#workers.set(id, w);
        w.start();
      } else {
        w.configChanged();
      }
    }
    // a printer that no longer lists a station: its tickets of that station still waiting go where the station
    // prints now (else it would print them, and the kitchen would look for them at the station's new printer)
    const restationed = this.#configs.flatMap((p) => {
      const was = before.find((b) => b.id === p.id);
      const dropped = was ? was.stations.filter((st) => !p.stations.includes(st)) : [];
      return p.enabled && dropped.length > 0 ? [{ printer: p, dropped }] : [];
    });
    if (restationed.length > 0) {
      await this.deps.submit((tx) => {
        for (const { printer, dropped } of restationed) this.#restation(tx, printer, new Set(dropped));
      });
    }
    // jobs left on deleted or disabled printers go to their backup or another printer of their station; a
    // deleted one is no longer in the table, so its backup is the one it had before
    const names = new Map(retired.map((w) => [w.printerId, w.lastName]));
    const orphaned = [...this.repo.waitingCounts().keys()].filter((id) => {
      const p = this.#configs.find((c) => c.id === id);
      return !p || !p.enabled;
    });
    if (orphaned.length > 0) {
      await this.deps.submit((tx) => {
        for (const id of orphaned) {
          const was = this.#configs.find((c) => c.id === id) ?? before.find((c) => c.id === id);
          this.#rehome(tx, id, was?.name ?? names.get(id) ?? id, was?.backupPrinterId ?? null);
        }
      });
    }
    // tickets held for a station no printer printed: a printer given the station (added, enabled, edited) prints them
    const runnableNow = this.#configs.filter((p) => this.#isRunnable(p));
    if (this.#holds.waiting().some((h) => printersForStation(h.stationId, runnableNow).length > 0)) {
      await this.deps.submit((tx) => this.#releaseHeld(tx));
    }
  }

  /** Where a printer's new jobs go while it is failed over: its backup, if that can print. */
  #redirect(printerId: string): { printerId: string; fromName: string } | null {
    const w = this.#workers.get(printerId);
    const to = w?.status.state === 'failed-over' ? w.status.failedOverTo : null;
    return to !== null && to !== undefined && isUsableState(this.#stateOf(to)) ? { printerId: to, fromName: w!.lastName } : null;
  }

  #isRunnable(p: PrinterConfig): boolean {
    return p.enabled && (!p.simulated || (this.deps.isSimulatorRunning?.(p.id) ?? false));
  }

  #tcp(p: PrinterConfig): PrinterTransport {
    const key = addressOf(p);
    let transport = this.#tcpByAddress.get(key);
    if (!transport) {
      const t = this.deps.transportSettings;
      transport = new TcpPrinterTransport({
        host: p.host,
        port: p.port,
        ...t,
        resolver: this.resolver,
        ...(p.simulated ? { recoveryNulBytes: SIM_RECOVERY_NUL_BYTES } : {}),
      });
      // asked with a config read before its printer moved (a worker mid-step): not this printer's transport now
      // (the worker sees that and withdraws), and kept it would stay until the next config change
      if (this.#configs.some((c) => addressOf(c) === key)) this.#tcpByAddress.set(key, transport);
    }
    return transport;
  }

  #stateOf(id: string): PrinterState {
    const p = this.#configs.find((c) => c.id === id);
    if (!p || !p.enabled) return 'disabled';
    return this.#workers.get(id)?.status.state ?? (this.#isRunnable(p) ? 'unknown' : 'offline');
  }

  // ---- failover and moving jobs ----

  async #failover(worker: PrinterWorker, printer: PrinterConfig): Promise<string | null> {
    const runnable = this.#configs.filter((p) => this.#isRunnable(p));
    const target = failoverTarget(printer, runnable, (id) => this.#stateOf(id));
    if (target === null) return null;
    await this.deps.submit((tx) => {
      // a test page stays: it is asked of this printer, and prints there when the printer is back
      const jobs = [...this.repo.sentJobs(printer.id), ...this.repo.activeJobs(printer.id)].filter((j) => j.kind !== 'test').sort((a, b) => a.id - b.id);
      const moved = jobs.map((j) => this.#move(tx, j, printer.name, target.id)).filter((id): id is number => id !== null);
      if (worker.markFailedOver(target.id, tx.now) || moved.length > 0) {
        tx.append({
          type: 'printer.failed_over',
          payload: { printerId: printer.id, name: printer.name, backupPrinterId: target.id, jobIds: moved },
          topics: ['printers', ...printer.stations.map((s) => `station:${s}`)],
          deviceId: null,
          staffId: null,
        });
      }
    });
    this.wake(target.id);
    return target.id;
  }

  /**
   * Moves a waiting job to another printer: the job becomes `rerouted` and a new job carries the same
   * ticket with a MOVED FROM banner (and POSSIBLE DUPLICATE if the first printer may have printed it).
   */
  #move(tx: Tx, job: JobRow, fromName: string, toPrinterId: string): number | null {
    this.repo.updateJob({ ...job, state: 'rerouted', nextAttemptAt: null, updatedAt: tx.now, lastError: `moved to printer ${toPrinterId}` });
    const id = this.repo.insertJob(movedCopy(job, { printerId: toPrinterId, state: 'queued', fromName, lastError: null, now: tx.now }));
    if (id !== null) this.wake(toPrinterId);
    return id;
  }

  /**
   * Jobs of a printer that was deleted or disabled: to its backup or another printer of the station that can
   * print now, else failed with an alert. Never to a printer that is down: one failed over (to the printer
   * being disabled, perhaps) would only hold them, with nobody told.
   */
  #rehome(tx: Tx, printerId: string, name: string, backupId: string | null): void {
    const runnable = this.#configs.filter((p) => this.#isRunnable(p) && p.id !== printerId && isUsableState(this.#stateOf(p.id)));
    const jobs = [...this.repo.sentJobs(printerId), ...this.repo.activeJobs(printerId)].sort((a, b) => a.id - b.id);
    for (const job of jobs) {
      if (job.kind === 'test') {
        // printed by another printer it would say that one works, not this one
        this.#failJob(tx, job, `printer ${name} was removed or disabled before its test page printed`);
        continue;
      }
      const target =
        runnable.find((p) => p.id === backupId) ?? (job.stationId ? printersForStation(job.stationId, runnable)[0] : undefined);
      if (target) {
        this.#move(tx, job, name, target.id);
        continue;
      }
      // no printer prints the station any more: the ticket waits for one (a printer of it that is down would
      // only hold it, unseen, so then it fails as before)
      const station = job.stationId;
      if (station !== null && printersForStation(station, this.#configs.filter((p) => this.#isRunnable(p) && p.id !== printerId)).length === 0) {
        this.#holdForStation(tx, job, name, station);
        continue;
      }
      this.#failJob(tx, job, `printer ${name} was removed or disabled and no other printer that is up prints station ${job.stationId ?? '-'}`);
    }
  }

  /**
   * The waiting jobs of stations a printer no longer prints: to each printer of the station that has no copy of
   * the ticket yet (one that printed its own, as an expo copy, takes none: the job is done), else failed with an
   * alert saying why, for a reprint once a printer prints the station. Jobs on their way (`sending`) or held in
   * the printer (`sent`) stay: the printer has them.
   */
  #restation(tx: Tx, printer: PrinterConfig, dropped: ReadonlySet<string>): void {
    const others = this.#configs.filter((p) => this.#isRunnable(p) && p.id !== printer.id);
    for (const job of this.repo.activeJobs(printer.id)) {
      if (job.stationId === null || !dropped.has(job.stationId)) continue;
      const current = this.repo.job(job.id);
      if (!current || current.printerId !== printer.id || !(ACTIVE_STATES as readonly string[]).includes(current.state)) continue;
      const station = printersForStation(job.stationId, others);
      if (station.length === 0) {
        this.#holdForStation(tx, current, printer.name, job.stationId);
        continue;
      }
      const holding = current.reprintOf === null ? this.repo.printersWithCopy(current) : new Set<string>();
      const targets = current.reprintOf === null ? station.filter((p) => !holding.has(p.id)) : station.slice(0, 1);
      if (targets.length === 0) {
        const done: JobRow = {
          ...current,
          state: 'rerouted',
          nextAttemptAt: null,
          updatedAt: tx.now,
          lastError: `station ${job.stationId} prints on ${station.map((p) => p.name).join(', ')} now, which has this ticket`,
        };
        this.repo.updateJob(done);
        tx.append({ type: 'print.job_state_changed', payload: { job: jobView(done) }, topics: topicsOf(done.stationId), deviceId: null, staffId: null });
        continue;
      }
      for (const target of targets) this.#move(tx, current, printer.name, target.id);
      const moved = this.repo.job(current.id);
      if (moved) tx.append({ type: 'print.job_state_changed', payload: { job: jobView(moved) }, topics: topicsOf(moved.stationId), deviceId: null, staffId: null });
    }
  }

  /**
   * A waiting job whose station no printer prints now: a copy of it waits with no printer, `held`, and the staff
   * are alerted (`print.job_failed`, the job not failed); #releaseHeld prints it once a printer takes the station.
   * Possibly printed already (`sent`, `uncertain`), it will print marked POSSIBLE DUPLICATE, as a moved job does.
   */
  #holdForStation(tx: Tx, job: JobRow, fromName: string, stationId: string): void {
    const reason = heldForStationReason(stationId, this.#holds.waitingFor(stationId) + 1);
    const left: JobRow = { ...job, state: 'rerouted', nextAttemptAt: null, updatedAt: tx.now, lastError: reason };
    this.repo.updateJob(left);
    tx.append({ type: 'print.job_state_changed', payload: { job: jobView(left) }, topics: topicsOf(stationId), deviceId: null, staffId: null });
    const id = this.repo.insertJob(movedCopy(job, { printerId: null, state: 'held', fromName, lastError: reason, now: tx.now }));
    const held = id === null ? undefined : this.repo.job(id);
    if (held) tx.append({ type: 'print.job_failed', payload: { job: jobView(held), error: reason }, topics: topicsOf(stationId), deviceId: null, staffId: null });
  }

  /**
   * Prints the tickets held for stations that a printer prints now: on each printer of the station that has no
   * copy of the ticket yet (an expo printer's own copy counts; one the ticket was taken off does not), customer
   * paper and reprints on one. The held job is then `rerouted`, in the same transaction: it is released once.
   */
  #releaseHeld(tx: Tx): void {
    const runnable = this.#configs.filter((p) => this.#isRunnable(p));
    for (const id of this.#holds.jobIds()) {
      const job = this.repo.job(id);
      if (!job || job.stationId === null || job.printerId !== null || job.state !== 'held') continue;
      const station = printersForStation(job.stationId, runnable);
      if (station.length === 0) continue;
      // the ticket's age, from when it was first planned (a held copy of a moved job is made at the move)
      const since = (job.movedFromJobId !== null && this.repo.job(job.movedFromJobId)?.createdAt) || job.createdAt;
      if (tx.now - since > HELD_FOR_STATION_MAX_AGE_MS) {
        this.#failJob(tx, job, `waited over ${HELD_FOR_STATION_MAX_AGE_MS / 60_000} min for a printer of station ${job.stationId}: not printed (reprint it if it is still wanted)`);
        continue;
      }
      const onePrinter = job.reprintOf !== null || job.stationId === RECEIPT_STATION;
      const holding = onePrinter ? new Set<string>() : this.#printersWithLiveCopy(job);
      const targets = onePrinter ? station.slice(0, 1) : station.filter((p) => !holding.has(p.id));
      const names: string[] = [];
      for (const p of targets) {
        // a printer failed over sends its tickets to its backup, as the planner does
        const moved = this.#redirect(p.id);
        const printerId = moved?.printerId ?? p.id;
        // keyed by the station's printer, not the backup it went to: one copy per printer of the station
        const copy = this.repo.insertJob(
          movedCopy(job, { key: p.id, printerId, state: 'queued', fromName: moved?.fromName ?? job.movedFromPrinter, lastError: null, now: tx.now }),
        );
        if (copy !== null) this.wake(printerId);
        names.push(p.name);
      }
      const done: JobRow = {
        ...job,
        state: 'rerouted',
        nextAttemptAt: null,
        updatedAt: tx.now,
        lastError: names.length > 0 ? `printed by ${names.join(', ')}, now given station ${job.stationId}` : `station ${job.stationId} prints on ${station.map((p) => p.name).join(', ')} now, which has this ticket`,
      };
      this.repo.updateJob(done);
      // the screens' alert for it goes
      tx.append({ type: 'print.job_state_changed', payload: { job: jobView(done) }, topics: topicsOf(done.stationId), deviceId: null, staffId: null });
    }
  }

  /**
   * The printers that have a copy of a held ticket (the same change, station, kind and document) that printed
   * or will: not one failed, nor one moved off the printer (a printer the ticket was taken off does not have it).
   */
  #printersWithLiveCopy(job: JobRow): Set<string> {
    const holding = new Set<string>();
    if (job.orderId === null || job.sourceSeq === null) return holding;
    for (const j of this.repo.listJobs({ orderId: job.orderId, limit: 500 })) {
      if (j.printerId === null || j.reprintOf !== null || j.stationId !== job.stationId || j.kind !== job.kind) continue;
      if (j.state === 'failed' || j.state === 'rerouted' || holding.has(j.printerId)) continue;
      const copy = this.repo.job(j.id);
      if (copy && copy.sourceSeq === job.sourceSeq && copy.document === job.document) holding.add(j.printerId);
    }
    return holding;
  }

  /** Stations no printer prints, with how many of their tickets wait for one (for the printer list). */
  stationsWithoutPrinter(): { stationId: string; waiting: number }[] {
    return this.#holds.waiting();
  }

  #failJob(tx: Tx, job: JobRow, error: string): void {
    const failed: JobRow = { ...job, state: 'failed', nextAttemptAt: null, updatedAt: tx.now, lastError: error };
    this.repo.updateJob(failed);
    tx.append({ type: 'print.job_failed', payload: { job: jobView(failed), error }, topics: topicsOf(job.stationId), deviceId: null, staffId: null });
  }

  /** The writer rolled a job or a batch back: what the repo kept from its writes is read again. */
  rolledBack(): void {
    this.repo.forgetKept();
  }

  // ---- views ----

  printers(): Printer[] {
    const waiting = this.repo.waitingCounts();
    return this.repo.listPrinters().map((p) => this.#view(p, waiting));
  }

  printer(id: string): Printer {
    const p = this.repo.printer(id);
    if (!p) throw new DomainError('not_found', `no printer ${id}`, { printerId: id });
    return this.#view(p, this.repo.waitingCounts());
  }

  #view(p: PrinterConfig, waiting: ReadonlyMap<string, number>): Printer {
    const w = this.#workers.get(p.id);
    const queued = waiting.get(p.id) ?? 0;
    if (!p.enabled) return { ...p, status: { state: 'disabled', reason: null, since: null, lastError: null, queued, failedOverTo: null, warnings: [] } };
    if (!w) {
      const lastError = p.simulated && !this.#isRunnable(p) ? 'simulator not running (HUB_PRINTERS=none)' : null;
      return { ...p, status: { state: lastError ? 'offline' : 'unknown', reason: null, since: null, lastError, queued, failedOverTo: null, warnings: [] } };
    }
    return { ...p, status: { ...w.status, warnings: [...w.status.warnings], queued } };
  }

  health(): PrinterHealth[] {
    return this.printers().map((p) => ({ id: p.id, name: p.name, state: p.status.state, queued: p.status.queued, lastError: p.status.lastError }));
  }

  jobs(q: ListPrintJobsQuery): PrintJob[] {
    return this.repo.listJobs({
      limit: q.limit ?? 100,
      ...(q.state ? { state: q.state } : {}),
      ...(q.printerId ? { printerId: q.printerId } : {}),
      ...(q.orderId ? { orderId: q.orderId } : {}),
    });
  }

  job(id: number): JobRow {
    const job = this.repo.job(id);
    if (!job) throw new DomainError('not_found', `no print job ${id}`, { jobId: id });
    return job;
  }

  /** The ticket as it prints (or printed), banners included, laid out for its printer (48 columns if it has none). */
  preview(id: number): { job: PrintJob; preview: string; widthChars: number } {
    const job = this.job(id);
    const printer = job.printerId ? this.repo.printer(job.printerId) : undefined;
    const profile = printer ? profileOf(printer) : { encoding: 'gb18030' as const, widthChars: 48 as const, buzzer: 'none' as const };
    const doc = markedDocument(JSON.parse(job.document) as TicketDocument, job);
    return { job: jobView(job), preview: previewTicket(doc, profile), widthChars: profile.widthChars };
  }

  // ---- commands (inside the writer's transaction, from the HTTP routes) ----

  createPrinter(input: CreatePrinter, cmd: Pick<CommandContext, 'now' | 'newId' | 'events'>, opts: { simulated?: boolean } = {}): Printer {
    const id = input.id ?? cmd.newId();
    if (this.repo.printer(id)) throw new DomainError('conflict', `a printer with id ${id} already exists`, { printerId: id });
    const printer: PrinterConfig = {
      id,
      name: input.name,
      host: input.host,
      port: input.port,
      encoding: input.encoding,
      widthChars: input.widthChars,
      stations: [...new Set(input.stations)],
      backupPrinterId: input.backupPrinterId ?? null,
      buzzer: input.buzzer,
      enabled: input.enabled,
      simulated: opts.simulated ?? false,
      createdAt: cmd.now,
      updatedAt: cmd.now,
    };
    this.#validate(printer);
    this.repo.insertPrinter(printer);
    this.#configured(printer, cmd);
    return this.#view(printer, new Map());
  }

  updatePrinter(id: string, patch: UpdatePrinter, cmd: CommandContext): Printer {
    const current = this.repo.printer(id);
    if (!current) throw new DomainError('not_found', `no printer ${id}`, { printerId: id });
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as UpdatePrinter;
    const printer: PrinterConfig = {
      ...current,
      ...defined,
      stations: patch.stations ? [...new Set(patch.stations)] : current.stations,
      updatedAt: cmd.now,
    };
    this.#validate(printer);
    this.repo.updatePrinter(printer);
    // the screens show it disabled, not down; enabled again, it is given a whole failover time, not one that
    // ran before it was disabled (the alert kept: found up, it is announced up and leaves "disabled")
    if (current.enabled && !printer.enabled) this.repo.forgetPrinterDownSince(id);
    this.#configured(printer, cmd);
    // inside the write batch: counted now, not from the counts kept for health (see waitingCounts)
    return this.#view(printer, new Map([[printer.id, this.repo.waitingOn(printer.id)]]));
  }

  deletePrinter(id: string, cmd: CommandContext): { printerId: string } {
    const current = this.repo.printer(id);
    if (!current) throw new DomainError('not_found', `no printer ${id}`, { printerId: id });
    const dependents = this.repo.listPrinters().filter((p) => p.backupPrinterId === id);
    if (dependents.length > 0) {
      throw new DomainError('conflict', `printer ${current.name} is the backup of ${dependents.map((p) => p.name).join(', ')}; change that first`, {
        backupOf: dependents.map((p) => p.id),
      });
    }
    this.repo.deletePrinter(id);
    cmd.events.emit('printer.removed', { printerId: id, name: current.name }, ['printers', ...current.stations.map((s) => `station:${s}`)]);
    this.scheduleReconcile();
    return { printerId: id };
  }

  /**
   * Prints a job's ticket again with "REPRINT #n / 重打": on the printer given, else where its station prints now
   * (its own printer if that still prints the station), a test page on its own printer.
   */
  reprint(jobId: number, input: ReprintInput, cmd: CommandContext): PrintJob {
    const job = this.job(jobId);
    // a moved copy (moved once or more) is the ticket it was moved from; a reprint counts for its original
    let from = job;
    for (let hops = 0; from.reprintOf === null && from.movedFromJobId !== null && hops < 100; hops++) {
      const earlier = this.repo.job(from.movedFromJobId);
      if (!earlier) break;
      from = earlier;
    }
    const root = from.reprintOf ?? from.id;
    const runnable = this.repo.listPrinters().filter((p) => this.#isRunnable(p));
    let printer: PrinterConfig | undefined;
    if (input.printerId) {
      printer = runnable.find((p) => p.id === input.printerId);
      if (!printer) throw new DomainError('not_found', `no usable printer ${input.printerId}`, { printerId: input.printerId });
    } else if (job.stationId === null) {
      printer = runnable.find((p) => p.id === job.printerId); // a test page: it tests its own printer
    } else {
      // where the station prints now: its printer may have left the station since (the kitchen would look for the
      // ticket at the station's new printer), its own printer first if it still prints it (an expo copy stays on expo)
      const station = printersForStation(job.stationId, runnable);
      printer = station.find((p) => p.id === job.printerId) ?? station[0];
      if (!printer) {
        throw new DomainError('conflict', `no printer prints station ${job.stationId} now: give it to a printer, or give a printerId`, { stationId: job.stationId });
      }
    }
    if (!printer) throw new DomainError('conflict', 'no printer can print this ticket now; give a printerId', { stationId: job.stationId });
    const n = this.repo.lastReprintNumber(root) + 1;
    const id = this.repo.insertJob(
      queuedJob({
        idempotencyKey: `reprint:${root}:${n}`,
        kind: job.kind,
        orderId: job.orderId,
        orderNumber: job.orderNumber,
        stationId: job.stationId,
        printerId: printer.id,
        document: job.document,
        sourceSeq: job.sourceSeq,
        reprintOf: root,
        reprintNumber: n,
        createdAt: cmd.now,
      }),
    );
    if (id === null) throw new DomainError('conflict', 'that reprint is already queued');
    this.wake(printer.id);
    return jobView(this.job(id));
  }

  /**
   * Queues the order's bill (while something is due) or receipt (once paid) on a receipt printer: the one
   * given, else the first printer listing the `receipts` station.
   */
  receipt(order: Order, input: ReceiptInput, cmd: CommandContext): PrintJob {
    const tableName = order.tableId ? this.repo.tableName(order.tableId) : null;
    const document = receiptDocument(order, { storeName: this.deps.storeName ?? 'Brigade', tableName, timeZone: this.deps.timeZone, at: cmd.now });
    return this.#queueCustomerPaper(input.printerId, { key: `receipt:${order.id}`, kind: 'receipt', orderId: order.id, orderNumber: String(order.number), document }, cmd);
  }

  /**
   * Queues the day's takings (a Z report) on a receipt printer, as `report` says them: the document stored
   * in the job is what prints, also after a failover, a reprint or a restart.
   */
  dayReport(report: DayReport, input: Pick<PrintDayReportInput, 'printerId'>, cmd: CommandContext): PrintJob {
    const document = dayReportSlip(report, { storeName: this.deps.storeName ?? 'Brigade' });
    return this.#queueCustomerPaper(input.printerId, { key: `day-report:${report.businessDate}`, kind: 'day-report', orderId: null, orderNumber: null, document }, cmd);
  }

  /** A receipt printer's job, its document rendered already (what prints, whenever and wherever it prints). */
  #queueCustomerPaper(
    givenPrinterId: string | undefined,
    job: { key: string; kind: PrintJobKind; orderId: string | null; orderNumber: string | null; document: unknown },
    cmd: CommandContext,
  ): PrintJob {
    const { printerId, moved } = this.#receiptPrinter(givenPrinterId);
    const id = this.repo.insertJob(
      queuedJob({
        idempotencyKey: `${job.key}:${cmd.newId()}`,
        kind: job.kind,
        orderId: job.orderId,
        orderNumber: job.orderNumber,
        stationId: RECEIPT_STATION,
        printerId,
        document: JSON.stringify(job.document),
        sourceSeq: null,
        movedFromPrinter: moved?.fromName ?? null,
        createdAt: cmd.now,
      }),
    );
    this.wake(printerId);
    return jobView(this.job(id!));
  }

  /**
   * Where customer paper asked for now goes: the printer given, else the first printer listing the
   * `receipts` station; its backup while it is failed over (`moved`: the banner MOVED FROM says so).
   */
  #receiptPrinter(givenId: string | undefined): { printerId: string; moved: { printerId: string; fromName: string } | null } {
    const runnable = this.repo.listPrinters().filter((p) => this.#isRunnable(p));
    const printer = givenId ? runnable.find((p) => p.id === givenId) : printersForStation(RECEIPT_STATION, runnable)[0];
    if (!printer) {
      throw givenId
        ? new DomainError('not_found', `no usable printer ${givenId}`, { printerId: givenId })
        : new DomainError('no_receipt_printer', `no printer prints receipts: give a printer the station "${RECEIPT_STATION}"`);
    }
    const moved = this.#redirect(printer.id);
    return { printerId: moved?.printerId ?? printer.id, moved };
  }

  /** Queues a test page on a printer (to check an installation). */
  testPrint(printerId: string, cmd: CommandContext): PrintJob {
    const printer = this.repo.printer(printerId);
    if (!printer) throw new DomainError('not_found', `no printer ${printerId}`, { printerId });
    const id = this.repo.insertJob(
      queuedJob({
        idempotencyKey: `test:${printerId}:${cmd.newId()}`,
        kind: 'test',
        orderId: null,
        orderNumber: null,
        stationId: null,
        printerId,
        document: JSON.stringify(testTicket(printer.name, cmd.now, this.deps.timeZone)),
        sourceSeq: null,
        createdAt: cmd.now,
      }),
    );
    this.wake(printerId);
    return jobView(this.job(id!));
  }

  /** The embedded simulators get a new port at every start. */
  setSimulatorAddress(printerId: string, host: string, port: number, tx: Tx): void {
    const p = this.repo.printer(printerId);
    if (!p) return;
    this.repo.updatePrinter({ ...p, host, port, updatedAt: tx.now });
    this.scheduleReconcile();
  }

  #validate(p: PrinterConfig): void {
    this.checkReferences(p);
  }

  /** The stations and backup printer a config names exist (also run before the reachability probe). */
  checkReferences(p: { id?: string | undefined; stations?: readonly string[] | undefined; backupPrinterId?: string | null | undefined }): void {
    const known = new Set([...this.repo.stationIds(), RECEIPT_STATION]);
    const unknown = (p.stations ?? []).filter((s) => !known.has(s));
    if (unknown.length > 0) {
      throw new DomainError('validation_failed', `stations: unknown station ${unknown.join(', ')} (known: ${[...known].join(', ') || 'none'})`, {
        stations: unknown,
      });
    }
    if (p.backupPrinterId !== null && p.backupPrinterId !== undefined) {
      if (p.backupPrinterId === p.id) throw new DomainError('validation_failed', 'backupPrinterId: a printer cannot be its own backup');
      if (!this.repo.printer(p.backupPrinterId)) {
        throw new DomainError('validation_failed', `backupPrinterId: no printer ${p.backupPrinterId}`, { backupPrinterId: p.backupPrinterId });
      }
    }
  }

  #configured(p: PrinterConfig, cmd: Pick<CommandContext, 'events'>): void {
    cmd.events.emit('printer.configured', { printer: p }, ['printers', ...p.stations.map((s) => `station:${s}`)]);
    this.scheduleReconcile();
  }
}

/**
 * Where a printer is reached; an embedded simulator's transport differs (a smaller recovery flush). Spellings of
 * one host are one address ('PRINTER.local', 'printer.local.'; '::ffff:192.168.1.50', '192.168.1.50'), so one
 * transport. A name and its address stay two: their calls take turns on the device in the transport (DeviceLocks).
 */
const addressOf = (p: PrinterConfig): string => `${hostKey(p.host)}|${p.port}|${p.simulated ? 'sim' : 'tcp'}`;

const topicsOf = (stationId: string | null): string[] => (stationId ? ['printers', `station:${stationId}`] : ['printers']);
