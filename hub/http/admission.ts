import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { isPublic, type Principal } from '../domain/principal.ts';
import type { Priority } from '../store/writer.ts';
import { HttpError } from './errors.ts';
import { MapSweep } from './map-sweep.ts';

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
 * Callers whose buckets are kept at most (about 20 MB with the gate's longest keys, measured). A restaurant
 * has a few hundred phones at its peak; only a flood of made-up callers comes near (IPv6 addresses on the
 * guest Wi-Fi are free, and the gate keys a caller by the token it sends, before the hub has checked it).
 */
export const MAX_CALLERS = 50_000;

/**
 * Buckets the sweep looks at per take, and at most before it turns a new caller away at the bound: constants,
 * so no request ever scans the map.
 */
const SWEEP_PER_TAKE = 2;
const SWEEP_AT_BOUND = 64;

/**
 * Per-caller token buckets and the refusals they lead to, with a Retry-After that grows while refusals
 * flood. Used by the hub's own admission and by the public gate (hub/gate), which refuses on its own
 * thread before a request reaches the hub.
 *
 * Memory is bounded without forgetting a caller that is being limited. A bucket full again is the same as
 * no bucket: a sweep goes round the map a couple of buckets per take and drops those (a caller idle for
 * burst / rate, 2 s, is always one). (The map was cleared whole at 50,000 callers: a flood of distinct
 * addresses gave every phone being limited a fresh burst each time.) At `maxCallers`, a new caller is let
 * in once the sweep finds one full bucket among the next 64; when none is (each of their callers sending at
 * about its rate or faster: one request is made up in 1 / rate s), it is refused as rate-limited (429,
 * Retry-After) until some go quiet, and the callers already known keep their buckets. Keeping 50,000 buckets
 * short of full takes about 50,000 × rate requests a second (a million at the default 20/s, simulated), far
 * past what the gate's thread parses (~0.2 ms a refusal): a flood of made-up callers sending a request or two
 * each is swept as it comes, and no new phone is refused for it.
 */
export class PublicLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly sweep = new MapSweep(this.buckets);
  /** Public refusals in the current and the previous whole second of the clock. */
  private readonly refusals = { second: 0, current: 0, previous: 0 };
  private readonly burst: number;

  constructor(
    private readonly clock: () => number,
    private readonly ratePerSec: number,
    private readonly maxCallers = MAX_CALLERS,
  ) {
    this.burst = ratePerSec * 2;
  }

  /** Takes one request from `caller`'s bucket; the 429 to throw when it is empty. */
  take(caller: string): HttpError | undefined {
    return this.takeToken(caller) ? undefined : rateLimited(this.retryAfterS(1));
  }

  /** The 503 for a request shed because the hub is busy. */
  overloaded(): HttpError {
    return overloaded(this.retryAfterS(2));
  }

  /** Callers with a bucket now (for tests). */
  get callers(): number {
    return this.buckets.size;
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
    this.forgetFull(now, SWEEP_PER_TAKE);
    let b = this.buckets.get(caller);
    if (!b) {
      if (this.buckets.size >= this.maxCallers) this.forgetFull(now, SWEEP_AT_BOUND, true);
      if (this.buckets.size >= this.maxCallers) return false;
      b = { tokens: this.burst, at: now };
      this.buckets.set(caller, b);
    }
    // a clock set back gives nothing back, and takes nothing either: an hour back had refused every caller for an hour
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.ratePerSec);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /**
   * Drops buckets full again among the next `steps` (MapSweep). A bucket last used "after now" (the clock was
   * set back) has been idle for an unknown time: it goes too (one burst, once).
   */
  private forgetFull(now: number, steps: number, one = false): void {
    this.sweep.drop(steps, (b) => now < b.at || b.tokens + ((now - b.at) / 1000) * this.ratePerSec >= this.burst, one);
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

  /**
   * `viaGate`: the public address's thread passed it on, having taken it from the same caller's bucket at the
   * same rate. Taken again here, a gap between the two buckets' clocks (the gate's requests reaching a busy
   * hub bunched together) refused a phone the gate had let through; the hub's own bucket is for the callers
   * on the staff address (QR codes printed before the public address existed).
   */
  admit(principal: Principal, address: string, isMutation: boolean, viaGate = false): void {
    if (!isPublic(principal)) return;
    const caller =
      principal.kind === 'table' ? `table:${principal.tableId}` : principal.kind === 'device' ? `device:${principal.deviceId}` : `ip:${address}`;
    const limited = viaGate ? undefined : this.limiter.take(caller);
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
