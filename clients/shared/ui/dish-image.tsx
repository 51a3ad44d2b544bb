import { useState } from 'preact/hooks';
import type { MenuItem } from '../../../hub/protocol/menu.ts';
import { fallbackSrcOf, placeholderGlyph, srcSetOf } from '../dish-image.ts';

export interface DishImageProps {
  item: Pick<MenuItem, 'nameZh' | 'nameEn' | 'image'>;
  /** How wide this screen draws the picture (the `sizes` attribute), e.g. `4.5rem` or `(orientation: portrait) 31vw, 24vw`. */
  sizes: string;
  /** The box's width ÷ height. Fixed, so the layout never moves when a photo arrives; the photo is cropped to it. */
  aspect?: number;
  /** Background of the placeholder: the category's colour. */
  colour: string;
  class?: string;
}

/**
 * A dish's photo, or when it has none (or it fails to load) its first Chinese character on its
 * category's colour. Decorative (`alt=""`): the dish's name is always printed beside it.
 */
export function DishImage({ item, sizes, aspect = 4 / 3, colour, class: cls = '' }: DishImageProps) {
  const [failed, setFailed] = useState<string | null>(null);
  const image = item.image && failed !== item.image.hash ? item.image : null;
  const box = {
    display: 'block',
    position: 'relative',
    overflow: 'hidden',
    aspectRatio: String(aspect),
    containerType: 'inline-size',
    // the photo's own dominant colour while it loads: no white flash, no jump
    background: image ? image.color : `linear-gradient(135deg, rgba(255,255,255,0.22), rgba(0,0,0,0.14)), ${colour}`,
  };
  if (!image) {
    return (
      <span class={`dish-img dish-img--none ${cls}`} style={box} aria-hidden="true" data-dish-placeholder>
        <span style={{ position: 'absolute', inset: 0, display: 'grid', placeItems: 'center', color: 'rgba(255,255,255,0.93)', fontWeight: 900, fontSize: `${Math.min(46, 46 / aspect)}cqw`, lineHeight: 1, textShadow: '0 0.04em 0.12em rgba(0,0,0,0.25)' }} lang="zh-CN">
          {placeholderGlyph(item.nameZh, item.nameEn)}
        </span>
      </span>
    );
  }
  return (
    <span class={`dish-img ${cls}`} style={box} aria-hidden="true">
      <img
        src={fallbackSrcOf(image)}
        srcset={srcSetOf(image)}
        sizes={sizes}
        width={image.width}
        height={image.height}
        loading="lazy"
        decoding="async"
        alt=""
        draggable={false}
        data-dish-photo={image.hash}
        onError={() => setFailed(image.hash)}
        style={{ display: 'block', width: '100%', height: '100%', objectFit: 'cover' }}
      />
    </span>
  );
}
