/**
 * Kitchen tickets printed exactly once, end to end: orders placed from the real apps in Debian's chromium
 * (the customer's phone, the kiosk, the waiter tablet) on the real hub process, printed by simulated
 * ESC/POS printers on 127.0.0.1 configured through the hub's API (hub/print/test-support.ts). Two of the
 * orders are interrupted: the hub commits, the answer is lost (the device goes offline), and the device
 * resends with the same Idempotency-Key when it is back. What is asserted is what the kitchen would hold in
 * its hand: per printer, exactly one ticket per station per fire for every order, the Chinese dish names
 * intact, and no "POSSIBLE DUPLICATE / 可能重复" banner anywhere.
 */
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAIRING_CODE, PINS, removeDir, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { addPrinters, FAST_PRINT_ENV, numbersOn, waitUntil, type TestPrinters } from '../../hub/print/test-support.ts';
import { buildClients } from '../build.ts';
import { addDish, eventually, freePort, LAN_HOST, launchLanBrowser, openApp, pageErrors, pairAndSignIn, pairKiosk, seededPage } from './browser.ts';

const HOT = 'Hot 热厨';
const BAR = 'Bar 水吧';

interface HubOrder {
  id: string;
  number: number;
  lines: { itemId: string; nameZh: string; stationId: string }[];
}

let hub: HubProcess;
let port: number;
let browser: Browser;
let manager: string;
let printers: TestPrinters;
let tokens: Map<string, string>;
let categoryOf: Map<string, string>;
const pages: Page[] = [];

const origin = () => `http://${LAN_HOST}:${port}`;

beforeAll(async () => {
  await buildClients({ quiet: true });
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { ...FAST_PRINT_ENV, HUB_PORT: String(port), HUB_HTTPS_PORT: 'off' } }), launchLanBrowser()]);
  manager = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
  printers = await addPrinters(hub, manager, [
    { name: HOT, stations: ['hot'] },
    { name: BAR, stations: ['bar'] },
  ]);
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  tokens = new Map((qr.body.tables as { id: string; qrToken: string }[]).map((t) => [t.id, t.qrToken]));
  const menu = await hub.request('GET', '/api/v1/menu');
  categoryOf = new Map((menu.body.menu.items as { id: string; categoryId: string }[]).map((i) => [i.id, i.categoryId]));
}, 90_000);

afterAll(async () => {
  for (const p of pages) expect(pageErrors.get(p) ?? [], 'uncaught errors in the page').toEqual([]);
  await browser?.close();
  await printers?.remove();
  await hub?.stop();
  if (hub) removeDir(hub.dataDir);
});

const newPage = (viewport: { width: number; height: number }, seed: Record<string, unknown>) => seededPage(browser, viewport, seed, pages);

/**
 * The next POST to `path` reaches the hub (Node delivers it, the hub commits and answers), then the device
 * goes offline and never hears the answer. `hubAnswered` resolves with the hub's status once the device is offline.
 */
async function loseTheAnswer(page: Page, path: (p: string) => boolean): Promise<{ hubAnswered: Promise<number> }> {
  let answered!: (status: number) => void;
  const status = new Promise<number>((r) => (answered = r));
  await page.route(
    (url) => path(url.pathname),
    async (route: Route) => {
      const res = await route.fetch({ url: route.request().url().replace(LAN_HOST, '127.0.0.1') });
      await page.context().setOffline(true);
      await route.abort('internetdisconnected');
      answered(res.status());
    },
    { times: 1 },
  );
  return { hubAnswered: status };
}

async function backOnline(page: Page): Promise<void> {
  await page.context().setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
}

async function order(id: string): Promise<HubOrder> {
  const r = await hub.request('GET', `/api/v1/orders/${id}`, { token: manager });
  expect(r.status).toBe(200);
  return r.body.order as HubOrder;
}

async function listOrders(filter: (o: HubOrder & { tableId: string | null; deviceId: string | null; channel: string }) => boolean): Promise<HubOrder[]> {
  const r = await hub.request('GET', '/api/v1/orders?limit=200', { token: manager });
  return (r.body.orders as (HubOrder & { tableId: string | null; deviceId: string | null; channel: string })[]).filter(filter);
}

/** QR phone at table B3: an order, then an add-on round. */
async function orderFromPhone(): Promise<HubOrder> {
  const { page, context } = await newPage({ width: 390, height: 844 }, { 'brigade.lang': 'zh-CN' });
  await page.goto(`${origin()}/t/${tokens.get('t-b3')}`);
  await page.locator('[data-table="t-b3"]').waitFor();
  const add = async (itemId: string, options: string[]) => {
    await page.click('[data-tab=menu]');
    await addDish(page, itemId, options);
  };
  const submit = async (n: number) => {
    await page.click('[data-cart-open]');
    await page.click('[data-cart] [data-submit]');
    await eventually(`${n} rounds confirmed`, async () => ((await page.locator('[data-sub-state=confirmed]').count()) === n ? true : undefined));
  };
  await add('mapo-tofu', ['spice-medium', 'size-regular']);
  await add('sour-plum-drink', ['ice-less']);
  await submit(1);
  await add('steamed-rice', []);
  await submit(2);
  await context.close();
  const [o] = await listOrders((x) => x.tableId === 't-b3');
  return order(o!.id);
}

/** Kiosk: one order, whose answer is lost mid-send; retried with the same key once back online. */
async function orderFromKiosk(): Promise<HubOrder> {
  const device = await pairKiosk(hub, 'e2e-kiosk-tickets');
  const { page, context } = await newPage({ width: 1080, height: 1920 }, { 'brigade.lang': 'zh-CN', 'brigade.kiosk.device': device });
  await page.goto(`${origin()}/kiosk/`);
  await page.click('[data-start]');
  for (const [itemId, options] of [
    ['mapo-tofu', ['spice-hot', 'size-large']],
    ['sour-plum-drink', ['ice-none']],
  ] as const) {
    await page.click(`[data-cat="${categoryOf.get(itemId)}"]`);
    await addDish(page, itemId, options);
  }
  const { hubAnswered } = await loseTheAnswer(page, (p) => p === '/api/v1/orders');
  await page.click('[data-checkout]');
  await page.click('[data-place]');
  expect(await hubAnswered).toBe(201);
  await page.locator('[data-done=retrying]').waitFor();
  await backOnline(page);
  await page.locator('[data-pickup]').waitFor({ timeout: 20_000 });
  await context.close();
  const mine = await listOrders((x) => x.deviceId === device.deviceId);
  expect(mine).toHaveLength(1);
  return order(mine[0]!.id);
}

/** Waiter tablet at A1: open, send (a held course 2), fire course 2, then an add-on whose answer is lost. */
async function orderFromTablet(): Promise<HubOrder> {
  const page = await openApp(browser, `${origin()}/pos/`, { app: 'pos', login: await pairAndSignIn(hub, 'pos', PINS.waiter) });
  page.context().setDefaultTimeout(20_000);
  pages.push(page);
  const add = async (itemId: string, options: string[], o: { course?: number; hold?: boolean } = {}) => {
    await page.click(`[data-cat="${categoryOf.get(itemId)}"]`);
    await addDish(page, itemId, options, [...(o.course ? [`[data-course="${o.course}"]`] : []), ...(o.hold ? ['[data-hold]'] : [])]);
  };
  const confirmedRounds = (n: number) =>
    eventually(`${n} rounds confirmed`, async () => ((await page.locator('[data-submission=lines][data-state=confirmed]').count()) === n ? true : undefined), 20_000);
  await page.click('[data-table="t-a1"][data-status=free]');
  await page.click('[data-guest-sheet] [data-guests="2"]');
  await page.click('[data-open-table]');
  await page.locator('[data-submission=open][data-state=confirmed]').waitFor();
  await add('steamed-rice', []);
  await add('mapo-tofu', ['spice-mild', 'size-regular'], { course: 2, hold: true });
  await add('sour-plum-drink', ['ice-less']);
  await page.click('[data-send]');
  await confirmedRounds(1);
  await page.click('[data-fire="2"]');
  await page.locator('[data-submission=fire][data-state=confirmed]').waitFor();

  await add('kung-pao-chicken', ['spice-medium', 'size-regular']);
  const orderId = await page.evaluate(() => (window as unknown as { __brigadePos: { state: { get(): { orderId: string } } } }).__brigadePos.state.get().orderId);
  const { hubAnswered } = await loseTheAnswer(page, (p) => p === `/api/v1/orders/${orderId}/lines`);
  await page.click('[data-send]');
  expect(await hubAnswered).toBe(200);
  await page.locator('[data-submission=lines]:not([data-state=confirmed])').waitFor();
  await backOnline(page);
  await confirmedRounds(2);
  await page.context().close();
  return order(orderId);
}

const tickets = (printer: string, number: number) => printers.texts(printer).filter((_, i) => numbersOn(printers.texts(printer))[i] === number);

describe('kitchen tickets from the apps', () => {
  let qr: HubOrder;
  let kiosk: HubOrder;
  let pos: HubOrder;
  it('the phone orders at B3, then adds a round', async () => {
    qr = await orderFromPhone();
  }, 60_000);
  it('the kiosk orders; the answer is lost, the kiosk resends with the same key', async () => {
    kiosk = await orderFromKiosk();
  }, 60_000);
  it('the tablet opens A1, sends with a held course, fires it, adds a round whose answer is lost', async () => {
    pos = await orderFromTablet();
  }, 60_000);

  it('one ticket per station per fire on each printer, Chinese intact, no duplicate banner', async () => {
    expect([qr, kiosk, pos].every(Boolean), 'the three orders were placed').toBe(true);

    // [order, printer, tickets expected: one per fire that had lines for the printer's station]
    const expected: [HubOrder, string, number][] = [
      [qr, HOT, 2], // the order (麻婆豆腐), then the add-on round (米饭)
      [qr, BAR, 1],
      [kiosk, HOT, 1],
      [kiosk, BAR, 1],
      [pos, HOT, 3], // 米饭 at once, 麻婆豆腐 when course 2 is fired, the add-on 宫保鸡丁
      [pos, BAR, 1],
    ];
    const total = (printer: string) => expected.filter(([, p]) => p === printer).reduce((n, [, , k]) => n + k, 0);
    await waitUntil(() => printers.texts(HOT).length >= total(HOT) && printers.texts(BAR).length >= total(BAR), 'every ticket printed', 20_000);
    await new Promise((r) => setTimeout(r, 1500)); // a late duplicate would arrive now

    expect(printers.texts(HOT)).toHaveLength(total(HOT));
    expect(printers.texts(BAR)).toHaveLength(total(BAR));
    for (const [o, printer, n] of expected) expect(tickets(printer, o.number), `order #${o.number} on ${printer}`).toHaveLength(n);
    for (const printer of [HOT, BAR]) {
      for (const t of printers.texts(printer)) {
        expect(t).not.toContain('POSSIBLE DUPLICATE');
        expect(t).not.toContain('可能重复');
        expect(t).not.toMatch(/\uFFFD|\?\?/); // nothing the printer could not decode
      }
    }
    // each line's Chinese name is on its station's paper, in the fire it belongs to
    const [qrFirst, qrAddOn] = tickets(HOT, qr.number);
    expect(qrFirst).toContain('麻婆豆腐');
    expect(qrFirst).toContain('中辣');
    expect(qrAddOn).toContain('ADD-ON 加菜');
    expect(qrAddOn).toContain('米饭');
    expect(qrAddOn).not.toContain('麻婆豆腐');
    expect(tickets(BAR, qr.number)[0]).toContain('酸梅汤');
    expect(tickets(HOT, kiosk.number)[0]).toContain('麻婆豆腐');
    expect(tickets(BAR, kiosk.number)[0]).toContain('酸梅汤');
    const [posRice, posCourse2, posAddOn] = tickets(HOT, pos.number);
    expect(posRice).toContain('米饭');
    expect(posRice).not.toContain('麻婆豆腐');
    expect(posCourse2).toContain('麻婆豆腐');
    expect(posCourse2).toContain('第2道');
    expect(posAddOn).toContain('宫保鸡丁');
    expect(tickets(BAR, pos.number)[0]).toContain('酸梅汤');

    // the hub's own record agrees: every job confirmed, none marked as a possible duplicate
    for (const o of [qr, kiosk, pos]) {
      const jobs = (await hub.request('GET', `/api/v1/print-jobs?orderId=${o.id}`, { token: manager })).body.jobs as { state: string; possibleDuplicate: boolean }[];
      expect(jobs.map((j) => [j.state, j.possibleDuplicate])).toEqual(jobs.map(() => ['confirmed', false]));
      expect(jobs).toHaveLength(expected.filter(([x]) => x === o).reduce((n, [, , k]) => n + k, 0));
    }
  }, 60_000);
});
