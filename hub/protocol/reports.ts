import { z } from 'zod';
import { unrecordedCardChargeSchema } from './card-charges.ts';
import { channelSchema, epochMsSchema, idSchema, minorSchema, type Channel } from './common.ts';
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
  /**
   * The business day the order was placed on: numbers restart every day, so an earlier day's open order is
   * told apart by it ("#12 of 2024-05-01"), not by its number alone.
   */
  businessDate: businessDateSchema,
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
 * A card a kiosk's terminal charged that the hub refused to record as a payment
 * (protocol/card-charges.ts), as the report lists it: what the cashier needs to find it in the terminal's
 * journal, and what a manager said became of it.
 */
export const dayCardChargeSchema = unrecordedCardChargeSchema.pick({
  id: true,
  orderId: true,
  orderNumber: true,
  amountMinor: true,
  reference: true,
  createdAt: true,
  resolvedAt: true,
  resolutionKind: true,
  resolutionOrderNumber: true,
  resolutionNote: true,
  settledAt: true,
});
export type DayCardCharge = z.infer<typeof dayCardChargeSchema>;

/**
 * The kiosks' card charges the hub did not record, as the card terminal's total for the day has them. The
 * terminal counts a charge on the day it made it, and a refund on the day it gave it back; the payments have
 * a charge recorded as an order's card payment from when it was recorded. So, on the money clock ([`from`,
 * `to`)):
 * - `count`, `amountMinor`, `charges`: the charges made during the day, resolved or not;
 * - `settled`: of them, those refunded on the terminal or recorded as a payment during the day (the
 *   manager's `resolvedAt`): they add nothing to the terminal's total beyond the payments;
 * - `settledOfEarlierDays`: earlier days' charges refunded on the terminal or recorded as a payment during
 *   this day: the terminal's total has the refund, or the payments have money the terminal took on its day;
 * - `onTerminalMinor`: what the terminal's total has that the payments do not: `amountMinor` less both.
 * A charge resolved `other` (or before there were kinds) stays on the terminal, whatever the note says.
 */
export const unrecordedCardChargesOfDaySchema = z.object({
  count,
  amountMinor: sumMinor,
  /** Of them, the ones no manager has resolved yet: money someone still has to give back or account for. */
  unresolved: z.object({ count, amountMinor: sumMinor }),
  /** Every one of them, oldest first. */
  charges: z.array(dayCardChargeSchema),
  settled: z.object({ count, amountMinor: sumMinor }),
  settledOfEarlierDays: z.object({ count, amountMinor: sumMinor, charges: z.array(dayCardChargeSchema) }),
  onTerminalMinor: sumMinor,
});
export type UnrecordedCardChargesOfDay = z.infer<typeof unrecordedCardChargesOfDaySchema>;

/**
 * The day's takings, for closing the till (a Z report). Two clocks, on purpose:
 * - **sales** (`orders`, `grossMinor` … `netSalesMinor`, `voidedLines`) are of the orders placed on the
 *   business day, as they stand now; `openOrders` are the orders open now that were placed by the day's end,
 *   whatever day (an earlier day's bill still open is money due at this till too);
 * - **money** (`payments`, `refunds`, `cashExpectedMinor`) is what moved between `from` and `to`, whatever
 *   day its order was placed on: the drawer holds the cash taken today, also for yesterday's late bill, and
 *   is short the cash given back today, also for last week's bill. `forOtherDaysMinor` says how much of it
 *   was for orders of other days, so the two halves can be reconciled. The kiosks' card charges the hub did
 *   not record (`unrecordedCardCharges`) are counted on this clock too: the card terminal's day is when it
 *   charged the card, or gave it back.
 * The drawer is counted against `drawerExpectedMinor`: the opening float the cashier recorded for the day
 * plus the cash expected; the card terminals' totals against `cardTerminalExpectedMinor`.
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
   * The opening float recorded for the day (`POST /api/v1/reports/day/float`, the latest one), and when it was
   * recorded; null: none recorded.
   */
  floatMinor: minorSchema.nullable(),
  floatSetAt: epochMsSchema.nullable(),
  /** The float's id, which a float recorded to replace it names (`replaces`); null: none recorded. */
  floatId: idSchema.nullable(),
  /** Who recorded it (the staff member's name); null: none recorded, or not known. */
  floatSetBy: z.string().nullable(),
  /**
   * What the drawer should hold when counted: the float plus `cashExpectedMinor`. Null while no float is
   * recorded (a drawer opened empty is a float of 0, recorded as such).
   */
  drawerExpectedMinor: sumMinor.nullable(),
  /** Cards a kiosk's terminal charged that are not in `payments`, as the terminal's total for the day has them. */
  unrecordedCardCharges: unrecordedCardChargesOfDaySchema,
  /**
   * What the card terminals' totals for the day should come to: card payments less card refunds, plus what
   * they have of the unrecorded charges (`unrecordedCardCharges.onTerminalMinor`).
   */
  cardTerminalExpectedMinor: sumMinor,
  /**
   * The orders not closed, voided or merged now that were placed before `to`, oldest first, with what is due
   * on each: the day's own, and an earlier day's still open (a bill from before 04:00 not paid yet, one
   * reopened today, the one a day's order was merged into).
   */
  openOrders: z.object({ count, dueMinor: sumMinor, orders: z.array(openOrderDueSchema) }),
});
export type DayReport = z.infer<typeof dayReportSchema>;

export const dayReportResponseSchema = z.object({ report: dayReportSchema });

/**
 * `POST /api/v1/reports/day/float`: the cash put in the drawer before the day's first sale. The day is named,
 * never "today": a change a tablet queued offline before 04:00 still lands on the day it was meant for. It
 * names the float it replaces, as the tablet last saw the day (`replaces`): a float recorded meanwhile on
 * another tablet is not replaced by one that never saw it (409 `float_superseded`, with the float recorded).
 */
export const setDayFloatSchema = z.strictObject({
  businessDate: businessDateSchema.describe('the business day whose drawer the float opened (YYYY-MM-DD, store time zone)'),
  amountMinor: minorSchema.describe('the cash counted into the drawer at opening, in minor units; 0 for a drawer opened empty'),
  id: idSchema
    .optional()
    .describe("this float's id, made on the device, so a float queued after it on the same device can name it; absent: the hub makes one"),
  replaces: idSchema
    .nullable()
    .optional()
    .describe(
      "the id of the day's float this one replaces, as the device last saw it (the report's floatId); null: it saw none. Absent (tablets from before) is null. Another float recorded: 409 float_superseded",
    ),
});
export type SetDayFloat = z.infer<typeof setDayFloatSchema>;

/** A day's opening float as the hub holds it: the latest one recorded replaces the one before. */
export const dayFloatSchema = z.object({
  /** Made by the device that recorded it (or the hub); floats recorded before there were ids have `float-<day>`. */
  id: idSchema,
  businessDate: businessDateSchema,
  amountMinor: minorSchema,
  setAt: epochMsSchema,
  /** The cashier or manager (staff id) who recorded it, and their name. */
  staffId: idSchema.nullable(),
  staffName: z.string().nullable(),
});
export type DayFloat = z.infer<typeof dayFloatSchema>;

export const dayFloatResponseSchema = z.object({ float: dayFloatSchema });

/** The 409 `float_superseded` answer's `error.details`: the float recorded for the day, which the request did not name. */
export const floatSupersededDetailsSchema = z.object({ current: dayFloatSchema });
export type FloatSupersededDetails = z.infer<typeof floatSupersededDetailsSchema>;

/**
 * Topic `till`, which no screen asks for: the amount in the drawer is the cashier's and the manager's, and a
 * tablet's stream is the device's, the same whoever is signed in at it (a waiter's too). Each one is kept in
 * the log, with the float it replaced. Logged before floats had ids: no `id`, `staffName` or `previousId`.
 */
export const reportEventPayloadSchemas = {
  'day.float_set': z.object({
    float: dayFloatSchema.partial({ id: true, staffName: true }),
    previousMinor: minorSchema.nullable(),
    previousId: idSchema.nullable().optional(),
  }),
} as const;
