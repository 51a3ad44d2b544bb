/**
 * Every word the waiter tablet shows comes in Chinese and English, from the message tables: no English
 * literal in the views, no hub error message or code shown to staff, no raw print job state.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorStatus } from '../../hub/protocol/errors.ts';
import type { Menu } from '../../hub/protocol/index.ts';
import { PRINT_JOB_STATES } from '../../hub/protocol/printing.ts';
import { translator, type Lang } from '../shared/i18n.ts';
import { posMessages, type PosKey } from './messages.ts';
import type { PosSubmission } from './pos-app.ts';
import { rejectionKey } from './pos-logic.ts';
import { Submission } from './submission.tsx';
import { textOf } from '../shared/ui/text-of.ts';

/** The text a (hook-free) component renders. */

const menu = { currency: 'CNY', items: [], categories: [], optionGroups: [], stations: [], version: 1 } as unknown as Menu;

const refused = (kind: 'payment' | 'transfer' | 'moveTable' | 'void' | 'refund' | 'float', code: string, message: string): PosSubmission =>
  ({
    id: 'e-1',
    state: 'rejected',
    lastProblem: null,
    error: { status: 422, code, message },
    meta: {
      orderId: 'o-1',
      staffToken: null,
      action:
        kind === 'payment'
          ? { kind, amountMinor: 5000, tender: 'cash' }
          : kind === 'transfer'
            ? { kind, toTableId: 't-b1' }
            : kind === 'moveTable'
              ? { kind, fromTableId: 't-a1', toTableId: 't-b1' }
            : kind === 'refund'
              ? { kind, paymentId: 'p-1', amountMinor: 5000, tender: 'card', lines: [] }
              : kind === 'float'
                ? { kind, businessDate: '2026-01-02', amountMinor: 50_000 }
                : { kind, lineId: 'l-1' },
    },
  }) as unknown as PosSubmission;

describe('a refused change says why in the waiter’s language', () => {
  it.each(['zh-CN', 'en'] as Lang[])('%s: never the hub’s developer message or its error code', (lang) => {
    const t = translator(posMessages, lang);
    for (const [kind, code, message] of [
      ['payment', 'overpayment', 'amount 5000 exceeds the 3000 due'],
      ['payment', 'invalid_order', 'those lines have 2800 open, not 3000'],
      ['transfer', 'conflict', 'table B1 is not free; merge into its order instead'],
      ['moveTable', 'conflict', 'table B1 is not free; merge into its order instead'],
      ['moveTable', 'invalid_transition', 'table A1 has no open order to move'],
      ['void', 'order_has_payments', 'line Mapo tofu is paid; refund it before voiding'],
      ['void', 'some_future_code', 'something new'],
      ['refund', 'overpayment', 'refund 5000 exceeds the 3000 left on payment p-1'],
      ['refund', 'invalid_order', 'a card refund needs the terminal reference'],
      ['refund', 'forbidden', 'refunds need the manager role'],
      ['float', 'float_superseded', 'the float of 2026-01-02 is f-2, not f-1'],
    ] as const) {
      const text = textOf(Submission({ e: refused(kind, code, message), menu, floor: null, t }));
      expect(text).not.toContain(message);
      expect(text).not.toContain(code);
      if (lang === 'zh-CN') expect(text).not.toMatch(/[A-Za-z]{3,}/);
    }
  });

  it("a float refused because another was recorded meanwhile says so, not that the hub refused it", () => {
    expect(rejectionKey('float', 'float_superseded')).toBe('reject.floatSuperseded');
  });

  it('every error code the hub can answer has words in both languages', () => {
    for (const code of Object.keys(errorStatus)) {
      for (const kind of ['payment', 'lines', 'void', 'transfer', 'moveTable', 'merge', 'receipt', 'refund']) {
        const key = rejectionKey(kind, code) as PosKey;
        expect(posMessages['zh-CN'][key], `${kind} ${code}`).toBeTruthy();
        expect(posMessages.en[key], `${kind} ${code}`).toBeTruthy();
      }
    }
  });
});

describe('no English literal in the views', () => {
  const dir = import.meta.dirname;
  const views = readdirSync(dir).filter((f) => f.endsWith('.tsx'));
  it.each(views)('%s', (file) => {
    const src = readFileSync(join(dir, file), 'utf8');
    // JSX text between tags: `>Some words<` (expressions in braces are not text)
    const literals = [...src.matchAll(/>([^<>{}]*)</g)].map((m) => m[1]!.trim()).filter((x) => /[A-Za-z]{2,}/.test(x) && !/[=;()&|?]/.test(x));
    expect(literals).toEqual([]);
  });
});

describe('the reprint list', () => {
  it('names every print job state in both languages', () => {
    for (const state of PRINT_JOB_STATES) {
      const key = `reprint.state.${state}` as PosKey;
      expect(posMessages['zh-CN'][key], state).toBeTruthy();
      expect(posMessages.en[key], state).toBeTruthy();
    }
  });
});

describe('a reprint from the printer alert strip', () => {
  it.each(['zh-CN', 'en'] as Lang[])('%s: a receipt is not called a kitchen ticket', (lang) => {
    const t = translator(posMessages, lang);
    const e = { id: 'e-2', state: 'saved', lastProblem: null, error: null, meta: { orderId: 'o-1', staffToken: null, action: { kind: 'reprint', jobId: 9, slip: 'receipt' } } } as unknown as PosSubmission;
    const text = textOf(Submission({ e, menu, floor: null, t }));
    expect(text).toContain(lang === 'en' ? 'receipt' : '小票');
    expect(text).not.toMatch(/厨房|kitchen/i);
  });
});

describe("today's bills", () => {
  it('names every order status and every channel in both languages', async () => {
    const { orderStatusSchema } = await import('../../hub/protocol/orders.ts');
    const { channelSchema } = await import('../../hub/protocol/common.ts');
    const { billStatusKey } = await import('./bills.tsx');
    const keys = [...orderStatusSchema.options.map((status) => billStatusKey({ status })), ...channelSchema.options.map((c) => `bills.channel.${c}` as PosKey)];
    for (const key of keys) {
      expect(posMessages['zh-CN'][key], key).toBeTruthy();
      expect(posMessages.en[key], key).toBeTruthy();
      expect(posMessages['zh-CN'][key]).not.toMatch(/[A-Za-z]{2,}/);
    }
    // the view's own words are message keys too (no literal: 'no English literal in the views' reads bills.tsx)
    for (const key of Object.keys(posMessages.en).filter((k) => k.startsWith('bills.')) as PosKey[]) {
      expect(posMessages['zh-CN'][key].replace(/\{\w+\}/g, ''), key).not.toMatch(/[A-Za-z]{3,}/);
    }
  });
});

describe('a change made for another store', () => {
  it.each(['zh-CN', 'en'] as Lang[])('%s: says it waits for that store, not that the network is retrying', (lang) => {
    const t = translator(posMessages, lang);
    const e = {
      id: 'e-3', state: 'unknown', lastProblem: 'other_store: made for store s-a, this device is paired with s-b', error: null,
      meta: { orderId: 'o-1', staffToken: null, action: { kind: 'reprint', jobId: 9, slip: 'receipt' } },
    } as unknown as PosSubmission;
    const text = textOf(Submission({ e, menu, floor: null, t }));
    expect(text).toContain(posMessages[lang]['sub.otherStore']);
    expect(text).not.toContain(posMessages[lang]['sub.retrying']);
  });
});
