/**
 * Customer-side paper from an order: the bill / receipt and the kiosk pickup slip. Pure functions, no I/O,
 * no clock; the planner and the receipt route store what these return, the worker adds banners when it prints.
 */
import { formatMinor, formatTicketTime, type TicketDocument } from '../../printers/index.ts';
import { hasStandingPayment } from '../domain/order.ts';
import type { Order, Tender } from '../protocol/orders.ts';
import { CHANNEL_LABELS } from './tickets.ts';

/**
 * The pseudo-station a printer lists to print customer receipts and kiosk pickup slips (the front counter's
 * printer). It is not a kitchen station: no dish is routed to it.
 */
export const RECEIPT_STATION = 'receipts';

export interface CustomerPaperContext {
  storeName: string;
  /** the table's name ('A1'), or null for takeaway / kiosk orders */
  tableName: string | null;
  /** IANA time zone of the store */
  timeZone: string;
  /** when the paper is made (UTC epoch ms): the time printed on it */
  at: number;
}

const TENDER_LABELS: Record<Tender, string> = {
  cash: 'Cash 现金',
  card: 'Card 刷卡',
  other: 'Other 其他',
};

/**
 * The bill while something is still due ("BILL / 账单", what to pay), the receipt once the order is paid
 * ("RECEIPT / 收据", with tenders, refunds and change). Voided lines are left off; comped lines print at 0.
 */
export function receiptDocument(order: Order, ctx: CustomerPaperContext): TicketDocument {
  // settled: paid (a payment of 0 settles free dishes; one refunded in full no longer counts), or closed
  // without one (a manager comped it in full)
  const isPaid = order.status === 'closed' || (order.dueMinor <= 0 && hasStandingPayment(order));
  const lines = order.lines.filter((l) => l.status !== 'voided');
  // the receipt shows cash as handed over, and the change (as the till does); a bill still being paid shows
  // what each payment took off it, so total less the payments and refunds is the "Due" under them (cash
  // handed over above "Due", with the change under it, did not add up to it on paper)
  const tenders = order.payments.map((p) => ({
    label: p.reference ? `${TENDER_LABELS[p.tender]} ${p.reference}` : TENDER_LABELS[p.tender],
    amountMinor: isPaid ? (p.tenderedMinor ?? p.amountMinor) : p.amountMinor,
  }));
  // money given back, as a negative amount under the tenders: a receipt reprinted after a refund is true
  for (const r of order.refunds ?? []) tenders.push({ label: r.reference ? `Refund 退款 ${r.reference}` : 'Refund 退款', amountMinor: -r.amountMinor });
  // under any payment or refund, what is still due: also when refunds gave back all that was paid (paid 0)
  if (!isPaid && order.dueMinor > 0 && tenders.length > 0) tenders.push({ label: 'Due 待付', amountMinor: order.dueMinor });
  return {
    kind: 'receipt',
    headerLines: [ctx.storeName, isPaid ? 'RECEIPT / 收据' : 'BILL / 账单'],
    orderNumber: String(order.number),
    ...(ctx.tableName ? { tableLabel: ctx.tableName } : {}),
    time: { epochMs: ctx.at, timeZone: ctx.timeZone },
    ...(order.staffName ? { server: order.staffName } : {}),
    channel: CHANNEL_LABELS[order.channel],
    lines: [],
    receipt: {
      items: lines.map((l) => ({
        qty: l.qty,
        nameZh: optionsSuffix(l.nameZh, l.options.map((o) => o.nameZh)),
        ...(l.nameEn ? { nameEn: l.nameEn } : {}),
        amountMinor: l.lineTotalMinor,
      })),
      subtotalMinor: order.subtotalMinor,
      discountMinor: order.discountMinor,
      totalMinor: order.totalMinor,
      tenders,
      changeMinor: isPaid ? order.payments.reduce((sum, p) => sum + p.changeMinor, 0) : 0,
      // a scanner at the counter finds the order again (refunds, a second copy)
      qrText: `brigade:order:${order.id}`,
    },
    footerLines: isPaid ? ['谢谢光临 Thank you!'] : ['Please pay at the counter or ask your server', '请到前台或向服务员付款'],
    buzz: false,
  };
}

/** The slip a kiosk customer takes away: the number they will be called by, big, and what they ordered. */
export function pickupSlip(order: Order, ctx: CustomerPaperContext): TicketDocument {
  const quoted = order.quotedReadyAt;
  return {
    kind: 'pickup',
    headerLines: [ctx.storeName],
    orderNumber: String(order.number),
    time: { epochMs: ctx.at, timeZone: ctx.timeZone },
    channel: CHANNEL_LABELS[order.channel],
    lines: order.lines
      .filter((l) => l.status !== 'voided')
      .map((l) => ({ qty: l.qty, nameZh: l.nameZh, nameEn: l.nameEn, options: l.options.map((o) => (o.nameEn ? `${o.nameZh} ${o.nameEn}` : o.nameZh)) })),
    footerLines: [
      ...(quoted !== null ? [`Ready about 预计 ${formatTicketTime(quoted, ctx.timeZone).slice(-5)}`] : []),
      order.dueMinor > 0 ? `Pay at the counter 请到前台付款: ${formatMinor(order.dueMinor, '￥')}` : 'Paid 已付款',
      'Watch the screen for your number 请留意叫号',
    ],
    buzz: false,
  };
}

const optionsSuffix = (name: string, options: string[]): string => (options.length > 0 ? `${name} (${options.join('/')})` : name);

