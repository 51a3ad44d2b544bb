import type { DayOrderRow, DayReportRepo, MoneyRow, OpenOrderRow } from '../domain/day-report.ts';
import type { DayCardCharge, DayFloat } from '../protocol/reports.ts';
import type { Db } from './db.ts';
import { OPEN_ORDER } from './order-repo.ts';

const CHARGE_COLUMNS = `id, order_id AS orderId, order_number AS orderNumber, amount_minor AS amountMinor, reference, created_at AS createdAt,
  resolved_at AS resolvedAt, resolution_kind AS resolutionKind, resolution_order_number AS resolutionOrderNumber, resolution_note AS resolutionNote,
  settled_at AS settledAt`;

/**
 * What the day's takings read (hub/domain/day-report.ts). Each statement reads one business day and no more
 * (hub/store/query-plans.test.ts): the day's orders along `orders_day_created`, their lines by order, and
 * the payments and refunds made between the day's first instant and the next day's along `payments_created`
 * and `refunds_created` (migration 0019), each order they belong to by its key; the orders open now through
 * the open statuses of `orders_status` (open orders are few, whatever day they were placed on); the kiosks'
 * unrecorded card charges of the same window along `unrecorded_card_charges_created`, and those of earlier
 * days settled in it along `unrecorded_card_charges_resolved` (migration 0022); the day's float by its day
 * (migration 0020), with the name of who recorded it.
 */
export class SqliteReportRepo implements DayReportRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      orders: db.prepare(
        `SELECT o.id, o.number, o.business_date AS businessDate, o.channel, o.status, o.table_id AS tableId, t.name AS tableName,
                o.subtotal_minor AS subtotalMinor, o.discount_minor AS discountMinor, o.total_minor AS totalMinor,
                o.due_minor AS dueMinor, o.created_at AS createdAt
           FROM orders o INDEXED BY orders_day_created LEFT JOIN dining_tables t ON t.id = o.table_id
          WHERE o.business_date = @businessDate
          ORDER BY o.created_at, o.rowid`,
      ),
      // every open order placed before the day's end, not only the day's: an earlier day's bill still open
      // (reopened, paid after 04:00, or the one a day's order was merged into) is money due all the same
      openOrders: db.prepare(
        `SELECT o.id, o.number, o.business_date AS businessDate, o.channel, o.table_id AS tableId, t.name AS tableName, o.total_minor AS totalMinor,
                o.due_minor AS dueMinor, o.created_at AS createdAt
           FROM orders o INDEXED BY orders_status LEFT JOIN dining_tables t ON t.id = o.table_id
          WHERE o.${OPEN_ORDER} AND o.created_at < @to
          ORDER BY o.created_at, o.rowid`,
      ),
      // the day's orders first (CROSS JOIN keeps that order): the voided lines of all time are not the way in
      voidedLines: db.prepare(
        `SELECT COUNT(*) AS count, COALESCE(SUM(l.line_total_minor), 0) AS amountMinor
           FROM orders o CROSS JOIN order_lines l INDEXED BY order_lines_order
          WHERE o.business_date = @businessDate AND l.order_id = o.id AND l.status = 'voided'`,
      ),
      payments: db.prepare(
        `SELECT p.tender, p.amount_minor AS amountMinor, o.business_date AS orderBusinessDate
           FROM payments p INDEXED BY payments_created CROSS JOIN orders o
          WHERE p.created_at >= @from AND p.created_at < @to AND o.id = p.order_id
          ORDER BY p.created_at, p.rowid`,
      ),
      // a refund is in the tender of the payment it gives back (cash from the drawer, a card on the terminal)
      refunds: db.prepare(
        `SELECT p.tender, r.amount_minor AS amountMinor, o.business_date AS orderBusinessDate
           FROM refunds r INDEXED BY refunds_created CROSS JOIN payments p CROSS JOIN orders o
          WHERE r.created_at >= @from AND r.created_at < @to AND p.id = r.payment_id AND o.id = r.order_id
          ORDER BY r.created_at, r.rowid`,
      ),
      // resolved ones too: the terminal charged them on the day, whatever a manager did about them since
      cardCharges: db.prepare(
        `SELECT ${CHARGE_COLUMNS}
           FROM unrecorded_card_charges INDEXED BY unrecorded_card_charges_created
          WHERE created_at >= @from AND created_at < @to
          ORDER BY created_at, rowid`,
      ),
      // an earlier day's charge refunded on the day's terminal, or recorded in the day's payments
      settledCharges: db.prepare(
        `SELECT ${CHARGE_COLUMNS}
           FROM unrecorded_card_charges INDEXED BY unrecorded_card_charges_settled
          WHERE settled_at >= @from AND settled_at < @to AND created_at < @from
          ORDER BY created_at, rowid`,
      ),
      floatOf: db.prepare(
        `SELECT f.id, f.business_date AS businessDate, f.amount_minor AS amountMinor, f.set_at AS setAt, f.staff_id AS staffId, s.name AS staffName
           FROM day_floats f LEFT JOIN staff s ON s.id = f.staff_id
          WHERE f.business_date = ?`,
      ),
      setFloat: db.prepare(
        `INSERT INTO day_floats (business_date, id, amount_minor, set_at, staff_id) VALUES (@businessDate, @id, @amountMinor, @setAt, @staffId)
         ON CONFLICT (business_date) DO UPDATE SET id = excluded.id, amount_minor = excluded.amount_minor, set_at = excluded.set_at, staff_id = excluded.staff_id`,
      ),
    };
  }

  ordersOfDay(businessDate: string): DayOrderRow[] {
    return this.s.orders.all({ businessDate }) as DayOrderRow[];
  }

  openOrdersPlacedBefore(to: number): OpenOrderRow[] {
    return this.s.openOrders.all({ to }) as OpenOrderRow[];
  }

  voidedLinesOfDay(businessDate: string): { count: number; amountMinor: number } {
    return this.s.voidedLines.get({ businessDate }) as { count: number; amountMinor: number };
  }

  paymentsBetween(from: number, to: number): MoneyRow[] {
    return this.s.payments.all({ from, to }) as MoneyRow[];
  }

  refundsBetween(from: number, to: number): MoneyRow[] {
    return this.s.refunds.all({ from, to }) as MoneyRow[];
  }

  cardChargesBetween(from: number, to: number): DayCardCharge[] {
    return this.s.cardCharges.all({ from, to }) as DayCardCharge[];
  }

  cardChargesSettledBetween(from: number, to: number): DayCardCharge[] {
    return this.s.settledCharges.all({ from, to }) as DayCardCharge[];
  }

  floatOf(businessDate: string): DayFloat | undefined {
    return this.s.floatOf.get(businessDate) as DayFloat | undefined;
  }

  setFloat(float: Omit<DayFloat, 'staffName'>): void {
    const { businessDate, id, amountMinor, setAt, staffId } = float;
    this.s.setFloat.run({ businessDate, id, amountMinor, setAt, staffId });
  }
}
