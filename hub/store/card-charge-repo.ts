import type { CardChargeRepo, Resolution } from '../domain/card-charges.ts';
import type { UnrecordedCardCharge } from '../protocol/card-charges.ts';
import type { Tender } from '../protocol/orders.ts';
import type { Db } from './db.ts';

interface Row {
  id: string;
  orderId: string;
  orderNumber: number | null;
  amountMinor: number;
  reference: string | null;
  deviceId: string | null;
  refusalCode: string;
  refusalMessage: string;
  createdAt: number;
  resolvedAt: number | null;
  resolvedBy: string | null;
  resolutionKind: UnrecordedCardCharge['resolutionKind'];
  resolutionOrderId: string | null;
  resolutionOrderNumber: number | null;
  resolutionNote: string | null;
  settledAt: number | null;
}

const COLUMNS = `id, order_id AS orderId, order_number AS orderNumber, amount_minor AS amountMinor, reference,
  device_id AS deviceId, refusal_code AS refusalCode, refusal_message AS refusalMessage, created_at AS createdAt,
  resolved_at AS resolvedAt, resolved_by AS resolvedBy, resolution_kind AS resolutionKind, resolution_order_id AS resolutionOrderId,
  resolution_order_number AS resolutionOrderNumber, resolution_note AS resolutionNote, settled_at AS settledAt`;

const fromRow = ({ refusalCode, refusalMessage, ...r }: Row): UnrecordedCardCharge => ({ ...r, refusal: { code: refusalCode, message: refusalMessage } });

export class SqliteCardChargeRepo implements CardChargeRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO unrecorded_card_charges (id, order_id, order_number, amount_minor, reference, device_id, refusal_code, refusal_message, created_at)
         VALUES (@id, @orderId, @orderNumber, @amountMinor, @reference, @deviceId, @refusalCode, @refusalMessage, @createdAt)`,
      ),
      get: db.prepare(`SELECT ${COLUMNS} FROM unrecorded_card_charges WHERE id = ?`),
      // along unrecorded_card_charges_open: resolved rows are not in it
      open: db.prepare(`SELECT ${COLUMNS} FROM unrecorded_card_charges WHERE resolved_at IS NULL ORDER BY created_at, id LIMIT ?`),
      resolve: db.prepare(
        `UPDATE unrecorded_card_charges SET resolved_at = @at, resolved_by = @by, resolution_kind = @kind, resolution_order_id = @orderId,
                resolution_order_number = @orderNumber, resolution_note = @note, resolution_payment_id = @paymentId, settled_at = @settledAt
          WHERE id = @id AND resolved_at IS NULL`,
      ),
      number: db.prepare('SELECT number FROM orders WHERE id = ?').pluck(),
      // along orders_day_number: numbers restart every business day
      ofDay: db.prepare('SELECT id, number, created_at AS createdAt FROM orders WHERE business_date = ? AND number = ?'),
      // along payments_order
      // a few rows a week: read whole, as `claimed` is
      chargeOf: db
        .prepare('SELECT 1 FROM unrecorded_card_charges WHERE order_id = @orderId AND reference = @reference AND amount_minor = @amountMinor AND device_id = @deviceId LIMIT 1')
        .pluck(),
      // by its key, wherever a merge moved it
      payment: db.prepare('SELECT tender, amount_minor AS amountMinor, reference FROM payments WHERE id = ?'),
      cardPayments: db.prepare("SELECT id, created_at AS createdAt FROM payments WHERE order_id = ? AND tender = 'card' ORDER BY created_at, id"),
      // a manager's resolve, a few a week: the table is the refused charges only, read whole. A claim goes by
      // the payment, not the order it was resolved on: a merge moves the payment to another order, the claim
      // with it (by the order, the payment was free again there and a second charge was taken off on it)
      claimed: db
        .prepare(
          `SELECT resolution_payment_id FROM unrecorded_card_charges
            WHERE resolution_kind = 'recorded_as_payment'
              AND (resolution_payment_id IN (SELECT id FROM payments WHERE order_id = @orderId)
                   OR (resolution_payment_id IS NULL AND resolution_order_id = @orderId))`,
        )
        .pluck(),
    };
  }

  insert(c: UnrecordedCardCharge): void {
    const { id, orderId, orderNumber, amountMinor, reference, deviceId, refusal, createdAt } = c;
    this.s.insert.run({ id, orderId, orderNumber, amountMinor, reference, deviceId, refusalCode: refusal.code, refusalMessage: refusal.message, createdAt });
  }

  get(id: string): UnrecordedCardCharge | undefined {
    const row = this.s.get.get(id) as Row | undefined;
    return row && fromRow(row);
  }

  listOpen(limit: number): UnrecordedCardCharge[] {
    return (this.s.open.all(limit) as Row[]).map(fromRow);
  }

  resolve(id: string, at: number, by: string, r: Resolution): void {
    this.s.resolve.run({ id, at, by, kind: r.kind, orderId: r.orderId, orderNumber: r.orderNumber, note: r.note, paymentId: r.paymentId, settledAt: r.settledAt });
  }

  orderNumber(orderId: string): number | null {
    return (this.s.number.get(orderId) as number | undefined) ?? null;
  }

  orderOfDay(businessDate: string, number: number): { id: string; number: number; createdAt: number } | undefined {
    return this.s.ofDay.get(businessDate, number) as { id: string; number: number; createdAt: number } | undefined;
  }

  cardPayments(orderId: string): { id: string; createdAt: number }[] {
    return this.s.cardPayments.all(orderId) as { id: string; createdAt: number }[];
  }

  hasChargeOf(sale: { deviceId: string; orderId: string; amountMinor: number; reference: string }): boolean {
    return this.s.chargeOf.get(sale) !== undefined;
  }

  payment(id: string): { tender: Tender; amountMinor: number; reference: string | null } | undefined {
    return this.s.payment.get(id) as { tender: Tender; amountMinor: number; reference: string | null } | undefined;
  }

  paymentsClaimed(orderId: string): (string | null)[] {
    return this.s.claimed.all({ orderId }) as (string | null)[];
  }
}
