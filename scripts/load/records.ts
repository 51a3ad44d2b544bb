/**
 * What a load run writes to its run dir, and what the verifier reads back:
 *
 *   run.json           RunMeta: the hub's database file, the final log head, the config
 *   acks-<w>.jsonl     one AckRecord per mutation that was answered (or abandoned)
 *   subs-<w>.jsonl     one SubscriberRecord per stream socket, written when it closes
 *   done-<w>.json      DoneRecord, written last: without it (or with counts the files do not match) the
 *                      worker's logs are incomplete — killed or crashed — and the verifier fails the run
 */

export type Op = 'pair' | 'signin' | 'place' | 'add' | 'pay' | 'bump';

export interface AckRecord {
  /** Wall-clock ms when the answer arrived. */
  t: number;
  /** Worker that sent it. */
  w: string;
  /** Device label, e.g. `tablet-3`, `phone-120`, `kds-hot-1`. */
  dev: string;
  op: Op;
  key: string;
  /** Final HTTP status; 0 when abandoned. */
  status: number;
  /** The order concerned (from the response, or known before sending). */
  orderId?: string | undefined;
  /** Error code from the body for 4xx answers. */
  code?: string | undefined;
  attempts: number;
  /** ms from the first send (or the scheduled time, open loop) to the final answer. */
  ms: number;
  /** True: no answer ended it within the bounds; the hub may or may not have applied it (at most once). */
  abandoned?: true;
  /** True: the hub answered with a stored response (Idempotent-Replayed). */
  replayed?: true;
}

/** A contiguous stretch of a subscription: from a welcome to a close or reset. */
export interface SegmentRecord {
  /** The welcome's fromSeq: events after it are owed to the subscriber. */
  fromSeq: number;
  /** The last upToSeq received: every matching event up to here has been received. */
  upToSeq: number;
  /** Seqs received, as inclusive [first, last] runs. */
  ranges: [number, number][];
  count: number;
  /** FNV-1a over `seq:type;` of every event received, in order. */
  hash: number;
  /** Reconnects with lastSeq that continued this segment. */
  resumes: number;
}

export interface SubscriberRecord {
  w: string;
  sub: string;
  /** null: every topic. */
  topics: string[] | null;
  segments: SegmentRecord[];
  /** The head the subscriber was asked to reach before closing; its last upToSeq must be ≥ it. */
  endHead: number;
  /** Whether it reached endHead before the settle timeout. */
  reachedEnd: boolean;
  resets: number;
  /** Order/duplicate/format violations seen on the wire (at most 20 kept). */
  violations: string[];
  violationCount: number;
}

export interface RunMeta {
  startedAt: string;
  url: string;
  dbFile: string | undefined;
  /** Highest seq when the run ended (after every device finished). */
  endHead: number;
  phases: string[];
  /**
   * Every worker forked into this run dir (all phases), with the stream sockets it was planned to hold:
   * written before they start, so a worker that dies leaves a name the verifier finds no complete log for.
   */
  workers?: WorkerMeta[];
}

export interface WorkerMeta {
  id: string;
  sockets: number;
}

/** What a worker wrote, counted by the worker itself once its logs were closed. */
export interface DoneRecord {
  acks: number;
  subscribers: number;
}

/** FNV-1a, 32 bit, over a string; `h` chains calls. */
export function fnv1a(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export const FNV_OFFSET = 0x811c9dc5;
