import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DomainError } from '../domain/errors.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import { deviceIdOf, staffIdOf, type Principal } from '../domain/principal.ts';
import type { CommandContext } from '../domain/ports.ts';
import type { Services } from '../services.ts';
import { priorityOf, writerWaitBudget } from './admission.ts';
import { AbandonedError, HttpError, toErrorReply } from './errors.ts';
import { OverloadedError, type Tx } from '../store/writer.ts';
import type { MutationRoute, Reply } from './route.ts';
import { seal, sealedHash, sealedKey, unseal } from '../store/idempotency.ts';

/** A mutation's answer, serialised once: what is stored with the key is exactly what is sent. */
export interface Answer {
  status: number;
  json: string;
  headers?: Record<string, string>;
  replayed: boolean;
}

/** The IETF httpapi draft's header; Stripe's convention. Made on the device, unique per intended mutation. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * Rule refusals that are about the moment, not the request: answered, never stored with the key. A 401 is
 * about who sent it (no one signed in), and the apps' outboxes send the same change again with the same key
 * once someone is: stored, it would answer 422 for a key "used for another request" and lose the change.
 */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['ordering_paused', 'unauthenticated']);
const KEY_PATTERN = /^[\x21-\x7e]{8,255}$/;

export function readIdempotencyKey(header: string | string[] | undefined, optional: boolean): string | undefined {
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key === '') {
    if (optional) return undefined;
    throw new HttpError('idempotency_key_missing', 'every mutation needs an Idempotency-Key header (8–255 printable characters), made on the device');
  }
  if (!KEY_PATTERN.test(key)) throw new HttpError('bad_request', 'Idempotency-Key must be 8–255 printable ASCII characters');
  return key;
}

/**
 * The trust zone a key belongs to. Keys are random and made on the device, so they are not tied to one
 * session: a tablet's outbox must be able to resend after its waiter signed in again, or after the tablet
 * was re-paired. But a customer's phone can never replay (and so read) a key from the staff side or from
 * another table.
 */
export const keyScope = (p: Principal): string =>
  p.kind === 'staff' || p.kind === 'device' ? 'store' : p.kind === 'table' ? `table:${p.tableId}` : 'anonymous';

/**
 * Deeper than any body the API takes. Routes without a body schema hash whatever was sent, and a body nested
 * 20,000 deep overflowed the stack here (a 500, before any authorisation).
 */
const MAX_BODY_DEPTH = 64;

/** Printable ASCII without the double quote and the backslash: JSON.stringify gives such a string back just quoted. */
const NEEDS_NO_ESCAPE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const quoted = (s: string): string => (NEEDS_NO_ESCAPE.test(s) ? `"${s}"` : JSON.stringify(s));

/**
 * Canonical JSON (sorted keys) so a retry that re-serialises the same body still matches. Every mutation
 * hashes its body, so this builds the string in place, and leaves JSON.stringify (a call into the runtime
 * for each key and value) to the strings that need escaping: the very same string as before, which the
 * stored request hashes depend on.
 */
function canonical(value: unknown, depth = 0): string {
  if (depth > MAX_BODY_DEPTH) throw new HttpError('bad_request', `the JSON body is nested more than ${MAX_BODY_DEPTH} levels deep`);
  switch (typeof value) {
    case 'string':
      return quoted(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return JSON.stringify(value) ?? 'null';
  }
  if (value === null) return 'null';
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonical(value[i], depth + 1);
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out += `${i === 0 ? '' : ','}${quoted(k)}:${canonical((value as Record<string, unknown>)[k], depth + 1)}`;
  }
  return `${out}}`;
}

export const requestHash = (method: string, path: string, body: unknown): string =>
  createHash('sha256').update(`${method.toUpperCase()} ${path}\n${canonical(body ?? null)}`).digest('base64url');

function serialise(reply: Reply, tx: Tx): Omit<Answer, 'replayed'> {
  return { status: reply.status, json: reply.json ?? tx.stringify(reply.body ?? null), ...(reply.headers ? { headers: reply.headers } : {}) };
}

/** A mutation request as both HTTP paths (express and the fast path) hand it over, body already parsed. */
export interface MutationRequest {
  principal: Principal;
  address: string;
  /** Came through the public gate (guest network), not the staff address. */
  viaPublicAddress: boolean;
  method: string;
  /** The path without the query string, as hashed with the body. */
  path: string;
  /** Raw path parameters, validated here by the route's schema. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when the request had none. */
  body: unknown;
  /** False when the body was sent as something other than JSON. */
  isJson: boolean;
  abandoned: () => boolean;
}

/**
 * Everything between an authenticated, admitted request and its answer, in the order the checks have
 * always run: path parameters, media type, Idempotency-Key, body schema, precheck, then the writer.
 */
export async function handleMutation(s: Services, route: MutationRoute, r: MutationRequest): Promise<Answer> {
  const params: unknown = route.params ? route.params.parse(r.params) : {};
  if (!r.isJson) throw new HttpError('unsupported_media_type', 'send the body as application/json');
  const key = readIdempotencyKey(r.headers[IDEMPOTENCY_HEADER], route.idempotencyOptional ?? false);
  // no body at all means "no fields"; an explicit JSON null is a body, and the schema refuses it
  const raw: unknown = r.body === undefined ? {} : r.body;
  const body: unknown = route.body ? route.body.parse(raw) : {};
  if (route.precheck && !(key !== undefined && (s.idempotency.get(storedUnder(route, key)) || usedOnTheOtherKind(s, route, key)))) {
    await route.precheck({ principal: r.principal, params, body }, s);
  }
  return runMutation(s, route, {
    principal: r.principal,
    params,
    body,
    key,
    address: r.address,
    viaPublicAddress: r.viaPublicAddress,
    hash: requestHash(r.method, r.path, raw),
    abandoned: r.abandoned,
  });
}

/**
 * Runs one mutation in the writer: replay check, the handler in a savepoint, and the key + request hash +
 * response stored in the same transaction as the write. Rule violations (DomainError) are answers too: they
 * are stored, so a retry gets the same answer; anything unexpected rolls everything back and stores nothing.
 */
export function runMutation(
  s: Services,
  route: MutationRoute,
  req: {
    principal: Principal;
    params: unknown;
    body: unknown;
    key: string | undefined;
    hash: string;
    address: string;
    viaPublicAddress: boolean;
    /** The client hung up while this waited: do nothing, so its retry (same key) finds nothing half-done. */
    abandoned: () => boolean;
  },
): Promise<Answer> {
  const priority = priorityOf(req.principal);
  return s.writer.submit((tx): Answer => {
    if (req.abandoned()) throw new AbandonedError();
    const owner = keyScope(req.principal);
    if (req.key !== undefined) {
      const stored = s.idempotency.get(storedUnder(route, req.key));
      if (stored) {
        const hash = route.answerHasSecrets ? sealedHash(req.key, req.hash) : req.hash;
        if (stored.requestHash !== hash || stored.principal !== owner) {
          throw new HttpError('idempotency_key_reused', 'this Idempotency-Key was already used for a different request');
        }
        return { status: stored.status, json: route.answerHasSecrets ? unseal(req.key, stored.body) : stored.body, replayed: true };
      }
      if (usedOnTheOtherKind(s, route, req.key)) throw new HttpError('idempotency_key_reused', 'this Idempotency-Key was already used for a different request');
    }
    let answer: Omit<Answer, 'replayed'>;
    try {
      answer = serialise(
        tx.savepoint(() => route.handle({ principal: req.principal, params: req.params, body: req.body, address: req.address, viaPublicAddress: req.viaPublicAddress, cmd: command(s, tx, req.principal) }, s)),
        tx,
      );
    } catch (err) {
      // a refusal that passes with time (kitchen paused) is not the request's answer: nothing is stored, so
      // the same key succeeds once the kitchen resumes
      if (!(err instanceof DomainError) || TRANSIENT.has(err.code)) throw err;
      const e = toErrorReply(err);
      answer = { status: e.status, json: JSON.stringify(e.body), ...(e.headers ? { headers: e.headers } : {}) };
      // outside the rolled-back savepoint, with the stored answer: a replay of the key never gets here
      route.onRefused?.({ principal: req.principal, params: req.params, body: req.body, cmd: command(s, tx, req.principal) }, err, s);
    }
    if (req.key !== undefined && route.answerHasSecrets) {
      s.idempotency.put(sealedKey(req.key), { principal: owner, requestHash: sealedHash(req.key, req.hash), status: answer.status, body: seal(req.key, answer.json) }, tx.now);
    } else if (req.key !== undefined) {
      s.idempotency.put(req.key, { principal: owner, requestHash: req.hash, status: answer.status, body: answer.json }, tx.now, tx.eventWithPayload(answer.json));
    }
    return { ...answer, replayed: false };
  }, priority, writerWaitBudget[priority]).catch((err: unknown) => {
    if (err instanceof OverloadedError) s.metrics.countShed('writer');
    throw err;
  });
}

/** Where a key's answer is kept: under the key, or sealed under its hash (answers with credentials). */
const storedUnder = (route: MutationRoute, key: string): string => (route.answerHasSecrets ? sealedKey(key) : key);

/**
 * Whether the key answered a request on a route of the other kind (sealed where this one is plain, or the
 * other way round): kept under another name, it is not found where this route looks, and the request would
 * run as new — a key sent with a PIN, then with an order, did both.
 */
const usedOnTheOtherKind = (s: Services, route: MutationRoute, key: string): boolean => s.idempotency.has(route.answerHasSecrets ? key : sealedKey(key));

function command(s: Services, tx: Tx, principal: Principal): CommandContext {
  const deviceId = deviceIdOf(principal);
  const staffId = staffIdOf(principal);
  return {
    principal,
    now: tx.now,
    newId: s.newId,
    menu: s.catalog.current().index,
    timeZone: s.config.HUB_TIMEZONE,
    events: { emit: (type, payload, topics) => tx.append({ type, payload, topics, deviceId, staffId }) },
  };
}
