/**
 * Dish photo URLs and upload limits. No imports, so browser apps can use these values at run time without
 * pulling zod into their bundles (like close-codes.ts).
 */

/** Where a photo variant is served: the one definition of the URL shape, for the hub's route and the clients. */
export const mediaPath = (hash: string, width: number): string => `/media/${hash}-${width}.webp`;

/** Media types a manager may upload; anything else is refused before the body is read. */
export const IMAGE_UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export const IMAGE_UPLOAD_MAX_BYTES = 8 * 1024 * 1024;
