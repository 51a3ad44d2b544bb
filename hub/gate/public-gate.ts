/**
 * The public gate: customers' phones and kiosks get an address of their own (HUB_PUBLIC_PORT), served by a
 * worker thread (gate-worker.ts) that parses their requests, rate-limits each caller and sheds them with
 * 429/503 + Retry-After while the hub is busy, and passes what it admits to the hub's thread over a local
 * Unix socket.
 *
 * Why a thread of its own: a refused request costs about 0.2 ms of CPU however it is refused, and under a
 * flood of phones those refusals alone filled the one thread that also commits orders and answers the
 * waiters and the kitchen — staff requests then waited seconds behind them. Here they are refused on the
 * gate's thread; the hub's thread sees only admitted requests, at most HUB_PUBLIC_INFLIGHT API requests at
 * a time (pages and assets on connections of their own).
 *
 * What reaches the hub through the gate is marked (`viaGate`), and the hub answers it as public traffic
 * only: a staff token sent to the public address is refused, so the public port can be the only one the
 * guest Wi-Fi sees. Old QR codes that name the staff port keep working; those phones just do not get the
 * gate's protection.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { markViaGate } from './mark.ts';
import type { PublicGateStatus } from '../protocol/health.ts';
import { GATE_SIGNAL, gateSignals, newGateSignals, type GateSettings, type GateToHub, type HubToGate } from './protocol.ts';

export interface PublicGateOptions {
  port: number;
  host: string;
  /** The hub's request handler (the same app as the staff address). */
  app: RequestListener;
  /** Upgrade handlers (the event stream) attach to the internal server. */
  attachUpgrades: (server: Server) => void;
  signals: () => { queueDepth: number; lagMs: number };
  settings: Pick<GateSettings, 'ratePerSec' | 'maxInFlight' | 'publicQueueLimit' | 'maxLagMs' | 'keepAliveMs' | 'niceness'>;
  /** Refusals the gate made since the last call, by reason. */
  onShed: (reason: 'rate' | 'gate', count: number) => void;
  /** The gate's thread failed after it started (it is started again): for the log. */
  onFailure: (err: unknown) => void;
}

const DIR_PREFIX = 'brigade-gate-';

/** Health's answer when HUB_PUBLIC_PORT=off: nothing measured, rather than zeros that look measured. */
export const PUBLIC_GATE_OFF: PublicGateStatus = {
  state: 'off',
  apiPlaces: null,
  apiInFlight: null,
  oldestApiWaitMs: null,
  pagesInFlight: null,
  bodiesArriving: null,
};

/**
 * A hub killed with -9 (or a power cut, where /tmp is on disk) leaves its socket directory behind; the next
 * start removes those of hubs no longer running. The hub's pid is in the name; a pid reused since by another
 * process only keeps a directory a little longer.
 */
function removeDirsOfDeadHubs(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || isRunning(pid)) continue;
    try {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    } catch {
      // another user's, or already gone: not ours to worry about
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class PublicGate {
  /** A private directory (mode 0700) holds the internal socket: only this machine's hub user can connect. */
  private dir: string | undefined;
  private readonly internal: Server;
  private readonly shared = newGateSignals();
  private readonly signals = gateSignals(this.shared);
  private state: PublicGateStatus['state'] = 'starting';
  private worker: Worker | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private restart: ReturnType<typeof setTimeout> | undefined;
  private stopping = false;

  constructor(private readonly o: PublicGateOptions) {
    this.internal = createServer((req, res) => {
      markViaGate(req);
      o.app(req, res);
    });
    // marked before the stream's own upgrade handler (attached next) reads the request
    this.internal.on('upgrade', (req: IncomingMessage, _socket: Duplex) => markViaGate(req));
    o.attachUpgrades(this.internal);
    this.internal.keepAliveTimeout = o.settings.keepAliveMs;
    this.internal.headersTimeout = o.settings.keepAliveMs + 1000;
  }

  /** Starts the internal listener and the gate's thread; resolves the public port. */
  async listen(): Promise<number> {
    try {
      return await this.start();
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
  }

  /**
   * What waits in the gate now, read from the shared memory its thread keeps current (a few atomic reads:
   * health is polled). Only a running thread's figures are given; `now` is the clock its thread stamps with.
   */
  status(now = Date.now()): PublicGateStatus {
    const measured = this.state === 'running';
    const read = (slot: number) => (measured ? Atomics.load(this.signals.ints, slot) : null);
    const oldestAt = Number(Atomics.load(this.signals.oldestApiAt, 0));
    return {
      state: this.state,
      apiPlaces: this.o.settings.maxInFlight,
      apiInFlight: read(GATE_SIGNAL.apiInFlight),
      // a clock set back meanwhile: it has waited, but not a negative time
      oldestApiWaitMs: measured ? (oldestAt === 0 ? 0 : Math.max(0, now - oldestAt)) : null,
      pagesInFlight: read(GATE_SIGNAL.pagesInFlight),
      bodiesArriving: read(GATE_SIGNAL.bodiesArriving),
    };
  }

  private async start(): Promise<number> {
    removeDirsOfDeadHubs();
    this.dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
    const hubSocket = join(this.dir, 'hub.sock');
    await new Promise<void>((resolve, reject) => {
      this.internal.once('error', reject);
      this.internal.listen({ path: hubSocket, backlog: 4096 }, () => resolve());
    });
    const signals = this.signals.ints;
    const counted = { rate: 0, gate: 0 };
    const publish = () => {
      const s = this.o.signals();
      Atomics.store(signals, GATE_SIGNAL.queueDepth, s.queueDepth);
      Atomics.store(signals, GATE_SIGNAL.lagMs, Math.round(s.lagMs));
      const rate = Atomics.load(signals, GATE_SIGNAL.shedRate);
      const gate = Atomics.load(signals, GATE_SIGNAL.shedBusy);
      if (rate > counted.rate) this.o.onShed('rate', rate - counted.rate);
      if (gate > counted.gate) this.o.onShed('gate', gate - counted.gate);
      counted.rate = rate;
      counted.gate = gate;
    };
    publish();
    // the gate reads these before it admits an order; a few ms old is fresh enough
    this.ticker = setInterval(publish, 10);
    this.ticker.unref();
    return this.startThread({ ...this.o.settings, port: this.o.port, host: this.o.host, hubSocket, signals: this.shared });
  }

  /**
   * Starts the gate's thread; resolves its port once it listens. A thread that dies afterwards (a bug) is
   * started again on the same port a second later: the phones' address must not just disappear mid-service.
   */
  private startThread(settings: GateSettings): Promise<number> {
    // tsx compiles the hub on the fly; a worker thread needs its loader registered again (boot.mjs)
    const worker = new Worker(new URL('./boot.mjs', import.meta.url), { workerData: settings });
    this.worker = worker;
    return new Promise<number>((resolve, reject) => {
      let port: number | undefined;
      worker.on('message', (m: GateToHub) => {
        if (m.type === 'listening') {
          if (!this.stopping) this.state = 'running';
          resolve((port = m.port));
        } else if (m.type === 'error') reject(new Error(`public gate: ${m.message}`));
      });
      worker.on('error', (err) => (port === undefined ? reject(err) : this.o.onFailure(err)));
      worker.once('exit', (code) => {
        if (port === undefined) return reject(new Error(`public gate exited (${code}) before it listened`));
        if (this.stopping) return;
        this.state = 'restarting';
        this.o.onFailure(new Error(`the public gate's thread exited (${code}); starting it again`));
        this.restart = setTimeout(() => {
          this.startThread({ ...settings, port: port! }).catch((err: unknown) => {
            this.state = 'failed';
            this.o.onFailure(err);
          });
        }, 1000);
      });
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.state !== 'failed') this.state = 'stopped';
    clearTimeout(this.restart);
    clearInterval(this.ticker);
    const worker = this.worker;
    if (worker) {
      const closed = new Promise<void>((resolve) => {
        worker.on('message', (m: GateToHub) => m.type === 'closed' && resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' } satisfies HubToGate);
      await Promise.race([closed, new Promise((r) => setTimeout(r, 3000))]);
      await worker.terminate();
    }
    if (this.internal.listening) {
      await new Promise<void>((resolve) => {
        this.internal.close(() => resolve());
        this.internal.closeAllConnections();
      });
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
