/**
 * Old answers and events compacted by the real hub: a device that resends a mutation long after it was
 * answered gets the very bytes it missed, and a screen that resumes from an old seq the very events the live
 * stream sent, from the compacted store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPacked } from '../store/compactor.ts';
import { connectStream, PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess, type StreamClient } from './harness.ts';

let hub: HubProcess;
beforeAll(async () => {
  hub = await startHub({ env: { HUB_COMPACT_ANSWERS_AFTER_MS: '1000', HUB_COMPACT_EVENTS_AFTER_MS: '1000', HUB_PRINTERS: 'none' } });
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

/** Reads the hub's store for a moment (read-only, beside the running hub). */
function inStore<T>(read: (db: ReturnType<HubProcess['openDb']>) => T): T {
  const db = hub.openDb();
  try {
    return read(db);
  } finally {
    db.close();
  }
}

async function until(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

/** Each event of the `events` frames a socket received, as the exact text the hub sent, by seq. */
function eventTexts(frames: readonly string[]): Map<number, string> {
  const out = new Map<number, string>();
  const head = '{"type":"events","events":[';
  for (const frame of frames.filter((f) => f.startsWith(head))) {
    // the array's members, split at the brackets that are not inside strings
    let depth = 0;
    let start = 0;
    let inString = false;
    for (let i = head.length; i < frame.length && !(depth === 0 && frame[i] === ']'); i++) {
      const c = frame[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' && depth++ === 0) start = i;
      else if (c === '}' && --depth === 0) {
        const text = frame.slice(start, i + 1);
        out.set(Number(/^\{"seq":(\d+),/.exec(text)![1]), text);
      }
    }
  }
  return out;
}

function rawFrames(client: StreamClient): string[] {
  const frames: string[] = [];
  client.ws.on('message', (d) => frames.push(String(d)));
  return frames;
}

describe('stored answers and events, compacted', () => {
  it('answers are stored about 9 × smaller once old, and a resend gets the same answer, byte for byte', async () => {
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

    const packed = () => inStore((db) => (db.prepare("SELECT body FROM idempotency_keys WHERE key LIKE 'add-%'").pluck().all() as string[]).filter(isPacked).length);
    await until(() => packed() === adds.length);
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

  it('events are stored several times smaller once old, and a screen resuming from seq 0 gets the JSON the live stream sent, byte for byte', async () => {
    const { device, staff } = await signIn(hub, PINS.waiter);
    const live = await connectStream(hub, device, {});
    const liveFrames = rawFrames(live);
    await live.waitFor((m) => m.some((x) => x.type === 'welcome'));
    const from = (live.messages.find((m) => m.type === 'welcome') as { fromSeq: number }).fromSeq;
    // orders of several kinds of event: placed (with a note in Chinese, quotes and a line break), lines added, paid
    for (let i = 0; i < 8; i++) {
      const placed = await hub.request('POST', '/api/v1/orders', { token: staff, body: sampleOrder({ tableId: 't-a2', note: `第${i}桌 "no coriander"\nplease` }) });
      expect(placed.status).toBe(201);
      const order = placed.body.order as { id: string };
      const added = await hub.request('POST', `/api/v1/orders/${order.id}/lines`, { token: staff, body: { lines: [{ itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'] }] } });
      expect(added.status).toBe(200);
      const due = added.body.order.dueMinor as number;
      const paid = await hub.request('POST', `/api/v1/orders/${order.id}/payments`, { token: staff, body: { tender: 'cash', amountMinor: due } });
      expect(paid.status).toBe(201);
    }
    const head = inStore((db) => db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number);
    await live.waitFor((m) => m.some((x) => x.type === 'events' && x.upToSeq >= head));
    const sent = [...eventTexts(liveFrames)].filter(([seq]) => seq > from && seq <= head);
    expect(sent.length).toBeGreaterThanOrEqual(8 * 3);

    // the hub looks at every event up to the head once it is a second old, and packs those it makes smaller
    await until(() => inStore((db) => Number(db.prepare("SELECT value FROM meta WHERE key = 'events_compacted_seq'").pluck().get() ?? 0)) >= head);
    const stored = inStore((db) => db.prepare('SELECT seq, payload FROM events WHERE seq > ? AND seq <= ?').all(from, head) as { seq: number; payload: string }[]);
    const packed = stored.filter((e) => isPacked(e.payload));
    expect(packed.length).toBeGreaterThanOrEqual(8 * 2);
    const plainBytes = sent.filter(([seq]) => packed.some((e) => e.seq === seq)).reduce((n, [, text]) => n + text.length, 0);
    expect(packed.reduce((n, e) => n + e.payload.length, 0)).toBeLessThan(plainBytes / 2);

    const late = await connectStream(hub, device, { lastSeq: 0 });
    const lateFrames = rawFrames(late);
    await late.waitFor((m) => m.some((x) => x.type === 'events' && x.upToSeq >= head));
    const replayed = eventTexts(lateFrames);
    for (const [seq, text] of sent) expect(replayed.get(seq)).toBe(text);
    // and every event before, from the hub's first, reads as the JSON it was
    for (let seq = 1; seq <= head; seq++) expect(JSON.parse(replayed.get(seq)!).seq).toBe(seq);
    live.close();
    late.close();
  }, 60_000);
});
