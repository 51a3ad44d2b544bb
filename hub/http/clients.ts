import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import express, { type Express } from 'express';
import { mountPhotoPage } from './photo-page.ts';
import { mountPrintersPage } from './printers-page.ts';
import { mountQrSheet, type QrSheetOptions } from './qr-sheet.ts';
import { mountStaffPage } from './staff-page.ts';

/** Where `vite build` puts the browser apps (one folder per app: kds/, pos/, …). */
export const CLIENTS_DIST = resolve(import.meta.dirname, '../../clients/dist');

/**
 * Serves the built browser apps as static files: `/kds/` → clients/dist/kds/index.html, and so on. Each
 * app is a single page: unknown paths under an app's prefix get its index.html (client-side routes).
 * Hashed assets are cached for a year; index.html is revalidated each time so a new build reaches tablets.
 */
export function mountClients(app: Express, distDir = CLIENTS_DIST, o: QrSheetOptions = {}): string[] {
  mountQrSheet(app, o); // the manager's printable table QR codes: a page of its own, not a built app
  mountPhotoPage(app); // the manager's dish photo uploads, likewise
  mountPrintersPage(app); // the manager's kitchen printers: status, add, change, remove, test page
  mountStaffPage(app); // the manager's staff list: add, new PIN, deactivate
  if (!existsSync(distDir)) return [];
  app.use(
    express.static(distDir, {
      index: 'index.html',
      // `path` is the file's absolute path: only its part inside the apps' folder says whether it is a hashed asset
      setHeaders: (res, path) => {
        res.setHeader('Cache-Control', relative(distDir, path).split(sep).slice(0, -1).includes('assets') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  const apps = ['kds', 'pos', 'kiosk', 'order'].filter((name) => existsSync(join(distDir, name, 'index.html')));
  // index.html named under its `root`: given whole, a path through a hidden directory (a checkout under ~/.local)
  // is refused by `send` as a dotfile, and every table's QR page answered 404
  for (const name of apps) {
    app.get(`/${name}`, (_req, res) => res.redirect(301, `/${name}/`));
    app.get(new RegExp(`^/${name}/(?!assets/).*`), (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile('index.html', { root: join(distDir, name) });
    });
  }
  // a table's QR code opens the customer ordering page at /t/<table token>; the page reads the token from the path
  if (apps.includes('order')) {
    app.get(/^\/t\/[A-Za-z0-9_-]+\/?$/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.sendFile('index.html', { root: join(distDir, 'order') });
    });
  }
  return apps;
}
