import { BARRIER, recoveryFlush } from '../protocol/commands.ts';
import { holdReasonOf, type PrinterStatus } from '../protocol/status.ts';
import { CallQueue } from './call-queue.ts';
import { sharedDeviceLocks, type DeviceLocks } from './device-locks.ts';
import { sharedHostResolver, type HostResolver } from './host-resolver.ts';
import { PrinterConnection, TIMED_OUT, withTimeout, type OpenResult } from './printer-connection.ts';
import type { CallOptions, PrintResult, PrintWarning, PrinterTransport, ProbeResult } from './types.ts';

export interface TcpTransportOptions {
  host: string;
  /** usually 9100 */
  port: number;
  /** give up connecting after this long (a powered-off printer never answers the SYN) */
  connectTimeoutMs?: number;
  /** wait this long for the three `DLE EOT` replies */
  statusTimeoutMs?: number;
  /** report 'write-stalled' when the printer reads nothing for this long */
  writeStallTimeoutMs?: number;
  /** wait this long for the `GS r 1` reply after the last byte was handed to the kernel */
  barrierTimeoutMs?: number;
  /** poll `DLE EOT` this often while waiting for the barrier, to see paper-out / cover-open mid-job */
  pollIntervalMs?: number;
  /** wait this long for the printer to close its side after our `end()` */
  closeTimeoutMs?: number;
  /** NUL bytes sent before each job to complete a command a dropped connection left half-sent; 0 = none */
  recoveryNulBytes?: number;
  /** turns a host name into an address (default: the process's shared one); an IP address is used as it is */
  resolver?: HostResolver;
  /**
   * one connection at a time per device, whatever transport asks (default: the process's); another client of
   * the printer (a second program) is a transport with its own
   */
  devices?: DeviceLocks;
}

const DEFAULTS = {
  connectTimeoutMs: 3000,
  statusTimeoutMs: 2000,
  writeStallTimeoutMs: 15_000,
  barrierTimeoutMs: 60_000,
  pollIntervalMs: 1000,
  closeTimeoutMs: 2000,
  recoveryNulBytes: 8192,
} satisfies Omit<Required<TcpTransportOptions>, 'host' | 'port' | 'resolver' | 'devices'>;

/**
 * The part of the connect timeout a name lookup may take: the connection gets the rest. Lookups are answered
 * from the resolver's memory nearly always; one that is slow falls back to the last address it gave.
 */
const LOOKUP_SHARE = 0.5;

/**
 * Raw ESC/POS over TCP port 9100, one connection per job:
 * connect → `DLE EOT 1/2/4` (held if the printer cannot print) → NUL flush + `ESC @` → job → `GS r 1`
 * → wait for its reply (printed) while polling status → `end()`.
 * Jobs run one at a time, in call order: printers serve one connection at a time. The hub shares one
 * transport between printer entries at one address, so a call may wait for another entry's ticket: one still
 * waiting can be withdrawn (`CallOptions.signal`). Entries that spell one device two ways (a name and its
 * address) have two transports: their calls take turns on the device too, once the name is resolved.
 */
export class TcpPrinterTransport implements PrinterTransport {
  readonly #opts: Required<Omit<TcpTransportOptions, 'resolver' | 'devices'>>;
  readonly #resolver: HostResolver;
  readonly #devices: DeviceLocks;
  readonly #calls = new CallQueue();

  constructor(opts: TcpTransportOptions) {
    const { resolver, devices, ...rest } = opts;
    this.#opts = { ...DEFAULTS, ...withoutUndefined(rest), host: opts.host, port: opts.port };
    this.#resolver = resolver ?? sharedHostResolver;
    this.#devices = devices ?? sharedDeviceLocks;
  }

  send(job: Uint8Array, opts: CallOptions = {}): Promise<PrintResult> {
    return this.#calls.run(
      () => this.#onDevice(opts.signal, (detail) => ({ status: 'not-sent', reason: 'connect-timeout', detail }), (open) => this.#send(job, open)),
      opts.signal,
    );
  }

  probe(opts: CallOptions = {}): Promise<ProbeResult> {
    return this.#calls.run(
      () => this.#onDevice(opts.signal, (detail) => ({ reachable: false, reason: 'connect-timeout', detail }), (open) => this.#probe(open)),
      opts.signal,
    );
  }

  close(): Promise<void> {
    return this.#calls.idle();
  }

  /**
   * A call with the device to itself: a printer by name is reached at the address the resolver gives (bounded,
   * remembered), and the call waits there for any other transport's call to that device (withdrawable by
   * `signal` until it starts). `open` connects within what the lookup left of the connect timeout (the wait
   * for the device is not the printer's slowness); one that does not answer makes the resolver ask the name again.
   */
  async #onDevice<T>(signal: AbortSignal | undefined, unresolved: (detail: string) => T, call: (open: () => Promise<OpenResult>) => Promise<T>): Promise<T> {
    const o = this.#opts;
    const started = performance.now();
    const resolved = await this.#resolver.resolve(o.host, o.connectTimeoutMs * LOOKUP_SHARE);
    if (!resolved.ok) return unresolved(resolved.detail);
    const left = Math.max(1, o.connectTimeoutMs - (performance.now() - started));
    const open = async (): Promise<OpenResult> => {
      const opened = await PrinterConnection.open(resolved.address, o.port, left);
      if (!opened.ok) this.#resolver.suspect(o.host);
      return opened;
    };
    return this.#devices.run(resolved.address, o.port, () => call(open), signal);
  }

  async #probe(open: () => Promise<OpenResult>): Promise<ProbeResult> {
    const o = this.#opts;
    const opened = await open();
    if (!opened.ok) return { reachable: false, reason: opened.reason, detail: opened.detail };
    const conn = opened.connection;
    try {
      const status = await conn.requestStatus(o.statusTimeoutMs);
      if (status === 'closed') return { reachable: false, reason: 'connection-lost', detail: conn.error };
      if (status === null) {
        conn.destroy(); // as in send: only status requests went out, and a silent printer would not close either
        return { reachable: false, reason: 'no-status-reply' };
      }
      return { reachable: true, printer: status, hold: holdReasonOf(status) };
    } finally {
      await conn.end(o.closeTimeoutMs);
    }
  }

  async #send(job: Uint8Array, open: () => Promise<OpenResult>): Promise<PrintResult> {
    const o = this.#opts;
    // Monotonic time, not Date.now(): a hub without a real-time clock has its wall clock stepped by hours when
    // NTP syncs, which would end the barrier wait at once (a false 'uncertain', a duplicate ticket) or
    // stretch it by the size of the step.
    const started = performance.now();
    const opened = await open();
    if (!opened.ok) return { status: 'not-sent', reason: opened.reason, detail: opened.detail };
    const conn = opened.connection;
    try {
      // 1. Ask before sending: a printer out of paper would keep the job and print it later, retries too.
      const before = await conn.requestStatus(o.statusTimeoutMs);
      if (before === 'closed') return { status: 'not-sent', reason: 'connection-lost', detail: conn.error };
      if (before === null) {
        conn.destroy(); // silent printer: nothing was sent but status requests, nothing to lose
        return { status: 'not-sent', reason: 'no-status-reply' };
      }
      const hold = holdReasonOf(before);
      if (hold !== null) return { status: 'held', reason: hold, printer: before };
      const warnings: PrintWarning[] = before.isPaperNearEnd ? ['paper-near-end'] : [];

      // 2. From here on bytes of the job may reach the printer: every failure is 'uncertain'.
      const barrier = conn.nextBarrierReply();
      const payload = Buffer.concat([recoveryFlush(o.recoveryNulBytes), job, BARRIER]);
      const written = await conn.write(payload, o.writeStallTimeoutMs);
      if (written === 'closed') return { status: 'uncertain', reason: 'connection-lost', detail: conn.error };
      if (written === 'stalled') {
        conn.destroy();
        return { status: 'uncertain', reason: 'write-stalled' };
      }

      // 3. Wait for the barrier reply; poll status meanwhile to tell "held with our job inside" apart.
      let last: PrinterStatus = before;
      let wasHeld = false;
      const deadline = performance.now() + o.barrierTimeoutMs;
      let reply: number | null | typeof TIMED_OUT = TIMED_OUT;
      while (performance.now() < deadline) {
        reply = await withTimeout(barrier, Math.min(o.pollIntervalMs, deadline - performance.now()));
        if (reply !== TIMED_OUT) break;
        // Status requests written behind unsent job bytes would only be answered after them: skip then.
        if (conn.pendingWriteBytes > 0) continue;
        const s = await conn.requestStatus(Math.min(o.statusTimeoutMs, Math.max(1, deadline - performance.now())));
        if (s === 'closed') break;
        if (s !== null) {
          last = s;
          if (holdReasonOf(s) !== null) wasHeld = true;
          if (s.isPaperNearEnd && !warnings.includes('paper-near-end')) warnings.push('paper-near-end');
        }
      }
      if (reply === TIMED_OUT) {
        reply = await withTimeout(barrier, 0); // a reply racing the deadline still counts
      }
      if (reply === null || (reply === TIMED_OUT && conn.isClosed)) {
        return { status: 'uncertain', reason: 'connection-lost', printer: last, detail: conn.error };
      }
      if (reply === TIMED_OUT) {
        conn.destroy();
        const stillHeld = holdReasonOf(last) !== null;
        return { status: 'uncertain', reason: wasHeld && stillHeld ? 'held-after-send' : 'barrier-timeout', printer: last };
      }
      return { status: 'printed', warnings, elapsedMs: Math.round(performance.now() - started) };
    } finally {
      await conn.end(o.closeTimeoutMs);
    }
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
