/**
 * Failover: a printer that loses power silently (socket open, nothing answered — the worst case, no error
 * ever arrives) has its queue moved to its backup after HUB_PRINT_FAILOVER_MS, with a MOVED FROM header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPrinters, FAST_PRINT_ENV, numbersOn, printersInHealth, waitUntil, type TestPrinters } from '../print/test-support.ts';
import { connectStream, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

const FAILOVER_MS = 1500;
let hub: HubProcess;
let waiter: string;
let device: string;
let printers: TestPrinters;

beforeAll(async () => {
  hub = await startHub({ env: { ...FAST_PRINT_ENV, HUB_PRINT_FAILOVER_MS: String(FAILOVER_MS) } });
  const w = await signIn(hub, '1111');
  waiter = w.staff;
  device = w.device;
  const manager = (await signIn(hub, '9999')).staff;
  printers = await addPrinters(hub, manager, [
    { name: 'Pass 出菜口', stations: [] },
    { name: 'Hot-1', stations: ['hot'], backup: 'Pass 出菜口' },
  ]);
});
afterAll(async () => {
  await printers.remove();
  await hub.stop();
  removeDir(hub.dataDir);
});

const place = async (qty: number) => {
  const r = await hub.request('POST', '/api/v1/orders', {
    token: waiter,
    body: { channel: 'pos', tableId: 't-b4', lines: [{ itemId: 'mapo-tofu', qty, optionIds: ['spice-medium', 'size-regular'] }] },
  });
  expect(r.status).toBe(201);
  return r.body.order as { id: string; number: number };
};
const health = async (name: string) => (await printersInHealth(hub, waiter)).find((p) => p.id === printers.id(name));

describe('silent power-off', () => {
  it('moves the queue to the backup within the failover time, marked MOVED FROM, and comes back when the printer does', async () => {
    const screen = await connectStream(hub, device, { topics: ['printers'] });
    const before = await place(1);
    await waitUntil(() => printers.texts('Hot-1').length === 1, 'a first ticket on Hot-1');

    printers.sim('Hot-1').powerOff();
    const t0 = Date.now();
    const during = [await place(2), await place(3)];
    await waitUntil(() => printers.texts('Pass 出菜口').length === 2, 'the tickets on the backup', 10_000);
    const elapsed = Date.now() - t0;
    // not before the configured time (a short hiccup must not move tickets), and not long after it
    expect(elapsed).toBeGreaterThanOrEqual(FAILOVER_MS);
    expect(elapsed).toBeLessThan(FAILOVER_MS + 3000);

    const moved = printers.texts('Pass 出菜口');
    expect(numbersOn(moved)).toEqual(during.map((o) => o.number));
    for (const t of moved) {
      expect(t.split('\n')[0]).toContain('MOVED FROM Hot-1');
      expect(t).toContain('麻婆豆腐');
    }
    expect(moved[0]).toContain('2x 麻婆豆腐');
    expect(printers.texts('Hot-1')).toHaveLength(1);
    expect((await health('Hot-1'))?.state).toBe('failed-over');
    await screen.waitFor(() => screen.events().some((e) => e.type === 'printer.failed_over' && e.payload.jobIds.length >= 1));
    expect(screen.events().find((e) => e.type === 'printer.down')?.payload).toMatchObject({ name: 'Hot-1', state: 'offline' });

    // while it is down, new tickets go to the backup too
    const whileDown = await place(4);
    await waitUntil(() => printers.texts('Pass 出菜口').length === 3, 'a new ticket on the backup');
    expect(numbersOn(printers.texts('Pass 出菜口')).at(-1)).toBe(whileDown.number);

    printers.sim('Hot-1').powerOn();
    await waitUntil(async () => (await health('Hot-1'))?.state === 'online', 'Hot-1 back online', 10_000);
    await screen.waitFor(() => screen.events().some((e) => e.type === 'printer.up'));
    const after = await place(5);
    await waitUntil(() => printers.texts('Hot-1').length === 2, 'a ticket on Hot-1 again');
    expect(numbersOn(printers.texts('Hot-1'))).toEqual([before.number, after.number]);
    expect(printers.texts('Hot-1')[1]).not.toContain('MOVED FROM');
    expect(printers.texts('Pass 出菜口')).toHaveLength(3);
    screen.close();
  });
});
