import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { DomainError } from '../domain/errors.ts';
import { isPublic, type Principal } from '../domain/principal.ts';
import { streamTopicsFor, tableReplayReachMs } from '../domain/public-reads.ts';
import { clientAddress, viaGate } from '../gate/mark.ts';
import { streamCloseCodes } from '../protocol/close-codes.ts';
import { clientMessageSchema, type Hello, type ServerMessage } from '../protocol/stream.ts';
import type { EventLog, LoggedEvent } from '../store/event-log.ts';
import { RecentEvents } from './recent-events.ts';
import { guestBytes, streamEvent, type StreamEvent } from './stream-event.ts';
import { acceptsSharedDeflate, SharedMessage } from './ws-frame.ts';

export const STREAM_PATH = '/api/v1/stream';
const {
  slowConsumer: CLOSE_SLOW_CONSUMER,
  noHello: CLOSE_NO_HELLO,
  tooManyHellos: CLOSE_TOO_MANY_HELLOS,
  unauthorised: CLOSE_UNAUTHORISED,
} = streamCloseCodes;

const HELLO_TIMEOUT_MS = 10_000;
/** How long, at shutdown, a client has to answer the close frame before its socket is cut. */
const CLOSE_GRACE_MS = 1000;
/**
 * Hellos one socket may send at once, and how fast that allowance comes back. A client says hello once per
 * connection, and again only to resubscribe after a reset or a reload of its state (its liveness probe on a
 * quiet socket is a `sync`); each hello may replay part of the log, so a socket that keeps saying it is
 * closed (4029) instead of served.
 */
export const HELLO_BURST = 5;
export const HELLO_REFILL_MS = 10_000;
/**
 * Messages of any kind (hellos, syncs, anything unreadable) and pings one socket may send at once, and how
 * fast that allowance comes back. A client says hello once per connection and sends a sync after 20 s of
 * quiet; but each message costs the hub's thread a parse and most an answer, and nothing else limited them:
 * one phone sending syncs as fast as its socket carried them (~100,000 a second) held the waiters' orders
 * for seconds, through the public address too (it passes a stream's bytes on unread). A socket past its
 * allowance is closed (4029, the client's longest back-off) and read no further. Five a second leaves room
 * for the load generator's subscribers, which sync every 200 ms while they catch up at the end of a run.
 */
export const MESSAGE_BURST = 30;
export const MESSAGE_REFILL_MS = 200;
/**
 * Sockets one table's QR token (all the phones at the table) or one kiosk may hold open at once; past it an
 * upgrade is refused (429). Its rate limit bounds how fast a phone opens sockets, not how many it keeps: one
 * phone within its rate held 600 after half a minute, 12,000 after ten, every one of them written each event
 * of its table (a few hundred ms of the hub's thread per event at that count), pinged and kept in memory.
 * A party of a dozen phones, each with a socket and a reconnect overlapping it, fits.
 */
export const MAX_PUBLIC_SOCKETS = 32;
/** Seconds a phone refused for holding too many sockets is told to wait. */
const PUBLIC_SOCKETS_RETRY_AFTER_S = 5;
/** How long a socket closed for flooding has to take its close frame before it is cut. */
export const FLOOD_CLOSE_GRACE_MS = 1000;
/** How long a replay waits for a socket holding over half its buffer bound to drain before the next page. */
const REPLAY_DRAIN_WAIT_MS = 20;
/** Below this a frame goes out as it is: deflating it would save less than it costs. */
const DEFLATE_MIN_BYTES = 1024;
/**
 * The most events kept in memory for replays (see RecentEvents), whatever `maxPublicReplay` says: 1,000 of a
 * busy night's events are 3–5 MB of bytes, and up to as much again of their guest form; a phone further
 * behind reloads over HTTP anyway.
 */
export const RECENT_EVENTS_MAX = 10_000;
/**
 * And at most this many bytes of their JSON (their guest form, up to as many more, not counted): a busy
 * night's 1,000 events are 3–5 MB, but the schema lets one placed order be several hundred kB, and 1,000 of
 * those held by count alone were gigabytes.
 */
export const RECENT_EVENTS_MAX_BYTES = 16 << 20;

export interface StreamOptions {
  epoch: string;
  log: EventLog;
  logger: Logger;
  pingMs: number;
  maxBufferBytes: number;
  maxReplay: number;
  /**
   * The same for the public channel (customers' phones, kiosks), lower; also how many of the latest events
   * the hub keeps in memory (at most RECENT_EVENTS_MAX). A public client's replay is served from those alone,
   * not read from the log: a phone can reconnect as often as the public address lets it. Further behind, a
   * public client reloads its state over HTTP, where floods are rate-limited and shed.
   */
  maxPublicReplay: number;
  /** Events a replay reads and sends per turn of the event loop (see replayPage). */
  replayPage: number;
  /**
   * A live frame is deflated once and the same bytes sent to every socket of its subscription that accepts
   * permessage-deflate, when at least this many of them get it; 0: never deflate.
   */
  deflateMinSockets: number;
  /** Called with every frame written (for metrics). */
  onSent?: (form: 'plain' | 'deflated', bytes: number) => void;
  /**
   * Called after each live flush that reached a socket, once per commit it carried: how long from the
   * commit to the last socket's write, and how many events that commit made (for metrics).
   */
  onDelivered?: (ms: number, events: number) => void;
  /**
   * The log could not be read (for the integrity tracker: a damaged page says so): for a client's replay
   * (`request`), or for the latest events, as the stream is made or catches up with the log (`housekeeping`).
   */
  onStoreError?: (err: unknown, where: 'request' | 'housekeeping') => void;
  /**
   * Resolves the token a socket presents (query `token` or Authorization header). Throws when refused (a
   * `DomainError` 'unauthenticated' for a token that is unknown, expired or revoked). Asked again with every
   * ping and every hello while the socket is open.
   */
  authenticate(token: string | undefined): Principal;
  /**
   * Whether a socket may open now, as for any request (the public channel's rate limit per table, kiosk or
   * address): a phone on the store's LAN could otherwise open sockets, and replays, as fast as it likes on
   * the staff address, which has no gate in front. Returns the refusal's status and Retry-After, or nothing.
   */
  admit?(principal: Principal, address: string): { status: number; retryAfter?: string } | undefined;
}

/** What a socket may still send now, and when that was last topped up (see takeAllowance). */
export interface Allowance {
  left: number;
  at: number;
}

interface Client {
  ws: WebSocket;
  /** ws's own socket: frames built once are written to it directly (see sendMessage). */
  socket: Duplex;
  /** The socket accepts the shared deflated frames (permessage-deflate, no server context, full window). */
  deflate: boolean;
  principal: Principal;
  /** The token it opened with, checked again while it is open (see stillAuthorised). */
  token: string | undefined;
  /** null: every topic. */
  topics: ReadonlySet<string> | null;
  /** The subscription as a key ('*' or its sorted topics): clients with the same key share one frame. */
  topicsKey: string;
  /** Everything up to this seq has been sent (or was not for this client). -1 until hello. */
  cursor: number;
  alive: boolean;
  /** At the last ping round: what the kernel had taken of its writes, and what the socket still held (see heartbeat). */
  taken: number;
  held: number;
  /** Ping rounds it may still miss after it stopped taking its backlog (see heartbeat). */
  grace: number;
  /** Hellos this socket may still send now (see HELLO_BURST), and when that was last topped up. */
  hellos: Allowance;
  /** Messages and pings it may still send now (see MESSAGE_BURST). */
  messages: Allowance;
  /** Closed for sending too much: whatever else arrives is dropped unread. */
  flooded: boolean;
  /** It said a valid hello (so the hello timeout does not close it, whatever its cursor). */
  greeted: boolean;
  /** The replay of the gap its last hello asked for, while it runs (see replayPage). */
  replay: Replay | null;
}

interface Replay {
  /** Everything up to this seq has been read from the log. */
  from: number;
  /** The upToSeq of the last frame sent (to say how far it went at the end). */
  sentUpTo: number;
}

/**
 * The live event stream. A client says hello with the last seq it applied; the hub replays the gap (from the
 * latest events it keeps in memory, or the log for a staff screen further behind), then streams. Live events
 * are coalesced per turn of the event loop and each frame is serialised once per distinct subscription, not
 * once per socket; when many sockets of a subscription accept compression, it is also compressed once for
 * all of them. A slow socket is closed rather than buffered without bound;
 * it resumes from its seq on reconnect.
 */
export class StreamServer {
  private readonly wss: WebSocketServer;
  /** What each upgrade's answer said about permessage-deflate, read when the socket is accepted. */
  private readonly deflateAnswered = new WeakMap<IncomingMessage, boolean>();
  private readonly clients = new Set<Client>();
  /** Open sockets per public caller (see MAX_PUBLIC_SOCKETS). */
  private readonly publicSockets = new Map<string, number>();
  /** The latest events, for replays: a public client's whole replay, and a staff screen's pages while they reach. */
  private readonly recent: RecentEvents;
  private pending: StreamEvent[] = [];
  /** When each commit in `pending` was published, and how many of its events it holds. */
  private pendingCommits: { at: number; events: number }[] = [];
  private flushScheduled = false;
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly opts: StreamOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: 64 * 1024,
      // permessage-deflate (RFC 7692): a frame of orders shrinks 6–8 times, for the screens on the store's
      // Wi-Fi and for the hub's writes. Each message is compressed on its own (no context kept between
      // messages), so the same bytes suit every socket and are made once; ws itself never compresses here.
      perMessageDeflate: opts.deflateMinSockets > 0 && { serverNoContextTakeover: true, clientNoContextTakeover: true },
    });
    this.wss.on('headers', (headers, req) => {
      const answer = headers.find((h) => h.toLowerCase().startsWith('sec-websocket-extensions:'));
      this.deflateAnswered.set(req, acceptsSharedDeflate(answer?.slice(answer.indexOf(':') + 1)));
    });
    this.pinger = setInterval(() => this.heartbeat(), opts.pingMs);
    this.pinger.unref();
    this.recent = new RecentEvents(Math.min(opts.maxPublicReplay, opts.maxReplay, RECENT_EVENTS_MAX), opts.log, RECENT_EVENTS_MAX_BYTES, (err) => {
      opts.logger.error({ err }, 'could not read the latest events from the log; replays further back read it themselves or reload');
      opts.onStoreError?.(err, 'housekeeping');
    });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Sockets whose replay of a gap is under way (a screen back after a while catches up page by page). */
  get replayCount(): number {
    let n = 0;
    for (const c of this.clients) if (c.replay) n++;
    return n;
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      // outside express: a target URL() cannot parse ('//', a bare authority) threw here and ended the hub
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://hub');
      } catch {
        refuseUpgrade(socket, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      if (url.pathname !== STREAM_PATH) {
        refuseUpgrade(socket, 'HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      let principal: Principal;
      const token = tokenOf(req, url);
      try {
        principal = this.opts.authenticate(token);
        if (principal.kind === 'anonymous') throw new Error('no token');
      } catch {
        refuseUpgrade(socket, 'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      // the public address serves the public channel only (see hub/gate/public-gate.ts)
      if (viaGate(req) !== undefined && !isPublic(principal)) {
        refuseUpgrade(socket, 'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const refused = this.opts.admit?.(principal, clientAddress(req));
      if (refused) {
        const retry = refused.retryAfter ? `Retry-After: ${refused.retryAfter}\r\n` : '';
        refuseUpgrade(socket, `HTTP/1.1 ${refused.status} ${refused.status === 429 ? 'Too Many Requests' : 'Service Unavailable'}\r\nConnection: close\r\n${retry}Content-Length: 0\r\n\r\n`);
        return;
      }
      const caller = publicCaller(principal);
      if (caller !== undefined && (this.publicSockets.get(caller) ?? 0) >= MAX_PUBLIC_SOCKETS) {
        refuseUpgrade(socket, `HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: ${PUBLIC_SOCKETS_RETRY_AFTER_S}\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      // ws completes an upgrade synchronously: the socket is counted before the next upgrade is judged
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, socket, this.deflateAnswered.get(req) === true, principal, token, caller));
    });
  }

  /** Called after each commit, with the events it made durable. */
  publish(events: readonly LoggedEvent[]): void {
    const encoded = events.map(streamEvent);
    this.recent.push(encoded);
    for (const e of encoded) this.pending.push(e);
    if (events.length > 0) this.pendingCommits.push({ at: performance.now(), events: events.length });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Sends every client its close frame (1001) and resolves once all are gone. A client that has not
   * answered within `graceMs` (a frozen tablet reads but never answers) is cut off: ws would otherwise wait
   * 30 s for it, and the HTTP server's close() waits for upgraded sockets, which closeAllConnections()
   * does not cover.
   */
  close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    clearInterval(this.pinger);
    this.flush();
    const open = [...this.clients].map((c) => c.ws);
    for (const ws of open) ws.close(1001, 'hub shutting down');
    this.wss.close();
    const gone = open.filter((ws) => ws.readyState !== ws.CLOSED).map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve())));
    if (gone.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let last: ReturnType<typeof setTimeout> | undefined;
      const cut = setTimeout(() => {
        for (const ws of open) if (ws.readyState !== ws.CLOSED) ws.terminate();
        last = setTimeout(resolve, 1000); // a terminated socket says 'close' at once; never wait on one that did not
      }, graceMs);
      void Promise.all(gone).then(() => {
        clearTimeout(cut);
        clearTimeout(last);
        resolve();
      });
    });
  }

  private accept(ws: WebSocket, socket: Duplex, deflate: boolean, principal: Principal, token: string | undefined, caller: string | undefined): void {
    const now = performance.now();
    const client: Client = {
      ws,
      socket,
      deflate,
      principal,
      token,
      topics: null,
      topicsKey: '*',
      cursor: -1,
      alive: true,
      taken: 0,
      held: 0,
      grace: 0,
      hellos: { left: HELLO_BURST, at: now },
      messages: { left: MESSAGE_BURST, at: now },
      flooded: false,
      greeted: false,
      replay: null,
    };
    this.clients.add(client);
    if (caller !== undefined) this.publicSockets.set(caller, (this.publicSockets.get(caller) ?? 0) + 1);
    const helloTimer = setTimeout(() => !client.greeted && ws.close(CLOSE_NO_HELLO, 'send hello first'), HELLO_TIMEOUT_MS);
    ws.on('pong', () => (client.alive = true));
    ws.on('close', () => {
      clearTimeout(helloTimer);
      this.clients.delete(client);
      if (caller !== undefined) {
        const left = (this.publicSockets.get(caller) ?? 1) - 1;
        if (left > 0) this.publicSockets.set(caller, left);
        else this.publicSockets.delete(caller);
      }
    });
    ws.on('error', () => ws.terminate());
    // ws has answered it already (a pong each): counted like a message, so a ping flood is cut off too
    ws.on('ping', () => void this.withinAllowance(client));
    ws.on('message', (data) => {
      if (!this.withinAllowance(client)) return;
      let msg;
      try {
        msg = clientMessageSchema.parse(JSON.parse(String(data)));
      } catch (err) {
        this.send(client, { type: 'error', code: 'bad_message', message: err instanceof Error ? err.message.slice(0, 200) : 'bad message' });
        return;
      }
      if (msg.type === 'sync') {
        // mid-replay, as far as its pages went (everything of the subscription up to there is sent): a client
        // that hears nothing takes its socket for dead and reconnects, and a long replay would start over
        const upTo = client.replay ? client.replay.from : client.cursor;
        if (upTo >= 0) this.send(client, { type: 'events', events: [], upToSeq: upTo });
        return;
      }
      if (!takeHello(client.hellos, performance.now())) {
        this.send(client, { type: 'error', code: 'too_many_hellos', message: `at most ${HELLO_BURST} hellos at once, then one every ${HELLO_REFILL_MS / 1000} s` });
        client.cursor = -1;
        ws.close(CLOSE_TOO_MANY_HELLOS, 'too many hellos');
        return;
      }
      if (!this.stillAuthorised(client)) return;
      try {
        this.hello(client, msg);
      } catch (err) {
        this.replayFailed(client, err);
      }
    });
  }

  /** Spends one of the socket's messages; false (and the socket closed) once it has sent too many. */
  private withinAllowance(client: Client): boolean {
    if (client.flooded) return false;
    if (takeAllowance(client.messages, performance.now(), MESSAGE_BURST, MESSAGE_REFILL_MS)) return true;
    client.flooded = true;
    client.cursor = -1;
    client.replay = null;
    this.send(client, { type: 'error', code: 'too_many_messages', message: `at most ${MESSAGE_BURST} messages at once, then ${1000 / MESSAGE_REFILL_MS} a second` });
    client.ws.close(CLOSE_TOO_MANY_HELLOS, 'too many messages');
    // read no further: ws would go on parsing what it sends until the close handshake ends (30 s)
    client.socket.pause();
    setTimeout(() => client.ws.terminate(), FLOOD_CLOSE_GRACE_MS).unref();
    return false;
  }

  /**
   * Whether the socket's token is still good. A token is checked when the socket opens, but a socket may stay
   * open for days: a staff session expires after its service day, a device is unpaired. Such a socket is
   * closed with 4001, which tells the app to sign in or pair again, instead of streaming every order on. Only a refusal closes it: a store error is no reason to send a screen to its
   * pairing page.
   */
  /**
   * Every open socket's token judged again now, not at the next ping round (up to HUB_STREAM_PING_MS away):
   * after a change that refuses tokens (a person deactivated or given a new PIN, new table codes), whose
   * sockets would otherwise go on hearing the store for that long.
   */
  recheckTokens(): void {
    const round = new Map<string | undefined, boolean>();
    for (const c of this.clients) if (c.ws.readyState === c.ws.OPEN) this.stillAuthorised(c, round);
  }

  private stillAuthorised(client: Client, round?: Map<string | undefined, boolean>): boolean {
    // a ping round asks once per token: many sockets share one (a table's phones, a kitchen's screens)
    let good = round?.get(client.token);
    if (good === undefined) {
      good = this.tokenStillGood(client.token);
      round?.set(client.token, good);
    }
    if (good) return true;
    client.cursor = -1;
    client.replay = null;
    client.ws.close(CLOSE_UNAUTHORISED, 'token refused: sign in or pair again');
    return false;
  }

  /** False only when the token is refused; a store error is no reason to close a socket. */
  private tokenStillGood(token: string | undefined): boolean {
    try {
      return this.opts.authenticate(token).kind !== 'anonymous';
    } catch (err) {
      if (err instanceof DomainError && err.code === 'unauthenticated') return false;
      this.opts.logger.warn({ err }, "could not check a stream client's token again; it stays open");
      return true;
    }
  }

  private hello(client: Client, hello: Hello): void {
    // a hello replaces whatever the socket asked for before, a replay still running included
    client.replay = null;
    client.cursor = -1;
    client.greeted = true;
    const head = this.opts.log.head();
    const { epoch } = this.opts;
    const topics = hello.topics && !hello.topics.includes('*') ? new Set(hello.topics) : null;
    // a customer's phone sees its own table, the menu (sold-out) and the kitchen's pacing; a kiosk the menu
    // and the pacing — nothing else (domain/public-reads.ts)
    const allowed = streamTopicsFor(client.principal);
    client.topics = allowed ? new Set(topics ? allowed.filter((t) => topics.has(t)) : allowed) : topics;
    // the public channel hears events as a guest may (`guestBytes`): never in the same frame as staff screens
    client.topicsKey = (isPublic(client.principal) ? 'guest|' : '') + (client.topics ? [...client.topics].sort().join(' ') : '*');
    const reset = (reason: 'epoch-changed' | 'too-far-behind' | 'ahead-of-hub') => {
      client.cursor = -1;
      this.send(client, { type: 'reset', reason, epoch, headSeq: head });
    };
    if (hello.lastSeq === undefined) {
      client.cursor = head;
      this.send(client, { type: 'welcome', epoch, headSeq: head, fromSeq: head });
      return;
    }
    if (hello.epoch !== undefined && hello.epoch !== epoch) return reset('epoch-changed');
    if (hello.lastSeq > head) return reset('ahead-of-hub');
    const guest = isPublic(client.principal);
    const maxReplay = guest ? Math.min(this.opts.maxPublicReplay, this.opts.maxReplay) : this.opts.maxReplay;
    if (head - hello.lastSeq > maxReplay) return reset('too-far-behind');
    // a phone replays only as far back as it may read its table's done orders over HTTP: an earlier party's
    // orders are not replayed to the next party's phone, which reloads its table's open orders instead
    if (client.principal.kind === 'table' && hello.lastSeq < head) {
      const firstAt = this.opts.log.firstAtAfter(hello.lastSeq);
      if (firstAt !== undefined && firstAt < Date.now() - tableReplayReachMs) return reset('too-far-behind');
    }
    if (guest) {
      // served from memory or not at all: a phone's reconnect reads no row of its gap (see RecentEvents)
      if (!this.recent.reaches(hello.lastSeq, head)) return reset('too-far-behind');
      this.send(client, { type: 'welcome', epoch, headSeq: head, fromSeq: hello.lastSeq });
      if (this.replayRecent(client, hello.lastSeq, head)) return;
      // too much for one frame: in pages, as a staff screen's, waiting for the socket to drain between them
      const replay: Replay = { from: hello.lastSeq, sentUpTo: hello.lastSeq };
      client.replay = replay;
      this.replayPage(client, replay);
      return;
    }

    this.send(client, { type: 'welcome', epoch, headSeq: head, fromSeq: hello.lastSeq });
    const replay: Replay = { from: hello.lastSeq, sentUpTo: hello.lastSeq };
    client.replay = replay;
    this.replayPage(client, replay);
  }

  /**
   * The log could not be read for a client's hello or replay (SQLite's error: a damaged page of the store).
   * The client is told to reload (`reset`, as one too far behind) and resumes from the head: a replay across a
   * spoilt page cannot be made, and the error thrown on had ended the hub (out of a socket's handler or a
   * timer) each time a screen came back from before it. Without even the head, the socket is closed.
   */
  private replayFailed(client: Client, err: unknown): void {
    this.opts.logger.error({ err }, "could not read the event log for a stream client's replay; it reloads instead");
    this.opts.onStoreError?.(err, 'request');
    client.replay = null;
    client.cursor = -1;
    try {
      this.send(client, { type: 'reset', reason: 'too-far-behind', epoch: this.opts.epoch, headSeq: this.opts.log.head() });
    } catch {
      client.ws.close(1011, 'the event log cannot be read');
    }
  }

  /**
   * One page of a client's replay, then the next on a later turn of the event loop, so that a long gap (a
   * screen back after hours) never holds the hub's thread: orders keep being taken between pages. Until the
   * replay has caught up with the log, live flushes skip the client (cursor -1) and the next page reads what
   * they carried instead. A page is taken from the recent events while they reach back to it (no row read),
   * else from the log (a phone's replay too big for one frame comes here, and reads the log only if more
   * than the events held were committed while its socket drained). It holds only committed events and no
   * commit can interleave with it, so when a page comes back short the client has everything up to the head:
   * nothing missed, nothing sent twice. A socket slow to drain is waited for between pages, and after the last,
   * rather than cut off.
   */
  private replayPage(client: Client, replay: Replay): void {
    if (client.replay !== replay || client.ws.readyState !== client.ws.OPEN) return;
    if (client.ws.bufferedAmount > this.opts.maxBufferBytes / 2) {
      setTimeout(() => this.replayPage(client, replay), REPLAY_DRAIN_WAIT_MS).unref();
      return;
    }
    let page: (StreamEvent | LoggedEvent)[];
    try {
      page = this.recent.reaches(replay.from, this.opts.log.head())
        ? this.recent.after(replay.from, this.opts.replayPage)
        : this.opts.log.after(replay.from, this.opts.replayPage);
    } catch (err) {
      return this.replayFailed(client, err);
    }
    if (page.length > 0) {
      const upTo = page[page.length - 1]!.seq;
      // a page read from the log is encoded for the client's own events only (a station's screen hears few)
      const mine = page.filter((e) => matches(client.topics, e)).map((e) => ('bytes' in e ? e : streamEvent(e)));
      if (mine.length > 0) {
        this.sendMessage(client, new SharedMessage(frame(mine, upTo, isPublic(client.principal) ? guestBytes : plainBytes)));
        replay.sentUpTo = upTo;
      }
      replay.from = upTo;
    }
    if (page.length === this.opts.replayPage) {
      setImmediate(() => this.replayPage(client, replay));
      return;
    }
    // the last page may have filled the socket (a page goes out whole once the buffer is under half its
    // bound): caught up now, the next live frame would find it over the bound and close it as too slow, and
    // its reconnect replay the same pages. The replay waits for it to drain instead, and takes what was
    // committed meanwhile as one more page
    if (client.ws.bufferedAmount > this.opts.maxBufferBytes / 2) {
      setTimeout(() => this.replayPage(client, replay), REPLAY_DRAIN_WAIT_MS).unref();
      return;
    }
    // caught up: `from` is the head now. A filtered client whose topics were quiet would otherwise keep its
    // old resume point, and each later hello would read the same (growing) gap again: tell it how far it went
    if (replay.sentUpTo < replay.from) this.send(client, { type: 'events', events: [], upToSeq: replay.from });
    client.replay = null;
    client.cursor = replay.from;
  }

  /**
   * A public client's replay of the gap after `from` up to `head`, all held in memory (the caller checked):
   * its own events among at most `maxPublicReplay`, in one frame, in this turn of the loop — so, as for a
   * page, no commit can come between and nothing is missed or sent twice. It ends, like a replay, with how
   * far it went. False, and nothing sent, when that frame would fill over half the socket's buffer bound (a
   * table's big orders, a phone on a slow link): sent at once, the next live frame would find the buffer
   * over its bound and close the socket, whose reconnect would replay the same frame again.
   */
  private replayRecent(client: Client, from: number, head: number): boolean {
    const mine = this.recent.after(from, head - from).filter((e) => matches(client.topics, e));
    if (mine.length > 0) {
      const message = frame(mine, head, guestBytes);
      if (client.ws.bufferedAmount + message.length > this.opts.maxBufferBytes / 2) return false;
      this.sendMessage(client, new SharedMessage(message));
    } else if (from < head) this.send(client, { type: 'events', events: [], upToSeq: head });
    client.cursor = head;
    return true;
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    const commits = this.pendingCommits;
    if (batch.length === 0) return;
    this.pending = [];
    this.pendingCommits = [];
    let wrote = false;
    const upTo = batch[batch.length - 1]!.seq;
    const firstSeq = batch[0]!.seq;
    // one message per distinct subscription, framed (and deflated) once for all its sockets
    const bySubscription = new Map<string, Client[]>();
    for (const client of this.clients) {
      if (client.cursor < 0 || client.cursor >= upTo) continue;
      if (client.cursor >= firstSeq) {
        // joined mid-batch: its replay already covered part of it
        const mine = batch.filter((e) => e.seq > client.cursor && matches(client.topics, e));
        if (mine.length > 0) {
          this.sendLive(client, new SharedMessage(frame(mine, upTo, isPublic(client.principal) ? guestBytes : plainBytes)), false);
          wrote = true;
        }
        client.cursor = upTo;
        continue;
      }
      const group = bySubscription.get(client.topicsKey);
      if (group) group.push(client);
      else bySubscription.set(client.topicsKey, [client]);
    }
    for (const group of bySubscription.values()) {
      const mine = batch.filter((e) => matches(group[0]!.topics, e));
      // nothing for this subscription: no send (its next frame's upToSeq covers the gap)
      if (mine.length > 0) {
        const message = new SharedMessage(frame(mine, upTo, isPublic(group[0]!.principal) ? guestBytes : plainBytes));
        const deflate = this.worthDeflating(message, group);
        for (const client of group) this.sendLive(client, message, deflate);
        wrote = true;
      }
      for (const client of group) client.cursor = upTo;
    }
    if (wrote && this.opts.onDelivered) {
      const done = performance.now();
      for (const c of commits) this.opts.onDelivered(done - c.at, c.events);
    }
  }

  private worthDeflating(message: SharedMessage, group: readonly Client[]): boolean {
    const min = this.opts.deflateMinSockets;
    if (min === 0 || message.payload.length < DEFLATE_MIN_BYTES) return false;
    let accepting = 0;
    for (const c of group) if (c.deflate && ++accepting >= min) return true;
    return false;
  }

  private send(client: Client, msg: ServerMessage): void {
    this.sendMessage(client, new SharedMessage(Buffer.from(JSON.stringify(msg))));
  }

  /**
   * A live frame: to a socket that holds more than its bound unsent, not at all — it is closed as too slow
   * (it resumes from its seq on reconnect). Live frames are the only writes that do not wait for the socket:
   * a replay waits for it to drain before each page and after the last, and the hub's other messages
   * (welcome, an answer to a sync, an error) are small. Those go out whatever the buffer holds: a sync
   * answered while a replay's last page drained over a slow link had the socket closed, and its reconnect
   * replayed the same pages.
   */
  private sendLive(client: Client, message: SharedMessage, deflate: boolean): void {
    const { ws } = client;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.opts.maxBufferBytes) {
      this.opts.logger.warn({ buffered: ws.bufferedAmount }, 'closing a stream client that cannot keep up');
      client.cursor = -1;
      ws.close(CLOSE_SLOW_CONSUMER, 'too slow; reconnect and resume from your last seq');
      // a client that does not even read the close frame is cut off
      setTimeout(() => ws.terminate(), 2000).unref();
      return;
    }
    this.sendMessage(client, message, deflate);
  }

  /**
   * Every message goes out as a WebSocket frame built once (UTF-8 encoded once, deflated once when
   * `deflate`) and written straight to the socket: ws cannot send bytes compressed elsewhere, and would frame
   * the message again for every socket. This is safe with ws because the hub never hands it a message to
   * send: its sender then never queues (it queues only while compressing), and its own writes (pings, the
   * close frame) go out synchronously, in order with these. `bufferedAmount` counts both.
   */
  private sendMessage(client: Client, message: SharedMessage, deflate = false): void {
    const { ws } = client;
    if (ws.readyState !== ws.OPEN) return;
    const form = deflate && client.deflate ? 'deflated' : 'plain';
    const frame = form === 'deflated' ? message.deflated() : message.plain();
    client.socket.write(frame);
    this.opts.onSent?.(form, frame.length);
  }

  /**
   * A socket that did not answer the last ping is cut, unless it is still taking a backlog: its pong is
   * queued behind that, and a kitchen screen on a slow link catching up on a replay of megabytes took longer
   * than a ping interval to read it (it was cut, reconnected, and replayed the same pages). A socket that
   * held writes the kernel had no room for, and whose kernel took more since the last round, is reading; once
   * its backlog is gone it has one more round for what the kernel still holds to reach it. A dead peer's
   * kernel takes nothing once its buffer is full, and one with no backlog is judged as before.
   */
  private heartbeat(): void {
    const round = new Map<string | undefined, boolean>();
    for (const c of this.clients) {
      const held = c.socket.writableLength;
      const taken = takenByKernel(c.socket);
      const reading = taken !== c.taken && (held > 0 || c.held > 0);
      c.taken = taken;
      c.held = held;
      if (reading) c.grace = 1;
      else if (c.alive) c.grace = 0;
      else if (c.grace-- <= 0) {
        c.ws.terminate();
        continue;
      }
      // a socket closing (for its token too) is still pinged: one that never finishes closing is cut like any
      if (c.ws.readyState === c.ws.OPEN) this.stillAuthorised(c, round);
      c.alive = false;
      c.ws.ping();
    }
  }
}

/** The bytes of its writes the socket has handed to the kernel (net.Socket's count includes what it still holds). */
function takenByKernel(socket: Duplex): number {
  return ((socket as Socket).bytesWritten ?? 0) - socket.writableLength;
}

/** Spends one hello of a socket's allowance (`now`: a monotonic clock, ms); false when none is left. */
export const takeHello = (hellos: Allowance, now: number): boolean => takeAllowance(hellos, now, HELLO_BURST, HELLO_REFILL_MS);

/** Spends one of an allowance of `burst` that gives one back every `refillMs`; false when none is left. */
export function takeAllowance(a: Allowance, now: number, burst: number, refillMs: number): boolean {
  const refilled = Math.floor((now - a.at) / refillMs);
  if (refilled > 0) {
    a.left = Math.min(burst, a.left + refilled);
    a.at += refilled * refillMs;
  }
  // a full allowance gains nothing while it waits: the next one comes a whole interval after this one is spent
  // (kept, the part of an interval waited while full granted burst + 1 at once, 2 ms apart)
  if (a.left === burst) a.at = now;
  if (a.left === 0) return false;
  a.left--;
  return true;
}

/**
 * Answers an upgrade the stream refuses, and hangs up. Node hands an upgrade's socket over with no 'error'
 * listener (ws adds its own only to the sockets it takes): a caller resetting the connection meanwhile was
 * an uncaught ECONNRESET that ended the hub.
 */
function refuseUpgrade(socket: Duplex, response: string): void {
  socket.on('error', () => socket.destroy());
  socket.end(response);
}

/** Whom a public socket counts against: its table (every phone there shares the QR token) or its kiosk. */
function publicCaller(p: Principal): string | undefined {
  if (!isPublic(p)) return undefined;
  return p.kind === 'table' ? `table:${p.tableId}` : p.kind === 'device' ? `device:${p.deviceId}` : 'anonymous';
}

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

const matches = (topics: ReadonlySet<string> | null, e: { readonly topics: readonly string[] }): boolean =>
  topics === null || e.topics.some((t) => topics.has(t));

const FRAME_HEAD = Buffer.from('{"type":"events","events":[');
const COMMA = Buffer.from(',');
const plainBytes = (e: StreamEvent): Buffer => e.bytes;

/**
 * `{"type":"events","events":[…],"upToSeq":n}` from the events' UTF-8 bytes. Encoding is what costs here (a
 * placed order is ~6 kB of JSON with Chinese names, and it is in the frame of every subscription that
 * sees it), so each event is encoded once, when it is published (StreamEvent), and frames join bytes.
 */
function frame(events: readonly StreamEvent[], upToSeq: number, bytesOf: (e: StreamEvent) => Buffer): Buffer {
  const parts: Buffer[] = [FRAME_HEAD];
  events.forEach((e, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(bytesOf(e));
  });
  parts.push(Buffer.from(`],"upToSeq":${upToSeq}}`));
  return Buffer.concat(parts);
}
