/**
 * The waiter tablet over HTTPS in a real browser (Debian chromium via playwright-core) against the real hub
 * process: a secure context, so the app registers its service worker; with the hub stopped, a reload still
 * shows the app from the worker's cache. And over plain http:// on a LAN name (not a secure context) no
 * worker is registered and the app works as before.
 *
 * Chromium trusts the hub's certificate through --ignore-certificate-errors-spki-list (the hash of the
 * server key): unlike the context's ignoreHTTPSErrors, it makes the page's TLS count as valid, which is
 * what service workers require.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { fetchCa, httpsPortOf, httpsRequest } from '../../hub/test/tls-support.ts';
import { CLIENTS_DIST } from '../../hub/http/clients.ts';
import { buildClients } from '../build.ts';
import { closeAll, freePort, launchBrowser, openApp, pairAndSignIn, type DeviceLogin } from './browser.ts';

let hub: HubProcess;
let httpsPort: number;
let browser: Browser;
let waiter: DeviceLogin;
const pages: Page[] = [];

const spkiHash = (cert: X509Certificate) => createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
/** The shell list the build wrote into /pos/sw.js. */
function builtShell(app: string): { version: string; files: string[] } {
  const head = readFileSync(join(CLIENTS_DIST, app, 'sw.js'), 'utf8').split('\n', 1)[0]!;
  return JSON.parse(/^self\.__BRIGADE_SHELL__ = (.*);$/.exec(head)![1]!);
}
const controlled = (page: Page) => page.waitForFunction(() => navigator.serviceWorker?.controller !== null && navigator.serviceWorker?.controller !== undefined);

beforeAll(async () => {
  await buildClients({ quiet: true });
  hub = await startHub({ env: { HUB_PORT: String(await freePort()), HUB_HTTPS_PORT: '0', HUB_TLS_NAMES: 'hub.test' } });
  httpsPort = httpsPortOf(hub);
  // the certificate must verify against the CA for hub.test before the browser is told to trust its key
  const served = await httpsRequest({ port: httpsPort, path: '/api/v1/health', ca: (await fetchCa(hub)).pem, servername: 'hub.test' });
  browser = await launchBrowser([
    '--host-resolver-rules=MAP hub.test 127.0.0.1',
    `--ignore-certificate-errors-spki-list=${spkiHash(new X509Certificate(served.peer.raw))}`,
  ]);
  waiter = await pairAndSignIn(hub, 'pos', PINS.waiter);
}, 60_000);

afterAll(async () => {
  await closeAll(pages, browser, hub);
});

async function open(url: string): Promise<Page> {
  const page = await openApp(browser, url, { app: 'pos', login: waiter, lang: 'zh-CN' });
  page.context().setDefaultTimeout(10_000);
  pages.push(page);
  return page;
}

describe('waiter tablet, plain HTTP on the LAN', () => {
  it('is not a secure context: no service worker, and the app works', async () => {
    const page = await open(`http://hub.test:${hub.port}/pos/`);
    await page.locator('[data-table="t-a1"]').waitFor();
    await page.locator('[data-conn=live]').waitFor();
    expect(await page.evaluate(() => ({ secure: window.isSecureContext, sw: 'serviceWorker' in navigator }))).toEqual({ secure: false, sw: false });
    await page.context().close();
  });
});

describe('kitchen display and kiosk over HTTPS', () => {
  it.each(['kds', 'kiosk'])('%s registers its own worker, scoped to its path, caching its own build', async (app) => {
    const page = await openApp(browser, `https://hub.test:${httpsPort}/${app}/`, { app });
    pages.push(page);
    await controlled(page);
    const reg = await page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return { scope: r?.scope, caches: await caches.keys() };
    });
    expect(reg.scope).toBe(`https://hub.test:${httpsPort}/${app}/`);
    expect(reg.caches).toContain(`brigade-${app}-${builtShell(app).version}`);
    await page.context().close();
  });
});

describe('waiter tablet over HTTPS', () => {
  it('registers its service worker, and reloads from its cache with the hub stopped', async () => {
    const page = await open(`https://hub.test:${httpsPort}/pos/`);
    await page.locator('[data-table="t-a1"]').waitFor();
    await page.locator('[data-conn=live]').waitFor();
    expect(await page.evaluate(() => ({ secure: window.isSecureContext, uuid: typeof crypto.randomUUID }))).toEqual({ secure: true, uuid: 'function' });
    await controlled(page);
    const worker = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return { scope: reg?.scope, script: reg?.active?.scriptURL, caches: await caches.keys() };
    });
    const shell = builtShell('pos');
    expect(worker).toEqual({ scope: `https://hub.test:${httpsPort}/pos/`, script: `https://hub.test:${httpsPort}/pos/sw.js`, caches: [`brigade-pos-${shell.version}`] });
    // the cache holds this build's shell: the page and every script and stylesheet it links
    const cached = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname), `brigade-pos-${shell.version}`);
    expect(cached.sort()).toEqual([...shell.files].sort());
    const linked = [...readFileSync(join(CLIENTS_DIST, 'pos', 'index.html'), 'utf8').matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(linked.length).toBeGreaterThan(1);
    for (const f of linked) expect(shell.files).toContain(f);
    // the menu passes through the worker once the page is controlled (before, the page fetched it itself)
    expect(await page.evaluate(() => fetch('/api/v1/menu').then((r) => r.status))).toBe(200);

    await hub.stop();
    expect(await fetch(`${hub.url}/api/v1/health`).catch(() => 'unreachable')).toBe('unreachable');

    const reload = await page.reload();
    expect(reload?.fromServiceWorker()).toBe(true);
    // the shell: the floor screen with the signed-in waiter and the connection banner saying it is not live
    await page.locator('[data-screen=floor] [data-staff=waiter]').waitFor();
    await page.locator('[data-conn]:not([data-conn=live])').waitFor();
    const offline = await page.evaluate(async () => ({
      menu: await fetch('/api/v1/menu').then((r) => r.status),
      floor: await fetch('/api/v1/floor').then(
        (r) => r.status,
        () => 'failed',
      ),
      order: await fetch('/api/v1/orders', { method: 'POST', body: '{}' }).then(
        (r) => r.status,
        () => 'failed',
      ),
    }));
    // the last menu from the cache; every other call goes to the (stopped) hub and fails
    expect(offline).toEqual({ menu: 200, floor: 'failed', order: 'failed' });
  });
});
