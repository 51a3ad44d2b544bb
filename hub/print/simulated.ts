/**
 * Embedded simulated printers (`HUB_PRINTERS=sim`, the default): so a new user sees kitchen tickets without
 * owning a printer. One `SimPrinter` per station on 127.0.0.1, registered as an ordinary port-9100 printer
 * (marked `simulated`), its printed tickets shown on `/printers/sim`. Development and demo only.
 */
import type { Logger } from 'pino';
import { SimPrinter } from '../../printers/sim/sim-printer.ts';
import type { Tx } from '../store/writer.ts';
import type { PrintService } from './print-service.ts';

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
 * or, when the store has no printer at all, one per station (hot kitchen → `sim-hot`, bar → `sim-bar`).
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
  if (configured.length === 0) {
    for (const [stationId, names] of printing.repo.stationNames()) {
      const sim = await SimPrinter.start({ encoding: 'gb18030', widthChars: 48 });
      const id = `sim-${stationId}`;
      registry.set(id, sim);
      await deps.submit((tx) =>
        printing.createPrinter(
          {
            id,
            name: `${names.nameZh} ${names.nameEn} (sim)`,
            host: sim.host,
            port: sim.port,
            encoding: 'gb18030',
            widthChars: 48,
            stations: [stationId],
            buzzer: 'epson',
            enabled: true,
          },
          { now: tx.now, newId: deps.newId, events: { emit: (type, payload, topics) => void tx.append({ type, payload, topics, deviceId: null, staffId: null }) } },
          { simulated: true },
        ),
      );
    }
  } else {
    for (const p of configured.filter((c) => c.simulated)) {
      const sim = await SimPrinter.start({ encoding: p.encoding, widthChars: p.widthChars });
      registry.set(p.id, sim);
      await deps.submit((tx) => printing.setSimulatorAddress(p.id, sim.host, sim.port, tx));
    }
  }
  const running = registry.entries();
  if (running.length > 0) deps.log.info({ printers: running.map(([id, s]) => `${id}@${s.host}:${s.port}`) }, 'simulated printers running');
  return running.length;
}
