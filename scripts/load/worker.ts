/**
 * A load worker process (forked by run.ts). It pairs its own devices the way real ones do, holds its share
 * of the stream sockets, plays its devices until told to stop, logs every acknowledgement to
 * `acks-<id>.jsonl`, and reports counters, histograms and stream records back to the parent.
 *
 * Loopback only; every loop is bounded by the run's duration, order budget and drain deadline.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { OPEN_LOOP_MAX_IN_FLIGHT, defaultMix } from './config.ts';
import type { Menu } from '../../hub/protocol/menu.ts';
import type { LineInput, Order } from '../../hub/protocol/orders.ts';
import { NoAnswerError, httpCall, type HttpPool, isRetryable, mutate, newPool, nowMs, retryAfterMs, sleep, type AttemptRecord, type HttpReply, type MutationOutcome } from './http.ts';
import { CLASSES, emptyCounters, type Class, type Counters, type FromWorker, type KdsAssignment, type ToWorker, type WorkerPlan, type WorkerReport } from './ipc.ts';
import { between, linePicker, pick, rng, type LinePicker, type Rand } from './menu-lines.ts';
import { fnv1a, type AckRecord, type DoneRecord, type Op } from './records.ts';
import { encode, newHistogram, recordMs, type Histogram } from './stats.ts';
import { FrameScanner, Subscriber, type WireEvent } from './stream-sub.ts';


interface Device {
  label: string;
  kind: 'tablet' | 'kiosk' | 'phone' | 'kds' | 'monitor';
  cls: Class;
  /** Where it sends: phones and kiosks to the hub's public address, staff and screens to the staff one. */
  base: URL;
  pool: HttpPool;
  /** The token mutations are sent with (staff session, kiosk device, table QR). */
  token: string;
  /** The device token (streams). */
  deviceToken?: string;
  tableId?: string;
  etag?: string;
  seenTable?: boolean;
}

interface KdsScreen {
  dev: Device;
  a: KdsAssignment;
  sub: Subscriber;
  /** Bump timers not yet fired; cleared at stop. */
  pending: Set<NodeJS.Timeout>;
}

const send = (m: FromWorker) => process.send?.(m);
const TICK_MS = 500;

class LoadWorker {
  private readonly base: URL;
  private readonly publicBase: URL;
  /** This worker's own event-loop delay while it runs: how much of a measured latency is the generator's. */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private readonly r: Rand;
  private readonly counters: Counters = emptyCounters();
  private readonly hist = Object.fromEntries(['submit', ...CLASSES].map((k) => [k, newHistogram()])) as Record<Class | 'submit', Histogram>;
  private recent = newHistogram();
  private readonly acks;
  /** Lines written to `acks`: the completion mark says how many the file must hold. */
  private acksWritten = 0;
  private picker!: LinePicker;
  private readonly tablets: Device[] = [];
  /** Tables a waiter of this worker is settling right now. */
  private readonly settling = new Set<string>();
  private readonly kiosks: Device[] = [];
  private readonly phones: Device[] = [];
  private readonly menuReaders: Device[] = [];
  private readonly kds: KdsScreen[] = [];
  private readonly subs: Subscriber[] = [];
  private readonly scanner = new FrameScanner();
  private readonly acked: [string, number, number][] = [];
  private readonly seen = new Map<string, [number, number]>();
  private readonly notes: string[] = [];
  private running = false;
  private giveUpAt = Infinity;
  private endAt = Infinity;
  private readonly loops: Promise<void>[] = [];
  private ticker: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private readonly setupPool = newPool(8);

  constructor(private readonly plan: WorkerPlan) {
    this.base = new URL(plan.url);
    this.publicBase = new URL(plan.publicUrl);
    this.r = rng(plan.config.seed * 7919 + fnv1a(plan.id));
    this.acks = createWriteStream(join(plan.runDir, `acks-${plan.id}.jsonl`), { flags: 'a' });
  }

  private get cfg() {
    return this.plan.config;
  }

  // ---------- set-up: devices pair and sign in like real ones ----------

  async setup(): Promise<number> {
    const menuReply = await this.setupGet('/api/v1/menu');
    const menu = (JSON.parse(menuReply.text) as { menu: Menu }).menu;
    this.picker = linePicker(menu, this.r, { newId: randomUUID });
    const etag = String(menuReply.headers.etag ?? '');

    const p = this.plan;
    const pins = [p.pins.waiter, p.pins.waiter2, p.pins.cashier];
    const profileOrders = this.cfg.profile === 'orders';
    // profile `orders`: one tablet per closed-loop client (or 8 for the open loop), a socket pool per class
    const tabletCount = profileOrders ? Math.max(p.clients, p.ratePerSec > 0 ? 8 : 0) : p.tablets.length;
    // Connections are opened before the clock starts and kept, as devices keep theirs. In the open loop
    // (the throughput phase and the overload), as many as the default mix's tablets and kiosks (2 each)
    // and phones (1 each), shared out over the workers: more arrivals than the hub can take are many
    // requests, not thousands of new TCP connections a second. Node takes one new connection per turn of
    // its event loop, so a storm of them waits in the kernel's accept queue, and the throughput phase
    // (which grew a pool of 1,024 on demand) spiralled there: requests timed out unanswered, their retries
    // queued behind them, and goodput fell to a third of the capacity. Arrivals beyond the pool wait in this
    // process, late by their scheduled time, which is what an open loop measures.
    const openLoop = p.ratePerSec > 0;
    const share = (n: number) => Math.max(1, Math.ceil(n / this.cfg.workers));
    const pools = profileOrders
      ? {
          staff: newPool(Math.max(16, p.clients + 8, openLoop ? 2 * share(defaultMix.tablets) : 0)),
          kiosk: newPool(openLoop ? 2 * share(defaultMix.kiosks) : 16),
          qr: newPool(openLoop ? share(defaultMix.phones) : 16),
        }
      : undefined;
    // labels are unique across workers: global indices, or the worker id in profile `orders`
    const range = (n: number) => Array.from({ length: n }, (_, i) => `${p.id}.${i}`);
    const tabletLabels = profileOrders ? range(tabletCount) : p.tablets.map(String);
    const kioskLabels = profileOrders ? range(p.ratePerSec > 0 ? 4 : 0) : p.kiosks.map(String);
    const phoneLabels = profileOrders ? (p.ratePerSec > 0 ? range(p.qr.length) : []) : p.phones.map(String);

    await inBatches(tabletLabels, 8, async (n, i) => {
      const deviceToken = await this.pair(`tablet-${n}`, 'pos');
      const staff = await this.signIn(`tablet-${n}`, deviceToken, pins[i % pins.length]!);
      this.tablets.push({ label: `tablet-${n}`, kind: 'tablet', cls: 'staff', base: this.base, pool: pools?.staff ?? newPool(2), token: staff, deviceToken });
    });
    await inBatches(kioskLabels, 8, async (n) => {
      const deviceToken = await this.pair(`kiosk-${n}`, 'kiosk');
      this.kiosks.push({ label: `kiosk-${n}`, kind: 'kiosk', cls: 'kiosk', base: this.publicBase, pool: pools?.kiosk ?? newPool(2), token: deviceToken, deviceToken, etag });
    });
    phoneLabels.forEach((n, i) => {
      const q = p.qr[(profileOrders ? i : Number(n)) % p.qr.length]!;
      // one connection per phone; a fresh phone's first menu fetch has no ETag
      this.phones.push({ label: `phone-${n}`, kind: 'phone', cls: 'qr', base: this.publicBase, pool: pools?.qr ?? newPool(1), token: q.token, tableId: q.tableId });
    });

    // A connection the hub closed as it was reused (keep-alive timing, or the last phase's connections still
    // being torn down) is opened again, three times at most.
    const open = async (pool: HttpPool, token: string | undefined, base: URL) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await httpCall(base, pool, 'GET', '/api/v1/health', { token, timeoutMs: 10_000 });
        } catch (err) {
          if (!(err instanceof NoAnswerError) || attempt >= 3) throw err;
          this.note(`warm-up: ${err.message}; opening the connection again`);
        }
      }
    };
    // Open every device's connection before the clock starts: a burst of new connections at t0 is served
    // unevenly by Node (some wait seconds behind busy keep-alive ones), which is a start-up artefact, not load.
    await inBatches([...this.tablets, ...this.kiosks, ...this.phones], 32, async (d) => void (await open(d.pool, d.token, d.base)));
    // Every connection a phase uses at once is open before it starts: the open loop's devices send many
    // requests at once, and all the closed loop's clients send their first order at t0. (The batches of 32
    // above left half of 64 clients without one: their first orders waited for connections the hub accepts
    // one per turn of its busy event loop, a staircase up to 2.2 s, which was the closed loop's submit p99.)
    if (pools) {
      const warm = (pool: HttpPool, devices: readonly Device[]) =>
        Promise.all(Array.from({ length: pool.maxSockets }, (_, i) => open(pool, devices[i % devices.length]?.token, devices[0]?.base ?? this.base)));
      await warm(pools.staff, this.tablets);
      if (openLoop) {
        await warm(pools.kiosk, this.kiosks);
        await warm(pools.qr, this.phones);
      }
    }
    // menu readers (bench): kiosk screens re-reading the menu with its ETag
    if (p.menuReaders > 0) {
      const token = await this.pair(`menu-screen-${p.id}`, 'kiosk');
      const pool = newPool(p.menuReaders);
      for (let i = 0; i < p.menuReaders; i++) this.menuReaders.push({ label: `menu-screen-${p.id}.${i}`, kind: 'kiosk', cls: 'menu', base: this.publicBase, pool, token, etag });
    }

    // stream sockets: KDS screens (full parse, they act on lines) and idle listeners (scan)
    const wsUrl = `ws://${this.base.host}/api/v1/stream`;
    const head = await this.head();
    await inBatches(p.kds, 4, async (a) => {
      const deviceToken = await this.pair(a.label, 'kds');
      const staff = await this.signIn(a.label, deviceToken, '3333');
      const dev: Device = { label: a.label, kind: 'kds', cls: 'kitchen', base: this.base, pool: newPool(2), token: staff, deviceToken };
      const entry = { dev, a, sub: undefined as unknown as Subscriber, pending: new Set<NodeJS.Timeout>() };
      entry.sub = new Subscriber({
        wsUrl,
        token: deviceToken,
        topics: [`station:${a.station}`],
        label: a.label,
        worker: p.id,
        mode: 'full',
        scanner: this.scanner,
        onEvents: (events) => this.kdsSaw(entry, events),
        ...(this.cfg.trackPlaced ? { onPlaced: (id: string, at: number) => this.saw(id, at) } : {}),
      });
      await entry.sub.start(head, p.epoch);
      this.kds.push(entry);
      this.subs.push(entry.sub);
    });
    if (p.idleSockets > 0) {
      const monitor = await this.pair(`monitor-${p.id}`, 'other');
      const idx = Array.from({ length: p.idleSockets }, (_, i) => p.idleOffset + i);
      await inBatches(idx, 25, async (n) => {
        const sub = new Subscriber({
          wsUrl,
          token: monitor,
          topics: this.cfg.trackPlaced ? null : idleTopics(n, p.qr),
          label: `listener-${n}`,
          worker: p.id,
          mode: 'scan',
          scanner: this.scanner,
          ...(this.cfg.trackPlaced ? { onPlaced: (id: string, at: number) => this.saw(id, at) } : {}),
        });
        await sub.start(head, p.epoch);
        this.subs.push(sub);
      });
    }
    return this.subs.length;
  }

  private async pair(name: string, kind: string): Promise<string> {
    const o = await this.mutation(this.setupDevice(name), 'pair', 'POST', '/api/v1/devices/pair', { code: this.plan.pairingCode, name, kind }, undefined);
    if (o.reply?.status !== 201) throw new Error(`pairing ${name} failed: ${o.reply?.status ?? 'no answer'} ${o.reply?.text ?? ''}`);
    return (JSON.parse(o.reply.text) as { deviceToken: string }).deviceToken;
  }

  private async signIn(name: string, deviceToken: string, pin: string): Promise<string> {
    const o = await this.mutation(this.setupDevice(name), 'signin', 'POST', '/api/v1/staff/sessions', { pin }, deviceToken);
    if (o.reply?.status !== 201) throw new Error(`sign-in on ${name} failed: ${o.reply?.status ?? 'no answer'} ${o.reply?.text ?? ''}`);
    return (JSON.parse(o.reply.text) as { token: string }).token;
  }

  private setupDevice(label: string): Device {
    return { label, kind: 'monitor', cls: 'staff', base: this.base, pool: this.setupPool, token: '' };
  }

  private async head(): Promise<number> {
    return (JSON.parse((await this.setupGet('/api/v1/health')).text) as { seq: number }).seq;
  }

  /** A read during set-up: anonymous reads from loopback share one rate-limit bucket, so 429/503 are waited out. */
  private async setupGet(path: string): Promise<HttpReply> {
    for (let attempt = 1; ; attempt++) {
      const r = await httpCall(this.base, this.setupPool, 'GET', path, { timeoutMs: 10_000 });
      if (r.status === 200) return r;
      if (!isRetryable(r.status, r.text) || attempt >= 10) throw new Error(`GET ${path} answered ${r.status}: ${r.text.slice(0, 200)}`);
      await sleep(retryAfterMs(r.headers) ?? 500);
    }
  }

  // ---------- the mutation path: one key per intent, same key on retry, every answer logged ----------

  private async mutation(
    dev: Device,
    op: Op,
    method: string,
    path: string,
    body: unknown,
    token: string | undefined,
    /** `mayLoseRace`: a payment while settling a table, a phone's add-on: someone may have paid a moment before. */
    extra: { orderId?: string; scheduledAt?: number; mayLoseRace?: boolean } = {},
  ): Promise<MutationOutcome> {
    const pool = dev.pool;
    const setupDeadline = nowMs() + 30_000;
    const giveUpAt = op === 'pair' || op === 'signin' ? () => setupDeadline : () => this.giveUpAt;
    let attempts = 0;
    this.counters.inFlight++;
    const outcome = await mutate(dev.base, pool, method, path, body, token, {
      timeoutMs: this.cfg.requestTimeoutMs,
      maxAttempts: this.cfg.maxAttempts,
      giveUpAt,
      ...(extra.scheduledAt !== undefined ? { scheduledAt: extra.scheduledAt } : {}),
      onAttempt: (a) => {
        attempts++;
        if (attempts > 1) this.counters.retries++;
        this.attempt(dev.cls, a);
      },
    }).finally(() => this.counters.inFlight--);
    const rec: AckRecord = { t: Date.now(), w: this.plan.id, dev: dev.label, op, key: outcome.key, status: outcome.reply?.status ?? 0, attempts: outcome.attempts, ms: Math.round(outcome.totalMs * 10) / 10 };
    if (outcome.reply) {
      const { status, text } = outcome.reply;
      rec.orderId = extra.orderId ?? orderIdOf(op, status, text);
      if (status >= 400) {
        rec.code = /"code":"([a-z_]+)"/.exec(text)?.[1];
        if (extra.mayLoseRace && (rec.code === 'order_closed' || rec.code === 'overpayment')) this.counters.raced++;
        else this.counters.refused++;
      }
      if (outcome.reply.headers['idempotent-replayed'] === 'true') rec.replayed = true;
    } else {
      rec.abandoned = true;
      if (extra.orderId) rec.orderId = extra.orderId;
      this.counters.abandoned++;
    }
    this.acks.write(`${JSON.stringify(rec)}\n`);
    this.acksWritten++;
    return outcome;
  }

  private attempt(cls: Class, a: AttemptRecord): void {
    // a request that never left this process is not an attempt the hub saw
    if (a.failure === 'unsent') {
      this.counters.unsent++;
      return;
    }
    this.counters.attempts++;
    if (nowMs() < this.endAt) this.counters.attemptsInPhase++;
    if (a.failure === 'timeout') this.counters.timeouts++;
    else if (a.failure === 'network') this.counters.networkErrors++;
    // a 5xx with its error code ('staff:503:overloaded'): which refusal it was
    const k = `${cls}:${a.status || a.failure}${a.code === undefined ? '' : `:${a.code}`}`;
    this.counters.status[k] = (this.counters.status[k] ?? 0) + 1;
    if (a.status) recordMs(this.hist[cls], a.ms);
  }

  /**
   * A read's status (0: no answer) and, when it was refused, how long the hub said to wait. Counted with the
   * menu reads, or with the device's own class (`byDevice`: a waiter waits for the floor as for an order).
   */
  private async read(
    dev: Device,
    path: string,
    headers: Record<string, string> = {},
    byDevice = false,
  ): Promise<{ status: number; retryAfterMs?: number | undefined; text?: string }> {
    const cls = byDevice ? dev.cls : 'menu';
    const sent = nowMs();
    try {
      // every device reads with its own token (a phone its table's): admission rate-limits per caller
      const reply = await httpCall(dev.base, dev.pool, 'GET', path, { token: dev.token || undefined, headers, timeoutMs: this.cfg.requestTimeoutMs });
      this.attempt(cls, { ms: reply.wireMs, status: reply.status });
      if (reply.status === 304) this.counters.menu304++;
      if (reply.status === 200 && path === '/api/v1/menu') {
        this.counters.menu200++;
        const tag = reply.headers.etag;
        if (typeof tag === 'string') dev.etag = tag;
      }
      return { status: reply.status, retryAfterMs: retryAfterMs(reply.headers), text: reply.text };
    } catch (err) {
      const e = err instanceof NoAnswerError ? err : undefined;
      this.attempt(cls, { ms: e?.wireMs ?? nowMs() - sent, status: 0, failure: e?.reason ?? 'network' });
      return { status: 0 };
    }
  }

  private fetchMenu(dev: Device): Promise<{ status: number; retryAfterMs?: number | undefined }> {
    return this.read(dev, '/api/v1/menu', dev.etag ? { 'if-none-match': dev.etag } : {});
  }

  /**
   * A menu screen (bench) re-reads the menu with its ETag as often as the hub lets it, and waits as long as
   * a refusal says (the apps do the same). Re-asking at once, the bench's four screens had been refused
   * ~500 times a second during the closed loop, CPU taken from the hub they measure, for no more reads.
   */
  private async readMenuAgain(dev: Device): Promise<void> {
    const { status, retryAfterMs: wait } = await this.fetchMenu(dev);
    if ((status === 429 || status === 503) && this.running) await sleep(Math.min(wait ?? 1000, Math.max(0, this.endAt - nowMs())));
  }

  // ---------- placing orders ----------

  /** Budget check + place; records the submit latency of a 201. */
  private async place(dev: Device, body: Record<string, unknown>, scheduledAt?: number): Promise<Order | undefined> {
    if (!this.budgetLeft()) return undefined;
    this.counters.ordersStarted++;
    if (!this.budgetLeft()) send({ type: 'budget-spent' });
    const o = await this.mutation(dev, 'place', 'POST', '/api/v1/orders', body, dev.token, {
      ...(typeof body.id === 'string' ? { orderId: body.id } : {}),
      ...(scheduledAt !== undefined ? { scheduledAt } : {}),
    });
    if (o.reply?.status !== 201) return undefined;
    this.counters.ordersAcked++;
    if (nowMs() < this.endAt) this.counters.ackedInPhase++;
    recordMs(this.hist.submit, o.totalMs);
    recordMs(this.recent, o.totalMs);
    const order = (JSON.parse(o.reply.text) as { order: Order }).order;
    if (this.cfg.trackPlaced) {
      const ackAt = nowMs();
      this.acked.push([order.id, scheduledAt ?? ackAt - o.totalMs, ackAt]);
    }
    return order;
  }

  private async addLines(dev: Device, orderId: string, lines: LineInput[], mayLoseRace = false): Promise<Order | undefined> {
    const o = await this.mutation(dev, 'add', 'POST', `/api/v1/orders/${orderId}/lines`, { lines }, dev.token, { orderId, mayLoseRace });
    return o.reply?.status === 200 ? (JSON.parse(o.reply.text) as { order: Order }).order : undefined;
  }

  private think(): Promise<void> {
    return sleep(this.cfg.thinkMs * (0.5 + this.r()));
  }

  // ---------- sessions: what each kind of device does ----------

  /**
   * A waiter: look at the floor, open a table (sometimes empty first), order with options, maybe add-ons,
   * pay; then the table leaves, and what its guests ordered from their phones is paid too.
   */
  private async waiterSession(dev: Device, scheduledAt?: number): Promise<void> {
    // the floor first, as on the tablet (which also refetches it, at most once a second, as orders change)
    await this.read(dev, '/api/v1/floor', {}, true);
    if (!this.running && scheduledAt === undefined) return;
    const tableId = pick(this.r, this.plan.qr).tableId;
    await this.serveTable(dev, tableId, scheduledAt);
    if (this.running) await this.settleTable(dev, tableId);
  }

  private async serveTable(dev: Device, tableId: string, scheduledAt?: number): Promise<void> {
    const r = this.r;
    const openEmpty = r() < 0.2;
    let order = await this.place(
      dev,
      // waiters pick tables at random, so an empty open may find the table already open: a separate check
      // (without it the hub refuses a second open of a table, as for two tablets seating one party)
      openEmpty
        ? { id: randomUUID(), channel: 'pos', tableId, guestCount: between(r, 1, 6), lines: [], separateCheck: true }
        : { id: randomUUID(), channel: 'pos', tableId, guestCount: between(r, 1, 6), lines: this.picker.lines(between(r, 2, 5), { withIds: true }) },
      scheduledAt,
    );
    if (!order) return;
    if (openEmpty) {
      await this.think();
      if (!this.running) return;
      order = await this.addLines(dev, order.id, this.picker.lines(between(r, 2, 5), { withIds: true }));
      if (!order) return;
    }
    await this.think();
    if (!this.running) return;
    if (r() < 0.6) {
      order = await this.addLines(dev, order.id, this.picker.addOns(between(r, 1, 2), { withIds: true }));
      if (!order) return;
      await this.think();
      if (!this.running) return;
    }
    if (order.dueMinor <= 0) return;
    const cash = r() < 0.4;
    const payment = cash
      ? { id: randomUUID(), tender: 'cash', amountMinor: order.dueMinor, tenderedMinor: Math.ceil(order.dueMinor / 10_000) * 10_000 }
      : cardPayment(order.dueMinor);
    await this.mutation(dev, 'pay', 'POST', `/api/v1/orders/${order.id}/payments`, payment, dev.token, { orderId: order.id });
  }

  /**
   * The table's open QR orders (its phones'), each paid by card. Without it no QR order ever closed,
   * and the open orders a floor, a kitchen snapshot or a phone reads piled up through a run by the thousand,
   * where a real store has a few per table.
   */
  private async settleTable(dev: Device, tableId: string): Promise<void> {
    // one waiter settles a table at a time (in this worker; the other worker's waiters may still race one,
    // and the hub then refuses the second payment of a closed order with 409 order_closed, as it should)
    if (this.settling.has(tableId)) return;
    this.settling.add(tableId);
    try {
      const { status, text } = await this.read(dev, `/api/v1/orders?status=open&tableId=${encodeURIComponent(tableId)}&limit=50`, {}, true);
      if (status !== 200 || !text) return;
      for (const order of (JSON.parse(text) as { orders: Order[] }).orders) {
        if (!this.running) return;
        // another waiter's order at the table is theirs to take payment for
        if (order.channel !== 'qr' || order.dueMinor <= 0) continue;
        await this.mutation(dev, 'pay', 'POST', `/api/v1/orders/${order.id}/payments`, cardPayment(order.dueMinor), dev.token, {
          orderId: order.id,
          mayLoseRace: true,
        });
      }
    } finally {
      this.settling.delete(tableId);
    }
  }

  /** A kiosk: menu (ETag), then a kiosk order, paid by card on the kiosk's own terminal. */
  private async kioskSession(dev: Device, scheduledAt?: number): Promise<void> {
    await this.fetchMenu(dev);
    if (!this.running && scheduledAt === undefined) return;
    const order = await this.place(dev, { channel: 'kiosk', lines: this.picker.lines(between(this.r, 1, 5)) }, scheduledAt);
    if (!order || !this.running || order.dueMinor <= 0) return;
    await this.mutation(dev, 'pay', 'POST', `/api/v1/orders/${order.id}/payments`, cardPayment(order.dueMinor), dev.token, { orderId: order.id });
  }

  /** A customer's phone: its table and its open orders (once), the menu (mostly 304), a QR order, sometimes one more dish. */
  private async phoneSession(dev: Device, scheduledAt?: number): Promise<void> {
    if (!dev.seenTable) {
      dev.seenTable = true;
      // the order page opening: its table, and what the table has ordered so far
      await this.read(dev, '/api/v1/qr/table');
      await this.read(dev, '/api/v1/orders?status=open&limit=20', {}, true);
    }
    await this.fetchMenu(dev);
    const order = await this.place(dev, { channel: 'qr', lines: this.picker.lines(between(this.r, 1, 4)) }, scheduledAt);
    if (!order || this.r() >= 0.3) return;
    await this.think();
    // the table may have paid this order meanwhile (a waiter settling it)
    if (this.running) await this.addLines(dev, order.id, this.picker.addOns(1), true);
  }

  /** profile `orders`: one place, nothing else (the bench's waiter-like or public client). */
  private async placeOnly(kind: 'staff' | 'qr' | 'kiosk', scheduledAt?: number, dev?: Device): Promise<void> {
    const lines = this.picker.lines(this.cfg.linesPerOrder);
    if (kind === 'staff') {
      const d = dev ?? pick(this.r, this.tablets);
      await this.place(d, { channel: 'pos', tableId: pick(this.r, this.plan.qr).tableId, lines }, scheduledAt);
    } else if (kind === 'qr') {
      await this.place(pick(this.r, this.phones), { channel: 'qr', lines }, scheduledAt);
    } else {
      await this.place(pick(this.r, this.kiosks), { channel: 'kiosk', lines }, scheduledAt);
    }
  }

  // ---------- KDS ----------

  private kdsSaw(entry: KdsScreen, events: WireEvent[]): void {
    if (!this.running) return;
    for (const e of events) {
      let orderId: string | undefined;
      let lines: { id: string; stationId: string; status: string }[] = [];
      if (e.type === 'order.placed') {
        const p = e.payload as { order: Order };
        orderId = p.order.id;
        lines = p.order.lines;
      } else if (e.type === 'order.lines_added') {
        const p = e.payload as { order: { id: string }; lines: Order['lines'] };
        orderId = p.order.id;
        lines = p.lines;
      }
      if (!orderId || fnv1a(orderId) % entry.a.of !== entry.a.index) continue;
      const lineIds = lines.filter((l) => l.stationId === entry.a.station && l.status === 'fired').map((l) => l.id);
      if (lineIds.length === 0 || entry.pending.size > 5000) continue;
      const id = orderId;
      const timer = setTimeout(() => {
        entry.pending.delete(timer);
        if (!this.running) return;
        void this.mutation(entry.dev, 'bump', 'POST', `/api/v1/orders/${id}/status`, { status: 'ready', lineIds }, entry.dev.token, { orderId: id });
      }, this.cfg.bumpDelayMs * (0.5 + this.r()));
      entry.pending.add(timer);
    }
  }

  private saw(orderId: string, at: number): void {
    const s = this.seen.get(orderId);
    if (s) {
      if (at > s[0]) s[0] = at;
      s[1]++;
    } else this.seen.set(orderId, [at, 1]);
  }

  // ---------- running ----------

  start(t0: number, durationMs: number): void {
    // set-up traffic (pairing, sign-in) is logged but not measured
    Object.assign(this.counters, emptyCounters());
    for (const h of Object.values(this.hist)) h.reset();
    this.loopDelay.enable();
    this.running = true;
    this.endAt = t0 + durationMs;
    this.giveUpAt = this.endAt + this.cfg.drainTimeoutMs;
    // a worker whose share of the budget is nothing has spent it: the run may end when the others have
    if (!this.budgetLeft()) send({ type: 'budget-spent' });
    this.ticker = setInterval(() => {
      const recentP99Ms = this.recent.totalCount > 0 ? this.recent.getValueAtPercentile(99) / 1000 : 0;
      this.recent.reset();
      this.counters.socketsOpen = this.subs.filter((s) => s.isOpen).length;
      send({ type: 'tick', counters: this.counters, recentP99Ms });
    }, TICK_MS);
    setTimeout(() => void this.stop(), Math.max(0, this.endAt - nowMs()));
    void sleep(Math.max(0, t0 - nowMs())).then(() => this.launch(t0));
  }

  private launch(t0: number): void {
    const p = this.plan;
    if (p.ratePerSec > 0) {
      this.loops.push(this.openLoop(t0));
    } else if (this.cfg.profile === 'orders') {
      this.tablets.forEach((d) => this.loops.push(this.closedLoop(() => this.placeOnly('staff', undefined, d), false)));
    } else {
      for (const d of this.tablets) this.loops.push(this.closedLoop(() => this.waiterSession(d)));
      for (const d of this.kiosks) this.loops.push(this.closedLoop(() => this.kioskSession(d)));
      for (const d of this.phones) this.loops.push(this.closedLoop(() => this.phoneSession(d)));
    }
    for (const reader of this.menuReaders) {
      const d = { ...reader };
      this.loops.push(this.closedLoop(() => this.readMenuAgain(d), false));
    }
  }

  private budgetLeft(): boolean {
    return this.plan.maxOrders === null || this.counters.ordersStarted < this.plan.maxOrders;
  }

  private async closedLoop(session: () => Promise<void>, think = true): Promise<void> {
    // stagger the first session so 300 phones do not all fire in the same millisecond
    if (think) await sleep(this.cfg.thinkMs * this.r());
    while (this.running && this.budgetLeft() && nowMs() < this.endAt) {
      try {
        await session();
      } catch (err) {
        this.note(`session failed: ${err instanceof Error ? err.message : String(err)}`);
        await sleep(100);
      }
      if (think && this.running) await this.think();
    }
  }

  /** Fixed arrival rate; each arrival is measured from its scheduled time, answered or not. */
  private async openLoop(t0: number): Promise<void> {
    const p = this.plan;
    const interval = 1000 / p.ratePerSec;
    const weights = this.cfg.profile === 'orders' ? undefined : [this.tablets.length, this.kiosks.length, this.phones.length];
    const inFlight = new Set<Promise<void>>();
    let i = 0;
    while (this.running) {
      const now = nowMs();
      for (let sched = t0 + i * interval; sched <= now && this.running; sched = t0 + ++i * interval) {
        if (sched >= this.endAt || !this.budgetLeft()) {
          this.running = false;
          break;
        }
        this.counters.offered++;
        if (inFlight.size >= OPEN_LOOP_MAX_IN_FLIGHT) {
          this.counters.dropped++;
          continue;
        }
        const job = this.arrival(sched, weights).catch((err: unknown) => this.note(`arrival failed: ${String(err)}`));
        inFlight.add(job);
        void job.finally(() => inFlight.delete(job));
      }
      await sleep(Math.min(interval, 2));
    }
    await Promise.allSettled([...inFlight]);
  }

  private arrival(sched: number, weights: number[] | undefined): Promise<void> {
    const r = this.r();
    if (!weights) {
      if (r >= this.cfg.publicShare || (this.phones.length === 0 && this.kiosks.length === 0)) return this.placeOnly('staff', sched);
      return this.placeOnly(this.r() < 2 / 3 || this.kiosks.length === 0 ? 'qr' : 'kiosk', sched);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    let x = r * total;
    if ((x -= weights[0]!) < 0) return this.waiterSession(pick(this.r, this.tablets), sched);
    if ((x -= weights[1]!) < 0) return this.kioskSession(pick(this.r, this.kiosks), sched);
    return this.phoneSession(pick(this.r, this.phones), sched);
  }

  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    this.endAt = Math.min(this.endAt, nowMs());
    this.giveUpAt = Math.min(this.giveUpAt, nowMs() + this.cfg.drainTimeoutMs);
    this.running = false;
    for (const k of this.kds) for (const t of k.pending) clearTimeout(t);
    // every loop is bounded by giveUpAt (each request by its timeout), so this ends
    await Promise.allSettled(this.loops);
    await waitUntil(() => this.counters.inFlight === 0, Math.max(0, this.giveUpAt - nowMs()) + this.cfg.requestTimeoutMs);
    if (this.ticker) clearInterval(this.ticker);
    send({ type: 'drained', counters: this.counters });
  }

  async settle(head: number, timeoutMs: number): Promise<WorkerReport> {
    const reached = await Promise.all(this.subs.map((s) => s.settle(head, timeoutMs)));
    const behind = reached.filter((ok) => !ok).length;
    if (behind > 0) this.note(`${behind} stream sockets did not reach seq ${head} within ${timeoutMs} ms`);
    for (const s of this.subs) s.close();
    const lines = this.subs.map((s) => JSON.stringify(s.record())).join('\n');
    writeFileSync(join(this.plan.runDir, `subs-${this.plan.id}.jsonl`), lines ? `${lines}\n` : '');
    await new Promise<void>((resolve) => this.acks.end(resolve));
    // last, once both logs are closed: a worker killed before this point leaves logs the verifier refuses
    const done: DoneRecord = { acks: this.acksWritten, subscribers: this.subs.length };
    writeFileSync(join(this.plan.runDir, `done-${this.plan.id}.json`), `${JSON.stringify(done)}\n`);
    this.loopDelay.disable();
    return {
      id: this.plan.id,
      loopLagMs: { p99: Math.round(this.loopDelay.percentile(99) / 1e5) / 10, max: Math.round(this.loopDelay.max / 1e5) / 10 },
      counters: this.counters,
      hist: Object.fromEntries(Object.entries(this.hist).map(([k, h]) => [k, encode(h)])) as WorkerReport['hist'],
      acked: this.acked,
      seen: [...this.seen].map(([id, [at, n]]) => [id, at, n]),
      sockets: this.subs.length,
      scannerChecks: this.scanner.checked,
      notes: this.notes,
    };
  }

  private note(n: string): void {
    if (this.notes.length < 50) this.notes.push(n);
  }
}

function orderIdOf(op: Op, status: number, text: string): string | undefined {
  if (op === 'pair' || op === 'signin' || status >= 300) return undefined;
  return /^\{"order":\{"id":"([^"]+)"/.exec(text)?.[1];
}

/** A card payment of the whole amount due, with the terminal's reference. */
function cardPayment(amountMinor: number) {
  return { id: randomUUID(), tender: 'card', amountMinor, reference: `load-${randomUUID().slice(0, 8)}` };
}

/** Idle listeners: mostly everything (like a manager screen), some filtered like tablets and bars. */
function idleTopics(n: number, qr: { tableId: string }[]): string[] | null {
  switch (n % 10) {
    case 7:
      return ['orders'];
    case 8:
      return ['station:bar', 'menu'];
    case 9:
      return [`table:${qr[n % qr.length]?.tableId ?? 't-a1'}`];
    default:
      return null;
  }
}

async function inBatches<T>(xs: readonly T[], size: number, fn: (x: T, i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < xs.length; i += size) await Promise.all(xs.slice(i, i + size).map((x, j) => fn(x, i + j)));
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = nowMs() + timeoutMs;
  while (!cond() && nowMs() < end) await sleep(20);
}

// ---------- process wiring ----------

let worker: LoadWorker | undefined;
const fatal = (err: unknown) => {
  send({ type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  setTimeout(() => process.exit(1), 100);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
let reported = false;
// the parent went away: stop at once (loops are bounded anyway, but nobody would read the results)
process.on('disconnect', () => process.exit(reported ? 0 : 2));
process.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'init':
      worker = new LoadWorker(m.plan);
      worker.setup().then((sockets) => send({ type: 'ready', sockets }), fatal);
      return;
    case 'start':
      worker?.start(m.t0, m.durationMs);
      return;
    case 'stop':
      void worker?.stop();
      return;
    case 'settle':
      worker?.settle(m.head, m.timeoutMs).then((report) => {
        reported = true;
        process.send?.({ type: 'final', report } satisfies FromWorker, undefined, {}, () => process.disconnect?.());
      }, fatal);
  }
});
