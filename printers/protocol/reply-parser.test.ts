import { describe, expect, it } from 'vitest';
import { ReplyParser } from './reply-parser.ts';
import { decodeAsb, decodeStatus, encodeStatus, holdReasonOf } from './status.ts';

describe('ReplyParser', () => {
  it('parses three status replies the same whether they arrive together or one byte per segment', () => {
    const together = new ReplyParser().push(Buffer.from([0x12, 0x16, 0x72]));
    const p = new ReplyParser();
    const split = [0x12, 0x16, 0x72].flatMap((b) => p.push(Buffer.from([b])));
    expect(split).toEqual(together);
    expect(together.map((r) => r.type)).toEqual(['realtime-status', 'realtime-status', 'realtime-status']);
  });

  it('keeps an ASB frame whole across segments and does not report its tail bytes as barrier replies', () => {
    const p = new ReplyParser();
    const replies = [...p.push(Buffer.from([0x10, 0x00])), ...p.push(Buffer.from([0x00, 0x0f, 0x00]))];
    expect(replies).toEqual([
      { type: 'asb', frame: [0x10, 0x00, 0x00, 0x0f] },
      { type: 'barrier', byte: 0x00 },
    ]);
  });

  it('sorts interleaved replies: status, ASB, barrier, and unknown bytes', () => {
    const replies = new ReplyParser().push(Buffer.from([0x12, 0x18, 0x00, 0x0c, 0x0f, 0x03, 0xff]));
    expect(replies.map((r) => r.type)).toEqual(['realtime-status', 'asb', 'barrier', 'unknown']);
  });
});

describe('status bytes (values from /work/shared/ESCPOS.md)', () => {
  it.each([
    ['idle', 0x12, 0x12, 0x12, null],
    ['offline (DLE EOT 1 = 0x1A)', 0x1a, 0x12, 0x12, 'offline'],
    ['cover open (DLE EOT 2 = 0x16)', 0x1a, 0x16, 0x12, 'cover-open'],
    ['stopped at paper end (DLE EOT 2 = 0x32)', 0x1a, 0x32, 0x12, 'paper-out'],
    ['paper out (DLE EOT 4 = 0x72)', 0x1a, 0x12, 0x72, 'paper-out'],
    ['error (DLE EOT 2 bit 6)', 0x1a, 0x52, 0x12, 'error'],
    ['near end only (DLE EOT 4 = 0x1E)', 0x12, 0x12, 0x1e, null],
  ] as const)('%s → hold %s', (_name, b1, b2, b4, hold) => {
    expect(holdReasonOf(decodeStatus(b1, b2, b4))).toBe(hold);
  });

  it('reports near end from DLE EOT 4 = 0x1E', () => {
    expect(decodeStatus(0x12, 0x12, 0x1e).isPaperNearEnd).toBe(true);
    expect(decodeStatus(0x12, 0x12, 0x12).isPaperNearEnd).toBe(false);
  });

  it('round-trips the simulator encoding through DLE EOT and ASB decoders', () => {
    const state = { isCoverOpen: true, isPaperOut: false, isPaperNearEnd: true };
    const s = encodeStatus(state);
    expect(decodeStatus(s.printer, s.offline, s.paper)).toMatchObject(state);
    expect(decodeAsb(s.asb)).toMatchObject({ ...state, isOnline: false });
  });
});
