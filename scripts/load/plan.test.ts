/** How a run's bounds are shared out over its worker processes: the total stays the run's. */
import { describe, expect, it } from 'vitest';
import { withDefaults } from './config.ts';
import { planWorkers } from './run.ts';

const ctx = { phase: 'p', url: 'http://127.0.0.1:1', publicUrl: 'http://127.0.0.1:2', runDir: '/nonexistent', epoch: 'e', qr: [{ tableId: 't1', token: 'q1' }], stations: ['hot', 'bar'] };
/** The orders a run may start in all (a worker with no bound: no bound). */
const budget = (plans: ReturnType<typeof planWorkers>) => (plans.some((p) => p.maxOrders === null) ? Infinity : plans.reduce((n, p) => n + (p.maxOrders ?? 0), 0));

describe('planWorkers', () => {
  it('shares the order budget out exactly', () => {
    expect(budget(planWorkers(withDefaults({ workers: 2, maxOrders: 100 }), ctx))).toBe(100);
    expect(budget(planWorkers(withDefaults({ workers: 3, maxOrders: 7 }), ctx))).toBe(7);
  });

  it('does not go over the budget when it is smaller than the workers', () => {
    expect(budget(planWorkers(withDefaults({ workers: 4, maxOrders: 1 }), ctx))).toBe(1);
  });

  it("keeps the budget when the open loop's waiters get a worker of their own", () => {
    const cfg = withDefaults({ workers: 2, maxOrders: 100, profile: 'orders', ratePerSec: 100, publicShare: 0.5 });
    expect(budget(planWorkers(cfg, ctx))).toBe(100);
  });

  it('leaves a run without a budget unbounded in count (bounded in time)', () => {
    expect(budget(planWorkers(withDefaults({ workers: 2, maxOrders: 0 }), ctx))).toBe(Infinity);
  });

  it('plans every stream socket once', () => {
    const plans = planWorkers(withDefaults({ workers: 3, mix: { kds: 4, sockets: 20 } }), ctx);
    expect(plans.reduce((n, p) => n + p.kds.length + p.idleSockets, 0)).toBe(20);
  });
});
