import { connect } from 'node:net';
import { HttpError } from '../http/errors.ts';

/**
 * Whether something accepts a TCP connection at host:port within the timeout. Closed politely at once (FIN),
 * and for good after `timeoutMs` more: a hung device that never closes its side would hold the socket forever.
 */
export function canConnect(host: string, port: number, timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: { ok: true } | { ok: false; reason: string }) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      if (result.ok) {
        socket.end();
        const hangUp = setTimeout(() => socket.destroy(), timeoutMs);
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
export async function requireReachable(host: string, port: number, timeoutMs: number): Promise<void> {
  const probe = await canConnect(host, port, timeoutMs);
  if (!probe.ok) {
    throw new HttpError('printer_unreachable', `nothing answers at ${host}:${port} (${probe.reason}); check the address, or send allowOffline: true to save it anyway`, {
      host,
      port,
      reason: probe.reason,
    });
  }
}
