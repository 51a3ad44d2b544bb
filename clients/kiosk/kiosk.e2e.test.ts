/**
 * The self-order kiosk in a real browser (Debian chromium via playwright-core) against the real hub
 * process, at 1080×1920 portrait, loaded through a non-loopback host name (`hub.test` → 127.0.0.1) so the
 * page is NOT a secure context: the plain-HTTP LAN path. The kiosk opens the hub's public address
 * (HUB_PUBLIC_PORT, hub/gate), pairs and orders there. Also writes docs/screenshots/kiosk-*.png
 * (welcome, menu, confirmation; zh and en).
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAIRING_CODE, PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { buildClients } from '../build.ts';
import { addDish, closeAll, eventually, freePort, launchLanBrowser, pageErrors, pairAndSignIn, pairKiosk, screenshotter } from '../test/browser.ts';

let hub: HubProcess;
let port: number;
let publicPort: number;
let browser: Browser;
let manager: string;
const pages: Page[] = [];
const PORTRAIT = { width: 1080, height: 1920 };

interface HubOrder {
  id: string;
  number: number;
  channel: string;
  deviceId: string | null;
  totalMinor: number;
  quotedReadyAt: number | null;
  lines: { itemId: string; qty: number; options: { id: string }[] }[];
}

const kioskUrl = (query = '') => `http://hub.test:${publicPort}/kiosk/${query}`;

/** A fresh kiosk browser: either unpaired (pairs through the page) or with a device token seeded. */
async function kiosk(o: { query?: string; device?: { token: string; deviceId: string; name: string } } = {}): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ viewport: PORTRAIT, deviceScaleFactor: 1, hasTouch: true });
  context.setDefaultTimeout(8000);
  await context.addInitScript((device) => {
    try {
      if (sessionStorage.getItem('e2e-seeded')) return;
      sessionStorage.setItem('e2e-seeded', '1');
      localStorage.setItem('brigade.lang', JSON.stringify('zh-CN'));
      if (device) localStorage.setItem('brigade.kiosk.device', JSON.stringify({ ...device, kind: 'kiosk' }));
    } catch {
      /* the browser's own error page has no storage */
    }
  }, o.device ?? null);
  const page = await context.newPage();
  pageErrors.set(page, []);
  page.on('pageerror', (e) => pageErrors.get(page)!.push(e.message));
  pages.push(page);
  await page.goto(kioskUrl(o.query));
  return { page, context };
}

async function addItem(page: Page, itemId: string, optionIds: string[] = []) {
  await addDish(page, itemId, optionIds);
}

/** Switches to the category holding `itemId` (the menu shows one category at a time). */
async function showItem(page: Page, categoryId: string) {
  await page.click(`[data-cat="${categoryId}"]`);
}

async function kioskOrders(): Promise<HubOrder[]> {
  const r = await hub.request('GET', '/api/v1/orders?limit=100', { token: manager });
  expect(r.status).toBe(200);
  return (r.body.orders as HubOrder[]).filter((o) => o.channel === 'kiosk');
}

async function outbox(page: Page): Promise<{ state: string; key: string; meta: { orderId: string } }[]> {
  return page.evaluate(() => (window as unknown as { __brigadeKiosk: { outbox: { list(): { state: string; key: string; meta: { orderId: string } }[] } } }).__brigadeKiosk.outbox.list());
}

const shot = screenshotter('KIOSK_SCREENSHOTS');

let categoryOf: Map<string, string>;

beforeAll(async () => {
  await buildClients({ quiet: true });
  [port, publicPort] = [await freePort(), await freePort()];
  [hub, browser] = await Promise.all([
    // a low pacing threshold, so the kitchen is "busy" and kiosk orders get a quoted ready time;
    // HUB_SHED_LAG_MS: a loaded test machine must not shed kiosk orders with 503 (handled, only slower)
    startHub({ env: { HUB_PORT: String(port), HUB_PUBLIC_PORT: String(publicPort), HUB_PACING_THRESHOLD: '2', HUB_SHED_LAG_MS: '2000' } }),
    launchLanBrowser(),
  ]);
  const [waiter, mgr] = await Promise.all([pairAndSignIn(hub, 'pos', PINS.waiter), pairAndSignIn(hub, 'pos', PINS.manager)]);
  manager = mgr.staff.token;
  for (const t of ['t-a1', 't-a2', 't-a3']) {
    const r = await hub.request('POST', '/api/v1/orders', { token: waiter.staff.token, body: { channel: 'pos', tableId: t, lines: [{ itemId: 'steamed-rice', qty: 1 }] } });
    expect(r.status).toBe(201);
  }
  const menu = await hub.request('GET', '/api/v1/menu');
  categoryOf = new Map((menu.body.menu.items as { id: string; categoryId: string }[]).map((i) => [i.id, i.categoryId]));
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

describe('self-order kiosk', () => {
  it('pairs, orders with options over plain HTTP, and shows the hub’s order number as the pickup number', async () => {
    const { page, context } = await kiosk();
    // first visit: the shared pairing screen, kind kiosk, no staff PIN afterwards
    await page.fill('input[name=code]', PAIRING_CODE);
    await page.click('button[type=submit]');
    await page.locator('[data-welcome]').waitFor();
    expect(await page.evaluate(() => ({ secure: window.isSecureContext, uuid: typeof crypto.randomUUID }))).toEqual({ secure: false, uuid: 'undefined' });
    await shot(page, 'kiosk-welcome-zh-1080x1920.png');

    await page.click('[data-start]');
    await page.locator('[data-screen=menu]').waitFor();
    await showItem(page, categoryOf.get('mapo-tofu')!);
    // options enforced: refused until the required groups are chosen
    await page.click('[data-item="mapo-tofu"]');
    const add = page.locator('[data-item-sheet] [data-add]');
    expect(await add.isDisabled()).toBe(true);
    await page.click('[data-option="spice-medium"]');
    await page.click('[data-option="size-large"]');
    expect(await add.isDisabled()).toBe(false);
    await add.click();
    await showItem(page, categoryOf.get('sour-plum-drink')!);
    await addItem(page, 'sour-plum-drink', ['ice-less']);
    await addItem(page, 'sour-plum-drink', ['ice-none']);
    await showItem(page, categoryOf.get('mapo-tofu')!);
    await page.locator('[data-cart-count="3"]').waitFor();
    await shot(page, 'kiosk-menu-zh-1080x1920.png');

    // checkout: edit a line (two tofu), remove another, pay at the counter
    await page.click('[data-checkout]');
    await page.click('[data-cart-line="mapo-tofu"] [data-edit]');
    await page.click('[data-item-sheet] [data-qty="+"]');
    await page.click('[data-item-sheet] [data-add]');
    expect(await page.locator('[data-cart-line="mapo-tofu"]').textContent()).toContain('× 2');
    await page.locator('[data-cart-line="sour-plum-drink"] [data-remove]').last().click();
    expect(await page.locator('[data-cart-line]').count()).toBe(2);
    await page.click('[data-place]');
    const pickup = page.locator('[data-pickup]');
    await pickup.waitFor();
    await page.locator('[data-done=confirmed] [data-quoted]').waitFor();

    const orders = await kioskOrders();
    expect(orders).toHaveLength(1);
    const order = orders[0]!;
    expect(await pickup.getAttribute('data-pickup')).toBe(String(order.number));
    expect((await pickup.textContent())?.trim()).toBe(String(order.number));
    expect(await page.locator('[data-hub-total]').getAttribute('data-hub-total')).toBe(String(order.totalMinor));
    expect(order.quotedReadyAt).not.toBeNull();
    expect(order.lines.map((l) => [l.itemId, l.qty, l.options.map((x) => x.id).sort()])).toEqual([
      ['mapo-tofu', 2, ['size-large', 'spice-medium']],
      ['sour-plum-drink', 1, ['ice-less']],
    ]);
    const [entry] = await outbox(page);
    expect(entry!.meta.orderId).toBe(order.id); // the id made on the kiosk
    await shot(page, 'kiosk-done-zh-1080x1920.png');

    // English: welcome, menu, confirmation
    await page.click('[data-new]');
    await page.locator('[data-welcome]').waitFor();
    await page.click('.lang-toggle');
    await page.locator('[data-start]:has-text("Tap anywhere")').waitFor();
    await shot(page, 'kiosk-welcome-en-1080x1920.png');
    await page.click('[data-start]');
    await showItem(page, categoryOf.get('mapo-tofu')!);
    await addItem(page, 'mapo-tofu', ['spice-none', 'size-regular']);
    await shot(page, 'kiosk-menu-en-1080x1920.png');
    await page.click('[data-checkout]');
    await page.click('[data-place]');
    await page.locator('[data-pickup]').waitFor();
    const second = (await kioskOrders()).find((o) => o.id !== order.id)!;
    expect(await page.locator('[data-pickup]').getAttribute('data-pickup')).toBe(String(second.number));
    expect(second.number).not.toBe(order.number);
    await shot(page, 'kiosk-done-en-1080x1920.png');
    await context.close();
  });

  it('the idle timeout returns to the welcome screen and clears the cart', async () => {
    const device = await pairKiosk(hub, 'e2e-kiosk-idle');
    const { page, context } = await kiosk({ device, query: '?idle=1.5' });
    await page.click('[data-start]');
    await showItem(page, categoryOf.get('steamed-rice')!);
    await addItem(page, 'steamed-rice');
    await page.locator('[data-cart-count="1"]').waitFor();
    await page.locator('[data-welcome]').waitFor({ timeout: 5000 });
    await page.click('[data-start]');
    await page.locator('[data-cart-count="0"]').waitFor();
    expect(await page.locator('[data-checkout]').isDisabled()).toBe(true);
    await context.close();
  });

  it('offline mid-send, the idle reset keeps the order in the outbox, back online: exactly one order and its number', async () => {
    const device = await pairKiosk(hub, 'e2e-kiosk-offline');
    const { page, context } = await kiosk({ device, query: '?idle=2' });
    await page.click('[data-start]');
    await showItem(page, categoryOf.get('mapo-tofu')!);
    await addItem(page, 'mapo-tofu', ['spice-none', 'size-regular']);
    // the hub commits the order, but the kiosk never hears the answer: the network drops mid-send
    let reachedHub = 0;
    await page.route('**/api/v1/orders', async (route) => {
      // only the first send reaches the hub; a retry racing the drop finds the network gone
      if (reachedHub++ > 0) return route.abort('internetdisconnected');
      await route.fetch({ url: route.request().url().replace('hub.test', '127.0.0.1') }); // Node, not the browser, makes this request
      await context.setOffline(true);
      await route.abort('internetdisconnected');
    });
    await page.click('[data-checkout]');
    await page.click('[data-place]');
    await page.locator('[data-done=retrying]').waitFor();
    // the outbox may retry (same key) before the page is offline: the hub replays it; one order either way
    expect(reachedHub).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-pickup]').count()).toBe(0); // no number until the hub confirms
    await page.unrouteAll({ behavior: 'wait' }); // a send still inside the handler finishes first
    const [entry] = await outbox(page);
    const mine = (await kioskOrders()).filter((o) => o.deviceId === device.deviceId);
    expect(mine.map((o) => o.id)).toEqual([entry!.meta.orderId]); // placed, though the kiosk cannot know

    // the customer walks away: the kiosk starts over, the unconfirmed order keeps its place in the outbox
    await page.locator('[data-welcome] [data-pending="1"]').waitFor({ timeout: 6000 });
    // still offline it retries now and then, so the entry is `sending` for a moment between `unknown`s
    const states = await eventually('the one entry unconfirmed between retries', async () => {
      const now = (await outbox(page)).map((e) => e.state);
      return now.length !== 1 || now[0] === 'unknown' ? now : undefined;
    });
    expect(states).toEqual(['unknown']);

    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await eventually('confirmed in the background', async () => ((await outbox(page))[0]?.state === 'confirmed' ? true : undefined));
    const after = (await kioskOrders()).filter((o) => o.deviceId === device.deviceId);
    expect(after).toHaveLength(1);
    await page.locator(`[data-recent]:has-text("${after[0]!.number}")`).waitFor();
    expect((await outbox(page))[0]!.key).toBe(entry!.key); // resent with the same key
    expect(hub.eventCount('order.placed', after[0]!.id)).toBe(1);
    await context.close();
  });

  it('paused ordering: a clear message and no checkout', async () => {
    expect((await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: true, reason: '后厨满单' } })).status).toBe(200);
    try {
      const device = await pairKiosk(hub, 'e2e-kiosk-paused');
      const { page, context } = await kiosk({ device });
      await page.locator('[data-welcome] [data-pacing=paused]').waitFor();
      expect(await page.locator('[data-pacing=paused]').textContent()).toContain('后厨满单');
      await page.click('[data-start]');
      await showItem(page, categoryOf.get('steamed-rice')!);
      await addItem(page, 'steamed-rice');
      await page.click('[data-checkout]');
      expect(await page.locator('[data-place]').isDisabled()).toBe(true);
      await context.close();
    } finally {
      await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: false } });
    }
  });
});
