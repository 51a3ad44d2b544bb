import { z } from 'zod';

/** Every error the API can answer, with its HTTP status. One list, so clients can switch on `code`. */
export const errorStatus = {
  bad_request: 400,
  validation_failed: 400,
  malformed_json: 400,
  idempotency_key_missing: 400,
  unauthenticated: 401,
  pin_invalid: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_key_in_use: 409,
  invalid_transition: 409,
  sold_out: 409,
  item_unavailable: 409,
  order_closed: 409,
  order_has_payments: 409,
  /** A day's float recorded that the request did not name as the one it replaces (`details.current`). */
  float_superseded: 409,
  /** Someone active on the staff list has that PIN already: sign-in is by PIN alone. */
  pin_in_use: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  image_invalid: 422,
  invalid_order: 422,
  overpayment: 422,
  printer_unreachable: 422,
  no_receipt_printer: 422,
  pairing_code_invalid: 403,
  too_many_requests: 429,
  internal: 500,
  overloaded: 503,
  ordering_paused: 503,
  store_busy: 503,
  unavailable: 503,
  storage_full: 507,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
