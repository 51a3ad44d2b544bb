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
});
