/**
 * Seats after a merge, in a real browser against the real hub: the hub numbers the joining table's seats on
 * after the target's highest (a 4-top joining a table whose 2 guests sat at seats 5 and 6 is seats 7–10),
 * past the merged party's guest count (6). The waiter can still put a dish on seat 9, and split the bill by
 * it. No screenshots.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { buildClients } from '../build.ts';
import { lineAmounts } from '../../hub/domain/bill.ts';
import { moneyText } from './pos-logic.ts';
import { closeAll, freePort, launchLanBrowser, openApp, pageErrors, pairAndSignIn, type DeviceLogin } from '../test/browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
let waiter: DeviceLogin;
const pages: Page[] = [];

interface HubOrder {
  id: string;
  status: string;
  guestCount: number | null;
  lines: { id: string; itemId: string; seat: number | null; lineTotalMinor: number; status: string }[];
  payments: { reference: string | null; amountMinor: number; lines: { lineId: string; amountMinor: number }[] }[];
  subtotalMinor: number;
  discountMinor: number;
}

beforeAll(async () => {
  await buildClients({ quiet: true });
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port) } }), launchLanBrowser()]);
  waiter = await pairAndSignIn(hub, 'pos', PINS.waiter);
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

describe('seats after a merge', () => {
  it('offers the seats the merge numbered past the guest count, and splits the bill by one of them', async () => {
    const place = async (tableId: string, guestCount: number, seats: number[]) => {
      const lines = seats.map((seat) => ({ itemId: 'steamed-rice', qty: 1, seat }));
      const r = await hub.request('POST', '/api/v1/orders', { token: waiter.staff.token, body: { channel: 'pos', tableId, guestCount, lines } });
      expect(r.status).toBe(201);
      return r.body.order as HubOrder;
    };
    // two guests at A10 sat at seats 5 and 6; a party of 4 at A4 joins them
    const target = await place('t-a10', 2, [5, 6]);
    const source = await place('t-a4', 4, [1, 2, 3, 4]);
    const merged = await hub.request('POST', `/api/v1/orders/${source.id}/merge`, { token: waiter.staff.token, body: { intoOrderId: target.id } });
    expect(merged.status).toBe(200);
    const into = (await hub.request('GET', `/api/v1/orders/${target.id}`, { token: waiter.staff.token })).body.order as HubOrder;
    expect(into.guestCount).toBe(6);
    expect(into.lines.map((l) => l.seat)).toEqual([5, 6, 7, 8, 9, 10]);

    const page = await openApp(browser, `http://hub.test:${port}/pos/`, { app: 'pos', login: waiter, lang: 'en' });
    page.context().setDefaultTimeout(8000);
    pages.push(page);
    await page.click('[data-table="t-a10"]');
    await page.locator('[data-order-line="steamed-rice"]').nth(5).waitFor();
    // the guest who was seat 3 at A4 (seat 9 now) orders a beer: seat 9 is offered, as is 10
    const menu = (await hub.request('GET', '/api/v1/menu')).body.menu as { items: { id: string; categoryId: string }[] };
    await page.click(`[data-cat="${menu.items.find((i) => i.id === 'tsingtao-beer')!.categoryId}"]`);
    await page.click('[data-item="tsingtao-beer"]');
    expect(await page.locator('[data-item-sheet] [data-seat="10"]').count()).toBe(1);
    await page.click('[data-item-sheet] [data-seat="9"]');
    await page.click('[data-item-sheet] [data-add]');
    await page.click('[data-send]');
    await page.locator('[data-submission=lines][data-state=confirmed]').waitFor();
    const withBeer = (await hub.request('GET', `/api/v1/orders/${target.id}`, { token: waiter.staff.token })).body.order as HubOrder;
    const seat9 = withBeer.lines.filter((l) => l.seat === 9);
    expect(seat9.map((l) => l.itemId).sort()).toEqual(['steamed-rice', 'tsingtao-beer']);

    // seat 9 pays its own two dishes
    const amounts = lineAmounts(withBeer as never);
    const seat9Minor = seat9.reduce((sum, l) => sum + amounts.get(l.id)!, 0);
    await page.click('[data-to-bill]');
    await page.click('[data-split-mode=seats]');
    expect(await page.locator('[data-split-seat]').evaluateAll((els) => els.map((e) => e.getAttribute('data-split-seat')))).toEqual(['5', '6', '7', '8', '9', '10']);
    await page.click('[data-split-seat="9"]');
    expect(await page.inputValue('[data-amount]')).toBe(moneyText(seat9Minor));
    await page.click('[data-tender=card]');
    await page.fill('[data-reference]', 'SEAT-9');
    await page.click('[data-pay]');
    for (const l of seat9) await page.locator(`[data-bill-line="${l.itemId}"][data-line-open="0"]`).first().waitFor();
    const paid = (await hub.request('GET', `/api/v1/orders/${target.id}`, { token: waiter.staff.token })).body.order as HubOrder;
    expect(paid.payments.map((p) => [p.reference, p.amountMinor, p.lines.map((x) => x.lineId).sort()])).toEqual([['SEAT-9', seat9Minor, seat9.map((l) => l.id).sort()]]);
    expect(pageErrors.get(page)).toEqual([]);
  }, 60_000);
});
