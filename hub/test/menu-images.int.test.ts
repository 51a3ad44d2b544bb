/**
 * Dish photos against the real hub process: upload → the menu names the image and its ETag changes →
 * the variants are served as immutable WebP at their widths; refusals are clear 4xx that change nothing;
 * a replayed upload answers the same; removal restores the placeholder.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaPath, type Menu, type MenuImage, type MenuItem } from '../protocol/menu.ts';
import { ROOT } from '../../scripts/load/hub-process.ts';
import { PINS, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let manager: string;
let waiter: string;

/** A 1200×800 JPEG with EXIF (camera make, GPS-ish comment) that the hub must not pass on. */
async function photo(width = 1200, height = 800, seed = 0): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#b0302a"/><circle cx="${width / 2 + seed}" cy="${height / 2}" r="${height / 3}" fill="#f2c14e"/></svg>`;
  return sharp(Buffer.from(svg))
    .jpeg({ quality: 85 })
    .withExif({ IFD0: { Make: 'TestCam', Copyright: 'secret-owner' } })
    .toBuffer();
}

async function upload(itemId: string, bytes: Uint8Array | string, o: { token?: string; type?: string; key?: string } = {}) {
  const res = await fetch(`${hub.url}/api/v1/menu/items/${itemId}/image`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${o.token ?? manager}`,
      'content-type': o.type ?? 'image/jpeg',
      'idempotency-key': o.key ?? randomUUID(),
    },
    body: typeof bytes === 'string' ? bytes : new Uint8Array(bytes),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as { item?: MenuItem; error?: { code: string; message: string } } };
}

async function menuItem(id: string): Promise<{ item: MenuItem; etag: string }> {
  const r = await hub.request<{ menu: Menu }>('GET', '/api/v1/menu');
  const item = r.body.menu.items.find((i) => i.id === id);
  if (!item) throw new Error(`no item ${id}`);
  return { item, etag: r.headers.get('etag') ?? '' };
}

const mediaFiles = () => (existsSync(join(hub.dataDir, 'media')) ? readdirSync(join(hub.dataDir, 'media')) : []);

beforeAll(async () => {
  // its data dir named relative to the checkout, as `npm start` runs it (./data): the photos were written
  // there and every one answered 500 (express's sendFile takes absolute paths only). And under a hidden
  // directory (an owner's ~/.brigade): sendFile refuses a path through one as a dotfile, and every photo was a 404
  const dataDir = mkdtempSync(join(tmpdir(), '.brigade-images-'));
  hub = await startHub({ dataDir, env: { HUB_DATA_DIR: relative(ROOT, dataDir) } });
  manager = (await signIn(hub, PINS.manager)).staff;
  waiter = (await signIn(hub, PINS.waiter)).staff;
});

afterAll(async () => {
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

describe('PUT /api/v1/menu/items/:itemId/image', () => {
  let image: MenuImage;

  it('stores the photo, names it on the menu item and changes the menu ETag', async () => {
    const before = await menuItem('mapo-tofu');
    expect(before.item.image).toBeNull();

    const r = await upload('mapo-tofu', await photo());
    expect(r.status).toBe(200);
    image = r.body.item!.image!;
    expect(image).toMatchObject({ widths: [160, 320, 640, 960], width: 1200, height: 800 });
    expect(image.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(image.color).toMatch(/^#[0-9a-f]{6}$/);

    const after = await menuItem('mapo-tofu');
    expect(after.item.image).toEqual(image);
    expect(after.etag).not.toBe(before.etag);
    const stale = await hub.request('GET', '/api/v1/menu', { headers: { 'if-none-match': before.etag } });
    expect(stale.status).toBe(200);
  });

  it('serves each variant as immutable WebP at its width, without the upload’s metadata', async () => {
    for (const w of image.widths) {
      const res = await fetch(hub.url + mediaPath(image.hash, w));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const bytes = Buffer.from(await res.arrayBuffer());
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('webp');
      expect(meta.width).toBe(w);
      expect(meta.height).toBe(Math.round((w * 800) / 1200));
      expect(meta.exif).toBeUndefined();
      expect(bytes.includes(Buffer.from('secret-owner'))).toBe(false);
    }
  });

  it('serves the variants to anyone, like the menu', async () => {
    const res = await fetch(hub.url + mediaPath(image.hash, 160));
    expect(res.status).toBe(200);
  });

  it('answers 404 for a variant that does not exist, and for names it never writes', async () => {
    expect((await fetch(hub.url + mediaPath(image.hash, 161))).status).toBe(404);
    expect((await fetch(`${hub.url}/media/..%2Fbrigade.db`)).status).toBe(404);
    expect((await fetch(`${hub.url}/media/${'0'.repeat(64)}-160.webp`)).status).toBe(404);
  });

  it('returns the original answer when an upload is replayed with the same Idempotency-Key', async () => {
    const key = randomUUID();
    const bytes = await photo(900, 900, 7);
    const first = await upload('dan-dan-noodles', bytes, { key });
    const second = await upload('dan-dan-noodles', bytes, { key });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    const db = hub.openDb();
    try {
      const events = db.prepare("SELECT payload FROM events WHERE type = 'menu.item_updated' AND payload LIKE '%dan-dan-noodles%'").all();
      expect(events).toHaveLength(1);
    } finally {
      db.close();
    }
  });

  it('refuses the same key with other bytes', async () => {
    const key = randomUUID();
    expect((await upload('dan-dan-noodles', await photo(700, 700, 1), { key })).status).toBe(200);
    const r = await upload('dan-dan-noodles', await photo(700, 700, 2), { key });
    expect(r.status).toBe(422);
    expect(r.body.error?.code).toBe('idempotency_key_reused');
  });

  it('makes no variant wider than the original', async () => {
    const r = await upload('kung-pao-chicken', await photo(400, 300));
    expect(r.body.item?.image?.widths).toEqual([160, 320]);
  });

  it.each([
    ['bytes that are not an image', () => Buffer.from('definitely not a jpeg, just text'), 'image/jpeg', 422, 'image_invalid'],
    ['a truncated JPEG', async () => (await photo()).subarray(0, 300), 'image/jpeg', 422, 'image_invalid'],
    ['a GIF sent as PNG', () => sharp({ create: { width: 100, height: 100, channels: 3, background: '#f00' } }).gif().toBuffer(), 'image/png', 422, 'image_invalid'],
    ['an image smaller than 64 px', () => sharp({ create: { width: 40, height: 40, channels: 3, background: '#0f0' } }).png().toBuffer(), 'image/png', 422, 'image_invalid'],
    ['a photo sent as application/octet-stream', () => photo(), 'application/octet-stream', 415, 'unsupported_media_type'],
    ['a photo sent as image/gif', () => photo(), 'image/gif', 415, 'unsupported_media_type'],
  ])('refuses %s with a clear 4xx and changes nothing', async (_name, make, type, status, code) => {
    const before = await menuItem('twice-cooked-pork');
    const files = mediaFiles().length;
    const r = await upload(before.item.id, await make(), { type });
    expect(r.status).toBe(status);
    expect(r.body.error?.code).toBe(code);
    expect(r.body.error?.message).toEqual(expect.any(String));
    const after = await menuItem(before.item.id);
    expect(after.etag).toBe(before.etag);
    expect(after.item.image).toBeNull();
    expect(mediaFiles().length).toBe(files);
  });

  it('refuses a body over 8 MB with 413', async () => {
    const r = await upload('twice-cooked-pork', Buffer.alloc(8 * 1024 * 1024 + 1, 0xff));
    expect(r.status).toBe(413);
    expect(r.body.error?.code).toBe('payload_too_large');
  });

  it('refuses a waiter with 403 and an upload without a key with 400', async () => {
    const asWaiter = await upload('twice-cooked-pork', await photo(), { token: waiter });
    expect(asWaiter.status).toBe(403);
    expect(asWaiter.body.error?.code).toBe('forbidden');
    const res = await fetch(`${hub.url}/api/v1/menu/items/twice-cooked-pork/image`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${manager}`, 'content-type': 'image/jpeg' },
      body: new Uint8Array(await photo()),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('idempotency_key_missing');
    expect((await menuItem('twice-cooked-pork')).item.image).toBeNull();
  });

  it('answers 404 for an item that does not exist, before processing or writing anything', async () => {
    const before = mediaFiles().sort();
    const r = await upload('no-such-dish', await photo(300, 300, 7));
    expect(r.status).toBe(404);
    expect(r.body.error?.code).toBe('not_found');
    expect(mediaFiles().sort()).toEqual(before);
    // the item is looked up before the body is read: bytes that are no photo still answer 404, not 422
    const junk = await upload('no-such-dish', 'not a photo');
    expect(junk.status).toBe(404);
    expect(junk.body.error?.code).toBe('not_found');
  });
});

describe('DELETE /api/v1/menu/items/:itemId/image', () => {
  it('takes the photo off the item and changes the ETag; a waiter may not', async () => {
    const before = await menuItem('mapo-tofu');
    expect(before.item.image).not.toBeNull();
    expect((await hub.request('DELETE', '/api/v1/menu/items/mapo-tofu/image', { token: waiter })).status).toBe(403);
    const r = await hub.request<{ item: MenuItem }>('DELETE', '/api/v1/menu/items/mapo-tofu/image', { token: manager });
    expect(r.status).toBe(200);
    expect(r.body.item.image).toBeNull();
    const after = await menuItem('mapo-tofu');
    expect(after.item.image).toBeNull();
    expect(after.etag).not.toBe(before.etag);
  });
});
