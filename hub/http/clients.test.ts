import express from 'express';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountClients } from './clients.ts';

/**
 * The built apps served from wherever the checkout is. A hidden directory (`~/.local/…`, a data dir such as
 * `~/.brigade`) or one called `assets` on the way to it is the operator's choice, not part of the URL, and must
 * change nothing the hub answers.
 */
describe.each([
  ['a hidden directory', '.brigade'],
  ['a directory called assets', 'assets'],
])('the apps served from a checkout under %s', (_name, parent) => {
  let root: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'brigade-clients-'));
    const dist = join(root, parent, 'clients', 'dist');
    // as `vite build` lays it out: one folder per app, their hashed files together in assets/
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'assets', 'kds-1a2b3c.js'), 'void 0');
    for (const name of ['kds', 'order']) {
      mkdirSync(join(dist, name), { recursive: true });
      writeFileSync(join(dist, name, 'index.html'), `<!doctype html><title>${name}</title>`);
    }
    const app = express();
    mountClients(app, dist);
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });

  // regression: sendFile was given the absolute path, and `send` refuses (404) any path with a dot-directory in it
  it.each([
    ["a table's QR page", '/t/tbl_Ab3-x_9', 'order'],
    ["an app's client-side route", '/kds/orders/42', 'kds'],
    ["an app's start page", '/kds/', 'kds'],
  ])('serves %s', async (_what, path, app) => {
    const res = await fetch(base + path);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`<title>${app}</title>`);
  });

  // regression: the cache rule looked for "/assets/" anywhere in the file's absolute path, so under such a
  // directory every index.html was cached for a year and tablets never loaded a new build
  it('revalidates index.html every time and caches only hashed assets for a year', async () => {
    expect((await fetch(`${base}/kds/`)).headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${base}/kds/index.html`)).headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${base}/assets/kds-1a2b3c.js`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });
});
