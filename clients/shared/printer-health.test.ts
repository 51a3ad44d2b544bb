import { afterEach, describe, expect, it, vi } from 'vitest';
import { translator, type Lang } from './i18n.ts';
import { printerMessages } from './messages.ts';
import type { HubEvent } from '../../hub/protocol/index.ts';
import type { PrintJob } from '../../hub/protocol/printing.ts';
import { heldForStationReason } from '../../hub/print/station-holds.ts';
import { memoryStorage } from './memory-storage.ts';
import {
  applyPrinterEvents,
  downReasonKey,
  emptyPrinterHealth,
  failedTicketKey,
  fromHealth,
  fromPrintersResponse,
  loadPrinterSnapshot,
  PrinterHealthFeed,
  visibleAlerts,
  withoutPrinterKey,
  type PrinterSnapshot,
  type PrinterSnapshotEntry,
} from './printer-health.ts';

let seq = 0;
const ev = (type: string, payload: unknown): HubEvent => ({ seq: ++seq, type, at: 1000 + seq, deviceId: null, staffId: null, payload }) as HubEvent;
const job = (over: Partial<PrintJob> = {}): PrintJob => ({
  id: 7,
  kind: 'kitchen',
  orderId: 'o1',
  orderNumber: '12',
  stationId: 'hot',
  printerId: 'p-hot',
  state: 'held',
  possibleDuplicate: false,
  reprintOf: null,
  reprintNumber: null,
  movedFromJobId: null,
  movedFromPrinter: null,
  attempts: 1,
  lastError: null,
  createdAt: 1,
  updatedAt: 1,
  confirmedAt: null,
  ...over,
});
const SNAP: PrinterSnapshotEntry[] = [
  { id: 'p-hot', name: '热厨 Hot', state: 'online', stations: ['hot'] },
  { id: 'p-bar', name: '吧台 Bar', state: 'online', stations: ['bar'] },
];
const base = () => loadPrinterSnapshot(emptyPrinterHealth, SNAP);
const down = (id = 'p-hot', reason = 'paper-out', state = 'held') => ev('printer.down', { printerId: id, name: id === 'p-hot' ? '热厨 Hot' : '吧台 Bar', state, reason, since: 500 });

describe('printer health reducer', () => {
  it('printer.down shows the printer with its reason; printer.up clears it', () => {
    let s = applyPrinterEvents(base(), [down()]);
    const shown = visibleAlerts(s, null).down;
    expect(shown.map((p) => [p.id, p.state, p.reason, p.since])).toEqual([['p-hot', 'held', 'paper-out', 500]]);
    expect(downReasonKey(shown[0]!)).toBe('printer.paperOut');
    s = applyPrinterEvents(s, [ev('printer.up', { printerId: 'p-hot', name: '热厨 Hot', downMs: 10 })]);
    expect(visibleAlerts(s, null).down).toEqual([]);
  });

  it('names the reason: cover open, offline', () => {
    const s = applyPrinterEvents(base(), [down('p-hot', 'cover-open'), down('p-bar', 'connect-refused', 'offline')]);
    expect(visibleAlerts(s, null).down.map(downReasonKey)).toEqual(['printer.coverOpen', 'printer.offline']);
  });

  it('failed-over says where the queue went, and stays down until the printer is up', () => {
    let s = applyPrinterEvents(base(), [down(), ev('printer.failed_over', { printerId: 'p-hot', name: '热厨 Hot', backupPrinterId: 'p-bar', jobIds: [7] })]);
    const p = visibleAlerts(s, null).down[0]!;
    expect([p.state, p.failedOverTo, downReasonKey(p)]).toEqual(['failed-over', 'p-bar', 'printer.failedOver']);
    s = applyPrinterEvents(s, [ev('printer.up', { printerId: 'p-hot', name: '热厨 Hot', downMs: 10 })]);
    expect(visibleAlerts(s, null).down).toEqual([]);
  });

  it('a station screen sees only its printers; unknown stations show everywhere', () => {
    const s = applyPrinterEvents(base(), [down('p-hot'), down('p-bar'), down('p-new')]);
    expect(visibleAlerts(s, ['bar']).down.map((p) => p.id)).toEqual(['p-bar', 'p-new']);
    expect(visibleAlerts(s, null).down).toHaveLength(3);
  });

  it('job_failed adds a ticket alert until dismissed, or until that job (or its reprint) changes state', () => {
    const failed = ev('print.job_failed', { job: job({ state: 'failed' }), error: 'no printer' });
    let s = applyPrinterEvents(base(), [failed, failed]);
    expect(s.failed.map((f) => [f.jobId, f.orderNumber, f.stationId, f.error])).toEqual([[7, '12', 'hot', 'no printer']]);
    expect(visibleAlerts(s, ['bar']).failed).toEqual([]);
    const dismissed = new PrinterHealthFeed(async () => ({ entries: [] }));
    dismissed.apply([failed]);
    dismissed.dismiss(7);
    expect(dismissed.state.get().failed).toEqual([]);
    s = applyPrinterEvents(s, [ev('print.job_state_changed', { job: job({ id: 9, reprintOf: 7, state: 'held' }) })]);
    expect(s.failed).toEqual([]);
  });

  it('tickets waiting behind a held printer are listed until it is up', () => {
    let s = applyPrinterEvents(base(), [down(), ev('print.job_state_changed', { job: job() })]);
    expect(visibleAlerts(s, ['hot']).down[0]!.waiting).toEqual([{ jobId: 7, orderNumber: '12' }]);
    s = applyPrinterEvents(s, [ev('printer.up', { printerId: 'p-hot', name: '热厨 Hot', downMs: 1 })]);
    expect(s.printers.find((p) => p.id === 'p-hot')!.waiting).toEqual([]);
  });

  it('the health endpoint has no reason but lastError while down', () => {
    const s = loadPrinterSnapshot(emptyPrinterHealth, fromHealth({ printers: [{ id: 'p', name: 'P', state: 'held', queued: 1, lastError: 'paper-out' }] }));
    expect(visibleAlerts(s, ['hot']).down.map(downReasonKey)).toEqual(['printer.paperOut']);
  });

  it('events that arrive during a reload are applied on top of its (older) answer', async () => {
    let answer!: (v: { entries: PrinterSnapshotEntry[] }) => void;
    const feed = new PrinterHealthFeed(() => new Promise((r) => (answer = r)));
    const loading = feed.reload();
    feed.apply([ev('printer.up', { printerId: 'p-hot', name: '热厨 Hot', downMs: 1 })]);
    answer({ entries: [{ id: 'p-hot', name: '热厨 Hot', state: 'held', reason: 'paper-out', stations: ['hot'] }] });
    await loading;
    expect(visibleAlerts(feed.state.get(), null).down).toEqual([]);
  });
});

describe('a ticket that could not print says what it was', () => {
  const failedOf = (kind: PrintJob['kind'], orderNumber: string | null = '12') =>
    applyPrinterEvents(base(), [ev('print.job_failed', { job: job({ id: 30, kind, orderNumber, state: 'failed' }), error: 'no printer' })]).failed[0]!;

  it.each([
    ['zh-CN', 'receipt', '单号 #12 小票未能打印'],
    ['en', 'receipt', 'Order #12: the receipt could not print'],
    ['zh-CN', 'kitchen', '单号 #12 厨房单未能打印'],
    ['en', 'addon', 'Order #12: a kitchen ticket could not print'],
    ['zh-CN', 'pickup', '单号 #12 取餐单未能打印'],
    ['en', 'pickup', 'Order #12: the pickup slip could not print'],
  ] as [Lang, PrintJob['kind'], string][])('%s, %s', (lang, kind, text) => {
    const f = failedOf(kind);
    expect(f.kind).toBe(kind);
    expect(translator(printerMessages, lang)(failedTicketKey(f), { number: '12' })).toBe(text);
  });

  it('a receipt is never called a kitchen ticket, with or without an order number', () => {
    for (const lang of ['zh-CN', 'en'] as Lang[]) {
      const t = translator(printerMessages, lang);
      for (const f of [failedOf('receipt'), failedOf('receipt', null)]) expect(t(failedTicketKey(f), { number: '12' })).not.toMatch(/厨房|kitchen/i);
    }
    expect(translator(printerMessages, 'en')(failedTicketKey(failedOf('receipt', null)))).toBe('A receipt could not print');
  });

  it('every kind of job has words in both languages', () => {
    for (const kind of ['kitchen', 'addon', 'void', 'receipt', 'pickup', 'test'] as const) {
      for (const number of ['12', null]) {
        const key = failedTicketKey(failedOf(kind, number));
        expect(printerMessages['zh-CN'][key], key).toBeTruthy();
        expect(printerMessages.en[key], key).toBeTruthy();
      }
    }
  });
});

describe('a ticket held for a station no printer prints', () => {
  // as the hub announces it (hub/print/planner.ts, print-service.ts): no printer, held, alerted with job_failed
  const heldEv = (id: number, waiting: number, stationId = 'cold') =>
    ev('print.job_failed', { job: job({ id, stationId, printerId: null, state: 'held' }), error: heldForStationReason(stationId, waiting) });
  const released = (id: number, stationId = 'cold') => ev('print.job_state_changed', { job: job({ id, stationId, printerId: null, state: 'rerouted' }) });
  const tooOld = (id: number, stationId = 'cold') =>
    ev('print.job_failed', { job: job({ id, stationId, printerId: null, state: 'failed' }), error: 'waited over 60 min for a printer of station cold' });
  const counts = (s: ReturnType<typeof base>) => s.withoutPrinter.map((w) => [w.stationId, w.waiting]);

  it('is not a ticket that could not print (a reprint would be refused): it counts under its station', () => {
    const s = applyPrinterEvents(base(), [heldEv(40, 1), heldEv(41, 2), heldEv(41, 2), heldEv(50, 1, 'bar')]);
    expect(s.failed).toEqual([]);
    expect(counts(s)).toEqual([
      ['cold', 2],
      ['bar', 1],
    ]);
    // a station screen sees its own station's only; the waiter tablet (null) all
    expect(visibleAlerts(s, ['bar']).withoutPrinter.map((w) => w.stationId)).toEqual(['bar']);
    expect(visibleAlerts(s, null).withoutPrinter).toHaveLength(2);
    expect(visibleAlerts(s, null).failed).toEqual([]);
  });

  it('goes when the hub prints them on a printer given the station', () => {
    let s = applyPrinterEvents(base(), [heldEv(40, 1), heldEv(41, 2), heldEv(50, 1, 'bar')]);
    s = applyPrinterEvents(s, [released(40), released(41)]);
    expect(counts(s)).toEqual([['bar', 1]]);
    expect(s.failed).toEqual([]);
  });

  it('held over an hour it fails: then it is an ordinary failed ticket (with its reprint), and the station alert goes', () => {
    const s = applyPrinterEvents(base(), [heldEv(40, 1), tooOld(40)]);
    expect(s.withoutPrinter).toEqual([]);
    expect(s.failed.map((f) => [f.jobId, f.stationId])).toEqual([[40, 'cold']]);
  });

  it('a reload shows it from the printer list, and an alert it already counted is not counted twice', async () => {
    let answer!: (v: PrinterSnapshot) => void;
    const feed = new PrinterHealthFeed(() => new Promise((r) => (answer = r)));
    const loading = feed.reload();
    // the alert of the third ticket reaches the screen while the list (which counts it) is on its way
    feed.apply([heldEv(42, 3)]);
    answer({ entries: [], stationsWithoutPrinter: [{ stationId: 'cold', waiting: 3 }] });
    await loading;
    expect(counts(feed.state.get())).toEqual([['cold', 3]]);
    expect(feed.state.get().failed).toEqual([]);
    feed.apply([heldEv(43, 4)]);
    expect(counts(feed.state.get())).toEqual([['cold', 4]]);
    // the hub releases them all at once: the first of them printed ends the alert
    feed.apply([released(40)]);
    expect(feed.state.get().withoutPrinter).toEqual([]);
  });

  it('a snapshot that lists no such station clears it; one that cannot say (the health endpoint) keeps it', () => {
    const s = applyPrinterEvents(base(), [heldEv(40, 1)]);
    expect(counts(loadPrinterSnapshot(s, SNAP, [], undefined))).toEqual([['cold', 1]]);
    expect(loadPrinterSnapshot(s, SNAP, [], []).withoutPrinter).toEqual([]);
  });

  it.each([
    ['zh-CN', 3, '没有打印机打印 冷菜：3 张单在等'],
    ['en', 3, 'No printer prints Cold: 3 tickets waiting'],
    ['zh-CN', 1, '没有打印机打印 冷菜：1 张单在等'],
    ['en', 1, 'No printer prints Cold: 1 ticket waiting'],
  ] as [Lang, number, string][])('%s, %i waiting', (lang, waiting, text) => {
    expect(translator(printerMessages, lang)(withoutPrinterKey({ waiting }), { station: lang === 'en' ? 'Cold' : '冷菜', count: waiting })).toBe(text);
  });
});

describe('tickets that could not print, after a reload', () => {
  afterEach(() => vi.unstubAllGlobals());
  const failedJob = (id: number, over: Partial<PrintJob> = {}) => job({ id, state: 'failed', lastError: 'gave up after 2 unconfirmed attempts', updatedAt: 5000 + id, ...over });
  const shown = (feed: PrinterHealthFeed) => feed.state.get().failed.map((f) => f.jobId);
  /** A screen loading the printer list, as GET /api/v1/printers answers it. */
  const screen = (answer: () => { failedJobs: PrintJob[] }, opts?: ConstructorParameters<typeof PrinterHealthFeed>[1]) =>
    new PrinterHealthFeed(async () => fromPrintersResponse({ printers: [], stationsWithoutPrinter: [], ...answer() }), opts);

  it('shows the failed tickets the printer list carries, with what the hub said of them', async () => {
    const feed = screen(() => ({ failedJobs: [failedJob(31, { kind: 'receipt', stationId: 'receipts' }), failedJob(30)] }));
    await feed.reload();
    expect(feed.state.get().failed.map((f) => [f.jobId, f.kind, f.orderNumber, f.stationId, f.error, f.at])).toEqual([
      [31, 'receipt', '12', 'receipts', 'gave up after 2 unconfirmed attempts', 5031],
      [30, 'kitchen', '12', 'hot', 'gave up after 2 unconfirmed attempts', 5030],
    ]);
    expect(visibleAlerts(feed.state.get(), ['hot']).failed.map((f) => f.jobId)).toEqual([30]);
  });

  it('a reload takes the hub\'s list: a ticket reprinted from another screen meanwhile goes; one that fails during the load stays', async () => {
    let failedJobs = [failedJob(30), failedJob(31)];
    let answer!: () => void;
    const feed = new PrinterHealthFeed(
      () => new Promise((r) => (answer = () => r({ entries: [], failedJobs, stationsWithoutPrinter: [] }))),
    );
    let loading = feed.reload();
    answer();
    await loading;
    expect(shown(feed)).toEqual([30, 31]);
    // the stream dropped; meanwhile 30 was reprinted on the waiter tablet and printed (the hub sends no event)
    failedJobs = [failedJob(31)];
    loading = feed.reload();
    feed.apply([ev('print.job_failed', { job: failedJob(32), error: 'paper' })]);
    answer();
    await loading;
    expect(shown(feed)).toEqual([31, 32]);
  });

  it('the health endpoint (no failed tickets in it) keeps the ones the screen knows', () => {
    const s = applyPrinterEvents(base(), [ev('print.job_failed', { job: failedJob(30), error: 'paper' })]);
    expect(loadPrinterSnapshot(s, SNAP).failed.map((f) => f.jobId)).toEqual([30]);
  });

  it('one dismissed on this screen stays dismissed after a reload, whatever brings it back', async () => {
    vi.stubGlobal('localStorage', memoryStorage());
    const answer = () => ({ failedJobs: [failedJob(30), failedJob(31)] });
    const before = screen(answer, { dismissedKey: 'test.printerDismissed' });
    await before.reload();
    before.dismiss(30);
    expect(shown(before)).toEqual([31]);

    const after = screen(answer, { dismissedKey: 'test.printerDismissed' });
    await after.reload();
    expect(shown(after)).toEqual([31]);
    // its alert again (a stream replay): still dismissed
    after.apply([ev('print.job_failed', { job: failedJob(30), error: 'paper' })]);
    expect(shown(after)).toEqual([31]);
    // another device (its own storage) dismissed nothing
    vi.stubGlobal('localStorage', memoryStorage());
    const other = screen(answer, { dismissedKey: 'test.printerDismissed' });
    await other.reload();
    expect(shown(other)).toEqual([30, 31]);
  });

  it('remembers a bounded number of dismissals, for a day', async () => {
    vi.stubGlobal('localStorage', memoryStorage());
    let now = 1_000_000;
    const opts = { dismissedKey: 'test.printerDismissed', now: () => now };
    const feed = screen(() => ({ failedJobs: [] }), opts);
    for (let id = 1; id <= 500; id++) feed.dismiss(id);
    const kept = JSON.parse(localStorage.getItem('brigade.test.printerDismissed')!) as unknown[];
    expect(kept.length).toBeLessThanOrEqual(200);
    // the newest are the ones kept
    const answer = () => ({ failedJobs: [failedJob(1), failedJob(500)] });
    const reloaded = screen(answer, opts);
    await reloaded.reload();
    expect(shown(reloaded)).toEqual([1]);
    // a day on, today's list holds none of them: they are forgotten
    now += 25 * 3_600_000;
    const nextDay = screen(answer, opts);
    await nextDay.reload();
    expect(shown(nextDay)).toEqual([1, 500]);
    nextDay.dismiss(1);
    expect(JSON.parse(localStorage.getItem('brigade.test.printerDismissed')!)).toHaveLength(1);
  });
});
