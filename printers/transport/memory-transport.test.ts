import { describe, expect, it } from 'vitest';
import { renderTicket } from '../render/ticket.ts';
import { TEST_PROFILE } from '../sim/sim-harness.ts';
import { decodeEscPos, ticketText } from '../sim/escpos-decoder.ts';
import { InMemoryPrinter, InMemoryTransport } from './memory-transport.ts';
import { contractTicket, registerTransportContractTests } from './transport-contract.ts';

registerTransportContractTests('in-memory', async () => {
  const printer = new InMemoryPrinter();
  const transport = new InMemoryTransport(printer);
  return {
    transport,
    profile: TEST_PROFILE,
    printedTexts: () =>
      printer.jobs.flatMap((job) => decodeEscPos(job, TEST_PROFILE).tickets.map((lines) => ticketText(lines))),
    setPaperOut: (on) => printer.set({ isPaperOut: on }),
    setCoverOpen: (on) => printer.set({ isCoverOpen: on }),
    setPaperNearEnd: (on) => printer.set({ isPaperNearEnd: on }),
    powerOff: () => printer.set({ isPoweredOff: true }),
    dispose: () => transport.close(),
  };
});

describe('InMemoryTransport.scriptNext', () => {
  it('returns a scripted uncertain result and, with isJobKept, still records the late print', async () => {
    const t = new InMemoryTransport();
    t.scriptNext({ status: 'uncertain', reason: 'barrier-timeout' }, { isJobKept: true });
    const job = renderTicket(contractTicket(1), TEST_PROFILE);
    expect(await t.send(job)).toEqual({ status: 'uncertain', reason: 'barrier-timeout' });
    expect(t.printer.jobs).toHaveLength(1);
    expect((await t.send(job)).status).toBe('printed');
    expect(t.printer.jobs).toHaveLength(2);
  });
});
