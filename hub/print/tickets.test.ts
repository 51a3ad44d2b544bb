import { describe, expect, it } from 'vitest';
import { previewTicket } from '../../printers/index.ts';
import type { OrderLine } from '../protocol/orders.ts';
import { AT, orderLine } from './order-fixtures.ts';
import { buildStationTickets, markedDocument, type TicketContext, type TicketOrder } from './tickets.ts';

const ctx: TicketContext = {
  stations: new Map([
    ['hot', { nameZh: '热厨', nameEn: 'Hot kitchen' }],
    ['bar', { nameZh: '水吧', nameEn: 'Bar' }],
  ]),
  timeZone: 'Asia/Shanghai',
};
const order: TicketOrder = { id: 'o-1', number: 42, channel: 'pos', tableName: 'A1', note: null, rush: false, serverName: '王芳 Wang Fang' };
const PROFILE = { encoding: 'gb18030', widthChars: 48, buzzer: 'none' } as const;

const line = orderLine;
const beer = (id: string, over: Partial<OrderLine> = {}) =>
  line(id, { itemId: 'tsingtao-beer', nameZh: '青岛啤酒', nameEn: 'Tsingtao Beer', stationId: 'bar', ...over });

describe('buildStationTickets', () => {
  it('makes one ticket per station, stations in the order their first line appears, lines in order', () => {
    const tickets = buildStationTickets(order, { kind: 'kitchen', lines: [beer('b1'), line('l1'), beer('b2', { qty: 2 }), line('l2')], at: AT }, ctx);
    expect(tickets.map((t) => [t.stationId, t.lineIds])).toEqual([
      ['bar', ['b1', 'b2']],
      ['hot', ['l1', 'l2']],
    ]);
    expect(tickets[0]!.document.lines.map((l) => l.qty)).toEqual([1, 2]);
  });

  it('puts number, table, time in the store time zone, station, server and channel on the ticket', () => {
    const [t] = buildStationTickets(order, { kind: 'kitchen', lines: [line('l1')], at: AT }, ctx);
    expect(t!.document).toMatchObject({
      kind: 'kitchen',
      orderNumber: '42',
      tableLabel: 'A1',
      time: { epochMs: AT, timeZone: 'Asia/Shanghai' },
      station: '热厨 Hot kitchen',
      server: '王芳 Wang Fang',
      channel: 'POS 点单',
    });
    const text = previewTicket(t!.document, PROFILE);
    expect(text).toContain('2024-05-01 12:34');
    expect(text).toContain('麻婆豆腐');
    expect(text).toContain('Mapo Tofu');
  });

  it('prints options in both languages, the line note, and the order note as a footer', () => {
    const withExtras = line('l1', {
      options: [{ id: 'spice-medium', groupId: 'spice', nameZh: '中辣', nameEn: 'Medium', priceDeltaMinor: 0 }],
      note: '不要花生 no peanuts',
    });
    const [t] = buildStationTickets({ ...order, note: '过敏 allergy' }, { kind: 'kitchen', lines: [withExtras], at: AT }, ctx);
    expect(t!.document.lines[0]).toMatchObject({ options: ['中辣 Medium'], note: '不要花生 no peanuts' });
    expect(t!.document.footerLines).toEqual(['Note 备注: 过敏 allergy']);
  });

  it.each([
    ['a single first course', [1, 1], false],
    ['a later course alone', [2, 2], true],
    ['two courses on one ticket', [1, 2], true],
  ])('prints course headings only when they tell the cook something: %s', (_name, courses, shown) => {
    const [t] = buildStationTickets(order, { kind: 'kitchen', lines: courses.map((c, i) => line(`l${i}`, { course: c })), at: AT }, ctx);
    expect(t!.document.lines.every((l) => (l.course !== undefined) === shown)).toBe(true);
    if (shown) expect(t!.document.lines[0]!.course).toBe(`Course ${courses[0]} / 第${courses[0]}道`);
  });

  it('makes a loud void ticket with the reason and no order note', () => {
    const [t] = buildStationTickets({ ...order, note: 'n' }, { kind: 'void', lines: [line('l1', { status: 'voided' })], at: AT, reason: '客人取消 guest cancelled' }, ctx);
    expect(t!.document).toMatchObject({ kind: 'void', voidReason: '客人取消 guest cancelled' });
    expect(t!.document.footerLines).toBeUndefined();
    expect(previewTicket(t!.document, PROFILE).split('\n')[0]).toContain('VOID 退菜');
  });

  it('marks rush orders with a banner and leaves out the table of an order without one', () => {
    const [t] = buildStationTickets({ ...order, rush: true, tableName: null, channel: 'kiosk' }, { kind: 'addon', lines: [line('l1')], at: AT }, ctx);
    expect(t!.document.banners).toEqual([{ type: 'custom', text: 'RUSH / 加急' }]);
    expect(t!.document.tableLabel).toBeUndefined();
    expect(t!.document.channel).toBe('Kiosk 自助');
  });

  it('makes nothing from no lines', () => {
    expect(buildStationTickets(order, { kind: 'kitchen', lines: [], at: AT }, ctx)).toEqual([]);
  });
});

describe('markedDocument', () => {
  const [base] = buildStationTickets({ ...order, rush: true }, { kind: 'kitchen', lines: [line('l1')], at: AT }, ctx);
  const doc = base!.document;

  it('leaves an unmarked job as it was stored', () => {
    expect(markedDocument(doc, { possibleDuplicate: false, reprintNumber: null, movedFromPrinter: null })).toBe(doc);
  });

  it('puts possible duplicate, reprint and moved-from banners first, above the order banners', () => {
    const marked = markedDocument(doc, { possibleDuplicate: true, reprintNumber: 2, movedFromPrinter: 'Hot-1' });
    expect(previewTicket(marked, PROFILE).split('\n').slice(0, 4)).toEqual([
      expect.stringContaining('POSSIBLE DUPLICATE / 可能重复'),
      expect.stringContaining('REPRINT #2 / 重打'),
      expect.stringContaining('MOVED FROM Hot-1'),
      expect.stringContaining('RUSH / 加急'),
    ]);
    expect(doc.banners).toHaveLength(1); // the stored document is not changed
  });
});
