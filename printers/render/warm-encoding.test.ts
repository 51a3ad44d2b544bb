/**
 * iconv-lite builds a double-byte codec's tables on first use (~30 ms for GB18030). The hub warms the codec
 * of each printer it sets up, so that cost is not paid inside the first ticket of the day. This file runs in
 * its own process, so nothing has used the codecs before the test.
 */
import iconv from 'iconv-lite';
import { expect, it } from 'vitest';
import { warmEncoding } from './encoding.ts';

const built = (): Record<string, unknown> => (iconv as unknown as { _codecDataCache: Record<string, unknown> })._codecDataCache;

it('builds the printer encoding’s codec, and only that one', () => {
  expect(built().gb18030).toBeUndefined();
  warmEncoding('gb18030');
  expect(built().gb18030).toBeDefined();
  expect(built().big5).toBeUndefined();
});
