import type { Db } from './db.ts';

export interface StoredResponse {
  principal: string;
  requestHash: string;
  status: number;
  body: string;
}

/** Mutation keys and the responses they produced, written in the same transaction as the mutation. */
export class IdempotencyStore {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare(
        `SELECT k.principal, k.request_hash AS requestHash, k.status,
                CASE WHEN k.body_event_seq IS NULL THEN k.body ELSE e.payload END AS body
           FROM idempotency_keys k LEFT JOIN events e ON e.seq = k.body_event_seq
          WHERE k.key = ?`,
      ),
      put: db.prepare(
        'INSERT INTO idempotency_keys (key, principal, request_hash, status, body, body_event_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  get(key: string): StoredResponse | undefined {
    return this.s.get.get(key) as StoredResponse | undefined;
  }

  /**
   * `bodyEventSeq`: an event committed in the same transaction whose payload is `r.body` exactly; the body is
   * then stored once, in the event (a placed order's answer is its `order.placed` payload).
   */
  put(key: string, r: StoredResponse, now: number, bodyEventSeq?: number): void {
    if (bodyEventSeq === undefined) this.s.put.run(key, r.principal, r.requestHash, r.status, r.body, null, now);
    else this.s.put.run(key, r.principal, r.requestHash, r.status, '', bodyEventSeq, now);
  }
}
