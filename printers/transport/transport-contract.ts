import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PrinterProfile } from '../render/encoding.ts';
import { previewTicket, renderTicket, type TicketDocument } from '../render/ticket.ts';
import type { PrinterTransport } from './types.ts';

/** A transport plus remote control of the printer behind it. */
export interface TransportHarness {
  transport: PrinterTransport;
  profile: PrinterProfile;
  /** the text of every ticket the printer has printed (cut), in order */
  printedTexts(): string[];
  setPaperOut(on: boolean): void;
  setCoverOpen(on: boolean): void;
  setPaperNearEnd(on: boolean): void;
  /** the printer stops answering anything, sockets stay open */
  powerOff(): void;
  dispose(): Promise<void>;
}

/** Upper bound for a printer that does not answer to be reported, given the harness timeouts. */
export const SILENT_PRINTER_BOUND_MS = 2000;

export function contractTicket(n: number): TicketDocument {
  return {
    kind: 'kitchen',
    orderNumber: String(n),
    tableLabel: 'T3',
    time: { epochMs: Date.UTC(2024, 0, 2, 4, 5), timeZone: 'Asia/Shanghai' },
    station: '热菜 Hot',
    lines: [{ qty: n, nameZh: '宫保鸡丁', nameEn: 'Kung Pao Chicken', options: ['少辣'], note: '花生过敏' }],
  };
}

/**
 * The behaviour every `PrinterTransport` promises, run against each implementation (TCP + simulator,
 * in-memory). Rule ids ([T1]…) are cited in docs/printers.md.
 */
export function registerTransportContractTests(name: string, makeHarness: () => Promise<TransportHarness>): void {
  describe(`PrinterTransport contract: ${name}`, () => {
    let h: TransportHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.dispose();
    });
    const job = (n: number): Buffer => renderTicket(contractTicket(n), h.profile);
    const text = (n: number): string => previewTicket(contractTicket(n), h.profile);

    it('[T1] reports printed only once the ticket is on paper, with the text the preview shows', async () => {
      const result = await h.transport.send(job(1));
      expect(result.status).toBe('printed');
      expect(h.printedTexts()).toEqual([text(1)]);
    });

    it('[T2] probes a healthy printer as reachable with no hold', async () => {
      const probe = await h.transport.probe();
      expect(probe).toMatchObject({ reachable: true, hold: null, printer: { isOnline: true, isPaperOut: false } });
      expect(h.printedTexts()).toEqual([]);
    });

    it('[T3] holds a job while the paper is out, sends nothing, and prints it once after paper is loaded', async () => {
      h.setPaperOut(true);
      const held = await h.transport.send(job(2));
      expect(held).toMatchObject({ status: 'held', reason: 'paper-out', printer: { isPaperOut: true } });
      expect(await h.transport.probe()).toMatchObject({ reachable: true, hold: 'paper-out' });
      h.setPaperOut(false);
      expect((await h.transport.send(job(2))).status).toBe('printed');
      expect(h.printedTexts()).toEqual([text(2)]);
    });

    it('[T4] holds a job while the cover is open', async () => {
      h.setCoverOpen(true);
      expect(await h.transport.send(job(3))).toMatchObject({ status: 'held', reason: 'cover-open' });
      h.setCoverOpen(false);
      expect((await h.transport.send(job(3))).status).toBe('printed');
      expect(h.printedTexts()).toEqual([text(3)]);
    });

    it('[T5] prints when paper is near its end, with a warning', async () => {
      h.setPaperNearEnd(true);
      expect(await h.transport.probe()).toMatchObject({ reachable: true, hold: null, printer: { isPaperNearEnd: true } });
      expect(await h.transport.send(job(4))).toMatchObject({ status: 'printed', warnings: ['paper-near-end'] });
    });

    it('[T6] runs concurrent sends one after the other, in call order, without mixing them', async () => {
      const results = await Promise.all([1, 2, 3].map((n) => h.transport.send(job(n))));
      expect(results.map((r) => r.status)).toEqual(['printed', 'printed', 'printed']);
      expect(h.printedTexts()).toEqual([text(1), text(2), text(3)]);
    });

    it('[T8] withdraws a call still waiting for its turn: it rejects at once and never reaches the printer', async () => {
      const waiting = new AbortController();
      const first = h.transport.send(job(1));
      const second = h.transport.send(job(2), { signal: waiting.signal });
      const probe = h.transport.probe({ signal: waiting.signal });
      const third = h.transport.send(job(3));
      waiting.abort(new Error('withdrawn'));
      await expect(second).rejects.toThrow('withdrawn');
      await expect(probe).rejects.toThrow('withdrawn');
      expect((await first).status).toBe('printed');
      expect((await third).status).toBe('printed');
      expect(h.printedTexts()).toEqual([text(1), text(3)]);
      await expect(h.transport.send(job(4), { signal: waiting.signal })).rejects.toThrow('withdrawn');
      expect(h.printedTexts()).toEqual([text(1), text(3)]);
    });

    it('[T7] reports a silent printer as not sent, within the timeout', async () => {
      h.powerOff();
      const started = Date.now();
      const result = await h.transport.send(job(5));
      expect(result).toMatchObject({ status: 'not-sent', reason: 'no-status-reply' });
      expect(Date.now() - started).toBeLessThan(SILENT_PRINTER_BOUND_MS);
      expect(await h.transport.probe()).toMatchObject({ reachable: false });
    });
  });
}
