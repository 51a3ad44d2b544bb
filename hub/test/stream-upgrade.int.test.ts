/**
 * Upgrades the stream refuses (bad path, bad target, no or a wrong token), from a caller that hangs up at
 * once with a reset: Node hands an upgrade's socket over with no 'error' listener on it, so the reset of a
 * socket the hub is answering "401" on was an uncaught ECONNRESET, and one anonymous caller ended the hub.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_PRINTERS: 'none', HUB_PUBLIC_PORT: '0' } });
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

/** Sends an upgrade request for `target` to `port`, then resets the connection (RST, no FIN) after `resetAfterMs`. */
function upgradeThenReset(target: string, resetAfterMs: number, port = hub.port): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      setTimeout(() => {
        s.resetAndDestroy();
        resolve();
      }, resetAfterMs);
    });
    s.on('error', () => undefined);
  });
}

describe('a refused stream upgrade whose caller resets the connection', () => {
  it('leaves the hub running', async () => {
    const targets = ['/api/v1/stream', '/api/v1/stream?token=dev_not-a-real-token', '/not-the-stream', '//'];
    for (let round = 0; round < 3; round++) {
      await Promise.all(targets.flatMap((t) => [0, 5, 30].map((ms) => upgradeThenReset(t, ms))));
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(hub.proc.exitCode, hub.output().slice(-2000)).toBeNull();
    expect((await hub.request('GET', '/api/v1/health')).status).toBe(200);
  });
});

describe('the same on the public address', () => {
  it('leaves the gate serving phones', async () => {
    const port = Number(new URL(hub.publicUrl!).port);
    // refused by the gate itself (not a public path, a made-up token) or by the hub behind it
    const targets = ['/metrics', '/pos/', '/api/v1/stream?token=tbl_not-a-real-token', '//'];
    for (let round = 0; round < 3; round++) {
      await Promise.all(targets.flatMap((t) => [0, 5, 30].map((ms) => upgradeThenReset(t, ms, port))));
    }
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(`${hub.publicUrl}/api/v1/menu`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
    expect(hub.output()).not.toContain('ECONNRESET');
  });
});
