import type { z } from 'zod';
import type { DomainError } from '../domain/errors.ts';
import type { CommandContext } from '../domain/ports.ts';
import type { Principal } from '../domain/principal.ts';
import type { Services } from '../services.ts';

export type Method = 'get' | 'post' | 'patch' | 'delete';

/** What a handler answers: a body to serialise, or JSON already serialised (the cached menu). */
export interface Reply {
  status: number;
  body?: unknown;
  json?: string;
  headers?: Record<string, string>;
}

interface Base<P, Q, B> {
  method: Method;
  /** Express-style path, e.g. `/api/v1/orders/:orderId`. */
  path: string;
  summary: string;
  tag: string;
  /** Who may call, for the docs; the rules enforce it. */
  access: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  responses: Record<number, z.ZodType>;
  /** Only for the auth handshakes: a key is accepted but not required. */
  idempotencyOptional?: boolean;
}

export interface ReadRoute<P = unknown, Q = unknown> extends Base<P, Q, never> {
  kind: 'read';
  handle(
    req: {
      principal: Principal;
      params: P;
      query: Q;
      headers: Record<string, string | string[] | undefined>;
      /** Came through the public gate (guest network), not the staff address. */
      viaPublicAddress: boolean;
    },
    s: Services,
  ): Reply;
}

/** A mutation: runs inside the single writer's transaction, with its Idempotency-Key record. */
export interface MutationRoute<P = unknown, B = unknown> extends Base<P, unknown, B> {
  kind: 'mutation';
  /**
   * Checks that need I/O (a printer answering on its port) run before the writer, like validation: a
   * refusal here is not stored with the key. Skipped when the key already has an answer to replay.
   */
  precheck?(req: { principal: Principal; params: P; body: B }, s: Services): Promise<void>;
  handle(
    req: {
      principal: Principal;
      params: P;
      body: B;
      cmd: CommandContext;
      address: string;
      /** Came through the public gate (guest network), not the staff address. */
      viaPublicAddress: boolean;
    },
    s: Services,
  ): Reply;
  /**
   * A rule refused the request (a DomainError, stored as the key's answer). Runs after the handler's
   * savepoint rolled back, in the transaction that stores the refusal, so what it writes — the record of
   * something outside the hub that already happened, e.g. a card the kiosk's terminal charged — commits
   * exactly once, with that answer. Not for a replay (answered from the key) nor a transient refusal (not
   * stored). If it throws, nothing is stored and the request fails as any unexpected error does.
   */
  onRefused?(req: { principal: Principal; params: P; body: B; cmd: CommandContext }, refusal: DomainError, s: Services): void;
  /** The answer carries a credential: it is kept with its key sealed (hub/store/idempotency.ts), never in clear. */
  answerHasSecrets?: boolean;
}

export type Route = ReadRoute<any, any> | MutationRoute<any, any>;

export const read = <P = unknown, Q = unknown>(r: Omit<ReadRoute<P, Q>, 'kind'>): Route => ({ ...r, kind: 'read' }) as Route;
export const mutation = <P = unknown, B = unknown>(r: Omit<MutationRoute<P, B>, 'kind'>): Route =>
  ({ ...r, kind: 'mutation' }) as Route;

export const ok = (body: unknown, status = 200): Reply => ({ status, body });
