import type { MenuImage, MenuItem } from '../protocol/menu.ts';

/**
 * Widths the hub stores for every photo: a phone's list thumbnail (160 at 2×: 80 CSS px), a kiosk card
 * in portrait (≈330 CSS px) and in landscape or at 2×, and the item sheet's big picture. Each screen
 * downloads the one its `srcset`/`sizes` picks, never the original.
 */
export const VARIANT_WIDTHS = [160, 320, 640, 960] as const;

/**
 * The variants to make of a photo `originalWidth` px wide: the standard widths it covers, never an
 * enlargement; a photo narrower than the smallest gets one variant at its own width.
 */
export function variantWidths(originalWidth: number, standard: readonly number[] = VARIANT_WIDTHS): number[] {
  const fitting = standard.filter((w) => w <= originalWidth);
  return fitting.length > 0 ? fitting : [Math.max(1, Math.floor(originalWidth))];
}

/** Why an upload is not a usable photo; the transport answers 422 with the reason. */
export const imageRejections = {
  not_an_image: 'the bytes are not a JPEG, PNG or WebP image',
  too_many_pixels: 'the image has more than 40 megapixels',
  too_small: 'the image is smaller than 64 × 64 px',
} as const;
export type ImageRejection = keyof typeof imageRejections;

export const MAX_IMAGE_PIXELS = 40_000_000;
export const MIN_IMAGE_SIDE = 64;

/** Checks the decoded size of a photo; null when it is acceptable. */
export function checkDimensions(width: number, height: number): ImageRejection | null {
  if (width * height > MAX_IMAGE_PIXELS) return 'too_many_pixels';
  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) return 'too_small';
  return null;
}

export class ImageRejectedError extends Error {
  constructor(readonly reason: ImageRejection) {
    super(imageRejections[reason]);
    this.name = 'ImageRejectedError';
  }
}

/**
 * The port to image processing (decoding is infrastructure: hub/media implements it with sharp). It runs
 * outside the writer, before the mutation that points an item at its result.
 */
export interface ImageStore {
  /**
   * Decodes the bytes, drops their metadata, and writes every variant durably. Resolves only once the
   * files are on disk, so a row naming them can commit. Rejects with ImageRejectedError for bytes that
   * are not a usable photo.
   */
  ingest(bytes: Uint8Array): Promise<MenuImage>;
}

/** The store side of dish photos, in the writer's transaction. */
export interface MenuImageRepo {
  /** Points the item at `image` (recording the image itself); undefined when there is no such item. */
  setItemImage(itemId: string, image: MenuImage | null, now: number): MenuItem | undefined;
}
