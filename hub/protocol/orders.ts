import { z } from 'zod';
import { channelSchema, epochMsSchema, idSchema, minorSchema, shortText } from './common.ts';

export const lineStatusSchema = z.enum(['held', 'fired', 'preparing', 'ready', 'served', 'voided']);
export type LineStatus = z.infer<typeof lineStatusSchema>;

/**
 * placed → fired → preparing → ready → served → closed, or voided, or merged (its lines and payments moved
 * into another order). Derived from the lines, except closed/voided/merged.
 */
export const orderStatusSchema = z.enum(['placed', 'fired', 'preparing', 'ready', 'served', 'closed', 'voided', 'merged']);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

export const tenderSchema = z.enum(['cash', 'card', 'other']);
export type Tender = z.infer<typeof tenderSchema>;

export const chosenOptionSchema = z.object({
  id: idSchema,
  groupId: idSchema,
  nameZh: z.string(),
  nameEn: z.string(),
  priceDeltaMinor: z.number().int(),
});
export type ChosenOption = z.infer<typeof chosenOptionSchema>;

/**
 * The order a line was fired on, when a merge has since moved it onto another: the kitchen's ticket carried
 * that order's number and table, and the cooks know the dish by them.
 */
export const mergedFromSchema = z.object({ orderId: idSchema, number: z.number().int(), tableId: idSchema.nullable() });
export type MergedFrom = z.infer<typeof mergedFromSchema>;

export const orderLineSchema = z.object({
  id: idSchema,
  itemId: idSchema,
  nameZh: z.string(),
  nameEn: z.string(),
  stationId: idSchema,
  qty: z.number().int(),
  /** Item price plus option deltas, snapshotted when the line was added. */
  unitPriceMinor: z.number().int(),
  lineTotalMinor: z.number().int(),
  options: z.array(chosenOptionSchema),
  note: z.string().nullable(),
  course: z.number().int(),
  /**
   * The guest's seat (chosen on the tablet), for splitting the bill by seat. Optional like the other fields
   * added after the first release: copies cached by clients, and fixtures, from before it stay valid.
   */
  seat: z.number().int().nullable().optional(),
  status: lineStatusSchema,
  voidReason: z.string().nullable(),
  addedAt: epochMsSchema,
  firedAt: epochMsSchema.nullable(),
  readyAt: epochMsSchema.nullable(),
  servedAt: epochMsSchema.nullable(),
  addedByStaffId: idSchema.nullable(),
  /**
   * Set by a merge that moved the line after it was fired: the order it was fired on (a line merged on again
   * keeps its first). Null for a line ordered on this order, and for one moved while still held (it is fired
   * under this order, and its ticket carries this order's number). Optional like `seat`.
   */
  mergedFrom: mergedFromSchema.nullable().optional(),
});
export type OrderLine = z.infer<typeof orderLineSchema>;

/** What part of one line a payment paid (split by item or seat). */
export const paymentLineSchema = z.object({ lineId: idSchema, amountMinor: minorSchema });
export type PaymentLine = z.infer<typeof paymentLineSchema>;

export const paymentSchema = z.object({
  id: idSchema,
  tender: tenderSchema,
  amountMinor: minorSchema,
  /** The lines this payment covers; empty for a payment on the whole bill (or an even share of it). */
  lines: z.array(paymentLineSchema),
  tenderedMinor: minorSchema.nullable(),
  changeMinor: minorSchema,
  reference: z.string().nullable(),
  createdAt: epochMsSchema,
  staffId: idSchema.nullable(),
});
export type Payment = z.infer<typeof paymentSchema>;

/**
 * Money given back on one payment, in the payment's own tender (cash from the drawer, a card refund on the
 * terminal). Payments are never changed: a refund is a row of its own, and the order's `paidMinor` is what
 * its payments took less what was refunded.
 */
export const refundSchema = z.object({
  id: idSchema,
  paymentId: idSchema,
  amountMinor: minorSchema,
  /** The lines this refund gives back of what the payment covered on them (empty for a bill-level payment). */
  lines: z.array(paymentLineSchema),
  /** The card terminal's refund reference (card), or a note on the tender. */
  reference: z.string().nullable(),
  reason: z.string(),
  createdAt: epochMsSchema,
  staffId: idSchema.nullable(),
});
export type Refund = z.infer<typeof refundSchema>;

export const orderSchema = z.object({
  id: idSchema,
  /** Human-friendly daily number (pickup number for kiosk/QR/takeaway). Restarts at 1 each business day. */
  number: z.number().int(),
  businessDate: z.string(),
  channel: channelSchema,
  tableId: idSchema.nullable(),
  guestCount: z.number().int().nullable(),
  note: z.string().nullable(),
  status: orderStatusSchema,
  lines: z.array(orderLineSchema),
  payments: z.array(paymentSchema),
  /** Money given back, newest last. Optional like the other fields added after the first release; the hub always sends it. */
  refunds: z.array(refundSchema).optional(),
  subtotalMinor: z.number().int(),
  /** The discount the bill applies now: what a manager granted, capped at the subtotal. */
  discountMinor: z.number().int(),
  /**
   * What a manager granted (kept when a void leaves less food than that, so it applies again when food is
   * added back). Optional like the other fields added after the first release; the hub always sends it.
   */
  discountGrantedMinor: z.number().int().optional(),
  discountReason: z.string().nullable(),
  totalMinor: z.number().int(),
  paidMinor: z.number().int(),
  dueMinor: z.number().int(),
  /** Bumped by every change; lets clients drop stale copies. */
  revision: z.number().int(),
  createdAt: epochMsSchema,
  updatedAt: epochMsSchema,
  closedAt: epochMsSchema.nullable(),
  /** When the kitchen was past its pacing threshold: the ready time quoted to a kiosk/QR customer. */
  quotedReadyAt: epochMsSchema.nullable(),
  /** Rush / VIP: kitchen screens sort it first. */
  rush: z.boolean(),
  deviceId: idSchema.nullable(),
  staffId: idSchema.nullable(),
  /** Who placed it, as named when it was placed (tickets and screens show it). */
  staffName: z.string().nullable(),
  /** Status `merged`: the order its lines and payments went to. */
  mergedIntoOrderId: idSchema.nullable().optional(),
  /** The table asked for the bill (the waiter marked it, or the customer's phone asked); cleared on close. */
  billRequestedAt: epochMsSchema.nullable().optional(),
  /**
   * When the party now holding it sat down at its table: when it was placed, or last moved (`seatedSince`
   * reads it). Optional like the other fields added after the first release; the hub always sends it.
   */
  seatedAt: epochMsSchema.optional(),
});
export type Order = z.infer<typeof orderSchema>;

/** The part of an order that every order event carries, so a client can update its header without refetching. */
export const orderSummarySchema = orderSchema.pick({
  id: true,
  number: true,
  status: true,
  tableId: true,
  subtotalMinor: true,
  discountMinor: true,
  totalMinor: true,
  paidMinor: true,
  dueMinor: true,
  revision: true,
  rush: true,
}).extend({
  /**
   * The order's last change as the hub stores it (absent from events logged before it was added): not always
   * the event's time, since a kitchen change to a bill closed long ago leaves it where it was (a screen that
   * keeps its own copy follows this, and agrees with one that reloads).
   */
  updatedAt: epochMsSchema.optional(),
  /**
   * The ready time quoted to the customer (absent from events logged before it was added): a guest's phone
   * adding dishes is quoted again, and the salvage's replay (hub/store/salvage-replay.ts) has only the
   * events to learn it from.
   */
  quotedReadyAt: epochMsSchema.nullable().optional(),
});
export type OrderSummary = z.infer<typeof orderSummarySchema>;

// ---- requests ----

/** The highest seat a line can be put on (lineInputSchema): a merge numbers a joining party's seats within it. */
export const MAX_SEAT = 99;

export const lineInputSchema = z.strictObject({
  id: idSchema.optional(),
  itemId: idSchema,
  qty: z.number().int().min(1).max(99),
  optionIds: z.array(idSchema).max(20).optional(),
  note: shortText(140).optional(),
  course: z.number().int().min(1).max(9).optional(),
  seat: z.number().int().min(1).max(MAX_SEAT).optional(),
  /** Held lines wait for an explicit fire (course by course). */
  hold: z.boolean().optional(),
});
export type LineInput = z.infer<typeof lineInputSchema>;

export const placeOrderSchema = z.strictObject({
  id: idSchema.optional(),
  channel: channelSchema,
  tableId: idSchema.optional(),
  guestCount: z.number().int().min(1).max(99).optional(),
  note: shortText(200).optional(),
  rush: z.boolean().optional(),
  /** Send non-held lines to the kitchen at once (default true). */
  fire: z.boolean().optional(),
  /**
   * Opening a table (a POS order with a table and no lines) that a waiter has already opened is refused
   * (409, naming its open order): two tablets seating one table at the same moment would split its bill and
   * tickets in two. `true` asks for another check on that table on purpose.
   */
  separateCheck: z.boolean().optional(),
  lines: z.array(lineInputSchema).max(100),
});
export type PlaceOrder = z.infer<typeof placeOrderSchema>;

export const addLinesSchema = z.strictObject({
  lines: z.array(lineInputSchema).min(1).max(100),
  fire: z.boolean().optional(),
});
export type AddLines = z.infer<typeof addLinesSchema>;

export const fireSchema = z.strictObject({ course: z.number().int().min(1).max(9).optional() });
export type Fire = z.infer<typeof fireSchema>;

export const kitchenStatusSchema = z.enum(['preparing', 'ready', 'served']);
export type KitchenStatus = z.infer<typeof kitchenStatusSchema>;

export const setLineStatusSchema = z.strictObject({
  status: kitchenStatusSchema,
  /** Default: every line of the order that can take this status. */
  lineIds: z.array(idSchema).min(1).max(100).optional(),
  /**
   * The statuses the screen saw the lines in: a named line in another is refused (409 invalid_transition), as
   * one that cannot take the status is. Expo serves what it saw ready; a dish the station recalled a moment
   * before (being made again) is not served with it.
   */
  from: z.array(lineStatusSchema).min(1).max(6).optional(),
});
export type SetLineStatus = z.infer<typeof setLineStatusSchema>;

export const recallSchema = z.strictObject({
  /** Default: every ready line of the order. */
  lineIds: z.array(idSchema).min(1).max(100).optional(),
});
export type Recall = z.infer<typeof recallSchema>;

export const rushSchema = z.strictObject({ rush: z.boolean() });

export const voidSchema = z.strictObject({ reason: shortText(140).min(1) });
export type VoidInput = z.infer<typeof voidSchema>;

export const discountSchema = z
  .strictObject({
    amountMinor: minorSchema.optional(),
    percent: z.number().int().min(0).max(100).optional(),
    reason: shortText(140).min(1),
  })
  .refine((v) => (v.amountMinor === undefined) !== (v.percent === undefined), {
    message: 'give exactly one of amountMinor or percent',
  });
export type DiscountInput = z.infer<typeof discountSchema>;

export const paymentInputSchema = z.strictObject({
  id: idSchema.optional(),
  tender: tenderSchema,
  /**
   * What this tender pays off the bill. 0 only settles (and closes) a bill with nothing due: free dishes,
   * or a bill comped in full; while something is due it is refused (422).
   */
  amountMinor: minorSchema,
  /** Cash handed over; change due = tendered − amount. */
  tenderedMinor: minorSchema.optional(),
  /** Card terminal reference or the name of another tender. */
  reference: shortText(80).optional(),
  /**
   * Split by item or seat: the lines this tender pays. `amountMinor` must then be what is still open on
   * them (capped at what is due), so a tablet with a stale bill is refused rather than mis-allocating.
   */
  lineIds: z.array(idSchema).min(1).max(100).optional(),
  /**
   * Split evenly: this tender is one of `splitWays` equal shares of what is due now (shares left, counting
   * this one). `amountMinor` must be the first of those shares; the remainder fen go to the first shares.
   */
  splitWays: z.number().int().min(1).max(50).optional(),
}).refine((v) => v.lineIds === undefined || v.splitWays === undefined, { message: 'give lineIds or splitWays, not both' });
export type PaymentInput = z.infer<typeof paymentInputSchema>;

/**
 * Give back money taken by one of the order's payments (manager only). The order may be open or closed; it
 * stays as it is (a closed bill refunded after a complaint stays closed). A refund of a payment that
 * covered lines (split by item or seat) names the lines it gives back (`lineIds`), and `amountMinor` must be
 * what that payment still covers on them, as a payment by item must be what is open on its lines; without
 * `lineIds` such a refund must give back all the payment still holds. A bill-level payment can be refunded in
 * part. Never more than the payment took less its earlier refunds (422). Once refunded, a line is no longer
 * "paid": it can be voided, and a discount or a merge is no longer refused for leaving the bill overpaid.
 */
export const refundInputSchema = z.strictObject({
  id: idSchema.optional(),
  paymentId: idSchema,
  amountMinor: minorSchema.refine((v) => v > 0, { message: 'a refund gives back more than 0' }),
  reason: shortText(140).min(1),
  /** The card terminal's refund reference; required when the payment was by card. */
  reference: shortText(80).optional(),
  lineIds: z.array(idSchema).min(1).max(100).optional(),
});
export type RefundInput = z.infer<typeof refundInputSchema>;

export const refundResponseSchema = z.object({ order: orderSchema, refund: refundSchema });

/** Move an open order to a free table. */
export const transferSchema = z.strictObject({ tableId: idSchema });
export type TransferInput = z.infer<typeof transferSchema>;

/**
 * Move a party: every open order of the table in the path (the waiter's, its phones', a separate check) to
 * a free table, all or none. The answer lists the orders moved, oldest first.
 */
export const moveTableSchema = z.strictObject({ toTableId: idSchema });
export type MoveTableInput = z.infer<typeof moveTableSchema>;

const tableRefSchema = z.object({ id: idSchema, name: z.string() });
export const moveTableResponseSchema = z.object({ orders: z.array(orderSchema), from: tableRefSchema, to: tableRefSchema });
export type MoveTableResponse = z.infer<typeof moveTableResponseSchema>;

/** Move everything of this open order into another open order (usually another table's). */
export const mergeSchema = z.strictObject({ intoOrderId: idSchema });
export type MergeInput = z.infer<typeof mergeSchema>;

/** Mark (or unmark) that the table asked for the bill. */
export const billRequestSchema = z.strictObject({ requested: z.boolean() });
export type BillRequestInput = z.infer<typeof billRequestSchema>;

export const mergeResponseSchema = z.object({ order: orderSchema, merged: orderSchema });

/**
 * Merge a party (`POST /tables/:tableId/merge`, the body a `mergeSchema`): every open order of the table in
 * the path (the waiter's, its phones', a separate check) into another table's open order, all or none. The
 * answer: that order as it ends, and the orders merged into it, oldest first.
 */
export const mergeTableResponseSchema = z.object({ order: orderSchema, merged: z.array(orderSchema), from: tableRefSchema });
export type MergeTableResponse = z.infer<typeof mergeTableResponseSchema>;

export const reopenSchema = voidSchema;

/** A business day, `YYYY-MM-DD` (a real date): the day an order counts towards (hub/domain/business-date.ts). */
export const businessDateSchema = z.iso.date('a business day is a date, YYYY-MM-DD');

export const listOrdersQuerySchema = z
  .strictObject({
    status: z
      .union([orderStatusSchema, z.literal('open')])
      .optional()
      .describe('"open" means neither closed nor voided'),
    tableId: idSchema.optional(),
    businessDate: businessDateSchema.optional().describe("one business day's orders (the answer's `businessDate` is today's)"),
    number: z.coerce.number().int().min(1).max(1_000_000).optional().describe('the order of this number (with businessDate: numbers restart every day)'),
    before: idSchema.optional().describe('the next page: the orders listed after this one (with businessDate)'),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  // numbers restart every business day, and a page is of one day's orders: both need the day named
  .refine((q) => q.number === undefined || q.businessDate !== undefined, { path: ['number'], message: 'number needs businessDate: order numbers restart every business day' })
  .refine((q) => q.before === undefined || q.businessDate !== undefined, { path: ['before'], message: 'before needs businessDate: pages are of one business day' });
export type ListOrdersQuery = z.infer<typeof listOrdersQuerySchema>;

export const orderResponseSchema = z.object({ order: orderSchema });
export const paymentResponseSchema = z.object({ order: orderSchema, payment: paymentSchema });
export const ordersResponseSchema = z.object({
  orders: z.array(orderSchema),
  /**
   * The business day it is now at the hub (the day an order placed now would count towards), so a tablet
   * can ask for today's orders without knowing the store's time zone or day start. Optional like the other
   * fields added after the first release; the hub always sends it.
   */
  businessDate: businessDateSchema.optional(),
});
