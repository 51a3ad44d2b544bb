import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

const TOTAL = 400;
const CONCURRENCY = 16;
const KILL_AFTER_ACKS = 120;

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

interface Attempt {
  id: string;
  key: string;
  body: ReturnType<typeof sampleOrder>;
  ack?: { status: number; order: { id: string; totalMinor: number; number: number } };
}

describe('kill -9 during a burst of orders', () => {
  it('keeps every acknowledged order exactly once, and retries with the same keys complete the rest exactly once', async () => {
    let hub: HubProcess = await startHub();
    dirs.push(hub.dataDir);
    const { staff } = await signIn(hub, '1111');
    const attempts: Attempt[] = Array.from({ length: TOTAL }, (_, i) => ({
      id: `crash-${i}`,
      key: `crash-key-${i}-${Math.random().toString(36).slice(2)}`,
      body: sampleOrder({ id: `crash-${i}`, tableId: `t-a${(i % 12) + 1}` }),
    }));

    // the burst: CONCURRENCY tablets sending back to back; the hub dies under them
    let next = 0;
    let acks = 0;
    let killed: Promise<void> | undefined;
    const tablet = async () => {
      while (next < TOTAL && !killed) {
        const a = attempts[next++]!;
        try {
          const r = await hub.request('POST', '/api/v1/orders', { token: staff, body: a.body, key: a.key });
          if (r.status === 201) {
            a.ack = { status: r.status, order: r.body.order };
            if (++acks === KILL_AFTER_ACKS) killed = hub.kill9();
          }
        } catch {
          // connection reset by the kill: outcome unknown, as for a real tablet
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, tablet));
    await killed;
    const acked = attempts.filter((a) => a.ack);
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(acked.length).toBeLessThan(TOTAL); // the kill really landed mid-burst

    hub = await startHub({ dataDir: hub.dataDir });
    try {
      const db = hub.openDb();
      try {
        const orderRow = db.prepare('SELECT total_minor AS totalMinor, number FROM orders WHERE id = ?');
        const placedEvents = db.prepare("SELECT COUNT(*) FROM events WHERE type = 'order.placed' AND json_extract(payload, '$.order.id') = ?").pluck();
        const lineCount = db.prepare('SELECT COUNT(*) FROM order_lines WHERE order_id = ?').pluck();
        for (const a of acked) {
          expect(orderRow.get(a.id), `acknowledged order ${a.id} lost`).toEqual({ totalMinor: a.ack!.order.totalMinor, number: a.ack!.order.number });
          expect(placedEvents.get(a.id)).toBe(1);
          expect(lineCount.get(a.id)).toBe(2);
        }
      } finally {
        db.close();
      }

      // every tablet's outbox resends what it has not seen acknowledged — and, to be sure, what it has
      const { staff: again } = await signIn(hub, '1111');
      for (const a of attempts) {
        const r = await hub.request('POST', '/api/v1/orders', { token: again, body: a.body, key: a.key });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        expect(r.body.order.id).toBe(a.id);
        if (a.ack) {
          expect(r.headers.get('idempotent-replayed')).toBe('true');
          expect(r.body.order.number).toBe(a.ack.order.number);
        }
      }
      const db2 = hub.openDb();
      try {
        expect(db2.prepare("SELECT COUNT(*) FROM orders WHERE id LIKE 'crash-%'").pluck().get()).toBe(TOTAL);
        expect(db2.prepare("SELECT COUNT(*) FROM events WHERE type = 'order.placed'").pluck().get()).toBe(TOTAL);
        expect(db2.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
      } finally {
        db2.close();
      }
    } finally {
      await hub.stop();
    }
  }, 60_000);
});
