import { eventForPublic } from '../domain/public-reads.ts';
import type { LoggedEvent } from '../store/event-log.ts';

/**
 * An event as the stream holds and sends it: its JSON as UTF-8 bytes, encoded once when it is published (or
 * read from the log for a replay) and then joined into the frame of every subscription that hears it.
 *
 * Bytes rather than the writer's JSON string, because the latest events stay in memory for replays
 * (RecentEvents) long enough to outlive V8's young generation: held as strings (a rope of the payload's parts
 * and, once encoded, its flat copy too, two bytes a character with any Chinese in it), a flood's thousand
 * events a second were promoted to the old generation and died there, and the heap grew 100–150 MB before a
 * full collection came (measured with `hub-cost --overload 5`: the hub's RSS peaked at 431 MB, 284 with a
 * ring of one event). A Buffer's bytes are outside the heap, and a full collection comes for them sooner.
 */
export interface StreamEvent {
  readonly seq: number;
  readonly topics: readonly string[];
  readonly bytes: Buffer;
  /** The event as a customer's phone or a kiosk may hear it, once it was asked for (see guestBytes). */
  guest?: Buffer;
}

export const streamEvent = (e: LoggedEvent): StreamEvent => ({ seq: e.seq, topics: e.topics, bytes: Buffer.from(e.json) });

/** A value of a key the public channel may not hear (a staff id or name, a payment reference); `null` is fine. */
const STAFF_ONLY_VALUE = /"(?:staffId|staffName|addedByStaffId|reference)":(?!null)/;

/**
 * The event as a customer's phone or a kiosk may hear it (`eventForPublic`): the same bytes when nothing is to
 * clear. Made once for its live frame and every phone's replay of it: a table's phones reconnecting replay the
 * same events, and clearing the staff's names from one costs a parse and a stringify.
 */
export function guestBytes(e: StreamEvent): Buffer {
  if (e.guest) return e.guest;
  const json = e.bytes.toString();
  e.guest = STAFF_ONLY_VALUE.test(json) ? Buffer.from(JSON.stringify(eventForPublic(JSON.parse(json) as unknown))) : e.bytes;
  return e.guest;
}
