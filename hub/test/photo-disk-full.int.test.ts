/**
 * A photo upload when the disk under the hub is full, on a tmpfs of the test's own (root only, skipped
 * otherwise): the upload answers 507 storage_full (not 500), leaves no partial file, tells the storage
 * guard (which gives its reserve back), and further uploads are refused while the state is critical,
 * so that photos do not take the last space that orders need.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { PINS, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';
import { canMountTmpfs, mountTmpfs, type Tmpfs } from './tmpfs.ts';

const avail = canMountTmpfs();
if (!avail.ok) console.warn(`photo disk-full tests skipped: ${avail.reason}`);

const ENV = { HUB_DISK_RESERVE_MB: '8', HUB_DISK_LOW_MB: '24', HUB_DISK_CHECK_MS: '100' };
let fs: Tmpfs | undefined;
let hub: HubProcess | undefined;
afterAll(async () => {
  await hub?.stop().catch(() => undefined);
  fs?.remove();
});

/** Noise does not compress: every variant is hundreds of KB. */
async function noisyPhoto(width = 1200, height = 800): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

async function storageState(h: HubProcess): Promise<string> {
  const r = await h.request('GET', '/api/v1/health');
  return (r.body.storage as { state: string }).state;
}

async function until(h: HubProcess, pred: (state: string) => boolean): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await storageState(h);
    if (pred(s)) return s;
    if (Date.now() > deadline) throw new Error(`storage state stayed ${s}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!avail.ok)('a photo upload on a full disk', () => {
  it('answers 507 storage_full, leaves no partial file, frees the reserve, and refuses photos while critical', async () => {
    fs = mountTmpfs(64, 'brigade-photo-full-');
    const dataDir = join(fs.dir, 'data');
    hub = await startHub({ dataDir, env: ENV });
    const manager = (await signIn(hub, PINS.manager)).staff;
    const waiter = (await signIn(hub, PINS.waiter)).staff;
    await until(hub, (s) => s === 'ok');
    const bytes = await noisyPhoto();
    const upload = async () => {
      const res = await fetch(`${hub!.url}/api/v1/menu/items/mapo-tofu/image`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${manager}`, 'content-type': 'image/jpeg', 'idempotency-key': randomUUID() },
        body: new Uint8Array(bytes),
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: { code: string } } };
    };
    const media = join(dataDir, 'media');
    const mediaFiles = () => (existsSync(media) ? readdirSync(media) : []);

    fs.fill('ballast', 64 * 1024);
    await until(hub, (s) => s === 'low');

    const first = await upload();
    expect(first.status).toBe(507);
    expect(first.body.error?.code).toBe('storage_full');
    expect(Number(first.retryAfter)).toBeGreaterThan(0);
    expect(mediaFiles()).toEqual([]);
    // the guard was told: it gave back its reserve
    expect(await until(hub, (s) => s === 'critical' || s === 'full')).toMatch(/critical|full/);

    // while critical, photos are refused before a byte is processed, even with room for them now
    const second = await upload();
    expect(second.status).toBe(507);
    expect(second.body.error?.code).toBe('storage_full');
    expect(mediaFiles()).toEqual([]);

    // the space left goes to orders
    const order = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder(), key: randomUUID() });
    expect(order.status).toBe(201);
    expect(await hub.stop()).toBe(0);
    hub = undefined;
  }, 60_000);
});
