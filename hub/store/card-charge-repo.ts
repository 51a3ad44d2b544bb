import type { CardChargeRepo } from '../domain/card-charges.ts';
import type { UnrecordedCardCharge } from '../protocol/card-charges.ts';
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
  resolutionNote: string | null;
}

const COLUMNS = `id, order_id AS orderId, order_number AS orderNumber, amount_minor AS amountMinor, reference,
  device_id AS deviceId, refusal_code AS refusalCode, refusal_message AS refusalMessage, created_at AS createdAt,
  resolved_at AS resolvedAt, resolved_by AS resolvedBy, resolution_note AS resolutionNote`;

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
      resolve: db.prepare('UPDATE unrecorded_card_charges SET resolved_at = ?, resolved_by = ?, resolution_note = ? WHERE id = ? AND resolved_at IS NULL'),
      number: db.prepare('SELECT number FROM orders WHERE id = ?').pluck(),
    };
  }

  insert(c: UnrecordedCardCharge): void {
    const { refusal, resolvedAt: _a, resolvedBy: _b, resolutionNote: _c, ...rest } = c;
    this.s.insert.run({ ...rest, refusalCode: refusal.code, refusalMessage: refusal.message });
  }

  get(id: string): UnrecordedCardCharge | undefined {
    const row = this.s.get.get(id) as Row | undefined;
    return row && fromRow(row);
  }

  listOpen(limit: number): UnrecordedCardCharge[] {
    return (this.s.open.all(limit) as Row[]).map(fromRow);
  }

  resolve(id: string, at: number, by: string, note: string): void {
    this.s.resolve.run(at, by, note, id);
  }

  orderNumber(orderId: string): number | null {
    return (this.s.number.get(orderId) as number | undefined) ?? null;
  }
}
