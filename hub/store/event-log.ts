import type { HubEvent } from '../protocol/events.ts';
import { Dictionaries, isPacked } from './compactor.ts';
import type { Db } from './db.ts';
import { WaiterCallLog } from './waiter-call-log.ts';
import type { OpenWaiterCall } from '../protocol/floor.ts';

/**
 * An event as the hub holds it after commit: its topics for routing, and its wire JSON built once, so the
 * stream serialises each event one time for all sockets instead of once per socket.
 */
export interface LoggedEvent {
  seq: number;
  type: HubEvent['type'];
  topics: readonly string[];
  /** The `HubEvent` envelope as JSON. */
  json: string;
}

interface EventRow {
  seq: number;
  type: string;
  at: number;
  deviceId: string | null;
  staffId: string | null;
  topics: string;
  payloadJson: string;
}

export function logged(row: EventRow): LoggedEvent {
  const json = `{"seq":${row.seq},"type":${JSON.stringify(row.type)},"at":${row.at},"deviceId":${JSON.stringify(row.deviceId)},"staffId":${JSON.stringify(row.staffId)},"payload":${row.payloadJson}}`;
  return { seq: row.seq, type: row.type as HubEvent['type'], topics: row.topics === '' ? [] : row.topics.split(' '), json };
}

/** Reads the log: the head, and ranges for replay. Old events are stored compacted (compactor.ts): read back as they were written. */
export class EventLog {
  private readonly headStmt;
  private readonly rangeStmt;
  private readonly firstAtStmt;
  private readonly waiterCallStmt;
  private readonly waiterCalls: WaiterCallLog;
  private readonly dictionaries: Dictionaries;

  constructor(db: Db) {
    this.dictionaries = new Dictionaries(db);
    this.headStmt = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events');
    this.rangeStmt = db.prepare(
      `SELECT seq, type, at, device_id AS deviceId, staff_id AS staffId, topics, payload AS payloadJson
         FROM events WHERE seq > ? ORDER BY seq LIMIT ?`,
    );
    this.firstAtStmt = db.prepare('SELECT at FROM events WHERE seq > ? ORDER BY seq LIMIT 1').pluck();
    // the last few seconds only (events_at), and never packed yet: the compactor packs values hours old. A call
    // a waiter has acknowledged since is not the call made again: the guests call anew (its acknowledgement
    // came after it, so it is in those seconds too)
    this.waiterCallStmt = db
      .prepare(
        `SELECT seq, at FROM events c INDEXED BY events_at
          WHERE at >= @since AND type = 'table.waiter_called' AND payload NOT GLOB 'z*'
            AND json_extract(payload, '$.table.id') = @tableId AND json_extract(payload, '$.reason') IS @reason
            AND json_extract(payload, '$.note') IS @note
            AND NOT EXISTS (SELECT 1 FROM events a INDEXED BY events_at
                             WHERE a.at >= @since AND a.type = 'table.waiter_call_acknowledged' AND a.payload NOT GLOB 'z*'
                               AND json_extract(a.payload, '$.table.id') = @tableId AND json_extract(a.payload, '$.throughSeq') >= c.seq)
          ORDER BY seq DESC LIMIT 1`,
      );
    this.waiterCalls = new WaiterCallLog(db, this.dictionaries);
  }

  head(): number {
    return (this.headStmt.get() as { seq: number }).seq;
  }

  /** Events after `afterSeq`, oldest first, at most `limit`. */
  after(afterSeq: number, limit: number): LoggedEvent[] {
    const rows = this.rangeStmt.all(afterSeq, limit) as EventRow[];
    for (const row of rows) if (isPacked(row.payloadJson)) row.payloadJson = this.dictionaries.unpack(row.payloadJson);
    return rows.map(logged);
  }

  /** The waiter calls no one has acknowledged (waiter-call-log.ts), oldest first. */
  openWaiterCalls(now: number): OpenWaiterCall[] {
    return this.waiterCalls.open(now);
  }

  /** The same call (table, reason, note) last made at or after `since`, and not acknowledged since; undefined when it was not. */
  lastWaiterCall(call: { tableId: string; reason: string | null; note: string | null }, since: number): { seq: number; at: number } | undefined {
    return this.waiterCallStmt.get({ since, ...call }) as { seq: number; at: number } | undefined;
  }

  /** When the first event after `afterSeq` was committed (one row, its payload unread); undefined when none is. */
  firstAtAfter(afterSeq: number): number | undefined {
    return this.firstAtStmt.get(afterSeq) as number | undefined;
  }
}
