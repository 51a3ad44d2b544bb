import { describe, expect, it } from 'vitest';
import { displayWidth, previewTicket } from '../../printers/index.ts';
import type { Order, OrderLine, Payment } from '../protocol/orders.ts';
import { AT, orderLine } from './order-fixtures.ts';
import { pickupSlip, receiptDocument, type CustomerPaperContext } from './receipts.ts';

const ctx: CustomerPaperContext = { storeName: '川味小馆 Sichuan House', tableName: 'A1', timeZone: 'Asia/Shanghai', at: AT };
const GB48 = { encoding: 'gb18030', widthChars: 48, buzzer: 'none' } as const;
const GB32 = { encoding: 'gb18030', widthChars: 32, buzzer: 'none' } as const;

const line = (id: string, over: Partial<OrderLine> = {}): OrderLine => orderLine(id, { addedByStaffId: null, ...over });

const payment = (over: Partial<Payment>): Payment =>
  ({ id: 'p', tender: 'cash', amountMinor: 0, lines: [], tenderedMinor: null, changeMinor: 0, reference: null, createdAt: AT, staffId: null, ...over }) as Payment;

function order(over: Partial<Order> = {}): Order {
  const lines = [
    line('l1', { options: [{ id: 'spice-hot', groupId: 'spice', nameZh: '特辣', nameEn: 'Extra hot', priceDeltaMinor: 0 }] }),
    line('l2', { itemId: 'beer', nameZh: '青岛啤酒', nameEn: 'Tsingtao Beer', qty: 2, unitPriceMinor: 1200, lineTotalMinor: 2400 }),
    line('l3', { nameZh: '退掉的菜', nameEn: 'Voided dish', status: 'voided', lineTotalMinor: 0 }),
  ];
  return {
    id: 'o-1',
    number: 42,
    businessDate: '2024-05-01',
    channel: 'pos',
    tableId: 't-a1',
    guestCount: 2,
    note: null,
    status: 'served',
    lines,
    payments: [],
    subtotalMinor: 5200,
    discountMinor: 0,
    discountReason: null,
    totalMinor: 5200,
    paidMinor: 0,
    dueMinor: 5200,
    revision: 3,
    createdAt: AT,
    updatedAt: AT,
    closedAt: null,
    quotedReadyAt: null,
    rush: false,
    deviceId: null,
    staffId: 's-1',
    staffName: '王芳 Wang Fang',
    ...over,
  } as Order;
}

describe('receiptDocument', () => {
  it('prints the bill while something is due: the dishes with their options and amounts, no voided line, the total', () => {
    const text = previewTicket(receiptDocument(order(), ctx), GB48);
    expect(text).toContain('BILL / 账单');
    expect(text).toContain('川味小馆 Sichuan House');
    expect(text).toContain('1 麻婆豆腐 (特辣)');
    expect(text).toMatch(/2 青岛啤酒 +￥24\.00/);
    expect(text).not.toContain('退掉的菜');
    expect(text).toMatch(/Total 合计 +￥52\.00/);
    expect(text).toContain('#42');
    expect(text).toContain('A1');
  });

  it('prints the receipt once paid: each tender, cash as handed over, and the change', () => {
    const paid = order({
      status: 'closed',
      paidMinor: 5200,
      dueMinor: 0,
      payments: [
        payment({ id: 'p1', tender: 'card', amountMinor: 2000, reference: 'VISA 4242' }),
        payment({ id: 'p2', tender: 'cash', amountMinor: 3200, tenderedMinor: 5000, changeMinor: 1800 }),
      ],
    });
    const text = previewTicket(receiptDocument(paid, ctx), GB48);
    expect(text).toContain('RECEIPT / 收据');
    expect(text).toMatch(/Card 刷卡 VISA 4242 +￥20\.00/);
    expect(text).toMatch(/Cash 现金 +￥50\.00/);
    expect(text).toMatch(/Change 找零 +￥18\.00/);
    expect(text).toContain('谢谢光临 Thank you!');
    expect(text).toContain('[QR brigade:order:o-1]');
  });

  it('prints each refund under the tenders, so a reprinted receipt is true', () => {
    const refunded = order({
      status: 'closed',
      paidMinor: 4000,
      dueMinor: 1200,
      payments: [
        payment({ id: 'p1', tender: 'card', amountMinor: 2000, reference: 'VISA 4242' }),
        payment({ id: 'p2', tender: 'cash', amountMinor: 3200 }),
      ],
      refunds: [{ id: 'r1', paymentId: 'p2', amountMinor: 1200, lines: [], reference: null, reason: 'cold rice', createdAt: AT, staffId: 's-9' }],
    });
    const text = previewTicket(receiptDocument(refunded, ctx), GB32);
    expect(text).toContain('RECEIPT / 收据');
    expect(text).toMatch(/Cash 现金 +￥32\.00\n.*Refund 退款 +-￥12\.00/);
    expect(text).not.toContain('Due');
    for (const l of text.split('\n')) expect(displayWidth(l, 'gb18030')).toBeLessThanOrEqual(32);
  });

  it('prints a bill, not a receipt, for an open order comped after its only payment was given back in full', () => {
    // nothing due, but nothing settled it: the payment of 0 that settles a comped bill is still to come
    const comped = order({
      discountMinor: 5200,
      discountGrantedMinor: 5200,
      totalMinor: 0,
      paidMinor: 0,
      dueMinor: 0,
      payments: [payment({ id: 'p1', tender: 'cash', amountMinor: 5200 })],
      refunds: [{ id: 'r1', paymentId: 'p1', amountMinor: 5200, lines: [], reference: null, reason: 'comp instead', createdAt: AT, staffId: null }],
    });
    const text = previewTicket(receiptDocument(comped, ctx), GB32);
    expect(text).toContain('BILL / 账单');
    expect(text).not.toContain('RECEIPT');
  });

  it.each<{ what: string; over: Partial<Order> }>([
    { what: 'a bill a manager comped in full (closed, no payment)', over: { status: 'closed', discountMinor: 5200, discountGrantedMinor: 5200, totalMinor: 0, dueMinor: 0 } },
    { what: 'free dishes settled by a payment of 0', over: { status: 'closed', subtotalMinor: 0, totalMinor: 0, dueMinor: 0, payments: [payment({ tender: 'other', amountMinor: 0 })] } },
  ])('prints the receipt, not a bill to pay, for $what', ({ over }) => {
    const text = previewTicket(receiptDocument(order(over), ctx), GB48);
    expect(text).toContain('RECEIPT / 收据');
    expect(text).not.toContain('Please pay');
  });

  it('prints a bill for free dishes nobody settled yet: the order is still open', () => {
    const text = previewTicket(receiptDocument(order({ subtotalMinor: 0, totalMinor: 0, dueMinor: 0 }), ctx), GB48);
    expect(text).toContain('BILL / 账单');
  });

  it('shows what is still due after a partial payment, and fits 58 mm paper', () => {
    const part = order({
      paidMinor: 2000,
      dueMinor: 3200,
      payments: [payment({ id: 'p1', tender: 'card', amountMinor: 2000 })],
    });
    const text = previewTicket(receiptDocument(part, ctx), GB32);
    expect(text).toContain('BILL / 账单');
    expect(text).toMatch(/Due 待付 +￥32\.00/);
    for (const l of text.split('\n')) expect(displayWidth(l, 'gb18030')).toBeLessThanOrEqual(32);
  });

  it('shows what is due on a bill whose only payment was given back in full: the tenders net to nothing, the whole bill is due', () => {
    const givenBack = order({
      paidMinor: 0,
      dueMinor: 5200,
      payments: [payment({ id: 'p1', tender: 'cash', amountMinor: 5200 })],
      refunds: [{ id: 'r1', paymentId: 'p1', amountMinor: 5200, lines: [], reference: null, reason: 'wrong table', createdAt: AT, staffId: 's-9' }],
    });
    const text = previewTicket(receiptDocument(givenBack, ctx), GB32);
    expect(text).toContain('BILL / 账单');
    expect(text).toMatch(/Refund 退款 +-￥52\.00\n.*Due 待付 +￥52\.00/);
  });

  it('on a bill printed mid-payment, each payment shows what it took off the bill (not the cash handed over), so total less payments is what is due', () => {
    const part = order({
      paidMinor: 2000,
      dueMinor: 3200,
      payments: [payment({ id: 'p1', tender: 'cash', amountMinor: 2000, tenderedMinor: 5000, changeMinor: 3000 })],
    });
    const text = previewTicket(receiptDocument(part, ctx), GB32);
    expect(text).toContain('BILL / 账单');
    expect(text).toMatch(/Cash 现金 +￥20\.00\n.*Due 待付 +￥32\.00/);
    expect(text).not.toContain('Change');
    // once paid, the receipt shows the cash as handed over and the change, as the till does
    const paid = order({
      status: 'closed',
      paidMinor: 5200,
      dueMinor: 0,
      payments: [part.payments[0]!, payment({ id: 'p2', tender: 'card', amountMinor: 3200, reference: 'VISA 4242' })],
    });
    const receipt = previewTicket(receiptDocument(paid, ctx), GB32);
    expect(receipt).toMatch(/Cash 现金 +￥50\.00/);
    expect(receipt).toMatch(/Change 找零 +￥30\.00/);
  });
});

describe('pickupSlip', () => {
  it('prints the number big, the dishes, what to pay at the counter and the quoted time', () => {
    const kiosk = order({ channel: 'kiosk', tableId: null, quotedReadyAt: AT + 25 * 60_000 });
    const text = previewTicket(pickupSlip(kiosk, { ...ctx, tableName: null }), GB48);
    expect(text).toContain('PICKUP 取餐');
    expect(text).toContain('#42');
    expect(text).toContain('麻婆豆腐');
    expect(text).not.toContain('退掉的菜');
    expect(text).toContain('Ready about 预计 12:59');
    expect(text).toContain('请到前台付款: ￥52.00');
  });
});
