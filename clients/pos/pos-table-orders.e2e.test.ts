/**
 * A table with several open orders, in a real browser against the real hub: the host's empty opening order
 * and the guests' phone (QR) order. The waiter's tap lands on the order with food, and every order of the
 * table is listed (number, who placed it, total) to switch to. A tablet whose floor had not shown the phone's
 * order yet opens a second order beside it (the hub takes a waiter's order beside a phone's): the phone's is
 * listed there too, not out of reach. No screenshots.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { buildClients } from '../build.ts';
import { closeAll, freePort, launchLanBrowser, openApp, pageErrors, pairAndSignIn, tableQrTokens, type DeviceLogin } from '../test/browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
let waiter: DeviceLogin;
let qrTokens: Map<string, string>;
const pages: Page[] = [];

interface HubOrder {
  id: string;
  number: number;
  channel: string;
  totalMinor: number;
}

beforeAll(async () => {
  await buildClients({ quiet: true });
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port) } }), launchLanBrowser()]);
  waiter = await pairAndSignIn(hub, 'pos', PINS.waiter);
  qrTokens = await tableQrTokens(hub, (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token);
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

async function phoneOrder(tableId: string): Promise<HubOrder> {
  const r = await hub.request('POST', '/api/v1/orders', { token: qrTokens.get(tableId)!, body: { channel: 'qr', lines: [{ itemId: 'tsingtao-beer', qty: 2 }] } });
  expect(r.status).toBe(201);
  return r.body.order as HubOrder;
}

async function openPos(): Promise<Page> {
  const page = await openApp(browser, `http://hub.test:${port}/pos/`, { app: 'pos', login: waiter, lang: 'en' });
  page.context().setDefaultTimeout(8000);
  pages.push(page);
  return page;
}

const listed = (page: Page) => page.locator('[data-table-order]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-table-order'), e.getAttribute('data-channel'), e.getAttribute('aria-pressed')]));

describe('a table with several open orders', () => {
  it("opens on the phone's order with the food, not the host's empty one, and switches between them", async () => {
    const host = await hub.request('POST', '/api/v1/orders', { token: waiter.staff.token, body: { channel: 'pos', tableId: 't-a6', guestCount: 3, lines: [] } });
    expect(host.status).toBe(201);
    const phone = await phoneOrder('t-a6');
    const page = await openPos();
    await page.click('[data-table="t-a6"]');
    await page.locator('[data-order-line="tsingtao-beer"]').waitFor();
    await page.locator('[data-table-orders="2"]').waitFor();
    expect(await listed(page)).toEqual([
      [host.body.order.id, 'pos', 'false'],
      [phone.id, 'qr', 'true'],
    ]);
    // the host's order: nothing on it
    await page.click(`[data-table-order="${host.body.order.id}"]`);
    await page.locator(`[data-table-order="${host.body.order.id}"][aria-pressed=true]`).waitFor();
    await page.locator('[data-order-line]').first().waitFor({ state: 'detached' });
    // and back to the phone's, to its bill
    await page.click(`[data-table-order="${phone.id}"]`);
    await page.locator('[data-order-line="tsingtao-beer"]').waitFor();
    await page.click('[data-to-bill]');
    await page.locator(`[data-due="${phone.totalMinor}"]`).waitFor();
    expect(pageErrors.get(page)).toEqual([]);
  }, 60_000);

  it("a floor that had not shown the phone's order yet: the waiter's new order lists the phone's beside it", async () => {
    const page = await openPos();
    await page.locator('[data-table="t-a7"][data-status=free]').waitFor();
    const phone = await phoneOrder('t-a7');
    await page.locator('[data-table="t-a7"][data-status=in-kitchen]').waitFor();
    // the floor as a tablet drew it a moment before the phone's order (its refresh is paced)
    await page.evaluate(() => {
      const app = (window as unknown as { __brigadePos: { state: { get(): { floor: { tables: { id: string; status: string; openOrderIds: string[] }[] } }; set(s: unknown): void } } }).__brigadePos;
      const s = app.state.get();
      app.state.set({ ...s, floor: { ...s.floor, tables: s.floor.tables.map((t) => (t.id === 't-a7' ? { ...t, status: 'free', openOrderIds: [] } : t)) } });
    });
    await page.click('[data-table="t-a7"][data-status=free]');
    await page.click('[data-guest-sheet] [data-guests="2"]');
    await page.click('[data-open-table]');
    await page.locator('[data-submission=open][data-state=confirmed]').waitFor();
    // the hub took it beside the phone's (it ignores phones' orders when a table is opened)
    const open = (await hub.request('GET', '/api/v1/orders?status=open&tableId=t-a7', { token: waiter.staff.token })).body.orders as HubOrder[];
    expect(open.map((o) => o.channel).sort()).toEqual(['pos', 'qr']);
    const mine = open.find((o) => o.channel === 'pos')!;
    await page.locator('[data-table-orders="2"]').waitFor();
    expect(await listed(page)).toEqual([
      [phone.id, 'qr', 'false'],
      [mine.id, 'pos', 'true'],
    ]);
    expect(await page.locator(`[data-table-order="${phone.id}"]`).textContent()).toContain(`${phone.number}`);
    expect(pageErrors.get(page)).toEqual([]);
  }, 60_000);
});
