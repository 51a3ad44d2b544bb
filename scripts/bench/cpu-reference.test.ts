/** The CPU reference does the work it times: ten times the orders take longer, whatever the machine. */
import { describe, expect, it } from 'vitest';
import { cpuReference } from './cpu-reference.ts';

describe('cpuReference', () => {
  it('reports positive round times that grow with the work in a round', () => {
    const small = cpuReference({ rounds: 3, orders: 40 });
    const large = cpuReference({ rounds: 3, orders: 400 });
    expect(small.rounds).toBe(3);
    expect(small.minMs).toBeGreaterThan(0);
    expect(small.p50Ms).toBeGreaterThanOrEqual(small.minMs);
    // 10 × the work: even on a busy machine the fastest of three rounds is well above the small one's
    expect(large.minMs).toBeGreaterThan(3 * small.minMs);
  });
});
