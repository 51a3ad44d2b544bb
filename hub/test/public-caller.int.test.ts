/**
 * Who the public address takes for one caller, and what it lets the guest network do, against the real
 * hub. A customer's phone holds its table's QR token; the gate rate-limits each caller
 * before the hub's thread sees the request, so one phone must not be many callers by spelling its token
 * differently, and nothing but a kiosk is paired from the guest network.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PAIRING_CODE, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

let hub: HubProcess;
let pub: string;
let tableToken: string;

beforeAll(async () => {
  hub = await startHub({ env: { HUB_PUBLIC_PORT: '0', HUB_PUBLIC_RATE: '5', HUB_PRINTERS: 'none' } });
  if (!hub.publicUrl) throw new Error(`the hub logged no public port:\n${hub.output()}`);
  pub = hub.publicUrl;
  const manager = (await signIn(hub, '9999')).staff;
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  tableToken = qr.body.tables.find((t: { id: string }) => t.id === 't-b4').qrToken;
});
afterAll(async () => {
  await hub?.stop();
  if (hub) removeDir(hub.dataDir);
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Menu reads the hub's own thread refused as rate-limited (the gate's refusals never reach it). */
async function menuRefusedByHub(): Promise<number> {
  const text = await fetch(`${hub.url}/metrics`).then((r) => r.text());
  return [...text.matchAll(/^brigade_http_requests_total\{route="\/api\/v1\/menu",method="GET",status="429"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

/** The status line of a stream upgrade the public address refused (the gate names the error code; the hub says the reason phrase). */
function refusedUpgrade(url: string): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, message: res.statusMessage ?? '' });
      res.resume();
      ws.terminate();
    });
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101, message: 'open' });
    });
    ws.once('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

describe('the public gate counts one phone as one caller', () => {
  it('rate-limits a table token however the Authorization header spells it, before the hub sees the requests', async () => {
    await pause(2000); // the table's bucket is full (5 a second, a burst of 10)
    const before = await menuRefusedByHub();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      // the hub reads every one of these as the same token (`Bearer`, any case, any whitespace)
      const scheme = i % 2 === 0 ? 'Bearer' : 'bearer';
      const r = await fetch(`${pub}/api/v1/menu`, { headers: { authorization: `${scheme}${' '.repeat(1 + i)}${tableToken}` } });
      await r.arrayBuffer();
      statuses.push(r.status);
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
    // refused by the gate, on its own thread: none of them was the hub's to refuse
    expect(await menuRefusedByHub()).toBe(before);
  });

  it("rate-limits a table's stream sockets by their token, whatever else the upgrade's query carries", async () => {
    await pause(2000);
    const ws = pub.replace('http', 'ws');
    const answers: { status: number; message: string }[] = [];
    for (let i = 0; i < 30; i++) answers.push(await refusedUpgrade(`${ws}/api/v1/stream?token=${encodeURIComponent(tableToken)}&n=${i}`));
    expect(answers.filter((a) => a.status === 101).length).toBeGreaterThanOrEqual(10);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(15);
    // the gate answers with the error code as its reason phrase; the hub's thread with "Too Many Requests".
    // Nearly all from the gate (each spelling was a new caller to it: none were); the hub's own limit of a
    // token's sockets may refuse one first on a slow machine, its allowance and the gate's refilling apart
    expect(limited.filter((a) => a.message === 'too_many_requests').length).toBeGreaterThanOrEqual(limited.length - 2);
  });
});

describe('pairing on the public address', () => {
  const pair = (kind: string, base = pub) => hub.request('POST', '/api/v1/devices/pair', { base, body: { code: PAIRING_CODE, name: `guest ${kind}`, kind } });
  const devices = () => {
    const db = hub.openDb();
    try {
      return db.prepare('SELECT COUNT(*) FROM devices').pluck().get() as number;
    } finally {
      db.close();
    }
  };

  it('pairs a kiosk, and refuses any staff kind of device (403) without making one, before looking at the code', async () => {
    const kiosk = await pair('kiosk');
    expect(kiosk.status).toBe(201);
    const before = devices();
    for (const kind of ['pos', 'kds', 'manager', 'other']) {
      const r = await pair(kind);
      expect(r.status, kind).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
      expect(r.body.error.message).toContain('staff address');
    }
    expect(devices()).toBe(before);
    // a wrong code with a staff kind is refused for the kind: no guess is counted, nothing is said of the code
    const wrong = await hub.request('POST', '/api/v1/devices/pair', { base: pub, body: { code: '000000', name: 'guess', kind: 'pos' } });
    expect(wrong.body.error.code).toBe('forbidden');
    // the staff address pairs them as before
    expect((await pair('pos', hub.url)).status).toBe(201);
  });
});
