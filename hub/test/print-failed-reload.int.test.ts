/**
 * A ticket the hub gave up printing is shown on the screens as an alert (print.job_failed). A screen that
 * reloads, or was off when it failed, learns of it from the printer list it reads at start with its device
 * token (a KDS has nobody signed in): `failedJobs`, until a reprint of the ticket prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPrinters, FAST_PRINT_ENV, waitUntil, type TestPrinters } from '../print/test-support.ts';
import { removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let kds: string;
let printers: TestPrinters;

beforeAll(async () => {
  // one unconfirmed attempt is retried, the second fails the job
  hub = await startHub({ env: { ...FAST_PRINT_ENV, HUB_PRINT_MAX_UNCERTAIN: '1' } });
  waiter = (await signIn(hub, '1111')).staff;
  kds = (await signIn(hub, undefined, 'kds')).device;
  const manager = (await signIn(hub, '9999')).staff;
  printers = await addPrinters(hub, manager, [{ name: 'Hot', stations: ['hot'] }]);
}, 30_000);
afterAll(async () => {
  await printers?.remove();
  await hub?.stop();
  if (hub) removeDir(hub.dataDir);
});

type Job = { id: number; state: string; orderId: string | null; reprintOf: number | null };
const jobsOf = async (orderId: string): Promise<Job[]> =>
  (await hub.request('GET', `/api/v1/print-jobs?orderId=${orderId}`, { token: waiter })).body.jobs as Job[];
const failedInPrinterList = async (): Promise<Job[]> => {
  const r = await hub.request('GET', '/api/v1/printers', { token: kds });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.failedJobs as Job[];
};

describe('failed tickets in the printer list', () => {
  it('lists a ticket that could not print to a screen with only its device token, and drops it once a reprint printed', async () => {
    // every connection is cut inside the ticket: the printer never confirms it, and the hub gives up
    const cutting = setInterval(() => printers.sim('Hot').dropNextConnectionAfter(8192 + 40), 5);
    let orderId: string;
    try {
      const r = await hub.request('POST', '/api/v1/orders', {
        token: waiter,
        body: { channel: 'pos', tableId: 't-a2', lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] }] },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      orderId = r.body.order.id as string;
      await waitUntil(async () => (await jobsOf(orderId))[0]?.state === 'failed', 'the ticket failed', 15_000);
    } finally {
      clearInterval(cutting);
    }
    const [failed] = await jobsOf(orderId);
    expect((await failedInPrinterList()).map((j) => [j.id, j.state, j.orderId])).toEqual([[failed!.id, 'failed', orderId]]);

    const again = await hub.request('POST', `/api/v1/print-jobs/${failed!.id}/reprint`, { token: waiter, body: {} });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    await waitUntil(async () => (await jobsOf(orderId)).some((j) => j.reprintOf === failed!.id && j.state === 'confirmed'), 'the reprint printed');
    expect(await failedInPrinterList()).toEqual([]);
  });
});
