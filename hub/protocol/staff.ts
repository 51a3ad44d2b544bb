import { z } from 'zod';
import { pinSchema } from './auth.ts';
import { epochMsSchema, idSchema, roleSchema, shortText } from './common.ts';

/** A staff member as a manager sees them: never the PIN or its hash. */
export const staffMemberSchema = z.object({ id: idSchema, name: z.string(), role: roleSchema, active: z.boolean() });
export type StaffMember = z.infer<typeof staffMemberSchema>;

export const staffListResponseSchema = z.object({ staff: z.array(staffMemberSchema) });

/** One role per person, as the store keeps it (a PIN signs in as one person with one role). */
export const addStaffSchema = z.strictObject({
  name: shortText(60).min(1),
  role: roleSchema,
  pin: pinSchema,
});
export type AddStaff = z.infer<typeof addStaffSchema>;

export const changePinSchema = z.strictObject({ pin: pinSchema });
export type ChangePin = z.infer<typeof changePinSchema>;

/** Deactivate (false) or re-activate (true): a deactivated person cannot sign in, and their sessions end. */
export const setStaffActiveSchema = z.strictObject({ active: z.boolean() });
export type SetStaffActive = z.infer<typeof setStaffActiveSchema>;

/** `sessionsEnded`: the person's sign-ins the change ended (a PIN change keeps the manager's own, if it is theirs). */
export const staffChangeResponseSchema = z.object({ staff: staffMemberSchema, sessionsEnded: z.number().int().min(0) });

/**
 * Which tables get a new QR code: `"all"` (after a copy of the store leaked), or some by id. Spelt out, so an
 * empty body never reprints the whole floor.
 */
export const replaceQrCodesSchema = z.strictObject({
  tables: z.union([z.literal('all'), z.array(idSchema).min(1).max(1000)]),
});
export type ReplaceQrCodes = z.infer<typeof replaceQrCodesSchema>;

/** The tables whose codes were replaced; the codes themselves are read from `GET /api/v1/tables/qr-codes`. */
export const replacedQrCodesResponseSchema = z.object({
  tables: z.array(z.object({ id: idSchema, name: z.string() })),
  replacedAt: epochMsSchema,
});

/** Facts of staff and table-code changes: no PIN, hash or token in any of them. */
export const staffEventPayloadSchemas = {
  'staff.added': z.object({ staff: staffMemberSchema }),
  'staff.pin_changed': z.object({ staff: staffMemberSchema, sessionsEnded: z.number().int() }),
  'staff.deactivated': z.object({ staff: staffMemberSchema, sessionsEnded: z.number().int() }),
  'staff.reactivated': z.object({ staff: staffMemberSchema }),
  /** The old codes stopped working with this event; phones holding one get the invalid-code page. */
  'table.qr_codes_replaced': z.object({ tables: z.array(z.object({ id: idSchema, name: z.string() })) }),
} as const;
