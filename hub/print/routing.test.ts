import { describe, expect, it } from 'vitest';
import { PRINTER_ENCODINGS } from '../../printers/index.ts';
import { createPrinterSchema, printerEncodingSchema, type PrinterState } from '../protocol/printing.ts';
import { failoverTarget, fullJitterDelay, printersForStation, type RoutablePrinter } from './routing.ts';

const p = (id: string, stations: string[], over: Partial<RoutablePrinter> = {}): RoutablePrinter => ({
  id,
  name: id,
  stations,
  enabled: true,
  backupPrinterId: null,
  ...over,
});

describe('printersForStation', () => {
  const printers = [p('hot-1', ['hot']), p('bar-1', ['bar']), p('expo', ['hot', 'bar']), p('off', ['hot'], { enabled: false })];

  it('gives every enabled printer listing the station, in configuration order (an expo copy included)', () => {
    expect(printersForStation('hot', printers).map((x) => x.id)).toEqual(['hot-1', 'expo']);
    expect(printersForStation('bar', printers).map((x) => x.id)).toEqual(['bar-1', 'expo']);
  });

  it('gives none for a station no printer prints', () => {
    expect(printersForStation('wok', printers)).toEqual([]);
  });
});

describe('failoverTarget', () => {
  const states: Record<string, PrinterState> = { a: 'offline', b: 'online', c: 'held', d: 'unknown' };
  const stateOf = (id: string) => states[id] ?? 'unknown';

  it.each([
    ['its backup when that one is online', 'b', 'b'],
    ['its backup when that one was not contacted yet', 'd', 'd'],
    ['nothing when the backup is down too', 'c', null],
    ['nothing without a backup', null, null],
    ['nothing when the printer names itself', 'a', null],
    ['nothing when the backup does not exist', 'zz', null],
  ])('moves a queue to %s', (_name, backupPrinterId, expected) => {
    const printers = [p('a', ['hot'], { backupPrinterId }), p('b', []), p('c', []), p('d', [])];
    expect(failoverTarget(printers[0]!, printers, stateOf)?.id ?? null).toBe(expected);
  });

  it('does not move a queue to a disabled backup', () => {
    const printers = [p('a', ['hot'], { backupPrinterId: 'b' }), p('b', [], { enabled: false })];
    expect(failoverTarget(printers[0]!, printers, stateOf)).toBeNull();
  });
});

describe('fullJitterDelay', () => {
  it('stays below base · 2^attempt, capped at max', () => {
    expect(fullJitterDelay(0, 100, 10_000, () => 0.999)).toBe(99);
    expect(fullJitterDelay(3, 100, 10_000, () => 0.999)).toBe(799);
    expect(fullJitterDelay(20, 100, 10_000, () => 0.999)).toBe(9990);
    expect(fullJitterDelay(5, 100, 10_000, () => 0)).toBe(0);
  });

  it('spreads retries over the whole window', () => {
    const seen = [0.1, 0.5, 0.9].map((r) => fullJitterDelay(2, 100, 10_000, () => r));
    expect(seen).toEqual([40, 200, 360]);
  });
});

describe('printer configuration schema', () => {
  it('knows exactly the encodings printers/ can render', () => {
    expect([...printerEncodingSchema.options].sort()).toEqual([...PRINTER_ENCODINGS].sort());
  });

  const valid = { name: 'Hot 1', host: '192.168.1.50', port: 9100, encoding: 'gb18030', widthChars: 48, stations: ['hot'] };
  it.each([
    ['an unknown encoding', { encoding: 'utf-8' }, 'encoding'],
    ['a port out of range', { port: 70_000 }, 'port'],
    ['port 0', { port: 0 }, 'port'],
    ['an IPv4 address with a part over 255', { host: '192.168.1.300' }, 'host'],
    ['a host with spaces', { host: 'kitchen printer' }, 'host'],
    ['a URL as host', { host: 'http://192.168.1.5' }, 'host'],
    ['a width other than 32 or 48', { widthChars: 40 }, 'widthChars'],
    ['no name', { name: '  ' }, 'name'],
  ])('refuses %s', (_name, patch, path) => {
    const r = createPrinterSchema.safeParse({ ...valid, ...patch });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual([path]);
  });

  it.each(['192.168.1.50', 'printer-hot.local', 'fe80::1', 'localhost'])('accepts host %s', (host) => {
    expect(createPrinterSchema.safeParse({ ...valid, host }).success).toBe(true);
  });

  it('fills in port 9100, 48 columns, gb18030 and the clone buzzer', () => {
    expect(createPrinterSchema.parse({ name: 'x', host: '10.0.0.9', stations: [] })).toMatchObject({
      port: 9100,
      widthChars: 48,
      encoding: 'gb18030',
      buzzer: 'esc-b',
      enabled: true,
    });
  });
});
