/**
 * The day's takings, for closing the till (a Z report): pure sums over what the store reads for one business
 * day. Sales are of the orders placed on the day; money is what moved during it, whatever day its order is
 * of — the drawer holds the cash taken today, also for a bill placed before 04:00 and paid after, and is
 * short the cash refunded today, also for last week's bill; the open orders are every one open now placed by
 * the day's end, also an earlier day's (see `dayReportSchema` in protocol/reports.ts). The drawer is counted
 * against the day's opening float (recorded by the cashier, `setFloat`) plus the cash expected; the card
 * terminal against the card payments plus what it holds of the kiosks' card charges the hub refused to record.
 */
import type { Channel, Role } from '../protocol/common.ts';
import type { OrderStatus, Tender } from '../protocol/orders.ts';
import type { ByTender, DayCardCharge, DayFloat, DayReport, FloatSupersededDetails, MoneyMoved, OpenOrderDue, SetDayFloat, UnrecordedCardChargesOfDay } from '../protocol/reports.ts';
import { businessDate, dayAfter } from './business-date.ts';
import { DomainError } from './errors.ts';
import type { CommandContext } from './ports.ts';
import { requireStaff, type Principal } from './principal.ts';

/** Who reads the takings, and records the float: the cashier who counts the drawer and the manager who checks the day. */
export const DAY_REPORT_ROLES = ['cashier', 'manager'] as const satisfies readonly Role[];

/**
 * Not a topic the tablets hear: the stream is the device's, whoever is signed in at it, and the amount in the
 * drawer is no waiter's business. No screen follows a float live; a tablet reads it with the report.
 */
export const DAY_FLOAT_TOPICS = ['till'] as const;

/** One order placed on the day, as the report needs it. */
export interface DayOrderRow {
  id: string;
  number: number;
  /** The business day it was placed on (`orders.business_date`). */
  businessDate: string;
  channel: Channel;
  status: OrderStatus;
  tableId: string | null;
  tableName: string | null;
  subtotalMinor: number;
  discountMinor: number;
  totalMinor: number;
  dueMinor: number;
  createdAt: number;
}

/** An order open now, as the report lists it with what is due on it. */
export type OpenOrderRow = Omit<DayOrderRow, 'status' | 'subtotalMinor' | 'discountMinor'>;

/** A payment taken, or a refund given (in its payment's tender), during the day, with its order's business day. */
export interface MoneyRow {
  tender: Tender;
  amountMinor: number;
  orderBusinessDate: string;
}

/** What the report reads from the store (hub/store/report-repo.ts). */
export interface DayReportRepo {
  /** The orders placed on the business day, whatever became of them. */
  ordersOfDay(businessDate: string): DayOrderRow[];
  /**
   * The orders open now that were placed before `to`, whatever business day: the day's own, and an earlier
   * day's still open (a bill from before 04:00 not paid yet, one reopened today, or one the day's orders were
   * merged into).
   */
  openOrdersPlacedBefore(to: number): OpenOrderRow[];
  /** The voided lines of those orders: how many, and what they came to. */
  voidedLinesOfDay(businessDate: string): { count: number; amountMinor: number };
  /** Payments taken at or after `from` and before `to`. */
  paymentsBetween(from: number, to: number): MoneyRow[];
  /** Refunds given at or after `from` and before `to`, each in the tender of the payment it gave back. */
  refundsBetween(from: number, to: number): MoneyRow[];
  /** The kiosks' card charges the hub refused to record, made at or after `from` and before `to`, resolved or not, oldest first. */
  cardChargesBetween(from: number, to: number): DayCardCharge[];
  /**
   * Those made before `from` that a manager resolved as refunded on the terminal or recorded as a payment at
   * or after `from` and before `to`, oldest first.
   */
  cardChargesSettledBetween(from: number, to: number): DayCardCharge[];
  /** The day's opening float, as last recorded. */
  floatOf(businessDate: string): DayFloat | undefined;
  /** Records the day's float, replacing the one before (the log keeps both). */
  setFloat(float: Omit<DayFloat, 'staffName'>): void;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The instants a business day runs between: its first (04:00 local, as `businessDate` counts it) and the next
 * day's. Found by asking `businessDate` itself (a binary search over the minutes around the day's start), so
 * the bounds agree with the day every order was stamped with, daylight saving included.
 */
export function businessDayBounds(date: string, timeZone: string): { from: number; to: number } {
  return { from: firstInstantOf(date, timeZone), to: firstInstantOf(dayAfter(date), timeZone) };
}

function firstInstantOf(date: string, timeZone: string): number {
  // 04:00 on that date, in any zone: UTC offsets lie within ±14 h
  const utc0400 = Date.parse(`${date}T04:00:00Z`);
  let lo = Math.floor((utc0400 - 15 * HOUR) / MINUTE); // a minute of the day before
  let hi = Math.floor((utc0400 + 15 * HOUR) / MINUTE); // a minute of the day itself
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (businessDate(mid * MINUTE, timeZone) >= date) hi = mid;
    else lo = mid;
  }
  return hi * MINUTE;
}

const noTenders = (): ByTender => ({ cash: { count: 0, amountMinor: 0 }, card: { count: 0, amountMinor: 0 }, other: { count: 0, amountMinor: 0 } });

function moneyMoved(rows: readonly MoneyRow[], day: string): MoneyMoved {
  const byTender = noTenders();
  let amountMinor = 0;
  let forOtherDaysMinor = 0;
  for (const r of rows) {
    byTender[r.tender].count += 1;
    byTender[r.tender].amountMinor += r.amountMinor;
    amountMinor += r.amountMinor;
    if (r.orderBusinessDate !== day) forOtherDaysMinor += r.amountMinor;
  }
  return { count: rows.length, amountMinor, byTender, forOtherDaysMinor };
}

export interface DayFacts {
  businessDate: string;
  timeZone: string;
  from: number;
  to: number;
  asOf: number;
  orders: readonly DayOrderRow[];
  /** The orders open now placed before `to` (`DayReportRepo.openOrdersPlacedBefore`). */
  openOrders: readonly OpenOrderRow[];
  voidedLines: { count: number; amountMinor: number };
  payments: readonly MoneyRow[];
  refunds: readonly MoneyRow[];
  /** The kiosks' card charges the hub refused to record, made during the day (`DayReportRepo.cardChargesBetween`). */
  cardCharges: readonly DayCardCharge[];
  /** Earlier days' charges settled during the day (`DayReportRepo.cardChargesSettledBetween`); absent: none. */
  settledCardCharges?: readonly DayCardCharge[];
  /** The day's opening float; null: none recorded. */
  float: DayFloat | null;
}

/**
 * Refunded on the terminal, or recorded as a payment, in [from, to): the refund dated by the manager's resolve,
 * the payment by when it was taken (`settledAt`: it is in that day's payments, whenever the manager said so).
 */
const settledWithin = (c: DayCardCharge, from: number, to: number): boolean => c.settledAt !== null && c.settledAt >= from && c.settledAt < to;

/**
 * The day's unrecorded card charges as the terminal's total has them: every one made during the day, less
 * those refunded on the terminal or recorded as a payment during it, less earlier days' charges settled so
 * during it (their refund is on today's terminal total, or their payment in today's payments). A charge
 * refunded after the day ended stays on that day's: the terminal had it when the day closed. One recorded as
 * a payment taken that day comes off that day's, however late the manager says so: the payment is in them.
 */
function cardChargesOfDay(charges: readonly DayCardCharge[], earlier: readonly DayCardCharge[], from: number, to: number): UnrecordedCardChargesOfDay {
  const byTime = (list: readonly DayCardCharge[]) => [...list].sort((a, b) => a.createdAt - b.createdAt);
  const sum = (list: readonly DayCardCharge[]) => list.reduce((total, c) => total + c.amountMinor, 0);
  const sorted = byTime(charges);
  const unresolved = sorted.filter((c) => c.resolvedAt === null);
  const settled = sorted.filter((c) => settledWithin(c, from, to));
  const ofEarlierDays = byTime(earlier.filter((c) => c.createdAt < from && settledWithin(c, from, to)));
  const amountMinor = sum(sorted);
  return {
    count: sorted.length,
    amountMinor,
    unresolved: { count: unresolved.length, amountMinor: sum(unresolved) },
    charges: sorted.map((c) => ({ ...c })),
    settled: { count: settled.length, amountMinor: sum(settled) },
    settledOfEarlierDays: { count: ofEarlierDays.length, amountMinor: sum(ofEarlierDays), charges: ofEarlierDays.map((c) => ({ ...c })) },
    onTerminalMinor: amountMinor - sum(settled) - sum(ofEarlierDays),
  };
}

/** The report from what was read: integer sums, nothing rounded. */
export function summarizeDay(f: DayFacts): DayReport {
  const byChannel: Record<Channel, number> = { pos: 0, kiosk: 0, qr: 0, preorder: 0 };
  let count = 0;
  let voided = 0;
  let grossMinor = 0;
  let discountsMinor = 0;
  let netSalesMinor = 0;
  for (const o of f.orders) {
    if (o.status === 'voided') voided += 1;
    // a merged order's dishes and payments are on the order it went into: counted there
    if (o.status === 'voided' || o.status === 'merged') continue;
    count += 1;
    byChannel[o.channel] += 1;
    grossMinor += o.subtotalMinor;
    discountsMinor += o.discountMinor;
    netSalesMinor += o.totalMinor;
  }
  // not only the day's own orders: the till must not close on an earlier day's bill with money due either
  const open: OpenOrderDue[] = f.openOrders.map((o) => ({
    id: o.id,
    number: o.number,
    businessDate: o.businessDate,
    tableId: o.tableId,
    tableName: o.tableName,
    channel: o.channel,
    totalMinor: o.totalMinor,
    dueMinor: o.dueMinor,
    createdAt: o.createdAt,
  }));
  open.sort((a, b) => a.createdAt - b.createdAt || a.number - b.number);
  const times = f.orders.map((o) => o.createdAt);
  const payments = moneyMoved(f.payments, f.businessDate);
  const refunds = moneyMoved(f.refunds, f.businessDate);
  const cashExpectedMinor = payments.byTender.cash.amountMinor - refunds.byTender.cash.amountMinor;
  const float = f.float;
  const cards = cardChargesOfDay(f.cardCharges, f.settledCardCharges ?? [], f.from, f.to);
  return {
    businessDate: f.businessDate,
    timeZone: f.timeZone,
    from: f.from,
    to: f.to,
    asOf: f.asOf,
    orders: {
      count,
      byChannel,
      voided,
      firstAt: times.length > 0 ? Math.min(...times) : null,
      lastAt: times.length > 0 ? Math.max(...times) : null,
    },
    grossMinor,
    discountsMinor,
    netSalesMinor,
    voidedLines: { ...f.voidedLines },
    payments,
    refunds,
    cashExpectedMinor,
    floatMinor: float?.amountMinor ?? null,
    floatSetAt: float?.setAt ?? null,
    floatId: float?.id ?? null,
    floatSetBy: float?.staffName ?? null,
    drawerExpectedMinor: float ? float.amountMinor + cashExpectedMinor : null,
    unrecordedCardCharges: cards,
    cardTerminalExpectedMinor: payments.byTender.card.amountMinor - refunds.byTender.card.amountMinor + cards.onTerminalMinor,
    openOrders: { count: open.length, dueMinor: open.reduce((sum, o) => sum + o.dueMinor, 0), orders: open },
  };
}

/** Reads a business day's report (`date` absent: the day it is at `now`), for a cashier or a manager. */
export class DayReportService {
  constructor(private readonly repo: DayReportRepo) {}

  read(principal: Principal, date: string | undefined, now: number, timeZone: string): DayReport {
    requireStaff(principal, DAY_REPORT_ROLES, "the day's takings");
    const day = date ?? businessDate(now, timeZone);
    const { from, to } = businessDayBounds(day, timeZone);
    return summarizeDay({
      businessDate: day,
      timeZone,
      from,
      to,
      asOf: now,
      orders: this.repo.ordersOfDay(day),
      openOrders: this.repo.openOrdersPlacedBefore(to),
      voidedLines: this.repo.voidedLinesOfDay(day),
      payments: this.repo.paymentsBetween(from, to),
      refunds: this.repo.refundsBetween(from, to),
      cardCharges: this.repo.cardChargesBetween(from, to),
      settledCardCharges: this.repo.cardChargesSettledBetween(from, to),
      float: this.repo.floatOf(day) ?? null,
    });
  }

  /**
   * Records the day's opening float, counted into the drawer before the first sale, for a cashier or a
   * manager. Any day may be named: the float is corrected after the fact (a cashier closing yesterday's
   * till after 04:00) as often as it is entered in the morning. A later one replaces the earlier only if it
   * names it (`replaces`, the float its tablet showed): a float queued offline on one tablet must not
   * silently replace the one another recorded meanwhile, which the till is now counted against. Refused
   * with the float recorded (`float_superseded`), the cashier keeps it or replaces it knowingly, with a new
   * request naming it. The log keeps each, with the float it replaced.
   */
  setFloat(input: SetDayFloat, ctx: CommandContext): DayFloat {
    const staff = requireStaff(ctx.principal, DAY_REPORT_ROLES, "recording the day's float");
    const previous = this.repo.floatOf(input.businessDate);
    // a request without `replaces` (a tablet from before it) saw no float: it may record the first one only
    const replaces = input.replaces ?? null;
    if (previous && previous.id !== replaces) {
      const by = previous.staffName ? ` by ${previous.staffName}` : '';
      throw new DomainError(
        'float_superseded',
        `another float was recorded for ${input.businessDate} (${previous.amountMinor} minor units${by}, float ${previous.id}) that this one does not name in replaces: keep it, or send a new request naming it`,
        { current: previous } satisfies FloatSupersededDetails,
      );
    }
    const id = input.id ?? ctx.newId();
    if (id === previous?.id) throw new DomainError('conflict', `float ${id} is the one recorded for ${input.businessDate}: a float cannot replace itself`);
    const float: DayFloat = { id, businessDate: input.businessDate, amountMinor: input.amountMinor, setAt: ctx.now, staffId: staff.staffId, staffName: staff.staffName };
    this.repo.setFloat(float);
    ctx.events.emit('day.float_set', { float, previousMinor: previous?.amountMinor ?? null, previousId: previous?.id ?? null }, DAY_FLOAT_TOPICS);
    return float;
  }
}
