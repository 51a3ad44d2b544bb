/**
 * The manager's staff page (`GET /staff`, hub/http/staff-page.ts) and the QR sheet's "new QR codes" button
 * (hub/http/qr-sheet.ts) on the real hub process: static, uncached shells with no secret, served on the staff
 * address only, whose inline scripts parse and call the staff and table-code API with an Idempotency-Key.
 * The API itself: staff-admin.int.test.ts.
 */
import { Script } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleSchema } from '../protocol/common.ts';
import { removeDir, startHub, type HubProcess } from './harness.ts';
import { expectStrictPageCsp, sha256 } from './page-csp.ts';

let hub: HubProcess;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_PRINTERS: 'none', HUB_PUBLIC_PORT: '0' } });
  if (!hub.publicUrl) throw new Error(`the hub logged no public port:\n${hub.output()}`);
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

const get = (path: string) => fetch(hub.url + path);
const inlineScripts = (html: string) => [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);

describe('GET /staff', () => {
  it('serves an uncached page with the sign-in forms, the staff list and the add form, calling the staff API with a key', async () => {
    const res = await get('/staff');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    for (const part of ['data-gate="pair"', 'data-gate="pin"', 'data-staff', 'data-add', '员工 Staff', 'name="pin" type="password"']) expect(html, part).toContain(part);
    for (const call of ["'/api/v1/staff'", "'/api/v1/staff/'", "'/pin'", "'PATCH'", "'Idempotency-Key'", 'crypto.getRandomValues']) expect(html, call).toContain(call);
    expect(html).not.toContain('randomUUID'); // not available on a plain-HTTP LAN page
    const roles = [...(/<select name="role">([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '').matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
    expect(roles).toEqual([...roleSchema.options]);
    const scripts = inlineScripts(html);
    expect(scripts).toHaveLength(1);
    expect(() => new Script(scripts[0]!)).not.toThrow();
  });

  it('runs only its own inline script and style (Content-Security-Policy)', async () => {
    const { directives, inlineScript } = await expectStrictPageCsp(await get('/staff'));
    expect(directives['script-src']).toEqual([sha256(inlineScript)]);
  });

  it('is served on the staff address only, and linked from the landing page', async () => {
    expect((await fetch(`${hub.publicUrl}/staff`)).status).toBe(404);
    expect(await (await get('/')).text()).toContain('href="/staff"');
  });
});

describe('GET /tables/qr: new QR codes', () => {
  it('has a "new QR codes" button behind a confirmation that replaces every code, and its script parses', async () => {
    const html = await (await get('/tables/qr')).text();
    expect(html).toMatch(/<button type="button" id="replace">新桌码 New QR codes<\/button>/);
    expect(html).toMatch(/<div class="replace" id="replace-confirm" data-replace-confirm hidden>/);
    expect(html).toContain("mutate('replace', 'POST', '/api/v1/tables/qr-codes', { tables: 'all' })");
    const scripts = inlineScripts(html);
    expect(scripts).toHaveLength(1);
    expect(() => new Script(scripts[0]!)).not.toThrow();
  });
});
