import type { ErrorCode } from '../protocol/errors.ts';

/** A rule said no. Carries a stable code (mapped to an HTTP status by the transport) and optional details. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const fail = (code: ErrorCode, message: string, details?: unknown): never => {
  throw new DomainError(code, message, details);
};
