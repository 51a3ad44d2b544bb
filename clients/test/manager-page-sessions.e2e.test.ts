/**
 * The staff sessions of the hub's own manager pages (`/tables/qr`, `/menu/photos`; the sign-in script both
 * share is hub/http/manager-page.ts), in Debian's chromium against the real hub, checked on the hub's side:
 * - the sign-in says the page takes managers only (`roles: ['manager']`), so a waiter's PIN is refused by the
 *   hub and leaves no session there; the page says who was refused and why, in Chinese and English;
 * - Sign out ends the session on the hub (`DELETE /api/v1/staff/sessions/current`): its token gets 401;
 * - a sign-out the hub does not answer still clears the page, and is sent again (at the next sign-in in
 *   the tab, or at its next load);
 * - a session the page will not use (a waiter's, left in the tab by an older page) is ended, not just dropped;
 * - on a computer whose clock is a day ahead of the hub's, sign-in, sign-out and its resend all still work
 *   (the session's end is kept on the computer's clock).
 * One suite, run against both pages.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAIRING_CODE, PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { closeAll, eventually, freePort, LAN_HOST, launchLanBrowser, seededPage, signInManagerPage } from './browser.ts';

let hub: HubProcess;
let port: number;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  port = await freePort();
  [hub, browser] = await Promise.all([startHub({ env: { HUB_PORT: String(port), HUB_PRINTERS: 'none', HUB_HTTPS_PORT: 'off', HUB_SHED_LAG_MS: '5000' } }), launchLanBrowser()]);
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

const managerPages = [
  { path: '/tables/qr', key: 'qr-sheet', main: '[data-sheet]', refusal: 'Only a manager can print the table QR codes' },
  { path: '/menu/photos', key: 'menu-photos', main: '[data-photos]', refusal: 'Only a manager can change dish photos' },
  { path: '/printers', key: 'printers', main: '[data-printers]', refusal: 'Only a manager can set up the printers' },
] as const;

/** The staff sessions the hub holds for `staffId` on `deviceId`. */
function sessionsOf(staffId: string, deviceId: string): number {
  const db = hub.openDb();
  try {
    return db.prepare('SELECT COUNT(*) FROM staff_sessions WHERE staff_id = ? AND device_id = ?').pluck().get(staffId, deviceId) as number;
  } finally {
    db.close();
  }
}

/** What the hub answers a staff token with now: 200 while its session lives, 401 once it has ended. */
const tokenStatus = async (token: string) => (await hub.request('GET', '/api/v1/floor', { token })).status;

describe.each(managerPages)('the manager page $path and its staff sessions', (p) => {
  const url = () => `http://${LAN_HOST}:${port}${p.path}`;
  const freshPage = async (): Promise<Page> => (await seededPage(browser, { width: 1280, height: 900 }, {}, pages)).page;
  const deviceId = (page: Page) => page.evaluate((k) => JSON.parse(localStorage.getItem(`brigade.${k}.device`)!).deviceId as string, p.key);
  const staffToken = (page: Page) => page.evaluate((k) => (JSON.parse(sessionStorage.getItem(`brigade.${k}.staff`) ?? 'null') as { token: string } | null)?.token ?? null, p.key);
  const enterPin = async (page: Page, pin: string) => {
    await page.fill('[data-gate=pin] input[name=pin]', pin);
    await page.click('[data-gate=pin] button[type=submit]');
  };

  it("sends roles ['manager'] with the PIN: the hub refuses a waiter without making a session, and the page says who and why", async () => {
    const page = await freshPage();
    const signIns: unknown[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/staff/sessions') signIns.push(r.postDataJSON());
    });
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/staff/sessions');
    await signInManagerPage(page, url(), PINS.waiter);
    expect((await answered).status()).toBe(403);
    await page.locator('[data-error]').waitFor();
    expect(signIns).toEqual([{ pin: PINS.waiter, roles: ['manager'] }]);

    const text = (await page.locator('[data-error]').textContent()) ?? '';
    expect(text).toContain(p.refusal); // the page's own words, as before
    expect(text).toContain('王芳 Wang Fang'); // who
    expect(text).toMatch(/服务员.*waiter/); // and why: their role, in both languages
    expect(text).toContain('经理');
    expect(await page.locator('[data-gate=pin]').isVisible()).toBe(true);
    expect(await page.locator(p.main).isVisible()).toBe(false);
    expect(await staffToken(page)).toBeNull();
    // the hub's side: nothing for the waiter on this browser, not even a session the page then dropped
    expect(sessionsOf('s-waiter', await deviceId(page))).toBe(0);

    // a manager signs in on the same form afterwards
    await enterPin(page, PINS.manager);
    await page.locator(p.main).waitFor();
    expect(await page.locator('[data-error]').isVisible()).toBe(false);
    await page.context().close();
  });

  it('Sign out ends the session on the hub: its token gets 401, and the page asks for a PIN again', async () => {
    const page = await freshPage();
    await signInManagerPage(page, url(), PINS.manager);
    await page.locator(p.main).waitFor();
    const token = (await staffToken(page))!;
    expect(await tokenStatus(token)).toBe(200);

    const signOut = page.waitForResponse((r) => r.request().method() === 'DELETE' && new URL(r.url()).pathname === '/api/v1/staff/sessions/current');
    await page.click('#signout');
    expect((await signOut).status()).toBe(200);
    await page.locator('[data-gate=pin]').waitFor();
    expect(await page.locator(p.main).isVisible()).toBe(false);
    expect(await staffToken(page)).toBeNull();
    expect(await tokenStatus(token)).toBe(401);
    expect(sessionsOf('s-manager', await deviceId(page))).toBe(0);
    // the browser stays paired: the PIN alone signs in again
    await enterPin(page, PINS.manager);
    await page.locator(p.main).waitFor();
    await page.context().close();
  });

  it('a sign-out the hub does not answer still clears the page; it is sent again at the next sign-in in this tab', async () => {
    const page = await freshPage();
    await signInManagerPage(page, url(), PINS.manager);
    await page.locator(p.main).waitFor();
    const first = (await staffToken(page))!;

    await page.route('**/api/v1/staff/sessions/current', (route) => route.abort('internetdisconnected'));
    const tried = page.waitForEvent('requestfailed', (r) => new URL(r.url()).pathname === '/api/v1/staff/sessions/current');
    await page.click('#signout');
    await page.locator('[data-gate=pin]').waitFor();
    await tried;
    expect(await page.locator(p.main).isVisible()).toBe(false);
    expect(await staffToken(page)).toBeNull();
    expect(await tokenStatus(first)).toBe(200); // the hub never heard of it: alive there

    await page.unroute('**/api/v1/staff/sessions/current');
    await enterPin(page, PINS.manager);
    await page.locator(p.main).waitFor();
    const second = (await staffToken(page))!;
    expect(second).not.toBe(first);
    await eventually('the earlier session to be ended on the hub', async () => ((await tokenStatus(first)) === 401 ? true : undefined));
    // a sign-out ends only the session it names: the new one stays
    expect(await tokenStatus(second)).toBe(200);
    await page.context().close();
  });

  it('an unanswered sign-out is sent again when the tab is reloaded, with nobody signing in', async () => {
    const page = await freshPage();
    await signInManagerPage(page, url(), PINS.manager);
    await page.locator(p.main).waitFor();
    const token = (await staffToken(page))!;
    await page.route('**/api/v1/staff/sessions/current', (route) => route.abort('internetdisconnected'));
    const tried = page.waitForEvent('requestfailed', (r) => new URL(r.url()).pathname === '/api/v1/staff/sessions/current');
    await page.click('#signout');
    await tried;
    expect(await tokenStatus(token)).toBe(200);

    await page.unroute('**/api/v1/staff/sessions/current');
    await page.reload();
    await page.locator('[data-gate=pin]').waitFor();
    await eventually('the session to be ended on the hub', async () => ((await tokenStatus(token)) === 401 ? true : undefined));
    expect(await page.evaluate((k) => sessionStorage.getItem(`brigade.${k}.signouts`), p.key)).toBeNull();
    await page.context().close();
  });

  it("works on a computer whose clock is a day ahead of the hub's (the hub's clock behind after a power cut), and its unanswered sign-out is still sent", async () => {
    // the hub's expiresAt is on the hub's clock: taken as this computer's, the session looked over before it began
    const page = await freshPage();
    await page.clock.install({ time: Date.now() + 86_400_000 });
    await signInManagerPage(page, url(), PINS.manager);
    await page.locator(p.main).waitFor();
    const token = (await staffToken(page))!;
    expect(await tokenStatus(token)).toBe(200);

    await page.route('**/api/v1/staff/sessions/current', (route) => route.abort('internetdisconnected'));
    const tried = page.waitForEvent('requestfailed', (r) => new URL(r.url()).pathname === '/api/v1/staff/sessions/current');
    await page.click('#signout');
    await tried;
    await page.locator('[data-gate=pin]').waitFor();
    expect(await tokenStatus(token)).toBe(200);

    await page.unroute('**/api/v1/staff/sessions/current');
    await page.reload();
    await page.locator('[data-gate=pin]').waitFor();
    await eventually('the session to be ended on the hub', async () => ((await tokenStatus(token)) === 401 ? true : undefined));
    await page.context().close();
  });

  it("ends on the hub a waiter's session left in the tab (by a page from before the roles), not only forgets it", async () => {
    const pair = await hub.request('POST', '/api/v1/devices/pair', { body: { code: PAIRING_CODE, name: `e2e-${p.key}`, kind: 'manager' } });
    expect(pair.status).toBe(201);
    const waiter = await hub.request('POST', '/api/v1/staff/sessions', { token: pair.body.deviceToken, body: { pin: PINS.waiter } });
    expect(waiter.status).toBe(201);
    const device = { token: pair.body.deviceToken, deviceId: pair.body.device.id, name: pair.body.device.name, kind: 'manager' };
    const { page } = await seededPage(browser, { width: 1280, height: 900 }, { [`brigade.${p.key}.device`]: device }, pages);
    await page.addInitScript(
      ({ key, staff }) => {
        if (!sessionStorage.getItem('e2e-staff')) {
          sessionStorage.setItem('e2e-staff', '1');
          sessionStorage.setItem(key, JSON.stringify(staff));
        }
      },
      { key: `brigade.${p.key}.staff`, staff: waiter.body },
    );
    await page.goto(url());
    await page.locator('[data-error]').waitFor();
    expect(await page.locator('[data-error]').textContent()).toContain(p.refusal);
    expect(await page.locator('[data-gate=pin]').isVisible()).toBe(true);
    await eventually('the waiter\'s session to be ended on the hub', async () => ((await tokenStatus(waiter.body.token)) === 401 ? true : undefined));
    expect(sessionsOf('s-waiter', device.deviceId)).toBe(0);
    await page.context().close();
  });
});
