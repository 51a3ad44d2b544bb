/**
 * On a printer that cannot print Chinese (cp437), the hub's bilingual labels print in English only ("ADD-ON",
 * not "ADD-ON ??"), and a dish prints its English name when the menu has one. A Chinese-only dish name, a note,
 * a table or a person's name in Chinese still print as the printer can ('?'), as before. Chinese printers are
 * unchanged.
 */
import { describe, expect, it } from 'vitest';
import { previewTicket, renderTicket, type PrinterProfile, type TicketDocument } from '../../printers/index.ts';
import { decodeEscPos, ticketText } from '../../printers/sim/escpos-decoder.ts';
import type { Order, OrderLine, Payment } from '../protocol/orders.ts';
import type { DayReport } from '../protocol/reports.ts';
import { dayReportSlip } from './day-report-slip.ts';
import { AT, blankOrder, orderLine } from './order-fixtures.ts';
import { pickupSlip, receiptDocument } from './receipts.ts';
import { buildStationTickets, markedDocument, testTicket, type TicketContext, type TicketOrder } from './tickets.ts';

const CP437_48: PrinterProfile = { encoding: 'cp437', widthChars: 48, buzzer: 'none' };
const CP437_32: PrinterProfile = { encoding: 'cp437', widthChars: 32, buzzer: 'none' };
const GB48: PrinterProfile = { encoding: 'gb18030', widthChars: 48, buzzer: 'none' };

const ctx: TicketContext = { stations: new Map([['hot', { nameZh: '热厨', nameEn: 'Hot kitchen' }]]), timeZone: 'Asia/Shanghai' };
const ticketOrder: TicketOrder = { id: 'o-1', number: 42, channel: 'pos', tableName: 'A1', note: 'birthday', rush: true, serverName: 'Wang Fang' };
const spicy = { id: 'spice-hot', groupId: 'spice', nameZh: '特辣', nameEn: 'Extra hot', priceDeltaMinor: 0 };
const tofu = (id: string, over: Partial<OrderLine> = {}) => orderLine(id, { options: [spicy], ...over });

const ticket = (kind: 'kitchen' | 'addon' | 'void', over: Partial<TicketOrder> = {}): TicketDocument =>
  buildStationTickets({ ...ticketOrder, ...over }, { kind, lines: [tofu('l1'), tofu('l2', { course: 2 })], at: AT, reason: 'guest changed mind' }, ctx)[0]!.document;

const payment = (over: Partial<Payment>): Payment =>
  ({ id: 'p', tender: 'cash', amountMinor: 0, lines: [], tenderedMinor: null, changeMinor: 0, reference: null, createdAt: AT, staffId: null, ...over }) as Payment;
const lines = [tofu('l1'), orderLine('l2', { nameZh: '青岛啤酒', nameEn: 'Tsingtao Beer', qty: 2, lineTotalMinor: 2400 })];
const bill: Order = blankOrder({
  lines,
  subtotalMinor: 5200,
  discountMinor: 200,
  totalMinor: 5000,
  paidMinor: 2000,
  dueMinor: 3000,
  payments: [payment({ amountMinor: 2000, tender: 'card', reference: 'T123' })],
  staffName: 'Wang Fang',
  quotedReadyAt: AT + 15 * 60_000,
});
const paid: Order = blankOrder({
  ...bill,
  status: 'closed',
  paidMinor: 5000,
  dueMinor: 0,
  payments: [payment({ amountMinor: 5000, tenderedMinor: 10_000, changeMinor: 5000 })],
  refunds: [{ id: 'r', paymentId: 'p', tender: 'cash', amountMinor: 500, lines: [], reason: null, reference: null, createdAt: AT, staffId: null }] as unknown as Order['refunds'],
});
const paperCtx = { storeName: 'Sichuan House', tableName: 'A1', timeZone: 'Asia/Shanghai', at: AT };

const tenders = { cash: { count: 1, amountMinor: 7200 }, card: { count: 1, amountMinor: 1000 }, other: { count: 0, amountMinor: 0 } };
const report: DayReport = {
  businessDate: '2024-05-02',
  timeZone: 'Asia/Shanghai',
  from: Date.UTC(2024, 4, 1, 20),
  to: Date.UTC(2024, 4, 2, 20),
  asOf: Date.UTC(2024, 4, 2, 13, 30),
  orders: { count: 3, byChannel: { pos: 2, kiosk: 1, qr: 0, preorder: 0 }, voided: 1, firstAt: Date.UTC(2024, 4, 2, 3, 5), lastAt: Date.UTC(2024, 4, 2, 11, 40) },
  grossMinor: 11600,
  discountsMinor: 400,
  netSalesMinor: 11200,
  voidedLines: { count: 2, amountMinor: 1600 },
  payments: { count: 2, amountMinor: 8200, byTender: tenders, forOtherDaysMinor: 4400 },
  refunds: { count: 0, amountMinor: 0, byTender: { ...tenders, cash: { count: 0, amountMinor: 0 }, card: { count: 0, amountMinor: 0 } }, forOtherDaysMinor: 0 },
  cashExpectedMinor: 7200,
  floatMinor: null,
  floatSetAt: null,
  floatId: null,
  floatSetBy: null,
  drawerExpectedMinor: null,
  unrecordedCardCharges: {
    count: 0,
    amountMinor: 0,
    unresolved: { count: 0, amountMinor: 0 },
    charges: [],
    settled: { count: 0, amountMinor: 0 },
    settledOfEarlierDays: { count: 0, amountMinor: 0, charges: [] },
    onTerminalMinor: 0,
  },
  cardTerminalExpectedMinor: 1000,
  openOrders: { count: 0, dueMinor: 0, orders: [] },
};

const docs: [string, TicketDocument][] = [
  ['kitchen', markedDocument(ticket('kitchen'), { possibleDuplicate: true, reprintNumber: 2, movedFromPrinter: 'Hot' })],
  ['add-on', ticket('addon')],
  ['void', ticket('void')],
  ['merged void', ticket('void', { mergedInto: 43 })],
  ['bill', receiptDocument(bill, paperCtx)],
  ['receipt', receiptDocument(paid, paperCtx)],
  ['pickup slip', pickupSlip({ ...bill, channel: 'kiosk' }, paperCtx)],
  ['day report', dayReportSlip(report, { storeName: 'Sichuan House' })],
  ['test page', testTicket('Counter', AT, 'Asia/Shanghai')],
];

/** What the printer prints, read back from the bytes. */
const paper = (doc: TicketDocument, profile: PrinterProfile) => ticketText(decodeEscPos(renderTicket(doc, profile), profile).tickets[0] ?? []);

describe('the hub’s paper on a printer without Chinese (cp437)', () => {
  it.each(docs.flatMap(([name, doc]) => [CP437_48, CP437_32].map((p) => [name, p.widthChars, doc, p] as const)))(
    '%s at %i columns: English labels and dish names, not "?", and the paper is the preview',
    (_name, _width, doc, profile) => {
      const text = paper(doc, profile);
      expect(text, text).not.toContain('?');
      expect(text).toBe(previewTicket(doc, profile).replace(/\n+$/, ''));
    },
  );

  it('keeps the English of each label and dish', () => {
    const kitchen = previewTicket(docs[0]![1], CP437_48);
    for (const words of ['POSSIBLE DUPLICATE', 'REPRINT #2', 'MOVED FROM Hot', 'RUSH', 'Hot kitchen', 'Server: Wang Fang', 'POS', '-- Course 1 --', 'Mapo Tofu', '+ Extra hot', 'Note: birthday']) {
      expect(kitchen, words).toContain(words);
    }
    expect(previewTicket(docs[1]![1], CP437_48)).toContain('ADD-ON');
    expect(previewTicket(docs[2]![1], CP437_48)).toContain('VOID');
    expect(previewTicket(docs[3]![1], CP437_48)).toContain('Now on #43');
    const billText = previewTicket(docs[4]![1], CP437_48);
    for (const words of ['BILL', 'Mapo Tofu', 'Tsingtao Beer', 'Subtotal', 'Discount', 'Total', 'Card T123', 'Due', 'Please pay at the counter']) expect(billText, words).toContain(words);
    const receiptText = previewTicket(docs[5]![1], CP437_48);
    for (const words of ['RECEIPT', 'Cash', 'Refund', 'Change', 'Thank you!']) expect(receiptText, words).toContain(words);
    expect(previewTicket(docs[7]![1], CP437_48)).toContain('Cash in drawer');
  });

  it('prints a dish the menu names only in Chinese as it did ("?"), and its Chinese notes too', () => {
    const doc = buildStationTickets({ ...ticketOrder, note: null }, { kind: 'kitchen', lines: [orderLine('l1', { nameZh: '扬州炒饭', nameEn: '', note: '少辣' })], at: AT }, ctx)[0]!.document;
    const text = previewTicket(doc, CP437_48);
    expect(text).toContain('????');
    expect(text).toContain('! ??');
  });

  it('changes nothing on a Chinese printer', () => {
    const text = previewTicket(docs[0]![1], GB48);
    for (const words of ['POSSIBLE DUPLICATE / 可能重复', '热厨 Hot kitchen', 'Server 服务员: Wang Fang', 'POS 点单', '麻婆豆腐', 'Mapo Tofu', '+ 特辣 Extra hot']) expect(text, words).toContain(words);
    expect(previewTicket(docs[4]![1], GB48)).toContain('BILL / 账单');
  });
});
