/**
 * Random pairing codes on the real hub: the start-up code pairs a store's devices in one go, then is used up;
 * guessing from many addresses on the guest network shuts pairing there, not on the staff address.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_PAIRING_CODE: '', HUB_PUBLIC_PORT: '0' } }); // empty counts as unset: a random code, as in a store
});
afterAll(async () => {
  await hub?.stop();
  if (hub) removeDir(hub.dataDir);
});

/** The start-up code from the hub's banner, which follows its 'listening' line by a moment. */
async function startUpCode(): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const code = /Pairing code[^:]*: (\d{6})/.exec(hub.output())?.[1];
    if (code || Date.now() > deadline) return code!;
    await new Promise((r) => setTimeout(r, 20));
  }
}
let managerToken: string | undefined;

/**
 * A manager's session: the one the first test signed in, or (that test skipped, `-t`) one on a device paired
 * with the start-up code, so that no test needs another to have run first.
 */
async function manager(): Promise<string> {
  if (managerToken) return managerToken;
  const device = await pair((await startUpCode())!, 'Manager tablet');
  expect(device.status).toBe(201);
  const session = await hub.request('POST', '/api/v1/staff/sessions', { token: device.body.deviceToken as string, body: { pin: '9999' } });
  expect(session.status).toBe(201);
  return (managerToken = session.body.token as string);
}

const pair = (code: string, name: string) => hub.request('POST', '/api/v1/devices/pair', { body: { code, name, kind: 'pos' } });

describe('random pairing codes', () => {
  it('pairs ten devices with the start-up code, refuses the eleventh, and a manager issues a fresh code for it', async () => {
    const code = await startUpCode();
    expect(code).toBeDefined();
    const tokens: string[] = [];
    for (let i = 1; i <= 10; i++) {
      const r = await pair(code!, `Tablet ${i}`);
      expect(r.status).toBe(201);
      tokens.push(r.body.deviceToken as string);
    }
    const eleventh = await pair(code!, 'Tablet 11');
    expect(eleventh.status).toBe(403);
    expect(eleventh.body.error.code).toBe('pairing_code_invalid');

    const manager = await hub.request('POST', '/api/v1/staff/sessions', { token: tokens[0]!, body: { pin: '9999' } });
    expect(manager.status).toBe(201);
    managerToken = manager.body.token as string;
    const issued = await hub.request('POST', '/api/v1/devices/pairing-codes', { token: manager.body.token as string });
    expect(issued.status).toBe(201);
    expect(issued.body.code).not.toBe(code);
    expect((await pair(issued.body.code as string, 'Tablet 11')).status).toBe(201);
  });
});

/** POST a pairing from a loopback address of our choosing (127.0.0.x), as many phones on the guest Wi-Fi would. */
function pairFrom(base: string, localAddress: string, code: string): Promise<{ status: number; retryAfter?: string }> {
  const url = new URL('/api/v1/devices/pair', base);
  const body = JSON.stringify({ code, name: 'Guest', kind: 'kiosk' }); // the public address pairs kiosks only
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('guessing pairing codes', () => {
  it('shuts pairing on the public address after 20 wrong codes from five addresses, with Retry-After; the staff address still pairs', async () => {
    const code = (await hub.request('POST', '/api/v1/devices/pairing-codes', { token: await manager() })).body.code as string;
    const wrong = code === '000000' ? '000001' : '000000';
    for (let a = 2; a <= 6; a++) {
      for (let i = 0; i < 4; i++) expect((await pairFrom(hub.publicUrl!, `127.0.0.${a}`, wrong)).status).toBe(403);
    }
    const locked = await pairFrom(hub.publicUrl!, '127.0.0.7', code);
    expect(locked.status).toBe(429);
    expect(Number(locked.retryAfter)).toBeGreaterThan(0);
    expect((await pairFrom(hub.url, '127.0.0.8', code)).status).toBe(201);
  });
});
