/**
 * Waiter calls on two tablets, in a real browser against the real hub: a phone's call rings on both, one
 * waiter marks it done and it stops on the other too, and a tablet reloaded shows the calls still open (and
 * not those seen to). Opening a called table sees to its call as well. No screenshots.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { buildClients } from '../build.ts';
import { closeAll, freePort, launchLanBrowser, openApp, pageErrors, pairAndSignIn, tableQrTokens, type DeviceLogin } from '../test/browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
let waiters: DeviceLogin[];
let qrTokens: Map<string, string>;
const pages: Page[] = [];

beforeAll(async () => {
  await buildClients({ quiet: true });
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port) } }), launchLanBrowser()]);
  waiters = [await pairAndSignIn(hub, 'pos', PINS.waiter), await pairAndSignIn(hub, 'pos', PINS.waiter2)];
  qrTokens = await tableQrTokens(hub, (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token);
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

async function openPos(login: DeviceLogin): Promise<Page> {
  const page = await openApp(browser, `http://hub.test:${port}/pos/`, { app: 'pos', login, lang: 'en' });
  page.context().setDefaultTimeout(8000);
  pages.push(page);
  await page.locator('[data-conn=live]').waitFor();
  return page;
}

const call = async (tableId: string, body: object = {}) =>
  expect((await hub.request('POST', '/api/v1/qr/waiter-call', { token: qrTokens.get(tableId)!, body })).status).toBe(201);
const badge = (page: Page, tableId: string) => page.locator(`[data-table="${tableId}"] [data-waiter-call]`);

describe('waiter calls on several tablets', () => {
  it('ring on every tablet, stop on all once one waiter has seen to them, and survive a reload until then', async () => {
    const [a, b] = [await openPos(waiters[0]!), await openPos(waiters[1]!)];
    await call('t-a2', { note: 'more tea' });
    await call('t-a3', { reason: 'bill' });
    for (const page of [a, b]) {
      await badge(page, 't-a2').waitFor();
      await badge(page, 't-a3').waitFor();
    }
    expect(await badge(b, 't-a3').textContent()).toBe('Bill, please');

    // reloaded, tablet B still shows both (they lived in its memory only)
    await b.reload();
    await badge(b, 't-a2').waitFor();
    await badge(b, 't-a3').waitFor();

    // A marks A2 done: gone on B at once
    await a.click('[data-call-ack="t-a2"]');
    await badge(b, 't-a2').waitFor({ state: 'detached' });
    await badge(a, 't-a2').waitFor({ state: 'detached' });
    // B opens A3 (free: the guest sheet) to see to the bill: gone on A
    await b.click('[data-table="t-a3"]');
    await b.click('[data-guest-sheet] [data-guests="2"]');
    await b.click('[data-open-table]');
    await badge(a, 't-a3').waitFor({ state: 'detached' });

    // nothing comes back on a reload
    await a.reload();
    await a.locator('[data-table="t-a2"]').waitFor();
    await a.locator('[data-conn=live]').waitFor();
    expect(await a.locator('[data-waiter-call]').count()).toBe(0);
    expect(pageErrors.get(a)).toEqual([]);
    expect(pageErrors.get(b)).toEqual([]);
  }, 90_000);
});
