/** What the hub's thread and the public gate's thread (gate-worker.ts) tell each other. */

/**
 * Slots of the shared Int32Array: the hub's thread keeps the first two current and the gate reads them
 * before it admits an order; the gate counts its refusals in the others, and the hub's metrics read them
 * (no message per refusal: in a flood that alone would keep the hub's thread busy).
 */
export const GATE_SIGNAL = { queueDepth: 0, lagMs: 1, shedRate: 2, shedBusy: 3 } as const;
export const GATE_SIGNAL_SLOTS = 4;

export interface GateSettings {
  port: number;
  host: string;
  /** The hub's internal listener (a Unix socket): only the gate connects to it. */
  hubSocket: string;
  /** SharedArrayBuffer behind GATE_SIGNAL. */
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
