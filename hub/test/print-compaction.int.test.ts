/**
 * Old print jobs' ticket documents compacted by the real hub (HUB_COMPACT_PRINT_AFTER_MS): a preview shows the
 * same ticket, and a reprint puts the same ticket on paper (with its REPRINT banner) — kitchen tickets, a void
 * ticket, a receipt and the day report slip alike. The tickets print under a hub that compacts nothing yet
 * (what they were is read before any is packed), and are compacted by the same store restarted with a second.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { previewTicket, type TicketDocument } from '../../printers/index.ts';
import { markedDocument } from '../print/tickets.ts';
import { addPrinters, FAST_PRINT_ENV, waitUntil, type TestPrinters } from '../print/test-support.ts';
import { isPacked } from '../store/compactor.ts';
import { PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess | undefined;
let printers: TestPrinters | undefined;
const tokens = { manager: '', cashier: '', waiter: '' };
afterAll(async () => {
  await hub?.stop();
  for (const name of ['Kitchen 厨房', 'Counter 前台']) await printers?.sim(name).stop();
  if (hub) removeDir(hub.dataDir);
});

const NEVER = String(30 * 86_400_000);

async function signInAll(): Promise<void> {
  const [manager, cashier, waiter] = await Promise.all([signIn(hub!, PINS.manager), signIn(hub!, PINS.cashier), signIn(hub!, PINS.waiter)]);
  Object.assign(tokens, { manager: manager.staff, cashier: cashier.staff, waiter: waiter.staff });
}

function inStore<T>(read: (db: ReturnType<HubProcess['openDb']>) => T): T {
  const db = hub!.openDb();
  try {
    return read(db);
  } finally {
    db.close();
  }
}

async function ok<T = any>(method: string, path: string, body: unknown, token: string): Promise<T> {
  const r = await hub!.request(method, path, { token, body });
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
  return r.body as T;
}

const PROFILE = { encoding: 'gb18030', widthChars: 48, buzzer: 'epson' } as const;
const documentOf = (id: number) => inStore((db) => db.prepare('SELECT document FROM print_jobs WHERE id = ?').pluck().get(id) as string);
const preview = async (id: number) => (await ok<{ preview: string }>('GET', `/api/v1/print-jobs/${id}/preview`, undefined, tokens.waiter)).preview;
const allTexts = () => [...printers!.texts('Kitchen 厨房'), ...printers!.texts('Counter 前台')];

describe('print job documents, compacted once finished and old', () => {
  it('previews and reprints a kitchen ticket, a void ticket, a receipt and the day report as they first printed', async () => {
    hub = await startHub({ env: { ...FAST_PRINT_ENV, HUB_COMPACT_PRINT_AFTER_MS: NEVER } });
    await signInAll();
    printers = await addPrinters(hub, tokens.manager, [
      { name: 'Kitchen 厨房', stations: ['hot', 'bar'] },
      { name: 'Counter 前台', stations: ['receipts'] },
    ]);
    // enough finished tickets (50) for the hub to make its dictionary of them
    const orders: { id: string; totalMinor: number }[] = [];
    for (let i = 0; i < 26; i++) orders.push((await ok('POST', '/api/v1/orders', sampleOrder({ tableId: 't-a2', note: `第${i}桌 "no coriander"` }), tokens.waiter)).order);
    const voided = (await ok<{ order: { lines: { id: string }[] } }>('GET', `/api/v1/orders/${orders[1]!.id}`, undefined, tokens.waiter)).order.lines[0]!;
    await ok('POST', `/api/v1/orders/${orders[1]!.id}/lines/${voided.id}/void`, { reason: '客人取消 guest cancelled' }, tokens.manager);
    const paid = orders[2]!;
    await ok('POST', `/api/v1/orders/${paid.id}/payments`, { tender: 'cash', amountMinor: paid.totalMinor, tenderedMinor: 10_000 }, tokens.cashier);
    const receipt = (await ok<{ job: { id: number } }>('POST', `/api/v1/orders/${paid.id}/receipt`, {}, tokens.cashier)).job;
    const dayReport = (await ok<{ job: { id: number } }>('POST', '/api/v1/reports/day/print', {}, tokens.cashier)).job;
    const jobCount = () => inStore((db) => db.prepare('SELECT COUNT(*) FROM print_jobs').pluck().get() as number);
    const finished = () => inStore((db) => db.prepare("SELECT COUNT(*) FROM print_jobs WHERE state = 'confirmed'").pluck().get() as number);
    await waitUntil(() => finished() === jobCount() && allTexts().length === jobCount(), 'every ticket printed', 20_000);

    const kitchen = inStore((db) => db.prepare("SELECT id FROM print_jobs WHERE order_id = ? AND kind = 'kitchen' ORDER BY id LIMIT 1").pluck().get(orders[0]!.id) as number);
    const voidTicket = inStore((db) => db.prepare("SELECT id FROM print_jobs WHERE kind = 'void'").pluck().get() as number);
    const chosen = [kitchen, voidTicket, receipt.id, dayReport.id];
    const before = new Map<number, { document: string; preview: string }>();
    for (const id of chosen) before.set(id, { document: documentOf(id), preview: await preview(id) });
    // nothing packed yet, and what printed is the stored document (as the preview says)
    for (const { document } of before.values()) expect(isPacked(document)).toBe(false);
    for (const { document } of before.values()) expect(allTexts()).toContain(previewTicket(JSON.parse(document) as TicketDocument, PROFILE));

    await hub.stop();
    hub = await startHub({ dataDir: hub.dataDir, env: { ...FAST_PRINT_ENV, HUB_COMPACT_PRINT_AFTER_MS: '1000' } });
    await signInAll();
    await waitUntil(() => chosen.every((id) => isPacked(documentOf(id))), 'the documents compacted', 30_000);
    for (const id of chosen) expect(documentOf(id).length).toBeLessThan(before.get(id)!.document.length / 2);

    for (const id of chosen) expect(await preview(id)).toBe(before.get(id)!.preview);
    for (const id of chosen) {
      const printed = allTexts().length;
      const again = (await ok<{ job: { id: number; reprintNumber: number } }>('POST', `/api/v1/print-jobs/${id}/reprint`, {}, tokens.waiter)).job;
      expect(again.reprintNumber).toBe(1);
      await waitUntil(() => allTexts().length === printed + 1, `the reprint of job ${id}`);
      const expected = previewTicket(markedDocument(JSON.parse(before.get(id)!.document) as TicketDocument, { possibleDuplicate: false, reprintNumber: 1, movedFromPrinter: null }), PROFILE);
      expect(allTexts()).toContain(expected);
      expect(expected).toContain('REPRINT #1 / 重打');
    }
  }, 120_000);
});
