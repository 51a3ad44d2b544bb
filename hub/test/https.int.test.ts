/**
 * The hub's HTTPS port, over the real hub process: a certificate from the hub's own CA (made on first start,
 * kept in the data dir), trusted here through that CA only, the same API and stream as plain HTTP, and the
 * same certificate after a restart.
 */
import { X509Certificate, randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';
import { fetchCa, httpsPortOf, httpsRequest } from './tls-support.ts';

const ENV = { HUB_HTTPS_PORT: '0', HUB_TLS_NAMES: 'hub.test' };
let hub: HubProcess;
let port: number;
let ca: string;

beforeAll(async () => {
  hub = await startHub({ env: ENV });
  port = httpsPortOf(hub);
  ca = (await fetchCa(hub)).pem;
});
afterAll(async () => {
  await hub?.stop();
  if (hub) removeDir(hub.dataDir);
});

const lanIPv4 = () =>
  Object.values(networkInterfaces())
    .flat()
    .flatMap((a) => (a && a.family === 'IPv4' && !a.internal ? [a.address] : []));

describe('HTTPS with the hub CA', () => {
  it('answers the API over HTTPS to a client that trusts only the hub CA, by address and by name', async () => {
    const byIp = await httpsRequest({ port, path: '/api/v1/health', ca });
    expect(byIp.status).toBe(200);
    expect(byIp.json()).toMatchObject({ status: 'ok' });
    for (const servername of ['localhost', 'hub.test']) expect((await httpsRequest({ port, path: '/api/v1/menu', ca, servername })).status).toBe(200);
    expect((await httpsRequest({ port, path: '/', ca })).text).toContain('This page came over HTTPS');
  });

  it('is refused by a client that does not trust the hub CA, and for a name the certificate does not carry', async () => {
    await expect(httpsRequest({ port, path: '/api/v1/health' })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await expect(httpsRequest({ port, path: '/api/v1/health', ca, servername: 'elsewhere.test' })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it("names localhost, 127.0.0.1, the configured names and the machine's LAN IPv4 addresses", async () => {
    const { peer } = await httpsRequest({ port, path: '/api/v1/health', ca });
    const san = (peer.subjectaltname ?? '').split(', ');
    for (const want of ['DNS:localhost', 'DNS:hub.test', 'IP Address:127.0.0.1', ...lanIPv4().map((ip) => `IP Address:${ip}`)]) expect(san).toContain(want);
    const leaf = new X509Certificate(peer.raw);
    expect(leaf.verify(new X509Certificate(ca).publicKey)).toBe(true);
    expect(Date.parse(leaf.validTo) - Date.now()).toBeLessThan(398 * 86_400_000);
  });

  it('serves the CA certificate (never a key) at /ca.crt for staff devices, and keeps its keys 0600', async () => {
    const got = await fetchCa(hub);
    expect(got.contentType).toBe('application/x-x509-ca-cert');
    expect(got.cert.ca).toBe(true);
    expect(got.cert.toString()).toBe(new X509Certificate(readFileSync(join(hub.dataDir, 'tls', 'ca.crt'))).toString());
    const pem = await fetch(`${hub.url}/ca.pem`).then((r) => r.text());
    expect(pem).toContain('BEGIN CERTIFICATE');
    expect(pem).not.toContain('PRIVATE KEY');
    for (const key of ['ca.key', 'server.key']) expect(statSync(join(hub.dataDir, 'tls', key)).mode & 0o777).toBe(0o600);
    // the landing page links it with the fingerprint a tablet shows when installing it
    const landing = await fetch(`${hub.url}/`).then((r) => r.text());
    expect(landing).toContain('href="/ca.crt"');
    expect(landing).toContain(got.cert.fingerprint256);
    expect(landing).toContain(`https://127.0.0.1:${port}/`);
  });

  it('streams over wss the events of an order placed over https', async () => {
    const { device, staff } = await signIn(hub, '1111');
    const ws = new WebSocket(`wss://127.0.0.1:${port}/api/v1/stream?token=${encodeURIComponent(device)}`, { ca });
    const messages: { type: string; events?: { type: string; payload: { order: { id: string } } }[] }[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'hello' }));
    await expect.poll(() => messages.some((m) => m.type === 'welcome')).toBe(true);
    const placed = await httpsRequest({
      port,
      path: '/api/v1/orders',
      ca,
      method: 'POST',
      headers: { authorization: `Bearer ${staff}`, 'idempotency-key': randomUUID() },
      body: sampleOrder({ tableId: 't-b2' }),
    });
    expect(placed.status).toBe(201);
    const id = placed.json().order.id as string;
    await expect.poll(() => messages.some((m) => m.type === 'events' && m.events!.some((e) => e.type === 'order.placed' && e.payload.order.id === id))).toBe(true);
    ws.close();
  });

  it('keeps the CA and the server certificate across a restart with the same data dir', async () => {
    const before = (await httpsRequest({ port, path: '/api/v1/health', ca })).peer.fingerprint256;
    await hub.stop();
    hub = await startHub({ dataDir: hub.dataDir, env: ENV });
    port = httpsPortOf(hub);
    expect((await fetchCa(hub)).pem).toBe(ca);
    const after = await httpsRequest({ port, path: '/api/v1/health', ca });
    expect(after.peer.fingerprint256).toBe(before);
    expect(hub.output()).not.toContain('tls: issued');
  });

  it('with HUB_HTTPS_PORT=off: no HTTPS port and no /ca.crt; plain HTTP as before', async () => {
    await hub.stop();
    hub = await startHub({ dataDir: hub.dataDir, env: { HUB_HTTPS_PORT: 'off' } });
    expect(() => httpsPortOf(hub)).toThrow();
    expect((await fetch(`${hub.url}/ca.crt`)).status).toBe(404);
    expect((await hub.request('GET', '/api/v1/health')).status).toBe(200);
  });
});
