import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headerDoc } from './usage.ts';

const dir = mkdtempSync(join(tmpdir(), 'usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('headerDoc', () => {
  it("is the file's first doc comment without its stars, indentation inside kept", () => {
    const file = join(dir, 'a.ts');
    writeFileSync(file, "/**\n * `tool` — does a thing.\n *\n *   tool --flag\n */\nimport x from 'y';\n/** not this one */\n");
    expect(headerDoc(file)).toBe('`tool` — does a thing.\n\n  tool --flag\n');
  });

  it('is empty for a file without one', () => {
    const file = join(dir, 'b.ts');
    writeFileSync(file, '// a line comment\nexport {};\n');
    expect(headerDoc(file)).toBe('');
  });

  it("reads the bench's own header", () => {
    expect(headerDoc(join(import.meta.dirname, 'main.ts'))).toMatch(/^`npm run bench` — in one run/);
  });
});
