/**
 * Browser end-to-end support: Debian's chromium driven by playwright-core (no bundled browser download),
 * pages opened on the real hub with a paired device and a signed-in staff member already in localStorage.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { PAIRING_CODE, ROOT, removeDir, type HubProcess } from '../../hub/test/harness.ts';

export { freePort } from './ports.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `extraArgs`: more Chromium switches (host resolver rules, certificate trust). */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}

/** The host name the e2e tests load the apps through: not loopback, so the pages are NOT a secure context. */
export const LAN_HOST = 'hub.test';

/** Like `launchBrowser`, with `hub.test` resolving to 127.0.0.1: the plain-HTTP LAN path a store's devices take. */
export function launchLanBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`],
  });
}

export interface DeviceLogin {
  device: { token: string; deviceId: string; name: string; kind: string };
  staff: { token: string; staff: { id: string; name: string; role: string }; expiresAt: number };
}

/** Pairs a device of `kind` and signs `pin` in on it, through the API. */
export async function pairAndSignIn(hub: HubProcess, kind: string, pin: string): Promise<DeviceLogin> {
  const pair = await hub.request('POST', '/api/v1/devices/pair', { body: { code: PAIRING_CODE, name: `e2e-${kind}`, kind } });
  if (pair.status !== 201) throw new Error(`pairing failed: ${JSON.stringify(pair.body)}`);
  const session = await hub.request('POST', '/api/v1/staff/sessions', { token: pair.body.deviceToken, body: { pin } });
  if (session.status !== 201) throw new Error(`sign-in failed: ${JSON.stringify(session.body)}`);
  return {
    device: { token: pair.body.deviceToken, deviceId: pair.body.device.id, name: pair.body.device.name, kind },
    staff: { token: session.body.token, staff: session.body.staff, expiresAt: session.body.expiresAt },
  };
}

/** Each table's QR token (what its phones hold), as a manager reads them off the hub. */
export async function tableQrTokens(hub: HubProcess, managerToken: string): Promise<Map<string, string>> {
  const qr = (await hub.request('GET', '/api/v1/tables/qr-codes', { token: managerToken })).body.tables as { id: string; qrToken: string }[];
  return new Map(qr.map((t) => [t.id, t.qrToken]));
}

/** Opens `path` in a fresh browser context (its own localStorage) already paired and signed in as `app`. */
export async function openApp(
  browser: Browser,
  url: string,
  o: { app: string; login?: DeviceLogin; lang?: 'zh-CN' | 'en'; viewport?: { width: number; height: number } },
): Promise<Page> {
  const context = await browser.newContext({ viewport: o.viewport ?? { width: 1280, height: 800 } });
  await context.addInitScript(
    ({ app, login, lang }) => {
      try {
        if (sessionStorage.getItem('e2e-seeded')) return; // once per tab: reloads keep what the app saved
        sessionStorage.setItem('e2e-seeded', '1');
        if (login) {
          localStorage.setItem(`brigade.${app}.device`, JSON.stringify(login.device));
          localStorage.setItem(`brigade.${app}.staff`, JSON.stringify(login.staff));
        }
        localStorage.setItem('brigade.lang', JSON.stringify(lang));
      } catch {
        /* the browser's own error page (a reload while offline or the hub is down) has no storage */
      }
    },
    { app: o.app, login: o.login ?? null, lang: o.lang ?? 'zh-CN' },
  );
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  pageErrors.set(page, errors);
  await page.goto(url);
  return page;
}

/** Uncaught errors each page threw: a test ends by checking there were none. */
export const pageErrors = new WeakMap<Page, string[]>();

/** Polls until `fn` returns a value that is not undefined, or throws with the last value seen. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The end of an e2e file: no uncaught error in any page it opened, then the browser and the hub go. */
export async function closeAll(pages: readonly Page[], browser: Browser | undefined, hub?: HubProcess): Promise<void> {
  for (const p of pages) expect(pageErrors.get(p) ?? [], 'uncaught errors in the page').toEqual([]);
  await browser?.close();
  await hub?.stop();
  if (hub) removeDir(hub.dataDir);
}

/**
 * The dish sheet all ordering apps share (clients/shared/ui/option-groups.tsx): tap the dish (its category
 * must be showing), its options and any other sheet controls (`[data-hold]`…), add, and wait for it to close.
 */
export async function addDish(page: Page, itemId: string, optionIds: readonly string[] = [], sheetTaps: readonly string[] = []): Promise<void> {
  await page.click(`[data-item="${itemId}"]`);
  for (const o of optionIds) await page.click(`[data-item-sheet] [data-option="${o}"]`);
  for (const selector of sheetTaps) await page.click(`[data-item-sheet] ${selector}`);
  await page.click('[data-item-sheet] [data-add]');
  await page.locator('[data-item-sheet]').waitFor({ state: 'detached' });
}

/** Pairs a kiosk (no staff PIN on a kiosk): the device login its app keeps in localStorage. */
export async function pairKiosk(hub: HubProcess, name: string): Promise<DeviceLogin['device']> {
  const pair = await hub.request('POST', '/api/v1/devices/pair', { body: { code: PAIRING_CODE, name, kind: 'kiosk' } });
  if (pair.status !== 201) throw new Error(`pairing failed: ${JSON.stringify(pair.body)}`);
  return { token: pair.body.deviceToken, deviceId: pair.body.device.id, name: pair.body.device.name, kind: 'kiosk' };
}

/**
 * A fresh touch-screen context and page with `seed` written to localStorage once per tab (a reload keeps what
 * the app saved since). The page's uncaught errors are recorded for `closeAll`, and the page added to `pages`.
 */
export async function seededPage(
  browser: Browser,
  viewport: { width: number; height: number },
  seed: Record<string, unknown>,
  pages: Page[],
): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, hasTouch: true });
  context.setDefaultTimeout(20_000);
  await context.addInitScript((values) => {
    try {
      if (sessionStorage.getItem('e2e-seeded')) return;
      sessionStorage.setItem('e2e-seeded', '1');
      for (const [k, v] of Object.entries(values)) localStorage.setItem(k, JSON.stringify(v));
    } catch {
      /* the browser's own error page (offline, or the hub down) has no storage */
    }
  }, seed);
  const page = await context.newPage();
  pageErrors.set(page, []);
  page.on('pageerror', (e) => pageErrors.get(page)!.push(e.message));
  pages.push(page);
  return { page, context };
}

/**
 * The sign-in of the hub's manager pages (/tables/qr, /menu/photos, /printers; hub/http/manager-page.ts): open `url`,
 * pair the browser with the hub's code, then type `pin`. One step at a time: the PIN form shows only after
 * pairing.
 */
export async function signInManagerPage(page: Page, url: string, pin: string): Promise<void> {
  await page.goto(url);
  await page.locator('[data-gate=pair]').waitFor();
  expect(await page.locator('[data-gate=pin]').isVisible()).toBe(false);
  await page.fill('[data-gate=pair] input[name=code]', PAIRING_CODE);
  await page.click('[data-gate=pair] button[type=submit]');
  await page.locator('[data-gate=pin]').waitFor();
  await page.fill('[data-gate=pin] input[name=pin]', pin);
  await page.click('[data-gate=pin] button[type=submit]');
}

/**
 * `shot(page, name)` for an app's e2e file: writes docs/screenshots/<name> (the pictures the README and docs
 * show), unless `<envVar>=0` — what to set when running the suite without touching the docs.
 */
export function screenshotter(envVar: string): (page: Page, name: string) => Promise<void> {
  const dir = join(ROOT, 'docs', 'screenshots');
  return async (page, name) => {
    if (process.env[envVar] === '0') return;
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, name) });
  };
}
