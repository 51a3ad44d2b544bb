/**
 * Old answers compacted by the real hub: a device that resends a mutation long after it was answered gets
 * the very bytes it missed, from the compacted store.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isPacked } from '../store/answer-compactor.ts';
import { PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess | undefined;
afterAll(async () => {
  await hub?.stop();
  if (hub) removeDir(hub.dataDir);
});

describe('stored answers, compacted', () => {
  it('are stored about 9 × smaller once old, and a resend gets the same answer, byte for byte', async () => {
    hub = await startHub({ env: { HUB_COMPACT_ANSWERS_AFTER_MS: '1000', HUB_PRINTERS: 'none' } });
    const { staff } = await signIn(hub, PINS.waiter);
    const placed = await hub.request('POST', '/api/v1/orders', { token: staff, body: sampleOrder() });
    expect(placed.status).toBe(201);
    const orderId = placed.body.order.id as string;
    // add-ons: each answers with the whole order, stored under its key (a placed order's answer is its event)
    const adds: { key: string; text: string }[] = [];
    for (let i = 0; i < 60; i++) {
      const key = `add-${i}-${orderId}`;
      const res = await fetch(`${hub.url}/api/v1/orders/${orderId}/lines`, {
        method: 'POST',
        headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ lines: [{ itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'] }] }),
      });
      expect(res.status).toBe(200);
      adds.push({ key, text: await res.text() });
    }

    const packed = () => {
      const db = hub!.openDb();
      try {
        return (db.prepare("SELECT body FROM idempotency_keys WHERE key LIKE 'add-%'").pluck().all() as string[]).filter(isPacked).length;
      } finally {
        db.close();
      }
    };
    const deadline = Date.now() + 15_000;
    while (packed() < adds.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(packed()).toBe(adds.length);

    for (const { key, text } of [adds[0]!, adds[37]!, adds[59]!]) {
      const again = await fetch(`${hub.url}/api/v1/orders/${orderId}/lines`, {
        method: 'POST',
        headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ lines: [{ itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'] }] }),
      });
      expect(again.status).toBe(200);
      expect(await again.text()).toBe(text);
    }
    // the resends added nothing
    const order = await hub.request('GET', `/api/v1/orders/${orderId}`, { token: staff });
    expect(order.body.order.lines.filter((l: { itemId: string }) => l.itemId === 'sour-plum-drink')).toHaveLength(1 + 60);
  }, 60_000);
});
