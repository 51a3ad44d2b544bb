import { z } from 'zod';

/** Ids are opaque strings; devices may create them (ULID/UUID) so they can queue dependent mutations offline. */
export const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'ids use letters, digits, "-" and "_" only');

/** Money is always integer minor units (fen / cents). */
export const minorSchema = z.number().int().min(0).max(100_000_000);
export const deltaMinorSchema = z.number().int().min(-100_000_000).max(100_000_000);

/** UTC epoch milliseconds. */
export const epochMsSchema = z.number().int();

export const roleSchema = z.enum(['waiter', 'cashier', 'kitchen', 'manager']);
export type Role = z.infer<typeof roleSchema>;

export const channelSchema = z.enum(['pos', 'kiosk', 'qr', 'preorder']);
export type Channel = z.infer<typeof channelSchema>;

export const deviceKindSchema = z.enum(['pos', 'kiosk', 'kds', 'manager', 'other']);
export type DeviceKind = z.infer<typeof deviceKindSchema>;

export const shortText = (max: number) => z.string().trim().max(max);
