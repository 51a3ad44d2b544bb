/**
 * Exactly once through a hub crash: the customer's phone (/t/<token>) and the kiosk (/kiosk/) in Debian's
 * chromium against a real hub process that is killed with SIGKILL while an order is on its way, the page
 * reloaded while the hub is down, and the hub started again on the same data directory and port.
 *
 * Two moments of the crash, for each app:
 * - before the commit: the order request is held in the browser until the hub is dead, then let go (it
 *   meets a closed port). The hub never saw it; after the restart the outbox's resend is the first copy.
 * - after the commit: the request reaches the hub (which commits and answers 201), the hub is killed before
 *   the answer reaches the page, and the page gets a reset connection. The hub has the order; the resend
 *   with the same Idempotency-Key must return it, not place a second one.
 * Either way: exactly one order in the hub for that cart, one `order.placed` event, the same key resent,
 * and the page shows the order confirmed.
 */
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PAIRING_CODE, PINS } from '../../hub/test/harness.ts';
import { buildClients } from '../build.ts';
import { addDish, eventually, LAN_HOST, launchLanBrowser, pageErrors, pairAndSignIn, pairKiosk, seededPage } from './browser.ts';
import { startRestartableHub, type RestartableHub } from './hub-restart.ts';

type CrashMoment = 'before-commit' | 'after-commit';

interface HubOrder {
  id: string;
  number: number;
  channel: string;
  tableId: string | null;
  deviceId: string | null;
  lines: { itemId: string; qty: number; options: { id: string }[] }[];
}

interface Entry {
  id: string;
  key: string;
  state: string;
  attempts: number;
  body: { id?: string };
}

let rh: RestartableHub;
let browser: Browser;
let manager: string;
let tokens: Map<string, string>;
let categoryOf: Map<string, string>;
const pages: Page[] = [];

const origin = () => `http://${LAN_HOST}:${rh.port}`;
const qrUrl = (tableId: string) => `${origin()}/t/${tokens.get(tableId)}`;

beforeAll(async () => {
  await buildClients({ quiet: true });
  // HUB_SHED_LAG_MS: a hub starting on a loaded 2-core machine lags; do not shed the phones' orders with 503
  [rh, browser] = await Promise.all([startRestartableHub({ HUB_SHED_LAG_MS: '5000', HUB_PRINTERS: 'none' }), launchLanBrowser()]);
  manager = (await pairAndSignIn(rh.hub, 'pos', PINS.manager)).staff.token;
  const qr = await rh.hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  expect(qr.status).toBe(200);
  tokens = new Map((qr.body.tables as { id: string; qrToken: string }[]).map((t) => [t.id, t.qrToken]));
  const menu = await rh.hub.request('GET', '/api/v1/menu');
  categoryOf = new Map((menu.body.menu.items as { id: string; categoryId: string }[]).map((i) => [i.id, i.categoryId]));
}, 90_000);

// a test that failed while the hub was down must not take the next ones with it
afterEach(async () => {
  if (!rh.isRunning()) await rh.restart();
});

afterAll(async () => {
  for (const p of pages) expect(pageErrors.get(p) ?? [], 'uncaught errors in the page').toEqual([]);
  await browser?.close();
  await rh?.dispose();
});

const newContext = (viewport: { width: number; height: number }, seed: Record<string, unknown>) => seededPage(browser, viewport, seed, pages);

/**
 * Arms a crash on the next `POST /api/v1/orders` of this page. Resolves `crashed` once the hub is dead and
 * the browser has been told (connection refused or reset); tells how many order requests reached the hub.
 */
async function crashOnNextOrder(page: Page, moment: CrashMoment): Promise<{ crashed: Promise<{ hubAnswered: number | null }> }> {
  let armed = true;
  let done!: (v: { hubAnswered: number | null }) => void;
  let failed!: (e: unknown) => void;
  const crashed = new Promise<{ hubAnswered: number | null }>((res, rej) => ((done = res), (failed = rej)));
  await page.route(
    (url) => url.pathname === '/api/v1/orders',
    async (route: Route) => {
      if (!armed || route.request().method() !== 'POST') return route.continue();
      armed = false;
      try {
        if (moment === 'before-commit') {
          // held in the browser until the hub is gone, then let go: it meets a closed port
          await rh.kill9();
          await route.continue();
          done({ hubAnswered: null });
        } else {
          // Node (not the browser) delivers it: the hub commits and answers; the answer dies with the hub
          const res = await route.fetch({ url: route.request().url().replace(LAN_HOST, '127.0.0.1') });
          await rh.kill9();
          await route.abort('connectionreset');
          done({ hubAnswered: res.status() });
        }
      } catch (err) {
        failed(err);
      }
    },
  );
  return { crashed };
}

/** While the hub is down the page cannot load at all (it is served by the hub): the browser's error page. */
async function reloadWhileHubDown(page: Page): Promise<void> {
  expect(rh.isRunning()).toBe(false);
  await page.reload().catch(() => undefined);
  expect(await page.locator('[data-table], [data-welcome], [data-screen]').count()).toBe(0);
}

async function hubOrders(filter: (o: HubOrder) => boolean): Promise<HubOrder[]> {
  const r = await rh.hub.request('GET', '/api/v1/orders?limit=200', { token: manager });
  expect(r.status).toBe(200);
  return (r.body.orders as HubOrder[]).filter(filter);
}

const placedEvents = (orderId: string): number => rh.hub.eventCount('order.placed', orderId);

const lineShape = (o: HubOrder) => o.lines.map((l) => [l.itemId, l.qty, l.options.map((x) => x.id).sort()]);

describe.each<[CrashMoment, string, string]>([
  ['before-commit', 't-a8', 'the hub never saw the request'],
  ['after-commit', 't-a9', 'the hub committed; the answer was lost'],
])('QR phone, hub killed mid-send (%s)', (moment, tableId, what) => {
  it(`${what}: reload while down, hub back on the same port and data → exactly one order, shown confirmed`, async () => {
    const { page } = await newContext({ width: 390, height: 844 }, { 'brigade.lang': 'zh-CN' });
    await page.goto(qrUrl(tableId));
    await page.locator(`[data-table="${tableId}"]`).waitFor();
    for (const [itemId, options] of [
      ['mapo-tofu', ['spice-none', 'size-regular']],
      ['sour-plum-drink', ['ice-less']],
    ] as const) {
      await page.click('[data-tab=menu]');
      await addDish(page, itemId, options);
    }
    const { crashed } = await crashOnNextOrder(page, moment);
    await page.click('[data-cart-open]');
    await page.click('[data-cart] [data-submit]');
    const { hubAnswered } = await crashed;
    if (moment === 'after-commit') expect(hubAnswered).toBe(201);
    await page.locator('[data-sub-state=unknown]').waitFor(); // "not confirmed yet", never "failed"
    const [before] = await page.evaluate(() => (window as unknown as { __brigadeQr: { outbox: { list(): Entry[] } } }).__brigadeQr.outbox.list());
    expect(['unknown', 'sending']).toContain(before!.state); // retried (same key) while the hub is down
    const orderId = before!.body.id!;

    await reloadWhileHubDown(page);
    await rh.restart();
    // the precondition each case is about: the hub has the order only if it committed before the crash
    expect(await hubOrders((o) => o.tableId === tableId)).toHaveLength(moment === 'after-commit' ? 1 : 0);

    await page.goto(qrUrl(tableId));
    await page.click('[data-tab=orders]');
    await page.locator('[data-sub-state=confirmed]').waitFor({ timeout: 20_000 });
    await page.locator(`[data-order="${orderId}"]`).waitFor();
    const after = await page.evaluate(() => (window as unknown as { __brigadeQr: { outbox: { list(): Entry[] } } }).__brigadeQr.outbox.list());
    expect(after.map((e) => [e.key, e.state])).toEqual([[before!.key, 'confirmed']]); // the same key, resent

    const orders = await hubOrders((o) => o.tableId === tableId);
    expect(orders.map((o) => o.id)).toEqual([orderId]);
    expect(orders[0]!.channel).toBe('qr');
    expect(lineShape(orders[0]!)).toEqual([
      ['mapo-tofu', 1, ['size-regular', 'spice-none']],
      ['sour-plum-drink', 1, ['ice-less']],
    ]);
    expect(placedEvents(orderId)).toBe(1);
    await page.context().close();
  }, 90_000);
});

describe.each<[CrashMoment, string]>([
  ['before-commit', 'the hub never saw the request'],
  ['after-commit', 'the hub committed; the answer was lost'],
])('kiosk, hub killed mid-send (%s)', (moment, what) => {
  it(`${what}: reload while down, hub back → exactly one order, its pickup number on the welcome screen`, async () => {
    const device = await pairKiosk(rh.hub, `e2e-kiosk-${moment}`);
    const { page } = await newContext({ width: 1080, height: 1920 }, { 'brigade.lang': 'zh-CN', 'brigade.kiosk.device': device });
    const kioskUrl = `${origin()}/kiosk/`;
    await page.goto(kioskUrl);
    await page.click('[data-start]');
    for (const [itemId, options] of [
      ['mapo-tofu', ['spice-medium', 'size-large']],
      ['sour-plum-drink', ['ice-none']],
    ] as const) {
      await page.click(`[data-cat="${categoryOf.get(itemId)}"]`);
      await addDish(page, itemId, options);
    }
    const { crashed } = await crashOnNextOrder(page, moment);
    await page.click('[data-checkout]');
    await page.click('[data-place]');
    const { hubAnswered } = await crashed;
    if (moment === 'after-commit') expect(hubAnswered).toBe(201);
    await page.locator('[data-done=retrying]').waitFor();
    expect(await page.locator('[data-pickup]').count()).toBe(0); // no number until the hub confirms
    const [before] = await page.evaluate(() => (window as unknown as { __brigadeKiosk: { outbox: { list(): Entry[] } } }).__brigadeKiosk.outbox.list());
    expect(['unknown', 'sending']).toContain(before!.state); // retried (same key) while the hub is down
    const orderId = before!.body.id!;
    const mine = (o: HubOrder) => o.deviceId === device.deviceId;

    await reloadWhileHubDown(page);
    await rh.restart();
    expect(await hubOrders(mine)).toHaveLength(moment === 'after-commit' ? 1 : 0);

    await page.goto(kioskUrl);
    await page.locator('[data-welcome]').waitFor();
    const outbox = () => page.evaluate(() => (window as unknown as { __brigadeKiosk: { outbox: { list(): Entry[] } } }).__brigadeKiosk.outbox.list());
    await eventually('the kiosk confirms the order after the restart', async () => ((await outbox())[0]?.state === 'confirmed' ? true : undefined), 20_000);
    expect((await outbox()).map((e) => e.key)).toEqual([before!.key]);

    const orders = await hubOrders(mine);
    expect(orders.map((o) => o.id)).toEqual([orderId]);
    expect(orders[0]!.channel).toBe('kiosk');
    expect(lineShape(orders[0]!)).toEqual([
      ['mapo-tofu', 1, ['size-large', 'spice-medium']],
      ['sour-plum-drink', 1, ['ice-none']],
    ]);
    expect(placedEvents(orderId)).toBe(1);
    // the customer who waited sees the hub's number on the welcome screen
    await page.locator(`[data-recent]:has-text("${orders[0]!.number}")`).waitFor();
    await page.context().close();
  }, 90_000);
});
