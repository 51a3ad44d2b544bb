import type { IncomingMessage } from 'node:http';

/** Set on requests that came through the public gate: the phone's address as the gate saw it. */
const VIA_GATE = Symbol('brigade.viaGate');
type Marked = IncomingMessage & { [VIA_GATE]?: string };

/** The phone's address when the request came through the public gate; undefined on the staff address. */
export const viaGate = (req: IncomingMessage): string | undefined => (req as Marked)[VIA_GATE];

/** The caller's address: the phone's (as the gate saw it) or the socket's. */
export const clientAddress = (req: IncomingMessage): string => viaGate(req) ?? req.socket.remoteAddress ?? 'unknown';

/**
 * Marks a request that arrived on the hub's internal listener, which only the gate can reach (a Unix
 * socket in a private directory): only there is X-Forwarded-For the gate's word rather than the caller's.
 */
export function markViaGate(req: IncomingMessage): void {
  const xff = req.headers['x-forwarded-for'];
  (req as Marked)[VIA_GATE] = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim() || 'unknown';
}
