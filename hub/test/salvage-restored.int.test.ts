/**
 * A spoilt staff page soon after a restore, on the real hub and tools: `npm run restore` gives the store a new
 * epoch, and until the hub takes its first backup in it every backup on disk is of the old one. The salvage
 * took the people only from a backup "of this epoch": the seeded manager and cashier (no staff event names
 * them) were dropped without a word, and nobody could sign in as manager. The store's history up to the restore
 * is the restored backup's: the people come from it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listBackups } from '../store/backups.ts';
import { pagesOf, spoil } from '../store/salvage-test-support.ts';
import { PINS, signIn } from './harness.ts';
import { placeOrders, salvageStore } from './salvage-store.ts';

const { dataDir, file, hubOn, tool } = salvageStore('brigade-salvage-restored-');

describe('npm run salvage of a spoilt staff page after a restore, before the first backup of the new epoch', () => {
  it('takes the people from the backup the store was restored from: the manager and cashier sign in with their PINs', async () => {
    let hub = await hubOn();
    await placeOrders(hub, (await signIn(hub, PINS.waiter)).staff, 3);
    const made = tool('backup');
    expect(made.code, made.out).toBe(0);
    const backup = /backup: (\S+) \(/.exec(made.out)![1]!;
    await placeOrders(hub, (await signIn(hub, PINS.waiter)).staff, 3);
    expect(await hub.stop()).toBe(0);
    const restored = tool('restore', backup, '--yes');
    expect(restored.code, restored.out).toBe(0);

    // the hub on the restored store: a new epoch, a new waiter, and a few orders; stopped within the minute
    hub = await hubOn();
    const manager = (await signIn(hub, PINS.manager)).staff;
    const added = await hub.request('POST', '/api/v1/staff', { token: manager, body: { name: 'Zhou', role: 'waiter', pin: '4545' } });
    expect(added.status).toBe(201);
    await placeOrders(hub, (await signIn(hub, PINS.waiter)).staff, 3);
    expect(await hub.stop()).toBe(0);
    // every backup on disk is of the old epoch: the window the walkthrough found
    expect(listBackups(join(dataDir, 'backups'))).toHaveLength(1);

    spoil(file, ...pagesOf(file, 'staff').map((p) => p.pageno));
    const salvage = tool('salvage');
    expect(salvage.code, salvage.out).toBe(0);
    expect(salvage.out).not.toMatch(/no manager could be kept/);
    // added since the restore: kept, without a PIN, and named
    expect(salvage.out).toMatch(/kept without a PIN, inactive \(Zhou\)/);
    const candidate = /To use the salvaged store: +npm run restore -- (\S+) --yes/.exec(salvage.out)![1]!;
    const installed = tool('restore', candidate, '--yes');
    expect(installed.code, installed.out).toBe(0);

    hub = await hubOn();
    for (const pin of [PINS.manager, PINS.cashier, PINS.waiter, PINS.kitchen]) await signIn(hub, pin);
    const zhou = await hub.request('POST', '/api/v1/staff/sessions', { token: (await signIn(hub)).device, body: { pin: '4545' } });
    expect(zhou.status).toBe(401);
    expect(await hub.stop()).toBe(0);
  }, 180_000);
});
