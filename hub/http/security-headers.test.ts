import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pageCsp } from './security-headers.ts';

const sha = (t: string) => `'sha256-${createHash('sha256').update(t, 'utf8').digest('base64')}'`;
const directive = (csp: string, name: string) => csp.split('; ').find((d) => d.startsWith(`${name} `))?.split(' ').slice(1);

describe('pageCsp', () => {
  it("allows a page's own inline code by hash, and scripts from the hub only for a page that loads one", () => {
    // the photo page loads no script file: with 'self', markup slipped into it could load any of the hub's apps
    expect(directive(pageCsp({ scripts: ['run()'], styles: ['a{}'] }), 'script-src')).toEqual([sha('run()')]);
    expect(directive(pageCsp({ scripts: ['run()'], styles: ['a{}'], scriptFiles: true }), 'script-src')).toEqual(["'self'", sha('run()')]);
    expect(directive(pageCsp({ scripts: [], styles: ['a{}'] }), 'style-src')).toEqual([sha('a{}')]);
  });
});
