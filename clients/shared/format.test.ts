import { describe, expect, it } from 'vitest';
import { formatElapsed, formatMoney } from './format.ts';
import { defineMessages, translator } from './i18n.ts';
import { newId } from './ids.ts';
import { idSchema } from '../../hub/protocol/index.ts';

describe('formatMoney', () => {
  it.each([
    [1250, 'CNY', '¥12.50'],
    [5, 'CNY', '¥0.05'],
    [0, 'CNY', '¥0.00'],
    [123456789, 'CNY', '¥1,234,567.89'],
    [-300, 'CNY', '−¥3.00'],
    [1999, 'USD', '$19.99'],
    [1500, 'JPY', '¥1,500'],
  ])('%i fen in %s is %s', (minor, currency, text) => {
    expect(formatMoney(minor, currency)).toBe(text);
  });
});

describe('formatElapsed', () => {
  it.each([
    [0, '0:00'],
    [59_999, '0:59'],
    [452_000, '7:32'],
    [3_730_000, '1:02:10'],
    [-5000, '0:00'],
  ])('%i ms reads %s', (ms, text) => expect(formatElapsed(ms)).toBe(text));
});

describe('newId', () => {
  it('makes hub-valid ids from getRandomValues that sort by creation time', () => {
    const a = newId(1_700_000_000_000);
    const b = newId(1_700_000_000_001);
    expect(idSchema.safeParse(a).success).toBe(true);
    expect(a).toHaveLength(26);
    expect(a < b).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => newId())).size).toBe(1000);
  });
});

describe('translator', () => {
  const dict = defineMessages({ hello: '你好，{name}', n: '{n} 单' }, { hello: 'Hello, {name}', n: '{n} tickets' });
  it('fills placeholders in the chosen language', () => {
    expect(translator(dict, 'zh-CN')('hello', { name: '张伟' })).toBe('你好，张伟');
    expect(translator(dict, 'en')('n', { n: 3 })).toBe('3 tickets');
  });
});
