import { z } from 'zod';
import { epochMsSchema, idSchema, minorSchema, shortText } from './common.ts';

/**
 * What became of a card charge the hub did not record, as a manager resolves it: what is done at a counter.
 * - `refunded_on_terminal`: given back on the card terminal. Its total has the charge and the refund, so the
 *   charge no longer adds to it.
 * - `recorded_as_payment`: recorded, without charging the card again, as a card payment of an order — the
 *   kiosk's own once its amount was right again, or the one the customer ordered instead (`orderNumber`). The
 *   payments have the money now.
 * - `other`: anything else, said in the note. The charge stays on the terminal's total and out of the payments.
 *   A charge resolved before there were kinds (a note only) reads as `other`.
 */
export const cardChargeResolutionKindSchema = z.enum(['refunded_on_terminal', 'recorded_as_payment', 'other']);
export type CardChargeResolutionKind = z.infer<typeof cardChargeResolutionKindSchema>;

/**
 * A card the kiosk's terminal charged that the hub refused to record as a payment (the order was voided,
 * paid at the counter meanwhile, or its amount changed). The customer's card was charged and the takings do
 * not show it, so it stays on the staff tablets until a manager resolves it: refunded on the terminal,
 * recorded as an order's card payment, or something else the note says.
 */
export const unrecordedCardChargeSchema = z.object({
  id: idSchema,
  orderId: idSchema,
  /** The order's number (null when the kiosk named an order the hub does not know). */
  orderNumber: z.number().int().nullable(),
  amountMinor: minorSchema,
  /** The terminal's reference, as the kiosk sent it. */
  reference: z.string().nullable(),
  /** The kiosk that took the card. */
  deviceId: idSchema.nullable(),
  /** The hub's refusal, as the kiosk was answered (`error.code`, `error.message`). */
  refusal: z.object({ code: z.string(), message: z.string() }),
  createdAt: epochMsSchema,
  resolvedAt: epochMsSchema.nullable(),
  /** The manager (staff id) who resolved it. */
  resolvedBy: idSchema.nullable(),
  /** What became of it (null while unresolved). */
  resolutionKind: cardChargeResolutionKindSchema.nullable(),
  /** `recorded_as_payment`: the order whose card payment it became, and that order's number. */
  resolutionOrderId: idSchema.nullable(),
  resolutionOrderNumber: z.number().int().nullable(),
  /** The manager's words (the terminal's refund reference, what else was done); null when none were typed. */
  resolutionNote: z.string().nullable(),
  /**
   * When it left what the card terminal holds beyond the payments: refunded on the terminal, when the manager
   * said so; recorded as a payment, when that payment was taken. Null while unresolved and for `other`.
   */
  settledAt: epochMsSchema.nullable(),
});
export type UnrecordedCardCharge = z.infer<typeof unrecordedCardChargeSchema>;

export const unrecordedCardChargesResponseSchema = z.object({ charges: z.array(unrecordedCardChargeSchema) });
export const cardChargeResponseSchema = z.object({ charge: unrecordedCardChargeSchema });

/**
 * `POST /api/v1/card-charges/:chargeId/resolve`: what became of the money. `kind` absent (tablets from before
 * the kinds, which sent a note only) is `other`: the note is then all there is to read, as it was.
 */
export const resolveCardChargeSchema = z
  .strictObject({
    kind: cardChargeResolutionKindSchema
      .default('other')
      .describe('refunded_on_terminal, recorded_as_payment (with orderNumber) or other (with a note); default other'),
    orderNumber: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe('recorded_as_payment only: the number of the order whose card payment it was recorded as, of the business day the card was charged or the next (that day first)'),
    note: shortText(140).optional().describe('what was done: the terminal refund reference, or (other, required) what became of the money'),
  })
  .refine((r) => r.kind !== 'other' || (r.note ?? '') !== '', { path: ['note'], message: 'other needs a note: say what became of the money' })
  .refine((r) => (r.kind === 'recorded_as_payment') === (r.orderNumber !== undefined), {
    path: ['orderNumber'],
    message: 'orderNumber names the order of a recorded_as_payment resolution, and only of one',
  });
export type ResolveCardCharge = z.infer<typeof resolveCardChargeSchema>;
/** What a client sends (`kind` may be left out: `other`). */
export type ResolveCardChargeInput = z.input<typeof resolveCardChargeSchema>;

/** Topics: `orders` and `floor`, which the staff tablets hear. */
export const cardChargeEventPayloadSchemas = {
  'payment.unrecorded': z.object({ charge: unrecordedCardChargeSchema }),
  'payment.unrecorded_resolved': z.object({ charge: unrecordedCardChargeSchema }),
} as const;
