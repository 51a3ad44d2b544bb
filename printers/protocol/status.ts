/**
 * Meaning of the one-byte `DLE EOT n` replies and of automatic status (ASB) frames.
 * Bit meanings from the Epson ESC/POS reference (see /work/shared/ESCPOS.md).
 */

/** What the printer said about itself, decoded from `DLE EOT 1`, `2` and `4`. */
export interface PrinterStatus {
  isOnline: boolean;
  isCoverOpen: boolean;
  /** paper end: the printer stopped (DLE EOT 2 bit 5) or the roll sensor says empty (DLE EOT 4 bits 5–6) */
  isPaperOut: boolean;
  isPaperNearEnd: boolean;
  /** an error the printer reports (cutter jam, head overheat…) */
  hasError: boolean;
  /** the raw reply bytes, for logs */
  raw: { printer: number; offline: number; paper: number };
}

/** Why a printer will not print now. A queue keeps the job and retries after the printer recovers. */
export const HOLD_REASONS = ['cover-open', 'paper-out', 'error', 'offline'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** `DLE EOT n` replies have the fixed bit pattern 0xx1xx10. */
export const isRealtimeStatusByte = (b: number): boolean => (b & 0x93) === 0x12;
/** The first byte of an ASB frame has the pattern 0xx1xx00. */
export const isAsbHeaderByte = (b: number): boolean => (b & 0x93) === 0x10;
/** `GS r` replies and ASB bytes 2–4 have the pattern 0xx0xxxx. */
export const isPlainStatusByte = (b: number): boolean => (b & 0x90) === 0x00;

export function decodeStatus(printer: number, offline: number, paper: number): PrinterStatus {
  return {
    isOnline: (printer & 0x08) === 0,
    isCoverOpen: (offline & 0x04) !== 0,
    isPaperOut: (offline & 0x20) !== 0 || (paper & 0x60) !== 0,
    isPaperNearEnd: (paper & 0x0c) !== 0,
    hasError: (offline & 0x40) !== 0,
    raw: { printer, offline, paper },
  };
}

/** Decode a 4-byte ASB frame into the same shape (byte 1 bit 3 offline, bit 5 cover; byte 2 bits 3/5/6 errors; byte 3 paper). */
export function decodeAsb(frame: readonly [number, number, number, number]): PrinterStatus {
  const [b1, b2, b3] = frame;
  return {
    isOnline: (b1 & 0x08) === 0,
    isCoverOpen: (b1 & 0x20) !== 0,
    isPaperOut: (b3 & 0x0c) !== 0,
    isPaperNearEnd: (b3 & 0x03) !== 0,
    hasError: (b2 & 0x68) !== 0,
    raw: { printer: b1, offline: b2, paper: b3 },
  };
}

/** The first reason the printer cannot print, most actionable first; null when it can print. */
export function holdReasonOf(s: PrinterStatus): HoldReason | null {
  if (s.isCoverOpen) return 'cover-open';
  if (s.isPaperOut) return 'paper-out';
  if (s.hasError) return 'error';
  if (!s.isOnline) return 'offline';
  return null;
}

/** Status bytes a healthy printer sends, and builders for the simulator. */
export function encodeStatus(s: {
  isCoverOpen: boolean;
  isPaperOut: boolean;
  isPaperNearEnd: boolean;
  hasError?: boolean;
}): { printer: number; offline: number; error: number; paper: number; asb: [number, number, number, number] } {
  const hasError = s.hasError ?? false;
  const isOffline = s.isCoverOpen || s.isPaperOut || hasError;
  return {
    printer: 0x12 | (isOffline ? 0x08 : 0),
    offline: 0x12 | (s.isCoverOpen ? 0x04 : 0) | (s.isPaperOut ? 0x20 : 0) | (hasError ? 0x40 : 0),
    error: 0x12,
    paper: 0x12 | (s.isPaperNearEnd ? 0x0c : 0) | (s.isPaperOut ? 0x60 : 0),
    asb: [
      0x10 | (isOffline ? 0x08 : 0) | (s.isCoverOpen ? 0x20 : 0),
      hasError ? 0x40 : 0,
      (s.isPaperNearEnd ? 0x03 : 0) | (s.isPaperOut ? 0x0c : 0),
      0x0f,
    ],
  };
}
