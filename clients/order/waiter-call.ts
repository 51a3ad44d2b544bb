/**
 * Where the guest's call for a waiter stands, as far as the phone can tell: sent, waiting for a waiter, seen to
 * by one (a tablet's Done: `table.waiter_call_acknowledged`), or not delivered. No view here; order-app.ts
 * feeds it the hub's answer and the table's stream.
 *
 * The hub answers a call with its event's seq (`{called, at, seq}`; a call repeated within 30 s is the first
 * one, and gets the first one's), and an acknowledgement names the calls it clears by seq (`throughSeq`).
 */
import type { HubEvent } from '../../hub/protocol/index.ts';

export type CallReason = 'bill' | null;

export type WaiterCall =
  | { phase: 'calling'; reason: CallReason }
  /**
   * The hub has it and no waiter has seen to it yet. `seq` null: the answer had none (stored by a hub from
   * before answers carried it, and replayed).
   */
  | { phase: 'waiting'; reason: CallReason; at: number; seq: number | null }
  /** A waiter saw to it: shown until `until` (device clock), then the page is back to its buttons. */
  | { phase: 'coming'; reason: CallReason; until: number }
  | { phase: 'failed'; reason: CallReason };

/** How long "a waiter is on the way" stays up once a waiter has acknowledged the call. */
export const COMING_SHOWN_MS = 60_000;

interface HeardAck {
  at: number;
  throughSeq: number;
}

/** The latest few are plenty: the page only looks for its own call, answered seconds ago at most. */
const KEEP = 20;

/**
 * The table's acknowledgements heard on the stream, kept because the stream and the hub's answer race: on a
 * flaky link with a retried request, the call's acknowledgement can arrive before the answer naming the call.
 */
export class WaiterCallTracker {
  private acks: HeardAck[] = [];

  constructor(private readonly tableId: () => string | undefined) {}

  /** The table's events in, the page's call out (the same object when nothing changed). */
  heard(call: WaiterCall | null, events: readonly HubEvent[], now: number): WaiterCall | null {
    const tableId = this.tableId();
    let heard = false;
    for (const e of events) {
      if (e.type !== 'table.waiter_call_acknowledged' || e.payload.table.id !== tableId) continue;
      this.acks.push({ at: e.at, throughSeq: e.payload.throughSeq });
      heard = true;
    }
    if (!heard) return call;
    if (this.acks.length > KEEP) this.acks = this.acks.slice(this.acks.length - KEEP);
    return this.settle(call, now);
  }

  /** The hub took the call: `seq` names it (its own, or the call it repeats within 30 s). */
  answered(reason: CallReason, answer: { at: number; seq?: number }, now: number): WaiterCall {
    return this.settle({ phase: 'waiting', reason, at: answer.at, seq: answer.seq ?? null }, now)!;
  }

  /**
   * Without a seq, the page can only take an acknowledgement made after its call (hub clock, both) for one
   * that covers it; a tablet's Done late from its outbox may then be taken for it.
   */
  private settle(call: WaiterCall | null, now: number): WaiterCall | null {
    if (call?.phase !== 'waiting') return call;
    const { seq } = call;
    const seen = this.acks.some((a) => (seq !== null ? a.throughSeq >= seq : a.at > call.at));
    return seen ? { phase: 'coming', reason: call.reason, until: now + COMING_SHOWN_MS } : call;
  }
}
