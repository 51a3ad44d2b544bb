/**
 * Kitchen printing after a merge and after a printer is given another address. The queue runs on a
 * real SQLite store and the real single writer, with in-memory printers (as in print-queue.test.ts).
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryTransport } from '../../printers/index.ts';
import { decodeEscPos, ticketText } from '../../printers/sim/escpos-decoder.ts';
import { demoSeed } from '../../scripts/seed/demo.ts';
import type { Principal } from '../domain/principal.ts';
import type { PlaceOrder } from '../protocol/orders.ts';
import type { CreatePrinter } from '../protocol/printing.ts';
import { openDb } from '../store/db.ts';
import { loadSeed } from '../store/seed.ts';
import { Writer } from '../store/writer.ts';
import { PrintService } from './print-service.ts';
import { ordersOnWriter } from './test-orders.ts';
import type { PrintSettings } from './worker.ts';

const FAST: PrintSettings = { failoverMs: 300, retryBaseMs: 10, retryMaxMs: 40, heldPollMs: 20, probeIntervalMs: 5000, maxUncertain: 2, stopTimeoutMs: 500 };
const waiter: Principal = { kind: 'staff', deviceId: 'dev-1', staffId: 's-waiter', staffName: '王芳 Wang Fang', role: 'waiter' };
const manager: Principal = { kind: 'staff', deviceId: 'dev-1', staffId: 's-manager', staffName: '刘洋 Liu Yang', role: 'manager' };

const open: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.stop()));
});

async function store(printers: { id: string; stations: string[]; backupPrinterId?: string }[], clock: () => number = Date.now) {
  const db = openDb(':memory:');
  loadSeed(db, demoSeed);
  let printing: PrintService | undefined;
  const writer = new Writer(db, { clock, maxBatch: 64, maxQueue: 10_000, onCommit: () => {}, onAppend: (e, tx) => printing?.onAppend(e, tx) });
  const transports = new Map<string, InMemoryTransport>();
  const device = (address: string): InMemoryTransport => {
    let t = transports.get(address);
    if (!t) transports.set(address, (t = new InMemoryTransport()));
    return t;
  };
  const addressOf = new Map(printers.map((p, i) => [p.id, `127.0.0.1:${9100 + i}`]));
  printing = new PrintService({
    db,
    submit: (job) => writer.submit(job),
    clock: Date.now,
    timeZone: 'Asia/Shanghai',
    settings: FAST,
    // one printer per address: a printer entry given another address reaches another device
    transportFor: (p) => device(`${p.host}:${p.port}`),
    log: pino({ level: 'silent' }),
  });
  const service = printing;
  open.push({ stop: () => service.stop() });
  const { orders, run } = ordersOnWriter(db, writer, waiter);
  for (const p of printers) {
    const input: CreatePrinter = {
      id: p.id,
      name: p.id.toUpperCase(),
      host: '127.0.0.1',
      port: Number(addressOf.get(p.id)!.split(':')[1]),
      encoding: 'gb18030',
      widthChars: 48,
      stations: p.stations,
      backupPrinterId: p.backupPrinterId ?? null,
      buzzer: 'none',
      enabled: true,
    };
    await run((c) => service.createPrinter(input, c), manager);
  }
  const jobs = () => (db.prepare('SELECT id FROM print_jobs ORDER BY id').pluck().all() as number[]).map((id) => service.repo.job(id)!);
  return {
    db,
    jobs,
    printing: service,
    orders,
    run,
    /** the device a printer entry was first configured at, or the one at an address */
    printer: (idOrAddress: string) => device(addressOf.get(idOrAddress) ?? idOrAddress),
    printed: (idOrAddress: string) =>
      device(addressOf.get(idOrAddress) ?? idOrAddress)
        .printer.jobs.flatMap((job) => decodeEscPos(job, { encoding: 'gb18030' }).tickets.map((lines) => ticketText(lines))),
    place: (input: Partial<PlaceOrder> = {}) =>
      run((c) => orders.place({ channel: 'pos', tableId: 't-a1', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }], ...input }, c)),
  };
}

async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('void tickets after a merge', () => {
  it('does not print a VOID again for a dish voided on its own before its order was merged into the one voided', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.printing.start();
    const a = await s.place({ tableId: 't-a1', lines: [{ itemId: 'mapo-tofu', qty: 3, optionIds: ['spice-medium', 'size-regular'] }] });
    const b = await s.place({ tableId: 't-a2', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await s.run((c) => s.orders.voidLine(a.id, a.lines[0]!.id, '点错了 wrong item', c), manager);
    await s.run((c) => s.orders.merge(a.id, { intoOrderId: b.id }, c), manager);
    await s.run((c) => s.orders.voidOrder(b.id, '客人走了 guest left', c), manager);
    await until(() => s.printed('hot').length >= 4, 'the tickets');
    await sleep(100);
    const voids = s.printed('hot').filter((t) => t.includes('VOID 退菜'));
    expect(voids).toHaveLength(2);
    expect(voids[0]).toContain('3x 麻婆豆腐');
    // the order's void lists its own dish only: the three were taken back already, with their own ticket
    expect(voids[1]).toContain('1x 麻婆豆腐');
    expect(voids[1]).not.toContain('3x');
  });
});


/** The big order number at the top of a ticket ("#42"). */
const numberOn = (text: string) => /^\s*#(\d+)/m.exec(text)?.[1];

describe('void tickets of dishes merged in from another order', () => {
  it('print the number the dish was cooked under (its first order), so the kitchen finds its ticket', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.printing.start();
    const a = await s.place({ tableId: 't-a1', lines: [{ itemId: 'mapo-tofu', qty: 3, optionIds: ['spice-medium', 'size-regular'] }] });
    const b = await s.place({ tableId: 't-a2', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await s.run((c) => s.orders.merge(a.id, { intoOrderId: b.id }, c), manager);
    // one of A's dishes taken back on the merged order, then the whole order
    await s.run((c) => s.orders.voidLine(b.id, a.lines[0]!.id, '点错了 wrong item', c), manager);
    await until(() => s.printed('hot').length >= 3, 'the void of the merged dish');
    const lineVoid = s.printed('hot')[2]!;
    expect(lineVoid).toContain('VOID 退菜');
    expect(lineVoid).toContain('3x 麻婆豆腐');
    expect(numberOn(lineVoid)).toBe(String(a.number));
    // the job says so too: screens list the slip under the number on paper
    expect(s.jobs()[2]!.orderNumber).toBe(String(a.number));
    expect(s.jobs()[2]!.orderId).toBe(b.id);
  });

  it("splits a whole-order void into one slip per number the dishes were cooked under", async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.printing.start();
    const a = await s.place({ tableId: 't-a1', lines: [{ itemId: 'mapo-tofu', qty: 3, optionIds: ['spice-medium', 'size-regular'] }] });
    const b = await s.place({ tableId: 't-a2', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await s.run((c) => s.orders.merge(a.id, { intoOrderId: b.id }, c), manager);
    await s.run((c) => s.orders.voidOrder(b.id, '客人走了 guest left', c), manager);
    await until(() => s.printed('hot').length >= 4, 'the voids');
    await sleep(100);
    const voids = s.printed('hot').filter((t) => t.includes('VOID 退菜'));
    expect(voids).toHaveLength(2);
    const byNumber = new Map(voids.map((t) => [numberOn(t), t]));
    expect(byNumber.get(String(a.number))).toContain('3x 麻婆豆腐');
    expect(byNumber.get(String(a.number))).not.toContain('1x');
    expect(byNumber.get(String(b.number))).toContain('1x 麻婆豆腐');
    expect(byNumber.get(String(b.number))).not.toContain('3x');
  });

  it("prints the first order's number after the hub's clock was set back between the firing and the merge", async () => {
    // a hub that booted with its clock an hour fast (no clock battery) until the network time set it right
    let skew = 3_600_000;
    const s = await store([{ id: 'hot', stations: ['hot'] }], () => Date.now() + skew);
    await s.printing.start();
    const a = await s.place({ tableId: 't-a1', lines: [{ itemId: 'mapo-tofu', qty: 3, optionIds: ['spice-medium', 'size-regular'] }] });
    const b = await s.place({ tableId: 't-a2', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    skew = 0;
    await s.run((c) => s.orders.merge(a.id, { intoOrderId: b.id }, c), manager);
    await s.run((c) => s.orders.voidLine(b.id, a.lines[0]!.id, '点错了 wrong item', c), manager);
    await until(() => s.printed('hot').length >= 3, 'the void of the merged dish');
    const lineVoid = s.printed('hot')[2]!;
    expect(lineVoid).toContain('VOID 退菜');
    expect(numberOn(lineVoid)).toBe(String(a.number));
  });

  it('prints a held dish fired after the merge, and its void, under the order it joined', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.printing.start();
    const a = await s.place({ tableId: 't-a1', lines: [{ itemId: 'mapo-tofu', qty: 2, optionIds: ['spice-medium', 'size-regular'], hold: true }] });
    const b = await s.place({ tableId: 't-a2', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await s.run((c) => s.orders.merge(a.id, { intoOrderId: b.id }, c), manager);
    await s.run((c) => s.orders.fire(b.id, undefined, c), manager);
    await s.run((c) => s.orders.voidLine(b.id, a.lines[0]!.id, '点错了 wrong item', c), manager);
    await until(() => s.printed('hot').length >= 3, 'the void');
    const [, fired, voided] = s.printed('hot');
    expect(numberOn(fired!)).toBe(String(b.number));
    expect(voided).toContain('VOID 退菜');
    expect(numberOn(voided!)).toBe(String(b.number));
  });
});

const PAPER_OUT = { isOnline: false, isCoverOpen: false, isPaperOut: true, isPaperNearEnd: false, hasError: false, raw: { printer: 0x1a, offline: 0x32, paper: 0x72 } };

describe('a printer given another address', () => {
  it('prints a ticket the old device stopped on (paper out mid-job) at the new address, marked, rather than confirm it unprinted', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    const old = s.printer('hot');
    // the old printer took the ticket and ran out of paper in the middle of it: it would print it after a
    // paper change, but nobody changes its paper: the kitchen plugs in a spare printer at another address
    old.scriptNext({ status: 'uncertain', reason: 'held-after-send', printer: PAPER_OUT });
    old.printer.set({ isPaperOut: true });
    await s.printing.start();
    await s.place();
    await until(() => s.jobs()[0]?.state === 'sent', 'the ticket held by the old printer');
    await s.run((c) => s.printing.updatePrinter('hot', { host: '127.0.0.2' }, c), manager);
    await until(() => s.jobs().every((j) => j.state === 'confirmed' || j.state === 'failed'), 'the queue done', 3000);
    await sleep(100);
    expect(old.printer.jobs).toHaveLength(0);
    const spare = s.printed('127.0.0.2:9100');
    expect(spare).toHaveLength(1);
    expect(spare[0]).toContain('POSSIBLE DUPLICATE');
    expect(spare[0]).toContain('麻婆豆腐');
  });
});
