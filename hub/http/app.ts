import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { ZodError, type z } from 'zod';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPublic } from '../domain/principal.ts';
import type { Services } from '../services.ts';
import { clientAddress, viaGate } from '../gate/mark.ts';
import { resolvePrincipal } from './auth-header.ts';
import { HttpError, toErrorReply } from './errors.ts';
import { createFastPath, MAX_BODY_BYTES } from './fast-path.ts';
import { handleMutation } from './mutations.ts';
import type { Reply, Route } from './route.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

function send(res: Response, reply: { status: number; json: string; headers?: Record<string, string> | undefined }): void {
  if (reply.headers) res.set(reply.headers);
  res.status(reply.status).type('application/json').send(reply.json);
}

/** The query string against its schema; a refusal names it (`query`, `query.limit`), not the body a GET has not got. */
function parseQuery<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ZodError(r.error.issues.map((i) => ({ ...i, path: ['query', ...i.path] })));
}

type Handle = (req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) => void;

/**
 * The HTTP transport, thin by design: parse and validate with the route's zod schemas, resolve who is
 * asking, hand over to the rules, map errors in one place. Mutations of the route table are answered by a
 * plain `node:http` fast path (fast-path.ts) before express sees them; express serves everything else, and
 * any mutation request the fast path leaves to it (unusual encodings or paths), with the same answers.
 */
export function createApp(s: Services, routes: readonly Route[], log: Logger, extra?: (app: express.Express) => void): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // the menu sets its own ETag; other responses are not cacheable
  // express hands every request to app.handle (express/lib/express.js): the fast path goes first
  const fast = createFastPath(s, routes, log);
  const viaExpress = (app as unknown as { handle: Handle }).handle.bind(app);
  (app as unknown as { handle: Handle }).handle = (req, res, callback) => {
    if (!fast(req, res)) viaExpress(req, res, callback);
  };
  // counted from the first middleware on: a body express.json refuses is an answered request too
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.set(SECURITY_HEADERS);
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const seconds = (performance.now() - started) / 1000;
      s.metrics.observeRequest(route, req.method, res.statusCode, req.method === 'GET' ? 'read' : 'mutation', seconds);
      if (res.locals.staffMutation === true) s.metrics.staffMutations.observe(seconds);
    });
    next();
  });
  app.use(express.json({ limit: MAX_BODY_BYTES, strict: false }));

  for (const route of routes) {
    app[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const principal = resolvePrincipal(s, req);
        if (route.kind === 'mutation' && !isPublic(principal)) res.locals.staffMutation = true;
        const address = clientAddress(req);
        s.admission.admit(principal, address, route.kind === 'mutation', viaGate(req) !== undefined);
        if (route.kind === 'read') {
          const params = route.params ? route.params.parse(req.params) : {};
          const query = route.query ? parseQuery(route.query, req.query) : {};
          const reply: Reply = route.handle({ principal, params, query, headers: req.headers, viaPublicAddress: viaGate(req) !== undefined }, s);
          send(res, { status: reply.status, json: reply.json ?? JSON.stringify(reply.body ?? null), headers: reply.headers });
          return;
        }
        let gone = false;
        res.once('close', () => (gone = !res.writableFinished));
        const answer = await handleMutation(s, route, {
          principal,
          address,
          viaPublicAddress: viaGate(req) !== undefined,
          method: req.method,
          path: req.path,
          params: req.params as Record<string, string>,
          headers: req.headers,
          body: req.body,
          // req.is() is null without a body, false for a body of another type (chunked bodies included)
          isJson: req.headers['content-length'] === '0' || req.is('application/json') !== false,
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
    if (reply.unexpected) {
      log.error({ err, method: req.method, path: req.path }, 'request failed');
      s.integrity?.noteError(err, 'request');
    }
    send(res, { status: reply.status, json: JSON.stringify(reply.body), headers: reply.headers });
  });
  return app;
}
