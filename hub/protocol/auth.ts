import { z } from 'zod';
import { deviceKindSchema, idSchema, roleSchema, shortText } from './common.ts';

export const pairDeviceSchema = z.strictObject({
  code: z.string().trim().min(4).max(12),
  name: shortText(60).min(1),
  kind: deviceKindSchema,
});
export type PairDevice = z.infer<typeof pairDeviceSchema>;

export const deviceSchema = z.object({ id: idSchema, name: z.string(), kind: deviceKindSchema, pairedAt: z.number().int() });
export const pairResponseSchema = z.object({ deviceToken: z.string(), device: deviceSchema });

export const staffSchema = z.object({ id: idSchema, name: z.string(), role: roleSchema });
export type Staff = z.infer<typeof staffSchema>;

/** A staff PIN: what the PIN pads take, and what a manager may set (hub/protocol/staff.ts). */
export const pinSchema = z.string().regex(/^\d{4,8}$/, 'a PIN is 4–8 digits');

export const signInSchema = z.strictObject({
  pin: pinSchema,
  /**
   * The roles the signing-in app lets on (the kitchen screen: kitchen, manager). A staff member with none of
   * them is refused (403) and no session is made; left out, any role signs in (clients before this field).
   */
  roles: z.array(roleSchema).min(1).max(roleSchema.options.length).optional(),
});
export type SignIn = z.infer<typeof signInSchema>;
export const sessionResponseSchema = z.object({ token: z.string(), staff: staffSchema, expiresAt: z.number().int() });
export const signOutResponseSchema = z.object({ signedOut: z.literal(true) });

export const pairingCodeResponseSchema = z.object({ code: z.string(), expiresAt: z.number().int().nullable() });
