/**
 * The bench's own phases at a tiny scale, against the real hub process: the `orders` profile's closed loop
 * (waiter-like clients ordering as fast as they are acknowledged, menu readers alongside, one worker holding
 * the sockets, as the bench runs on a small machine) and its open loop (a fixed rate, the waiters on a worker
 * of their own), then the verifier over both. Correctness of the tool `npm run bench` rests on, not speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDefaults } from './config.ts';
import { startHub, type StartedHub } from './hub-process.ts';
import { runLoad, type RunResult } from './run.ts';
import { verifyRun } from './verify.ts';

let hub: StartedHub;
let runDir: string;
let closed: RunResult;
let open: RunResult;

const SOCKETS = 10;
const CLIENTS = 8;

describe("the bench's orders profile: a closed loop, then an open loop (1 worker, 10 sockets, 2 s each)", () => {
  beforeAll(async () => {
    hub = await startHub({ env: { HUB_SHED_LAG_MS: '2000', HUB_STREAM_DEFLATE_SOCKETS: '2' } });
    runDir = mkdtempSync(join(tmpdir(), 'brigade-load-run-'));
    const common = { workers: 1, profile: 'orders' as const, linesPerOrder: 4, durationS: 2, trackPlaced: true, mix: { tablets: 0, kiosks: 0, phones: 0, kds: 0, sockets: SOCKETS } };
    const phase = (name: string, config: ReturnType<typeof withDefaults>) =>
      runLoad({ config, url: hub.url, publicUrl: hub.publicUrl, hubPid: hub.pid, dbFile: hub.dbFile, runDir, phase: name, quiet: true });
    closed = await phase('closed', withDefaults({ ...common, clients: CLIENTS, menuReaders: 2 }));
    open = await phase('open', withDefaults({ ...common, clients: 0, ratePerSec: 40, publicShare: 0 }));
  }, 90_000);

  afterAll(async () => {
    await hub?.stop();
    for (const d of [hub?.dataDir, runDir]) if (d) rmSync(d, { recursive: true, force: true });
  }, 30_000);

  it('closed loop: every client orders until the clock stops, every order is acknowledged, menu reads alongside', () => {
    expect(closed.counters.ordersAcked).toBeGreaterThan(CLIENTS * 2);
    expect(closed.counters.ordersAcked).toBe(closed.counters.status['staff:201']);
    expect(closed.counters.abandoned).toBe(0);
    expect(closed.counters.menu304).toBeGreaterThan(0);
    // the screens share one kiosk token (20 reads/s); refused, each waits as told instead of re-asking at once
    expect(closed.counters.status['menu:429'] ?? 0).toBeLessThanOrEqual(10);
    expect(closed.sockets).toBe(SOCKETS);
    expect(closed.ackToKds?.count).toBe(closed.counters.ordersAcked); // each order reached every socket
  });

  it('open loop: the waiters send at the fixed rate from their own worker, and every order is acknowledged', () => {
    // 40/s for 2 s: the clock and the pacing allow a little either side
    expect(open.counters.ordersAcked).toBeGreaterThanOrEqual(60);
    expect(open.counters.ordersAcked).toBeLessThanOrEqual(90);
    expect(open.counters.abandoned).toBe(0);
    expect(open.counters.dropped).toBe(0);
    expect(open.sockets).toBe(SOCKETS);
  });

  it('passes the verifier over both phases: every acknowledged order stored once, every event on every socket in order', () => {
    const report = verifyRun({ runDir, dbFile: hub.dbFile });
    expect(report.failures).toEqual([]);
    expect(report.summary.ordersAcked).toBe(closed.counters.ordersAcked + open.counters.ordersAcked);
    expect(report.summary.subscribers).toBe(2 * SOCKETS);
  });
});
