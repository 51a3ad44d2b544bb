/**
 * Helpers for the printing integration tests (hub/test/print*.int.test.ts): simulated printers on
 * 127.0.0.1 in the test process, configured on a real hub through its API. Not imported by the hub.
 */
import { SimPrinter, type SimPrinterOptions } from '../../printers/sim/sim-printer.ts';
import type { HubProcess } from '../test/harness.ts';

/** Timeouts short enough for tests (cf. printers/sim/sim-harness.ts TEST_TIMEOUTS). */
export const FAST_PRINT_ENV: Record<string, string> = {
  HUB_PRINTERS: 'none',
  // a loaded CI machine lags while the hub starts: do not shed the tests' pairing requests
  HUB_SHED_LAG_MS: '10000',
  HUB_PRINT_CONNECT_TIMEOUT_MS: '500',
  HUB_PRINT_STATUS_TIMEOUT_MS: '400',
  HUB_PRINT_WRITE_STALL_MS: '1500',
  HUB_PRINT_BARRIER_TIMEOUT_MS: '1500',
  HUB_PRINT_POLL_MS: '100',
  HUB_PRINT_CLOSE_TIMEOUT_MS: '300',
  HUB_PRINT_RETRY_BASE_MS: '50',
  HUB_PRINT_RETRY_MAX_MS: '300',
  HUB_PRINT_HELD_POLL_MS: '100',
  // idle printers are probed once when configured; later probes would race the tests' one-shot faults
  HUB_PRINT_PROBE_MS: '600000',
  HUB_PRINT_FAILOVER_MS: '1500',
};

export interface PrinterSpec {
  name: string;
  stations: string[];
  /** name of another spec in the same call */
  backup?: string;
  sim?: SimPrinterOptions;
}

export interface TestPrinters {
  sim(name: string): SimPrinter;
  id(name: string): string;
  /** ticket texts a simulated printer printed */
  texts(name: string): string[];
  /** deletes the printers from the hub (backups last) and stops the simulators */
  remove(): Promise<void>;
}

/** Starts a simulator per spec and configures it on the hub as a printer, with the manager's token. */
export async function addPrinters(hub: HubProcess, manager: string, specs: PrinterSpec[]): Promise<TestPrinters> {
  const sims = new Map<string, SimPrinter>();
  const ids = new Map<string, string>();
  for (const spec of specs) sims.set(spec.name, await SimPrinter.start({ encoding: 'gb18030', widthChars: 48, ...spec.sim }));
  // backups first, so the others can name them
  const ordered = [...specs].sort((a, b) => Number(a.backup !== undefined) - Number(b.backup !== undefined));
  for (const spec of ordered) {
    const sim = sims.get(spec.name)!;
    const r = await hub.request('POST', '/api/v1/printers', {
      token: manager,
      body: {
        name: spec.name,
        host: sim.host,
        port: sim.port,
        encoding: 'gb18030',
        widthChars: 48,
        stations: spec.stations,
        buzzer: 'epson',
        ...(spec.backup ? { backupPrinterId: ids.get(spec.backup) } : {}),
      },
    });
    if (r.status !== 201) throw new Error(`configuring printer ${spec.name} failed: ${r.status} ${JSON.stringify(r.body)}`);
    ids.set(spec.name, r.body.printer.id as string);
  }
  // the first probe of each printer is done: faults a test sets now meet a job, not that probe
  await waitUntil(async () => {
    const health = await printersInHealth(hub, manager);
    return [...ids.values()].every((id) => health.some((p) => p.id === id && p.state !== 'unknown'));
  }, 'the printers probed');
  return {
    sim: (name) => sims.get(name)!,
    id: (name) => ids.get(name)!,
    texts: (name) => sims.get(name)!.tickets.map((t) => t.text),
    remove: async () => {
      for (const spec of [...ordered].reverse()) {
        await hub.request('DELETE', `/api/v1/printers/${ids.get(spec.name)}`, { token: manager });
      }
      await Promise.all([...sims.values()].map((s) => s.stop()));
    },
  };
}

/**
 * The printers as `/api/v1/health` shows them. Asked with a staff token: an anonymous caller may ask 20 times
 * a second, and the waits that call this poll every 20 ms.
 */
export async function printersInHealth(hub: HubProcess, staffToken: string): Promise<{ id: string; state: string; queued: number }[]> {
  return (await hub.request('GET', '/api/v1/health', { token: staffToken })).body.printers as { id: string; state: string; queued: number }[];
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Order numbers on a list of ticket texts (the big "#42" at the top). */
export const numbersOn = (texts: string[]): number[] => texts.map((t) => Number(/^\s*#(\d+)/m.exec(t)?.[1] ?? NaN));
