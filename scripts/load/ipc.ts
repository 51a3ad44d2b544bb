/** Messages between the load run (parent) and its worker processes. */
import type { LoadConfig } from './config.ts';

export interface KdsAssignment {
  station: string;
  /** This screen bumps the orders whose id hashes to `index` modulo `of` (screens of one station share the work). */
  index: number;
  of: number;
  label: string;
}

export interface WorkerPlan {
  id: string;
  url: string;
  /** The hub's public address: phones and kiosks send there (the staff address when the hub runs none). */
  publicUrl: string;
  runDir: string;
  epoch: string;
  pairingCode: string;
  pins: { waiter: string; waiter2: string; cashier: string; kitchen: string };
  /** Every table's QR token (phones use them; tablets pick tables from them). */
  qr: { tableId: string; token: string }[];
  tablets: number[];
  kiosks: number[];
  phones: number[];
  kds: KdsAssignment[];
  /** Idle stream sockets held by this worker. */
  idleSockets: number;
  /** Global index of this worker's first idle socket (for labels and topic choice). */
  idleOffset: number;
  /** This worker's share: closed-loop place-only clients, open-loop rate, menu readers. */
  clients: number;
  ratePerSec: number;
  menuReaders: number;
  /**
   * This worker's share of the run's order budget: null when the run has none (bounded in time only), 0 when
   * its share is nothing (a budget smaller than the workers: the run's total must stay the run's).
   */
  maxOrders: number | null;
  config: LoadConfig;
}

export interface Counters {
  /** Orders this worker started (place requests sent, first attempt). */
  ordersStarted: number;
  /** place answered 201. */
  ordersAcked: number;
  /** Mutations answered with a final non-2xx status (rule refusals: 4xx), lost races apart. */
  refused: number;
  /**
   * Lost races the service mix makes on purpose: paying an order another waiter has just paid, a phone adding
   * to an order its table has just paid (409 `order_closed`, 422 `overpayment`).
   */
  raced: number;
  /** Mutations abandoned with no final answer. */
  abandoned: number;
  /** HTTP attempts (requests actually sent), reads included. */
  attempts: number;
  /** Attempts with no answer. */
  timeouts: number;
  /** Requests given up after waiting QUEUE_WAIT_MAX_MS for a connection in this process: never sent. */
  unsent: number;
  networkErrors: number;
  /** Attempts after the first, same key. */
  retries: number;
  menu200: number;
  menu304: number;
  /** Open loop: arrivals scheduled, and arrivals not sent because too many were already in flight. */
  offered: number;
  dropped: number;
  /**
   * Attempts answered (or failed) and orders acknowledged while the phase ran, before its stop: what the
   * hub took while the load was on, where `attempts` and `ordersAcked` also count the drain after it.
   */
  attemptsInPhase: number;
  ackedInPhase: number;
  /** Status counts of every attempt, by class: `staff:201`, `qr:429`, `menu:304`, `kitchen:200`. */
  status: Record<string, number>;
  socketsOpen: number;
  inFlight: number;
}

export const emptyCounters = (): Counters => ({
  ordersStarted: 0,
  ordersAcked: 0,
  refused: 0,
  raced: 0,
  abandoned: 0,
  attempts: 0,
  timeouts: 0,
  unsent: 0,
  networkErrors: 0,
  retries: 0,
  menu200: 0,
  menu304: 0,
  offered: 0,
  dropped: 0,
  attemptsInPhase: 0,
  ackedInPhase: 0,
  status: {},
  socketsOpen: 0,
  inFlight: 0,
});

export function addCounters(into: Counters, c: Counters): Counters {
  for (const k of Object.keys(into) as (keyof Counters)[]) {
    if (k === 'status') for (const [s, n] of Object.entries(c.status)) into.status[s] = (into.status[s] ?? 0) + n;
    else into[k] += c[k];
  }
  return into;
}

/**
 * Who a request comes from, as the hub's admission sees it: staff (waiter tablets), kitchen (KDS bumps),
 * kiosk (a paired device), qr (a customer's phone with its table token), menu (menu reads).
 */
export const CLASSES = ['staff', 'kitchen', 'kiosk', 'qr', 'menu'] as const;
export type Class = (typeof CLASSES)[number];

/**
 * Histograms travel as hdr-histogram compressed base64; values are microseconds. `submit`: place, from the
 * first send (closed loop) or the scheduled time (open loop) to the final 201; the classes: every attempt.
 */
export type WorkerHistograms = Record<Class | 'submit', string>;

export interface WorkerReport {
  id: string;
  /**
   * The worker's own event-loop delay from the start to the end of its phase. An answer that arrives while
   * the worker is busy is read late, and its latency counted long: this says how long at most.
   */
  loopLagMs: { p99: number; max: number };
  counters: Counters;
  hist: WorkerHistograms;
  /** trackPlaced: [orderId, scheduled-or-sent, acknowledged] in monotonic ms. */
  acked: [string, number, number][];
  /** trackPlaced: [orderId, last socket's receive time, sockets that received it]. */
  seen: [string, number, number][];
  sockets: number;
  scannerChecks: number;
  /** Problems worth showing (scanner mismatch, socket that never reached the end). */
  notes: string[];
}

export type ToWorker =
  | { type: 'init'; plan: WorkerPlan }
  | { type: 'start'; t0: number; durationMs: number }
  | { type: 'stop' }
  | { type: 'settle'; head: number; timeoutMs: number };

export type FromWorker =
  | { type: 'ready'; sockets: number }
  | { type: 'tick'; counters: Counters; recentP99Ms: number }
  | { type: 'budget-spent' }
  | { type: 'drained'; counters: Counters }
  | { type: 'final'; report: WorkerReport }
  | { type: 'fatal'; message: string };
