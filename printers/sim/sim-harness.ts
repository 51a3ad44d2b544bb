import type { PrinterProfile } from '../render/encoding.ts';
import { TcpPrinterTransport, type TcpTransportOptions } from '../transport/tcp-transport.ts';
import type { TransportHarness } from '../transport/transport-contract.ts';
import { SimPrinter, type SimPrinterOptions } from './sim-printer.ts';

/** Timeouts short enough for tests, long enough for a loaded 2-core CI machine. */
export const TEST_TIMEOUTS = {
  connectTimeoutMs: 500,
  statusTimeoutMs: 400,
  writeStallTimeoutMs: 1500,
  barrierTimeoutMs: 1500,
  pollIntervalMs: 100,
  closeTimeoutMs: 300,
} satisfies Partial<TcpTransportOptions>;

export const TEST_PROFILE: PrinterProfile = { encoding: 'gb18030', widthChars: 48, buzzer: 'epson' };

export interface SimHarness extends TransportHarness {
  sim: SimPrinter;
  transport: TcpPrinterTransport;
  /** another transport to the same simulator, e.g. with other options */
  newTransport(opts?: Partial<TcpTransportOptions>): TcpPrinterTransport;
}

/** A simulator on 127.0.0.1 (random port) and a TCP transport to it. */
export async function startSimHarness(
  simOpts: SimPrinterOptions = {},
  transportOpts: Partial<TcpTransportOptions> = {},
  profile: PrinterProfile = TEST_PROFILE,
): Promise<SimHarness> {
  const sim = await SimPrinter.start({ encoding: profile.encoding, widthChars: profile.widthChars, ...simOpts });
  const newTransport = (opts: Partial<TcpTransportOptions> = {}): TcpPrinterTransport =>
    new TcpPrinterTransport({ host: sim.host, port: sim.port, ...TEST_TIMEOUTS, ...transportOpts, ...opts });
  const transport = newTransport();
  return {
    sim,
    transport,
    profile,
    newTransport,
    printedTexts: () => sim.tickets.map((t) => t.text),
    setPaperOut: (on) => sim.setPaperOut(on),
    setCoverOpen: (on) => sim.setCoverOpen(on),
    setPaperNearEnd: (on) => sim.setPaperNearEnd(on),
    powerOff: () => sim.powerOff(),
    dispose: async () => {
      await transport.close();
      await sim.stop();
    },
  };
}
