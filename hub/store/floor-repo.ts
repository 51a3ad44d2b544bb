import { tableStatus } from '../domain/floor.ts';
import type { FloorRepo } from '../domain/ports.ts';
import type { Floor } from '../protocol/floor.ts';
import type { Db } from './db.ts';
import { OPEN_ORDER } from './order-repo.ts';

export class SqliteFloorRepo implements FloorRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      exists: db.prepare('SELECT 1 FROM dining_tables WHERE id = ?').pluck(),
      areas: db.prepare('SELECT id, name_zh AS nameZh, name_en AS nameEn, sort FROM areas ORDER BY sort'),
      tables: db.prepare('SELECT id, area_id AS areaId, name, seats FROM dining_tables ORDER BY area_id, rowid'),
      // each open order's lines by where they are (floor.ts), in one pass along that order's lines: a join
      // grouped by order sorts every line again (about twice as long, for 400 open orders of 10 lines)
      open: db.prepare(
        `SELECT o.id, o.table_id AS tableId, o.bill_requested_at IS NOT NULL AS billRequested, o.due_minor = 0 AND o.paid_minor > 0 AS paidInFull,
                (SELECT json_array(COUNT(*) FILTER (WHERE l.status <> 'voided'), COUNT(*) FILTER (WHERE l.status = 'held'),
                                   COUNT(*) FILTER (WHERE l.status IN ('fired', 'preparing')), COUNT(*) FILTER (WHERE l.status = 'ready'))
                   FROM order_lines l WHERE l.order_id = o.id) AS lines
           FROM orders o WHERE o.table_id IS NOT NULL AND o.${OPEN_ORDER}
           ORDER BY o.created_at, o.rowid`,
      ),
      // through the open statuses, not through every order the table ever had
      openOf: db.prepare(`SELECT id FROM orders INDEXED BY orders_status WHERE table_id = ? AND ${OPEN_ORDER} ORDER BY created_at, rowid`).pluck(),
      qr: db.prepare('SELECT id, name, qr_token AS qrToken FROM dining_tables ORDER BY area_id, rowid'),
      byQr: db.prepare('SELECT id, name, area_id AS areaId FROM dining_tables WHERE id = ?'),
    };
  }

  tableExists(id: string): boolean {
    return this.s.exists.get(id) !== undefined;
  }

  floor(): Floor {
    const open = (this.s.open.all() as { id: string; tableId: string; billRequested: number; paidInFull: number; lines: string }[]).map((o) => {
      const [live, held, cooking, ready] = JSON.parse(o.lines) as number[];
      return { id: o.id, tableId: o.tableId, billRequested: o.billRequested === 1, paidInFull: o.paidInFull === 1, live: live!, held: held!, cooking: cooking!, ready: ready! };
    });
    const tables = this.s.tables.all() as { id: string; areaId: string; name: string; seats: number }[];
    return {
      areas: this.s.areas.all() as Floor['areas'],
      tables: tables.map((t) => {
        const mine = open.filter((o) => o.tableId === t.id);
        return { ...t, status: tableStatus(mine), openOrderIds: mine.map((o) => o.id) };
      }),
    };
  }

  openOrderIds(tableId: string): string[] {
    return this.s.openOf.all(tableId) as string[];
  }

  table(id: string): { id: string; name: string; areaId: string } | undefined {
    return this.s.byQr.get(id) as { id: string; name: string; areaId: string } | undefined;
  }

  qrCodes(): { id: string; name: string; qrToken: string; path: string }[] {
    return (this.s.qr.all() as { id: string; name: string; qrToken: string }[]).map((t) => ({ ...t, path: `/t/${t.qrToken}` }));
  }
}
