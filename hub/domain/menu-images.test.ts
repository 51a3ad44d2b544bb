import { describe, expect, it } from 'vitest';
import { checkDimensions, variantWidths } from './menu-images.ts';

describe('variantWidths', () => {
  it.each([
    [4032, [160, 320, 640, 960]],
    [960, [160, 320, 640, 960]],
    [959, [160, 320, 640]],
    [320, [160, 320]],
    [200, [160]],
  ])('makes the standard widths a %i px photo covers, never an enlargement', (width, expected) => {
    expect(variantWidths(width)).toEqual(expected);
  });

  it('makes one variant at its own width of a photo narrower than the smallest standard width', () => {
    expect(variantWidths(100)).toEqual([100]);
  });
});

describe('checkDimensions', () => {
  it.each([
    [1200, 800, null],
    [64, 64, null],
    [63, 800, 'too_small'],
    [800, 40, 'too_small'],
    [8000, 5001, 'too_many_pixels'],
  ] as const)('%i × %i → %s', (w, h, expected) => {
    expect(checkDimensions(w, h)).toBe(expected);
  });
});
