import type { OrderListFilter, OrderRepo } from '../domain/ports.ts';
import type { MergedFrom, Order, OrderLine, OrderStatus, Payment, Refund } from '../protocol/orders.ts';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.ts';
import { DONE_STATUSES, grantedDiscount, OPEN_STATUSES, seatedSince } from '../domain/order.ts';

/**
 * An open order, in SQL: a list of statuses (not `NOT IN` the done ones), so that `orders_status` finds the
 * open orders among a year of closed ones one status at a time.
 */
export const OPEN_ORDER = `status IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')})`;

interface OrderRow extends Omit<Order, 'lines' | 'payments' | 'refunds'> {}
/** A line's origin (`OrderLine.mergedFrom`) as stored: three columns, all set or all null. */
export interface MergedFromRow {
  mergedFromOrderId: string | null;
  mergedFromNumber: number | null;
  mergedFromTableId: string | null;
}
export const MERGED_FROM_COLUMNS = 'merged_from_order_id AS mergedFromOrderId, merged_from_number AS mergedFromNumber, merged_from_table_id AS mergedFromTableId';

/** A line read from `order_lines` (any of its columns), its JSON and its origin made whole. */
export function lineOfRow<R extends MergedFromRow & { options: string }>({ options, mergedFromOrderId, mergedFromNumber, mergedFromTableId, ...line }: R) {
  const mergedFrom: MergedFrom | null = mergedFromOrderId === null ? null : { orderId: mergedFromOrderId, number: mergedFromNumber!, tableId: mergedFromTableId };
  return { ...line, options: JSON.parse(options) as OrderLine['options'], mergedFrom };
}

interface LineRow extends Omit<OrderLine, 'options' | 'mergedFrom'>, MergedFromRow {
  orderId: string;
  options: string;
}
interface PaymentRow extends Omit<Payment, 'lines'> {
  orderId: string;
  lines: string;
}
interface RefundRow extends Omit<Refund, 'lines'> {
  orderId: string;
  lines: string;
}

const ORDER_COLUMNS = `id, number, business_date AS businessDate, channel, table_id AS tableId, guest_count AS guestCount,
  note, status, subtotal_minor AS subtotalMinor, discount_minor AS discountMinor, discount_granted_minor AS discountGrantedMinor, discount_reason AS discountReason,
  total_minor AS totalMinor, paid_minor AS paidMinor, due_minor AS dueMinor, revision, created_at AS createdAt,
  updated_at AS updatedAt, closed_at AS closedAt, quoted_ready_at AS quotedReadyAt, rush, device_id AS deviceId, staff_id AS staffId, staff_name AS staffName,
  merged_into_order_id AS mergedIntoOrderId, bill_requested_at AS billRequestedAt, COALESCE(seated_at, created_at) AS seatedAt`;
const LINE_COLUMNS = `id, order_id AS orderId, item_id AS itemId, name_zh AS nameZh, name_en AS nameEn, station_id AS stationId,
  qty, unit_price_minor AS unitPriceMinor, line_total_minor AS lineTotalMinor, options, note, course, seat, status,
  void_reason AS voidReason, added_at AS addedAt, fired_at AS firedAt, ready_at AS readyAt, served_at AS servedAt,
  added_by_staff_id AS addedByStaffId, ${MERGED_FROM_COLUMNS}`;
const PAYMENT_COLUMNS = `id, order_id AS orderId, tender, amount_minor AS amountMinor, tendered_minor AS tenderedMinor,
  change_minor AS changeMinor, reference, created_at AS createdAt, staff_id AS staffId, lines`;
const REFUND_COLUMNS = `id, order_id AS orderId, payment_id AS paymentId, amount_minor AS amountMinor, lines, reference, reason,
  created_at AS createdAt, staff_id AS staffId`;

/**
 * One statement per shape of the order list's filter, each with a WHERE an index serves (one statement with
 * `@status IS NULL OR …` read every order there ever was, then sorted them):
 * - `any`: newest first along `orders_created` (or a table's along `orders_table`), until the page is full;
 * - `open`, `live` (one open status): through the open statuses in `orders_status`, sorted: open orders are
 *   few, where one table's orders of every day are not;
 * - `done` (closed, voided, merged): newest first along `orders_status`, or at a table along the table's own
 *   orders in `orders_table` (closed is nearly all of them; a rare status reads one table's history, never
 *   the whole store's closed orders for a table that has few).
 *
 * With a business day, whatever the status and table: newest first along that day's part of
 * `orders_day_created` (a day's orders, a thousand on a busy one, however old the store), from the page's
 * cursor on (`before`: an order's creation time and rowid, the list's own order); with its order number too,
 * the one row in `orders_day_number`, the other filters checked on it.
 */
type ListShape = 'open' | 'live' | 'done' | 'any';
const LIST_SHAPES: readonly ListShape[] = ['open', 'live', 'done', 'any'];
const shapeOf = (status: OrderStatus | 'open' | undefined): ListShape =>
  status === undefined ? 'any' : status === 'open' ? 'open' : DONE_STATUSES.includes(status) ? 'done' : 'live';
/** Which business day the list is of: none (every day), a day, or a day's order of one number. */
type DayShape = 'all' | 'day' | 'number';

interface ListKey {
  shape: ListShape;
  byTable: boolean;
  day: DayShape;
  /** Pages on from a cursor (only with a day). */
  paged: boolean;
}
const LIST_KEYS: readonly ListKey[] = LIST_SHAPES.flatMap((shape) =>
  [false, true].flatMap((byTable) => [
    { shape, byTable, day: 'all' as const, paged: false },
    ...(['day', 'number'] as const).flatMap((day) => [false, true].map((paged) => ({ shape, byTable, day, paged }))),
  ]),
);
const keyOf = (k: ListKey): string => `${k.shape}/${k.byTable}/${k.day}/${k.paged}`;

function listSql({ shape, byTable, day, paged }: ListKey): string {
  const terms = [
    ...(day === 'all' ? [] : ['business_date = @businessDate']),
    ...(day === 'number' ? ['number = @number'] : []),
    ...(shape === 'open' ? [OPEN_ORDER] : shape === 'live' ? [OPEN_ORDER, 'status = @status'] : shape === 'done' ? ['status = @status'] : []),
    ...(byTable ? ['table_id = @tableId'] : []),
    // the list's order is (created_at, rowid) descending: the page after the cursor is what sorts below it
    ...(paged ? ['(created_at, rowid) < (@beforeAt, @beforeRowid)'] : []),
  ];
  const index =
    day === 'day'
      ? ' INDEXED BY orders_day_created'
      : day === 'number'
        ? ' INDEXED BY orders_day_number'
        : !byTable
          ? ''
          : shape === 'open' || shape === 'live'
            ? ' INDEXED BY orders_status'
            : ' INDEXED BY orders_table';
  const where = terms.length ? `WHERE ${terms.join(' AND ')}` : '';
  return `SELECT ${ORDER_COLUMNS} FROM orders${index} ${where} ORDER BY created_at DESC, rowid DESC LIMIT @limit`;
}

/**
 * A line voided while the kitchen may have been cooking it, in SQL: fired and never bumped (the KDS's
 * `isVoidedWhileCooking`, clients/kds/board.ts). Voiding keeps a line's `fired_at` and `ready_at`.
 */
const VOIDED_WHILE_COOKING = (line: string) => `${line}.status = 'voided' AND ${line}.fired_at IS NOT NULL AND ${line}.ready_at IS NULL`;

/** The done statuses, in SQL: a table's orders done lately (see `listDoneAtTable`). */
const DONE_ORDER = `status IN (${DONE_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/**
 * A table's done orders lately changed, for its phone: along the table's own orders in `orders_table` from
 * `placedSince` on (a range on the index's second column: one table's orders of the last day, never its
 * whole history), then the status and the last change filtered among those few.
 */
function doneAtTableSql(oneStatus: boolean): string {
  return `SELECT ${ORDER_COLUMNS} FROM orders INDEXED BY orders_table
    WHERE table_id = @tableId AND created_at >= @placedSince AND ${oneStatus ? 'status = @status' : DONE_ORDER} AND updated_at >= @changedSince
    ORDER BY created_at DESC, rowid DESC LIMIT @limit`;
}

const orderParams = (o: Order) => ({
  ...o,
  rush: Number(o.rush),
  mergedIntoOrderId: o.mergedIntoOrderId ?? null,
  billRequestedAt: o.billRequestedAt ?? null,
  discountGrantedMinor: grantedDiscount(o),
  seatedAt: seatedSince(o),
});

/** Orders with their lines, payments and refunds. All statements prepared once; the order path runs no ad-hoc SQL. */
export class SqliteOrderRepo implements OrderRepo {
  private readonly s;
  private readonly listBy: Map<string, Statement>;
  private readonly doneAtTable: { any: Statement; one: Statement };

  constructor(db: Db) {
    this.s = {
      order: db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ?`),
      lines: db.prepare(`SELECT ${LINE_COLUMNS} FROM order_lines WHERE order_id = ? ORDER BY position`),
      payments: db.prepare(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE order_id = ? ORDER BY created_at, rowid`),
      refunds: db.prepare(`SELECT ${REFUND_COLUMNS} FROM refunds WHERE order_id = ? ORDER BY created_at, rowid`),
      orderExists: db.prepare('SELECT 1 FROM orders WHERE id = ?').pluck(),
      /** Where an order sits in the list's order: a page's cursor. */
      listPosition: db.prepare('SELECT created_at AS createdAt, rowid FROM orders WHERE id = ?'),
      lineExists: db.prepare('SELECT 1 FROM order_lines WHERE id = ?').pluck(),
      paymentExists: db.prepare('SELECT 1 FROM payments WHERE id = ?').pluck(),
      refundExists: db.prepare('SELECT 1 FROM refunds WHERE id = ?').pluck(),
      insertOrder: db.prepare(
        `INSERT INTO orders (id, number, business_date, channel, table_id, guest_count, note, status, subtotal_minor,
           discount_minor, discount_granted_minor, discount_reason, total_minor, paid_minor, due_minor, revision, created_at, updated_at, closed_at,
           quoted_ready_at, rush, device_id, staff_id, staff_name, merged_into_order_id, bill_requested_at, seated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateOrder: db.prepare(
        `UPDATE orders SET status = @status, subtotal_minor = @subtotalMinor, discount_minor = @discountMinor,
           discount_granted_minor = @discountGrantedMinor, discount_reason = @discountReason, total_minor = @totalMinor, paid_minor = @paidMinor, due_minor = @dueMinor,
           revision = @revision, updated_at = @updatedAt, closed_at = @closedAt, guest_count = @guestCount, note = @note,
           rush = @rush, table_id = @tableId, merged_into_order_id = @mergedIntoOrderId, bill_requested_at = @billRequestedAt,
           quoted_ready_at = @quotedReadyAt, seated_at = @seatedAt
         WHERE id = @id`,
      ),
      upsertLine: db.prepare(
        `INSERT INTO order_lines (id, order_id, position, item_id, name_zh, name_en, station_id, qty, unit_price_minor,
           line_total_minor, options, note, course, seat, status, void_reason, added_at, fired_at, ready_at, served_at, added_by_staff_id,
           merged_from_order_id, merged_from_number, merged_from_table_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, void_reason = excluded.void_reason,
           fired_at = excluded.fired_at, ready_at = excluded.ready_at, served_at = excluded.served_at`,
      ),
      insertPayment: db.prepare(
        `INSERT INTO payments (id, order_id, tender, amount_minor, tendered_minor, change_minor, reference, created_at, staff_id, lines)
         VALUES (@id, @orderId, @tender, @amountMinor, @tenderedMinor, @changeMinor, @reference, @createdAt, @staffId, @lines)`,
      ),
      insertRefund: db.prepare(
        `INSERT INTO refunds (id, order_id, payment_id, amount_minor, lines, reference, reason, created_at, staff_id)
         VALUES (@id, @orderId, @paymentId, @amountMinor, @lines, @reference, @reason, @createdAt, @staffId)`,
      ),
      moveLine: db.prepare(
        'UPDATE order_lines SET order_id = ?, position = ?, seat = ?, merged_from_order_id = ?, merged_from_number = ?, merged_from_table_id = ? WHERE id = ?',
      ),
      movePayment: db.prepare('UPDATE payments SET order_id = ? WHERE id = ?'),
      moveRefund: db.prepare('UPDATE refunds SET order_id = ? WHERE id = ?'),
      nextNumber: db.prepare(
        `INSERT INTO order_counters (business_date, last_number) VALUES (?, 1)
         ON CONFLICT (business_date) DO UPDATE SET last_number = last_number + 1 RETURNING last_number`,
      ).pluck(),
      // rowids, then the rows: each branch reads its own index (the open orders'; the lines still in the
      // kitchen; the orders voided or closed since `since`, each checked along its own lines), where one WHERE with an OR
      // would read every order the store ever had
      listActive: db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE rowid IN (
           SELECT rowid FROM orders WHERE ${OPEN_ORDER}
           UNION SELECT o.rowid FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE l.status IN ('fired', 'preparing') OR (l.status = 'ready' AND l.ready_at >= @since)
           UNION SELECT v.rowid FROM orders v INDEXED BY orders_done_updated
             WHERE v.status IN ('voided', 'closed') AND v.updated_at >= @since AND EXISTS (
               SELECT 1 FROM order_lines f INDEXED BY order_lines_order
                 WHERE f.order_id = v.id AND ${VOIDED_WHILE_COOKING('f')}))
         ORDER BY created_at, rowid`),
    };
    this.listBy = new Map(LIST_KEYS.map((k) => [keyOf(k), db.prepare(listSql(k))]));
    this.doneAtTable = { any: db.prepare(doneAtTableSql(false)), one: db.prepare(doneAtTableSql(true)) };
  }

  get(id: string): Order | undefined {
    const row = this.s.order.get(id) as OrderRow | undefined;
    return row ? this.hydrate(row) : undefined;
  }

  exists(id: string): boolean {
    return this.s.orderExists.get(id) !== undefined;
  }
  lineExists(id: string): boolean {
    return this.s.lineExists.get(id) !== undefined;
  }
  paymentExists(id: string): boolean {
    return this.s.paymentExists.get(id) !== undefined;
  }
  refundExists(id: string): boolean {
    return this.s.refundExists.get(id) !== undefined;
  }

  // positional parameters, as writeLine: every placed order runs this, and 27 named ones (bound from the copy
  // orderParams makes) took ~8 µs of the ~24 µs this statement cost in the hub
  insert(order: Order): void {
    const o = order;
    this.s.insertOrder.run(
      o.id, o.number, o.businessDate, o.channel, o.tableId, o.guestCount, o.note, o.status, o.subtotalMinor,
      o.discountMinor, grantedDiscount(o), o.discountReason, o.totalMinor, o.paidMinor, o.dueMinor, o.revision, o.createdAt, o.updatedAt, o.closedAt,
      o.quotedReadyAt, Number(o.rush), o.deviceId, o.staffId, o.staffName, o.mergedIntoOrderId ?? null, o.billRequestedAt ?? null, seatedSince(o),
    );
    order.lines.forEach((line, position) => this.writeLine(order.id, line, position));
  }

  save(order: Order, lines: readonly OrderLine[], payment?: Payment): void {
    this.s.updateOrder.run(orderParams(order));
    for (const line of lines) this.writeLine(order.id, line, order.lines.findIndex((l) => l.id === line.id));
    if (payment) this.s.insertPayment.run({ ...payment, orderId: order.id, lines: JSON.stringify(payment.lines) });
  }

  saveRefund(order: Order, refund: Refund): void {
    this.s.updateOrder.run(orderParams(order));
    this.s.insertRefund.run({ ...refund, orderId: order.id, lines: JSON.stringify(refund.lines) });
  }

  moveContents(toOrderId: string, lines: readonly Pick<OrderLine, 'id' | 'seat' | 'mergedFrom'>[], paymentIds: readonly string[], firstPosition: number, refundIds: readonly string[]): void {
    lines.forEach((l, i) => {
      const from = l.mergedFrom ?? null;
      this.s.moveLine.run(toOrderId, firstPosition + i, l.seat ?? null, from?.orderId ?? null, from?.number ?? null, from?.tableId ?? null, l.id);
    });
    for (const id of paymentIds) this.s.movePayment.run(toOrderId, id);
    for (const id of refundIds) this.s.moveRefund.run(toOrderId, id);
  }

  nextNumber(businessDate: string): number {
    return this.s.nextNumber.get(businessDate) as number;
  }

  list(filter: OrderListFilter): Order[] {
    const { status, tableId, businessDate, number, before, limit } = filter;
    const day: DayShape = businessDate === undefined ? 'all' : number === undefined ? 'day' : 'number';
    const paged = day !== 'all' && before !== undefined;
    const cursor = paged ? (this.s.listPosition.get(before) as { createdAt: number; rowid: number } | undefined) : undefined;
    if (paged && !cursor) return [];
    const statement = this.listBy.get(keyOf({ shape: shapeOf(status), byTable: tableId !== undefined, day, paged }))!;
    const rows = statement.all({
      limit,
      ...(status !== undefined && status !== 'open' ? { status } : {}),
      ...(tableId !== undefined ? { tableId } : {}),
      ...(day !== 'all' ? { businessDate } : {}),
      ...(day === 'number' ? { number } : {}),
      ...(cursor ? { beforeAt: cursor.createdAt, beforeRowid: cursor.rowid } : {}),
    }) as OrderRow[];
    return rows.map((r) => this.hydrate(r));
  }

  listDoneAtTable(filter: { tableId: string; status?: OrderStatus; placedSince: number; changedSince: number; limit: number }): Order[] {
    const statement = filter.status === undefined ? this.doneAtTable.any : this.doneAtTable.one;
    const { tableId, placedSince, changedSince, limit } = filter;
    const rows = statement.all({ tableId, placedSince, changedSince, limit, ...(filter.status === undefined ? {} : { status: filter.status }) }) as OrderRow[];
    return rows.map((r) => this.hydrate(r));
  }

  listActive(since: number): Order[] {
    return (this.s.listActive.all({ since }) as OrderRow[]).map((r) => this.hydrate(r));
  }

  // positional parameters: ten lines an order make this the hottest statement, and named binding costs
  private writeLine(orderId: string, l: OrderLine, position: number): void {
    this.s.upsertLine.run(
      l.id, orderId, position, l.itemId, l.nameZh, l.nameEn, l.stationId, l.qty, l.unitPriceMinor, l.lineTotalMinor,
      JSON.stringify(l.options), l.note, l.course, l.seat ?? null, l.status, l.voidReason, l.addedAt, l.firedAt, l.readyAt, l.servedAt,
      l.addedByStaffId, l.mergedFrom?.orderId ?? null, l.mergedFrom?.number ?? null, l.mergedFrom?.tableId ?? null,
    );
  }

  private hydrate(row: OrderRow): Order {
    const lines = (this.s.lines.all(row.id) as LineRow[]).map(({ orderId: _, ...l }): OrderLine => lineOfRow(l));
    const payments = (this.s.payments.all(row.id) as PaymentRow[]).map(({ orderId: _, lines, ...p }) => ({
      ...p,
      lines: JSON.parse(lines) as Payment['lines'],
    }));
    const refunds = (this.s.refunds.all(row.id) as RefundRow[]).map(({ orderId: _, lines, ...r }) => ({
      ...r,
      lines: JSON.parse(lines) as Refund['lines'],
    }));
    return { ...row, rush: Boolean(row.rush), lines, payments, refunds };
  }
}
