import { z } from 'zod';
import { epochMsSchema, idSchema } from './common.ts';
import { menuItemSchema } from './menu.ts';
import { kitchenStatusSchema, orderLineSchema, orderSchema, orderSummarySchema, paymentSchema, refundSchema } from './orders.ts';
import { printingEventPayloadSchemas } from './printing.ts';
import { cardChargeEventPayloadSchemas } from './card-charges.ts';
import { reportEventPayloadSchemas } from './reports.ts';
import { staffEventPayloadSchemas } from './staff.ts';

/**
 * Facts, in dotted past tense. Each order event carries the order's summary after the change, so a client
 * can keep headers current without refetching; line events carry the lines they touched.
 */
export const eventPayloadSchemas = {
  'order.placed': z.object({ order: orderSchema }),
  'order.lines_added': z.object({ order: orderSummarySchema, lines: z.array(orderLineSchema) }),
  'order.lines_fired': z.object({ order: orderSummarySchema, lineIds: z.array(idSchema), firedAt: epochMsSchema }),
  'order.lines_status_changed': z.object({
    order: orderSummarySchema,
    lineIds: z.array(idSchema),
    status: kitchenStatusSchema,
    at: epochMsSchema,
  }),
  'order.lines_recalled': z.object({ order: orderSummarySchema, lineIds: z.array(idSchema), at: epochMsSchema }),
  'order.rush_changed': z.object({ order: orderSummarySchema }),
  'order.line_voided': z.object({ order: orderSummarySchema, line: orderLineSchema, wasFired: z.boolean() }),
  'order.voided': z.object({ order: orderSummarySchema, reason: z.string() }),
  'order.discounted': z.object({ order: orderSummarySchema, reason: z.string() }),
  'order.payment_taken': z.object({ order: orderSummarySchema, payment: paymentSchema }),
  'order.refunded': z.object({ order: orderSummarySchema, refund: refundSchema }),
  'order.closed': z.object({ order: orderSummarySchema }),
  'order.reopened': z.object({ order: orderSummarySchema, reason: z.string() }),
  /** Topics: the order's, plus the table it left and `floor`. */
  'order.transferred': z.object({
    order: orderSummarySchema,
    from: z.object({ id: idSchema, name: z.string() }),
    to: z.object({ id: idSchema, name: z.string() }),
  }),
  /** `merged` ends as status merged; `into` holds its lines (kitchen progress kept) and payments now. */
  'order.merged': z.object({
    merged: orderSummarySchema,
    order: orderSummarySchema,
    lineIds: z.array(idSchema),
    paymentIds: z.array(idSchema),
  }),
  'order.bill_requested': z.object({ order: orderSummarySchema, requested: z.boolean(), by: z.enum(['staff', 'table']) }),
  'menu.item_updated': z.object({ item: menuItemSchema }),
  'menu.stock_changed': z.object({ items: z.array(z.object({ id: idSchema, remaining: z.number().int().nullable() })) }),
  'table.waiter_called': z.object({
    table: z.object({ id: idSchema, name: z.string() }),
    note: z.string().nullable(),
    reason: z.enum(['bill', 'other']).optional(),
  }),
  /**
   * Every call of the table up to `throughSeq` (a call's seq) is seen to; `calls`: how many were open. Topics
   * `floor` and the table's: its phones hear it without who (staffId and staffName null on their stream).
   */
  'table.waiter_call_acknowledged': z.object({
    table: z.object({ id: idSchema, name: z.string() }),
    throughSeq: z.number().int().positive(),
    calls: z.number().int().positive(),
    staffId: idSchema.nullable(),
    staffName: z.string().nullable(),
  }),
  'kitchen.pacing_changed': z.object({ publicOrderingPaused: z.boolean(), reason: z.string().nullable() }),
  'device.paired': z.object({ device: z.object({ id: idSchema, name: z.string(), kind: z.string() }) }),
  ...printingEventPayloadSchemas,
  ...cardChargeEventPayloadSchemas,
  ...reportEventPayloadSchemas,
  ...staffEventPayloadSchemas,
} as const;

export type EventType = keyof typeof eventPayloadSchemas;
export type EventPayload<T extends EventType> = z.infer<(typeof eventPayloadSchemas)[T]>;

export const eventTypeSchema = z.enum(Object.keys(eventPayloadSchemas) as [EventType, ...EventType[]]);

/** The envelope every event travels in, on the stream and in the log. */
export const hubEventSchema = z.object({
  seq: z.number().int().positive(),
  type: eventTypeSchema,
  at: epochMsSchema,
  deviceId: idSchema.nullable(),
  staffId: idSchema.nullable(),
  payload: z.unknown(),
});

export type HubEvent = {
  [T in EventType]: {
    seq: number;
    type: T;
    at: number;
    deviceId: string | null;
    staffId: string | null;
    payload: EventPayload<T>;
  };
}[EventType];
