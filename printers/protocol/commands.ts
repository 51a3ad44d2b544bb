/**
 * ESC/POS command bytes shared by the renderer, the transport and the simulator.
 * Sources: /work/shared/ESCPOS.md (Epson ESC/POS reference, UB-E02 technical reference, clone manuals).
 */

export const NUL = 0x00;
export const LF = 0x0a;
export const ESC = 0x1b;
export const GS = 0x1d;
export const FS = 0x1c;
export const DLE = 0x10;
export const EOT = 0x04;

const bytes = (...b: number[]): Buffer => Buffer.from(b);

/** `ESC @`: initialise; clears the print buffer's modes and, per UB-E02 §4.4, ends ASB. */
export const INIT = bytes(ESC, 0x40);
/** `FS &`: Kanji (Chinese double-byte) mode on. On at power-up on Chinese models, but `ESC @` may reset it. */
export const KANJI_ON = bytes(FS, 0x26);
/** `FS .`: Kanji mode off. */
export const KANJI_OFF = bytes(FS, 0x2e);
/** `FS C 1`: Shift_JIS code system (Epson Japanese models). */
export const KANJI_SHIFT_JIS = bytes(FS, 0x43, 0x01);
/** `ESC t 0`: code page PC437. */
export const CODE_PAGE_437 = bytes(ESC, 0x74, 0x00);

export const boldOn = (on: boolean): Buffer => bytes(ESC, 0x45, on ? 1 : 0);
/** `GS B n`: white/black reverse printing. */
export const inverseOn = (on: boolean): Buffer => bytes(GS, 0x42, on ? 1 : 0);
/** `GS ! n`: character size, width and height multipliers 1..8. */
export const charSize = (width: number, height: number): Buffer =>
  bytes(GS, 0x21, (((width - 1) & 7) << 4) | ((height - 1) & 7));
/** `ESC a n`: 0 left, 1 centre, 2 right (only effective at the start of a line). */
export const align = (a: 'left' | 'center' | 'right'): Buffer =>
  bytes(ESC, 0x61, a === 'left' ? 0 : a === 'center' ? 1 : 2);
/** `ESC d n`: print and feed n lines. */
export const feedLines = (n: number): Buffer => bytes(ESC, 0x64, n & 0xff);
/** `GS V 1`: partial cut. */
export const PARTIAL_CUT = bytes(GS, 0x56, 0x01);

/**
 * Epson buzzer `ESC ( A pL pH fn=48 n c t`: pattern n (A..J = 0x31..), c beeps, each in a cycle of t × 100 ms.
 * Ranges n 0x30–0x3A, c 1–63, t 10–255: a printer ignores the command outside them (a 1 s cycle at least).
 */
export const beepEpson = (pattern: number, count: number, tenthsOfSecond: number): Buffer =>
  bytes(ESC, 0x28, 0x41, 0x04, 0x00, 0x30, pattern, count, tenthsOfSecond);
/** Clone buzzer `ESC B n t`: n beeps of t × 50 ms (Xprinter, Gprinter, Rongta…). */
export const beepEscB = (count: number, duration: number): Buffer => bytes(ESC, 0x42, count, duration);

/** QR code with `GS ( k` (model 2, size, EC level M, store, print). Data is UTF-8 bytes. */
export function qrCode(data: string, moduleSize = 6): Buffer {
  const payload = Buffer.from(data, 'utf8');
  const storeLen = payload.length + 3;
  // pL pH hold 16 bits: a longer payload would be announced short, and its tail run as commands and text
  if (storeLen > 0xffff) throw new RangeError(`QR data too long: ${payload.length} bytes`);
  return Buffer.concat([
    bytes(GS, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00),
    bytes(GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, moduleSize),
    bytes(GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, 0x31),
    bytes(GS, 0x28, 0x6b, storeLen & 0xff, (storeLen >> 8) & 0xff, 0x31, 0x50, 0x30),
    payload,
    bytes(GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30),
  ]);
}

/** `DLE EOT n`: real-time status request, answered with one byte even while offline. */
export const statusRequest = (n: 1 | 2 | 3 | 4): Buffer => bytes(DLE, EOT, n);
/** `GS r 1`: paper sensor status, answered only once everything before it was processed: our barrier. */
export const BARRIER = bytes(GS, 0x72, 0x01);
/** `GS a n`: automatic status back; 0 = off. */
export const asb = (n: number): Buffer => bytes(GS, 0x61, n);

/**
 * Flush for a printer whose parser was left mid-command by a dropped connection: NUL bytes fill whatever
 * parameter or data the parser still waits for (NUL is ignored in text), then `ESC @` starts afresh.
 * receiptio sends about 8 KB; a command declaring more data than that is not recovered.
 */
export const recoveryFlush = (nulBytes: number): Buffer => Buffer.concat([Buffer.alloc(nulBytes, NUL), INIT]);
