/** Random pairing codes on the real hub: the start-up code pairs a store's devices in one go, then is used up. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_PAIRING_CODE: '' } }); // empty counts as unset: a random code, as in a store
});
afterAll(async () => {
  await hub?.stop();
  if (hub) removeDir(hub.dataDir);
});

const pair = (code: string, name: string) => hub.request('POST', '/api/v1/devices/pair', { body: { code, name, kind: 'pos' } });

describe('random pairing codes', () => {
  it('pairs ten devices with the start-up code, refuses the eleventh, and a manager issues a fresh code for it', async () => {
    const code = /Pairing code[^:]*: (\d{6})/.exec(hub.output())?.[1];
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
    const issued = await hub.request('POST', '/api/v1/devices/pairing-codes', { token: manager.body.token as string });
    expect(issued.status).toBe(201);
    expect(issued.body.code).not.toBe(code);
    expect((await pair(issued.body.code as string, 'Tablet 11')).status).toBe(201);
  });
});
