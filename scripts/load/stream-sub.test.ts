/**
 * The subscriber against a scripted stream server on loopback: what it records is what the verifier judges,
 * so a stream that skipped events must leave a trace in the record.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { FrameScanner, Subscriber } from './stream-sub.ts';

let server: WebSocketServer | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server that answers each hello with `welcome(hello)` and then sends `events` (seq, type pairs). */
async function scripted(welcomeFrom: (lastSeq: number | undefined) => number, events: [number, string][], upToSeq: number): Promise<string> {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => server!.once('listening', () => r()));
  server.on('connection', (ws) => {
    ws.on('message', (data) => {
      const hello = JSON.parse(String(data)) as { type: string; lastSeq?: number };
      if (hello.type !== 'hello') return;
      const fromSeq = welcomeFrom(hello.lastSeq);
      ws.send(JSON.stringify({ type: 'welcome', epoch: 'e1', headSeq: upToSeq, fromSeq }));
      ws.send(JSON.stringify({ type: 'events', events: events.map(([seq, type]) => ({ seq, type, at: 0, deviceId: null, staffId: null, payload: {} })), upToSeq }));
    });
  });
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/stream`;
}

async function subscribeFrom(wsUrl: string, lastSeq: number) {
  const sub = new Subscriber({ wsUrl, token: 't', topics: null, label: 'listener-0', worker: 'w0', mode: 'full', scanner: new FrameScanner() });
  await sub.start(lastSeq, 'e1');
  await sub.settle(20, 2_000, 50);
  sub.close();
  return sub.record();
}

describe('Subscriber', () => {
  it('records a clean stream with no violation', async () => {
    const url = await scripted((last) => last ?? 0, [[11, 'order.placed'], [12, 'order.placed']], 20);
    const rec = await subscribeFrom(url, 10);
    expect(rec.violations).toEqual([]);
    expect(rec.segments[0]).toMatchObject({ fromSeq: 10, upToSeq: 20, ranges: [[11, 12]], count: 2 });
  });

  it('records a violation when its first welcome starts later than the lastSeq it asked for (events skipped)', async () => {
    // asked for everything after 10, welcomed from 15: 11…15 never arrive, and the segment alone would not say so
    const url = await scripted((last) => (last ?? 0) + 5, [[16, 'order.placed']], 20);
    const rec = await subscribeFrom(url, 10);
    expect(rec.violationCount).toBeGreaterThan(0);
    expect(rec.violations.join('\n')).toContain('asked for events after 10 but welcome says fromSeq 15');
  });

  it('records a violation for an event out of seq order and for one received twice, and keeps both in its runs', async () => {
    const url = await scripted((last) => last ?? 0, [[11, 'order.placed'], [13, 'order.placed'], [12, 'order.placed'], [13, 'order.placed']], 20);
    const rec = await subscribeFrom(url, 10);
    expect(rec.violations.filter((v) => v.includes('duplicate or out of order'))).toHaveLength(2);
    // what the verifier compares with the events table: 12 after 13, and 13 twice
    expect(rec.segments[0]).toMatchObject({ ranges: [[11, 11], [13, 13], [12, 13]], count: 4 });
  });
});

