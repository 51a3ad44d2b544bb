import { describe, expect, it } from 'vitest';
import { classify, entryView, IdbOutboxStorage, madeForAnotherStore, MemoryOutboxStorage, Outbox, outboxStorage, type OutboxEntry, type OutboxOptions, type OutboxStorage, type OutboxTimers, type SendResult } from './outbox.ts';

/** Timers driven by the test: `advance(ms)` runs what falls due. */
class FakeTimers implements OutboxTimers {
  now = 1_000_000;
  private tasks: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.tasks.push({ at: this.now + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.tasks = this.tasks.filter((t) => t.id !== handle);
  }
  get pending(): number {
    return this.tasks.length;
  }
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      await settle();
      const due = this.tasks.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
    }
    this.now = end;
    await settle();
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
};

const ok = (body: unknown = { ok: true }, status = 201): SendResult => ({ kind: 'answer', status, body });
const err = (status: number, code: string, message = code, retryAfterS?: number): SendResult => ({ kind: 'answer', status, body: { error: { code, message } }, retryAfterS });
const down: SendResult = { kind: 'unreachable', reason: 'hub unreachable: TypeError: Failed to fetch' };

/** A transport that answers from a script, and records what was sent (and what storage held at that moment). */
function scripted(storage: MemoryOutboxStorage, answers: (SendResult | ((e: OutboxEntry) => SendResult))[]) {
  const sent: { path: string; key: string; storedBeforeSend: boolean; body: unknown }[] = [];
  const transport = async (e: OutboxEntry): Promise<SendResult> => {
    sent.push({ path: e.path, key: e.key, storedBeforeSend: storage.rows.has(e.id), body: e.body });
    const next = answers.shift() ?? ok();
    return typeof next === 'function' ? next(e) : next;
  };
  return { sent, transport };
}

function setup(answers: (SendResult | ((e: OutboxEntry) => SendResult))[] = [], storage = new MemoryOutboxStorage(), random = () => 0.5, more: Partial<OutboxOptions> = {}) {
  const timers = new FakeTimers();
  const { sent, transport } = scripted(storage, answers);
  const states: string[][] = [];
  const outbox = new Outbox({
    storage,
    transport,
    timers,
    now: () => timers.now,
    random,
    backoff: { baseMs: 1000, maxMs: 8000 },
    onChange: (entries) => states.push(entries.map((e) => e.state)),
    ...more,
  });
  return { outbox, storage, timers, sent, states };
}

const createOrder = (id = 'order-1') => ({ scope: 'tbl', method: 'POST' as const, path: '/api/v1/orders', body: { id, channel: 'qr', lines: [{ itemId: 'mapo-tofu', qty: 1 }] }, meta: { label: 'create' } });
const addLines = (id = 'order-1', dependsOn?: string) => ({ scope: 'tbl', method: 'POST' as const, path: `/api/v1/orders/${id}/lines`, body: { lines: [{ itemId: 'rice', qty: 2 }] }, meta: { label: 'add' }, dependsOn: dependsOn ?? null });

/** An entry as a previous page left it in storage. */
const stored = (o: Pick<OutboxEntry, 'id' | 'seq' | 'scope' | 'path'> & Partial<OutboxEntry>): OutboxEntry => ({
  key: `key-${o.id}`,
  method: 'POST',
  body: {},
  dependsOn: null,
  meta: {},
  state: 'saved',
  attempts: 0,
  createdAt: o.seq,
  updatedAt: o.seq,
  nextAttemptAt: null,
  lastProblem: null,
  result: null,
  error: null,
  ...o,
});

/** A hub that knows which orders exist: lines for an order it never created are a 404 (a real refusal). */
function hubWithOrders() {
  const created = new Set<string>();
  return (e: OutboxEntry): SendResult => {
    const lines = /^\/api\/v1\/orders\/([^/]+)\/lines$/.exec(e.path);
    if (lines) return created.has(lines[1]!) ? ok({}, 200) : err(404, 'not_found', 'no such order');
    created.add((e.body as { id: string }).id);
    return ok();
  };
}

describe('classify: what an answer means', () => {
  it.each([
    [ok({}, 201), 'confirmed'],
    [ok({}, 200), 'confirmed'],
    [down, 'unknown'],
    [err(500, 'internal'), 'unknown'],
    [err(502, 'http_502'), 'unknown'],
    [err(503, 'overloaded', 'busy', 2), 'unknown'],
    [err(429, 'too_many_requests', 'slow down', 1), 'unknown'],
    [err(408, 'http_408'), 'unknown'],
    [err(409, 'idempotency_key_in_use'), 'unknown'],
    [err(409, 'sold_out'), 'rejected'],
    [err(422, 'invalid_order'), 'rejected'],
    // the credentials were refused, not the request: no answer about the change itself
    [err(401, 'unauthenticated'), 'unauthenticated'],
    [err(404, 'not_found'), 'rejected'],
    // a rule's answer about the moment: the customer decides whether to send again
    [err(503, 'ordering_paused', 'paused', 60), 'rejected'],
    // the hub's disk is full: nothing was saved, and the resend goes through once there is room
    [err(507, 'storage_full', 'disk full', 5), 'unknown'],
  ] as const)('%j → %s', (result, outcome) => {
    expect(classify(result).outcome).toBe(outcome);
  });

  it.each([
    ['hub unreachable', 'retrying'],
    ['HTTP 500 internal', 'retrying'],
    ['HTTP 503 overloaded', 'busy'],
    ['HTTP 429 too_many_requests', 'busy'],
    ['HTTP 507 storage_full', 'storage'],
  ] as const)('an entry waiting after "%s" is shown as %s', (lastProblem, view) => {
    expect(entryView({ state: 'unknown', lastProblem, error: null })).toBe(view);
  });

  it('a non-JSON error page still yields a code and a message', () => {
    expect(classify({ kind: 'answer', status: 418, body: '<html>' })).toEqual({ outcome: 'rejected', error: { status: 418, code: 'http_418', message: 'HTTP 418' } });
  });
});

describe('Outbox', () => {
  it('stores an entry before its first send, then confirms it on 201 and keeps the answer', async () => {
    const { outbox, sent, storage, states } = setup([ok({ order: { id: 'order-1', number: 7 } })]);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    expect(e.state).toBe('saved');
    expect(storage.rows.get(e.id)?.state).toBeDefined();
    const done = await outbox.settled(e.id);
    expect(done.state).toBe('confirmed');
    expect(done.result).toEqual({ order: { id: 'order-1', number: 7 } });
    expect(sent).toEqual([{ path: '/api/v1/orders', key: e.key, storedBeforeSend: true, body: createOrder().body }]);
    expect(storage.rows.get(e.id)?.state).toBe('confirmed');
    expect(states.filter((s) => s.length > 0).map((s) => s[0])).toEqual(['saved', 'sending', 'confirmed']);
  });

  it('an unanswered send is "unknown", never failed: it retries with the same key after a full-jitter backoff until the hub answers', async () => {
    const { outbox, sent, timers } = setup([down, err(500, 'internal'), down, ok()], undefined, () => 0.5);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    await timers.advance(0);
    expect(outbox.get(e.id)).toMatchObject({ state: 'unknown', attempts: 1, lastProblem: expect.stringContaining('unreachable') });
    // random 0.5 of min(8000, 1000·2ⁿ): 500, 1000, 2000
    expect(outbox.get(e.id)!.nextAttemptAt).toBe(timers.now + 500);
    await timers.advance(499);
    expect(sent).toHaveLength(1);
    await timers.advance(1);
    expect(sent).toHaveLength(2);
    expect(outbox.get(e.id)!.nextAttemptAt).toBe(timers.now + 1000);
    await timers.advance(1000);
    expect(outbox.get(e.id)!.nextAttemptAt).toBe(timers.now + 2000);
    await timers.advance(2000);
    expect(outbox.get(e.id)).toMatchObject({ state: 'confirmed', attempts: 4 });
    expect(new Set(sent.map((s) => s.key))).toEqual(new Set([e.key]));
  });

  it('backoff is capped and jittered between 0 and the cap', async () => {
    const { outbox, timers } = setup(Array.from({ length: 10 }, () => down), undefined, () => 0.999);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    for (let i = 0; i < 8; i++) {
      await timers.advance(0);
      const wait = outbox.get(e.id)!.nextAttemptAt! - timers.now;
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThan(Math.min(8000, 1000 * 2 ** i));
      await timers.advance(wait);
    }
  });

  it('honours Retry-After on 429 and 503 (busy, still retrying)', async () => {
    // random 0: the earliest of the spread below, exactly the Retry-After
    const { outbox, timers, sent } = setup([err(429, 'too_many_requests', 'slow down', 3), err(503, 'overloaded', 'busy', 2), ok()], undefined, () => 0);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    await timers.advance(0);
    expect(outbox.get(e.id)).toMatchObject({ state: 'unknown', nextAttemptAt: timers.now + 3000 });
    await timers.advance(2999);
    expect(sent).toHaveLength(1);
    await timers.advance(1);
    expect(outbox.get(e.id)).toMatchObject({ state: 'unknown', nextAttemptAt: timers.now + 2000, lastProblem: 'HTTP 503 overloaded' });
    await timers.advance(2000);
    expect(outbox.get(e.id)!.state).toBe('confirmed');
  });

  it('spreads the retries of devices told the same Retry-After over the interval after it: never sooner, not all at once', async () => {
    // phones refused in the same second are told the same Retry-After: came back together, they were a
    // flood of their own, refused together again
    const waits: number[] = [];
    for (const r of [0, 0.2, 0.4, 0.6, 0.8, 0.999]) {
      const { outbox, timers } = setup([err(503, 'overloaded', 'busy', 2), ok()], undefined, () => r);
      await outbox.load();
      const e = await outbox.enqueue(createOrder());
      await timers.advance(0);
      waits.push(outbox.get(e.id)!.nextAttemptAt! - timers.now);
    }
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(2000);
      expect(w).toBeLessThan(4000);
    }
    expect(new Set(waits).size).toBe(waits.length);
  });

  it('a rule refusal is rejected with the hub\'s message, and is not retried', async () => {
    const { outbox, timers, sent } = setup([err(409, 'sold_out', '麻婆豆腐 is sold out')]);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    const done = await outbox.settled(e.id);
    expect(done).toMatchObject({ state: 'rejected', error: { status: 409, code: 'sold_out', message: '麻婆豆腐 is sold out' } });
    await timers.advance(60_000);
    expect(sent).toHaveLength(1);
    expect(timers.pending).toBe(0);
  });

  it('sends strictly in order: a later entry waits while an earlier one is unknown, so "create, then add lines" works offline', async () => {
    const { outbox, timers, sent } = setup([down, down, ok(), ok({}, 200)]);
    await outbox.load();
    const create = await outbox.enqueue(createOrder());
    const add = await outbox.enqueue(addLines('order-1', create.id));
    await timers.advance(0);
    expect(sent.map((s) => s.path)).toEqual(['/api/v1/orders']);
    expect(outbox.get(add.id)!.state).toBe('saved');
    await timers.advance(10_000);
    expect(sent.map((s) => s.path)).toEqual(['/api/v1/orders', '/api/v1/orders', '/api/v1/orders', '/api/v1/orders/order-1/lines']);
    expect(outbox.list().map((e) => e.state)).toEqual(['confirmed', 'confirmed']);
  });

  it('when the hub refuses an entry, the entries that depend on it are refused too; independent ones still go', async () => {
    const { outbox, sent } = setup([err(422, 'invalid_order', 'bad option')]);
    await outbox.load();
    const create = await outbox.enqueue(createOrder());
    const add = await outbox.enqueue(addLines('order-1', create.id));
    const other = await outbox.enqueue(addLines('order-2'));
    expect((await outbox.settled(add.id)).error).toMatchObject({ code: 'depends_on_rejected', message: 'bad option' });
    expect((await outbox.settled(other.id)).state).toBe('confirmed');
    expect(sent.map((s) => s.path)).toEqual(['/api/v1/orders', '/api/v1/orders/order-2/lines']);
  });

  it('a paused kitchen (ordering_paused) is final for that key: rejected with the reason, nothing retried', async () => {
    const { outbox, timers, sent } = setup([err(503, 'ordering_paused', 'kitchen paused', 60)]);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    expect((await outbox.settled(e.id)).error?.code).toBe('ordering_paused');
    await timers.advance(120_000);
    expect(sent).toHaveLength(1);
  });

  it('a reload loses nothing: an entry that was mid-send is unknown and resent at once with the same key; settled ones are not resent', async () => {
    const storage = new MemoryOutboxStorage();
    // the first page: one confirmed entry, then one caught mid-send when the tab closes, and one queued behind it
    const before = setup([ok()], storage);
    await before.outbox.load();
    const done = await before.outbox.enqueue(createOrder('order-0'));
    await before.outbox.settled(done.id);
    before.outbox.stop();
    const page1 = new Outbox({ storage, transport: () => new Promise<never>(() => undefined), now: () => 2_000_000 });
    await page1.load();
    const inflight = await page1.enqueue(createOrder('order-1'));
    const queued = await page1.enqueue(addLines('order-1', inflight.id));
    await settle();
    expect(storage.rows.get(inflight.id)!.state).toBe('sending');
    page1.stop();

    // the next page
    const page2 = setup([ok(), ok()], storage);
    await page2.outbox.load();
    expect(page2.outbox.get(inflight.id)!.state).not.toBe('saved');
    await page2.outbox.settled(queued.id);
    expect(page2.sent.map((s) => [s.path, s.key])).toEqual([
      ['/api/v1/orders', inflight.key],
      ['/api/v1/orders/order-1/lines', queued.key],
    ]);
    expect(page2.outbox.list().map((e) => e.state)).toEqual(['confirmed', 'confirmed', 'confirmed']);
  });

  it('shows an entry caught mid-send as unknown after a reload (the hub may have it)', async () => {
    const storage = new MemoryOutboxStorage();
    const page1 = new Outbox({ storage, transport: () => new Promise<never>(() => undefined) });
    await page1.load();
    const e = await page1.enqueue(createOrder());
    await settle();
    page1.stop();
    const timers = new FakeTimers();
    const seen: string[] = [];
    const page2 = new Outbox({
      storage,
      transport: () => new Promise<never>(() => undefined),
      timers,
      now: () => timers.now,
      onChange: (es) => seen.push(es[0]!.state),
    });
    await page2.load();
    expect(seen[0]).toBe('unknown');
    expect(page2.get(e.id)!.attempts).toBe(2);
  });

  it('retryNow skips the backoff wait', async () => {
    const { outbox, timers, sent } = setup([down, ok()], undefined, () => 0.99);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    await timers.advance(0);
    expect(outbox.get(e.id)!.nextAttemptAt! - timers.now).toBeGreaterThan(400);
    outbox.retryNow();
    await timers.advance(0);
    expect(sent).toHaveLength(2);
    expect(outbox.get(e.id)!.state).toBe('confirmed');
  });

  it('a thrown transport error counts as no answer', async () => {
    const storage = new MemoryOutboxStorage();
    let calls = 0;
    const timers = new FakeTimers();
    const outbox = new Outbox({
      storage,
      timers,
      now: () => timers.now,
      // full jitter may draw a 0 ms wait, which `advance(0)` would run: the retry must be in the future to be seen
      random: () => 0.5,
      transport: async () => {
        if (calls++ === 0) throw new TypeError('Failed to fetch');
        return ok();
      },
    });
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    await timers.advance(0);
    expect(outbox.get(e.id)!.state).toBe('unknown');
    await timers.advance(60_000);
    expect(outbox.get(e.id)!.state).toBe('confirmed');
  });

  it('an unsettled entry cannot be removed; a settled one can', async () => {
    const { outbox, storage } = setup([down, ok()]);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    await expect(outbox.remove(e.id)).rejects.toThrow(/not known/);
    await outbox.retryNow();
    await outbox.settled(e.id);
    await outbox.remove(e.id);
    expect(storage.rows.size).toBe(0);
    expect(outbox.list()).toEqual([]);
  });

  it('enqueue fails loudly when the device cannot store the entry (nothing is sent)', async () => {
    const storage = new MemoryOutboxStorage();
    storage.put = async () => {
      throw new Error('QuotaExceededError');
    };
    const { outbox, sent } = setup([], storage);
    await outbox.load();
    await expect(outbox.enqueue(createOrder())).rejects.toThrow(/Quota/);
    await settle();
    expect(sent).toEqual([]);
    expect(outbox.list()).toEqual([]);
  });

  it('a 401 is not the answer to the change: the entry is held (unknown, same key) until the credentials are put right, never rejected', async () => {
    const refused = err(401, 'unauthenticated', 'staff session expired or unknown; sign in again');
    const { outbox, timers, sent } = setup([refused, refused, ok()]);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    await timers.advance(0);
    expect(outbox.get(e.id)).toMatchObject({ state: 'unknown', error: null, lastProblem: expect.stringContaining('401') });
    await timers.advance(60_000);
    expect(outbox.get(e.id)!.state).toBe('confirmed');
    expect(sent.map((s) => s.key)).toEqual([e.key, e.key, e.key]);
  });

  it("an app whose credential nothing can renew (a table's QR token) makes a 401 final", async () => {
    const { outbox, timers, sent } = setup([err(401, 'unauthenticated', 'this table QR code is not valid any more')], undefined, undefined, { unauthenticated: 'reject' });
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    expect((await outbox.settled(e.id)).error).toMatchObject({ status: 401, code: 'unauthenticated' });
    await timers.advance(60_000);
    expect(sent).toHaveLength(1);
  });
});

describe('Outbox: whose entries it sends', () => {
  // every app on the hub's origin shares one IndexedDB database
  it("loads and sends only the scopes it owns: another table's entry stays in storage untouched and holds up nothing", async () => {
    const storage = new MemoryOutboxStorage();
    // a phone queued an order on table A5 and the Wi-Fi dropped mid-send; now it opens A7's page
    const a5 = stored({ id: 'a5-order', seq: 1, scope: 'tbl_A5', path: '/api/v1/orders', state: 'sending', attempts: 1, body: { id: 'order-a5', channel: 'qr', lines: [] } });
    storage.rows.set(a5.id, structuredClone(a5));
    const a7 = setup([ok()], storage, undefined, { owns: (scope) => scope === 'tbl_A7' });
    await a7.outbox.load();
    const mine = await a7.outbox.enqueue({ ...createOrder('order-a7'), scope: 'tbl_A7' });
    expect((await a7.outbox.settled(mine.id)).state).toBe('confirmed');
    await a7.timers.advance(60_000);
    expect(a7.sent.map((s) => (s.body as { id: string }).id)).toEqual(['order-a7']);
    expect(a7.outbox.list().map((e) => e.id)).toEqual([mine.id]);
    expect(storage.rows.get(a5.id)).toEqual(a5);
    await expect(a7.outbox.enqueue(createOrder())).rejects.toThrow(/scope/);

    // A5's page sends it, with its own key
    const page = setup([ok()], storage, undefined, { owns: (scope) => scope === 'tbl_A5' });
    await page.outbox.load();
    expect((await page.outbox.settled(a5.id)).state).toBe('confirmed');
    expect(page.sent).toEqual([{ path: '/api/v1/orders', key: a5.key, storedBeforeSend: true, body: a5.body }]);
  });
});

describe("Outbox: an entry goes only to the store it was made for", () => {
  // two stores' hubs on one LAN (a food court) that swap addresses, or a tablet moved to another store and
  // paired there: the origin is the same, the credentials new, and the old store's queue must not go with them
  const payment = (orderId: string) => ({ scope: 'pos:d1', method: 'POST' as const, path: `/api/v1/orders/${orderId}/payments`, body: { amountMinor: 4200, tender: 'cash' }, meta: { label: 'pay' } });

  it("an order and a payment queued for store A are not sent once the tablet is paired with store B: they wait, saying why, and B's own changes go past them; paired with A again, they go with their keys", async () => {
    let store: string | null = 'store-a';
    const { outbox, timers, sent } = setup([down], undefined, undefined, { store: () => store });
    await outbox.load();
    const order = await outbox.enqueue(createOrder('order-a'));
    const paid = await outbox.enqueue({ ...payment('order-a'), dependsOn: order.id });
    await timers.advance(0);
    expect(outbox.get(order.id)!.state).toBe('unknown'); // the Wi-Fi dropped before A answered

    store = 'store-b'; // paired with store B's hub, at the same address
    outbox.retryNow();
    const own = await outbox.enqueue(createOrder('order-b'));
    await timers.advance(10 * 60_000);
    expect(outbox.get(own.id)!.state).toBe('confirmed');
    expect(sent.map((s) => (s.body as { id?: string }).id ?? s.path)).toEqual(['order-a', 'order-b']);
    for (const e of [order, paid]) {
      expect(outbox.get(e.id)).toMatchObject({ storeId: 'store-a', error: null, lastProblem: expect.stringMatching(/^other_store: .*store-a/) });
      expect(madeForAnotherStore(outbox.get(e.id)!)).toBe(true);
    }
    expect(outbox.get(order.id)!.state).toBe('unknown');
    expect(outbox.get(paid.id)!.state).toBe('saved');
    expect(outbox.get(own.id)).toMatchObject({ storeId: 'store-b' });

    store = 'store-a'; // paired with its own store again
    outbox.retryNow();
    expect((await outbox.settled(paid.id)).state).toBe('confirmed');
    expect(outbox.get(order.id)).toMatchObject({ state: 'confirmed', key: order.key });
    expect(sent.slice(2).map((s) => s.key)).toEqual([order.key, paid.key]); // nothing of B's sent again
    expect(madeForAnotherStore(outbox.get(paid.id)!)).toBe(false);
  });

  it('the store an entry was made for survives a reload: the next page, paired elsewhere, does not send it either', async () => {
    const storage = new MemoryOutboxStorage();
    const first = setup([down], storage, undefined, { store: () => 'store-a' });
    await first.outbox.load();
    const e = await first.outbox.enqueue(createOrder('order-a'));
    await first.timers.advance(0);
    first.outbox.stop();
    expect(storage.rows.get(e.id)).toMatchObject({ storeId: 'store-a' });

    const next = setup([], storage, undefined, { store: () => 'store-b' });
    await next.outbox.load();
    await next.timers.advance(60_000);
    expect(next.sent).toEqual([]);
    expect(madeForAnotherStore(next.outbox.get(e.id)!)).toBe(true);
    expect(storage.rows.get(e.id)).toMatchObject({ state: 'unknown', lastProblem: expect.stringMatching(/^other_store/) });
  });

  it("while the device's store is not known (not paired), a tagged entry waits; an entry stored before entries said their store goes as before", async () => {
    const storage = new MemoryOutboxStorage();
    const old = stored({ id: 'old', seq: 1, scope: 'tbl', path: '/api/v1/orders', state: 'unknown', attempts: 1, body: { id: 'order-old' } });
    const tagged = stored({ id: 'tagged', seq: 2, scope: 'tbl', path: '/api/v1/orders', state: 'unknown', attempts: 1, body: { id: 'order-tagged' }, storeId: 'store-a' });
    for (const e of [old, tagged]) storage.rows.set(e.id, structuredClone(e));
    let store: string | null = null;
    const { outbox, timers, sent } = setup([], storage, undefined, { store: () => store });
    await outbox.load();
    await timers.advance(60_000);
    expect(sent.map((s) => (s.body as { id: string }).id)).toEqual(['order-old']);
    expect(outbox.get('tagged')).toMatchObject({ state: 'unknown', lastProblem: expect.stringMatching(/^other_store/) });
    store = 'store-a';
    outbox.retryNow();
    expect((await outbox.settled('tagged')).state).toBe('confirmed');
  });

  it("staff can discard what waits for another store (a device moved for good): those entries go, from storage too, and this store's do not", async () => {
    const storage = new MemoryOutboxStorage();
    let store: string | null = 'store-a';
    const { outbox, timers, sent } = setup([down, ok()], storage, undefined, { store: () => store });
    await outbox.load();
    const order = await outbox.enqueue(createOrder('order-a'));
    const paid = await outbox.enqueue({ ...payment('order-a'), dependsOn: order.id });
    await timers.advance(0);
    store = 'store-b';
    outbox.retryNow();
    await timers.advance(0);
    expect(outbox.waitingForOtherStores()).toEqual([{ storeId: 'store-a', entries: [expect.objectContaining({ id: order.id }), expect.objectContaining({ id: paid.id })] }]);

    // the device's own store is never discarded this way, nor anything while it is not known
    expect(await outbox.discardWaitingFor('store-b')).toBe(0);
    store = null;
    expect(outbox.waitingForOtherStores()).toEqual([]);
    expect(await outbox.discardWaitingFor('store-a')).toBe(0);
    store = 'store-b';
    expect(await outbox.discardWaitingFor('store-a')).toBe(2);
    expect(outbox.list()).toEqual([]);
    expect(outbox.waitingForOtherStores()).toEqual([]);
    expect(storage.rows.size).toBe(0);
    const own = await outbox.enqueue(createOrder('order-b'));
    expect((await outbox.settled(own.id)).state).toBe('confirmed');
    // paired with A again: nothing of A's goes any more
    store = 'store-a';
    outbox.retryNow();
    await timers.advance(60_000);
    expect(sent.map((s) => (s.body as { id?: string }).id ?? s.path)).toEqual(['order-a', 'order-b']);
  });

  it('an app that does not say its store tags nothing and sends everything (as before)', async () => {
    const { outbox } = setup([]);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    expect((await outbox.settled(e.id)).state).toBe('confirmed');
    expect(outbox.get(e.id)!.storeId).toBeUndefined();
  });
});

describe('Outbox: an entry never goes before the one it depends on', () => {
  it('a change queued before the first read of storage returns, on a clock set back since, still goes after the entry it depends on', async () => {
    const storage = new MemoryOutboxStorage();
    // "open order" queued by the previous page, at a device time an hour ahead of the corrected clock
    storage.rows.set('open', stored({ id: 'open', seq: 1_000_000 + 3_600_000, scope: 'tbl', path: '/api/v1/orders', body: { id: 'order-1' } }));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const all = storage.all.bind(storage);
    storage.all = async () => {
      await gate;
      return all();
    };
    const hub = hubWithOrders();
    const { outbox, timers, sent } = setup([hub, hub], storage);
    const loading = outbox.load();
    const adding = outbox.enqueue(addLines('order-1', 'open'));
    release();
    await loading;
    const add = await adding;
    await timers.advance(0);
    expect(sent.map((s) => s.path)).toEqual(['/api/v1/orders', '/api/v1/orders/order-1/lines']);
    expect(outbox.list().map((e) => [e.id, e.state])).toEqual([
      ['open', 'confirmed'],
      [add.id, 'confirmed'],
    ]);
  });

  it('a stored entry queued ahead of the one it depends on waits for it (the parent is sent first)', async () => {
    const storage = new MemoryOutboxStorage();
    storage.rows.set('add', stored({ id: 'add', seq: 10, scope: 'tbl', path: '/api/v1/orders/order-1/lines', dependsOn: 'open' }));
    storage.rows.set('open', stored({ id: 'open', seq: 20, scope: 'tbl', path: '/api/v1/orders', body: { id: 'order-1' } }));
    const hub = hubWithOrders();
    const { outbox, timers, sent } = setup([hub, hub], storage);
    await outbox.load();
    await timers.advance(0);
    expect(sent.map((s) => s.path)).toEqual(['/api/v1/orders', '/api/v1/orders/order-1/lines']);
    expect(outbox.get('add')!.state).toBe('confirmed');
  });

  it('when the first read of storage fails, what is queued afterwards is still sent, and a later read brings back what was stored', async () => {
    const storage = new MemoryOutboxStorage();
    storage.rows.set('old', stored({ id: 'old', seq: 10, scope: 'tbl', path: '/api/v1/orders', body: { id: 'order-0' } }));
    const all = storage.all.bind(storage);
    let failures = 1;
    storage.all = async () => {
      if (failures-- > 0) throw new Error('IndexedDB read failed');
      return all();
    };
    const { outbox, timers, sent } = setup([], storage);
    await expect(outbox.load()).rejects.toThrow(/read failed/);
    const e = await outbox.enqueue(createOrder('order-2'));
    await timers.advance(0);
    expect(outbox.get(e.id)!.state).toBe('confirmed');
    expect(outbox.get('old')!.state).toBe('confirmed');
    expect(sent.map((s) => (s.body as { id: string }).id)).toEqual(['order-0', 'order-2']);
  });
});

describe('Outbox: "retry now" and the hub\'s Retry-After', () => {
  function busyHub(answers: SendResult[], random = () => 0) {
    const timers = new FakeTimers();
    const sentAt: number[] = [];
    const outbox = new Outbox({
      storage: new MemoryOutboxStorage(),
      transport: async () => {
        sentAt.push(timers.now);
        return answers.shift() ?? { kind: 'answer', status: 201, body: {} };
      },
      timers,
      now: () => timers.now,
      random,
      backoff: { baseMs: 1000, maxMs: 8000 },
    });
    return { outbox, timers, sentAt };
  }

  it('a page made visible, the stream back or a tap on "retry now" does not send before the Retry-After the hub asked for', async () => {
    // at a peak the hub (or the public gate) refuses phones with 503 + Retry-After; every phone whose stream
    // comes back, or whose customer looks at the page again, must not knock again at once
    const { outbox, timers, sentAt } = busyHub([{ kind: 'answer', status: 503, body: { error: { code: 'overloaded', message: 'busy' } }, retryAfterS: 5 }]);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    await timers.advance(0);
    expect(sentAt).toHaveLength(1);
    await timers.advance(1000);
    outbox.retryNow();
    await timers.advance(0);
    expect(sentAt).toHaveLength(1);
    expect(outbox.get(e.id)).toMatchObject({ state: 'unknown', nextAttemptAt: sentAt[0]! + 5000 });
    await timers.advance(4000);
    expect(sentAt).toEqual([sentAt[0], sentAt[0]! + 5000]);
    expect(outbox.get(e.id)!.state).toBe('confirmed');
  });

  it('"retry now" still skips a plain backoff, and the wait of an earlier Retry-After once the hub answered otherwise', async () => {
    const { outbox, timers, sentAt } = busyHub([
      { kind: 'answer', status: 429, body: { error: { code: 'too_many_requests', message: 'slow down' } }, retryAfterS: 3 },
      { kind: 'unreachable', reason: 'hub unreachable' },
    ], () => 0.5);
    await outbox.load();
    const e = await outbox.enqueue(createOrder());
    await timers.advance(0);
    await timers.advance(4500); // 3 s and half as long again; the second try gets no answer: a plain backoff now
    expect(sentAt).toHaveLength(2);
    expect(outbox.get(e.id)!.nextAttemptAt! - timers.now).toBe(1000);
    outbox.retryNow();
    await timers.advance(0);
    expect(sentAt).toHaveLength(3);
    expect(outbox.get(e.id)!.state).toBe('confirmed');
  });
});

// ---- IndexedDB ----

/**
 * Just enough of IndexedDB, in memory, for IdbOutboxStorage: one database of object stores keyed by `id`,
 * transactions that complete asynchronously, and a connection the browser can close under the page (Safari
 * drops it when a phone puts the page in the background: "Connection to Indexed Database server lost"; any
 * browser on "clear site data" or another tab deleting the database). As the spec says, `transaction()` on a
 * closed connection throws InvalidStateError.
 */
class FakeIdb {
  readonly data = new Map<string, Map<string, unknown>>();
  readonly connections: FakeConnection[] = [];
  opens = 0;
  /** The disk is full: every readwrite transaction aborts with QuotaExceededError. */
  full = false;
  /**
   * Private browsing: `open` fails (Firefox), or `transaction` throws on every connection (Safari); or `open`
   * never answers at all (a WebKit bug).
   */
  unusable: 'open' | 'transaction' | 'hang' | null = null;
  open(_name: string, _version: number) {
    this.opens++;
    const req: { result?: FakeConnection; error?: unknown; onupgradeneeded?: () => void; onsuccess?: () => void; onerror?: () => void; onblocked?: () => void } = {};
    setImmediate(() => {
      if (this.unusable === 'hang') return;
      if (this.unusable === 'open') {
        req.error = new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError');
        return req.onerror?.();
      }
      const fresh = this.data.size === 0;
      const conn = new FakeConnection(this);
      this.connections.push(conn);
      req.result = conn;
      if (fresh) req.onupgradeneeded?.();
      req.onsuccess?.();
    });
    return req;
  }
  /** The browser closes every open connection (they fire `close`, and refuse new transactions). */
  loseConnections(): void {
    for (const c of this.connections) c.lose();
  }
}

class FakeConnection {
  closed = false;
  onclose: (() => void) | null = null;
  onversionchange: (() => void) | null = null;
  constructor(private readonly idb: FakeIdb) {}
  get objectStoreNames() {
    return { contains: (n: string) => this.idb.data.has(n) };
  }
  createObjectStore(name: string) {
    this.idb.data.set(name, new Map());
  }
  close(): void {
    this.closed = true;
  }
  lose(): void {
    this.closed = true;
    this.onclose?.();
  }
  transaction(name: string) {
    if (this.closed) throw new DOMException('The database connection is closing.', 'InvalidStateError');
    if (this.idb.unusable === 'transaction') throw new DOMException('An internal error was encountered in the Indexed Database server', 'UnknownError');
    const rows = this.idb.data.get(name)!;
    const t: { oncomplete?: () => void; onerror?: () => void; onabort?: () => void; error: unknown; objectStore: () => unknown } = {
      error: null,
      objectStore: () => ({
        put: (v: { id: string }) => void rows.set(v.id, structuredClone(v)),
        delete: (id: string) => void rows.delete(id),
        get: (id: string) => {
          const req: { result: unknown; onsuccess?: () => void } = { result: undefined };
          queueMicrotask(() => {
            req.result = structuredClone(rows.get(id));
            req.onsuccess?.();
          });
          return req;
        },
        getAll: () => {
          const req = { result: [] as unknown[] };
          req.result = [...rows.values()].map((v) => structuredClone(v));
          return req;
        },
      }),
    };
    let wrote = false;
    const store = t.objectStore as () => { put: (v: { id: string }) => void };
    const objectStore = store();
    t.objectStore = () => ({
      ...objectStore,
      put: (v: { id: string }) => {
        wrote = true;
        if (!this.idb.full) objectStore.put(v);
      },
    });
    setImmediate(() => {
      if (wrote && this.idb.full) {
        t.error = new DOMException('quota', 'QuotaExceededError');
        t.onerror?.();
        t.onabort?.();
      } else t.oncomplete?.();
    });
    return t;
  }
}

const entry = (id: string, seq: number): OutboxEntry => ({
  id,
  seq,
  scope: 'tbl',
  key: `key-${id}`,
  method: 'POST',
  path: '/api/v1/orders',
  body: { id },
  dependsOn: null,
  meta: {},
  state: 'saved',
  attempts: 0,
  createdAt: seq,
  updatedAt: seq,
  nextAttemptAt: null,
  lastProblem: null,
  result: null,
  error: null,
});

describe('IdbOutboxStorage when the browser closes its connection', () => {
  it('opens a new connection instead of failing every write until the page is reloaded', async () => {
    const idb = new FakeIdb();
    const storage = new IdbOutboxStorage('brigade-outbox', idb as unknown as IDBFactory);
    await storage.put(entry('a', 1));
    expect((await storage.all()).map((e) => e.id)).toEqual(['a']);
    // the customer locks the phone, comes back to the page and orders
    idb.loseConnections();
    await storage.put(entry('b', 2));
    expect((await storage.all()).map((e) => e.id)).toEqual(['a', 'b']);
    await storage.delete('a');
    expect((await storage.all()).map((e) => e.id)).toEqual(['b']);
  });

  it('so an order queued after the connection was lost is stored before it is sent', async () => {
    const idb = new FakeIdb();
    const storage = new IdbOutboxStorage('brigade-outbox', idb as unknown as IDBFactory);
    const outbox = new Outbox({ storage, transport: async () => ({ kind: 'unreachable', reason: 'offline' }) });
    await outbox.load();
    idb.loseConnections();
    const e = await outbox.enqueue(createOrder());
    outbox.stop();
    expect((await storage.all()).map((x) => x.id)).toEqual([e.id]);
  });

  it('a write refused for space still fails loudly: enqueue throws, nothing is sent', async () => {
    const idb = new FakeIdb();
    const storage = new IdbOutboxStorage('brigade-outbox', idb as unknown as IDBFactory);
    let sends = 0;
    const outbox = new Outbox({ storage, transport: async () => (sends++, { kind: 'answer', status: 201, body: {} }) });
    await outbox.load();
    idb.full = true;
    await expect(outbox.enqueue(createOrder())).rejects.toThrow(/quota/);
    await settle();
    expect(sends).toBe(0);
    expect(outbox.list()).toEqual([]);
  });

  it('a connection closed by the page itself is opened again too (a second tab deleting the database asks it to close)', async () => {
    const idb = new FakeIdb();
    const storage = new IdbOutboxStorage('brigade-outbox', idb as unknown as IDBFactory);
    await storage.put(entry('a', 1));
    for (const c of idb.connections) c.close(); // no close event: only transaction() says so
    await storage.put(entry('b', 2));
    expect((await storage.all()).map((e) => e.id)).toEqual(['a', 'b']);
  });
});

describe('IndexedDB present but unusable (private browsing)', () => {
  /** An app's outbox as the apps make it (`outboxStorage()`, then `resume`), on this browser's IndexedDB. */
  function appOutbox(idb: FakeIdb) {
    const had = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB');
    Object.defineProperty(globalThis, 'indexedDB', { value: idb, configurable: true });
    let made: ReturnType<typeof outboxStorage>;
    try {
      made = outboxStorage();
    } finally {
      if (had) Object.defineProperty(globalThis, 'indexedDB', had);
      else delete (globalThis as { indexedDB?: unknown }).indexedDB;
    }
    const sent: string[] = [];
    const warned: string[] = [];
    const outbox = new Outbox({ storage: made.storage, transport: async (e) => (sent.push(e.key), { kind: 'answer', status: 201, body: {} }) });
    outbox.resume(() => warned.push('orders are kept on this page only'));
    return { outbox, sent, warned, durable: made.durable };
  }

  it.each(['open', 'transaction'] as const)('IndexedDB that fails on %s still takes the order: kept in memory, sent, and the app told it would not survive a reload', async (how) => {
    const idb = new FakeIdb();
    idb.unusable = how;
    const { outbox, sent, warned } = appOutbox(idb);
    const e = await outbox.enqueue(createOrder());
    expect((await outbox.settled(e.id)).state).toBe('confirmed');
    expect(sent).toEqual([e.key]);
    expect(warned.length).toBeGreaterThan(0);
  });

  it('an IndexedDB that never answers the open does not leave the order hanging: taken in memory, with the warning', async () => {
    const idb = new FakeIdb();
    idb.unusable = 'hang';
    const was = IdbOutboxStorage.openTimeoutMs;
    IdbOutboxStorage.openTimeoutMs = 200;
    try {
      const { outbox, sent, warned } = appOutbox(idb);
      const stored = await Promise.race([outbox.enqueue(createOrder()), new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 3000))]);
      expect(stored).not.toBe('still waiting');
      const e = stored as OutboxEntry;
      expect((await outbox.settled(e.id)).state).toBe('confirmed');
      expect(sent).toEqual([e.key]);
      expect(warned.length).toBeGreaterThan(0);
    } finally {
      IdbOutboxStorage.openTimeoutMs = was;
    }
  });

  it('falls back only once IndexedDB refuses: a working one keeps every entry, and says nothing', async () => {
    const idb = new FakeIdb();
    const { outbox, warned, durable } = appOutbox(idb);
    const e = await outbox.enqueue(createOrder());
    await outbox.settled(e.id);
    expect(durable).toBe(true);
    expect(warned).toEqual([]);
    expect([...idb.data.get('entries')!.keys()]).toEqual([e.id]);
  });

  it('a disk that fills mid-service: what was stored stays stored, later orders are taken in memory with the warning', async () => {
    const idb = new FakeIdb();
    const storage = new IdbOutboxStorage('brigade-outbox', idb as unknown as IDBFactory);
    await storage.put(entry('earlier', 1));
    const { outbox, sent, warned } = appOutbox(idb);
    await outbox.load();
    idb.full = true;
    const e = await outbox.enqueue(createOrder());
    expect((await outbox.settled(e.id)).state).toBe('confirmed');
    expect(outbox.get('earlier')!.state).toBe('confirmed');
    expect(sent).toEqual(['key-earlier', e.key]);
    expect(warned.length).toBeGreaterThan(0);
    // a reload still finds (and resends with its key) the one IndexedDB holds
    idb.full = false;
    expect((await storage.all()).map((x) => x.id)).toEqual(['earlier']);
  });
});

describe('two tabs of one app on the same storage', () => {
  /** An answer the test gives when it likes. */
  function held() {
    let answer!: (r: SendResult) => void;
    const sent = new Promise<void>((r) => (answer = (res) => (r(), release(res))));
    let release!: (r: SendResult) => void;
    const result = new Promise<SendResult>((r) => (release = r));
    return { transport: () => result, answer: (r: SendResult) => answer(r), sent };
  }

  /** Tab A and tab B, each with its own connection (`tabB`) to the storage the browser shares. */
  async function race(storage: OutboxStorage, tabB: OutboxStorage = storage) {
    // the hub was away: both tabs find the same order, and both send it (same key: one order on the hub)
    await storage.put(stored({ id: 'x', seq: 10, scope: 'tbl', path: '/api/v1/orders', state: 'unknown', body: { id: 'order-1' } }));
    const slowTab = held();
    const b = new Outbox({ storage: tabB, transport: slowTab.transport });
    await b.load();
    const a = new Outbox({ storage, transport: async () => err(409, 'sold_out', 'mapo tofu is sold out') });
    await a.load();
    expect((await a.settled('x')).state).toBe('rejected');
    // the customer, in tab A, sends the dishes again: a new entry, and the refused one is dismissed
    await a.remove('x');
    expect((await storage.all()).map((e) => e.id)).toEqual([]);
    // tab B's send of the same entry comes back only now
    slowTab.answer(err(409, 'sold_out', 'mapo tofu is sold out'));
    await settle();
    return { a, b };
  }

  it('an entry dismissed in one tab is not written back by the other tab still sending it (memory storage)', async () => {
    const storage = new MemoryOutboxStorage();
    await race(storage);
    // after a reload the refused order would be back, with its "send again": the dishes ordered twice
    expect((await storage.all()).map((e) => e.id)).toEqual([]);
  });

  it('an entry dismissed in one tab is not written back by the other tab still sending it (IndexedDB)', async () => {
    const idb = new FakeIdb();
    const storage = new IdbOutboxStorage('brigade-outbox', idb as unknown as IDBFactory);
    const tabB = new IdbOutboxStorage('brigade-outbox', idb as unknown as IDBFactory);
    await race(storage, tabB);
    expect((await storage.all()).map((e) => e.id)).toEqual([]);
    expect((await tabB.all()).map((e) => e.id)).toEqual([]);
  });

  it('an entry gone without a removal (site data cleared under the page) is written again by its next state, not dropped', async () => {
    const idb = new FakeIdb();
    const storage = new IdbOutboxStorage('brigade-outbox', idb as unknown as IDBFactory);
    const outbox = new Outbox({ storage, transport: async () => ({ kind: 'unreachable', reason: 'offline' }), backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const e = await outbox.enqueue(createOrder());
    await settle();
    idb.data.get('entries')!.clear();
    outbox.retryNow();
    await settle();
    outbox.stop();
    expect(outbox.get(e.id)!.state).toBe('unknown');
    expect((await storage.all()).map((x) => [x.id, x.state])).toEqual([[e.id, 'unknown']]);
  });

  it('the tab that kept sending forgets the entry too, and a new entry under another id is stored as usual', async () => {
    const storage = new MemoryOutboxStorage();
    const { b } = await race(storage);
    expect(b.get('x')).toBeUndefined();
    const e = await b.enqueue(createOrder('order-2'));
    expect((await storage.all()).map((x) => x.id)).toEqual([e.id]);
  });
});
