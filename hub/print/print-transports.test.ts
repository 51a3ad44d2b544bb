/**
 * A printer's config changing while its worker is in the middle of a step (the writer still marking a ticket
 * `sending`): the worker's call must follow the change. Real sockets to simulated printers, the real store and
 * writer, the worker's writes held at the door to open the window.
 */
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimPrinter } from '../../printers/sim/sim-printer.ts';
import { TEST_TIMEOUTS } from '../../printers/sim/sim-harness.ts';
import { demoSeed } from '../../scripts/seed/demo.ts';
import type { Principal } from '../domain/principal.ts';
import { openDb } from '../store/db.ts';
import { loadSeed } from '../store/seed.ts';
import { Writer, type Tx } from '../store/writer.ts';
import { PrintService } from './print-service.ts';
import { ordersOnWriter } from './test-orders.ts';

/** Every TCP transport made, by the port it reaches. */
const made = vi.hoisted(() => [] as number[]);
vi.mock('../../printers/index.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../printers/index.ts')>();
  class CountedTransport extends actual.TcpPrinterTransport {
    constructor(opts: ConstructorParameters<typeof actual.TcpPrinterTransport>[0]) {
      super(opts);
      made.push(opts.port);
    }
  }
  return { ...actual, TcpPrinterTransport: CountedTransport };
});

const manager = { kind: 'staff', deviceId: 'dev-1', staffId: 's-manager', staffName: '刘洋 Liu Yang', role: 'manager' } as const satisfies Principal;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(cond: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A print service on a real store and writer whose worker's writes can be held at the door: `holdNextWrite()`
 * catches the next one (the worker marking a ticket `sending`), so a config change lands inside that step.
 */
function heldService(stopTimeoutMs: number) {
  const db = openDb(':memory:');
  loadSeed(db, demoSeed);
  let printing: PrintService | undefined;
  const writer = new Writer(db, { clock: Date.now, maxBatch: 64, maxQueue: 10_000, onCommit: () => undefined, onAppend: (e, tx) => printing?.onAppend(e, tx) });
  let gate: { caught: boolean; opened: Promise<void> } | null = null;
  const submit = async <R>(job: (tx: Tx) => R): Promise<R> => {
    const g = gate;
    if (g && !g.caught) {
      g.caught = true;
      await g.opened;
    }
    return writer.submit(job);
  };
  const service = new PrintService({
    db,
    submit,
    clock: Date.now,
    timeZone: 'Asia/Shanghai',
    settings: { failoverMs: 60_000, retryBaseMs: 10, retryMaxMs: 40, heldPollMs: 20, probeIntervalMs: 60_000, maxUncertain: 2, stopTimeoutMs },
    transportSettings: TEST_TIMEOUTS,
    log: pino({ level: 'silent' }),
  });
  printing = service;
  cleanups.push(() => service.stop());
  const { orders, run } = ordersOnWriter(db, writer, manager);
  const holdNextWrite = () => {
    let open!: () => void;
    const g = { caught: false, opened: new Promise<void>((r) => (open = r)) };
    gate = g;
    return { caught: () => g.caught, open: () => open() };
  };
  const place = () => run((c) => orders.place({ channel: 'pos', tableId: 't-a1', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] }, c));
  return { service, run, place, holdNextWrite };
}

describe('a printer given another address while its worker marks a ticket sending', () => {
  // the service keeps one TCP transport per address its printers have; asked with the old config, it kept one for
  // the old address too (unused, until the next config change; reused if a printer went back there)
  it('does not keep a transport for an address no printer has, asked for with a config read before the change', async () => {
    const [a, b] = await Promise.all([SimPrinter.start({ encoding: 'gb18030', widthChars: 48 }), SimPrinter.start({ encoding: 'gb18030', widthChars: 48 })]);
    cleanups.push(() => a.stop(), () => b.stop());
    const { service, run, place, holdNextWrite } = heldService(300);
    const at = (p: SimPrinter) => ({ host: p.host, port: p.port });
    await run((c) => service.createPrinter({ id: 'hot', name: 'HOT', ...at(a), encoding: 'gb18030', widthChars: 48, buzzer: 'none', enabled: true, stations: ['hot'], backupPrinterId: null }, c));
    await service.start();
    await until(() => service.health()[0]?.state === 'online', 'the printer up');

    const held = holdNextWrite();
    await place();
    await until(held.caught, 'the worker marking the ticket sending');
    await run((c) => service.updatePrinter('hot', at(b), c));
    await service.reconcile();
    held.open();
    await until(() => b.tickets.length === 1, 'the ticket at the new address');
    expect(a.tickets).toHaveLength(0);

    // back at the first address: a transport of its own, not one left over from the stale ask
    const before = made.filter((port) => port === a.port).length;
    await run((c) => service.updatePrinter('hot', at(a), c));
    await service.reconcile();
    await place();
    await until(() => a.tickets.length === 1, 'the next ticket at the first address again');
    expect(made.filter((port) => port === a.port).length).toBe(before + 1);
  }, 30_000);
});

describe('a printer disabled while its worker marks a ticket sending', () => {
  it('prints the ticket on the backup only, not on the printer the manager just disabled', async () => {
    const [hot, spare] = await Promise.all([SimPrinter.start({ encoding: 'gb18030', widthChars: 48 }), SimPrinter.start({ encoding: 'gb18030', widthChars: 48 })]);
    cleanups.push(() => hot.stop(), () => spare.stop());
    const { service, run, place, holdNextWrite } = heldService(2000);
    const printer = (id: string, p: SimPrinter, backupPrinterId: string | null) =>
      run((c) => service.createPrinter({ id, name: id.toUpperCase(), host: p.host, port: p.port, encoding: 'gb18030', widthChars: 48, buzzer: 'none', enabled: true, stations: id === 'hot' ? ['hot'] : [], backupPrinterId }, c));
    await printer('spare', spare, null);
    await printer('hot', hot, 'spare');
    await service.start();
    await until(() => service.health().every((p) => p.state === 'online'), 'the printers up');

    const held = holdNextWrite();
    await place();
    await until(held.caught, 'the worker marking the ticket sending');
    await run((c) => service.updatePrinter('hot', { enabled: false }, c));
    const applied = service.reconcile(); // stops the worker: it waits for the step under way
    await new Promise((r) => setTimeout(r, 50));
    held.open();
    await applied;
    await until(() => spare.tickets.length === 1, 'the ticket on the backup');
    await new Promise((r) => setTimeout(r, 300));
    expect(hot.tickets).toHaveLength(0);
    expect(spare.tickets[0]!.text).not.toContain('POSSIBLE DUPLICATE');
  }, 30_000);
});
