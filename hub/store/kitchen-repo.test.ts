import { describe, expect, it } from 'vitest';
import { openDb } from './db.ts';
import { OPEN_TICKETS_SQL, SqliteKitchenRepo } from './kitchen-repo.ts';

describe('the kitchen open-ticket count', () => {
  it('reads the line-status index alone, never the lines themselves (it runs for every kiosk and QR order)', () => {
    const db = openDb(':memory:');
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${OPEN_TICKETS_SQL}`).all(130) as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan).toContain('USING COVERING INDEX order_lines_status');
    db.close();
  });

  it('counts orders with food being cooked, each once, and stops at the limit it is given', () => {
    const db = openDb(':memory:');
    db.pragma('foreign_keys = OFF'); // lines alone: the count reads nothing else
    const line = db.prepare(
      `INSERT INTO order_lines (id, order_id, position, item_id, name_zh, name_en, station_id, qty, unit_price_minor,
         line_total_minor, options, course, status, added_at) VALUES (?, ?, 0, 'i', '菜', 'dish', 'hot', 1, 100, 100, '[]', 1, ?, 0)`,
    );
    let n = 0;
    for (let o = 1; o <= 5; o++) {
      line.run(`l${n++}`, `o${o}`, 'fired');
      line.run(`l${n++}`, `o${o}`, 'preparing');
    }
    line.run(`l${n++}`, 'o-served', 'served');
    line.run(`l${n++}`, 'o-held', 'held');
    const kitchen = new SqliteKitchenRepo(db);
    expect(kitchen.openTickets(100)).toBe(5);
    expect(kitchen.openTickets(3)).toBe(3);
    db.close();
  });
});
