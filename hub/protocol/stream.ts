import { z } from 'zod';
import { hubEventSchema } from './events.ts';
import { orderSchema } from './orders.ts';

/**
 * Topics a stream subscriber can ask for. Every event is tagged with the topics it concerns:
 * `orders` (every order event), `floor` (table calls), `station:<id>` (events touching that station's lines), `table:<id>`,
 * `menu`, `kitchen`, `devices`, `printers` (printer health and print jobs), `staff` (added, a new PIN,
 * deactivated: never a PIN). `*` means everything.
 */
export const topicSchema = z.string().regex(/^(\*|orders|floor|menu|kitchen|devices|printers|staff|station:[A-Za-z0-9_-]+|table:[A-Za-z0-9_-]+)$/);

/** Client → hub. The first message after the socket opens. */
export const helloSchema = z.strictObject({
  type: z.literal('hello'),
  /** The last seq this client applied; omit on a first connection to start from now. */
  lastSeq: z.number().int().min(0).optional(),
  /** The epoch the client's lastSeq belongs to; a different epoch means the hub's database was replaced. */
  epoch: z.string().optional(),
  topics: z.array(topicSchema).min(1).max(50).optional(),
});
export type Hello = z.infer<typeof helloSchema>;

/**
 * Client → hub, after the welcome: "how far have I been sent?". The hub answers with an `events` frame with
 * no events and the `upToSeq` it has sent this subscription everything up to (frames keep their order on a
 * socket, so the answer comes after every frame sent before it), during a replay as far as the replay has
 * gone. A filtered subscriber uses it to learn it is caught up, since frames with nothing for it are not
 * sent. Not answered between a `reset` and the next hello.
 */
export const syncSchema = z.strictObject({ type: z.literal('sync') });

export const clientMessageSchema = z.discriminatedUnion('type', [helloSchema, syncSchema]);

/** Hub → client. */
export const welcomeMessageSchema = z.object({
  type: z.literal('welcome'),
  epoch: z.string(),
  headSeq: z.number().int(),
  /** Events after this seq follow (replayed, then live). */
  fromSeq: z.number().int(),
});
export const eventsMessageSchema = z.object({
  type: z.literal('events'),
  events: z.array(hubEventSchema),
  /**
   * Every event up to this seq that matches the subscription has been sent. With topic filters seqs have
   * holes; a client stores `upToSeq` (not the last event's seq) as its resume point. Frames with no
   * matching events are not sent.
   */
  upToSeq: z.number().int(),
});
export const resetMessageSchema = z.object({
  type: z.literal('reset'),
  reason: z.enum(['epoch-changed', 'too-far-behind', 'ahead-of-hub']),
  epoch: z.string(),
  headSeq: z.number().int(),
});
export const streamErrorMessageSchema = z.object({ type: z.literal('error'), code: z.string(), message: z.string() });

export const serverMessageSchema = z.discriminatedUnion('type', [
  welcomeMessageSchema,
  eventsMessageSchema,
  resetMessageSchema,
  streamErrorMessageSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/**
 * What a client loads after a `reset`, as of `seq` (then it resumes the stream from `seq`): the open orders,
 * paid ones with food still in the kitchen — fired or preparing, or bumped ready within
 * `READY_FOOD_KEPT_MS` — and orders voided or paid within `READY_FOOD_KEPT_MS` with a line voided while
 * cooking (fired, never bumped), for the kitchen's void notice (kitchen-snapshot.ts).
 */
export const snapshotSchema = z.object({
  epoch: z.string(),
  seq: z.number().int(),
  menuVersion: z.number().int(),
  orders: z.array(orderSchema),
});
export type Snapshot = z.infer<typeof snapshotSchema>;
