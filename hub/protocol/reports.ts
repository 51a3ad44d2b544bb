import { z } from 'zod';
import { channelSchema, epochMsSchema, idSchema, type Channel } from './common.ts';
import { businessDateSchema, type Tender } from './orders.ts';

/** `GET /api/v1/reports/day`: one business day; none named, the hub's day now. */
export const dayReportQuerySchema = z.strictObject({
  businessDate: businessDateSchema.optional().describe('the business day (YYYY-MM-DD, store time zone, 04:00–04:00); default: the day it is now'),
});
export type DayReportQuery = z.infer<typeof dayReportQuerySchema>;

/** Money is integer minor units throughout; sums may go below zero (refunds of an earlier day's takings). */
const sumMinor = z.number().int();
const count = z.number().int().min(0);

/** How many and how much, for one tender. */
export const tenderSumSchema = z.object({ count, amountMinor: sumMinor });
export type TenderSum = z.infer<typeof tenderSumSchema>;

/** Every tender, always all of them (0 when none was taken). */
const byTenderSchema = z.object({ cash: tenderSumSchema, card: tenderSumSchema, other: tenderSumSchema } satisfies Record<Tender, typeof tenderSumSchema>);
export type ByTender = z.infer<typeof byTenderSchema>;

/** Money that moved on the day: payments taken, or refunds given. */
export const moneyMovedSchema = z.object({
  count,
  amountMinor: sumMinor,
  byTender: byTenderSchema,
  /** Of `amountMinor`, what moved on orders of another business day (a bill placed before 04:00 paid after it, a refund days later). */
  forOtherDaysMinor: sumMinor,
});
export type MoneyMoved = z.infer<typeof moneyMovedSchema>;

/** An order still open, and what is still due on it: a till should not close with money due. */
export const openOrderDueSchema = z.object({
  id: idSchema,
  number: z.number().int(),
  tableId: idSchema.nullable(),
  /** The table's name ('A1'); null for a takeaway or kiosk order. */
  tableName: z.string().nullable(),
  channel: channelSchema,
  totalMinor: sumMinor,
  dueMinor: sumMinor,
  createdAt: epochMsSchema,
});
export type OpenOrderDue = z.infer<typeof openOrderDueSchema>;

/**
 * The day's takings, for closing the till (a Z report). Two clocks, on purpose:
 * - **sales** (`orders`, `grossMinor` … `netSalesMinor`, `voidedLines`) are of the orders placed on the
 *   business day, as they stand now; `openOrders` are the orders open now that were placed by the day's end,
 *   whatever day (an earlier day's bill still open is money due at this till too);
 * - **money** (`payments`, `refunds`, `cashExpectedMinor`) is what moved between `from` and `to`, whatever
 *   day its order was placed on: the drawer holds the cash taken today, also for yesterday's late bill, and
 *   is short the cash given back today, also for last week's bill. `forOtherDaysMinor` says how much of it
 *   was for orders of other days, so the two halves can be reconciled.
 */
export const dayReportSchema = z.object({
  businessDate: businessDateSchema,
  /** The store's time zone the day is counted in. */
  timeZone: z.string(),
  /** The day's first instant (04:00 local) and the next day's (exclusive): money moved in between counts. */
  from: epochMsSchema,
  to: epochMsSchema,
  /** When the hub read it: a day not over yet changes after. */
  asOf: epochMsSchema,
  orders: z.object({
    /** Orders placed on the day that count as sales: not voided, not merged into another order (its food is on that one). */
    count,
    byChannel: z.object({ pos: count, kiosk: count, qr: count, preorder: count } satisfies Record<Channel, typeof count>),
    /** Whole orders voided. */
    voided: count,
    /** When the day's first and last orders were placed (null: no order). */
    firstAt: epochMsSchema.nullable(),
    lastAt: epochMsSchema.nullable(),
  }),
  /** What the dishes still on the day's orders come to, before discounts. */
  grossMinor: sumMinor,
  /** The discounts the bills apply. */
  discountsMinor: sumMinor,
  /** Gross less discounts: what the day's bills total. */
  netSalesMinor: sumMinor,
  /** Dishes voided on the day's orders (whole orders voided included): not in gross. */
  voidedLines: z.object({ count, amountMinor: sumMinor }),
  /** Payments taken on the day, at what each took off its bill (cash: not what was handed over; the change went back). */
  payments: moneyMovedSchema,
  /** Refunds given on the day, in the tender of the payment each gave back. */
  refunds: moneyMovedSchema,
  /** Cash taken less cash refunded on the day: what the drawer should hold on top of its float. */
  cashExpectedMinor: sumMinor,
  /**
   * The orders not closed, voided or merged now that were placed before `to`, oldest first, with what is due
   * on each: the day's own, and an earlier day's still open (a bill from before 04:00 not paid yet, one
   * reopened today, the one a day's order was merged into).
   */
  openOrders: z.object({ count, dueMinor: sumMinor, orders: z.array(openOrderDueSchema) }),
});
export type DayReport = z.infer<typeof dayReportSchema>;

export const dayReportResponseSchema = z.object({ report: dayReportSchema });
