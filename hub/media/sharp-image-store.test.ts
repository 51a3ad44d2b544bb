import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ImageRejectedError } from '../domain/menu-images.ts';
import { SharpImageStore } from './sharp-image-store.ts';

const dirs: string[] = [];
function store(): SharpImageStore {
  const dir = mkdtempSync(join(tmpdir(), 'brigade-media-'));
  dirs.push(dir);
  return new SharpImageStore(join(dir, 'media'));
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const solid = (width: number, height: number, background = '#1e8449') =>
  sharp({ create: { width, height, channels: 3, background } });

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ImageRejectedError) return err.reason;
    throw err;
  }
  throw new Error('was accepted');
}

describe('SharpImageStore', () => {
  it('writes one WebP per width, named by hash and width, and reports the dominant colour', async () => {
    const s = store();
    const image = await s.ingest(await solid(700, 350).png().toBuffer());
    expect(image).toMatchObject({ widths: [160, 320, 640], width: 700, height: 350 });
    // libvips finds the dominant colour in a 16-level-per-channel histogram: near the fill, not equal
    const channels = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
    const fill = channels('#1e8449');
    channels(image.color).forEach((v, i) => expect(Math.abs(v - fill[i]!)).toBeLessThanOrEqual(16));
    expect(readdirSync(s.dir).sort()).toEqual([160, 320, 640].map((w) => `${image.hash}-${w}.webp`).sort());
  });

  it('applies the EXIF orientation: a portrait photo stored sideways is reported and resized upright', async () => {
    const s = store();
    const sideways = await solid(600, 400).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await s.ingest(sideways);
    expect([image.width, image.height]).toEqual([400, 600]);
    const meta = await sharp(join(s.dir, `${image.hash}-320.webp`)).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([320, 480, undefined]);
  });

  it('flattens a cut-out PNG onto white: its variants are opaque and its colour is the one they show, not black', async () => {
    const s = store();
    // a dish cut out on a transparent background, as product shots often come: the transparent pixels are (0,0,0,0)
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><circle cx="200" cy="150" r="90" fill="#c0392b"/></svg>';
    const cutOut = await sharp(Buffer.from(svg)).png().toBuffer();
    expect((await sharp(cutOut).metadata()).hasAlpha).toBe(true);
    const image = await s.ingest(cutOut);
    const variant = sharp(join(s.dir, `${image.hash}-320.webp`));
    expect((await variant.metadata()).hasAlpha).toBe(false);
    const { data } = await variant.clone().raw().toBuffer({ resolveWithObject: true });
    // the corner (transparent in the upload) is white, and so is the placeholder colour: the box a screen
    // fills with it while the photo loads matches the photo, instead of a black square around the dish
    expect([...data.subarray(0, 3)].every((v) => v >= 250)).toBe(true);
    const channels = [1, 3, 5].map((i) => parseInt(image.color.slice(i, i + 2), 16));
    expect(channels, image.color).toSatisfy((c: number[]) => c.every((v) => v >= 240));
  });

  it('gives the same bytes the same hash and other bytes another', async () => {
    const s = store();
    const a = await solid(300, 300).png().toBuffer();
    const b = await solid(300, 300, '#c0392b').png().toBuffer();
    expect((await s.ingest(a)).hash).toBe((await s.ingest(a)).hash);
    expect((await s.ingest(b)).hash).not.toBe((await s.ingest(a)).hash);
  });

  it.each([
    ['text', async () => Buffer.from('hello'), 'not_an_image'],
    ['an SVG (decodable, but not a photo format)', async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"/>'), 'not_an_image'],
    ['a tiny PNG', () => solid(10, 200).png().toBuffer(), 'too_small'],
  ])('rejects %s and writes nothing', async (_name, make, reason) => {
    const s = store();
    expect(await rejection(s.ingest(await make()))).toBe(reason);
    expect(readdirSync(s.dir)).toEqual([]);
  });

  it('rejects a decompression bomb by its declared size, before decoding it', async () => {
    const s = store();
    const bomb = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer();
    expect(await rejection(s.ingest(bomb))).toBe('too_many_pixels');
  });

  it('serves only names it writes', () => {
    const s = store();
    expect(s.fileOf(`${'a'.repeat(64)}-160.webp`)).toBe(join(s.dir, `${'a'.repeat(64)}-160.webp`));
    expect(s.fileOf('../brigade.db')).toBeUndefined();
    expect(s.fileOf(`${'a'.repeat(64)}-160.png`)).toBeUndefined();
  });

  it('removes the temporary files a hub killed mid-upload left behind, and nothing else, at start', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'brigade-media-')), 'media');
    dirs.push(dirname(dir));
    mkdirSync(dir, { recursive: true });
    const kept = `${'b'.repeat(64)}-160.webp`;
    writeFileSync(join(dir, kept), 'x');
    writeFileSync(join(dir, `${'c'.repeat(64)}-320.webp.0123456789ab.tmp`), 'half');
    writeFileSync(join(dir, 'other.tmp'), 'half');
    new SharpImageStore(dir);
    expect(readdirSync(dir)).toEqual([kept]);
  });
});
