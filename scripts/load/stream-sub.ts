/**
 * One live stream socket as a KDS screen or a listening tablet holds it: hello with lastSeq, events in seq
 * order, resume with lastSeq after a drop. It records exactly what it received (seq runs and a hash of
 * seq:type) so the verifier can compare against the hub's `events` table afterwards.
 *
 * Two ways to read frames. `full` parses every frame (KDS screens need the lines). `scan` reads only the seq,
 * type and placed order id of each event with a regex over the frame text, which is what lets a 2-core
 * machine hold 200 sockets next to the hub; frames byte-identical to a recent one (every all-topics socket
 * gets the same bytes) reuse its scan. The scanner checks itself against JSON.parse on a sample of frames
 * and throws if they ever disagree.
 *
 * Sockets offer compression as browsers do. The hub compresses a frame once for all the sockets of a
 * subscription, so byte-identical compressed messages are inflated once per worker process
 * (shareInflation), as identical frames are scanned once: a real screen inflates its own, on its own CPU.
 */
import WebSocket from 'ws';
import { FNV_OFFSET, fnv1a, type SegmentRecord, type SubscriberRecord } from './records.ts';
import { nowMs, sleep } from './http.ts';

export interface WireEvent {
  seq: number;
  type: string;
  /** Present in `full` mode. */
  payload?: unknown;
  /** The order id of an `order.placed`. */
  placedId?: string | undefined;
}

export type Frame =
  | { type: 'events'; events: WireEvent[]; upToSeq: number }
  | { type: 'welcome'; epoch: string; headSeq: number; fromSeq: number }
  | { type: 'reset'; reason: string; epoch: string; headSeq: number }
  | { type: 'error'; code: string; message: string };

const EVENT_HEAD = /\{"seq":(\d+),"type":"([a-z_.]+)"/g;
const PLACED_ID = /,"at":-?\d+,"deviceId":(?:null|"[^"]*"),"staffId":(?:null|"[^"]*"),"payload":\{"order":\{"id":"([^"]+)"/y;
const UP_TO = /"upToSeq":(\d+)\}$/;
const EVENTS_PREFIX = Buffer.from('{"type":"events"');
const CHECK_FIRST = 16;
const CHECK_EVERY = 97;

function parseFull(text: string): Frame {
  const msg = JSON.parse(text) as Frame & { events?: { seq: number; type: string; payload: unknown }[] };
  if (msg.type !== 'events') return msg;
  return {
    type: 'events',
    upToSeq: msg.upToSeq,
    events: (msg.events ?? []).map((e) => ({
      seq: e.seq,
      type: e.type,
      payload: e.payload,
      placedId: e.type === 'order.placed' ? (e.payload as { order?: { id?: string } }).order?.id : undefined,
    })),
  };
}

function scanEvents(text: string): Frame {
  const events: WireEvent[] = [];
  EVENT_HEAD.lastIndex = 0;
  for (let m = EVENT_HEAD.exec(text); m; m = EVENT_HEAD.exec(text)) {
    const e: WireEvent = { seq: Number(m[1]), type: m[2]! };
    if (e.type === 'order.placed') {
      PLACED_ID.lastIndex = EVENT_HEAD.lastIndex;
      const p = PLACED_ID.exec(text);
      if (p) e.placedId = p[1];
    }
    events.push(e);
  }
  const up = UP_TO.exec(text);
  if (!up) throw new Error(`scanner: no upToSeq at the end of an events frame: …${text.slice(-80)}`);
  return { type: 'events', events, upToSeq: Number(up[1]) };
}

/** Reads frames; shared by the sockets of one worker so identical frames are scanned once. */
export class FrameScanner {
  private readonly recent: { buf: Buffer; frame: Frame }[] = [];
  private scanned = 0;
  checked = 0;

  read(data: Buffer, mode: 'full' | 'scan'): Frame {
    if (mode === 'full' || !EVENTS_PREFIX.equals(data.subarray(0, EVENTS_PREFIX.length))) return parseFull(data.toString('utf8'));
    // compare bytes before decoding: 100 sockets of one worker get the same 100 kB frame (the very same
    // Buffer when it came compressed)
    for (const r of this.recent) if (r.buf === data || (r.buf.length === data.length && r.buf.equals(data))) return r.frame;
    const text = data.toString('utf8');
    const frame = scanEvents(text);
    this.scanned++;
    if (this.scanned <= CHECK_FIRST || this.scanned % CHECK_EVERY === 0) this.check(text, frame);
    this.recent.push({ buf: data, frame });
    if (this.recent.length > 8) this.recent.shift();
    return frame;
  }

  /** The fast path must agree with JSON.parse; if the hub's frame format changes, fail loudly. */
  private check(text: string, scanned: Frame): void {
    this.checked++;
    const full = parseFull(text);
    const a = JSON.stringify(scanned.type === 'events' ? [scanned.upToSeq, scanned.events.map((e) => [e.seq, e.type, e.placedId ?? null])] : null);
    const b = JSON.stringify(full.type === 'events' ? [full.upToSeq, full.events.map((e) => [e.seq, e.type, e.placedId ?? null])] : null);
    if (a !== b) throw new Error(`frame scanner disagrees with JSON.parse: ${a.slice(0, 200)} vs ${b.slice(0, 200)}`);
  }
}

type InflateCb = (err: Error | null, out?: Buffer) => void;
interface Inflater {
  decompress(data: Buffer, fin: boolean, cb: InflateCb): void;
}
interface Inflation {
  deflated: Buffer;
  inflated?: Buffer;
  /** Sockets that got the same bytes while the first one's inflation was still running. */
  waiting: InflateCb[];
}
const recentInflations: Inflation[] = [];

/**
 * ws inflates each socket's messages on its own and has no hook for sharing that work, so this wraps the
 * socket's permessage-deflate instance (ws 8's internals; checked, so a change fails the run loudly). A
 * whole message byte-identical to a recent one gets that one's result, asynchronously as ws's own would.
 */
function shareInflation(ws: WebSocket): void {
  if (!ws.extensions.includes('permessage-deflate')) return;
  const pmd = (ws as unknown as { _extensions?: Record<string, Inflater> })._extensions?.['permessage-deflate'];
  if (typeof pmd?.decompress !== 'function') throw new Error('ws internals changed: no permessage-deflate instance to share inflation through');
  const own = pmd.decompress.bind(pmd);
  // only whole single-frame messages are shared: a fragment's output depends on the fragments before it
  let midMessage = false;
  pmd.decompress = (data, fin, cb) => {
    const whole = fin && !midMessage;
    midMessage = !fin;
    if (!whole) return own(data, fin, cb);
    const known = recentInflations.find((r) => r.deflated.length === data.length && r.deflated.equals(data));
    if (known?.inflated) return void process.nextTick(cb, null, known.inflated);
    if (known) return void known.waiting.push(cb);
    // `data` may be a view into ws's receive buffer: keep a copy
    const entry: Inflation = { deflated: Buffer.from(data), waiting: [cb] };
    recentInflations.push(entry);
    if (recentInflations.length > 8) recentInflations.shift();
    own(data, fin, (err, out) => {
      if (out && !err) entry.inflated = out;
      else if (recentInflations.includes(entry)) recentInflations.splice(recentInflations.indexOf(entry), 1);
      for (const w of entry.waiting.splice(0)) w(err, out);
    });
  };
}

export interface SubscriberOptions {
  wsUrl: string;
  token: string;
  /** null: every topic. */
  topics: string[] | null;
  label: string;
  worker: string;
  mode: 'full' | 'scan';
  scanner: FrameScanner;
  /** Full mode: called with each frame's events after they were recorded. */
  onEvents?: (events: WireEvent[]) => void;
  /** Called for each order.placed with the monotonic receive time. */
  onPlaced?: (orderId: string, at: number) => void;
  maxReconnects?: number;
}

const MAX_VIOLATIONS_KEPT = 20;
const CONNECT_TIMEOUT_MS = 10_000;

export class Subscriber {
  private ws: WebSocket | undefined;
  private readonly segments: (SegmentRecord & { lastSeq: number })[] = [];
  private current: (SegmentRecord & { lastSeq: number }) | undefined;
  private closing = false;
  private reconnects = 0;
  private resets = 0;
  private epoch = '';
  private readonly violations: string[] = [];
  private violationCount = 0;
  private lastFrameAt = 0;
  private welcomed: (() => void) | undefined;
  private reconnecting = false;
  private endHead = 0;
  private reachedEnd = false;
  /** The lastSeq the first hello asked to resume after: its welcome must start there, or events were skipped. */
  private asked: number | undefined;

  constructor(private readonly o: SubscriberOptions) {}

  get upToSeq(): number {
    return this.current?.upToSeq ?? -1;
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Connects and says hello with `lastSeq` (resume point) and the epoch it belongs to; resolves on welcome. */
  start(lastSeq: number | undefined, epoch: string): Promise<void> {
    this.epoch = epoch;
    this.asked = lastSeq;
    return this.connect(lastSeq);
  }

  /**
   * Waits until the subscriber has caught up with `head`: its upToSeq reaches it. A filtered subscriber's
   * upToSeq moves only with its next matching event (the hub skips frames with nothing for it), so it asks
   * the hub with `sync`, whose answer carries how far it has been sent.
   */
  async settle(head: number, timeoutMs: number, syncEveryMs = 200): Promise<boolean> {
    this.endHead = Math.max(this.endHead, head);
    const end = nowMs() + timeoutMs;
    let lastSync = 0;
    for (;;) {
      if (this.upToSeq >= head) return (this.reachedEnd = true);
      if (nowMs() >= end) return (this.reachedEnd = false);
      if (this.isOpen && this.current && nowMs() - lastSync >= syncEveryMs) {
        lastSync = nowMs();
        this.ws?.send('{"type":"sync"}');
      }
      await sleep(20);
    }
  }

  close(): void {
    this.closing = true;
    this.ws?.close(1000, 'load run over');
  }

  record(): SubscriberRecord {
    return {
      w: this.o.worker,
      sub: this.o.label,
      topics: this.o.topics,
      segments: this.segments.map(({ lastSeq: _l, ...s }) => s),
      endHead: this.endHead,
      reachedEnd: this.reachedEnd,
      resets: this.resets,
      violations: this.violations,
      violationCount: this.violationCount,
    };
  }

  private violation(what: string): void {
    this.violationCount++;
    if (this.violations.length < MAX_VIOLATIONS_KEPT) this.violations.push(what);
  }

  private connect(lastSeq: number | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const url = `${this.o.wsUrl}?token=${encodeURIComponent(this.o.token)}`;
      const ws = new WebSocket(url, { skipUTF8Validation: true, handshakeTimeout: CONNECT_TIMEOUT_MS });
      this.ws = ws;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`${this.o.label}: no welcome in ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      this.welcomed = () => {
        clearTimeout(timer);
        resolve();
      };
      ws.on('open', () => {
        shareInflation(ws);
        const hello: Record<string, unknown> = { type: 'hello', epoch: this.epoch };
        if (lastSeq !== undefined) hello.lastSeq = lastSeq;
        if (this.o.topics) hello.topics = this.o.topics;
        ws.send(JSON.stringify(hello));
      });
      ws.on('message', (data: Buffer) => {
        let frame: Frame;
        try {
          frame = this.o.scanner.read(data, this.o.mode);
        } catch (err) {
          // e.g. the scanner disagreeing with JSON.parse: recorded, so the verifier fails the run
          this.violation(`unreadable frame: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
        this.onFrame(frame);
      });
      ws.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.on('close', (code) => {
        clearTimeout(timer);
        // a drop is not a violation by itself: resuming from upToSeq must make the segment whole
        if (this.closing || ws !== this.ws || !this.current) return;
        void this.resume(code);
      });
    });
  }

  /** A dropped socket (e.g. 4008 too slow) reconnects and resumes from its last upToSeq. Bounded in count. */
  private async resume(code: number): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    const max = this.o.maxReconnects ?? 20;
    while (!this.closing && this.reconnects < max) {
      this.reconnects++;
      await sleep(100 + Math.random() * 400);
      if (this.closing) break;
      if (this.current) this.current.resumes++;
      try {
        await this.connect(this.current?.upToSeq);
        break;
      } catch {
        /* try again */
      }
    }
    if (!this.closing && !this.isOpen) this.violation(`closed with ${code}; gave up after ${this.reconnects} reconnects`);
    this.reconnecting = false;
  }

  private onFrame(f: Frame): void {
    this.lastFrameAt = nowMs();
    switch (f.type) {
      case 'welcome': {
        if (this.current && this.current.resumes > 0) {
          if (f.fromSeq !== this.current.upToSeq) this.violation(`resumed from ${this.current.upToSeq} but welcome says fromSeq ${f.fromSeq}`);
        } else {
          // the verifier owes the subscriber only what follows its welcome's fromSeq: a welcome later than
          // the seq asked for would hide the events between from it
          if (this.asked !== undefined && f.fromSeq !== this.asked) this.violation(`asked for events after ${this.asked} but welcome says fromSeq ${f.fromSeq}`);
          this.asked = undefined;
          this.current = { fromSeq: f.fromSeq, upToSeq: f.fromSeq, ranges: [], count: 0, hash: FNV_OFFSET, resumes: 0, lastSeq: f.fromSeq };
          this.segments.push(this.current);
        }
        this.welcomed?.();
        this.welcomed = undefined;
        return;
      }
      case 'reset': {
        // the hub could not replay our gap: a real client reloads a snapshot; we start a new segment
        this.resets++;
        this.violation(`reset (${f.reason}) at head ${f.headSeq}`);
        this.current = undefined;
        this.asked = undefined; // the hello below asks for no lastSeq
        this.ws?.send(JSON.stringify({ type: 'hello', ...(this.o.topics ? { topics: this.o.topics } : {}) }));
        return;
      }
      case 'error':
        this.violation(`stream error ${f.code}: ${f.message}`);
        return;
      case 'events':
        this.onEvents(f);
    }
  }

  private onEvents(f: { events: WireEvent[]; upToSeq: number }): void {
    const seg = this.current;
    if (!seg) {
      this.violation(`events before welcome (upToSeq ${f.upToSeq})`);
      return;
    }
    if (f.upToSeq < seg.upToSeq) this.violation(`upToSeq went back from ${seg.upToSeq} to ${f.upToSeq}`);
    const at = nowMs();
    for (const e of f.events) {
      if (e.seq <= seg.lastSeq) this.violation(`seq ${e.seq} after ${seg.lastSeq} (duplicate or out of order)`);
      else if (e.seq <= seg.upToSeq) this.violation(`seq ${e.seq} arrived after upToSeq ${seg.upToSeq} had passed it`);
      if (e.seq > f.upToSeq) this.violation(`seq ${e.seq} beyond its frame's upToSeq ${f.upToSeq}`);
      const last = seg.ranges[seg.ranges.length - 1];
      if (last && e.seq === last[1] + 1) last[1] = e.seq;
      else seg.ranges.push([e.seq, e.seq]);
      seg.count++;
      seg.hash = fnv1a(`${e.seq}:${e.type};`, seg.hash);
      if (e.seq > seg.lastSeq) seg.lastSeq = e.seq;
      if (e.placedId && this.o.onPlaced) this.o.onPlaced(e.placedId, at);
    }
    if (f.upToSeq > seg.upToSeq) seg.upToSeq = f.upToSeq;
    this.o.onEvents?.(f.events);
  }
}
