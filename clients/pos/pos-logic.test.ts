import { describe, expect, it } from 'vitest';
import type { Menu, MenuItem } from '../../hub/protocol/index.ts';
import { cashSuggestions, changeDue, DEFAULT_LOCK_MS, heldCourses, initialOf, lockMsFrom, parseMoney, pinyinInitials, searchIndex, searchItems, submissionView } from './pos-logic.ts';

const item = (id: string, nameZh: string, nameEn: string, sort = 0): MenuItem =>
  ({ id, nameZh, nameEn, sort, categoryId: 'c', priceMinor: 100, available: true, remaining: null, optionGroupIds: [] }) as unknown as MenuItem;

const menu = {
  items: [item('kung-pao-chicken', '宫保鸡丁', 'Kung Pao chicken', 1), item('mapo-tofu', '麻婆豆腐', 'Mapo tofu', 2), item('sour-plum-drink', '酸梅汤', 'Sour plum drink', 3), item('yuxiang-pork', '鱼香肉丝', 'Yu-Xiang shredded pork', 4)],
} as unknown as Menu;

describe('pinyin initials (computed from the pinyin collation, no word list)', () => {
  it('gives the initials of common dishes', () => {
    expect(pinyinInitials('宫保鸡丁')).toBe('gbjd');
    expect(pinyinInitials('麻婆豆腐')).toBe('mpdf');
    expect(pinyinInitials('小笼包')).toBe('xlb');
    expect(pinyinInitials('青岛啤酒')).toBe('qdpj');
    expect(pinyinInitials('扬州炒饭')).toBe('yzcf');
  });
  it('keeps ASCII letters and digits, drops punctuation', () => {
    expect(pinyinInitials('可乐 Cola 330ml')).toBe('klcola330ml');
    expect(initialOf('·')).toBe('');
  });
});

describe('search', () => {
  const index = searchIndex(menu);
  const ids = (q: string) => searchItems(index, q).map((i) => i.id);
  it('finds by Chinese, English and pinyin initials', () => {
    expect(ids('豆腐')).toEqual(['mapo-tofu']);
    expect(ids('gbjd')).toEqual(['kung-pao-chicken']);
    expect(ids('gb')).toEqual(['kung-pao-chicken']);
    expect(ids('tofu')).toEqual(['mapo-tofu']);
    expect(ids('shredded')).toEqual(['yuxiang-pork']);
    expect(ids('pork')).toEqual(['yuxiang-pork']);
    expect(ids('')).toEqual([]);
    expect(ids('zzzz')).toEqual([]);
  });
});

describe('lock, money, outbox states', () => {
  it('reads ?lock= seconds', () => {
    expect(lockMsFrom('')).toBe(DEFAULT_LOCK_MS);
    expect(lockMsFrom('?lock=2')).toBe(2000);
    expect(lockMsFrom('?lock=0.1')).toBe(1000);
    expect(lockMsFrom('?lock=x')).toBe(DEFAULT_LOCK_MS);
  });
  it('parses money without floats', () => {
    expect(parseMoney('88')).toBe(8800);
    expect(parseMoney('88.5')).toBe(8850);
    expect(parseMoney('88.05')).toBe(8805);
    expect(parseMoney('0.1')).toBe(10);
    expect(parseMoney('1.234')).toBeNull();
    expect(parseMoney('abc')).toBeNull();
    expect(parseMoney('')).toBeNull();
  });
  it('suggests cash and computes change', () => {
    expect(cashSuggestions(8850)).toEqual([8850, 9000, 10_000]);
    expect(cashSuggestions(10_000)).toEqual([10_000]);
    expect(cashSuggestions(0)).toEqual([]);
    expect(changeDue(8850, 10_000)).toBe(1150);
    expect(changeDue(8850, 5000)).toBe(-3850);
  });
  it('never shows an unknown outcome as failed', () => {
    expect(submissionView({ state: 'saved' })).toBe('saved');
    expect(submissionView({ state: 'unknown' })).toBe('retrying');
    expect(submissionView({ state: 'confirmed' })).toBe('confirmed');
  });
  it('lists held courses', () => {
    expect(heldCourses({ lines: [{ status: 'held', course: 3 }, { status: 'fired', course: 1 }, { status: 'held', course: 2 }, { status: 'held', course: 2 }] } as never)).toEqual([2, 3]);
  });
});
