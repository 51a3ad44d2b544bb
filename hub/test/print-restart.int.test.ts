/**
 * A hub restarted while a printer is down: the kitchen screens and tablets keep their stream position across
 * the restart (they resume, they do not reload), so what they were told before it stands until an event says
 * otherwise. A printer that recovered while the hub was away must be announced up, or its red alert (paper
 * out, offline, moved to the backup) and its list of waiting tickets stay on every screen for good.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { addPrinters, FAST_PRINT_ENV, numbersOn, printersInHealth, waitUntil } from '../print/test-support.ts';
import { connectStream, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const read = <T>(hub: HubProcess, sql: string, ...params: unknown[]): T => {
  const db = hub.openDb();
  try {
    return db.prepare(sql).pluck().get(...params) as T;
  } finally {
    db.close();
  }
};

describe('a hub restarted while a printer is down', () => {
  it('announces the printer up to the screens that resume their stream, when the paper was loaded during the restart', async () => {
    let hub = await startHub({ env: FAST_PRINT_ENV });
    dirs.push(hub.dataDir);
    const manager = (await signIn(hub, '9999')).staff;
    const { device, staff: waiter } = await signIn(hub, '1111');
    const printers = await addPrinters(hub, manager, [{ name: 'Hot', stations: ['hot'] }]);
    const sim = printers.sim('Hot');
    const hotId = printers.id('Hot');
    try {
      sim.setPaperOut(true);
      const r = await hub.request('POST', '/api/v1/orders', {
        token: waiter,
        body: { channel: 'pos', tableId: 't-a3', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] },
      });
      expect(r.status).toBe(201);
      const order = r.body.order as { id: string; number: number };
      await waitUntil(
        () =>
          read<string>(hub, 'SELECT state FROM print_jobs WHERE order_id = ?', order.id) === 'held' &&
          read<number>(hub, "SELECT COUNT(*) FROM events WHERE type = 'printer.down'") === 1,
        'the job held and the screens told the paper is out',
      );
      // where a screen that has followed the stream so far stands
      const lastSeq = read<number>(hub, 'SELECT MAX(seq) FROM events');
      await hub.stop();

      sim.setPaperOut(false); // loaded while the hub is away
      hub = await startHub({ dataDir: hub.dataDir, env: FAST_PRINT_ENV });
      const screen = await connectStream(hub, device, { topics: ['printers'], lastSeq });
      try {
        await waitUntil(() => sim.tickets.length === 1, 'the held ticket printed after the restart');
        await screen.waitFor((msgs) => msgs.some((m) => m.type === 'events' && m.events.some((e: { type: string; payload: { printerId?: string } }) => e.type === 'printer.up' && e.payload.printerId === hotId)));
        expect(screen.messages.some((m) => m.type === 'reset')).toBe(false); // resumed, not reloaded
        await new Promise((res) => setTimeout(res, 300));
        expect(numbersOn(printers.texts('Hot'))).toEqual([order.number]);
      } finally {
        screen.close();
      }
    } finally {
      await hub.stop();
      await sim.stop();
    }
  }, 45_000);

  it('keeps a printer failed over while it is still dead after the restart: new tickets go to the backup at its first failed contact, not a failover time later', async () => {
    // long enough that waiting it out again after the restart is told apart from carrying it over
    const FAILOVER_MS = 5000;
    const env = { ...FAST_PRINT_ENV, HUB_PRINT_FAILOVER_MS: String(FAILOVER_MS) };
    let hub = await startHub({ env });
    dirs.push(hub.dataDir);
    const manager = (await signIn(hub, '9999')).staff;
    const { device, staff: waiter } = await signIn(hub, '1111');
    const printers = await addPrinters(hub, manager, [
      { name: 'Pass', stations: [] },
      { name: 'Hot', stations: ['hot'], backup: 'Pass' },
    ]);
    const hotId = printers.id('Hot');
    const place = async (qty: number) => {
      const r = await hub.request('POST', '/api/v1/orders', {
        token: waiter,
        body: { channel: 'pos', tableId: 't-a3', lines: [{ itemId: 'mapo-tofu', qty, optionIds: ['spice-medium', 'size-regular'] }] },
      });
      expect(r.status).toBe(201);
      return r.body.order as { id: string; number: number };
    };
    try {
      printers.sim('Hot').powerOff();
      const before = await place(1);
      await waitUntil(() => printers.texts('Pass').length === 1, 'the ticket moved to the backup', FAILOVER_MS + 8000);
      await waitUntil(async () => (await printersInHealth(hub, waiter)).find((p) => p.id === hotId)?.state === 'failed-over', 'Hot failed over');
      const lastSeq = read<number>(hub, 'SELECT MAX(seq) FROM events');
      await hub.stop();

      hub = await startHub({ dataDir: hub.dataDir, env });
      const screen = await connectStream(hub, device, { topics: ['printers'], lastSeq });
      try {
        const t0 = Date.now();
        const after = await place(2);
        await waitUntil(() => printers.texts('Pass').length === 2, 'the new ticket on the backup', FAILOVER_MS + 8000);
        // the first contact after the start fails (no status reply: 400 ms), and the queue moves at once
        expect(Date.now() - t0).toBeLessThan(FAILOVER_MS - 1500);
        expect(numbersOn(printers.texts('Pass'))).toEqual([before.number, after.number]);
        expect(printers.texts('Pass')[1]!.split('\n')[0]).toContain('MOVED FROM Hot');
        expect((await printersInHealth(hub, waiter)).find((p) => p.id === hotId)?.state).toBe('failed-over');
        // the screens, resumed, hear it is still down since before the restart, and failed over again
        await screen.waitFor((msgs) => msgs.some((m) => m.type === 'events' && m.events.some((e: { type: string }) => e.type === 'printer.failed_over')));
        const down = screen.events().find((e) => e.type === 'printer.down' && e.payload.printerId === hotId);
        expect(down?.payload.since).toBeLessThan(t0);
        expect(printers.texts('Hot')).toEqual([]);
      } finally {
        screen.close();
      }
    } finally {
      await hub.stop();
      for (const name of ['Pass', 'Hot']) await printers.sim(name).stop();
    }
  }, 60_000);
});
