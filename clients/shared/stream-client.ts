/**
 * The reconnecting event stream every app shares.
 *
 * Protocol (see hub/protocol/stream.ts): open `/api/v1/stream?token=…`, say `hello {lastSeq, epoch, topics}`,
 * get `welcome`, then `events` frames. The resume point is each frame's `upToSeq` (with topic filters seqs
 * have holes); an event at or below the applied seq is never applied twice. `reset` (another epoch, too far
 * behind, ahead of the hub) means: load `GET /api/v1/snapshot`, replace local state with it, and say hello
 * again from the snapshot's seq. A first start has no resume point, so it starts the same way, and so does
 * a failure to apply events. Between a hello and its answer (`welcome` or `reset`) `events` frames belong to
 * the subscription the hello replaced and are ignored: applied to a state they were not meant for, they
 * would move the resume point past events the hello's replay then skips. A hello answered with `error` is
 * not taken: the socket is closed and the client reconnects.
 *
 * Drops are retried with exponential backoff and full jitter; close code 4008 (the hub cut a slow socket)
 * resumes at once. The state is always visible: connecting → live → reconnecting → offline (after
 * `offlineAfterMs` down) → live again, or unauthorised (the token was refused: pair or sign in again).
 *
 * A socket can die without a close (a pulled cable, a sleeping access point), and the hub's pings are not
 * visible to browser code. So when the socket has been quiet for `quietMs` the client sends `sync` on the
 * same socket (the hub answers with how far it has sent this subscription); no answer within
 * `probeTimeoutMs` means the socket is dead, and the client reconnects and resumes.
 */
import type { HubEvent, ServerMessage, Snapshot } from '../../hub/protocol/index.ts';
import { streamCloseCodes } from '../../hub/protocol/close-codes.ts';
import { backoffDelay, HubError } from './hub-client.ts';

/** Close codes the hub uses (hub/stream/stream-server.ts). */
export const { unauthorised: CLOSE_UNAUTHORISED, slowConsumer: CLOSE_SLOW_CONSUMER, tooManyHellos: CLOSE_TOO_MANY_HELLOS } = streamCloseCodes;

export interface StreamSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(code: number, reason: string): void;
}

/** Opens a socket and reports its life to the handlers. The browser's WebSocket and the `ws` package both fit. */
export type SocketFactory = (url: string, on: SocketHandlers) => StreamSocket;

/** The browser's WebSocket (tests in Node pass a factory over the `ws` package). */
export const browserSocket: SocketFactory = (url, on) => {
  const ws = new WebSocket(url);
  ws.onopen = () => on.open();
  ws.onmessage = (ev: MessageEvent) => on.message(typeof ev.data === 'string' ? ev.data : String(ev.data));
  ws.onclose = (ev: CloseEvent) => on.close(ev.code, ev.reason);
  ws.onerror = () => undefined; // a close always follows
  return ws;
};

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as Parameters<typeof clearTimeout>[0]),
};

export type ConnectionState =
  | { status: 'connecting'; since: number }
  | { status: 'live'; since: number }
  /** Lost the hub `since`; trying again (`retryAt` is when the next attempt starts, null while it runs). */
  | { status: 'reconnecting'; since: number; attempt: number; retryAt: number | null }
  /** Down for longer than `offlineAfterMs`; still retrying. */
  | { status: 'offline'; since: number; attempt: number; retryAt: number | null }
  | { status: 'unauthorised'; since: number }
  | { status: 'stopped'; since: number };

export interface StreamPosition {
  epoch: string;
  seq: number;
}

export interface StreamClientOptions {
  /** The socket URL with the current token; null when there is no token (→ unauthorised). */
  url(): string | null;
  /** Stream topics (hub/protocol/stream.ts `topicSchema`); omitted: everything. */
  topics?: string[];
  loadSnapshot(): Promise<Snapshot>;
  /** Replace all local state with this snapshot (first start, after `reset`). */
  onSnapshot(snapshot: Snapshot): void;
  /** Apply these events, in seq order; none was applied before. */
  onEvents(events: HubEvent[]): void;
  onState?(state: ConnectionState): void;
  /** Where a previous run stopped (state kept on the device); null starts from a snapshot. */
  position?: StreamPosition | null;
  socket?: SocketFactory;
  timers?: Timers;
  now?(): number;
  random?(): number;
  backoff?: { baseMs: number; maxMs: number };
  offlineAfterMs?: number;
  quietMs?: number;
  probeTimeoutMs?: number;
  log?(message: string, detail?: unknown): void;
}

export class StreamClient {
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly socketFactory: SocketFactory;
  private socket: StreamSocket | null = null;
  /** Bumped for every socket; callbacks of an older socket are ignored. */
  private generation = 0;
  private attempt = 0;
  /** Sockets in a row that never opened (a blocked upgrade, a refused token). */
  private failedOpens = 0;
  private position: StreamPosition | null;
  private state: ConnectionState;
  private downSince: number | null = null;
  private retryTimer: unknown = null;
  private offlineTimer: unknown = null;
  private quietTimer: unknown = null;
  /** The socket generation a snapshot is being loaded for, if any. */
  private snapshotLoading: number | null = null;
  /** Hellos on this socket the hub has not answered yet: until then its frames are the old subscription's. */
  private unansweredHellos = 0;
  private probeTimer: unknown = null;
  private running = false;

  constructor(private readonly opts: StreamClientOptions) {
    this.timers = opts.timers ?? realTimers;
    this.now = opts.now ?? (() => Date.now());
    this.socketFactory = opts.socket ?? browserSocket;
    this.position = opts.position ?? null;
    this.state = { status: 'stopped', since: this.now() };
  }

  get connection(): ConnectionState {
    return this.state;
  }

  /** The resume point: every event up to `seq` of `epoch` has been applied. */
  get resumePoint(): StreamPosition | null {
    return this.position;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.downSince = null;
    this.setState({ status: 'connecting', since: this.now() });
    this.connect();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.clearTimers();
    this.socket?.close(1000, 'client stopped');
    this.socket = null;
    this.setState({ status: 'stopped', since: this.now() });
  }

  /** Try now instead of waiting out the backoff (the browser says it is online again, a user tapped retry). */
  reconnectNow(): void {
    if (!this.running || this.state.status === 'live' || this.state.status === 'connecting') return;
    if (this.retryTimer === null) return; // an attempt is already under way
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  /** Forget the resume point: the next (re)connection starts from a fresh snapshot. */
  resync(): void {
    this.position = null;
    if (this.running && this.socket) {
      this.socket.close(1000, 'resync');
      this.dropped(this.generation, 1000, true);
    }
  }

  // ---- connection lifecycle ----

  private connect(): void {
    this.retryTimer = null;
    const gen = ++this.generation;
    const url = this.opts.url();
    if (url === null) return this.unauthorised();
    let opened = false;
    if (this.state.status === 'reconnecting' || this.state.status === 'offline') this.setState({ ...this.state, retryAt: null });
    this.unansweredHellos = 0;
    this.socket = this.socketFactory(url, {
      open: () => {
        if (gen !== this.generation) return;
        opened = true;
        this.failedOpens = 0;
        this.armQuiet(gen);
        if (this.position) this.hello(this.position);
        else void this.loadSnapshotAndHello(gen);
      },
      message: (data) => {
        if (gen !== this.generation) return;
        this.armQuiet(gen);
        this.receive(gen, data);
      },
      close: (code) => {
        if (gen !== this.generation) return;
        if (!opened) this.failedOpens++;
        this.dropped(gen, code, opened);
      },
    });
  }

  private hello(from: StreamPosition): void {
    const msg = { type: 'hello', lastSeq: from.seq, epoch: from.epoch, ...(this.opts.topics ? { topics: this.opts.topics } : {}) };
    if (!this.socket) return;
    this.unansweredHellos++;
    this.socket.send(JSON.stringify(msg));
  }

  private async loadSnapshotAndHello(gen: number): Promise<void> {
    // one at a time: events that keep failing to apply, frame after frame, must not send a hello per frame
    if (this.snapshotLoading === gen) return;
    this.snapshotLoading = gen;
    let snapshot: Snapshot;
    try {
      snapshot = await this.opts.loadSnapshot();
    } catch (err) {
      if (this.snapshotLoading === gen) this.snapshotLoading = null;
      if (gen !== this.generation) return;
      if (err instanceof HubError && err.status === 401) return this.unauthorised();
      this.log('could not load the snapshot; retrying', err);
      this.socket?.close(1000, 'snapshot failed');
      return this.dropped(gen, 1006, true);
    }
    if (this.snapshotLoading === gen) this.snapshotLoading = null;
    if (gen !== this.generation) return;
    this.applySnapshot(snapshot);
    this.hello(this.position!);
  }

  private applySnapshot(snapshot: Snapshot): void {
    this.position = { epoch: snapshot.epoch, seq: snapshot.seq };
    this.opts.onSnapshot(snapshot);
  }

  private receive(gen: number, data: string): void {
    this.disarmProbe();
    let msg: ServerMessage;
    try {
      msg = JSON.parse(data) as ServerMessage;
    } catch {
      this.log('unreadable frame from the hub', data.slice(0, 200));
      return;
    }
    switch (msg.type) {
      case 'welcome':
        this.helloAnswered();
        if (this.position) this.position = { epoch: msg.epoch, seq: this.position.seq };
        this.attempt = 0;
        this.downSince = null;
        this.timers.clearTimeout(this.offlineTimer);
        this.offlineTimer = null;
        if (this.state.status !== 'live') this.setState({ status: 'live', since: this.now() });
        return;
      case 'events': {
        const from = this.position;
        // no position: the state waits for a snapshot, which (with the replay after it) brings these events
        if (!from || this.unansweredHellos > 0) return;
        const fresh = (msg.events as HubEvent[]).filter((e) => e.seq > from.seq);
        this.position = { epoch: from.epoch, seq: Math.max(from.seq, msg.upToSeq) };
        if (fresh.length === 0) return;
        try {
          this.opts.onEvents(fresh);
        } catch (err) {
          // local state may now be wrong: rebuild it from a snapshot rather than show something stale. The
          // resume point already covers the failed events, so forget it: a reconnect meanwhile must not
          // resume from it, and frames until the snapshot would be applied to a state it is about to replace
          this.log('applying events failed; reloading the snapshot', err);
          this.position = null;
          void this.loadSnapshotAndHello(gen);
        }
        return;
      }
      case 'reset':
        this.helloAnswered();
        this.log(`hub asked for a snapshot (${msg.reason})`);
        // the hub has no use for this resume point; a reconnect before the snapshot comes goes straight to one
        this.position = null;
        void this.loadSnapshotAndHello(gen);
        return;
      case 'error':
        this.log(`hub stream error ${msg.code}: ${msg.message}`);
        // the hub refused a hello and kept the subscription it had: frames stay ignored as the old one's, syncs
        // are answered, and the client would sit "live" forever. A new socket says hello afresh, backing off
        // (and as long as the hub asks after too many hellos)
        if (this.unansweredHellos > 0) {
          this.socket?.close(1000, 'hello refused');
          this.dropped(gen, msg.code === 'too_many_hellos' ? CLOSE_TOO_MANY_HELLOS : 1006, true);
        }
        return;
    }
  }

  private helloAnswered(): void {
    this.unansweredHellos = Math.max(0, this.unansweredHellos - 1);
  }

  private dropped(gen: number, code: number, opened: boolean): void {
    if (gen !== this.generation || !this.running) return;
    this.generation++;
    this.socket = null;
    this.disarmQuiet();
    this.disarmProbe();
    if (code === CLOSE_UNAUTHORISED) return this.unauthorised();
    const now = this.now();
    this.downSince ??= now;
    const backoff = this.opts.backoff ?? { baseMs: 500, maxMs: 10_000 };
    // the hub cut a slow socket: resume straight away, the backlog is waiting in the log; it cut one that
    // said hello too often: something here loops, so wait the longest back-off
    const delay =
      code === CLOSE_SLOW_CONSUMER && opened ? 0 : code === CLOSE_TOO_MANY_HELLOS ? backoff.maxMs : backoffDelay(this.attempt++, backoff, this.opts.random);
    this.setDown(now + delay);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      if (!this.running) return;
      // sockets keep failing to open: is it the network, or was the token revoked?
      if (this.failedOpens >= 3) {
        this.failedOpens = 0;
        void this.checkCredentials();
      } else this.connect();
    }, delay);
  }

  /** A 401 cannot be seen on a socket (the upgrade is refused): ask over HTTP whether the token is still good. */
  private async checkCredentials(): Promise<void> {
    const gen = this.generation;
    try {
      await this.opts.loadSnapshot();
    } catch (err) {
      if (err instanceof HubError && err.status === 401) return this.unauthorised();
    }
    if (gen === this.generation && this.running) this.connect();
  }

  private setDown(retryAt: number): void {
    const since = this.downSince ?? this.now();
    const offlineAfter = this.opts.offlineAfterMs ?? 30_000;
    const isOffline = this.now() - since >= offlineAfter;
    this.setState({ status: isOffline ? 'offline' : 'reconnecting', since, attempt: this.attempt, retryAt });
    if (!isOffline && this.offlineTimer === null) {
      this.offlineTimer = this.timers.setTimeout(() => {
        this.offlineTimer = null;
        if (this.state.status === 'reconnecting') this.setState({ ...this.state, status: 'offline' });
      }, since + offlineAfter - this.now());
    }
  }

  private unauthorised(): void {
    this.running = false;
    this.generation++;
    this.clearTimers();
    this.socket?.close(1000, 'unauthorised');
    this.socket = null;
    this.setState({ status: 'unauthorised', since: this.now() });
  }

  // ---- liveness on a quiet socket ----

  private armQuiet(gen: number): void {
    this.disarmQuiet();
    this.quietTimer = this.timers.setTimeout(() => {
      this.quietTimer = null;
      if (gen !== this.generation || !this.position) return;
      // answered by an `events` frame saying how far this subscription has been sent; unlike a hello it
      // replays nothing and the hub does not count it against the socket
      this.socket?.send(JSON.stringify({ type: 'sync' }));
      this.probeTimer = this.timers.setTimeout(() => {
        this.probeTimer = null;
        if (gen !== this.generation) return;
        this.log('no answer on a quiet socket; reconnecting');
        this.socket?.close(1000, 'no answer');
        this.dropped(gen, 1006, true);
      }, this.opts.probeTimeoutMs ?? 5000);
    }, this.opts.quietMs ?? 20_000);
  }

  private disarmQuiet(): void {
    if (this.quietTimer !== null) this.timers.clearTimeout(this.quietTimer);
    this.quietTimer = null;
  }

  private disarmProbe(): void {
    if (this.probeTimer !== null) this.timers.clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }

  private clearTimers(): void {
    for (const t of [this.retryTimer, this.offlineTimer, this.quietTimer, this.probeTimer]) if (t !== null) this.timers.clearTimeout(t);
    this.retryTimer = this.offlineTimer = this.quietTimer = this.probeTimer = null;
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.opts.onState?.(state);
  }

  private log(message: string, detail?: unknown): void {
    this.opts.log?.(message, detail);
  }
}
