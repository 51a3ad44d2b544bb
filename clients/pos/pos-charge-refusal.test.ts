/**
 * The resolve sheet of a kiosk card charge says why the hub did not record it in the staff's language: the
 * hub's refusal message is English for developers ("order #12 is voided"), stored with the charge.
 */
import { describe, expect, it } from 'vitest';
import { translator, type Lang } from '../shared/i18n.ts';
import { chargeRefusalText } from './card-charges.ts';
import { posMessages } from './messages.ts';

const refusals = [
  { code: 'order_closed', message: 'order #12 is voided; it takes no payment' },
  { code: 'forbidden', message: 'a kiosk may pay only its own open order' },
  { code: 'overpayment', message: 'amount 5000 exceeds the 0 due' },
  { code: 'not_found', message: 'order o-1 not found' },
  { code: 'some_future_code', message: 'something new went wrong' },
];

describe('why a kiosk card charge was not recorded', () => {
  it.each(['zh-CN', 'en'] as Lang[])('%s: in words, never the hub’s developer message or its code', (lang) => {
    const t = translator(posMessages, lang);
    const texts = refusals.map((refusal) => chargeRefusalText({ refusal }, t));
    for (const [i, text] of texts.entries()) {
      expect(text).not.toContain(refusals[i]!.message);
      expect(text).not.toContain(refusals[i]!.code);
      if (lang === 'zh-CN') expect(text).not.toMatch(/[A-Za-z]{3,}/);
    }
    // a closed order and an overpaid one are told apart
    expect(texts[0]).not.toBe(texts[2]);
  });
});

describe('a payment of the tender "other" (a voucher, taken at the manager page or by the API)', () => {
  it.each(['zh-CN', 'en'] as Lang[])('%s: named in words on the bill and the refund sheet, not "other"', async (lang) => {
    const { tenderName } = await import('./refund.tsx');
    const t = translator(posMessages, lang);
    expect(tenderName('other', t)).toBe(lang === 'en' ? 'Other' : '其他');
    expect(tenderName('cash', t)).toBe(lang === 'en' ? 'Cash' : '现金');
  });
});

describe('refunding a payment of the tender "other"', () => {
  it.each(['zh-CN', 'en'] as Lang[])('%s: not "give back cash from the drawer" (the day counts it as other: the drawer would come up short)', async (lang) => {
    const { refundHint } = await import('./refund.tsx');
    const t = translator(posMessages, lang);
    expect(refundHint('cash', '¥5.00', t)).toBe(t('refund.cashBack', { amount: '¥5.00' }));
    expect(refundHint('card', '¥5.00', t)).toBe(t('refund.cardBack', { amount: '¥5.00' }));
    const other = refundHint('other', '¥5.00', t);
    expect(other).toContain('¥5.00');
    expect(other).not.toBe(t('refund.cashBack', { amount: '¥5.00' }));
  });
});
