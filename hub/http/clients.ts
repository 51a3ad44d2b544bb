import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
      setHeaders: (res, path) => {
        res.setHeader('Cache-Control', /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  const apps = ['kds', 'pos', 'kiosk', 'order'].filter((name) => existsSync(join(distDir, name, 'index.html')));
  for (const name of apps) {
    app.get(`/${name}`, (_req, res) => res.redirect(301, `/${name}/`));
    app.get(new RegExp(`^/${name}/(?!assets/).*`), (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(join(distDir, name, 'index.html'));
    });
  }
  // a table's QR code opens the customer ordering page at /t/<table token>; the page reads the token from the path
  if (apps.includes('order')) {
    app.get(/^\/t\/[A-Za-z0-9_-]+\/?$/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.sendFile(join(distDir, 'order', 'index.html'));
    });
  }
  return apps;
}
