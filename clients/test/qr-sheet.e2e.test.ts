/**
 * The manager's printable table QR sheet (`/tables/qr`) in Debian's chromium against the real hub, loaded
 * through `hub.test` (a LAN name, plain HTTP): a manager pairs the browser and signs in on the page and gets
 * one card per table — its name, a QR code that encodes exactly the URL printed under it, "扫码点餐 Scan to
 * order" — laid out 3 across on A4 when printed; a waiter's PIN gets an error and no codes.
 * Also writes docs/screenshots/qr-sheet-1280x900.png (QR_SHEET_SCREENSHOTS=0 skips it).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import qrcode from 'qrcode-generator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, ROOT, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { closeAll, freePort, LAN_HOST, launchLanBrowser, pairAndSignIn, seededPage, signInManagerPage } from './browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
let tables: { id: string; name: string; path: string }[];
const pages: Page[] = [];

const sheetUrl = (query = '') => `http://${LAN_HOST}:${port}/tables/qr${query}`;

beforeAll(async () => {
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port), HUB_PRINTERS: 'none', HUB_HTTPS_PORT: 'off', HUB_SHED_LAG_MS: '5000' } }), launchLanBrowser()]);
  const manager = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
  const api = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  expect(api.status).toBe(200);
  tables = api.body.tables;
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

const freshPage = async (): Promise<Page> => (await seededPage(browser, { width: 1280, height: 900 }, {}, pages)).page;

const pairAndEnterPin = (page: Page, pin: string) => signInManagerPage(page, sheetUrl(), pin);

/** The SVG path the page must draw for `url`: the same encoder, the same settings, in Node. */
function expectedPath(url: string): string {
  const qr = qrcode(0, 'M');
  qr.addData(url);
  qr.make();
  return /<path d="([^"]+)"/.exec(qr.createSvgTag({ cellSize: 4, margin: 16, scalable: true }))![1]!;
}

async function cards(page: Page): Promise<{ id: string; name: string; url: string; cta: string; path: string | null }[]> {
  return page.locator('[data-table-card]').evaluateAll((els) =>
    els.map((e) => ({
      id: e.getAttribute('data-table-card')!,
      name: e.querySelector('.card__table')!.textContent!,
      url: e.querySelector('[data-url]')!.textContent!,
      cta: e.querySelector('.card__cta')!.textContent!,
      path: e.querySelector('[data-qr] svg path')?.getAttribute('d') ?? null,
    })),
  );
}

describe('printable table QR sheet', () => {
  it('a manager pairs and signs in on the page: one card per table, each QR encoding the URL printed under it', async () => {
    const page = await freshPage();
    await pairAndEnterPin(page, PINS.manager);
    await page.locator('[data-sheet]').waitFor({ timeout: 20_000 });
    const shown = await cards(page);
    expect(shown.map((c) => [c.id, c.name])).toEqual(tables.map((t) => [t.id, t.name]));
    for (const [i, c] of shown.entries()) {
      const url = `http://${LAN_HOST}:${port}${tables[i]!.path}`;
      expect(c.url).toBe(url);
      expect(c.cta).toBe('扫码点餐 Scan to order');
      expect(c.path, `the QR code of ${c.name}`).toBe(expectedPath(url));
    }
    expect(await page.locator('[data-error]').isVisible()).toBe(false);
    expect(await page.locator('[data-gate]:visible').count()).toBe(0); // the sign-in forms are gone
    if (process.env.QR_SHEET_SCREENSHOTS !== '0') {
      mkdirSync(join(ROOT, 'docs', 'screenshots'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'qr-sheet-1280x900.png') });
    }

    // printed: no toolbar, three cards across an A4 page, a card never split over two pages
    await page.emulateMedia({ media: 'print' });
    const print = await page.evaluate(() => ({
      bar: getComputedStyle(document.querySelector('.bar')!).display,
      columns: getComputedStyle(document.querySelector('.cards')!).gridTemplateColumns.split(' ').length,
      breakInside: getComputedStyle(document.querySelector('.card')!).breakInside,
    }));
    expect(print).toEqual({ bar: 'none', columns: 3, breakInside: 'avoid' });
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
    const pageCount = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pageCount).toBe(Math.ceil(tables.length / 9)); // 3 × 3 cards a page
    await page.emulateMedia({ media: 'screen' });

    // the codes must open on the customers' phones: another address can be chosen for them
    await page.goto(sheetUrl(`?base=${encodeURIComponent('http://192.168.1.50:8080')}`));
    await page.locator('[data-sheet]').waitFor(); // still signed in (this tab's session)
    const based = await cards(page);
    expect(based[0]!.url).toBe(`http://192.168.1.50:8080${tables[0]!.path}`);
    expect(based[0]!.path).toBe(expectedPath(based[0]!.url));
    // a link with an address this hub does not know it has (someone else's server?) is flagged before printing
    const note = () => page.locator('#base').textContent();
    expect(await note()).toContain('not an address this hub knows it has');
    await page.goto(sheetUrl(`?base=${encodeURIComponent(`http://${LAN_HOST}:${port}`)}`));
    await page.locator('[data-sheet]').waitFor();
    expect(await note()).not.toContain('not an address this hub knows it has');
    // a ?base= that is not an address is ignored, and said so; the page still draws the codes
    await page.goto(sheetUrl(`?base=${encodeURIComponent('http://[oops')}`));
    await page.locator('[data-sheet]').waitFor();
    expect((await cards(page))[0]!.url).toBe(`http://${LAN_HOST}:${port}${tables[0]!.path}`);
    expect(await note()).toContain('was ignored');

    // signing out hides the codes
    await page.click('#signout');
    await page.locator('[data-gate=pin]').waitFor();
    expect(await page.locator('[data-sheet]').isVisible()).toBe(false);
    await page.context().close();
  });

  it('a waiter PIN gets an error and no codes', async () => {
    const page = await freshPage();
    await pairAndEnterPin(page, PINS.waiter);
    await page.locator('[data-error]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-error]').textContent()).toContain('Only a manager can print the table QR codes');
    expect(await page.locator('[data-gate=pin]').isVisible()).toBe(true);
    expect(await page.locator('[data-table-card]').count()).toBe(0);
    const html = await page.content();
    for (const t of tables) expect(html).not.toContain(t.path);
    // a wrong PIN says so too
    await page.fill('[data-gate=pin] input[name=pin]', '0000');
    await page.click('[data-gate=pin] button[type=submit]');
    await page.locator('[data-error]:has-text("Sign-in failed")').waitFor();
    await page.context().close();
  });
});
