/**
 * The printer alert strip read without a DOM: a ticket held for a station no printer prints says so, once
 * per station with how many wait, and offers no reprint (the hub would refuse it: the ticket prints by itself
 * once a printer is given the station); a ticket that really failed keeps its reprint.
 */
import type { VNode } from 'preact';
import { describe, expect, it } from 'vitest';
import type { HubEvent } from '../../../hub/protocol/index.ts';
import type { PrintJob } from '../../../hub/protocol/printing.ts';
import { heldForStationReason } from '../../../hub/print/station-holds.ts';
import { translator, type Lang } from '../i18n.ts';
import { printerMessages } from '../messages.ts';
import { applyPrinterEvents, emptyPrinterHealth, visibleAlerts } from '../printer-health.ts';
import { PrinterAlertStrip } from './printer-alerts.tsx';
import { textOf } from './text-of.ts';

let seq = 0;
const ev = (type: string, payload: unknown): HubEvent => ({ seq: ++seq, type, at: 1000 + seq, deviceId: null, staffId: null, payload }) as HubEvent;
const job = (over: Partial<PrintJob>): PrintJob => ({
  id: 1,
  kind: 'kitchen',
  orderId: 'o1',
  orderNumber: '12',
  stationId: 'cold',
  printerId: null,
  state: 'held',
  possibleDuplicate: false,
  reprintOf: null,
  reprintNumber: null,
  movedFromJobId: null,
  movedFromPrinter: null,
  attempts: 0,
  lastError: null,
  createdAt: 1,
  updatedAt: 1,
  confirmedAt: null,
  ...over,
});
const held = (id: number, waiting: number) => ev('print.job_failed', { job: job({ id }), error: heldForStationReason('cold', waiting) });
const failed = ev('print.job_failed', { job: job({ id: 9, orderNumber: '15', stationId: 'hot', printerId: 'p-hot', state: 'failed' }), error: 'printer gone' });

/** Every element's props in the tree, function components called with theirs. */
function propsIn(node: unknown): Record<string, unknown>[] {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(propsIn);
  const v = node as VNode<Record<string, unknown>>;
  if (typeof v.type === 'function') return propsIn((v.type as (p: unknown) => unknown)(v.props));
  return [v.props, ...propsIn(v.props?.children)];
}

const strip = (lang: Lang, events: HubEvent[]) =>
  PrinterAlertStrip({
    alerts: visibleAlerts(applyPrinterEvents(emptyPrinterHealth, events), null),
    printerName: (id) => id,
    stationName: (id) => (id === 'cold' ? (lang === 'en' ? 'Cold' : '冷菜') : id),
    onReprint: () => {},
    onDismiss: () => {},
    t: translator(printerMessages, lang),
  });

describe('printer alert strip', () => {
  it.each([
    ['zh-CN', '没有打印机打印 冷菜：3 张单在等'],
    ['en', 'No printer prints Cold: 3 tickets waiting'],
  ] as [Lang, string][])('%s: tickets waiting for a printer, one line for the station, no reprint', (lang, words) => {
    const tree = strip(lang, [held(40, 1), held(41, 2), held(42, 3)]);
    expect(textOf(tree)).toBe(`⎙${words}`);
    const props = propsIn(tree);
    expect(props.filter((p) => 'data-no-printer-station' in p).map((p) => [p['data-no-printer-station'], p['data-waiting']])).toEqual([['cold', 3]]);
    expect(props.some((p) => 'data-failed-job' in p || 'data-reprint-job' in p || 'data-dismiss-job' in p)).toBe(false);
    expect(props[0]!['data-printer-alerts']).toBe('some');
  });

  it('a ticket that failed still has its reprint, next to the station waiting for a printer', () => {
    const props = propsIn(strip('en', [held(40, 1), failed]));
    expect(props.filter((p) => 'data-reprint-job' in p).map((p) => p['data-reprint-job'])).toEqual([9]);
    expect(props.filter((p) => 'data-no-printer-station' in p)).toHaveLength(1);
  });

  it("offers no reprint of a slip of no order (a day report): the tablet reprints through an order's changes, and the report prints again from the day summary", () => {
    const report = ev('print.job_failed', { job: job({ id: 11, kind: 'day-report', orderId: null, orderNumber: null, stationId: 'receipts', printerId: 'p-front', state: 'failed' }), error: 'paper out' });
    const props = propsIn(strip('en', [report, failed]));
    expect(props.filter((p) => 'data-failed-job' in p).map((p) => p['data-failed-job'])).toEqual([11, 9]);
    expect(props.filter((p) => 'data-reprint-job' in p).map((p) => p['data-reprint-job'])).toEqual([9]);
    expect(props.filter((p) => 'data-dismiss-job' in p).map((p) => p['data-dismiss-job'])).toEqual([11, 9]);
  });
});
