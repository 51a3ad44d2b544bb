/** The hub's own figures from `GET /metrics` around a bench phase, and what of a flood reached the hub. */
import type { RunResult } from '../load/run.ts';

/**
 * One scrape of the hub's `/metrics`: the value of a series named exactly as the text format writes it
 * (`brigade_write_batch_jobs_count`, `brigade_wal_checkpoint_seconds_sum{where="writer"}`), NaN if absent.
 */
async function scrape(hubUrl: string): Promise<{ text: string; value(series: string): number }> {
  const text = await (await fetch(`${hubUrl}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return { text, value: (series) => values.get(series) ?? NaN };
}

/** The cumulative buckets of an unlabelled histogram in a scrape's text: upper bound (s) → count. */
function histogramBuckets(text: string, name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm'))) out.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  return out;
}

/** The hub's figures a bench phase is judged by, read once before it and once after. */
export interface HubSnapshot {
  /** Staff and kitchen mutations, from their headers to their answer (`brigade_staff_mutation_seconds`). */
  staff: Map<number, number>;
  /** Live events, from their commit to the last stream socket's write (`brigade_stream_delivery_seconds`). */
  delivery: Map<number, number>;
  /** WAL checkpoints finished on the writer's (event loop's) thread so far: count and total seconds. */
  writerCheckpoints: { count: number; seconds: number };
  /** Group commits so far: transactions, the mutations they carried, and their time to COMMIT (`brigade_write_batch_jobs`, `brigade_write_commit_seconds`). */
  batches: Batches;
}

export interface Batches {
  count: number;
  jobs: number;
  seconds: number;
}

export async function snapshot(hubUrl: string): Promise<HubSnapshot> {
  const { text, value } = await scrape(hubUrl);
  // no checkpoint series until the first checkpoint on the writer's thread
  const checkpoints = (what: 'count' | 'sum') => value(`brigade_wal_checkpoint_seconds_${what}{where="writer"}`) || 0;
  return {
    staff: histogramBuckets(text, 'brigade_staff_mutation_seconds'),
    delivery: histogramBuckets(text, 'brigade_stream_delivery_seconds'),
    writerCheckpoints: { count: checkpoints('count'), seconds: checkpoints('sum') },
    batches: {
      count: value('brigade_write_batch_jobs_count') || 0,
      jobs: value('brigade_write_batch_jobs_sum') || 0,
      seconds: value('brigade_write_commit_seconds_sum') || 0,
    },
  };
}

/** p50 and p99 in ms from a hub histogram, "≤ this" (null: nothing observed, or past the last bound). */
export interface InHub {
  p50: number | null;
  p99: number | null;
}

/**
 * p50 / p99 in ms of what was observed between two scrapes, as the upper bound of the bucket they fall in
 * (so "≤ this"); null when nothing was observed or it fell past the last bound.
 */
export function bucketQuantiles(before: Map<number, number>, after: Map<number, number>): InHub {
  const rows = [...after].map(([le, n]) => [le, n - (before.get(le) ?? 0)] as const).sort((a, b) => a[0] - b[0]);
  const total = rows.at(-1)?.[1] ?? 0;
  const at = (q: number) => {
    if (total === 0) return null;
    const row = rows.find(([, n]) => n >= q * total);
    return row && Number.isFinite(row[0]) ? Math.round(row[0] * 10_000) / 10 : null;
  };
  return { p50: at(0.5), p99: at(0.99) };
}

/** What the hub's own figures recorded while a phase ran: staff mutations, stream delivery, writer checkpoints, group commits. */
export interface DuringPhase {
  staff: InHub;
  delivery: InHub;
  writerCheckpoints: { count: number; seconds: number };
  batches: Batches;
}

/** Runs a phase between two snapshots of the hub's `/metrics`, and says what they recorded meanwhile. */
export async function aroundPhase<T>(hubUrl: string, phase: () => Promise<T>): Promise<{ result: T } & DuringPhase> {
  const before = await snapshot(hubUrl);
  const result = await phase();
  const after = await snapshot(hubUrl);
  return {
    result,
    staff: bucketQuantiles(before.staff, after.staff),
    delivery: bucketQuantiles(before.delivery, after.delivery),
    writerCheckpoints: {
      count: after.writerCheckpoints.count - before.writerCheckpoints.count,
      seconds: after.writerCheckpoints.seconds - before.writerCheckpoints.seconds,
    },
    batches: {
      count: after.batches.count - before.batches.count,
      jobs: after.batches.jobs - before.batches.jobs,
      seconds: after.batches.seconds - before.batches.seconds,
    },
  };
}

/**
 * What of an overload phase reached the hub: the arrivals the generator sent per second of the phase (it
 * keeps at most `OPEN_LOOP_MAX_IN_FLIGHT` arrivals in flight per worker and counts the rest as not sent),
 * the requests the hub answered per second while the phase ran (first sends and retries), the orders it
 * acknowledged meanwhile, the attempts still made after it (retries during the drain), and the requests
 * that waited so long for a connection of their device's pool that they were never sent.
 */
export function floodReachingHub(
  r: RunResult,
  phaseSeconds: number,
): { sentPerSec: number; notSent: number; attemptsPerSec: number; ackedPerSec: number; attemptsAfterPhase: number; requestsNeverSent: number } {
  const c = r.counters;
  return {
    sentPerSec: Math.round((c.offered - c.dropped) / phaseSeconds),
    notSent: c.dropped,
    attemptsPerSec: Math.round(c.attemptsInPhase / phaseSeconds),
    ackedPerSec: Math.round(c.ackedInPhase / phaseSeconds),
    attemptsAfterPhase: c.attempts - c.attemptsInPhase,
    requestsNeverSent: c.unsent,
  };
}
