/**
 * A keep-alive HTTP/1.1 client pool for the load generator, over plain TCP sockets: one request at a time per
 * connection, at most `maxSockets` connections per host, LIFO reuse, requests beyond that waiting in order.
 *
 * Why not node:http's Agent: the generator plays hundreds of devices and, in the bench's overload phase,
 * thousands of arrivals a second on the same two cores as the hub it measures. node:http costs ~190 µs of
 * CPU per request (ClientRequest, IncomingMessage, streams, the agent's bookkeeping), and its agent keeps
 * waiting requests in an array it shifts: with tens of thousands queued in a flood, that shift alone took a
 * tenth of the generator's thread. This pool costs ~50 µs a request. It speaks only what the hub answers:
 * Content-Length or chunked bodies, none for 204/304, `Connection: close`.
 */
import { connect, type Socket } from 'node:net';

export type ReplyHeaders = Readonly<Record<string, string>>;

export interface PoolReply {
  status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  headers: ReplyHeaders;
  body: Buffer;
}

export interface PoolRequest {
  method: string;
  path: string;
  /** Lower-case names; `host` and `content-length` are added. */
  headers: Record<string, string>;
  body?: string | undefined;
  /** Called once, when the request leaves the queue for a connection (it is written at once). */
  onSocket?: () => void;
}

/** Thrown when a connection failed or closed before the whole answer arrived. */
export class ConnectionError extends Error {}

interface Waiter {
  req: PoolRequest;
  resolve: (r: PoolReply) => void;
  reject: (e: Error) => void;
  /** Settled from outside while still queued (timed out): skipped when its turn comes. */
  cancelled: boolean;
  /** The connection it was sent on, once it was. */
  conn?: Connection;
}

/** Requests in arrival order; `shift` is O(1), unlike an array's, however many wait. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // compact once the consumed prefix is most of the array
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

const NO_BODY_STATUSES = new Set([204, 304]);
const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** One connection: the answer to the request in flight is parsed as its bytes arrive. */
class Connection {
  private waiter: Waiter | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private answer: { status: number; headers: Record<string, string>; bodyLength: number | 'chunked' | 'close'; chunks: Buffer[]; received: number } | undefined;
  closed = false;

  constructor(
    readonly socket: Socket,
    private readonly onDone: (c: Connection, keep: boolean) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => this.close(new ConnectionError('connection failed')));
    socket.on('close', () => this.close(new ConnectionError('connection closed before the answer ended')));
  }

  get busy(): boolean {
    return this.waiter !== undefined;
  }

  send(w: Waiter, host: string): void {
    this.waiter = w;
    const { req } = w;
    let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${host}\r\n`;
    for (const name in req.headers) head += `${name}: ${req.headers[name]}\r\n`;
    if (req.body !== undefined) head += `content-length: ${Buffer.byteLength(req.body)}\r\n`;
    this.socket.write(`${head}\r\n${req.body ?? ''}`);
  }

  /** Gives up on the request in flight (timed out): the connection cannot be reused, its answer may still come. */
  abandon(): void {
    this.waiter = undefined;
    this.socket.destroy();
  }

  private close(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const w = this.waiter;
    this.waiter = undefined;
    // an answer whose length is "until the connection closes" ends here
    if (w && this.answer?.bodyLength === 'close') w.resolve(this.reply());
    else w?.reject(err);
    this.onDone(this, false);
  }

  private onData(d: Buffer): void {
    this.buffered = this.buffered.length === 0 ? d : Buffer.concat([this.buffered, d]);
    try {
      while (this.parse());
    } catch (err) {
      this.close(err instanceof Error ? err : new ConnectionError(String(err)));
    }
  }

  /** Consumes what it can of the buffered bytes; true when it finished an answer and more bytes wait. */
  private parse(): boolean {
    if (!this.answer) {
      // bytes on a connection with no request in flight (a server's 408 on an idle one): not reusable
      if (!this.waiter) throw new ConnectionError('an answer to no request');
      const end = this.buffered.indexOf(HEADER_END);
      if (end < 0) return false;
      const lines = this.buffered.toString('latin1', 0, end).split('\r\n');
      this.buffered = this.buffered.subarray(end + 4);
      const status = Number(lines[0]!.slice(9, 12));
      if (!lines[0]!.startsWith('HTTP/1.') || !Number.isInteger(status)) throw new ConnectionError(`not an HTTP answer: ${lines[0]!.slice(0, 40)}`);
      const headers: Record<string, string> = {};
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i]!;
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
      if (status >= 100 && status < 200) return this.buffered.length > 0; // an interim answer: the real one follows
      const length = headers['content-length'];
      const bodyLength =
        NO_BODY_STATUSES.has(status) || this.waiter?.req.method === 'HEAD'
          ? 0
          : headers['transfer-encoding']?.toLowerCase().includes('chunked')
            ? 'chunked'
            : length !== undefined
              ? Number(length)
              : 'close';
      if (typeof bodyLength === 'number' && !(Number.isInteger(bodyLength) && bodyLength >= 0)) throw new ConnectionError(`bad content-length ${length}`);
      this.answer = { status, headers, bodyLength, chunks: [], received: 0 };
    }
    const a = this.answer;
    if (a.bodyLength === 'close') {
      a.chunks.push(this.buffered);
      this.buffered = Buffer.alloc(0);
      return false;
    }
    if (a.bodyLength === 'chunked') {
      for (;;) {
        const lineEnd = this.buffered.indexOf(CRLF);
        if (lineEnd < 0) return false;
        const size = parseInt(this.buffered.toString('latin1', 0, lineEnd), 16);
        if (!Number.isInteger(size) || size < 0) throw new ConnectionError('bad chunk size');
        if (size === 0) {
          // the last chunk, then (no trailers from the hub) an empty line
          if (this.buffered.length < lineEnd + 4) return false;
          this.buffered = this.buffered.subarray(lineEnd + 4);
          break;
        }
        if (this.buffered.length < lineEnd + 2 + size + 2) return false;
        a.chunks.push(this.buffered.subarray(lineEnd + 2, lineEnd + 2 + size));
        this.buffered = this.buffered.subarray(lineEnd + 2 + size + 2);
      }
    } else {
      const want = a.bodyLength - a.received;
      const take = Math.min(want, this.buffered.length);
      if (take > 0) {
        a.chunks.push(this.buffered.subarray(0, take));
        a.received += take;
        this.buffered = this.buffered.subarray(take);
      }
      if (a.received < a.bodyLength) return false;
    }
    const w = this.waiter;
    const reply = this.reply();
    const keep = a.headers.connection?.toLowerCase() !== 'close';
    this.answer = undefined;
    this.waiter = undefined;
    if (!keep) {
      this.closed = true;
      this.socket.destroy();
    }
    w?.resolve(reply);
    this.onDone(this, keep);
    return keep && this.buffered.length > 0;
  }

  private reply(): PoolReply {
    const a = this.answer!;
    return { status: a.status, headers: a.headers, body: a.chunks.length === 1 ? a.chunks[0]! : Buffer.concat(a.chunks) };
  }
}

/** The connections to one host:port. */
class Origin {
  private readonly idle: Connection[] = [];
  private readonly waiting = new Fifo<Waiter>();
  private open = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxSockets: number,
  ) {}

  enqueue(w: Waiter): void {
    this.waiting.push(w);
    this.dispatch();
  }

  destroy(): void {
    for (const c of this.idle.splice(0)) c.socket.destroy();
  }

  private dispatch(): void {
    while (this.waiting.size > 0) {
      let conn = this.idle.pop();
      if (!conn) {
        if (this.open >= this.maxSockets) return;
        this.open++;
        conn = new Connection(connect(this.port, this.host), (c, keep) => this.done(c, keep));
      }
      const w = this.nextWaiter();
      if (!w) {
        this.idle.push(conn);
        return;
      }
      w.req.onSocket?.();
      conn.send(w, `${this.host}:${this.port}`);
      w.conn = conn;
    }
  }

  private nextWaiter(): Waiter | undefined {
    for (let w = this.waiting.shift(); w; w = this.waiting.shift()) if (!w.cancelled) return w;
    return undefined;
  }

  private done(c: Connection, keep: boolean): void {
    if (keep && !c.closed) {
      this.idle.push(c);
    } else {
      this.open--;
      const i = this.idle.indexOf(c);
      if (i >= 0) this.idle.splice(i, 1);
    }
    this.dispatch();
  }
}

export class HttpPool {
  private readonly origins = new Map<string, Origin>();

  constructor(readonly maxSockets: number) {}

  /**
   * Sends `req` to `base`'s host when a connection is free. `timeoutMs` runs from that moment; `queueMs`
   * bounds the wait for a connection. Rejects with ConnectionError, TimeoutError (no answer in time), or
   * UnsentError (no connection in time: the request was never sent).
   */
  request(base: URL, req: PoolRequest, timeoutMs: number, queueMs: number): Promise<PoolReply> {
    const key = `${base.hostname}:${base.port}`;
    let origin = this.origins.get(key);
    if (!origin) this.origins.set(key, (origin = new Origin(base.hostname, Number(base.port), this.maxSockets)));
    return new Promise<PoolReply>((resolve, reject) => {
      let timer: NodeJS.Timeout;
      let settled = false;
      const w: Waiter = {
        cancelled: false,
        req: {
          ...req,
          onSocket: () => {
            clearTimeout(timer);
            timer = setTimeout(() => fail(new TimeoutError(`no answer in ${timeoutMs} ms`)), timeoutMs);
            req.onSocket?.();
          },
        },
        resolve: (r) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(e);
        },
      };
      const fail = (e: Error) => {
        if (settled) return;
        w.cancelled = true;
        w.reject(e);
        w.conn?.abandon();
      };
      timer = setTimeout(() => fail(new UnsentError(`no connection in ${queueMs} ms`)), queueMs);
      origin.enqueue(w);
    });
  }

  /** Closes the idle connections (busy ones close once their answer is in, as the process ends). */
  destroy(): void {
    for (const o of this.origins.values()) o.destroy();
  }
}

export class TimeoutError extends Error {}

/** The request waited `queueMs` for a connection and was never sent: the client's limit, not the server's. */
export class UnsentError extends Error {}
