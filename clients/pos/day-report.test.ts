/**
 * The day summary above today's bills (营业日结): a cashier's or manager's tablet asks the hub for the day's
 * takings with the list, for the day the list is of; a waiter's never does; what the summary says, in
 * Chinese and English — the cash the drawer should hold and the orders still open with money due.
 */
import type { VNode } from 'preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Order } from '../../hub/protocol/orders.ts';
import type { DayReport } from '../../hub/protocol/reports.ts';
import { formatClock } from '../shared/format.ts';
import { translator, type Lang } from '../shared/i18n.ts';
import { HubUnreachableError } from '../shared/hub-client.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { DaySummary } from './bills.tsx';
import { minorSchema } from '../../hub/protocol/common.ts';
import { DayReportFeed, FLOAT_MAX_MINOR, floatProblem, floatRequest, queuedFloat, readsTakings, type DayPrinted, type DayReportState, type QueuedFloat } from './day-report.ts';
import { moneyText, parseMoney } from './pos-logic.ts';
import { HubError } from '../shared/hub-client.ts';
import type { PrintJob } from '../../hub/protocol/printing.ts';
import { posMessages } from './messages.ts';
import { PosApp, type PosSubmission } from './pos-app.ts';
import { textOf } from '../shared/ui/text-of.ts';

/** The text a (hook-free) component renders. */

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

const noCharges = {
  count: 0,
  amountMinor: 0,
  unresolved: { count: 0, amountMinor: 0 },
  charges: [],
  settled: { count: 0, amountMinor: 0 },
  settledOfEarlierDays: { count: 0, amountMinor: 0, charges: [] },
  onTerminalMinor: 0,
};

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
  floatMinor: null,
  floatSetAt: null,
  floatId: null,
  floatSetBy: null,
  drawerExpectedMinor: null,
  unrecordedCardCharges: noCharges,
  cardTerminalExpectedMinor: 1000,
  openOrders: { count: 1, dueMinor: 3000, orders: [{ id: 'o-3', number: 3, businessDate: '2024-05-02', tableId: 't-a2', tableName: 'A2', channel: 'pos', totalMinor: 4400, dueMinor: 3000, createdAt: 0 }] },
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

  it("a sign-in on Today's bills reads them again: locked there overnight, the morning's cashier gets today's day", async () => {
    let today = '2024-05-02';
    const { pos, asked } = tablet('cashier', () => report({ businessDate: today }));
    pos.client.request = ((orig) =>
      (async (method: string, path: string, o?: unknown) => {
        if (new URL(path, 'http://hub').pathname === '/api/v1/orders') {
          asked.push(`${method} ${path}`);
          return { orders: [] as Order[], businessDate: today };
        }
        return (orig as (m: string, p: string, o?: unknown) => Promise<unknown>)(method, path, o);
      }) as typeof pos.client.request)(pos.client.request);
    await pos.showBills();
    await vi.waitFor(() => expect(pos.dayReport.state.get().report?.businessDate).toBe('2024-05-02'));
    const staff = pos.session.staff.get();
    pos.session.staff.set(null); // Lock, and the night goes by
    today = '2024-05-03';
    pos.session.staff.set(staff);
    await vi.waitFor(() => expect(pos.dayReport.state.get().report?.businessDate).toBe('2024-05-03'), { timeout: 5000 });
    expect(pos.state.get().bills.date).toBe('2024-05-03');
    expect(asked).toContain('GET /api/v1/reports/day?businessDate=2024-05-03');
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

describe('the opening float and the drawer total (备用金)', () => {
  const floated = (o: Partial<DayReport> = {}) => report({ floatMinor: 50_000, floatSetAt: Date.UTC(2024, 4, 2, 1), drawerExpectedMinor: 56_700, ...o });
  /** The summary with its float handlers recorded. */
  const summary = (state: DayReportState, lang: Lang = 'en', queued: QueuedFloat | null = null) => {
    const edits: [string, string | null][] = [];
    const saves: [string, number][] = [];
    const node = DaySummary({
      state,
      currency: 'CNY',
      t: translator(posMessages, lang),
      queued,
      onEditFloat: (d, text) => edits.push([d, text]),
      onSaveFloat: (d, minor) => saves.push([d, minor]),
    });
    const find = (attr: string) => findNode(node, (p) => attr in p);
    return { text: textOf(node), find, edits, saves };
  };

  it.each([
    ['zh-CN', ['钱箱应有现金', '¥67.00', '备用金', '¥500.00', '钱箱合计（备用金 + 现金）', '¥567.00', '按这个金额清点钱箱', '修改']],
    ['en', ['Cash expected in the drawer', '¥67.00', 'Opening float', '¥500.00', 'Drawer total (float + cash)', '¥567.00', 'count the drawer against this', 'Change']],
  ] as const)('%s: the float recorded, and the drawer total to count against (float + cash), the cash expected as before', (lang, words) => {
    const { text } = summary({ report: floated(), loading: false, failed: false }, lang);
    for (const w of words) expect(text).toContain(w);
    if (lang === 'zh-CN') expect(text).not.toMatch(/[A-Za-z]{3,}/);
  });

  it('without a float says none is recorded, offers to enter one, and gives no drawer total', () => {
    const { text, find, edits } = summary({ report: report(), loading: false, failed: false });
    expect(text).toContain('No float recorded');
    expect(text).toContain('Enter the float to get the drawer total');
    expect(text).not.toContain('Drawer total');
    const edit = find('data-float-edit');
    expect(textOf(edit)).toBe('Enter the float');
    (edit?.props.onClick as () => void)();
    expect(edits).toEqual([['2024-05-02', '']]);
    // a recorded one opens the form with its amount to change
    const change = summary({ report: floated(), loading: false, failed: false });
    (change.find('data-float-edit')?.props.onClick as () => void)();
    expect(change.edits).toEqual([['2024-05-02', '500.00']]);
  });

  it.each([
    ['', null, true],
    ['abc', 'amount', true],
    ['500.123', 'amount', true],
    ['-5', 'amount', true],
    ['2000000', 'tooMuch', true],
    ['0', null, false],
    ['500', null, false],
    ['500.5', null, false],
  ] as const)('the form, typed %j: problem %s, Save off %s', (typed, problem, off) => {
    const { find, saves } = summary({ report: report(), loading: false, failed: false, floatDraft: { date: '2024-05-02', text: typed } });
    const hint = find('data-float-problem');
    expect(hint?.props['data-float-problem'] ?? null).toBe(problem);
    const save = find('data-float-save');
    expect(save?.props.disabled).toBe(off);
    const form = find('data-float-form');
    (form?.props.onSubmit as (e: { preventDefault(): void }) => void)({ preventDefault: () => undefined });
    expect(saves).toEqual(off ? [] : [['2024-05-02', parseMoney(typed)]]);
  });

  it.each([
    ['en', 'Not an amount: enter 0 or more', 'Too much: a float cannot be more than ¥1,000,000.00'],
    ['zh-CN', '金额无效：请输入 0 或以上的金额', '金额太大：备用金不能超过 ¥1,000,000.00'],
  ] as const)('%s: says why an amount cannot be the float, as the payment form does', (lang, bad, tooMuch) => {
    const bad1 = summary({ report: report(), loading: false, failed: false, floatDraft: { date: '2024-05-02', text: '5o0' } }, lang);
    expect(bad1.text).toContain(bad);
    const big = summary({ report: report(), loading: false, failed: false, floatDraft: { date: '2024-05-02', text: '1000000.01' } }, lang);
    expect(big.text).toContain(tooMuch);
    // another day's draft is not this day's form
    const other = summary({ report: report(), loading: false, failed: false, floatDraft: { date: '2024-05-01', text: 'abc' } }, lang);
    expect(other.find('data-float-form')).toBeNull();
  });

  it("the form's input follows what is typed, Cancel closes it", () => {
    const { find, edits } = summary({ report: report(), loading: false, failed: false, floatDraft: { date: '2024-05-02', text: '5' } });
    (find('data-float-amount')?.props.onInput as (e: { currentTarget: { value: string } }) => void)({ currentTarget: { value: '50' } });
    (find('data-float-cancel')?.props.onClick as () => void)();
    expect(edits).toEqual([
      ['2024-05-02', '50'],
      ['2024-05-02', null],
    ]);
  });

  it.each([
    ['saved', 'en', 'Float of ¥450.00 saved on this tablet'],
    ['sending', 'en', 'Sending the float of ¥450.00'],
    ['unknown', 'zh-CN', '备用金 ¥450.00 已保存在本机'],
    ['rejected', 'en', 'The hub did not take the float of ¥450.00: Not allowed for your role'],
    ['rejected', 'zh-CN', '中枢没有接受备用金 ¥450.00：没有权限做这个操作'],
  ] as const)('a float queued here and %s is said under the hub’s (%s)', (state, lang, words) => {
    const queued: QueuedFloat = { amountMinor: 45_000, state, error: state === 'rejected' ? { status: 403, code: 'forbidden', message: "recording the day's float needs the cashier role" } : null, replaces: null, named: [] };
    const { text } = summary({ report: floated(), loading: false, failed: false }, lang, queued);
    expect(text).toContain(words);
    expect(text).not.toContain('needs the cashier role');
  });

  it.each([
    ['en', "the hub's disk is full", 'sent once the hub answers'],
    ['zh-CN', '中枢磁盘已满', '连上中枢后发送'],
  ] as const)('%s: a float the hub answers 507 (its disk full) is said to wait for room, not for the hub to answer', (lang, words, not) => {
    const sub = { id: 'e-1', seq: 1, state: 'unknown', lastProblem: 'HTTP 507 storage_full', error: null, meta: { orderId: 'day:2024-05-02', staffToken: null, action: { kind: 'float', businessDate: '2024-05-02', amountMinor: 45_000 } } } as unknown as PosSubmission;
    const queued = queuedFloat([sub], '2024-05-02');
    expect(queued).toMatchObject({ amountMinor: 45_000, diskFull: true });
    const { text } = summary({ report: floated(), loading: false, failed: false }, lang, queued);
    expect(text).toContain(words);
    expect(text).toContain('¥450.00');
    expect(text).not.toContain(not);
  });

  it.each([
    ['en', '2024-05-02 has ended: Refresh for today'],
    ['zh-CN', '2024-05-02 营业日已结束：请刷新'],
  ] as const)("%s: a day that has ended on the hub's clock (last night's summary still on screen) takes no float: today's would land on it", (lang, words) => {
    // the tablet left on the summary overnight, or offline in the morning: what it shows is yesterday's
    const day = floated({ from: Date.UTC(2024, 4, 1, 20), to: Date.UTC(2024, 4, 2, 20) });
    const at = (hubNow: number, draft?: string) => {
      const edits: [string, string | null][] = [];
      const saves: [string, number][] = [];
      const node = DaySummary({
        state: { report: day, loading: false, failed: true, ...(draft === undefined ? {} : { floatDraft: { date: '2024-05-02', text: draft } }) },
        currency: 'CNY',
        t: translator(posMessages, lang),
        hubNow: () => hubNow,
        onEditFloat: (d, text) => edits.push([d, text]),
        onSaveFloat: (d, minor) => saves.push([d, minor]),
      });
      return { node, text: textOf(node), find: (attr: string) => findNode(node, (p) => attr in p), edits, saves };
    };
    // before the day's end: the float can be changed
    expect(at(day.to - 1).find('data-float-edit')).not.toBeNull();
    // after it: the figures stay, the float of that day is not offered, and why is said
    const ended = at(day.to + 5 * 3600_000);
    expect(ended.find('data-float-edit')).toBeNull();
    expect(ended.text).toContain(words);
    expect(ended.find('data-takings-drawer-total')?.props['data-takings-drawer-total']).toBe(56_700);
    // a form opened before 04:00 and saved after it saves nothing
    const open = at(day.to - 1, '600');
    expect(open.find('data-float-form')).not.toBeNull();
    const late = at(day.to + 60_000, '600');
    expect(late.find('data-float-form')).toBeNull();
    // the form on screen since before the end (not drawn again), submitted after it
    let hubNow = day.to - 1;
    const redrawn: [string, string | null][] = [];
    const stale = DaySummary({
      state: { report: day, loading: false, failed: false, floatDraft: { date: '2024-05-02', text: '600' } },
      currency: 'CNY',
      t: translator(posMessages, lang),
      hubNow: () => hubNow,
      onEditFloat: (d, text) => redrawn.push([d, text]),
      onSaveFloat: (d, minor) => open.saves.push([d, minor]),
    });
    const drawn = findNode(stale, (p) => 'data-float-form' in p);
    expect(drawn).not.toBeNull();
    hubNow = day.to + 60_000;
    (drawn?.props.onSubmit as (e: { preventDefault(): void }) => void)({ preventDefault: () => undefined });
    expect(open.saves).toEqual([]);
    // the draft set again as it was: the summary is drawn again, saying the day has ended
    expect(redrawn).toEqual([['2024-05-02', '600']]);
    // the same form submitted before the end saves the float
    hubNow = day.to - 1;
    (drawn?.props.onSubmit as (e: { preventDefault(): void }) => void)({ preventDefault: () => undefined });
    expect(open.saves).toEqual([['2024-05-02', 60_000]]);
  });

  it('the hub takes any amount it allows: the tablet’s bound is the hub’s', () => {
    expect(FLOAT_MAX_MINOR).toBe(minorSchema.maxValue);
    expect(floatProblem(moneyText(FLOAT_MAX_MINOR), 'CNY')).toBeNull();
    expect(floatProblem(moneyText(FLOAT_MAX_MINOR + 1), 'CNY')).toBe('tooMuch');
    // a currency without minor units takes whole numbers only
    expect(floatProblem('30000', 'JPY')).toBeNull();
    expect(floatProblem('300.5', 'JPY')).toBe('amount');
  });

  it('the latest float queued for the day is the one said; one the hub confirmed is not', () => {
    const sub = (seq: number, date: string, amountMinor: number, state: PosSubmission['state']): PosSubmission =>
      ({ id: `e-${seq}`, seq, state, error: null, meta: { orderId: `day:${date}`, staffToken: null, action: { kind: 'float', businessDate: date, amountMinor } } }) as unknown as PosSubmission;
    const pay = { id: 'e-9', seq: 9, state: 'saved', error: null, meta: { orderId: 'o-1', staffToken: null, action: { kind: 'payment', amountMinor: 100, tender: 'cash' } } } as unknown as PosSubmission;
    expect(queuedFloat([sub(1, '2024-05-02', 40_000, 'saved'), sub(2, '2024-05-02', 45_000, 'unknown'), sub(3, '2024-05-01', 1, 'saved'), pay], '2024-05-02')).toEqual({ amountMinor: 45_000, state: 'unknown', error: null, replaces: null, named: [] });
    expect(queuedFloat([sub(1, '2024-05-02', 40_000, 'saved'), sub(2, '2024-05-02', 45_000, 'confirmed')], '2024-05-02')).toBeNull();
    expect(queuedFloat([pay], '2024-05-02')).toBeNull();
  });

  it('the feed keeps a float half typed while the same day refreshes, not when another day loads', async () => {
    const feed = new DayReportFeed(async () => report());
    await feed.load('2024-05-02');
    feed.editFloat('2024-05-02', '48');
    await feed.load('2024-05-02');
    expect(feed.state.get().floatDraft).toEqual({ date: '2024-05-02', text: '48' });
    expect(feed.state.get().report?.businessDate).toBe('2024-05-02');
    feed.editFloat('2024-05-02', null);
    expect(feed.state.get().floatDraft).toBeUndefined();
    feed.editFloat('2024-05-02', '48');
    await feed.load('2024-05-03');
    expect(feed.state.get().floatDraft).toBeUndefined();
  });
});

describe('the tablet records the float through its outbox', () => {
  let app: PosApp | null = null;
  afterEach(() => app?.stop());

  /** A cashier's tablet whose hub answers the day's report with `reported()` and the float with `floatAnswer`. */
  function tablet(floatAnswer: (n: number) => unknown) {
    const pos = (app = new PosApp({ storage: new MemoryOutboxStorage() }));
    pos.session.device.set({ token: 'dev_test', deviceId: 'd-1', name: 'test-pos', kind: 'pos' });
    pos.session.staff.set({ token: 'staff_cashier', staff: { id: 's-c', name: 'cashier', role: 'cashier' } as never, expiresAt: Date.now() + 3600_000 });
    let float: number | null = null;
    const sent: { method: string; path: string; body: unknown; key: string | undefined; auth: string | undefined }[] = [];
    const reads: string[] = [];
    pos.client.request = (async (method: string, path: string, o: { body?: unknown; key?: string; headers?: Record<string, string> } = {}) => {
      const url = new URL(path, 'http://hub');
      if (url.pathname === '/api/v1/reports/day/float') {
        sent.push({ method, path, body: o.body, key: o.key, auth: o.headers?.authorization });
        const answer = floatAnswer(sent.length);
        float = (o.body as { amountMinor: number }).amountMinor;
        return answer;
      }
      if (url.pathname === '/api/v1/reports/day') {
        reads.push(path);
        return { report: report(float === null ? {} : { floatMinor: float, floatSetAt: 1, drawerExpectedMinor: float + 6700 }) };
      }
      throw new HubUnreachableError('not in this test');
    }) as typeof pos.client.request;
    return { pos, sent, reads };
  }
  const answered = { float: { businessDate: '2024-05-02', amountMinor: 50_000, setAt: 1, staffId: 's-c' } };

  it('queues POST /api/v1/reports/day/float with the day shown, as the cashier, retries a lost answer with the same key, and shows the drawer total once the hub has it', async () => {
    const { pos, sent, reads } = tablet((n) => {
      if (n === 1) throw new HubUnreachableError('the answer was lost');
      return answered;
    });
    await pos.outbox.load();
    await pos.dayReport.load('2024-05-02');
    pos.dayReport.editFloat('2024-05-02', '500');
    // a double tap: one change stored
    const [first, second] = await Promise.all([pos.setFloat('2024-05-02', 50_000), pos.setFloat('2024-05-02', 50_000)]);
    expect(first).not.toBeNull();
    expect(second).toBeNull();
    // stored here: the form closes, the summary says it is on its way
    expect(pos.dayReport.state.get().floatDraft).toBeUndefined();
    expect(queuedFloat(pos.outbox.list() as PosSubmission[], '2024-05-02')).toMatchObject({ amountMinor: 50_000 });

    // the first answer is lost: the outcome is unknown, and the outbox sends the change again with its key (by
    // itself, after a jittered pause that may be a few milliseconds: the 'unknown' state between is not waited for)
    await vi.waitFor(() => expect(pos.dayReport.state.get().report?.drawerExpectedMinor).toBe(56_700), { timeout: 10_000 });
    expect(sent.length).toBe(2);
    // with an id made here, naming the float the summary showed: none
    const body = { businessDate: '2024-05-02', amountMinor: 50_000, id: expect.any(String), replaces: null };
    expect(sent.map((x) => [x.method, x.path, x.body, x.auth])).toEqual([
      ['POST', '/api/v1/reports/day/float', body, 'Bearer staff_cashier'],
      ['POST', '/api/v1/reports/day/float', body, 'Bearer staff_cashier'],
    ]);
    expect((sent[1]!.body as { id: string }).id).toBe((sent[0]!.body as { id: string }).id);
    expect(sent[0]!.key).toBeTruthy();
    expect(sent[1]!.key).toBe(sent[0]!.key);
    // the report was asked again once the hub confirmed it
    expect(reads.length).toBe(2);
    expect(queuedFloat(pos.state.get().submissions, '2024-05-02')).toBeNull();
  });

  it('a float the hub refuses stays said, in words, under the summary', async () => {
    const { pos } = tablet(() => {
      throw new HubError(403, 'forbidden', "recording the day's float needs the cashier or manager role");
    });
    await pos.outbox.load();
    await pos.dayReport.load('2024-05-02');
    await pos.setFloat('2024-05-02', 50_000);
    await vi.waitFor(() => expect(queuedFloat(pos.state.get().submissions, '2024-05-02')?.state).toBe('rejected'), { timeout: 5000 });
    const text = textOf(DaySummary({ state: pos.dayReport.state.get(), currency: 'CNY', t: translator(posMessages, 'en'), queued: queuedFloat(pos.state.get().submissions, '2024-05-02') }));
    expect(text).toContain('The hub did not take the float of ¥500.00: Not allowed for your role');
    expect(pos.dayReport.state.get().report?.floatMinor).toBeNull();
  });
});

describe('a float refused because another tablet recorded one meanwhile (备用金冲突)', () => {
  const sub = (seq: number, state: PosSubmission['state'], action: Record<string, unknown>, error: PosSubmission['error'] = null): PosSubmission =>
    ({ id: `e-${seq}`, seq, state, error, meta: { orderId: 'day:2024-05-02', staffToken: null, action: { kind: 'float', businessDate: '2024-05-02', amountMinor: 1, ...action } } }) as unknown as PosSubmission;
  const superseded = { status: 409, code: 'float_superseded', message: 'another float was recorded for 2024-05-02' };

  it('a float names the one it replaces: the latest queued here and not answered yet, else the one the summary shows; never one the hub refused', () => {
    const shown = { businessDate: '2024-05-02', floatId: 'f-shown', floatSetAt: 100 };
    expect(floatRequest([], shown, '2024-05-02', 50_000, 'f-new')).toEqual({ businessDate: '2024-05-02', amountMinor: 50_000, id: 'f-new', replaces: 'f-shown' });
    expect(floatRequest([], { ...shown, floatId: null }, '2024-05-02', 1, 'f-new').replaces).toBeNull();
    // another day's summary names nothing of this day
    expect(floatRequest([], { ...shown, businessDate: '2024-05-01' }, '2024-05-02', 1, 'f-new').replaces).toBeNull();
    // queued offline, twice: the second names the first, which the hub gets before it
    expect(floatRequest([sub(1, 'saved', { id: 'f-1' }), sub(2, 'unknown', { id: 'f-2' })], shown, '2024-05-02', 1, 'f-3').replaces).toBe('f-2');
    // answered: the summary has what the day has now
    expect(floatRequest([sub(1, 'confirmed', { id: 'f-1' }), sub(2, 'rejected', { id: 'f-2' }, superseded)], shown, '2024-05-02', 1, 'f-3').replaces).toBe('f-shown');
    // taken by the hub after the summary was read (its answer's time is the hub's, as the summary's): that one
    const took = (setAt: number) => ({ ...sub(1, 'confirmed', { id: 'f-1' }), result: { float: { id: 'f-1', setAt } } });
    expect(floatRequest([took(200)], shown, '2024-05-02', 1, 'f-3').replaces).toBe('f-1');
    expect(floatRequest([took(200)], null, '2024-05-02', 1, 'f-3').replaces).toBe('f-1');
    // the summary read since has a later one (another tablet's): that one
    expect(floatRequest([took(50)], shown, '2024-05-02', 1, 'f-3').replaces).toBe('f-shown');
  });

  /** The summary showing `r`, with this tablet's float `queued`, its Keep and Replace recorded. */
  const conflict = (r: DayReport, queued: QueuedFloat, lang: Lang = 'en') => {
    const settled: [string, number | null][] = [];
    const node = DaySummary({ state: { report: r, loading: false, failed: false }, currency: 'CNY', t: translator(posMessages, lang), queued, onSettleFloat: (d, amount) => settled.push([d, amount]) });
    return { node, text: textOf(node), find: (attr: string) => findNode(node, (p) => attr in p), settled };
  };
  const mine: QueuedFloat = { amountMinor: 50_000, state: 'rejected', error: superseded, replaces: null, named: [] };
  const recordedByB = (o: Partial<DayReport> = {}) =>
    report({ floatMinor: 80_000, floatSetAt: Date.UTC(2024, 4, 2, 2, 5), floatId: 'f-b', floatSetBy: '刘洋 Liu Yang', drawerExpectedMinor: 86_700, ...o });

  it.each([
    ['en', 'The float of ¥500.00 was not recorded: 刘洋 Liu Yang recorded a float of ¥800.00 at', 'Keep ¥800.00', 'Replace it with ¥500.00'],
    ['zh-CN', '备用金 ¥500.00 没有记入：刘洋 Liu Yang 已在', '保留 ¥800.00', '改为 ¥500.00'],
  ] as const)('%s: says whose float is in the way and when, and offers to keep it or replace it with this tablet’s', (lang, says, keep, replace) => {
    const { text, find, settled } = conflict(recordedByB(), mine, lang);
    expect(text).toContain(says);
    expect(text).toContain('¥800.00');
    expect(text).not.toContain('float_superseded');
    expect(textOf(find('data-float-keep'))).toBe(keep);
    expect(textOf(find('data-float-replace'))).toBe(replace);
    (find('data-float-keep')?.props.onClick as () => void)();
    (find('data-float-replace')?.props.onClick as () => void)();
    expect(settled).toEqual([
      ['2024-05-02', null],
      ['2024-05-02', 50_000],
    ]);
  });

  it('offers nothing to choose until the summary has read the float in the way (it still shows the one this float named)', () => {
    for (const r of [report(), recordedByB({ floatId: 'f-seen' })]) {
      const { text, find } = conflict(r, { ...mine, replaces: r.floatId });
      expect(text).toContain('another float was recorded for the day; reading it');
      expect(find('data-float-replace')).toBeNull();
      expect(find('data-float-keep')).toBeNull();
    }
  });

  it('takes only a superseded refusal for a sign the day has another float: one refused for something else named the float that may still be the day’s', () => {
    // queued offline twice; the first refused for the session (403), the second, naming it, superseded by the float the first named
    const subs = [sub(1, 'rejected', { id: 'f-1', replaces: 'f-b', amountMinor: 40_000 }, { status: 403, code: 'forbidden', message: 'no' }), sub(2, 'rejected', { id: 'f-2', replaces: 'f-1', amountMinor: 50_000 }, superseded)];
    const queued = queuedFloat(subs, '2024-05-02')!;
    expect(queued).toMatchObject({ amountMinor: 50_000, replaces: 'f-1', named: ['f-1'] });
    expect(conflict(recordedByB(), queued).text).toContain('刘洋 Liu Yang recorded a float of ¥800.00');
  });

  /**
   * A cashier's tablet whose hub has had tablet B's 800.00 since 10:05, and answers floats as a hub would;
   * `reads()` false: the day's report gets no answer (the Wi-Fi drops between the float's answer and the read).
   */
  function tablet(reads: () => boolean = () => true) {
    const pos = new PosApp({ storage: new MemoryOutboxStorage() });
    pos.session.device.set({ token: 'dev_test', deviceId: 'd-a', name: 'tablet A', kind: 'pos' });
    pos.session.staff.set({ token: 'staff_cashier', staff: { id: 's-c', name: 'cashier', role: 'cashier' } as never, expiresAt: Date.now() + 3600_000 });
    let float = { id: 'f-b', amountMinor: 80_000, setAt: Date.UTC(2024, 4, 2, 2, 5), staffName: '刘洋 Liu Yang' };
    let reachable = false;
    const sent: { body: { amountMinor: number; id: string; replaces: string | null }; key: string | undefined }[] = [];
    pos.client.request = (async (_method: string, path: string, o: { body?: unknown; key?: string } = {}) => {
      if (!reachable) throw new HubUnreachableError('offline');
      const url = new URL(path, 'http://hub');
      if (url.pathname === '/api/v1/reports/day/float') {
        const body = o.body as (typeof sent)[number]['body'];
        sent.push({ body, key: o.key });
        if (body.replaces !== float.id) throw new HubError(409, 'float_superseded', 'another float was recorded for 2024-05-02', { current: float });
        float = { id: body.id, amountMinor: body.amountMinor, setAt: Date.UTC(2024, 4, 2, 2, 15), staffName: 'cashier' };
        return { float };
      }
      if (url.pathname === '/api/v1/reports/day') {
        if (!reads()) throw new HubUnreachableError('the read got no answer');
        return { report: report({ floatMinor: float.amountMinor, floatSetAt: float.setAt, floatId: float.id, floatSetBy: float.staffName, drawerExpectedMinor: float.amountMinor + 6700 }) };
      }
      throw new HubUnreachableError('not in this test');
    }) as typeof pos.client.request;
    return { pos, sent, online: () => (reachable = true) };
  }
  let app: PosApp | null = null;
  afterEach(() => app?.stop());

  it('the float queued offline is refused when it reaches the hub, the summary shows the one in the way, and Replace sends a new change naming it', async () => {
    const t = tablet();
    const pos = (app = t.pos);
    await pos.outbox.load();
    // 10:00, offline: the summary was loaded before B's float (none shown), and the cashier saves 500.00
    pos.dayReport.state.set({ report: report(), loading: false, failed: false });
    const first = await pos.setFloat('2024-05-02', 50_000);
    expect(first?.body).toMatchObject({ amountMinor: 50_000, replaces: null });
    // 10:10, back: the outbox sends it, the hub refuses it, the summary reads the day again
    t.online();
    pos.outbox.retryNow();
    await vi.waitFor(() => expect(pos.dayReport.state.get().report?.floatId).toBe('f-b'), { timeout: 10_000 });
    const queued = queuedFloat(pos.state.get().submissions, '2024-05-02');
    expect(queued).toMatchObject({ state: 'rejected', error: { code: 'float_superseded' }, amountMinor: 50_000 });
    expect(conflict(pos.dayReport.state.get().report!, queued!).text).toContain('刘洋 Liu Yang recorded a float of ¥800.00');

    // Replace: a new change with a new key and id, naming B's float; the refused one is put away
    await pos.settleFloat('2024-05-02', 50_000);
    await vi.waitFor(() => expect(pos.dayReport.state.get().report?.floatMinor).toBe(50_000), { timeout: 10_000 });
    expect(t.sent.map((x) => [x.body.amountMinor, x.body.replaces])).toEqual([
      [50_000, null],
      [50_000, 'f-b'],
    ]);
    expect(t.sent[1]!.key).not.toBe(t.sent[0]!.key);
    expect(t.sent[1]!.body.id).not.toBe(t.sent[0]!.body.id);
    expect(pos.state.get().submissions.filter((e) => e.state === 'rejected')).toEqual([]);
    expect(queuedFloat(pos.state.get().submissions, '2024-05-02')).toBeNull();
  });

  it('two floats queued offline and both refused: nothing to choose while the summary still shows the float the first one named', async () => {
    let readable = true;
    const t = tablet(() => readable);
    const pos = (app = t.pos);
    await pos.outbox.load();
    // 09:00 the summary showed the morning's float; offline at 10:00 the cashier saves 500.00, then corrects it to 550.00
    pos.dayReport.state.set({ report: report({ floatMinor: 30_000, floatSetAt: Date.UTC(2024, 4, 2, 1), floatId: 'f-morning', floatSetBy: 'cashier', drawerExpectedMinor: 36_700 }), loading: false, failed: false });
    await pos.setFloat('2024-05-02', 50_000);
    await pos.setFloat('2024-05-02', 55_000);
    // back at 10:10, but the day's report gets no answer: both floats are refused for B's 800.00
    readable = false;
    t.online();
    pos.outbox.retryNow();
    await vi.waitFor(() => expect(pos.state.get().submissions.filter((e) => e.state === 'rejected')).toHaveLength(2), { timeout: 10_000 });
    const queued = queuedFloat(pos.state.get().submissions, '2024-05-02')!;
    expect(queued).toMatchObject({ amountMinor: 55_000, state: 'rejected', error: { code: 'float_superseded' } });
    // the summary still shows the morning's float, which the first one named: not the one in the way
    const stale = conflict(pos.dayReport.state.get().report!, queued);
    expect(stale.text).toContain('another float was recorded for the day; reading it');
    expect(stale.text).not.toContain('¥300.00 at');
    expect(stale.find('data-float-replace')).toBeNull();
    // read again: B's 800.00 is the one in the way, and Replace names it
    readable = true;
    await pos.dayReport.load('2024-05-02');
    expect(conflict(pos.dayReport.state.get().report!, queuedFloat(pos.state.get().submissions, '2024-05-02')!).text).toContain('刘洋 Liu Yang recorded a float of ¥800.00');
    await pos.settleFloat('2024-05-02', 55_000);
    await vi.waitFor(() => expect(pos.dayReport.state.get().report?.floatMinor).toBe(55_000), { timeout: 10_000 });
    expect(t.sent.map((x) => x.body.replaces)).toEqual(['f-morning', t.sent[0]!.body.id, 'f-b']);
  });

  it('a float corrected after the hub took the first, before the summary read it again, names the one the hub took', async () => {
    let readable = true;
    const t = tablet(() => readable);
    const pos = (app = t.pos);
    t.online();
    await pos.outbox.load();
    await pos.dayReport.load('2024-05-02');
    expect(pos.dayReport.state.get().report?.floatId).toBe('f-b');
    // 10:10 the cashier replaces B's 800.00 with 500.00: the hub takes it, and the read after it gets no answer
    readable = false;
    const first = await pos.setFloat('2024-05-02', 50_000);
    await vi.waitFor(() => expect(pos.state.get().submissions.find((e) => e.id === first!.id)?.state).toBe('confirmed'), { timeout: 10_000 });
    await vi.waitFor(() => expect(pos.dayReport.state.get().loading).toBe(false));
    expect(pos.dayReport.state.get().report?.floatId).toBe('f-b');
    // a typo: 550.00. It replaces the 500.00 this tablet recorded, not the 800.00 the summary still shows
    const second = await pos.setFloat('2024-05-02', 55_000);
    expect(second?.body).toMatchObject({ amountMinor: 55_000, replaces: (first!.body as { id: string }).id });
    await vi.waitFor(() => expect(pos.state.get().submissions.find((e) => e.id === second!.id)?.state).toBe('confirmed'), { timeout: 10_000 });
  });

  it('Keep puts the refused float away and sends nothing: the day keeps the float the till is counted against', async () => {
    const t = tablet();
    const pos = (app = t.pos);
    await pos.outbox.load();
    pos.dayReport.state.set({ report: report(), loading: false, failed: false });
    await pos.setFloat('2024-05-02', 50_000);
    t.online();
    pos.outbox.retryNow();
    await vi.waitFor(() => expect(queuedFloat(pos.state.get().submissions, '2024-05-02')?.state).toBe('rejected'), { timeout: 10_000 });
    await pos.settleFloat('2024-05-02', null);
    await vi.waitFor(() => expect(queuedFloat(pos.state.get().submissions, '2024-05-02')).toBeNull());
    expect(t.sent).toHaveLength(1);
    expect(pos.dayReport.state.get().report).toMatchObject({ floatMinor: 80_000, floatId: 'f-b' });
  });
});

describe("an earlier day's open order, and the kiosks' card charges not recorded", () => {
  it.each([
    ['zh-CN', '单号 12（2024-05-01）', '单号 12 A2'],
    ['en', 'Order 12 of 2024-05-01', 'Order 12Table A2'],
  ] as const)('%s: an open order of an earlier business day is named with its day (numbers restart every day)', (lang, earlier, today) => {
    const r = report({
      openOrders: {
        count: 2,
        dueMinor: 5100,
        orders: [
          { id: 'o-y', number: 12, businessDate: '2024-05-01', tableId: 't-a3', tableName: 'A3', channel: 'pos', totalMinor: 2800, dueMinor: 2100, createdAt: 0 },
          { id: 'o-t', number: 12, businessDate: '2024-05-02', tableId: 't-a2', tableName: 'A2', channel: 'pos', totalMinor: 4400, dueMinor: 3000, createdAt: 1 },
        ],
      },
    });
    const node = DaySummary({ state: { report: r, loading: false, failed: false }, currency: 'CNY', t: translator(posMessages, lang) });
    expect(textOf(findNode(node, (p) => p['data-takings-open-order'] === 'o-y'))).toContain(earlier);
    const own = textOf(findNode(node, (p) => p['data-takings-open-order'] === 'o-t'));
    expect(own.replace(/\s+/g, '')).toContain(today.replace(/\s+/g, ''));
    expect(own).not.toContain('2024-05-01');
  });

  const open = { resolvedAt: null, resolutionKind: null, resolutionOrderNumber: null, resolutionNote: null, settledAt: null };
  const charges = {
    ...noCharges,
    count: 2,
    amountMinor: 7200,
    unresolved: { count: 1, amountMinor: 4400 },
    charges: [
      // resolved before there were kinds: a note, read as other
      { ...open, id: 'c-1', orderId: 'o-5', orderNumber: 5, amountMinor: 2800, reference: 'T-881', createdAt: Date.UTC(2024, 4, 2, 4, 5), resolvedAt: Date.UTC(2024, 4, 2, 5), resolutionKind: 'other' as const, resolutionNote: '已在终端退款' },
      { ...open, id: 'c-2', orderId: 'o-9', orderNumber: null, amountMinor: 4400, reference: 'T-902', createdAt: Date.UTC(2024, 4, 2, 10, 40) },
    ],
    onTerminalMinor: 7200,
  };

  it.each([
    ['zh-CN', ['自助机刷卡未入账 2 笔，共 ¥72.00：刷卡终端已扣款，收款里没有', '其中 1 笔（¥44.00）还没有经理处理', '单号 5', 'T-881', '¥28.00', '已处理：已在终端退款', '未知订单', '¥44.00', '未处理']],
    ['en', ['2 kiosk card charges not recorded, ¥72.00: charged on the card terminal, not in the payments', '1 of them (¥44.00) not resolved by a manager yet', 'Order 5', 'T-881', 'resolved: 已在终端退款', 'unknown order', 'not resolved']],
  ] as const)("%s: the day's card charges the hub did not record, each with what became of it", (lang, words) => {
    const node = DaySummary({ state: { report: report({ unrecordedCardCharges: charges }), loading: false, failed: false }, currency: 'CNY', t: translator(posMessages, lang) });
    const text = textOf(node);
    for (const w of words) expect(text).toContain(w);
    if (lang === 'zh-CN') expect(text).not.toMatch(/[A-Za-z]{3,}/);
    expect(findNode(node, (p) => 'data-takings-unrecorded' in p)?.props['data-takings-unresolved']).toBe(1);
  });

  it.each([
    ['en', ['refunded on the terminal (RF-1)', 'recorded as the card payment of order 14', "1 of earlier days' unrecorded charges refunded or recorded as payments today, ¥9.00", 'Still on the terminal and not in the payments: ¥35.00', 'Card terminals should total', '¥45.00']],
    ['zh-CN', ['已在终端退款（RF-1）', '已收作单号 14 的刷卡付款', '之前营业日未入账的刷卡，今天已退款或已收作付款 1 笔，共 ¥9.00', '终端上仍有、收款里没有的：¥35.00', '刷卡终端应有合计', '¥45.00']],
  ] as const)("%s: what became of each charge, what is still on the terminal, and what the card terminals should total", (lang, words) => {
    const settledCharges = {
      ...noCharges,
      count: 3,
      amountMinor: 4400 + 2800 + 1600,
      unresolved: { count: 1, amountMinor: 4400 },
      charges: [
        { ...open, id: 'c-1', orderId: 'o-5', orderNumber: 5, amountMinor: 2800, reference: 'T-881', createdAt: 1, resolvedAt: 2, resolutionKind: 'refunded_on_terminal' as const, resolutionNote: 'RF-1', settledAt: 2 },
        { ...open, id: 'c-2', orderId: 'o-9', orderNumber: 9, amountMinor: 4400, reference: 'T-902', createdAt: 3 },
        { ...open, id: 'c-3', orderId: 'o-11', orderNumber: 11, amountMinor: 1600, reference: 'T-911', createdAt: 4, resolvedAt: 5, resolutionKind: 'recorded_as_payment' as const, resolutionOrderNumber: 14, settledAt: 4 },
      ],
      settled: { count: 2, amountMinor: 4400 },
      settledOfEarlierDays: { count: 1, amountMinor: 900, charges: [{ ...open, id: 'c-0', orderId: 'o-88', orderNumber: 88, amountMinor: 900, reference: 'T-700', createdAt: 0, resolvedAt: 2, resolutionKind: 'refunded_on_terminal' as const, settledAt: 2 }] },
      // ¥88 charged, ¥44 of it refunded or recorded as a payment, and ¥9 of an earlier day's refunded today
      onTerminalMinor: 8800 - 4400 - 900,
    };
    // ¥10 of card payments, plus the ¥35 still on the terminal
    const r = report({ unrecordedCardCharges: settledCharges, cardTerminalExpectedMinor: 1000 + 3500 });
    const node = DaySummary({ state: { report: r, loading: false, failed: false }, currency: 'CNY', t: translator(posMessages, lang) });
    const text = textOf(node);
    for (const w of words) expect(text).toContain(w);
    if (lang === 'zh-CN') expect(text).not.toMatch(/[A-Za-z]{3,}/);
    expect(findNode(node, (p) => 'data-takings-terminal' in p)?.props['data-takings-terminal']).toBe(4500);
    expect(findNode(node, (p) => p['data-takings-card-charge-earlier'] === 'c-0')).not.toBeNull();
  });

  it.each([
    ['zh-CN', '单号 88（2024-04-25）', '单号 61（2024-05-01）', '单号 9'],
    ['en', 'Order 88 of 2024-04-25', 'Order 61 of 2024-05-01', 'Order 9'],
  ] as const)("%s: an earlier day's charge is named with its business day, as an earlier day's open order is; the day's own with its time alone", (lang, weekAgo, lastNight, own) => {
    const at = (month: number, d: number, h: number, m: number) => Date.UTC(2024, month - 1, d, h - 8, m);
    const c = (id: string, orderNumber: number, createdAt: number, o: Record<string, unknown> = {}) => ({ ...open, id, orderId: `o-${id}`, orderNumber, amountMinor: 900, reference: `T-${id}`, createdAt, ...o });
    const refunded = { resolvedAt: at(5, 2, 10, 0), resolutionKind: 'refunded_on_terminal' as const, settledAt: at(5, 2, 10, 0) };
    const r = report({
      // 2 May in Shanghai: 04:00 to 04:00
      from: at(5, 2, 4, 0),
      to: at(5, 3, 4, 0),
      unrecordedCardCharges: {
        ...noCharges,
        count: 1,
        amountMinor: 900,
        unresolved: { count: 1, amountMinor: 900 },
        charges: [c('c-9', 9, at(5, 2, 18, 40))],
        // a week before, and 01:30 on 2 May: still 1 May's business day
        settledOfEarlierDays: { count: 2, amountMinor: 1800, charges: [c('c-88', 88, at(4, 25, 21, 43), refunded), c('c-61', 61, at(5, 2, 1, 30), refunded)] },
        onTerminalMinor: 900 - 1800,
      },
    });
    const node = DaySummary({ state: { report: r, loading: false, failed: false }, currency: 'CNY', t: translator(posMessages, lang) });
    const line = (id: string) => textOf(findNode(node, (p) => p['data-takings-card-charge-earlier'] === id || p['data-takings-card-charge'] === id));
    expect(line('c-88')).toContain(`${weekAgo} ${formatClock(at(4, 25, 21, 43))}`);
    expect(line('c-61')).toContain(`${lastNight} ${formatClock(at(5, 2, 1, 30))}`);
    expect(line('c-9')).toContain(`${own} ${formatClock(at(5, 2, 18, 40))}`);
    expect(line('c-9')).not.toContain('2024-');
  });

  it('says they are all resolved when none is left, and nothing at all when there were none', () => {
    const resolved = { ...charges, unresolved: { count: 0, amountMinor: 0 }, charges: charges.charges.map((c) => ({ ...c, resolvedAt: 1, resolutionNote: '已退款' })) };
    expect(textOf(DaySummary({ state: { report: report({ unrecordedCardCharges: resolved }), loading: false, failed: false }, currency: 'CNY', t: translator(posMessages, 'en') }))).toContain(
      'All resolved by a manager: see each note',
    );
    const none = DaySummary({ state: { report: report(), loading: false, failed: false }, currency: 'CNY', t: translator(posMessages, 'en') });
    expect(findNode(none, (p) => 'data-takings-unrecorded' in p)).toBeNull();
    expect(textOf(none)).not.toContain('kiosk card');
  });
});
