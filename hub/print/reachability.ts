import { connect } from 'node:net';
import { sharedHostResolver, type HostResolver } from '../../printers/index.ts';
import { HttpError } from '../http/errors.ts';

/**
 * Whether something accepts a TCP connection at host:port within the timeout. Closed politely at once (FIN),
 * and for good after `timeoutMs` more: a hung device that never closes its side would hold the socket forever.
 * A host name is resolved as the printer's transport resolves it (bounded, at most one lookup per name at once).
 */
export async function canConnect(
  host: string,
  port: number,
  timeoutMs: number,
  resolver: HostResolver = sharedHostResolver,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const started = performance.now();
  const resolved = await resolver.resolve(host, timeoutMs);
  if (!resolved.ok) return { ok: false, reason: resolved.detail };
  return connectTo(resolved.address, port, Math.max(1, timeoutMs - (performance.now() - started)), timeoutMs);
}

function connectTo(host: string, port: number, timeoutMs: number, hangUpMs: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: { ok: true } | { ok: false; reason: string }) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      if (result.ok) {
        socket.end();
        const hangUp = setTimeout(() => socket.destroy(), hangUpMs);
        hangUp.unref();
        socket.once('close', () => clearTimeout(hangUp));
      } else socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, reason: err.code ?? err.message }));
  });
}

/**
 * Refuses a printer address nothing answers on, so a typo shows up when it is entered rather than as
 * tickets that never print. A printer switched off during set-up can still be saved with allowOffline.
 */
export async function requireReachable(host: string, port: number, timeoutMs: number, resolver?: HostResolver): Promise<void> {
  const probe = await canConnect(host, port, timeoutMs, resolver);
  if (!probe.ok) {
    throw new HttpError('printer_unreachable', `nothing answers at ${host}:${port} (${probe.reason}); check the address, or send allowOffline: true to save it anyway`, {
      host,
      port,
      reason: probe.reason,
    });
  }
}
