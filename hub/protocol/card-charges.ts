import { z } from 'zod';
import { epochMsSchema, idSchema, minorSchema, shortText } from './common.ts';

/**
 * A card the kiosk's terminal charged that the hub refused to record as a payment (the order was voided,
 * paid at the counter meanwhile, or its amount changed). The customer's card was charged and the takings do
 * not show it, so it stays on the staff tablets until a manager resolves it: refunded on the terminal, or
 * taken as the payment of another order (the note says which).
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
  resolutionNote: z.string().nullable(),
});
export type UnrecordedCardCharge = z.infer<typeof unrecordedCardChargeSchema>;

export const unrecordedCardChargesResponseSchema = z.object({ charges: z.array(unrecordedCardChargeSchema) });
export const cardChargeResponseSchema = z.object({ charge: unrecordedCardChargeSchema });

/** What became of the money: "refunded on the terminal, ref R", "taken as payment of order #12". */
export const resolveCardChargeSchema = z.strictObject({ note: shortText(140).min(1) });
export type ResolveCardCharge = z.infer<typeof resolveCardChargeSchema>;

/** Topics: `orders` and `floor`, which the staff tablets hear. */
export const cardChargeEventPayloadSchemas = {
  'payment.unrecorded': z.object({ charge: unrecordedCardChargeSchema }),
  'payment.unrecorded_resolved': z.object({ charge: unrecordedCardChargeSchema }),
} as const;
