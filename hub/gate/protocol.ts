/** What the hub's thread and the public gate's thread (gate-worker.ts) tell each other. */

/**
 * Slots of the shared Int32Array: the hub's thread keeps the first two current and the gate reads them
 * before it admits an order; the gate counts its refusals in the next two, and keeps the last three current
 * (what waits in it now), and the hub's metrics and health read them (no message per refusal or per request:
 * in a flood that alone would keep the hub's thread busy, and health is polled).
 */
export const GATE_SIGNAL = {
  queueDepth: 0,
  lagMs: 1,
  shedRate: 2,
  shedBusy: 3,
  /** API requests passed to the hub and not yet answered: each holds one of `maxInFlight` places. */
  apiInFlight: 4,
  /** Pages, assets and photos passed to the hub and not yet answered (they wait for one of 16 connections). */
  pagesInFlight: 5,
  /** API requests admitted whose bodies are still arriving (no place held yet). */
  bodiesArriving: 6,
} as const;
/** Int32 slots, rounded up to whole 8 bytes: the 64-bit clock slot follows them. */
const INT_SLOTS = 8;

/** The shared memory behind GateSettings.signals. */
export const newGateSignals = (): SharedArrayBuffer => new SharedArrayBuffer(INT_SLOTS * 4 + 8);

/**
 * The views both threads read the shared memory through: `ints` by GATE_SIGNAL, and `oldestApiAt`, when the
 * oldest API request still on the hub was passed on (epoch ms; 0: none), which needs 64 bits.
 */
export function gateSignals(buffer: SharedArrayBuffer): { ints: Int32Array; oldestApiAt: BigInt64Array } {
  return { ints: new Int32Array(buffer, 0, INT_SLOTS), oldestApiAt: new BigInt64Array(buffer, INT_SLOTS * 4, 1) };
}

export interface GateSettings {
  port: number;
  host: string;
  /** The hub's internal listener (a Unix socket): only the gate connects to it. */
  hubSocket: string;
  /** Shared memory (newGateSignals), read through gateSignals(). */
  signals: SharedArrayBuffer;
  /** Requests per second per caller, burst twice that (HUB_PUBLIC_RATE). */
  ratePerSec: number;
  /** Requests the gate lets wait on the hub at once; more are refused with 503 (HUB_PUBLIC_INFLIGHT). */
  maxInFlight: number;
  publicQueueLimit: number;
  maxLagMs: number;
  keepAliveMs: number;
  /** The gate thread's nice value (0 = as the hub; 19 = yields the most). */
  niceness: number;
}

export type GateToHub =
  | { type: 'listening'; port: number }
  | { type: 'error'; message: string }
  | { type: 'closed' };

export type HubToGate = { type: 'close' };

/**
 * What customers' phones and kiosks need, and nothing else: the ordering pages and their assets, dish
 * photos and the API (whose staff routes the hub refuses to anyone arriving through the gate). The staff
 * apps, the QR sheet, metrics and the printer simulator are not reachable on the public address.
 */
const PUBLIC_PREFIXES = ['/api/v1/', '/t/', '/order/', '/kiosk/', '/assets/', '/media/'];
const PUBLIC_EXACT = new Set(['/order', '/kiosk', '/favicon.ico']);

export function isPublicPath(url: string): boolean {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  // no way round the list by walking up out of an allowed prefix
  if (path.includes('..') || path.includes('%')) return false;
  return PUBLIC_EXACT.has(path) || PUBLIC_PREFIXES.some((p) => path.startsWith(p));
}
