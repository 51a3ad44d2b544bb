/** The arithmetic behind the bench's "inside the hub" figures: quantiles from two scrapes of a histogram. */
import { describe, expect, it } from 'vitest';
import { bucketQuantiles } from './hub-metrics.ts';

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
