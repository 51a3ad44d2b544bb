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
      get: db.prepare('SELECT principal, request_hash AS requestHash, status, body FROM idempotency_keys WHERE key = ?'),
      put: db.prepare(
        'INSERT INTO idempotency_keys (key, principal, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  get(key: string): StoredResponse | undefined {
    return this.s.get.get(key) as StoredResponse | undefined;
  }

  put(key: string, r: StoredResponse, now: number): void {
    this.s.put.run(key, r.principal, r.requestHash, r.status, r.body, now);
  }
}
