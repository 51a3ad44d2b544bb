import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../domain/principal.ts';
import type { Services } from '../services.ts';
import { HttpError } from './errors.ts';

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw new HttpError('unauthenticated', 'send the token as "Authorization: Bearer <token>"');
  return m[1];
}

/** Who is asking, from the `Authorization` header: a staff session, a device, a table's QR token or nobody. */
export function resolvePrincipal(s: Services, headers: IncomingHttpHeaders): Principal {
  const header = headers.authorization;
  return s.auth.resolve(bearerToken(Array.isArray(header) ? header[0] : header), s.clock());
}
