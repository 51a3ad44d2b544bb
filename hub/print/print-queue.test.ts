/**
 * The durable print queue on a real SQLite store and the real single writer, with in-memory printers
 * (`InMemoryTransport` can script the outcomes a simulator cannot produce on demand, such as "uncertain").
 * The TCP + simulator behaviour is covered end to end in hub/test/print*.int.test.ts.
 */
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryTransport, renderTicket, type TicketDocument } from '../../printers/index.ts';
import { decodeEscPos, ticketText } from '../../printers/sim/escpos-decoder.ts';
import { demoSeed } from '../../scripts/seed/demo.ts';
import type { Principal } from '../domain/principal.ts';
import type { PlaceOrder } from '../protocol/orders.ts';
import type { CreatePrinter } from '../protocol/printing.ts';
import { Compactor, isPacked, PRINT_JOBS } from '../store/compactor.ts';
import { openDb, type Db } from '../store/db.ts';
import type { LoggedEvent } from '../store/event-log.ts';
import type { JobRow } from '../store/print-repo.ts';
import { loadSeed } from '../store/seed.ts';
import { OverloadedError, StorageFullError, StoreBusyError, Writer } from '../store/writer.ts';
import { HELD_FOR_STATION_MAX_AGE_MS, PrintService } from './print-service.ts';
import { ordersOnWriter } from './test-orders.ts';
import { markedDocument } from './tickets.ts';
import { profileOf, type PrintSettings } from './worker.ts';

const FAST: PrintSettings = {
  failoverMs: 300,
  retryBaseMs: 10,
  retryMaxMs: 40,
  heldPollMs: 20,
  probeIntervalMs: 5000,
  maxUncertain: 2,
  stopTimeoutMs: 500,
};
const waiter: Principal = { kind: 'staff', deviceId: 'dev-1', staffId: 's-waiter', staffName: '王芳 Wang Fang', role: 'waiter' };
const manager: Principal = { kind: 'staff', deviceId: 'dev-1', staffId: 's-manager', staffName: '刘洋 Liu Yang', role: 'manager' };

const open: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.stop()));
});

interface PrinterSpec {
  id: string;
  stations: string[];
  backupPrinterId?: string;
}

/** The writer refuses the next `count` submits from printing once a printer has been sent a job. */
interface RefuseAfterSend {
  count: number;
  error: () => Error;
}

async function store(printers: PrinterSpec[], settings: Partial<PrintSettings> = {}, refuse?: RefuseAfterSend, clock: () => number = Date.now) {
  const db: Db = openDb(':memory:');
  loadSeed(db, demoSeed);
  const committed: LoggedEvent[] = [];
  const transports = new Map<string, InMemoryTransport>();
  let printing: PrintService | undefined;
  const writer = new Writer(db, {
    clock,
    maxBatch: 64,
    maxQueue: 10_000,
    onCommit: (events) => committed.push(...events),
    onAppend: (e, tx) => printing?.onAppend(e, tx),
  });
  let sent = false;
  printing = new PrintService({
    db,
    submit: (job) => {
      if (sent && refuse && refuse.count > 0) {
        refuse.count--;
        return Promise.reject(refuse.error());
      }
      return writer.submit(job);
    },
    clock,
    timeZone: 'Asia/Shanghai',
    settings: { ...FAST, ...settings },
    transportFor: (p) => transports.get(p.id)!,
    log: pino({ level: 'silent' }),
  });
  const service = printing;
  open.push({ stop: () => service.stop() });
  const { orders, run } = ordersOnWriter(db, writer, waiter);
  for (const p of printers) {
    const t = new InMemoryTransport();
    const send = t.send.bind(t);
    t.send = (job) => {
      sent = true;
      return send(job);
    };
    transports.set(p.id, t);
  }
  for (const p of printers) {
    const input: CreatePrinter = {
      id: p.id,
      name: p.id.toUpperCase(),
      host: '127.0.0.1',
      port: 9100,
      encoding: 'gb18030',
      widthChars: 48,
      stations: p.stations,
      backupPrinterId: p.backupPrinterId ?? null,
      buzzer: 'none',
      enabled: true,
    };
    await run((c) => service.createPrinter(input, c), manager);
  }
  const jobs = (): JobRow[] => (db.prepare('SELECT id FROM print_jobs ORDER BY id').pluck().all() as number[]).map((id) => service.repo.job(id)!);
  return {
    db,
    writer,
    printing: service,
    orders,
    run,
    committed,
    jobs,
    printer: (id: string) => transports.get(id)!,
    /** a printer to add later (createPrinter) */
    addTransport: (id: string) => void transports.set(id, new InMemoryTransport()),
    /** tickets a printer has printed, as text */
    printed: (id: string) =>
      transports
        .get(id)!
        .printer.jobs.flatMap((job) => decodeEscPos(job, { encoding: 'gb18030' }).tickets.map((lines) => ticketText(lines))),
    place: (input: Partial<PlaceOrder> = {}) =>
      run((c) =>
        orders.place(
          {
            channel: 'pos',
            tableId: 't-a1',
            lines: [
              { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] },
              { itemId: 'tsingtao-beer', qty: 2 },
            ],
            ...input,
          },
          c,
        ),
      ),
  };
}

async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const eventTypes = (events: LoggedEvent[]) => events.map((e) => e.type);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAPO = { lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] };

describe('planning print jobs in the order transaction', () => {
  it('queues one kitchen ticket per station for the lines fired when an order is placed', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }, { id: 'bar', stations: ['bar'] }]);
    const order = await s.place();
    expect(s.jobs().map((j) => [j.printerId, j.kind, j.state, j.orderId])).toEqual([
      ['hot', 'kitchen', 'queued', order.id],
      ['bar', 'kitchen', 'queued', order.id],
    ]);
  });

  it('plans nothing for a change that rolls back', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await expect(
      s.run((c) => {
        s.orders.place({ channel: 'pos', tableId: 't-a1', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] }, c);
        throw new Error('the command failed after placing');
      }),
    ).rejects.toThrow('failed after placing');
    expect(s.jobs()).toEqual([]);
  });

  it('never makes two jobs for the same change, even if the planner sees its event twice', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    const placed = s.committed.find((e) => e.type === 'order.placed')!;
    await s.writer.submit((tx) => s.printing.onAppend(JSON.parse(placed.json), tx));
    expect(s.jobs()).toHaveLength(1);
  });

  it('prints nothing for held lines until they are fired, then a ticket with just those lines', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.printing.start();
    const order = await s.place({
      lines: [
        { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] },
        { itemId: 'mapo-tofu', qty: 3, optionIds: ['spice-hot', 'size-large'], course: 2, hold: true },
      ],
    });
    await until(() => s.printed('hot').length === 1, 'the first ticket');
    expect(s.printed('hot')[0]).toContain('1x 麻婆豆腐');
    expect(s.printed('hot')[0]).not.toContain('3x');
    await s.run((c) => s.orders.fire(order.id, 2, c));
    await until(() => s.printed('hot').length === 2, 'the course 2 ticket');
    expect(s.printed('hot')[1]).toContain('3x 麻婆豆腐');
    expect(s.printed('hot')[1]).toContain('Course 2 / 第2道');
    expect(s.printed('hot')[1]).not.toContain('1x');
  });

  it('prints add-on tickets for added lines and void tickets for fired lines, each line voided once', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }, { id: 'bar', stations: ['bar'] }]);
    await s.printing.start();
    const order = await s.place();
    const added = await s.run((c) => s.orders.addLines(order.id, { lines: [{ itemId: 'tsingtao-beer', qty: 1 }] }, c));
    const newBeer = added.lines.at(-1)!;
    await s.run((c) => s.orders.voidLine(order.id, newBeer.id, '点错了 wrong item', c), manager);
    await s.run((c) => s.orders.voidOrder(order.id, '客人走了 guest left', c), manager);
    await until(() => s.printed('hot').length === 2 && s.printed('bar').length === 4, 'all tickets');
    const [barFirst, addon, voidOne, voidRest] = s.printed('bar');
    expect(barFirst).toContain('2x 青岛啤酒');
    expect(addon).toContain('ADD-ON 加菜');
    expect(addon).toContain('1x 青岛啤酒');
    expect(voidOne).toContain('VOID 退菜');
    expect(voidOne).toContain('点错了 wrong item');
    expect(voidOne).toContain('1x 青岛啤酒');
    // the order void lists the first beers only: the added one had its own void ticket
    expect(voidRest).toContain('客人走了 guest left');
    expect(voidRest).toContain('2x 青岛啤酒');
    expect(voidRest).not.toContain('1x 青岛啤酒');
    expect(s.printed('hot')[1]).toContain('VOID 退菜');
  });

  it('plans nothing when no printer is configured, and a ticket held with an alert when none prints the station', async () => {
    const none = await store([]);
    await none.place();
    expect(none.jobs()).toEqual([]);

    const hotOnly = await store([{ id: 'hot', stations: ['hot'] }]);
    await hotOnly.place();
    const [hot, bar] = hotOnly.jobs();
    expect(hot).toMatchObject({ printerId: 'hot', state: expect.stringMatching(/queued|sending|confirmed/) });
    expect(bar).toMatchObject({ printerId: null, stationId: 'bar', state: 'held', lastError: 'no printer prints station bar: 1 ticket waiting for one' });
    // the staff's alert is kept (the screens list it until the ticket prints), the job is not failed
    const alert = hotOnly.committed.find((e) => e.type === 'print.job_failed');
    expect(JSON.parse(alert!.json).payload).toMatchObject({ job: { id: bar!.id, state: 'held' }, error: 'no printer prints station bar: 1 ticket waiting for one' });
  });

  it('keeps the waiting counts true when planning fails and the order commits without its tickets', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }, { id: 'bar', stations: ['bar'] }]);
    expect(s.printing.health().map((p) => p.queued)).toEqual([0, 0]); // the counts are kept from now on
    const repo = s.printing.repo;
    const insert = repo.insertJob.bind(repo);
    let calls = 0;
    repo.insertJob = (job) => {
      const id = insert(job);
      if (++calls === 2) throw new Error('planning broke after a job was inserted');
      return id;
    };
    const order = await s.place();
    expect(order.number).toBeGreaterThan(0);
    expect(s.jobs()).toEqual([]);
    expect(s.printing.health().map((p) => p.queued)).toEqual([0, 0]);
  });
});

describe('a printer worker', () => {
  it('prints the queue in order, once each, and confirms each job', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.printing.start();
    const numbers: number[] = [];
    for (let i = 0; i < 5; i++) numbers.push((await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] })).number);
    await until(() => s.jobs().every((j) => j.state === 'confirmed'), 'five confirmed jobs');
    expect(s.printed('hot').map((t) => /#(\d+)/.exec(t)?.[1])).toEqual(numbers.map(String));
    expect(s.jobs().every((j) => j.attempts === 1 && j.confirmedAt !== null)).toBe(true);
  });

  it.each([
    ['the write queue is full', () => new OverloadedError(2000)],
    ['the disk is full', () => new StorageFullError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))],
    ['another program holds the store', () => new StoreBusyError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))],
    // as SQLite itself throws it, not wrapped by the writer (a statement run outside a batch meets it so)
    ['SQLite says the store is busy', () => new Database.SqliteError('database is locked', 'SQLITE_BUSY_RECOVERY')],
  ])('records a printed ticket once the writer takes it again, when %s', async (_why, error) => {
    // the ticket has printed: its record must wait and go in, not leave the job "sending" until a restart
    // reprints it marked POSSIBLE DUPLICATE
    const s = await store([{ id: 'hot', stations: ['hot'] }], {}, { count: 3, error });
    await s.printing.start();
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await until(() => s.jobs().every((j) => j.state === 'confirmed'), 'the job confirmed');
    expect(s.printed('hot')).toHaveLength(1);
    expect(s.jobs().map((j) => [j.attempts, j.possibleDuplicate])).toEqual([[1, false]]);
  });

  it('holds jobs while the paper is out, tells the staff, and prints them once after the paper is loaded', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.printing.start();
    s.printer('hot').printer.set({ isPaperOut: true });
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 2, optionIds: ['spice-medium', 'size-regular'] }] });
    await until(() => s.jobs()[0]?.state === 'held', 'a held job');
    expect(s.printing.health()[0]).toMatchObject({ state: 'held', queued: 2 });
    expect(s.committed.find((e) => e.type === 'printer.down')?.json).toContain('paper-out');
    await new Promise((r) => setTimeout(r, 100)); // several polls while held
    expect(s.printer('hot').printer.jobs).toHaveLength(0);

    s.printer('hot').printer.set({ isPaperOut: false });
    await until(() => s.jobs().every((j) => j.state === 'confirmed'), 'both printed');
    expect(s.printed('hot')).toHaveLength(2);
    expect(s.printed('hot').some((t) => t.includes('POSSIBLE DUPLICATE'))).toBe(false);
    expect(eventTypes(s.committed)).toContain('printer.up');
    expect(s.printing.health()[0]).toMatchObject({ state: 'online', queued: 0 });
  });

  it('prints a job again marked POSSIBLE DUPLICATE when the printer did not confirm it', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    s.printer('hot').scriptNext({ status: 'uncertain', reason: 'barrier-timeout' }, { isJobKept: true });
    await s.printing.start();
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await until(() => s.jobs()[0]?.state === 'confirmed', 'the resent job confirmed');
    const [late, again] = s.printed('hot');
    expect(late).not.toContain('POSSIBLE DUPLICATE');
    expect(again).toContain('POSSIBLE DUPLICATE / 可能重复');
    expect(s.jobs()[0]).toMatchObject({ possibleDuplicate: true, attempts: 2, uncertainCount: 1 });
    expect(eventTypes(s.committed)).toContain('print.job_state_changed');
  });

  it('does not resend a job the printer took before it stopped; the next barrier confirms it', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    const paperOut = { isOnline: false, isCoverOpen: false, isPaperOut: true, isPaperNearEnd: false, hasError: false, raw: { printer: 0x1a, offline: 0x32, paper: 0x72 } };
    s.printer('hot').scriptNext({ status: 'uncertain', reason: 'held-after-send', printer: paperOut }, { isJobKept: true });
    await s.printing.start();
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await until(() => s.jobs()[0]?.state === 'confirmed', 'the held job confirmed by a later barrier');
    expect(s.printed('hot')).toHaveLength(1);
    expect(s.jobs()[0]).toMatchObject({ attempts: 1, possibleDuplicate: false });
  });

  it('keeps a job the printer took as sent while the printer is too busy to answer, and does not print it twice', async () => {
    // seen on a loaded machine: the slow head still prints the held job, so the confirming connection is
    // queued unread (no status reply) and then the barrier waits behind the ticket's last lines
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    const paperOut = { isOnline: false, isCoverOpen: false, isPaperOut: true, isPaperNearEnd: false, hasError: false, raw: { printer: 0x1a, offline: 0x32, paper: 0x72 } };
    const p = s.printer('hot');
    p.scriptNext({ status: 'uncertain', reason: 'held-after-send', printer: paperOut }, { isJobKept: true });
    p.scriptNext({ status: 'uncertain', reason: 'barrier-timeout' });
    p.scriptNext({ status: 'not-sent', reason: 'no-status-reply' });
    p.scriptNext({ status: 'not-sent', reason: 'no-status-reply' });
    await s.printing.start();
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await until(() => s.jobs()[0]?.state === 'confirmed', 'the held job confirmed by a later barrier');
    expect(s.printed('hot')).toHaveLength(1);
    expect(s.jobs()[0]).toMatchObject({ attempts: 1, possibleDuplicate: false });
  });

  it('prints a sent job again marked POSSIBLE DUPLICATE when the printer refused a connection (it may have restarted)', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    const paperOut = { isOnline: false, isCoverOpen: false, isPaperOut: true, isPaperNearEnd: false, hasError: false, raw: { printer: 0x1a, offline: 0x32, paper: 0x72 } };
    const p = s.printer('hot');
    p.scriptNext({ status: 'uncertain', reason: 'held-after-send', printer: paperOut });
    p.scriptNext({ status: 'not-sent', reason: 'connect-refused' });
    await s.printing.start();
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await until(() => s.jobs()[0]?.state === 'confirmed', 'the job printed again');
    expect(s.printed('hot')).toHaveLength(1);
    expect(s.printed('hot')[0]).toContain('POSSIBLE DUPLICATE / 可能重复');
    expect(s.jobs()[0]).toMatchObject({ attempts: 2, possibleDuplicate: true });
  });

  it('gives up with an alert after too many unconfirmed attempts instead of printing duplicates forever', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    for (let i = 0; i < 3; i++) s.printer('hot').scriptNext({ status: 'uncertain', reason: 'connection-lost' });
    await s.printing.start();
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await until(() => s.jobs()[0]?.state === 'failed', 'a failed job');
    expect(s.jobs()[0]).toMatchObject({ uncertainCount: 3, attempts: 3 });
    expect(eventTypes(s.committed)).toContain('print.job_failed');
  });

  it('prints a job found sending at start-up again, marked POSSIBLE DUPLICATE, and a queued one unmarked', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 2, optionIds: ['spice-medium', 'size-regular'] }] });
    // as a crash leaves it: the first job was on its way to the printer
    s.db.prepare("UPDATE print_jobs SET state = 'sending', attempts = 1 WHERE id = 1").run();
    await s.printing.start();
    await until(() => s.jobs().every((j) => j.state === 'confirmed'), 'both printed');
    const [first, second] = s.printed('hot');
    expect(first).toContain('POSSIBLE DUPLICATE / 可能重复');
    expect(first).toContain('1x 麻婆豆腐');
    expect(second).not.toContain('POSSIBLE DUPLICATE');
    expect(second).toContain('2x 麻婆豆腐');
  });

  it('does not hold the queue for the size of a clock step back: a retry due "in an hour" is tried at once', async () => {
    // A hub without a real-time clock boots with a wrong time, and NTP steps it: a retry written before the
    // step is due an hour later than any wait the worker sets, and would stall the printer's whole queue.
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.place(MAPO);
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 2, optionIds: ['spice-medium', 'size-regular'] }] });
    s.db.prepare("UPDATE print_jobs SET state = 'retry-wait', attempts = 1, next_attempt_at = ? WHERE id = 1").run(Date.now() + 3_600_000);
    await s.printing.start();
    await until(() => s.jobs().every((j) => j.state === 'confirmed'), 'both printed');
    expect(s.printed('hot')).toHaveLength(2);
  });

  it("moves a dead printer's queue to its backup after the failover time, marked MOVED FROM", async () => {
    const s = await store([{ id: 'spare', stations: [] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }]);
    s.printer('hot').printer.set({ isPoweredOff: true });
    // the start-up probe may already find it down: the failover clock runs from then
    const started = Date.now();
    await s.printing.start();
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await until(() => s.printed('spare').length === 1, 'the ticket on the backup');
    expect(Date.now() - started).toBeGreaterThanOrEqual(FAST.failoverMs);
    expect(s.printed('spare')[0]).toContain('MOVED FROM HOT');
    await until(() => s.jobs()[1]?.state === 'confirmed', 'the moved job confirmed');
    expect(s.jobs().map((j) => [j.printerId, j.state])).toEqual([
      ['hot', 'rerouted'],
      ['spare', 'confirmed'],
    ]);
    expect(eventTypes(s.committed)).toEqual(expect.arrayContaining(['printer.down', 'printer.failed_over']));

    // back on: new tickets print on the printer itself again
    s.printer('hot').printer.set({ isPoweredOff: false });
    await until(() => s.printing.health().find((p) => p.id === 'hot')?.state === 'online', 'the printer back');
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 2, optionIds: ['spice-medium', 'size-regular'] }] });
    await until(() => s.printed('hot').length === 1, 'a ticket on the recovered printer');
    expect(s.printed('hot')[0]).not.toContain('MOVED FROM');
  });

  it('moves a job whose send outlives a disable to the backup marked POSSIBLE DUPLICATE, and ignores the late result', async () => {
    const s = await store([{ id: 'spare', stations: [] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }]);
    let returned = false;
    s.printer('hot').send = async () => {
      await sleep(FAST.stopTimeoutMs + 300);
      returned = true;
      return { status: 'not-sent', reason: 'connect-timeout' };
    };
    await s.printing.start();
    await s.place(MAPO);
    await until(() => s.jobs()[0]?.state === 'sending', 'the job on its way');
    await s.run((c) => s.printing.updatePrinter('hot', { enabled: false }, c), manager);
    await until(() => s.printed('spare').length === 1, 'the ticket on the backup');
    expect(s.printed('spare')[0]).toContain('POSSIBLE DUPLICATE / 可能重复');
    expect(s.printed('spare')[0]).toContain('MOVED FROM HOT');
    await until(() => returned, 'the slow send returned');
    await sleep(50);
    expect(s.jobs().map((j) => [j.printerId, j.state])).toEqual([
      ['hot', 'rerouted'],
      ['spare', 'confirmed'],
    ]);
    expect(eventTypes(s.committed)).not.toContain('print.job_failed');
    expect(s.printing.health().map((p) => [p.id, p.queued])).toEqual([
      ['spare', 0],
      ['hot', 0],
    ]);
  });

  it('moves the waiting tickets of a removed printer to its backup, as when it is disabled', async () => {
    const s = await store([{ id: 'spare', stations: [] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }]);
    s.printer('hot').printer.set({ isPaperOut: true });
    await s.printing.start();
    await s.place(MAPO);
    await until(() => s.jobs()[0]?.state === 'held', 'the ticket held');
    await s.run((c) => s.printing.deletePrinter('hot', c), manager);
    await until(() => s.printed('spare').length === 1, 'the ticket on the backup');
    expect(s.printed('spare')[0]).toContain('MOVED FROM HOT');
    expect(eventTypes(s.committed)).not.toContain('print.job_failed');
  });

  it.each(['removed', 'disabled'] as const)(
    'tells the screens nothing more about a printer %s while a contact with it was on its way, and keeps no alert for it',
    async (change) => {
      const s = await store([{ id: 'spare', stations: [] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }]);
      await s.printing.start();
      await until(() => s.printing.health().every((p) => p.state === 'online'), 'both printers up');
      // the printer is unplugged as it is taken out: the send on its way finds nobody, within the stop timeout
      s.printer('hot').send = async () => {
        await sleep(FAST.stopTimeoutMs / 2);
        return { status: 'not-sent', reason: 'connect-refused' };
      };
      await s.place(MAPO);
      await until(() => s.jobs()[0]?.state === 'sending', 'the ticket on its way');
      if (change === 'removed') await s.run((c) => s.printing.deletePrinter('hot', c), manager);
      else await s.run((c) => s.printing.updatePrinter('hot', { enabled: false }, c), manager);
      await until(() => s.printed('spare').length === 1, 'the ticket on the backup');
      await sleep(50);
      const told = eventTypes(s.committed);
      const gone = told.lastIndexOf(change === 'removed' ? 'printer.removed' : 'printer.configured');
      // a printer.down after it, for a printer the screens no longer list as printing, stayed on them for good
      expect(told.slice(gone)).not.toContain('printer.down');
      expect(s.printing.repo.isPrinterAlerted('hot')).toBe(false);
    },
  );

  it('alerts and fails over when a job held before a restart finds the paper still out', async () => {
    const s = await store([{ id: 'spare', stations: [] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }]);
    await s.place(MAPO);
    // as a restart finds it: the job was held by the printer, whose paper is still out
    s.db.prepare("UPDATE print_jobs SET state = 'held', attempts = 1 WHERE id = 1").run();
    s.printer('hot').printer.set({ isPaperOut: true });
    await s.printing.start();
    await until(() => s.printed('spare').length === 1, 'the held ticket on the backup', 5 * FAST.failoverMs);
    expect(s.printed('spare')[0]).toContain('MOVED FROM HOT');
    expect(s.printed('spare')[0]).not.toContain('POSSIBLE DUPLICATE');
    expect(eventTypes(s.committed)).toEqual(expect.arrayContaining(['printer.down', 'printer.failed_over']));
    expect(s.committed.find((e) => e.type === 'printer.down')?.json).toContain('paper-out');
    expect(s.printing.health().find((p) => p.id === 'hot')).toMatchObject({ state: 'failed-over', queued: 0 });
  });

  it('does not send jobs back to a dead printer when its backup is disabled: they fail with an alert', async () => {
    const s = await store([{ id: 'spare', stations: [] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }]);
    s.printer('hot').printer.set({ isPoweredOff: true });
    await s.printing.start();
    await until(() => s.printing.health().every((p) => p.state !== 'unknown'), 'the first probes');
    // the backup is up when the queue moves there, then holds the moved job (its paper ran out meanwhile)
    s.printer('spare').printer.set({ isPaperOut: true });
    await s.place(MAPO);
    await until(() => s.jobs()[1]?.state === 'held', 'the moved job held on the backup');
    expect(s.printing.health().find((p) => p.id === 'hot')?.state).toBe('failed-over');
    await s.run((c) => s.printing.updatePrinter('spare', { enabled: false }, c), manager);
    await until(() => eventTypes(s.committed).includes('print.job_failed'), 'an alert for the stranded ticket');
    expect(s.jobs().map((j) => [j.printerId, j.state])).toEqual([
      ['hot', 'rerouted'],
      ['spare', 'failed'],
    ]);
    expect(s.printing.health().find((p) => p.id === 'hot')?.queued).toBe(0);
  });

  it('keeps a test page on its own printer while that printer is failed over: it prints there once the printer is back', async () => {
    // a test page says whether this printer works: printed by the backup ("MOVED FROM …") it says the wrong thing
    const s = await store([{ id: 'spare', stations: [] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }]);
    s.printer('hot').printer.set({ isPoweredOff: true });
    await s.printing.start();
    await s.place(MAPO);
    await until(() => s.printing.health().find((p) => p.id === 'hot')?.state === 'failed-over', 'hot failed over');
    await until(() => s.printed('spare').length === 1, 'the ticket on the backup');
    const test = await s.run((c) => s.printing.testPrint('hot', c), manager);
    await sleep(5 * FAST.retryMaxMs); // several probes and failover checks while the printer is still off
    expect(s.printed('spare')).toHaveLength(1);
    expect(s.printing.job(test.id)).toMatchObject({ printerId: 'hot', state: expect.stringMatching(/queued|retry-wait/) });

    s.printer('hot').printer.set({ isPoweredOff: false });
    await until(() => s.printed('hot').length === 1, 'the test page on the repaired printer');
    expect(s.printed('hot')[0]).toContain('TEST PAGE / 测试页');
    expect(s.printed('hot')[0]).not.toContain('MOVED FROM');
    expect(s.printed('spare')).toHaveLength(1);
  });

  it('fails a test page, rather than print it elsewhere, when its printer is disabled', async () => {
    const s = await store([{ id: 'spare', stations: ['hot'] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }]);
    s.printer('hot').printer.set({ isPaperOut: true });
    await s.printing.start();
    const test = await s.run((c) => s.printing.testPrint('hot', c), manager);
    await until(() => s.printing.job(test.id).state === 'held', 'the test page held');
    await s.run((c) => s.printing.updatePrinter('hot', { enabled: false }, c), manager);
    await until(() => s.printing.job(test.id).state === 'failed', 'the test page failed');
    await sleep(100);
    expect(s.printed('spare')).toEqual([]);
    expect(s.jobs().filter((j) => j.kind === 'test').map((j) => [j.printerId, j.state])).toEqual([['hot', 'failed']]);
  });

  it('numbers reprints per ticket, not per moved copy', async () => {
    const s = await store([{ id: 'spare', stations: [] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }]);
    await s.printing.start();
    await s.place(MAPO);
    await until(() => s.jobs()[0]?.state === 'confirmed', 'the ticket');
    s.printer('hot').printer.set({ isPoweredOff: true });
    const first = await s.run((c) => s.printing.reprint(1, { printerId: 'hot' }, c));
    await until(() => s.printed('spare').length === 1, 'reprint #1 moved to the backup');
    expect(s.printed('spare')[0]).toContain('REPRINT #1 / 重打');
    const moved = s.jobs().find((j) => j.movedFromJobId === first.id)!;
    const second = await s.run((c) => s.printing.reprint(moved.id, { printerId: 'spare' }, c));
    expect(second.reprintNumber).toBe(2);
    await until(() => s.printed('spare').length === 2, 'reprint #2');
    expect(s.printed('spare')[1]).toContain('REPRINT #2 / 重打');
  });

  it('reprints a ticket with "REPRINT #n", counting per original ticket', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.printing.start();
    await s.place({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] });
    await until(() => s.jobs()[0]?.state === 'confirmed', 'the ticket');
    const first = await s.run((c) => s.printing.reprint(1, {}, c));
    const second = await s.run((c) => s.printing.reprint(first.id, {}, c));
    expect([first.reprintNumber, second.reprintNumber, second.reprintOf]).toEqual([1, 2, 1]);
    await until(() => s.printed('hot').length === 3, 'two reprints');
    expect(s.printed('hot')[1]).toContain('REPRINT #1 / 重打');
    expect(s.printed('hot')[2]).toContain('REPRINT #2 / 重打');
    expect(s.printing.preview(second.id).preview).toContain('REPRINT #2 / 重打');
  });
});

describe('reprinting a ticket whose printer no longer prints its station', () => {
  it("reprints on the station's printer now, not on the printer that left the station (a printer given still wins)", async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }, { id: 'grill', stations: [] }]);
    await s.printing.start();
    await s.place(MAPO);
    await until(() => s.jobs()[0]?.state === 'confirmed', 'the ticket');
    // the hot station prints on the grill's printer from now on; the old one stays, for another use
    await s.run((c) => s.printing.updatePrinter('grill', { stations: ['hot'] }, c), manager);
    await s.run((c) => s.printing.updatePrinter('hot', { stations: [] }, c), manager);
    const again = await s.run((c) => s.printing.reprint(1, {}, c));
    expect(again.printerId).toBe('grill');
    await until(() => s.printed('grill').length === 1, 'the reprint on the grill printer');
    expect(s.printed('grill')[0]).toContain('REPRINT #1 / 重打');
    expect(s.printed('hot')).toHaveLength(1); // the first ticket only
    const asked = await s.run((c) => s.printing.reprint(1, { printerId: 'hot' }, c));
    expect(asked.printerId).toBe('hot');
    await until(() => s.printed('hot').length === 2, 'the reprint asked of the old printer');
  });

  it('refuses a reprint, saying so, when no printer prints its station any more (a printer given still prints it)', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    await s.printing.start();
    await s.place(MAPO);
    await until(() => s.jobs()[0]?.state === 'confirmed', 'the ticket');
    await s.run((c) => s.printing.updatePrinter('hot', { stations: [] }, c), manager);
    await expect(s.run((c) => s.printing.reprint(1, {}, c))).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('station hot') });
    expect(s.jobs()).toHaveLength(1);
    const asked = await s.run((c) => s.printing.reprint(1, { printerId: 'hot' }, c));
    expect(asked.printerId).toBe('hot');
  });

  it("reprints a receipt on the receipt printer now, and a test page on its own printer", async () => {
    const s = await store([{ id: 'counter', stations: ['receipts'] }, { id: 'bar', stations: [] }]);
    await s.printing.start();
    const order = await s.place(MAPO);
    const receipt = await s.run((c) => s.printing.receipt(order, {}, c));
    const test = await s.run((c) => s.printing.testPrint('bar', c), manager);
    await until(() => s.printing.job(receipt.id).state === 'confirmed' && s.printing.job(test.id).state === 'confirmed', 'the receipt and the test page');
    await s.run((c) => s.printing.updatePrinter('bar', { stations: ['receipts'] }, c), manager);
    await s.run((c) => s.printing.updatePrinter('counter', { stations: [] }, c), manager);
    expect((await s.run((c) => s.printing.reprint(receipt.id, {}, c))).printerId).toBe('bar');
    expect((await s.run((c) => s.printing.reprint(test.id, {}, c))).printerId).toBe('bar');
  });
});

describe('a printer whose stations change while its tickets wait', () => {
  it('moves a waiting ticket of a station it no longer prints to the printer that prints it now, once', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }, { id: 'grill', stations: [] }]);
    s.printer('hot').printer.set({ isPaperOut: true });
    await s.printing.start();
    await s.place(MAPO);
    await until(() => s.jobs()[0]?.state === 'held', 'the ticket held (paper out)');
    // the hot station's tickets go to the grill's printer from now on
    await s.run((c) => s.printing.updatePrinter('grill', { stations: ['hot'] }, c), manager);
    await s.run((c) => s.printing.updatePrinter('hot', { stations: [] }, c), manager);
    await until(() => s.printed('grill').length === 1, 'the ticket on the grill printer');
    expect(s.printed('grill')[0]).toContain('1x 麻婆豆腐');
    s.printer('hot').printer.set({ isPaperOut: false });
    await sleep(150);
    expect(s.printed('hot')).toEqual([]);
    expect(s.printed('grill')).toHaveLength(1);
    expect(s.jobs().map((j) => [j.printerId, j.state])).toEqual([
      ['hot', 'rerouted'],
      ['grill', 'confirmed'],
    ]);
  });

  it('holds a waiting ticket, with an alert saying why, when no printer prints its station any more; it prints once the station has one again', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }]);
    s.printer('hot').printer.set({ isPaperOut: true });
    await s.printing.start();
    await s.place(MAPO);
    await until(() => s.jobs()[0]?.state === 'held', 'the ticket held (paper out)');
    await s.run((c) => s.printing.updatePrinter('hot', { stations: [] }, c), manager);
    await until(() => s.jobs().length === 2, 'the ticket taken off the printer');
    expect(s.jobs().map((j) => [j.printerId, j.state])).toEqual([
      ['hot', 'rerouted'],
      [null, 'held'],
    ]);
    expect(s.jobs()[1]!.lastError).toBe('no printer prints station hot: 1 ticket waiting for one');
    expect(eventTypes(s.committed)).toContain('print.job_failed');
    expect(s.jobs().map((j) => j.state)).not.toContain('failed');
    // the manager sees it waiting
    expect(s.printing.jobs({ state: 'active' }).map((j) => [j.printerId, j.stationId, j.state])).toEqual([[null, 'hot', 'held']]);
    expect(s.printing.stationsWithoutPrinter()).toEqual([{ stationId: 'hot', waiting: 1 }]);
    s.printer('hot').printer.set({ isPaperOut: false });
    await sleep(150);
    expect(s.printed('hot')).toEqual([]);

    // the manager gives the station back to the printer (it had been taken off it by mistake): the ticket prints
    // there, once, although that printer once held it
    await s.run((c) => s.printing.updatePrinter('hot', { stations: ['hot'] }, c), manager);
    await until(() => s.printed('hot').length === 1, 'the held ticket printed');
    await s.run((c) => s.printing.updatePrinter('hot', { name: 'HOT 2' }, c), manager);
    await sleep(150);
    expect(s.printed('hot')).toHaveLength(1);
    expect(s.printed('hot')[0]).toContain('1x 麻婆豆腐');
    expect(s.jobs().map((j) => [j.printerId, j.state])).toEqual([
      ['hot', 'rerouted'],
      [null, 'rerouted'],
      ['hot', 'confirmed'],
    ]);
    expect(s.printing.stationsWithoutPrinter()).toEqual([]);
    // the screens hear that it is no longer waiting (their alert for it goes)
    const last = s.committed.filter((e) => e.type === 'print.job_state_changed').map((e) => JSON.parse(e.json).payload.job).at(-1);
    expect(last).toMatchObject({ id: s.jobs()[1]!.id, state: 'rerouted' });
  });

  it('holds the tickets planned for a station no printer prints, and prints each once on the printer then given the station', async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }, { id: 'bar', stations: [] }, { id: 'expo', stations: [] }]);
    await s.printing.start();
    await s.place({ lines: [{ itemId: 'tsingtao-beer', qty: 2 }] });
    await s.place({ lines: [{ itemId: 'tsingtao-beer', qty: 1 }] });
    expect(s.jobs().map((j) => [j.printerId, j.stationId, j.state])).toEqual([
      [null, 'bar', 'held'],
      [null, 'bar', 'held'],
    ]);
    expect(s.jobs()[1]!.lastError).toBe('no printer prints station bar: 2 tickets waiting for one');
    await s.run((c) => s.printing.updatePrinter('bar', { stations: ['bar'] }, c), manager);
    await until(() => s.printed('bar').length === 2, 'both tickets on the bar printer');
    // an expo copy given the station afterwards prints the tickets from then on, not the old ones a second time
    await s.run((c) => s.printing.updatePrinter('expo', { stations: ['bar'] }, c), manager);
    await sleep(150);
    expect(s.printed('bar')).toHaveLength(2);
    expect(s.printed('expo')).toHaveLength(0);
    expect(s.printed('bar')[0]).toContain('2x 青岛啤酒');
    expect(s.printed('bar')[0]).not.toContain('MOVED FROM');
    expect(s.jobs().map((j) => [j.printerId, j.state])).toEqual([
      [null, 'rerouted'],
      [null, 'rerouted'],
      ['bar', 'confirmed'],
      ['bar', 'confirmed'],
    ]);
  });

  it('does not print a ticket held over an hour when the station gets a printer: it fails with an alert, and the recent ones print', async () => {
    let now = Date.now();
    const s = await store([{ id: 'hot', stations: ['hot'] }, { id: 'bar', stations: [] }], {}, undefined, () => now);
    await s.printing.start();
    await s.place({ lines: [{ itemId: 'tsingtao-beer', qty: 2 }] });
    now += HELD_FOR_STATION_MAX_AGE_MS + 60_000;
    await s.place({ lines: [{ itemId: 'tsingtao-beer', qty: 1 }] });
    await s.run((c) => s.printing.updatePrinter('bar', { stations: ['bar'] }, c), manager);
    await until(() => s.printed('bar').length === 1, 'the recent ticket on the bar printer');
    await sleep(150);
    expect(s.printed('bar')).toHaveLength(1);
    expect(s.printed('bar')[0]).toContain('1x 青岛啤酒');
    const [old] = s.jobs();
    expect(old).toMatchObject({ printerId: null, state: 'failed', lastError: expect.stringContaining('waited over 60 min for a printer of station bar') });
    const failed = s.committed.filter((e) => e.type === 'print.job_failed').map((e) => JSON.parse(e.json).payload.job);
    expect(failed.at(-1)).toMatchObject({ id: old!.id, state: 'failed' });
  });

  it.each(['removed', 'disabled'] as const)(
    'holds the tickets of a printer %s when no other prints its station, and prints them on a printer added for it',
    async (change) => {
      const s = await store([{ id: 'hot', stations: ['hot'] }]);
      s.printer('hot').printer.set({ isPaperOut: true });
      await s.printing.start();
      await s.place(MAPO);
      await until(() => s.jobs()[0]?.state === 'held', 'the ticket held (paper out)');
      if (change === 'removed') await s.run((c) => s.printing.deletePrinter('hot', c), manager);
      else await s.run((c) => s.printing.updatePrinter('hot', { enabled: false }, c), manager);
      await until(() => s.jobs().length === 2, 'the ticket taken off the printer');
      expect(s.jobs().map((j) => [j.printerId, j.state])).toEqual([
        ['hot', 'rerouted'],
        [null, 'held'],
      ]);
      expect(eventTypes(s.committed)).toContain('print.job_failed');
      s.addTransport('grill');
      await s.run(
        (c) => s.printing.createPrinter({ id: 'grill', name: 'GRILL', host: '127.0.0.1', port: 9100, encoding: 'gb18030', widthChars: 48, stations: ['hot'], backupPrinterId: null, buzzer: 'none', enabled: true }, c),
        manager,
      );
      await until(() => s.printed('grill').length === 1, 'the ticket on the new printer');
      await sleep(150);
      expect(s.printed('grill')).toHaveLength(1);
      expect(s.printed('grill')[0]).toContain('MOVED FROM HOT');
      expect(s.jobs().map((j) => [j.printerId, j.state])).toEqual([
        ['hot', 'rerouted'],
        [null, 'rerouted'],
        ['grill', 'confirmed'],
      ]);
    },
  );

  it("does not print a second copy on a station's printer that printed its own, when the expo copy's printer leaves the station", async () => {
    const s = await store([{ id: 'hot', stations: ['hot'] }, { id: 'expo', stations: ['hot'] }]);
    s.printer('expo').printer.set({ isPaperOut: true });
    await s.printing.start();
    await s.place(MAPO);
    await until(() => s.printed('hot').length === 1 && s.jobs()[1]?.state === 'held', "the kitchen's copy printed, expo's held");
    await s.run((c) => s.printing.updatePrinter('expo', { stations: [] }, c), manager);
    await until(() => s.jobs()[1]?.state !== 'held', "expo's copy taken off it");
    s.printer('expo').printer.set({ isPaperOut: false });
    await sleep(150);
    expect(s.printed('hot')).toHaveLength(1);
    expect(s.printed('expo')).toEqual([]);
    expect(s.jobs().map((j) => [j.printerId, j.state])).toEqual([
      ['hot', 'confirmed'],
      ['expo', 'rerouted'],
    ]);
  });
});

describe('a printer down across a restart', () => {
  it('moves its queue to the backup at its first failed contact when it was down a failover time before the start', async () => {
    const s = await store([{ id: 'spare', stations: [] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }], { failoverMs: 60_000 });
    // what the hub that stopped left: the printer down (and failed over) since two minutes ago
    s.printing.repo.setPrinterDownSince('hot', Date.now() - 120_000);
    s.printer('hot').printer.set({ isPoweredOff: true });
    await s.printing.start();
    await s.place(MAPO);
    await until(() => s.printed('spare').length === 1, 'the ticket on the backup', 5000);
    expect(s.printed('spare')[0]).toContain('MOVED FROM HOT');
    const down = s.committed.find((e) => e.type === 'printer.down');
    expect((JSON.parse(down!.json) as { payload: { since: number } }).payload.since).toBeLessThan(Date.now() - 100_000);
  });

  it('gives a printer enabled again the whole failover time, not what ran before it was disabled; found up, it is announced up', async () => {
    const s = await store([{ id: 'spare', stations: [] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }], { failoverMs: 1000 });
    s.printer('hot').printer.set({ isPoweredOff: true });
    await s.printing.start();
    await s.place(MAPO);
    await until(() => s.printed('spare').length === 1, 'the ticket on the backup after the failover time');
    await s.run((c) => s.printing.updatePrinter('hot', { enabled: false }, c), manager);
    // repaired, enabled again while it still boots
    await s.run((c) => s.printing.updatePrinter('hot', { enabled: true }, c), manager);
    await s.place(MAPO);
    await sleep(500);
    expect(s.printed('spare')).toHaveLength(1);
    s.printer('hot').printer.set({ isPoweredOff: false });
    await until(() => s.printed('hot').length === 1, 'the ticket on the printer once it answers');
    expect(s.printed('spare')).toHaveLength(1);
    await until(() => eventTypes(s.committed).at(-1) === 'printer.up', 'the screens told it is up');
  });

  it('forgets the time once the printer answers: down again later, it waits the whole failover time', async () => {
    const s = await store([{ id: 'spare', stations: [] }, { id: 'hot', stations: ['hot'], backupPrinterId: 'spare' }], { failoverMs: 1000 });
    s.printing.repo.setPrinterDownSince('hot', Date.now() - 120_000);
    await s.printing.start();
    await until(() => !s.printing.repo.isPrinterAlerted('hot'), 'hot announced up');
    expect(s.printing.repo.printerDownSince('hot')).toBeNull();
    // how long it was down counts from before the restart, not from nothing
    const up = s.committed.find((e) => e.type === 'printer.up');
    expect((JSON.parse(up!.json) as { payload: { downMs: number } }).payload.downMs).toBeGreaterThanOrEqual(120_000);
    s.printer('hot').printer.set({ isPoweredOff: true });
    await s.place(MAPO);
    await sleep(500);
    expect(s.printed('spare')).toEqual([]);
    await until(() => s.printed('spare').length === 1, 'the ticket on the backup after the failover time');
  });
});

describe('old tickets, their documents compacted', () => {
  const DAY = 86_400_000;

  it('reprints a month-old ticket byte for byte as it first printed (but for its REPRINT banner), and previews every old ticket as before', async () => {
    let now = Date.now();
    const s = await store([{ id: 'hot', stations: ['hot'] }, { id: 'bar', stations: ['bar'] }], {}, undefined, () => now);
    await s.printing.start();
    // enough tickets for the compactor to learn its dictionary from (50), each a little different
    for (let i = 0; i < 30; i++) await s.place({ note: `第${i}桌 不要香菜 "no coriander"` });
    await until(() => s.jobs().length === 60 && s.jobs().every((j) => j.state === 'confirmed'), 'every ticket printed', 10_000);
    const raw = (id: number) => s.db.prepare('SELECT document FROM print_jobs WHERE id = ?').pluck().get(id) as string;
    const first = s.jobs().find((j) => j.printerId === 'hot')!;
    const written = raw(first.id);
    const hot = s.printer('hot').printer;
    const profile = profileOf(s.printing.repo.printer('hot')!);
    // the reference: what the printer received the first time is the stored document rendered
    expect(hot.jobs[0]).toEqual(renderTicket(JSON.parse(written) as TicketDocument, profile));
    const previews = s.jobs().map((j) => s.printing.preview(j.id).preview);

    now += 30 * DAY;
    const compactor = new Compactor(s.db, PRINT_JOBS, { submit: () => Promise.reject(new Error('not here')), idle: () => true, clock: () => now, minAgeMs: DAY, everyMs: DAY, log: pino({ level: 'silent' }) });
    for (let batches = 0; batches < 10 && (await s.writer.submit((tx) => compactor.compactBatch(tx.now))); batches++);
    expect(s.jobs().every((j) => isPacked(raw(j.id)))).toBe(true);
    expect(compactor.done.before / compactor.done.after).toBeGreaterThan(3);

    expect(s.jobs().map((j) => s.printing.preview(j.id).preview)).toEqual(previews);
    const reprint = await s.run((c) => s.printing.reprint(first.id, {}, c));
    await until(() => hot.jobs.length === 31, 'the reprint');
    expect(hot.jobs[30]).toEqual(renderTicket(markedDocument(JSON.parse(written) as TicketDocument, { possibleDuplicate: false, reprintNumber: 1, movedFromPrinter: null }), profile));
    // the reprint's own row holds the ticket as JSON again (it is packed a day after it printed)
    expect(raw(reprint.id)).toBe(written);
  });
});
