import { describe, expect, it } from 'vitest';
import type { Menu, MenuItem, Order } from '../../hub/protocol/index.ts';
import { billAfterQueued, withQueued, splitProblem, BILLS_MAX, BILLS_PAGE, billsPath, cashSuggestions, changeDue, DEFAULT_LOCK_MS, mergeBills, refreshLimit, searchBills, searchedNumber, tableNamed, evenSplitProgress, heldCourses, initialOf, lineBalances, linesAmount, lockMsFrom, moneyText, nextShare, parseMoney, paymentProblem, pinyinInitials, refundLeft, refundLinesAmount, refundProblem, refusedItemIds, searchIndex, searchItems, seatLineIds, voidBlocked } from './pos-logic.ts';
import { entryView, type OutboxEntry, type OutboxState } from '../shared/outbox.ts';

const item = (id: string, nameZh: string, nameEn: string, sort = 0): MenuItem =>
  ({ id, nameZh, nameEn, sort, categoryId: 'c', priceMinor: 100, available: true, remaining: null, optionGroupIds: [] }) as unknown as MenuItem;

const menu = {
  items: [item('kung-pao-chicken', '宫保鸡丁', 'Kung Pao chicken', 1), item('mapo-tofu', '麻婆豆腐', 'Mapo tofu', 2), item('sour-plum-drink', '酸梅汤', 'Sour plum drink', 3), item('yuxiang-pork', '鱼香肉丝', 'Yu-Xiang shredded pork', 4)],
} as unknown as Menu;

describe('pinyin initials (computed from the pinyin collation, no word list)', () => {
  it('gives the initials of common dishes', () => {
    expect(pinyinInitials('宫保鸡丁')).toBe('gbjd');
    expect(pinyinInitials('麻婆豆腐')).toBe('mpdf');
    expect(pinyinInitials('小笼包')).toBe('xlb');
    expect(pinyinInitials('青岛啤酒')).toBe('qdpj');
    expect(pinyinInitials('扬州炒饭')).toBe('yzcf');
  });
  it('keeps ASCII letters and digits, drops punctuation', () => {
    expect(pinyinInitials('可乐 Cola 330ml')).toBe('klcola330ml');
    expect(initialOf('·')).toBe('');
  });
});

describe('search', () => {
  const index = searchIndex(menu);
  const ids = (q: string) => searchItems(index, q).map((i) => i.id);
  it('finds by Chinese, English and pinyin initials', () => {
    expect(ids('豆腐')).toEqual(['mapo-tofu']);
    expect(ids('gbjd')).toEqual(['kung-pao-chicken']);
    expect(ids('gb')).toEqual(['kung-pao-chicken']);
    expect(ids('tofu')).toEqual(['mapo-tofu']);
    expect(ids('shredded')).toEqual(['yuxiang-pork']);
    expect(ids('pork')).toEqual(['yuxiang-pork']);
    expect(ids('')).toEqual([]);
    expect(ids('zzzz')).toEqual([]);
  });
});

describe('lock, money, outbox states', () => {
  it('reads ?lock= seconds', () => {
    expect(lockMsFrom('')).toBe(DEFAULT_LOCK_MS);
    expect(lockMsFrom('?lock=2')).toBe(2000);
    expect(lockMsFrom('?lock=0.1')).toBe(1000);
    expect(lockMsFrom('?lock=x')).toBe(DEFAULT_LOCK_MS);
  });
  it('parses money without floats', () => {
    expect(parseMoney('88')).toBe(8800);
    expect(parseMoney('88.5')).toBe(8850);
    expect(parseMoney('88.05')).toBe(8805);
    expect(parseMoney('0.1')).toBe(10);
    expect(parseMoney('1.234')).toBeNull();
    expect(parseMoney('abc')).toBeNull();
    expect(parseMoney('')).toBeNull();
  });
  it('suggests cash and computes change', () => {
    expect(cashSuggestions(8850)).toEqual([8850, 9000, 10_000]);
    expect(cashSuggestions(10_000)).toEqual([10_000]);
    expect(cashSuggestions(0)).toEqual([]);
    expect(changeDue(8850, 10_000)).toBe(1150);
    expect(changeDue(8850, 5000)).toBe(-3850);
  });
  it('never shows an unknown outcome as failed', () => {
    const view = (state: OutboxState, more: Partial<OutboxEntry> = {}) => entryView({ state, lastProblem: null, error: null, ...more });
    expect(view('saved')).toBe('saved');
    expect(view('unknown', { lastProblem: 'hub unreachable' })).toBe('retrying');
    expect(view('unknown', { lastProblem: 'HTTP 503 overloaded' })).toBe('busy');
    expect(view('confirmed')).toBe('confirmed');
    expect(view('rejected', { error: { status: 403, code: 'forbidden', message: 'no' } })).toBe('rejected');
    expect(view('rejected', { error: { status: 409, code: 'depends_on_rejected', message: 'no' } })).toBe('dependency');
  });
  it('lists held courses', () => {
    expect(heldCourses({ lines: [{ status: 'held', course: 3 }, { status: 'fired', course: 1 }, { status: 'held', course: 2 }, { status: 'held', course: 2 }] } as never)).toEqual([2, 3]);
  });
});

describe('splitting the bill on the tablet', () => {
  const line = (id: string, lineTotalMinor: number, seat: number | null) => ({ id, lineTotalMinor, seat, status: 'served' as const }) as Order['lines'][number];
  const order = (payments: Order['payments'] = []) => ({ lines: [line('a', 2800, 1), line('b', 800, 2), line('c', 1200, 1)], payments, discountMinor: 0 });
  const paid = (lines: { lineId: string; amountMinor: number }[]) =>
    ({ id: 'p', tender: 'cash', amountMinor: lines.reduce((s, l) => s + l.amountMinor, 0), lines, tenderedMinor: null, changeMinor: 0, reference: null, createdAt: 0, staffId: null }) as Order['payments'][number];

  it('offers the open amount of the chosen lines, capped at what is due', () => {
    expect(linesAmount(order(), ['a', 'b'], 10_000)).toBe(3600);
    expect(linesAmount(order([paid([{ lineId: 'a', amountMinor: 2800 }])]), ['a', 'b'], 10_000)).toBe(800);
    expect(linesAmount(order(), ['a', 'b'], 3000)).toBe(3000);
  });

  it("takes a seat's lines that are still open", () => {
    expect(seatLineIds(order(), 1)).toEqual(['a', 'c']);
    expect(seatLineIds(order([paid([{ lineId: 'c', amountMinor: 1200 }])]), 1)).toEqual(['a']);
  });

  it('offers the next even share; after paying it, the rest splits into the same shares', () => {
    expect(nextShare(4801, 2)).toBe(2401);
    expect(nextShare(4801 - 2401, 1)).toBe(2400);
    expect(nextShare(1000, 0)).toBe(1000);
  });
});

describe('the bill with the payments on their way from the tablet', () => {
  const line = (id: string, lineTotalMinor: number) => ({ id, lineTotalMinor, seat: null, status: 'served' as const }) as Order['lines'][number];
  const bill = (payments: Order['payments'] = [], dueMinor = 4000) => ({
    lines: [line('a', 2800), line('b', 800), line('c', 1200)],
    payments,
    refunds: [] as NonNullable<Order['refunds']>,
    subtotalMinor: 4800,
    discountMinor: 0,
    discountGrantedMinor: 0,
    totalMinor: 4800,
    dueMinor,
    paidMinor: 4800 - dueMinor,
  });

  it('takes them off what is due in queue order, and their dishes off the lines as the hub allocates them', () => {
    const after = billAfterQueued(bill(), [{ kind: 'payment', id: 'p-1', amountMinor: 1000 }, { kind: 'payment', id: 'p-2', amountMinor: 2000, lineIds: ['a', 'b'] }]);
    expect(after.dueMinor).toBe(1000);
    expect(Object.fromEntries(after.balances)).toEqual({
      a: { paidMinor: 2000, openMinor: 800 },
      b: { paidMinor: 0, openMinor: 800 },
      c: { paidMinor: 0, openMinor: 1200 },
    });
  });

  it("counts one the hub's bill already lists once (by the payment id made on the tablet)", () => {
    const stored = { id: 'p-1', tender: 'cash', amountMinor: 1000, lines: [], tenderedMinor: null, changeMinor: 0, reference: null, createdAt: 0, staffId: null } as Order['payments'][number];
    expect(billAfterQueued(bill([stored], 3000), [{ kind: 'payment', id: 'p-1', amountMinor: 1000 }]).dueMinor).toBe(3000);
  });

  it("refuses what the hub would: a line already paid, a split's amount that is not the hub's, more than is due", () => {
    const b = billAfterQueued(bill(), [{ kind: 'payment', amountMinor: 2800, lineIds: ['a'] }]);
    expect(splitProblem(bill(), b, { amountMinor: 2800, split: { lineIds: ['a'] } })).toBe('paidLine');
    expect(splitProblem(bill(), b, { amountMinor: 800, split: { lineIds: ['b'] } })).toBeNull();
    // b and c have 2000 open, and 1200 is due (a discount made the bill smaller): 1200, as the hub caps it
    expect(splitProblem(bill(), b, { amountMinor: 1200, split: { lineIds: ['b', 'c'] } })).toBeNull();
    expect(splitProblem(bill(), b, { amountMinor: 1000, split: { lineIds: ['b', 'c'] } })).toBe('amount');
    expect(splitProblem(bill(), b, { amountMinor: 600, split: { ways: 2 } })).toBeNull();
    expect(splitProblem(bill(), b, { amountMinor: 700, split: { ways: 2 } })).toBe('amount');
    expect(splitProblem(bill(), b, { amountMinor: 1300 })).toBe('overDue');
    expect(splitProblem(bill(), b, { amountMinor: 0 })).toBeNull();
  });

  it('takes a dish voided on the tablet off the subtotal, the discount capped at what is left, before the payments queued after it', () => {
    // ¥10 off (granted) a ¥48 bill, ¥8 paid: voiding the ¥28 dish leaves ¥20 of food, ¥10 of total, ¥2 due
    const discounted = { ...bill([], 3000), discountMinor: 1000, discountGrantedMinor: 1000, totalMinor: 3800, paidMinor: 800 };
    const after = withQueued(discounted, [{ kind: 'void', lineId: 'a' }]);
    expect(after).toMatchObject({ subtotalMinor: 2000, discountMinor: 1000, totalMinor: 1000, paidMinor: 800, dueMinor: 200 });
    expect([...lineBalances(after).keys()]).toEqual(['b', 'c']);
    // ¥8 paid of ¥48, the ¥28 dish voided: ¥12 due; a share is of that (the hub stores the void first)
    const b = billAfterQueued(bill(), [{ kind: 'void', lineId: 'a' }]);
    expect(b.dueMinor).toBe(1200);
    expect(splitProblem(bill(), b, { amountMinor: 600, split: { ways: 2 } })).toBeNull();
    expect(splitProblem(bill(), b, { amountMinor: 2000, split: { ways: 2 } })).toBe('overDue');
    expect(splitProblem(bill(), b, { amountMinor: 2800, split: { lineIds: ['a'] } })).toBe('paidLine');
    // a payment queued after the void: taken off what the void left
    expect(billAfterQueued(bill(), [{ kind: 'void', lineId: 'a' }, { kind: 'payment', amountMinor: 600 }]).dueMinor).toBe(600);
    // a void the hub's order already shows is not taken off twice
    const stored = { ...bill([], 2000), lines: [line('a', 2800), line('b', 800), line('c', 1200)].map((l) => (l.id === 'a' ? { ...l, status: 'voided' as const } : l)), subtotalMinor: 2000, totalMinor: 2000 };
    expect(billAfterQueued(stored, [{ kind: 'void', lineId: 'a' }]).dueMinor).toBe(2000);
  });

  it('adds a refund on its way to what is due, and opens again what it gave back of a line', () => {
    const byItem = { id: 'p-1', tender: 'cash', amountMinor: 3600, lines: [{ lineId: 'a', amountMinor: 2800 }, { lineId: 'b', amountMinor: 800 }], tenderedMinor: null, changeMinor: 0, reference: null, createdAt: 0, staffId: null } as Order['payments'][number];
    const paid = bill([byItem], 1200);
    const after = billAfterQueued(paid, [{ kind: 'refund', id: 'r-1', paymentId: 'p-1', amountMinor: 800, lines: [{ lineId: 'b', amountMinor: 800 }] }]);
    expect(after.dueMinor).toBe(2000);
    expect(after.balances.get('b')).toEqual({ paidMinor: 0, openMinor: 800 });
    expect(after.balances.get('a')).toEqual({ paidMinor: 2800, openMinor: 0 });
    // one the hub already lists (by the refund id made here) counts once
    const listed = { ...paid, refunds: [{ id: 'r-1', paymentId: 'p-1', amountMinor: 800, lines: [{ lineId: 'b', amountMinor: 800 }], reference: null, reason: 'cold', createdAt: 1, staffId: null }], paidMinor: 2800, dueMinor: 2000 };
    expect(billAfterQueued(listed, [{ kind: 'refund', id: 'r-1', paymentId: 'p-1', amountMinor: 800, lines: [{ lineId: 'b', amountMinor: 800 }] }]).dueMinor).toBe(2000);
  });
});

describe('an even split in progress', () => {
  it('is read back from the payments queued on the tablet (leaving the bill screen does not restart it)', () => {
    expect(evenSplitProgress([])).toBeNull();
    expect(evenSplitProgress([{ ways: 3 }])).toEqual({ ways: 3, taken: 1 });
    expect(evenSplitProgress([{ ways: 3 }, { ways: 2 }])).toEqual({ ways: 3, taken: 2 });
    // the last share paid: the split is over
    expect(evenSplitProgress([{ ways: 3 }, { ways: 2 }, { ways: 1 }])).toBeNull();
    // a whole-bill payment in between ends it; a new split starts again
    expect(evenSplitProgress([{ ways: 3 }, {}])).toBeNull();
    expect(evenSplitProgress([{ ways: 3 }, { ways: 2 }, { ways: 4 }])).toEqual({ ways: 4, taken: 1 });
  });
});

describe('a tender the hub would refuse', () => {
  it('is caught on the tablet', () => {
    expect(paymentProblem({ tender: 'card', amountMinor: 100, reference: '', dueMinor: 100 })).toBe('reference');
    expect(paymentProblem({ tender: 'card', amountMinor: 100, reference: 'A-1', dueMinor: 100 })).toBeNull();
    expect(paymentProblem({ tender: 'cash', amountMinor: 100, tenderedMinor: 99, dueMinor: 100 })).toBe('short');
    expect(paymentProblem({ tender: 'cash', amountMinor: 101, tenderedMinor: 200, dueMinor: 100 })).toBe('overDue');
    expect(paymentProblem({ tender: 'cash', amountMinor: 0, tenderedMinor: 0, dueMinor: 100 })).toBe('amount');
    expect(paymentProblem({ tender: 'cash', amountMinor: null, dueMinor: 100 })).toBe('amount');
    // settling a bill with nothing due: 0, no due given
    expect(paymentProblem({ tender: 'cash', amountMinor: 0 })).toBeNull();
  });
});

describe('money typed in the currency of the store', () => {
  it('a currency without minor units (HUB_CURRENCY=JPY) is typed and shown in whole units, as formatMoney shows it', () => {
    expect(parseMoney('1500', 'JPY')).toBe(1500);
    expect(parseMoney('1500.5', 'JPY')).toBeNull();
    expect(moneyText(1500, 'JPY')).toBe('1500');
    expect(parseMoney('88.05', 'CNY')).toBe(8805);
    expect(moneyText(8805, 'CNY')).toBe('88.05');
    expect(moneyText(5, 'CNY')).toBe('0.05');
    expect(moneyText(123456789, 'CNY')).toBe('1234567.89');
    expect(parseMoney(moneyText(99_999_99, 'CNY'), 'CNY')).toBe(99_999_99);
  });
});

describe('the dishes a refused batch names', () => {
  it('sold out (each short dish), not available, not orderable as chosen; none when the order was refused', () => {
    expect(refusedItemIds('sold_out', { items: [{ itemId: 'a', requested: 2, remaining: 0 }, { itemId: 'b', requested: 1, remaining: 0 }] })).toEqual(['a', 'b']);
    expect(refusedItemIds('item_unavailable', { itemId: 'fish' })).toEqual(['fish']);
    expect(refusedItemIds('invalid_order', { itemId: 'fish', optionId: 'x' })).toEqual(['fish']);
    expect(refusedItemIds('order_closed', { itemId: 'fish' })).toEqual([]);
    expect(refusedItemIds('sold_out', undefined)).toEqual([]);
    expect(refusedItemIds(undefined, null)).toEqual([]);
  });
});

describe('refunds on the tablet (paid means payments less refunds)', () => {
  const line = (id: string, lineTotalMinor: number) => ({ id, lineTotalMinor, seat: null, status: 'served' as const }) as Order['lines'][number];
  const payment = (id: string, amountMinor: number, lines: { lineId: string; amountMinor: number }[] = [], tender: 'cash' | 'card' = 'cash') =>
    ({ id, tender, amountMinor, lines, tenderedMinor: null, changeMinor: 0, reference: tender === 'card' ? 'AUTH-1' : null, createdAt: 0, staffId: null }) as Order['payments'][number];
  const refund = (id: string, paymentId: string, amountMinor: number, lines: { lineId: string; amountMinor: number }[] = []) =>
    ({ id, paymentId, amountMinor, lines, reference: null, reason: 'cold', createdAt: 1, staffId: null }) as NonNullable<Order['refunds']>[number];
  // a ¥28 dish, an ¥8 drink and a ¥12 dish; p-1 paid the first two by item, p-2 ¥10 on the whole bill
  const order = (refunds: NonNullable<Order['refunds']> = []) => ({
    lines: [line('a', 2800), line('b', 800), line('c', 1200)],
    payments: [payment('p-1', 3600, [{ lineId: 'a', amountMinor: 2800 }, { lineId: 'b', amountMinor: 800 }]), payment('p-2', 1000), payment('p-3', 500, [], 'card')],
    refunds,
    discountMinor: 0,
  });

  it('a by-line refund gives back what the payment still covers on the chosen lines', () => {
    expect(refundLinesAmount(order(), 'p-1', ['a'])).toBe(2800);
    expect(refundLinesAmount(order(), 'p-1', ['a', 'b'])).toBe(3600);
    // the drink was refunded already: only the dish is left on p-1
    const after = order([refund('r-1', 'p-1', 800, [{ lineId: 'b', amountMinor: 800 }])]);
    expect(refundLinesAmount(after, 'p-1', ['a', 'b'])).toBe(2800);
    expect(refundLeft(after, 'p-1')).toEqual({ leftMinor: 2800, lines: new Map([['a', 2800]]) });
    // a refund on its way counts already: a second tap cannot give the same money back twice
    expect(refundLeft(after, 'p-1', [{ id: 'r-2', paymentId: 'p-1', amountMinor: 2800, lines: [{ lineId: 'a', amountMinor: 2800 }] }])?.leftMinor).toBe(0);
    // a line it never covered gives nothing back
    expect(refundLinesAmount(order(), 'p-1', ['c'])).toBe(0);
  });

  it('a refunded line is open again (payable by item, voidable)', () => {
    const after = order([refund('r-1', 'p-1', 800, [{ lineId: 'b', amountMinor: 800 }])]);
    expect(lineBalances(after).get('b')).toEqual({ paidMinor: 0, openMinor: 800 });
    expect(lineBalances(after).get('a')).toEqual({ paidMinor: 2800, openMinor: 0 });
    expect(linesAmount(after, ['b', 'c'], 10_000)).toBe(2000);
  });

  it('checks a refund as the hub does: amount, lines, reason, the card terminal reference', () => {
    const o = order([refund('r-1', 'p-2', 400)]);
    const ok = { paymentId: 'p-2', amountMinor: 600, reason: 'cold soup' };
    expect(refundProblem(o, ok)).toBeNull();
    // a bill-level payment can be refunded in part, never beyond what it still holds
    expect(refundProblem(o, { ...ok, amountMinor: 100 })).toBeNull();
    expect(refundProblem(o, { ...ok, amountMinor: 601 })).toBe('over');
    expect(refundProblem(o, { ...ok, amountMinor: 0 })).toBe('amount');
    expect(refundProblem(o, { ...ok, amountMinor: 12.5 })).toBe('amount');
    expect(refundProblem(o, { ...ok, amountMinor: null })).toBe('amount');
    expect(refundProblem(o, { ...ok, reason: '  ' })).toBe('reason');
    expect(refundProblem(o, { ...ok, paymentId: 'p-9' })).toBe('payment');
    expect(refundProblem(o, { ...ok, lineIds: ['a'] })).toBe('lines');
    // a card refund needs the terminal's refund reference
    expect(refundProblem(o, { paymentId: 'p-3', amountMinor: 500, reason: 'double charged' })).toBe('reference');
    expect(refundProblem(o, { paymentId: 'p-3', amountMinor: 500, reason: 'double charged', reference: ' ' })).toBe('reference');
    expect(refundProblem(o, { paymentId: 'p-3', amountMinor: 500, reason: 'double charged', reference: 'RF-1' })).toBeNull();
    // by item: the amount is what it still covers on the lines named; without lines, all it still holds
    expect(refundProblem(o, { paymentId: 'p-1', amountMinor: 2800, reason: 'cold', lineIds: ['a'] })).toBeNull();
    expect(refundProblem(o, { paymentId: 'p-1', amountMinor: 2000, reason: 'cold', lineIds: ['a'] })).toBe('amount');
    expect(refundProblem(o, { paymentId: 'p-1', amountMinor: 800, reason: 'cold', lineIds: ['c'] })).toBe('lines');
    expect(refundProblem(o, { paymentId: 'p-1', amountMinor: 3600, reason: 'cold' })).toBeNull();
    expect(refundProblem(o, { paymentId: 'p-1', amountMinor: 2800, reason: 'cold' })).toBe('amount');
  });

  it('after a refund, the void the hub refused ("refund first") is offered again', () => {
    const base = { lines: [line('a', 2800), line('b', 2800)], subtotalMinor: 5600, discountMinor: 0, discountGrantedMinor: 0 };
    // paid by item: the dish cannot be voided until its payment is refunded
    const byItem = { ...base, payments: [payment('p-1', 2800, [{ lineId: 'a', amountMinor: 2800 }])], refunds: [], paidMinor: 2800 };
    expect(voidBlocked(byItem, 'a')).toBe('paid');
    expect(voidBlocked({ ...byItem, refunds: [refund('r-1', 'p-1', 2800, [{ lineId: 'a', amountMinor: 2800 }])], paidMinor: 0 }, 'a')).toBeNull();
    // ¥40 on the whole bill: voiding a ¥28 dish would leave it overpaid, until ¥12 of it is given back
    const whole = { ...base, payments: [payment('p-2', 4000)], refunds: [], paidMinor: 4000 };
    expect(voidBlocked(whole, 'a')).toBe('overpaid');
    expect(voidBlocked({ ...whole, refunds: [refund('r-1', 'p-2', 1200)], paidMinor: 2800 }, 'a')).toBeNull();
  });

  it('a refund ends an even split in progress (the shares were of a bill that has changed)', () => {
    expect(evenSplitProgress([{ ways: 3 }, { refund: true }])).toBeNull();
    expect(evenSplitProgress([{ ways: 3 }, { ways: 2 }, { refund: true }, { ways: 2 }])).toEqual({ ways: 2, taken: 1 });
    // a share that was refunded (here or on another device) ends it too
    expect(evenSplitProgress([{ ways: 3, refunded: true }, { ways: 2 }])).toBeNull();
  });
});

describe("today's bills (the hub's order list, newest first)", () => {
  const o = (id: string, number: number, businessDate: string, createdAt: number, tableId: string | null = 't-a1', status: Order['status'] = 'closed') =>
    ({ id, number, businessDate, createdAt, tableId, status }) as Order;
  const tables = [
    { id: 't-a1', name: 'A1' },
    { id: 't-a12', name: 'A12' },
    { id: 't-b1', name: 'B1' },
  ];
  const name = (id: string | null) => tables.find((x) => x.id === id)?.name;

  it("asks the hub for one business day's orders: a page, the page after an order, a table's, a number's", () => {
    expect(billsPath('2024-05-02', { limit: BILLS_PAGE })).toBe('/api/v1/orders?businessDate=2024-05-02&limit=50');
    expect(billsPath('2024-05-02', { limit: 50, before: 'o-9' })).toBe('/api/v1/orders?businessDate=2024-05-02&before=o-9&limit=50');
    expect(billsPath('2024-05-02', { limit: 50, before: null })).toBe('/api/v1/orders?businessDate=2024-05-02&limit=50');
    expect(billsPath('2024-05-02', { limit: 50, tableId: 't-a1' })).toBe('/api/v1/orders?businessDate=2024-05-02&tableId=t-a1&limit=50');
    expect(billsPath('2024-05-02', { limit: 1, number: 12 })).toBe('/api/v1/orders?businessDate=2024-05-02&number=12&limit=1');
  });

  it('a refresh asks for as many as the pages loaded held, a page at least, the hub’s 500 at most', () => {
    expect(refreshLimit(0)).toBe(BILLS_PAGE);
    expect(refreshLimit(20)).toBe(BILLS_PAGE);
    expect(refreshLimit(150)).toBe(150);
    // the hub's list answers at most 500 (listOrdersQuerySchema): past those, the next page again
    expect(refreshLimit(650)).toBe(BILLS_MAX);
    expect(BILLS_MAX).toBe(500);
  });

  it('adds what the hub found to the list: one copy of each, the newer revision, newest first', () => {
    const r = (x: Order, revision: number) => ({ ...x, revision });
    const listed = [r(o('c', 3, 'd', 300), 1), r(o('b', 2, 'd', 200), 5)];
    const merged = mergeBills(listed, [r(o('a', 1, 'd', 100), 1), r(o('c', 3, 'd', 300), 2), r(o('b', 2, 'd', 200), 4), r(o('e', 9, 'd', 900), 1)]);
    expect(merged.map((x) => [x.id, x.revision])).toEqual([['e', 1], ['c', 2], ['b', 5], ['a', 1]]);
    expect(mergeBills([], [])).toEqual([]);
  });

  it('a search names an order number for the hub to find (12, #12, 单号12), not a table or nothing', () => {
    expect(searchedNumber('12')).toBe(12);
    expect(searchedNumber(' #12 ')).toBe(12);
    expect(searchedNumber('单号 7')).toBe(7);
    expect(searchedNumber('No. 3')).toBe(3);
    expect(searchedNumber('a1')).toBeNull();
    expect(searchedNumber('')).toBeNull();
    expect(searchedNumber('0')).toBeNull();
    // beyond any day's numbers (the hub refuses more than 1,000,000)
    expect(searchedNumber('12345678')).toBeNull();
  });

  it('finds a bill by its number (12, #12, 单号12) or its table (A1, a1; a prefix lists A1 and A12)', () => {
    const day = [o('p', 12, 'd', 5, 't-a12'), o('q', 3, 'd', 4, 't-a1'), o('r', 1, 'd', 3, 't-b1'), o('s', 120, 'd', 2, null)];
    const ids = (q: string) => searchBills(day, q, name).map((x) => x.id);
    expect(ids('')).toEqual(['p', 'q', 'r', 's']);
    expect(ids('12')).toEqual(['p']);
    expect(ids(' #12 ')).toEqual(['p']);
    expect(ids('单号12')).toEqual(['p']);
    expect(ids('120')).toEqual(['s']);
    expect(ids('a1')).toEqual(['p', 'q']);
    expect(ids('A12')).toEqual(['p']);
    expect(ids('b')).toEqual(['r']);
    expect(ids('zz')).toEqual([]);
    // a table named exactly (the hub can list its orders beyond the page loaded)
    expect(tableNamed(' a1 ', tables)?.id).toBe('t-a1');
    expect(tableNamed('a', tables)).toBeNull();
    expect(tableNamed('12', tables)).toBeNull();
  });
});
