/**
 * The manager's printer page (`/printers`, hub/http/printers-page.ts) in Debian's chromium against the real
 * hub with its embedded simulated printers (HUB_PRINTERS=sim), loaded through `hub.test` (plain HTTP, not a
 * secure context). A manager pairs and signs in, sees every printer with its live status, adds a printer at
 * a port-9100 listener of the test's own (a simulated printer on a real TCP socket) after the hub refuses an
 * address where nothing listens, prints a test page and sees its bytes arrive at the listener, reprints it,
 * sees a simulated printer's paper run out in red, renames the new printer and removes it. A save whose
 * answer was lost is sent again with the same key and adds one printer. Sign out ends the session and the
 * reading of the printers. A waiter's PIN is refused. Also writes docs/screenshots/printers-1280x900.png (PRINTERS_SCREENSHOTS=0 skips it).
 */
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimPrinter } from '../../printers/sim/sim-printer.ts';
import { FAST_PRINT_ENV } from '../../hub/print/test-support.ts';
import { PINS, sampleOrder, signIn, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { closeAll, eventually, freePort, LAN_HOST, launchLanBrowser, screenshotter, seededPage, signInManagerPage } from './browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
/** The printer the manager adds: a port-9100 printer of the test's own, on a real TCP socket. */
let listener: SimPrinter;
let manager: string;
const pages: Page[] = [];
const shot = screenshotter('PRINTERS_SCREENSHOTS');

interface ApiPrinter {
  id: string;
  name: string;
  host: string;
  port: number;
  widthChars: number;
  stations: string[];
  backupPrinterId: string | null;
  status: { state: string; queued: number };
}
const hubPrinters = async (): Promise<ApiPrinter[]> => (await hub.request('GET', '/api/v1/printers', { token: manager })).body.printers;

beforeAll(async () => {
  port = await freePort();
  // fast print timings with the default simulated printers (no HUB_PRINTERS=none), and no failover during the test
  const { HUB_PRINTERS: _none, ...fast } = FAST_PRINT_ENV;
  [hub, browser, listener] = await Promise.all([
    startHub({ env: { ...fast, HUB_PORT: String(port), HUB_HTTPS_PORT: 'off', HUB_PRINT_FAILOVER_MS: '600000' } }),
    launchLanBrowser(),
    SimPrinter.start({ encoding: 'gb18030', widthChars: 32 }),
  ]);
  manager = (await signIn(hub, PINS.manager, 'manager')).staff;
  // the simulators start with the hub: each has answered its first probe
  await eventually('the simulated printers online', async () => {
    const list = await hubPrinters();
    return list.length >= 2 && list.every((p) => p.status.state === 'online') ? true : undefined;
  }, 20_000);
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
  await listener?.stop();
});

const url = () => `http://${LAN_HOST}:${port}/printers`;
const freshPage = async (viewport = { width: 1280, height: 900 }): Promise<Page> => (await seededPage(browser, viewport, {}, pages)).page;
const card = (id: string) => `[data-printer="${id}"]`;
const sim = async (printerId: string, action: 'paper-out' | 'paper-in') => expect((await hub.request('POST', `/printers/sim/${printerId}/${action}`)).status).toBe(200);

describe('printer page', () => {
  it('a manager sees the live status, adds a printer, prints a test page on it, renames it and removes it', async () => {
    const page = await freshPage();
    const writes: Request[] = [];
    page.on('request', (r) => {
      if (r.method() !== 'GET' && /^\/api\/v1\/(printers|print-jobs)/.test(new URL(r.url()).pathname)) writes.push(r);
    });
    await signInManagerPage(page, url(), PINS.manager);
    await page.locator('[data-printers]').waitFor();
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false); // the LAN path: no crypto.randomUUID here

    // every printer the hub has, each with its status, what it prints for and its backup
    const before = await hubPrinters();
    const menu = (await hub.request('GET', '/api/v1/menu')).body.menu as { stations: { id: string; nameZh: string; nameEn: string }[] };
    const label = (id: string) => {
      const s = menu.stations.find((x) => x.id === id);
      return s ? `${s.nameZh} ${s.nameEn}` : '前台小票 Receipts & pickup slips';
    };
    expect(await page.locator('[data-printer]').evaluateAll((els) => els.map((e) => e.getAttribute('data-printer')))).toEqual(before.map((p) => p.id));
    for (const p of before) {
      await page.locator(`${card(p.id)}[data-state=online]`).waitFor();
      expect(await page.locator(`${card(p.id)} [data-status]`).textContent()).toBe('在线 Online');
      expect(await page.locator(`${card(p.id)} [data-stations]`).textContent()).toBe(p.stations.map(label).join(' · '));
      expect(await page.locator(`${card(p.id)} [data-queue]`).textContent()).toBe('0');
      expect(await page.locator(`${card(p.id)} [data-backup]`).textContent()).toBe('无 None');
    }
    const backup = before.find((p) => p.id === 'sim-bar')!;

    // add: the form offers port 9100, the menu's stations and the receipt station, and the other printers as backups
    await page.click('[data-add]');
    await page.locator('[data-editor]').waitFor();
    expect(await page.inputValue('[data-editor] [name=port]')).toBe('9100');
    expect(await page.locator('[data-editor] input[name=stations]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual([
      ...menu.stations.map((s) => s.id),
      'receipts',
    ]);
    expect(await page.locator('[data-editor] [name=backupPrinterId] option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value))).toEqual([
      '',
      ...before.map((p) => p.id),
    ]);
    await page.fill('[data-editor] [name=name]', '前台 Counter');
    await page.fill('[data-editor] [name=host]', '127.0.0.1');
    await page.selectOption('[data-editor] [name=widthChars]', '32');
    await page.check('[data-editor] input[name=stations][value=receipts]');
    await page.selectOption('[data-editor] [name=backupPrinterId]', backup.id);

    // an address where nothing listens: the hub's 422 next to the form, and nothing added
    const nobody = await freePort();
    await page.fill('[data-editor] [name=port]', String(nobody));
    await page.click('[data-editor] [data-save]');
    const refusal = page.locator('[data-form-error]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain(`nothing answers at 127.0.0.1:${nobody}`);
    expect(await refusal.textContent()).toContain('(422 printer_unreachable)');
    expect(await page.locator('[data-editor] [name=port]').getAttribute('aria-invalid')).toBe('true');
    expect(await hubPrinters()).toHaveLength(before.length);

    // the listener's port: added, and shown online with its stations and backup
    await page.fill('[data-editor] [name=port]', String(listener.port));
    await page.click('[data-editor] [data-save]');
    await page.locator('[data-editor]').waitFor({ state: 'hidden' });
    const added = await eventually('the new printer on the hub', async () => (await hubPrinters()).find((p) => p.name === '前台 Counter'));
    expect(added).toMatchObject({ host: '127.0.0.1', port: listener.port, widthChars: 32, stations: ['receipts'], backupPrinterId: backup.id });
    expect(added.id).toMatch(/^printer-[0-9a-f]{20}$/); // made in the browser: a retry cannot add it twice
    expect(await page.locator('[data-notice]').textContent()).toBe('已添加 Added: 前台 Counter');
    const mine = card(added.id);
    await page.locator(`${mine}[data-state=online]`).waitFor();
    expect(await page.locator(`${mine} [data-stations]`).textContent()).toBe(label('receipts'));
    expect(await page.locator(`${mine} [data-backup]`).textContent()).toBe(backup.name);
    expect(await page.locator(`${mine} [data-address]`).textContent()).toBe(`127.0.0.1:${listener.port}`);

    // a test page: its bytes reach the listener, and the card says it printed
    await page.click(`${mine} [data-test]`);
    const [test] = await listener.waitForTickets(1, 10_000);
    expect(test!.text).toContain('TEST PAGE / 测试页');
    expect(test!.text).toContain('测试打印');
    expect(listener.stats.bytesReceived).toBeGreaterThan(0);
    await page.locator(`${mine} [data-msg]:has-text("Test page printed")`).waitFor();

    // its recent prints, and a reprint that reaches the listener marked as one
    await page.click(`${mine} [data-jobs-toggle]`);
    await page.locator(`${mine} [data-job] [data-job-state=confirmed]`).waitFor();
    await page.click(`${mine} [data-job] [data-reprint]`);
    const tickets = await listener.waitForTickets(2, 10_000);
    expect(tickets[1]!.text).toContain('REPRINT #1 / 重打');

    // trouble shows in red: paper pulled on a simulated printer holds its test page; loaded, it prints
    await sim('sim-hot', 'paper-out');
    await page.click(`${card('sim-hot')} [data-test]`);
    await page.locator(`${card('sim-hot')}[data-state=held]`).waitFor({ timeout: 10_000 });
    expect(await page.locator(`${card('sim-hot')} [data-status]`).textContent()).toBe('缺纸 Paper out');
    expect(await page.locator(`${card('sim-hot')} [data-queue]`).textContent()).toBe('1');
    const colours = await page.locator(card('sim-hot')).evaluate((e) => [getComputedStyle(e).borderLeftColor, getComputedStyle(e.querySelector('[data-status]')!).backgroundColor]);
    expect(colours).toEqual(['rgb(198, 40, 40)', 'rgb(198, 40, 40)']);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'printers-1280x900.png');
    await sim('sim-hot', 'paper-in');
    await page.locator(`${card('sim-hot')}[data-state=online]`).waitFor({ timeout: 10_000 });
    await page.locator(`${card('sim-hot')} [data-msg]:has-text("Test page printed")`).waitFor();

    // change its name: only the name is sent, and the card and the hub show the new one
    await page.click(`${mine} [data-edit]`);
    await page.locator('[data-editor]').waitFor();
    expect(await page.inputValue('[data-editor] [name=host]')).toBe('127.0.0.1');
    expect(await page.inputValue('[data-editor] [name=port]')).toBe(String(listener.port));
    expect(await page.inputValue('[data-editor] [name=widthChars]')).toBe('32');
    expect(await page.inputValue('[data-editor] [name=backupPrinterId]')).toBe(backup.id);
    expect(await page.isChecked('[data-editor] input[name=stations][value=receipts]')).toBe(true);
    await page.fill('[data-editor] [name=name]', '前台二 Counter 2');
    await page.click('[data-editor] [data-save]');
    await page.locator(`${mine} [data-name]:has-text("前台二 Counter 2")`).waitFor();
    expect((await hubPrinters()).find((p) => p.id === added.id)?.name).toBe('前台二 Counter 2');
    const patch = writes.find((r) => r.method() === 'PATCH')!;
    expect(patch.postDataJSON()).toEqual({ name: '前台二 Counter 2' });

    // remove it: the confirmation says where its waiting tickets go; cancelled, nothing happens
    await page.click(`${mine} [data-remove]`);
    const confirm = page.locator(`${mine} [data-confirm]`);
    await confirm.waitFor();
    const question = (await confirm.textContent()) ?? '';
    expect(question).toContain(`备用打印机「${backup.name}」`);
    expect(question).toContain(`Its waiting tickets (0) move to its backup printer ${backup.name} or another printer of its station.`);
    await page.click(`${mine} [data-confirm-cancel]`);
    expect(await confirm.isVisible()).toBe(false);
    expect((await hubPrinters()).some((p) => p.id === added.id)).toBe(true);
    await page.click(`${mine} [data-remove]`);
    await page.click(`${mine} [data-confirm-remove]`);
    await page.locator(mine).waitFor({ state: 'detached' });
    expect((await hubPrinters()).some((p) => p.id === added.id)).toBe(false);
    expect(await page.locator('[data-notice]').textContent()).toBe('已删除 Removed: 前台二 Counter 2');

    // every write carried its own Idempotency-Key, made in the browser
    expect(writes.map((r) => `${r.method()} ${new URL(r.url()).pathname}`)).toEqual([
      'POST /api/v1/printers',
      'POST /api/v1/printers',
      `POST /api/v1/printers/${added.id}/test`,
      expect.stringMatching(/^POST \/api\/v1\/print-jobs\/\d+\/reprint$/),
      'POST /api/v1/printers/sim-hot/test',
      `PATCH /api/v1/printers/${added.id}`,
      `DELETE /api/v1/printers/${added.id}`,
    ]);
    const keys = await Promise.all(writes.map(async (r) => (await r.allHeaders())['idempotency-key']));
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(keys).size).toBe(writes.length);

    // on a phone: nothing wider than the screen
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.context().close();
  });

  it('a save whose answer was lost is sent again with the same Idempotency-Key: the printer is added once', async () => {
    const page = await freshPage();
    await signInManagerPage(page, url(), PINS.manager);
    await page.locator('[data-printers]').waitFor();
    const posts: Request[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/printers') posts.push(r);
    });
    let answered = 0;
    await page.route('**/api/v1/printers', async (route) => {
      if (route.request().method() !== 'POST' || answered++ > 0) return route.continue();
      await route.fetch({ url: `http://127.0.0.1:${port}/api/v1/printers` }); // the hub adds the printer (hub.test is the browser's name only)…
      await route.abort('internetdisconnected'); // …and its answer never reaches the browser
    });
    await page.click('[data-add]');
    await page.fill('[data-editor] [name=name]', 'Lost answer');
    await page.fill('[data-editor] [name=host]', '127.0.0.1');
    await page.fill('[data-editor] [name=port]', String(await freePort()));
    await page.check('[data-editor] [name=allowOffline]'); // switched off while it is set up
    await page.click('[data-editor] [data-save]');
    await page.locator('[data-form-error]:has-text("The hub did not answer")').waitFor();
    expect((await hubPrinters()).filter((p) => p.name === 'Lost answer')).toHaveLength(1);

    await page.click('[data-editor] [data-save]');
    await page.locator('[data-editor]').waitFor({ state: 'hidden' });
    expect(await page.locator('[data-notice]').textContent()).toBe('已添加 Added: Lost answer');
    const added = (await hubPrinters()).filter((p) => p.name === 'Lost answer');
    expect(added).toHaveLength(1);
    await page.locator(`${card(added[0]!.id)}[data-state=offline]`).waitFor();
    expect(posts).toHaveLength(2);
    const [first, second] = await Promise.all(posts.map(async (r) => (await r.allHeaders())['idempotency-key']));
    expect(second).toBe(first);
    expect(posts[1]!.postDataJSON()).toEqual(posts[0]!.postDataJSON());
    expect((await hub.request('DELETE', `/api/v1/printers/${added[0]!.id}`, { token: manager })).status).toBe(200);
    await page.context().close();
  });

  it('Sign out ends the session on the hub, and the page stops reading the printers', async () => {
    const page = await freshPage();
    await page.clock.install(); // time runs as usual; fastForward skips ahead
    const reads: number[] = [];
    page.on('request', (r) => {
      if (r.method() === 'GET' && new URL(r.url()).pathname === '/api/v1/printers') reads.push(Date.now());
    });
    await signInManagerPage(page, url(), PINS.manager);
    await page.locator('[data-printer]').first().waitFor();
    const token = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('brigade.printers.staff')!) as { token: string }).token);
    await page.clock.fastForward(7000); // the list is read every few seconds while signed in
    await eventually('another read of the printers', async () => (reads.length >= 2 ? true : undefined));

    const ended = page.waitForResponse((r) => r.request().method() === 'DELETE' && new URL(r.url()).pathname === '/api/v1/staff/sessions/current');
    await page.click('#signout');
    expect((await ended).status()).toBe(200);
    await page.locator('[data-gate=pin]').waitFor();
    expect((await hub.request('GET', '/api/v1/printers', { token })).status).toBe(401);
    const readsAtSignOut = reads.length;
    await page.clock.fastForward(20_000);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    expect(reads.length).toBe(readsAtSignOut);
    expect(await page.locator('[data-error]').isVisible()).toBe(false); // no "sign in again" from a read without a session
    expect(await page.locator('[data-printers]').isVisible()).toBe(false);
    await page.context().close();
  });

  it('a waiter PIN is refused: an error, the PIN form, no printers', async () => {
    const page = await freshPage({ width: 390, height: 844 });
    await signInManagerPage(page, url(), PINS.waiter);
    await page.locator('[data-error]').waitFor();
    expect(await page.locator('[data-error]').textContent()).toContain('Only a manager can set up the printers');
    expect(await page.locator('[data-gate=pin]').isVisible()).toBe(true);
    expect(await page.locator('[data-printers]').isVisible()).toBe(false);
    expect(await page.locator('[data-printer]').count()).toBe(0);
    await page.context().close();
  });

  it('a station no printer prints: a warning with how many tickets wait, gone once a printer prints them', async () => {
    const waiter = (await signIn(hub, PINS.waiter, 'pos')).staff;
    const menu = (await hub.request('GET', '/api/v1/menu')).body.menu as { stations: { id: string; nameZh: string; nameEn: string }[] };
    const bar = menu.stations.find((s) => s.id === 'bar')!;
    const barPrinters = (await hubPrinters()).filter((p) => p.stations.includes('bar'));
    expect(barPrinters.length).toBeGreaterThan(0);
    const setEnabled = async (enabled: boolean) => {
      for (const p of barPrinters) expect((await hub.request('PATCH', `/api/v1/printers/${p.id}`, { token: manager, body: { enabled } })).status).toBe(200);
    };
    await setEnabled(false);
    try {
      // two orders with a drink each: two bar tickets held on the hub, waiting for a printer
      for (const tableId of ['t-a1', 't-a2']) {
        const placed = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder({ tableId }) });
        expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      }
      const page = await freshPage();
      await signInManagerPage(page, url(), PINS.manager);
      const warning = page.locator('[data-station-without-printer=bar]');
      await warning.waitFor();
      expect(await warning.getAttribute('data-waiting')).toBe('2');
      expect(await warning.textContent()).toContain(`没有打印机打印 ${bar.nameZh}：2 张单在等`);
      expect(await warning.textContent()).toContain(`No printer prints ${bar.nameEn}: 2 tickets waiting`);
      expect(await page.locator('[data-station-without-printer]').count()).toBe(1);

      await setEnabled(true);
      await page.locator('[data-unprinted]').waitFor({ state: 'hidden' });
      expect(await page.locator('[data-station-without-printer]').count()).toBe(0);
      await page.context().close();
    } finally {
      await setEnabled(true);
    }
  });
});
