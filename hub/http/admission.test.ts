import { describe, expect, it } from 'vitest';
import type { Principal } from '../domain/principal.ts';
import { Admission, EventLoopLag, MAX_CALLERS, PublicLimiter, type AdmissionOptions } from './admission.ts';
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

  it("takes nothing more from the bucket of a caller the public address's gate already rate-limited, and still sheds its orders when busy", () => {
    const now = { ms: 1_000_000 };
    let depth = 0;
    const a = admission({ now, publicRatePerSec: 5, publicQueueLimit: 10, queueDepth: () => depth });
    const viaGate = (isMutation: boolean) => {
      try {
        a.admit(phone('t-1'), '10.0.0.9', isMutation, true);
        return undefined;
      } catch (err) {
        if (err instanceof HttpError) return err.code;
        throw err;
      }
    };
    // the gate's requests reach a busy hub bunched together: more in a moment than the hub's own bucket holds
    expect(Array.from({ length: 30 }, () => viaGate(false)).filter((e) => e !== undefined)).toEqual([]);
    // the same caller on the staff address still meets the hub's bucket, full as it was
    expect(Array.from({ length: 12 }, () => refusal(a, phone('t-1'))).filter((e) => e !== undefined)).toHaveLength(2);
    depth = 11;
    expect(viaGate(true)).toBe('overloaded');
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

describe('PublicLimiter: bounded memory that forgets no caller being limited', () => {
  const RATE = 5; // burst 10, full again 2 s after its last take
  /** Requests of `caller` let through, out of `n` taken now. */
  const allowed = (l: PublicLimiter, caller: string, n: number) => Array.from({ length: n }, () => l.take(caller)).filter((e) => e === undefined).length;

  it('keeps a limited caller limited after 50,000 others came (it got a fresh burst when the map was cleared)', () => {
    const now = { ms: 1_000_000 };
    const l = new PublicLimiter(() => now.ms, RATE);
    expect(allowed(l, 'ip:phone', 11)).toBe(10);
    // a flood of distinct addresses within the next second
    for (let i = 0; i < MAX_CALLERS; i++) {
      now.ms += 1000 / MAX_CALLERS;
      l.take(`ip:flood-${i}`);
    }
    expect(l.callers).toBeLessThanOrEqual(MAX_CALLERS);
    // a second at 5/s gave it 5 back, not 10
    expect(allowed(l, 'ip:phone', 10)).toBe(5);
  });

  it('past the bound, with every caller seen in the last 2 s, refuses a new caller as rate-limited until one goes quiet', () => {
    const now = { ms: 1_000_000 };
    const l = new PublicLimiter(() => now.ms, RATE, 100);
    for (let i = 0; i < 100; i++) expect(l.take(`ip:${i}`)).toBeUndefined();
    const refused = l.take('ip:new');
    expect([refused?.code, refused?.headers?.['Retry-After']]).toEqual(['too_many_requests', '1']);
    expect(l.callers).toBe(100);
    // those already known are served as before
    expect(l.take('ip:42')).toBeUndefined();
    // once the oldest has been quiet for 2 s its bucket is full again, the same as none: the new caller gets in
    now.ms += 2000;
    expect(l.take('ip:new')).toBeUndefined();
  });

  it('drops buckets full again a few at a time on each take (no scan of the map on one request)', () => {
    const now = { ms: 1_000_000 };
    const l = new PublicLimiter(() => now.ms, RATE, 2000);
    for (let i = 0; i < 1000; i++) l.take(`ip:${i}`);
    now.ms += 1000;
    // one caller limited: it is kept while the others, full again, go
    expect(allowed(l, 'ip:limited', 11)).toBe(10);
    now.ms += 1000;
    const before = l.callers;
    l.take('ip:other');
    expect(l.callers).toBeGreaterThanOrEqual(before - 4);
    for (let i = 0; i < 1000; i++) l.take('ip:other');
    expect(l.callers).toBe(2);
    // the limited one still has only what a second gave back (5), not a fresh burst
    expect(allowed(l, 'ip:limited', 10)).toBe(5);
  });

  it('refuses no caller for longer when the clock is set back (an hour back refused them for an hour)', () => {
    const now = { ms: 10_000_000 };
    const l = new PublicLimiter(() => now.ms, RATE);
    expect(allowed(l, 'ip:phone', 11)).toBe(10);
    now.ms -= 3_600_000;
    now.ms += 1000;
    expect(allowed(l, 'ip:phone', 1)).toBe(1);
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
