/** The fsync probe's percentiles: nearest rank, so p99 of 100 samples is the 99th, not the largest. */
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { fsyncLatency, percentile } from './fsync.ts';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose
  it('takes the p-th of 100 values, not the one after it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
  });

  it('handles one value, two values and none', () => {
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([], 99)).toBe(0);
  });
});

describe('fsyncLatency', () => {
  it('times both calls on a file in the given directory, bounded in time', () => {
    const t0 = performance.now();
    const r = fsyncLatency({ dir: tmpdir(), seconds: 0.05 });
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(r.samples).toBeGreaterThan(0);
    expect(r.fsyncP99Ms).toBeGreaterThanOrEqual(r.fsyncP50Ms);
    expect(r.fdatasyncP99Ms).toBeGreaterThanOrEqual(r.fdatasyncP50Ms);
  });
});
