import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { access, open, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { checkDimensions, ImageRejectedError, MAX_IMAGE_PIXELS, variantWidths, type ImageStore } from '../domain/menu-images.ts';
import type { MenuImage } from '../protocol/menu.ts';
import { isStorageFull, StorageFullError } from '../store/writer.ts';

/**
 * Part of every hash: the URLs are cached for a year as immutable, so output made with other settings
 * (quality, widths) must get other URLs even for the same upload.
 */
const PROCESSING_VERSION = 'brigade-webp-q78-white-v2';
const WEBP = { quality: 78, effort: 4 } as const;
/**
 * What transparent pixels become. A dish cut out on a transparent background (a common product shot) kept
 * its alpha, and libvips' dominant colour of it was the black behind the transparency: the screens fill the
 * picture's box with that colour, so the dish sat in a black square. Flattened, the variant is the dish on
 * white and the colour is the one it shows.
 */
const BACKGROUND = '#ffffff';
const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp']);
/** `<sha256>-<width>.webp`, the only names the store writes or serves. */
const VARIANT_NAME = /^([0-9a-f]{64})-(\d{1,5})\.webp$/;
/** A variant being written (`<variant>.<random>.tmp`), renamed once synced. */
const TMP_NAME = /\.tmp$/;

// Uploads are rare and the hub's two cores belong to the order path: one libvips thread, no operation
// cache holding decoded photos in memory.
sharp.concurrency(1);
sharp.cache(false);

/**
 * Dish photos on disk under `<data dir>/media/`, processed with sharp (libvips). Output carries no
 * metadata (sharp drops EXIF, GPS and ICC unless asked to keep them) and is converted to sRGB.
 */
export class SharpImageStore implements ImageStore {
  /** One upload at a time: each decode of a phone photo takes tens of MB and a core. */
  private tail: Promise<unknown> = Promise.resolve();

  readonly dir: string;

  constructor(dir: string) {
    // absolute: the files are served with express's sendFile, which refuses a relative path (a hub started
    // with the default HUB_DATA_DIR, ./data, answered 500 for every photo)
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
    // a hub stopped mid-upload (killed, power cut) leaves its half-written variants: nothing names them
    for (const name of readdirSync(this.dir)) {
      if (!TMP_NAME.test(name)) continue;
      try {
        unlinkSync(join(this.dir, name));
      } catch {
        // not ours to insist on (a directory so named, a permission): it is only space
      }
    }
  }

  ingest(bytes: Uint8Array): Promise<MenuImage> {
    const run = this.tail.then(() => this.process(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The file of a variant name, or undefined for any name the store never writes (no path tricks). */
  fileOf(name: string): string | undefined {
    return VARIANT_NAME.test(name) ? join(this.dir, name) : undefined;
  }

  private async process(input: Buffer): Promise<MenuImage> {
    const hash = createHash('sha256').update(`${PROCESSING_VERSION}\n`).update(input).digest('hex');
    const open_ = () => sharp(input, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS, autoOrient: true });
    const opaque = () => open_().flatten({ background: BACKGROUND });
    const meta = await decoding(() => open_().metadata());
    if (!meta.format || !ACCEPTED_FORMATS.has(meta.format)) throw new ImageRejectedError('not_an_image');
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) throw new ImageRejectedError('not_an_image');
    const rejection = checkDimensions(width, height);
    if (rejection) throw new ImageRejectedError(rejection);

    const widths = variantWidths(width);
    // encode everything before writing anything: a photo that fails to decode half-way leaves no files
    const variants = await decoding(() =>
      Promise.all(widths.map((w) => opaque().resize({ width: w }).toColourspace('srgb').webp(WEBP).toBuffer())),
    );
    // from the smallest variant, as the screens show it (sharp's stats() reads its input and ignores any
    // operation, so `resize().flatten().stats()` was the dominant of the whole original, transparency and all)
    const { dominant } = await decoding(() => sharp(variants[0]!).stats());
    // a write that fails (a full disk) takes back the variants this upload wrote: no row will name them
    const written: string[] = [];
    try {
      for (const [i, w] of widths.entries()) if (await this.writeOnce(`${hash}-${w}.webp`, variants[i]!)) written.push(`${hash}-${w}.webp`);
      await syncDir(this.dir);
    } catch (err) {
      await Promise.all(written.map((name) => unlink(join(this.dir, name)).catch(() => undefined)));
      throw isStorageFull(err) ? new StorageFullError(err) : err;
    }
    return { hash, widths, width, height, color: hex(dominant) };
  }

  /**
   * Content-addressed: a file already there holds the same bytes. Otherwise write, sync, then rename;
   * whatever fails (ENOSPC on a full disk) removes the temporary file. Whether it wrote the file.
   */
  private async writeOnce(name: string, data: Buffer): Promise<boolean> {
    const file = join(this.dir, name);
    if (await exists(file)) return false;
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
      return true;
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }
}

/** Runs a sharp call; a decoding failure is the upload's fault (422), anything else is ours. */
async function decoding<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    if (/pixel limit/i.test(message)) throw new ImageRejectedError('too_many_pixels');
    throw new ImageRejectedError('not_an_image');
  }
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** The renames are durable only once the directory itself is synced (POSIX). */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const hex = ({ r, g, b }: { r: number; g: number; b: number }): string =>
  `#${[r, g, b].map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('')}`;
