/**
 * `npm start` with no printer: the hub runs a simulated printer per station and shows what they printed
 * at /printers/sim, so a new user sees tickets without owning a printer — the "done when" of the issue.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../print/test-support.ts';
import { removeDir, signIn, startHub } from './harness.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const ENV = { HUB_PRINT_HELD_POLL_MS: '100', HUB_PRINT_RETRY_MAX_MS: '300', HUB_SHED_LAG_MS: '10000' };

describe('embedded simulated printers (HUB_PRINTERS=sim, the default)', () => {
  it('prints to a simulated printer per station, shown on /printers/sim; pulled paper holds tickets until it is loaded', async () => {
    let hub = await startHub({ env: ENV });
    dirs.push(hub.dataDir);
    try {
      const started = hub;
      await waitUntil(() => started.output().includes('/printers/sim'), 'the banner naming the simulated printers page');
      const { staff } = await signIn(hub, '1111');
      const printers = (await hub.request('GET', '/api/v1/printers', { token: staff })).body.printers as { id: string; stations: string[]; simulated: boolean }[];
      expect(printers.map((p) => [p.id, p.stations, p.simulated])).toEqual([
        ['sim-hot', ['hot'], true],
        ['sim-bar', ['bar'], true],
        ['sim-receipts', ['receipts'], true],
      ]);
      const page = async () => (await fetch(`${hub.url}/printers/sim`)).text();
      const order = async (note: string) => {
        const r = await hub.request('POST', '/api/v1/orders', {
          token: staff,
          body: { channel: 'pos', tableId: 't-a3', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'], note }, { itemId: 'tsingtao-beer', qty: 1 }] },
        });
        expect(r.status).toBe(201);
        return r.body.order as { id: string; number: number };
      };

      await order('第一单 first');
      await waitUntil(async () => (await page()).split('第一单 first').length === 2, 'the ticket on the page');
      const html = await page();
      expect(html).toContain('麻婆豆腐');
      expect(html).toContain('Mapo Tofu');
      expect(html).toContain('青岛啤酒');
      expect(html).toContain('http-equiv="refresh"');

      // the demo's front-counter printer: a kiosk order's pickup slip
      const kiosk = (await signIn(hub, undefined, 'kiosk')).device;
      const k = await hub.request('POST', '/api/v1/orders', { token: kiosk, body: { channel: 'kiosk', lines: [{ itemId: 'tsingtao-beer', qty: 3 }] } });
      expect(k.status).toBe(201);
      await waitUntil(async () => (await page()).includes('PICKUP 取餐'), 'the pickup slip on the page');
      expect(await page()).toContain(`#${k.body.order.number}`);

      // pull the paper on the hot kitchen's printer, keep ordering, load it again
      const pull = await fetch(`${hub.url}/printers/sim/sim-hot/paper-out`, { method: 'POST', redirect: 'manual' });
      expect(pull.status).toBe(303);
      const during = [await order('缺纸时 during paper-out A'), await order('缺纸时 during paper-out B')];
      await waitUntil(async () => {
        const jobs = (await hub.request('GET', `/api/v1/print-jobs?orderId=${during[0]!.id}`, { token: staff })).body.jobs as { printerId: string; state: string }[];
        return jobs.find((j) => j.printerId === 'sim-hot')?.state === 'held';
      }, 'a held job');
      expect((await page()).includes('during paper-out A')).toBe(false);
      await fetch(`${hub.url}/printers/sim/sim-hot/paper-in`, { method: 'POST', redirect: 'manual' });
      await waitUntil(async () => (await page()).includes('during paper-out B'), 'the held tickets printed');
      const after = await page();
      expect(after.split('during paper-out A').length - 1).toBe(1); // printed once
      expect(after.split('during paper-out B').length - 1).toBe(1);
      expect(after).not.toContain('POSSIBLE DUPLICATE');
      expect((await fetch(`${hub.url}/printers/sim/not-a-sim/paper-out`, { method: 'POST' })).status).toBe(404);

      // after a restart the simulators get new ports; the same printers keep printing
      await hub.stop();
      hub = await startHub({ dataDir: hub.dataDir, env: ENV });
      const again = await signIn(hub, '1111');
      const r = await hub.request('POST', '/api/v1/orders', {
        token: again.staff,
        body: { channel: 'pos', tableId: 't-a3', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-small'], note: '重启后 after restart' }] },
      });
      expect(r.status).toBe(201);
      await waitUntil(async () => (await page()).includes('重启后 after restart'), 'a ticket after the restart');
      const health = (await hub.request('GET', '/api/v1/health')).body.printers as { id: string; state: string }[];
      expect(health.map((p) => p.id).sort()).toEqual(['sim-bar', 'sim-hot', 'sim-receipts']);
      expect(health.find((p) => p.id === 'sim-hot')?.state).toBe('online');
    } finally {
      await hub.stop();
    }
  });
});
