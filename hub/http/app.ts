import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Principal } from '../domain/principal.ts';
import type { Services } from '../services.ts';
import { HttpError, toErrorReply } from './errors.ts';
import { IDEMPOTENCY_HEADER, readIdempotencyKey, requestHash, runMutation } from './mutations.ts';
import type { Reply, Route } from './route.ts';

const MAX_BODY = '64kb';

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw new HttpError('unauthenticated', 'send the token as "Authorization: Bearer <token>"');
  return m[1];
}

function send(res: Response, reply: { status: number; json: string; headers?: Record<string, string> | undefined }): void {
  if (reply.headers) res.set(reply.headers);
  res.status(reply.status).type('application/json').send(reply.json);
}

/**
 * The HTTP transport, thin by design: parse and validate with the route's zod schemas, resolve who is
 * asking, hand over to the rules, map errors in one place.
 */
export function createApp(s: Services, routes: readonly Route[], log: Logger, extra?: (app: express.Express) => void): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // the menu sets its own ETag; other responses are not cacheable
  app.use(express.json({ limit: MAX_BODY, strict: false }));

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      s.metrics.requests.inc({ route, method: req.method, status: res.statusCode });
      s.metrics.latency.observe({ kind: req.method === 'GET' ? 'read' : 'mutation' }, (performance.now() - started) / 1000);
    });
    next();
  });

  for (const route of routes) {
    app[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const principal = resolvePrincipal(s, req);
        const address = req.socket.remoteAddress ?? 'unknown';
        s.admission.admit(principal, address, route.kind === 'mutation');
        const params = route.params ? route.params.parse(req.params) : {};
        if (route.kind === 'read') {
          const query = route.query ? route.query.parse(req.query) : {};
          const reply: Reply = route.handle({ principal, params, query, headers: req.headers }, s);
          send(res, { status: reply.status, json: reply.json ?? JSON.stringify(reply.body ?? null), headers: reply.headers });
          return;
        }
        // req.is() is null without a body, false for a body of another type (chunked bodies included)
        if (req.headers['content-length'] !== '0' && req.is('application/json') === false) {
          throw new HttpError('unsupported_media_type', 'send the body as application/json');
        }
        const key = readIdempotencyKey(req.headers[IDEMPOTENCY_HEADER], route.idempotencyOptional ?? false);
        // no body at all means "no fields"; an explicit JSON null is a body, and the schema refuses it
        const raw: unknown = req.body === undefined ? {} : req.body;
        const body = route.body ? route.body.parse(raw) : {};
        if (route.precheck && !(key !== undefined && s.idempotency.get(key))) await route.precheck({ principal, params, body }, s);
        let gone = false;
        res.once('close', () => (gone = !res.writableFinished));
        const answer = await runMutation(s, route, {
          principal,
          params,
          body,
          key,
          address,
          hash: requestHash(req.method, req.path, raw),
          abandoned: () => gone,
        });
        if (answer.replayed) res.set('Idempotent-Replayed', 'true');
        send(res, answer);
      } catch (err) {
        next(err);
      }
    });
  }

  extra?.(app);

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new HttpError('not_found', `no route ${req.method} ${req.path}`));
  });
  // express recognises an error handler by its four parameters
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const reply = toErrorReply(err);
    if (reply.unexpected) log.error({ err, method: req.method, path: req.path }, 'request failed');
    send(res, { status: reply.status, json: JSON.stringify(reply.body), headers: reply.headers });
  });
  return app;
}

export function resolvePrincipal(s: Services, req: { headers: Record<string, string | string[] | undefined> }): Principal {
  const header = req.headers.authorization;
  return s.auth.resolve(bearerToken(Array.isArray(header) ? header[0] : header), s.clock());
}
