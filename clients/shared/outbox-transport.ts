import { HubError, HubUnreachableError, type HubClient } from './hub-client.ts';
import type { OutboxEntry, SendResult } from './outbox.ts';

/**
 * Sends one outbox entry with its own Idempotency-Key and says what came back, for `classify`: the hub's
 * answer (success or refusal, with its Retry-After) or no answer at all. Every app's outbox uses this one.
 * `bearer` overrides the client's own token: a tablet sends each change as the staff member who made it.
 */
export async function sendEntry(client: HubClient, e: OutboxEntry, bearer?: string): Promise<SendResult> {
  const auth = bearer === undefined ? {} : { as: 'none' as const, headers: { authorization: `Bearer ${bearer}` } };
  try {
    const body = await client.request<unknown>(e.method, e.path, { body: e.body, key: e.key, ...auth });
    // any 2xx confirms the entry; which one it was matters to nobody downstream
    return { kind: 'answer', status: 200, body };
  } catch (err) {
    if (err instanceof HubError) {
      return {
        kind: 'answer',
        status: err.status,
        body: { error: { code: err.code, message: err.message, details: err.details } },
        retryAfterS: (err.details as { retryAfterS?: number } | undefined)?.retryAfterS,
      };
    }
    if (err instanceof HubUnreachableError) return { kind: 'unreachable', reason: err.message };
    throw err;
  }
}
