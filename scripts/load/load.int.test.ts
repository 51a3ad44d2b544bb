/**
 * A short load run against the real hub process (a few seconds, small scale), then the verifier's
 * invariants: correctness under concurrency, not speed. The tampering cases show the verifier can fail.
 */
import Database from 'better-sqlite3';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDefaults } from './config.ts';
import { startHub, type StartedHub } from './hub-process.ts';
import type { AckRecord, SubscriberRecord } from './records.ts';
import { runLoad, type RunResult } from './run.ts';
import { verifyRun } from './verify.ts';

let hub: StartedHub;
let result: RunResult;
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

/** A copy of the run's logs that a test may tamper with. */
function copyRun(): string {
  const d = tempDir('brigade-load-copy-');
  cpSync(result.runDir, d, { recursive: true });
  return d;
}

function rewriteJsonl<T>(file: string, edit: (rows: T[]) => T[]): void {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
  writeFileSync(file, `${edit(rows).map((r) => JSON.stringify(r)).join('\n')}\n`);
}

describe('a small load run (4 tablets, 2 kiosks, 10 phones, 2 KDS + 10 idle sockets, 3 s)', () => {
  beforeAll(async () => {
    // lag-based shedding stays on but cannot refuse every phone of a short run on a busy CI machine;
    // frames are compressed from 2 sockets on, so the verifier also covers the compressed stream
    hub = await startHub({ env: { HUB_SHED_LAG_MS: '2000', HUB_STREAM_DEFLATE_SOCKETS: '2' } });
    dirs.push(hub.dataDir);
    result = await runLoad({
      config: withDefaults({
        workers: 2,
        durationS: 3,
        thinkMs: 100,
        bumpDelayMs: 150,
        mix: { tablets: 4, kiosks: 2, phones: 10, kds: 2, sockets: 12 },
      }),
      url: hub.url,
      publicUrl: hub.publicUrl,
      hubPid: hub.pid,
      dbFile: hub.dbFile,
      runDir: tempDir('brigade-load-run-'),
      quiet: true,
    });
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, 30_000);

  it('plays every kind of device and has every mutation answered', () => {
    const s = result.counters.status;
    expect(result.counters.ordersAcked).toBeGreaterThan(20);
    expect(s['staff:201']).toBeGreaterThan(0); // waiters placed and paid
    expect(s['kiosk:201']).toBeGreaterThan(0); // kiosks placed
    expect(s['qr:201']).toBeGreaterThan(0); // phones placed
    expect(s['kitchen:200']).toBeGreaterThan(0); // KDS screens bumped
    expect(result.counters.menu304).toBeGreaterThan(0); // phones revalidated the menu by ETag
    expect(result.counters.abandoned).toBe(0);
    expect(result.counters.refused).toBe(0); // every generated line satisfied its option groups
    expect(result.sockets).toBe(12);
  });

  it('pays for what the kiosks and the phones ordered: kiosks on their terminal, waiters as their tables leave', () => {
    const db = new Database(hub.dbFile, { readonly: true });
    try {
      const paid = db
        .prepare("SELECT o.channel, COUNT(DISTINCT o.id) AS n FROM orders o JOIN payments p ON p.order_id = o.id GROUP BY o.channel")
        .all() as { channel: string; n: number }[];
      const byChannel = Object.fromEntries(paid.map((r) => [r.channel, r.n]));
      expect(byChannel.kiosk).toBeGreaterThan(0);
      expect(byChannel.qr).toBeGreaterThan(0);
      expect(byChannel.pos).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it("reports the phase's wall-clock window, which holds the hub's timestamps of the orders it took", () => {
    const { fromMs, toMs } = result.window;
    // the 3 s phase (its end is noticed at the progress loop's next tick), not the drain after it
    expect(toMs - fromMs).toBeGreaterThanOrEqual(2_900);
    expect(toMs - fromMs).toBeLessThan(5_000);
    const db = new Database(hub.dbFile, { readonly: true });
    try {
      const inside = db.prepare('SELECT count(*) FROM orders WHERE created_at BETWEEN ? AND ?').pluck().get(fromMs, toMs) as number;
      const before = db.prepare('SELECT count(*) FROM orders WHERE created_at < ?').pluck().get(fromMs) as number;
      expect(before).toBe(0);
      expect(inside).toBeGreaterThanOrEqual(result.counters.ordersAcked * 0.9);
    } finally {
      db.close();
    }
  });

  it('passes the verifier: every acked order stored once, every event delivered to every socket in seq order', () => {
    const report = verifyRun({ runDir: result.runDir, dbFile: hub.dbFile });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.summary.ordersAcked).toBe(result.counters.ordersAcked);
    expect(report.summary.subscribers).toBe(12);
    expect(report.summary.eventsDelivered).toBeGreaterThan(report.summary.ordersAcked);
  });

  it('fails the verifier when an acknowledged order is missing from the database', () => {
    const dir = copyRun();
    const file = join(dir, 'acks-load-w0.jsonl');
    rewriteJsonl<AckRecord>(file, (rows) => [...rows, { ...rows.find((r) => r.op === 'place' && r.status === 201)!, key: 'forged-key-0001', orderId: 'no-such-order' }]);
    const report = verifyRun({ runDir: dir, dbFile: hub.dbFile });
    expect(report.ok).toBe(false);
    expect(report.failures.join('\n')).toContain('[V1] an acknowledged order is missing from the database');
  });

  it('fails the verifier when a subscriber skipped an event', () => {
    const dir = copyRun();
    rewriteJsonl<SubscriberRecord>(join(dir, 'subs-load-w0.jsonl'), (rows) => {
      const all = rows.find((r) => r.topics === null && r.segments[0]!.count > 2)!;
      const seg = all.segments[0]!;
      // drop the second event it received: [a, b] becomes [a, a] + [a+2, b]
      const [a, b] = seg.ranges[0]!;
      seg.ranges.splice(0, 1, [a, a], [a + 2, b]);
      seg.count--;
      return rows;
    });
    const report = verifyRun({ runDir: dir, dbFile: hub.dbFile });
    expect(report.ok).toBe(false);
    expect(report.failures.join('\n')).toContain('[V5] a subscriber missed events (a gap)');
  });

  it('fails the verifier when the database holds an order no acknowledgement accounts for (a duplicate)', async () => {
    const copy = join(tempDir('brigade-load-db-'), 'copy.db');
    const live = new Database(hub.dbFile, { readonly: true });
    await live.backup(copy);
    live.close();
    const db = new Database(copy);
    // the same order again under a new id, as a replay that slipped past its key would leave it
    const cols = (db.prepare('PRAGMA table_info(orders)').all() as { name: string }[]).map((c) => c.name);
    const select = cols.map((c) => (c === 'id' ? `'duplicate-' || id` : c === 'number' ? 'number + 100000' : c)).join(', ');
    db.exec(`INSERT INTO orders (${cols.join(', ')}) SELECT ${select} FROM orders LIMIT 1`);
    db.close();
    const report = verifyRun({ runDir: result.runDir, dbFile: copy });
    expect(report.ok).toBe(false);
    expect(report.failures.join('\n')).toContain('[V4] an order in the database that no logged key accounts for');
  });
});
