import { z } from 'zod';
import { idSchema } from './common.ts';

export const tableStatusSchema = z.enum(['free', 'seated', 'ordered', 'in-kitchen', 'food-ready', 'served', 'bill-requested']);
export type TableStatus = z.infer<typeof tableStatusSchema>;

export const areaSchema = z.object({ id: idSchema, nameZh: z.string(), nameEn: z.string(), sort: z.number().int() });
export type Area = z.infer<typeof areaSchema>;

export const tableSchema = z.object({
  id: idSchema,
  areaId: idSchema,
  name: z.string(),
  seats: z.number().int(),
  status: tableStatusSchema,
  /** Oldest first: the waiter's tap opens the first, the order the table was opened with. */
  openOrderIds: z.array(idSchema),
});
export type Table = z.infer<typeof tableSchema>;

/**
 * A phone's call for a waiter that no one has acknowledged yet (calls are events: `seq` names the call, and
 * an acknowledgement clears every call of its table up to the seq it names).
 */
export const openWaiterCallSchema = z.object({
  seq: z.number().int().positive(),
  at: z.number().int(),
  table: z.object({ id: idSchema, name: z.string() }),
  note: z.string().nullable(),
  reason: z.enum(['bill', 'other']).optional(),
});
export type OpenWaiterCall = z.infer<typeof openWaiterCallSchema>;

export const floorSchema = z.object({
  areas: z.array(areaSchema),
  tables: z.array(tableSchema),
  /**
   * Calls not acknowledged yet, oldest first (those of the last hours): a tablet that loads the floor (started,
   * reloaded, back online) shows them, and clears one when `table.waiter_call_acknowledged` arrives. Always
   * sent by GET /api/v1/floor; optional only because the plan alone (areas and tables) is a Floor too.
   */
  waiterCalls: z.array(openWaiterCallSchema).optional(),
  /** The log's head the floor was read at: the calls (and acknowledgements) after it come on the stream. */
  seq: z.number().int().min(0).optional(),
});
export type Floor = z.infer<typeof floorSchema>;

/** What a customer's phone learns from its QR token: its own table, nothing else. */
export const qrTableSchema = z.object({ table: z.object({ id: idSchema, name: z.string(), areaId: idSchema }) });

/**
 * A customer's phone asks for a waiter (optionally saying why in a note). `reason: 'bill'` also marks the
 * table's open orders "bill requested" on the floor plan.
 */
export const waiterCallSchema = z.strictObject({
  note: z.string().trim().max(140).optional(),
  reason: z.enum(['bill', 'other']).optional(),
});
/**
 * `at` and `seq`: the `table.waiter_called` event of this call, or of the call it repeats (the same call within
 * 30 s, not acknowledged since). `seq` is what an acknowledgement's `throughSeq` is compared with.
 */
export const waiterCallResponseSchema = z.object({ called: z.literal(true), at: z.number().int(), seq: z.number().int().positive() });

/**
 * A waiter has seen to a table's call(s). `throughSeq`: the newest call the tablet showed (its seq); a call
 * made after it stays open, so an acknowledgement waiting in a tablet's outbox never clears a call its waiter
 * never saw.
 */
export const acknowledgeWaiterCallsSchema = z.strictObject({ throughSeq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
/** How many open calls it cleared (0: none was open up to that seq, another tablet got there first: no event). */
export const acknowledgeWaiterCallsResponseSchema = z.object({ acknowledged: z.number().int().min(0) });

/** Manager-only view with the secret QR tokens (to print the table cards). */
export const tableQrListSchema = z.object({
  tables: z.array(z.object({ id: idSchema, name: z.string(), qrToken: z.string(), path: z.string() })),
});
