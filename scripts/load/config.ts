/**
 * What a load run plays: how many devices of each kind, how fast, for how long. One plain object so the CLI,
 * the benchmark and the integration test all describe a run the same way.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

/** `service`: the realistic mix (open table, order, add-ons, pay, bumps). `orders`: place-only, for the bench. */
export type Profile = 'service' | 'orders';

export interface Mix {
  /** Waiter tablets: pair + PIN sign-in, open a table, order with options, add-ons, pay. */
  tablets: number;
  /** Self-order kiosks: kiosk device token, channel 'kiosk'. */
  kiosks: number;
  /** Customers' phones: table QR token, menu with If-None-Match, channel 'qr'. */
  phones: number;
  /** Kitchen screens: stream with hello/lastSeq, bump their station's lines to ready. */
  kds: number;
  /** Live stream sockets in total (KDS included); the rest are idle listeners. */
  sockets: number;
}

export interface LoadConfig {
  mix: Mix;
  profile: Profile;
  /** Worker processes the devices are spread over. */
  workers: number;
  /** Bound in time: no new work is started after this. */
  durationS: number;
  /** Bound in count: no new order is started once this many were started (0: no bound). */
  maxOrders: number;
  /**
   * Open loop: this many orders per second in total, each measured from its scheduled send time, whether or
   * not earlier ones were answered. 0: closed loop (each device waits for its answers, then thinks).
   */
  ratePerSec: number;
  /** Closed loop: mean think time between a device's steps (±50 % jitter). */
  thinkMs: number;
  /** Closed-loop place-only clients per run (profile `orders`); split over the workers. */
  clients: number;
  /** Lines per order in profile `orders`. */
  linesPerOrder: number;
  /** Share of profile-`orders` arrivals that are public (QR phones, kiosks) rather than waiters. 0…1. */
  publicShare: number;
  /** Closed-loop menu readers (GET /menu with If-None-Match) alongside, in total. */
  menuReaders: number;
  /** KDS: delay between seeing a line and bumping it to ready. */
  bumpDelayMs: number;
  /** One HTTP attempt is abandoned (and retried with the same key) after this. */
  requestTimeoutMs: number;
  /** Attempts per mutation, all with the same Idempotency-Key. */
  maxAttempts: number;
  /** After the duration: how long in-flight requests may take to be answered before they are abandoned. */
  drainTimeoutMs: number;
  /** Stream sockets record when each order.placed reached them (for the ack → KDS latency). */
  trackPlaced: boolean;
  /** Seed for the random choices (menu lines, tables, think times). */
  seed: number;
}

/**
 * The overload phase's waiters send a fifth of the capacity just measured — already ten times what a
 * restaurant's tablets send at its peak — and phones and kiosks bring the rest of the offered load. A flood
 * is public traffic: if staff alone offered more than the hub can commit, no priority could keep them fast.
 */
export const OVERLOAD_STAFF_SHARE_OF_CAPACITY = 0.2;
export const overloadPublicShare = (factor: number): number => Math.max(0, 1 - OVERLOAD_STAFF_SHARE_OF_CAPACITY / factor);

/**
 * Open loop: arrivals in flight per worker (sent, answered or not, refused ones retrying) beyond which new
 * arrivals are counted as not sent. It bounds the generator's memory (~10 kB an arrival: ~1 GB of RSS when
 * full); under a flood, where the hub's Retry-After grows to 15 s and refused arrivals stay in flight
 * for the rest of the phase, it also bounds what is sent. At 4,000 a 5 × flood put ~2 × the capacity
 * on the hub; at 30,000, with HttpPool's cheaper requests, 3.5–3.7 × (docs/benchmarks.md, round eleven).
 */
export const OPEN_LOOP_MAX_IN_FLIGHT = 30_000;

export const defaultMix: Mix = { tablets: 40, kiosks: 20, phones: 300, kds: 8, sockets: 208 };

export const defaultConfig: LoadConfig = {
  mix: defaultMix,
  profile: 'service',
  workers: Math.max(2, Math.min(4, availableParallelism())),
  durationS: 30,
  maxOrders: 0,
  ratePerSec: 0,
  thinkMs: 500,
  clients: 64,
  linesPerOrder: 4,
  publicShare: 0.6,
  menuReaders: 0,
  bumpDelayMs: 500,
  requestTimeoutMs: 5000,
  maxAttempts: 8,
  drainTimeoutMs: 15_000,
  trackPlaced: false,
  seed: 1,
};

export function withDefaults(partial: Partial<Omit<LoadConfig, 'mix'>> & { mix?: Partial<Mix> } = {}): LoadConfig {
  const mix = { ...defaultConfig.mix, ...partial.mix };
  // every KDS screen is a live socket; the rest of `sockets` are idle listeners
  mix.sockets = Math.max(mix.sockets, mix.kds);
  return { ...defaultConfig, ...partial, mix };
}

export const usage = `Usage: npm run load -- [options]

Plays a service against a Brigade hub over real HTTP and WebSocket from worker processes, logs every
acknowledgement, then verifies the hub's database against the logs.

  --url URL            use a running hub (loopback only) instead of starting one; needs --db to verify
  --public-url URL     that hub's public address (HUB_PUBLIC_PORT), where phones and kiosks send (default: --url)
  --db FILE            the hub's SQLite file (read-only), for the verifier
  --run-dir DIR        where logs go (default: runs/load-<time> under the OS temp dir)
  --duration S         seconds of load (default ${defaultConfig.durationS})
  --orders N           stop starting orders after N (default: no bound)
  --rate N             open loop: N orders/s in total, latency from the scheduled send time
  --think MS           closed loop: mean think time between a device's steps (default ${defaultConfig.thinkMs})
  --tablets N --kiosks N --phones N --kds N --sockets N
                       the mix (default ${defaultMix.tablets} / ${defaultMix.kiosks} / ${defaultMix.phones} / ${defaultMix.kds} / ${defaultMix.sockets} live sockets)
  --profile service|orders
  --workers N          worker processes (default ${defaultConfig.workers})
  --hub-env K=V        extra environment for the hub this run starts (repeatable)
  --data-dir DIR       the hub this run starts runs on this store (say one aged by scripts/bench/age-store.ts)
                       instead of a fresh one; the store keeps what the run writes, and the verifier does not
                       ask it to account for orders the run did not place
  --root DIR           start the hub of another checkout (a baseline) instead of this one
  --no-verify          skip the verifier
  --keep               keep the started hub's data dir and the logs (kept anyway when anything fails)
  --quiet              no progress bar
  --seed N
`;

export interface CliOptions {
  config: LoadConfig;
  url: string | undefined;
  publicUrl: string | undefined;
  db: string | undefined;
  runDir: string | undefined;
  hubEnv: Record<string, string>;
  dataDir: string | undefined;
  root: string | undefined;
  verify: boolean;
  /** Keep the temp hub's data dir and the logs after a verified run. */
  keep: boolean;
  quiet: boolean;
  help: boolean;
}

export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'public-url': { type: 'string' },
      db: { type: 'string' },
      'run-dir': { type: 'string' },
      duration: { type: 'string' },
      orders: { type: 'string' },
      rate: { type: 'string' },
      think: { type: 'string' },
      tablets: { type: 'string' },
      kiosks: { type: 'string' },
      phones: { type: 'string' },
      kds: { type: 'string' },
      sockets: { type: 'string' },
      profile: { type: 'string' },
      workers: { type: 'string' },
      'hub-env': { type: 'string', multiple: true },
      'data-dir': { type: 'string' },
      root: { type: 'string' },
      'no-verify': { type: 'boolean' },
      keep: { type: 'boolean' },
      quiet: { type: 'boolean' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const num = (name: string, v: string | undefined, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in ${min}…${max}, got ${v}`);
    return n;
  };
  const profile = values.profile;
  if (profile !== undefined && profile !== 'service' && profile !== 'orders') throw new Error('--profile is service or orders');
  const mix: Partial<Mix> = {};
  for (const k of ['tablets', 'kiosks', 'phones', 'kds', 'sockets'] as const) {
    const n = num(k, values[k], 0, 10_000);
    if (n !== undefined) mix[k] = Math.floor(n);
  }
  const partial: Parameters<typeof withDefaults>[0] = { mix };
  const set = <K extends keyof LoadConfig>(k: K, v: LoadConfig[K] | undefined) => {
    if (v !== undefined) (partial as Record<string, unknown>)[k] = v;
  };
  set('durationS', num('duration', values.duration, 0.1, 86_400));
  set('maxOrders', num('orders', values.orders, 0, 100_000_000));
  set('ratePerSec', num('rate', values.rate, 0, 1_000_000));
  set('thinkMs', num('think', values.think, 0, 600_000));
  set('workers', num('workers', values.workers, 1, 64));
  set('seed', num('seed', values.seed, 0, 2 ** 31));
  set('profile', profile);
  const config = withDefaults(partial);

  const hubEnv: Record<string, string> = {};
  for (const kv of values['hub-env'] ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`--hub-env takes K=V, got ${kv}`);
    hubEnv[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return {
    config,
    url: values.url,
    publicUrl: values['public-url'],
    db: values.db,
    runDir: values['run-dir'],
    hubEnv,
    dataDir: values['data-dir'],
    root: values.root,
    verify: !values['no-verify'],
    keep: values.keep ?? false,
    quiet: values.quiet ?? false,
    help: values.help ?? false,
  };
}
