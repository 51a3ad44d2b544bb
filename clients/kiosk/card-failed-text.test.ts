/**
 * A declined card or a terminal problem, as the customer reads it: the whole line in the chosen language.
 * The terminal's own words (a payment SDK's English, a raw error string) are not the customer's: a decline
 * reason may show only as a small detail for the counter; a raw error not at all (it goes to the log).
 */
import { expect, it } from 'vitest';
import { translator } from '../shared/i18n.ts';
import { textOf } from '../shared/ui/text-of.ts';
import { kioskMessages } from './messages.ts';
import { SaleFailed } from './payment.tsx';

const SDK_DECLINE = 'DECLINED 51 insufficient funds';
const RAW_ERROR = 'TypeError: Cannot read properties of undefined (reading "status")';

it('the declined and terminal-problem lines are whole in each language, with no room for the terminal’s words', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    const t = translator(kioskMessages, lang);
    for (const key of ['card.declined', 'card.error'] as const) {
      expect(t(key, { reason: SDK_DECLINE })).not.toContain(SDK_DECLINE);
      expect(kioskMessages[lang][key]).not.toMatch(/\{\w+\}/);
    }
  }
  // the Chinese lines are Chinese: no Latin words in them
  const zh = translator(kioskMessages, 'zh-CN');
  expect(zh('card.declined')).not.toMatch(/[A-Za-z]/);
  expect(zh('card.error')).not.toMatch(/[A-Za-z]/);
});

it('a decline shows the terminal’s reason only as a separate small detail; a terminal error never shows its raw text', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    const t = translator(kioskMessages, lang);
    const declined = SaleFailed({ outcome: 'declined', reason: SDK_DECLINE, t });
    const [alert, detail] = (declined as { props: { children: unknown[] } }).props.children;
    expect(textOf(alert)).toBe(t('card.declined'));
    expect(textOf(detail)).toBe(t('card.terminalSaid', { reason: SDK_DECLINE }));

    const error = textOf(SaleFailed({ outcome: 'error', reason: RAW_ERROR, t }));
    expect(error).toBe(t('card.error'));
    expect(error).not.toContain('TypeError');

    expect(textOf(SaleFailed({ outcome: 'cancelled', reason: null, t }))).toBe(t('card.cancelled'));
    expect(textOf(SaleFailed({ outcome: 'declined', reason: '  ', t }))).toBe(t('card.declined'));
  }
});
