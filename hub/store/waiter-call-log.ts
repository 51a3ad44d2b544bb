import { openWaiterCalls, WAITER_CALL_LOOKBACK_MS, type WaiterCallFact } from '../domain/floor.ts';
import type { EventPayload } from '../protocol/events.ts';
import type { OpenWaiterCall } from '../protocol/floor.ts';
import type { Dictionaries } from './compactor.ts';
import type { Db } from './db.ts';

interface FactRow {
  seq: number;
  type: 'table.waiter_called' | 'table.waiter_call_acknowledged';
  at: number;
  payload: string;
}

const TYPES = `type IN ('table.waiter_called', 'table.waiter_call_acknowledged')`;

/**
 * The open waiter calls, read from the log. Every tablet reads the floor after each burst of order events, so
 * the look-back is not scanned each time: what was derived up to a seq is kept, and each read folds in only
 * the events after it (by rowid: the few since the last read). Kept only from reads outside a transaction:
 * inside one (a mutation's) the rows after the kept seq may yet roll back, and their seqs be used again.
 */
export class WaiterCallLog {
  private readonly headStmt;
  private readonly windowStmt;
  private readonly afterStmt;
  private kept: { seq: number; calls: OpenWaiterCall[] } | null = null;

  constructor(
    private readonly db: Db,
    private readonly dictionaries: Dictionaries,
  ) {
    this.headStmt = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck();
    this.windowStmt = db.prepare(
      `SELECT seq, type, at, payload FROM events INDEXED BY events_at WHERE at >= @since AND seq <= @head AND ${TYPES} ORDER BY seq`,
    );
    this.afterStmt = db.prepare(`SELECT seq, type, at, payload FROM events WHERE seq > @after AND seq <= @head AND ${TYPES} ORDER BY seq`);
  }

  /** Calls not acknowledged, oldest first, of the last WAITER_CALL_LOOKBACK_MS before `now`. */
  open(now: number): OpenWaiterCall[] {
    const since = now - WAITER_CALL_LOOKBACK_MS;
    const head = this.headStmt.get() as number;
    // a store put back from a backup has a shorter log: what was kept describes another one
    const kept = this.kept && this.kept.seq <= head ? this.kept : null;
    const rows = (kept ? this.afterStmt.all({ after: kept.seq, head }) : this.windowStmt.all({ since, head })) as FactRow[];
    const calls = openWaiterCalls(kept?.calls ?? [], rows.map((r) => this.fact(r)), since);
    if (!this.db.inTransaction) this.kept = { seq: head, calls };
    return calls;
  }

  private fact(row: FactRow): WaiterCallFact {
    const payload = JSON.parse(this.dictionaries.unpack(row.payload)) as unknown;
    if (row.type === 'table.waiter_call_acknowledged') {
      const ack = payload as EventPayload<'table.waiter_call_acknowledged'>;
      return { kind: 'acknowledged', tableId: ack.table.id, throughSeq: ack.throughSeq };
    }
    const call = payload as EventPayload<'table.waiter_called'>;
    return { kind: 'called', call: { seq: row.seq, at: row.at, table: call.table, note: call.note, ...(call.reason ? { reason: call.reason } : {}) } };
  }
}
