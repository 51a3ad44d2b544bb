import { eventForPublic, STAFF_ONLY_KEYS } from '../domain/public-reads.ts';
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

export const streamEvent = (e: LoggedEvent): StreamEvent => ({ seq: e.seq, topics: e.topics, bytes: ownBytes(e.json) });

/**
 * The string's UTF-8 in memory of its own. Buffer.from gives a string under 4 kB a slice of an 8 kB block it
 * shares with whatever was encoded next (frames, other events): one held event kept its whole block alive,
 * so 1,000 small events counted at 170 kB held 2.4 MB (up to 8 kB an event, whatever the bound counts).
 */
function ownBytes(s: string): Buffer {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(s));
  b.write(s);
  return b;
}

/**
 * A value of a key the public channel may not hear (a staff id or name, a payment reference, a void or
 * discount reason: STAFF_ONLY_KEYS); `null` is fine.
 */
const STAFF_ONLY = [...STAFF_ONLY_KEYS].join('|');
const STAFF_ONLY_VALUE = new RegExp(`"(?:${STAFF_ONLY})":(?!null)`);
/**
 * The same keys with a string value, the string whole (escapes included). In JSON text every quote inside a
 * string is escaped, so a note that reads `"staffName":"x"` is `\"staffName\":\"x\"` in the text and does
 * not match. A key ending in an escaped quote and `staffName` would have its value cleared (more than
 * eventForPublic clears, never less): no key of the protocol is made of anyone's text.
 */
const STAFF_ONLY_STRING = new RegExp(`"(${STAFF_ONLY})":"(?:[^"\\\\]|\\\\.)*"`, 'g');
/**
 * A note or a reason: whether the staff wrote it depends on what sits beside it (an order's or a line's
 * writer, the event's type), which the text does not tell; such an event takes the parse. Notes are on a
 * few orders, reasons on voids, discounts and refunds: the common waiter's order keeps the text path.
 */
const TYPED_TEXT = /"(?:note|reason)":"/;

/**
 * The event as a customer's phone or a kiosk may hear it (`eventForPublic`): the same bytes when nothing is to
 * clear. Made once for its live frame and every phone's replay of it, and made on the text: every waiter's
 * order names its waiter, and a parse and a stringify of a placed order cost the hub's thread ~120 µs where
 * clearing the values in its text costs ~15 (a seventh of what the hub spends on the whole order). Any other
 * kind of value under those keys (none is written today), and any note or reason, takes the parse.
 */
export function guestBytes(e: StreamEvent): Buffer {
  if (e.guest) return e.guest;
  const json = e.bytes.toString();
  const typed = TYPED_TEXT.test(json);
  if (!typed && !STAFF_ONLY_VALUE.test(json)) return (e.guest = e.bytes);
  const cleared = typed ? json : json.replace(STAFF_ONLY_STRING, '"$1":null');
  e.guest = ownBytes(typed || STAFF_ONLY_VALUE.test(cleared) ? JSON.stringify(eventForPublic(JSON.parse(json) as unknown)) : cleared);
  return e.guest;
}
