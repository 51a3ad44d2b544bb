import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Dictionaries } from './compactor.ts';
import type { Db } from './db.ts';

export interface StoredResponse {
  principal: string;
  requestHash: string;
  status: number;
  body: string;
}

/**
 * Mutation keys and the responses they produced, written in the same transaction as the mutation. Old
 * answers, and old events that hold one, are stored compacted (compactor.ts); `get` gives them back as they were written.
 */
export class IdempotencyStore {
  private readonly s;
  private readonly dictionaries: Dictionaries;

  constructor(db: Db) {
    this.dictionaries = new Dictionaries(db);
    this.s = {
      get: db.prepare(
        `SELECT k.principal, k.request_hash AS requestHash, k.status,
                CASE WHEN k.body_event_seq IS NULL THEN k.body ELSE e.payload END AS body
           FROM idempotency_keys k LEFT JOIN events e ON e.seq = k.body_event_seq
          WHERE k.key = ?`,
      ),
      has: db.prepare('SELECT 1 FROM idempotency_keys WHERE key = ?').pluck(),
      put: db.prepare(
        'INSERT INTO idempotency_keys (key, principal, request_hash, status, body, body_event_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  get(key: string): StoredResponse | undefined {
    const stored = this.s.get.get(key) as StoredResponse | undefined;
    if (stored) stored.body = this.dictionaries.unpack(stored.body);
    return stored;
  }

  /** Whether the key is stored, its answer left unread. */
  has(key: string): boolean {
    return this.s.has.get(key) !== undefined;
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

/**
 * Answers that carry a credential (a device token, a staff session) are kept sealed, so that a copy of the
 * store (a backup, a stolen disk) hands out no working token, as the tokens' own hashes intend: the row is
 * found by the SHA-256 of the Idempotency-Key, and the answer is encrypted (AES-256-GCM) with a key derived
 * from the Idempotency-Key itself. Only a retry, which holds the key, can read the answer back.
 */
export const sealedKey = (key: string): string => `sealed:${createHash('sha256').update(key).digest('base64url')}`;

const SEALED = 'sealed:v1:';
const answerKey = (key: string) => Buffer.from(hkdfSync('sha256', key, 'brigade', 'idempotency answer', 32));

/**
 * The request hash kept with a sealed answer: keyed by the Idempotency-Key too, since a plain SHA-256 of a
 * body as small as `{"pin":"1234"}` or a pairing code gives the body back to anyone who tries them all.
 */
export const sealedHash = (key: string, requestHash: string): string =>
  createHmac('sha256', answerKey(key)).update(requestHash).digest('base64url');

export function seal(key: string, body: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', answerKey(key), iv);
  const sealed = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
  return SEALED + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

export function unseal(key: string, stored: string): string {
  const bytes = Buffer.from(stored.slice(SEALED.length), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', answerKey(key), bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}
