/**
 * The day's takings on paper (a Z report, 日结单), for the cashier closing the till: a pure function of the
 * report as the hub computed it when the print was asked for. The route stores what this returns in the job,
 * so a reprint, a failover or a restart prints the same figures.
 */
import { formatTicketTime, type ReportRow, type ReportSection, type TicketDocument } from '../../printers/index.ts';
import { businessDate } from '../domain/business-date.ts';
import type { Tender } from '../protocol/orders.ts';
import type { DayCardCharge, DayReport, MoneyMoved, OpenOrderDue, UnrecordedCardChargesOfDay } from '../protocol/reports.ts';
import { CHANNEL_LABELS } from './tickets.ts';

export interface DayReportSlipContext {
  storeName: string;
}

const TENDERS: readonly Tender[] = ['cash', 'card', 'other'];
const TENDER_LABELS: Record<Tender, string> = { cash: 'Cash 现金', card: 'Card 刷卡', other: 'Other 其他' };

/** 'HH:mm' of a time in the store's zone. */
const clock = (at: number, timeZone: string): string => formatTicketTime(at, timeZone).slice(-5);

/**
 * DAY REPORT / 日结单: the store, the business day (big), when it was printed (the figures are as of then), then the
 * day's orders by channel; gross, discounts, net sales and voided dishes; payments and refunds by tender;
 * the cash the drawer should hold, the opening float and the drawer's total (float + cash); the kiosks' card
 * charges the hub did not record (in the card terminal's total, not in the payments, unless refunded on it or
 * recorded as a payment since) and what the card terminals should total; the orders still open
 * with what is due on each (or "all settled"), an earlier day's with its day (numbers restart every day).
 * Refunds print as negative amounts, as on a receipt: the money went out.
 */
export function dayReportSlip(r: DayReport, ctx: DayReportSlipContext): TicketDocument {
  const o = r.orders;
  const orders: ReportSection = {
    heading: 'Orders 订单',
    rows: [
      { label: 'Orders 订单数', value: String(o.count), bold: true },
      ...(['pos', 'kiosk', 'qr', 'preorder'] as const).map((c): ReportRow => ({ label: CHANNEL_LABELS[c], value: String(o.byChannel[c]), indent: true })),
      { label: 'Voided orders 整单作废', value: String(o.voided) },
      ...(o.firstAt !== null && o.lastAt !== null
        ? [{ label: 'First - last order 首单 - 末单', value: `${clock(o.firstAt, r.timeZone)} - ${clock(o.lastAt, r.timeZone)}` }]
        : []),
    ],
  };
  const sales: ReportSection = {
    heading: 'Sales 销售',
    rows: [
      { label: 'Gross 菜品合计', amountMinor: r.grossMinor },
      { label: 'Discounts 折扣', amountMinor: -r.discountsMinor },
      { label: 'Net sales 净销售额', amountMinor: r.netSalesMinor, bold: true },
      { label: `Voided dishes 作废菜品 (${r.voidedLines.count})`, amountMinor: r.voidedLines.amountMinor },
    ],
  };
  const open = r.openOrders;
  return {
    kind: 'report',
    headerLines: [ctx.storeName, 'DAY REPORT / 日结单'],
    orderNumber: '',
    time: { epochMs: r.asOf, timeZone: r.timeZone },
    station: 'Printed 打印',
    lines: [],
    report: {
      // printed big where an order's number would be: the day this is of
      title: `Day 营业日 ${r.businessDate}`,
      sections: [
        orders,
        sales,
        moneySection('Payments 收款', 'Payments total 收款合计', r.payments, 1),
        moneySection('Refunds 退款', 'Refunds total 退款合计', r.refunds, -1),
        {
          rows: [
            { label: 'Cash in drawer 钱箱应有现金', amountMinor: r.cashExpectedMinor, bold: true, tall: true },
            { label: 'cash taken less cash refunded, float not included 现金收款减现金退款，不含备用金' },
            ...drawerRows(r),
          ],
        },
        cardChargesSection(r),
        {
          rows: [
            { label: 'Card terminal total 刷卡终端合计', amountMinor: r.cardTerminalExpectedMinor, bold: true },
            { label: 'card payments less card refunds, plus the charges still on the terminal: check the terminal against this 刷卡收款减刷卡退款，加终端上仍有的未入账刷卡，按此核对刷卡终端' },
          ],
        },
        {
          heading: `Open orders 未结订单 (${open.count})`,
          rows:
            open.count === 0
              ? [{ label: 'All settled 全部已结清' }]
              : [
                  ...open.orders.map((x): ReportRow => ({ label: openOrderLabel(x, r.businessDate), amountMinor: x.dueMinor })),
                  { label: 'Due total 待收合计', amountMinor: open.dueMinor, bold: true },
                ],
        },
      ],
    },
    footerLines: ['Counted by 清点人: ______________'],
    buzz: false,
  };
}

/** The float and what the drawer should hold with it; without a float, no total to count against. */
function drawerRows(r: DayReport): ReportRow[] {
  if (r.floatMinor === null || r.drawerExpectedMinor === null) {
    return [
      { label: 'Opening float 备用金', value: 'not recorded 未登记' },
      { label: 'no drawer total until the float is recorded 登记备用金后才有钱箱合计' },
    ];
  }
  return [
    { label: 'Opening float 备用金', amountMinor: r.floatMinor },
    { label: 'Drawer total 钱箱合计', amountMinor: r.drawerExpectedMinor, bold: true, tall: true },
    { label: 'float + cash in drawer: count against this 备用金加应有现金，按此清点' },
  ];
}

/**
 * The cards a kiosk's terminal charged that are not in the payments: each with its order, time and terminal
 * reference to find it in the terminal's journal, and what a manager said became of it. Those refunded on the
 * terminal or recorded as a payment during the day are off the terminal's extra; earlier days' charges
 * settled so during the day come off it too (listed negative, as a refund is).
 */
function cardChargesSection(r: DayReport): ReportSection {
  const c: UnrecordedCardChargesOfDay = r.unrecordedCardCharges;
  const heading = `Card charges not recorded 未入账刷卡 (${c.count})`;
  const earlier = c.settledOfEarlierDays;
  if (c.count === 0 && earlier.count === 0) return { heading, rows: [{ label: 'None 无' }] };
  const charge = (x: DayCardCharge, sign: 1 | -1): ReportRow[] => [
    { label: `${chargedLabel(x, r)}${x.reference ? ` ${x.reference}` : ''}`, amountMinor: sign * x.amountMinor },
    x.resolvedAt === null ? { label: 'NOT RESOLVED 未处理', bold: true, indent: true } : { label: resolutionLabel(x), indent: true },
  ];
  return {
    heading,
    rows: [
      ...c.charges.flatMap((x) => charge(x, 1)),
      { label: 'Charged on the terminal 终端已扣款', amountMinor: c.amountMinor, bold: true },
      ...(c.unresolved.count > 0 ? [{ label: `of it not resolved 其中未处理 (${c.unresolved.count})`, amountMinor: c.unresolved.amountMinor, indent: true }] : []),
      ...(c.settled.count > 0 ? [{ label: `refunded or paid 已退或已收 (${c.settled.count})`, amountMinor: -c.settled.amountMinor, indent: true }] : []),
      ...(earlier.count > 0
        ? [{ label: `Earlier days 往日未入账 (${earlier.count})` }, ...earlier.charges.flatMap((x) => charge(x, -1))]
        : []),
      { label: 'Still on the terminal 终端上仍有', amountMinor: c.onTerminalMinor, bold: true },
      { label: "in the terminal's total, not in payments 已计入刷卡终端，未计入收款" },
    ],
  };
}

/**
 * '#5 12:05' for a charge of the day; an earlier day's with its business day, as an earlier day's open order
 * is ('#88 (2024-05-01) 21:43'): read a week on, a time alone does not say which night, nor which day's #88.
 */
function chargedLabel(x: DayCardCharge, r: DayReport): string {
  const day = businessDate(x.createdAt, r.timeZone);
  const time = clock(x.createdAt, r.timeZone);
  return day === r.businessDate ? `#${x.orderNumber ?? '?'} ${time}` : `#${x.orderNumber ?? '?'} (${day}) ${time}`;
}

/** What became of a charge, in both languages; the manager's note after it. */
function resolutionLabel(x: DayCardCharge): string {
  const note = x.resolutionNote ? `: ${x.resolutionNote}` : '';
  switch (x.resolutionKind) {
    case 'refunded_on_terminal':
      return `refunded on terminal 已在终端退款${note}`;
    case 'recorded_as_payment':
      return `paid as #${x.resolutionOrderNumber ?? '?'} 收作该单付款${note}`;
    default:
      return `resolved 已处理${note}`;
  }
}

/** '#12 A2'; an earlier day's open order with its day, since numbers restart every business day: '#12 (2024-05-01) A2'. */
function openOrderLabel(x: OpenOrderDue, day: string): string {
  const where = x.tableName ?? CHANNEL_LABELS[x.channel];
  return x.businessDate === day ? `#${x.number} ${where}` : `#${x.number} (${x.businessDate}) ${where}`;
}

/** Payments (sign 1) or refunds (sign -1: money out) by tender, every tender listed, with their total. */
function moneySection(heading: string, totalLabel: string, m: MoneyMoved, sign: 1 | -1): ReportSection {
  return {
    heading: `${heading} (${m.count})`,
    rows: [
      ...TENDERS.map((t): ReportRow => ({ label: `${TENDER_LABELS[t]} x${m.byTender[t].count}`, amountMinor: sign * m.byTender[t].amountMinor, indent: true })),
      { label: totalLabel, amountMinor: sign * m.amountMinor, bold: true },
      ...(m.forOtherDaysMinor !== 0 ? [{ label: 'of it, other days 其中其他营业日', amountMinor: sign * m.forOtherDaysMinor, indent: true }] : []),
    ],
  };
}
