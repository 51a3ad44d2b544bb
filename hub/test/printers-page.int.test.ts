/**
 * The manager's printer page (`GET /printers`, hub/http/printers-page.ts) on the real hub process: a static,
 * uncached HTML shell (no secret, nothing loaded from elsewhere) served on the staff address only, whose
 * inline script signs a manager in and calls the printing API. The browser side is
 * clients/test/printers-page.e2e.test.ts.
 */
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printerBuzzerSchema, printerEncodingSchema } from '../protocol/printing.ts';
import { removeDir, startHub, type HubProcess } from './harness.ts';
import { expectStrictPageCsp, sha256 } from './page-csp.ts';

let hub: HubProcess;

beforeAll(async () => {
  // the public address up too: the page must not be served there
  hub = await startHub({ env: { HUB_PRINTERS: 'none', HUB_HTTPS_PORT: 'off', HUB_PUBLIC_PORT: '0' } });
  if (!hub.publicUrl) throw new Error(`the hub logged no public port:\n${hub.output()}`);
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

const get = (path: string) => fetch(hub.url + path);
/** The values of a `<select name=…>` in the shell, in order. */
const selectValues = (html: string, name: string) => {
  const inner = new RegExp(`<select name="${name}">([\\s\\S]*?)</select>`).exec(html)?.[1] ?? '';
  return [...inner.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
};

describe('GET /printers', () => {
  it('serves an uncached HTML page with the pairing and PIN forms, the printer form and a script calling the printing API', async () => {
    const res = await get('/printers');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toContain('data-gate="pair"');
    expect(html).toContain('data-gate="pin"');
    expect(html).toContain('打印机 Printers');
    expect(html).toContain('<meta name="viewport" content="width=device-width,initial-scale=1">');
    for (const call of ["'/api/v1/printers'", "'/api/v1/printers/'", "'/test'", "'/api/v1/menu'", "'/api/v1/print-jobs?printerId='", "'/reprint'"]) {
      expect(html, call).toContain(call);
    }
    expect(html).toContain("'Idempotency-Key'");
    expect(html).toContain('crypto.getRandomValues');
    expect(html).not.toContain('randomUUID'); // not available on a plain-HTTP LAN page
    // the inline script is plain JavaScript the browser can parse (a string in TypeScript, not type-checked)
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(() => new Script(scripts[0]!)).not.toThrow();
  });

  it("offers exactly the hub's encodings, widths and buzzers, with port 9100 by default", async () => {
    const html = await (await get('/printers')).text();
    expect(selectValues(html, 'encoding')).toEqual([...printerEncodingSchema.options]);
    expect(selectValues(html, 'widthChars').sort()).toEqual(['32', '48']);
    expect(selectValues(html, 'buzzer')).toEqual([...printerBuzzerSchema.options]);
    expect(html).toMatch(/<input name="port" type="number"[^>]* value="9100">/);
    for (const name of ['name', 'host', 'backupPrinterId', 'enabled', 'allowOffline']) expect(html, name).toContain(`name="${name}"`);
  });

  // a PIN pad, then the printers' writes: only its own code may run on it, and no other site may frame it
  it('runs only its own inline script and style, and may not be framed (Content-Security-Policy)', async () => {
    const { directives, inlineScript } = await expectStrictPageCsp(await get('/printers'));
    expect(directives['script-src']).toEqual([sha256(inlineScript)]); // no script file, not even the hub's
  });

  it('references no external resource: no script, style, image or link from anywhere', async () => {
    const res = await get('/printers');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<img\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\//i);
  });

  it('is served on the staff address only: the public address (phones and kiosks) answers 404, as for the other staff pages', async () => {
    for (const path of ['/printers', '/printers/', '/printers?x=1']) {
      expect((await get(path)).status, path).toBe(200);
      expect((await fetch(hub.publicUrl + path)).status, path).toBe(404);
    }
    expect((await fetch(`${hub.publicUrl}/tables/qr`)).status).toBe(404); // as its neighbours
  });

  it('is linked from the landing page', async () => {
    expect(await (await get('/')).text()).toContain('href="/printers"');
  });
});
