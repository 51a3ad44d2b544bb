import { describe, expect, it } from 'vitest';
import type { KitchenStatus, LineStatus, Order, OrderStatus, PaymentInput } from '../protocol/orders.ts';
import { advanceLines, deriveStatus, discount, fire, isOpen, merge, moveTable, pay, recallLines, reopen, requestBill, settle, transfer, voidLine, voidOrder } from './order.ts';
import { seatsOf } from './bill.ts';
import { domainErrorOf, makeLine, makeOrder, NOON, outcomeOf } from './test-support.ts';

const LATER = NOON + 60_000;

/** An order of one line per status, priced 1000 each. */
const orderOf = (...statuses: LineStatus[]): Order =>
  makeOrder(statuses.map((status, i) => makeLine({ id: `l${i + 1}`, status })));

/** A 3600 order (2800 + 800) with the given payments taken through the rules. */
function orderPaid(...amounts: number[]): Order {
  let order = makeOrder([
    makeLine({ id: 'tofu', unitPriceMinor: 2800, status: 'served' }),
    makeLine({ id: 'plum', itemId: 'sour-plum-drink', stationId: 'bar', unitPriceMinor: 800, status: 'served' }),
  ]);
  amounts.forEach((amountMinor, i) => {
    order = pay(order, { tender: 'other', amountMinor }, { id: `p${i + 1}`, now: NOON, staffId: 's-cashier' }).order;
  });
  return order;
}

const takePayment = (order: Order, input: PaymentInput) => pay(order, input, { id: 'p-new', now: LATER, staffId: 's-cashier' });

describe('deriveStatus', () => {
  it.each<{ lines: LineStatus[]; status: OrderStatus }>([
    { lines: [], status: 'placed' },
    { lines: ['held', 'held'], status: 'placed' },
    { lines: ['voided', 'voided'], status: 'placed' },
    { lines: ['held', 'fired'], status: 'fired' },
    { lines: ['fired', 'voided'], status: 'fired' },
    { lines: ['fired', 'preparing'], status: 'preparing' },
    { lines: ['fired', 'ready'], status: 'preparing' },
    { lines: ['preparing', 'served'], status: 'preparing' },
    { lines: ['ready', 'ready'], status: 'ready' },
    { lines: ['ready', 'served'], status: 'ready' },
    { lines: ['served', 'served'], status: 'served' },
    { lines: ['served', 'voided'], status: 'served' },
  ])('an open order with lines $lines is $status', ({ lines, status }) => {
    const order = { status: 'placed' as const, lines: lines.map((s, i) => makeLine({ id: `l${i}`, status: s })) };
    expect(deriveStatus(order)).toBe(status);
  });

  it.each<OrderStatus>(['closed', 'voided'])('keeps the stored %s status whatever the lines say', (stored) => {
    const lines = [makeLine({ id: 'l1', status: 'fired' })];
    expect(deriveStatus({ status: stored, lines })).toBe(stored);
  });
});

describe('settle', () => {
  const lines = [
    makeLine({ id: 'tofu', unitPriceMinor: 2800 }),
    makeLine({ id: 'plum', unitPriceMinor: 800, qty: 2 }),
    makeLine({ id: 'fish', unitPriceMinor: 9800, status: 'voided' }),
  ];

  it.each([
    { what: 'sums live lines and ignores voided ones', granted: 0, subtotal: 4400, discountAfter: 0, total: 4400 },
    { what: 'takes the discount off the subtotal', granted: 400, subtotal: 4400, discountAfter: 400, total: 4000 },
    { what: 'caps a discount at the subtotal, keeping what was granted', granted: 9999, subtotal: 4400, discountAfter: 4400, total: 0 },
  ])('$what', ({ granted, subtotal, discountAfter, total }) => {
    const order = settle({ ...makeOrder(lines), discountGrantedMinor: granted }, LATER);
    expect(order).toMatchObject({
      subtotalMinor: subtotal,
      discountMinor: discountAfter,
      discountGrantedMinor: granted,
      totalMinor: total,
      paidMinor: 0,
      dueMinor: total,
    });
  });

  it('bumps the revision and the change time on every call', () => {
    const before = makeOrder(lines);
    const after = settle(before, LATER);
    expect(after.revision).toBe(before.revision + 1);
    expect(after.updatedAt).toBe(LATER);
  });
});

describe('fire', () => {
  const coursed = () =>
    makeOrder([
      makeLine({ id: 'starter', course: 1 }),
      makeLine({ id: 'main', course: 2 }),
      makeLine({ id: 'drink', course: 2, stationId: 'bar' }),
      makeLine({ id: 'fired-earlier', course: 2, status: 'fired' }),
      makeLine({ id: 'dessert', course: 3 }),
    ]);

  it.each([
    { what: 'only the held lines of the given course', course: 2, only: undefined, fired: ['main', 'drink'] },
    { what: 'every held line when no course is given', course: undefined, only: undefined, fired: ['starter', 'main', 'drink', 'dessert'] },
    { what: 'nothing for a course without held lines', course: 4, only: undefined, fired: [] },
    { what: 'only the named held lines', course: undefined, only: new Set(['dessert', 'fired-earlier']), fired: ['dessert'] },
  ])('sends $what to the kitchen', ({ course, only, fired }) => {
    const change = fire(coursed(), course, LATER, only);
    expect(change.lines.map((l) => l.id)).toEqual(fired);
    for (const l of change.lines) expect(l).toMatchObject({ status: 'fired', firedAt: LATER });
    const untouched = change.order.lines.filter((l) => !fired.includes(l.id));
    expect(untouched).toEqual(coursed().lines.filter((l) => !fired.includes(l.id)));
  });

  it('moves a placed order to fired', () => {
    expect(fire(coursed(), 1, LATER).order.status).toBe('fired');
  });

  it('refuses a closed order', () => {
    expect(domainErrorOf(() => fire(orderPaid(3600), undefined, LATER)).code).toBe('order_closed');
  });
});

describe('advanceLines', () => {
  const allowed: Record<KitchenStatus, LineStatus[]> = {
    preparing: ['fired'],
    ready: ['fired', 'preparing'],
    served: ['fired', 'preparing', 'ready'],
  };
  const transitions = (['held', 'fired', 'preparing', 'ready', 'served', 'voided'] as const).flatMap((from) =>
    (['preparing', 'ready', 'served'] as const).map((to) => ({
      from,
      to,
      outcome: allowed[to].includes(from) ? ('ok' as const) : ('invalid_transition' as const),
    })),
  );

  it.each(transitions)('a $from line named explicitly → $to: $outcome', ({ from, to, outcome }) => {
    const order = orderOf(from, 'fired');
    const run = () => advanceLines(order, to, ['l1'], LATER);
    expect(outcomeOf(run)).toBe(outcome);
    if (outcome === 'ok') {
      const { order: next, lines } = run();
      expect(lines.map((l) => [l.id, l.status])).toEqual([['l1', to]]);
      expect(next.lines.find((l) => l.id === 'l2')?.status).toBe('fired');
    }
  });

  it.each(transitions)('a lone $from line, no ids given → $to: $outcome', ({ from, to, outcome }) => {
    const run = () => advanceLines(orderOf(from), to, undefined, LATER);
    expect(outcomeOf(run)).toBe(outcome);
    if (outcome === 'ok') expect(run().order.lines[0]?.status).toBe(to);
  });

  it.each<{ to: KitchenStatus; moved: string[] }>([
    { to: 'preparing', moved: ['l2'] },
    { to: 'ready', moved: ['l2', 'l3'] },
    { to: 'served', moved: ['l2', 'l3', 'l4'] },
  ])('without ids moves every line that can take $to and leaves the rest', ({ to, moved }) => {
    const { order, lines } = advanceLines(orderOf('held', 'fired', 'preparing', 'ready', 'served', 'voided'), to, undefined, LATER);
    expect(lines.map((l) => l.id)).toEqual(moved);
    expect(order.lines.filter((l) => l.status === to).map((l) => l.id)).toEqual(expect.arrayContaining(moved));
    expect(order.lines[0]?.status).toBe('held');
    expect(order.lines[5]?.status).toBe('voided');
  });

  it.each<{ from: LineStatus; to: KitchenStatus; readyAt: number | null; servedAt: number | null }>([
    { from: 'fired', to: 'preparing', readyAt: null, servedAt: null },
    { from: 'preparing', to: 'ready', readyAt: LATER, servedAt: null },
    { from: 'fired', to: 'served', readyAt: LATER, servedAt: LATER },
    { from: 'ready', to: 'served', readyAt: NOON, servedAt: LATER },
  ])('stamps $from → $to with readyAt $readyAt and servedAt $servedAt', ({ from, to, readyAt, servedAt }) => {
    const [line] = advanceLines(orderOf(from), to, ['l1'], LATER).lines;
    expect(line).toMatchObject({ readyAt, servedAt });
  });

  it('refuses the whole request when one named line cannot move', () => {
    const error = domainErrorOf(() => advanceLines(orderOf('fired', 'held'), 'preparing', ['l1', 'l2'], LATER));
    expect(error.code).toBe('invalid_transition');
    expect(error.details).toEqual({ lineId: 'l2', from: 'held', to: 'preparing' });
  });

  it('answers not_found for a line id the order does not have', () => {
    const error = domainErrorOf(() => advanceLines(orderOf('fired'), 'ready', ['l1', 'nope'], LATER));
    expect(error.code).toBe('not_found');
    expect(error.details).toEqual({ lineId: 'nope' });
  });

  it('refuses a voided order', () => {
    const voided = voidOrder(orderOf('held'), 'walked out', NOON).order;
    expect(domainErrorOf(() => advanceLines(voided, 'served', undefined, LATER)).code).toBe('order_closed');
  });

  it('moves a line named twice once: the event lists it once, so no screen counts it twice', () => {
    const { order, lines } = advanceLines(orderOf('fired', 'fired'), 'ready', ['l1', 'l1', 'l2', 'l1'], LATER);
    expect(lines.map((l) => l.id)).toEqual(['l1', 'l2']);
    expect(order.lines.map((l) => l.status)).toEqual(['ready', 'ready']);
  });

  it('still moves lines of a closed (paid) order, which stays closed', () => {
    const paid = pay(orderOf('fired'), { tender: 'other', amountMinor: 1000 }, { id: 'p1', now: NOON, staffId: null }).order;
    const { order } = advanceLines(paid, 'served', undefined, LATER);
    expect(order.status).toBe('closed');
    expect(order.lines[0]?.status).toBe('served');
  });
});

describe('recallLines', () => {
  it.each<{ from: LineStatus; outcome: string }>([
    { from: 'held', outcome: 'invalid_transition' },
    { from: 'fired', outcome: 'invalid_transition' },
    { from: 'preparing', outcome: 'invalid_transition' },
    { from: 'ready', outcome: 'ok' },
    { from: 'served', outcome: 'invalid_transition' },
    { from: 'voided', outcome: 'invalid_transition' },
  ])('a $from line named explicitly → $outcome', ({ from, outcome }) => {
    const run = () => recallLines(orderOf(from, 'ready'), ['l1'], LATER);
    expect(outcomeOf(run)).toBe(outcome);
    if (outcome === 'ok') {
      expect(run().lines).toEqual([expect.objectContaining({ id: 'l1', status: 'preparing', readyAt: null })]);
      expect(run().order.lines[1]?.status).toBe('ready');
    }
  });

  it('without ids puts every ready line back to preparing, and the order with it', () => {
    const { order, lines } = recallLines(orderOf('ready', 'served', 'ready'), undefined, LATER);
    expect(lines.map((l) => l.id)).toEqual(['l1', 'l3']);
    expect(order.status).toBe('preparing');
  });

  it('recalls a line named twice once', () => {
    const { lines } = recallLines(orderOf('ready', 'ready'), ['l2', 'l2'], LATER);
    expect(lines.map((l) => l.id)).toEqual(['l2']);
  });

  it.each([
    { what: 'no ready line to recall', order: () => orderOf('served', 'preparing'), lineIds: undefined, code: 'invalid_transition' },
    { what: 'a line id the order does not have', order: () => orderOf('ready'), lineIds: ['nope'], code: 'not_found' },
    { what: 'a voided order', order: () => voidOrder(orderOf('held'), 'x', NOON).order, lineIds: undefined, code: 'order_closed' },
  ])('refuses $what with $code', ({ order, lineIds, code }) => {
    expect(domainErrorOf(() => recallLines(order(), lineIds, LATER)).code).toBe(code);
  });
});

describe('voidLine', () => {
  it('voids a line with its reason and takes it off the totals', () => {
    const { order, lines } = voidLine(orderPaid(), 'plum', 'spilled', LATER);
    expect(lines).toEqual([expect.objectContaining({ id: 'plum', status: 'voided', voidReason: 'spilled' })]);
    expect(order).toMatchObject({ subtotalMinor: 2800, totalMinor: 2800, dueMinor: 2800 });
  });

  it.each([
    { what: 'a line that is already voided', order: () => orderOf('voided', 'held'), lineId: 'l1', code: 'invalid_transition' },
    { what: 'a line id the order does not have', order: () => orderOf('held'), lineId: 'nope', code: 'not_found' },
    { what: 'a line of a closed order', order: () => orderPaid(3600), lineId: 'plum', code: 'order_closed' },
    { what: 'a line whose removal leaves the order overpaid', order: () => orderPaid(3000), lineId: 'plum', code: 'order_has_payments' },
  ])('refuses $what with $code', ({ order, lineId, code }) => {
    expect(domainErrorOf(() => voidLine(order(), lineId, 'reason', LATER)).code).toBe(code);
  });

  it('reports the payments and the total it would leave when refusing an overpaying void', () => {
    const error = domainErrorOf(() => voidLine(orderPaid(3000), 'tofu', 'wrong dish', LATER));
    expect(error.details).toEqual({ paidMinor: 3000, totalAfterMinor: 800 });
  });

  it('closes the order when what is left equals what was paid', () => {
    const { order } = voidLine(orderPaid(2800), 'plum', 'never came', LATER);
    expect(order).toMatchObject({ status: 'closed', closedAt: LATER, dueMinor: 0 });
  });
});

describe('voidOrder', () => {
  it('voids every live line, keeps earlier voids as they were, and zeroes the totals', () => {
    const before = orderOf('held', 'fired', 'voided');
    const { order, lines } = voidOrder(before, 'guest left', LATER);
    expect(order).toMatchObject({ status: 'voided', subtotalMinor: 0, totalMinor: 0, dueMinor: 0 });
    expect(lines.map((l) => [l.id, l.voidReason])).toEqual([
      ['l1', 'guest left'],
      ['l2', 'guest left'],
    ]);
    expect(order.lines[2]?.voidReason).toBe('test');
  });

  it.each([
    { what: 'an order with payments', order: () => orderPaid(1000), code: 'order_has_payments' },
    { what: 'a closed order', order: () => orderPaid(3600), code: 'order_closed' },
    { what: 'an order already voided', order: () => voidOrder(orderOf('held'), 'x', NOON).order, code: 'order_closed' },
  ])('refuses $what with $code', ({ order, code }) => {
    expect(domainErrorOf(() => voidOrder(order(), 'reason', LATER)).code).toBe(code);
  });
});

describe('discount', () => {
  it.each([
    { what: 'a fixed amount', input: { amountMinor: 500 }, discountMinor: 500, total: 3100 },
    { what: 'a percentage of the subtotal', input: { percent: 10 }, discountMinor: 360, total: 3240 },
    { what: 'a full percentage', input: { percent: 100 }, discountMinor: 3600, total: 0 },
    { what: 'the whole subtotal', input: { amountMinor: 3600 }, discountMinor: 3600, total: 0 },
    { what: 'zero, which removes a discount', input: { amountMinor: 0 }, discountMinor: 0, total: 3600 },
  ])('applies $what', ({ input, discountMinor, total }) => {
    const { order } = discount(orderPaid(), { ...input, reason: 'regular' }, LATER);
    expect(order).toMatchObject({ discountMinor, totalMinor: total, dueMinor: total, discountReason: 'regular' });
  });

  // regression: a comped order once had nothing to pay and no way to close
  it('closes an order comped in full, with nothing to pay', () => {
    const { order } = discount(orderPaid(), { percent: 100, reason: 'birthday' }, LATER);
    expect(order).toMatchObject({ status: 'closed', totalMinor: 0, paidMinor: 0, closedAt: LATER });
  });

  it('rounds half a fen up', () => {
    const order = makeOrder([makeLine({ id: 'l1', unitPriceMinor: 2850 })]);
    expect(discount(order, { percent: 15, reason: 'staff' }, LATER).order.discountMinor).toBe(428);
  });

  it.each([
    { what: 'more than the subtotal', order: () => orderPaid(), input: { amountMinor: 3601 }, code: 'invalid_order' },
    { what: 'a total below what was already paid', order: () => orderPaid(3000), input: { amountMinor: 601 }, code: 'order_has_payments' },
    { what: 'a closed order', order: () => orderPaid(3600), input: { percent: 10 }, code: 'order_closed' },
  ])('refuses $what with $code', ({ order, input, code }) => {
    expect(domainErrorOf(() => discount(order(), { ...input, reason: 'r' }, LATER)).code).toBe(code);
  });
});

describe('pay', () => {
  it.each<{ what: string; input: PaymentInput; tenderedMinor: number | null; changeMinor: number }>([
    { what: 'cash handed over in excess, with change', input: { tender: 'cash', amountMinor: 3600, tenderedMinor: 5000 }, tenderedMinor: 5000, changeMinor: 1400 },
    { what: 'exact cash when nothing tendered is given', input: { tender: 'cash', amountMinor: 3600 }, tenderedMinor: 3600, changeMinor: 0 },
    { what: 'card with its terminal reference', input: { tender: 'card', amountMinor: 3600, reference: 'T-1234' }, tenderedMinor: null, changeMinor: 0 },
    { what: 'another tender without reference', input: { tender: 'other', amountMinor: 3600 }, tenderedMinor: null, changeMinor: 0 },
  ])('takes $what', ({ input, tenderedMinor, changeMinor }) => {
    const { order, payment } = takePayment(orderPaid(), input);
    expect(payment).toEqual({
      id: 'p-new',
      tender: input.tender,
      amountMinor: input.amountMinor,
      lines: [],
      tenderedMinor,
      changeMinor,
      reference: input.reference ?? null,
      createdAt: LATER,
      staffId: 's-cashier',
    });
    expect(order.payments).toEqual([payment]);
    expect(order).toMatchObject({ paidMinor: 3600, dueMinor: 0, status: 'closed', closedAt: LATER });
  });

  it.each<{ what: string; order: () => Order; input: PaymentInput; code: string }>([
    { what: 'a card payment without reference', order: () => orderPaid(), input: { tender: 'card', amountMinor: 100 }, code: 'invalid_order' },
    { what: 'tenderedMinor on a card', order: () => orderPaid(), input: { tender: 'card', amountMinor: 100, tenderedMinor: 100, reference: 'T' }, code: 'invalid_order' },
    { what: 'tenderedMinor on another tender', order: () => orderPaid(), input: { tender: 'other', amountMinor: 100, tenderedMinor: 200 }, code: 'invalid_order' },
    { what: 'less cash tendered than the amount', order: () => orderPaid(), input: { tender: 'cash', amountMinor: 1000, tenderedMinor: 999 }, code: 'invalid_order' },
    { what: 'more than is due', order: () => orderPaid(3000), input: { tender: 'cash', amountMinor: 601, tenderedMinor: 1000 }, code: 'overpayment' },
    { what: 'an order with nothing due', order: () => makeOrder([]), input: { tender: 'cash', amountMinor: 1 }, code: 'overpayment' },
    { what: 'a closed order', order: () => orderPaid(3600), input: { tender: 'cash', amountMinor: 1 }, code: 'order_closed' },
  ])('refuses $what with $code', ({ order, input, code }) => {
    expect(domainErrorOf(() => takePayment(order(), input)).code).toBe(code);
  });

  it('tells how much is due when refusing an overpayment', () => {
    expect(domainErrorOf(() => takePayment(orderPaid(3000), { tender: 'other', amountMinor: 700 })).details).toEqual({ dueMinor: 600 });
  });

  it('closes a split bill exactly when the tenders reach the total, not before', () => {
    const first = pay(orderPaid(), { tender: 'card', amountMinor: 2000, reference: 'T-1' }, { id: 'p1', now: NOON, staffId: null }).order;
    expect(first).toMatchObject({ status: 'served', paidMinor: 2000, dueMinor: 1600, closedAt: null });

    const second = pay(first, { tender: 'cash', amountMinor: 1600, tenderedMinor: 2000 }, { id: 'p2', now: LATER, staffId: null });
    expect(second.order).toMatchObject({ status: 'closed', paidMinor: 3600, dueMinor: 0, closedAt: LATER });
    expect(second.order.payments.map((p) => [p.id, p.amountMinor, p.changeMinor])).toEqual([
      ['p1', 2000, 0],
      ['p2', 1600, 400],
    ]);
  });
});

describe('reopen', () => {
  it.each<{ lines: LineStatus[]; status: OrderStatus }>([
    { lines: ['served', 'served'], status: 'served' },
    { lines: ['fired', 'ready'], status: 'preparing' },
  ])('reopens a closed order with lines $lines as $status, not closed again', ({ lines, status }) => {
    const order = orderOf(...lines);
    const closed = pay(order, { tender: 'other', amountMinor: order.totalMinor }, { id: 'p1', now: NOON, staffId: null }).order;
    expect(closed.status).toBe('closed');

    const { order: reopened } = reopen(closed, LATER);
    expect(reopened).toMatchObject({ status, closedAt: null, paidMinor: order.totalMinor, dueMinor: 0, updatedAt: LATER });
  });

  it.each<{ what: string; order: () => Order }>([
    { what: 'an open order', order: () => orderPaid(1000) },
    { what: 'a voided order', order: () => voidOrder(orderOf('held'), 'x', NOON).order },
  ])('refuses $what: only closed orders reopen', ({ order }) => {
    expect(domainErrorOf(() => reopen(order(), LATER)).code).toBe('invalid_transition');
  });
});

describe('pay by item or seat (lineIds)', () => {
  it('records which lines a tender paid, and a later tender pays only what is still open', () => {
    const first = takePayment(orderPaid(), { tender: 'cash', amountMinor: 800, lineIds: ['plum'] });
    expect(first.payment.lines).toEqual([{ lineId: 'plum', amountMinor: 800 }]);
    expect(first.order).toMatchObject({ paidMinor: 800, dueMinor: 2800, status: 'served' });

    expect(domainErrorOf(() => takePayment(first.order, { tender: 'cash', amountMinor: 800, lineIds: ['plum'] })).code).toBe('overpayment');
    const second = takePayment(first.order, { tender: 'card', amountMinor: 2800, reference: 'T-9', lineIds: ['tofu'] });
    expect(second.order).toMatchObject({ status: 'closed', dueMinor: 0 });
  });

  it.each<{ what: string; input: PaymentInput; code: string }>([
    { what: 'an amount other than the lines’ open amount', input: { tender: 'cash', amountMinor: 700, lineIds: ['plum'] }, code: 'invalid_order' },
    { what: 'a line the order does not have', input: { tender: 'cash', amountMinor: 800, lineIds: ['nope'] }, code: 'invalid_order' },
  ])('refuses $what with $code, telling the expected amount', ({ input, code }) => {
    expect(domainErrorOf(() => takePayment(orderPaid(), input)).code).toBe(code);
  });

  it('says what the lines have open when a stale tablet sends another amount', () => {
    expect(domainErrorOf(() => takePayment(orderPaid(), { tender: 'cash', amountMinor: 700, lineIds: ['plum', 'tofu'] })).details).toEqual({
      expectedMinor: 3600,
    });
  });

  it('shares a discount on the table among the dishes: each seat pays its own less its part, and the parts sum to the bill', () => {
    // ¥6 off ¥36: the tofu's part is 600·2800/3600 = 466.67 (467, the larger remainder), the drink's 133.33 (133)
    const discounted = discount(orderPaid(), { amountMinor: 600, reason: 'regular' }, NOON).order;
    const drink = takePayment(discounted, { tender: 'cash', amountMinor: 667, lineIds: ['plum'] });
    expect(drink.payment.lines).toEqual([{ lineId: 'plum', amountMinor: 667 }]);
    // the first to pay is not charged full price (¥8), leaving the whole discount to the last
    expect(domainErrorOf(() => takePayment(discounted, { tender: 'cash', amountMinor: 800, lineIds: ['plum'] })).details).toEqual({ expectedMinor: 667 });
    const tofu = takePayment(drink.order, { tender: 'card', amountMinor: 2333, reference: 'T-1', lineIds: ['tofu'] });
    expect(tofu.payment.lines).toEqual([{ lineId: 'tofu', amountMinor: 2333 }]);
    expect(tofu.order).toMatchObject({ status: 'closed', paidMinor: 3000, dueMinor: 0 });
  });

  it('caps the lines’ amount at what is due when a payment on the whole bill made it smaller', () => {
    const { payment, order } = takePayment(orderPaid(600), { tender: 'cash', amountMinor: 3000, lineIds: ['tofu', 'plum'] });
    expect(payment.lines).toEqual([
      { lineId: 'tofu', amountMinor: 2800 },
      { lineId: 'plum', amountMinor: 200 },
    ]);
    expect(order.status).toBe('closed');
  });

  it('refuses to void a line that a payment covered', () => {
    const { order } = takePayment(orderPaid(), { tender: 'cash', amountMinor: 800, lineIds: ['plum'] });
    expect(domainErrorOf(() => voidLine(order, 'plum', 'wrong', LATER)).code).toBe('order_has_payments');
  });
});

describe('pay evenly (splitWays)', () => {
  it('takes 2 shares of an odd total: the first carries the extra fen, and the second closes the order', () => {
    const odd = makeOrder([makeLine({ id: 'a', unitPriceMinor: 3601, status: 'served' })]);
    const first = takePayment(odd, { tender: 'cash', amountMinor: 1801, splitWays: 2 });
    expect(first.order).toMatchObject({ dueMinor: 1800, status: 'served' });
    expect(first.payment.lines).toEqual([]);
    const second = takePayment(first.order, { tender: 'card', amountMinor: 1800, reference: 'T', splitWays: 1 });
    expect(second.order).toMatchObject({ dueMinor: 0, status: 'closed' });
  });

  it('refuses a share that is not the next even share of what is due', () => {
    const error = domainErrorOf(() => takePayment(orderPaid(), { tender: 'cash', amountMinor: 1000, splitWays: 3 }));
    expect(error.code).toBe('invalid_order');
    expect(error.details).toEqual({ expectedMinor: 1200 });
  });
});

describe('transfer', () => {
  it('moves an open order to another table, its party seated there now, and keeps its lines as they are', () => {
    const before = orderOf('fired', 'ready');
    const { order } = transfer(before, 't-b2', LATER);
    expect(order).toMatchObject({ tableId: 't-b2', status: before.status, revision: before.revision + 1, seatedAt: LATER });
    expect(order.lines).toEqual(before.lines);
  });

  it.each([
    { what: 'to the table it is at', order: () => orderOf('fired'), table: 't-a1', code: 'invalid_transition' },
    { what: 'a closed order', order: () => orderPaid(3600), table: 't-b2', code: 'order_closed' },
  ])('refuses $what with $code', ({ order, table, code }) => {
    expect(domainErrorOf(() => transfer(order(), table, LATER)).code).toBe(code);
  });
});

describe('moveTable', () => {
  const A1 = { id: 't-a1', name: 'A1' };
  const B3 = { id: 't-b3', name: 'B3' };

  it("moves every open order of the table (the waiter's, a phone's) and keeps their lines as they are", () => {
    const waiters = orderOf('fired', 'ready');
    const phones = makeOrder([makeLine({ id: 'q1', status: 'preparing' })], { id: 'o-2', channel: 'qr', staffId: null });
    const changes = moveTable([waiters, phones], A1, B3, LATER);
    expect(changes.map((c) => [c.order.id, c.order.tableId, c.order.revision, c.order.seatedAt])).toEqual([
      [waiters.id, 't-b3', waiters.revision + 1, LATER],
      [phones.id, 't-b3', phones.revision + 1, LATER],
    ]);
    expect(changes.map((c) => c.order.lines)).toEqual([waiters.lines, phones.lines]);
  });

  it.each([
    { what: 'onto the table it is at', orders: () => [orderOf('fired')], to: A1, code: 'invalid_transition' },
    { what: 'a table with nothing open', orders: () => [], to: B3, code: 'invalid_transition' },
    { what: 'a table with a closed order among them', orders: () => [orderOf('fired'), orderPaid(3600)], to: B3, code: 'order_closed' },
  ])('refuses $what with $code', ({ orders, to, code }) => {
    expect(domainErrorOf(() => moveTable(orders(), A1, to, LATER)).code).toBe(code);
  });
});

describe('merge', () => {
  const source = () =>
    pay(
      makeOrder([makeLine({ id: 's1', status: 'preparing', unitPriceMinor: 2000 }), makeLine({ id: 's2', status: 'held' })], {
        id: 'o-src',
        tableId: 't-a1',
        guestCount: 2,
      }),
      { tender: 'cash', amountMinor: 500 },
      { id: 'p-src', now: NOON, staffId: null },
    ).order;
  const target = () => makeOrder([makeLine({ id: 't1', status: 'served', unitPriceMinor: 3000 })], { id: 'o-dst', tableId: 't-a2', guestCount: 3 });

  it('moves every line with its kitchen progress, and every payment, into the target', () => {
    const { into, merged } = merge(source(), target(), LATER);
    expect(into.lines.map((l) => [l.id, l.status, l.firedAt])).toEqual([
      ['t1', 'served', NOON],
      ['s1', 'preparing', NOON],
      ['s2', 'held', null],
    ]);
    expect(into).toMatchObject({ subtotalMinor: 6000, paidMinor: 500, dueMinor: 5500, guestCount: 5, status: 'preparing' });
    expect(into.payments.map((p) => p.id)).toEqual(['p-src']);
    expect(merged).toMatchObject({ status: 'merged', mergedIntoOrderId: 'o-dst', lines: [], payments: [], totalMinor: 0, dueMinor: 0 });
    expect(isOpen(merged)).toBe(false);
  });

  it("keeps both orders' notes (an allergy noted on the source still reaches the kitchen with its held course)", () => {
    const withNote = (o: ReturnType<typeof target>, note: string | null) => ({ ...o, note });
    expect(merge(withNote(source(), '花生过敏 peanut allergy'), withNote(target(), null), LATER).into.note).toBe('花生过敏 peanut allergy');
    expect(merge(withNote(source(), 'peanut allergy'), withNote(target(), 'window seat'), LATER).into.note).toBe('window seat / peanut allergy');
    expect(merge(withNote(source(), 'no coriander'), withNote(target(), 'no coriander'), LATER).into.note).toBe('no coriander');
    expect(merge(withNote(source(), null), withNote(target(), null), LATER).into.note).toBeNull();
  });

  it("renumbers the source's seats after the target's highest: seat 1 of each table stays two guests", () => {
    const src = makeOrder([makeLine({ id: 's1', seat: 1 }), makeLine({ id: 's2', seat: 2 }), makeLine({ id: 's3', seat: null })], { id: 'o-src' });
    const dst = makeOrder([makeLine({ id: 't1', seat: 1 }), makeLine({ id: 't2', seat: 3, status: 'voided' }), makeLine({ id: 't3' })], {
      id: 'o-dst',
      tableId: 't-a2',
    });
    const { into } = merge(src, dst, LATER);
    expect(into.lines.map((l) => [l.id, l.seat])).toEqual([
      ['t1', 1],
      ['t2', 3],
      ['t3', null],
      ['s1', 4],
      ['s2', 5],
      ['s3', null],
    ]);
    expect(seatsOf(into)).toEqual([1, 4, 5]);
    // a target without seats keeps the source's numbers as they were
    expect(merge(src, makeOrder([makeLine({ id: 't1' })], { id: 'o-dst' }), LATER).into.lines.map((l) => l.seat)).toEqual([null, 1, 2, null]);
  });

  it('numbers the joining seats after the target\'s guests too: a guest of the target who has not ordered yet keeps their seat', () => {
    const src = makeOrder([makeLine({ id: 's1', seat: 1 }), makeLine({ id: 's2', seat: 2 })], { id: 'o-src', guestCount: 2 });
    const dst = makeOrder([makeLine({ id: 't1', seat: 1 }), makeLine({ id: 't2', seat: 2 })], { id: 'o-dst', tableId: 't-a2', guestCount: 6 });
    expect(merge(src, dst, LATER).into.lines.map((l) => [l.id, l.seat])).toEqual([
      ['t1', 1],
      ['t2', 2],
      ['s1', 7],
      ['s2', 8],
    ]);
  });

  it('marks each line the kitchen already had with the order it was fired on; a held line joins unmarked (it is fired under the target)', () => {
    const { into } = merge({ ...source(), number: 7 }, target(), LATER);
    expect(into.lines.map((l) => [l.id, l.mergedFrom ?? null])).toEqual([
      ['t1', null],
      ['s1', { orderId: 'o-src', number: 7, tableId: 't-a1' }],
      ['s2', null],
    ]);
  });

  it('keeps the first origin of a line merged on again (its ticket still carries that number)', () => {
    const a = makeOrder([makeLine({ id: 'a1', status: 'fired' }), makeLine({ id: 'a2', status: 'held' })], { id: 'o-a', number: 1, tableId: 't-a1' });
    const b = makeOrder([makeLine({ id: 'b1', status: 'fired' })], { id: 'o-b', number: 2, tableId: 't-a2' });
    const c = makeOrder([makeLine({ id: 'c1', status: 'fired' })], { id: 'o-c', number: 3, tableId: 't-a3' });
    // A joins B; B's course (A's held dish among it) is fired there; then B joins C
    const ab = merge(a, b, LATER).into;
    const fired = fire(ab, undefined, LATER + 1).order;
    const { into } = merge(fired, c, LATER + 2);
    expect(into.lines.map((l) => [l.id, l.mergedFrom?.number ?? null])).toEqual([
      ['c1', null],
      ['b1', 2],
      ['a1', 1],
      ['a2', 2],
    ]);
  });

  it.each([
    { source: NOON + 20 * 60_000, target: NOON + 10 * 60_000, kept: NOON + 20 * 60_000 },
    { source: NOON + 10 * 60_000, target: NOON + 20 * 60_000, kept: NOON + 20 * 60_000 },
    { source: NOON + 10 * 60_000, target: null, kept: NOON + 10 * 60_000 },
    { source: null, target: NOON + 10 * 60_000, kept: NOON + 10 * 60_000 },
    { source: null, target: null, kept: null },
  ])('keeps the later quoted ready time (source $source, target $target): a customer was promised it', ({ source: s, target: t, kept }) => {
    const { into } = merge({ ...source(), quotedReadyAt: s }, { ...target(), quotedReadyAt: t }, LATER);
    expect(into.quotedReadyAt).toBe(kept);
  });

  it.each([
    { what: 'an order into itself', a: () => target(), b: () => target(), code: 'invalid_transition' },
    { what: 'into a closed order', a: () => source(), b: () => orderPaid(3600), code: 'order_closed' },
    { what: 'an order already merged', a: () => merge(source(), target(), LATER).merged, b: () => target(), code: 'order_closed' },
  ])('refuses to merge $what with $code', ({ a, b, code }) => {
    expect(domainErrorOf(() => merge(a(), b(), LATER)).code).toBe(code);
  });
});

describe('requestBill', () => {
  it('marks the bill requested once (the first time is kept) and clears it on request', () => {
    const marked = requestBill(orderOf('served'), true, NOON).order;
    expect(marked.billRequestedAt).toBe(NOON);
    expect(requestBill(marked, true, LATER).order.billRequestedAt).toBe(NOON);
    expect(requestBill(marked, false, LATER).order.billRequestedAt).toBeNull();
  });

  it('clears when the order is paid in full', () => {
    const marked = requestBill(orderPaid(), true, NOON).order;
    const paid = takePayment(marked, { tender: 'cash', amountMinor: 3600 }).order;
    expect(paid).toMatchObject({ status: 'closed', billRequestedAt: null });
  });
});

describe('an order with held lines is not done (paid up front, dessert held)', () => {
  /** Course 1 served, course 2 held: 2800 + 800, paid in full up front. */
  const paidWithDessertHeld = () => {
    const order = makeOrder([
      makeLine({ id: 'main', unitPriceMinor: 2800, status: 'served' }),
      makeLine({ id: 'dessert', unitPriceMinor: 800, course: 2, status: 'held' }),
    ]);
    return takePayment(order, { tender: 'cash', amountMinor: 3600 }).order;
  };

  it('stays open when paid in full while a line is held', () => {
    expect(paidWithDessertHeld()).toMatchObject({ status: 'preparing', paidMinor: 3600, dueMinor: 0, closedAt: null });
  });

  it('closes when the last held course is fired, the fired line going to the kitchen', () => {
    const { order, lines } = fire(paidWithDessertHeld(), 2, LATER);
    expect(lines.map((l) => [l.id, l.status])).toEqual([['dessert', 'fired']]);
    expect(order).toMatchObject({ status: 'closed', closedAt: LATER, billRequestedAt: null });
  });

  it('closes when the last held line is voided instead, what is left being paid', () => {
    const order = makeOrder([makeLine({ id: 'main', unitPriceMinor: 2800, status: 'served' }), makeLine({ id: 'dessert', unitPriceMinor: 800, status: 'held' })]);
    const paidMain = takePayment(order, { tender: 'cash', amountMinor: 2800 }).order;
    expect(paidMain.status).not.toBe('closed');
    expect(voidLine(paidMain, 'dessert', 'no room left', LATER).order).toMatchObject({ status: 'closed', closedAt: LATER });
  });

  it('is not closed by a discount to nothing while a line is held', () => {
    const order = makeOrder([makeLine({ id: 'main', status: 'served' }), makeLine({ id: 'dessert', status: 'held' })]);
    expect(discount(order, { percent: 100, reason: 'birthday' }, LATER).order).toMatchObject({ totalMinor: 0, closedAt: null, status: 'preparing' });
  });
});

describe('the discount a manager granted', () => {
  /** Tofu 2800 and rice 300, unfired, with 1000 off granted. */
  const discounted = () =>
    discount(
      makeOrder([makeLine({ id: 'tofu', unitPriceMinor: 2800, status: 'fired' }), makeLine({ id: 'rice', itemId: 'steamed-rice', unitPriceMinor: 300, status: 'fired' })]),
      { amountMinor: 1000, reason: 'regular' },
      NOON,
    ).order;

  it('is kept when a void leaves less food than it, and applies again in full when food comes back', () => {
    const voided = voidLine(discounted(), 'tofu', 'wrong dish', LATER).order;
    expect(voided).toMatchObject({ subtotalMinor: 300, discountMinor: 300, discountGrantedMinor: 1000, totalMinor: 0, dueMinor: 0 });

    const readded = settle({ ...voided, lines: [...voided.lines, makeLine({ id: 'fish', unitPriceMinor: 3200, status: 'fired' })] }, LATER);
    expect(readded).toMatchObject({ subtotalMinor: 3500, discountMinor: 1000, discountGrantedMinor: 1000, totalMinor: 2500, dueMinor: 2500 });
  });

  it('does not let a void close the order with nothing paid, even though nothing is left to pay', () => {
    const voided = voidLine(discounted(), 'tofu', 'wrong dish', LATER).order;
    expect(voided).toMatchObject({ paidMinor: 0, closedAt: null });
    expect(isOpen(voided)).toBe(true);
  });

  it('is what an order stored before grants were kept apart applied', () => {
    const { discountGrantedMinor: _, ...stored } = discounted();
    expect(settle({ ...stored, discountMinor: 700 }, LATER)).toMatchObject({ discountMinor: 700, discountGrantedMinor: 700, totalMinor: 2400 });
  });

  it('follows the food into a merged order, whole', () => {
    const source = voidLine(discounted(), 'tofu', 'wrong dish', LATER).order;
    const target = makeOrder([makeLine({ id: 'fish', unitPriceMinor: 3200, status: 'fired' })], { id: 'o-2', tableId: 't-a2' });
    const { into, merged } = merge(source, target, LATER);
    expect(into).toMatchObject({ subtotalMinor: 3500, discountMinor: 1000, discountGrantedMinor: 1000, totalMinor: 2500 });
    expect(merged).toMatchObject({ discountMinor: 0, discountGrantedMinor: 0 });
  });

  it('is what a new discount grants, whatever was granted before', () => {
    const again = discount(discounted(), { amountMinor: 200, reason: 'fixed' }, LATER).order;
    expect(again).toMatchObject({ discountMinor: 200, discountGrantedMinor: 200, totalMinor: 2900 });
  });
});

describe('settling a bill with nothing due (payment of 0)', () => {
  /** A pot of tea on the house: a line priced 0, fired. */
  const freeTea = () => makeOrder([makeLine({ id: 'tea', itemId: 'chrysanthemum-tea', stationId: 'bar', unitPriceMinor: 0, status: 'served' })]);

  it('never closes a zero-total order by itself: more dishes may still come', () => {
    const order = settle(freeTea(), LATER);
    expect(order).toMatchObject({ totalMinor: 0, dueMinor: 0, closedAt: null });
    expect(isOpen(order)).toBe(true);
  });

  it('records a payment of 0 with the tender sent, which closes the order', () => {
    const { order, payment } = takePayment(freeTea(), { tender: 'other', amountMinor: 0, reference: 'on the house' });
    expect(payment).toMatchObject({ tender: 'other', amountMinor: 0, changeMinor: 0, reference: 'on the house', lines: [] });
    expect(order).toMatchObject({ status: 'closed', closedAt: LATER, paidMinor: 0, payments: [payment] });
  });

  it('settles an order a manager comped after its held lines were fired', () => {
    const comped = discount(orderOf('served', 'held'), { percent: 100, reason: 'birthday' }, NOON).order;
    const fired = fire(comped, undefined, NOON).order;
    expect(fired).toMatchObject({ totalMinor: 0, closedAt: null });
    expect(takePayment(fired, { tender: 'cash', amountMinor: 0 }).order.status).toBe('closed');
  });

  it.each<{ what: string; order: () => Order; code: string; message: RegExp }>([
    { what: 'when something is due', order: () => orderPaid(1000), code: 'invalid_order', message: /2600 is due/ },
    { what: 'on an order without lines', order: () => makeOrder([]), code: 'invalid_order', message: /no lines/ },
    { what: 'on an order whose lines are all voided', order: () => orderOf('voided'), code: 'invalid_order', message: /no lines/ },
    { what: 'while a line is held', order: () => discount(orderOf('held', 'served'), { percent: 100, reason: 'comp' }, NOON).order, code: 'invalid_transition', message: /held/ },
    { what: 'on a closed order', order: () => orderPaid(3600), code: 'order_closed', message: /closed/ },
  ])('refuses a payment of 0 $what', ({ order, code, message }) => {
    const error = domainErrorOf(() => takePayment(order(), { tender: 'cash', amountMinor: 0 }));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('says what is due when refusing a payment of 0', () => {
    expect(domainErrorOf(() => takePayment(orderPaid(1000), { tender: 'cash', amountMinor: 0 })).details).toEqual({ dueMinor: 2600 });
  });
});
