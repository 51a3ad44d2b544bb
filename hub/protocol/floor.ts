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

export const floorSchema = z.object({ areas: z.array(areaSchema), tables: z.array(tableSchema) });
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
export const waiterCallResponseSchema = z.object({ called: z.literal(true), at: z.number().int() });

/** Manager-only view with the secret QR tokens (to print the table cards). */
export const tableQrListSchema = z.object({
  tables: z.array(z.object({ id: idSchema, name: z.string(), qrToken: z.string(), path: z.string() })),
});
