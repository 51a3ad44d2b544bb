/**
 * The hub's clock behind its own store, as after a power cut on a flat clock battery: the real hub on a
 * store whose latest events are a day ahead of the machine's clock (the same situation, seen from the hub)
 * goes on taking orders, and says so in health, /metrics and on its page; set right, it says nothing.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'brigade-clock-'));
const hubs: HubProcess[] = [];
afterAll(async () => {
  for (const h of hubs) if (h.proc.exitCode === null && h.proc.signalCode === null) await h.kill9();
  removeDir(dataDir);
});

const env = { HUB_PRINTERS: 'none', HUB_BACKUP_DIR: 'off' };
const DAY = 86_400_000;

async function hubOn(): Promise<HubProcess> {
  const hub = await startHub({ dataDir, env });
  hubs.push(hub);
  return hub;
}

describe("the hub's clock behind its store", () => {
  it('keeps taking orders, and says so in health, /metrics, its log and its page', async () => {
    let hub = await hubOn();
    const waiter = await signIn(hub, PINS.waiter);
    expect((await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder() })).status).toBe(201);
    let health = (await hub.request('GET', '/api/v1/health', { token: waiter.staff })).body;
    expect(health.clock).toMatchObject({ state: 'ok', behindMs: 0 });
    expect(await (await fetch(hub.url)).text()).not.toContain('data-clock');
    await hub.stop();

    // the store's latest events a day ahead of this machine's clock
    const db = new Database(join(dataDir, 'brigade.db'));
    const latest = (db.prepare('SELECT MAX(at) FROM events').pluck().get() as number) + DAY;
    db.prepare('UPDATE events SET at = at + ? WHERE seq = (SELECT MAX(seq) FROM events)').run(DAY);
    db.close();

    hub = await hubOn();
    health = (await hub.request('GET', '/api/v1/health', { token: waiter.staff })).body;
    expect(health.clock).toMatchObject({ state: 'behind', latestEventAt: latest });
    expect(health.clock.behindMs).toBeGreaterThan(DAY - 60_000);
    // orders go on
    expect((await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder({ tableId: 't-a2' }) })).status).toBe(201);
    // still behind: the new order is stamped before the latest time the store holds
    expect((await hub.request('GET', '/api/v1/health', { token: waiter.staff })).body.clock.state).toBe('behind');
    const page = await (await fetch(hub.url)).text();
    expect(page).toContain('data-clock="behind"');
    expect(page).toContain('set its date and time');
    const metrics = await (await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${waiter.staff}` } })).text();
    const behindS = Number(/^brigade_clock_behind_store_seconds (\S+)$/m.exec(metrics)?.[1]);
    expect(behindS).toBeGreaterThan(DAY / 1000 - 60);
    expect(hub.output()).toMatch(/the hub's clock is behind its own store/);
    await hub.stop();
  }, 60_000);
});
