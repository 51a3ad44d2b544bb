/**
 * Where the guest's call for a waiter stands, as far as the phone can tell: sent, waiting for a waiter, seen to
 * by one (a tablet's Done: `table.waiter_call_acknowledged`), or not delivered. No view here; order-app.ts
 * feeds it the hub's answer and the table's stream.
 *
 * The hub answers a call with its `at` only (`{called, at}`; a call repeated within 30 s is the first one, and
 * gets the first one's `at`), while an acknowledgement names the calls it clears by seq (`throughSeq`). The
 * page learns its call's seq from the table's stream: `table.waiter_called` of the same reason at that `at`.
 */
import type { HubEvent } from '../../hub/protocol/index.ts';

export type CallReason = 'bill' | null;

export type WaiterCall =
  | { phase: 'calling'; reason: CallReason }
  /** The hub has it and no waiter has seen to it yet. `seq` once the page has heard it on the stream. */
  | { phase: 'waiting'; reason: CallReason; at: number; seq: number | null }
  /** A waiter saw to it: shown until `until` (device clock), then the page is back to its buttons. */
  | { phase: 'coming'; reason: CallReason; until: number }
  | { phase: 'failed'; reason: CallReason };

/** How long "a waiter is on the way" stays up once a waiter has acknowledged the call. */
export const COMING_SHOWN_MS = 60_000;

interface HeardCall {
  seq: number;
  at: number;
  reason: CallReason;
}
interface HeardAck {
  at: number;
  throughSeq: number;
}

/** The latest few are plenty: the page only looks for its own call, answered seconds ago at most. */
const KEEP = 20;
const keepLast = <T>(xs: T[]): T[] => (xs.length > KEEP ? xs.slice(xs.length - KEEP) : xs);

/**
 * The table's calls and acknowledgements heard on the stream, kept because the stream and the hub's answer
 * race: the call's event (and, on a flaky link with a retried request, even its acknowledgement) can arrive
 * before the answer that says which call is the page's.
 */
export class WaiterCallTracker {
  private calls: HeardCall[] = [];
  private acks: HeardAck[] = [];

  constructor(private readonly tableId: () => string | undefined) {}

  /**
   * The table's events in, the page's call out (the same object when nothing changed). A frame's calls are
   * read before its acknowledgements: a replay after a reconnect brings the page's call and an older
   * acknowledgement together, and that acknowledgement must be judged knowing the call's seq.
   */
  heard(call: WaiterCall | null, events: readonly HubEvent[], now: number): WaiterCall | null {
    const tableId = this.tableId();
    const mine = events.filter(
      (e) => (e.type === 'table.waiter_called' || e.type === 'table.waiter_call_acknowledged') && e.payload.table.id === tableId,
    );
    if (mine.length === 0) return call;
    for (const e of mine) if (e.type === 'table.waiter_called') this.calls.push({ seq: e.seq, at: e.at, reason: e.payload.reason === 'bill' ? 'bill' : null });
    for (const e of mine) if (e.type === 'table.waiter_call_acknowledged') this.acks.push({ at: e.at, throughSeq: e.payload.throughSeq });
    this.calls = keepLast(this.calls);
    this.acks = keepLast(this.acks);
    return this.settle(call, now);
  }

  /** The hub took the call: `at` names it (its own, or the call it repeats within 30 s). */
  answered(reason: CallReason, at: number, now: number): WaiterCall {
    return this.settle({ phase: 'waiting', reason, at, seq: null }, now)!;
  }

  /**
   * A call the page never heard (made before the page listened: a second phone at the table, or this one
   * reloaded, calling within 30 s of the first call; or lost in a stream reset) is seen to by an
   * acknowledgement made after it. The stream brings events in seq order, so an acknowledgement heard before
   * the page's own call was made before that call (an earlier `at`) and is not for it.
   */
  private settle(call: WaiterCall | null, now: number): WaiterCall | null {
    if (call?.phase !== 'waiting') return call;
    const seq = call.seq ?? this.calls.find((c) => c.at === call.at && c.reason === call.reason)?.seq ?? null;
    const seen = this.acks.some((a) => (seq !== null ? a.throughSeq >= seq : a.at > call.at));
    if (seen) return { phase: 'coming', reason: call.reason, until: now + COMING_SHOWN_MS };
    return seq === call.seq ? call : { ...call, seq };
  }
}
