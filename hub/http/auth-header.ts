import type { IncomingMessage } from 'node:http';
import { isPublic, type Principal } from '../domain/principal.ts';
import { viaGate } from '../gate/mark.ts';
import type { Services } from '../services.ts';
import { HttpError } from './errors.ts';

/** `Authorization: Bearer <token>`, the scheme in any case: as the hub reads it, and so the public gate. */
export const BEARER_HEADER = /^Bearer\s+(\S+)$/i;

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = BEARER_HEADER.exec(header);
  if (!m) throw new HttpError('unauthenticated', 'send the token as "Authorization: Bearer <token>"');
  return m[1];
}

/**
 * Who is asking, from the `Authorization` header: a staff session, a device, a table's QR token or nobody.
 * Through the public address (the gate) only the public channel is served: a staff or kitchen token sent
 * there is refused, so that address can be the only one a guest network reaches.
 */
export function resolvePrincipal(s: Services, req: IncomingMessage): Principal {
  const header = req.headers.authorization;
  const principal = s.auth.resolve(bearerToken(Array.isArray(header) ? header[0] : header), s.clock());
  if (viaGate(req) !== undefined && !isPublic(principal)) throw publicAddressOnly;
  return principal;
}

export const publicAddressOnly = new HttpError('forbidden', "staff and kitchen devices use the hub's staff address, not the public one");
