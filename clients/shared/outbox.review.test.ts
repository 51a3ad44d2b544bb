import { describe, expect, it } from 'vitest';
import { IdbOutboxStorage, MemoryOutboxStorage, Outbox, type OutboxEntry, type OutboxTimers, type SendResult } from './outbox.ts';

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

const order = () => ({ scope: 'tbl', method: 'POST' as const, path: '/api/v1/orders', body: { id: 'order-1', channel: 'qr', lines: [{ itemId: 'mapo-tofu', qty: 1 }] }, meta: {} });

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
    const e = await outbox.enqueue(order());
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
    const e = await outbox.enqueue(order());
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
  open(_name: string, _version: number) {
    this.opens++;
    const req: { result?: FakeConnection; error?: unknown; onupgradeneeded?: () => void; onsuccess?: () => void; onerror?: () => void; onblocked?: () => void } = {};
    setImmediate(() => {
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
    const rows = this.idb.data.get(name)!;
    const t: { oncomplete?: () => void; onerror?: () => void; onabort?: () => void; error: unknown; objectStore: () => unknown } = {
      error: null,
      objectStore: () => ({
        put: (v: { id: string }) => void rows.set(v.id, structuredClone(v)),
        delete: (id: string) => void rows.delete(id),
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
    const e = await outbox.enqueue(order());
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
    await expect(outbox.enqueue(order())).rejects.toThrow(/quota/);
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
