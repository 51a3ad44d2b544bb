import { describe, expect, it } from 'vitest';
import { INIT, PARTIAL_CUT } from '../protocol/commands.ts';
import { decodeEscPos } from './escpos-decoder.ts';

describe('EscPosDecoder', () => {
  it('drops text not yet printed when ESC @ arrives, as a printer clears its print buffer', () => {
    // What a job cut off mid-line leaves behind: the next job's `ESC @` clears it (Epson ESC @: "the data in
    // the print buffer is cleared"); it must not be glued to the next ticket's first line.
    const bytes = Buffer.concat([Buffer.from('half a li'), INIT, Buffer.from('#42\n'), PARTIAL_CUT]);
    const { tickets } = decodeEscPos(bytes, { encoding: 'gb18030' });
    expect(tickets.map((t) => t.map((l) => l.text))).toEqual([['#42']]);
  });

  it.each([
    // Epson `ESC ( A` fn 48: n 0x30–0x3A, c 1–63, t 10–255 (the beep cycle, t × 100 ms); out of range, silence
    ['Epson, cycle 1 s', [0x1b, 0x28, 0x41, 0x04, 0x00, 0x30, 0x31, 0x02, 0x0a], ['epson']],
    ['Epson, cycle 200 ms (t below 10)', [0x1b, 0x28, 0x41, 0x04, 0x00, 0x30, 0x31, 0x02, 0x02], []],
    ['Epson, 64 beeps', [0x1b, 0x28, 0x41, 0x04, 0x00, 0x30, 0x31, 0x40, 0x0a], []],
    ['Epson, pattern out of range', [0x1b, 0x28, 0x41, 0x04, 0x00, 0x30, 0x3b, 0x02, 0x0a], []],
    ['Epson, another function', [0x1b, 0x28, 0x41, 0x03, 0x00, 0x61, 0x01, 0x01], []],
    // the clones' `ESC B n t`: n beeps of t × 50 ms, both 1–9
    ['clone, 2 × 100 ms', [0x1b, 0x42, 0x02, 0x02], ['esc-b']],
    ['clone, 0 beeps', [0x1b, 0x42, 0x00, 0x02], []],
  ] as const)('beeps as a printer does: %s', (_name, bytes, beeps) => {
    const { events } = decodeEscPos(Buffer.from(bytes), { encoding: 'gb18030' });
    expect(events.flatMap((e) => (e.type === 'beep' ? [e.model] : []))).toEqual(beeps);
  });
});
