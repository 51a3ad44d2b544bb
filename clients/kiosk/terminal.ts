/**
 * The card terminal beside the kiosk, behind the smallest interface a terminal SDK can implement: start a
 * sale for an amount, await its outcome. The kiosk never sees card data; it records only what the terminal
 * answers (a reference, and the last four digits and scheme when the terminal gives them).
 *
 * `SimulatedTerminal` is the demo's terminal, like the hub's simulated printers: it takes no money. A real
 * terminal plugs in by implementing `PaymentTerminal` and adding a case to `createTerminal`.
 */
import { newId } from '../shared/ids.ts';
import { Store } from '../shared/store.ts';

export interface SaleRequest {
  amountMinor: number;
  currency: string;
  /** The hub's order number (the pickup number), so the terminal's journal can be matched to the order. */
  merchantReference: string;
}

export type SaleOutcome =
  | { kind: 'approved'; reference: string; cardLast4?: string; scheme?: string }
  | { kind: 'declined'; reason: string }
  | { kind: 'cancelled' }
  | { kind: 'error'; message: string };

export interface PaymentTerminal {
  /** True for anything that takes no real money: the kiosk then says so on screen. */
  readonly simulated: boolean;
  /**
   * Runs one sale and resolves with its outcome; never rejects (a broken link is `error`). Aborting
   * `signal` asks the terminal to cancel, but a card already read may still be approved: whatever the
   * promise resolves with is what happened, and an approval must be recorded even after a cancel.
   */
  sale(request: SaleRequest, signal?: AbortSignal): Promise<SaleOutcome>;
}

/** The sale the simulator is showing, for the view ("tap / insert card" and its demo buttons). */
export interface SimulatedPrompt extends SaleRequest {
  /** Approves by itself (the test flag): the view shows no buttons. */
  auto: boolean;
}

export interface TerminalTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: TerminalTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * A terminal that exists only on screen. Demo mode: the kiosk shows the prompt with "approve" and "decline"
 * buttons standing in for the customer's card. With `autoApproveMs` (tests) it approves by itself.
 */
export class SimulatedTerminal implements PaymentTerminal {
  readonly simulated = true;
  readonly prompt = new Store<SimulatedPrompt | null>(null);
  private finish: ((outcome: SaleOutcome) => void) | null = null;

  constructor(private readonly o: { autoApproveMs?: number | null; timers?: TerminalTimers } = {}) {}

  sale(request: SaleRequest, signal?: AbortSignal): Promise<SaleOutcome> {
    // one card slot: a second sale while one runs is the caller's bug, answered rather than queued
    if (this.finish) return Promise.resolve({ kind: 'error', message: 'the terminal is busy with another sale' });
    if (signal?.aborted) return Promise.resolve({ kind: 'cancelled' });
    const timers = this.o.timers ?? realTimers;
    const auto = this.o.autoApproveMs ?? null;
    return new Promise<SaleOutcome>((resolve) => {
      const timer = auto === null ? null : timers.setTimeout(() => this.approve(), auto);
      const onAbort = () => this.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.finish = (outcome) => {
        if (timer !== null) timers.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.finish = null;
        this.prompt.set(null);
        resolve(outcome);
      };
      this.prompt.set({ ...request, auto: auto !== null });
    });
  }

  approve(): void {
    this.finish?.({ kind: 'approved', reference: `SIM-${newId().slice(-10)}`, cardLast4: '4242', scheme: 'SIMULATED' });
  }

  decline(reason = 'declined (simulated)'): void {
    this.finish?.({ kind: 'declined', reason });
  }

  cancel(): void {
    this.finish?.({ kind: 'cancelled' });
  }
}

/** Which terminal this kiosk drives. `off`: no card payment offered (pay at the counter only). */
export type TerminalSetting = 'sim' | 'sim-auto' | 'off';
const SETTINGS: readonly TerminalSetting[] = ['sim', 'sim-auto', 'off'];

/**
 * `?terminal=` wins (and is then remembered by the caller), else what was remembered, else the simulator:
 * the demo store has no terminal. Unknown values are ignored rather than turning card payment off.
 */
export function terminalSetting(search: string, remembered: unknown): TerminalSetting {
  const asked = new URLSearchParams(search).get('terminal');
  for (const v of [asked, remembered]) if (SETTINGS.includes(v as TerminalSetting)) return v as TerminalSetting;
  return 'sim';
}

/** How long the test flag's simulator "waits for the card" before approving. */
export const AUTO_APPROVE_MS = 800;

export function createTerminal(setting: TerminalSetting): PaymentTerminal | null {
  switch (setting) {
    case 'sim':
      return new SimulatedTerminal();
    case 'sim-auto':
      return new SimulatedTerminal({ autoApproveMs: AUTO_APPROVE_MS });
    case 'off':
      return null;
  }
}
