import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildClients, isStale } from './build.ts';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'brigade-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the browser apps are rebuilt when what they are made of changed', () => {
  it('counts the hub modules the apps bundle (bill splitting, business dates), not only clients/', async () => {
    const outDir = join(dir, 'dist');
    expect(await buildClients({ force: true, quiet: true, outDir })).toBe(true);
    expect(isStale(outDir)).toBe(false);

    const stamp = join(outDir, '.build-stamp');
    const { inputs } = JSON.parse(readFileSync(stamp, 'utf8')) as { inputs: string[] };
    // an update that fixed only hub/domain/bill.ts left the tablets splitting bills the old way: no rebuild
    expect(inputs).toEqual(expect.arrayContaining(['hub/domain/bill.ts', 'hub/domain/business-date.ts', 'clients/pos/pos-app.ts']));
    expect(inputs.some((i) => i.includes('node_modules'))).toBe(false); // package-lock.json stands for those

    // one more input, outside clients/, as bill.ts is: newer than the build, then older, then gone
    const input = join(dir, 'input.ts');
    writeFileSync(input, 'export {};\n');
    writeFileSync(stamp, JSON.stringify({ inputs: [...inputs, relative(ROOT, input)] }));
    const built = statSync(stamp).mtime.getTime() / 1000;
    utimesSync(stamp, built, built);
    utimesSync(input, built + 10, built + 10);
    expect(isStale(outDir)).toBe(true);
    utimesSync(input, built - 10, built - 10);
    expect(isStale(outDir)).toBe(false);
    rmSync(input);
    expect(isStale(outDir)).toBe(true);
  }, 120_000);

  it('rebuilds over a stamp of the earlier form (a date, no list of inputs)', () => {
    const outDir = join(dir, 'old');
    mkdirSync(outDir);
    writeFileSync(join(outDir, '.build-stamp'), new Date().toISOString());
    expect(isStale(outDir)).toBe(true);
  });
});
