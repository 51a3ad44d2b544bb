import { describe, expect, it } from 'vitest';
import { openDb } from './db.ts';
import { OPEN_TICKETS_SQL } from './kitchen-repo.ts';

describe('the kitchen open-ticket count', () => {
  it('reads the line-status index alone, never the lines themselves (it runs for every kiosk and QR order)', () => {
    const db = openDb(':memory:');
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${OPEN_TICKETS_SQL}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan).toContain('USING COVERING INDEX order_lines_status');
    db.close();
  });
});
