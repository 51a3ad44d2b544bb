/**
 * Two printer entries at one address (one physical printer entered for the kitchen and for the bar) share one
 * TCP transport, so a job of one entry waits for the other's to finish (docs/printing.md, "Two printers at one
 * address"). What such a waiting job must not do once its entry is disabled, removed or pointed elsewhere:
 * print on the old device later anyway. Real sockets to simulated printers, the real store and writer.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { HostResolver } from '../../printers/index.ts';
import { SimPrinter } from '../../printers/sim/sim-printer.ts';
import { TEST_TIMEOUTS } from '../../printers/sim/sim-harness.ts';
import { demoSeed } from '../../scripts/seed/demo.ts';
import type { Principal } from '../domain/principal.ts';
import type { PlaceOrder } from '../protocol/orders.ts';
import { openDb } from '../store/db.ts';
import { loadSeed } from '../store/seed.ts';
import { Writer } from '../store/writer.ts';
import { PrintService } from './print-service.ts';
import { ordersOnWriter } from './test-orders.ts';
import type { PrintSettings } from './worker.ts';

const SETTINGS: PrintSettings = {
  failoverMs: 60_000,
  retryBaseMs: 10,
  retryMaxMs: 40,
  heldPollMs: 20,
  probeIntervalMs: 60_000,
  maxUncertain: 2,
  // well under the time the other entry's ticket holds the shared printer
  stopTimeoutMs: 300,
};
const manager = { kind: 'staff', deviceId: 'dev-1', staffId: 's-manager', staffName: '刘洋 Liu Yang', role: 'manager' } as const satisfies Principal;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sim(msPerLine = 0, encoding: 'gb18030' | 'big5' = 'gb18030'): Promise<SimPrinter> {
  const s = await SimPrinter.start({ encoding, widthChars: 48, msPerLine });
  cleanups.push(() => s.stop());
  return s;
}

/** A hub's printing on a fresh store, its printers at the given simulators' addresses (TCP, as configured). */
async function hubPrinting(printers: { id: string; stations: string[]; at: SimPrinter; backupPrinterId?: string; host?: string }[], resolver?: HostResolver) {
  const db = openDb(':memory:');
  loadSeed(db, demoSeed);
  let printing: PrintService | undefined;
  const writer = new Writer(db, { clock: Date.now, maxBatch: 64, maxQueue: 10_000, onCommit: () => undefined, onAppend: (e, tx) => printing?.onAppend(e, tx) });
  const service = new PrintService({
    db,
    submit: (job) => writer.submit(job),
    clock: Date.now,
    timeZone: 'Asia/Shanghai',
    settings: SETTINGS,
    // a ticket on the slow head takes seconds: the barrier wait covers it
    transportSettings: { ...TEST_TIMEOUTS, barrierTimeoutMs: 15_000 },
    ...(resolver ? { resolver } : {}),
    log: pino({ level: 'silent' }),
  });
  printing = service;
  cleanups.push(() => service.stop());
  const { orders, run } = ordersOnWriter(db, writer, manager);
  for (const p of printers) {
    const input = { id: p.id, name: p.id.toUpperCase(), host: p.host ?? p.at.host, port: p.at.port, encoding: 'gb18030', widthChars: 48, buzzer: 'none', enabled: true } as const;
    await run((c) => service.createPrinter({ ...input, stations: p.stations, backupPrinterId: p.backupPrinterId ?? null }, c));
  }
  await service.start();
  const state = (printerId: string) => db.prepare('SELECT state FROM print_jobs WHERE printer_id = ? ORDER BY id DESC LIMIT 1').pluck().get(printerId);
  return {
    printing: service,
    run,
    state,
    place: (lines: PlaceOrder['lines']) => run((c) => orders.place({ channel: 'pos', tableId: 't-a1', lines }, c)),
  };
}

async function until(cond: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
/** Time for a send that waited for the kitchen's ticket to print a second one on the slow head, if it does. */
const lateTicket = (device: SimPrinter) => device.waitForTickets(2, 3000).catch(() => undefined);

const MAPO = { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] };
const BEER = { itemId: 'tsingtao-beer', qty: 2 };
const texts = (s: SimPrinter) => s.tickets.map((t) => t.text);
const isBarTicket = (t: string) => t.includes('Tsingtao') || t.includes('青岛');

/** The printer prints the kitchen's ticket; the bar's is on its way (`sending`), waiting for its turn. */
async function kitchenTicketThenBarTicket(h: Awaited<ReturnType<typeof hubPrinting>>): Promise<void> {
  await h.place([MAPO]);
  await until(() => h.state('hot') === 'sending', "the kitchen's ticket on its way");
  await h.place([BEER]);
  await until(() => h.state('bar') === 'sending', "the bar's ticket on its way");
  expect(h.state('hot')).toBe('sending');
}

describe('two printer entries at one address', () => {
  it.each(['disabled', 'removed'] as const)(
    "does not print a bar ticket on the shared printer after the bar entry was %s while it waited for the kitchen's ticket",
    async (change) => {
      const device = await sim(120); // a slow head: the kitchen's ticket holds the printer for seconds
      const spare = await sim();
      const h = await hubPrinting([
        { id: 'spare', stations: [], at: spare },
        { id: 'hot', stations: ['hot'], at: device },
        { id: 'bar', stations: ['bar'], at: device, backupPrinterId: 'spare' },
      ]);
      await kitchenTicketThenBarTicket(h);
      if (change === 'disabled') await h.run((c) => h.printing.updatePrinter('bar', { enabled: false }, c));
      else await h.run((c) => h.printing.deletePrinter('bar', c));

      await until(() => spare.tickets.length === 1, 'the bar ticket on the backup');
      await until(() => h.state('hot') === 'confirmed', "the kitchen's ticket printed", 15_000);
      await lateTicket(device);
      expect(texts(device).filter(isBarTicket)).toEqual([]);
      expect(texts(device)).toHaveLength(1); // the kitchen's
      // nothing of it reached the shared printer: the moved copy is not marked as a possible duplicate
      expect(texts(spare)[0]).toContain('MOVED FROM BAR');
      expect(texts(spare)[0]).not.toContain('POSSIBLE DUPLICATE');
    },
    30_000,
  );

  it("prints a waiting bar ticket in the encoding the bar entry was changed to while it waited, not the one it had", async () => {
    const device = await sim(120, 'big5'); // a Big5 printer, entered as GB18030 by mistake
    const h = await hubPrinting([
      { id: 'hot', stations: ['hot'], at: device },
      { id: 'bar', stations: ['bar'], at: device },
    ]);
    await kitchenTicketThenBarTicket(h);
    await h.run((c) => h.printing.updatePrinter('bar', { encoding: 'big5' }, c));

    await until(() => h.state('bar') === 'confirmed', 'the bar ticket printed', 15_000);
    const bar = texts(device).filter((t) => t.includes('Tsingtao'));
    expect(bar).toHaveLength(1);
    // the dish's name as a Big5 printer prints it (the GB18030 bytes come out as other characters)
    expect(bar[0]).toContain('啤酒');
  }, 30_000);

  it.each([
    ['PRINTER.local', 'printer.local'],
    ['printer.local.', 'printer.local'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    // a name and the address it resolves to: two transports, one device lock
    ['printer.local', '127.0.0.1'],
  ])('takes entries at %s and %s for one printer: one connection at a time, neither taken for a dead printer', async (hot, bar) => {
    // a printer that refuses a second connection while it prints (as several clones do)
    const device = await SimPrinter.start({ encoding: 'gb18030', widthChars: 48, msPerLine: 60, busyConnections: 'refuse' });
    cleanups.push(() => device.stop());
    const resolver = new HostResolver({ lookup: async () => ({ address: device.host }) });
    const h = await hubPrinting(
      [
        { id: 'hot', stations: ['hot'], at: device, host: hot },
        { id: 'bar', stations: ['bar'], at: device, host: bar },
      ],
      resolver,
    );
    await h.place([MAPO]);
    await h.place([BEER]);
    await until(() => h.state('hot') === 'confirmed' && h.state('bar') === 'confirmed', 'both tickets printed', 15_000);
    expect(device.stats.refused).toBe(0);
    expect(h.printing.health().map((p) => p.state)).toEqual(['online', 'online']);
  }, 30_000);

  it('prints a waiting bar ticket at the address the bar entry was changed to, not on the printer it left', async () => {
    const device = await sim(120);
    const barPrinter = await sim();
    const h = await hubPrinting([
      { id: 'hot', stations: ['hot'], at: device },
      { id: 'bar', stations: ['bar'], at: device },
    ]);
    await kitchenTicketThenBarTicket(h);
    // the bar's own printer is repaired: its entry points at it again
    await h.run((c) => h.printing.updatePrinter('bar', { host: barPrinter.host, port: barPrinter.port }, c));

    await until(() => barPrinter.tickets.length === 1, 'the bar ticket on the bar printer');
    await until(() => h.state('hot') === 'confirmed', "the kitchen's ticket printed", 15_000);
    await lateTicket(device);
    expect(texts(device).filter(isBarTicket)).toEqual([]);
    expect(texts(barPrinter)[0]).not.toContain('POSSIBLE DUPLICATE');
  }, 30_000);
});
