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
import { DayReportFeed, readsTakings, type DayPrinted, type DayReportState } from './day-report.ts';
import { HubError } from '../shared/hub-client.ts';
import type { PrintJob } from '../../hub/protocol/printing.ts';
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

/** The first element (function components expanded) whose props match `test`. */
function findNode(node: unknown, test: (props: Record<string, unknown>) => boolean): VNode<Record<string, unknown>> | null {
  if (node === null || node === undefined || typeof node !== 'object') return null;
  if (Array.isArray(node)) {
    for (const n of node) {
      const found = findNode(n, test);
      if (found) return found;
    }
    return null;
  }
  const v = node as VNode<Record<string, unknown>>;
  if (typeof v.type === 'function') return findNode((v.type as (p: unknown) => unknown)(v.props), test);
  if (v.props && test(v.props)) return v;
  return findNode(v.props?.children, test);
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

const job = (id: number): PrintJob =>
  ({ id, kind: 'day-report', orderId: null, orderNumber: null, stationId: 'receipts', printerId: 'p-counter', state: 'queued' }) as PrintJob;

describe('printing the day report (打印日结单)', () => {
  const summary = (state: DayReportState, online: boolean, lang: Lang = 'en') => {
    const printed: string[] = [];
    const node = DaySummary({ state, currency: 'CNY', t: translator(posMessages, lang), online, onPrint: (d) => printed.push(d) });
    const button = findNode(node, (p) => 'data-takings-print' in p);
    return { text: textOf(node), button, printed };
  };

  it('offers Print while the hub answers, and prints the day shown', () => {
    const { button, printed, text } = summary({ report: report(), loading: false, failed: false }, true);
    expect(button?.props.disabled).toBe(false);
    expect(textOf(button)).toBe('Print');
    (button?.props.onClick as () => void)();
    expect(printed).toEqual(['2024-05-02']);
    expect(text).not.toContain('needs the hub');
  });

  it.each([
    ['en', 'Printing the day report needs the hub'],
    ['zh-CN', '连不上中枢时不能打印日结单'],
  ] as const)('%s: turns Print off and says why while the hub is out of reach', (lang, why) => {
    const { button, text } = summary({ report: report(), loading: false, failed: true }, false, lang);
    expect(button?.props.disabled).toBe(true);
    expect(text).toContain(why);
    if (lang === 'zh-CN') expect(text).not.toMatch(/[A-Za-z]{3,}/);
  });

  it('turns Print off while a press is on its way, and says what came of it: queued, no receipt printer, no answer', () => {
    const sending = summary({ report: report(), loading: false, failed: false, print: { status: 'sending', date: '2024-05-02' } }, true);
    expect(sending.button?.props.disabled).toBe(true);
    expect(textOf(sending.button)).toBe('Sending…');
    const queued = summary({ report: report(), loading: false, failed: false, print: { status: 'queued', date: '2024-05-02', jobId: 7, at: report().asOf } }, true, 'zh-CN');
    expect(queued.text).toContain('日结单已送到前台打印机');
    expect(queued.button?.props.disabled).toBe(false);
    expect(summary({ report: report(), loading: false, failed: false, print: { status: 'no_printer', date: '2024-05-02' } }, true).text).toContain('No printer prints receipts');
    expect(summary({ report: report(), loading: false, failed: false, print: { status: 'unknown', date: '2024-05-02' } }, false).text).toContain('may not have printed');
    // what another day's Print came to is not said under this day
    expect(summary({ report: report(), loading: false, failed: false, print: { status: 'no_printer', date: '2024-05-01' } }, true).text).not.toContain('No printer');
  });

  it('the feed: one request per press (a second press on its way is ignored), the printed figures shown, the refusals told apart', async () => {
    let calls = 0;
    let answer: () => Promise<DayPrinted> = async () => ({ job: job(7), report: report({ cashExpectedMinor: 9900, asOf: report().asOf + 60_000 }) });
    const feed = new DayReportFeed(async () => report(), async () => {
      calls++;
      return answer();
    });
    await feed.load('2024-05-02');
    await Promise.all([feed.print('2024-05-02'), feed.print('2024-05-02')]);
    expect(calls).toBe(1);
    expect(feed.state.get().print).toEqual({ status: 'queued', date: '2024-05-02', jobId: 7, at: report().asOf + 60_000 });
    expect(feed.state.get().report?.cashExpectedMinor).toBe(9900);

    answer = async () => {
      throw new HubError(422, 'no_receipt_printer', 'no printer prints receipts');
    };
    await feed.print('2024-05-02');
    expect(feed.state.get().print?.status).toBe('no_printer');
    answer = async () => {
      throw new HubUnreachableError('Wi-Fi down');
    };
    await feed.print('2024-05-02');
    expect(feed.state.get().print?.status).toBe('unknown');
    answer = async () => {
      throw new HubError(403, 'forbidden', 'a waiter');
    };
    await feed.print('2024-05-02');
    expect(feed.state.get().print?.status).toBe('refused');
    // refreshing the same day keeps what the last press came to; another day does not show it
    await feed.load('2024-05-02');
    expect(feed.state.get().print?.status).toBe('refused');
    await feed.load('2024-05-01');
    expect(feed.state.get().print).toBeUndefined();
  });

  it('the tablet sends POST /api/v1/reports/day/print with the day, and retries a lost answer with the same Idempotency-Key', async () => {
    const pos = new PosApp({ storage: new MemoryOutboxStorage() });
    try {
      pos.session.device.set({ token: 'dev_test', deviceId: 'd-1', name: 'test-pos', kind: 'pos' });
      pos.session.staff.set({ token: 'staff_cashier', staff: { id: 's-c', name: 'cashier', role: 'cashier' } as never, expiresAt: Date.now() + 3600_000 });
      const sent: { method: string; path: string; body: unknown; key: string | undefined }[] = [];
      pos.client.request = (async (method: string, path: string, o: { body?: unknown; key?: string } = {}) => {
        const url = new URL(path, 'http://hub');
        if (url.pathname === '/api/v1/reports/day/print') {
          sent.push({ method, path, body: o.body, key: o.key });
          if (sent.length === 1) throw new HubUnreachableError('the answer was lost');
          return { job: job(11), report: report() };
        }
        if (url.pathname === '/api/v1/reports/day') return { report: report() };
        throw new HubUnreachableError('not in this test');
      }) as typeof pos.client.request;
      await pos.dayReport.load('2024-05-02');
      await pos.dayReport.print('2024-05-02');
      expect(sent.map((x) => [x.method, x.path, x.body])).toEqual([
        ['POST', '/api/v1/reports/day/print', { businessDate: '2024-05-02' }],
        ['POST', '/api/v1/reports/day/print', { businessDate: '2024-05-02' }],
      ]);
      expect(sent[0]!.key).toBeTruthy();
      expect(sent[1]!.key).toBe(sent[0]!.key);
      expect(pos.dayReport.state.get().print).toMatchObject({ status: 'queued', jobId: 11 });
    } finally {
      pos.stop();
    }
  });
});
