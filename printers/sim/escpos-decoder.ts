import iconv from 'iconv-lite';
import type { PrinterEncoding } from '../render/encoding.ts';
import { qrPreview } from '../render/ticket.ts';

/** A run of printed text in one style, as the simulated print head saw it. */
export interface DecodedSpan {
  text: string;
  bold: boolean;
  inverse: boolean;
  width: number;
  height: number;
}

export interface DecodedLine {
  spans: DecodedSpan[];
  /** plain text, trailing spaces trimmed */
  text: string;
  /** columns used on paper: characters × their byte width in Kanji mode × the width multiplier */
  columns: number;
}

export type DecoderEvent =
  | { type: 'line'; line: DecodedLine }
  | { type: 'cut' }
  | { type: 'barrier'; n: number }
  | { type: 'asb'; n: number }
  | { type: 'beep'; model: 'epson' | 'esc-b' }
  | { type: 'init' }
  | { type: 'unknown'; bytes: number[] };

export interface DecoderOptions {
  encoding: PrinterEncoding;
  /** Chinese printers boot in Kanji mode; default: true for double-byte encodings */
  isKanjiAtPowerOn?: boolean;
  /** most printers only do GB18030's 2-byte part; 4-byte sequences then print as '\uFFFD\uFFFD' */
  supportsGb18030FourByte?: boolean;
}

interface Mode {
  bold: boolean;
  inverse: boolean;
  width: number;
  height: number;
  isKanji: boolean;
}

/**
 * A streaming ESC/POS interpreter: feed bytes in any chunking, get printed lines, cuts and the commands
 * that need an answer. It keeps its state between connections, like a real printer, so a job cut off in the
 * middle of a command leaves it expecting more parameter bytes.
 */
export class EscPosDecoder {
  readonly #opts: Required<DecoderOptions>;
  #mode: Mode;
  #spans: (DecodedSpan & { cols: number })[] = [];
  /** bytes of the command being collected; null when in text */
  #cmd: number[] | null = null;
  /** bytes of a multi-byte character being collected */
  #mb: number[] = [];
  #qrData = '';

  constructor(opts: DecoderOptions) {
    this.#opts = {
      encoding: opts.encoding,
      isKanjiAtPowerOn: opts.isKanjiAtPowerOn ?? opts.encoding !== 'cp437',
      supportsGb18030FourByte: opts.supportsGb18030FourByte ?? false,
    };
    this.#mode = this.#powerOnMode();
  }

  #powerOnMode(): Mode {
    return { bold: false, inverse: false, width: 1, height: 1, isKanji: this.#opts.isKanjiAtPowerOn };
  }

  /** Power cycle: forget everything, including a half-received command. */
  reset(): void {
    this.#mode = this.#powerOnMode();
    this.#spans = [];
    this.#cmd = null;
    this.#mb = [];
  }

  /** True while the parser waits for the rest of a command (what a dropped connection leaves behind). */
  get isMidCommand(): boolean {
    return this.#cmd !== null || this.#mb.length > 0;
  }

  push(data: Uint8Array): DecoderEvent[] {
    const out: DecoderEvent[] = [];
    for (const b of data) this.#byte(b, out);
    return out;
  }

  #byte(b: number, out: DecoderEvent[]): void {
    if (this.#cmd !== null) {
      this.#cmd.push(b);
      const need = commandLength(this.#cmd);
      if (need !== null && this.#cmd.length >= need) {
        const cmd = this.#cmd;
        this.#cmd = null;
        this.#execute(cmd, out);
      }
      return;
    }
    if (this.#mb.length > 0) {
      this.#multiByte(b);
      return;
    }
    if (b === 0x1b || b === 0x1d || b === 0x1c || b === 0x10) {
      this.#cmd = [b];
      return;
    }
    if (b === 0x0a) {
      this.#emitLine(out);
      return;
    }
    if (b < 0x20 || b === 0x7f) return; // NUL, CR and other controls print nothing
    if (b >= 0x80 && this.#mode.isKanji && this.#isLeadByte(b)) {
      this.#mb = [b];
      return;
    }
    this.#print(b < 0x80 ? String.fromCharCode(b) : iconv.decode(Buffer.from([b]), this.#singleByteCodec()), 1);
  }

  #singleByteCodec(): string {
    return this.#opts.encoding === 'shift_jis' && this.#mode.isKanji ? 'shift_jis' : 'cp437';
  }

  #isLeadByte(b: number): boolean {
    if (this.#opts.encoding === 'shift_jis') return (b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc);
    return b >= 0x81 && b <= 0xfe;
  }

  #multiByte(b: number): void {
    this.#mb.push(b);
    const enc = this.#opts.encoding;
    const isGb = enc === 'gb18030' || enc === 'gbk';
    if (this.#mb.length === 2 && isGb && b >= 0x30 && b <= 0x39) {
      if (!this.#opts.supportsGb18030FourByte) {
        // a 2-byte-only printer takes lead+digit as one (invalid) character: garbage on paper
        this.#mb = [];
        this.#print('\uFFFD', 2);
      }
      return; // 4-byte sequence: wait for the rest
    }
    if (this.#mb.length === 3) return;
    const bytes = Buffer.from(this.#mb);
    this.#mb = [];
    const ch = iconv.decode(bytes, enc === 'gbk' ? 'gb18030' : enc);
    this.#print(ch, 2);
  }

  #print(text: string, bytesPerChar: number): void {
    const m = this.#mode;
    const last = this.#spans[this.#spans.length - 1];
    const cols = bytesPerChar * [...text].length;
    if (last && last.bold === m.bold && last.inverse === m.inverse && last.width === m.width && last.height === m.height) {
      last.text += text;
      last.cols += cols;
      return;
    }
    this.#spans.push({ text, bold: m.bold, inverse: m.inverse, width: m.width, height: m.height, cols });
  }

  #emitLine(out: DecoderEvent[]): void {
    const spans = this.#spans.map(({ cols: _cols, ...span }) => span);
    const columns = this.#spans.reduce((sum, s) => sum + s.cols * s.width, 0);
    this.#spans = [];
    out.push({ type: 'line', line: { spans, text: spans.map((s) => s.text).join('').trimEnd(), columns } });
  }

  #execute(c: number[], out: DecoderEvent[]): void {
    const [p, x, n = 0] = c;
    const m = this.#mode;
    if (p === 0x1b) {
      switch (x) {
        case 0x40: // ESC @: modes back to power-on, and the print buffer (a line not yet printed) cleared
          this.#mode = this.#powerOnMode();
          this.#spans = [];
          out.push({ type: 'init' });
          return;
        case 0x45: // ESC E n
          m.bold = (n & 1) === 1;
          return;
        case 0x21: // ESC ! n
          m.bold = (n & 0x08) !== 0;
          m.height = n & 0x10 ? 2 : 1;
          m.width = n & 0x20 ? 2 : 1;
          return;
        case 0x64: // ESC d n
          if (this.#spans.length > 0) {
            this.#emitLine(out);
            for (let i = 1; i < n; i++) this.#emitLine(out);
          } else for (let i = 0; i < n; i++) this.#emitLine(out);
          return;
        case 0x42: // ESC B n t: n beeps of t × 50 ms, both 1–9 (clone manuals)
          if (inRange(c[2], 1, 9) && inRange(c[3], 1, 9)) out.push({ type: 'beep', model: 'esc-b' });
          return;
        case 0x28: // ESC ( A pL pH fn n c t
          // fn 48 beeps; out of range it does nothing, as any ESC/POS command: n 0x30–0x3A, c 1–63, and t, the
          // beep cycle in 100 ms, 10–255 (download4.epson.biz esc_lparen_ca_fn48.html; kunif EscPosUtils)
          if (c[2] === 0x41 && c[5] === 0x30 && inRange(c[6], 0x30, 0x3a) && inRange(c[7], 1, 63) && inRange(c[8], 10, 255)) {
            out.push({ type: 'beep', model: 'epson' });
          }
          return;
        default:
          if (!KNOWN_ESC.has(x ?? -1)) out.push({ type: 'unknown', bytes: c });
          return;
      }
    }
    if (p === 0x1d) {
      switch (x) {
        case 0x21: // GS ! n
          m.width = ((n >> 4) & 7) + 1;
          m.height = (n & 7) + 1;
          return;
        case 0x42: // GS B n
          m.inverse = (n & 1) === 1;
          return;
        case 0x56: // GS V
          if (this.#spans.length > 0) this.#emitLine(out);
          out.push({ type: 'cut' });
          return;
        case 0x72: // GS r n
          out.push({ type: 'barrier', n });
          return;
        case 0x61: // GS a n
          out.push({ type: 'asb', n });
          return;
        case 0x28: // GS ( k: QR store / print
          if (c[2] === 0x6b && c[5] === 0x31 && c[6] === 0x50) this.#qrData = Buffer.from(c.slice(8)).toString('utf8');
          else if (c[2] === 0x6b && c[5] === 0x31 && c[6] === 0x51) {
            if (this.#spans.length > 0) this.#emitLine(out);
            this.#print(qrPreview(this.#qrData), 0);
            this.#emitLine(out);
          }
          return;
        default:
          if (!KNOWN_GS.has(x ?? -1)) out.push({ type: 'unknown', bytes: c });
          return;
      }
    }
    if (p === 0x1c) {
      if (x === 0x26) m.isKanji = true; // FS &
      else if (x === 0x2e) m.isKanji = false; // FS .
      return;
    }
    // DLE EOT / DLE DC4: answered in real time on reception, nothing to do in the print path
  }
}

const inRange = (b: number | undefined, min: number, max: number): boolean => b !== undefined && b >= min && b <= max;

const KNOWN_ESC = new Set([0x2d, 0x32, 0x33, 0x4a, 0x4d, 0x52, 0x61, 0x74, 0x47, 0x70, 0x20, 0x24]);
const KNOWN_GS = new Set([0x4c, 0x57, 0x68, 0x77, 0x48, 0x66, 0x6b, 0x76]);

/** Total length of the command whose first bytes are `c`, or null while that is not yet known. */
function commandLength(c: number[]): number | null {
  const [p, x, a, b, d] = c;
  if (x === undefined) return null;
  /** `… pL pH data`: pL and pH are the 4th and 5th bytes */
  const withLen = (headerLen: number): number | null =>
    b === undefined || d === undefined ? null : headerLen + b + d * 256;
  if (p === 0x10) return x === 0x14 ? 5 : 3; // DLE EOT n, DLE ENQ n; DLE DC4 fn m t
  if (p === 0x1c) {
    if (x === 0x26 || x === 0x2e) return 2;
    if (x === 0x28) return c.length < 5 ? null : withLen(5); // FS ( x pL pH …
    return 3; // FS ! n, FS - n, FS C n
  }
  if (p === 0x1b) {
    switch (x) {
      case 0x40:
      case 0x32:
        return 2;
      case 0x42:
        return 4; // ESC B n t
      case 0x70:
        return 5; // ESC p m t1 t2
      case 0x24:
        return 4; // ESC $ nL nH
      case 0x28:
        return c.length < 5 ? null : withLen(5); // ESC ( A pL pH …
      case 0x2a: {
        // ESC * m nL nH d…
        if (c.length < 5 || a === undefined || b === undefined || d === undefined) return null;
        return 5 + (b + d * 256) * (a >= 32 ? 3 : 1);
      }
      default:
        return 3;
    }
  }
  if (p === 0x1d) {
    switch (x) {
      case 0x56:
        return a === undefined ? null : a === 0x41 || a === 0x42 || a === 65 || a === 66 ? 4 : 3; // GS V m [n]
      case 0x28:
        return c.length < 5 ? null : withLen(5); // GS ( k / GS ( H … pL pH
      case 0x4c:
      case 0x57:
        return 4; // GS L / GS W nL nH
      case 0x76: {
        // GS v 0 m xL xH yL yH d…
        if (c.length < 8) return null;
        const [, , , , xL = 0, xH = 0, yL = 0, yH = 0] = c;
        return 8 + (xL + xH * 256) * (yL + yH * 256);
      }
      case 0x6b: {
        // GS k m …: m 0–6 NUL-terminated, m 65–73 with a length byte
        if (a === undefined) return null;
        if (a <= 6) return c.length > 3 && c[c.length - 1] === 0 ? c.length : null;
        return b === undefined ? null : 4 + b;
      }
      default:
        return 3;
    }
  }
  return 1;
}

/** A whole byte stream at once: the tickets (split at cuts) and what is left after the last cut. */
export function decodeEscPos(data: Uint8Array, opts: DecoderOptions): { tickets: DecodedLine[][]; rest: DecodedLine[]; events: DecoderEvent[] } {
  const decoder = new EscPosDecoder(opts);
  const events = decoder.push(data);
  const tickets: DecodedLine[][] = [];
  let current: DecodedLine[] = [];
  for (const e of events) {
    if (e.type === 'line') current.push(e.line);
    else if (e.type === 'cut') {
      tickets.push(current);
      current = [];
    }
  }
  return { tickets, rest: current, events };
}

/** The text of a ticket as paper shows it: lines joined, trailing blank lines dropped. */
export function ticketText(lines: readonly DecodedLine[]): string {
  const texts = lines.map((l) => l.text);
  while (texts.length > 0 && texts[texts.length - 1] === '') texts.pop();
  return texts.join('\n');
}
