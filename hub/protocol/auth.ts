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

export const signInSchema = z.strictObject({ pin: z.string().regex(/^\d{4,8}$/, 'a PIN is 4–8 digits') });
export const sessionResponseSchema = z.object({ token: z.string(), staff: staffSchema, expiresAt: z.number().int() });

export const pairingCodeResponseSchema = z.object({ code: z.string(), expiresAt: z.number().int().nullable() });
