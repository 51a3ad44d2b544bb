/**
 * Every setting the hub reads is documented where an operator looks for it: the README's configuration
 * table, or (for the printing queue's knobs, `HUB_PRINT_*`) the table in docs/printing.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from './config.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const tableRows = (markdown: string) => new Set([...markdown.matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]));

describe('configuration documentation', () => {
  const readme = tableRows(read('README.md'));
  const printing = tableRows(read('docs/printing.md'));
  const documented = (name: string) => readme.has(name) || (name.startsWith('HUB_PRINT_') && printing.has(name));

  it.each(Object.keys(envSchema.shape))('%s has a row in the README (or docs/printing.md)', (name) => {
    expect(documented(name)).toBe(true);
  });
});
