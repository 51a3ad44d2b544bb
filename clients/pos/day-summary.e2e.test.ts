/**
 * The day summary (营业日结) above today's bills, in a real browser (Debian chromium via playwright-core)
 * against the real hub process: a cashier sees the cash expected in the drawer and the order still open with
 * money due, in Chinese and in English; a waiter's tablet shows no summary and never asks the hub for one.
 * A cashier enters the opening float (a typo said, the amount sent through the outbox) and gets the drawer's total;
 * a float that waited on the tablet while a manager recorded another is refused, shown with that one, and
 * replaced only when the cashier says so.
 * Print (打印日结单) queues the day report on the receipt printer once, and is off while the hub is out of reach.
 * A manager resolves a kiosk's unrecorded card charge as another order's card payment, and the summary
 * counts it once against the card terminals.
 * Also writes docs/screenshots/pos-day-summary-zh-1280x800.png.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, sampleOrder, signIn, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { addPrinters, waitUntil, type TestPrinters } from '../../hub/print/test-support.ts';
import { buildClients } from '../build.ts';
import { closeAll, freePort, launchLanBrowser, openApp, pairAndSignIn, screenshotter, type DeviceLogin } from '../test/browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
let cashier: DeviceLogin;
let manager: DeviceLogin;
let waiter: DeviceLogin;
let openOrderId: string;
const pages: Page[] = [];
const shot = screenshotter('POS_SCREENSHOTS');

/** A zone where it is midday now: the test's orders never straddle the 04:00 start of a business day. */
function middayZone(): string {
  const offset = ((12 - new Date().getUTCHours() + 36) % 24) - 12;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

async function open(login: DeviceLogin, lang: 'zh-CN' | 'en'): Promise<Page> {
  const page = await openApp(browser, `http://hub.test:${port}/pos/`, { app: 'pos', login, lang });
  page.context().setDefaultTimeout(8000);
  pages.push(page);
  return page;
}

beforeAll(async () => {
  await buildClients({ quiet: true });
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port), HUB_TIMEZONE: middayZone() } }), launchLanBrowser()]);
  [cashier, manager, waiter] = await Promise.all([pairAndSignIn(hub, 'pos', PINS.cashier), pairAndSignIn(hub, 'pos', PINS.manager), pairAndSignIn(hub, 'pos', PINS.waiter)]);
  const place = async (tableId: string) => {
    const r = await hub.request('POST', '/api/v1/orders', { token: waiter.staff.token, body: sampleOrder({ tableId }) });
    expect(r.status).toBe(201);
    return r.body.order as { id: string; totalMinor: number };
  };
  const pay = async (orderId: string, body: Record<string, unknown>) =>
    expect((await hub.request('POST', `/api/v1/orders/${orderId}/payments`, { token: cashier.staff.token, body })).status).toBe(201);
  // A1: ¥44 in cash from a ¥50 note (closed); A2: ¥10 in cash of ¥44, ¥34 still due
  const a1 = await place('t-a1');
  await pay(a1.id, { tender: 'cash', amountMinor: 4400, tenderedMinor: 5000 });
  const a2 = await place('t-a2');
  await pay(a2.id, { tender: 'cash', amountMinor: 1000, tenderedMinor: 1000 });
  openOrderId = a2.id;
}, 60_000);

let printers: TestPrinters | undefined;

afterAll(async () => {
  await printers?.remove();
  await closeAll(pages, browser, hub);
});

describe("the day summary above today's bills", () => {
  it('a cashier sees the cash expected in the drawer (¥54: ¥44 + ¥10, not the ¥50 note) and the order with ¥34 due, in Chinese', async () => {
    const page = await open(cashier, 'zh-CN');
    await page.click('[data-bills-open]');
    const summary = page.locator('[data-screen=bills] [data-takings][data-takings-cash="5400"][data-takings-due="3400"]');
    await summary.waitFor();
    const text = await summary.innerText();
    expect(text).toContain('钱箱应有现金');
    expect(text).toContain('¥54.00');
    expect(text).toContain('还有 1 张单未结，待收 ¥34.00');
    expect(await page.locator(`[data-takings-open-order="${openOrderId}"]`).innerText()).toMatch(/A2 桌[\s\S]*待收 ¥34\.00/);
    expect(text).not.toMatch(/[A-Za-z]{3,}/);
    await shot(page, 'pos-day-summary-zh-1280x800.png');
  });

  it('a cashier enters the float: a typo is said, then ¥500 goes through the outbox and the drawer total is ¥554 (float + cash)', async () => {
    const page = await open(cashier, 'en');
    await page.click('[data-bills-open]');
    await page.locator('[data-takings][data-takings-cash="5400"][data-takings-float=""]').waitFor();
    expect(await page.locator('[data-takings-float-box]').innerText()).toContain('No float recorded');
    await page.click('[data-float-edit]');
    await page.fill('[data-float-amount]', '5o0');
    expect(await page.locator('[data-float-problem=amount]').innerText()).toContain('Not an amount');
    expect(await page.locator('[data-float-save]').isDisabled()).toBe(true);
    await page.fill('[data-float-amount]', '500');
    await page.click('[data-float-save]');
    await page.locator('[data-takings][data-takings-float="50000"][data-takings-drawer="55400"]').waitFor();
    expect(await page.locator('[data-takings-drawer-total]').innerText()).toMatch(/Drawer total \(float \+ cash\)\s*¥554\.00/);
    expect(await page.locator('[data-float-form]').count()).toBe(0);
    // the hub has it: the report any tablet reads says so
    const day = await page.locator('[data-takings]').getAttribute('data-takings');
    const r = await hub.request('GET', `/api/v1/reports/day?businessDate=${day}`, { token: manager.staff.token });
    expect(r.body.report).toMatchObject({ floatMinor: 50_000, cashExpectedMinor: 5400, drawerExpectedMinor: 55_400 });
  }, 30_000);

  it("a float that waited on the tablet while a manager recorded another is refused, shown with the manager's, and replaced on purpose", async () => {
    const page = await open(cashier, 'en');
    await page.click('[data-bills-open]');
    await page.locator('[data-takings][data-takings-float="50000"]').waitFor();
    const day = await page.locator('[data-takings]').getAttribute('data-takings');
    // the float does not get through (the Wi-Fi at the counter is down): it waits in the outbox
    let cut = true;
    await page.route('**/api/v1/reports/day/float', (route) => (cut ? route.abort('internetdisconnected') : route.continue()));
    await page.click('[data-float-edit]');
    await page.fill('[data-float-amount]', '600');
    await page.click('[data-float-save]');
    await page.locator('[data-float-queued=unknown], [data-float-queued=saved]').first().waitFor();
    // meanwhile the manager records ¥800.00 on another tablet, naming the float it showed
    const shown = (await hub.request('GET', `/api/v1/reports/day?businessDate=${day}`, { token: manager.staff.token })).body.report;
    const theirs = await hub.request('POST', '/api/v1/reports/day/float', { token: manager.staff.token, body: { businessDate: day, amountMinor: 80_000, replaces: shown.floatId } });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(200);

    // back: the waiting ¥600 goes out, is refused, and the summary shows the ¥800 in its way with whose it is
    cut = false;
    await page.evaluate(() => (window as unknown as { __brigadePos: { outbox: { retryNow(): void } } }).__brigadePos.outbox.retryNow());
    const note = page.locator('[data-float-queued=superseded][data-float-in-the-way="80000"]');
    await note.waitFor();
    expect(await note.innerText()).toContain('The float of ¥600.00 was not recorded: 刘洋 Liu Yang recorded a float of ¥800.00');
    expect(await page.locator('[data-takings]').getAttribute('data-takings-float')).toBe('80000');
    expect((await hub.request('GET', `/api/v1/reports/day?businessDate=${day}`, { token: manager.staff.token })).body.report.floatMinor).toBe(80_000);

    // the cashier counted ¥600 into the drawer: Replace sends it again, naming the manager's
    await page.click('[data-float-replace]');
    await page.locator('[data-takings][data-takings-float="60000"][data-takings-drawer="65400"]').waitFor();
    expect(await page.locator('[data-float-queued]').count()).toBe(0);
    expect((await hub.request('GET', `/api/v1/reports/day?businessDate=${day}`, { token: manager.staff.token })).body.report).toMatchObject({ floatMinor: 60_000, floatSetBy: '陈静 Chen Jing' });
  }, 30_000);

  it('a manager sees it in English, and a payment taken since shows after Refresh', async () => {
    const page = await open(manager, 'en');
    await page.click('[data-bills-open]');
    await page.locator('[data-takings][data-takings-cash="5400"]').waitFor();
    expect(await page.locator('[data-takings]').innerText()).toContain('Cash expected in the drawer');
    const r = await hub.request('POST', `/api/v1/orders/${openOrderId}/payments`, { token: cashier.staff.token, body: { tender: 'card', amountMinor: 3400, reference: 'T-9' } });
    expect(r.status).toBe(201);
    await page.click('[data-bills-refresh]');
    // the card adds nothing to the drawer; nothing is due any more
    await page.locator('[data-takings][data-takings-cash="5400"][data-takings-due="0"] [data-takings-open="0"]').waitFor();
    expect(await page.locator('[data-takings]').innerText()).toContain('Every order of the day is settled');
  });

  it('a cashier prints the day report: one slip queued on the receipt printer, with the figures shown', async () => {
    printers = await addPrinters(hub, manager.staff.token, [{ name: 'Counter 前台', stations: ['receipts'] }]);
    const page = await open(cashier, 'zh-CN');
    await page.click('[data-bills-open]');
    const button = page.locator('[data-takings] [data-takings-print]');
    await button.waitFor();
    await page.waitForFunction(() => !(document.querySelector('[data-takings-print]') as HTMLButtonElement | null)?.disabled);
    expect(await button.innerText()).toBe('打印日结单');
    await button.click();
    const note = page.locator('[data-takings-print-note=queued]');
    await note.waitFor();
    expect(await note.innerText()).toContain('日结单已送到前台打印机');
    const jobId = Number(await note.getAttribute('data-takings-print-job'));
    const jobs = (await hub.request('GET', '/api/v1/print-jobs?limit=100', { token: manager.staff.token })).body.jobs as { id: number; kind: string; state: string }[];
    expect(jobs.filter((j) => j.kind === 'day-report').map((j) => j.id)).toEqual([jobId]);
    const preview = (await hub.request('GET', `/api/v1/print-jobs/${jobId}/preview`, { token: manager.staff.token })).body.preview as string;
    expect(preview).toContain('DAY REPORT / 日结单');
    expect(preview).toMatch(/Cash in drawer 钱箱应有现金 +￥\d+\.\d\d/);
    await waitUntil(async () => (await hub.request('GET', `/api/v1/print-jobs?limit=100`, { token: manager.staff.token })).body.jobs.some((j: { id: number; state: string }) => j.id === jobId && j.state === 'confirmed'), 'the slip printed');
  }, 30_000);

  it('turns Print off, and says why, while the hub is out of reach', async () => {
    const page = await openApp(browser, 'about:blank', { app: 'pos', login: manager, lang: 'en' });
    page.context().setDefaultTimeout(8000);
    pages.push(page);
    // the hub's stream never answers: the tablet is not live (the bills and the report still load over HTTP)
    await page.routeWebSocket(/\/api\/v1\/stream/, (ws) => ws.close());
    await page.goto(`http://hub.test:${port}/pos/`);
    await page.click('[data-bills-open]');
    await page.locator('[data-takings][data-takings-cash]').waitFor();
    await page.locator('[data-conn=reconnecting], [data-conn=offline]').first().waitFor();
    const button = page.locator('[data-takings-print]');
    expect(await button.isDisabled()).toBe(true);
    expect(await page.locator('[data-takings-print-note=offline]').innerText()).toContain('Printing the day report needs the hub');
  }, 30_000);

  it("a waiter's tablet lists the bills without a summary, and never asks the hub for one", async () => {
    const page = await open(waiter, 'en');
    const asked: string[] = [];
    page.on('request', (req) => asked.push(req.url()));
    await page.click('[data-bills-open]');
    await page.locator(`[data-screen=bills] [data-bill-row="${openOrderId}"]`).waitFor();
    expect(await page.locator('[data-takings]').count()).toBe(0);
    expect(asked.filter((u) => u.includes('/api/v1/reports/'))).toEqual([]);
  });

  it("a manager resolves a kiosk card charge as another order's card payment: the summary counts it once against the card terminals", async () => {
    const kiosk = (await signIn(hub, undefined, 'kiosk')).device;
    // the guest paid cash at the counter for the kiosk order, then the kiosk's card went through: refused, recorded
    const k = await hub.request('POST', '/api/v1/orders', { token: kiosk, body: sampleOrder({ channel: 'kiosk', tableId: undefined }) });
    expect(k.status).toBe(201);
    const kioskOrder = k.body.order as { id: string; number: number; totalMinor: number };
    expect((await hub.request('POST', `/api/v1/orders/${kioskOrder.id}/void`, { token: manager.staff.token, body: { reason: 'ordered again at the counter' } })).status).toBe(200);
    expect((await hub.request('POST', `/api/v1/orders/${kioskOrder.id}/payments`, { token: kiosk, body: { tender: 'card', amountMinor: kioskOrder.totalMinor, reference: 'SIM-E2E' } })).status).toBe(403);
    // the order placed instead at the counter, its card payment recorded with the kiosk terminal's reference
    const o = await hub.request('POST', '/api/v1/orders', { token: waiter.staff.token, body: sampleOrder({ tableId: 't-a6' }) });
    const instead = o.body.order as { id: string; number: number; totalMinor: number };
    expect((await hub.request('POST', `/api/v1/orders/${instead.id}/payments`, { token: cashier.staff.token, body: { tender: 'card', amountMinor: instead.totalMinor, reference: 'SIM-E2E' } })).status).toBe(201);

    const page = await open(manager, 'en');
    const strip = page.locator(`[data-card-charge][data-order-number="${kioskOrder.number}"]`);
    await strip.waitFor();
    await strip.locator('[data-resolve-charge]').click();
    const sheet = page.locator('[data-charge-sheet]');
    await sheet.waitFor();
    expect(await sheet.locator('[data-charge-confirm]').isDisabled()).toBe(true);
    await sheet.locator('[data-charge-kind=recorded_as_payment]').click();
    // the kiosk order's own number is filled in: this time it was another order
    expect(await sheet.locator('[data-charge-order]').inputValue()).toBe(String(kioskOrder.number));
    await sheet.locator('[data-charge-order]').fill(String(instead.number));
    await sheet.locator('[data-charge-confirm]').click();
    await sheet.waitFor({ state: 'detached' });
    await strip.waitFor({ state: 'detached' });

    await page.click('[data-bills-open]');
    const listed = page.locator('[data-takings-card-charge]').filter({ hasText: 'SIM-E2E' });
    await listed.waitFor();
    expect(await listed.innerText()).toContain(`recorded as the card payment of order ${instead.number}`);
    const day = await page.locator('[data-takings]').getAttribute('data-takings');
    const r = (await hub.request('GET', `/api/v1/reports/day?businessDate=${day}`, { token: manager.staff.token })).body.report;
    // the card terminals have the kiosk's charge once: as the counter's card payment, not again as unrecorded
    expect(r.unrecordedCardCharges).toMatchObject({ onTerminalMinor: 0, settled: { count: 1, amountMinor: kioskOrder.totalMinor } });
    expect(r.cardTerminalExpectedMinor).toBe(r.payments.byTender.card.amountMinor - r.refunds.byTender.card.amountMinor);
    expect(await page.locator('[data-takings-terminal]').getAttribute('data-takings-terminal')).toBe(String(r.cardTerminalExpectedMinor));
  }, 30_000);
});
