/**
 * The day's takings on paper (DAY REPORT / 日结单): every figure of the report on its line, sums as the hub
 * computed them, money as receipts print it, both languages, nothing past the paper's edge.
 */
import { describe, expect, it } from 'vitest';
import { displayWidth, previewTicket, renderTicket, type PrinterProfile } from '../../printers/index.ts';
import { decodeEscPos, ticketText } from '../../printers/sim/escpos-decoder.ts';
import type { DayReport } from '../protocol/reports.ts';
import { dayReportSlip } from './day-report-slip.ts';

const GB48 = { encoding: 'gb18030', widthChars: 48, buzzer: 'epson' } as const;
const GB32 = { encoding: 'gb18030', widthChars: 32, buzzer: 'epson' } as const;
const ctx = { storeName: '川味小馆 Sichuan House' };

const tenders = (cash: [number, number], card: [number, number], other: [number, number] = [0, 0]) => ({
  cash: { count: cash[0], amountMinor: cash[1] },
  card: { count: card[0], amountMinor: card[1] },
  other: { count: other[0], amountMinor: other[1] },
});

const noCharges = {
  count: 0,
  amountMinor: 0,
  unresolved: { count: 0, amountMinor: 0 },
  charges: [],
  settled: { count: 0, amountMinor: 0 },
  settledOfEarlierDays: { count: 0, amountMinor: 0, charges: [] },
  onTerminalMinor: 0,
};

/** 2 May 2024 in Shanghai, printed at 21:30: ¥72 cash and ¥10 card taken, ¥5 cash refunded; #3 at A2 open, ¥30 due. */
const report = (o: Partial<DayReport> = {}): DayReport => ({
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
  payments: { count: 4, amountMinor: 8200, byTender: tenders([3, 7200], [1, 1000]), forOtherDaysMinor: 4400 },
  refunds: { count: 1, amountMinor: 500, byTender: tenders([1, 500], [0, 0]), forOtherDaysMinor: 0 },
  cashExpectedMinor: 6700,
  floatMinor: null,
  floatSetAt: null,
  floatId: null,
  floatSetBy: null,
  drawerExpectedMinor: null,
  unrecordedCardCharges: noCharges,
  cardTerminalExpectedMinor: 1000,
  openOrders: {
    count: 1,
    dueMinor: 3000,
    orders: [{ id: 'o-3', number: 3, businessDate: '2024-05-02', tableId: 't-a2', tableName: 'A2', channel: 'pos', totalMinor: 4400, dueMinor: 3000, createdAt: Date.UTC(2024, 4, 2, 11) }],
  },
  ...o,
});

const paper = (r: DayReport, profile: PrinterProfile = GB48) => previewTicket(dayReportSlip(r, ctx), profile);
/** Whether the slip says `words`, wrapped over lines or not. */
const says = (text: string, words: string) => text.replace(/\s+/g, '').includes(words.replace(/\s+/g, ''));
/** The line of the slip that starts with `label` (leading spaces ignored). */
const lineOf = (text: string, label: string) => text.split('\n').find((l) => l.trimStart().startsWith(label));

describe('dayReportSlip', () => {
  it('heads the slip with the title, the store, the business day and the time it was printed (store time zone)', () => {
    const lines = paper(report()).split('\n').map((l) => l.trim());
    expect(lines.slice(0, 3)).toEqual(['川味小馆 Sichuan House', 'DAY REPORT / 日结单', 'Day 营业日 2024-05-02']);
    expect(lines[3]).toMatch(/^2024-05-02 21:30 +Printed 打印$/);
    // a report is of no order: no "#" number on it
    expect(paper(report())).not.toMatch(/^\s*#\s*$/m);
  });

  it('prints every figure on its own line, right-aligned to the paper edge: orders by channel, sales, money by tender, the drawer', () => {
    const text = paper(report());
    const expected: [string, string][] = [
      ['Orders 订单数', '3'],
      ['POS 点单', '2'],
      ['Kiosk 自助', '1'],
      ['QR 扫码', '0'],
      ['Preorder 预订', '0'],
      ['Voided orders 整单作废', '1'],
      ['First - last order 首单 - 末单', '11:05 - 19:40'],
      ['Gross 菜品合计', '￥116.00'],
      ['Discounts 折扣', '-￥4.00'],
      ['Net sales 净销售额', '￥112.00'],
      ['Voided dishes 作废菜品 (2)', '￥16.00'],
      ['Cash 现金 x3', '￥72.00'],
      ['Card 刷卡 x1', '￥10.00'],
      ['Other 其他 x0', '￥0.00'],
      ['Payments total 收款合计', '￥82.00'],
      ['of it, other days 其中其他营业日', '￥44.00'],
      ['Cash 现金 x1', '-￥5.00'],
      ['Refunds total 退款合计', '-￥5.00'],
      ['Cash in drawer 钱箱应有现金', '￥67.00'],
      ['#3 A2', '￥30.00'],
      ['Due total 待收合计', '￥30.00'],
    ];
    for (const [label, figure] of expected) {
      const line = text.split('\n').find((l) => l.trimStart().startsWith(label) && l.endsWith(figure));
      expect(line, `${label} … ${figure}\n${text}`).toBeDefined();
      expect(displayWidth(line!, 'gb18030'), line).toBe(48);
    }
    expect(text).toContain('Payments 收款 (4)');
    expect(text).toContain('Refunds 退款 (1)');
    expect(text).toContain('Open orders 未结订单 (1)');
    expect(text).not.toContain('All settled');
    // the refunds' other-days line only when there is some
    expect(text.split('\n').filter((l) => l.includes('other days'))).toHaveLength(1);
  });

  it('says "all settled" when no order of the day is open, and prints an empty day as zeros', () => {
    const empty = report({
      orders: { count: 0, byChannel: { pos: 0, kiosk: 0, qr: 0, preorder: 0 }, voided: 0, firstAt: null, lastAt: null },
      grossMinor: 0,
      discountsMinor: 0,
      netSalesMinor: 0,
      voidedLines: { count: 0, amountMinor: 0 },
      payments: { count: 0, amountMinor: 0, byTender: tenders([0, 0], [0, 0]), forOtherDaysMinor: 0 },
      refunds: { count: 0, amountMinor: 0, byTender: tenders([0, 0], [0, 0]), forOtherDaysMinor: 0 },
      cashExpectedMinor: 0,
      openOrders: { count: 0, dueMinor: 0, orders: [] },
    });
    const text = paper(empty);
    expect(text).toContain('Open orders 未结订单 (0)');
    expect(text).toContain('All settled 全部已结清');
    expect(lineOf(text, 'Discounts 折扣')).toMatch(/ ￥0\.00$/);
    expect(lineOf(text, 'Cash in drawer')).toMatch(/ ￥0\.00$/);
    expect(text).not.toContain('First - last');
    expect(text).not.toContain('-￥0.00');
  });

  it('prints negative sums as negative (a day whose refunds were of earlier days), never rounded', () => {
    const text = paper(
      report({
        payments: { count: 1, amountMinor: 1, byTender: tenders([1, 1], [0, 0]), forOtherDaysMinor: 0 },
        refunds: { count: 1, amountMinor: 12_345, byTender: tenders([1, 12_345], [0, 0]), forOtherDaysMinor: 12_345 },
        cashExpectedMinor: -12_344,
      }),
    );
    expect(lineOf(text, 'Payments total')).toMatch(/ ￥0\.01$/);
    expect(lineOf(text, 'Cash in drawer')).toMatch(/ -￥123\.44$/);
  });

  it('keeps long table names and every line within 32 columns, each open order with its amount', () => {
    const long = '花园露台靠窗大圆桌 Garden terrace round table by the window';
    const r = report({
      openOrders: {
        count: 2,
        dueMinor: 1_234_567,
        orders: [
          { id: 'o-7', number: 1234, businessDate: '2024-05-02', tableId: 't-g', tableName: long, channel: 'pos', totalMinor: 1_234_567, dueMinor: 1_234_567, createdAt: 0 },
          { id: 'o-8', number: 1235, businessDate: '2024-05-02', tableId: null, tableName: null, channel: 'kiosk', totalMinor: 800, dueMinor: 0, createdAt: 1 },
        ],
      },
    });
    const text = paper(r, GB32);
    for (const l of text.split('\n')) expect(displayWidth(l, 'gb18030'), l).toBeLessThanOrEqual(32);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('#1234 花园露台'));
    expect(at, text).toBeGreaterThan(0);
    // the name wraps; the amount ends its last line, nothing of the name is lost
    const block = lines.slice(at, lines.findIndex((l, i) => i > at && l.startsWith('#1235'))).join(' ');
    expect(block.replace(/\s+/g, '')).toContain(long.replace(/\s+/g, ''));
    expect(block).toMatch(/￥12345\.67$/);
    expect(lines.find((l) => l.startsWith('#1235'))).toMatch(/^#1235 Kiosk 自助 +￥0\.00$/);
    expect(lineOf(text, 'Due total 待收合计')).toMatch(/￥12345\.67$/);
  });

  it('goes to the printer as GB18030 the simulated printer reads back: Chinese intact, ￥ not garbled, no buzzer', () => {
    const doc = dayReportSlip(report(), ctx);
    const decoded = decodeEscPos(renderTicket(doc, GB48), { encoding: 'gb18030' });
    expect(decoded.tickets).toHaveLength(1);
    const text = ticketText(decoded.tickets[0]!);
    expect(text).toContain('钱箱应有现金');
    expect(text).toMatch(/Cash in drawer 钱箱应有现金 +￥67\.00/);
    expect(text).not.toContain('\uFFFD');
    // the paper is the preview: what the staff see in /print-jobs/:id/preview is what printed
    expect(text).toBe(previewTicket(doc, GB48).replace(/[ ]+$/gm, '').replace(/\n+$/, ''));
    expect(decoded.events.some((e) => e.type === 'beep')).toBe(false);
  });

  it('prints the opening float and the drawer total to count against (float + cash); without a float, says it is not recorded and gives no total', () => {
    const floated = paper(report({ floatMinor: 50_000, floatSetAt: Date.UTC(2024, 4, 2, 1), drawerExpectedMinor: 56_700 }));
    expect(lineOf(floated, 'Cash in drawer 钱箱应有现金')).toMatch(/ ￥67\.00$/);
    expect(lineOf(floated, 'Opening float 备用金')).toMatch(/ ￥500\.00$/);
    expect(lineOf(floated, 'Drawer total 钱箱合计')).toMatch(/ ￥567\.00$/);
    expect(displayWidth(lineOf(floated, 'Drawer total 钱箱合计')!, 'gb18030')).toBe(48);
    // a drawer opened empty is a float of 0, and a total all the same
    expect(lineOf(paper(report({ floatMinor: 0, floatSetAt: 1, drawerExpectedMinor: 6700 })), 'Drawer total 钱箱合计')).toMatch(/ ￥67\.00$/);

    const none = paper(report());
    expect(lineOf(none, 'Opening float 备用金')).toMatch(/ not recorded 未登记$/);
    expect(none).not.toContain('Drawer total');
    expect(says(none, '登记备用金后才有钱箱合计'), none).toBe(true);
  });

  it("prints the day's unrecorded card charges: each with its order, time, terminal reference and what became of it; what is still on the terminal, and the terminals' total", () => {
    const at = (h: number, m: number) => Date.UTC(2024, 4, 2, h - 8, m);
    const charge = { resolvedAt: null, resolutionKind: null, resolutionOrderNumber: null, resolutionNote: null, settledAt: null };
    const text = paper(
      report({
        unrecordedCardCharges: {
          count: 4,
          amountMinor: 11_500,
          unresolved: { count: 1, amountMinor: 4400 },
          charges: [
            { ...charge, id: 'c-1', orderId: 'o-5', orderNumber: 5, amountMinor: 2800, reference: 'T-881', createdAt: at(12, 5), resolvedAt: at(13, 0), resolutionKind: 'other', resolutionNote: 'customer took a voucher 顾客收了代金券' },
            { ...charge, id: 'c-2', orderId: 'o-9', orderNumber: 9, amountMinor: 4400, reference: 'T-902', createdAt: at(18, 40) },
            { ...charge, id: 'c-3', orderId: 'o-10', orderNumber: 10, amountMinor: 1600, reference: 'T-910', createdAt: at(19, 0), resolvedAt: at(19, 5), resolutionKind: 'refunded_on_terminal', resolutionNote: 'RF-3', settledAt: at(19, 5) },
            { ...charge, id: 'c-4', orderId: 'o-11', orderNumber: 11, amountMinor: 2700, reference: 'T-911', createdAt: at(19, 10), resolvedAt: at(19, 20), resolutionKind: 'recorded_as_payment', resolutionOrderNumber: 14, settledAt: at(19, 15) },
          ],
          settled: { count: 2, amountMinor: 4300 },
          settledOfEarlierDays: {
            count: 1,
            amountMinor: 900,
            charges: [{ ...charge, id: 'c-0', orderId: 'o-88', orderNumber: 88, amountMinor: 900, reference: 'T-700', createdAt: at(21, 0) - 86_400_000, resolvedAt: at(10, 0), resolutionKind: 'refunded_on_terminal', settledAt: at(10, 0) }],
          },
          onTerminalMinor: 11_500 - 4300 - 900,
        },
        cardTerminalExpectedMinor: 1000 + 11_500 - 4300 - 900,
      }),
    );
    expect(text).toContain('Card charges not recorded 未入账刷卡 (4)');
    expect(lineOf(text, '#5 12:05 T-881')).toMatch(/ ￥28\.00$/);
    expect(says(text, 'resolved 已处理: customer took a voucher 顾客收了代金券'), text).toBe(true);
    expect(lineOf(text, '#9 18:40 T-902')).toMatch(/ ￥44\.00$/);
    expect(text).toContain('NOT RESOLVED 未处理');
    expect(says(text, 'refunded on terminal 已在终端退款: RF-3'), text).toBe(true);
    expect(says(text, 'paid as #14 收作该单付款'), text).toBe(true);
    // the terminal charged them all: its total has them, less what it gave back and what the payments have now
    expect(lineOf(text, 'Charged on the terminal 终端已扣款')).toMatch(/ ￥115\.00$/);
    expect(lineOf(text, 'of it not resolved 其中未处理 (1)')).toMatch(/ ￥44\.00$/);
    expect(lineOf(text, 'refunded or paid 已退或已收 (2)')).toMatch(/ -￥43\.00$/);
    expect(text).toContain('Earlier days 往日未入账 (1)');
    expect(lineOf(text, '#88 (2024-05-01) 21:00 T-700')).toMatch(/ -￥9\.00$/);
    expect(lineOf(text, 'Still on the terminal 终端上仍有')).toMatch(/ ￥63\.00$/);
    expect(lineOf(text, 'Card terminal total 刷卡终端合计')).toMatch(/ ￥73\.00$/);
    for (const l of text.split('\n')) expect(displayWidth(l, 'gb18030'), l).toBeLessThanOrEqual(48);
    // none: said so, with no totals
    const none = paper(report());
    expect(none).toContain('Card charges not recorded 未入账刷卡 (0)');
    expect(none).toContain('None 无');
    expect(none).not.toContain('Charged on the terminal');
  });

  it("prints an earlier day's card charge with its business day, as an earlier day's open order is; the day's own with the time alone", () => {
    const at = (month: number, d: number, h: number, m: number) => Date.UTC(2024, month - 1, d, h - 8, m);
    const charge = { resolvedAt: null, resolutionKind: null, resolutionOrderNumber: null, resolutionNote: null, settledAt: null };
    const r = report({
      unrecordedCardCharges: {
        count: 1,
        amountMinor: 4400,
        unresolved: { count: 1, amountMinor: 4400 },
        charges: [{ ...charge, id: 'c-9', orderId: 'o-9', orderNumber: 9, amountMinor: 4400, reference: 'T-902', createdAt: at(5, 2, 18, 40) }],
        settled: { count: 0, amountMinor: 0 },
        settledOfEarlierDays: {
          count: 2,
          amountMinor: 2500,
          charges: [
            // a week before, and 01:30 on 2 May, which is still 1 May's business day (it ends at 04:00)
            { ...charge, id: 'c-0', orderId: 'o-88', orderNumber: 88, amountMinor: 900, reference: 'T-700', createdAt: at(4, 25, 21, 43), resolvedAt: at(5, 2, 10, 0), resolutionKind: 'refunded_on_terminal', settledAt: at(5, 2, 10, 0) },
            { ...charge, id: 'c-1', orderId: 'o-61', orderNumber: 61, amountMinor: 1600, reference: null, createdAt: at(5, 2, 1, 30), resolvedAt: at(5, 2, 10, 5), resolutionKind: 'refunded_on_terminal', settledAt: at(5, 2, 10, 5) },
          ],
        },
        onTerminalMinor: 4400 - 2500,
      },
      cardTerminalExpectedMinor: 1000 + 4400 - 2500,
    });
    const text = paper(r);
    expect(lineOf(text, '#88 (2024-04-25) 21:43 T-700')).toMatch(/ -￥9\.00$/);
    expect(lineOf(text, '#61 (2024-05-01) 01:30')).toMatch(/ -￥16\.00$/);
    // the day's own: the slip is of that day
    expect(lineOf(text, '#9 18:40 T-902')).toMatch(/ ￥44\.00$/);
    for (const profile of [GB48, GB32]) for (const l of paper(r, profile).split('\n')) expect(displayWidth(l, 'gb18030'), l).toBeLessThanOrEqual(profile.widthChars);
  });

  it("labels an earlier day's open order with its business day: order numbers restart every day", () => {
    const text = paper(
      report({
        openOrders: {
          count: 2,
          dueMinor: 5100,
          orders: [
            { id: 'o-12y', number: 12, businessDate: '2024-05-01', tableId: 't-a3', tableName: 'A3', channel: 'pos', totalMinor: 2800, dueMinor: 2100, createdAt: Date.UTC(2024, 4, 1, 19) },
            { id: 'o-12', number: 12, businessDate: '2024-05-02', tableId: 't-a2', tableName: 'A2', channel: 'pos', totalMinor: 4400, dueMinor: 3000, createdAt: Date.UTC(2024, 4, 2, 11) },
          ],
        },
      }),
    );
    expect(lineOf(text, '#12 (2024-05-01) A3')).toMatch(/ ￥21\.00$/);
    // the day's own keeps its number alone
    expect(lineOf(text, '#12 A2')).toMatch(/ ￥30\.00$/);
  });

  it('is stored as JSON and prints the same after a round trip (what a reprint or a restart prints)', () => {
    const doc = dayReportSlip(report(), ctx);
    expect(previewTicket(JSON.parse(JSON.stringify(doc)), GB48)).toBe(previewTicket(doc, GB48));
  });
});
