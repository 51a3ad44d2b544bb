/**
 * The day summary above today's bills (营业日结): a cashier's or manager's tablet asks the hub for the day's
 * takings with the list, for the day the list is of; a waiter's never does; what the summary says, in
 * Chinese and English — the cash the drawer should hold and the orders still open with money due.
 */
import type { VNode } from 'preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Order } from '../../hub/protocol/orders.ts';
import type { DayReport } from '../../hub/protocol/reports.ts';
import { translator, type Lang } from '../shared/i18n.ts';
import { HubUnreachableError } from '../shared/hub-client.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { DaySummary } from './bills.tsx';
import { readsTakings, type DayReportState } from './day-report.ts';
import { posMessages } from './messages.ts';
import { PosApp } from './pos-app.ts';

/** The text a (hook-free) component renders. */
function textOf(node: unknown): string {
  if (node === null || node === undefined || typeof node === 'boolean') return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  const v = node as VNode<{ children?: unknown }>;
  if (typeof v.type === 'function') return textOf((v.type as (p: unknown) => unknown)(v.props));
  return textOf(v.props?.children);
}

const tenders = (cash: [number, number], card: [number, number]) => ({
  cash: { count: cash[0], amountMinor: cash[1] },
  card: { count: card[0], amountMinor: card[1] },
  other: { count: 0, amountMinor: 0 },
});

/** 2 May: ¥72 cash and ¥10 card taken, ¥5 cash refunded; #3 at A2 still open with ¥30 due. */
const report = (o: Partial<DayReport> = {}): DayReport => ({
  businessDate: '2024-05-02',
  timeZone: 'Asia/Shanghai',
  from: 0,
  to: 1,
  asOf: Date.UTC(2024, 4, 2, 12),
  orders: { count: 3, byChannel: { pos: 2, kiosk: 1, qr: 0, preorder: 0 }, voided: 1, firstAt: Date.UTC(2024, 4, 2, 3), lastAt: Date.UTC(2024, 4, 2, 11) },
  grossMinor: 11600,
  discountsMinor: 400,
  netSalesMinor: 11200,
  voidedLines: { count: 1, amountMinor: 1600 },
  payments: { count: 4, amountMinor: 8200, byTender: tenders([3, 7200], [1, 1000]), forOtherDaysMinor: 4400 },
  refunds: { count: 1, amountMinor: 500, byTender: tenders([1, 500], [0, 0]), forOtherDaysMinor: 0 },
  cashExpectedMinor: 6700,
  openOrders: { count: 1, dueMinor: 3000, orders: [{ id: 'o-3', number: 3, tableId: 't-a2', tableName: 'A2', channel: 'pos', totalMinor: 4400, dueMinor: 3000, createdAt: 0 }] },
  ...o,
});

const shown = (state: DayReportState, lang: Lang) => textOf(DaySummary({ state, currency: 'CNY', t: translator(posMessages, lang) }));

describe('the day summary', () => {
  it.each([
    ['zh-CN', ['营业日结 2024-05-02', '钱箱应有现金', '¥67.00', '还有 1 张单未结，待收 ¥30.00', '单号 3', 'A2 桌', '待收 ¥30.00', '净销售额', '¥112.00', '现金', '¥72.00', '−¥5.00', '刷卡', '¥10.00', '其中 ¥44.00 属于其他营业日的单']],
    ['en', ['Day summary 2024-05-02', 'Cash expected in the drawer', '¥67.00', '1 orders still open, ¥30.00 due', '¥30.00 due', 'Net sales', '¥112.00', 'Cash', '¥72.00', '−¥5.00', 'Card', '¥10.00', '¥44.00 of it for orders of other days']],
  ] as const)('%s: the cash expected in the drawer, by tender, and the open orders with money due', (lang, words) => {
    const text = shown({ report: report(), loading: false, failed: false }, lang);
    for (const w of words) expect(text).toContain(w);
    if (lang === 'zh-CN') expect(text).not.toMatch(/[A-Za-z]{3,}/);
  });

  it('says every order is settled when none is open, and keeps the figures it had when the hub is out of reach', () => {
    const settled = report({ openOrders: { count: 0, dueMinor: 0, orders: [] } });
    expect(shown({ report: settled, loading: false, failed: false }, 'en')).toContain('Every order of the day is settled');
    expect(shown({ report: settled, loading: false, failed: false }, 'en')).not.toContain('due');
    const kept = shown({ report: report(), loading: false, failed: true }, 'en');
    expect(kept).toContain('Could not update the takings');
    expect(kept).toContain('¥67.00');
    expect(shown({ report: null, loading: true, failed: false }, 'zh-CN')).toContain('正在统计营业额');
  });

  it('is for cashiers and managers only', () => {
    expect((['waiter', 'cashier', 'kitchen', 'manager', null] as const).map((r) => readsTakings(r))).toEqual([false, true, false, true, false]);
  });
});

describe("the tablet's day summary, loaded with today's bills", () => {
  let app: PosApp | null = null;
  afterEach(() => app?.stop());

  /** A tablet signed in as `role`, whose hub lists no orders for 2 May and answers the day's takings. */
  function tablet(role: 'waiter' | 'cashier' | 'manager', answer: () => DayReport = () => report()) {
    const pos = (app = new PosApp({ storage: new MemoryOutboxStorage() }));
    pos.session.device.set({ token: 'dev_test', deviceId: 'd-1', name: 'test-pos', kind: 'pos' });
    pos.session.staff.set({ token: `staff_${role}`, staff: { id: `s-${role}`, name: role, role } as never, expiresAt: Date.now() + 3600_000 });
    const asked: string[] = [];
    pos.client.request = (async (method: string, path: string) => {
      asked.push(`${method} ${path}`);
      const url = new URL(path, 'http://hub');
      if (url.pathname === '/api/v1/orders') return { orders: [] as Order[], businessDate: '2024-05-02' };
      if (url.pathname === '/api/v1/reports/day') return { report: answer() };
      throw new HubUnreachableError('not in this test');
    }) as typeof pos.client.request;
    return { pos, asked };
  }

  it.each(['cashier', 'manager'] as const)('a %s gets the report of the day the list is of', async (role) => {
    const { pos, asked } = tablet(role);
    await pos.showBills();
    await vi.waitFor(() => expect(pos.dayReport.state.get().report?.cashExpectedMinor).toBe(6700));
    expect(asked).toContain('GET /api/v1/reports/day?businessDate=2024-05-02');
    expect(pos.dayReport.state.get()).toMatchObject({ loading: false, failed: false });
  });

  it("a waiter's tablet never asks (the hub would refuse it)", async () => {
    const { pos, asked } = tablet('waiter');
    await pos.showBills();
    await new Promise((r) => setTimeout(r, 10));
    expect(asked.some((a) => a.includes('/reports/'))).toBe(false);
    expect(pos.dayReport.state.get().report).toBeNull();
  });

  it('keeps the figures it showed when a refresh gets no answer', async () => {
    let reachable = true;
    const { pos } = tablet('cashier', () => {
      if (!reachable) throw new HubUnreachableError('Wi-Fi down');
      return report();
    });
    await pos.showBills();
    await vi.waitFor(() => expect(pos.dayReport.state.get().report).not.toBeNull());
    reachable = false;
    await pos.loadBills();
    await vi.waitFor(() => expect(pos.dayReport.state.get().failed).toBe(true));
    expect(pos.dayReport.state.get().report?.cashExpectedMinor).toBe(6700);
  });
});
