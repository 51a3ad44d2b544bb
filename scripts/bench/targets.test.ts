/** Each of the targets is judged on the figure it names, and a run that misses one says so. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from './main.ts';
import { judgeTargets } from './targets.ts';

// a real run's figures (the latest bench run), each case setting the ones it is about
const run: BenchResults = JSON.parse(readFileSync(new URL('../../bench/results.json', import.meta.url), 'utf8'));
const verdict = (r: Omit<BenchResults, 'targets'>, starts: string) => {
  const found = judgeTargets(r).find((v) => v.target.startsWith(starts));
  if (!found) throw new Error(`no target starting "${starts}"`);
  return found;
};
const meeting = (over: Partial<BenchResults['overload']> = {}, rest: Partial<BenchResults> = {}): BenchResults => ({
  ...run,
  ratio: 0.85,
  hubOrdersPerSec: 500,
  openLoop: { ...run.openLoop, ratePerSec: 1000, p99SubmitMs: 20, p99AckToKdsMs: 24, acknowledged: 10_000, notSent: 0, abandoned: 0, notOnEverySocket: 0 },
  overload: {
    ...run.overload,
    seconds: 60,
    attemptsPerSec: 2600,
    hubAlive: true,
    hubRssMaxMBPer10s: [230, 250, 252, 251, 250, 262],
    staffP99Ms: 200,
    statusCounts: { 'staff:201': 10, 'qr:429': 5, 'kiosk:503:overloaded': 5, 'qr:201': 3 },
    ...over,
  },
  verifier: { ok: true, failures: [] },
  ...rest,
});

describe('judgeTargets', () => {
  it('finds every target met by a run that meets them (the stretch aside)', () => {
    const verdicts = judgeTargets(meeting());
    expect(verdicts.filter((v) => !v.met).map((v) => v.target)).toEqual(['stretch: hub ≥ 1 × the raw limit']);
  });

  it('misses each target on the figure it names', () => {
    expect(verdict(meeting({}, { ratio: 0.79 }), 'hub ≥ 0.8').met).toBe(false);
    expect(verdict(meeting({}, { openLoop: { ...meeting().openLoop, p99SubmitMs: 26 } }), 'open loop at 1000 orders/s: submit').met).toBe(false);
    // the same latency at a lower rate than the is not the target met
    expect(verdict(meeting({}, { openLoop: { ...meeting().openLoop, ratePerSec: 500 } }), 'open loop at 1000 orders/s: submit').met).toBe(false);
    expect(verdict(meeting({}, { openLoop: { ...meeting().openLoop, p99AckToKdsMs: 30 } }), 'open loop at 1000 orders/s: acknowledged').met).toBe(false);
    expect(verdict(meeting({ attemptsPerSec: 2400 }), 'overload: 5 ×').met).toBe(false);
    expect(verdict(meeting({ seconds: 10 }), 'overload: 5 ×').met).toBe(false);
    expect(verdict(meeting({ hubAlive: false }), 'overload: the hub stays up').met).toBe(false);
    expect(verdict(meeting({ hubRssMaxMBPer10s: [230, 250, 270, 290, 310, 330] }), 'overload: RSS').met).toBe(false);
    expect(verdict(meeting({ staffP99Ms: 251 }), 'overload: staff').met).toBe(false);
    expect(verdict(meeting({ statusCounts: { 'qr:429': 5, 'qr:timeout': 1 } }), 'overload: shed').met).toBe(false);
    // a 5xx is counted with its error code: still a refusal
    expect(verdict(meeting({ statusCounts: { 'kiosk:503:overloaded': 3, 'staff:201': 1 } }), 'overload: shed').measured).toMatch(/^3 refused/);
    expect(verdict(meeting({}, { verifier: { ok: false, failures: ['lost'] } }), 'every acknowledged order').met).toBe(false);
  });

  // a percentile of nothing is 0 ms, and arrivals that were never measured are not fast ones
  it('does not meet a latency target on a phase where nothing, or not everything, was measured', () => {
    const open = meeting().openLoop;
    const submit = 'open loop at 1000 orders/s: submit';
    const toSockets = 'open loop at 1000 orders/s: acknowledged';
    // no order acknowledged: both p99s are 0 ms
    const none = { ...open, acknowledged: 0, achievedPerSec: 0, p99SubmitMs: 0, p99AckToKdsMs: 0 };
    expect(verdict(meeting({}, { openLoop: none }), submit).met).toBe(false);
    expect(verdict(meeting({}, { openLoop: none }), toSockets).met).toBe(false);
    // arrivals not sent (the generator's in-flight bound) or abandoned have no latency in the histogram
    expect(verdict(meeting({}, { openLoop: { ...open, notSent: 500 } }), submit).met).toBe(false);
    expect(verdict(meeting({}, { openLoop: { ...open, abandoned: 3 } }), submit).met).toBe(false);
    // orders that never reached every socket are not in the ack → socket histogram
    expect(verdict(meeting({}, { openLoop: { ...open, notOnEverySocket: 40 } }), toSockets).met).toBe(false);
  });

  it("does not meet the staff p99 under the flood when staff requests timed out or none was answered", () => {
    // attempts with no answer have no latency: a timed-out waiter is not in staffP99Ms
    expect(verdict(meeting({ statusCounts: { 'staff:201': 10, 'staff:timeout': 2, 'qr:429': 5 } }), 'overload: staff').met).toBe(false);
    expect(verdict(meeting({ staffP99Ms: 0, statusCounts: { 'qr:429': 5 } }), 'overload: staff').met).toBe(false);
  });
});
