/**
 * `npm run bench` — in one run, on this machine:
 *   1. fsync latency of the data disk, and a fixed piece of CPU work timed (how fast this CPU is; again
 *      after the last phase, as a shared VM's CPU speed moves);
 *   2. the machine's own limit: raw better-sqlite3 commits of an order-shaped durable transaction
 *      (WAL, synchronous=FULL), one per transaction and 16 per transaction;
 *   3. the real hub end to end at that durability, with 200 live stream sockets: closed-loop waiter-like
 *      clients ordering as fast as they are acknowledged, menu reads (ETag 304) alongside;
 *   4. open-loop phases, latency from the scheduled send time: at half the capacity the closed loop
 *      measured (a heavy load the hub can carry, where latency is not a queue growing); at a fixed rate
 *      (BENCH_RATE, 1000/s); and at a restaurant's real peak (BENCH_PEAK_RATE, 50 orders/s: several times a
 *      stadium's halftime);
 *   5. an overload phase at 5 × the measured capacity for 60 s, then the verifier over every phase's logs.
 * Prints a table and writes bench/results.json.
 *
 * Environment: BENCH_SECONDS (10) scales every phase; BENCH_RATE (1000/s) the open loop; BENCH_PEAK_RATE
 * (50/s) the real-peak open loop; BENCH_SUSTAINED (0.5) the fraction of the measured capacity the first
 * open loop offers; BENCH_OVERLOAD (5) the overload factor; BENCH_OVERLOAD_SECONDS its length (60 s, the
 * issue's, or BENCH_SECONDS if longer; BENCH_SECONDS if that is under 10); BENCH_SOCKETS (200); BENCH_CLIENTS
 * (64); BENCH_LINES (order lines, 10); BENCH_WORKERS (load-generator processes holding the sockets: 1 on
 * fewer than 4 cores, else 2; see load-workers.ts); BENCH_DIR (temp dir on the data disk; default the OS
 * temp dir); BENCH_PRINTER_MS_PER_LINE (17: the simulated printers print at a real thermal printer's pace;
 * 0 prints at once); BENCH_OUT (bench/results.json); BENCH_HUB_ENV (extra hub env, "K=V,K=V"); BENCH_KEEP=1 keeps
 * the hub's data and logs; BENCH_HUB_CPUS / BENCH_LOAD_CPUS (`taskset` lists; by default, with 4 or more
 * cores, the hub gets the first half and the load workers and simulated printers the rest; `none` turns
 * pinning off); BENCH_LOAD_NICE (0: the load workers' and simulated printers' nice value; above 0 they
 * yield the CPU to the hub when both want it, see docs/benchmarks.md round eleven for what that does).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { OPEN_LOOP_MAX_IN_FLIGHT, overloadPublicShare, withDefaults } from '../load/config.ts';
import { aroundPhase, floodReachingHub, type InHub } from './hub-metrics.ts';
import { ROOT, exitOnSignals, startHub, type StartedHub } from '../load/hub-process.ts';
import { defaultLoadWorkers } from './load-workers.ts';
import { printBacklog, startExternalPrinters, type ExternalPrinters } from './printers.ts';
import { formatResult } from '../load/format.ts';
import { runLoad, type MainThreadShares, type RunResult } from '../load/run.ts';
import { formatReport, verifyRun, type VerifyReport } from '../load/verify.ts';
import { cpuReference, type CpuReference } from './cpu-reference.ts';
import { fsyncLatency, type FsyncResult } from './fsync.ts';
import { rawCommitRate } from './raw-sqlite.ts';
import { formatTargets, judgeTargets, type TargetVerdict } from './targets.ts';
import { exitWithHelpIfAsked } from './usage.ts';

const env = (name: string, dflt: number, min: number, max: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number in ${min}…${max}, got ${v}`);
  return n;
};

export interface BenchResults {
  rawOrdersPerSec: number;
  rawGroupedOrdersPerSec: number;
  hubOrdersPerSec: number;
  /** The same closed loop with no stream socket: the difference is what fanning events out costs. */
  hubOrdersPerSecNoSockets: number;
  /**
   * The hub process's own CPU time (user + system, all threads) per acknowledged order in the closed loop,
   * with and without the sockets. Unlike orders/s it hardly depends on what else runs on the machine, so it
   * compares runs and machines; 1000 / it is the rate one dedicated core could take.
   */
  hubCpuMsPerOrder: number | null;
  hubCpuMsPerOrderNoSockets: number | null;
  /**
   * The whole machine's CPU time per order in the closed loop with sockets: the hub, the load generator's
   * devices and sockets, the printers, the kernel. Where it is far above the hub's own, the generator is
   * what the hub shares its cores with (on a store's hub the devices are other machines).
   */
  machineCpuMsPerOrder: number | null;
  /**
   * The hub's main thread (its event loop, where the JavaScript runs) over the closed loop, as shares of
   * the phase's time from the scheduler's account: `running` on a CPU, `waiting` for one while ready to run.
   * Running near 1: that one thread was the limit; waiting well above 0: the generator and the hub's other
   * threads had the cores it wanted (on a store's hub the devices are other machines).
   */
  hubMainThread: MainThreadShares | null;
  /** CPU lists the hub and the load generator were pinned to (`taskset`), or null when not pinned. */
  pinning: { hub: string; load: string } | null;
  /** The nice value of the load workers and simulated printers (BENCH_LOAD_NICE). */
  loadNice: number;
  /** Load-generator processes holding the stream sockets (BENCH_WORKERS; the open loops add one for the waiters). */
  loadWorkers: number;
  /** hub / raw one-at-a-time. */
  ratio: number;
  /** hub / raw in groups of 16. */
  ratioGrouped: number;
  p50SubmitMs: number;
  p99SubmitMs: number;
  p50AckToKdsMs: number;
  p99AckToKdsMs: number;
  /**
   * The same inside the hub: from each event's commit to its write to the last socket
   * (`brigade_stream_delivery_seconds`, upper bound of the bucket). The rest of the figures above is the
   * wire, the answer to the waiter, and the generator reading 200 sockets on the same cores.
   */
  inHubDeliveryMs: InHub;
  sockets: number;
  /** Median fsync of a 4 KiB append on the data disk. */
  fsyncMs: number;
  fsync: FsyncResult;
  /**
   * Median time of a fixed round of single-threaded work shaped like the hub's (cpu-reference.ts), before
   * the first phase and after the last: the CPU-bound figures (hub orders/s, CPU per order) move with it
   * from one machine to the next, and on a shared VM from one hour to the next.
   */
  cpuReference: { before: CpuReference; after: CpuReference };
  menuReadsPerSec: number;
  /**
   * Tickets the printers had not got through when the closed loop ended (null: the hub's own simulated
   * printers). Two printers cannot keep up with hundreds of orders a second at any pace; tickets left here
   * were not printed inside the measured time, so the cost of sending them is not in the figures (planning
   * them, in the order's transaction, is).
   */
  printBacklogAfterClosed: number | null;
  /**
   * The simulated printers' pace (BENCH_PRINTER_MS_PER_LINE): 17 ms per line is a real thermal printer's,
   * ~4 tickets a second each. At 0 they print at once and work through the closed loop's backlog at a few
   * hundred tickets a second during every later phase, which no store's printers do.
   */
  printerMsPerLine: number;
  linesPerOrder: number;
  /** Size of one order.placed payload in the raw benchmark (the hub's is similar). */
  eventBytes: number;
  openLoop: OpenLoopFigures;
  /**
   * The same at BENCH_SUSTAINED × the closed loop's capacity: a heavy load the hub can carry, so its
   * latency is the hub's and not a queue growing, as it is when BENCH_RATE is above the capacity.
   */
  sustainedLoop: OpenLoopFigures & { fractionOfCapacity: number };
  /** The same at BENCH_PEAK_RATE, a rate a real restaurant (or stadium) reaches: what a waiter sees at the peak. */
  peakLoop: OpenLoopFigures;
  overload: {
    /** Arrivals the generator scheduled: BENCH_OVERLOAD × the closed loop's capacity. */
    offeredPerSec: number;
    seconds: number;
  } & ReturnType<typeof floodReachingHub> & {
    statusCounts: Record<string, number>;
    /** Per attempt, waiter tablets (never shed by admission). */
    staffP99Ms: number;
    /**
     * The same requests inside the hub, headers to answer (`brigade_staff_mutation_seconds`, upper bound of
     * the bucket): the rest of staffP99Ms is the wire and the load generator sharing the cores.
     */
    staffInHubP50Ms: number | null;
    staffInHubP99Ms: number | null;
    /** The load generator's own event-loop delay during the phase (worst worker). */
    generatorLagP99Ms: number;
    generatorLagMaxMs: number;
    /** Per attempt, kiosks (paired devices) and customers' phones (table tokens: shed first). */
    kioskP99Ms: number;
    qrP99Ms: number;
    hubRssStartMB: number | null;
    hubRssMaxMB: number | null;
    hubRssEndMB: number | null;
    /** The highest RSS sample in each 10 s of the phase: bounded memory is a flat line. */
    hubRssMaxMBPer10s: (number | null)[];
    /** GET /api/v1/health answers received during the phase (one in flight at a time, 10 s timeout). */
    healthSamples: number;
    /** From those answers; null when /api/v1/health never answered during the phase. */
    maxWriteQueueDepth: number | null;
    maxEventLoopLagMs: number | null;
    timeouts: number;
    abandoned: number;
    hubAlive: boolean;
    verifierOk: boolean;
  };
  verifier: { ok: boolean; failures: string[] };
  /** The issue's targets, each judged on this run's figures (targets.ts). */
  targets: TargetVerdict[];
  benchSeconds: number;
  hubWriteBatch: string;
  node: string;
  cpu: string;
  cores: number;
  /** 1-minute load average at the start and the end: on a shared machine, read the figures with it. */
  loadAvg: { start: number; end: number };
  date: string;
}

/**
 * Which CPUs the hub and the load generator get. The generator (workers parsing what 200 sockets receive)
 * and the simulated printers would otherwise compete with the hub for its cores and the figures would
 * measure the generator too. Explicit lists win; `none` turns pinning off; with 4 or more cores the hub
 * gets the first half; on fewer cores nothing is pinned unless asked.
 */
function cpuSplit(): { hub: string; load: string } | null {
  const hubCpus = process.env.BENCH_HUB_CPUS;
  const loadCpus = process.env.BENCH_LOAD_CPUS;
  if (hubCpus === 'none' || loadCpus === 'none') return null;
  const n = availableParallelism();
  if (hubCpus || loadCpus) {
    if (!hubCpus || !loadCpus) throw new Error('set both BENCH_HUB_CPUS and BENCH_LOAD_CPUS (taskset lists, e.g. 0 and 1-3)');
    return { hub: hubCpus, load: loadCpus };
  }
  if (n < 4) return null;
  const half = Math.floor(n / 2);
  return { hub: `0-${half - 1}`, load: `${half}-${n - 1}` };
}

const cpuPerOrder = (r: RunResult, cpuMs = r.hubCpuMs): number | null =>
  cpuMs !== undefined && r.counters.ordersAcked > 0 ? round(cpuMs / r.counters.ordersAcked, 3) : null;

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    /* not Linux */
  }
  return 'unknown';
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const mb = (b: number | undefined) => (b === undefined ? null : Math.round(b / 1048576));
const log = (s: string) => process.stderr.write(`${s}\n`);

interface OpenLoopFigures {
  ratePerSec: number;
  achievedPerSec: number;
  /** Orders acknowledged: the samples behind the submit percentiles (0: they are no measurement). */
  acknowledged: number;
  /**
   * Acknowledged orders whose order.placed did not reach every socket: they are not in the ack → socket
   * percentiles, so those hold only while this is 0.
   */
  notOnEverySocket: number;
  p50SubmitMs: number;
  p99SubmitMs: number;
  p99SendToKdsMs: number;
  p99AckToKdsMs: number;
  /** Commit → last socket's write inside the hub (see BenchResults.inHubDeliveryMs). */
  inHubDeliveryMs: InHub;
  notSent: number;
  abandoned: number;
  /** The hub's main thread, running and waiting for a CPU (see BenchResults.hubMainThread). */
  hubMainThread: MainThreadShares | null;
}

interface Measured {
  r: RunResult;
  delivery: InHub;
}

const openLoopFigures = (rate: number, { r, delivery }: Measured): OpenLoopFigures => ({
  ratePerSec: rate,
  inHubDeliveryMs: delivery,
  achievedPerSec: round(r.counters.ordersAcked / r.elapsedS, 0),
  acknowledged: r.counters.ordersAcked,
  notOnEverySocket: r.notEverywhere,
  p50SubmitMs: r.submit.p50Ms,
  p99SubmitMs: r.submit.p99Ms,
  p99SendToKdsMs: r.sendToKds?.p99Ms ?? 0,
  p99AckToKdsMs: r.ackToKds?.p99Ms ?? 0,
  notSent: r.counters.dropped,
  abandoned: r.counters.abandoned,
  hubMainThread: r.hubMainThread ?? null,
});

async function main(): Promise<number> {
  exitWithHelpIfAsked(import.meta.filename);
  // Ctrl-C (or a supervisor's SIGTERM) stops the hub, the printers and the workers it started
  exitOnSignals('bench');
  if (process.argv.length > 2) {
    // a forgotten `--` or a flag from hub-cost would otherwise start a three-minute run that ignores it
    process.stderr.write(`bench: takes no arguments (got ${process.argv.slice(2).join(' ')}); it is set with BENCH_* environment variables: npm run bench -- --help\n`);
    return 2;
  }
  const seconds = env('BENCH_SECONDS', 10, 1, 3600);
  const rate = env('BENCH_RATE', 1000, 1, 100_000);
  const peakRate = env('BENCH_PEAK_RATE', 50, 1, 100_000);
  const sustainedFraction = env('BENCH_SUSTAINED', 0.5, 0.05, 1);
  const printerMsPerLine = env('BENCH_PRINTER_MS_PER_LINE', 17, 0, 1000);
  const factor = env('BENCH_OVERLOAD', 5, 1, 50);
  // a flood is judged over a minute at least (RSS, queues, retries), not over a phase's few seconds; a quick
  // look (phases under 10 s) keeps it as short as the others
  const overloadSeconds = env('BENCH_OVERLOAD_SECONDS', seconds < 10 ? seconds : Math.max(60, seconds), 1, 3600);
  const sockets = env('BENCH_SOCKETS', 200, 0, 5000);
  const clients = env('BENCH_CLIENTS', 64, 1, 2000);
  const lines = env('BENCH_LINES', 10, 1, 100);
  const dir = resolve(process.env.BENCH_DIR || tmpdir());
  const out = resolve(ROOT, process.env.BENCH_OUT || 'bench/results.json');
  const hubEnv = Object.fromEntries(
    (process.env.BENCH_HUB_ENV ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

  const pinning = cpuSplit();
  // On a store's hub the devices are other machines; here they share its cores. At equal priority the more
  // of a flood the generator sends the more of the hub's core it takes; below it (BENCH_LOAD_NICE) the
  // generator's 200 socket readers and its sends fall behind instead (at nice 10 the verifier failed in
  // round eleven and passed in round twelve's run Z10; docs/benchmarks.md).
  const loadNice = env('BENCH_LOAD_NICE', 0, 0, 19);
  const loadPlacement = { cpus: pinning?.load, nice: loadNice };
  const workers = env('BENCH_WORKERS', defaultLoadWorkers(pinning !== null), 1, 16);
  const loadStart = loadavg()[0]!;
  log(`bench: ${seconds} s per phase, ${lines} lines per order, ${sockets} sockets, data in ${dir}`);
  log('1/5 fsync latency and CPU speed …');
  const fsync = fsyncLatency({ dir, seconds: Math.min(seconds, 3) });
  const cpuBefore = cpuReference({ rounds: 7 });
  log(`2/5 raw SQLite commit rate (${seconds} s one at a time, ${seconds} s in groups of 16) …`);
  const raw = rawCommitRate({ dir, seconds, lines, group: 16 });

  const runDir = mkdtempSync(join(dir, 'brigade-bench-run-'));
  // printers as in a store: separate devices on TCP 9100 (simulated, each in its own process)
  // no backups: the first would copy the bench's store a minute in, in the middle of a phase (their cost is
  // measured on its own: docs/benchmarks.md, round nineteen)
  const hub: StartedHub = await startHub({ parentDir: dir, env: { HUB_PRINTERS: 'none', HUB_BACKUP_DIR: 'off', ...hubEnv }, cpus: pinning?.hub });
  log(`hub pid ${hub.pid} on ${hub.url}, data ${hub.dataDir}, logs ${runDir}${pinning ? `; hub on CPUs ${pinning.hub}, load on ${pinning.load}` : ''}`);
  let printers: ExternalPrinters | undefined;
  let closed: Measured;
  let bare: RunResult;
  let open: Measured;
  let peak: Measured;
  let sustained: Measured;
  let sustainedRate = 0;
  let over: RunResult;
  let staffInHub: InHub = { p50: null, p99: null };
  let closedPrintBacklog: number | null = null;
  let verify: VerifyReport;
  let hubAlive = true;
  let passed = false;
  try {
    // inside the try: printers that fail to start must not leave the hub running
    printers = hubEnv.HUB_PRINTERS === 'sim' ? undefined : await startExternalPrinters(hub.url, loadPlacement, printerMsPerLine);
    const common = { workers, trackPlaced: true, profile: 'orders' as const, linesPerOrder: lines, durationS: seconds, mix: { tablets: 0, kiosks: 0, phones: 0, kds: 0, sockets } };
    const phase = (name: string, config: ReturnType<typeof withDefaults>) =>
      runLoad({ config, url: hub.url, publicUrl: hub.publicUrl, hubPid: hub.pid, dbFile: hub.dbFile, runDir, phase: name, title: name, placement: loadPlacement });
    // a phase with sockets, and how long its events took inside the hub from their commit to the last socket
    const measured = async (name: string, config: ReturnType<typeof withDefaults>): Promise<Measured> => {
      const { result: r, delivery } = await aroundPhase(hub.url, () => phase(name, config));
      return { r, delivery };
    };
    // JIT, page cache and statement caches warm up before anything is measured (logged and verified too)
    log(`warm-up: ${Math.min(3, seconds)} s closed loop …`);
    await phase('warmup', withDefaults({ ...common, durationS: Math.min(3, seconds), clients, trackPlaced: false }));

    log(`3/5 hub, closed loop: ${clients} waiter-like clients as fast as acknowledged + menu reads, ${sockets} live sockets …`);
    closed = await measured('closed', withDefaults({ ...common, clients, menuReaders: 4 }));
    closedPrintBacklog = printers ? await printBacklog(hub.url) : null;
    log(formatResult(closed.r));
    log(`3b   the same with no stream sockets (what the fan-out costs) …`);
    bare = await phase('nosockets', withDefaults({ ...common, clients, trackPlaced: false, mix: { ...common.mix, sockets: 0 } }));
    log(formatResult(bare));

    // below the capacity first: the phase above it leaves a queue (and tickets) behind for the next one
    const capacity = closed.r.counters.ordersAcked / closed.r.elapsedS;
    sustainedRate = Math.max(1, Math.round(capacity * sustainedFraction));
    log(`4/5 hub, open loop at ${sustainedFraction} × the capacity measured, ${sustainedRate} orders/s …`);
    sustained = await measured('sustained', withDefaults({ ...common, clients: 0, ratePerSec: sustainedRate, publicShare: 0 }));
    log(formatResult(sustained.r));
    log(`4b   open loop at ${rate} orders/s …`);
    open = await measured('open', withDefaults({ ...common, clients: 0, ratePerSec: rate, publicShare: 0 }));
    log(formatResult(open.r));
    log(`4c   open loop at a real peak, ${peakRate} orders/s …`);
    peak = await measured('peak', withDefaults({ ...common, clients: 0, ratePerSec: peakRate, publicShare: 0 }));
    log(formatResult(peak.r));

    const offered = Math.max(1, Math.round(capacity * factor));
    log(`5/5 overload: ${offered} orders/s offered (${factor} × ${Math.round(capacity)}/s), ${Math.round(overloadPublicShare(factor) * 100)} % public, for ${overloadSeconds} s …`);
    const flood = await aroundPhase(hub.url, () =>
      phase('overload', withDefaults({ ...common, durationS: overloadSeconds, trackPlaced: false, clients: 0, ratePerSec: offered, publicShare: overloadPublicShare(factor), requestTimeoutMs: 10_000 })),
    );
    over = flood.result;
    staffInHub = flood.staff;
    log(formatResult(over));
    hubAlive = hub.proc.exitCode === null && hub.proc.signalCode === null;
    verify = verifyRun({ runDir, dbFile: hub.dbFile });
    log(formatReport(verify));
    passed = verify.ok && hubAlive;
  } finally {
    printers?.stop();
    const code = await hub.stop();
    if (code !== 0) log(`hub exited with ${code}:\n${hub.output().slice(-4000)}`);
    // a bench leaves a few hundred MB of orders behind: kept only when asked or when something failed
    if (process.env.BENCH_KEEP !== '1' && passed && code === 0) {
      rmSync(hub.dataDir, { recursive: true, force: true });
      rmSync(runDir, { recursive: true, force: true });
    } else {
      log(`kept for inspection: hub data ${hub.dataDir}, logs ${runDir}`);
    }
  }

  // the hub has stopped: the CPU again, with nothing else of the bench running
  const cpuAfter = cpuReference({ rounds: 7 });
  const hubOrdersPerSec = closed.r.counters.ordersAcked / closed.r.elapsedS;
  const figures: Omit<BenchResults, 'targets'> = {
    rawOrdersPerSec: round(raw.single.ordersPerSec, 0),
    rawGroupedOrdersPerSec: round(raw.grouped.ordersPerSec, 0),
    hubOrdersPerSec: round(hubOrdersPerSec, 0),
    hubOrdersPerSecNoSockets: round(bare.counters.ordersAcked / bare.elapsedS, 0),
    hubCpuMsPerOrder: cpuPerOrder(closed.r),
    hubCpuMsPerOrderNoSockets: cpuPerOrder(bare),
    machineCpuMsPerOrder: cpuPerOrder(closed.r, closed.r.machineCpuMs),
    hubMainThread: closed.r.hubMainThread ?? null,
    pinning,
    loadNice,
    loadWorkers: workers,
    ratio: round(hubOrdersPerSec / raw.single.ordersPerSec, 2),
    ratioGrouped: round(hubOrdersPerSec / raw.grouped.ordersPerSec, 2),
    p50SubmitMs: closed.r.submit.p50Ms,
    p99SubmitMs: closed.r.submit.p99Ms,
    p50AckToKdsMs: closed.r.ackToKds?.p50Ms ?? 0,
    p99AckToKdsMs: closed.r.ackToKds?.p99Ms ?? 0,
    inHubDeliveryMs: closed.delivery,
    sockets: closed.r.sockets,
    fsyncMs: fsync.fsyncP50Ms,
    fsync,
    cpuReference: { before: cpuBefore, after: cpuAfter },
    menuReadsPerSec: round(closed.r.counters.menu304 / closed.r.elapsedS, 0),
    printBacklogAfterClosed: closedPrintBacklog,
    printerMsPerLine,
    linesPerOrder: lines,
    eventBytes: raw.single.eventBytes,
    openLoop: openLoopFigures(rate, open),
    sustainedLoop: { ...openLoopFigures(sustainedRate, sustained), fractionOfCapacity: sustainedFraction },
    peakLoop: openLoopFigures(peakRate, peak),
    overload: {
      offeredPerSec: Math.round(over.counters.offered / overloadSeconds),
      seconds: overloadSeconds,
      ...floodReachingHub(over, overloadSeconds),
      statusCounts: over.counters.status,
      staffP99Ms: over.byClass.staff.p99Ms,
      staffInHubP50Ms: staffInHub.p50,
      staffInHubP99Ms: staffInHub.p99,
      generatorLagP99Ms: over.generatorLagMs.p99,
      generatorLagMaxMs: over.generatorLagMs.max,
      kioskP99Ms: over.byClass.kiosk.p99Ms,
      qrP99Ms: over.byClass.qr.p99Ms,
      hubRssStartMB: mb(over.rss.startBytes),
      hubRssMaxMB: mb(over.rss.maxBytes),
      hubRssEndMB: mb(over.rss.endBytes),
      hubRssMaxMBPer10s: over.rss.maxBytesPer10s.map((b) => mb(b)),
      healthSamples: over.health.samples,
      maxWriteQueueDepth: over.health.samples > 0 ? over.health.maxWriteQueueDepth : null,
      maxEventLoopLagMs: over.health.samples > 0 ? over.health.maxEventLoopLagMs : null,
      timeouts: over.counters.timeouts,
      abandoned: over.counters.abandoned,
      hubAlive,
      verifierOk: verify.ok,
    },
    verifier: { ok: verify.ok, failures: verify.failures },
    benchSeconds: seconds,
    hubWriteBatch: hubEnv.HUB_WRITE_BATCH ?? 'default',
    node: process.version,
    cpu: cpuModel(),
    cores: availableParallelism(),
    loadAvg: { start: round(loadStart, 2), end: round(loadavg()[0]!, 2) },
    date: new Date().toISOString(),
  };
  const results: BenchResults = { ...figures, targets: judgeTargets(figures) };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${table(results)}\n\nthe issue's targets, on this run:\n${formatTargets(results.targets)}\n\nwrote ${out}\n`);
  return verify.ok && hubAlive ? 0 : 1;
}

/** The hub's main thread over a phase, as the table says it. */
const mainThread = (t: MainThreadShares | null) =>
  t ? `the hub's main thread running ${t.running}, waiting for a CPU ${t.waiting} of the time` : "the hub's main thread —";

/** A hub histogram's p50 / p99 as "≤ bound" (the bucket they fall in). */
const inHub = (q: InHub) => `p50 ≤ ${q.p50 ?? '?'} / p99 ≤ ${q.p99 ?? '?'} ms`;

export function table(r: BenchResults): string {
  const o = r.openLoop;
  const v = r.overload;
  const rows: [string, string][] = [
    ['machine', `${r.cpu}, ${r.cores} cores, Node ${r.node}; load average ${r.loadAvg.start} → ${r.loadAvg.end}`],
    ['pinning', r.pinning ? `hub on CPUs ${r.pinning.hub}, load generator and printers on ${r.pinning.load}` : 'none (hub and load generator share the cores)'],
    ['load generator and printers niceness', r.loadNice > 0 ? `${r.loadNice} (they yield the CPU to the hub when both want it)` : '0 (the same priority as the hub)'],
    ['load generator', `${r.loadWorkers} worker process${r.loadWorkers === 1 ? '' : 'es'} holding the sockets (+1 for the waiters in the open loops)`],
    ['fsync 4 KiB (p50 / p99)', `${r.fsync.fsyncP50Ms} / ${r.fsync.fsyncP99Ms} ms (fdatasync ${r.fsync.fdatasyncP50Ms} / ${r.fsync.fdatasyncP99Ms} ms)`],
    ['CPU reference work, before / after', `${r.cpuReference.before.p50Ms} / ${r.cpuReference.after.p50Ms} ms a round (one thread, lower is faster; cpu-reference.ts)`],
    [`raw SQLite, 1 order/txn (${r.linesPerOrder} lines)`, `${r.rawOrdersPerSec} orders/s`],
    ['raw SQLite, 16 orders/txn', `${r.rawGroupedOrdersPerSec} orders/s`],
    [`hub, closed loop, ${r.sockets} sockets`, `${r.hubOrdersPerSec} orders/s (hub CPU ${r.hubCpuMsPerOrder ?? '—'} ms per order, whole machine ${r.machineCpuMsPerOrder ?? '—'}; ${mainThread(r.hubMainThread)})`],
    ['hub, same, no sockets', `${r.hubOrdersPerSecNoSockets} orders/s (hub CPU ${r.hubCpuMsPerOrderNoSockets ?? '—'} ms per order)`],
    ['ratio hub / raw (1 per txn)', `${r.ratio}  (vs 16 per txn: ${r.ratioGrouped})`],
    ['submit p50 / p99', `${r.p50SubmitMs} / ${r.p99SubmitMs} ms`],
    ['ack → every socket p50 / p99', `${r.p50AckToKdsMs} / ${r.p99AckToKdsMs} ms; inside the hub, commit → last socket ${inHub(r.inHubDeliveryMs)}`],
    ['menu reads alongside (304)', `${r.menuReadsPerSec} /s`],
    [
      'tickets not yet printed after the closed loop',
      r.printBacklogAfterClosed === null ? '— (printers inside the hub)' : `${r.printBacklogAfterClosed} (printers at ${r.printerMsPerLine} ms per line)`,
    ],
    [
      `open loop ${r.sustainedLoop.ratePerSec}/s (${r.sustainedLoop.fractionOfCapacity} × capacity)`,
      `${r.sustainedLoop.achievedPerSec} orders/s; submit p50 / p99 ${r.sustainedLoop.p50SubmitMs} / ${r.sustainedLoop.p99SubmitMs} ms; p99 → every socket ${r.sustainedLoop.p99SendToKdsMs} ms from the scheduled time (${r.sustainedLoop.p99AckToKdsMs} ms from the ack; inside the hub ${inHub(r.sustainedLoop.inHubDeliveryMs)}); ${mainThread(r.sustainedLoop.hubMainThread)}`,
    ],
    [`open loop ${o.ratePerSec}/s: achieved`, `${o.achievedPerSec} orders/s (not sent ${o.notSent}, abandoned ${o.abandoned}); ${mainThread(o.hubMainThread)}`],
    ['open loop p50 / p99 submit', `${o.p50SubmitMs} / ${o.p99SubmitMs} ms from the scheduled time`],
    ['open loop p99 → every socket', `${o.p99SendToKdsMs} ms from the scheduled time (${o.p99AckToKdsMs} ms from the ack; inside the hub ${inHub(o.inHubDeliveryMs)})`],
    [
      `open loop ${r.peakLoop.ratePerSec}/s (a real peak)`,
      `${r.peakLoop.achievedPerSec} orders/s; submit p50 / p99 ${r.peakLoop.p50SubmitMs} / ${r.peakLoop.p99SubmitMs} ms; p99 → every socket ${r.peakLoop.p99SendToKdsMs} ms from the scheduled time (${r.peakLoop.p99AckToKdsMs} ms from the ack; inside the hub ${inHub(r.peakLoop.inHubDeliveryMs)}); ${mainThread(r.peakLoop.hubMainThread)}`,
    ],
    [`overload ${v.offeredPerSec}/s offered for ${v.seconds} s`, `${v.ackedPerSec} orders/s acked; hub ${v.hubAlive ? 'up' : 'DOWN'}`],
    [
      'overload: what reached the hub',
      `${v.sentPerSec} arrivals/s sent (${v.notSent} not sent: the generator keeps ≤ ${OPEN_LOOP_MAX_IN_FLIGHT.toLocaleString('en')} in flight per worker); ${v.attemptsPerSec} requests/s answered while it lasted, retries included (${v.attemptsAfterPhase} more after it; ${v.requestsNeverSent} never sent, no connection of the device's pool free in time)`,
    ],
    ['overload statuses', Object.entries(v.statusCounts).sort().map(([k, n]) => `${k}=${n}`).join(' ')],
    ['overload p99 staff / kiosk / QR', `${v.staffP99Ms} / ${v.kioskP99Ms} / ${v.qrP99Ms} ms per attempt`],
    [
      'overload staff inside the hub',
      `p50 ≤ ${v.staffInHubP50Ms ?? '?'} ms, p99 ≤ ${v.staffInHubP99Ms ?? '?'} ms; the generator's own loop lag p99 ${v.generatorLagP99Ms} ms, max ${v.generatorLagMaxMs} ms`,
    ],
    ['overload hub RSS start / max / end', `${v.hubRssStartMB} / ${v.hubRssMaxMB} / ${v.hubRssEndMB} MB (highest per 10 s: ${v.hubRssMaxMBPer10s.join(', ')}); ${v.healthSamples > 0 ? `health: write queue ≤ ${v.maxWriteQueueDepth}, loop lag ≤ ${v.maxEventLoopLagMs} ms` : '/api/v1/health never answered during the phase'}`],
    ['verifier (all phases)', r.verifier.ok ? 'PASS' : `FAIL (${r.verifier.failures.length} kinds)`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v2]) => `${k.padEnd(w)}  ${v2}`).join('\n');
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
