import { afterEach, describe, expect, it } from 'vitest';
import { INIT, PARTIAL_CUT } from '../../printers/protocol/commands.ts';
import { renderTicket } from '../../printers/render/ticket.ts';
import { TcpPrinterTransport } from '../../printers/transport/tcp-transport.ts';
import { TEST_PROFILE, TEST_TIMEOUTS } from '../../printers/sim/sim-harness.ts';
import { SimPrinter } from '../../printers/sim/sim-printer.ts';
import type { Printer } from '../protocol/printing.ts';
import type { PrintService } from './print-service.ts';
import { simPage } from './sim-page.ts';
import { SimulatorRegistry } from './simulated.ts';

const printing = (printers: Partial<Printer>[]): PrintService => ({ printers: () => printers }) as unknown as PrintService;

describe('/printers/sim page', () => {
  const registry = new SimulatorRegistry();
  afterEach(() => registry.stopAll());

  async function printTo(sim: SimPrinter, bytes: Buffer): Promise<void> {
    const t = new TcpPrinterTransport({ host: sim.host, port: sim.port, ...TEST_TIMEOUTS, recoveryNulBytes: 0 });
    expect((await t.send(bytes)).status).toBe('printed');
  }

  it('numbers tickets and counts them from all printed, not from the few a simulator keeps', async () => {
    const sim = await SimPrinter.start({ keepTickets: 2 });
    registry.set('sim-hot', sim);
    for (const n of [1, 2, 3]) await printTo(sim, Buffer.concat([INIT, Buffer.from(`ticket ${n}\n`), PARTIAL_CUT]));
    const html = simPage(registry, printing([]));
    expect(html).toContain('printed 已打印 3');
    expect([...html.matchAll(/<figcaption>#(\d+)/g)].map((m) => m[1])).toEqual(['3', '2']);
  });

  it('shows dish names, notes and printer names with HTML in them as text', async () => {
    const sim = await SimPrinter.start();
    registry.set('sim-hot', sim);
    const doc = {
      kind: 'kitchen' as const,
      orderNumber: '1',
      tableLabel: '<b>T1</b>',
      time: { epochMs: 0, timeZone: 'UTC' },
      lines: [{ qty: 1, nameZh: '<script>alert(1)</script>', nameEn: '<img src=x onerror=alert(2)>', options: [], note: '"\'&' }],
    };
    await printTo(sim, renderTicket(doc, TEST_PROFILE));
    const html = simPage(registry, printing([{ id: 'sim-hot', name: '<svg onload=alert(3)>', stations: ['<i>hot</i>'], status: { state: 'online', reason: '<u>x</u>', queued: 0 } as Printer['status'] }]));
    const body = html.slice(html.indexOf('<body>'));
    for (const tag of ['<script', '<img', '<svg', '<b>', '<i>', '<u>']) expect(body).not.toContain(tag);
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
