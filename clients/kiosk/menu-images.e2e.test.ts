/**
 * Dish pictures in a real browser (Debian chromium) against the real hub: a photo a manager uploaded shows
 * on the kiosk card, decoded, from the variant its `srcset`/`sizes` picks for the screen (not the largest);
 * a phone's list picks a smaller one; a dish without a photo shows its first Chinese character instead.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MenuImage } from '../../hub/protocol/menu.ts';
import { PINS, ROOT, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { buildClients } from '../build.ts';
import { closeAll, freePort, launchLanBrowser, pageErrors, pairAndSignIn, pairKiosk } from '../test/browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
let manager: string;
let image: MenuImage;
const pages: Page[] = [];

interface Shown {
  /** CSS px: with `w` descriptors the browser scales the intrinsic size to the `sizes` slot */
  naturalWidth: number;
  /** every photo variant this page fetched */
  fetched: string[];
  currentSrc: string;
  clientWidth: number;
  dpr: number;
  srcset: string;
}

async function open(url: string, viewport: { width: number; height: number }, dpr: number, init: (page: Page) => Promise<void> = async () => {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: dpr, hasTouch: true });
  context.setDefaultTimeout(8000);
  const page = await context.newPage();
  pageErrors.set(page, []);
  page.on('pageerror', (e) => pageErrors.get(page)!.push(e.message));
  pages.push(page);
  await init(page);
  await page.goto(url);
  return page;
}

/** Waits for the card's photo to be decoded and reports what the browser chose. */
async function shownPhoto(page: Page, itemId: string): Promise<Shown> {
  const img = page.locator(`[data-item="${itemId}"] img[data-dish-photo]`);
  await img.waitFor();
  await img.evaluate((el: HTMLImageElement) => el.decode());
  return img.evaluate((el: HTMLImageElement) => ({
    naturalWidth: el.naturalWidth,
    currentSrc: el.currentSrc,
    clientWidth: el.clientWidth,
    dpr: window.devicePixelRatio,
    srcset: el.srcset,
    fetched: performance
      .getEntriesByType('resource')
      .map((e) => e.name)
      .filter((n) => n.includes('/media/')),
  }));
}

const widthOf = (src: string) => Number(/-(\d+)\.webp$/.exec(src)?.[1]);

beforeAll(async () => {
  await buildClients({ quiet: true });
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port), HUB_SHED_LAG_MS: '2000' } }), launchLanBrowser()]);
  manager = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200"><rect width="100%" height="100%" fill="#7a1f12"/><ellipse cx="800" cy="640" rx="560" ry="380" fill="#f4efe6"/><circle cx="800" cy="620" r="300" fill="#c8401e"/></svg>`;
  const res = await fetch(`${hub.url}/api/v1/menu/items/mapo-tofu/image`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${manager}`, 'content-type': 'image/jpeg', 'idempotency-key': randomUUID() },
    body: new Uint8Array(await sharp(Buffer.from(svg)).jpeg().toBuffer()),
  });
  expect(res.status).toBe(200);
  image = ((await res.json()) as { item: { image: MenuImage } }).item.image;
  expect(image.widths).toEqual([160, 320, 640, 960]);
}, 90_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

describe('dish pictures', () => {
  it('shows the uploaded photo on the kiosk card, from a srcset variant sized for the card, and the placeholder for a dish without one', async () => {
    const device = await pairKiosk(hub, 'e2e-kiosk-photos');
    const page = await open(`http://hub.test:${port}/kiosk/`, { width: 1080, height: 1920 }, 1, async (p) => {
      await p.context().addInitScript((d) => {
        if (sessionStorage.getItem('e2e-seeded')) return;
        sessionStorage.setItem('e2e-seeded', '1');
        localStorage.setItem('brigade.lang', JSON.stringify('zh-CN'));
        localStorage.setItem('brigade.kiosk.device', JSON.stringify(d));
      }, device);
    });
    await page.click('[data-start]');
    await page.click('[data-cat="hot-dishes"]');

    const shown = await shownPhoto(page, 'mapo-tofu');
    expect(shown.naturalWidth).toBeGreaterThan(0);
    const candidates = shown.srcset.split(',').map((c) => c.trim().split(' ')[0]!);
    expect(candidates.map((c) => new URL(c, shown.currentSrc).href)).toContain(shown.currentSrc);
    const chosen = widthOf(shown.currentSrc);
    expect(shown.fetched).toEqual([shown.currentSrc]);
    // sharp enough for the card on this screen, and not the largest file when a smaller one is
    expect(chosen).toBeGreaterThanOrEqual(shown.clientWidth * shown.dpr);
    expect(chosen).toBeLessThan(Math.max(...image.widths));

    // the card keeps its 4:3 box: no layout jump when the photo arrives
    const box = await page.locator('[data-item="mapo-tofu"] .dish-img').boundingBox();
    expect(box!.width / box!.height).toBeCloseTo(4 / 3, 1);

    const placeholder = page.locator('[data-item="yuxiang-pork"] [data-dish-placeholder]');
    await expect(placeholder.textContent()).resolves.toBe('鱼');
    expect(await page.locator('[data-item="yuxiang-pork"] img').count()).toBe(0);
    if (process.env.KIOSK_SCREENSHOTS !== '0') await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'kiosk-menu-photo-zh-1080x1920.png') });
  });

  it('downloads a smaller variant for the thumbnail on a phone’s QR menu', async () => {
    const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
    expect(qr.status).toBe(200);
    const tablePath = (qr.body.tables as { path: string }[])[0]!.path;
    const page = await open(`http://hub.test:${port}${tablePath}`, { width: 390, height: 844 }, 3);
    await page.locator('[data-item="mapo-tofu"]').scrollIntoViewIfNeeded();
    const shown = await shownPhoto(page, 'mapo-tofu');
    const chosen = widthOf(shown.currentSrc);
    expect(shown.naturalWidth).toBeGreaterThan(0);
    expect(shown.fetched).toEqual([shown.currentSrc]);
    expect(chosen).toBeGreaterThanOrEqual(shown.clientWidth * shown.dpr);
    expect(chosen).toBeLessThanOrEqual(320);
  });
});
