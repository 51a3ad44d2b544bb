import net from 'node:net';
import { statusRequest } from '../protocol/commands.ts';
import { ReplyParser } from '../protocol/reply-parser.ts';
import { decodeAsb, decodeStatus, type PrinterStatus } from '../protocol/status.ts';
import type { NotSentReason } from './types.ts';

export const TIMED_OUT: unique symbol = Symbol('timed-out');

/** Resolve with `p`, or with TIMED_OUT after `ms`. The timer never outlives the race. */
export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type OpenResult = { ok: true; connection: PrinterConnection } | { ok: false; reason: NotSentReason; detail: string };

/**
 * One TCP connection to a port-9100 printer. It owns the socket: every byte the printer sends is parsed
 * once here and handed out as status replies (matched first-in first-out to `DLE EOT` requests), barrier
 * replies and ASB frames. Waiters are settled with null when the connection closes, never rejected.
 */
export class PrinterConnection {
  readonly #socket: net.Socket;
  readonly #parser = new ReplyParser();
  /** one entry per `DLE EOT` request still unanswered; late replies land in stale entries, keeping order */
  readonly #statusWaiters: ((b: number | null) => void)[] = [];
  #barrierWaiter: ((b: number | null) => void) | null = null;
  #isClosed = false;
  #error: string | undefined;
  readonly closed: Promise<void>;
  /** the latest automatic status frame, if the printer sends ASB */
  lastAsb: PrinterStatus | null = null;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const r of this.#parser.push(chunk)) {
        if (r.type === 'realtime-status') this.#statusWaiters.shift()?.(r.byte);
        else if (r.type === 'barrier') {
          const w = this.#barrierWaiter;
          this.#barrierWaiter = null;
          w?.(r.byte);
        } else if (r.type === 'asb') this.lastAsb = decodeAsb(r.frame);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.#error = err.code ?? err.message;
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.#isClosed = true;
        for (const w of this.#statusWaiters.splice(0)) w(null);
        this.#barrierWaiter?.(null);
        this.#barrierWaiter = null;
        resolve();
      });
    });
  }

  static open(host: string, port: number, timeoutMs: number): Promise<OpenResult> {
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ ok: false, reason: 'connect-timeout', detail: `no connection within ${timeoutMs} ms` });
      }, timeoutMs);
      const onError = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        socket.destroy();
        const code = err.code ?? err.message;
        resolve({ ok: false, reason: code === 'ECONNREFUSED' ? 'connect-refused' : 'connect-timeout', detail: code });
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve({ ok: true, connection: new PrinterConnection(socket) });
      });
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  get error(): string | undefined {
    return this.#error;
  }

  /** Bytes handed to the socket but not yet to the kernel. */
  get pendingWriteBytes(): number {
    return this.#socket.writableLength;
  }

  /**
   * `DLE EOT 1`, `2`, `4` in one write; the printer answers each in real time. Null on timeout (the waiters
   * stay queued so late replies cannot be mistaken for the next request's), 'closed' if the socket closed.
   */
  async requestStatus(timeoutMs: number): Promise<PrinterStatus | null | 'closed'> {
    if (this.#isClosed) return 'closed';
    const replies = [1, 2, 4].map(() => new Promise<number | null>((resolve) => this.#statusWaiters.push(resolve)));
    this.#socket.write(Buffer.concat([statusRequest(1), statusRequest(2), statusRequest(4)]));
    const r = await withTimeout(Promise.all(replies), timeoutMs);
    if (r === TIMED_OUT) return null;
    const [printer, offline, paper] = r;
    if (printer == null || offline == null || paper == null) return 'closed';
    return decodeStatus(printer, offline, paper);
  }

  /**
   * Write `data` in chunks, waiting for `drain` whenever the socket buffer is full (a slow printer stops
   * reading). 'stalled' when no drain came within `stallTimeoutMs`.
   */
  async write(data: Uint8Array, stallTimeoutMs: number): Promise<'ok' | 'stalled' | 'closed'> {
    const CHUNK = 16 * 1024;
    for (let off = 0; off < data.length; off += CHUNK) {
      if (this.#isClosed) return 'closed';
      const isFlowing = this.#socket.write(data.subarray(off, off + CHUNK));
      if (!isFlowing) {
        const drained = new Promise<'drain' | 'close'>((resolve) => {
          const onDrain = (): void => {
            this.#socket.off('close', onClose);
            resolve('drain');
          };
          const onClose = (): void => {
            this.#socket.off('drain', onDrain);
            resolve('close');
          };
          this.#socket.once('drain', onDrain);
          this.#socket.once('close', onClose);
        });
        const r = await withTimeout(drained, stallTimeoutMs);
        if (r === TIMED_OUT) return 'stalled';
        if (r === 'close') return 'closed';
      }
    }
    return this.#isClosed ? 'closed' : 'ok';
  }

  /** Register for the next `GS r` reply; call before writing the barrier. Null if the socket closes first. */
  nextBarrierReply(): Promise<number | null> {
    if (this.#isClosed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.#barrierWaiter = resolve;
    });
  }

  /**
   * Close with `end()` (FIN), never `destroy()` first: a reset would drop the unsent tail of a job when the
   * printer has sent bytes nobody read (RFC 1122 §4.2.2.13). Destroys only if the printer does not close
   * its side within `timeoutMs`.
   */
  async end(timeoutMs: number): Promise<void> {
    if (this.#isClosed) return;
    this.#socket.end();
    const r = await withTimeout(this.closed, timeoutMs);
    if (r === TIMED_OUT) {
      this.#socket.destroy();
      await this.closed;
    }
  }

  /** For a connection whose printer stopped answering: nothing useful can still arrive. */
  destroy(): void {
    this.#socket.destroy();
  }
}
