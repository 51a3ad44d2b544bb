/**
 * One load run: set up (manager sign-in, table QR codes), fork the workers, start them together, show a
 * progress bar, stop them at the bound, let every stream socket catch up with the final log head, merge
 * what they measured. Used by the CLI (`npm run load`), the benchmark and the integration test.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { LoadConfig } from './config.ts';
import { httpCall, mutate, newPool, nowMs, sleep } from './http.ts';
import { PAIRING_CODE, PINS, ROOT, assertLoopback, cpuTimeMs, machineCpuTimeMs, mainThreadSchedMs, placeProcess, rssOf, type Placement } from './hub-process.ts';
import { CLASSES, addCounters, emptyCounters, type Class, type Counters, type FromWorker, type KdsAssignment, type ToWorker, type WorkerPlan, type WorkerReport } from './ipc.ts';
import type { RunMeta, WorkerMeta } from './records.ts';
import { decodeInto, newHistogram, recordMs, summarise, type Histogram, type LatencySummary } from './stats.ts';

export interface RunOptions {
  config: LoadConfig;
  /** The hub to load (started by the caller; loopback only). */
  url: string;
  /** The hub's public address (HUB_PUBLIC_PORT), where phones and kiosks send, as real ones do; default `url`. */
  publicUrl?: string | undefined;
  /** The hub's pid, to sample its RSS. */
  hubPid?: number | undefined;
  /** The hub's SQLite file, recorded in run.json for the verifier. */
  dbFile?: string | undefined;
  /** Where logs go; several runs (bench phases) may share one. */
  runDir?: string | undefined;
  /** Prefix for worker ids in this run dir, so phases do not overwrite each other's logs. */
  phase?: string;
  quiet?: boolean;
  /** Label on the progress bar. */
  title?: string;
  /** Where the worker processes run: pinned away from the hub's CPUs, and/or at a lower priority. */
  placement?: Placement | undefined;
}

/** Shares of a phase's time the hub's main thread spent running on a CPU, and ready but waiting for one. */
export interface MainThreadShares {
  running: number;
  waiting: number;
}

export interface RunResult {
  runDir: string;
  phase: string;
  /** Seconds from start to the stop of the last worker. */
  elapsedS: number;
  /** The phase's own time as wall-clock epoch ms, the drain after it left out: to match the hub's timestamps. */
  window: { fromMs: number; toMs: number };
  counters: Counters;
  /** place: first send (or scheduled time) → 201. */
  submit: LatencySummary;
  /** Every attempt's latency, by who sent it. */
  byClass: Record<Class, LatencySummary>;
  /** trackPlaced only: from the acknowledgement to the moment the last socket had the order.placed. */
  ackToKds?: LatencySummary;
  /** trackPlaced only: from the scheduled (open loop) or first send time to the last socket. */
  sendToKds?: LatencySummary;
  /** trackPlaced only: acked orders whose order.placed did not reach every socket. */
  notEverywhere: number;
  sockets: number;
  endHead: number;
  /** Hub RSS samples (bytes) while the run was going; `maxBytesPer10s` the highest in each 10 s of it. */
  rss: { startBytes: number | undefined; maxBytes: number | undefined; endBytes: number | undefined; maxBytesPer10s: number[] };
  /** Highest write-queue depth and event-loop lag the hub reported on /api/v1/health while the run was going. */
  health: { maxWriteQueueDepth: number; maxEventLoopLagMs: number; samples: number };
  /**
   * CPU time (all threads, user + system) the hub process used from the start until every worker drained,
   * in ms; undefined without a hub pid or /proc. Divided by the orders acknowledged it is the hub's cost per
   * order, which compares across machines and runs where orders/s on shared cores does not.
   */
  hubCpuMs: number | undefined;
  /**
   * The hub's main thread (its event loop, where the JavaScript runs) from the start until the phase's time
   * was up (the drain after it left out), as shares of that time: `running` on a CPU, and `waiting` for one
   * while ready to run. Running near 1: that one thread was the limit; the two together near 1 with waiting
   * well above 0: it would have been, had it had a core of its own. Undefined without /proc schedstats.
   */
  hubMainThread: MainThreadShares | undefined;
  /** CPU time of the whole machine over the same span: the hub, the generator, printers, the kernel. */
  machineCpuMs: number | undefined;
  /** The load generator's own event-loop delay (worst worker): latency the clients added to what they measured. */
  generatorLagMs: { p99: number; max: number };
  notes: string[];
}

const READY_TIMEOUT_MS = 120_000;
const SETTLE_TIMEOUT_MS = 20_000;
const QUIESCE_TIMEOUT_MS = 120_000;

/**
 * Waits until the hub is idle: health answers, the write queue is empty and the head stops moving. After an
 * overload the hub may still be working through requests whose clients gave up long ago. Bounded.
 */
async function quiesce(health: () => Promise<HealthBody>, timeoutMs: number): Promise<number> {
  const end = nowMs() + timeoutMs;
  let last = -1;
  for (;;) {
    try {
      const h = await health();
      if (h.seq === last && (h.writeQueueDepth ?? 0) === 0) return h.seq;
      last = h.seq;
    } catch (err) {
      if (nowMs() > end) throw err;
    }
    if (nowMs() > end) throw new Error(`the hub did not go idle within ${timeoutMs / 1000} s after the run`);
    await sleep(300);
  }
}

export async function runLoad(o: RunOptions): Promise<RunResult> {
  const cfg = o.config;
  assertLoopback(o.url);
  if (o.publicUrl) assertLoopback(o.publicUrl);
  const base = new URL(o.url);
  const phase = o.phase ?? 'load';
  const runDir = o.runDir ?? mkdtempSync(join(tmpdir(), 'brigade-run-'));
  mkdirSync(runDir, { recursive: true });

  // ---- set-up as a manager: the table QR codes phones will scan, the log head and epoch ----
  const pool = newPool(4);
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const out = await mutate(base, pool, method, path, body, token, { timeoutMs: 10_000, maxAttempts: 5, giveUpAt: () => nowMs() + 30_000 });
    if (!out.reply) throw new Error(`${method} ${path}: no answer`);
    return out.reply;
  };
  const pair = await call('POST', '/api/v1/devices/pair', { code: PAIRING_CODE, name: `load-manager-${phase}`, kind: 'manager' });
  if (pair.status !== 201) throw new Error(`pairing the manager device failed (${pair.status}): ${pair.text}`);
  const deviceToken = (JSON.parse(pair.text) as { deviceToken: string }).deviceToken;
  const session = await call('POST', '/api/v1/staff/sessions', { pin: PINS.manager }, deviceToken);
  if (session.status !== 201) throw new Error(`manager sign-in failed (${session.status}): ${session.text}`);
  const managerToken = (JSON.parse(session.text) as { token: string }).token;
  const qrReply = await httpCall(base, pool, 'GET', '/api/v1/tables/qr-codes', { token: managerToken, timeoutMs: 10_000 });
  if (qrReply.status !== 200) throw new Error(`GET /api/v1/tables/qr-codes answered ${qrReply.status}`);
  const qr = (JSON.parse(qrReply.text) as { tables: { id: string; qrToken: string }[] }).tables.map((t) => ({ tableId: t.id, token: t.qrToken }));
  // reads carry the manager's token: anonymous reads from loopback share one rate-limit bucket
  const menuReply = await httpCall(base, pool, 'GET', '/api/v1/menu', { token: managerToken, timeoutMs: 10_000 });
  if (menuReply.status !== 200) throw new Error(`GET /api/v1/menu answered ${menuReply.status}`);
  const stations = (JSON.parse(menuReply.text) as { menu: { stations: { id: string }[] } }).menu.stations.map((s) => s.id);
  const health = async () => {
    const r = await httpCall(base, pool, 'GET', '/api/v1/health', { token: managerToken, timeoutMs: 10_000 });
    if (r.status !== 200) throw new Error(`GET /api/v1/health answered ${r.status}`);
    return JSON.parse(r.text) as HealthBody;
  };
  const { epoch } = await health();

  const plans = planWorkers(cfg, { phase, url: o.url, publicUrl: o.publicUrl ?? o.url, runDir, epoch, qr, stations });
  writeMeta(runDir, { url: o.url, dbFile: o.dbFile, phase, workers: plans.map((p) => ({ id: p.id, sockets: p.kds.length + p.idleSockets })) });

  // ---- fork and set up the workers ----
  const workers = plans.map((plan) => new WorkerHandle(plan, o.placement ?? {}));
  const stopAll = () => workers.forEach((w) => w.kill());
  try {
    await Promise.all(workers.map((w) => w.ready(READY_TIMEOUT_MS)));

    const bar = o.quiet || !process.stderr.isTTY ? undefined : new cliProgress.SingleBar(
      {
        format: `${(o.title ?? phase).padEnd(10)} {bar} {value}s/{total}s  orders {orders} ({rate}/s)  p99 {p99} ms  in-flight {inflight}  errs {errs}  sockets {sockets}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    const durationMs = cfg.durationS * 1000;
    const t0 = nowMs() + 250;
    const rss = { startBytes: o.hubPid ? rssOf(o.hubPid) : undefined, maxBytes: undefined as number | undefined, endBytes: undefined as number | undefined, maxBytesPer10s: [] as number[] };
    const hs = { maxWriteQueueDepth: 0, maxEventLoopLagMs: 0, samples: 0 };
    bar?.start(Math.round(cfg.durationS), 0, { orders: 0, rate: 0, p99: 0, inflight: 0, errs: 0, sockets: 0 });
    for (const w of workers) w.send({ type: 'start', t0, durationMs });
    await sleep(Math.max(0, t0 - nowMs()));
    const cpuStart = o.hubPid ? cpuTimeMs(o.hubPid) : undefined;
    const mainStart = o.hubPid ? mainThreadSchedMs(o.hubPid) : undefined;
    const machineStart = machineCpuTimeMs();

    // ---- while it runs: progress, RSS and health samples; stop at the duration or when the budget is spent ----
    let lastOrders = 0;
    let lastAt = nowMs();
    let healthBusy = false;
    const deadline = t0 + durationMs;
    while (nowMs() < deadline && !workers.every((w) => w.budgetSpent) && workers.every((w) => !w.failed)) {
      await sleep(Math.min(500, Math.max(10, deadline - nowMs())));
      if (o.hubPid) {
        const b = rssOf(o.hubPid);
        if (b !== undefined) {
          const slice = Math.max(0, Math.floor((nowMs() - t0) / 10_000));
          rss.maxBytesPer10s[slice] = Math.max(rss.maxBytesPer10s[slice] ?? 0, b);
        }
      }
      if (!healthBusy) {
        healthBusy = true;
        // a probe that itself waits behind the overload says as much as the figures in it
        void health()
          .then((h) => {
            hs.samples++;
            hs.maxWriteQueueDepth = Math.max(hs.maxWriteQueueDepth, h.writeQueueDepth ?? 0);
            hs.maxEventLoopLagMs = Math.max(hs.maxEventLoopLagMs, h.eventLoopLagMs ?? 0);
          })
          .catch(() => undefined)
          .finally(() => (healthBusy = false));
      }
      const c = sumTicks(workers);
      const now = nowMs();
      const rate = Math.round(((c.ordersAcked - lastOrders) * 1000) / Math.max(1, now - lastAt));
      lastOrders = c.ordersAcked;
      lastAt = now;
      bar?.update(Math.min(Math.round(cfg.durationS), Math.round((now - t0) / 1000)), {
        orders: c.ordersAcked,
        rate,
        p99: Math.max(...workers.map((w) => w.recentP99Ms)).toFixed(1),
        inflight: c.inFlight,
        errs: c.timeouts + c.networkErrors + c.abandoned,
        sockets: c.socketsOpen,
      });
    }
    bar?.stop();
    // the main thread over the phase itself, not the drain after it (the thread idles there)
    const mainEnd = o.hubPid ? mainThreadSchedMs(o.hubPid) : undefined;
    const phaseMs = nowMs() - t0;
    const toMs = Date.now();
    const window = { fromMs: toMs - phaseMs, toMs };
    const share = (ms: number) => Math.round((ms / phaseMs) * 100) / 100;
    const hubMainThread = mainStart && mainEnd ? { running: share(mainEnd.runMs - mainStart.runMs), waiting: share(mainEnd.waitMs - mainStart.waitMs) } : undefined;
    const failed = workers.find((w) => w.failed);
    if (failed) throw new Error(`load worker ${failed.plan.id} failed: ${failed.failure}`);

    for (const w of workers) w.send({ type: 'stop' });
    await Promise.all(workers.map((w) => w.drained(cfg.drainTimeoutMs + cfg.requestTimeoutMs * 2 + 10_000)));
    const elapsedS = (nowMs() - t0) / 1000;
    const cpuEnd = o.hubPid ? cpuTimeMs(o.hubPid) : undefined;
    const hubCpuMs = cpuStart !== undefined && cpuEnd !== undefined ? cpuEnd - cpuStart : undefined;
    const machineEnd = machineCpuTimeMs();
    const machineCpuMs = machineStart !== undefined && machineEnd !== undefined ? machineEnd - machineStart : undefined;
    if (o.hubPid) rss.endBytes = rssOf(o.hubPid);
    // filter: a 10 s without a sample is a hole in the array
    rss.maxBytes = Math.max(0, ...rss.maxBytesPer10s.filter((b) => b !== undefined), rss.startBytes ?? 0, rss.endBytes ?? 0) || undefined;

    // ---- let the hub finish what it still holds, then every socket must catch up with the final head ----
    const endHead = await quiesce(health, QUIESCE_TIMEOUT_MS);
    for (const w of workers) w.send({ type: 'settle', head: endHead, timeoutMs: SETTLE_TIMEOUT_MS });
    const reports = await Promise.all(workers.map((w) => w.final(SETTLE_TIMEOUT_MS + 30_000)));
    writeMeta(runDir, { url: o.url, dbFile: o.dbFile, phase, endHead });
    return merge(reports, { runDir, phase, elapsedS, window, endHead, rss, health: hs, hubCpuMs, hubMainThread, machineCpuMs, trackPlaced: cfg.trackPlaced, sockets: cfg.mix.sockets });
  } finally {
    stopAll();
    pool.destroy();
  }
}

interface HealthBody {
  seq: number;
  epoch: string;
  writeQueueDepth?: number;
  eventLoopLagMs?: number;
}

/**
 * Spreads the devices over the workers, round robin per kind, and KDS screens over the stations.
 *
 * In the bench's open loops (profile `orders`) one more worker sends the waiters' orders and holds no
 * stream socket: a worker that also reads a hundred sockets (and, in the overload, handles thousands of
 * refused phone requests) read the answers late — its own event loop lagged up to 350 ms — and that
 * counted as the hub's latency. Real tablets, screens and phones are devices of their own. The `workers`
 * others hold the sockets and the KDS screens, and in the overload send the phones' and kiosks' flood.
 * (Before the workers shared one inflation per frame, one process alone could not read 200 sockets at the
 * hub's full rate; now it can, and the bench uses one on small machines: scripts/bench/load-workers.ts.)
 */
export function planWorkers(
  cfg: LoadConfig,
  ctx: { phase: string; url: string; publicUrl: string; runDir: string; epoch: string; qr: WorkerPlan['qr']; stations: string[] },
): WorkerPlan[] {
  const split = cfg.profile === 'orders' && cfg.ratePerSec > 0 && cfg.publicShare < 1;
  const budget = cfg.maxOrders > 0 ? cfg.maxOrders : null;
  if (!split) return spreadOverWorkers(cfg, ctx, budget);
  // the budget is shared like the arrivals: the waiters' worker its staff share, the others the rest
  const staffBudget = budget === null ? null : Math.round(budget * (1 - cfg.publicShare));
  const others = spreadOverWorkers({ ...cfg, ratePerSec: cfg.ratePerSec * cfg.publicShare, publicShare: 1 }, ctx, budget === null ? null : budget - staffBudget!);
  const waiters: WorkerPlan = {
    ...others[0]!,
    id: `${ctx.phase}-wstaff`,
    tablets: [],
    kiosks: [],
    phones: [],
    kds: [],
    idleSockets: 0,
    idleOffset: 0,
    clients: 0,
    ratePerSec: cfg.ratePerSec * (1 - cfg.publicShare),
    menuReaders: 0,
    maxOrders: staffBudget,
    // the whole fleet of tablets is this worker's (its socket pool is sized by it)
    config: { ...cfg, workers: 1, publicShare: 0, seed: cfg.seed + cfg.workers },
  };
  return [waiters, ...others];
}

function spreadOverWorkers(
  cfg: LoadConfig,
  ctx: { phase: string; url: string; publicUrl: string; runDir: string; epoch: string; qr: WorkerPlan['qr']; stations: string[] },
  budget: number | null,
): WorkerPlan[] {
  const n = Math.max(1, cfg.workers);
  const share = (total: number, i: number) => Math.floor(total / n) + (i < total % n ? 1 : 0);
  const spread = (count: number, i: number) => Array.from({ length: count }, (_, k) => k).filter((k) => k % n === i);
  const kdsAll: KdsAssignment[] = [];
  const stations = ctx.stations.length > 0 ? ctx.stations : ['hot'];
  const perStation = new Map<string, number>();
  for (let k = 0; k < cfg.mix.kds; k++) {
    const station = stations[k % stations.length]!;
    perStation.set(station, (perStation.get(station) ?? 0) + 1);
  }
  const seenPerStation = new Map<string, number>();
  for (let k = 0; k < cfg.mix.kds; k++) {
    const station = stations[k % stations.length]!;
    const index = seenPerStation.get(station) ?? 0;
    seenPerStation.set(station, index + 1);
    kdsAll.push({ station, index, of: perStation.get(station)!, label: `kds-${station}-${index}` });
  }
  const idle = Math.max(0, cfg.mix.sockets - cfg.mix.kds);
  let idleOffset = 0;
  return Array.from({ length: n }, (_, i) => {
    const idleSockets = share(idle, i);
    const plan: WorkerPlan = {
      id: `${ctx.phase}-w${i}`,
      url: ctx.url,
      publicUrl: ctx.publicUrl,
      runDir: ctx.runDir,
      epoch: ctx.epoch,
      pairingCode: PAIRING_CODE,
      pins: { waiter: PINS.waiter, waiter2: PINS.waiter2, cashier: PINS.cashier, kitchen: PINS.kitchen },
      qr: ctx.qr,
      tablets: spread(cfg.mix.tablets, i),
      kiosks: spread(cfg.mix.kiosks, i),
      phones: spread(cfg.mix.phones, i),
      kds: kdsAll.filter((_, k) => k % n === i),
      idleSockets,
      idleOffset,
      clients: share(cfg.clients, i),
      ratePerSec: cfg.ratePerSec / n,
      menuReaders: share(cfg.menuReaders, i),
      maxOrders: budget === null ? null : share(budget, i),
      config: { ...cfg, seed: cfg.seed + i },
    };
    idleOffset += idleSockets;
    return plan;
  });
}

function writeMeta(runDir: string, m: { url: string; dbFile: string | undefined; phase: string; endHead?: number; workers?: WorkerMeta[] }): void {
  const file = join(runDir, 'run.json');
  const prev: RunMeta | undefined = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunMeta) : undefined;
  const meta: RunMeta = {
    startedAt: prev?.startedAt ?? new Date().toISOString(),
    url: m.url,
    dbFile: m.dbFile ?? prev?.dbFile,
    endHead: Math.max(m.endHead ?? 0, prev?.endHead ?? 0),
    phases: [...new Set([...(prev?.phases ?? []), m.phase])],
    workers: [...(prev?.workers ?? []).filter((w) => !m.workers?.some((x) => x.id === w.id)), ...(m.workers ?? [])],
  };
  writeFileSync(file, `${JSON.stringify(meta, null, 2)}\n`);
}

function sumTicks(workers: WorkerHandle[]): Counters {
  return workers.reduce((acc, w) => addCounters(acc, w.counters), emptyCounters());
}

function merge(
  reports: WorkerReport[],
  ctx: Pick<RunResult, 'runDir' | 'phase' | 'elapsedS' | 'window' | 'endHead' | 'rss' | 'health' | 'hubCpuMs' | 'hubMainThread' | 'machineCpuMs'> & { trackPlaced: boolean; sockets: number },
): RunResult {
  const counters = emptyCounters();
  const h = Object.fromEntries(['submit', ...CLASSES].map((k) => [k, newHistogram()])) as Record<Class | 'submit', Histogram>;
  for (const r of reports) {
    addCounters(counters, r.counters);
    for (const k of Object.keys(h) as (keyof typeof h)[]) decodeInto(h[k], r.hist[k]);
  }
  counters.inFlight = 0;
  const notes = reports.flatMap((r) => r.notes.map((n) => `${r.id}: ${n}`));
  const sockets = reports.reduce((a, r) => a + r.sockets, 0);
  const result: RunResult = {
    runDir: ctx.runDir,
    phase: ctx.phase,
    elapsedS: ctx.elapsedS,
    window: ctx.window,
    counters,
    submit: summarise(h.submit),
    byClass: Object.fromEntries(CLASSES.map((k) => [k, summarise(h[k])])) as Record<Class, LatencySummary>,
    notEverywhere: 0,
    sockets,
    endHead: ctx.endHead,
    rss: ctx.rss,
    health: ctx.health,
    hubCpuMs: ctx.hubCpuMs,
    hubMainThread: ctx.hubMainThread,
    machineCpuMs: ctx.machineCpuMs,
    generatorLagMs: {
      p99: Math.max(0, ...reports.map((r) => r.loopLagMs.p99)),
      max: Math.max(0, ...reports.map((r) => r.loopLagMs.max)),
    },
    notes,
  };
  if (ctx.trackPlaced) {
    // the moment the last socket anywhere had the order, against when it was acknowledged / sent
    const seen = new Map<string, [number, number]>();
    for (const r of reports) {
      for (const [id, at, n] of r.seen) {
        const s = seen.get(id);
        if (s) {
          s[0] = Math.max(s[0], at);
          s[1] += n;
        } else seen.set(id, [at, n]);
      }
    }
    const ackToKds = newHistogram();
    const sendToKds = newHistogram();
    for (const r of reports) {
      for (const [id, sentAt, ackAt] of r.acked) {
        const s = seen.get(id);
        if (!s || s[1] < sockets) {
          result.notEverywhere++;
          continue;
        }
        recordMs(ackToKds, s[0] - ackAt);
        recordMs(sendToKds, s[0] - sentAt);
      }
    }
    result.ackToKds = summarise(ackToKds);
    result.sendToKds = summarise(sendToKds);
  }
  for (const x of Object.values(h)) x.destroy();
  return result;
}

/** One forked worker process and the messages it has sent. */
class WorkerHandle {
  readonly proc: ChildProcess;
  counters: Counters = emptyCounters();
  recentP99Ms = 0;
  budgetSpent = false;
  failed = false;
  failure = '';
  private readonly waiting = new Map<FromWorker['type'], (m: FromWorker) => void>();
  private readonly got = new Map<FromWorker['type'], FromWorker>();
  private stderr = '';

  constructor(
    readonly plan: WorkerPlan,
    placement: Placement,
  ) {
    this.proc = fork(join(ROOT, 'scripts/load/worker.ts'), [], {
      cwd: ROOT,
      // LOAD_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the workers themselves
      execArgv: [...(process.env.LOAD_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    // not stopWithUs: a worker exits by itself when this process goes (disconnect), after writing the CPU
    // profile it may have been asked for, which a SIGTERM would lose
    this.proc.stderr?.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-8000);
    });
    if (this.proc.pid !== undefined) placeProcess(this.proc.pid, placement);
    this.proc.on('message', (m: FromWorker) => this.onMessage(m));
    this.proc.on('exit', (code) => {
      if (!this.got.has('final')) this.fail(`exited with ${code} before reporting${this.stderr ? `:\n${this.stderr}` : ''}`);
    });
    this.send({ type: 'init', plan });
  }

  send(m: ToWorker): void {
    if (this.proc.connected) this.proc.send(m);
  }

  /**
   * A worker that has reported exits on its own once disconnected (and only then writes a CPU profile it
   * was asked for): it gets a few seconds to do so. One that has not reported is stopped at once.
   */
  kill(): void {
    const kill = () => this.proc.exitCode === null && this.proc.signalCode === null && this.proc.kill('SIGKILL');
    if (this.got.has('final')) setTimeout(kill, 10_000).unref();
    else kill();
  }

  ready(timeoutMs: number): Promise<FromWorker> {
    return this.wait('ready', timeoutMs);
  }

  drained(timeoutMs: number): Promise<FromWorker> {
    return this.wait('drained', timeoutMs);
  }

  async final(timeoutMs: number): Promise<WorkerReport> {
    const m = await this.wait('final', timeoutMs);
    if (m.type !== 'final') throw new Error('unreachable');
    return m.report;
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'tick':
        this.counters = m.counters;
        this.recentP99Ms = m.recentP99Ms;
        return;
      case 'budget-spent':
        this.budgetSpent = true;
        return;
      case 'fatal':
        this.fail(m.message);
        return;
      case 'drained':
        this.counters = m.counters;
    }
    this.got.set(m.type, m);
    this.waiting.get(m.type)?.(m);
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = message;
    for (const w of this.waiting.values()) w({ type: 'fatal', message });
  }

  private wait(type: FromWorker['type'], timeoutMs: number): Promise<FromWorker> {
    const have = this.got.get(type);
    if (have) return Promise.resolve(have);
    if (this.failed) return Promise.reject(new Error(`worker ${this.plan.id}: ${this.failure}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker ${this.plan.id}: no '${type}' in ${timeoutMs} ms`)), timeoutMs);
      this.waiting.set(type, (m) => {
        clearTimeout(timer);
        if (m.type === 'fatal') reject(new Error(`worker ${this.plan.id} failed: ${m.message}`));
        else resolve(m);
      });
    });
  }
}
