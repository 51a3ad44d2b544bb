import { encodeStatus, decodeStatus, holdReasonOf, type PrinterStatus } from '../protocol/status.ts';
import { CallQueue } from './call-queue.ts';
import type { CallOptions, PrintResult, PrinterTransport, ProbeResult } from './types.ts';

export interface InMemoryPrinterState {
  isPaperOut: boolean;
  isPaperNearEnd: boolean;
  isCoverOpen: boolean;
  hasError: boolean;
  /** answers nothing: sends come back 'not-sent' / 'no-status-reply' */
  isPoweredOff: boolean;
}

/** The printer behind an `InMemoryTransport`: the jobs it printed and switches for its state. */
export class InMemoryPrinter {
  readonly jobs: Buffer[] = [];
  state: InMemoryPrinterState = {
    isPaperOut: false,
    isPaperNearEnd: false,
    isCoverOpen: false,
    hasError: false,
    isPoweredOff: false,
  };

  set(patch: Partial<InMemoryPrinterState>): void {
    this.state = { ...this.state, ...patch };
  }

  status(): PrinterStatus {
    const s = encodeStatus(this.state);
    return decodeStatus(s.printer, s.offline, s.paper);
  }
}

/**
 * A `PrinterTransport` without sockets, for tests of code that prints (the hub's print queue). Follows the
 * same contract as the TCP transport (see transport-contract.ts); `scriptNext` forces an outcome the
 * contract cannot produce on demand, such as 'uncertain'.
 */
export class InMemoryTransport implements PrinterTransport {
  readonly printer: InMemoryPrinter;
  #scripted: { result: PrintResult; isJobKept: boolean }[] = [];
  readonly #calls = new CallQueue();

  constructor(printer = new InMemoryPrinter()) {
    this.printer = printer;
  }

  /** The next send returns `result`; with `isJobKept` the job is also recorded as printed (a late print). */
  scriptNext(result: PrintResult, opts: { isJobKept?: boolean } = {}): void {
    this.#scripted.push({ result, isJobKept: opts.isJobKept ?? false });
  }

  send(job: Uint8Array, opts: CallOptions = {}): Promise<PrintResult> {
    return this.#calls.run(async () => {
      const scripted = this.#scripted.shift();
      if (scripted !== undefined) {
        if (scripted.isJobKept) this.printer.jobs.push(Buffer.from(job));
        return scripted.result;
      }
      if (this.printer.state.isPoweredOff) return { status: 'not-sent', reason: 'no-status-reply' };
      const status = this.printer.status();
      const hold = holdReasonOf(status);
      if (hold !== null) return { status: 'held', reason: hold, printer: status };
      this.printer.jobs.push(Buffer.from(job));
      return { status: 'printed', warnings: status.isPaperNearEnd ? ['paper-near-end'] : [], elapsedMs: 0 };
    }, opts.signal);
  }

  probe(opts: CallOptions = {}): Promise<ProbeResult> {
    return this.#calls.run(async () => {
      if (this.printer.state.isPoweredOff) return { reachable: false, reason: 'no-status-reply' };
      const status = this.printer.status();
      return { reachable: true, printer: status, hold: holdReasonOf(status) };
    }, opts.signal);
  }

  close(): Promise<void> {
    return this.#calls.idle();
  }
}
