/**
 * The typed HTTP client every app uses. Request and response types come from `hub/protocol` (type-only
 * imports: no schema code ships to the tablets); nothing here restates a hub type by hand.
 *
 * Every mutation carries an Idempotency-Key made on the device, and a retry of the same mutation reuses it,
 * so "sent twice because the Wi-Fi hiccuped" is one change on the hub.
 */
import type { z } from 'zod';
import type {
  ErrorBody,
  ErrorCode,
  Floor,
  Health,
  Menu,
  Order,
  PairDevice,
  Recall,
  Role,
  SetLineStatus,
  Snapshot,
  menuSchema,
  orderResponseSchema,
  pairResponseSchema,
  sessionResponseSchema,
  signOutResponseSchema,
} from '../../hub/protocol/index.ts';
import { newIdempotencyKey } from './ids.ts';

export type PairResponse = z.infer<typeof pairResponseSchema>;
export type SessionResponse = z.infer<typeof sessionResponseSchema>;
export type SignOutResponse = z.infer<typeof signOutResponseSchema>;
type OrderResponse = z.infer<typeof orderResponseSchema>;
type MenuResponse = { menu: z.infer<typeof menuSchema> };

/** Which token a request presents. Reads and the stream use the device's; staff actions the staff session's. */
export type AuthAs = 'none' | 'device' | 'staff';

export interface HubCredentials {
  device(): string | null;
  staff(): string | null;
}

/** The hub answered with an error body: a definite "no" (or "not now": `askedToWait`). */
export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | (string & {}),
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/**
 * 429 (too many), 503 (overloaded, store busy) and 507 (the hub's disk is full): the hub saved nothing and
 * asks to be asked again later (Retry-After), with the same key. Not a refusal of the change.
 */
export function askedToWait(err: unknown): err is HubError {
  return err instanceof HubError && (err.status === 429 || err.status === 503 || err.status === 507);
}

/** No answer (network down, hub stopped, timeout). For a mutation the outcome is unknown, never "failed". */
export class HubUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubUnreachableError';
  }
}

export interface HubClientOptions {
  /** '' (same origin, the browser apps) or `http://host:port` (tests, tools). */
  baseUrl?: string;
  credentials: HubCredentials;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Told when the hub refuses a token (401), so the app can ask to pair or sign in again. */
  onUnauthenticated?: (as: AuthAs) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface RequestOptions {
  as?: AuthAs;
  /** Present this token instead of the one `as` names (a session being ended, already forgotten here). */
  bearer?: string;
  body?: unknown;
  /** Idempotency-Key; mutations get a fresh one unless given. */
  key?: string;
  headers?: Record<string, string>;
  /** Sees the raw answer's headers (ETag, …). */
  onHeaders?: (headers: Headers) => void;
  /**
   * false: the answer's `Date` says nothing about the hub's clock now, because it may come from the service
   * worker's cache (sw-policy.ts: the menu), stamped the day it was stored.
   */
  isClockSample?: boolean;
}

/** The longest Retry-After `mutate` waits out itself, holding its caller (a tap showing "sending"). */
const MAX_HELD_RETRY_AFTER_S = 5;

export class HubClient {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private menuCache: { etag: string; menu: Menu } | null = null;
  /** Hub clock minus device clock, from the `Date` header of answers (cheap tablets drift when offline). */
  private skew: number | null = null;

  constructor(private readonly opts: HubClientOptions) {
    this.baseUrl = opts.baseUrl ?? '';
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = opts.timeoutMs ?? 8000;
  }

  /** Best estimate of the hub's clock offset from this device's, in ms (0 until the first answer). */
  get serverOffsetMs(): number {
    return this.skew ?? 0;
  }

  async request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, o: RequestOptions = {}): Promise<T> {
    const as = o.as ?? 'device';
    const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
    const token = o.bearer ?? this.tokenFor(as);
    if (as !== 'none' && !token) {
      this.opts.onUnauthenticated?.(as);
      throw new HubError(401, 'unauthenticated', as === 'staff' ? 'no staff member is signed in' : 'this device is not paired');
    }
    if (token) headers.authorization = `Bearer ${token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    if (o.key) headers['idempotency-key'] = o.key;

    // the timeout covers the whole answer, body included: headers and half a body, then a dead link, is no
    // answer at all (an outbox entry waiting on it would stay "sending", and the whole queue behind it)
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const sentAt = Date.now();
    const unreachable = (err: unknown) =>
      new HubUnreachableError(controller.signal.aborted ? `no answer from the hub in ${this.timeoutMs} ms` : `hub unreachable: ${String(err)}`);
    let res: Response;
    let text: string;
    try {
      try {
        res = await this.fetchFn(this.baseUrl + path, {
          method,
          headers,
          body: o.body === undefined ? null : JSON.stringify(o.body),
          signal: controller.signal,
          cache: 'no-store',
        });
      } catch (err) {
        throw unreachable(err);
      }
      if (o.isClockSample !== false) this.observeClock(res.headers.get('date'), sentAt, Date.now());
      o.onHeaders?.(res.headers);
      if (res.status === 304) return null as T;
      try {
        text = await res.text();
      } catch (err) {
        throw unreachable(err);
      }
    } finally {
      clearTimeout(timer);
    }
    const json = parseJson(text);
    if (res.ok && json === NOT_JSON) {
      // the hub answers everything in JSON: a 2xx page is someone else's (a captive portal, a proxy's login
      // page). Taken for the hub's answer, an order never sent would count as placed: it is no answer at all,
      // so a mutation stays unknown and goes again with its key
      throw new HubUnreachableError(`not the hub's answer: HTTP ${res.status} ${res.headers.get('content-type') ?? 'without a type'} (a captive portal or proxy?)`);
    }
    if (!res.ok) {
      const error = json === NOT_JSON ? undefined : (json as Partial<ErrorBody> | null)?.error;
      // a wrong PIN is a 401 too, but the device's token was fine: only a refused token signs anyone out, and
      // only the one in use now. A refusal of a token replaced while the request was out (re-paired, signed
      // in again) is about the old one: ending the pairing or session made since would throw away a good one.
      // Nor a 401 without the hub's error body: a portal's or proxy's, which never saw the token
      if (res.status === 401 && error !== undefined && error.code !== 'pin_invalid' && as !== 'none' && token === this.tokenFor(as)) this.opts.onUnauthenticated?.(as);
      throw new HubError(res.status, error?.code ?? 'internal', error?.message ?? `HTTP ${res.status}`, error?.details ?? retryAfter(res));
    }
    return json as T;
  }

  /**
   * A state change. Retries while the outcome is unknown (no answer) or the hub asks to wait (`askedToWait`)
   * no longer than `MAX_HELD_RETRY_AFTER_S`, always with the same Idempotency-Key, so the hub applies it once.
   */
  async mutate<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, o: { as?: AuthAs; bearer?: string; key?: string; attempts?: number } = {}): Promise<T> {
    const key = o.key ?? newIdempotencyKey();
    const attempts = o.attempts ?? 4;
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const random = this.opts.random ?? Math.random;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.request<T>(method, path, { as: o.as ?? 'staff', body, key, ...(o.bearer ? { bearer: o.bearer } : {}) });
      } catch (err) {
        const retriable = err instanceof HubUnreachableError || askedToWait(err);
        if (!retriable || attempt >= attempts) throw err;
        const hinted = err instanceof HubError ? (err.details as { retryAfterS?: number } | undefined)?.retryAfterS : undefined;
        // never sooner than the hub asked (its Retry-After grows while refusals flood, to spread the callers
        // out); longer than a tap should hang, and the caller gets the "not now" at once rather than a resend
        // into the same flood
        if (hinted !== undefined && hinted > MAX_HELD_RETRY_AFTER_S) throw err;
        // spread over as long again, as the outbox does: every device the hub refused in one second was told
        // the same Retry-After, and back in one instant they are refused again
        const hintedMs = hinted !== undefined ? hinted * 1000 : undefined;
        await sleep(hintedMs !== undefined ? hintedMs + Math.floor(random() * hintedMs) : backoffDelay(attempt - 1, { baseMs: 250, maxMs: 4000 }, random));
      }
    }
  }

  // ---- endpoints (types from hub/protocol) ----

  health(): Promise<Health> {
    return this.request<Health>('GET', '/api/v1/health', { as: 'none' });
  }

  /** The menu, revalidated with its ETag: an unchanged menu costs a 304 and no parsing. */
  async menu(): Promise<Menu> {
    const cached = this.menuCache;
    let etag: string | null = null;
    const res = await this.request<MenuResponse | null>('GET', '/api/v1/menu', {
      as: 'none',
      headers: cached ? { 'if-none-match': cached.etag } : {},
      onHeaders: (h) => (etag = h.get('etag')),
      // over HTTPS a reload with the hub down gets the menu from the service worker's cache, with the Date
      // of the day it was stored: taken as the hub's clock, every ticket's age would be a day off
      isClockSample: false,
    });
    if (res === null && cached) return cached.menu;
    if (res === null) throw new HubError(500, 'internal', 'empty menu answer');
    this.menuCache = etag ? { etag, menu: res.menu } : null;
    return res.menu;
  }

  snapshot(): Promise<Snapshot> {
    return this.request<Snapshot>('GET', '/api/v1/snapshot', { as: 'device' });
  }

  floor(): Promise<Floor> {
    return this.request<Floor>('GET', '/api/v1/floor', { as: 'staff' });
  }

  async order(orderId: string): Promise<Order> {
    return (await this.request<OrderResponse>('GET', `/api/v1/orders/${encodeURIComponent(orderId)}`, { as: 'staff' })).order;
  }

  pair(body: PairDevice): Promise<PairResponse> {
    return this.mutate<PairResponse>('POST', '/api/v1/devices/pair', body, { as: 'none', attempts: 1 });
  }

  /**
   * `roles`: those the screen lets on. The hub refuses anyone else (403 `forbidden`, the person's name and
   * role in `details`) without making a session, rather than the screen throwing away a session it got.
   */
  signIn(pin: string, roles?: readonly Role[]): Promise<SessionResponse> {
    return this.mutate<SessionResponse>('POST', '/api/v1/staff/sessions', { pin, ...(roles ? { roles } : {}) }, { as: 'device', attempts: 1 });
  }

  /**
   * Ends the staff session `token` on the hub (sign-out, screen lock). Sent as `none` with that token: the
   * device has forgotten the session already, and a 401 (ended before) must not sign anyone else out here.
   */
  signOut(token: string): Promise<SignOutResponse> {
    return this.mutate<SignOutResponse>('DELETE', '/api/v1/staff/sessions/current', undefined, { as: 'none', bearer: token, attempts: 3 });
  }

  async setLineStatus(orderId: string, body: SetLineStatus): Promise<Order> {
    return (await this.mutate<OrderResponse>('POST', `/api/v1/orders/${encodeURIComponent(orderId)}/status`, body)).order;
  }

  async recall(orderId: string, body: Recall): Promise<Order> {
    return (await this.mutate<OrderResponse>('POST', `/api/v1/orders/${encodeURIComponent(orderId)}/recall`, body)).order;
  }

  async setRush(orderId: string, rush: boolean): Promise<Order> {
    return (await this.mutate<OrderResponse>('POST', `/api/v1/orders/${encodeURIComponent(orderId)}/rush`, { rush })).order;
  }

  /** The WebSocket address of the stream, with the token in the query (browsers cannot set headers on it). */
  streamUrl(token: string): string {
    const base = this.baseUrl || (typeof location !== 'undefined' ? location.origin : 'http://localhost');
    return `${base.replace(/^http/, 'ws')}/api/v1/stream?token=${encodeURIComponent(token)}`;
  }

  /** The token `as` presents now (the credentials may change while a request is out). */
  private tokenFor(as: AuthAs): string | null {
    return as === 'none' ? null : as === 'device' ? this.opts.credentials.device() : this.opts.credentials.staff();
  }

  private observeClock(date: string | null, sentAt: number, receivedAt: number): void {
    if (!date) return;
    const hub = Date.parse(date);
    if (Number.isNaN(hub)) return;
    // the header has 1 s resolution: the true hub time lies in [hub, hub + 1000); aim for the middle
    const sample = hub + 500 - (sentAt + receivedAt) / 2;
    this.skew = this.skew === null ? sample : this.skew + (sample - this.skew) / 4;
  }
}

const NOT_JSON: unique symbol = Symbol('not JSON');

/** The answer's JSON, or `NOT_JSON` (an empty body included: every answer of the hub but a 304 has one). */
function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : NOT_JSON;
  } catch {
    return NOT_JSON;
  }
}

function retryAfter(res: Response): { retryAfterS: number } | undefined {
  const v = Number(res.headers.get('retry-after'));
  return Number.isFinite(v) && v > 0 ? { retryAfterS: v } : undefined;
}

/**
 * Exponential backoff with full jitter (a uniformly random wait up to the exponential cap), so a room of
 * tablets that lost the hub together do not all knock again in the same instant.
 */
export function backoffDelay(attempt: number, o: { baseMs: number; maxMs: number }, random: () => number = Math.random): number {
  const cap = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}
