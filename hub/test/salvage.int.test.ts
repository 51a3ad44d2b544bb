/**
 * A damaged store salvaged, end to end: the real hub takes orders, some after its newest backup; it is
 * stopped and a page of its orders is spoilt, as a power cut on a lying disk leaves it; `npm run salvage`
 * writes a salvaged store among the backups, `npm run restore` installs it, and the hub started on it renews
 * its epoch, finds its store whole, and has every order, those taken after the backup included (which
 * restoring the backup would have lost), and the spoilt page's made again from the event log (the log's own
 * pages are whole here; hub/test/salvage-replay.int.test.ts compares each order with what it was).
 */
import Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectStore, listBackups } from '../store/backups.ts';
import { spoil } from '../store/salvage-test-support.ts';
import { PINS, sampleOrder, signIn, type HubProcess } from './harness.ts';
import { placeOrders, salvageStore } from './salvage-store.ts';

const { dataDir, file, hubOn, tool } = salvageStore('brigade-salvage-');

async function integrityOf(hub: HubProcess): Promise<{ state: string }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const i = (await hub.request('GET', '/api/v1/health')).body.integrity;
    if ((i.state !== 'checking' && i.state !== 'unchecked') || Date.now() > deadline) return i;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The orders on one leaf page of the orders table, all placed after the backup, and that page's number: a
 * table's b-tree keeps its rows in its leaves, in rowid order, so the leaves in key order (dbstat's path)
 * hold the rows in rowid order, page by page.
 */
function leafOfOrders(after: ReadonlySet<string>): { pageno: number; ids: string[] } {
  const db = new Database(file, { readonly: true });
  try {
    const ids = db.prepare('SELECT id FROM orders ORDER BY rowid').pluck().all() as string[];
    const leaves = db.prepare("SELECT pageno, ncell FROM dbstat WHERE name = 'orders' AND pagetype = 'leaf' ORDER BY path").all() as { pageno: number; ncell: number }[];
    let at = 0;
    const pages = leaves.map((l) => ({ pageno: l.pageno, ids: ids.slice(at, (at += l.ncell)) }));
    expect(at).toBe(ids.length);
    // one in the middle of the later orders: neither the first nor the last page of them
    const later = pages.filter((p) => p.ids.every((id) => after.has(id)));
    expect(later.length).toBeGreaterThanOrEqual(3);
    return later[Math.floor(later.length / 2)]!;
  } finally {
    db.close();
  }
}

const spoilPage = (page: number) => spoil(file, page);

describe('npm run salvage', () => {
  it('keeps the orders a damaged store still holds, those after the newest backup too, and rebuilds the spoilt page\'s from the log; restored, the hub runs on it with a new epoch', async () => {
    let hub = await hubOn();
    const waiter = await signIn(hub, PINS.waiter);
    const before = await placeOrders(hub, waiter.staff, 20);
    const made = tool('backup');
    expect(made.code, made.out).toBe(0);
    const after = await placeOrders(hub, waiter.staff, 80);
    const epoch = (await hub.request('GET', '/api/v1/health')).body.epoch as string;

    // not while the hub runs: it goes on changing the store
    const refused = tool('salvage');
    expect(refused.code, refused.out).toBe(1);
    expect(refused.out).toMatch(/the hub \(pid \d+\) is running/);
    expect(await hub.stop()).toBe(0);

    const spoilt = leafOfOrders(new Set(after));
    spoilPage(spoilt.pageno);

    const salvage = tool('salvage');
    expect(salvage.code, salvage.out).toBe(0);
    const candidate = /To use the salvaged store: +npm run restore -- (\S+) --yes/.exec(salvage.out)?.[1];
    expect(candidate, salvage.out).toBeDefined();
    // among the backups, as the newest, beside the one it is compared with
    const backups = listBackups(join(dataDir, 'backups')).map((b) => b.file);
    expect(backups).toHaveLength(2);
    expect(backups[0]).toBe(candidate);
    expect(dirname(candidate!)).toBe(join(dataDir, 'backups'));
    expect(salvage.out).toMatch(new RegExp(`^ +orders +100 +${spoilt.ids.length} +${spoilt.ids.length} +0 +20$`, 'm'));
    expect(salvage.out).toContain(`Rebuilt from the event log: ${spoilt.ids.length} orders whose rows were on a damaged page.`);
    // every order of the spoilt page rebuilt: the copy lacks nothing, and says so rather than that rows are lost
    expect(salvage.out).toContain('Nothing was lost: the orders, lines, payments and refunds on the damaged pages were all rebuilt');
    expect(salvage.out).toContain(`To use the newest backup:   npm run restore -- ${backups[1]} --yes`);
    expect(inspectStore(candidate!)).toMatchObject({ orders: 100, takenAt: expect.any(Number) });

    const restored = tool('restore', candidate!, '--yes');
    expect(restored.code, restored.out).toBe(0);
    expect(readdirSync(dataDir).some((n) => n.startsWith('replaced-'))).toBe(true);

    hub = await hubOn();
    const health = (await hub.request('GET', '/api/v1/health')).body;
    expect(health.epoch).not.toBe(epoch);
    expect(await integrityOf(hub)).toMatchObject({ state: 'ok' });
    const manager = (await signIn(hub, PINS.manager)).staff;
    const found = async (ids: string[]) => {
      let n = 0;
      for (const id of ids) if ((await hub.request('GET', `/api/v1/orders/${id}`, { token: manager })).status === 200) n++;
      return n;
    };
    expect(await found(before)).toBe(20);
    expect(await found(after)).toBe(80);
    // and it takes orders, numbered after the highest kept
    const next = await hub.request('POST', '/api/v1/orders', { token: (await signIn(hub, PINS.waiter)).staff, body: sampleOrder({ tableId: undefined }) });
    expect(next.status).toBe(201);
    expect(next.body.order.number).toBe(101);
    await hub.stop();
  }, 120_000);
});

describe('npm run salvage on a store that is whole', () => {
  const whole = salvageStore('brigade-salvage-whole-');

  it('says the store is whole and needs no salvage, not that damage was found', async () => {
    const hub = await whole.hubOn();
    await placeOrders(hub, (await signIn(hub, PINS.waiter)).staff, 3);
    expect(await hub.stop()).toBe(0);

    const salvage = whole.tool('salvage');
    expect(salvage.code, salvage.out).toBe(0);
    expect(salvage.out).toContain('The store is whole');
    expect(salvage.out).toContain('it needs no salvage');
    // no word of damage where there is none
    expect(salvage.out).not.toMatch(/damage/i);
    // the copy is still written, and restorable like any backup
    expect(salvage.out).toMatch(/To use the copy: +npm run restore -- \S+ --yes/);
  }, 60_000);
});
