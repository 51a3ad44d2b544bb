/**
 * The manager's dish photo page (`GET /menu/photos`, hub/http/photo-page.ts) on the real hub process: a
 * static, uncached HTML shell (no secret, nothing loaded from elsewhere) whose inline script signs a manager
 * in and calls the menu and image API. The browser side is clients/test/photo-page.e2e.test.ts.
 */
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startHub, type HubProcess } from './harness.ts';
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

describe('GET /menu/photos', () => {
  it('serves an uncached HTML page with the pairing and PIN forms and a script calling the menu and image API', async () => {
    const res = await get('/menu/photos');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toContain('data-gate="pair"');
    expect(html).toContain('data-gate="pin"');
    expect(html).toContain('菜品照片 Dish photos');
    expect(html).toContain("'/api/v1/menu'");
    expect(html).toContain("'/api/v1/menu/items/'");
    expect(html).toContain('crypto.getRandomValues');
    expect(html).not.toContain('randomUUID'); // not available on a plain-HTTP LAN page
    // the inline script is plain JavaScript the browser can parse (a string in photo-page.ts, not type-checked)
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(() => new Script(scripts[0]!)).not.toThrow();
    // the upload limits the page checks come from the hub's protocol
    const limits = JSON.parse(/<script type="application\/json" id="limits">(.*?)<\/script>/.exec(html)![1]!);
    expect(limits).toEqual({ types: ['image/jpeg', 'image/png', 'image/webp'], maxBytes: 8 * 1024 * 1024 });
  });

  // a PIN pad, then the menu's writes: only its own code may run on it, and no other site may frame it
  it('runs only its own inline script and style, and may not be framed (Content-Security-Policy)', async () => {
    const { directives, inlineScript } = await expectStrictPageCsp(await get('/menu/photos'));
    expect(directives['img-src']).toEqual(["'self'"]); // the dishes' photos, from /media
    expect(directives['script-src']).toEqual([sha256(inlineScript)]); // no script file, not even the hub's
  });

  it('references no external resource: no script, style, image or link from anywhere, not even the hub', async () => {
    const html = await (await get('/menu/photos')).text();
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<img\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/https?:\/\//i);
  });

  it('is linked from the landing page', async () => {
    expect(await (await get('/')).text()).toContain('href="/menu/photos"');
  });
});
