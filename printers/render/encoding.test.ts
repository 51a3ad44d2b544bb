import { describe, expect, it } from 'vitest';
import { displayWidth, encodeText, guardText, leftRight, padStart, wrap, type PrinterEncoding } from './encoding.ts';

describe('guardText', () => {
  it.each([
    ['gb18030', '¥12', '￥12'],
    ['gbk', '¥12', '￥12'],
    ['big5', '¥12', '￥12'],
    // iconv's Shift_JIS sends ¥ as 0x5C and ‾ as 0x7E, which print '\' and '~' unless the printer's
    // international character set is Japan: the full-width forms print the same everywhere
    ['shift_jis', '¥12', '￥12'],
    ['shift_jis', 'a‾b', 'a￣b'],
    ['cp437', '¥12', '¥12'],
    ['cp437', '￥12', '¥12'], // NFKC fallback
    ['cp437', '宫保鸡丁', '????'],
    ['gb18030', '😀 ok', '? ok'],
    ['gb18030', 'a\u001b@b\nc', 'a @b c'], // control bytes never reach the printer as commands
    ['gbk', '€5', 'EUR5'], // gbk 0x80 would start a double-byte character in Kanji mode
    ['big5', '宫保', '?保'], // 宫 is simplified only
    // a character the code page lacks is one '?', outside the BMP too (iconv-lite's single-byte codecs give two)
    ['cp437', '😀 ok', '? ok'],
    ['gbk', '😀 ok', '? ok'],
    ['big5', '😀 ok', '? ok'],
    ['shift_jis', '😀 ok', '? ok'],
    ['cp437', 'a\ud83db', 'a?b'], // a lone surrogate
    // combining marks are composed first: e + U+0301 is é, which the code page has
    ['cp437', 'cafe\u0301', 'café'],
    ['gb18030', 'cafe\u0301', 'café'],
    ['cp437', 'Cre\u0300me bru\u0302le\u0301e', 'Crème brûlée'],
  ] as const)('%s: %j → %j', (enc, input, expected) => {
    expect(guardText(input, enc)).toBe(expected);
  });

  it.each([
    // what does not show on a phone does not print as '?' (pasted menu names, a guest's QR note)
    ['gb18030', 'Kung\u200bPao', 'KungPao'], // zero-width space
    ['cp437', 'Ca\u00adprese', 'Caprese'], // soft hyphen
    ['gb18030', '\ufeff宫保', '宫保'], // byte-order mark
    ['big5', '\u202e辣\u202c', '辣'], // right-to-left override: nothing to reorder on a thermal printer
    ['gb18030', '辣\ufe0f', '辣'], // variation selector
    // an emoji is one '?', however many code points make it
    ['gb18030', '辣🌶️', '辣?'], // + variation selector 16, as phones type it
    ['shift_jis', 'ok 👍🏽', 'ok ?'], // + skin tone
    ['gb18030', '👨\u200d👩\u200d👧 3', '? 3'], // family: three emoji joined by ZWJ
    ['cp437', '❤️‍🔥!', '?!'],
    ['gb18030', '🏃\u200d♀️ go', '? go'], // woman running: ♀ is in GB2312, but here it is part of the emoji
    ['gb18030', '🇨🇳', '?'], // flag: two regional indicators
    ['gb18030', '🇨🇳🇯🇵', '??'],
    ['gb18030', 'a\u2028b', 'a b'], // line separator, as a newline
    // a letter the code page lacks prints without its accent rather than as '?' (Shift_JIS has no é)
    ['shift_jis', 'Crème brûlée', 'Creme brulee'],
    ['cp437', 'Łódź Żurek', '?ódz Zurek'], // Ł has no base letter to fall back on
  ] as const)('%s: %j → %j', (enc, input, expected) => {
    expect(guardText(input, enc)).toBe(expected);
  });

  it('never produces a 4-byte GB18030 sequence', () => {
    const bytes = encodeText('¥ ｱ \u00a0 宫保鸡丁 😀', 'gb18030');
    expect(bytes.includes(Buffer.from([0x81, 0x30, 0x84, 0x36]))).toBe(false);
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] ?? 0;
      if (b >= 0x81) {
        expect(bytes[i + 1] ?? 0).not.toBeLessThan(0x40); // second byte 0x30–0x39 would mean 4 bytes
        i++;
      }
    }
  });
});

describe('what the printer cannot print counts as what it prints', () => {
  it.each(['cp437', 'gbk', 'big5', 'shift_jis', 'gb18030'] as const)('%s: an emoji is one column and one byte', (enc) => {
    const guarded = guardText('a😀b', enc);
    expect(displayWidth(guarded, enc)).toBe(3);
    expect(encodeText('a😀b', enc)).toEqual(Buffer.from('a?b'));
  });
});

describe('displayWidth', () => {
  it.each([
    ['gb18030', 'abc', 3],
    ['gb18030', '宫保鸡丁', 8],
    ['gb18030', '￥12.00', 7],
    ['gb18030', '·', 2], // A1 A4: full width on a GB printer although Unicode calls it ambiguous
    ['shift_jis', 'ｱｲｳ', 3], // half-width katakana are single bytes
    ['shift_jis', 'ラーメン', 8],
    ['cp437', 'é', 1],
  ] as const)('%s: %j is %i columns', (enc, text, cols) => {
    expect(displayWidth(text, enc)).toBe(cols);
  });
});

describe('wrap', () => {
  const cases: [PrinterEncoding, string, number][] = [
    ['gb18030', '扬州炒饭加一个很长很长的名字需要换行的菜名', 9],
    ['gb18030', 'Kung Pao chicken with extra peanuts please', 10],
    ['gb18030', '花生过敏 peanut allergy 不要花生 no peanuts at all', 11],
    ['gb18030', 'Supercalifragilisticexpialidocious', 8],
  ];
  it.each(cases)('%s: %j at %i columns never overflows and loses nothing but spaces', (enc, text, width) => {
    const lines = wrap(text, width, enc);
    for (const l of lines) expect(displayWidth(l, enc)).toBeLessThanOrEqual(width);
    expect(lines.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''));
    expect(lines.length).toBeGreaterThan(1);
  });

  it('breaks at spaces when a word fits', () => {
    expect(wrap('less spicy please', 11, 'gb18030')).toEqual(['less spicy', 'please']);
  });

  it('never splits a double-byte character at an odd column', () => {
    expect(wrap('a宫保鸡', 4, 'gb18030')).toEqual(['a宫', '保鸡']);
  });
});

describe('leftRight / padStart', () => {
  it.each([32, 48])('puts the amount flush right at %i columns even after CJK text', (width) => {
    const [line] = leftRight('2 宫保鸡丁', '￥56.00', width, 'gb18030');
    expect(displayWidth(line ?? '', 'gb18030')).toBe(width);
    expect(line?.endsWith('￥56.00')).toBe(true);
  });

  it('wraps the left text and keeps the right text on the last line', () => {
    const lines = leftRight('12 扬州炒饭加一个很长很长的名字', '￥128.00', 20, 'gb18030');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(displayWidth(l, 'gb18030')).toBeLessThanOrEqual(20);
    expect(lines.at(-1)?.endsWith('￥128.00')).toBe(true);
  });

  it('never squeezes the left text into a sliver beside a long right text, nor lets the right text overflow', () => {
    const lines = leftRight('2024-05-01 18:32', '热菜 Hot dishes and the grill station', 32, 'gb18030');
    for (const l of lines) expect(displayWidth(l, 'gb18030')).toBeLessThanOrEqual(32);
    expect(lines[0]).toBe('2024-05-01 18:32');
    expect(lines.slice(1).join(' ').replace(/ +/g, ' ').trim()).toBe('热菜 Hot dishes and the grill station');
  });

  it('pads by columns, not by string length', () => {
    expect(padStart('宫保', 6, 'gb18030')).toBe('  宫保');
  });
});
