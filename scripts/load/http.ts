/**
 * The load generator's HTTP calls (over HttpPool: a pool per device class, explicit and cheap), and the
 * exactly-once mutation path every device uses: one Idempotency-Key per intended mutation, the same key on
 * every retry.
 */
import { randomUUID } from 'node:crypto';
import { HttpPool, TimeoutError, UnsentError, type ReplyHeaders } from './http-pool.ts';

export { HttpPool };

export interface HttpReply {
  status: number;
  headers: ReplyHeaders;
  text: string;
  /** ms from the moment the request had a socket (left this process's pool) to the end of the answer. */
  wireMs: number;
}

export interface RequestOptions {
  token?: string | undefined;
  body?: unknown;
  key?: string | undefined;
  headers?: Record<string, string> | undefined;
  timeoutMs: number;
}

/**
 * Thrown for an attempt that got no HTTP answer: refused, reset, timed out, or never sent because it waited
 * too long for a connection of its device's pool (`unsent`: the generator's limit, the hub never saw it).
 */
export class NoAnswerError extends Error {
  constructor(
    readonly reason: 'timeout' | 'network' | 'unsent',
    message: string,
    /** ms from the moment the request had a socket (left this process's pool) to the failure. */
    readonly wireMs: number,
  ) {
    super(message);
  }
}

/** How long a request may wait for a socket in its device's pool before it gives up unsent. */
const QUEUE_WAIT_MAX_MS = 30_000;

export const newPool = (maxSockets: number): HttpPool => new HttpPool(maxSockets);

/**
 * One request. Its timeout runs from the moment it has a socket: an arrival waiting in our own pool has
 * not been sent (in an open loop beyond the hub's capacity most wait there, late by their scheduled time).
 * Timing it from the call instead cut requests off just after they reached the hub, their connection with
 * them, and the reconnecting pool spiralled. A request that never gets a socket gives up after
 * QUEUE_WAIT_MAX_MS.
 */
export async function httpCall(base: URL, pool: HttpPool, method: string, path: string, o: RequestOptions): Promise<HttpReply> {
  const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.key) headers['idempotency-key'] = o.key;
  let body: string | undefined;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] = 'application/json';
  }
  // time spent waiting for a free socket in our own pool is the client's, not the hub's
  let onWire = nowMs();
  try {
    const r = await pool.request(base, { method, path, headers, body, onSocket: () => (onWire = nowMs()) }, o.timeoutMs, QUEUE_WAIT_MAX_MS + o.timeoutMs);
    return { status: r.status, headers: r.headers, text: r.body.toString('utf8'), wireMs: nowMs() - onWire };
  } catch (err) {
    const message = `${method} ${path}: ${err instanceof Error ? err.message : String(err)}`;
    throw new NoAnswerError(err instanceof TimeoutError ? 'timeout' : err instanceof UnsentError ? 'unsent' : 'network', message, nowMs() - onWire);
  }
}

/** Monotonic milliseconds shared by every process on the machine (CLOCK_MONOTONIC), so workers' times compare. */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Statuses after which the same request is sent again, with the same key. */
export function isRetryable(status: number, text: string): boolean {
  // 507: the hub's disk is full; nothing was saved, and the devices resend as the outbox does
  if (status === 429 || status === 503 || status === 502 || status === 504 || status === 507) return true;
  // nothing was applied (the hub says so for 500); a key still being processed elsewhere answers 409 in_use
  if (status === 500) return true;
  return status === 409 && text.includes('"idempotency_key_in_use"');
}

/** Seconds in a Retry-After header (delta form), as ms; undefined when absent or a date. */
export function retryAfterMs(h: ReplyHeaders): number | undefined {
  const s = h['retry-after'];
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
}

export interface AttemptRecord {
  /** ms from this attempt's request leaving our socket pool to its answer (or failure). */
  ms: number;
  status: number;
  /** Why there was no HTTP answer, when there was none. */
  failure?: NoAnswerError['reason'];
  /**
   * A 5xx answer's error code (`overloaded`, `store_busy`, …): which refusal it was. A waiter's order answered
   * 503 in a flood is resent and taken, but the code says why it was refused (round twenty-three's 32 were
   * not traced for want of it).
   */
  code?: string;
}

/** The `error.code` of a hub's error answer, read without parsing the body. */
const errorCodeOf = (text: string): string | undefined => /"code":"([a-z_]+)"/.exec(text)?.[1];

export interface MutationOutcome {
  key: string;
  /** The final HTTP answer, or undefined when the mutation was abandoned (no answer that ends it). */
  reply: HttpReply | undefined;
  attempts: number;
  /** From the first send (or the scheduled time, open loop) to the final answer. */
  totalMs: number;
}

export interface MutationPolicy {
  timeoutMs: number;
  maxAttempts: number;
  /** Monotonic ms after which no further attempt starts (read before each retry: a run that stops early lowers it). */
  giveUpAt: () => number;
  /** Called for every attempt, answered or not (latency per attempt, status counts). */
  onAttempt?: (a: AttemptRecord) => void;
  /** Open loop: measure totalMs from this monotonic time instead of the first send. */
  scheduledAt?: number;
}

/**
 * Sends a mutation until it gets an answer that ends it (anything but a timeout, a network error or a
 * retryable status), always with the same Idempotency-Key: the hub applies it at most once and answers a
 * replay with the stored response — the exactly-once path. Backs off exponentially with jitter; honours
 * Retry-After; bounded by attempts and by `giveUpAt`.
 */
export async function mutate(
  base: URL,
  pool: HttpPool,
  method: string,
  path: string,
  body: unknown,
  token: string | undefined,
  policy: MutationPolicy,
  key: string = randomUUID(),
): Promise<MutationOutcome> {
  const start = policy.scheduledAt ?? nowMs();
  let backoff = 50;
  let attempts = 0;
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    attempts = attempt;
    let wait: number;
    try {
      const reply = await httpCall(base, pool, method, path, { token, body, key, timeoutMs: policy.timeoutMs });
      const code = reply.status >= 500 ? errorCodeOf(reply.text) : undefined;
      policy.onAttempt?.({ ms: reply.wireMs, status: reply.status, ...(code === undefined ? {} : { code }) });
      if (!isRetryable(reply.status, reply.text)) return { key, reply, attempts: attempt, totalMs: nowMs() - start };
      const asked = retryAfterMs(reply.headers);
      // jitter so that a crowd told "Retry-After: 1" does not come back in one instant, but only later: the
      // hub's wait is a floor (spread below it, a quarter of the crowd came back early and was refused again)
      wait = asked === undefined ? backoff * (0.75 + Math.random() * 0.5) : asked * (1 + Math.random() * 0.25);
    } catch (err) {
      if (!(err instanceof NoAnswerError)) throw err;
      policy.onAttempt?.({ ms: err.wireMs, status: 0, failure: err.reason });
      wait = backoff * (0.75 + Math.random() * 0.5);
    }
    backoff = Math.min(backoff * 2, 2000);
    if (nowMs() + wait >= policy.giveUpAt()) break;
    await sleep(wait);
  }
  return { key, reply: undefined, attempts, totalMs: nowMs() - start };
}
