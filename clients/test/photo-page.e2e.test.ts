/**
 * The manager's dish photo page (`/menu/photos`, hub/http/photo-page.ts) in Debian's chromium against the
 * real hub, loaded through `hub.test` (a LAN name, plain HTTP, so not a secure context): a manager pairs and
 * signs in on the page, sees the menu's dishes by category, uploads a PNG made here for one dish (the card
 * then shows the hub's WebP variant, decoded; the hub's menu names it), sees the hub's refusal of a file
 * that is not an image, and removes the photo again. A waiter's PIN is refused.
 */
import type { Browser, Page, Request } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { closeAll, eventually, freePort, LAN_HOST, launchLanBrowser, seededPage, signInManagerPage } from './browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
const pages: Page[] = [];
const DISH = 'mapo-tofu';
const card = `[data-dish="${DISH}"]`;

interface MenuJson {
  categories: { id: string }[];
  items: { id: string; categoryId: string; image?: { hash: string; widths: number[] } | null }[];
}
const hubMenu = async (): Promise<MenuJson> => (await hub.request('GET', '/api/v1/menu')).body.menu;

beforeAll(async () => {
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port), HUB_PRINTERS: 'none', HUB_HTTPS_PORT: 'off', HUB_SHED_LAG_MS: '5000' } }), launchLanBrowser()]);
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

const freshPage = async (): Promise<Page> => (await seededPage(browser, { width: 1280, height: 900 }, {}, pages)).page;

const pairAndEnterPin = (page: Page, pin: string) => signInManagerPage(page, `http://${LAN_HOST}:${port}/menu/photos`, pin);

describe('dish photo page', () => {
  it('a manager uploads a photo for a dish, sees it, sees a bad file refused, and removes it', async () => {
    const before = await hubMenu();
    expect(before.items.find((i) => i.id === DISH)?.image ?? null).toBeNull();
    const page = await freshPage();
    const writes: Request[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/image')) writes.push(r);
    });
    await pairAndEnterPin(page, PINS.manager);
    await page.locator('[data-photos]').waitFor();
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false); // the LAN path: no crypto.randomUUID here

    // every dish, grouped by its category, in the menu's order of categories
    const shown = await page.locator('[data-category]').evaluateAll((els) =>
      els.map((e) => ({ category: e.getAttribute('data-category')!, dishes: [...e.querySelectorAll('[data-dish]')].map((d) => d.getAttribute('data-dish')!) })),
    );
    expect(shown.flatMap((c) => c.dishes).sort()).toEqual(before.items.map((i) => i.id).sort());
    for (const c of shown) for (const d of c.dishes) expect(before.items.find((i) => i.id === d)!.categoryId).toBe(c.category);
    await page.locator(`${card} [data-no-photo]`).waitFor();
    expect(await page.locator(`${card} [data-remove]`).isVisible()).toBe(false);

    // upload a 200×150 PNG made here
    const png = await sharp({ create: { width: 200, height: 150, channels: 3, background: { r: 200, g: 60, b: 30 } } }).png().toBuffer();
    await page.setInputFiles(`${card} [data-upload]`, { name: 'mapo.png', mimeType: 'image/png', buffer: png });
    await page.locator(`${card} [data-status]:has-text("Saved")`).waitFor();
    const image = await eventually('the menu to name the photo', async () => (await hubMenu()).items.find((i) => i.id === DISH)?.image ?? undefined);
    expect(image.widths).toEqual([160]); // never wider than the original
    await page.waitForFunction((sel) => {
      const img = document.querySelector<HTMLImageElement>(sel);
      return img !== null && img.complete && img.naturalWidth > 0;
    }, `${card} img[data-photo]`);
    expect(await page.locator(`${card} img[data-photo]`).evaluate((i: HTMLImageElement) => [new URL(i.src).pathname, i.naturalWidth])).toEqual([`/media/${image.hash}-160.webp`, 160]);
    expect(await page.locator(`${card} [data-no-photo]`).count()).toBe(0);
    const put = writes.find((r) => r.method() === 'PUT')!;
    expect(put.url()).toBe(`http://${LAN_HOST}:${port}/api/v1/menu/items/${DISH}/image`);
    const putHeaders = await put.allHeaders();
    expect(putHeaders['content-type']).toBe('image/png');
    expect(putHeaders['idempotency-key']).toMatch(/^[0-9a-f]{32}$/);

    // a file that says PNG but is not one: the hub's 422 and its reason on the card, the photo unchanged
    await page.setInputFiles(`${card} [data-upload]`, { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('this is not a picture, it is a shopping list') });
    const refusal = page.locator(`${card} [data-status].bad`);
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/422, not_an_image/);
    expect((await hubMenu()).items.find((i) => i.id === DISH)!.image).toEqual(image);
    expect(await page.locator(`${card} img[data-photo]`).count()).toBe(1);

    // remove it: "no photo" on the card and in the hub's menu, and still so after a reload
    await page.click(`${card} [data-remove]`);
    await page.locator(`${card} [data-no-photo]`).waitFor();
    expect((await hubMenu()).items.find((i) => i.id === DISH)!.image).toBeNull();
    const del = writes.find((r) => r.method() === 'DELETE')!;
    const delKey = (await del.allHeaders())['idempotency-key'];
    expect(delKey).toMatch(/^[0-9a-f]{32}$/);
    const keys = await Promise.all(writes.map(async (r) => (await r.allHeaders())['idempotency-key']));
    expect(new Set(keys).size).toBe(writes.length); // a fresh key for each write
    await page.reload();
    await page.locator(`${card} [data-no-photo]`).waitFor(); // still signed in (this tab's session)
    await page.context().close();
  });

  it('a waiter PIN is refused: an error, the PIN form, no dishes', async () => {
    const page = await freshPage();
    await pairAndEnterPin(page, PINS.waiter);
    await page.locator('[data-error]').waitFor();
    expect(await page.locator('[data-error]').textContent()).toContain('Only a manager can change dish photos');
    expect(await page.locator('[data-gate=pin]').isVisible()).toBe(true);
    expect(await page.locator('[data-photos]').isVisible()).toBe(false);
    expect(await page.locator('[data-dish]').count()).toBe(0);
    // the session is not kept: a reload asks for the PIN again
    await page.reload();
    await page.locator('[data-gate=pin]').waitFor();
    expect(await page.locator('[data-dish]').count()).toBe(0);
    await page.context().close();
  });
});
