import type { LoggedEvent } from '../store/event-log.ts';

/** What the recent events are read from: the log (hub/store/event-log.ts). */
export interface LogTail {
  head(): number;
  after(afterSeq: number, limit: number): LoggedEvent[];
}

/**
 * The latest `capacity` events the hub committed, in seq order, in memory: what a reconnecting client's
 * replay reads instead of the log. A replay read from the log costs the hub's thread every row of the gap,
 * whoever it concerns (20–30 ms for 1,000 rows of a busy night, for the few dozen of one phone's table),
 * and a phone may reconnect several times a second; these are the same events, already parsed.
 *
 * Read from the log when the hub starts (events committed before the stream existed included), then added
 * as each commit is published, in the same turn of the event loop as its COMMIT. `reaches` still compares
 * with the log's head rather than trust that: an event written and never published (nothing does so today)
 * is read from the log once, instead of being skipped by every replay.
 */
export class RecentEvents {
  private events: LoggedEvent[] = [];
  /** Every event after this seq, up to `lastSeq`, is held. */
  private fromSeq = 0;
  private lastSeq = 0;

  constructor(
    private readonly capacity: number,
    private readonly log: LogTail,
  ) {
    this.reload(log.head());
  }

  /** Every event after this seq (up to the head it was last brought to) is held. */
  get from(): number {
    return this.fromSeq;
  }

  /** Takes a commit's events (in seq order); the oldest go once more than `capacity` are held. */
  push(events: readonly LoggedEvent[]): void {
    for (const e of events) {
      if (e.seq <= this.lastSeq) continue; // read from the log already
      this.events.push(e);
      this.lastSeq = e.seq;
    }
    const over = this.events.length - this.capacity;
    if (over > 0) {
      this.fromSeq = this.events[over - 1]!.seq;
      this.events.splice(0, over);
    }
  }

  /**
   * Whether every event after `afterSeq` up to `head` (the log's, read just now) is held; first reads from
   * the log what it holds that was never published.
   */
  reaches(afterSeq: number, head: number): boolean {
    if (head > this.lastSeq) {
      if (head - this.lastSeq >= this.capacity) this.reload(head);
      else this.push(this.log.after(this.lastSeq, head - this.lastSeq));
    } else if (head < this.lastSeq) this.reload(head); // cannot happen short of the file being replaced
    return afterSeq >= this.fromSeq;
  }

  /** Held events after `afterSeq`, oldest first, at most `limit` (as EventLog.after, for a seq `reaches`). */
  after(afterSeq: number, limit: number): LoggedEvent[] {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return this.events.slice(lo, lo + limit);
  }

  private reload(head: number): void {
    this.lastSeq = head;
    this.fromSeq = Math.max(0, head - this.capacity);
    // at most `capacity` seqs lie in (fromSeq, head]: one read of that many takes all there are
    this.events = this.capacity > 0 ? this.log.after(this.fromSeq, this.capacity) : [];
  }
}
