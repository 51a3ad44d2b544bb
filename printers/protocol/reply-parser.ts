import { isAsbHeaderByte, isPlainStatusByte, isRealtimeStatusByte } from './status.ts';

/** One thing the printer sent back, separated from everything else on the socket. */
export type PrinterReply =
  | { type: 'realtime-status'; byte: number }
  | { type: 'asb'; frame: [number, number, number, number] }
  | { type: 'barrier'; byte: number }
  | { type: 'unknown'; byte: number };

/**
 * Splits the bytes a printer sends into replies. Works byte by byte, so replies split across TCP segments
 * (or several replies in one segment) parse the same; node-escpos' `getStatuses()` wanted all 4 bytes in
 * one `data` event.
 *
 * The bit patterns tell the replies apart: `DLE EOT` 0xx1xx10, ASB header 0xx1xx00 followed by 3 bytes,
 * `GS r` 0xx0xxxx. An ASB frame's tail bytes look like `GS r` replies, which is why frames are tracked.
 */
export class ReplyParser {
  #asb: number[] | null = null;

  push(chunk: Uint8Array): PrinterReply[] {
    const out: PrinterReply[] = [];
    for (const b of chunk) {
      if (this.#asb !== null) {
        this.#asb.push(b);
        if (this.#asb.length === 4) {
          const [b1 = 0, b2 = 0, b3 = 0, b4 = 0] = this.#asb;
          out.push({ type: 'asb', frame: [b1, b2, b3, b4] });
          this.#asb = null;
        }
      } else if (isRealtimeStatusByte(b)) {
        out.push({ type: 'realtime-status', byte: b });
      } else if (isAsbHeaderByte(b)) {
        this.#asb = [b];
      } else if (isPlainStatusByte(b)) {
        out.push({ type: 'barrier', byte: b });
      } else {
        out.push({ type: 'unknown', byte: b });
      }
    }
    return out;
  }
}
