import type { CardChargeResolutionKind, ResolveCardCharge, UnrecordedCardCharge } from '../protocol/card-charges.ts';
import type { PaymentInput, Tender } from '../protocol/orders.ts';
import { businessDate, dayAfter } from './business-date.ts';
import { DomainError } from './errors.ts';
import type { CommandContext } from './ports.ts';
import { requireStaff, staffRoles, type Principal } from './principal.ts';

/** Where unrecorded card charges are kept (hub/store/card-charge-repo.ts). */
export interface CardChargeRepo {
  insert(charge: UnrecordedCardCharge): void;
  get(id: string): UnrecordedCardCharge | undefined;
  /** Open (unresolved) ones, oldest first. */
  listOpen(limit: number): UnrecordedCardCharge[];
  resolve(id: string, at: number, by: string, resolution: Resolution): void;
  /** The number of an order, if the hub knows it. */
  orderNumber(orderId: string): number | null;
  /** The order of `number` on a business day, if there is one, with when it was placed. */
  orderOfDay(businessDate: string, number: number): { id: string; number: number; createdAt: number } | undefined;
  /** The order's card payments, oldest first. */
  cardPayments(orderId: string): { id: string; createdAt: number }[];
  /** Whether a charge of this kiosk's terminal sale (its order, amount and terminal reference) is recorded already. */
  hasChargeOf(sale: { deviceId: string; orderId: string; amountMinor: number; reference: string }): boolean;
  /** The payment recorded under `id`, on whichever order it is now (a merge moves it), if there is one. */
  payment(id: string): { tender: Tender; amountMinor: number; reference: string | null } | undefined;
  /**
   * The order's payments charges were resolved as, on whichever order they were resolved (a merge moves a
   * payment), and null for each charge resolved on this order before payments were named.
   */
  paymentsClaimed(orderId: string): (string | null)[];
}

/** What a manager said became of a charge, as it is stored. */
export interface Resolution {
  kind: CardChargeResolutionKind;
  orderId: string | null;
  orderNumber: number | null;
  /** `recorded_as_payment`: the card payment it became. */
  paymentId: string | null;
  note: string | null;
  /** See `UnrecordedCardCharge.settledAt`. */
  settledAt: number | null;
}

/** Staff tablets hear these; kiosks and phones do not (domain/public-reads.ts `streamTopicsFor`). */
export const CARD_CHARGE_TOPICS = ['orders', 'floor'] as const;

/** More open ones than any shift leaves; the list is a to-do, not a report. */
const OPEN_LISTED = 200;

/**
 * How soon after the charge the next business day's order must have been placed to be the one the guest
 * ordered instead (`paidOrder`): at the counter, minutes after the kiosk's card was refused.
 */
export const NEXT_DAY_ORDER_WITHIN_MS = 60 * 60_000;

/** Who sees the strip: the staff who take payments (the event reaches them on `orders` anyway). */
const READERS = staffRoles.pay;

/**
 * A kiosk's card sale the hub refused to record. The kiosk posts a card payment only after its terminal
 * approved the sale (docs/kiosk.md), so a refusal means a customer was charged with nothing in the takings:
 * someone must refund it on the terminal or take it for the order at the counter.
 */
export class CardChargeService {
  constructor(private readonly repo: CardChargeRepo) {}

  /**
   * Called with a payment's refusal, outside the handler's rolled-back savepoint and in the transaction that
   * stores the refusal as the key's answer. Records only what a kiosk's terminal charged (tender card from a
   * kiosk device); a waiter whose payment is refused is standing at the tablet that says so.
   */
  recordRefusedPayment(orderId: string, input: PaymentInput, refusal: DomainError, ctx: CommandContext): UnrecordedCardCharge | undefined {
    const p = ctx.principal;
    if (!(p.kind === 'device' && p.deviceKind === 'kiosk') || input.tender !== 'card') return undefined;
    if (this.isRecordedAlready(input)) return undefined;
    // the same sale refused again under another key: one card charged, so one charge to refund or take
    if (input.reference && this.repo.hasChargeOf({ deviceId: p.deviceId, orderId, amountMinor: input.amountMinor, reference: input.reference })) return undefined;
    const charge: UnrecordedCardCharge = {
      id: ctx.newId(),
      orderId,
      orderNumber: this.repo.orderNumber(orderId),
      amountMinor: input.amountMinor,
      reference: input.reference ?? null,
      deviceId: p.deviceId,
      refusal: { code: refusal.code, message: refusal.message },
      createdAt: ctx.now,
      resolvedAt: null,
      resolvedBy: null,
      resolutionKind: null,
      resolutionOrderId: null,
      resolutionOrderNumber: null,
      resolutionNote: null,
      settledAt: null,
    };
    this.repo.insert(charge);
    ctx.events.emit('payment.unrecorded', { charge }, CARD_CHARGE_TOPICS);
    return charge;
  }

  /**
   * The kiosk sent, under another key, a card payment the hub recorded: the same approval stored twice on it
   * (its outbox entries each have their own key), refused as a payment id the hub has. That card is in the
   * takings: recorded as unrecorded, the strip asked for a refund of money the bill holds, and the report
   * counted it on the terminal twice. The same id with another amount or reference is another sale.
   */
  private isRecordedAlready(input: PaymentInput): boolean {
    const recorded = input.id === undefined ? undefined : this.repo.payment(input.id);
    return recorded !== undefined && recorded.tender === 'card' && recorded.amountMinor === input.amountMinor && recorded.reference === (input.reference ?? null);
  }

  listOpen(principal: Principal): UnrecordedCardCharge[] {
    requireStaff(principal, READERS, 'unrecorded card charges');
    return this.repo.listOpen(OPEN_LISTED);
  }

  /**
   * A manager says what became of the money. Once only: a second resolve is refused with who did it.
   * `recorded_as_payment` names the order by its number on the business day the card was charged or the
   * next (the kiosk's own order first, whatever its day), and that order must have a card payment that can
   * be this charge (`paidOrder`): the day's report takes the charge out of what the terminal holds beyond
   * the payments on the strength of it, on the day that payment was taken (it is in that day's payments).
   */
  resolve(id: string, input: ResolveCardCharge, ctx: CommandContext): UnrecordedCardCharge {
    const staff = requireStaff(ctx.principal, staffRoles.managerOnly, 'resolving an unrecorded card charge');
    const before = this.repo.get(id);
    if (!before) throw new DomainError('not_found', 'no such unrecorded card charge');
    if (before.resolvedAt !== null) {
      throw new DomainError('conflict', `this card charge was already resolved: ${before.resolutionKind ?? 'other'} ${before.resolutionNote ?? ''}`.trim(), {
        resolvedAt: before.resolvedAt,
        resolvedBy: before.resolvedBy,
      });
    }
    const paid = input.kind === 'recorded_as_payment' && input.orderNumber !== undefined ? this.paidOrder(before, input.orderNumber, ctx.timeZone) : null;
    const resolution: Resolution = {
      kind: input.kind,
      orderId: paid?.order.id ?? null,
      orderNumber: paid?.order.number ?? null,
      paymentId: paid?.payment.id ?? null,
      note: input.note || null,
      settledAt: paid ? paid.payment.createdAt : input.kind === 'refunded_on_terminal' ? ctx.now : null,
    };
    this.repo.resolve(id, ctx.now, staff.staffId, resolution);
    const charge: UnrecordedCardCharge = {
      ...before,
      resolvedAt: ctx.now,
      resolvedBy: staff.staffId,
      resolutionKind: resolution.kind,
      resolutionOrderId: resolution.orderId,
      resolutionOrderNumber: resolution.orderNumber,
      resolutionNote: resolution.note,
      settledAt: resolution.settledAt,
    };
    ctx.events.emit('payment.unrecorded_resolved', { charge }, CARD_CHARGE_TOPICS);
    return charge;
  }

  /**
   * The order a charge was recorded on as a card payment, by its number, and the payment: the oldest of its
   * card payments that can be this charge. Refused if there is none: one taken before the hub refused the
   * charge was taken before anyone knew of it (the guest paid at the counter with a swipe of its own, then the
   * kiosk charged again: that charge is to be refunded), and each payment is one charge's at most (two
   * charges taken off the terminal on the strength of one payment would take one off that the payments never had).
   *
   * The number is looked for on the charge's business day and on the next: a card charged at 03:55 and
   * refused is taken at the counter on the order the guest placed instead at 04:05, the next day's, and
   * numbers restart every day (the charge's day has a #3 as well, long paid). The first of the kiosk's own
   * order, the charge's day's and the next day's that has a payment that can be this charge is the one: a
   * card payment taken after the charge and not yet another charge's tells the two days' orders apart, and
   * when both have one (both paid by card since) the charge's own day's is taken, as before the next day was
   * looked at. The next day's counts only if it was placed within NEXT_DAY_ORDER_WITHIN_MS of the charge:
   * every order of the next day comes after the charge, and most are paid by card, so a number typed for the
   * charge's day (the sheet fills in the kiosk order's, paid in cash) found the next day's lunch of that
   * number and took its card payment off the terminal's extra, the double charge never refunded. Days
   * further on are not looked at: a week's numbers would name a week of orders.
   */
  private paidOrder(charge: UnrecordedCardCharge, number: number, timeZone: string): { order: { id: string; number: number }; payment: { id: string; createdAt: number } } {
    const day = businessDate(charge.createdAt, timeZone);
    const next = dayAfter(day);
    const candidates: { order: { id: string; number: number }; of: string }[] = [];
    const consider = (order: { id: string; number: number } | undefined, of: string) => {
      if (order && !candidates.some((c) => c.order.id === order.id)) candidates.push({ order: { id: order.id, number: order.number }, of });
    };
    if (charge.orderNumber === number) consider({ id: charge.orderId, number }, "the kiosk's order");
    consider(this.repo.orderOfDay(day, number), `the order of ${day}`);
    const nextDays = this.repo.orderOfDay(next, number);
    if (nextDays && nextDays.createdAt - charge.createdAt <= NEXT_DAY_ORDER_WITHIN_MS) consider(nextDays, `the order of ${next}`);
    if (candidates.length === 0) {
      throw new DomainError('invalid_order', `there is no order #${number} on ${day}, the day the card was charged, nor one placed on ${next} within ${NEXT_DAY_ORDER_WITHIN_MS / 60_000} minutes of the charge`, { orderNumber: number, businessDate: day });
    }
    const refusals: string[] = [];
    for (const { order } of candidates) {
      const found = this.paymentThatCanBe(charge, order);
      if (typeof found !== 'string') return { order, payment: found };
      refusals.push(found);
    }
    const details = { orderNumber: number, orderId: candidates[0]!.order.id };
    if (candidates.length === 1) throw new DomainError('invalid_order', refusals[0]!, details);
    throw new DomainError('invalid_order', `no order #${number} has a card payment that can be this charge: ${candidates.map((c, i) => `${c.of}: ${refusals[i]}`).join('; ')}`, details);
  }

  /** The order's oldest card payment that can be this charge, or why none can. */
  private paymentThatCanBe(charge: UnrecordedCardCharge, order: { id: string; number: number }): { id: string; createdAt: number } | string {
    const payments = this.repo.cardPayments(order.id);
    if (payments.length === 0) {
      return `order #${order.number} has no card payment: record it there first (tender card, the terminal's reference), then resolve`;
    }
    const after = payments.filter((p) => p.createdAt >= charge.createdAt);
    if (after.length === 0) {
      return `order #${order.number}'s card payments were all taken before this card was charged, so none of them is this charge: a second charge is refunded on the terminal`;
    }
    const claimed = this.repo.paymentsClaimed(order.id);
    // a charge resolved before payments were named claimed one without saying which: the oldest free ones go
    const unnamed = claimed.filter((id) => id === null).length;
    const free = after.filter((p) => !claimed.includes(p.id)).slice(unnamed);
    if (free.length === 0) {
      return `each card payment of order #${order.number} is already another unrecorded charge's: record this one there too (tender card, the terminal's reference), then resolve`;
    }
    return free[0]!;
  }
}
