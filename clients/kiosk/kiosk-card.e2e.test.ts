/**
 * Card payment at the kiosk (issue #6) in a real browser (Debian chromium via playwright-core) against the
 * real hub process, loaded through `hub.test` (not a secure context, like a store's LAN). The terminal is
 * the simulator: `?terminal=sim-auto` approves by itself, `?terminal=sim` shows its demo buttons.
 * Also writes docs/screenshots/kiosk-card-*.png.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../hub/protocol/orders.ts';
import { PAIRING_CODE, PINS, removeDir, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { buildClients } from '../build.ts';
import { CHROMIUM, eventually, freePort, pageErrors, pairAndSignIn, screenshotter } from '../test/browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
let manager: string;
let riceCategory: string;
const pages: Page[] = [];

interface Device {
  token: string;
  deviceId: string;
  name: string;
}

interface OutboxRow {
  state: string;
  key: string;
  path: string;
  meta: { orderId: string; reference?: string };
}

async function pairKiosk(name: string): Promise<Device> {
  const r = await hub.request('POST', '/api/v1/devices/pair', { body: { code: PAIRING_CODE, name, kind: 'kiosk' } });
  expect(r.status).toBe(201);
  return { token: r.body.deviceToken, deviceId: r.body.device.id, name: r.body.device.name };
}

/** A fresh kiosk browser with its device token seeded (pairing through the page is kiosk.e2e.test.ts's job). */
async function kiosk(query: string, lang: 'zh-CN' | 'en' = 'zh-CN'): Promise<{ page: Page; context: BrowserContext; device: Device }> {
  const device = await pairKiosk(`e2e-card-${pages.length}`);
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 }, deviceScaleFactor: 1, hasTouch: true });
  context.setDefaultTimeout(10_000);
  await context.addInitScript(
    ({ device, lang }) => {
      try {
        if (sessionStorage.getItem('e2e-seeded')) return;
        sessionStorage.setItem('e2e-seeded', '1');
        localStorage.setItem('brigade.lang', JSON.stringify(lang));
        localStorage.setItem('brigade.kiosk.device', JSON.stringify({ ...device, kind: 'kiosk' }));
      } catch {
        /* the browser's own error page has no storage */
      }
    },
    { device, lang },
  );
  const page = await context.newPage();
  pageErrors.set(page, []);
  page.on('pageerror', (e) => pageErrors.get(page)!.push(e.message));
  pages.push(page);
  await page.goto(`http://hub.test:${port}/kiosk/${query}`);
  return { page, context, device };
}

/** Welcome → rice in the cart → checkout with the given payment → placed; resolves the hub's order. */
async function order(page: Page, device: Device, pay: 'card' | 'counter', beforePlacing?: () => Promise<void>): Promise<Order> {
  await page.click('[data-start]');
  await page.click(`[data-cat="${riceCategory}"]`);
  await page.click('[data-item="steamed-rice"]');
  await page.click('[data-item-sheet] [data-add]');
  await page.click('[data-checkout]');
  await page.click(`[data-pay="${pay}"]`);
  expect(await page.locator(`[data-pay="${pay}"]`).getAttribute('aria-checked')).toBe('true');
  await beforePlacing?.();
  await page.click('[data-place]');
  await page.locator('[data-pickup]').waitFor();
  const mine = await eventually('the order in the hub', async () => {
    const r = await hub.request('GET', '/api/v1/orders?limit=200', { token: manager });
    return (r.body.orders as Order[]).find((o) => o.deviceId === device.deviceId);
  });
  expect(await page.locator('[data-pickup]').getAttribute('data-pickup')).toBe(String(mine.number));
  return mine;
}

async function hubOrder(id: string): Promise<Order> {
  const r = await hub.request('GET', `/api/v1/orders/${id}`, { token: manager });
  expect(r.status).toBe(200);
  return r.body.order as Order;
}

function paymentRecords(orderId: string): { payments: { tender: string; amount_minor: number; reference: string }[]; events: number } {
  const db = hub.openDb();
  try {
    return {
      payments: db.prepare('SELECT tender, amount_minor, reference FROM payments WHERE order_id = ?').all(orderId) as never,
      events: db.prepare("SELECT COUNT(*) FROM events WHERE type = 'order.payment_taken' AND payload LIKE ?").pluck().get(`%${orderId}%`) as number,
    };
  } finally {
    db.close();
  }
}

async function outbox(page: Page): Promise<OutboxRow[]> {
  return page.evaluate(() => (window as unknown as { __brigadeKiosk: { outbox: { list(): OutboxRow[] } } }).__brigadeKiosk.outbox.list());
}
const paymentsIn = async (page: Page) => (await outbox(page)).filter((e) => e.path.endsWith('/payments'));

const shot = screenshotter('KIOSK_SCREENSHOTS');

beforeAll(async () => {
  await buildClients({ quiet: true });
  port = await freePort();
  [hub, browser] = await Promise.all([
    // HUB_SHED_LAG_MS: a loaded test machine must not shed kiosk requests with 503 (handled, only slower)
    startHub({ env: { HUB_PORT: String(port), HUB_SHED_LAG_MS: '2000' } }),
    chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--host-resolver-rules=MAP hub.test 127.0.0.1'],
    }),
  ]);
  manager = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
  const menu = await hub.request('GET', '/api/v1/menu');
  riceCategory = (menu.body.menu.items as { id: string; categoryId: string }[]).find((i) => i.id === 'steamed-rice')!.categoryId;
}, 60_000);

afterAll(async () => {
  for (const p of pages) expect(pageErrors.get(p) ?? [], 'uncaught errors in the page').toEqual([]);
  await browser?.close();
  await hub?.stop();
  if (hub) removeDir(hub.dataDir);
});

describe('kiosk card payment', () => {
  it('order → card approved → "paid" with the pickup number; the hub has exactly one card payment for the whole amount', async () => {
    const { page, context, device } = await kiosk('?terminal=sim-auto');
    const placed = await order(page, device, 'card', () => shot(page, 'kiosk-card-checkout-zh-1080x1920.png'));
    // the simulator says what it is, and approves by itself under the test flag
    await page.locator('[data-pay-state=terminal] [data-simulated-terminal]').first().waitFor();
    await page.locator('[data-pay-state=paid]').waitFor();
    const reference = await page.locator('[data-card-reference]').getAttribute('data-card-reference');
    expect(reference).toMatch(/^SIM-/);
    expect(await page.locator('[data-pickup]').getAttribute('data-pickup')).toBe(String(placed.number));

    const after = await hubOrder(placed.id);
    expect(after).toMatchObject({ status: 'closed', dueMinor: 0, paidMinor: placed.totalMinor });
    expect(paymentRecords(placed.id)).toEqual({ payments: [{ tender: 'card', amount_minor: placed.totalMinor, reference }], events: 1 });
    await shot(page, 'kiosk-card-paid-zh-1080x1920.png');
    await context.close();
  });

  it('the network drops between the approval and the hub’s answer: "approved, saving…", then paid exactly once with the same key', async () => {
    const { page, context, device } = await kiosk('?terminal=sim', 'en');
    const placed = await order(page, device, 'card');
    await page.locator('[data-sim-approve]').waitFor();
    expect(await page.locator('[data-new]').isVisible()).toBe(false); // "cancel", not "done", while the terminal waits
    await shot(page, 'kiosk-card-terminal-en-1080x1920.png');

    // the hub commits the payment, but the kiosk never hears the answer; retries meanwhile get nothing
    let reachedHub = 0;
    await page.route('**/payments', async (route) => {
      if (reachedHub++ === 0) {
        await route.fetch({ url: route.request().url().replace('hub.test', '127.0.0.1') }); // Node, not the browser, sends this one
        await context.setOffline(true);
      }
      await route.abort('internetdisconnected');
    });
    await page.click('[data-sim-approve]');
    await page.locator('[data-pay-state=saving]').waitFor();
    await eventually('the outbox says it is retrying', async () => ((await paymentsIn(page))[0]?.state === 'unknown' ? true : undefined));
    expect(await page.locator('[data-pay-state=saving]').textContent()).toContain('Payment approved');
    expect(reachedHub).toBeGreaterThanOrEqual(1);
    expect(paymentRecords(placed.id).payments).toHaveLength(1); // recorded, though the kiosk cannot know yet
    const [pending] = await paymentsIn(page);
    await page.unrouteAll({ behavior: 'wait' }); // a retry inside the handler finishes first

    await context.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.locator('[data-pay-state=paid]').waitFor({ timeout: 15_000 });
    const [settled] = await paymentsIn(page);
    expect(settled).toMatchObject({ state: 'confirmed', key: pending!.key });
    const records = paymentRecords(placed.id);
    expect(records.events).toBe(1);
    expect(records.payments).toEqual([{ tender: 'card', amount_minor: placed.totalMinor, reference: settled!.meta.reference }]);
    expect((await hubOrder(placed.id)).status).toBe('closed');
    await context.close();
  });

  it('a reload while the approved payment cannot reach the hub: the outbox resumes it from IndexedDB', async () => {
    const { page, context, device } = await kiosk('?terminal=sim-auto');
    // the hub is unreachable for payments: nothing gets through until the route is lifted
    await page.route('**/payments', (route) => route.abort('connectionrefused'));
    const placed = await order(page, device, 'card');
    await page.locator('[data-pay-state=saving]').waitFor();
    await eventually('stored and retrying', async () => ((await paymentsIn(page))[0]?.state === 'unknown' ? true : undefined));
    const [stored] = await paymentsIn(page);

    await page.reload();
    await page.locator('[data-welcome] [data-pending-payments="1"]').waitFor();
    expect(paymentRecords(placed.id).payments).toEqual([]);
    await page.unrouteAll({ behavior: 'wait' });
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await eventually('the resumed payment reaches the hub', async () => ((await paymentsIn(page))[0]?.state === 'confirmed' ? true : undefined), 15_000);
    expect((await paymentsIn(page))[0]!.key).toBe(stored!.key);
    expect(paymentRecords(placed.id)).toMatchObject({ payments: [{ tender: 'card', reference: stored!.meta.reference }], events: 1 });
    await page.locator('[data-pending-payments]').waitFor({ state: 'detached' });
    await context.close();
  });

  it('declined → pay at the counter: the order stays placed and unpaid in the hub', async () => {
    const { page, context, device } = await kiosk('?terminal=sim');
    const placed = await order(page, device, 'card');
    await page.click('[data-sim-decline]');
    await page.locator('[data-pay-state=declined] [data-card-retry]').waitFor();
    await page.click('[data-card-counter]');
    await page.locator('[data-pay-state=counter]').waitFor();
    expect(await page.locator('[data-pay-state=counter]').getAttribute('data-hub-total')).toBe(String(placed.totalMinor));
    expect(await page.locator('[data-pickup]').getAttribute('data-pickup')).toBe(String(placed.number));

    const after = await hubOrder(placed.id);
    expect(after.status).not.toBe('closed');
    expect(after).toMatchObject({ payments: [], paidMinor: 0, dueMinor: placed.totalMinor });
    expect(await paymentsIn(page)).toEqual([]);
    await context.close();
  });
});
