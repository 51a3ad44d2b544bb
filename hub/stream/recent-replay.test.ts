/**
 * What a reconnect costs the hub, on a real store (a SQLite file written by the writer), real sockets and the
 * stream server: a phone's replay is served from the latest events held in memory (recent-events.ts), never
 * read from the log, and is still exactly its table's events after its lastSeq, in seq order, as a guest
 * hears them. A phone that reconnected with a lastSeq 1,000 events back made the hub read and filter all
 * 1,000 rows of the log, for the few dozen of its table, as often as its sockets allowed (four tables' QR
 * tokens doing it took most of the hub's thread).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Principal } from '../domain/principal.ts';
import { eventForPublic } from '../domain/public-reads.ts';
import { openDb, type Db } from '../store/db.ts';
import { EventLog, type LoggedEvent } from '../store/event-log.ts';
import { Writer } from '../store/writer.ts';
import { RECENT_EVENTS_MAX_BYTES, StreamServer, type StreamOptions } from './stream-server.ts';

/** The log, counting the rows a replay reads from it. */
class CountingLog extends EventLog {
  rowsRead = 0;
  /** Reads of rows throw SQLite's error for a damaged page. */
  spoilt = false;
  override after(afterSeq: number, limit: number): LoggedEvent[] {
    if (this.spoilt) throw Object.assign(new Error('database disk image is malformed'), { code: 'SQLITE_CORRUPT' });
    const rows = super.after(afterSeq, limit);
    this.rowsRead += rows.length;
    return rows;
  }
  override firstAtAfter(afterSeq: number): number | undefined {
    this.rowsRead++;
    return super.firstAtAfter(afterSeq);
  }
}

const PUBLIC_REPLAY = 1000;
const TABLES = 20;
const PHONE_TOPICS = ['table:t-3', 'menu', 'kitchen'];
const principals: Record<string, Principal> = {
  'phone-t-3': { kind: 'table', tableId: 't-3' },
  kds: { kind: 'device', deviceId: 'd-kds', deviceKind: 'kds' },
};

let dir: string;
let db: Db;
let log: CountingLog;
let writer: Writer;
let server: Server;
let stream: StreamServer;
/** Every event committed, as the writer published it. */
let committed: LoggedEvent[];
const sockets: WebSocket[] = [];

function startStream(options: Partial<StreamOptions> = {}): Promise<void> {
  stream = new StreamServer({
    epoch: 'e1',
    log,
    logger: pino({ level: 'silent' }),
    pingMs: 3_600_000,
    maxBufferBytes: 64 << 20,
    maxReplay: 50_000,
    maxPublicReplay: PUBLIC_REPLAY,
    replayPage: 100,
    deflateMinSockets: 0,
    authenticate: (token): Principal => principals[token ?? ''] ?? { kind: 'anonymous' },
    ...options,
  });
  server = createServer();
  stream.attach(server);
  return new Promise((r) => server.listen(0, '127.0.0.1', r));
}

async function stopStream(): Promise<void> {
  for (const s of sockets.splice(0)) s.terminate();
  await stream.close(0);
  await new Promise<void>((r) => server.close(() => r()));
}

/** A busy night's log: orders of every table (a waiter's, with staff names), some sold-out counts, pacing, floor calls. */
async function commit(n: number): Promise<void> {
  const jobs: Promise<number>[] = [];
  for (let k = 0; k < n; k++) {
    const i = committed.length + k;
    const tableId = `t-${i % TABLES}`;
    const [type, topics] =
      i % 10 === 9 ? ['menu.stock_changed', ['menu']] : i % 50 === 24 ? ['kitchen.pacing_changed', ['kitchen']] : i % 25 === 7 ? ['floor.waiter_called', ['floor', `table:${tableId}`]] : ['order.placed', ['orders', `table:${tableId}`, 'station:hot']];
    const payload = {
      order: { id: `o-${i}`, tableId, staffId: 's-waiter', staffName: '王芳 Wang Fang', note: '不要香菜 no coriander '.repeat(20), lines: [{ id: `l-${i}`, addedByStaffId: 's-waiter', name: '麻婆豆腐 Mapo tofu' }] },
    };
    jobs.push(writer.submit((tx) => tx.append({ type: type as 'order.placed', payload: payload as never, topics, deviceId: 'd-pos', staffId: 's-waiter' })));
  }
  await Promise.all(jobs);
}

const head = () => log.head();
const seqs = (events: { seq: number }[]) => events.map((e) => e.seq);
const hears = (topics: readonly string[]) => (e: LoggedEvent) => e.topics.some((t) => topics.includes(t));

interface Socket {
  ws: WebSocket;
  /** The close code, once closed. */
  closed: Promise<number>;
  messages: any[];
  events(): any[];
  hello(lastSeq: number): void;
  waitFor(pred: (m: any[]) => boolean, timeoutMs?: number): Promise<void>;
}

function open(token: string): Promise<Socket> {
  const { port } = server.address() as AddressInfo;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream?token=${token}`);
  sockets.push(ws);
  const messages: any[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)));
    for (const w of waiters) w();
  });
  const socket: Socket = {
    ws,
    closed: Promise.resolve(0),
    messages,
    events: () => messages.filter((m) => m.type === 'events').flatMap((m) => m.events),
    hello: (lastSeq) => ws.send(JSON.stringify({ type: 'hello', lastSeq, epoch: 'e1' })),
    waitFor: (pred, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pred(messages)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`not met; got ${JSON.stringify(messages).slice(0, 1000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
  socket.ws = ws;
  socket.closed = new Promise((r) => ws.once('close', (code) => r(code)));
  // a waiter may be waiting for the close too
  ws.once('close', () => setImmediate(() => [...waiters].forEach((w) => w())));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('error', reject);
  });
}

/** Says hello from `lastSeq` and waits until the socket has been sent everything up to `to`. */
async function replay(socket: Socket, lastSeq: number, to: number): Promise<void> {
  const before = socket.messages.length;
  socket.hello(lastSeq);
  await socket.waitFor((m) => m.slice(before).some((x) => x.type === 'reset' || (x.type === 'events' && x.upToSeq >= to)));
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'brigade-replay-'));
  db = openDb(join(dir, 'brigade.db'));
  log = new CountingLog(db);
  committed = [];
  await startStream();
  writer = new Writer(db, { clock: Date.now, maxBatch: 64, maxQueue: 10_000, onCommit: (events) => (committed.push(...events), stream.publish(events)) });
});

afterEach(async () => {
  await stopStream();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a phone's reconnect", () => {
  it('is served from memory: exactly its table’s, the menu’s and the kitchen’s events after its lastSeq, in order, as a guest hears them; no log row read but the one that dates the gap', async () => {
    await commit(1200);
    const to = head();
    const lastSeq = to - 900;
    // what the log holds of the gap for this phone, as a guest may hear it
    const expected = log.after(lastSeq, 900).filter(hears(PHONE_TOPICS));
    const phone = await open('phone-t-3');
    log.rowsRead = 0;
    await replay(phone, lastSeq, to);

    expect(phone.messages[0]).toMatchObject({ type: 'welcome', fromSeq: lastSeq, headSeq: to });
    expect(expected.length).toBeGreaterThan(100);
    expect(phone.events()).toEqual(expected.map((e) => eventForPublic(JSON.parse(e.json))));
    for (const e of phone.events()) {
      expect(e.staffId).toBeNull();
      if (e.payload.order) expect(e.payload.order).toMatchObject({ staffId: null, staffName: null, lines: [{ addedByStaffId: null }] });
    }
    // before: 900 rows of the log (a page of 250 at a time, every table's), for the ~150 that were its own
    expect(log.rowsRead).toBeLessThanOrEqual(1);

    // each of the hellos a socket may say again costs no more
    for (let i = 0; i < 4; i++) await replay(phone, lastSeq, to);
    expect(log.rowsRead).toBeLessThanOrEqual(5);

    // then live, from where the replay ended: nothing twice, nothing missed
    const heard = phone.events().length;
    await commit(60);
    const mineLive = committed.filter((e) => e.seq > to && hears(PHONE_TOPICS)(e));
    await phone.waitFor(() => seqs(phone.events()).includes(mineLive.at(-1)!.seq));
    expect(seqs(phone.events().slice(heard))).toEqual(seqs(mineLive));
    expect(log.rowsRead).toBeLessThanOrEqual(5);
  });

  it('after a restart too: the latest events are read from the log once, when the stream starts, not per hello', async () => {
    await commit(1200);
    await stopStream();
    log.rowsRead = 0;
    await startStream();
    // read once, at most as many as a phone may replay
    expect(log.rowsRead).toBeLessThanOrEqual(PUBLIC_REPLAY);
    const to = head();
    const phone = await open('phone-t-3');
    log.rowsRead = 0;
    await replay(phone, to - 900, to);
    expect(seqs(phone.events())).toEqual(seqs(committed.filter((e) => e.seq > to - 900 && hears(PHONE_TOPICS)(e))));
    expect(log.rowsRead).toBeLessThanOrEqual(1);
  });

  it('further back than the events held is told to reload (reset), never served from the log', async () => {
    await commit(1100);
    const to = head();
    const phone = await open('phone-t-3');
    log.rowsRead = 0;
    await replay(phone, to - PUBLIC_REPLAY - 1, to);
    expect(phone.messages.at(-1)).toMatchObject({ type: 'reset', reason: 'too-far-behind', headSeq: to });
    await replay(phone, to - PUBLIC_REPLAY, to);
    expect(seqs(phone.events())).toEqual(seqs(committed.filter((e) => e.seq > to - PUBLIC_REPLAY && hears(PHONE_TOPICS)(e))));
    expect(log.rowsRead).toBeLessThanOrEqual(2);
  });

  it('gets an event the log holds that was never published (written past the writer), read from the log once', async () => {
    await commit(300);
    const to = head();
    db.prepare("INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES ('order.placed', ?, NULL, NULL, 'orders table:t-3', '{}')").run(Date.now());
    const phone = await open('phone-t-3');
    log.rowsRead = 0;
    await replay(phone, to - 100, to + 1);
    expect(seqs(phone.events())).toEqual([...seqs(committed.filter((e) => e.seq > to - 100 && hears(PHONE_TOPICS)(e))), to + 1]);
    const kds = await open('kds');
    await replay(kds, to - 100, to + 1);
    expect(seqs(kds.events())).toEqual([...seqs(committed.filter((e) => e.seq > to - 100)), to + 1]);
    // the dating row, and the unpublished event once
    expect(log.rowsRead).toBe(2);
  });
});

describe("a staff screen's reconnect", () => {
  it('pages through the events held in memory without reading the log, and through the log further back: every event once, in seq order', async () => {
    await commit(1600);
    const to = head();
    const kds = await open('kds');
    log.rowsRead = 0;
    await replay(kds, to - 900, to);
    expect(seqs(kds.events())).toEqual(seqs(committed.filter((e) => e.seq > to - 900)));
    expect(kds.messages.filter((m) => m.type === 'events').length).toBe(9); // pages of 100, as before
    expect(log.rowsRead).toBe(0);

    const far = await open('kds');
    await replay(far, to - 1500, to);
    expect(seqs(far.events())).toEqual(seqs(committed.filter((e) => e.seq > to - 1500)));
    // the 500 events older than those held, from the log
    expect(log.rowsRead).toBe(500);
  });
});

/** `n` events of one table, each with `chars` of note (ASCII: as many bytes on the wire). */
async function commitBig(n: number, tableId: string, chars: number): Promise<void> {
  const jobs: Promise<number>[] = [];
  for (let k = 0; k < n; k++) {
    const i = committed.length + k;
    const payload = { order: { id: `o-big-${i}`, tableId, note: 'x'.repeat(chars), lines: [] } };
    jobs.push(writer.submit((tx) => tx.append({ type: 'order.placed', payload: payload as never, topics: ['orders', `table:${tableId}`], deviceId: 'd-pos', staffId: null })));
  }
  await Promise.all(jobs);
}

describe('a replay larger than the socket may hold', () => {
  it("of a phone that reads slowly is sent as the socket drains, not closed as too slow by the next live event (and replayed again on its reconnect, in a loop)", async () => {
    await stopStream();
    const maxBufferBytes = 256 << 10;
    await startStream({ maxBufferBytes });
    const from = head();
    // 6 MB of its table's orders, 24 times the bound: pages of 100, the last one short and still 2 MB
    await commitBig(150, 't-3', 40_000);
    const phone = await open('phone-t-3');
    phone.ws.pause(); // a phone on a slow link: the hub's writes pile up in its buffer
    let code: number | undefined;
    void phone.closed.then((c) => (code = c));
    phone.hello(from);
    await new Promise((r) => setTimeout(r, 200));
    await commitBig(1, 't-3', 100); // live, while the replay is still in the buffer
    await new Promise((r) => setTimeout(r, 200));
    phone.ws.resume();
    const to = head();
    await phone.waitFor(() => seqs(phone.events()).includes(to) || code !== undefined);
    expect(code).toBeUndefined();
    expect(seqs(phone.events())).toEqual(seqs(committed.filter((e) => e.seq > from)));
  });
});

describe('a replay whose last page filled the socket (a kitchen screen back after a while on a slow link)', () => {
  // what happens while that page drains: a live event, or the screen asking how far it is (it heard no whole
  // message for a while) or starting over. Each had the socket closed as too slow (4008), and its reconnect
  // replayed the same pages
  for (const meanwhile of ['a live event', 'a sync', 'a hello'] as const) {
    it(`waits for it to drain, and ${meanwhile} meanwhile does not close it as too slow`, async () => {
      await stopStream();
      await startStream({ maxBufferBytes: 256 << 10, replayPage: 200 });
      const from = head();
      // one page, the last, of 12 MB (more than the kernel's buffers on loopback take), sent while its buffer was empty
      await commitBig(120, 't-3', 100_000);
      const kds = await open('kds');
      kds.ws.pause();
      let code: number | undefined;
      void kds.closed.then((c) => (code = c));
      kds.hello(from);
      await new Promise((r) => setTimeout(r, 300));
      expect(stream.replayCount).toBe(1); // its last (only) page sent, the replay waits for the drain
      if (meanwhile === 'a live event') await commitBig(1, 't-3', 100);
      else if (meanwhile === 'a sync') kds.ws.send(JSON.stringify({ type: 'sync' }));
      else kds.hello(from);
      await new Promise((r) => setTimeout(r, 300));
      kds.ws.resume();
      const to = head();
      const welcomes = meanwhile === 'a hello' ? 2 : 1;
      await kds.waitFor(() => code !== undefined || (kds.messages.filter((m) => m.type === 'welcome').length === welcomes && seqs(kds.events()).at(-1) === to));
      await new Promise((r) => setTimeout(r, 200)); // a close frame behind the events is read after them
      expect(code).toBeUndefined();
      if (meanwhile !== 'a hello') expect(seqs(kds.events())).toEqual(seqs(committed.filter((e) => e.seq > from)));
    });
  }
});

describe('a screen that takes a long replay slowly (a kitchen screen back on a slow link)', () => {
  /** Lets the socket read `bytesPerSec` at most, in tenths of a second; the rest waits in the kernel's buffers. */
  function readSlowly(ws: WebSocket, bytesPerSec: number): { stop(): void } {
    const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    let read = 0;
    let allowed = 0;
    raw.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read >= allowed) raw.pause();
    });
    raw.pause();
    const tick = setInterval(() => {
      allowed += bytesPerSec / 10;
      if (read < allowed) raw.resume();
    }, 100);
    return { stop: () => (clearInterval(tick), raw.pause()) };
  }

  it('is not cut by the heartbeat while it reads (its pongs wait behind megabytes), and is when it stops', async () => {
    await stopStream();
    const pingMs = 800;
    await startStream({ pingMs, maxBufferBytes: 16 << 20, replayPage: 20 });
    const from = head();
    // 30 MB: a ping goes out behind up to 8 MB the hub holds and the kernel's buffers, seconds at 6 MB/s
    await commitBig(300, 't-3', 100_000);
    const kds = await open('kds');
    const reader = readSlowly(kds.ws, 6 << 20);
    let code: number | undefined;
    void kds.closed.then((c) => (code = c));
    kds.hello(from);
    const to = head();
    await kds.waitFor(() => code !== undefined || seqs(kds.events()).at(-1) === to, 30_000);
    expect(code).toBeUndefined();
    expect(seqs(kds.events())).toEqual(seqs(committed.filter((e) => e.seq > from)));
    expect(stream.replayCount).toBe(0);

    // it stops reading with a backlog the hub still holds (under the bound): its kernel takes nothing more, and it is cut
    reader.stop();
    expect(stream.clientCount).toBe(1);
    await commitBig(100, 't-3', 100_000);
    const cut = Date.now() + 6 * pingMs;
    while (stream.clientCount > 0 && Date.now() < cut) await new Promise((r) => setTimeout(r, 50));
    expect(stream.clientCount).toBe(0);
  });
});

describe('a log that cannot be read', () => {
  it('tells a screen whose replay crosses it to reload, and tells the hub (whose health then says the store is damaged)', async () => {
    await commit(5);
    await stopStream();
    const storeErrors: { err: unknown; where: string }[] = [];
    log.spoilt = true;
    await startStream({ onStoreError: (err, where) => storeErrors.push({ err, where }) });
    expect(storeErrors).toMatchObject([{ where: 'housekeeping' }]); // the latest events could not be read as the stream was made
    const kds = await open('kds');
    await replay(kds, 0, head());
    expect(kds.messages.at(-1)).toMatchObject({ type: 'reset', reason: 'too-far-behind' });
    expect(storeErrors).toMatchObject([{ where: 'housekeeping' }, { where: 'request', err: { code: 'SQLITE_CORRUPT' } }]);
    log.spoilt = false;
  });
});

describe('the events held in memory', () => {
  it('are bounded in size, not only in count: a phone further back than that is told to reload, a staff screen reads it from the log', async () => {
    const chars = 100_000; // an order.placed of 100 lines with options and notes is of this order
    const n = Math.ceil((1.5 * RECENT_EVENTS_MAX_BYTES) / chars); // well within PUBLIC_REPLAY by count
    await commitBig(n, 't-3', chars);
    const to = head();
    const heldFor = (s: StreamServer) => (s as unknown as { recent: { heldBytes: number } }).recent.heldBytes;
    for (const restarted of [false, true]) {
      if (restarted) {
        await stopStream();
        await startStream(); // read again from the log: no more held, nor read at once, than the bound
      }
      expect(heldFor(stream)).toBeLessThanOrEqual(RECENT_EVENTS_MAX_BYTES);
      expect(heldFor(stream)).toBeGreaterThan(RECENT_EVENTS_MAX_BYTES - 2 * chars);
      const phone = await open('phone-t-3');
      await replay(phone, to - n, to);
      expect(phone.messages.at(-1)).toMatchObject({ type: 'reset', reason: 'too-far-behind' });
      const near = Math.floor(RECENT_EVENTS_MAX_BYTES / chars / 2);
      await replay(phone, to - near, to);
      expect(seqs(phone.events())).toEqual(seqs(committed.slice(-near)));
      const kds = await open('kds');
      await replay(kds, to - n, to);
      expect(seqs(kds.events())).toEqual(seqs(committed.slice(-n)));
    }
  });
});
