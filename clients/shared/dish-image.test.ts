import { describe, expect, it } from 'vitest';
import { fallbackSrcOf, placeholderColour, placeholderGlyph, srcSetOf } from './dish-image.ts';

const hash = 'f'.repeat(64);

describe('srcSetOf', () => {
  it('lists every variant with its width descriptor', () => {
    expect(srcSetOf({ hash, widths: [160, 320] })).toBe(`/media/${hash}-160.webp 160w, /media/${hash}-320.webp 320w`);
  });
});

describe('fallbackSrcOf', () => {
  it.each([
    [[160, 320, 640], 320, 320],
    [[160, 320, 640], 200, 320],
    [[160, 320], 640, 320],
    [[100], 320, 100],
  ])('of %j for %i px is the %i px variant', (widths, target, expected) => {
    expect(fallbackSrcOf({ hash, widths }, target)).toBe(`/media/${hash}-${expected}.webp`);
  });
});

describe('placeholderGlyph', () => {
  it.each([
    ['麻婆豆腐', 'Mapo tofu', '麻'],
    ['  宫保鸡丁', '', '宫'],
    ['A菜', '', '菜'],
    ['𠀾 rare', '', '𠀾'],
    ['', 'cola', 'C'],
    ['', '', '·'],
  ])('of %j / %j is %j', (zh, en, expected) => {
    expect(placeholderGlyph(zh, en)).toBe(expected);
  });
});

describe('placeholderColour', () => {
  it('cycles through the palette by category position, negative positions included', () => {
    expect(placeholderColour(0)).toBe(placeholderColour(8));
    expect(placeholderColour(-1)).toBe(placeholderColour(7));
    expect(placeholderColour(1)).not.toBe(placeholderColour(0));
  });
});
