/**
 * The kiosk view following what changes under it, in a real browser against the real hub (no screenshots):
 * - an open item sheet follows the live menu: a dish switched off (no stock count) cannot be added from it;
 * - a kiosk that lost its pairing still says, on its pairing screen, that a charged card's payment waits to
 *   be sent (also after a reload, from IndexedDB).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { buildClients } from '../build.ts';
import { closeAll, freePort, launchLanBrowser, pairAndSignIn, pairKiosk, seededPage } from '../test/browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
let manager: string;
let categoryOf: Map<string, string>;
const pages: Page[] = [];

async function kiosk(name: string, query = ''): Promise<{ page: Page; device: Awaited<ReturnType<typeof pairKiosk>> }> {
  const device = await pairKiosk(hub, name);
  const { page } = await seededPage(browser, { width: 1080, height: 1920 }, { 'brigade.lang': 'zh-CN', 'brigade.kiosk.device': device }, pages);
  await page.goto(`http://hub.test:${port}/kiosk/${query}`);
  await page.locator('[data-welcome]').waitFor();
  return { page, device };
}

const setAvailable = async (itemId: string, available: boolean) =>
  expect((await hub.request('PATCH', `/api/v1/menu/items/${itemId}`, { token: manager, body: { available } })).status).toBe(200);

beforeAll(async () => {
  await buildClients({ quiet: true });
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port), HUB_SHED_LAG_MS: '2000' } }), launchLanBrowser()]);
  manager = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
  const menu = await hub.request('GET', '/api/v1/menu');
  categoryOf = new Map((menu.body.menu.items as { id: string; categoryId: string }[]).map((i) => [i.id, i.categoryId]));
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

it('a dish switched off while its sheet is open cannot be added from that sheet', async () => {
  const { page } = await kiosk('e2e-live-sheet');
  await page.click('[data-start]');
  await page.click(`[data-cat="${categoryOf.get('steamed-rice')}"]`);
  await page.click('[data-item="steamed-rice"]');
  const add = page.locator('[data-item-sheet] [data-add]');
  expect(await add.isDisabled()).toBe(false);
  await setAvailable('steamed-rice', false);
  try {
    // the kiosk's next menu poll (every 15 s), now
    await page.evaluate(() => (window as unknown as { __brigadeKiosk: { poll(): Promise<void> } }).__brigadeKiosk.poll());
    await page.locator('[data-item-sheet] [data-blocked="soldOut"]').waitFor();
    expect(await add.isDisabled()).toBe(true);
    await add.click({ force: true });
    expect(await page.locator('[data-cart-count]').getAttribute('data-cart-count')).toBe('0');
  } finally {
    await setAvailable('steamed-rice', true);
  }
});

it('a kiosk unpaired after the terminal approved a card shows, on its pairing screen, that the payment still waits to be sent — after a reload too', async () => {
  const { page, device } = await kiosk('e2e-live-unpaired', '?terminal=sim');
  await page.click('[data-start]');
  await page.click(`[data-cat="${categoryOf.get('steamed-rice')}"]`);
  await page.click('[data-item="steamed-rice"]');
  await page.click('[data-item-sheet] [data-add]');
  await page.click('[data-checkout]');
  await page.click('[data-pay="card"]');
  await page.click('[data-place]');
  await page.locator('[data-sim-approve]:not([disabled])').waitFor();
  // the hub stops taking this kiosk's token (the manager unpaired it) while the customer pays
  await page.evaluate((d) => (window as unknown as { __brigadeKiosk: { session: { device: { set(v: unknown): void } } } }).__brigadeKiosk.session.device.set({ ...d, token: 'dev_revoked' }), device);
  await page.click('[data-sim-approve]');
  const notice = page.locator('[data-unsent-payments="1"]');
  await notice.waitFor();
  expect(await page.locator('input[name=code]').isVisible()).toBe(true);
  expect(await notice.textContent()).toContain('1 笔已刷卡的付款');

  await page.reload();
  await page.locator('input[name=code]').waitFor();
  await notice.waitFor();
});
