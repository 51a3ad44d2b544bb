/**
 * The business day's counts and sold-out switches against the real hub process, stopped across the day's
 * start: the dishes sold out or counted for the day are back on sale when it starts again, once, with their
 * events in the log (a tablet resuming its stream hears them) and a new menu ETag; a restart after that
 * resets nothing more. The rules are in hub/domain/stock-day.test.ts, the timer's in hub/stock-day-timer.test.ts.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectStream, PINS, removeDir, signIn, startHub, type HubProcess } from './harness.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'brigade-stock-day-'));
const hubs: HubProcess[] = [];
afterAll(async () => {
  for (const h of hubs) if (h.proc.exitCode === null && h.proc.signalCode === null) await h.kill9();
  removeDir(dataDir);
});

const TOFU = 'mapo-tofu';
const FISH = 'chopped-chili-fish-head';
const BEEF = 'hunan-beef';

async function hubOn(): Promise<HubProcess> {
  const hub = await startHub({ dataDir, env: { HUB_PRINTERS: 'none', HUB_BACKUP_DIR: 'off' } });
  hubs.push(hub);
  return hub;
}

const menuOf = async (hub: HubProcess) => {
  const r = await hub.request('GET', '/api/v1/menu');
  const item = (id: string) => r.body.menu.items.find((i: { id: string }) => i.id === id);
  return { etag: r.headers.get('etag')!, tofu: item(TOFU), fish: item(FISH), beef: item(BEEF) };
};

/** The events the hub itself logged after `seq` (no device, no staff): the reset's. */
const resetEventsAfter = (hub: HubProcess, seq: number) => {
  const db = hub.openDb();
  try {
    return db
      .prepare("SELECT type, json_extract(payload, '$.item.id') AS itemId, device_id AS deviceId, staff_id AS staffId FROM events WHERE seq > ? AND type LIKE 'menu.%' ORDER BY seq")
      .all(seq) as { type: string; itemId: string; deviceId: string | null; staffId: string | null }[];
  } finally {
    db.close();
  }
};
const head = (hub: HubProcess) => {
  const db = hub.openDb();
  try {
    return db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number;
  } finally {
    db.close();
  }
};

describe("the day's sold-out dishes and counts, the hub off at the day's start", () => {
  it('are back on sale when it starts again, once, with an event each; a dish off until changed stays off', async () => {
    let hub = await hubOn();
    const manager = (await signIn(hub, PINS.manager)).staff;
    const patch = async (id: string, body: object) => {
      const r = await hub.request('PATCH', `/api/v1/menu/items/${id}`, { token: manager, body });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.item;
    };
    expect((await patch(TOFU, { available: false })).stockFor).toBe('today');
    await patch(FISH, { remaining: 3 });
    expect((await patch(BEEF, { available: false, stockFor: 'until_changed' })).stockFor).toBe('until_changed');

    // a restart the same business day resets nothing
    await hub.stop();
    hub = await hubOn();
    const sameDay = await menuOf(hub);
    expect([sameDay.tofu.available, sameDay.fish.remaining, sameDay.beef.available]).toEqual([false, 3, false]);
    await hub.stop();

    // the hub stays off across 04:00: as if the day they were set on was the day before (the store holds that
    // day; the hub's clock cannot be moved from here)
    const db = new Database(join(dataDir, 'brigade.db'));
    db.prepare("UPDATE items SET stock_set_on = date(stock_set_on, '-1 day') WHERE stock_set_on IS NOT NULL").run();
    db.close();
    const before = head(hub);

    hub = await hubOn();
    const next = await menuOf(hub);
    expect(next.tofu).toMatchObject({ available: true, remaining: null });
    expect(next.fish).toMatchObject({ available: true, remaining: null });
    expect(next.beef).toMatchObject({ available: false, stockFor: 'until_changed' });
    expect(next.etag).not.toBe(sameDay.etag);
    const reset = resetEventsAfter(hub, before);
    expect(reset.map((e) => e.itemId).sort()).toEqual([FISH, TOFU].sort());
    expect(reset.every((e) => e.type === 'menu.item_updated' && e.deviceId === null && e.staffId === null)).toBe(true);

    // a tablet resuming its stream from before the stop hears the dishes come back
    const stream = await connectStream(hub, manager, { lastSeq: before, topics: ['menu'] });
    await stream.waitFor(() => stream.events().filter((e) => e.type === 'menu.item_updated').length === 2);
    expect(stream.events().find((e) => e.payload.item.id === TOFU).payload.item.available).toBe(true);
    stream.close();

    // started again (the same day): nothing more is reset, the ETag holds
    await hub.stop();
    hub = await hubOn();
    const again = await menuOf(hub);
    expect(again.etag).toBe(next.etag);
    expect(resetEventsAfter(hub, before)).toHaveLength(2);
    const poll = await hub.request('GET', '/api/v1/menu', { headers: { 'if-none-match': next.etag } });
    expect(poll.status).toBe(304);
    await hub.stop();
  }, 60_000);
});
