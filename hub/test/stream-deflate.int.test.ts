import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { constants, inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectStream, removeDir, sampleOrder, signIn, startHub, type HubProcess, type StreamClient } from './harness.ts';

/**
 * Compressed live frames (permessage-deflate, compressed once for every socket of a subscription), seen
 * from the wire: a raw TCP client that does the WebSocket handshake itself and reads every frame's RSV1
 * bit, next to ordinary clients with and without compression. The browser side is in the KDS's e2e test.
 */
let hub: HubProcess;
let waiter: string;
let device: string;

beforeAll(async () => {
  // from 3 sockets that accept compression on one subscription
  hub = await startHub({ env: { HUB_STREAM_DEFLATE_SOCKETS: '3' } });
  const w = await signIn(hub, '1111');
  waiter = w.staff;
  device = w.device;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

interface WireFrame {
  compressed: boolean;
  text: string;
}

/** A stream client on a bare socket: offers permessage-deflate as browsers do, unmasks nothing, keeps every frame. */
async function rawClient(): Promise<{ frames: WireFrame[]; extensions: string; socket: Socket }> {
  const socket = connect(hub.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write(
    `GET /api/v1/stream?token=${device} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n`,
  );
  let buf = Buffer.alloc(0);
  let head: string | undefined;
  const frames: WireFrame[] = [];
  const headDone = new Promise<string>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (head === undefined) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        resolve(head);
      }
      // frames: FIN/RSV1/opcode, then a 7-, 16- or 64-bit length; the hub's frames are unmasked
      for (;;) {
        if (buf.length < 2) return;
        const len7 = buf[1]! & 0x7f;
        const headerLength = len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
        if (buf.length < headerLength) return;
        const n = len7 < 126 ? len7 : len7 === 126 ? buf.readUInt16BE(2) : Number(buf.readBigUInt64BE(2));
        if (buf.length < headerLength + n) return;
        const payload = buf.subarray(headerLength, headerLength + n);
        const compressed = (buf[0]! & 0x40) !== 0;
        if ((buf[0]! & 0x0f) === 1) {
          const text = compressed ? inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH }).toString() : payload.toString();
          frames.push({ compressed, text });
        }
        buf = buf.subarray(headerLength + n);
      }
    });
  });
  const response = await headDone;
  expect(response).toMatch(/^HTTP\/1\.1 101/);
  const extensions = /^sec-websocket-extensions:\s*(.*)$/im.exec(response)?.[1] ?? '';
  // hello, as a client frame must be: masked
  const hello = Buffer.from(JSON.stringify({ type: 'hello' }));
  const mask = randomBytes(4);
  socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | hello.length]), mask, hello.map((b, i) => b ^ mask[i % 4]!)]));
  return { frames, extensions, socket };
}

const placedIds = (events: { type: string; payload: { order: { id: string } } }[]) => events.filter((e) => e.type === 'order.placed').map((e) => e.payload.order.id);
const eventsIn = (frames: WireFrame[]) => frames.map((f) => JSON.parse(f.text)).filter((m) => m.type === 'events').flatMap((m) => m.events);

describe('compressed live frames', () => {
  it('go to the sockets that accept compression, once enough share a subscription; the others get the same events plain', async () => {
    const raw = await rawClient();
    expect(raw.extensions).toMatch(/permessage-deflate/);
    expect(raw.extensions).toMatch(/server_no_context_takeover/);
    // two ordinary clients that accept compression (ws offers it by default, as browsers do), one that does not
    const deflating: StreamClient[] = [await connectStream(hub, device, {}), await connectStream(hub, device, {})];
    const plainWs = new WebSocket(`ws://127.0.0.1:${hub.port}/api/v1/stream?token=${device}`, { perMessageDeflate: false });
    const plainMessages: any[] = [];
    plainWs.on('message', (d) => plainMessages.push(JSON.parse(String(d))));
    await new Promise((r) => plainWs.once('open', r));
    plainWs.send(JSON.stringify({ type: 'hello' }));
    await expect.poll(() => plainMessages.length + deflating.reduce((n, c) => n + c.messages.length, 0) + raw.frames.length).toBe(4);

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder() });
      expect(r.status).toBe(201);
      ids.push(r.body.order.id);
    }
    await expect.poll(() => placedIds(eventsIn(raw.frames))).toEqual(ids);
    for (const c of deflating) await c.waitFor(() => placedIds(c.events()).length === 3);
    await expect.poll(() => placedIds(plainMessages.filter((m) => m.type === 'events').flatMap((m) => m.events))).toEqual(ids);
    // the same events, byte for byte, whichever way they came
    const wire = JSON.stringify(eventsIn(raw.frames));
    for (const c of deflating) expect(JSON.stringify(c.events())).toBe(wire);
    expect(JSON.stringify(plainMessages.filter((m) => m.type === 'events').flatMap((m) => m.events))).toBe(wire);
    // 3 sockets accepting compression on '*' (the raw one and two ws): its event frames came compressed
    const eventFrames = raw.frames.filter((f) => f.text.startsWith('{"type":"events"'));
    expect(eventFrames.length).toBeGreaterThan(0);
    expect(eventFrames.every((f) => f.compressed)).toBe(true);
    // the welcome is one socket's own message: plain
    expect(raw.frames[0]).toMatchObject({ compressed: false });

    // below the threshold (two sockets accepting compression left), frames go out plain
    deflating[0]!.close();
    await expect.poll(async () => (await hub.request('GET', '/api/v1/health')).body.streamClients).toBe(3);
    const before = raw.frames.length;
    const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder() });
    await expect.poll(() => placedIds(eventsIn(raw.frames))).toContain(r.body.order.id);
    expect(raw.frames.slice(before).every((f) => !f.compressed)).toBe(true);
    deflating[1]!.close();
    plainWs.close();
    raw.socket.destroy();
  });
});
