/**
 * The manager's printable table QR sheet (`GET /tables/qr`, hub/http/qr-sheet.ts) on the real hub process:
 * the hub serves a static shell (no secret in it) and the QR encoder script; the codes themselves come from
 * the manager-only API the page calls after sign-in. The browser side (sign-in, cards, print layout) is
 * clients/test/qr-sheet.e2e.test.ts.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountQrSheet, type QrSheetOptions } from '../http/qr-sheet.ts';
import { PINS, removeDir, signIn, startHub, type HubProcess } from './harness.ts';
import { expectStrictPageCsp, sha256 } from './page-csp.ts';

let hub: HubProcess;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_PRINTERS: 'none', HUB_HTTPS_PORT: 'off' } });
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

const get = (path: string) => fetch(hub.url + path);
const hubJson = (html: string) => JSON.parse(/<script type="application\/json" id="hub">(.*?)<\/script>/.exec(html)![1]!) as { httpPort: number | null; publicPort: number | null; lan: string[] };

describe('GET /tables/qr', () => {
  it('serves the sheet as an uncached HTML page with the pairing and PIN forms, A4 print CSS and the encoder script', async () => {
    const res = await get('/tables/qr');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toContain('data-gate="pair"');
    expect(html).toContain('data-gate="pin"');
    expect(html).toContain('扫码点餐 Scan to order');
    expect(html).toContain('@page{size:A4');
    expect(html).toContain('/api/v1/tables/qr-codes');
    expect(html).toContain('<script src="/tables/qr/qrcode.js"></script>');
    // the inline script is plain JavaScript the browser can parse (it is not type-checked: a string in qr-sheet.ts)
    const inline = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(() => new Script(inline)).not.toThrow();
    // where phones reach the hub over plain HTTP (for the codes), as JSON the page reads
    const { httpPort, lan } = hubJson(html);
    expect(httpPort).toBe(hub.port);
    for (const origin of lan) expect(origin).toMatch(new RegExp(`^http://\\d+\\.\\d+\\.\\d+\\.\\d+:${hub.port}$`));
  });

  // a PIN pad and then every table's token: only its own code may run on it, and no other site may frame it
  it('runs only its own inline script and style, and may not be framed (Content-Security-Policy)', async () => {
    const { directives, inlineScript } = await expectStrictPageCsp(await get('/tables/qr'));
    // the encoder is a script of the hub's own; the inline one is allowed by its hash only
    expect(directives['script-src']?.sort()).toEqual(["'self'", sha256(inlineScript)].sort());
  });

  it('holds no table token: the codes are only in the manager-only API the page calls', async () => {
    const manager = (await signIn(hub, PINS.manager, 'manager')).staff;
    const api = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
    expect(api.status).toBe(200);
    const tables = api.body.tables as { qrToken: string; path: string }[];
    expect(tables.length).toBeGreaterThan(0);
    const html = await (await get('/tables/qr')).text();
    for (const t of tables) expect(html).not.toContain(t.qrToken);

    const waiter = (await signIn(hub, PINS.waiter)).staff;
    expect((await hub.request('GET', '/api/v1/tables/qr-codes', { token: waiter })).status).toBe(403);
    expect((await hub.request('GET', '/api/v1/tables/qr-codes')).status).toBe(401);
  });

  it('is linked from the landing page', async () => {
    expect(await (await get('/')).text()).toContain('href="/tables/qr"');
  });

  it('serves the QR encoder as a classic script defining the global qrcode()', async () => {
    const res = await get('/tables/qr/qrcode.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    const js = await res.text();
    expect(js).toMatch(/^var qrcode = function\(\)/m);
    expect(js).toContain('createSvgTag');
  });
});

describe('the sheet opened over HTTPS (the same app serves both ports)', () => {
  /** An app behind `X-Forwarded-Proto: https` is what `req.secure` sees on the hub's HTTPS port. */
  async function sheetOverHttps(o: QrSheetOptions): Promise<{ httpPort: number | null; publicPort: number | null; lan: string[] }> {
    const app = express();
    app.set('trust proxy', true);
    mountQrSheet(app, o);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/tables/qr`, { headers: { 'x-forwarded-proto': 'https' } });
      return hubJson(await res.text());
    } finally {
      server.close();
    }
  }

  it("points the codes at the hub's plain-HTTP port: phones do not have the hub's CA", async () => {
    const { httpPort, lan } = await sheetOverHttps({ plainHttpPort: () => 8080 });
    expect(httpPort).toBe(8080);
    for (const origin of lan) expect(origin).toMatch(/^http:\/\/[\d.]+:8080$/);
  });

  it('leaves the port unknown (the page then asks for the HTTP address) when it is not given', async () => {
    expect(await sheetOverHttps({})).toEqual({ httpPort: null, publicPort: null, lan: [] });
  });

  it("points the codes at the hub's public address when it runs (HUB_PUBLIC_PORT), not the staff port", async () => {
    const { httpPort, publicPort, lan } = await sheetOverHttps({ plainHttpPort: () => 8080, publicPort: () => 8081 });
    expect(httpPort).toBe(8081);
    expect(publicPort).toBe(8081);
    for (const origin of lan) expect(origin).toMatch(/^http:\/\/[\d.]+:8081$/);
  });
});
