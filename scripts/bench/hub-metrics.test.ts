/** The arithmetic behind the bench's "inside the hub" figures: quantiles from two scrapes of a histogram. */
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../load/run.ts';
import { emptyCounters } from '../load/ipc.ts';
import { bucketQuantiles, floodReachingHub } from './hub-metrics.ts';

// cumulative Prometheus buckets: upper bound in seconds → observations at or below it
const buckets = (rows: [number, number][]) => new Map(rows);

describe('bucketQuantiles', () => {
  it('reads p50 and p99 from what was observed between the scrapes only, as bucket bounds in ms', () => {
    const before = buckets([[0.0025, 100], [0.01, 100], [0.025, 100], [Infinity, 100]]);
    // 100 more: 40 within 2.5 ms, 58 more within 10 ms, the last 2 within 25 ms
    const after = buckets([[0.0025, 140], [0.01, 198], [0.025, 200], [Infinity, 200]]);
    expect(bucketQuantiles(before, after)).toEqual({ p50: 10, p99: 25 });
  });

  it('says nothing when nothing was observed, and nothing beyond the last finite bound', () => {
    const same = buckets([[0.005, 7], [Infinity, 7]]);
    expect(bucketQuantiles(same, same)).toEqual({ p50: null, p99: null });
    const slow = buckets([[0.005, 0], [Infinity, 10]]);
    expect(bucketQuantiles(new Map(), slow)).toEqual({ p50: null, p99: null });
  });
});

describe('floodReachingHub', () => {
  it('counts what the hub answered while the phase ran, per second of the phase, and the drain apart', () => {
    const counters = { ...emptyCounters(), offered: 30_000, dropped: 6_000, attempts: 50_000, attemptsInPhase: 36_000, unsent: 7, ordersAcked: 2_400, ackedInPhase: 2_000 };
    // the run lasted 25 s with its drain; the phase itself 10 s
    const r = { counters, elapsedS: 25 } as RunResult;
    expect(floodReachingHub(r, 10)).toEqual({ sentPerSec: 2_400, notSent: 6_000, attemptsPerSec: 3_600, ackedPerSec: 200, attemptsAfterPhase: 14_000, requestsNeverSent: 7 });
  });
});
