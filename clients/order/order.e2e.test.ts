/**
 * QR table ordering in a real browser (Debian chromium via playwright-core) against the real hub process,
 * on a phone-sized screen, loaded through a non-loopback host name (`hub.test` → 127.0.0.1) so the page is
 * NOT a secure context: no crypto.randomUUID, no service worker — the plain-HTTP LAN path a customer's
 * phone takes. The phone opens the hub's public address (HUB_PUBLIC_PORT, hub/gate), as a printed QR code
 * says; staff and the test's own API calls use the staff address. Also writes docs/screenshots/qr-*.png (zh
 * and en, 390×844).
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { buildClients } from '../build.ts';
import { addDish, closeAll, eventually, freePort, launchLanBrowser, pageErrors, pairAndSignIn, screenshotter } from '../test/browser.ts';

let hub: HubProcess;
let port: number;
let publicPort: number;
let browser: Browser;
let waiter: string;
let kitchen: string;
let manager: string;
let tokens: Map<string, string>;
const pages: Page[] = [];
const PHONE = { width: 390, height: 844 };

const url = (tableId: string) => `http://hub.test:${publicPort}/t/${tokens.get(tableId)}`;

async function phone(tableId: string, lang: 'zh-CN' | 'en' = 'zh-CN'): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
  context.setDefaultTimeout(8000);
  await context.addInitScript((l) => {
    try {
      if (!localStorage.getItem('brigade.lang')) localStorage.setItem('brigade.lang', JSON.stringify(l));
    } catch {
      /* the browser's own error page (offline reload) has no storage */
    }
  }, lang);
  const page = await context.newPage();
  pageErrors.set(page, []);
  page.on('pageerror', (e) => pageErrors.get(page)!.push(e.message));
  pages.push(page);
  await page.goto(url(tableId));
  await page.locator(`[data-table="${tableId}"]`).waitFor();
  return { page, context };
}

/** Item sheet: pick options, then add. */
async function addItem(page: Page, itemId: string, optionIds: string[] = []) {
  await page.click('[data-tab=menu]');
  await addDish(page, itemId, optionIds);
}

async function submitCart(page: Page) {
  await page.click('[data-cart-open]');
  await page.click('[data-cart] [data-submit]');
}

async function hubOrders(tableId: string): Promise<{ id: string; channel: string; status: string; lines: { id: string; itemId: string; qty: number; options: { id: string }[] }[] }[]> {
  const r = await hub.request('GET', `/api/v1/orders?tableId=${tableId}`, { token: manager });
  expect(r.status).toBe(200);
  return r.body.orders;
}

const shot = screenshotter('QR_SCREENSHOTS');

beforeAll(async () => {
  await buildClients({ quiet: true });
  [port, publicPort] = [await freePort(), await freePort()];
  [hub, browser] = await Promise.all([
    // a low pacing threshold, so a couple of kitchen tickets make the kitchen "busy" and QR orders get a quoted time
    // HUB_SHED_LAG_MS: with two test files sharing two cores the hub's event loop lags at start-up and would
    // shed phone orders with 503 + Retry-After 2 (handled: "busy, retrying"), which only slows these tests
    startHub({ env: { HUB_PORT: String(port), HUB_PUBLIC_PORT: String(publicPort), HUB_PACING_THRESHOLD: '2', HUB_SHED_LAG_MS: '2000' } }),
    launchLanBrowser(),
  ]);
  [waiter, kitchen, manager] = (
    await Promise.all([pairAndSignIn(hub, 'pos', PINS.waiter), pairAndSignIn(hub, 'kds', PINS.kitchen), pairAndSignIn(hub, 'pos', PINS.manager)])
  ).map((l) => l.staff.token) as [string, string, string];
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  expect(qr.status).toBe(200);
  tokens = new Map((qr.body.tables as { id: string; qrToken: string; path: string }[]).map((t) => [t.id, t.qrToken]));
  expect(qr.body.tables[0].path).toMatch(/^\/t\/tbl_/);
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

describe('QR table ordering on a phone', () => {
  it('over plain HTTP on a LAN name: menu, options enforced, cart edit, order placed once, appended to, status live', async () => {
    // two kitchen tickets from the floor: past the threshold, so the QR order is quoted a ready time
    for (const t of ['t-a1', 't-a2', 't-a3']) {
      const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId: t, lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-regular'] }] } });
      expect(r.status).toBe(201);
    }
    const { page } = await phone('t-a5');
    expect(await page.evaluate(() => ({ secure: window.isSecureContext, uuid: typeof crypto.randomUUID, idb: typeof indexedDB }))).toEqual({ secure: false, uuid: 'undefined', idb: 'object' });
    expect(await page.locator('[data-table="t-a5"]').textContent()).toContain('A5 桌');
    await page.locator('[data-pacing=busy]').waitFor();
    // an unavailable item is greyed and cannot be opened
    const soldOut = page.locator('[data-sold-out=true]').first();
    expect(await soldOut.count()).toBe(1);
    expect(await soldOut.isDisabled()).toBe(true);
    await shot(page, 'qr-menu-zh-390x844.png');

    // options: the sheet refuses until the required groups are chosen, and caps a many-choice group at its max
    await page.click('[data-item="mapo-tofu"]');
    const add = page.locator('[data-item-sheet] [data-add]');
    expect(await add.isDisabled()).toBe(true);
    expect(await page.locator('[data-item-sheet] .q-hint').textContent()).toContain('辣度');
    await page.click('[data-option="spice-medium"]');
    await page.click('[data-option="size-large"]');
    expect(await add.isDisabled()).toBe(false);
    await shot(page, 'qr-item-zh-390x844.png');
    await add.click();
    await addItem(page, 'sour-plum-drink', ['ice-less']);

    // edit a cart line: two of the tofu
    await page.click('[data-cart-open]');
    await page.click('[data-cart-line="mapo-tofu"] [data-edit]');
    await page.click('[data-item-sheet] [data-qty="+"]');
    await page.click('[data-item-sheet] [data-add]');
    expect(await page.locator('[data-cart-line="mapo-tofu"]').textContent()).toContain('× 2');
    await shot(page, 'qr-cart-zh-390x844.png');
    await page.click('[data-cart] [data-submit]');
    await page.locator('[data-sub-state=confirmed]').waitFor();
    // from the tap's outbox entry (stored in IndexedDB first) to the hub's 201, timed in the page
    const [first] = await page.evaluate(() =>
      (window as unknown as { __brigadeQr: { outbox: { list(): { createdAt: number; updatedAt: number; attempts: number }[] } } }).__brigadeQr.outbox.list(),
    );
    const tapToConfirmed = `${first!.updatedAt - first!.createdAt} ms in ${first!.attempts} attempt(s)`;

    let orders = await hubOrders('t-a5');
    expect(orders).toHaveLength(1);
    const order = orders[0]!;
    expect(order.channel).toBe('qr');
    expect(order.lines.map((l) => [l.itemId, l.qty, l.options.map((o) => o.id).sort()])).toEqual([
      ['mapo-tofu', 2, ['size-large', 'spice-medium']],
      ['sour-plum-drink', 1, ['ice-less']],
    ]);
    await page.locator(`[data-order="${order.id}"][data-status=received]`).waitFor();
    await page.locator(`[data-order="${order.id}"] [data-quoted]`).waitFor();

    // the kitchen starts, then finishes: the phone follows live over the table's stream
    const hot = order.lines.find((l) => l.itemId === 'mapo-tofu')!;
    expect((await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen, body: { status: 'preparing', lineIds: [hot.id] } })).status).toBe(200);
    await page.locator(`[data-order="${order.id}"] [data-line="${hot.id}"][data-line-status=cooking]`).waitFor();
    await page.locator(`[data-order="${order.id}"][data-status=cooking]`).waitFor();

    // a second round goes onto the same order
    await addItem(page, 'steamed-rice');
    await page.click('[data-cart-open]');
    expect(await page.locator('[data-cart] [data-submit]').textContent()).toContain('加菜');
    await page.click('[data-cart] [data-submit]');
    await eventually('both rounds confirmed', async () => ((await page.locator('[data-sub-state=confirmed]').count()) === 2 ? true : undefined));
    orders = await hubOrders('t-a5');
    expect(orders).toHaveLength(1);
    expect(orders[0]!.lines.map((l) => l.itemId)).toEqual(['mapo-tofu', 'sour-plum-drink', 'steamed-rice']);

    expect((await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen, body: { status: 'ready' } })).status).toBe(200);
    await page.locator(`[data-order="${order.id}"][data-status=ready]`).waitFor();
    await eventually('every line ready on the phone', async () => ((await page.locator(`[data-order="${order.id}"] [data-line-status=ready]`).count()) === 3 ? true : undefined));
    await shot(page, 'qr-orders-zh-390x844.png');

    // English
    await page.click('.lang-toggle');
    await page.locator('[data-table="t-a5"]:has-text("Table A5")').waitFor();
    await shot(page, 'qr-orders-en-390x844.png');
    await page.click('[data-tab=menu]');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'qr-menu-en-390x844.png');
    console.info(`QR tap "send" → "confirmed by the hub": ${tapToConfirmed} (saved to IndexedDB, sent, 201; loopback, budget 100 ms)`);
    await page.context().close();
  });

  it('offline mid-send, reload while offline, back online: exactly one order, and the add-on queued offline lands on it', async () => {
    const { page, context } = await phone('t-a7');
    await addItem(page, 'mapo-tofu', ['spice-none', 'size-regular']);
    // the hub commits the order, but the phone never hears the answer: the Wi-Fi drops mid-send
    let reachedHub = 0;
    await page.route('**/api/v1/orders', async (route) => {
      // only the first send reaches the hub; an outbox retry racing the drop finds the network gone
      if (reachedHub++ > 0) return route.abort('internetdisconnected');
      await route.fetch({ url: route.request().url().replace('hub.test', '127.0.0.1') }); // Node, not the browser, makes this request
      await context.setOffline(true);
      await route.abort('internetdisconnected');
    });
    await submitCart(page);
    await page.locator('[data-sub-state=unknown]').waitFor();
    expect(reachedHub).toBeGreaterThanOrEqual(1);
    expect(await hubOrders('t-a7')).toHaveLength(1); // placed, though the phone cannot know
    await page.unrouteAll({ behavior: 'wait' }); // a retry still inside the handler finishes first

    // still offline: another round is queued behind it, on the order the phone created (its own id)
    await addItem(page, 'sour-plum-drink', ['ice-none']);
    await submitCart(page);
    await eventually('two unconfirmed rounds', async () => ((await page.locator('.q-sub:not([data-sub-state=confirmed])').count()) === 2 ? true : undefined));
    await page.locator('[data-offline]').waitFor();
    await shot(page, 'qr-offline-zh-390x844.png');
    // the first round keeps retrying while offline (sending → unknown → sending…): catch it between tries
    const stored = await eventually('the first round unknown, the second saved behind it', async () => {
      const list = await page.evaluate(() => (window as unknown as { __brigadeQr: { outbox: { list(): { state: string; key: string }[] } } }).__brigadeQr.outbox.list());
      return list.map((e) => e.state).sort().join() === 'saved,unknown' ? list : undefined;
    });

    // reload while offline: the page cannot even load
    await page.reload().catch(() => undefined);
    await context.setOffline(false);
    await page.goto(url('t-a7'));
    await page.click('[data-tab=orders]');
    await eventually('both rounds confirmed after the reload', async () => ((await page.locator('[data-sub-state=confirmed]').count()) === 2 ? true : undefined));
    const after = await page.evaluate(() => (window as unknown as { __brigadeQr: { outbox: { list(): { state: string; key: string }[] } } }).__brigadeQr.outbox.list());
    expect(after.map((e) => e.key).sort()).toEqual(stored.map((e) => e.key).sort()); // the same keys were resent

    const orders = await hubOrders('t-a7');
    expect(orders).toHaveLength(1);
    expect(orders[0]!.lines.map((l) => l.itemId)).toEqual(['mapo-tofu', 'sour-plum-drink']);
    expect(hub.eventCount('order.placed', orders[0]!.id)).toBe(1);
    await context.close();
  });

  it('a paused kitchen says so and the order is not placed; a stale token gets a bilingual error page', async () => {
    expect((await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: true, reason: '后厨满单' } })).status).toBe(200);
    try {
      const { page, context } = await phone('t-b1', 'en');
      await page.locator('[data-pacing=paused]').waitFor();
      expect(await page.locator('[data-pacing=paused]').textContent()).toContain('paused');
      await addItem(page, 'steamed-rice');
      await page.click('[data-cart-open]');
      expect(await page.locator('[data-cart] [data-submit]').isDisabled()).toBe(true);
      await context.close();
    } finally {
      await hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body: { publicOrderingPaused: false } });
    }

    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`http://hub.test:${port}/t/tbl_not-a-real-token`);
    await page.locator('[data-gate=invalid]').waitFor();
    const text = await page.locator('[data-gate=invalid]').textContent();
    expect(text).toContain('此桌码已失效');
    expect(text).toContain('no longer valid');
    await shot(page, 'qr-invalid-390x844.png');
    await context.close();
    // two phones' pages one after the other: past 30 s on a loaded machine (a mid-session full run)
  }, 60_000);

  it('shows a dish sold out, and a kitchen pause, as they happen (the stream), not at the next 30 s poll', async () => {
    const { page, context } = await phone('t-b3', 'en');
    const dish = '[data-item="fuqi-feipian"]';
    await page.click('[data-tab=menu]');
    await page.locator(`${dish}[data-sold-out=false]`).waitFor();
    const edit = (body: Record<string, unknown>) => hub.request('PATCH', '/api/v1/menu/items/fuqi-feipian', { token: manager, body });
    const pacing = (body: Record<string, unknown>) => hub.request('POST', '/api/v1/kitchen/pacing', { token: manager, body });
    try {
      expect((await edit({ available: false })).status).toBe(200);
      await page.locator(`${dish}[data-sold-out=true]`).waitFor({ timeout: 5000 });
      expect((await pacing({ publicOrderingPaused: true, reason: 'kitchen full' })).status).toBe(200);
      await page.locator('[data-pacing=paused]').waitFor({ timeout: 5000 });
      expect(await page.locator('[data-pacing=paused]').textContent()).toContain('kitchen full');
      expect((await pacing({ publicOrderingPaused: false })).status).toBe(200);
      await page.locator('[data-pacing=paused]').waitFor({ state: 'detached', timeout: 5000 });
      expect((await edit({ available: true })).status).toBe(200);
      await page.locator(`${dish}[data-sold-out=false]`).waitFor({ timeout: 5000 });
      expect(pageErrors.get(page)).toEqual([]);
    } finally {
      await edit({ available: true });
      await pacing({ publicOrderingPaused: false });
      await context.close();
    }
  });

  it('calls a waiter from the phone: the call is an event for the floor, and the page says it waits until a waiter acknowledges it', async () => {
    const { page, context } = await phone('t-b2', 'en');
    await page.click('[data-call-waiter]');
    await page.locator('[data-call-waiter][data-waiter-state=waiting]').waitFor();
    expect(await page.locator('[data-call-waiter]').textContent()).toBe('Waiter called');
    const db = hub.openDb();
    let seq: number;
    try {
      const calls = db.prepare("SELECT seq FROM events WHERE type = 'table.waiter_called' AND json_extract(payload, '$.table.id') = 't-b2'").pluck().all() as number[];
      expect(calls).toHaveLength(1);
      seq = calls[0]!;
    } finally {
      db.close();
    }
    // a second tap within 30 s is the same call: nobody saw to it yet
    await page.click('[data-call-waiter]');
    await page.locator('[data-call-waiter][data-waiter-state=waiting]').waitFor();
    const ack = await hub.request('POST', '/api/v1/tables/t-b2/waiter-calls/acknowledge', { token: waiter, body: { throughSeq: seq } });
    expect(ack.body).toEqual({ acknowledged: 1 });
    await page.locator('[data-call-waiter][data-waiter-state=coming]').waitFor({ timeout: 5000 });
    expect(await page.locator('[data-call-waiter]').textContent()).toBe('A waiter is on the way');
    expect(pageErrors.get(page)).toEqual([]);
    await context.close();
  });

  it("table 5's token cannot read or add to table 6's order, list it, or reach staff routes", async () => {
    const a6 = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId: 't-a6', lines: [{ itemId: 'steamed-rice', qty: 1 }] } });
    expect(a6.status).toBe(201);
    const id = a6.body.order.id as string;
    const t5 = tokens.get('t-a5')!;
    expect((await hub.request('GET', `/api/v1/orders/${id}`, { token: t5 })).status).toBe(404);
    expect((await hub.request('POST', `/api/v1/orders/${id}/lines`, { token: t5, body: { lines: [{ itemId: 'steamed-rice', qty: 1 }] } })).status).toBe(404);
    expect((await hub.request('GET', '/api/v1/orders?tableId=t-a6', { token: t5 })).status).toBe(403);
    const own = await hub.request('GET', '/api/v1/orders?status=open', { token: t5 });
    expect(own.status).toBe(200);
    expect((own.body.orders as { tableId: string }[]).every((o) => o.tableId === 't-a5')).toBe(true);
    expect((await hub.request('POST', '/api/v1/orders', { token: t5, body: { channel: 'qr', tableId: 't-a6', lines: [{ itemId: 'steamed-rice', qty: 1 }] } })).status).toBe(403);
    for (const path of ['/api/v1/floor', '/api/v1/snapshot', '/api/v1/tables/qr-codes']) {
      expect([401, 403], path).toContain((await hub.request('GET', path, { token: t5 })).status);
    }
    const after = await hub.request('GET', `/api/v1/orders/${id}`, { token: waiter });
    expect(after.body.order.lines).toHaveLength(1);
  });

  it('asks for the bill (the floor shows it); after a waiter moves the table, says where the order went and stops showing it', async () => {
    const { page, context } = await phone('t-b3', 'en');
    await addItem(page, 'steamed-rice');
    await submitCart(page);
    await eventually('order placed', async () => ((await hubOrders('t-b3')).length === 1 ? true : undefined));
    const [order] = await hubOrders('t-b3');

    await page.click('[data-ask-bill]');
    await page.locator('[data-ask-bill][data-waiter-state=waiting]').waitFor();
    const floor = await hub.request('GET', '/api/v1/floor', { token: waiter });
    expect((floor.body.tables as { id: string; status: string }[]).find((t) => t.id === 't-b3')!.status).toBe('bill-requested');

    await page.click('[data-tab=orders]');
    await page.locator(`[data-order="${order!.id}"]`).waitFor();
    expect((await hub.request('POST', `/api/v1/orders/${order!.id}/transfer`, { token: waiter, body: { tableId: 't-b4' } })).status).toBe(200);
    await page.locator(`[data-moved="${order!.id}"]`).waitFor();
    expect(await page.locator('[data-moved]').textContent()).toContain('B4');
    await page.locator(`[data-order="${order!.id}"]`).waitFor({ state: 'detached' });
    await shot(page, 'qr-moved-en-390x844.png');
    await context.close();
  });
});
