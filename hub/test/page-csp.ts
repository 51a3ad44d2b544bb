/** The strict Content-Security-Policy of the hub's manager pages (a PIN pad, then table tokens or menu writes), as tests check it. */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';

/** A CSP hash source for exactly `text`, computed here independently of the hub's own. */
export const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Checks what both manager pages share: nothing runs or loads but what the page names, it talks only to the
 * hub, it may not be framed or sniffed, and its one inline style is allowed by hash. Returns the directives and
 * the page's one inline script, for the page's own `script-src` check.
 */
export async function expectStrictPageCsp(res: Response): Promise<{ directives: Record<string, string[]>; inlineScript: string }> {
  const csp = res.headers.get('content-security-policy') ?? '';
  const html = await res.text();
  const directives: Record<string, string[]> = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...v]) => [name, v]));
  for (const name of ['default-src', 'frame-ancestors', 'base-uri', 'form-action']) expect(directives[name], name).toEqual(["'none'"]);
  expect(directives['connect-src']).toEqual(["'self'"]);
  const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
  expect(inline).toHaveLength(1);
  expect(styles).toHaveLength(1);
  expect(directives['style-src']).toEqual([sha256(styles[0]!)]);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  return { directives, inlineScript: inline[0]! };
}
