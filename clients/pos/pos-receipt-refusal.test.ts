/**
 * A bill asked for an order voided meanwhile (on another device, or while this tablet's request waited in its
 * outbox) is refused by the hub (409 `order_closed`, "order #12 is voided: it has no bill to print"): the
 * bill screen says so in the staff's language, never the hub's developer message or its code, and not the
 * generic "already paid or closed": a voided order was neither paid nor will it ever have a bill.
 */
import { describe, expect, it } from 'vitest';
import type { Menu } from '../../hub/protocol/index.ts';
import { translator, type Lang } from '../shared/i18n.ts';
import { textOf } from '../shared/ui/text-of.ts';
import { posMessages } from './messages.ts';
import type { PosSubmission } from './pos-app.ts';
import { Submission } from './submission.tsx';

const menu = { currency: 'CNY', items: [], categories: [], optionGroups: [], stations: [], version: 1 } as unknown as Menu;
const message = 'order #12 is voided: it has no bill to print';
const refusedBill = {
  id: 'e-1',
  state: 'rejected',
  lastProblem: null,
  error: { status: 409, code: 'order_closed', message },
  meta: { orderId: 'o-1', staffToken: null, action: { kind: 'receipt' } },
} as unknown as PosSubmission;

describe('the bill of a voided order, refused by the hub', () => {
  it.each([
    ['zh-CN', '这张单已作废，没有账单可打印'],
    ['en', 'This order was voided: there is no bill to print'],
  ] as [Lang, string][])('%s: the refusal in words, not the hub’s message or code', (lang, words) => {
    const t = translator(posMessages, lang);
    const text = textOf(Submission({ e: refusedBill, menu, floor: null, t }));
    expect(text).toContain(words);
    expect(text).not.toContain(t('reject.closed'));
    expect(text).not.toContain(message);
    expect(text).not.toContain('order_closed');
    if (lang === 'zh-CN') expect(text).not.toMatch(/[A-Za-z]{3,}/);
  });
});
