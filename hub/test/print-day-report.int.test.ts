/**
 * The day's takings on paper (`POST /api/v1/reports/day/print`) end to end: the real hub process, a
 * front-counter printer (station "receipts") simulated on 127.0.0.1 over real TCP. The cashier closing the
 * till asks once; the slip reaches the printer once, also when the request is replayed with its key; it
 * says the figures as they stood when it was asked for, also when it prints later (paper out) or again
 * (a reprint); and it goes through the same queue as receipts (held while the paper is out).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DayReport } from '../protocol/reports.ts';
import { addPrinters, FAST_PRINT_ENV, waitUntil, type TestPrinters } from '../print/test-support.ts';
import { PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
const tokens = { manager: '', cashier: '', waiter: '' };
let printers: TestPrinters | undefined;

/** A zone where it is midday now: the test's orders never straddle the 04:00 start of a business day. */
function middayZone(): string {
  const offset = ((12 - new Date().getUTCHours() + 36) % 24) - 12;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

beforeAll(async () => {
  hub = await startHub({ env: { ...FAST_PRINT_ENV, HUB_TIMEZONE: middayZone(), HUB_STORE_NAME: '川味小馆 Sichuan House' } });
  const [manager, cashier, waiter] = await Promise.all([signIn(hub, PINS.manager), signIn(hub, PINS.cashier), signIn(hub, PINS.waiter)]);
  Object.assign(tokens, { manager: manager.staff, cashier: cashier.staff, waiter: waiter.staff });
});
afterEach(async () => {
  await printers?.remove();
  printers = undefined;
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

const withCounter = () =>
  addPrinters(hub, tokens.manager, [
    { name: 'Hot', stations: ['hot', 'bar'] },
    { name: 'Counter 前台', stations: ['receipts'] },
  ]);

async function ok<T = any>(method: string, path: string, body: unknown, token: string): Promise<T> {
  const r = await hub.request(method, path, { token, body });
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
  return r.body as T;
}
const printDay = (o: { token?: string; key?: string; body?: unknown } = {}) =>
  hub.request<{ job: { id: number; kind: string; stationId: string; orderId: string | null; state: string }; report: DayReport; error?: { code: string } }>(
    'POST',
    '/api/v1/reports/day/print',
    { token: o.token ?? tokens.cashier, key: o.key ?? randomUUID(), body: o.body ?? {} },
  );
const yuan = (minor: number) => `￥${Math.trunc(minor / 100)}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;
const slips = () => printers!.texts('Counter 前台').filter((t) => t.includes('DAY REPORT / 日结单'));

describe("printing the day's takings", () => {
  it('prints the slip once on the receipt printer, also when the request is replayed with its key: the figures of the report, in both languages', async () => {
    printers = await withCounter();
    // A1: ¥44 paid in cash from a ¥50 note; A2: ¥10 in cash of ¥44, ¥34 due
    const a1 = (await ok('POST', '/api/v1/orders', sampleOrder({ tableId: 't-a1' }), tokens.waiter)).order;
    await ok('POST', `/api/v1/orders/${a1.id}/payments`, { tender: 'cash', amountMinor: a1.totalMinor, tenderedMinor: 5000 }, tokens.cashier);
    const a2 = (await ok('POST', '/api/v1/orders', sampleOrder({ tableId: 't-a2' }), tokens.waiter)).order;
    await ok('POST', `/api/v1/orders/${a2.id}/payments`, { tender: 'cash', amountMinor: 1000, tenderedMinor: 1000 }, tokens.cashier);
    const shown = (await ok<{ report: DayReport }>('GET', `/api/v1/reports/day?businessDate=${a1.businessDate}`, undefined, tokens.cashier)).report;

    const key = randomUUID();
    const first = await printDay({ key, body: { businessDate: a1.businessDate } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.job).toMatchObject({ kind: 'day-report', stationId: 'receipts', orderId: null, orderNumber: null });
    const { asOf: _a, ...figures } = first.body.report;
    const { asOf: _b, ...shownFigures } = shown;
    expect(figures).toEqual(shownFigures);
    expect(first.body.report.cashExpectedMinor).toBe(a1.totalMinor + 1000);

    const replay = await printDay({ key, body: { businessDate: a1.businessDate } });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);

    await waitUntil(() => slips().length === 1, 'the day report slip');
    await new Promise((r) => setTimeout(r, 400)); // a second copy would have printed by now
    expect(slips()).toHaveLength(1);
    expect(printers.texts('Hot').some((t) => t.includes('DAY REPORT'))).toBe(false);
    const jobs = (await ok<{ jobs: { id: number; kind: string; state: string }[] }>('GET', '/api/v1/print-jobs?limit=50', undefined, tokens.manager)).jobs;
    expect(jobs.filter((j) => j.kind === 'day-report').map((j) => [j.id, j.state])).toEqual([[first.body.job.id, 'confirmed']]);

    const slip = slips()[0]!;
    expect(slip).toContain('川味小馆 Sichuan House');
    expect(slip).toContain(`Day 营业日 ${a1.businessDate}`);
    expect(slip).toMatch(new RegExp(`Cash in drawer 钱箱应有现金 +${yuan(a1.totalMinor + 1000).replace('.', '\\.')}`));
    expect(slip).toMatch(/Orders 订单数 +2/);
    expect(slip).toMatch(new RegExp(`Net sales 净销售额 +${yuan(a1.totalMinor + a2.totalMinor).replace('.', '\\.')}`));
    expect(slip).toMatch(new RegExp(`#${a2.number} A2 +${yuan(a2.totalMinor - 1000).replace('.', '\\.')}`));
    expect(slip).toContain('Open orders 未结订单 (1)');
    expect(slip).not.toContain('\uFFFD');

    // the job keeps the slip as it was asked for: money taken since does not change a reprint
    await ok('POST', `/api/v1/orders/${a2.id}/payments`, { tender: 'cash', amountMinor: a2.totalMinor - 1000, tenderedMinor: a2.totalMinor - 1000 }, tokens.cashier);
    const reprint = await hub.request('POST', `/api/v1/print-jobs/${first.body.job.id}/reprint`, { token: tokens.cashier, key: randomUUID(), body: {} });
    expect(reprint.status, JSON.stringify(reprint.body)).toBe(201);
    await waitUntil(() => slips().length === 2, 'the reprint');
    expect(slips()[1]).toContain('REPRINT #1 / 重打');
    expect(slips()[1]).toContain('Open orders 未结订单 (1)');
    // a new print says the day as it is now: all settled, the drawer holds both bills
    const now = await printDay({ body: { businessDate: a1.businessDate } });
    expect(now.status).toBe(201);
    await waitUntil(() => slips().length === 3, 'the second day report');
    expect(slips()[2]).toContain('All settled 全部已结清');
    expect(slips()[2]).toMatch(new RegExp(`Cash in drawer 钱箱应有现金 +${yuan(a1.totalMinor + a2.totalMinor).replace('.', '\\.')}`));
  });

  it('waits while the counter printer is out of paper and prints once after the paper is loaded, like a receipt', async () => {
    printers = await withCounter();
    printers.sim('Counter 前台').setPaperOut(true);
    const r = await printDay();
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const jobOf = async () => (await ok<{ jobs: { id: number; state: string }[] }>('GET', `/api/v1/print-jobs?printerId=${printers!.id('Counter 前台')}`, undefined, tokens.manager)).jobs.find((j) => j.id === r.body.job.id);
    await waitUntil(async () => (await jobOf())?.state === 'held', 'the held slip');
    await new Promise((res) => setTimeout(res, 300)); // status polls while held: nothing printed
    expect(slips()).toHaveLength(0);
    printers.sim('Counter 前台').setPaperOut(false);
    await waitUntil(() => slips().length === 1, 'the slip after the paper change');
    await waitUntil(async () => (await jobOf())?.state === 'confirmed', 'the slip confirmed');
    await new Promise((res) => setTimeout(res, 300));
    expect(slips()).toHaveLength(1);
    expect(slips()[0]).not.toContain('POSSIBLE DUPLICATE');
  });

  it('refuses a waiter (403), a hub with no receipt printer (422 no_receipt_printer), a malformed day (400); none of them queues a job', async () => {
    printers = await addPrinters(hub, tokens.manager, [{ name: 'Hot', stations: ['hot', 'bar'] }]);
    const before = (await ok<{ jobs: unknown[] }>('GET', '/api/v1/print-jobs?limit=500', undefined, tokens.manager)).jobs.length;
    const none = await printDay();
    expect(none.status).toBe(422);
    expect(none.body.error?.code).toBe('no_receipt_printer');
    expect((await printDay({ token: tokens.waiter })).status).toBe(403);
    expect((await printDay({ body: { businessDate: '2024-13-45' } })).status).toBe(400);
    expect((await printDay({ body: { date: '2024-05-01' } })).status).toBe(400);
    expect((await printDay({ token: tokens.manager, body: { printerId: 'no-such-printer' } })).status).toBe(404);
    const after = (await ok<{ jobs: unknown[] }>('GET', '/api/v1/print-jobs?limit=500', undefined, tokens.manager)).jobs.length;
    expect(after).toBe(before);
  });
});
