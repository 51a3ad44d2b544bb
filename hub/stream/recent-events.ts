import type { LoggedEvent } from '../store/event-log.ts';
import { streamEvent, type StreamEvent } from './stream-event.ts';

/** Events read from the log per statement when the recent events are read again (see reload). */
const RELOAD_PAGE = 250;

/** What the recent events are read from: the log (hub/store/event-log.ts). */
export interface LogTail {
  head(): number;
  after(afterSeq: number, limit: number): LoggedEvent[];
}

/**
 * The latest `capacity` events the hub committed, in seq order, in memory: what a reconnecting client's
 * replay reads instead of the log. A replay read from the log costs the hub's thread every row of the gap,
 * whoever it concerns (20–30 ms for 1,000 rows of a busy night, for the few dozen of one phone's table),
 * and a phone may reconnect several times a second; these are the same events, already encoded (StreamEvent:
 * as bytes, which a flood's churn through them does not leave on the heap).
 *
 * Read from the log when the hub starts (events committed before the stream existed included), then added
 * as each commit is published, in the same turn of the event loop as its COMMIT. `reaches` still compares
 * with the log's head rather than trust that: an event written and never published (nothing does so today)
 * is read from the log once, instead of being skipped by every replay.
 *
 * Bounded in size as well as in count (`maxBytes` of JSON, all held events together): the schema lets one
 * order.placed carry 100 lines of 20 options and a 140-character note each, several hundred kB of JSON, and a
 * phone may place such orders; 1,000 of them held by count alone were gigabytes. The oldest go first, as for
 * the count: a replay from further back is a phone's reset or a staff screen's read of the log.
 */
export class RecentEvents {
  private events: StreamEvent[] = [];
  /** Every event after this seq, up to `lastSeq`, is held. */
  private fromSeq = 0;
  private lastSeq = 0;
  /** The JSON of the events held, together, in bytes. */
  private bytes = 0;

  constructor(
    private readonly capacity: number,
    private readonly log: LogTail,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    /** The log could not be read (a damaged page): none are held before the head, and replays go without. */
    private readonly onReadError: (err: unknown) => void = () => {},
  ) {
    this.reload(log.head());
  }

  /** Every event after this seq (up to the head it was last brought to) is held. */
  get from(): number {
    return this.fromSeq;
  }

  /** The JSON held, in bytes (the bound is `maxBytes`; their guest form, once asked for, is not counted). */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * Takes a commit's events (in seq order); the oldest go once more than `capacity` are held, or more than
   * `maxBytes` of JSON.
   */
  push(events: readonly StreamEvent[]): void {
    for (const e of events) {
      if (e.seq <= this.lastSeq) continue; // read from the log already
      this.events.push(e);
      this.bytes += e.bytes.length;
      this.lastSeq = e.seq;
    }
    const over = this.events.length - this.capacity;
    let drop = 0;
    while (drop < this.events.length && (drop < over || this.bytes > this.maxBytes)) this.bytes -= this.events[drop++]!.bytes.length;
    if (drop > 0) {
      this.fromSeq = this.events[drop - 1]!.seq;
      this.events.splice(0, drop);
    }
  }

  /**
   * Whether every event after `afterSeq` up to `head` (the log's, read just now) is held; first reads from
   * the log what it holds that was never published.
   */
  reaches(afterSeq: number, head: number): boolean {
    if (head > this.lastSeq) {
      if (head - this.lastSeq >= this.capacity) this.reload(head);
      else this.readOrForget(head, () => this.push(this.log.after(this.lastSeq, head - this.lastSeq).map(streamEvent)));
    } else if (head < this.lastSeq) this.reload(head); // cannot happen short of the file being replaced
    return afterSeq >= this.fromSeq;
  }

  /** Held events after `afterSeq`, oldest first, at most `limit` (as EventLog.after, for a seq `reaches`). */
  after(afterSeq: number, limit: number): StreamEvent[] {
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
    this.events = [];
    this.bytes = 0;
    // at most `capacity` seqs lie in (fromSeq, head]; read a page at a time and trimmed as it comes, so that a
    // log of huge events never has more than the bound and a page of them in memory at once
    this.fromSeq = this.lastSeq = Math.max(0, head - this.capacity);
    this.readOrForget(head, () => {
      while (this.lastSeq < head) {
        const page = this.log.after(this.lastSeq, Math.min(RELOAD_PAGE, head - this.lastSeq));
        if (page.length === 0) break;
        this.push(page.map(streamEvent));
      }
    });
    this.lastSeq = head;
  }

  /**
   * Reads from the log, or, when SQLite cannot (a damaged page of the store), holds nothing before `head`: a
   * replay from before it is a phone's reset or a staff screen's read of the log, which says so for itself.
   * Thrown out of here, the error had stopped the hub's start (the stream reads the log as it is made) over a
   * page of old events.
   */
  private readOrForget(head: number, read: () => void): void {
    try {
      read();
    } catch (err) {
      this.events = [];
      this.bytes = 0;
      this.fromSeq = this.lastSeq = head;
      this.onReadError(err);
    }
  }
}
