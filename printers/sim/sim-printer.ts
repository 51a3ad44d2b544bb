import net from 'node:net';
import { encodeStatus } from '../protocol/status.ts';
import type { PrinterEncoding } from '../render/encoding.ts';
import { EscPosDecoder, ticketText, type DecodedLine, type DecoderEvent } from './escpos-decoder.ts';

export interface SimPrinterOptions {
  /** what the printer decodes double-byte text as; default gb18030 */
  encoding?: PrinterEncoding;
  /** paper width in columns, to flag overflowing lines; default 48 */
  widthChars?: number;
  host?: string;
  /** 0 = a random free port */
  port?: number;
  /** slow print head: each printed line takes this long; default 0 */
  msPerLine?: number;
  /** receive buffer; the printer stops reading the socket when it is full (TCP backpressure); default 4096 */
  receiveBufferBytes?: number;
  /** answer each status byte in its own TCP segment */
  splitStatusReplies?: boolean;
  /** send automatic status (ASB) frames from connection start, as a printer with ASB enabled does */
  isAsbOnAtConnect?: boolean;
  /** a second connection while one is served: 'queue' (accepted, not read, like Epson UB-E02) or 'refuse' */
  busyConnections?: 'queue' | 'refuse';
  supportsGb18030FourByte?: boolean;
  /**
   * how many of the latest tickets `tickets` keeps; default all (tests read them). A long-running simulator
   * (the hub's embedded ones, the bench's) sets a bound: every ticket kept costs some kilobytes for good.
   */
  keepTickets?: number;
}

export interface SimTicket {
  /** what the paper shows: lines joined, trailing blank lines dropped */
  text: string;
  lines: DecodedLine[];
  beeps: ('epson' | 'esc-b')[];
  /** lines wider than the paper */
  overflowLines: DecodedLine[];
}

interface SimState {
  isPaperOut: boolean;
  isPaperNearEnd: boolean;
  isCoverOpen: boolean;
  hasError: boolean;
}

interface SimConnection {
  socket: net.Socket;
  received: number;
  dropAfter: number | undefined;
  isAsbOn: boolean;
  /** real-time command detector: 0 idle, 1 after DLE, 2 after DLE EOT */
  rt: number;
  /** output chain keeping replies in order when they are split into segments */
  out: Promise<void>;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A port-9100 printer on a real TCP socket. Decodes ESC/POS to text, records a ticket at each cut, answers
 * `DLE EOT n` on reception (even while holding a job), answers `GS r 1` only once everything before it has
 * printed, and misbehaves on request: paper out, cover open, slow head, reboot, silent power-off, drops.
 */
export class SimPrinter {
  readonly tickets: SimTicket[] = [];
  readonly stats = { connections: 0, refused: 0, maxServing: 0, maxBuffered: 0, bytesReceived: 0 };
  readonly #opts: Required<Omit<SimPrinterOptions, 'port'>>;
  #printedCount = 0;
  #port: number;
  #server: net.Server;
  readonly #decoder: EscPosDecoder;
  #active: SimConnection | null = null;
  readonly #waiting: SimConnection[] = [];
  readonly #all = new Set<net.Socket>();
  #rx: { conn: SimConnection; data: Buffer }[] = [];
  #rxBytes = 0;
  #lines: DecodedLine[] = [];
  #beeps: ('epson' | 'esc-b')[] = [];
  #isPumping = false;
  /** bumped by reboot/power events: a running pump from before stops */
  #epoch = 0;
  #state: SimState = { isPaperOut: false, isPaperNearEnd: false, isCoverOpen: false, hasError: false };
  #serving = 0;
  #isPoweredOff = false;
  #dropNext: number | undefined;
  #changed: () => void = () => undefined;
  #changedPromise: Promise<void> = this.#newChanged();
  readonly #ticketListeners = new Set<(t: SimTicket) => void>();

  private constructor(opts: SimPrinterOptions) {
    this.#opts = {
      encoding: opts.encoding ?? 'gb18030',
      widthChars: opts.widthChars ?? 48,
      host: opts.host ?? '127.0.0.1',
      msPerLine: opts.msPerLine ?? 0,
      receiveBufferBytes: opts.receiveBufferBytes ?? 4096,
      splitStatusReplies: opts.splitStatusReplies ?? false,
      isAsbOnAtConnect: opts.isAsbOnAtConnect ?? false,
      busyConnections: opts.busyConnections ?? 'queue',
      supportsGb18030FourByte: opts.supportsGb18030FourByte ?? false,
      keepTickets: opts.keepTickets ?? Number.POSITIVE_INFINITY,
    };
    this.#port = opts.port ?? 0;
    this.#decoder = new EscPosDecoder({
      encoding: this.#opts.encoding,
      supportsGb18030FourByte: this.#opts.supportsGb18030FourByte,
    });
    this.#server = this.#createServer();
  }

  static async start(opts: SimPrinterOptions = {}): Promise<SimPrinter> {
    const sim = new SimPrinter(opts);
    await sim.#listen();
    return sim;
  }

  get port(): number {
    return this.#port;
  }

  /** Tickets printed since start, including those no longer kept in `tickets`. */
  get printedCount(): number {
    return this.#printedCount;
  }

  get host(): string {
    return this.#opts.host;
  }

  /** True while the print engine waits for the rest of a half-received command. */
  get isMidCommand(): boolean {
    return this.#decoder.isMidCommand;
  }

  onTicket(listener: (t: SimTicket) => void): () => void {
    this.#ticketListeners.add(listener);
    return () => this.#ticketListeners.delete(listener);
  }

  /** Resolves once `count` tickets have been printed in total. */
  waitForTickets(count: number, timeoutMs: number): Promise<SimTicket[]> {
    if (this.#printedCount >= count) return Promise.resolve(this.tickets);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`only ${this.#printedCount} of ${count} tickets after ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onTicket(() => {
        if (this.#printedCount >= count) {
          clearTimeout(timer);
          off();
          resolve(this.tickets);
        }
      });
    });
  }

  // ---- faults -------------------------------------------------------------------------------------

  setPaperOut(on: boolean): void {
    this.#setState({ isPaperOut: on });
  }

  setPaperNearEnd(on: boolean): void {
    this.#setState({ isPaperNearEnd: on });
  }

  setCoverOpen(on: boolean): void {
    this.#setState({ isCoverOpen: on });
  }

  setError(on: boolean): void {
    this.#setState({ hasError: on });
  }

  setPrintSpeed(p: { msPerLine?: number; receiveBufferBytes?: number }): void {
    if (p.msPerLine !== undefined) this.#opts.msPerLine = p.msPerLine;
    if (p.receiveBufferBytes !== undefined) this.#opts.receiveBufferBytes = p.receiveBufferBytes;
  }

  /** The next served connection is closed by the printer after it has received `bytes` bytes. */
  dropNextConnectionAfter(bytes: number): void {
    this.#dropNext = bytes;
  }

  /** Silent power-off: sockets stay open, nothing is answered or printed, the buffer is lost. */
  powerOff(): void {
    this.#isPoweredOff = true;
    this.#forgetBuffer();
    this.#signal();
  }

  /** Power back on: a fresh printer that knows nothing of earlier connections. */
  powerOn(): void {
    for (const s of this.#all) s.destroy();
    this.#isPoweredOff = false;
    this.#forgetBuffer();
    this.#signal();
  }

  /**
   * Reboot: connections dropped, buffer forgotten, connections refused for `down` ms, or until `down`
   * settles (a test that must see the hub react while the printer is away). Resolves when back.
   */
  async reboot(down: number | Promise<unknown>): Promise<void> {
    this.#forgetBuffer();
    for (const s of this.#all) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await (typeof down === 'number' ? delay(down) : down.catch(() => undefined));
    this.#server = this.#createServer();
    await this.#listen();
  }

  async stop(): Promise<void> {
    this.#epoch++;
    this.#isPoweredOff = true;
    this.#signal();
    for (const s of this.#all) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- connections ----------------------------------------------------------------------------------

  #createServer(): net.Server {
    // allowHalfOpen: we decide when to answer the client's FIN (a silent printer never does)
    return net.createServer({ allowHalfOpen: true }, (socket) => this.#onConnection(socket));
  }

  #listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port, this.#opts.host, () => {
        this.#server.off('error', reject);
        const addr = this.#server.address();
        if (addr !== null && typeof addr === 'object') this.#port = addr.port;
        resolve();
      });
    });
  }

  #onConnection(socket: net.Socket): void {
    this.stats.connections++;
    this.#all.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => this.#all.delete(socket));
    const conn: SimConnection = { socket, received: 0, dropAfter: undefined, isAsbOn: false, rt: 0, out: Promise.resolve() };
    if (this.#isPoweredOff) {
      socket.on('data', () => undefined); // read and ignore, answer nothing
      return;
    }
    if (this.#active !== null) {
      if (this.#opts.busyConnections === 'refuse') {
        this.stats.refused++;
        socket.destroy();
        return;
      }
      socket.pause();
      this.#waiting.push(conn);
      socket.on('close', () => {
        const i = this.#waiting.indexOf(conn);
        if (i >= 0) this.#waiting.splice(i, 1);
      });
      return;
    }
    this.#serve(conn);
  }

  #serve(conn: SimConnection): void {
    this.#active = conn;
    this.#serving++;
    this.stats.maxServing = Math.max(this.stats.maxServing, this.#serving);
    conn.dropAfter = this.#dropNext;
    this.#dropNext = undefined;
    const { socket } = conn;
    socket.on('data', (d: Buffer) => this.#onData(conn, d));
    socket.on('end', () => {
      if (!this.#isPoweredOff) socket.end();
    });
    socket.on('close', () => {
      this.#serving--;
      if (this.#active !== conn) return;
      this.#active = null;
      const next = this.#waiting.shift();
      if (next !== undefined && !next.socket.destroyed) {
        this.#serve(next);
        next.socket.resume();
      }
    });
    if (this.#opts.isAsbOnAtConnect) {
      conn.isAsbOn = true;
      this.#reply(conn, Buffer.from(this.#status().asb));
    }
  }

  #onData(conn: SimConnection, chunk: Buffer): void {
    if (this.#isPoweredOff) return;
    let data = chunk;
    let shouldDrop = false;
    if (conn.dropAfter !== undefined && conn.received + data.length >= conn.dropAfter) {
      data = data.subarray(0, Math.max(0, conn.dropAfter - conn.received));
      shouldDrop = true;
    }
    conn.received += data.length;
    this.stats.bytesReceived += data.length;
    this.#answerRealtime(conn, data);
    if (data.length > 0) {
      this.#rx.push({ conn, data });
      this.#rxBytes += data.length;
      this.stats.maxBuffered = Math.max(this.stats.maxBuffered, this.#rxBytes);
      if (this.#rxBytes >= this.#opts.receiveBufferBytes) conn.socket.pause();
    }
    if (shouldDrop) conn.socket.destroy();
    void this.#pump();
  }

  /** `DLE EOT n` is answered on reception, whatever the print engine is doing. */
  #answerRealtime(conn: SimConnection, data: Buffer): void {
    const replies: number[] = [];
    for (const b of data) {
      if (conn.rt === 2) {
        conn.rt = 0;
        const s = this.#status();
        const reply = b === 1 ? s.printer : b === 2 ? s.offline : b === 3 ? s.error : b === 4 ? s.paper : null;
        if (reply !== null) replies.push(reply);
      } else if (conn.rt === 1) conn.rt = b === 0x04 ? 2 : b === 0x10 ? 1 : 0;
      else conn.rt = b === 0x10 ? 1 : 0;
    }
    if (replies.length > 0) this.#reply(conn, Buffer.from(replies));
  }

  #reply(conn: SimConnection, bytes: Buffer): void {
    if (this.#isPoweredOff) return;
    const write = (b: Buffer): void => {
      if (!conn.socket.destroyed && conn.socket.writable) conn.socket.write(b);
    };
    if (!this.#opts.splitStatusReplies) {
      conn.out = conn.out.then(() => write(bytes));
      return;
    }
    for (const b of bytes) {
      conn.out = conn.out.then(async () => {
        write(Buffer.from([b]));
        await delay(5); // separate segments: the reader sees one byte per 'data' event
      });
    }
  }

  // ---- print engine ---------------------------------------------------------------------------------

  #isHalted(): boolean {
    const s = this.#state;
    return this.#isPoweredOff || s.isPaperOut || s.isCoverOpen || s.hasError;
  }

  async #pump(): Promise<void> {
    if (this.#isPumping) return;
    this.#isPumping = true;
    const epoch = this.#epoch;
    try {
      for (;;) {
        while (this.#isHalted() && epoch === this.#epoch) await this.#changedPromise;
        const item = this.#rx[0];
        if (epoch !== this.#epoch || item === undefined) return;
        const slice = item.data.subarray(0, 256);
        item.data = item.data.subarray(slice.length);
        if (item.data.length === 0) this.#rx.shift();
        this.#rxBytes -= slice.length;
        if (this.#rxBytes < this.#opts.receiveBufferBytes && !item.conn.socket.destroyed) item.conn.socket.resume();
        for (const e of this.#decoder.push(slice)) {
          while (this.#isHalted() && epoch === this.#epoch) await this.#changedPromise;
          if (epoch !== this.#epoch) return;
          await this.#handle(e, item.conn, epoch);
        }
      }
    } finally {
      if (epoch === this.#epoch) this.#isPumping = false;
    }
  }

  async #handle(e: DecoderEvent, conn: SimConnection, epoch: number): Promise<void> {
    switch (e.type) {
      case 'line':
        if (this.#opts.msPerLine > 0) await delay(this.#opts.msPerLine);
        // a reboot or power-off while the head was on this line forgot it with the rest of the buffer
        if (epoch !== this.#epoch) return;
        this.#lines.push(e.line);
        return;
      case 'cut': {
        const lines = this.#lines;
        const ticket: SimTicket = {
          text: ticketText(lines),
          lines,
          beeps: this.#beeps,
          overflowLines: lines.filter((l) => l.columns > this.#opts.widthChars),
        };
        this.#lines = [];
        this.#beeps = [];
        this.tickets.push(ticket);
        this.#printedCount++;
        if (this.tickets.length > this.#opts.keepTickets) this.tickets.splice(0, this.tickets.length - this.#opts.keepTickets);
        for (const l of this.#ticketListeners) l(ticket);
        return;
      }
      case 'beep':
        this.#beeps.push(e.model);
        return;
      case 'barrier': {
        // GS r 1: paper sensor status, sent now that everything before it has been processed
        const paper = this.#state.isPaperNearEnd ? 0x03 : 0x00;
        this.#reply(conn, Buffer.from([paper]));
        return;
      }
      case 'asb':
        conn.isAsbOn = e.n !== 0;
        if (conn.isAsbOn) this.#reply(conn, Buffer.from(this.#status().asb));
        return;
      case 'init':
        conn.isAsbOn = false; // ESC @ ends ASB (UB-E02 §4.4)
        return;
      case 'unknown':
        return;
    }
  }

  // ---- state ----------------------------------------------------------------------------------------

  #status(): ReturnType<typeof encodeStatus> {
    return encodeStatus(this.#state);
  }

  #setState(patch: Partial<SimState>): void {
    this.#state = { ...this.#state, ...patch };
    const conn = this.#active;
    if (conn?.isAsbOn) this.#reply(conn, Buffer.from(this.#status().asb));
    this.#signal();
  }

  #forgetBuffer(): void {
    this.#epoch++;
    this.#isPumping = false;
    this.#rx = [];
    this.#rxBytes = 0;
    this.#lines = [];
    this.#beeps = [];
    this.#decoder.reset();
    this.#signal(); // wake a pump from before so it sees the new epoch and stops
  }

  #newChanged(): Promise<void> {
    return new Promise((resolve) => {
      this.#changed = resolve;
    });
  }

  #signal(): void {
    const resolve = this.#changed;
    this.#changedPromise = this.#newChanged();
    resolve();
  }
}
