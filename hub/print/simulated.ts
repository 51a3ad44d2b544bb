/**
 * Embedded simulated printers (`HUB_PRINTERS=sim`, the default): so a new user sees kitchen tickets without
 * owning a printer. One `SimPrinter` per station on 127.0.0.1, registered as an ordinary port-9100 printer
 * (marked `simulated`), its printed tickets shown on `/printers/sim`. Development and demo only.
 */
import type { Logger } from 'pino';
import { SimPrinter } from '../../printers/sim/sim-printer.ts';
import type { Tx } from '../store/writer.ts';
import type { PrintService } from './print-service.ts';
import { RECEIPT_STATION } from './receipts.ts';

/**
 * Tickets each simulator keeps for `/printers/sim` (it shows the latest 30): a demo hub runs for weeks, and
 * a simulator keeping every ticket would grow by some kilobytes per ticket for good.
 */
export const SIM_TICKETS_KEPT = 50;

/** The simulators running in this process, by printer id. */
export class SimulatorRegistry {
  readonly #sims = new Map<string, SimPrinter>();

  has(printerId: string): boolean {
    return this.#sims.has(printerId);
  }

  get(printerId: string): SimPrinter | undefined {
    return this.#sims.get(printerId);
  }

  set(printerId: string, sim: SimPrinter): void {
    this.#sims.set(printerId, sim);
  }

  entries(): [string, SimPrinter][] {
    return [...this.#sims];
  }

  async stopAll(): Promise<void> {
    const sims = [...this.#sims.values()];
    this.#sims.clear();
    await Promise.all(sims.map((s) => s.stop()));
  }
}

/**
 * Starts the simulators: for the simulated printers already configured (their port changes at each start),
 * or, when the store has no printer at all, one per station (hot kitchen → `sim-hot`, bar → `sim-bar`), and
 * in a demo store one for the front counter's receipts and pickup slips (`sim-receipts`).
 * Returns how many run. Call before the print workers start.
 */
export async function startSimulatedPrinters(deps: {
  printing: PrintService;
  submit: <R>(job: (tx: Tx) => R) => Promise<R>;
  newId: () => string;
  registry: SimulatorRegistry;
  log: Logger;
}): Promise<number> {
  const { printing, registry } = deps;
  const configured = printing.repo.listPrinters();
  const add = async (id: string, name: string, stations: string[]): Promise<void> => {
    const sim = await SimPrinter.start({ encoding: 'gb18030', widthChars: 48, keepTickets: SIM_TICKETS_KEPT });
    registry.set(id, sim);
    await deps.submit((tx) =>
      printing.createPrinter(
        { id, name, host: sim.host, port: sim.port, encoding: 'gb18030', widthChars: 48, stations, buzzer: 'epson', enabled: true },
        { now: tx.now, newId: deps.newId, events: { emit: (type, payload, topics) => tx.append({ type, payload, topics, deviceId: null, staffId: null }) } },
        { simulated: true },
      ),
    );
  };
  for (const p of configured.filter((c) => c.simulated)) {
    const sim = await SimPrinter.start({ encoding: p.encoding, widthChars: p.widthChars, keepTickets: SIM_TICKETS_KEPT });
    registry.set(p.id, sim);
    await deps.submit((tx) => printing.setSimulatorAddress(p.id, sim.host, sim.port, tx));
  }
  if (configured.length === 0) {
    for (const [stationId, names] of printing.repo.stationNames()) await add(`sim-${stationId}`, `${names.nameZh} ${names.nameEn} (sim)`, [stationId]);
  }
  // a demo store (only simulators) also gets the front counter's printer, for receipts and kiosk pickup slips
  const isDemo = configured.every((c) => c.simulated);
  if (isDemo && !configured.some((c) => c.stations.includes(RECEIPT_STATION))) await add(`sim-${RECEIPT_STATION}`, '前台 Counter (sim)', [RECEIPT_STATION]);
  const running = registry.entries();
  if (running.length > 0) deps.log.info({ printers: running.map(([id, s]) => `${id}@${s.host}:${s.port}`) }, 'simulated printers running');
  return running.length;
}
