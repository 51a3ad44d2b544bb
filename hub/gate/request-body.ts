import type { IncomingMessage } from 'node:http';

/**
 * A request body read whole before the request takes one of the gate's places on the hub. Passed on as it
 * arrived, a phone that sent its headers and then stalled (it left the Wi-Fi mid-send, or did it on purpose)
 * held its place until the server gave up on it, five minutes; a few such phones shut the public channel.
 */
export type BodyOutcome =
  | { kind: 'read'; body: Buffer }
  /** Longer than `maxBytes` (declared or sent): 413. */
  | { kind: 'too-large' }
  /** Not all there within `deadlineMs`: 408, and the connection closed. */
  | { kind: 'too-slow' }
  /** More bodies on their way than `BodyBudget` holds: 503, as when the hub is busy. */
  | { kind: 'too-many' }
  /** The caller hung up first: nobody to answer. */
  | { kind: 'gone' };

/** Bytes of bodies still arriving, bounded: a flood of slow uploads must not grow the gate's memory without end. */
export class BodyBudget {
  private held = 0;

  constructor(readonly maxBytes: number) {}

  reserve(bytes: number): boolean {
    if (this.held + bytes > this.maxBytes) return false;
    this.held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.held -= bytes;
  }

  get heldBytes(): number {
    return this.held;
  }
}

/** Whether the request carries a body at all (HTTP/1.1: a length or a transfer coding says so). */
export const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/**
 * Reads `req`'s body; `done` is called once. A declared length is reserved from `budget` up front (an
 * unknown one, chunked, as `maxBytes`), and given back whatever the outcome.
 */
export function readBody(
  req: IncomingMessage,
  o: { maxBytes: number; deadlineMs: number; budget: BodyBudget },
  done: (outcome: BodyOutcome) => void,
): void {
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && !(declared <= o.maxBytes)) return done({ kind: 'too-large' });
  const reserved = declared ?? o.maxBytes;
  if (!o.budget.reserve(reserved)) return done({ kind: 'too-many' });
  const chunks: Buffer[] = [];
  let length = 0;
  let finished = false;
  const finish = (outcome: BodyOutcome) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    o.budget.release(reserved);
    req.off('data', onData);
    done(outcome);
  };
  const timer = setTimeout(() => finish({ kind: 'too-slow' }), o.deadlineMs);
  const onData = (chunk: Buffer) => {
    length += chunk.length;
    if (length > o.maxBytes) return finish({ kind: 'too-large' });
    chunks.push(chunk);
  };
  req.on('data', onData);
  req.once('end', () => finish({ kind: 'read', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length) }));
  // a whole body has ended before its request closes
  req.once('error', () => finish({ kind: 'gone' }));
  req.once('close', () => finish({ kind: 'gone' }));
}
