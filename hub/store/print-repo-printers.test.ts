/**
 * The printer list the print repo keeps in memory (the planner asks for it with every order) against
 * reading the table: after the repo's own writes, and after jobs of the writer that wrote a printer, read
 * the list and were then rolled back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PrinterConfig } from '../protocol/printing.ts';
import { openDb, type Db } from './db.ts';
import { SqlitePrintRepo } from './print-repo.ts';
import { Writer } from './writer.ts';

const dbs: Db[] = [];
afterEach(() => dbs.splice(0).forEach((db) => void db.close()));

const printer = (id: string, over: Partial<PrinterConfig> = {}): PrinterConfig => ({
  id,
  name: `printer ${id}`,
  host: '127.0.0.1',
  port: 9100,
  encoding: 'gb18030',
  widthChars: 48,
  stations: ['hot'],
  backupPrinterId: null,
  buzzer: 'esc-b',
  enabled: true,
  simulated: false,
  createdAt: 1,
  updatedAt: 1,
  ...over,
});

function setUp(o: { forgetOnRollback: boolean }) {
  const db = openDb(':memory:');
  dbs.push(db);
  const repo = new SqlitePrintRepo(db);
  const writer = new Writer(db, { clock: () => 0, maxBatch: 8, maxQueue: 100, onCommit: () => {}, onRollback: () => o.forgetOnRollback && repo.forgetKept() });
  const inTable = () => (db.prepare('SELECT id, name, enabled FROM printers ORDER BY created_at, id').all() as { id: string; name: string; enabled: number }[]).map((r) => `${r.id}:${r.name}:${r.enabled}`);
  const kept = () => repo.listPrinters().map((p) => `${p.id}:${p.name}:${p.enabled ? 1 : 0}`);
  return { repo, writer, inTable, kept };
}

describe('SqlitePrintRepo printers kept in memory', () => {
  it('follow the repo’s own inserts, updates and deletes', async () => {
    const { repo, writer, inTable, kept } = setUp({ forgetOnRollback: true });
    expect(kept()).toEqual([]);
    await writer.submit(() => repo.insertPrinter(printer('a')));
    expect(kept()).toEqual(inTable());
    await writer.submit(() => {
      repo.insertPrinter(printer('b', { createdAt: 2 }));
      // read inside the batch: later jobs of the batch see the new printer
      expect(repo.listPrinters().map((p) => p.id)).toEqual(['a', 'b']);
      repo.updatePrinter(printer('a', { name: 'renamed', enabled: false }));
    });
    expect(kept()).toEqual(['a:renamed:0', 'b:printer b:1']);
    expect(kept()).toEqual(inTable());
    await writer.submit(() => repo.deletePrinter('a'));
    expect(kept()).toEqual(inTable());
  });

  it('forget what a rolled-back job wrote and read, and only with the rollback hook (the control)', async () => {
    for (const forgetOnRollback of [true, false]) {
      const { repo, writer, inTable, kept } = setUp({ forgetOnRollback });
      await writer.submit(() => repo.insertPrinter(printer('a')));
      const refused = writer.submit(() => {
        repo.insertPrinter(printer('ghost', { createdAt: 2 }));
        repo.updatePrinter(printer('a', { name: 'never', enabled: false }));
        repo.listPrinters(); // read after the writes: what it kept never happened
        throw new Error('refused after its writes');
      });
      await expect(refused).rejects.toThrow('refused');
      expect(inTable()).toEqual(['a:printer a:1']);
      if (forgetOnRollback) expect(kept()).toEqual(inTable());
      else expect(kept()).toEqual(['a:never:0', 'ghost:printer ghost:1']);
    }
  });

  it('are frozen: a caller that changes one in place fails instead of changing everybody’s', async () => {
    const { repo, writer } = setUp({ forgetOnRollback: true });
    await writer.submit(() => repo.insertPrinter(printer('a')));
    const [a] = repo.listPrinters();
    expect(() => ((a as { enabled: boolean }).enabled = false)).toThrow(TypeError);
    expect(() => a!.stations.push('bar')).toThrow(TypeError);
    expect(repo.listPrinters()[0]!.enabled).toBe(true);
  });
});

describe('SqlitePrintRepo, a printer down across a restart (meta print.alerted:<id>)', () => {
  it('keeps since when the printer is down, reads a row written before the time was kept as alerted with no time, and forgets both when cleared', () => {
    const db = openDb(':memory:');
    dbs.push(db);
    const repo = new SqlitePrintRepo(db);
    repo.setPrinterAlerted('legacy', true); // what a hub of before wrote: '1'
    expect([repo.isPrinterAlerted('legacy'), repo.printerDownSince('legacy')]).toEqual([true, null]);
    repo.setPrinterDownSince('legacy', 1_700_000_000_000);
    repo.setPrinterAlerted('legacy', true); // alerted again for a job: the time stays
    expect(new SqlitePrintRepo(db).printerDownSince('legacy')).toBe(1_700_000_000_000);
    repo.setPrinterAlerted('legacy', false);
    expect([repo.isPrinterAlerted('legacy'), repo.printerDownSince('legacy')]).toEqual([false, null]);
    expect(repo.printerDownSince('never')).toBeNull();
  });
});
