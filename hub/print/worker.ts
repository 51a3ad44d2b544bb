import type { Logger } from 'pino';
import { holdReasonOf, renderTicket, type NotSentReason, type PrintResult, type PrinterProfile, type PrinterTransport, type TicketDocument } from '../../printers/index.ts';
import type { PrinterConfig, PrinterState } from '../protocol/printing.ts';
import { ACTIVE_STATES, jobView, type JobRow, type SqlitePrintRepo } from '../store/print-repo.ts';
import { isPassingRefusal, type Tx } from '../store/writer.ts';
import { fullJitterDelay } from './routing.ts';
import { markedDocument } from './tickets.ts';

export interface PrintSettings {
  /** a printer down this long has its queue moved to its backup */
  failoverMs: number;
  /** retry back-off: full jitter over base · 2^attempt, capped */
  retryBaseMs: number;
  retryMaxMs: number;
  /** how often a printer that refuses jobs (paper out, cover open) is asked again */
  heldPollMs: number;
  /** an idle printer is probed this often, so its health is known before a ticket needs it */
  probeIntervalMs: number;
  /** uncertain results after which a job fails instead of printing more possible duplicates */
  maxUncertain: number;
  /** how long stopping waits for a job on its way to a printer */
  stopTimeoutMs: number;
}

/** What a worker needs from the print service. */
export interface WorkerHost {
  readonly settings: PrintSettings;
  readonly repo: SqlitePrintRepo;
  readonly clock: () => number;
  readonly random: () => number;
  readonly log: Logger;
  config(printerId: string): PrinterConfig | undefined;
  transport(printer: PrinterConfig): PrinterTransport;
  submit<R>(job: (tx: Tx) => R): Promise<R>;
  /** Moves the printer's waiting jobs to its backup if one is up; the backup's id, or null. */
  failover(worker: PrinterWorker, printer: PrinterConfig): Promise<string | null>;
}

export interface WorkerStatus {
  state: PrinterState;
  reason: string | null;
  since: number | null;
  lastError: string | null;
  warnings: string[];
  failedOverTo: string | null;
}

const MIN_DELAY_MS = 20;
/** A call to the printer withdrawn before it started: nothing of it reached the printer. */
const WITHDRAWN = Symbol('withdrawn');
const isDown = (s: PrinterState): boolean => s === 'offline' || s === 'held' || s === 'failed-over';
const EMPTY = new Uint8Array(0);

export const profileOf = (p: PrinterConfig): PrinterProfile => ({ encoding: p.encoding, widthChars: p.widthChars, buzzer: p.buzzer });

/** The bytes of a job as it prints now: the stored document plus its banners, for the printer's profile. */
export function jobBytes(job: JobRow, printer: PrinterConfig): Buffer {
  const doc = JSON.parse(job.document) as TicketDocument;
  return renderTicket(markedDocument(doc, job), profileOf(printer));
}

/**
 * One printer's queue: FIFO, one job at a time, every state change written through the single writer
 * before the next step (a job is `sending` on disk before its first byte leaves, so a crash can never make
 * it print silently twice).
 *
 * How a transport result moves the job (docs/printers.md, "Results and the queue's states"):
 * printed → confirmed · not-sent → retry-wait · held → held · uncertain/held-after-send → sent (the printer
 * prints it after recovery; a later barrier confirms it) · other uncertain → uncertain, printed again marked
 * POSSIBLE DUPLICATE · too many uncertain → failed.
 */
export class PrinterWorker {
  status: WorkerStatus = { state: 'unknown', reason: null, since: null, lastError: null, warnings: [], failedOverTo: null };
  /** name as last seen, for "moved from" after the printer is deleted */
  lastName: string;
  #downSince: number | null = null;
  /**
   * Since when the printer was down before this worker started (a hub restart), as the repo kept it: the first
   * failed contact carries the failover clock on from there, rather than giving a printer that was failed over
   * before the restart, and is still dead, another whole `failoverMs` of new tickets. Forgotten at the first
   * contact that finds it up.
   */
  #downBeforeStart: number | null;
  /**
   * The screens were told this printer is down or has tickets waiting on it, in this run or before a restart
   * (the repo keeps it): the next contact that finds it up must announce `printer.up`, even from `unknown`.
   */
  #isAlerted: boolean;
  #lastContact = 0;
  #probeAttempts = 0;
  #stopped = false;
  /** set when stop gave up waiting: a late result must not touch the (closing) store */
  #abandoned = false;
  #wake: (() => void) | null = null;
  #woken = false;
  #loop: Promise<void> = Promise.resolve();
  /**
   * The call to the printer under way, and the transport it was made on. It may wait its turn behind another
   * printer entry's ticket (entries at one address share a transport): withdrawn, before it starts, when this
   * worker stops (its entry disabled or removed) or its entry is pointed at another address; else the ticket
   * would print later on a printer this entry no longer uses, its job moved or sent elsewhere meanwhile.
   */
  #call: { transport: PrinterTransport; controller: AbortController; rendered: PrinterConfig | null } | null = null;
  /** The transport (the device at an address) the last call of this worker went through. */
  #lastTransport: PrinterTransport | null = null;
  /**
   * The device holding this printer's `sent` jobs (it stopped in the middle of them). Only its own barrier
   * says it printed them: the entry pointed at another address, the new device's barrier proves nothing
   * about them, and the old one, swapped out, may never print them.
   */
  #heldBy: PrinterTransport | null = null;

  constructor(
    readonly printerId: string,
    private readonly host: WorkerHost,
  ) {
    this.lastName = host.config(printerId)?.name ?? printerId;
    this.#isAlerted = host.repo.isPrinterAlerted(printerId);
    this.#downBeforeStart = host.repo.printerDownSince(printerId);
  }

  get isStopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    this.#loop = this.#run();
  }

  /** Look at the queue now (a job was queued, the config changed). */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /**
   * The printer's configuration changed: a call still waiting to reach its old address is withdrawn, and so is
   * a ticket rendered for its old encoding, width or buzzer (rendered again at the next step).
   */
  configChanged(): void {
    const printer = this.host.config(this.printerId);
    if (this.#call && printer && this.#isStale(printer, this.#call.transport, this.#call.rendered)) this.#call.controller.abort();
    this.wake();
  }

  /** Whether a call made on `transport`, with bytes rendered for `rendered` (a send), no longer fits `printer`. */
  #isStale(printer: PrinterConfig, transport: PrinterTransport, rendered: PrinterConfig | null): boolean {
    if (this.host.transport(printer) !== transport) return true;
    if (rendered === null) return false;
    return rendered.encoding !== printer.encoding || rendered.widthChars !== printer.widthChars || rendered.buzzer !== printer.buzzer;
  }

  /**
   * Stops after the current step. A job still on its way after `stopTimeoutMs` stays `sending` on disk and its
   * result is ignored: at shutdown the next start prints it marked POSSIBLE DUPLICATE; when the printer is
   * retired (disabled, removed) the service marks it `uncertain` and moves it on at once.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#call?.controller.abort();
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), this.host.settings.stopTimeoutMs)));
    const outcome = await Promise.race([this.#loop.then(() => 'done' as const), gaveUp]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.#abandoned = true;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let waitMs: number;
      try {
        waitMs = await this.#step();
      } catch (err) {
        if (this.#abandoned) return;
        // a full disk (the storage guard reports it, once), a full write queue (shedding is counted) or a store
        // held by another program (the writer logs it) passes: not an error of every printer at every step
        if (isPassingRefusal(err)) this.host.log.debug({ printerId: this.printerId, err }, 'print worker: the writer is refusing, waiting');
        else this.host.log.error({ err, printerId: this.printerId }, 'print worker step failed');
        waitMs = this.host.settings.retryMaxMs;
      }
      if (this.#stopped) return;
      await this.#sleep(waitMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken || ms <= 0) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // a wake() during a step (no sleeper) leaves #woken set, so the next sleep returns at once
      const finish = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        this.#woken = false;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#wake = finish;
    });
  }

  /** One step; resolves how long to wait before the next (0: at once). */
  async #step(): Promise<number> {
    const printer = this.host.config(this.printerId);
    if (!printer) return this.host.settings.probeIntervalMs; // removed: the service stops this worker
    this.lastName = printer.name;
    const s = this.host.settings;
    const now = this.host.clock();

    // Down long enough: the queue moves to the backup, and this printer is only probed until it is back.
    // a clock step back restarts the failover clock, rather than adding the step to it
    if (this.#downSince !== null && this.#downSince > now) this.#downSince = now;
    if (this.#downSince !== null && now - this.#downSince >= s.failoverMs) {
      const backup = await this.host.failover(this, printer);
      if (backup !== null || this.status.state === 'failed-over') return this.#probe(printer);
    }

    const job = this.host.repo.headJob(this.printerId);
    if (!job) {
      if (this.host.repo.sentJobs(this.printerId).length > 0) return this.#confirmSent(printer);
      const idleFor = Math.max(0, now - this.#lastContact); // a clock step back must not delay the next probe
      if (this.#downSince !== null || idleFor >= s.probeIntervalMs) return this.#probe(printer);
      return s.probeIntervalMs - idleFor;
    }
    if (job.nextAttemptAt !== null && job.nextAttemptAt > now) {
      const wait = job.nextAttemptAt - now;
      // Longer than any wait this worker sets: the wall clock stepped back since it was written (NTP on a hub
      // without a real-time clock), and waiting for the step would stall the printer's whole queue.
      if (wait <= this.#longestWait()) return wait;
    }
    if (job.state === 'held') {
      // paper changes take minutes: ask the printer, and write nothing, until it can print again
      const probe = await this.#contact(printer, (t, signal) => t.probe({ signal }));
      if (this.#abandoned || probe === WITHDRAWN) return 0;
      if (probe.reachable && probe.hold !== null) {
        const hold = probe.hold;
        if (this.status.state === 'held' || this.status.state === 'failed-over') {
          this.status = { ...this.status, reason: hold, lastError: hold };
        } else {
          // a job found held at start-up (or after an offline spell): the printer is down from now, the staff
          // are told, and the failover clock runs, as when a send is held
          await this.host.submit((tx) => this.#down(tx, printer, 'held', hold));
        }
        return s.heldPollMs;
      }
    }
    return this.#print(printer, job);
  }

  async #print(printer: PrinterConfig, head: JobRow): Promise<number> {
    let bytes: Buffer;
    try {
      bytes = jobBytes(head, printer);
    } catch (err) {
      await this.host.submit((tx) => this.#fail(tx, head, `cannot render the ticket: ${err instanceof Error ? err.message : String(err)}`));
      return 0;
    }
    // durable before the first byte leaves: after a crash, `sending` means "may have printed"
    const job = await this.host.submit((tx) => {
      const current = this.host.repo.job(head.id);
      if (!current || current.printerId !== this.printerId || !(ACTIVE_STATES as readonly string[]).includes(current.state)) return null;
      const sending: JobRow = { ...current, state: 'sending', attempts: current.attempts + 1, nextAttemptAt: null, updatedAt: tx.now };
      this.host.repo.updateJob(sending);
      return { before: current, sending };
    });
    if (job === null) return 0;
    const result = await this.#contact(printer, (t, signal) => t.send(bytes, { signal }), printer);
    if (this.#abandoned) return 0;
    if (result === WITHDRAWN) {
      // nothing of it left: back as it was, with no news for anyone (a `sending` job is never announced)
      await this.#record((tx) => {
        const current = this.host.repo.job(job.sending.id);
        if (!current || current.state !== 'sending' || current.attempts !== job.sending.attempts) return;
        this.host.repo.updateJob({ ...job.before, updatedAt: tx.now });
      });
      return 0;
    }
    await this.#record((tx) => {
      // the job may have been taken from this send meanwhile (its printer was disabled while the send was
      // slow: it was marked uncertain and moved); the result then belongs to nobody
      const current = this.host.repo.job(job.sending.id);
      if (!current || current.state !== 'sending' || current.printerId !== this.printerId || current.attempts !== job.sending.attempts) return;
      this.#apply(tx, printer, job.before, job.sending, result);
    });
    return 0;
  }

  /**
   * Writes what a send did. The ticket has gone (or not) whatever the writer says now, so a refusal that
   * passes (a full write queue, a full disk, a store held by another program) is waited out: dropped, it would leave the job `sending` until
   * a restart printed it again marked POSSIBLE DUPLICATE.
   */
  async #record(write: (tx: Tx) => void): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.host.submit(write);
      } catch (err) {
        if (!isPassingRefusal(err) || this.#stopped || this.#abandoned) throw err;
        await new Promise((r) => setTimeout(r, this.#retryDelay(attempt)));
        if (this.#abandoned) throw err;
      }
    }
  }

  #apply(tx: Tx, printer: PrinterConfig, before: JobRow, job: JobRow, result: PrintResult): void {
    const { repo, settings: s } = this.host;
    const now = tx.now;
    const at = { ...job, updatedAt: now };
    switch (result.status) {
      case 'printed':
        repo.updateJob({ ...at, state: 'confirmed', sentAt: now, confirmedAt: now, lastError: null });
        // GS r answers only after everything before it was processed: jobs the printer held are done too
        this.#confirmAllSent(tx);
        this.status.warnings = [...result.warnings];
        this.#up(tx, printer);
        return;
      case 'not-sent':
        repo.updateJob({ ...at, state: 'retry-wait', nextAttemptAt: now + this.#retryDelay(job.attempts), lastError: `not sent: ${result.reason}` });
        this.#suspectSent(tx, result.reason);
        this.#down(tx, printer, 'offline', result.reason);
        return;
      case 'held': {
        repo.updateJob({ ...at, state: 'held', nextAttemptAt: now + s.heldPollMs, lastError: `printer held: ${result.reason}` });
        if (before.state !== 'held') this.#jobChanged(tx, job.id, printer);
        this.#down(tx, printer, 'held', result.reason);
        return;
      }
      case 'uncertain': {
        if (result.reason === 'held-after-send') {
          // the printer has the job and prints it once it recovers: resending would print it twice
          // jobs an earlier device of this entry holds are not this one's to print
          if (this.#heldBy !== null && this.#heldBy !== this.#lastTransport) this.#resendHeldElsewhere(tx);
          repo.updateJob({ ...at, state: 'sent', sentAt: now, lastError: 'the printer stopped during the job; it prints it after recovery' });
          this.#heldBy = this.#lastTransport;
          this.#jobChanged(tx, job.id, printer);
          const hold = result.printer ? holdReasonOf(result.printer) : null;
          this.#down(tx, printer, 'held', hold ?? 'held-after-send');
          return;
        }
        const uncertainCount = job.uncertainCount + 1;
        const error = `not confirmed: ${result.reason}${result.detail ? ` (${result.detail})` : ''}`;
        if (uncertainCount > s.maxUncertain) {
          this.#fail(tx, { ...at, uncertainCount }, `${error}; gave up after ${uncertainCount} unconfirmed attempts`);
        } else {
          repo.updateJob({ ...at, state: 'uncertain', uncertainCount, possibleDuplicate: true, nextAttemptAt: now + this.#retryDelay(job.attempts), lastError: error });
          this.#jobChanged(tx, job.id, printer);
        }
        this.#down(tx, printer, 'offline', result.reason);
        return;
      }
    }
  }

  /** The queue is empty but the printer holds jobs it stopped on: an empty job's barrier tells when they are done. */
  async #confirmSent(printer: PrinterConfig): Promise<number> {
    const result = await this.#contact(printer, (t, signal) => t.send(EMPTY, { signal }));
    if (this.#abandoned || result === WITHDRAWN) return 0;
    const s = this.host.settings;
    return this.host.submit((tx) => {
      switch (result.status) {
        case 'printed':
          this.#confirmAllSent(tx);
          this.#up(tx, printer);
          return 0;
        case 'held':
          this.#down(tx, printer, 'held', result.reason);
          return s.heldPollMs;
        case 'not-sent':
          this.#suspectSent(tx, result.reason);
          this.#down(tx, printer, 'offline', result.reason);
          return this.#retryDelay(this.#probeAttempts++);
        case 'uncertain':
          this.#down(tx, printer, result.reason === 'held-after-send' ? 'held' : 'offline', result.reason);
          return this.#retryDelay(this.#probeAttempts++);
      }
    });
  }

  async #probe(printer: PrinterConfig): Promise<number> {
    const probe = await this.#contact(printer, (t, signal) => t.probe({ signal }));
    if (this.#abandoned || probe === WITHDRAWN) return 0;
    const s = this.host.settings;
    if (probe.reachable && probe.hold === null) {
      this.status.warnings = probe.printer.isPaperNearEnd ? ['paper-near-end'] : [];
      if (this.status.state === 'online') {
        this.#lastContact = this.host.clock();
        return s.probeIntervalMs;
      }
      await this.host.submit((tx) => this.#up(tx, printer));
      return 0;
    }
    await this.host.submit((tx) => {
      if (probe.reachable) this.#down(tx, printer, 'held', probe.hold ?? 'held');
      else {
        this.#suspectSent(tx, probe.reason);
        this.#down(tx, printer, 'offline', probe.reason);
      }
    });
    return probe.reachable ? s.heldPollMs : this.#retryDelay(this.#probeAttempts++);
  }

  /**
   * One call to the printer, withdrawable while it waits for its turn (see #call); WITHDRAWN if it was. `rendered`:
   * the config a send's bytes were rendered for. Withdrawn at once when the config changed since the step read it
   * (while the job was being marked `sending`): the call would go to the old address, or in the old encoding; and
   * when the worker was stopped meanwhile (its entry disabled or removed).
   */
  async #contact<T>(
    printer: PrinterConfig,
    call: (t: PrinterTransport, signal: AbortSignal) => Promise<T>,
    rendered: PrinterConfig | null = null,
  ): Promise<T | typeof WITHDRAWN> {
    // the ticket moves on with the queue, rather than printing on a printer the manager just took out of use
    if (this.#stopped) return WITHDRAWN;
    const transport = this.host.transport(printer);
    const now = this.host.config(this.printerId);
    if (now && now !== printer && this.#isStale(now, transport, rendered)) return WITHDRAWN;
    const controller = new AbortController();
    this.#call = { transport, controller, rendered };
    this.#lastTransport = transport;
    try {
      return await call(transport, controller.signal);
    } catch (err) {
      if (controller.signal.aborted) return WITHDRAWN;
      throw err;
    } finally {
      if (this.#call?.controller === controller) this.#call = null;
    }
  }

  #longestWait(): number {
    const s = this.host.settings;
    return Math.max(MIN_DELAY_MS, s.retryMaxMs, s.heldPollMs);
  }

  #retryDelay(attempt: number): number {
    const s = this.host.settings;
    return Math.max(MIN_DELAY_MS, fullJitterDelay(Math.max(0, attempt - 1), s.retryBaseMs, s.retryMaxMs, this.host.random));
  }

  // ---- job and printer state, inside the writer's transaction ----

  #fail(tx: Tx, job: JobRow, error: string): void {
    const failed: JobRow = { ...job, state: 'failed', lastError: error, nextAttemptAt: null, updatedAt: tx.now };
    this.host.repo.updateJob(failed);
    tx.append({
      type: 'print.job_failed',
      payload: { job: jobView(failed), error },
      topics: this.#topics(failed.stationId),
      deviceId: null,
      staffId: null,
    });
  }

  #jobChanged(tx: Tx, jobId: number, printer: PrinterConfig): void {
    const job = this.host.repo.job(jobId);
    if (!job) return;
    this.#alert(); // the screens list the job as waiting on this printer until printer.up
    tx.append({ type: 'print.job_state_changed', payload: { job: jobView(job) }, topics: this.#topics(job.stationId, printer), deviceId: null, staffId: null });
  }

  #confirmAllSent(tx: Tx): void {
    // a barrier from the device at the printer's new address says nothing of the jobs the old one holds
    if (this.#heldBy !== null && this.#heldBy !== this.#lastTransport) this.#resendHeldElsewhere(tx);
    this.#heldBy = null;
    for (const j of this.host.repo.sentJobs(this.printerId)) {
      this.host.repo.updateJob({ ...j, state: 'confirmed', confirmedAt: tx.now, updatedAt: tx.now, lastError: null });
    }
  }

  /** The `sent` jobs are in a device this entry no longer uses (its address changed): printed again, marked. */
  #resendHeldElsewhere(tx: Tx): void {
    this.#printSentAgain(tx, 'the printer was given another address while the old one held the job; printing again marked POSSIBLE DUPLICATE');
  }

  /** Every `sent` job back to `uncertain`: printed again, marked POSSIBLE DUPLICATE, saying why. */
  #printSentAgain(tx: Tx, why: string): void {
    const printer = this.host.config(this.printerId);
    for (const j of this.host.repo.sentJobs(this.printerId)) {
      this.host.repo.updateJob({ ...j, state: 'uncertain', possibleDuplicate: true, nextAttemptAt: null, updatedAt: tx.now, lastError: why });
      if (printer) this.#jobChanged(tx, j.id, printer);
    }
  }

  /**
   * The printer could not be reached: if it may have been power-cycled, it forgot the jobs it held, and they
   * print again marked POSSIBLE DUPLICATE. A printer that accepts the connection but does not answer is up
   * and busy (still printing what it held, a queued connection is not read until then) or hung; it keeps
   * its buffer, so its jobs stay `sent` (a hung one fails over, and the moved copy says POSSIBLE DUPLICATE).
   */
  #suspectSent(tx: Tx, reason: NotSentReason): void {
    if (reason === 'no-status-reply') return;
    this.#printSentAgain(tx, 'the printer went away while holding the job; printing again marked POSSIBLE DUPLICATE');
  }

  /**
   * Removed or disabled (read in the transaction: the service stops this worker only after the change has
   * committed). Its state is no news any more: `printer.removed` took it off the screens, `printer.configured`
   * shows it disabled, and a `printer.down` after those would stay on every screen for good.
   */
  #isRetired(): boolean {
    return this.host.repo.printer(this.printerId)?.enabled !== true;
  }

  #alert(): void {
    if (this.#isAlerted || this.#isRetired()) return;
    this.#isAlerted = true;
    this.host.repo.setPrinterAlerted(this.printerId, true);
  }

  #down(tx: Tx, printer: PrinterConfig, state: 'offline' | 'held', reason: string): void {
    if (this.#isRetired()) return;
    const now = tx.now;
    this.#alert();
    if (this.#downSince === null) {
      // a clock stepped back since it was written must not make the printer down in the future
      this.#downSince = Math.min(this.#downBeforeStart ?? now, now);
      this.#downBeforeStart = null;
      this.host.repo.setPrinterDownSince(this.printerId, this.#downSince);
    }
    this.#lastContact = now;
    const was = this.status;
    if (was.state === 'failed-over') {
      this.status = { ...was, reason, lastError: reason };
      return;
    }
    const isNewState = was.state !== state;
    this.status = { state, reason, since: isNewState ? now : was.since, lastError: reason, warnings: was.warnings, failedOverTo: null };
    if (isNewState) {
      tx.append({
        type: 'printer.down',
        payload: { printerId: printer.id, name: printer.name, state, reason, since: this.#downSince },
        topics: this.#topics(null, printer),
        deviceId: null,
        staffId: null,
      });
    }
  }

  #up(tx: Tx, printer: PrinterConfig): void {
    if (this.#isRetired()) return;
    const now = tx.now;
    // found up at the first contact after a restart: it was down since before the restart
    const downSince = this.#downSince ?? this.#downBeforeStart;
    this.#downBeforeStart = null;
    this.#lastContact = now;
    this.#probeAttempts = 0;
    const was = this.status;
    this.#downSince = null;
    // from `unknown` (a start) it is no news, unless the screens were last told it was down: they resume their
    // stream across a restart and keep what they were told
    const mustTell = isDown(was.state) || this.#isAlerted;
    if (was.state === 'online' && !mustTell) return;
    this.status = { state: 'online', reason: null, since: now, lastError: null, warnings: was.warnings, failedOverTo: null };
    if (mustTell) {
      this.#isAlerted = false;
      this.host.repo.setPrinterAlerted(this.printerId, false);
      tx.append({
        type: 'printer.up',
        payload: { printerId: printer.id, name: printer.name, downMs: downSince === null ? 0 : Math.max(0, now - downSince) },
        topics: this.#topics(null, printer),
        deviceId: null,
        staffId: null,
      });
    }
  }

  /** Called by the service, inside its transaction, when it moved this printer's queue to the backup. */
  markFailedOver(backupId: string, now: number): boolean {
    const was = this.status.state;
    this.status = { ...this.status, state: 'failed-over', since: was === 'failed-over' ? this.status.since : now, failedOverTo: backupId };
    return was !== 'failed-over';
  }

  #topics(stationId: string | null, printer?: PrinterConfig): string[] {
    const topics = new Set(['printers']);
    if (stationId) topics.add(`station:${stationId}`);
    for (const st of printer?.stations ?? []) topics.add(`station:${st}`);
    return [...topics];
  }
}
