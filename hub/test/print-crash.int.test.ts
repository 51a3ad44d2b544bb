/**
 * `kill -9` of the hub while a ticket is on its way to a slow printer: after the restart that ticket is
 * printed again marked POSSIBLE DUPLICATE (nobody knows whether it printed), and a ticket that was only
 * queued prints once, unmarked. The simulator lives in this process, so it outlives the hub like a real
 * printer does.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { addPrinters, FAST_PRINT_ENV, numbersOn, waitUntil } from '../print/test-support.ts';
import { connectStream, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

// the slow head prints a ticket in ~2 s: the barrier wait must cover that (docs/printers.md, "Timeouts")
const ENV = { ...FAST_PRINT_ENV, HUB_PRINT_BARRIER_TIMEOUT_MS: '15000' };
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const jobState = (hub: HubProcess, orderId: string): string | undefined => {
  const db = hub.openDb();
  try {
    return db.prepare('SELECT state FROM print_jobs WHERE order_id = ? ORDER BY id LIMIT 1').pluck().get(orderId) as string | undefined;
  } finally {
    db.close();
  }
};

const headSeq = (hub: HubProcess): number => {
  const db = hub.openDb();
  try {
    return db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number;
  } finally {
    db.close();
  }
};

describe('kill -9 while a ticket is being sent', () => {
  it('prints the ticket in flight again marked POSSIBLE DUPLICATE, and the queued one once, unmarked; resumed screens hear the printer is up', async () => {
    let hub = await startHub({ env: ENV });
    dirs.push(hub.dataDir);
    const manager = (await signIn(hub, '9999')).staff;
    const { device, staff: waiter } = await signIn(hub, '1111');
    const printers = await addPrinters(hub, manager, [
      { name: 'Kitchen', stations: ['hot', 'bar'], sim: { msPerLine: 150, receiveBufferBytes: 1 << 16 } },
    ]);
    const sim = printers.sim('Kitchen');
    try {
      const place = async (lines: unknown[]) => {
        const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId: 't-a5', lines } });
        expect(r.status).toBe(201);
        return r.body.order as { id: string; number: number };
      };
      const inFlight = await place([{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }]);
      // the whole job is in the printer's buffer and its head is printing it slowly
      await waitUntil(() => jobState(hub, inFlight.id) === 'sending' && sim.stats.bytesReceived > 8192, 'the job on its way');
      const queued = await place([{ itemId: 'tsingtao-beer', qty: 2 }]);
      expect(jobState(hub, queued.id)).toBe('queued');
      expect(sim.tickets).toHaveLength(0);
      const lastSeq = headSeq(hub); // where a kitchen screen stands when the hub dies
      await hub.kill9();

      hub = await startHub({ dataDir: hub.dataDir, env: ENV });
      // the screen resumes its stream: it hears that the ticket is waiting again, then that the printer is fine
      const screen = await connectStream(hub, device, { topics: ['printers'], lastSeq });
      await waitUntil(() => sim.tickets.length >= 3, 'three tickets', 20_000);
      const kitchenId = printers.id('Kitchen');
      await screen.waitFor(() => screen.events().some((e) => e.type === 'printer.up' && e.payload.printerId === kitchenId));
      const told = screen.events().map((e) => (e.type === 'print.job_state_changed' ? `${e.type}:${e.payload.job.state}` : e.type));
      expect(told.indexOf('print.job_state_changed:uncertain')).toBeLessThan(told.lastIndexOf('printer.up'));
      screen.close();
      await new Promise((r) => setTimeout(r, 500)); // and no more
      const texts = printers.texts('Kitchen');
      expect(texts).toHaveLength(3);
      expect(numbersOn(texts)).toEqual([inFlight.number, inFlight.number, queued.number]);
      expect(texts[0]).not.toContain('POSSIBLE DUPLICATE'); // the original, printed by the printer on its own
      expect(texts[1]!.split('\n')[0]).toContain('POSSIBLE DUPLICATE / 可能重复');
      expect(texts[1]).toContain('麻婆豆腐');
      expect(texts[2]).not.toContain('POSSIBLE DUPLICATE');
      expect(texts[2]).toContain('2x 青岛啤酒');
      expect(jobState(hub, inFlight.id)).toBe('confirmed');
      expect(jobState(hub, queued.id)).toBe('confirmed');
    } finally {
      await hub.stop();
      await sim.stop();
    }
  }, 45_000);
});
