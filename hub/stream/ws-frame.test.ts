import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { acceptsSharedDeflate, SharedMessage, textFrame } from './ws-frame.ts';

// ws's parser and its permessage-deflate, which it exports but its type package does not declare
const ws = createRequire(import.meta.url)('ws') as {
  Receiver: new (o: { isServer: boolean; maxPayload: number; extensions: Record<string, unknown> }) => Writable;
  PerMessageDeflate: { extensionName: string } & (new (o: object) => { accept(offers: Record<string, unknown[]>[]): void });
};

/**
 * What a WebSocket client makes of the bytes: ws's own frame parser, as a client (unmasked frames), with
 * permessage-deflate agreed as the hub agrees it when `deflate`.
 */
function receive(bytes: Buffer, expected: number, deflate = false): Promise<{ text: string; binary: boolean }[]> {
  const extensions: Record<string, unknown> = {};
  if (deflate) {
    const pmd = new ws.PerMessageDeflate({});
    pmd.accept([{ server_no_context_takeover: [true], client_no_context_takeover: [true] }]);
    extensions[ws.PerMessageDeflate.extensionName] = pmd;
  }
  return new Promise((resolve, reject) => {
    const receiver = new ws.Receiver({ isServer: false, maxPayload: 0, extensions });
    const got: { text: string; binary: boolean }[] = [];
    // inflating is asynchronous: wait for the messages expected (and a moment for any extra one)
    const timer = setTimeout(() => reject(new Error(`got ${got.length} of ${expected} messages`)), 5000);
    receiver.on('message', (data: Buffer, binary: boolean) => {
      got.push({ text: data.toString('utf8'), binary });
      if (got.length === expected) setTimeout(() => (clearTimeout(timer), resolve(got)), 20);
    });
    receiver.on('error', reject);
    receiver.write(bytes);
  });
}

const order = (i: number) => JSON.stringify({ seq: i, type: 'order.placed', payload: { nameZh: '小炒黄牛肉', nameEn: 'Hunan Beef', note: '少辣 🌶', qty: i } });

describe('textFrame', () => {
  // each length encoding (7-bit, 16-bit, 64-bit) and both sides of its boundaries
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000])('frames a %i-byte payload that a client reads back', async (n) => {
    const payload = Buffer.from('x'.repeat(n));
    const [msg, ...rest] = await receive(textFrame(payload, false), 1);
    expect(rest).toEqual([]);
    expect(msg).toEqual({ text: payload.toString(), binary: false });
  });

  it('keeps UTF-8 intact, and frames written back to back read as separate messages', async () => {
    const [a, b] = [order(1), order(2)];
    const got = await receive(Buffer.concat([textFrame(Buffer.from(a), false), textFrame(Buffer.from(b), false)]), 2);
    expect(got.map((m) => m.text)).toEqual([a, b]);
  });
});

describe('SharedMessage', () => {
  it.each([1, 40, 2000])('deflates %i events into a frame far smaller that a client inflates back to the same text', async (n) => {
    const text = `[${Array.from({ length: n }, (_, i) => order(i)).join(',')}]`;
    const message = new SharedMessage(Buffer.from(text));
    const deflated = message.deflated();
    expect(deflated[0]).toBe(0xc1); // RSV1: compressed
    // the sync flush's tail is left for the receiver to put back (RFC 7692 §7.2.1)
    expect(deflated.subarray(-4)).not.toEqual(Buffer.from([0x00, 0x00, 0xff, 0xff]));
    if (n > 1) expect(deflated.length).toBeLessThan(Buffer.byteLength(text) / 4);
    // plain and deflated frames interleave on one socket, as they do when a socket changes subscription
    const got = await receive(Buffer.concat([deflated, message.plain(), deflated]), 3, true);
    expect(got).toEqual([text, text, text].map((t) => ({ text: t, binary: false })));
  });

  it('builds each form once, however many sockets it is written to', () => {
    const message = new SharedMessage(Buffer.from(order(1)));
    expect(message.deflated()).toBe(message.deflated());
    expect(message.plain()).toBe(message.plain());
  });
});

describe('acceptsSharedDeflate', () => {
  it.each([
    ['permessage-deflate; server_no_context_takeover; client_no_context_takeover', true],
    ['permessage-deflate; client_max_window_bits=15; server_no_context_takeover', true],
    ['Permessage-Deflate; Server_No_Context_Takeover; server_max_window_bits=15', true],
    ['permessage-deflate; server_no_context_takeover; server_max_window_bits="15"', true],
    // a smaller window than the shared bytes were made with
    ['permessage-deflate; server_no_context_takeover; server_max_window_bits=10', false],
    // the server keeps context: each socket's stream would differ
    ['permessage-deflate; client_no_context_takeover', false],
    ['x-webkit-deflate-frame', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (answer, expected) => {
    expect(acceptsSharedDeflate(answer)).toBe(expected);
  });
});
