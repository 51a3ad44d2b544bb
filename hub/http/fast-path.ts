import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { isPublic, type Principal } from '../domain/principal.ts';
import type { Services } from '../services.ts';
import { clientAddress, viaGate } from '../gate/mark.ts';
import { resolvePrincipal } from './auth-header.ts';
import { toErrorReply } from './errors.ts';
import { handleMutation } from './mutations.ts';
import type { MutationRoute, Route } from './route.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

/** The largest body any route takes (express.json's `limit` too). */
export const MAX_BODY_BYTES = 64 * 1024;

interface Compiled {
  route: MutationRoute;
  method: string;
  /** Anchored; one group per parameter. Null for a path without parameters. */
  pattern: RegExp | null;
  names: string[];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(route: MutationRoute): Compiled {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return escapeRe(segment);
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { route, method: route.method.toUpperCase(), pattern: names.length > 0 ? new RegExp(`^${source}$`) : null, names };
}

/** `application/json`, optionally with `charset=utf-8`: what the fast path reads itself; anything else goes to express. */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;

/**
 * A thin `node:http` path for the route table's mutations: the hot path of a service (orders, lines,
 * bumps, payments) without express's router, body-parser and response helpers, which cost about as much
 * CPU per order as the rules themselves. It reads the body, parses it and answers with the very same checks
 * and errors as the express route (both run `handleMutation`).
 *
 * It takes a request only when that is certain to be equivalent; everything unusual — a path that is not
 * an exact, case-sensitive match without percent-escapes, a compressed or chunked body, a media type other
 * than plain UTF-8 JSON, a declared length over the limit — is left to express, decided from the headers
 * before a byte of the body is read. Returns whether it took the request.
 */
export function createFastPath(s: Services, routes: readonly Route[], log: Logger): (req: IncomingMessage, res: ServerResponse) => boolean {
  const exact = new Map<string, Compiled>();
  const patterned: Compiled[] = [];
  for (const route of routes) {
    if (route.kind !== 'mutation') continue;
    const c = compile(route);
    if (c.pattern) patterned.push(c);
    // express matches in registration order: the first route for a path wins there and here
    else if (!exact.has(`${c.method} ${route.path}`)) exact.set(`${c.method} ${route.path}`, c);
  }

  const match = (method: string, path: string): { c: Compiled; params: Record<string, string> } | undefined => {
    const c = exact.get(`${method} ${path}`);
    if (c) return { c, params: {} };
    for (const p of patterned) {
      if (p.method !== method) continue;
      const m = p.pattern!.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      p.names.forEach((name, i) => (params[name] = m[i + 1]!));
      return { c: p, params };
    }
    return undefined;
  };

  return (req, res) => {
    const method = req.method ?? '';
    if (method !== 'POST' && method !== 'PATCH' && method !== 'DELETE') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path.includes('%')) return false;
    const found = match(method, path);
    if (!found) return false;
    const h = req.headers;
    if (h['transfer-encoding'] !== undefined || (h['content-encoding'] !== undefined && h['content-encoding'] !== 'identity')) return false;
    const length = h['content-length'] === undefined ? 0 : Number(h['content-length']);
    if (!Number.isInteger(length) || length > MAX_BODY_BYTES) return false;
    const type = h['content-type'];
    if (length > 0 ? type === undefined || !PLAIN_JSON.test(type) : type !== undefined && !PLAIN_JSON.test(type)) return false;

    const started = performance.now();
    const { route } = found.c;
    let staff = false;
    res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      s.metrics.observeRequest(route.path, method, res.statusCode, 'mutation', seconds);
      if (staff) s.metrics.staffMutations.observe(seconds);
    });
    // Shed before the body is read: in a flood of phones a refusal must cost next to nothing. Only a token
    // the hub knows is judged here; any other is answered after the body, as express answers it. (express
    // reads the body first, so a refused request with a broken body gets 400 there and 429/503 here: a
    // refusal either way, with nothing written.)
    const address = clientAddress(req);
    const principal = knownPrincipal(s, req);
    staff = principal !== undefined && !isPublic(principal);
    if (principal !== undefined) {
      try {
        s.admission.admit(principal, address, true, viaGate(req) !== undefined);
      } catch (err) {
        const e = toErrorReply(err);
        reply(res, e.status, JSON.stringify(e.body), e.headers);
        return true; // node:http reads and drops the unread body, and the connection stays usable
      }
    }
    let gone = false;
    res.once('close', () => (gone = !res.writableFinished));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // a client that hangs up mid-body gets no answer, and its mutation never reaches the writer
    req.on('error', () => undefined);
    req.once('end', () => {
      const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      // the token was judged when the headers came: a body that took a while may come after it was refused
      // (new table codes, a person deactivated): judged again then
      const stillAdmitted = principal !== undefined && performance.now() - started > JUDGED_AGAIN_AFTER_MS ? undefined : principal;
      void answer(route, req, res, path, found.params, text, h['content-length'] !== undefined, () => gone, stillAdmitted, address, principal !== undefined);
    });
    return true;
  };

  async function answer(
    route: MutationRoute,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    params: Record<string, string>,
    text: string,
    hasBody: boolean,
    abandoned: () => boolean,
    /** Resolved and admitted before the body was read; undefined when the token is still to be judged. */
    admitted: Principal | undefined,
    address: string,
    /** Admitted once already (its token judged again only): not counted against its allowance twice. */
    admittedBefore: boolean,
  ): Promise<void> {
    try {
      // as express.json: a BOM is dropped, then an empty body is {}, and any JSON value is a body
      let body: unknown;
      if (hasBody) {
        try {
          const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
          body = json === '' ? {} : JSON.parse(json);
        } catch {
          throw Object.assign(new SyntaxError('the body is not valid JSON'), { type: 'entity.parse.failed', status: 400 });
        }
      }
      let principal = admitted;
      if (principal === undefined) {
        principal = resolvePrincipal(s, req);
        if (!admittedBefore) s.admission.admit(principal, address, true, viaGate(req) !== undefined);
      }
      const a = await handleMutation(s, route, {
        principal,
        address,
        viaPublicAddress: viaGate(req) !== undefined,
        method: req.method!,
        path,
        params,
        headers: req.headers,
        body,
        isJson: true,
        abandoned,
      });
      reply(res, a.status, a.json, a.replayed ? { ...a.headers, 'Idempotent-Replayed': 'true' } : a.headers);
    } catch (err) {
      const e = toErrorReply(err);
      if (e.unexpected) {
        log.error({ err, method: req.method, path }, 'request failed');
        s.integrity?.noteError(err, 'request');
      }
      reply(res, e.status, JSON.stringify(e.body), e.headers);
    }
  }
}

/**
 * A request's token is judged as its headers come, so that a flood is refused before its bodies are read.
 * One whose body comes later than this is judged again with it: an order trickled in on the staff address
 * with a table's old QR code after a manager gave the tables new ones (or a waiter's, after they were
 * deactivated) was taken 30 s later. Within this, it is the same as the writer's queue: the request came
 * while its token was good.
 */
const JUDGED_AGAIN_AFTER_MS = 100;

/** Who is asking, when the token is one the hub accepts; undefined for a refused or malformed one. */
function knownPrincipal(s: Services, req: IncomingMessage): Principal | undefined {
  try {
    return resolvePrincipal(s, req);
  } catch {
    return undefined;
  }
}

function reply(res: ServerResponse, status: number, json: string, headers: Record<string, string> | undefined): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
  });
  res.end(json);
}
