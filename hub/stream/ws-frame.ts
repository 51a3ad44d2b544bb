import { constants, deflateRawSync } from 'node:zlib';

/**
 * A WebSocket text frame built once and written as-is to every socket that gets it: a server's frames are
 * unmasked (RFC 6455 §5.1), so the same bytes suit every socket. `compressed`: the payload is a
 * permessage-deflate message, flagged by RSV1 (RFC 7692 §6).
 */
export function textFrame(payload: Buffer, compressed: boolean): Buffer {
  const n = payload.length;
  const headerLength = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + n);
  frame[0] = compressed ? 0xc1 : 0x81; // FIN, (RSV1,) opcode 1: text
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/**
 * A message compressed on its own, as permessage-deflate sends it when `server_no_context_takeover` was
 * agreed: raw DEFLATE ended by a sync flush, less the flush's last 4 bytes (00 00 ff ff), which the
 * receiver puts back (RFC 7692 §7.2.1). Level 1: on these JSON frames twice as fast as the default, and
 * the output about a tenth larger.
 */
export function deflateMessage(payload: Buffer): Buffer {
  const out = deflateRawSync(payload, { level: 1, finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

/**
 * Whether the hub's answer to an upgrade (its `Sec-WebSocket-Extensions` value) lets it send this socket
 * the deflated bytes it sends every other: permessage-deflate, no server context, the full 32 KiB window
 * (a client may ask for a smaller one, which those bytes might exceed; it then gets plain frames).
 */
export function acceptsSharedDeflate(answer: string | undefined): boolean {
  if (!answer) return false;
  return answer.split(',').some((offer) => {
    const [name, ...params] = offer.split(';').map((p) => p.trim().toLowerCase());
    if (name !== 'permessage-deflate') return false;
    const windowBits = params.find((p) => p.split('=')[0]!.trim() === 'server_max_window_bits')?.split('=')[1];
    return params.includes('server_no_context_takeover') && (windowBits === undefined || Number(windowBits.replace(/"/g, '').trim()) === 15);
  });
}

/** One message for every socket of a subscription: each form built when first needed, then shared. */
export class SharedMessage {
  private plainFrame: Buffer | undefined;
  private deflatedFrame: Buffer | undefined;

  constructor(readonly payload: Buffer) {}

  plain(): Buffer {
    return (this.plainFrame ??= textFrame(this.payload, false));
  }

  deflated(): Buffer {
    return (this.deflatedFrame ??= textFrame(deflateMessage(this.payload), true));
  }
}
