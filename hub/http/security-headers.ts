import { createHash } from 'node:crypto';

/**
 * What every answer of the hub carries, on both HTTP paths (express and the mutation fast path) and so on
 * the public address, which passes the hub's headers on. Nothing the hub serves is meant to be shown inside
 * another site's frame: framed, the manager pages (a PIN pad, then a page of table QR tokens) and the
 * tablets' apps could be overlaid and clicked through by a page on the guest Wi-Fi. And no answer is to be
 * sniffed into another type (a JSON error echoes the path it was asked for).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY', // for browsers without CSP's frame-ancestors
  'Content-Security-Policy': "frame-ancestors 'none'",
};

/** A CSP hash source for an inline `<script>` or `<style>` whose text is exactly `text`. */
export const cspHash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The Content-Security-Policy of a hub page built from fixed inline code (the manager pages): only its own
 * inline script and style run, script files (`scriptFiles`: only for a page that loads one) and images come
 * from the hub, it talks only to the hub, and it is never framed. Store data (dish and table names) reaches
 * these pages as data only; should any ever be written into them as markup by mistake, it cannot run (nor
 * load one of the hub's own apps, unless the page loads script files itself).
 */
export function pageCsp(o: { scripts: readonly string[]; styles: readonly string[]; scriptFiles?: boolean }): string {
  return [
    "default-src 'none'",
    `script-src ${[...(o.scriptFiles ? ["'self'"] : []), ...o.scripts.map(cspHash)].join(' ')}`,
    `style-src ${o.styles.map(cspHash).join(' ')}`,
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
