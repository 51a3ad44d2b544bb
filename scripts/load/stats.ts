/** Latency histograms (HdrHistogram, microseconds) and the summaries printed from them. */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

export const newHistogram = (): Histogram =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });

/** Records milliseconds (negative values, from clock skew between processes, count as 0). */
export const recordMs = (h: Histogram, ms: number): void => h.recordValue(Math.max(0, Math.round(ms * 1000)));

export const encode = (h: Histogram): string => hdr.encodeIntoCompressedBase64(h);

export function decodeInto(into: Histogram, b64: string): void {
  const h = hdr.decodeFromCompressedBase64(b64);
  into.add(h);
  h.destroy();
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarise(h: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us / 10) / 100;
  if (h.totalCount === 0) return { count: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0 };
  return {
    count: h.totalCount,
    p50Ms: ms(h.getValueAtPercentile(50)),
    p90Ms: ms(h.getValueAtPercentile(90)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    maxMs: ms(h.maxValue),
  };
}
