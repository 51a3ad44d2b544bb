/**
 * The waiter tablet offline, in Debian's chromium against the real hub process through `hub.test` (plain
 * HTTP, not a secure context). The tablet loses the network in the middle of sending, keeps working
 * offline, and is reloaded; what it queued survives in IndexedDB and reaches the hub exactly once.
 *
 * Over plain HTTP a reload while offline shows the browser's own error page (no service worker: that needs
 * a secure context), so the app is loaded again once the network is back. Nothing of the app runs on the
 * error page, so the only copy of the unsent changes between the two loads is the IndexedDB outbox.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { buildClients } from '../build.ts';
import { addDish, closeAll, eventually, freePort, LAN_HOST, launchLanBrowser, openApp, pairAndSignIn, type DeviceLogin } from './browser.ts';

interface HubOrder {
  id: string;
  status: string;
  tableId: string | null;
  guestCount: number | null;
  lines: { id: string; itemId: string; qty: number; status: string; options: { id: string }[] }[];
}

interface Entry {
  key: string;
  state: string;
  path: string;
}

let hub: HubProcess;
let port: number;
let browser: Browser;
let manager: string;
let categoryOf: Map<string, string>;
const pages: Page[] = [];

const posUrl = () => `http://${LAN_HOST}:${port}/pos/`;

beforeAll(async () => {
  await buildClients({ quiet: true });
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port), HUB_SHED_LAG_MS: '5000', HUB_PRINTERS: 'none', HUB_HTTPS_PORT: 'off' } }), launchLanBrowser()]);
  manager = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
  const menu = await hub.request('GET', '/api/v1/menu');
  categoryOf = new Map((menu.body.menu.items as { id: string; categoryId: string }[]).map((i) => [i.id, i.categoryId]));
}, 90_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

async function tablet(login: DeviceLogin): Promise<Page> {
  const page = await openApp(browser, posUrl(), { app: 'pos', login });
  page.context().setDefaultTimeout(20_000);
  pages.push(page);
  return page;
}

async function addItem(page: Page, itemId: string, optionIds: string[] = []) {
  await page.click(`[data-cat="${categoryOf.get(itemId)}"]`);
  await addDish(page, itemId, optionIds);
}

const outbox = (page: Page) => page.evaluate(() => (window as unknown as { __brigadePos: { outbox: { list(): Entry[] } } }).__brigadePos.outbox.list());

async function ordersAt(tableId: string): Promise<HubOrder[]> {
  const r = await hub.request('GET', `/api/v1/orders?tableId=${tableId}&limit=100`, { token: manager });
  expect(r.status).toBe(200);
  return r.body.orders as HubOrder[];
}

const eventCount = (type: string, orderId: string): number => hub.eventCount(type, orderId);

/** Offline reload: the browser's error page; back online, the app is loaded again and its outbox resumes. */
async function reloadOfflineThenComeBack(page: Page): Promise<void> {
  await page.reload().catch(() => undefined);
  expect(await page.locator('[data-screen], [data-table]').count()).toBe(0); // not the app: the browser's error page
  await page.context().setOffline(false);
  await page.goto(posUrl());
}

describe('waiter tablet offline', () => {
  it('offline in the middle of sending (the hub committed, the answer was lost), a round queued offline, reloaded: exactly one order with exactly the lines', async () => {
    const page = await tablet(await pairAndSignIn(hub, 'pos', PINS.waiter));
    const context = page.context();
    await page.click('[data-table="t-a5"][data-status=free]');
    await page.click('[data-guest-sheet] [data-guests="2"]');
    await page.click('[data-open-table]');
    await page.locator('[data-submission=open][data-state=confirmed]').waitFor();
    const [opened] = await ordersAt('t-a5');
    expect(opened).toBeDefined();

    await addItem(page, 'mapo-tofu', ['spice-medium', 'size-regular']);
    await addItem(page, 'sour-plum-drink', ['ice-less']);
    // the hub commits the lines; the Wi-Fi drops before the tablet hears the answer
    const linesPath = `/api/v1/orders/${opened!.id}/lines`;
    let answered!: (status: number) => void;
    const hubAnswered = new Promise<number>((r) => (answered = r));
    await page.route(
      (url) => url.pathname === linesPath,
      async (route) => {
        const res = await route.fetch({ url: route.request().url().replace(LAN_HOST, '127.0.0.1') }); // Node delivers it
        await context.setOffline(true);
        await route.abort('internetdisconnected');
        answered(res.status());
      },
      { times: 1 },
    );
    await page.click('[data-send]');
    expect(await hubAnswered).toBe(200);
    await page.locator('[data-submission=lines]:not([data-state=confirmed])').waitFor(); // "retrying", never "failed"
    expect((await ordersAt('t-a5'))[0]!.lines.map((l) => l.itemId)).toEqual(['mapo-tofu', 'sour-plum-drink']); // the hub has them

    // still offline: the waiter goes on, another round is saved on the tablet
    await addItem(page, 'steamed-rice');
    await page.click('[data-send]');
    await eventually('two unconfirmed rounds on the tablet', async () => ((await outbox(page)).filter((e) => e.path === linesPath && e.state !== 'confirmed').length === 2 ? true : undefined));
    const before = (await outbox(page)).filter((e) => e.path === linesPath);

    await reloadOfflineThenComeBack(page);
    await eventually('both rounds confirmed after the reload', async () => {
      const after = (await outbox(page)).filter((e) => e.path === linesPath);
      return after.length === 2 && after.every((e) => e.state === 'confirmed') ? after : undefined;
    }, 20_000);
    expect((await outbox(page)).filter((e) => e.path === linesPath).map((e) => e.key)).toEqual(before.map((e) => e.key)); // the same keys, resent

    const orders = await ordersAt('t-a5');
    expect(orders.map((o) => o.id)).toEqual([opened!.id]);
    expect(orders[0]!.lines.map((l) => [l.itemId, l.qty, l.options.map((o) => o.id).sort(), l.status])).toEqual([
      ['mapo-tofu', 1, ['size-regular', 'spice-medium'], 'fired'],
      ['sour-plum-drink', 1, ['ice-less'], 'fired'],
      ['steamed-rice', 1, [], 'fired'],
    ]);
    expect(eventCount('order.lines_added', opened!.id)).toBe(2);

    // the waiter sees the table's order as the hub has it: each line once, both rounds confirmed
    await page.click('[data-table="t-a5"]');
    await page.locator('[data-order-line="steamed-rice"]').waitFor();
    expect(await page.locator('[data-order-line]').evaluateAll((els) => els.map((e) => e.getAttribute('data-order-line')))).toEqual(['mapo-tofu', 'sour-plum-drink', 'steamed-rice']);
    expect(await page.locator('[data-submission=lines][data-state=confirmed]').count()).toBe(2);
    await context.close();
  });

  it('a table opened and ordered entirely offline, reloaded: one order, opened first, with its lines', async () => {
    const page = await tablet(await pairAndSignIn(hub, 'pos', PINS.waiter2));
    const context = page.context();
    await page.locator('[data-table="t-a6"][data-status=free]').waitFor();
    await context.setOffline(true);
    // the tablet makes the order id itself, so "open" and "add lines to it" queue up offline, in order
    await page.click('[data-table="t-a6"]');
    await page.click('[data-guest-sheet] [data-guests="3"]');
    await page.click('[data-open-table]');
    await page.locator('[data-screen=order]').waitFor();
    await addItem(page, 'mapo-tofu', ['spice-none', 'size-large']);
    await addItem(page, 'steamed-rice');
    await page.click('[data-send]');
    await page.locator('[data-submission=lines]').waitFor();
    const before = await outbox(page);
    expect(before.map((e) => e.path)).toEqual(['/api/v1/orders', expect.stringMatching(/^\/api\/v1\/orders\/[^/]+\/lines$/)]);
    expect(before.every((e) => e.state !== 'confirmed' && e.state !== 'rejected')).toBe(true);
    expect(await ordersAt('t-a6')).toEqual([]);

    await reloadOfflineThenComeBack(page);
    await eventually('open + lines confirmed after the reload', async () => {
      const after = await outbox(page);
      return after.length === 2 && after.every((e) => e.state === 'confirmed') ? true : undefined;
    }, 20_000);
    expect((await outbox(page)).map((e) => e.key)).toEqual(before.map((e) => e.key));

    const orders = await ordersAt('t-a6');
    expect(orders).toHaveLength(1);
    expect(orders[0]!.guestCount).toBe(3);
    expect(orders[0]!.lines.map((l) => [l.itemId, l.qty, l.options.map((o) => o.id).sort()])).toEqual([
      ['mapo-tofu', 1, ['size-large', 'spice-none']],
      ['steamed-rice', 1, []],
    ]);
    expect(eventCount('order.placed', orders[0]!.id)).toBe(1);
    expect(eventCount('order.lines_added', orders[0]!.id)).toBe(1);
    await context.close();
  });
});
