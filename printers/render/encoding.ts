import iconv from 'iconv-lite';

/**
 * Printer profiles and text encoding. Column arithmetic is done on *guarded* text with the printer's own
 * rule: in Kanji mode a double-byte character prints full width (2 columns), a single byte half width.
 * That is why width is measured from the encoded bytes and not from Unicode's East Asian Width table
 * ('·' is "ambiguous" for Unicode but A1 A4, two columns, on a GB18030 printer).
 */

export const PRINTER_ENCODINGS = ['gb18030', 'gbk', 'big5', 'shift_jis', 'cp437'] as const;
export type PrinterEncoding = (typeof PRINTER_ENCODINGS)[number];

export interface PrinterProfile {
  encoding: PrinterEncoding;
  /** characters per line in font A: 32 on 58 mm paper, 48 on 80 mm paper */
  widthChars: 32 | 48;
  /** Epson `ESC ( A`, the clones' `ESC B`, or no buzzer */
  buzzer: 'epson' | 'esc-b' | 'none';
}

/** Double-byte encodings that need the printer's Kanji mode (`FS &`). */
export const isDoubleByteEncoding = (e: PrinterEncoding): boolean => e !== 'cp437';

/**
 * Substitutes tried, in order, for a character the printer cannot print safely. After these, the NFKC form
 * is tried (fullwidth ↔ halfwidth), then the letter without its accents, then '?'.
 */
const SUBSTITUTES: Readonly<Record<string, readonly string[]>> = {
  '¥': ['￥', 'Y'], // GB18030 makes ¥ a 4-byte sequence (81 30 84 36) that 2-byte printers print as garbage
  '‾': ['￣'],
  '\u00a0': [' '],
  '€': ['EUR'],
  '–': ['-'],
  '—': ['-'],
  '‘': ["'"],
  '’': ["'"],
  '“': ['"'],
  '”': ['"'],
  '…': ['...'],
};

/**
 * The hub's own labels are bilingual, their Chinese simplified (账单, 合计, 服务员, 转单…): a Big5 printer
 * (traditional) or a Shift_JIS one has no glyph for many of their characters and printed '?' in them on
 * every ticket. There they print in the traditional form (or the Japanese one where Shift_JIS lacks it).
 * Only characters the labels use: a dish name in simplified Chinese on such a printer is the store's choice.
 */
const TRADITIONAL: Readonly<Record<string, readonly string[]>> = {
  单: ['單', '単'], 扫: ['掃'], 码: ['碼'], 预: ['預'], 订: ['訂'], 测: ['測'], 试: ['試'], 现: ['現'], 账: ['帳', '賬'],
  谢: ['謝'], 临: ['臨'], 请: ['請'], 员: ['員'], 计: ['計'], 数: ['數'], 废: ['廢', '廃'], 销: ['銷'], 净: ['淨', '浄'],
  额: ['額'], 结: ['結'], 营: ['營', '営'], 钱: ['錢', '銭'], 应: ['應', '応'], 终: ['終'], 对: ['對', '対'], 记: ['記'],
  该: ['該'], 转: ['轉', '転'], 备: ['備'], 页: ['頁'], 务: ['務'], 业: ['業'], 减: ['減'], 处: ['處', '処'], 复: ['複'],
  优: ['優'], 点: ['點'],
};

/** Per encoding, each character's bytes (null: not printable safely), worked out once. */
const caches = new Map<PrinterEncoding, Map<string, Buffer | null>>();

/** The bytes of one character if the printer can print it safely, else null. */
function safeBytes(ch: string, encoding: PrinterEncoding): Buffer | null {
  let cache = caches.get(encoding);
  if (cache === undefined) caches.set(encoding, (cache = new Map()));
  const hit = cache.get(ch);
  if (hit !== undefined) return hit;
  let result: Buffer | null = iconv.encode(ch, encoding);
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f) result = null; // control bytes in user text would be printer commands
  // iconv's "unencodable": one '?', or two for a character outside the BMP in a single-byte code page (cp437)
  else if (ch !== '?' && result.every((b) => b === 0x3f)) result = null;
  else if (result.length > 2) result = null; // GB18030 4-byte sequences: most printers only do 2 bytes
  // Bytes that stand for another character: iconv's Shift_JIS sends ¥ as 0x5C and ‾ as 0x7E, which print
  // '\' and '~' unless the printer's international character set happens to be Japan
  else if (iconv.decode(result, encoding) !== ch) result = null;
  else if (isDoubleByteEncoding(encoding) && result.length === 1 && (result[0] ?? 0) >= 0x80) {
    // A lone high byte would start a double-byte character in Kanji mode (gbk '€' = 0x80).
    // Shift_JIS half-width katakana (A1–DF) are real single-byte characters.
    const b = result[0] ?? 0;
    if (!(encoding === 'shift_jis' && b >= 0xa1 && b <= 0xdf)) result = null;
  }
  cache.set(ch, result);
  return result;
}

/**
 * Builds the encoder's tables now. iconv-lite builds a double-byte codec on its first use, ~30 ms for
 * GB18030: done when a printer is set up, not inside the first ticket of the day.
 */
export function warmEncoding(encoding: PrinterEncoding): void {
  encodeText('热菜 Hot dishes ¥', encoding);
}

/**
 * Unprintable characters that show nothing on a phone either: zero-width spaces and joiners, soft hyphens,
 * byte-order marks, bidi controls, variation selectors, combining marks left over, skin tones. Dropped, not
 * printed as '?': "Kung Pao?Chicken" for a pasted zero-width space, "辣??" for 🌶️ as phones type it.
 */
const INVISIBLE = /^[\p{Default_Ignorable_Code_Point}\p{M}\p{Emoji_Modifier}]$/u;
const ZWJ = '\u200d';
const LINE_BREAKS = new Set(['\u0085', '\u2028', '\u2029']);
const isRegionalIndicator = (cp: number): boolean => cp >= 0x1f1e6 && cp <= 0x1f1ff;

/**
 * Replace what the printer cannot print: '¥' → '￥' on GB printers, control characters → ' ', unknown → '?'
 * (one '?', one column, whatever the character; one for an emoji sequence joined by ZWJ or a flag, the
 * invisible characters above dropped). Combining marks are composed first (NFC: 'e' + U+0301 → 'é'), since
 * code pages have the composed letters but not the marks. Everything measured or encoded for a printer goes
 * through this first.
 */
export function guardText(text: string, encoding: PrinterEncoding): string {
  let out = '';
  /** the last character out is a '?' for an unprintable one… */
  let replaced = false;
  /** …followed by a ZWJ, which makes the next character part of the same emoji */
  let joining = false;
  /** …and it stands for the first half of a flag (two regional indicators) */
  let isHalfFlag = false;
  const emit = (s: string, isReplacement = false, isFlag = false): void => {
    out += s;
    replaced = isReplacement;
    isHalfFlag = isFlag;
    joining = false;
  };
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0;
    const isFlag = isRegionalIndicator(cp);
    const isBreak = cp < 0x20 || cp === 0x7f || LINE_BREAKS.has(ch);
    if ((joining && !isBreak && !INVISIBLE.test(ch)) || (isFlag && isHalfFlag)) {
      // the rest of the emoji the last '?' stands for, printable or not (the ♀ of 🏃‍♀️ is in GB2312)
      joining = false;
      isHalfFlag = false;
      continue;
    }
    if (safeBytes(ch, encoding) !== null) {
      emit(ch);
      continue;
    }
    if (isBreak) {
      emit(' ');
      continue;
    }
    if (INVISIBLE.test(ch)) {
      if (ch === ZWJ && replaced) joining = true;
      continue;
    }
    // last, the letter without its accents: 'Creme brulee' reads better than 'Cr?me br?l?e' (Shift_JIS)
    const candidates = [...(SUBSTITUTES[ch] ?? TRADITIONAL[ch] ?? []), ch.normalize('NFKC'), ch.normalize('NFD').replace(/\p{M}/gu, '')];
    const sub = candidates.find((c) => c !== ch && c !== '' && [...c].every((x) => safeBytes(x, encoding) !== null));
    if (sub !== undefined) emit(sub);
    else emit('?', true, isFlag);
  }
  return out;
}

/** Encode already-guarded text; unsafe characters still become '?'. */
export function encodeText(text: string, encoding: PrinterEncoding): Buffer {
  return iconv.encode(guardText(text, encoding), encoding);
}

/** Columns one (guarded) character takes on paper. */
export function charWidth(ch: string, encoding: PrinterEncoding): 1 | 2 {
  if (!isDoubleByteEncoding(encoding)) return 1;
  const b = safeBytes(ch, encoding);
  return b !== null && b.length === 2 ? 2 : 1;
}

/** Columns a (guarded) string takes on paper at normal size. */
export function displayWidth(text: string, encoding: PrinterEncoding): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch, encoding);
  return w;
}

/** Cut to at most `width` columns without splitting a double-byte character. */
export function truncate(text: string, width: number, encoding: PrinterEncoding): string {
  let w = 0;
  let out = '';
  for (const ch of text) {
    const cw = charWidth(ch, encoding);
    if (w + cw > width) break;
    out += ch;
    w += cw;
  }
  return out;
}

export function padEnd(text: string, width: number, encoding: PrinterEncoding): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text, encoding)));
}

export function padStart(text: string, width: number, encoding: PrinterEncoding): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text, encoding))) + text;
}

/** Centre within `width` columns (extra space goes right); the result has trailing spaces removed. */
export function center(text: string, width: number, encoding: PrinterEncoding): string {
  const left = Math.max(0, Math.floor((width - displayWidth(text, encoding)) / 2));
  return ' '.repeat(left) + text;
}

/**
 * Wrap into lines of at most `width` columns. Breaks after spaces when a word fits, anywhere between
 * CJK characters (they have no spaces), and hard-breaks words longer than a line.
 */
export function wrap(text: string, width: number, encoding: PrinterEncoding): string[] {
  if (width < 2) throw new RangeError('wrap width must be at least 2 columns');
  const lines: string[] = [];
  let line = '';
  let lineW = 0;
  const tokens = tokenize(text, encoding);
  const pushLine = (): void => {
    lines.push(line.trimEnd());
    line = '';
    lineW = 0;
  };
  for (const token of tokens) {
    if (token.startsWith(' ')) {
      if (lineW > 0 && lineW + token.length <= width) {
        line += token;
        lineW += token.length;
      } else if (lineW > 0) pushLine();
      continue;
    }
    const tw = displayWidth(token, encoding);
    if (lineW + tw <= width) {
      line += token;
      lineW += tw;
      continue;
    }
    if (tw <= width && lineW > 0) {
      pushLine();
      line = token;
      lineW = tw;
      continue;
    }
    for (const ch of token) {
      const cw = charWidth(ch, encoding);
      if (lineW + cw > width) pushLine();
      line += ch;
      lineW += cw;
    }
  }
  if (lineW > 0 || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}

/** Runs of spaces, words of single-width characters, and single double-width characters. */
function tokenize(text: string, encoding: PrinterEncoding): string[] {
  const tokens: string[] = [];
  let current = '';
  let kind: 'space' | 'word' | null = null;
  for (const ch of text) {
    const k = ch === ' ' ? 'space' : charWidth(ch, encoding) === 1 ? 'word' : null;
    if (k !== null && k === kind) {
      current += ch;
      continue;
    }
    if (current !== '') tokens.push(current);
    current = ch;
    kind = k;
  }
  if (current !== '') tokens.push(current);
  return tokens;
}

/**
 * `left` and `right` on one line of `width` columns, `right` flush right; when both do not fit, `left`
 * wraps and `right` goes on its last line (or a line of its own). A `right` wider than half the line is not
 * left beside a sliver of `left`: see `stacked`.
 */
export function leftRight(left: string, right: string, width: number, encoding: PrinterEncoding): string[] {
  const rw = displayWidth(right, encoding);
  if (rw > Math.floor(width / 2) && displayWidth(left, encoding) + 1 + rw > width) return stacked(left, right, width, encoding);
  const lines = wrap(left, Math.max(2, width - rw - 1), encoding);
  const last = lines.pop() ?? '';
  const lastW = displayWidth(last, encoding);
  if (lastW + 1 + rw <= width) return [...lines, last + ' '.repeat(width - lastW - rw) + right];
  return [...lines, last, padStart(right, width, encoding)];
}

/**
 * `left` and `right` on one line when both fit (`right` flush right); else `left` on its own line(s) and
 * `right` under it, flush right, wrapped to `width`: neither is squeezed into a few columns or split to make
 * room for the other, and nothing runs past the paper. (The order number beside a long table label.)
 */
export function stacked(left: string, right: string, width: number, encoding: PrinterEncoding): string[] {
  if (displayWidth(left, encoding) + 1 + displayWidth(right, encoding) <= width) return leftRight(left, right, width, encoding);
  const lines = left === '' ? [] : wrap(left, width, encoding);
  if (right !== '') for (const line of wrap(right, width, encoding)) lines.push(padStart(line, width, encoding));
  return lines;
}
