/**
 * The KDS in a real browser (Debian chromium via playwright-core) against the real hub process.
 * `KDS_SCREENSHOTS=1` also refreshes the screenshots in docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAIRING_CODE, PINS, ROOT, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { buildClients } from '../build.ts';
import { closeAll, eventually, freePort, launchBrowser, openApp, pairAndSignIn, type DeviceLogin } from '../test/browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
let kitchen: DeviceLogin;
let waiter: string;
let manager: string;
const pages: Page[] = [];

const line = (itemId: string, qty = 1, optionIds: string[] = [], extra: Record<string, unknown> = {}) => ({ itemId, qty, optionIds, ...extra });
const MAPO = () => line('mapo-tofu', 1, ['spice-medium', 'size-regular']);
const PLUM = () => line('sour-plum-drink', 2, ['ice-less']);

async function place(lines: unknown[], extra: Record<string, unknown> = {}): Promise<{ id: string; number: number; lines: { id: string; itemId: string; stationId: string }[] }> {
  const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId: 't-a2', lines, ...extra } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.order;
}

async function kds(view: string, o: { lang?: 'zh-CN' | 'en'; viewport?: { width: number; height: number } } = {}): Promise<Page> {
  const page = await openApp(browser, `${hub.url}/kds/?station=${view}`, { app: 'kds', login: kitchen, ...o });
  pages.push(page);
  await page.locator('[data-conn=live]').waitFor();
  return page;
}

/** Waiters' staff sessions on kitchen screens: a PIN pad that refuses a waiter must leave none behind. */
function waiterSessionsOnKitchenScreens(): number {
  const db = hub.openDb();
  try {
    return db
      .prepare("SELECT COUNT(*) FROM staff_sessions s JOIN devices d ON d.id = s.device_id JOIN staff st ON st.id = s.staff_id WHERE d.kind = 'kds' AND st.role = 'waiter'")
      .pluck()
      .get() as number;
  } finally {
    db.close();
  }
}

const ticket = (page: Page, orderId: string) => page.locator(`.ticket[data-order-id="${orderId}"]`);

/** What a screen shows: each ticket with its lines still to cook. */
const screen = (page: Page) =>
  page.$$eval('.ticket', (els) =>
    els.map((el) => ({
      id: el.getAttribute('data-order-id')!,
      pending: [...el.querySelectorAll('.line[data-state=pending]')].map((l) => l.getAttribute('data-line-id')!).sort(),
    })),
  );

/**
 * What the hub says that screen should show (from the snapshot a fresh screen would load; these screens have
 * acknowledged no void).
 */
async function expected(view: string): Promise<{ id: string; pending: string[] }[]> {
  const snap = await hub.request('GET', '/api/v1/snapshot', { token: kitchen.device.token });
  type Line = { id: string; stationId: string; status: string; firedAt: number | null; readyAt: number | null };
  return (snap.body.orders as { id: string; lines: Line[] }[])
    .map((o) => {
      const here = o.lines.filter((l) => view === 'expo' || l.stationId === view);
      return {
        id: o.id,
        pending: here
          .filter((l) => l.status === 'fired' || l.status === 'preparing')
          .map((l) => l.id)
          .sort(),
        // expo also keeps a ticket whose food is all ready, until it is served
        isReadyAtExpo: view === 'expo' && o.lines.some((l) => l.status === 'ready'),
        // and every screen a line voided while it was cooking (a whole order voided, too), until acknowledged
        hasVoidNotice: here.some((l) => l.status === 'voided' && l.firedAt !== null && l.readyAt === null),
      };
    })
    .filter((t) => t.pending.length > 0 || t.isReadyAtExpo || t.hasVoidNotice)
    .map(({ id, pending }) => ({ id, pending }));
}

const deflatedBytes = async () =>
  Number(/^brigade_stream_bytes_total\{form="deflated"\} (\d+)/m.exec(await (await fetch(`${hub.url}/metrics`)).text())?.[1] ?? 0);

const byId = (ts: { id: string; pending: string[] }[]) => [...ts].sort((a, b) => a.id.localeCompare(b.id));

beforeAll(async () => {
  await buildClients({ quiet: true });
  port = await freePort();
  // every live frame of 1 kB or more compressed, even for one screen: Chromium must read them
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port), HUB_STREAM_DEFLATE_SOCKETS: '1' } }), launchBrowser()]);
  kitchen = await pairAndSignIn(hub, 'kds', PINS.kitchen);
  waiter = (await pairAndSignIn(hub, 'pos', PINS.waiter)).staff.token;
  manager = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

describe('KDS in a browser', () => {
  it('pairs with the hub code, refuses a waiter PIN, takes the kitchen PIN, and shows an order placed through the API', async () => {
    const page = await openApp(browser, `${hub.url}/kds/`, { app: 'kds' });
    pages.push(page);
    await page.fill('input[name=code]', PAIRING_CODE);
    await page.click('button[type=submit]');
    await page.locator('.pin__pad').waitFor();
    await page.fill('input[name=pin]', PINS.waiter);
    await page.click('.pin__key--ok');
    await page.locator('.gate__error').waitFor(); // a waiter may not run the kitchen screen
    expect(await page.locator('.gate__error').textContent()).toContain('王芳'); // named, as the screen did before
    expect(waiterSessionsOnKitchenScreens()).toBe(0); // and the hub made no session for them there
    await page.fill('input[name=pin]', PINS.kitchen);
    await page.click('.pin__key--ok');
    await page.click('[data-station=hot]');
    await page.locator('[data-conn=live]').waitFor();

    const deflatedBefore = await deflatedBytes();
    const order = await place([MAPO(), PLUM()]);
    const placedAt = Date.now();
    await ticket(page, order.id).waitFor();
    expect(await deflatedBytes()).toBeGreaterThan(deflatedBefore); // the order reached the screen compressed
    expect(Date.now() - placedAt).toBeLessThan(1000); // "within a blink"
    const hot = order.lines.find((l) => l.stationId === 'hot')!;
    const bar = order.lines.find((l) => l.stationId === 'bar')!;
    expect(await ticket(page, order.id).locator(`[data-line-id="${hot.id}"]`).count()).toBe(1);
    expect(await ticket(page, order.id).locator(`[data-line-id="${bar.id}"]`).count()).toBe(0); // the bar's drink is not the hot kitchen's
    expect(await ticket(page, order.id).textContent()).toContain('麻婆豆腐');
    expect(await page.locator('.allday__item[data-item="mapo-tofu"]').count()).toBe(1);
    await page.close();
  });

  it('bumping on one screen updates the other screens; expo turns ready when every station has bumped, then serves', async () => {
    const [hotA, hotB, barScreen, expo] = await Promise.all([kds('hot'), kds('hot'), kds('bar'), kds('expo')]);
    const order = await place([MAPO(), PLUM()]);
    await Promise.all([hotA, hotB, barScreen, expo].map((p) => ticket(p, order.id).waitFor()));
    expect(await ticket(expo, order.id).getAttribute('data-ready')).toBe('false');

    await ticket(hotA, order.id).locator('[data-bump]').click();
    await ticket(hotB, order.id).waitFor({ state: 'detached' });
    await expo.locator(`.ticket[data-order-id="${order.id}"] .chip--done[data-station=hot]`).waitFor();
    expect(await ticket(expo, order.id).getAttribute('data-ready')).toBe('false'); // the bar has not bumped yet

    // the bar bumps its one line by tapping it
    await ticket(barScreen, order.id).locator('.line[data-state=pending]').click();
    await expo.locator(`.ticket[data-order-id="${order.id}"][data-ready=true]`).waitFor();

    // recall from the hot screen: the ticket is back on both hot screens, and expo is no longer ready
    await hotB.click('[data-recall]');
    await hotB.locator(`.recall[data-order-id="${order.id}"] button`).click();
    await ticket(hotA, order.id).waitFor();
    await expo.locator(`.ticket[data-order-id="${order.id}"][data-ready=false]`).waitFor();
    await ticket(hotA, order.id).locator('[data-bump]').click();
    await expo.locator(`.ticket[data-order-id="${order.id}"][data-ready=true]`).waitFor();

    await ticket(expo, order.id).locator('[data-bump]').click();
    await ticket(expo, order.id).waitFor({ state: 'detached' });
    const after = await hub.request('GET', `/api/v1/orders/${order.id}`, { token: waiter });
    expect(after.body.order.lines.map((l: { status: string }) => l.status)).toEqual(['served', 'served']);
    await Promise.all([hotA, hotB, barScreen, expo].map((p) => p.close()));
  });

  it('colours tickets by age against the target prep time (injected clock); overdue and rush tickets rise to the top', async () => {
    const page = await kds('hot');
    // fish head: its own 20-minute target; mapo tofu: the hot station's 10 minutes
    const slow = await place([line('chopped-chili-fish-head', 1, ['spice-hot'])]);
    const quick = await place([MAPO()]);
    await ticket(page, quick.id).waitFor();
    const urgency = (id: string) => ticket(page, id).getAttribute('data-urgency');
    const order = async () => (await screen(page)).map((t) => t.id).filter((id) => id === slow.id || id === quick.id);
    expect([await urgency(slow.id), await urgency(quick.id)]).toEqual(['ok', 'ok']);
    expect(await order()).toEqual([slow.id, quick.id]); // oldest first

    await page.evaluate(() => window.__brigadeClock!.set(8 * 60_000)); // 8 of 10 minutes: amber
    await eventually('amber', async () => ((await urgency(quick.id)) === 'warn' ? true : undefined));
    expect(await urgency(slow.id)).toBe('ok');

    await page.evaluate(() => window.__brigadeClock!.set(11 * 60_000)); // past 10 minutes: red, and on top
    await eventually('red', async () => ((await urgency(quick.id)) === 'late' ? true : undefined));
    expect(await urgency(slow.id)).toBe('ok');
    expect(await order()).toEqual([quick.id, slow.id]);

    // a rush flag beats being overdue
    await ticket(page, slow.id).locator('.ticket__rush').click();
    await eventually('rush first', async () => ((await order())[0] === slow.id ? true : undefined));
    expect(await ticket(page, slow.id).locator('.badge--rush').count()).toBe(1);

    await page.evaluate(() => window.__brigadeClock!.set(21 * 60_000));
    await eventually('both red', async () => ((await urgency(slow.id)) === 'late' ? true : undefined));
    for (const o of [slow, quick]) await hub.request('POST', `/api/v1/orders/${o.id}/status`, { token: kitchen.staff.token, body: { status: 'ready' } });
    await page.close();
  });

  it('lets paid food that nobody served go from expo two hours after it was bumped ready, as the hub snapshot does', async () => {
    const expo = await kds('expo');
    const paid = await place([MAPO()]);
    const due = (await hub.request('GET', `/api/v1/orders/${paid.id}`, { token: manager })).body.order.dueMinor as number;
    expect((await hub.request('POST', `/api/v1/orders/${paid.id}/payments`, { token: manager, body: { tender: 'cash', amountMinor: due } })).status).toBe(201);
    await hub.request('POST', `/api/v1/orders/${paid.id}/status`, { token: kitchen.staff.token, body: { status: 'ready' } });
    await expo.locator(`.ticket[data-order-id="${paid.id}"][data-ready=true]`).waitFor();
    const anotherOrder = async () => {
      const o = await place([PLUM()]);
      await ticket(expo, o.id).waitFor();
      await hub.request('POST', `/api/v1/orders/${o.id}/status`, { token: kitchen.staff.token, body: { status: 'served' } });
      await ticket(expo, o.id).waitFor({ state: 'detached' });
    };
    // just under two hours later it is still there after the next event
    await expo.evaluate(() => window.__brigadeClock!.set(119 * 60_000));
    await anotherOrder();
    expect(await ticket(expo, paid.id).count()).toBe(1);
    // past two hours, the next event lets it go
    await expo.evaluate(() => window.__brigadeClock!.set(121 * 60_000));
    await anotherOrder();
    await ticket(expo, paid.id).waitFor({ state: 'detached' });
    await expo.close();
  });

  it('marks add-ons and voids on a ticket already in the kitchen, never silently', async () => {
    const page = await kds('hot');
    const order = await place([MAPO(), line('twice-cooked-pork', 1, ['spice-mild'])]);
    await ticket(page, order.id).waitFor();

    const added = await hub.request('POST', `/api/v1/orders/${order.id}/lines`, { token: waiter, body: { lines: [line('hunan-beef', 1, ['spice-hot'], { note: '不要香菜' })] } });
    expect(added.status).toBe(200);
    const addOnId = added.body.order.lines.at(-1).id as string;
    await page.locator(`.line--addon[data-line-id="${addOnId}"]`).waitFor();
    expect(await ticket(page, order.id).locator('.ticket__sep--addon').count()).toBe(1);

    const pork = order.lines.find((l) => l.itemId === 'twice-cooked-pork')!;
    const voided = await hub.request('POST', `/api/v1/orders/${order.id}/lines/${pork.id}/void`, { token: manager, body: { reason: '客人不要了' } });
    expect(voided.status).toBe(200);
    const voidLine = page.locator(`.line[data-line-id="${pork.id}"][data-state=voided]`);
    await voidLine.waitFor();
    expect(await voidLine.textContent()).toContain('客人不要了');
    expect(await page.locator('.allday__item[data-item="twice-cooked-pork"]').count()).toBe(0);

    // the whole order voided: the ticket stays, stamped, until a cook acknowledges it
    const anotherTicket = await place([MAPO()]); // on the screen after the reload: the board has loaded
    const whole = await hub.request('POST', `/api/v1/orders/${order.id}/void`, { token: manager, body: { reason: '客人离开' } });
    expect(whole.status).toBe(200);
    await page.locator(`.ticket.is-voided[data-order-id="${order.id}"]`).waitFor();
    // a reload loads the snapshot: the notice is still there, since nobody has acknowledged it
    await page.reload();
    await page.locator('[data-conn=live]').waitFor();
    await page.locator(`.ticket.is-voided[data-order-id="${order.id}"]`).waitFor();
    await ticket(page, order.id).locator('[data-bump]').click();
    await ticket(page, order.id).waitFor({ state: 'detached' });
    // acknowledged on this screen: another reload does not bring it back
    await page.reload();
    await page.locator('[data-conn=live]').waitFor();
    await ticket(page, anotherTicket.id).waitFor();
    expect(await ticket(page, order.id).count()).toBe(0);
    await page.close();
  });

  it('shows dishes a merge of two tables brought as part of the ticket, marked with their table, not as add-ons', async () => {
    const page = await kds('hot');
    const into = await place([MAPO()], { tableId: 't-a8' });
    await ticket(page, into.id).waitFor();
    const from = await place([line('hunan-beef', 1, ['spice-hot'])], { tableId: 't-a9' }); // placed later
    const merged = await hub.request('POST', `/api/v1/orders/${from.id}/merge`, { token: waiter, body: { intoOrderId: into.id } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    const beef = from.lines[0]!.id;
    await ticket(page, into.id).locator(`.line--merged[data-line-id="${beef}"]`).waitFor();
    expect(await ticket(page, into.id).locator(`[data-line-id="${beef}"] .line__merged`).textContent()).toMatch(/A9/);
    expect(await ticket(page, into.id).locator('.line--addon, .ticket__sep--addon').count()).toBe(0);
    // a screen that loads afresh never saw the merge: the hub's lines say where the dish came from
    await page.reload();
    await page.locator('[data-conn=live]').waitFor();
    await ticket(page, into.id).locator(`.line--merged[data-line-id="${beef}"]`).waitFor();
    expect(await ticket(page, into.id).locator(`[data-line-id="${beef}"] .line__merged`).textContent()).toMatch(/A9/);
    expect(await ticket(page, into.id).locator('.line--addon, .ticket__sep--addon').count()).toBe(0);
    await page.close();
  });

  it('shows the outage on the banner while the hub is down, then converges to exactly the hub state after a restart', async () => {
    const [hot, expo] = await Promise.all([kds('hot'), kds('expo')]);
    const keep = await place([MAPO(), PLUM()]);
    const bumpLater = await place([line('kung-pao-chicken', 2, ['spice-hot', 'size-large'])]);
    await Promise.all([ticket(hot, bumpLater.id).waitFor(), ticket(expo, bumpLater.id).waitFor()]);

    const dataDir = hub.dataDir;
    await hub.stop();
    await hot.locator('[data-conn=reconnecting]').waitFor();
    await hot.locator('.kds--stale').waitFor();

    // while the screens cannot reach it, the hub runs (elsewhere) and the kitchen moves on
    const gap = await startHub({ dataDir, env: {} });
    hub = gap;
    const during = await place([line('xiaolongbao', 2), line('lemon-tea', 1, ['ice-less', 'sugar-half'])]);
    await gap.request('POST', `/api/v1/orders/${bumpLater.id}/status`, { token: kitchen.staff.token, body: { status: 'ready' } });
    await gap.request('POST', `/api/v1/orders/${keep.id}/lines`, { token: waiter, body: { lines: [line('steamed-rice', 2)] } });
    await gap.stop();

    hub = await startHub({ dataDir, env: { HUB_PORT: String(port) } });
    await Promise.all([hot.locator('[data-conn=live]').waitFor({ timeout: 20_000 }), expo.locator('[data-conn=live]').waitFor({ timeout: 20_000 })]);
    for (const [page, view] of [
      [hot, 'hot'],
      [expo, 'expo'],
    ] as const) {
      const want = JSON.stringify(byId(await expected(view)));
      let got = '';
      await eventually(`${view} to match the hub`, async () => ((got = JSON.stringify(byId(await screen(page)))) === want ? true : undefined)).catch((err: Error) => {
        throw new Error(`${err.message}\nscreen: ${got}\nhub:    ${want}`);
      });
      const ids = (await screen(page)).map((t) => t.id);
      expect(new Set(ids).size).toBe(ids.length); // no ticket twice
    }
    expect((await screen(hot)).map((t) => t.id)).toContain(during.id);
    expect((await screen(hot)).map((t) => t.id)).not.toContain(bumpLater.id);

    // and it is live again: a new order appears at once
    const next = await place([MAPO()]);
    await ticket(hot, next.id).waitFor({ timeout: 2000 });
    await Promise.all([hot.close(), expo.close()]);
  }, 60_000);
});

describe('KDS sign-out and a tablet clock hours off', () => {
  it('Lock shows the PIN pad at once and ends the cook’s session on the hub, after the bump still on its way went as that cook', async () => {
    const own = await pairAndSignIn(hub, 'kds', PINS.kitchen); // not the shared login: this one is ended
    const page = await openApp(browser, `${hub.url}/kds/?station=hot`, { app: 'kds', login: own });
    pages.push(page);
    await page.locator('[data-conn=live]').waitFor();
    // the cook's last bump gets no answer (the Wi-Fi drops it once the cook has tapped Lock): the screen sends it again
    let drop!: () => void;
    const dropped = new Promise<void>((r) => (drop = r));
    let bumpsSeen = 0;
    await page.route('**/api/v1/orders/*/status', async (route) => (++bumpsSeen === 1 ? (await dropped, route.abort('connectionreset')) : route.continue()));
    const order = await place([MAPO()]);
    await ticket(page, order.id).locator('[data-bump]').click();
    await eventually('the bump on its way', async () => (bumpsSeen > 0 ? true : undefined));
    await page.getByRole('button', { name: '锁屏' }).click(); // Lock
    await page.locator('.pin__pad').waitFor();
    drop();
    const bumped = async () => (await hub.request('GET', `/api/v1/orders/${order.id}`, { token: waiter })).body.order.lines[0].status;
    await eventually('the bump to reach the hub', async () => ((await bumped()) === 'ready' ? true : undefined));
    const db = hub.openDb();
    try {
      const by = db.prepare("SELECT staff_id FROM events WHERE type = 'order.lines_status_changed' AND json_extract(payload, '$.order.id') = ?").pluck().all(order.id);
      expect(by).toEqual(['s-kitchen']);
    } finally {
      db.close();
    }
    await eventually('the session to be ended', async () => ((await hub.request('GET', '/api/v1/floor', { token: own.staff.token })).status === 401 ? true : undefined));
    expect((await hub.request('GET', '/api/v1/snapshot', { token: own.device.token })).status).toBe(200); // still paired
    await page.close();
  });

  it('says since when it is offline on the hub’s clock, as its top-bar clock does, not on the tablet’s own', async () => {
    const page = await openApp(browser, 'about:blank', { app: 'kds', login: kitchen });
    pages.push(page);
    // the tablet's clock is 5 h 17 min ahead (set by hand); the hub's answers tell the screen its real time
    await page.clock.install({ time: Date.now() + (5 * 60 + 17) * 60_000 });
    // and its stream cannot reach the hub (HTTP can: the hub's clock is read off its answers)
    await page.routeWebSocket(/\/api\/v1\/stream/, (ws) => ws.close());
    await page.goto(`${hub.url}/kds/?station=hot`);
    await page.locator('[data-conn=reconnecting]').waitFor();
    await page.clock.fastForward(31_000);
    await page.locator('[data-conn=offline]').waitFor();
    const shown = (await page.locator('.conn__text').textContent()) ?? '';
    const barClock = (await page.locator('.bar__clock').textContent()) ?? '';
    const hhmm = (ms: number) => new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
    // went offline half a minute before the bar's time: the same hour and minute, or the minute before
    const bar = /(\d\d):(\d\d)/.exec(barClock)!;
    const barAt = new Date(2000, 0, 1, Number(bar[1]), Number(bar[2])).getTime();
    expect([hhmm(barAt), hhmm(barAt - 60_000)], `${shown} | bar ${barClock}`).toContain(/(\d\d:\d\d)/.exec(shown)?.[1]);
    await page.close();
  }, 30_000);
});

describe('KDS table names', () => {
  it('shows the table’s name, not its id, when the floor could not be read as the screen started (the hub still booting)', async () => {
    const page = await kds('hot');
    let refused = 0;
    await page.route('**/api/v1/floor', (route) => (refused++ === 0 ? route.abort('connectionrefused') : route.continue()));
    await page.reload();
    await page.locator('[data-conn=live]').waitFor();
    const order = await place([MAPO()]); // table t-a2, named A2
    await ticket(page, order.id).waitFor();
    expect(refused).toBeGreaterThan(0);
    await eventually('the table name', async () => ((await ticket(page, order.id).locator('.ticket__where').textContent())?.includes('A2 桌') ? true : undefined), 5000);
    expect(await ticket(page, order.id).locator('.ticket__where').textContent()).not.toContain('t-a2');
    await hub.request('POST', `/api/v1/orders/${order.id}/status`, { token: kitchen.staff.token, body: { status: 'ready' } });
    await page.close();
  });
});

describe('KDS double tap on Bump', () => {
  it('does not bump the ticket that slid under the finger when the bumped one left, and bumps it on a later tap', async () => {
    // the tickets earlier tests left at the hot station go, so that these three are at the top of the screen
    const snap = await hub.request('GET', '/api/v1/snapshot', { token: kitchen.device.token });
    for (const o of snap.body.orders as { id: string; lines: { id: string; stationId: string; status: string }[] }[]) {
      const cooking = o.lines.filter((l) => l.stationId === 'hot' && (l.status === 'fired' || l.status === 'preparing')).map((l) => l.id);
      if (cooking.length > 0) await hub.request('POST', `/api/v1/orders/${o.id}/status`, { token: kitchen.staff.token, body: { status: 'ready', lineIds: cooking } });
    }
    // The guard judges taps by the tablet's clock. The test holds that clock, so that how long the hub takes to
    // answer the first tap (which makes the next ticket slide in) cannot decide whether the taps were a double tap.
    const page = await openApp(browser, 'about:blank', { app: 'kds', login: kitchen, lang: 'en' });
    pages.push(page);
    await page.clock.install();
    await page.goto(`${hub.url}/kds/?station=hot`);
    await page.locator('[data-conn=live]').waitFor();
    const first = await place([MAPO()]);
    await place([MAPO()]);
    await place([MAPO()]);
    await ticket(page, first.id).waitFor();
    await page.waitForTimeout(500); // the new tickets settle where they will stay
    await page.clock.pauseAt(Date.now() + 1000); // the cook has read them
    const box = (await ticket(page, first.id).locator('[data-bump]').boundingBox())!;
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    const statusPosts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/status')) statusPosts.push(r.url());
    });

    // a wet hand's double tap, 150 ms apart: the first bumps the ticket, and the next one slides under the finger
    await page.mouse.click(x, y);
    await ticket(page, first.id).waitFor({ state: 'detached' });
    const slid = await page.evaluate(([px, py]) => document.elementFromPoint(px!, py!)?.closest('.ticket')?.getAttribute('data-order-id') ?? null, [x, y]);
    expect(slid).not.toBeNull();
    await page.clock.runFor(150);
    await page.mouse.click(x, y);
    await page.waitForTimeout(500); // a bump, had the tap been taken, goes out at once
    expect(statusPosts).toEqual([expect.stringContaining(first.id)]);
    const lines = async (id: string) => ((await hub.request('GET', `/api/v1/orders/${id}`, { token: waiter })).body.order.lines as { stationId: string; status: string }[]).filter((l) => l.stationId === 'hot');
    expect((await lines(slid!)).map((l) => l.status)).not.toContain('ready');
    expect(await ticket(page, slid!).isVisible()).toBe(true);

    // the cook sees the next ticket and means it
    await page.clock.runFor(1000);
    await page.mouse.click(x, y);
    await ticket(page, slid!).waitFor({ state: 'detached' });
    expect((await lines(slid!)).every((l) => l.status === 'ready')).toBe(true);
    await page.close();
  });
});

describe('KDS chime after a (re)load', () => {
  it('says the sound needs a tap, not "Sound on", until someone touches the screen', async () => {
    const page = await kds('hot', { lang: 'en' });
    // the browser keeps a page silent until a gesture: a ticket arriving now would not chime
    await expect.poll(() => page.locator('[data-sound]').getAttribute('data-sound')).toBe('locked');
    expect(await page.locator('[data-sound]').textContent()).toBe('Tap for sound');
    await page.mouse.click(640, 400); // any tap on the screen, a bump say
    await expect.poll(() => page.locator('[data-sound]').getAttribute('data-sound')).toBe('on');
    await page.close();
  });

  it.each(['en', 'zh-CN'] as const)('takes the first tap after a (re)load on Recall in %s, though that tap is what turns the sound on', async (lang) => {
    // the tap that unlocks the sound shortens "Tap for sound" to "Sound on": done on the press, it shifted the
    // bar's buttons under the finger before it lifted, and the cook's first tap on Recall did nothing
    const page = await kds('hot', { lang });
    expect(await page.locator('[data-sound]').getAttribute('data-sound')).toBe('locked');
    await page.locator('[data-recall]').click();
    await page.locator('.panel').waitFor({ timeout: 5000 });
    await expect.poll(() => page.locator('[data-sound]').getAttribute('data-sound')).toBe('on');
    await page.close();
  });
});

describe('KDS top bar on a 1280×800 tablet', () => {
  /** Bar items cut off at the right edge (the bar does not scroll: Lock and the clock would just be gone). */
  const cutOff = (page: Page) =>
    page.$$eval('.bar > *', (els) => els.filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5).map((el) => el.className || el.tagName));

  it.each(['en', 'zh-CN'] as const)('keeps every control on screen in %s while the banner says the hub is down', async (lang) => {
    const page = await kds('hot', { lang, viewport: { width: 1280, height: 800 } });
    expect(await cutOff(page)).toEqual([]);
    const dataDir = hub.dataDir;
    await hub.stop();
    try {
      await page.locator('[data-conn=reconnecting] .conn__retry').waitFor();
      await page.waitForTimeout(1200); // "down 1 s" → the widest the first minute gets is "down 59 s"
      expect(await cutOff(page)).toEqual([]);
      expect(await page.locator('.bar__clock').isVisible()).toBe(true);
    } finally {
      hub = await startHub({ dataDir, env: { HUB_PORT: String(port) } });
    }
    await page.locator('[data-conn=live]').waitFor({ timeout: 20_000 });
    await page.close();
  }, 40_000);
});

describe.runIf(process.env.KDS_SCREENSHOTS)('KDS screenshots (KDS_SCREENSHOTS=1)', () => {
  it('saves the station and expo screens in Chinese and English to docs/screenshots/', async () => {
    const dir = join(ROOT, 'docs/screenshots');
    mkdirSync(dir, { recursive: true });
    // clear what earlier tests left on the screens
    const snap = await hub.request('GET', '/api/v1/snapshot', { token: kitchen.device.token });
    for (const o of snap.body.orders as { id: string; lines: { status: string }[] }[]) {
      if (o.lines.some((l) => l.status === 'fired' || l.status === 'preparing' || l.status === 'ready')) {
        await hub.request('POST', `/api/v1/orders/${o.id}/status`, { token: kitchen.staff.token, body: { status: 'served' } });
      }
    }
    const a = await place([line('mapo-tofu', 1, ['spice-medium', 'size-regular'], { note: '少油' }), line('steamed-rice', 2), PLUM()], { tableId: 't-a1' });
    const b = await place([line('chopped-chili-fish-head', 1, ['spice-hot']), line('lemon-tea', 2, ['ice-less', 'sugar-half'])], { tableId: 't-a3', rush: true });
    const c = await place([line('mao-braised-pork'), line('dry-fried-green-beans', 1, ['spice-mild', 'size-small']), line('coca-cola', 2, ['ice-regular'])], { tableId: 't-b2' });
    const d = await place([line('twice-cooked-pork', 1, ['spice-medium']), line('fuqi-feipian', 1, ['spice-hot'])], { tableId: 't-a4' });
    await hub.request('POST', `/api/v1/orders/${d.id}/lines/${d.lines[1]!.id}/void`, { token: manager, body: { reason: '客人退菜' } });
    const e = await place([line('sichuan-boiled-fish', 1, ['spice-hot']), line('mango-pomelo-sago', 2, [], { course: 2, hold: true })], { tableId: 't-b1' });
    const f = await place([line('kung-pao-chicken', 1, ['spice-medium', 'size-regular'])], { tableId: 't-a5' });
    await hub.request('POST', `/api/v1/orders/${f.id}/lines`, { token: waiter, body: { lines: [line('hunan-beef', 1, ['spice-hot'], { note: '不要香菜' })] } });
    await hub.request('POST', `/api/v1/orders/${c.id}/status`, { token: kitchen.staff.token, body: { status: 'ready', lineIds: [c.lines[2]!.id] } });
    void [a, b, e];

    const shots: [string, string, 'zh-CN' | 'en', { width: number; height: number }][] = [
      ['kds-hot-zh-1280x800.png', 'hot', 'zh-CN', { width: 1280, height: 800 }],
      ['kds-hot-en-1920x1080.png', 'hot', 'en', { width: 1920, height: 1080 }],
      ['kds-expo-zh-1920x1080.png', 'expo', 'zh-CN', { width: 1920, height: 1080 }],
      ['kds-expo-en-1280x800.png', 'expo', 'en', { width: 1280, height: 800 }],
    ];
    for (const [file, view, lang, viewport] of shots) {
      const page = await kds(view, { lang, viewport });
      // orders earlier tests voided while cooking: a fresh screen shows their notices until a cook taps Got it
      while ((await page.locator('.ticket.is-voided').count()) > 0) {
        await page.locator('.ticket.is-voided [data-bump]').first().click();
      }
      await page.evaluate(() => window.__brigadeClock!.set(7.7 * 60_000)); // a lunch rush, some minutes in
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(dir, file) });
      await page.close();
    }
    const down = await kds('hot', { lang: 'zh-CN' });
    const dataDir = hub.dataDir;
    await hub.stop();
    await down.locator('[data-conn=reconnecting]').waitFor();
    await down.waitForTimeout(2200);
    await down.screenshot({ path: join(dir, 'kds-reconnecting-zh-1280x800.png') });
    hub = await startHub({ dataDir, env: { HUB_PORT: String(port) } });
    const pair = await openApp(browser, `${hub.url}/kds/`, { app: 'kds', lang: 'zh-CN' });
    pages.push(pair);
    await pair.locator('input[name=code]').waitFor();
    await pair.screenshot({ path: join(dir, 'kds-pair-zh-1280x800.png') });
    await Promise.all([down.close(), pair.close()]);
  }, 60_000);
});
