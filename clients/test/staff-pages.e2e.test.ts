/**
 * The manager's staff page (`/staff`) and table QR sheet (`/tables/qr`) in Debian's chromium against the real
 * hub, where what the manager sees must be what the hub has: Print prints the codes the hub has now (another
 * manager may have replaced them since the sheet was drawn), and the staff list's buttons open one form at a
 * time. Writes no screenshots.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { closeAll, freePort, LAN_HOST, launchLanBrowser, pairAndSignIn, seededPage, signInManagerPage } from './browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
let manager: string;
const pages: Page[] = [];

beforeAll(async () => {
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port), HUB_PRINTERS: 'none', HUB_HTTPS_PORT: 'off', HUB_SHED_LAG_MS: '5000' } }), launchLanBrowser()]);
  manager = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

const freshPage = async (): Promise<Page> => (await seededPage(browser, { width: 1280, height: 900 }, {}, pages)).page;
const codePaths = async () => ((await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager })).body.tables as { path: string }[]).map((t) => t.path);
const shownPaths = (page: Page) => page.locator('[data-table-card] [data-url]').evaluateAll((els) => els.map((e) => new URL(e.textContent!).pathname));

describe('the QR sheet', () => {
  it('prints the codes the hub has now, not those drawn before another manager replaced them', async () => {
    const page = await freshPage();
    await signInManagerPage(page, `http://${LAN_HOST}:${port}/tables/qr`, PINS.manager);
    await page.locator('[data-table-card]').first().waitFor({ timeout: 20_000 });
    const drawn = await shownPaths(page);
    expect(drawn).toEqual(await codePaths());
    // what window.print() would put on paper: the cards' URLs at the moment it is called
    await page.evaluate(() => {
      (window as unknown as { printed: string[][] }).printed = [];
      window.print = () => {
        const urls = [...document.querySelectorAll('[data-table-card] [data-url]')].map((e) => new URL(e.textContent!).pathname);
        (window as unknown as { printed: string[][] }).printed.push(urls);
      };
    });
    // another manager, elsewhere, gives every table a new code
    expect((await hub.request('POST', '/api/v1/tables/qr-codes', { token: manager, body: { tables: 'all' } })).status).toBe(200);
    const current = await codePaths();
    expect(current).not.toEqual(drawn);

    await page.click('#print');
    await page.waitForFunction(() => (window as unknown as { printed: string[][] }).printed.length > 0, undefined, { timeout: 10_000 });
    const printed = await page.evaluate(() => (window as unknown as { printed: string[][] }).printed);
    expect(printed).toEqual([current]);
    expect(await shownPaths(page)).toEqual(current);
    await page.context().close();
  });
});

describe('the QR sheet on a hub that does not answer', () => {
  it('keeps the manager signed in when the codes cannot be read for a moment (503, no answer), and shows them once they can', async () => {
    const page = await freshPage();
    await signInManagerPage(page, `http://${LAN_HOST}:${port}/tables/qr`, PINS.manager);
    await page.locator('[data-table-card]').first().waitFor({ timeout: 20_000 });
    const session = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('brigade.qr-sheet.staff') ?? 'null') as { token: string } | null);
    const token = (await session())!.token;
    for (const answer of ['busy', 'none'] as const) {
      await page.route('**/api/v1/tables/qr-codes', (route) =>
        answer === 'busy' ? route.fulfill({ status: 503, contentType: 'application/json', headers: { 'Retry-After': '1' }, body: '{"error":{"code":"overloaded","message":"busy"}}' }) : route.abort(),
      );
      await page.reload();
      await page.locator('[data-error]').waitFor({ timeout: 10_000 });
      await page.unroute('**/api/v1/tables/qr-codes');
      expect(await session(), answer).toEqual(expect.objectContaining({ token }));
      expect((await hub.request('GET', '/api/v1/staff', { token })).status, answer).toBe(200);
    }
    await page.reload();
    await page.locator('[data-table-card]').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-gate]:visible').count()).toBe(0);
    await page.context().close();
  });
});

describe('the staff page', () => {
  it('opens one form a row however often its buttons are clicked', async () => {
    const page = await freshPage();
    await signInManagerPage(page, `http://${LAN_HOST}:${port}/staff`, PINS.manager);
    const row = page.locator('tr[data-staff-id="s-waiter"]');
    await row.waitFor({ timeout: 20_000 });
    const changePin = row.getByRole('button', { name: '改 PIN Change PIN', exact: true });
    const deactivate = row.getByRole('button', { name: '停用 Deactivate', exact: true });
    await changePin.click();
    await changePin.click();
    await changePin.click();
    expect(await row.locator('form').count()).toBe(1);
    await deactivate.click();
    await deactivate.click();
    // one question at a time: the PIN form gave way to the confirmation
    expect(await row.getByRole('button', { name: '确认停用 Deactivate', exact: true }).count()).toBe(1);
    expect(await row.locator('form').count()).toBe(0);
    await row.getByRole('button', { name: '取消 Cancel' }).click();
    expect(await row.getByRole('button', { name: '确认停用 Deactivate', exact: true }).count()).toBe(0);
    await changePin.click();
    expect(await row.locator('form').count()).toBe(1);
    await page.context().close();
  });
});
