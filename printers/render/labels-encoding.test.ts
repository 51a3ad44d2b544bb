/**
 * The hub's own labels on tickets and receipts are written in simplified Chinese (BILL / 账单, Total 合计,
 * Server 服务员, MOVED FROM … / 转单): a Big5 (traditional) or Shift_JIS printer has no font for many of
 * their characters, and printed '?' in them on every ticket. They print in their traditional form there.
 */
import { describe, expect, it } from 'vitest';
import { decodeEscPos, ticketText } from '../sim/escpos-decoder.ts';
import { guardText, type PrinterProfile } from './encoding.ts';
import { previewTicket, renderTicket, type TicketDocument } from './ticket.ts';

const receipt: TicketDocument = {
  kind: 'receipt',
  orderNumber: '17',
  tableLabel: 'A1',
  time: { epochMs: 0, timeZone: 'Asia/Hong_Kong' },
  server: '陳大文',
  channel: 'POS 点单',
  headerLines: ['金龍酒家', 'BILL / 账单'],
  banners: [{ type: 'moved-from', printerName: '前台' }],
  lines: [],
  receipt: {
    items: [{ qty: 1, nameZh: '叉燒飯', amountMinor: 4800 }],
    subtotalMinor: 4800,
    discountMinor: 0,
    totalMinor: 4800,
    tenders: [{ label: 'Cash 现金', amountMinor: 5000 }],
    changeMinor: 200,
  },
  footerLines: ['谢谢光临 Thank you!', '请到前台或向服务员付款'],
};

describe("the hub's simplified-Chinese labels on a traditional-Chinese or Japanese printer", () => {
  it.each(['big5', 'shift_jis'] as const)('print in traditional characters on %s, not as "?"', (encoding) => {
    const profile: PrinterProfile = { encoding, widthChars: 48, buzzer: 'none' };
    const paper = ticketText(decodeEscPos(renderTicket(receipt, profile), profile).tickets[0] ?? []);
    expect(paper).toContain('帳單');
    expect(paper).toContain('合計');
    expect(paper).toContain('Cash 現金');
    expect(paper).toContain('轉單');
    expect(paper).toContain('謝謝光臨');
    expect(paper).toContain('請到前台或向服');
    expect(paper).not.toContain('?');
    // what the preview shows (on Shift_JIS too: '¥' goes as '￥', not as the byte of '\\')
    expect(paper).toBe(previewTicket(receipt, profile).replace(/\n+$/, ''));
    // the dish names, already traditional, are untouched
    expect(paper).toContain('叉燒飯');
  });

  it('leaves them as they are on a GB printer', () => {
    expect(guardText('账单 合计 服务员 转单', 'gb18030')).toBe('账单 合计 服务员 转单');
    expect(guardText('账单 合计 服务员 转单', 'gbk')).toBe('账单 合计 服务员 转单');
  });
});
