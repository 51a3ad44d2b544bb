import { describe, expect, it } from 'vitest';
import { HttpError } from './errors.ts';
import { requestHash } from './mutations.ts';

/**
 * Request hashes are stored with every Idempotency-Key: a retry after a hub upgrade must hash to what the
 * hub before it stored, or it is refused as a different request (409). These were computed by the first
 * canonical form (map/join over JSON.stringify of every key and value); any faster one must give them back.
 */
const STORED: [unknown, string][] = [
  [null, 'I-tjLFAwMaB-PgoeGO8SKNewTzDOy8MNw4p3ojFeA9w'],
  [{}, 'aVUI9TtedRTDJt86FZpdttEfBcyA4dujNnpNXFpXwqU'],
  [[], 'PG0XYGl38Ocq2gwTYt86SLGBXh2qxP0Yi7yQMyGKMr4'],
  [
    { channel: 'pos', tableId: 't-12', lines: [{ qty: 2, itemId: 'kung-pao', optionIds: ['no-peanuts', 'extra-hot'], note: '少油 less oil' }], guestCount: 4, rush: false },
    'IIGX97Lkci1b-tkH_2PgATpwgBqguvSJPPxg4ow5qHo',
  ],
  [
    { b: 1, a: [1, 2.5, -0, 1e21, 1e-7, 0.1], c: { z: null, y: true, x: 'say "hi"\\ \n\t\u0001 \u2028 \ud83c\udf5c' } },
    'HDGsHOuVDuN0fcsM5IC2kaL92mJhExZmqpoJF5tFTCg',
  ],
  [{ 'key with "quote"': 'v', ключ: 'значение', '': '', '~': '\u007f', ' ': ' ' }, 'NqjH4f1ui-A2svixkw_tYvoBMqgvUcz0Zwh6DV1QU4U'],
  [{ n: [[[]]], e: [{}], s: '\ud800' }, 'v7h1wxg6bFIUP4n0t9qM9LltGnxP3yno0MI1o_f1-Ec'],
];

describe('requestHash', () => {
  it('hashes bodies exactly as the hashes already stored with keys', () => {
    for (const [body, stored] of STORED) expect(requestHash('post', '/api/v1/orders', body)).toBe(stored);
  });

  it('ignores key order, at every depth', () => {
    const a = requestHash('POST', '/p', { x: 1, y: { b: [1, { d: 1, c: 2 }], a: 'z' } });
    expect(requestHash('POST', '/p', { y: { a: 'z', b: [1, { c: 2, d: 1 }] }, x: 1 })).toBe(a);
    expect(requestHash('POST', '/p', { y: { a: 'z', b: [{ c: 2, d: 1 }, 1] }, x: 1 })).not.toBe(a);
  });

  it('refuses a body nested deeper than any the API takes (400, not a stack overflow)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(() => requestHash('POST', '/p', deep)).toThrow(HttpError);
  });
});
