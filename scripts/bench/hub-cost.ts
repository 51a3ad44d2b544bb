/**
 * `npx tsx scripts/bench/hub-cost.ts` — what one order costs the hub, for A/B comparisons of hub changes on
 * a busy machine. Starts a hub (this checkout's, or `--root` another one's: the baseline), the bench's
 * external printers, then a short warm-up and a closed loop of `orders`-profile clients (the bench's closed
 * phase), and prints one JSON line: orders/s, submit p50/p99, the hub's own CPU time per acknowledged order
 * (user + system, all threads, from /proc), and the tickets the printers confirmed meanwhile (printing shares
 * the hub's thread with the orders, so how much of it ran inside the window moves the cost per order).
 * Orders/s moves with whatever else shares the cores; CPU time per order barely does, so run old and new
 * interleaved a few times and compare that first. Each line carries `cpuRefMs`, the CPU reference work's time
 * just before the hub started: CPU time per order moves with it, and a shared VM's CPU is not as fast from
 * one hour to the next.
 *
 *   npx tsx scripts/bench/hub-cost.ts --seconds 6 --sockets 200
 *   npx tsx scripts/bench/hub-cost.ts --root /tmp/baseline-checkout --prof /tmp/prof-base
 *
 * Options: --seconds S (6), --sockets N (200), --clients N (64), --lines N (10), --workers N (1 on fewer than 4
 * cores unless --load-cpus pins the generator, else 2: see load-workers.ts),
 * --root DIR (hub checkout), --prof DIR (hub runs with --cpu-prof into DIR), --no-printers (no external
 * printers: the hub prints nothing, so the difference is what printing costs), --hub-cpus / --load-cpus LIST
 * (`taskset` pinning), --load-nice N (the load workers' and printers' nice value, 0 by default), --hub-env
 * K=V and --hub-node-arg ARG (repeatable), --overload F (then F × the measured capacity for the same time,
 * waiters at 1/F of it and phones and kiosks the rest, as the bench's overload phase: staff / kiosk / QR p99
 * per attempt), --overload-rate N (that flood at N orders/s instead,
 * with the same mix: hubs of different capacity then meet the same flood), --open-rates R1,R2,… (instead of
 * the closed loop, an open loop at each rate after the warm-up: submit and ack → every socket latency from
 * the scheduled time, one JSON line per rate), --printer-ms-per-line MS (the simulated printers' pace; 0
 * prints at once, a real thermal printer takes ~17), --data-dir DIR (the hub runs on this store, say one
 * with a year of history from age-store.ts, instead of a fresh one; the run's orders stay in it). Loopback
 * only; every phase is bounded in time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { overloadPublicShare, withDefaults } from '../load/config.ts';
import { DB_FILE, exitOnSignals, startHub } from '../load/hub-process.ts';
import { runLoad, type RunResult } from '../load/run.ts';
import { cpuReference } from './cpu-reference.ts';
import { aroundPhase, floodReachingHub, snapshot } from './hub-metrics.ts';
import { defaultLoadWorkers } from './load-workers.ts';
import { printBacklog, startExternalPrinters, type ExternalPrinters } from './printers.ts';
import { exitWithHelpIfAsked, exitWithUsageError } from './usage.ts';

exitWithHelpIfAsked(import.meta.filename);
// Ctrl-C (or a supervisor's SIGTERM) stops the hub, the printers and the workers it started
exitOnSignals('hub-cost');
const { values } = (() => {
  try {
    return parseArgs({
      options: {
        seconds: { type: 'string', default: '6' },
        sockets: { type: 'string', default: '200' },
        clients: { type: 'string', default: '64' },
        lines: { type: 'string', default: '10' },
        workers: { type: 'string' },
        root: { type: 'string' },
        prof: { type: 'string' },
        'hub-cpus': { type: 'string' },
        'load-cpus': { type: 'string' },
        'load-nice': { type: 'string' },
        'hub-env': { type: 'string', multiple: true },
        'hub-node-arg': { type: 'string', multiple: true },
        overload: { type: 'string' },
        'overload-rate': { type: 'string' },
        'no-printers': { type: 'boolean', default: false },
        'open-rates': { type: 'string' },
        'printer-ms-per-line': { type: 'string', default: '0' },
        'data-dir': { type: 'string' },
      },
      strict: true,
    });
  } catch (err) {
    exitWithUsageError('hub-cost', err instanceof Error ? err.message : String(err));
  }
})();
const int = (name: keyof typeof values, min: number, max: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) exitWithUsageError('hub-cost', `--${name} must be an integer in ${min}…${max}`);
  return n;
};
const seconds = int('seconds', 1, 120);
const sockets = int('sockets', 0, 2000);
const clients = int('clients', 1, 1000);
const lines = int('lines', 1, 100);
const workers = values.workers === undefined ? defaultLoadWorkers(values['load-cpus'] !== undefined) : int('workers', 1, 16);
const printerMsPerLine = int('printer-ms-per-line', 0, 1000);
const loadPlacement = { cpus: values['load-cpus'], nice: values['load-nice'] === undefined ? 0 : int('load-nice', 0, 19) };
const openRates = values['open-rates']?.split(',').map((r) => {
  const n = Number(r);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) exitWithUsageError('hub-cost', `--open-rates takes orders/s (1…100000), comma-separated; got ${r}`);
  return n;
});
// checked before anything runs, not after the closed loop the flood follows
const overloadFactor = values.overload === undefined ? undefined : Number(values.overload);
if (overloadFactor !== undefined && !(overloadFactor > 0 && overloadFactor <= 100)) exitWithUsageError('hub-cost', `--overload takes a factor of the capacity (0…100]; got ${values.overload}`);
const overloadRate = values['overload-rate'] === undefined ? undefined : int('overload-rate', 1, 100_000);
const hubEnv = Object.fromEntries((values['hub-env'] ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

async function main(): Promise<void> {
  // before the hub starts: how fast this CPU is now, so that runs on different days compare (cpu-reference.ts)
  const cpuRefMs = cpuReference({ rounds: 5 }).p50Ms;
  const hub = await startHub({
    env: { HUB_PRINTERS: 'none', HUB_BACKUP_DIR: 'off', ...hubEnv },
    root: values.root ? resolve(values.root) : undefined,
    ...(values['data-dir'] ? { dataDir: resolve(values['data-dir']) } : {}),
    cpus: values['hub-cpus'],
    nodeArgs: [...(values.prof ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values.prof)}`] : []), ...(values['hub-node-arg'] ?? [])],
  });
  // --no-printers: what printing costs, by difference (the hub then plans no print jobs at all)
  let printers: ExternalPrinters = { stop() {} };
  const runDir = mkdtempSync(join(tmpdir(), 'brigade-cost-run-'));
  try {
    // inside the try: printers that fail to start must not leave the hub running
    if (!values['no-printers']) printers = await startExternalPrinters(hub.url, loadPlacement, printerMsPerLine);
    const common = { workers, profile: 'orders' as const, linesPerOrder: lines, clients, mix: { tablets: 0, kiosks: 0, phones: 0, kds: 0, sockets } };
    const run = (name: string, config: ReturnType<typeof withDefaults>) =>
      runLoad({ config, url: hub.url, publicUrl: hub.publicUrl, hubPid: hub.pid, runDir, phase: name, quiet: true, placement: loadPlacement });
    const printedPerSec = (r: RunResult) => Math.round((printedBetween(hub.dataDir, r.window.fromMs, r.window.toMs) * 1000) / (r.window.toMs - r.window.fromMs));
    const phase = (name: string, durationS: number) => run(name, withDefaults({ ...common, durationS }));
    // an open loop at a fixed rate, latency from the scheduled send time (the bench's open-loop phases)
    const openLoop = async (rate: number) => {
      const {
        result: o,
        staff: inHub,
        delivery,
        writerCheckpoints: checkpoints,
        batches,
      } = await aroundPhase(hub.url, () => run(`open-${rate}`, withDefaults({ ...common, clients: 0, durationS: seconds, ratePerSec: rate, publicShare: 0, trackPlaced: true })));
      process.stdout.write(
        `${JSON.stringify({
          openRate: rate,
          cpuRefMs,
          achievedPerSec: Math.round(o.counters.ordersAcked / o.elapsedS),
          p50SubmitMs: o.submit.p50Ms,
          p99SubmitMs: o.submit.p99Ms,
          // headers to answer inside the hub (histogram buckets' upper bounds)
          inHubP50Ms: inHub.p50,
          inHubP99Ms: inHub.p99,
          p50AckToKdsMs: o.ackToKds?.p50Ms ?? null,
          p99AckToKdsMs: o.ackToKds?.p99Ms ?? null,
          p99SendToKdsMs: o.sendToKds?.p99Ms ?? null,
          // from each event's commit to its write to the last socket, inside the hub (bucket bounds)
          inHubDeliveryP50Ms: delivery.p50,
          inHubDeliveryP99Ms: delivery.p99,
          hubCpuShare: o.hubCpuMs !== undefined ? Math.round(o.hubCpuMs / o.elapsedS / 10) / 100 : null,
          hubMainThread: o.hubMainThread ?? null,
          generatorLagMs: o.generatorLagMs,
          // WAL checkpoints finished on the hub's event loop during the phase (and its settling), per second
          writerCheckpointsPerSec: Math.round((checkpoints.count / o.elapsedS) * 10) / 10,
          writerCheckpointMsPerSec: Math.round((checkpoints.seconds * 1000 * 100) / o.elapsedS) / 100,
          // group commit at this rate: transactions per second and mutations per transaction
          batchesPerSec: Math.round(batches.count / o.elapsedS),
          jobsPerBatch: batches.count > 0 ? Math.round((batches.jobs / batches.count) * 10) / 10 : null,
          printBacklog: await printBacklog(hub.url),
          printedPerSec: printedPerSec(o),
        })}\n`,
      );
    };
    await phase('warmup', Math.min(3, seconds));
    if (openRates) {
      for (const rate of openRates) await openLoop(rate);
      return;
    }
    const r = await phase('closed', seconds);
    const acked = r.counters.ordersAcked;
    // group commit as the hub saw it, over the warm-up and the run: mutations per transaction, ms per batch
    const { batches, writerCheckpoints: checkpoints } = await snapshot(hub.url);
    const printBacklogAfter = await printBacklog(hub.url);
    process.stdout.write(
      `${JSON.stringify({
        hub: values.root ?? 'this checkout',
        cpuRefMs,
        sockets: r.sockets,
        ordersPerSec: Math.round(acked / r.elapsedS),
        hubCpuMsPerOrder: r.hubCpuMs !== undefined && acked > 0 ? Math.round((r.hubCpuMs / acked) * 1000) / 1000 : null,
        // everything on the machine, the generator above all: what the hub competes with for the cores
        machineCpuMsPerOrder: r.machineCpuMs !== undefined && acked > 0 ? Math.round((r.machineCpuMs / acked) * 1000) / 1000 : null,
        hubCpuShare: r.hubCpuMs !== undefined ? Math.round(r.hubCpuMs / r.elapsedS / 10) / 100 : null,
        // the event loop's thread: the share of the phase it ran, and the share it waited for a CPU
        hubMainThread: r.hubMainThread ?? null,
        p50SubmitMs: r.submit.p50Ms,
        p99SubmitMs: r.submit.p99Ms,
        // over the warm-up and the run, like the two figures after it
        batchesPerSec: Math.round(batches.count / (r.elapsedS + Math.min(3, seconds))),
        jobsPerBatch: Math.round((batches.jobs / batches.count) * 10) / 10,
        msPerBatch: Math.round((batches.seconds / batches.count) * 1e5) / 100,
        writerCheckpointsPerSec: Math.round((checkpoints.count / (r.elapsedS + Math.min(3, seconds))) * 10) / 10,
        msPerWriterCheckpoint: checkpoints.count > 0 ? Math.round((checkpoints.seconds / checkpoints.count) * 1e5) / 100 : null,
        printBacklog: printBacklogAfter,
        // tickets the printers confirmed while the closed loop ran: printing competes with orders for the hub's thread
        printedPerSec: printedPerSec(r),
        errors: r.counters.timeouts + r.counters.networkErrors + r.counters.abandoned,
      })}\n`,
    );
    if (overloadFactor !== undefined) {
      // the bench's overload phase: this many times the capacity just measured, mostly phones and kiosks
      // --overload-rate fixes the flood, so that hubs of different capacity meet the same one
      const offered = overloadRate ?? Math.max(1, Math.round((acked / r.elapsedS) * overloadFactor));
      const { result: o, staff: staffInHub } = await aroundPhase(hub.url, () =>
        run('overload', withDefaults({ ...common, clients: 0, durationS: seconds, ratePerSec: offered, publicShare: overloadPublicShare(overloadFactor), requestTimeoutMs: 10_000 })),
      );
      process.stdout.write(
        `${JSON.stringify({
          overloadOfferedPerSec: offered,
          ...floodReachingHub(o, seconds),
          // from the headers to the answer inside the hub (histogram buckets' upper bounds): the rest of staffP99Ms is the wire and the generator
          staffInHubP50Ms: staffInHub.p50,
          staffInHubP99Ms: staffInHub.p99,
          staffP99Ms: o.byClass.staff.p99Ms,
          kioskP99Ms: o.byClass.kiosk.p99Ms,
          qrP99Ms: o.byClass.qr.p99Ms,
          maxLoopLagMs: o.health.maxEventLoopLagMs,
          generatorLagMs: o.generatorLagMs,
          maxWriteQueue: o.health.maxWriteQueueDepth,
          status: o.counters.status,
        })}\n`,
      );
    }
  } finally {
    printers.stop();
    await hub.stop();
    rmSync(runDir, { recursive: true, force: true });
    // a store it was given is the caller's
    if (!values['data-dir']) rmSync(hub.dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`hub-cost: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);

/** Print jobs confirmed between two wall-clock times, read from the running hub's store (WAL: readers never block it). */
function printedBetween(dataDir: string, from: number, to: number): number {
  const db = new Database(join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT count(*) FROM print_jobs WHERE confirmed_at BETWEEN ? AND ?').pluck().get(from, to) as number;
  } finally {
    db.close();
  }
}
