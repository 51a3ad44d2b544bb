import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Secrets } from '../domain/auth-service.ts';

export function nodeSecrets(pinKey: string): Secrets {
  return {
    newToken: (prefix) => `${prefix}_${randomBytes(24).toString('base64url')}`,
    hashToken: (token) => createHash('sha256').update(token).digest('hex'),
    hashPin: (pin) => createHmac('sha256', pinKey).update(pin).digest('hex'),
  };
}

/** A table's QR secret: unguessable, and recognisable by its prefix. */
export const newQrToken = (): string => `tbl_${randomBytes(12).toString('base64url')}`;
