/**
 * The bill of a voided order: refused (409 `order_closed`), nothing queued. Before, it printed a bill of ￥0
 * (every dish voided) for a cashier whose screen had not yet heard of the void.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addPrinters, FAST_PRINT_ENV, type TestPrinters } from '../print/test-support.ts';
import { removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let manager: string;
let printers: TestPrinters;

beforeAll(async () => {
  hub = await startHub({ env: FAST_PRINT_ENV });
  waiter = (await signIn(hub, '1111')).staff;
  manager = (await signIn(hub, '9999')).staff;
  printers = await addPrinters(hub, manager, [
    { name: 'Hot', stations: ['hot', 'bar'] },
    { name: 'Counter 前台', stations: ['receipts'] },
  ]);
});
afterAll(async () => {
  await printers.remove();
  await hub.stop();
  removeDir(hub.dataDir);
});

const receipt = (orderId: string) => hub.request('POST', `/api/v1/orders/${orderId}/receipt`, { token: waiter, key: randomUUID(), body: {} });

it('refuses the bill of a voided order with 409 order_closed and queues nothing', async () => {
  const placed = await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId: 't-a5', lines: [{ itemId: 'tsingtao-beer', qty: 2 }] } });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const order = placed.body.order;
  const voided = await hub.request('POST', `/api/v1/orders/${order.id}/void`, { token: manager, body: { reason: 'guest left' } });
  expect(voided.status, JSON.stringify(voided.body)).toBe(200);

  const bill = await receipt(order.id);
  expect(bill.status, JSON.stringify(bill.body)).toBe(409);
  expect(bill.body.error.code).toBe('order_closed');
  expect(bill.body.error.message).toBe(`order #${order.number} is voided: it has no bill to print`);
  const jobs = (await hub.request('GET', `/api/v1/print-jobs?orderId=${order.id}`, { token: waiter })).body.jobs;
  expect(jobs.filter((j: { kind: string }) => j.kind === 'receipt')).toEqual([]);
});

it('refuses the bill of an order merged into one voided since', async () => {
  const place = async (tableId: string) => (await hub.request('POST', '/api/v1/orders', { token: waiter, body: { channel: 'pos', tableId, lines: [{ itemId: 'tsingtao-beer', qty: 1 }] } })).body.order;
  const from = await place('t-a6');
  const into = await place('t-a7');
  expect((await hub.request('POST', `/api/v1/orders/${from.id}/merge`, { token: waiter, body: { intoOrderId: into.id } })).status).toBe(200);
  expect((await hub.request('POST', `/api/v1/orders/${into.id}/void`, { token: manager, body: { reason: 'guest left' } })).status).toBe(200);
  const bill = await receipt(from.id);
  expect(bill.status, JSON.stringify(bill.body)).toBe(409);
  expect(bill.body.error.code).toBe('order_closed');
});
