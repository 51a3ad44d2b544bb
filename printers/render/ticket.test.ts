import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeEscPos, type DecodedLine } from '../sim/escpos-decoder.ts';
import { displayWidth, type PrinterProfile } from './encoding.ts';
import { formatMinor, formatTicketTime, previewTicket, renderTicket, type TicketDocument } from './ticket.ts';

const GB32: PrinterProfile = { encoding: 'gb18030', widthChars: 32, buzzer: 'esc-b' };
const GB48: PrinterProfile = { encoding: 'gb18030', widthChars: 48, buzzer: 'epson' };

function kitchen(over: Partial<TicketDocument> = {}): TicketDocument {
  return {
    kind: 'kitchen',
    orderNumber: '42',
    tableLabel: 'T12',
    time: { epochMs: Date.UTC(2024, 4, 1, 10, 32), timeZone: 'Asia/Shanghai' },
    server: '李明',
    channel: '堂食',
    station: '热菜',
    lines: [
      { qty: 2, nameZh: '宫保鸡丁', nameEn: 'Kung Pao Chicken', options: ['少辣'], note: '花生过敏' },
      { qty: 1, nameZh: '扬州炒饭', nameEn: '', options: [] },
    ],
    ...over,
  } as TicketDocument;
}

function receipt(): TicketDocument {
  return {
    kind: 'receipt',
    orderNumber: 'A017',
    time: { epochMs: 0, timeZone: 'UTC' },
    headerLines: ['金龙酒家 Golden Dragon'],
    lines: [],
    receipt: {
      items: [
        { qty: 2, nameZh: '宫保鸡丁', nameEn: 'Kung Pao Chicken', amountMinor: 5600 },
        { qty: 1, nameZh: '扬州炒饭加一个很长很长的名字需要换行', amountMinor: 12800 },
        { qty: 3, nameZh: '可乐', amountMinor: 900 },
      ],
      subtotalMinor: 19300,
      discountMinor: 300,
      totalMinor: 19000,
      tenders: [{ label: 'Cash 现金', amountMinor: 20000 }],
      changeMinor: 1000,
      qrText: 'https://brigade.example/r/A017',
    },
    footerLines: ['谢谢光临 Thank you'],
  };
}

/** Render, then read the bytes back the way the simulated printer does. */
function paper(doc: TicketDocument, profile: PrinterProfile): { text: string; lines: DecodedLine[] } {
  const { tickets, rest } = decodeEscPos(renderTicket(doc, profile), profile);
  expect(tickets).toHaveLength(1);
  expect(rest).toEqual([]);
  const lines = tickets[0] ?? [];
  const texts = lines.map((l) => l.text);
  while (texts.at(-1) === '') texts.pop();
  return { text: texts.join('\n'), lines };
}

describe('previewTicket', () => {
  it('lays out a kitchen ticket on 32 columns', () => {
    expect(previewTicket(kitchen(), GB32).split('\n')).toEqual([
      '#42          T12',
      '2024-05-01 18:32            热菜',
      'Server 服务员: 李明         堂食',
      '--------------------------------',
      '2x 宫保鸡丁',
      '      Kung Pao Chicken',
      '      + 少辣',
      '      ! 花生过敏',
      '1x 扬州炒饭',
    ]);
  });

  it('prints banners first: possible duplicate, reprint count, moved from', () => {
    const doc = kitchen({
      banners: [{ type: 'possible-duplicate' }, { type: 'reprint', count: 2 }, { type: 'moved-from', printerName: 'Hot-1' }],
    });
    const lines = previewTicket(doc, GB48).split('\n').map((l) => l.trim());
    expect(lines.slice(0, 3)).toEqual(['POSSIBLE DUPLICATE / 可能重复', 'REPRINT #2 / 重打', 'MOVED FROM Hot-1 / 转单']);
  });

  it('prints course headings when the course changes', () => {
    const doc = kitchen({
      lines: [
        { qty: 1, nameZh: '凉菜', nameEn: '', options: [], course: '前菜 Starters' },
        { qty: 1, nameZh: '拍黄瓜', nameEn: '', options: [], course: '前菜 Starters' },
        { qty: 1, nameZh: '红烧肉', nameEn: '', options: [], course: '主菜 Mains' },
      ],
    });
    const headings = previewTicket(doc, GB32).split('\n').filter((l) => l.includes('--  ') || l.trim().startsWith('-- '));
    expect(headings.map((l) => l.trim())).toEqual(['-- 前菜 Starters --', '-- 主菜 Mains --']);
  });
});

describe('renderTicket → simulated printer', () => {
  const docs: [string, TicketDocument][] = [
    ['kitchen', kitchen()],
    ['void', kitchen({ kind: 'void', voidReason: '客人取消 guest cancelled' })],
    ['addon', kitchen({ kind: 'addon' })],
    ['pickup', kitchen({ kind: 'pickup', tableLabel: undefined })],
    ['receipt', receipt()],
    [
      'report',
      {
        kind: 'report',
        headerLines: ['川味小馆 Sichuan House', 'DAY REPORT / 日结单'],
        orderNumber: '',
        time: { epochMs: Date.UTC(2024, 4, 2, 13, 30), timeZone: 'Asia/Shanghai' },
        station: 'Printed 打印',
        lines: [],
        report: {
          title: 'Day 营业日 2024-05-02',
          sections: [
            { heading: 'Payments 收款 (4)', rows: [{ label: 'Cash 现金 x3', amountMinor: 7200, indent: true }, { label: 'Payments total 收款合计', amountMinor: 8200, bold: true }] },
            { rows: [{ label: 'Cash in drawer 钱箱应有现金', amountMinor: -12_345, bold: true, tall: true }, { label: 'cash taken less cash refunded, float not included 现金收款减现金退款，不含备用金' }] },
            { heading: 'Open orders 未结订单 (1)', rows: [{ label: '#1234 花园露台靠窗大圆桌 Garden terrace round table by the window', amountMinor: 1_234_567 }] },
          ],
        },
        buzz: false,
      },
    ],
  ];
  it.each(docs.flatMap(([name, doc]) => [GB32, GB48].map((p) => [name, p.widthChars, doc, p] as const)))(
    '%s ticket at %i columns: the paper shows exactly the preview, no line overflows',
    (_name, width, doc, profile) => {
      const { text, lines } = paper(doc, profile);
      expect(text).toBe(previewTicket(doc, profile));
      for (const l of lines) expect(l.columns, l.text).toBeLessThanOrEqual(width);
    },
  );

  it.each([
    ['gb18030', '宫保鸡丁', '宫保鸡丁'],
    ['gbk', '宫保鸡丁', '宫保鸡丁'],
    ['big5', '臺灣滷肉飯', '臺灣滷肉飯'],
    ['shift_jis', 'ラーメン ｱｲｳ', 'ラーメン ｱｲｳ'],
    ['cp437', '宫保 Chicken', '?? Chicken'],
  ] as const)('keeps %s text through render and decode: %s', (encoding, name, printed) => {
    const profile: PrinterProfile = { encoding, widthChars: 48, buzzer: 'none' };
    const doc = kitchen({ server: undefined, channel: undefined, station: undefined, lines: [{ qty: 1, nameZh: name, nameEn: '', options: [] }] });
    const { text } = paper(doc, profile);
    expect(text).toBe(previewTicket(doc, profile));
    expect(text).toContain(printed);
  });

  it('prints accented cp437 text right on a Chinese-market printer, whose Kanji mode is on at power-up', () => {
    // Most cheap printers ship with a GB18030 font and Kanji mode on; a Western menu on one is set up as cp437.
    // In Kanji mode 'é' (0x82) would start a double-byte character and swallow the byte after it.
    const profile: PrinterProfile = { encoding: 'cp437', widthChars: 48, buzzer: 'none' };
    const doc = kitchen({ server: 'José', channel: undefined, station: 'Grill', lines: [{ qty: 1, nameZh: 'Crème brûlée', nameEn: 'Café au lait', options: ['naïve piñata'] }] });
    const { tickets } = decodeEscPos(renderTicket(doc, profile), { encoding: 'gb18030', isKanjiAtPowerOn: true });
    const texts = (tickets[0] ?? []).map((l) => l.text);
    while (texts.at(-1) === '') texts.pop();
    expect(texts.join('\n')).toBe(previewTicket(doc, profile));
  });

  it.each([32, 48] as const)('wraps a course heading longer than the paper at %i columns', (width) => {
    const profile: PrinterProfile = { ...GB32, widthChars: width };
    const course = 'Main course 主菜 — served after the speeches, when the bride and groom have sat down';
    const doc = kitchen({ lines: [{ qty: 1, nameZh: '烤鸭', nameEn: 'Roast duck', options: [], course }] });
    const { text, lines } = paper(doc, profile);
    expect(text).toBe(previewTicket(doc, profile));
    for (const l of lines) expect(l.columns, l.text).toBeLessThanOrEqual(width);
    expect(text.replace(/[\s—-]/g, '')).toContain(course.replace(/[\s—-]/g, '')); // all of it, nothing cut
  });

  it.each([32, 48] as const)('prints an emoji on cp437 as one "?" at %i columns: the paper shows the preview', (width) => {
    const profile: PrinterProfile = { encoding: 'cp437', widthChars: width, buzzer: 'none' };
    const note = 'birthday 🎂 no nuts 🥜 please, the cake comes out at the end with a candle in it';
    const doc = kitchen({ server: 'Li', channel: 'Dine-in', station: 'Hot', tableLabel: 'T12 🎉', lines: [{ qty: 1, nameZh: 'Cake 🎂', nameEn: '', options: ['🍓 on top'], note }] });
    const { text, lines } = paper(doc, profile);
    expect(text).toBe(previewTicket(doc, profile));
    for (const once of ['T12 ?\n', 'Cake ?\n', '+ ? on top', 'birthday ? no nuts ?']) expect(text).toContain(once);
    for (const l of lines) expect(l.columns, l.text).toBeLessThanOrEqual(width);
  });

  it.each([
    [32, '1234', 'Booth 卡座 12'],
    [32, '1234', 'Terrace 露台 by the fountain 喷泉边 A7'],
    [48, '1234', 'Terrace 露台 by the fountain 喷泉边 A7'],
    [48, '98765', 'Private room 包间 Peony 牡丹厅, upstairs on the left'],
  ] as const)('never splits the order number at %i columns, and wraps a long table label below it: #%s %s', (width, number, label) => {
    const profile: PrinterProfile = { ...GB32, widthChars: width };
    const doc = kitchen({ orderNumber: number, tableLabel: label });
    const { text, lines } = paper(doc, profile);
    expect(text).toBe(previewTicket(doc, profile));
    for (const l of lines) expect(l.columns, l.text).toBeLessThanOrEqual(width);
    const header = text.split('\n').slice(0, text.split('\n').findIndex((l) => l.startsWith('2024-')));
    expect(header[0]?.trim()).toBe(`#${number}`);
    expect(header.length).toBeGreaterThan(1);
    expect(header.slice(1).join('').replace(/ /g, '')).toBe(label.replace(/ /g, '')); // all of it, nothing cut
  });

  it('keeps the order number and a short table label on one line', () => {
    expect(previewTicket(kitchen({ orderNumber: '1234', tableLabel: 'T12' }), GB32).split('\n')[0]).toBe('#1234        T12');
  });

  it.each([32, 48] as const)('right-aligns every receipt amount to column %i, CJK names and ￥ included', (width) => {
    const profile: PrinterProfile = { ...GB32, widthChars: width };
    const { lines } = paper(receipt(), profile);
    const amountLines = lines.filter((l) => /￥\d+\.\d\d$/.test(l.text));
    expect(amountLines.length).toBe(8); // 3 items, subtotal, discount, total, cash, change
    for (const l of amountLines) expect(l.columns, l.text).toBe(width);
    expect(amountLines.map((l) => displayWidth(l.text, 'gb18030'))).toEqual(amountLines.map(() => width));
  });

  it('guards ¥: no 4-byte GB18030 sequence is sent, the paper shows ￥', () => {
    const bytes = renderTicket(receipt(), GB48);
    expect(bytes.includes(Buffer.from([0x81, 0x30, 0x84, 0x36]))).toBe(false);
    const { text } = paper(receipt(), GB48);
    expect(text).toContain('￥190.00');
    expect(text).not.toContain('\uFFFD');
  });

  it('prints ￥ amounts on a Shift_JIS printer, not \\ (0x5C is a backslash in the USA character set)', () => {
    const profile: PrinterProfile = { encoding: 'shift_jis', widthChars: 48, buzzer: 'none' };
    const { text, lines } = paper(receipt(), profile);
    expect(text).toContain('￥190.00');
    expect(text).not.toContain('\\');
    for (const l of lines.filter((x) => x.text.includes('￥'))) expect(l.columns, l.text).toBe(48);
  });

  it('control: an unguarded ¥ prints as garbage on the simulated 2-byte printer', () => {
    const raw = Buffer.concat([iconv.encode('¥12\n', 'gb18030'), Buffer.from([0x1d, 0x56, 0x01])]);
    const { tickets } = decodeEscPos(raw, GB48);
    expect(tickets[0]?.[0]?.text).toBe('\uFFFD\uFFFD12'); // 81 30 and 84 36 taken as two bad 2-byte codes
  });

  it('cannot be made to cut or reset by control characters in a note', () => {
    const doc = kitchen({ lines: [{ qty: 1, nameZh: '面', nameEn: '', options: [], note: 'x\u001d\u0056\u0001y\u001b@' }] });
    const { tickets, events } = decodeEscPos(renderTicket(doc, GB48), GB48);
    expect(tickets).toHaveLength(1);
    expect(events.filter((e) => e.type === 'init')).toHaveLength(1);
  });

  it('prints quantities at double size, names double height, notes inverted', () => {
    const { lines } = paper(kitchen(), GB48);
    const dish = lines.find((l) => l.text.includes('宫保鸡丁'));
    expect(dish?.spans[0]).toMatchObject({ text: '2x ', width: 2, height: 2, bold: true });
    expect(dish?.spans[1]).toMatchObject({ text: '宫保鸡丁', width: 1, height: 2 });
    const note = lines.find((l) => l.text.includes('花生过敏'));
    expect(note?.spans.find((s) => s.text.includes('花生过敏'))).toMatchObject({ inverse: true, bold: true });
    const english = lines.find((l) => l.text.includes('Kung Pao'));
    expect(english?.spans.every((s) => !s.inverse && s.width === 1)).toBe(true);
  });

  it('makes void tickets loud: a full-width inverted double-size VOID bar at the top and the bottom', () => {
    const { lines } = paper(kitchen({ kind: 'void' }), GB48);
    const bars = lines.filter((l) => l.text.includes('VOID 退菜'));
    expect(bars).toHaveLength(2);
    for (const bar of bars) {
      expect(bar.spans).toHaveLength(1);
      expect(bar.spans[0]).toMatchObject({ inverse: true, width: 2, height: 2 });
      expect(bar.columns).toBe(48); // padded: the black bar spans the paper
    }
    expect(lines[0]).toBe(bars[0]);
  });

  it.each([
    ['epson', [0x1b, 0x28, 0x41], 'epson'],
    ['esc-b', [0x1b, 0x42], 'esc-b'],
  ] as const)('sounds the %s buzzer on kitchen tickets', (buzzer, prefix, model) => {
    const profile: PrinterProfile = { ...GB48, buzzer };
    const bytes = renderTicket(kitchen(), profile);
    expect(bytes.includes(Buffer.from(prefix))).toBe(true);
    expect(decodeEscPos(bytes, profile).events.filter((e) => e.type === 'beep')).toEqual([{ type: 'beep', model }]);
  });

  it('does not beep with buzzer none, nor on receipts', () => {
    const none = decodeEscPos(renderTicket(kitchen(), { ...GB48, buzzer: 'none' }), GB48);
    const onReceipt = decodeEscPos(renderTicket(receipt(), GB48), GB48);
    expect([...none.events, ...onReceipt.events].filter((e) => e.type === 'beep')).toEqual([]);
  });

  it('starts with ESC @ FS & on Chinese printers, ESC @ FS . ESC t 0 on cp437, and ends with a feed and a partial cut', () => {
    const gb = renderTicket(kitchen(), GB48);
    expect([...gb.subarray(0, 4)]).toEqual([0x1b, 0x40, 0x1c, 0x26]);
    expect([...gb.subarray(-6)]).toEqual([0x1b, 0x64, 0x04, 0x1d, 0x56, 0x01]);
    const latin = renderTicket(kitchen(), { encoding: 'cp437', widthChars: 48, buzzer: 'none' });
    expect([...latin.subarray(0, 7)]).toEqual([0x1b, 0x40, 0x1c, 0x2e, 0x1b, 0x74, 0x00]);
    expect(latin.includes(Buffer.from([0x1c, 0x26]))).toBe(false);
  });

  it('sends no control bytes inside the QR data: printers act on DLE EOT / DLE ENQ even inside command data', () => {
    // `10 05 02` (DLE ENQ 2) clears the printer's buffers, `10 04 n` answers a status byte nobody asked for
    const doc = receipt();
    if (doc.kind !== 'receipt') throw new Error('receipt expected');
    doc.receipt.qrText = 'order\x10\x05\x02:\x10\x04\x01\x1b@\x1dV\x01\x7f42';
    const bytes = renderTicket(doc, GB48);
    for (const seq of [[0x10, 0x05], [0x10, 0x04], [0x10, 0x14]]) expect(bytes.includes(Buffer.from(seq))).toBe(false);
    const { text } = paper(doc, GB48);
    expect(text).toBe(previewTicket(doc, GB48));
  });

  it('refuses QR data longer than the GS ( k length field can say, rather than let the tail run as commands', () => {
    const doc = receipt();
    if (doc.kind !== 'receipt') throw new Error('receipt expected');
    doc.receipt.qrText = 'x'.repeat(65_536);
    expect(() => renderTicket(doc, GB48)).toThrow(RangeError);
  });

  it('prints the receipt QR code with GS ( k, UTF-8 length included', () => {
    const { text } = paper(receipt(), GB48);
    expect(text).toContain('[QR https://brigade.example/r/A017]');
  });
});

describe('formatting', () => {
  it('formats the time in the ticket time zone', () => {
    expect(formatTicketTime(0, 'Asia/Shanghai')).toBe('1970-01-01 08:00');
    expect(formatTicketTime(0, 'America/New_York')).toBe('1969-12-31 19:00');
  });

  it.each([
    [0, '¥0.00'],
    [5, '¥0.05'],
    [12345, '¥123.45'],
    [-300, '-¥3.00'],
  ])('formats %i minor units as %s', (minor, text) => {
    expect(formatMinor(minor, '¥')).toBe(text);
  });

  it('rejects non-integer amounts', () => {
    expect(() => formatMinor(1.5)).toThrow(RangeError);
  });
});
