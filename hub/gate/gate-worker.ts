/**
 * The public gate's thread (see public-gate.ts): customers' phones and kiosks connect here, on the hub's
 * public port. This thread parses their HTTP, rate-limits each caller, sheds when the hub is busy, and
 * passes what it admits to the hub's thread over a local socket — so a flood of phones costs this thread
 * its CPU, not the thread that commits orders and serves the waiters and the kitchen.
 */
import { createServer, request, Agent, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { PublicLimiter } from '../http/admission.ts';
import { BEARER_HEADER } from '../http/auth-header.ts';
import { FailureLimiter } from '../http/pairing-codes.ts';
import { toErrorReply, HttpError } from '../http/errors.ts';
import { SECURITY_HEADERS } from '../http/security-headers.ts';
import { MAX_BODY_BYTES } from '../http/fast-path.ts';
import { GATE_SIGNAL, gateSignals, isPublicPath, type GateSettings, type GateToHub, type HubToGate } from './protocol.ts';
import { BodyBudget, hasBody, readBody } from './request-body.ts';

const settings = workerData as GateSettings;

// On Linux a priority set with pid 0 is this thread's alone (setpriority acts on threads there): when the
// cores are saturated, the hub's thread — which commits orders and answers the waiters and the kitchen —
// gets the CPU first and the phones' thread waits. Where that is not allowed, the gate runs as it is.
try {
  setPriority(0, settings.niceness);
} catch {
  // not permitted (or not supported): same priority as the hub
}
const { ints: signals, oldestApiAt } = gateSignals(settings.signals);
// a thread started again after one died: what waited in the dead one is not waiting in this one
for (const slot of [GATE_SIGNAL.apiInFlight, GATE_SIGNAL.pagesInFlight, GATE_SIGNAL.bodiesArriving]) Atomics.store(signals, slot, 0);
Atomics.store(oldestApiAt, 0, 0n);
const limiter = new PublicLimiter(() => Date.now(), settings.ratePerSec);
const notFound = new HttpError('not_found', 'not found on the public address; staff apps use the hub\'s staff address');
// the hub's thread is reached over keep-alive connections; at most `maxInFlight` API requests wait on it,
// and the pages and their assets have connections of their own, so they never queue behind those
const apiAgent = new Agent({ keepAlive: true, maxSockets: settings.maxInFlight, maxFreeSockets: settings.maxInFlight });
const pageAgent = new Agent({ keepAlive: true, maxSockets: 16, maxFreeSockets: 16 });
/** Page and asset requests allowed to wait for those connections; more get 503 (a flood of page loads). */
const MAX_PAGES_WAITING = 512;
const waiting = { api: 0, pages: 0 };
/**
 * When each API request now on the hub was passed on, oldest first (a Set keeps insertion order): health
 * says how long the oldest has waited, read from the shared memory whenever it asks.
 */
const apiPassedAt = new Set<{ at: number }>();
const IN_FLIGHT_SLOT = { api: GATE_SIGNAL.apiInFlight, pages: GATE_SIGNAL.pagesInFlight } as const;

/** Counts a request passed on to the hub; returns what to call once it is answered (or given up). */
function onTheHub(kind: 'api' | 'pages'): () => void {
  waiting[kind]++;
  Atomics.store(signals, IN_FLIGHT_SLOT[kind], waiting[kind]);
  const passed = kind === 'api' ? { at: Date.now() } : undefined;
  if (passed) {
    apiPassedAt.add(passed);
    if (apiPassedAt.size === 1) Atomics.store(oldestApiAt, 0, BigInt(passed.at));
  }
  return () => {
    waiting[kind]--;
    Atomics.store(signals, IN_FLIGHT_SLOT[kind], waiting[kind]);
    if (!passed) return;
    const wasOldest = apiPassedAt.values().next().value === passed;
    apiPassedAt.delete(passed);
    if (wasOldest) Atomics.store(oldestApiAt, 0, BigInt(apiPassedAt.values().next().value?.at ?? 0));
  };
}

/**
 * An API request's body is read whole before the request takes a place on the hub (request-body.ts),
 * within this long of its headers; all the bodies on their way together hold at most this many bytes.
 */
const BODY_DEADLINE_MS = 10_000;
const bodies = new BodyBudget(16 * 1024 * 1024);
const tooLarge = new HttpError('payload_too_large', 'the body is too large');
const pageWithBody = new HttpError('bad_request', 'pages, assets and photos take no request body');

const post = (m: GateToHub) => parentPort!.postMessage(m);

/** `close`: the request's body was left unread, so the connection cannot carry another request. */
function refuse(res: ServerResponse, err: unknown, close = false): void {
  const reply = toErrorReply(err);
  // what the hub's own answers carry (hub/http/security-headers.ts): these never reach the hub
  res.writeHead(reply.status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', ...reply.headers, ...(close ? { Connection: 'close' } : {}) });
  res.end(JSON.stringify(reply.body));
}

/** The hub is behind: a public request would only wait for it (and make the waiters wait). */
function hubBusy(): boolean {
  return (
    waiting.api >= settings.maxInFlight ||
    Atomics.load(signals, GATE_SIGNAL.queueDepth) > settings.publicQueueLimit ||
    Atomics.load(signals, GATE_SIGNAL.lagMs) > settings.maxLagMs
  );
}

/** Tokens are a few dozen characters; a longer header is cut, so a flood of huge ones cannot bloat the buckets. */
const MAX_CALLER_CHARS = 128;

/**
 * The caller a rate limit applies to: the token it sends (a table's QR token, a kiosk's device token), else
 * its address. The token is the one the hub reads, as the hub reads it: `?token=` only where the hub reads
 * it (`stream`: the WebSocket's upgrade, before the header, as the stream does), and the header's token
 * without its scheme. Keyed by what was sent instead, every spelling the hub reads as the same token
 * (`bearer`, more spaces, another query parameter beside it, and made-up ones on any other request) was a
 * fresh allowance, and all the refusals fell on the hub's thread. A header the hub cannot read is no token:
 * the address is the caller.
 */
function callerOf(req: IncomingMessage, stream = false): string {
  const token = (stream ? queryToken(req.url ?? '') : undefined) ?? headerToken(req.headers.authorization);
  return token === undefined ? `ip:${req.socket.remoteAddress ?? 'unknown'}` : `token:${token.slice(0, MAX_CALLER_CHARS)}`;
}

/** The header's token as the hub reads it (`bearerToken`). */
function headerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER_HEADER.exec(header)?.[1];
}

/** The upgrade's `?token=` as the stream reads it (hub/stream/stream-server.ts `tokenOf`); empty is none. */
function queryToken(url: string): string | undefined {
  try {
    return new URL(url, 'http://gate').searchParams.get('token') || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A caller is rate-limited by its token, so a token made up for each request would get a fresh allowance
 * each time, and every one of them would reach the hub's thread (to be refused 401 there). So an address
 * whose tokens the hub keeps refusing is held up itself (doubling, up to 10 minutes), except for the tokens
 * the hub has taken from anyone: a real phone behind the same router as the flood still gets through.
 */
const refusedTokens = new FailureLimiter(20, 10_000, 600_000, 600_000);
/**
 * Least recently used first out, by a delete and an add (PublicLimiter and FailureLimiter sweep instead: V8
 * walks past the deleted entries at a Map's front on each new iterator, slow past ~10,000 churned). Kept
 * here: it grows only with tokens the hub took (a store's tables and kiosks, a few hundred), so the bound is
 * not reached and nothing leaves the front. Measured: 0.4 µs a request at 300 tokens; 10 µs at the bound with
 * every request a new token, which would take 10,000 real tokens in turn.
 */
const knownTokens = new Set<string>();
const MAX_KNOWN_TOKENS = 10_000;

function madeUpTokens(req: IncomingMessage, caller: string): HttpError | undefined {
  if (!caller.startsWith('token:') || knownTokens.has(caller)) return undefined;
  const wait = refusedTokens.lockedFor(addressOf(req), Date.now());
  return wait > 0 ? new HttpError('too_many_requests', 'too many refused tokens from this address; retry later', undefined, { 'Retry-After': String(wait) }) : undefined;
}

/**
 * What the hub answered a caller's token: it counts the refused ones per address, and learns the ones it
 * took. Only a success is taken for a good token, and only a token the hub read (the Authorization header
 * of a request, the stream's `?token=`): a made-up one earns a 404 or a 400 as easily as a real one.
 */
function answered(req: IncomingMessage, caller: string, status: number, tokenRead: boolean): void {
  if (!caller.startsWith('token:')) return;
  if (status === 401) {
    // a token the hub took before and refuses now (a table's code replaced after a leak, a kiosk unpaired) is
    // no longer let past its address's hold-up for refused tokens
    knownTokens.delete(caller);
    return refusedTokens.fail(addressOf(req), Date.now());
  }
  const took = status === 101 || (status >= 200 && status < 300);
  if (!tokenRead || !took) return;
  // least recently used first out: a phone in use is never the one dropped
  knownTokens.delete(caller);
  knownTokens.add(caller);
  if (knownTokens.size > MAX_KNOWN_TOKENS) knownTokens.delete(knownTokens.values().next().value!);
}

const addressOf = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';

/**
 * Bodies still arriving from callers whose token the hub has not taken (none, or made up), by address. A
 * made-up token is a fresh rate allowance, and a stalled body never reaches the hub to be refused (so its
 * address is never held up as `madeUpTokens` would): one address sending 256 stalled 64 KB uploads, each with
 * a token of its own, held the whole `bodies` budget, and every phone's order was refused 503 while it
 * lasted. A phone or kiosk the hub has served is not counted, however many share the address (a router).
 */
const unprovenBodies = new Map<string, number>();
const MAX_UNPROVEN_BODIES = 16;
const tooManyBodies = new HttpError('too_many_requests', 'too many uploads on their way from this address; retry shortly', undefined, { 'Retry-After': '1' });

/** Hop-by-hop: about the phone's connection to the gate, not the gate's kept connections to the hub. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect'];

/**
 * The phone's headers for the hub, with its address as the gate saw it in X-Forwarded-For (whatever the
 * phone sent there is dropped: the hub trusts that header only from the gate). `upgrade` keeps the
 * WebSocket handshake's own headers.
 */
function forwardedHeaders(req: IncomingMessage, upgrade = false): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ...req.headers };
  if (!upgrade) for (const h of HOP_BY_HOP) delete headers[h];
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? 'unknown';
  return headers;
}

/**
 * API requests are rate-limited per caller and shed while the hub is busy. The ordering page, its assets
 * and the dish photos are neither: a browser does not retry a script or an image that answered 429/503, and
 * a customer scanning the code at the peak must still get a working page, with every photo of the menu
 * (its API calls then wait their turn, its orders in the outbox). They are static files, cheap for the hub,
 * on connections of their own so they never queue behind the API's; only a flood of them is refused.
 */
const server = createServer((req, res) => {
  const path = req.url ?? '/';
  if (!isPublicPath(path)) return refuse(res, notFound);
  const kind = path.startsWith('/api/') ? 'api' : 'pages';
  const caller = callerOf(req);
  if (kind === 'api') {
    const limited = madeUpTokens(req, caller) ?? limiter.take(caller);
    if (limited) {
      Atomics.add(signals, GATE_SIGNAL.shedRate, 1);
      return refuse(res, limited);
    }
  }
  // a page is passed on as it arrives: one that came with a body held one of the 16 page connections for as
  // long as its sender trickled it (the hub answers at once but drains the body first), and 16 such phones shut
  // every page and photo out. No page, asset or photo takes a body.
  if (kind === 'pages' && hasBody(req)) return refuse(res, pageWithBody, true);
  if (kind === 'api' ? hubBusy() : waiting.pages >= MAX_PAGES_WAITING) return shed(res);
  if (kind === 'pages' || !hasBody(req)) return pass(req, res, kind, caller);
  const unproven = knownTokens.has(caller) ? undefined : addressOf(req);
  if (unproven !== undefined && (unprovenBodies.get(unproven) ?? 0) >= MAX_UNPROVEN_BODIES) {
    Atomics.add(signals, GATE_SIGNAL.shedRate, 1);
    return refuse(res, tooManyBodies, true);
  }
  if (unproven !== undefined) unprovenBodies.set(unproven, (unprovenBodies.get(unproven) ?? 0) + 1);
  Atomics.add(signals, GATE_SIGNAL.bodiesArriving, 1);
  readBody(req, { maxBytes: MAX_BODY_BYTES, deadlineMs: BODY_DEADLINE_MS, budget: bodies }, (outcome) => {
    Atomics.sub(signals, GATE_SIGNAL.bodiesArriving, 1);
    if (unproven !== undefined) {
      const left = unprovenBodies.get(unproven)! - 1;
      if (left > 0) unprovenBodies.set(unproven, left);
      else unprovenBodies.delete(unproven);
    }
    switch (outcome.kind) {
      case 'read':
        // the hub may have got busy while the body came
        return hubBusy() ? shed(res) : pass(req, res, kind, caller, outcome.body);
      case 'too-large':
        return refuse(res, tooLarge, true);
      case 'too-many':
        return shed(res, true);
      case 'too-slow':
        // nobody may be left to read it: the connection goes with it
        res.writeHead(408, { ...SECURITY_HEADERS, Connection: 'close', 'Content-Length': 0 });
        return void res.end();
      case 'gone':
        return;
    }
  });
});

/** Refused because the hub (or the gate) is busy: 503 + Retry-After. `close`: the body was left unread. */
function shed(res: ServerResponse, close = false): void {
  Atomics.add(signals, GATE_SIGNAL.shedBusy, 1);
  refuse(res, limiter.overloaded(), close);
}

/**
 * Passes the request on to the hub's thread and its answer back: an API request with its `body` read
 * whole (and then in one piece, with its length), a page as it arrives.
 */
function pass(req: IncomingMessage, res: ServerResponse, kind: 'api' | 'pages', caller: string, body?: Buffer): void {
  const offTheHub = onTheHub(kind);
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    offTheHub();
  };
  const headers = forwardedHeaders(req);
  if (body) {
    delete headers['transfer-encoding'];
    headers['content-length'] = body.length;
  }
  const upstream = request(
    { socketPath: settings.hubSocket, method: req.method, path: req.url ?? '/', headers, agent: kind === 'api' ? apiAgent : pageAgent },
    (answer) => {
      const headers = { ...answer.headers };
      // hop-by-hop: this connection to the phone has its own
      delete headers.connection;
      delete headers['keep-alive'];
      delete headers['transfer-encoding'];
      if (kind === 'api') answered(req, caller, answer.statusCode ?? 502, req.headers.authorization !== undefined);
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
      answer.once('end', finish);
      answer.once('error', finish);
    },
  );
  upstream.once('error', () => {
    finish();
    if (!res.headersSent) refuse(res, new HttpError('overloaded', 'the hub did not answer; retry shortly', undefined, { 'Retry-After': '1' }));
    else res.destroy();
  });
  // the phone hung up: the hub sees its connection close too, and skips the work if it has not started
  res.once('close', () => {
    if (!res.writableFinished) upstream.destroy();
    finish();
  });
  if (body) upstream.end(body);
  else req.pipe(upstream);
}

// the order page's live stream: the same checks, then the bytes are passed through both ways
server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
  const path = req.url ?? '/';
  const caller = callerOf(req, true);
  const refusal = !isPublicPath(path) ? notFound : (madeUpTokens(req, caller) ?? limiter.take(caller));
  if (refusal) {
    if (refusal !== notFound) Atomics.add(signals, GATE_SIGNAL.shedRate, 1);
    const reply = toErrorReply(refusal);
    const retry = reply.headers?.['Retry-After'];
    // Node hands an upgrade's socket over with no 'error' listener: a caller resetting it while we answer
    // would be an uncaught ECONNRESET, and one anonymous phone would end the public address's thread
    socket.on('error', () => socket.destroy());
    socket.end(`HTTP/1.1 ${reply.status} ${reply.body.error.code}\r\nConnection: close\r\n${retry ? `Retry-After: ${retry}\r\n` : ''}Content-Length: 0\r\n\r\n`);
    return;
  }
  const hub = connect(settings.hubSocket);
  const headers = forwardedHeaders(req, true);
  let head0 = `${req.method} ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) head0 += `${name}: ${String(v)}\r\n`;
  }
  hub.write(`${head0}\r\n`);
  if (head.length > 0) hub.write(head);
  // the hub's status line says whether it took the token (101) or refused it (401)
  hub.once('data', (chunk: Buffer) => {
    const status = /^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1', 0, 16));
    if (status) answered(req, caller, Number(status[1]), true);
  });
  hub.pipe(socket).pipe(hub);
  const close = () => {
    hub.destroy();
    socket.destroy();
  };
  hub.once('error', close);
  socket.once('error', close);
  hub.once('close', close);
  socket.once('close', close);
});

server.keepAliveTimeout = settings.keepAliveMs;
server.headersTimeout = settings.keepAliveMs + 1000;
server.once('error', (err) => post({ type: 'error', message: err.message }));
server.listen({ port: settings.port, host: settings.host, backlog: 4096 }, () => {
  const addr = server.address();
  post({ type: 'listening', port: typeof addr === 'object' && addr ? addr.port : settings.port });
});

parentPort!.on('message', (m: HubToGate) => {
  if (m.type !== 'close') return;
  server.close(() => post({ type: 'closed' }));
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 2000).unref();
});
