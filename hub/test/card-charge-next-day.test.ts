/**
 * Resolving a kiosk's unrecorded card charge as an order's card payment looks for the order's number on the
 * charge's business day and on the next (hub/domain/card-charges.ts, `paidOrder`): for a card charged at 03:55
 * whose guest ordered again at the counter at 04:05. The next day's order of that number is that guest's
 * only when it was placed just after the charge; one placed hours later is another party's, with a card
 * payment of its own that must not be taken off the terminal's extra. Over real SQLite, the demo store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UnrecordedCardCharge } from '../protocol/card-charges.ts';
import type { LineInput, Order, PaymentInput } from '../protocol/orders.ts';
import { CardChargeService } from '../domain/card-charges.ts';
import type { Principal } from '../domain/principal.ts';
import { cashier, type DemoStore, domainErrorOf, kiosk, manager, openDemoStore, shanghai, tofu, waiter } from '../domain/test-support.ts';
import { SqliteCardChargeRepo } from '../store/card-charge-repo.ts';

let s: DemoStore;
let service: CardChargeService;
beforeEach(() => {
  s = openDemoStore();
  service = new CardChargeService(new SqliteCardChargeRepo(s.db));
});
afterEach(() => s.db.close());

const place = (at: number, lines: LineInput[], who: Principal = waiter, channel: 'pos' | 'kiosk' = 'pos'): Order =>
  s.run(() => s.service.place(channel === 'pos' ? { channel, tableId: 't-a1', lines } : { channel, lines }, s.ctx(who, at)));
const pay = (o: Order, at: number, input: PaymentInput) => s.run(() => s.service.pay(o.id, input, s.ctx(cashier, at))).payment;
/** The kiosk's card payment of `o`, refused by the hub (the order was paid at the counter meanwhile): the charge. */
const refusedAtKiosk = (o: Order, at: number, reference: string): UnrecordedCardCharge => {
  const input: PaymentInput = { tender: 'card', amountMinor: o.totalMinor, reference };
  const ctx = s.ctx(kiosk, at);
  const refusal = domainErrorOf(() => s.run(() => s.service.pay(o.id, input, ctx)));
  return s.run(() => service.recordRefusedPayment(o.id, input, refusal, ctx))!;
};
const resolveAs = (c: UnrecordedCardCharge, at: number, orderNumber: number) =>
  s.run(() => service.resolve(c.id, { kind: 'recorded_as_payment', orderNumber }, s.ctx(manager, at)));

describe('a charge resolved as a payment, the next business day', () => {
  it("refuses the kiosk order's own number when it was paid in cash, though the next day has an order of that number paid by card hours later", () => {
    // 1 May 22:00: the day's first order is the kiosk's; the guest pays it in cash at the counter, then the
    // kiosk's terminal charges the card too: the hub refuses to record it, and the charge is to be refunded
    const k = place(shanghai(2024, 5, 1, 22), [tofu()], kiosk, 'kiosk');
    pay(k, shanghai(2024, 5, 1, 22, 1), { tender: 'cash', amountMinor: k.totalMinor, tenderedMinor: k.totalMinor });
    const c = refusedAtKiosk(k, shanghai(2024, 5, 1, 22, 2), 'K-TWICE');
    // 2 May: its first order, at a table at noon, paid by card at 13:00 — another party's, another card
    const lunch = place(shanghai(2024, 5, 2, 12), [tofu()]);
    expect([lunch.businessDate, lunch.number]).toEqual(['2024-05-02', k.number]);
    pay(lunch, shanghai(2024, 5, 2, 13), { tender: 'card', amountMinor: lunch.totalMinor, reference: 'T-LUNCH' });

    // 2 May 14:00 the manager takes the sheet's prefilled number (the kiosk order's) and says "recorded as a
    // payment": the kiosk order has no card payment, and lunch's card is not this charge
    const refused = domainErrorOf(() => resolveAs(c, shanghai(2024, 5, 2, 14), k.number));
    expect(refused).toMatchObject({ code: 'invalid_order', details: { orderNumber: k.number, orderId: k.id } });
    expect(s.db.prepare('SELECT resolved_at FROM unrecorded_card_charges WHERE id = ?').pluck().get(c.id)).toBeNull();
  });

  it('still takes the order placed instead just after 04:00 (the charge at 03:55)', () => {
    const k = place(shanghai(2024, 5, 2, 3, 50), [tofu()], kiosk, 'kiosk');
    pay(k, shanghai(2024, 5, 2, 3, 52), { tender: 'cash', amountMinor: k.totalMinor, tenderedMinor: k.totalMinor });
    const c = refusedAtKiosk(k, shanghai(2024, 5, 2, 3, 55), 'K-LATE');
    const instead = place(shanghai(2024, 5, 2, 4, 5), [tofu()]);
    expect([instead.businessDate, instead.number]).toEqual(['2024-05-02', 1]);
    const paid = pay(instead, shanghai(2024, 5, 2, 4, 6), { tender: 'card', amountMinor: instead.totalMinor, reference: 'K-LATE' });
    expect(resolveAs(c, shanghai(2024, 5, 2, 9), instead.number)).toMatchObject({ resolutionOrderId: instead.id, settledAt: paid.createdAt });
  });
});
