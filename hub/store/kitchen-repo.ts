import type { KitchenRepo } from '../domain/pacing.ts';
import type { Db } from './db.ts';

/**
 * Orders with food in the kitchen, up to a limit. By the lines, not the orders' status: a kiosk order paid at
 * checkout is closed at once, its food still to cook. Asked by every kiosk and QR order inside the write
 * transaction, so it reads `order_lines_status` alone (status, ready_at, order_id), only the lines in the
 * kitchen, and stops at the limit (pacing.ts, BACKLOG_COUNTED).
 */
export const OPEN_TICKETS_SQL =
  "SELECT COUNT(*) FROM (SELECT DISTINCT order_id FROM order_lines WHERE status IN ('fired', 'preparing') LIMIT ?)";

export class SqliteKitchenRepo implements KitchenRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      open: db.prepare(OPEN_TICKETS_SQL).pluck(),
      get: db.prepare("SELECT value FROM meta WHERE key = 'public_ordering_paused'").pluck(),
      set: db.prepare(
        "INSERT INTO meta (key, value) VALUES ('public_ordering_paused', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
    };
  }

  openTickets(upTo: number): number {
    return this.s.open.get(upTo) as number;
  }

  pacing(): { paused: boolean; reason: string | null } {
    const raw = this.s.get.get() as string | undefined;
    return raw ? (JSON.parse(raw) as { paused: boolean; reason: string | null }) : { paused: false, reason: null };
  }

  setPacing(paused: boolean, reason: string | null): void {
    this.s.set.run(JSON.stringify({ paused, reason }));
  }
}
