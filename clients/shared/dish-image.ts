import { mediaPath } from '../../hub/protocol/media.ts';
import type { MenuImage } from '../../hub/protocol/menu.ts';

/** `srcset` of a photo's variants: the browser picks the one its `sizes` and pixel density need. */
export const srcSetOf = (image: Pick<MenuImage, 'hash' | 'widths'>): string =>
  image.widths.map((w) => `${mediaPath(image.hash, w)} ${w}w`).join(', ');

/** The `src` for a browser that ignores `srcset`: the smallest variant at least `target` px wide, else the widest. */
export function fallbackSrcOf(image: Pick<MenuImage, 'hash' | 'widths'>, target = 320): string {
  const sorted = [...image.widths].sort((a, b) => a - b);
  const width = sorted.find((w) => w >= target) ?? sorted[sorted.length - 1] ?? target;
  return mediaPath(image.hash, width);
}

const HAN = /\p{Script=Han}/u;

/** The placeholder's one glyph: the dish's first Chinese character, else its first letter. */
export function placeholderGlyph(nameZh: string, nameEn = ''): string {
  const chars = Array.from(nameZh.trim());
  const han = chars.find((c) => HAN.test(c));
  if (han) return han;
  const first = chars[0] ?? Array.from(nameEn.trim())[0] ?? '·';
  return first.toUpperCase();
}

/**
 * Placeholder colours by category position, readable under white text. The same palette as the kiosk's
 * category badges (clients/kiosk/kiosk-logic.ts), so a dish looks alike on the kiosk and on a phone.
 */
const PALETTE = ['#c0392b', '#d35400', '#1e8449', '#2471a3', '#7d3c98', '#b7950b', '#117a65', '#a04000'] as const;
export const placeholderColour = (index: number): string => PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
