import type { HoldReason, PrinterStatus } from '../protocol/status.ts';

export type { HoldReason, PrinterStatus } from '../protocol/status.ts';

/** Nothing of the job reached the printer: retrying cannot duplicate it. */
export const NOT_SENT_REASONS = [
  'connect-refused', // nothing listens (rebooting, wrong address)
  'connect-timeout', // no answer to the connection attempt (powered off, unplugged)
  'connection-lost', // the connection broke before any job byte was written
  'no-status-reply', // connected, but the printer did not answer `DLE EOT` (silent, or busy with another client)
] as const;
export type NotSentReason = (typeof NOT_SENT_REASONS)[number];

/** Job bytes went out but printing was not confirmed: a retry may print the ticket twice. */
export const UNCERTAIN_REASONS = [
  'barrier-timeout', // no reply to `GS r 1` in time; the printer may still print, or may never
  'held-after-send', // the printer reported paper out / cover open after taking the job: it prints after recovery
  'connection-lost', // the connection broke while sending or waiting for the barrier
  'write-stalled', // the printer stopped reading (full buffer) for longer than the write timeout
] as const;
export type UncertainReason = (typeof UNCERTAIN_REASONS)[number];

/** Warnings that do not stop printing. */
export type PrintWarning = 'paper-near-end';

/**
 * The outcome of one job. A durable queue maps it to its states:
 * - `printed` → confirmed (the printer processed every byte up to the barrier)
 * - `not-sent` → retry-wait (safe to resend, same ticket)
 * - `held` → held (nothing sent; probe until the printer recovers, then resend)
 * - `uncertain` → uncertain (do not resend blindly: ask, or reprint with a POSSIBLE DUPLICATE banner)
 * `queued`, `sending` and `failed` (after too many retries) belong to the queue itself.
 */
export type PrintResult =
  | { status: 'printed'; warnings: PrintWarning[]; elapsedMs: number }
  | { status: 'not-sent'; reason: NotSentReason; detail?: string }
  | { status: 'held'; reason: HoldReason; printer: PrinterStatus }
  | { status: 'uncertain'; reason: UncertainReason; printer?: PrinterStatus; detail?: string };

export type ProbeResult =
  | { reachable: true; printer: PrinterStatus; hold: HoldReason | null }
  | { reachable: false; reason: NotSentReason; detail?: string };

/** Options of one `send` or `probe`. */
export interface CallOptions {
  /**
   * Withdraws the call while it waits for its turn (another call to the printer is running): it rejects at once
   * with the signal's reason, and nothing of it reaches the printer. A call that has started is not cut short.
   */
  signal?: AbortSignal;
}

/**
 * One printer. Implementations send at most one job at a time (printers serve one connection), so concurrent
 * `send` calls run one after the other, in call order; one still waiting may be withdrawn (`CallOptions`).
 */
export interface PrinterTransport {
  /** Send one job (complete ESC/POS bytes, e.g. from `renderTicket`) and wait until it is printed or not. */
  send(job: Uint8Array, opts?: CallOptions): Promise<PrintResult>;
  /** Ask the printer for its status without printing. */
  probe(opts?: CallOptions): Promise<ProbeResult>;
  /** Wait for running jobs, then release resources. */
  close(): Promise<void>;
}
