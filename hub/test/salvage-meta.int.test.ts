/**
 * A store whose own settings (`meta`) are on a spoilt page, salvaged end to end: the real hub takes orders, a
 * backup is taken, it takes more and compacts its old events with a dictionary made after the backup; it is
 * stopped and the page of `meta` spoilt. `npm run salvage` takes the settings from the backup (the store's id,
 * the PIN key), the old events written before the backup from it too, and says which events it lost (written
 * after it and packed with the lost dictionary); `npm run restore` installs the copy, and the hub started on
 * it signs staff in with their PINs, has every order, those taken after the backup included, and replays its
 * log to a screen resuming from the start.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPacked } from '../store/compactor.ts';
import { listBackups } from '../store/backups.ts';
import { spoil } from '../store/salvage-test-support.ts';
import { connectStream, PINS, sampleOrder, signIn } from './harness.ts';
import { placeOrders, salvageStore } from './salvage-store.ts';

const { dataDir, file, hubOn, tool } = salvageStore('brigade-salvage-meta-');

function read<T>(path: string, q: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return q(db);
  } finally {
    db.close();
  }
}

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

/** Overwrites the page of `meta` that holds its rows (its dictionaries spill onto overflow pages of their own). */
function spoilMeta(): void {
  const db = new Database(file, { readonly: true });
  const pages = db.prepare("SELECT pageno, pagetype FROM dbstat WHERE name = 'meta' ORDER BY path").all() as { pageno: number; pagetype: string }[];
  db.close();
  spoil(file, (pages.find((p) => p.pagetype === 'leaf') ?? pages[0]!).pageno);
}

describe('npm run salvage, the store\'s own settings on a spoilt page', () => {
  it('takes them from the newest backup; restored, staff sign in with their PINs and every order is there, those after the backup too', async () => {
    // events compacted after a day (the default): nothing is packed before the backup
    let hub = await hubOn();
    let waiter = await signIn(hub, PINS.waiter);
    const before = await placeOrders(hub, waiter.staff, 20);
    const made = tool('backup');
    expect(made.code, made.out).toBe(0);
    const backup = listBackups(join(dataDir, 'backups'))[0]!.file;
    const backupHead = read(backup, (db) => db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number);
    expect(read(backup, (db) => db.prepare("SELECT COUNT(*) FROM meta WHERE key GLOB '*_dict_*'").pluck().get())).toBe(0);
    expect(await hub.stop()).toBe(0);

    // then events a second old are compacted: the dictionary is made after the backup, of events it holds
    hub = await hubOn({ HUB_COMPACT_EVENTS_AFTER_MS: '1000' });
    waiter = await signIn(hub, PINS.waiter);
    const after = await placeOrders(hub, waiter.staff, 80);
    const head = read(file, (db) => db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number);
    await until(() => read(file, (db) => Number(db.prepare("SELECT value FROM meta WHERE key = 'events_compacted_seq'").pluck().get() ?? 0)) >= head);
    expect(await hub.stop()).toBe(0);
    const packed = read(file, (db) => db.prepare('SELECT seq, payload FROM events').all() as { seq: number; payload: string }[]).filter((e) => isPacked(e.payload));
    const packedBefore = packed.filter((e) => e.seq <= backupHead).length;
    const packedAfter = packed.length - packedBefore;
    expect(packedBefore).toBeGreaterThan(20);
    expect(packedAfter).toBeGreaterThan(80);
    const events = read(file, (db) => db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number);

    spoilMeta();
    const salvage = tool('salvage');
    expect(salvage.code, salvage.out).toBe(0);
    expect(salvage.out).toContain(`The store's own settings (meta) were on a damaged page. What the store no longer held of them was taken from the backup ${backup}, taken `);
    expect(salvage.out).toContain('(of this store: a staff PIN hash kept is the one its PIN key makes)');
    expect(salvage.out).toMatch(/^ {2}the key of the staff PINs \(they sign in as before\)$/m);
    expect(salvage.out).toMatch(/^Old values packed with a dictionary the store no longer holds \(#\d+, made after the backup was taken\):$/m);
    expect(salvage.out).toContain(`  events: ${packedBefore} taken from the backup as written; ${packedAfter} lost (written after the backup; their orders are kept, every device reloads anyway)`);
    expect(salvage.out).toMatch(new RegExp(`^ +events +${events - packedAfter} +0 +0 +0 +\\d+$`, 'm'));
    expect(salvage.out).toContain('Rows of events packed with a lost dictionary are lost in this copy');
    const candidate = /To use the salvaged store: +npm run restore -- (\S+) --yes/.exec(salvage.out)?.[1];
    expect(candidate, salvage.out).toBeDefined();

    const restored = tool('restore', candidate!, '--yes');
    expect(restored.code, restored.out).toBe(0);

    hub = await hubOn();
    // the PIN key is the backup's, which is the store's: the staff's PINs sign in
    const manager = await signIn(hub, PINS.manager);
    waiter = await signIn(hub, PINS.waiter);
    const found = async (ids: string[]) => {
      let n = 0;
      for (const id of ids) if ((await hub.request('GET', `/api/v1/orders/${id}`, { token: manager.staff })).status === 200) n++;
      return n;
    };
    expect(await found(before)).toBe(20);
    expect(await found(after)).toBe(80);
    const next = await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder({ tableId: undefined }) });
    expect(next.status).toBe(201);
    expect(next.body.order.number).toBe(101);

    // a screen resuming from the start reads the whole log the copy kept, the events taken from the backup included
    const screen = await connectStream(hub, manager.device, { lastSeq: 0 });
    const newHead = read(file, (db) => db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number);
    await screen.waitFor((m) => m.some((x) => x.type === 'events' && x.upToSeq >= newHead), 10_000);
    const seqs = new Set(screen.events().map((e: { seq: number }) => e.seq));
    for (let seq = 1; seq <= backupHead; seq++) expect(seqs.has(seq), `event ${seq}`).toBe(true);
    expect(screen.messages.some((m) => m.type === 'closed')).toBe(false);
    screen.close();
    await hub.stop();
  }, 180_000);
});
