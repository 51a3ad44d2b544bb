/**
 * The offline outbox: every mutation an app makes goes through here, so that "the Wi-Fi dropped", "the tab
 * was closed" or "the hub restarted" never loses or duplicates an order.
 *
 * - An entry (method, path, body, and an Idempotency-Key made on the device) is written to storage
 *   (IndexedDB in the browser) **before** the first send; `enqueue` resolves only once it is stored.
 * - Entries are sent one at a time, strictly in the order they were queued (the per-device ordering a
 *   Replicache `mutationId` gives comes from the queue itself), so "create order X, then add lines to X"
 *   can be queued while offline. An entry never overtakes an earlier one that is still unsettled, and is
 *   never sent while the entry it depends on is unsettled, wherever that one sits in the queue.
 * - Every app on the hub's origin shares the one IndexedDB database: an outbox loads and sends only the
 *   scopes it `owns`, the ones it holds the credentials for (a QR page its own table's entries). Another
 *   scope's entries stay in storage untouched until their own app sends them.
 * - States: `saved` (on this device, not sent yet) → `sending` → `confirmed` (the hub answered 2xx: the only
 *   state that counts as placed) | `rejected` (the hub's rules said no: a 4xx, needs a human) |
 *   `unknown` (no answer, a timeout, a 5xx, 429/503: the outcome is not known, and the entry is retried
 *   with the same key — never shown as failed). Retries use exponential backoff with full jitter and honour
 *   `Retry-After`: never sooner, and spread over as long again, so the devices refused together do not
 *   all come back together. A 401 is not the answer to the change (the hub refused the credentials, and may have
 *   committed the change before an answer was lost): the entry is held as `unknown` and resent with the
 *   same key once the app has credentials again, unless the app says nothing can renew them.
 * - On load, unsettled entries resume. An entry that was `sending` when the page died is `unknown`: the hub
 *   may have committed it; resending with the same key returns the stored answer instead of a second order.
 * - An entry may depend on an earlier one (`dependsOn`): when that one is rejected, so is this one (adding
 *   lines to an order the hub refused to create cannot succeed).
 * - An entry goes only to the store it was made for (`storeId`, when the app says its store: `store`). Two
 *   stores' hubs on one LAN (a food court) may swap addresses, a tablet may be moved to another store and
 *   paired there: the origin stays the same, and the old store's orders and payments must not go to the new
 *   one. Such an entry waits, saying why (`madeForAnotherStore`), and the new store's entries go past it; the
 *   device paired with its store again, it goes with its key. Staff may discard them instead (`discardWaitingFor`).
 *
 * Storage is a four-method interface: `MemoryOutboxStorage` for unit tests, `IdbOutboxStorage` for the
 * browser (a few dozen lines over IndexedDB, which works on plain-HTTP LAN pages, unlike most storage APIs
 * that need a secure context), with memory behind it when the browser's IndexedDB refuses to store
 * (`FallbackOutboxStorage`). A removed entry stays removed, whichever tab still holds it (`update`).
 */
import { backoffDelay } from './hub-client.ts';
import { newId, newIdempotencyKey } from './ids.ts';

export type OutboxState = 'saved' | 'sending' | 'unknown' | 'confirmed' | 'rejected';

export interface OutboxError {
  status: number;
  code: string;
  message: string;
}

export interface OutboxEntry<M = unknown> {
  /** Entry id (client-generated ULID). */
  id: string;
  /** Queue position: sent in this order. */
  seq: number;
  /** Groups entries (e.g. one table token); `pending()` and the app's views filter by it. */
  scope: string;
  key: string;
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body: unknown;
  dependsOn: string | null;
  /**
   * The store whose hub this entry is for (its storeId), sent to no other. Null: the app did not know it when
   * the entry was made; absent: stored before entries said it. Both go as they always did.
   */
  storeId?: string | null;
  /** What the app needs to show this entry (e.g. the cart it came from). Never sent. */
  meta: M;
  state: OutboxState;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  /** When the next attempt is due (state `unknown`). */
  nextAttemptAt: number | null;
  /** Why the last attempt gave no definite answer ("hub unreachable", "HTTP 503 …"). */
  lastProblem: string | null;
  /** The hub's answer body once confirmed. */
  result: unknown;
  error: OutboxError | null;
}

export interface OutboxStorage {
  all(): Promise<OutboxEntry[]>;
  /** Stores a new entry. */
  put(entry: OutboxEntry): Promise<void>;
  /**
   * Stores a later state of an entry, unless it was removed meanwhile (false: nothing written). Two tabs of
   * an app share the storage: one still sending an entry the other has dismissed must not bring it back,
   * where a reload would show a refused order, with its "send again", that the customer already sent again.
   */
  update(entry: OutboxEntry): Promise<boolean>;
  /** Removes an entry for good: a later `update` of it writes nothing. */
  delete(id: string): Promise<void>;
  /** false once entries are kept in this page's memory only (they would not survive a reload). Absent: true. */
  readonly durable?: boolean;
}

/** What one attempt got back: an HTTP answer, or nothing at all. */
export type SendResult =
  | { kind: 'answer'; status: number; body: unknown; retryAfterS?: number | undefined }
  | { kind: 'unreachable'; reason: string };

export type Transport = (entry: OutboxEntry) => Promise<SendResult>;

export type Verdict =
  | { outcome: 'confirmed' }
  | { outcome: 'rejected'; error: OutboxError }
  | { outcome: 'unknown'; problem: string; retryAfterS?: number | undefined }
  | { outcome: 'unauthenticated'; error: OutboxError };

/**
 * The hub's answer → what it means for the entry.
 * 2xx: confirmed. 408/425/429, 5xx and `idempotency_key_in_use` (the same key is still being processed):
 * unknown, retry. 401: unauthenticated — the hub checks the token before it looks up the key, so a 401 says
 * nothing about the change (the outbox's `unauthenticated` option decides). Other 4xx: rejected. One 503 is
 * final: `ordering_paused` (the manager paused kiosk and QR orders). The hub does not store it with the key,
 * so the same key would go through once ordering resumes, but an order placed by itself minutes later, when
 * the customer may have given up or gone, is worse than asking: the customer sends again (a new key).
 */
export function classify(result: SendResult): Verdict {
  if (result.kind === 'unreachable') return { outcome: 'unknown', problem: result.reason };
  const { status, body } = result;
  if (status >= 200 && status < 300) return { outcome: 'confirmed' };
  const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof err?.code === 'string' ? err.code : `http_${status}`;
  const message = typeof err?.message === 'string' ? err.message : `HTTP ${status}`;
  if (status === 401) return { outcome: 'unauthenticated', error: { status, code, message } };
  if (code === 'ordering_paused') return { outcome: 'rejected', error: { status, code, message } };
  if (status === 408 || status === 425 || status === 429 || status >= 500 || code === 'idempotency_key_in_use') {
    return { outcome: 'unknown', problem: `HTTP ${status} ${code}`, retryAfterS: result.retryAfterS };
  }
  return { outcome: 'rejected', error: { status, code, message } };
}

export interface OutboxTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface OutboxOptions {
  storage: OutboxStorage;
  transport: Transport;
  now?: () => number;
  random?: () => number;
  timers?: OutboxTimers;
  /** Backoff for unknown outcomes: random(0, min(maxMs, baseMs·2ⁿ)). */
  backoff?: { baseMs: number; maxMs: number };
  /**
   * Longest Retry-After honoured (a hub asking for 60 s is still re-asked after this, spread over as long
   * again: see the send loop).
   */
  maxRetryAfterMs?: number;
  /**
   * Which scopes this outbox loads and sends. Every app on the hub's origin shares one IndexedDB database,
   * and an app may send only what it holds the credentials for; another scope's entries are never read into
   * this outbox (so never sent, changed or pruned by it), and wait in storage for their own app.
   * Default: every scope (one app per storage).
   */
  owns?: (scope: string) => boolean;
  /**
   * What a 401 does to an entry. `hold` (default): the hub refused the credentials, not the change — which
   * it may have committed before the answer was lost — so the entry stays `unknown` and is resent with the
   * same key, on the usual backoff and at `retryNow` (someone signed in, the device was paired again).
   * `reject`: the app's credential can never be renewed (a table's QR token), so the 401 is final.
   */
  unauthenticated?: 'hold' | 'reject';
  /**
   * The store the app's credentials are for now (the session's storeId), null when not known (not paired).
   * Each entry is tagged with it when queued, and one tagged for another store is not sent (it waits: see
   * `madeForAnotherStore`). Absent: entries are not tagged, and every one is sent.
   */
  store?: () => string | null;
  /** Called after every state change with the entries of its scopes (queue order). */
  onChange?: (entries: readonly OutboxEntry[]) => void;
  log?: (message: string, detail?: unknown) => void;
}

/**
 * What a person is told about an entry: saved on this device → sending → confirmed; no answer is
 * "retrying" (or "busy" when the hub asked to wait, "storage" when its disk is full: staff are to tell the
 * manager, not blame the Wi-Fi), never "failed"; a refusal says why when it can.
 */
export type EntryView = 'saved' | 'sending' | 'retrying' | 'busy' | 'storage' | 'confirmed' | 'rejected' | 'paused' | 'dependency';

export function entryView(e: Pick<OutboxEntry, 'state' | 'lastProblem' | 'error'>): EntryView {
  switch (e.state) {
    case 'saved':
    case 'sending':
    case 'confirmed':
      return e.state;
    case 'unknown':
      if (e.lastProblem === null) return 'retrying';
      return /HTTP 507/.test(e.lastProblem) ? 'storage' : /HTTP (429|503)/.test(e.lastProblem) ? 'busy' : 'retrying';
    case 'rejected':
      return e.error?.code === 'ordering_paused' ? 'paused' : e.error?.code === 'depends_on_rejected' ? 'dependency' : 'rejected';
  }
}

/** How `lastProblem` begins for an entry waiting because it was made for another store than the device's now. */
const OTHER_STORE = 'other_store';

/**
 * The entry waits because it was made for another store than the one this device is paired with now: staff
 * are to pair it with that store's hub again (it is not retrying), or, the device moved for good, discard it
 * with the others of that store (`discardWaitingFor`) once told what that store may never get.
 */
export const madeForAnotherStore = (e: Pick<OutboxEntry, 'state' | 'lastProblem'>): boolean =>
  !isSettled(e) && e.lastProblem !== null && e.lastProblem.startsWith(OTHER_STORE);

const UNSETTLED: ReadonlySet<OutboxState> = new Set(['saved', 'sending', 'unknown']);
export const isSettled = (e: Pick<OutboxEntry, 'state'>): boolean => !UNSETTLED.has(e.state);

export class Outbox {
  private entries: OutboxEntry[] = [];
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly timers: OutboxTimers;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly owns: (scope: string) => boolean;
  /** Sending may start: the first read of storage has finished (or failed). */
  private loaded = false;
  /** Storage has been read once: enqueue and retryNow read again until it has. */
  private readOnce = false;
  private reading: Promise<void> | null = null;
  /** The last queue position given or loaded: positions only grow, whatever the device clock does. */
  private lastSeq = 0;
  private pumping = false;
  private again = false;
  private timer: unknown = null;
  private stopped = false;
  /** Resolvers waiting for an entry to settle. */
  private readonly waiters = new Map<string, { resolve: (e: OutboxEntry) => void; reject: (err: Error) => void }[]>();
  /** Told when storage turns out not to keep entries across a reload (`resume`). */
  private onUnavailable: (() => void) | null = null;
  /**
   * Entry id → the earliest time the hub's last answer to it (Retry-After) lets it go again. `retryNow` skips
   * backoff, not this: at a peak every refused phone whose page becomes visible or whose stream comes back
   * would otherwise knock again at once. Kept on this page only: a reload tries at once, as before.
   */
  private readonly hubAskedToWait = new Map<string, number>();

  constructor(private readonly opts: OutboxOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.random = opts.random ?? Math.random;
    this.timers = opts.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as Parameters<typeof clearTimeout>[0]),
    };
    this.backoff = opts.backoff ?? { baseMs: 500, maxMs: 15_000 };
    this.owns = opts.owns ?? (() => true);
  }

  /** Every entry, in queue order (a copy). */
  list(scope?: string): OutboxEntry[] {
    return this.entries.filter((e) => scope === undefined || e.scope === scope).map((e) => ({ ...e }));
  }

  get(id: string): OutboxEntry | undefined {
    const e = this.entries.find((x) => x.id === id);
    return e && { ...e };
  }

  /**
   * `load()` for an app's start: storage that cannot be read (private mode, quota, a broken IndexedDB) must
   * not stop the app, but it means unsent orders would not survive a reload, which `onUnavailable` shows.
   */
  resume(onUnavailable: () => void): void {
    // also when storage takes an entry into memory only, later (`FallbackOutboxStorage`): the order is taken,
    // and the app says it would not survive a reload
    this.onUnavailable = onUnavailable;
    void this.load().catch((err: unknown) => {
      console.error('outbox unavailable', err);
      onUnavailable();
    });
  }

  /**
   * Reads what a previous page left (of the scopes this outbox owns) and resumes sending it. An entry caught
   * mid-send is `unknown`. Calls while a read is running share it.
   */
  load(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = null));
    return this.reading;
  }

  private async read(): Promise<void> {
    try {
      const stored = await this.opts.storage.all();
      const known = new Set(this.entries.map((e) => e.id));
      for (const e of stored) {
        if (known.has(e.id) || !this.owns(e.scope)) continue;
        if (e.state === 'sending') e.state = 'unknown';
        if (e.state === 'unknown') e.nextAttemptAt = this.now(); // a new page: try at once
        this.entries.push(e);
        this.lastSeq = Math.max(this.lastSeq, e.seq);
      }
      this.entries.sort((a, b) => a.seq - b.seq);
      this.readOnce = true;
    } finally {
      // storage that cannot be read must not stop what is queued from now on (`enqueue` stores each entry
      // itself): sending starts anyway, and the next enqueue or retryNow reads again
      this.loaded = true;
      this.changed();
      this.kick();
    }
  }

  /**
   * Queues a mutation. Resolves once it is stored on the device (before any send), with the entry.
   * Throws if the device cannot store it: the caller must then say so, not pretend it was queued.
   */
  async enqueue<M>(m: { scope: string; method: OutboxEntry['method']; path: string; body: unknown; meta: M; dependsOn?: string | null; key?: string; id?: string }): Promise<OutboxEntry<M>> {
    // stored under a scope this outbox does not send, it would wait for an app that never comes
    if (!this.owns(m.scope)) throw new Error(`this outbox does not send scope ${m.scope}`);
    // what a previous page left first: a new entry is queued behind every stored one, even when a tap comes
    // before the first read returns and the device clock was set back since
    if (!this.readOnce) await this.load().catch(() => undefined);
    const now = this.now();
    const seq = (this.lastSeq = Math.max(now, this.lastSeq + 1));
    const entry: OutboxEntry<M> = {
      id: m.id ?? newId(now),
      seq,
      scope: m.scope,
      key: m.key ?? newIdempotencyKey(),
      method: m.method,
      path: m.path,
      body: m.body,
      dependsOn: m.dependsOn ?? null,
      ...(this.opts.store ? { storeId: this.opts.store() } : {}),
      meta: m.meta,
      state: 'saved',
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      nextAttemptAt: null,
      lastProblem: null,
      result: null,
      error: null,
    };
    await this.opts.storage.put(entry);
    if (this.opts.storage.durable === false) this.onUnavailable?.();
    this.entries.push(entry);
    this.entries.sort((a, b) => a.seq - b.seq);
    const saved = { ...entry };
    this.changed();
    this.kick();
    return saved;
  }

  /** Resolves when the entry is confirmed or rejected (tests, "tap send → confirmed" timing). */
  settled(id: string): Promise<OutboxEntry> {
    const e = this.entries.find((x) => x.id === id);
    if (!e) return Promise.reject(new Error(`no outbox entry ${id}`));
    if (isSettled(e)) return Promise.resolve({ ...e });
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(id, list);
    });
  }

  /**
   * Skip the backoff wait: the browser says it is online again, or someone tapped "retry now". Not the wait
   * the hub itself asked for (Retry-After): that one is never cut short.
   */
  retryNow(): void {
    if (this.loaded && !this.readOnce) void this.load().catch(() => undefined); // the first read failed
    const now = this.now();
    for (const e of this.entries) if (e.state === 'unknown') e.nextAttemptAt = Math.max(now, this.hubAskedToWait.get(e.id) ?? now);
    this.kick();
  }

  /** Forget a settled entry (a rejected one the customer dismissed, old confirmed ones). */
  async remove(id: string): Promise<void> {
    const e = this.entries.find((x) => x.id === id);
    if (!e) return;
    if (!isSettled(e)) throw new Error('an unsettled entry cannot be removed: its outcome is not known yet');
    await this.opts.storage.delete(id);
    this.entries = this.entries.filter((x) => x.id !== id);
    this.changed();
  }

  /**
   * What waits for another store than the device's now (`madeForAnotherStore`), by store, in queue order:
   * for the staff to see, and discard when the device will not go back there.
   */
  waitingForOtherStores(): { storeId: string; entries: OutboxEntry[] }[] {
    // while the device's own store is not known (paired, its hub not asked yet), an entry may be for it
    if ((this.opts.store?.() ?? null) === null) return [];
    const byStore = new Map<string, OutboxEntry[]>();
    for (const e of this.entries) {
      if (isSettled(e) || this.otherStore(e) === null) continue;
      const storeId = e.storeId!;
      byStore.set(storeId, [...(byStore.get(storeId) ?? []), { ...e }]);
    }
    return [...byStore].map(([storeId, entries]) => ({ storeId, entries }));
  }

  /**
   * Staff give up on what waits for `storeId` (the device was moved for good): those entries are removed
   * unsent, as are the entries that depend on them (they could not succeed). Unsettled, so `remove` refuses
   * them: whether that store's hub got one whose answer was lost is not known, which the app's confirmation
   * says. Never an entry for the store the device is paired with now. Resolves with how many went.
   */
  async discardWaitingFor(storeId: string): Promise<number> {
    const gone = new Set(this.waitingForOtherStores().find((w) => w.storeId === storeId)?.entries.map((e) => e.id) ?? []);
    if (gone.size === 0) return 0;
    for (let more = true; more; ) {
      more = false;
      for (const e of this.entries) {
        if (!gone.has(e.id) && !isSettled(e) && e.state !== 'sending' && e.dependsOn !== null && gone.has(e.dependsOn)) more = gone.add(e.id) !== undefined;
      }
    }
    for (const id of gone) {
      await this.opts.storage.delete(id);
      this.entries = this.entries.filter((x) => x.id !== id);
      this.hubAskedToWait.delete(id);
      const list = this.waiters.get(id);
      this.waiters.delete(id);
      for (const w of list ?? []) w.reject(new Error(`outbox entry ${id} was discarded: made for store ${storeId}`));
    }
    this.opts.log?.(`outbox: ${gone.size} entries made for store ${storeId} discarded unsent`);
    this.changed();
    this.kick();
    return gone.size;
  }

  /** Stop sending (tests, page teardown). Stored entries stay for the next load. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  // ---- the send loop ----

  private kick(): void {
    if (!this.loaded || this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (;;) {
        this.again = false;
        if (this.stopped) return;
        await this.sayWhoWaits();
        const head = this.next();
        if (!head) return;
        const parent = head.dependsOn ? this.entries.find((e) => e.id === head.dependsOn) : undefined;
        if (parent?.state === 'rejected') {
          await this.settle(head, 'rejected', {
            error: { status: 0, code: 'depends_on_rejected', message: parent.error?.message ?? 'an earlier change was refused' },
          });
          continue;
        }
        const wait = (head.nextAttemptAt ?? 0) - this.now();
        if (wait > 0) {
          this.timer = this.timers.setTimeout(() => {
            this.timer = null;
            this.kick();
          }, wait);
          return;
        }
        head.state = 'sending';
        head.attempts += 1;
        head.updatedAt = this.now();
        if (!(await this.persist(head))) continue;
        this.changed();
        let result: SendResult;
        try {
          result = await this.opts.transport({ ...head });
        } catch (err) {
          result = { kind: 'unreachable', reason: String(err) };
        }
        const verdict = classify(result);
        if (verdict.outcome === 'confirmed') {
          await this.settle(head, 'confirmed', { result: result.kind === 'answer' ? result.body : null });
        } else if (verdict.outcome === 'rejected') {
          await this.settle(head, 'rejected', { error: verdict.error });
        } else if (verdict.outcome === 'unauthenticated' && this.opts.unauthenticated === 'reject') {
          await this.settle(head, 'rejected', { error: verdict.error });
        } else {
          const retryAfterS = verdict.outcome === 'unknown' ? verdict.retryAfterS : undefined;
          const problem = verdict.outcome === 'unknown' ? verdict.problem : `HTTP 401 ${verdict.error.code}: ${verdict.error.message}`;
          const hinted = retryAfterS !== undefined && retryAfterS > 0 ? Math.min(retryAfterS * 1000, this.opts.maxRetryAfterMs ?? 30_000) : null;
          // never sooner than the hub asked, and spread over as long again: the hub tells every device it
          // refused within a second the same Retry-After, and all of them back in one instant were a flood of
          // their own, refused together again
          const delay = hinted !== null ? hinted + Math.floor(this.random() * hinted) : backoffDelay(head.attempts - 1, this.backoff, this.random);
          head.state = 'unknown';
          head.lastProblem = problem;
          head.nextAttemptAt = this.now() + delay;
          if (hinted !== null) this.hubAskedToWait.set(head.id, this.now() + hinted);
          else this.hubAskedToWait.delete(head.id);
          head.updatedAt = this.now();
          if (!(await this.persist(head))) continue;
          this.changed();
          this.opts.log?.(`outbox: ${head.method} ${head.path} unknown (${problem}); retry in ${delay} ms`);
        }
      }
    } finally {
      this.pumping = false;
      if (this.again && this.timer === null && !this.stopped) void this.pump();
    }
  }

  /**
   * The entry to send next: the first unsettled one in queue order, or, when that one depends on an entry
   * still unsettled behind it (positions come from device clocks), that entry first: an entry is never sent
   * before the one it depends on has its answer.
   */
  private next(): OutboxEntry | undefined {
    // an entry for another store holds up nothing here: its queue is that store's
    candidates: for (const first of this.entries) {
      if (isSettled(first) || this.otherStore(first) !== null) continue;
      let head = first;
      const seen = new Set<string>();
      while (head.dependsOn && !seen.has(head.id)) {
        seen.add(head.id);
        const parentId = head.dependsOn;
        const parent = this.entries.find((e) => e.id === parentId);
        if (!parent || isSettled(parent)) break;
        if (this.otherStore(parent) !== null) continue candidates; // waits with the entry it depends on
        head = parent;
      }
      return head;
    }
    return undefined;
  }

  /** Why the entry may not be sent to the store the device is paired with now; null: it may. */
  private otherStore(e: OutboxEntry): string | null {
    if (!this.opts.store || e.storeId === undefined || e.storeId === null) return null;
    const here = this.opts.store();
    if (here === e.storeId) return null;
    const paired = here === null ? 'is paired with no store it knows' : `is paired with store ${here}`;
    return `${OTHER_STORE}: made for store ${e.storeId}; this device ${paired}: pair it with that store's hub to send it`;
  }

  /** Entries waiting for their store say so (and stop saying it once the device is paired with it again). */
  private async sayWhoWaits(): Promise<void> {
    for (const e of [...this.entries]) {
      if (isSettled(e)) continue;
      const why = this.otherStore(e);
      const said = madeForAnotherStore(e);
      if (why === null ? !said : e.lastProblem === why) continue;
      e.lastProblem = why;
      e.updatedAt = this.now();
      if (await this.persist(e)) this.changed();
    }
  }

  private async settle(e: OutboxEntry, state: 'confirmed' | 'rejected', o: { result?: unknown; error?: OutboxError }): Promise<void> {
    e.state = state;
    e.result = o.result ?? null;
    e.error = o.error ?? null;
    e.nextAttemptAt = null;
    e.updatedAt = this.now();
    this.hubAskedToWait.delete(e.id);
    const list = this.waiters.get(e.id);
    this.waiters.delete(e.id);
    if (await this.persist(e)) this.changed();
    for (const w of list ?? []) w.resolve({ ...e });
  }

  /**
   * Stores the entry's new state. False: another tab removed it meanwhile (it settled there, and was
   * dismissed or pruned), and this outbox forgets it too rather than send it on or write it back.
   */
  private async persist(e: OutboxEntry): Promise<boolean> {
    let kept = true;
    try {
      kept = await this.opts.storage.update({ ...e });
    } catch (err) {
      // the entry is already stored from enqueue; a failed state update only costs a re-send (same key)
      this.opts.log?.('outbox: could not store a state change', err);
    }
    if (!kept) this.forget(e.id);
    return kept;
  }

  private forget(id: string): void {
    this.opts.log?.(`outbox: entry ${id} was removed in another tab`);
    this.entries = this.entries.filter((x) => x.id !== id);
    this.hubAskedToWait.delete(id);
    const list = this.waiters.get(id);
    this.waiters.delete(id);
    for (const w of list ?? []) w.reject(new Error(`outbox entry ${id} was removed in another tab`));
    this.changed();
  }

  private changed(): void {
    this.opts.onChange?.(this.list());
  }
}

/** For unit tests, and as the fallback when a browser has no IndexedDB (then the UI says so). */
export class MemoryOutboxStorage implements OutboxStorage {
  readonly rows = new Map<string, OutboxEntry>();
  private readonly removed = new Set<string>();
  async all(): Promise<OutboxEntry[]> {
    return [...this.rows.values()].map((e) => structuredClone(e));
  }
  async put(entry: OutboxEntry): Promise<void> {
    this.removed.delete(entry.id);
    this.rows.set(entry.id, structuredClone(entry));
  }
  async update(entry: OutboxEntry): Promise<boolean> {
    if (this.removed.has(entry.id)) return false;
    this.rows.set(entry.id, structuredClone(entry));
    return true;
  }
  async delete(id: string): Promise<void> {
    this.rows.delete(id);
    this.removed.add(id);
  }
}

/**
 * IndexedDB, and this page's memory once IndexedDB refuses to store an entry: private browsing in Safari
 * and Firefox offers an IndexedDB that cannot be opened or written, and a full disk refuses writes. Every
 * order would be refused; here it is taken and sent, and `durable` turns false so the app says that unsent
 * orders would not survive a reload. What IndexedDB already holds stays there for the next page.
 */
export class FallbackOutboxStorage implements OutboxStorage {
  private memory: MemoryOutboxStorage | null = null;

  constructor(private readonly browser: OutboxStorage) {}

  get durable(): boolean {
    return this.memory === null;
  }

  all(): Promise<OutboxEntry[]> {
    // once in memory, IndexedDB is not asked again: one that never answers would hold up every order. What
    // earlier pages left there is sent by the next page that can read it
    return this.memory ? this.memory.all() : this.browser.all();
  }

  async put(entry: OutboxEntry): Promise<void> {
    if (!this.memory) {
      try {
        return await this.browser.put(entry);
      } catch (err) {
        console.error('IndexedDB refused an outbox entry; keeping entries in memory on this page', err);
        this.memory = new MemoryOutboxStorage();
      }
    }
    await this.memory.put(entry);
  }

  update(entry: OutboxEntry): Promise<boolean> {
    // an entry IndexedDB holds goes on in memory from here: resent after a reload, with its key, at worst
    return this.memory ? this.memory.update(entry) : this.browser.update(entry);
  }

  async delete(id: string): Promise<void> {
    if (!this.memory) return this.browser.delete(id);
    await this.memory.delete(id);
    // the entry may be one IndexedDB held before: removed there too if it can be, without waiting on it
    void this.browser.delete(id).catch(() => undefined);
  }
}

/**
 * Where an app's outbox lives: the storage a caller gives (tests), else IndexedDB (with memory behind it:
 * `FallbackOutboxStorage`), else memory (a browser without IndexedDB: the app says unsent orders would not
 * survive a reload). `durable`: they would survive, as far as can be known before the first write.
 */
export function outboxStorage(given?: OutboxStorage): { storage: OutboxStorage; durable: boolean } {
  if (given) return { storage: given, durable: true };
  return IdbOutboxStorage.available() ? { storage: new FallbackOutboxStorage(new IdbOutboxStorage()), durable: true } : { storage: new MemoryOutboxStorage(), durable: false };
}

/**
 * What `delete` leaves in IndexedDB: the entry's id, so that another tab's `update` of it writes nothing (it
 * checks in the same transaction). Under a scope no app owns and at position 0, so that a page of an older
 * version, which knows nothing of these, skips it. Cleared after a day: by then no tab is still sending it.
 */
interface Removed {
  id: string;
  scope: '';
  seq: 0;
  removedAt: number;
}
const REMOVED_KEPT_MS = 24 * 3600_000;
const isRemoved = (row: unknown): row is Removed => typeof (row as Partial<Removed> | undefined)?.removedAt === 'number';

/**
 * IndexedDB: one database, one object store keyed by entry id. Each put is its own readwrite transaction
 * and resolves on `complete` (asking for `durability: 'strict'` where the browser supports the hint), so
 * `enqueue` returns only after the browser has committed the entry.
 */
export class IdbOutboxStorage implements OutboxStorage {
  /**
   * An open that has not answered by then never will (a WebKit bug leaves it pending for ever): without a
   * limit the first order would wait on it for ever, neither taken nor refused. Opening takes milliseconds.
   */
  static openTimeoutMs = 3000;
  private db: Promise<IDBDatabase> | null = null;

  constructor(
    private readonly name = 'brigade-outbox',
    private readonly idb: IDBFactory = globalThis.indexedDB,
  ) {}

  static available(): boolean {
    return typeof globalThis.indexedDB !== 'undefined';
  }

  private open(): Promise<IDBDatabase> {
    const opening = (this.db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = this.idb.open(this.name, 1);
      const ms = IdbOutboxStorage.openTimeoutMs;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new Error(`IndexedDB did not open in ${ms} ms`));
      }, ms);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains('entries')) req.result.createObjectStore('entries', { keyPath: 'id' });
      };
      req.onsuccess = () => {
        const db = req.result;
        clearTimeout(timer);
        // given up on already: a connection nobody uses would only hold up another tab's upgrade
        if (timedOut) return db.close();
        // the browser may close the connection under the page (Safari when a phone puts it in the
        // background, "clear site data"), and another tab deleting the database asks it to close: the next
        // write opens a new one instead of failing until the page is reloaded
        db.onclose = () => this.forget(opening);
        db.onversionchange = () => {
          db.close();
          this.forget(opening);
        };
        resolve(db);
      };
      req.onerror = () => {
        clearTimeout(timer);
        reject(req.error ?? new Error('IndexedDB open failed'));
      };
      req.onblocked = () => {
        clearTimeout(timer);
        reject(new Error('IndexedDB open blocked'));
      };
    }).catch((err: unknown) => {
      this.forget(opening);
      throw err;
    }));
    return opening;
  }

  private forget(connection: Promise<IDBDatabase>): void {
    if (this.db === connection) this.db = null;
  }

  /**
   * One transaction; when it fails, once more on a new connection. A connection the browser closed without
   * telling (no `close` event) refuses every transaction, and the page would store nothing more until it was
   * reloaded. Trying twice is safe: a failed transaction committed nothing, and every one here comes out
   * the same when repeated. A failed open is not tried again here: the next call opens anew, and an
   * IndexedDB that cannot be opened (private browsing) would only make the order wait twice as long.
   */
  private async tx<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
    const connection = this.open();
    const db = await connection;
    try {
      return await this.tryTx(db, mode, fn);
    } catch {
      this.forget(connection);
      return this.tryTx(await this.open(), mode, fn);
    }
  }

  private tryTx<T>(db: IDBDatabase, mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      // `durability` is a hint some browsers know; older typings and browsers ignore it
      const t = (db.transaction as (names: string, mode: IDBTransactionMode, o?: { durability: string }) => IDBTransaction)('entries', mode, { durability: 'strict' });
      const req = fn(t.objectStore('entries'));
      t.oncomplete = () => resolve(req ? req.result : undefined);
      t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
      t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction aborted'));
    });
  }

  async all(): Promise<OutboxEntry[]> {
    const rows = (await this.tx<(OutboxEntry | Removed)[]>('readonly', (s) => s.getAll() as IDBRequest<(OutboxEntry | Removed)[]>)) ?? [];
    const expired = rows.filter((r) => isRemoved(r) && r.removedAt < Date.now() - REMOVED_KEPT_MS).map((r) => r.id);
    if (expired.length > 0) void this.tx('readwrite', (s) => expired.forEach((id) => s.delete(id))).catch(() => undefined);
    return rows.filter((r): r is OutboxEntry => !isRemoved(r)).sort((a, b) => a.seq - b.seq);
  }

  async put(entry: OutboxEntry): Promise<void> {
    await this.tx('readwrite', (s) => void s.put(entry));
  }

  async update(entry: OutboxEntry): Promise<boolean> {
    let removed = false;
    await this.tx('readwrite', (s) => {
      removed = false;
      const row = s.get(entry.id);
      row.onsuccess = () => {
        if (isRemoved(row.result)) removed = true;
        else s.put(entry);
      };
    });
    return !removed;
  }

  async delete(id: string): Promise<void> {
    const removed: Removed = { id, scope: '', seq: 0, removedAt: Date.now() };
    try {
      await this.tx('readwrite', (s) => void s.put(removed));
    } catch {
      // no room even for that (a full disk): removed all the same, without the guard against another tab
      await this.tx('readwrite', (s) => void s.delete(id));
    }
  }
}
