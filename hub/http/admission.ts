import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { isPublic, type Principal } from '../domain/principal.ts';
import type { Priority } from '../store/writer.ts';
import { HttpError } from './errors.ts';

/** Kitchen and staff first: the public channel waits in the writer's low lane. */
export const priorityOf = (p: Principal): Priority => (isPublic(p) ? 'low' : 'high');

/**
 * How long a mutation may expect to wait for its turn in the writer before it is refused with 503 +
 * Retry-After instead (Writer.submit), and how many jobs must be ahead of it before that can happen.
 * Without a bound, staff traffic beyond what the disk and CPU can take queued for seconds under overload
 * (p99 6 s at 5 × capacity), and so did everything behind it. Staff are refused only once more is queued
 * than a whole restaurant's tablets and screens send at once; the public channel, which waits behind
 * them anyway, gets a much shorter budget, so it is shed long before staff are.
 */
export const writerWaitBudget: Record<Priority, { maxWaitMs: number; minAhead: number }> = {
  high: { maxWaitMs: 150, minAhead: 64 },
  low: { maxWaitMs: 50, minAhead: 8 },
};

/**
 * Public refusals per second the hub aims to answer at most. Each costs the hub about a fifth of a
 * millisecond of its one thread (HTTP in and out), so a flood of phones retrying every second was enough
 * to take the whole thread and slow the waiters' orders behind it. Past this rate the Retry-After grows
 * with the rate of refusals (clients honour it: the apps' outboxes do), so retries thin out instead of
 * multiplying the flood.
 */
const PUBLIC_REFUSALS_PER_SEC = 300;
const MAX_RETRY_AFTER_S = 15;

/**
 * The refusals, built once per Retry-After value and thrown as often as needed: a refusal should cost
 * next to nothing, and the stack trace a new Error captures is never looked at (refusals are answers).
 */
const refusal = (make: (retryAfterS: number) => HttpError) => {
  const made = new Map<number, HttpError>();
  return (retryAfterS: number): HttpError => {
    let e = made.get(retryAfterS);
    if (!e) made.set(retryAfterS, (e = make(retryAfterS)));
    return e;
  };
};
const rateLimited = refusal(
  (s) => new HttpError('too_many_requests', 'too many requests from this device; slow down', undefined, { 'Retry-After': String(s) }),
);
const overloaded = refusal(
  (s) => new HttpError('overloaded', 'the kitchen hub is very busy; please retry in a moment', undefined, { 'Retry-After': String(s) }),
);

export interface AdmissionOptions {
  clock: () => number;
  /** Mutations waiting for the writer. */
  queueDepth: () => number;
  /** Recent event-loop delay (p99, ms). */
  eventLoopLagMs: () => number;
  /** Public mutations are shed once this many writes wait (staff keep the rest of the queue). */
  publicQueueLimit: number;
  /** Public requests are shed while the event loop lags more than this. */
  maxLagMs: number;
  /** Sustained requests per second per public caller (table token or address), burst twice that. */
  publicRatePerSec: number;
  onShed?: (reason: 'rate' | 'queue' | 'lag') => void;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-caller token buckets and the refusals they lead to, with a Retry-After that grows while refusals
 * flood. Used by the hub's own admission and by the public gate (hub/gate), which refuses on its own
 * thread before a request reaches the hub.
 */
export class PublicLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Public refusals in the current and the previous whole second of the clock. */
  private readonly refusals = { second: 0, current: 0, previous: 0 };

  constructor(
    private readonly clock: () => number,
    private readonly ratePerSec: number,
  ) {}

  /** Takes one request from `caller`'s bucket; the 429 to throw when it is empty. */
  take(caller: string): HttpError | undefined {
    return this.takeToken(caller) ? undefined : rateLimited(this.retryAfterS(1));
  }

  /** The 503 for a request shed because the hub is busy. */
  overloaded(): HttpError {
    return overloaded(this.retryAfterS(2));
  }

  /** Counts a refusal and says how long its caller should wait: `base`, or longer while refusals flood. */
  private retryAfterS(base: number): number {
    const second = Math.floor(this.clock() / 1000);
    const r = this.refusals;
    if (second !== r.second) {
      r.previous = second === r.second + 1 ? r.current : 0;
      r.current = 0;
      r.second = second;
    }
    r.current++;
    const rate = Math.max(r.previous, r.current);
    return Math.min(MAX_RETRY_AFTER_S, Math.max(base, Math.ceil(rate / PUBLIC_REFUSALS_PER_SEC)));
  }

  private takeToken(caller: string): boolean {
    const now = this.clock();
    const rate = this.ratePerSec;
    const burst = rate * 2;
    let b = this.buckets.get(caller);
    if (!b) {
      if (this.buckets.size >= 50_000) this.buckets.clear(); // bounded memory under a flood of addresses
      b = { tokens: burst, at: now };
      this.buckets.set(caller, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/**
 * Decides, before any work is done, whether a request is taken. Kitchen and staff traffic is never shed
 * here — it meets only the writer's hard queue bound, and its mutations go first; customers' phones, kiosks
 * and anonymous callers are rate-limited and are the first to get 429/503 with Retry-After when the hub is
 * busy, so the peak degrades the public channel before it touches the kitchen.
 */
export class Admission {
  private readonly limiter: PublicLimiter;

  constructor(private readonly o: AdmissionOptions) {
    this.limiter = new PublicLimiter(o.clock, o.publicRatePerSec);
  }

  admit(principal: Principal, address: string, isMutation: boolean): void {
    if (!isPublic(principal)) return;
    const caller =
      principal.kind === 'table' ? `table:${principal.tableId}` : principal.kind === 'device' ? `device:${principal.deviceId}` : `ip:${address}`;
    const limited = this.limiter.take(caller);
    if (limited) {
      this.o.onShed?.('rate');
      throw limited;
    }
    // shed orders from phones and kiosks; anonymous mutations are only pairing handshakes, rare and rate-limited
    if (!isMutation || principal.kind === 'anonymous') return;
    if (this.o.queueDepth() > this.o.publicQueueLimit) {
      this.o.onShed?.('queue');
      throw this.limiter.overloaded();
    }
    if (this.o.eventLoopLagMs() > this.o.maxLagMs) {
      this.o.onShed?.('lag');
      throw this.limiter.overloaded();
    }
  }
}

/**
 * The event loop's delay, p99 over the last `windowMs` to half of it: two histograms take turns being reset
 * every half window and are read together. One histogram reset every 10 s (as before) read 0 ms after each
 * reset until its first samples came, whatever the lag (Node drops the first interval after a reset): health
 * said 0 on a hub lagging 80–150 ms, and the admission and the public gate, which shed on this figure, saw
 * none either. Either half always holds the half window before it.
 */
export class EventLoopLag {
  private readonly halves: [IntervalHistogram, IntervalHistogram];
  /** The half reset next (the older one). */
  private older = 0;
  private readonly turns: ReturnType<typeof setInterval>;

  constructor(windowMs = 10_000, resolutionMs = 10) {
    this.halves = [monitorEventLoopDelay({ resolution: resolutionMs }), monitorEventLoopDelay({ resolution: resolutionMs })];
    for (const h of this.halves) h.enable();
    this.turns = setInterval(() => this.turn(), windowMs / 2);
    this.turns.unref();
  }

  /** p99 of the loop's delay, ms (two decimals). */
  p99Ms(): number {
    let ns = 0;
    for (const h of this.halves) if (h.count > 0) ns = Math.max(ns, h.percentile(99));
    return Math.round(ns / 1e4) / 100;
  }

  /** The older half starts again (every half window; exposed for tests). */
  turn(): void {
    this.halves[this.older]!.reset();
    this.older = 1 - this.older;
  }

  /** Forget everything so far (start-up is not load). */
  reset(): void {
    for (const h of this.halves) h.reset();
  }

  stop(): void {
    clearInterval(this.turns);
    for (const h of this.halves) h.disable();
  }
}
