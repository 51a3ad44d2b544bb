import { describe, expect, it } from 'vitest';
import type { Principal } from '../domain/principal.ts';
import { Admission, EventLoopLag, type AdmissionOptions } from './admission.ts';
import { HttpError } from './errors.ts';

const phone = (tableId: string): Principal => ({ kind: 'table', tableId });
const waiter: Principal = { kind: 'staff', staffId: 's-1', staffName: 'W', deviceId: 'd-1', role: 'waiter' };

function admission(o: Partial<AdmissionOptions> & { now: { ms: number } }): Admission {
  return new Admission({
    clock: () => o.now.ms,
    queueDepth: o.queueDepth ?? (() => 0),
    eventLoopLagMs: o.eventLoopLagMs ?? (() => 0),
    publicQueueLimit: o.publicQueueLimit ?? 200,
    maxLagMs: o.maxLagMs ?? 200,
    publicRatePerSec: o.publicRatePerSec ?? 20,
  });
}

/** The refusal admit() threw, or undefined when it let the request through. */
function refusal(a: Admission, p: Principal, isMutation = true): HttpError | undefined {
  try {
    a.admit(p, '10.0.0.9', isMutation);
    return undefined;
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
}

describe('Admission', () => {
  it('rate-limits each table on its own, burst twice the rate, with 429 and Retry-After 1', () => {
    const now = { ms: 1_000_000 };
    const a = admission({ now, publicRatePerSec: 5 });
    const answers = Array.from({ length: 12 }, () => refusal(a, phone('t-1')));
    expect(answers.filter((e) => e === undefined)).toHaveLength(10);
    const refused = answers.filter((e) => e !== undefined);
    expect(refused.map((e) => [e.code, e.headers?.['Retry-After']])).toEqual([
      ['too_many_requests', '1'],
      ['too_many_requests', '1'],
    ]);
    expect(refusal(a, phone('t-2'))).toBeUndefined();
    now.ms += 200; // one token back at 5/s
    expect(refusal(a, phone('t-1'))).toBeUndefined();
    expect(refusal(a, phone('t-1'))?.code).toBe('too_many_requests');
  });

  it('never sheds staff, however busy', () => {
    const now = { ms: 1_000_000 };
    const a = admission({ now, publicRatePerSec: 1, queueDepth: () => 10_000, eventLoopLagMs: () => 10_000 });
    for (let i = 0; i < 100; i++) expect(refusal(a, waiter)).toBeUndefined();
  });

  it('sheds public orders (not reads) with 503 while the write queue or the event loop is past its limit', () => {
    const now = { ms: 1_000_000 };
    let depth = 0;
    let lag = 0;
    const a = admission({ now, publicRatePerSec: 1000, publicQueueLimit: 10, maxLagMs: 100, queueDepth: () => depth, eventLoopLagMs: () => lag });
    expect(refusal(a, phone('t-1'))).toBeUndefined();
    depth = 11;
    expect(refusal(a, phone('t-1'))?.code).toBe('overloaded');
    expect(refusal(a, phone('t-1'), false)).toBeUndefined();
    depth = 0;
    lag = 101;
    const shed = refusal(a, phone('t-1'));
    expect([shed?.code, shed?.headers?.['Retry-After']]).toEqual(['overloaded', '2']);
  });

  it('asks for a longer Retry-After while refusals flood in, and goes back to 1 s once they stop', () => {
    const now = { ms: 1_000_000 };
    const a = admission({ now, publicRatePerSec: 0.001 }); // every request of this table is refused
    const retryAfter = () => Number(refusal(a, phone('t-1'))?.headers?.['Retry-After']);
    // 1,500 refusals within one second: the callers are told to wait up to 5 s
    const seen = Array.from({ length: 1500 }, retryAfter);
    expect(seen[0]).toBe(1);
    expect(Math.max(...seen)).toBe(5);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    // the next second still remembers the last one's flood
    now.ms += 1000;
    expect(retryAfter()).toBe(5);
    // a quiet second later, back to the base
    now.ms += 2000;
    expect(retryAfter()).toBe(1);
    // and never more than 15 s
    for (let i = 0; i < 10_000; i++) retryAfter();
    expect(retryAfter()).toBe(15);
  });
});

describe('EventLoopLag', () => {
  const stall = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      /* the loop held up */
    }
  };
  const tick = () => new Promise((r) => setTimeout(r, 40));

  it('reads a stall that came just after a half was reset (one histogram reset then read ~0)', async () => {
    const lag = new EventLoopLag(60_000);
    try {
      await tick();
      lag.turn();
      stall(300);
      await tick();
      expect(lag.p99Ms()).toBeGreaterThanOrEqual(250);
      lag.turn();
      stall(300);
      await tick();
      expect(lag.p99Ms()).toBeGreaterThanOrEqual(250);
    } finally {
      lag.stop();
    }
  });

  it('forgets a stall two halves later', async () => {
    const lag = new EventLoopLag(60_000);
    try {
      await tick();
      stall(300);
      await tick();
      expect(lag.p99Ms()).toBeGreaterThanOrEqual(250);
      lag.turn();
      await tick();
      lag.turn();
      await tick();
      expect(lag.p99Ms()).toBeLessThan(250);
    } finally {
      lag.stop();
    }
  });
});
