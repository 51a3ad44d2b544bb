import { ZodError } from 'zod';
import { DomainError } from '../domain/errors.ts';
import { errorStatus, type ErrorBody, type ErrorCode } from '../protocol/errors.ts';
import { isStoreBusy, OverloadedError, StorageFullError, StoreBusyError } from '../store/writer.ts';

export class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** The client went away before its mutation's turn; nothing was written and nobody is left to answer. */
export class AbandonedError extends Error {
  constructor() {
    super('client disconnected before the write');
  }
}

export interface ErrorReply {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
  /** True when the error is ours (a bug or the disk), to be logged; client errors are not. */
  unexpected: boolean;
}

/** Refusals that pass with time tell the client when to try again. */
const retryAfter: Partial<Record<ErrorCode, Record<string, string>>> = {
  ordering_paused: { 'Retry-After': '60' },
};

const body = (code: string, message: string, details?: unknown): ErrorBody => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

/** The one place errors become responses. Anything unrecognised is a plain 500 that leaks nothing. */
export function toErrorReply(err: unknown): ErrorReply {
  if (err instanceof DomainError || err instanceof HttpError) {
    const headers = err instanceof HttpError ? err.headers : retryAfter[err.code];
    return {
      status: errorStatus[err.code],
      body: body(err.code, err.message, err.details),
      ...(headers ? { headers } : {}),
      unexpected: false,
    };
  }
  if (err instanceof ZodError) {
    const details = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const first = details[0];
    return {
      status: 400,
      body: body('validation_failed', first ? `${first.path || 'body'}: ${first.message}` : 'invalid request', details),
      unexpected: false,
    };
  }
  if (err instanceof AbandonedError) {
    return { status: 499, body: body('client_closed', 'the client disconnected before the write; nothing was applied'), unexpected: false };
  }
  if (err instanceof OverloadedError) {
    return {
      status: 503,
      body: body('overloaded', 'the hub is busy; retry shortly'),
      headers: { 'Retry-After': '1' },
      unexpected: false,
    };
  }
  if (err instanceof StoreBusyError || isStoreBusy(err)) {
    // another program holds the store's lock (a writer's refusal, or a read that met it): nothing was written,
    // and the device resends with the same key; not a bug of the hub's, so not logged per request (writer.ts
    // says it in the log, a few seconds apart)
    return {
      status: 503,
      body: body('store_busy', "another program holds the hub's store file: nothing was saved; the device retries, and whoever opened the store must close it"),
      headers: { 'Retry-After': '2' },
      unexpected: false,
    };
  }
  if (err instanceof StorageFullError) {
    // 5xx: the device keeps the request and resends it with the same key; the hub frees its reserve on
    // the first failure (storage-guard.ts), so the retry usually finds room
    return {
      status: 507,
      body: body('storage_full', "the hub's disk is full: nothing was saved; the device retries, and the manager must free space on the hub"),
      headers: { 'Retry-After': '5' },
      unexpected: false,
    };
  }
  // body-parser errors carry a `type` and an HTTP status
  const e = err as { type?: string; status?: number } | undefined;
  if (e?.type === 'entity.parse.failed') return { status: 400, body: body('malformed_json', 'the body is not valid JSON'), unexpected: false };
  if (e?.type === 'entity.too.large') return { status: 413, body: body('payload_too_large', 'the body is too large'), unexpected: false };
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') {
    return { status: 415, body: body('unsupported_media_type', 'send UTF-8 JSON'), unexpected: false };
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: e.status, body: body('bad_request', 'the request could not be read'), unexpected: false };
  }
  return { status: 500, body: body('internal', 'something went wrong on the hub; the request was not applied'), unexpected: true };
}
