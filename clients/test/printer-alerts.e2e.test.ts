/**
 * Printer alerts (issue #5) in real browsers against the real hub with its default embedded simulated
 * printers (HUB_PRINTERS=sim): paper pulled on sim-hot → a held ticket → the hot KDS and the waiter tablet
 * show "paper out" (the bar KDS does not: not its printer) → paper loaded → the alerts clear and the ticket
 * prints. Loaded through `hub.test` (plain-HTTP LAN path).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { FAST_PRINT_ENV } from '../../hub/print/test-support.ts';
import { buildClients } from '../build.ts';
import { closeAll, eventually, freePort, LAN_HOST, launchLanBrowser, openApp, pairAndSignIn, type DeviceLogin } from '../test/browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
let kitchen: DeviceLogin;
let waiter: DeviceLogin;
const pages: Page[] = [];

const origin = () => `http://${LAN_HOST}:${port}`;

async function open(path: string, app: string, login: DeviceLogin): Promise<Page> {
  const page = await openApp(browser, `${origin()}${path}`, { app, login, lang: 'zh-CN' });
  page.context().setDefaultTimeout(15_000);
  pages.push(page);
  return page;
}

type Job = { id: number; state: string; stationId: string | null; printerId: string | null };
const jobsOf = async (orderId: string): Promise<Job[]> =>
  (await hub.request('GET', `/api/v1/print-jobs?orderId=${encodeURIComponent(orderId)}`, { token: waiter.staff.token })).body.jobs as Job[];

const sim = async (action: 'paper-out' | 'paper-in') => {
  const r = await hub.request('POST', `/printers/sim/sim-hot/${action}`);
  expect(r.status).toBe(200); // after the 303 back to the page
};

beforeAll(async () => {
  await buildClients({ quiet: true });
  port = await freePort();
  // fast print timings, but the default simulated printers (no HUB_PRINTERS=none), and no failover during the test
  const { HUB_PRINTERS: _none, ...fast } = FAST_PRINT_ENV;
  [hub, browser] = await Promise.all([startHub({ env: { ...fast, HUB_PORT: String(port), HUB_PRINT_FAILOVER_MS: '600000' } }), launchLanBrowser()]);
  kitchen = await pairAndSignIn(hub, 'kds', PINS.kitchen);
  waiter = await pairAndSignIn(hub, 'pos', PINS.waiter);
  // the simulators start with the hub: wait until the hot one is configured and answered its first probe
  await eventually(
    'sim-hot online',
    async () => {
      const r = await hub.request('GET', '/api/v1/printers', { token: kitchen.device.token });
      const hot = (r.body.printers as { id: string; stations: string[]; status: { state: string } }[]).find((p) => p.id === 'sim-hot');
      return hot?.status.state === 'online' && hot.stations.includes('hot') ? true : undefined;
    },
    20_000,
  );
}, 90_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

describe('printer alerts on the KDS and the waiter tablet', () => {
  it('paper out on the hot printer shows on the hot KDS and the tablet (not the bar KDS), and clears when paper is loaded', async () => {
    const [hotKds, barKds, pos] = await Promise.all([
      open('/kds/?station=hot', 'kds', kitchen),
      open('/kds/?station=bar', 'kds', kitchen),
      open('/pos/', 'pos', waiter),
    ]);
    for (const p of [hotKds, barKds, pos]) await p.locator('[data-conn=live]').waitFor();
    for (const p of [hotKds, barKds, pos]) expect(await p.locator('[data-printer-alerts=none]').count()).toBe(1);
    // the strip keeps its height when empty: nothing below it moves when an alert comes
    const emptyHeight = await hotKds.locator('.palerts').evaluate((el) => el.getBoundingClientRect().height);
    expect(emptyHeight).toBeGreaterThan(10);

    await sim('paper-out');
    const r = await hub.request('POST', '/api/v1/orders', {
      token: waiter.staff.token,
      body: { channel: 'pos', tableId: 't-a2', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const order = r.body.order as { id: string; number: string | number };

    // the worker finds the paper out when it tries to print: the hot ticket is held
    const held = await eventually('the hot ticket held', async () => (await jobsOf(order.id)).find((j) => j.printerId === 'sim-hot' && j.state === 'held'));

    const alert = (p: Page) => p.locator('.palert[data-printer-id="sim-hot"][data-reason="paper-out"]');
    await Promise.all([alert(hotKds).waitFor(), alert(pos).waitFor()]);
    expect(await alert(hotKds).textContent()).toContain('打印机缺纸');
    expect(await alert(pos).textContent()).toContain('打印机缺纸');
    // the tablet says which order is waiting
    await pos.locator(`.palert[data-printer-id="sim-hot"] [data-waiting]`).waitFor();
    expect(await pos.locator('.palert[data-printer-id="sim-hot"]').textContent()).toContain(`#${order.number}`);
    expect(await hotKds.locator('.palerts').evaluate((el) => el.getBoundingClientRect().height)).toBe(emptyHeight);
    expect(await barKds.locator('.palert').count()).toBe(0); // not the bar's printer

    // a screen opened now loads the state from the hub (not from events it saw)
    const late = await open('/kds/?station=hot', 'kds', kitchen);
    await alert(late).waitFor();

    await sim('paper-in');
    await Promise.all([hotKds, pos, late].map((p) => p.locator('[data-printer-alerts=none]').waitFor()));
    const printed = await eventually('the held ticket printed', async () => (await jobsOf(order.id)).find((j) => j.id === held.id && j.state === 'confirmed'));
    expect(printed.state).toBe('confirmed');
    const page = await hub.request('GET', '/printers/sim');
    expect(String(page.body)).toContain(String(order.number));
  }, 60_000);
});
