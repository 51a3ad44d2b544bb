/**
 * SIGTERM with stream clients still connected. A client that has gone silent (it reads, but never answers
 * the close frame: a tablet whose app froze) must not hold the hub for ws's 30 s close handshake; a phone
 * streaming through the public address gets the hub's close (1001), not a cut connection (1006).
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { connectStream, removeDir, signIn, startHub } from './harness.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe('SIGTERM with stream clients', () => {
  it('exits 0 within a few seconds when a stream client never answers the close', async () => {
    const hub = await startHub();
    dirs.push(hub.dataDir);
    const { device } = await signIn(hub);
    const socket = connect(hub.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let received = Buffer.alloc(0);
    const upgraded = new Promise<void>((resolve) =>
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.includes('\r\n\r\n')) resolve();
      }),
    );
    socket.on('error', () => undefined);
    socket.write(
      `GET /api/v1/stream?token=${device} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await upgraded;
    expect(received.toString()).toMatch(/^HTTP\/1\.1 101/);
    // from here on the client reads whatever comes (the close frame too) and writes nothing

    const started = Date.now();
    expect(await hub.stop()).toBe(0);
    const took = Date.now() - started;
    socket.destroy();
    expect(took).toBeLessThan(5000);
  }, 40_000);

  it('closes a phone’s stream through the public address with 1001, and exits promptly', async () => {
    const hub = await startHub({ env: { HUB_PUBLIC_PORT: '0' } });
    dirs.push(hub.dataDir);
    if (!hub.publicUrl) throw new Error(`the hub logged no public port:\n${hub.output()}`);
    const manager = (await signIn(hub, '9999')).staff;
    const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
    const tableToken = qr.body.tables.find((t: { id: string }) => t.id === 't-b3').qrToken as string;
    const phone = await connectStream(hub, tableToken, { lastSeq: 0 }, hub.publicUrl);
    await phone.waitFor((m) => m.some((x) => x.type === 'welcome'));

    const started = Date.now();
    expect(await hub.stop()).toBe(0);
    const took = Date.now() - started;
    await phone.waitFor((m) => m.some((x) => x.type === 'closed'));
    expect(phone.messages.find((x) => x.type === 'closed')?.code).toBe(1001);
    expect(took).toBeLessThan(2500);
  }, 40_000);
});
