/**
 * How fast this machine's CPU is right now, as one number: a fixed piece of single-threaded work shaped
 * like the hub's own (an order with its lines to JSON and back, a SHA-256 of it, a regex over it), timed.
 * The hub's throughput and its CPU time per order are CPU-bound, so they move with this figure as the
 * fsync-bound ones move with the fsync latency. On a shared VM it is not a constant: on this project's
 * two-core VM the same round took 76–144 ms within minutes, and the hub 0.63 ms of CPU per order one day and
 * 1.0–1.2 ms the next (docs/benchmarks.md, round thirteen). The bench times it before and after its phases,
 * so a run says how fast the CPU was around it, and a slower CPU is told from a slower hub.
 */
import { createHash } from 'node:crypto';

export interface CpuReference {
  /** Median time of one round of the reference work, in ms: lower is faster. */
  p50Ms: number;
  /** The fastest round (the least disturbed by anything else running). */
  minMs: number;
  rounds: number;
}

/** One round: 2,000 orders of 10 lines serialised, parsed, hashed and scanned. */
const ORDERS_PER_ROUND = 2_000;

function referenceOrder(i: number) {
  return {
    id: `01JREFERENCE${String(i).padStart(8, '0')}`,
    number: i,
    channel: 'pos',
    status: 'open',
    lines: Array.from({ length: 10 }, (_, k) => ({
      id: `01JLINE${i}x${k}`,
      itemId: `item-${k}`,
      nameZh: '宫保鸡丁',
      nameEn: 'Kung Pao Chicken',
      qty: 1 + (k % 3),
      unitPriceMinor: 3_800 + k,
      options: [{ groupId: 'spice', optionId: 'mild', nameZh: '微辣', nameEn: 'Mild', priceDeltaMinor: 0 }],
      status: 'fired',
    })),
  };
}

const PRICE = /"unitPriceMinor":(\d+)/g;

/** Runs `rounds` rounds (after one to warm the JIT) and reports their median; `orders` scales a round. */
export function cpuReference(o: { rounds: number; orders?: number }): CpuReference {
  const orders = o.orders ?? ORDERS_PER_ROUND;
  let sink = 0;
  const round = (): number => {
    const t = performance.now();
    for (let i = 0; i < orders; i++) {
      const json = JSON.stringify(referenceOrder(i));
      const back = JSON.parse(json) as { lines: unknown[] };
      const digest = createHash('sha256').update(json).digest();
      for (const m of json.matchAll(PRICE)) sink += Number(m[1]);
      sink += back.lines.length + digest[0]!;
    }
    return performance.now() - t;
  };
  round();
  const times = Array.from({ length: o.rounds }, round).sort((a, b) => a - b);
  // the sink keeps the work from being optimised away; it is never this
  if (sink < 0) throw new Error('unreachable');
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return { p50Ms: r2(times[Math.floor(times.length / 2)]!), minMs: r2(times[0]!), rounds: o.rounds };
}
