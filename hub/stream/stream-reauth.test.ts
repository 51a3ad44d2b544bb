import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Principal } from '../domain/principal.ts';
import type { EventLog } from '../store/event-log.ts';
import { StreamServer } from './stream-server.ts';

/**
 * The token of every open socket is checked again with each ping round (hub/stream/stream-server.ts). Many
 * sockets share one token (a table's phones, a load worker's screens): each distinct token is one lookup per
 * round, not one per socket, on the thread that takes the orders.
 */
describe('the token check of a ping round', () => {
  let server: Server | undefined;
  let stream: StreamServer | undefined;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.terminate();
    await stream?.close(0);
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('asks once per distinct token, however many sockets present it', async () => {
    const asked: (string | undefined)[] = [];
    const log = { head: () => 0, after: () => [] } as unknown as EventLog;
    stream = new StreamServer({
      epoch: 'e1',
      log,
      logger: pino({ level: 'silent' }),
      pingMs: 3_600_000, // the round is run by hand below
      maxBufferBytes: 1 << 20,
      maxReplay: 1000,
      maxPublicReplay: 100,
      replayPage: 100,
      deflateMinSockets: 0,
      authenticate: (token): Principal => {
        asked.push(token);
        return { kind: 'device', deviceId: String(token), deviceKind: 'kds' } as Principal;
      },
    });
    server = createServer();
    stream.attach(server);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const open = (token: string) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream?token=${token}`);
        sockets.push(ws);
        ws.once('error', reject);
        ws.once('open', () => ws.send(JSON.stringify({ type: 'hello' })));
        ws.once('message', () => resolve()); // the welcome
      });
    await Promise.all([...Array.from({ length: 20 }, () => open('dev_a')), open('dev_b'), open('dev_b')]);
    asked.length = 0;
    (stream as unknown as { heartbeat(): void }).heartbeat();
    expect(asked.sort()).toEqual(['dev_a', 'dev_b']);
  });
});
