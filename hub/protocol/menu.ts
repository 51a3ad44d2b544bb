import { z } from 'zod';
import { deltaMinorSchema, idSchema, minorSchema, shortText } from './common.ts';

export { IMAGE_UPLOAD_MAX_BYTES, IMAGE_UPLOAD_TYPES, mediaPath } from './media.ts';

export const optionSchema = z.object({
  id: idSchema,
  nameZh: z.string(),
  nameEn: z.string(),
  priceDeltaMinor: deltaMinorSchema,
});
export type MenuOption = z.infer<typeof optionSchema>;

export const optionGroupSchema = z.object({
  id: idSchema,
  nameZh: z.string(),
  nameEn: z.string(),
  minChoices: z.number().int().min(0),
  maxChoices: z.number().int().min(1),
  options: z.array(optionSchema),
});
export type OptionGroup = z.infer<typeof optionGroupSchema>;

export const stationSchema = z.object({
  id: idSchema,
  nameZh: z.string(),
  nameEn: z.string(),
  targetPrepSeconds: z.number().int().positive(),
});
export type Station = z.infer<typeof stationSchema>;

export const categorySchema = z.object({
  id: idSchema,
  nameZh: z.string(),
  nameEn: z.string(),
  sort: z.number().int(),
});
export type Category = z.infer<typeof categorySchema>;

/**
 * A dish's photo as stored by the hub: WebP variants of one upload, content-addressed so their URLs can be
 * cached for ever (a new photo is a new hash). `width`/`height` are the original's, after EXIF rotation.
 */
export const menuImageSchema = z.object({
  /** sha256 (hex) of the processing version and the uploaded bytes. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Widths of the stored variants in px, ascending; none is wider than the original. */
  widths: z.array(z.number().int().positive()).min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** The photo's dominant colour, `#rrggbb`: the placeholder while it loads. */
  color: z.string().regex(/^#[0-9a-f]{6}$/),
});
export type MenuImage = z.infer<typeof menuImageSchema>;

export const stockForSchema = z.enum(['today', 'until_changed']);
export type StockFor = z.infer<typeof stockForSchema>;

export const menuItemSchema = z.object({
  id: idSchema,
  categoryId: idSchema,
  nameZh: z.string(),
  nameEn: z.string(),
  descriptionZh: z.string().nullable(),
  descriptionEn: z.string().nullable(),
  priceMinor: minorSchema,
  stationId: idSchema,
  optionGroupIds: z.array(idSchema),
  available: z.boolean(),
  /** null: not counted. 0: sold out. */
  remaining: z.number().int().min(0).nullable(),
  targetPrepSeconds: z.number().int().positive().nullable(),
  sort: z.number().int(),
  /**
   * null: no photo; clients show a typographic placeholder. The hub always sends it; optional because a
   * menu a service worker cached from an older hub has no such field.
   */
  image: menuImageSchema.nullable().optional(),
  /**
   * How long the count and `available: false` hold: `today` (the default), the business day; the dish is back
   * on sale, not counted, when the next one starts (04:00). `until_changed`: until a manager changes them. Optional as
   * `image` is (a menu cached from an older hub); the hub always sends it.
   */
  stockFor: stockForSchema.optional(),
});
export type MenuItem = z.infer<typeof menuItemSchema>;

export const menuSchema = z.object({
  version: z.number().int(),
  currency: z.string(),
  stations: z.array(stationSchema),
  categories: z.array(categorySchema),
  optionGroups: z.array(optionGroupSchema),
  items: z.array(menuItemSchema),
});
export type Menu = z.infer<typeof menuSchema>;

/** Manager edits of one item. Every field optional; at least one must be present. */
export const updateMenuItemSchema = z
  .strictObject({
    nameZh: shortText(80).min(1),
    nameEn: shortText(80).min(1),
    priceMinor: minorSchema,
    available: z.boolean(),
    /**
     * A count: the portions left to sell now, after the orders already placed (null: stop counting). Lines
     * ordered before it took from the count it replaces: voided, they give none back to this one.
     */
    remaining: z.number().int().min(0).max(1_000_000).nullable(),
    targetPrepSeconds: z.number().int().positive().max(86_400).nullable(),
    /** Whether this count and switch, and those set later, reset when the next business day starts. */
    stockFor: stockForSchema,
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' });
export type UpdateMenuItem = z.infer<typeof updateMenuItemSchema>;

export const menuItemResponseSchema = z.object({ item: menuItemSchema });
