/** Pure rules of the print queue: which printer takes a ticket, where a queue fails over, retry delays. */
import type { PrinterConfig, PrinterState } from '../protocol/printing.ts';

export type RoutablePrinter = Pick<PrinterConfig, 'id' | 'name' | 'stations' | 'enabled' | 'backupPrinterId'>;

/**
 * The printers that print a station's tickets: every usable printer listing the station (a second one is
 * an expo/runner copy), in configuration order. Empty when none does.
 */
export function printersForStation<P extends RoutablePrinter>(stationId: string, printers: readonly P[]): P[] {
  return printers.filter((p) => p.enabled && p.stations.includes(stationId));
}

/** States in which a printer can take jobs (unknown: not contacted yet, so worth trying). */
export const isUsableState = (state: PrinterState): boolean => state === 'online' || state === 'unknown';

/**
 * Where a down printer's queue goes: its backup, if it is configured, enabled, not the printer itself, and
 * not down as well (moving a queue to a dead printer helps nobody, and two printers backing each other up
 * must not bounce jobs).
 */
export function failoverTarget<P extends RoutablePrinter>(
  printer: P,
  printers: readonly P[],
  stateOf: (id: string) => PrinterState,
): P | null {
  const id = printer.backupPrinterId;
  if (id === null || id === printer.id) return null;
  const backup = printers.find((p) => p.id === id);
  if (!backup || !backup.enabled || !isUsableState(stateOf(backup.id))) return null;
  return backup;
}

/**
 * "Full jitter" exponential back-off (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniformly
 * random wait in [0, min(max, base · 2^attempt)), so printers that failed together do not retry together.
 * `attempt` counts from 0.
 */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
