/**
 * The disk under the store fills up in the middle of a service. The hub runs on a tmpfs of its own, filled
 * by a ballast file the way logs or old backups fill a mini PC's disk.
 *
 * Needs root (to mount the tmpfs). Otherwise the test is skipped with the reason.
 */
import { randomUUID } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectStream, PINS, sampleOrder, signIn, startHub, type HubProcess, type Reply } from './harness.ts';
import { canMountTmpfs, mountTmpfs, type Tmpfs } from './tmpfs.ts';

const MB = 1 << 20;
const RESERVE_MB = 8;
const ENV = { HUB_DISK_RESERVE_MB: String(RESERVE_MB), HUB_DISK_LOW_MB: '24', HUB_DISK_CHECK_MS: '100' };

const avail = canMountTmpfs();
if (!avail.ok) console.warn(`disk-full tests skipped: ${avail.reason}`);

let disk: Tmpfs | undefined;
let hub: HubProcess | undefined;
afterAll(async () => {
  await hub?.stop().catch(() => undefined);
  disk?.remove();
});

async function storage(h: HubProcess) {
  const r = await h.request('GET', '/api/v1/health');
  expect(r.status).toBe(200);
  return r.body.storage as { state: string; freeBytes: number; reserveBytes: number; storeBytes: number };
}

async function until(what: string, h: HubProcess, pred: (s: Awaited<ReturnType<typeof storage>>) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await storage(h);
    if (pred(s)) return;
    if (Date.now() > deadline) throw new Error(`storage never became ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Attempt {
  key: string;
  body: ReturnType<typeof sampleOrder>;
  statuses: number[];
  order?: { id: string };
}

describe.skipIf(!avail.ok)('a disk that fills up during service', () => {
  it('goes on on its reserve, answers 507 while full, reads and restarts, loses and duplicates nothing, and recovers once there is room', async () => {
    disk = mountTmpfs(64, 'brigade-disk-full-');
    const mnt = disk.dir;
    const fill = disk.fill;
    hub = await startHub({ dataDir: join(mnt, 'data'), env: ENV });
    const { staff } = await signIn(hub, PINS.waiter);
    const { staff: kitchen } = await signIn(hub, PINS.kitchen, 'kds');
    await until('ok with its reserve', hub, (s) => s.state === 'ok' && s.reserveBytes === RESERVE_MB * MB);
    const kds = await connectStream(hub, kitchen, {});
    await kds.waitFor((m) => m.some((x) => x.type === 'welcome'));

    // a tablet: each order with its own key, resent with the same key while the answer says "retry"
    const attempts: Attempt[] = [];
    const send = async (a: Attempt): Promise<Reply> => {
      const r = await hub!.request('POST', '/api/v1/orders', { token: staff, body: a.body, key: a.key });
      a.statuses.push(r.status);
      if (r.status === 201) a.order = r.body.order;
      if (r.status === 507) {
        expect(r.body.error.code).toBe('storage_full');
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      return r;
    };
    const order = async (tries: number): Promise<Attempt> => {
      const a: Attempt = { key: randomUUID(), body: sampleOrder({ tableId: `t-a${(attempts.length % 12) + 1}` }), statuses: [] };
      attempts.push(a);
      for (let i = 0; i < tries && a.order === undefined; i++) if ((await send(a)).status !== 201) await new Promise((r) => setTimeout(r, 50));
      return a;
    };

    // 1. the disk fills: the first write that finds no room (an order's, or a printer's) gives the reserve
    // back, and the service goes on on it; an order that hit the failure is resent and goes through
    fill('ballast-1', 256 * 1024);
    await until('low', hub, (s) => s.state === 'low');
    expect(await (await fetch(hub.url + '/')).text()).toContain('磁盘空间不足 · Disk space is low');
    let onReserve = -1;
    while (attempts.length < 400 && (onReserve < 0 || attempts.length < onReserve + 30)) {
      const a = await order(5);
      expect(a.order, `order ${attempts.length} never went through: ${a.statuses.join(',')}`).toBeDefined();
      if (onReserve < 0 && attempts.length % 10 === 0 && (await storage(hub)).reserveBytes === 0) onReserve = attempts.length;
    }
    expect(onReserve).toBeGreaterThan(0);
    await until('critical (running on the reserve)', hub, (s) => s.state === 'critical' && s.reserveBytes === 0);

    // 2. the reserve is used up too: orders are refused with 507, never 500, and kept by the tablet
    // (the WAL's pages are reused after each checkpoint: writes go on until the store must grow)
    fill('ballast-2', 0);
    let pending = await order(3);
    while (pending.order && attempts.length < 800) pending = await order(3);
    expect(pending.order).toBeUndefined();
    expect(new Set(pending.statuses)).toEqual(new Set([507]));
    expect((await storage(hub)).state).toBe('full');
    // a tablet resends an order the hub answered (its answer was lost): the replay reads, writes nothing,
    // and the disk is no less full for it (the state went to critical, and back at the next failed write)
    const answered = attempts.find((a) => a.order)!;
    const logBefore = hub.output().length;
    expect((await hub.request('POST', '/api/v1/orders', { token: staff, body: answered.body, key: answered.key })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 200));
    expect((await storage(hub)).state).toBe('full');
    expect(hub.output().slice(logBefore)).not.toContain('"was":"full"');
    expect(await (await fetch(hub.url + '/')).text()).toContain('data-storage="full"');
    expect((await hub.request('GET', '/api/v1/menu')).status).toBe(200);
    expect((await hub.request('GET', '/api/v1/orders?status=open', { token: staff })).status).toBe(200);
    expect(attempts.flatMap((a) => a.statuses).filter((s) => s !== 201 && s !== 507)).toEqual([]);

    // every acknowledged order reached the kitchen's socket exactly once (none committed unseen)
    const acked = attempts.filter((a) => a.order);
    const placedSeen = () => kds.events().filter((e) => e.type === 'order.placed').map((e) => e.payload.order.id as string);
    await kds.waitFor(() => placedSeen().length >= acked.length);
    expect(placedSeen().sort()).toEqual(acked.map((a) => a.order!.id).sort());
    kds.close();

    // 3. a restart on the full disk: the hub comes back and answers, and writes still say 507
    expect(await hub.stop()).toBe(0);
    hub = await startHub({ dataDir: join(mnt, 'data'), env: ENV });
    expect((await hub.request('GET', '/api/v1/menu')).status).toBe(200);
    expect((await send(pending)).status).toBe(507);

    // 4. the manager makes room: the reserve is made again, and the tablet's resend goes through, once
    unlinkSync(join(mnt, 'ballast-1'));
    unlinkSync(join(mnt, 'ballast-2'));
    await until('ok again', hub, (s) => s.state === 'ok' && s.reserveBytes === RESERVE_MB * MB);
    expect((await send(pending)).status).toBe(201);
    expect((await send(pending)).status).toBe(201); // a replay

    const db = hub.openDb();
    try {
      const ids = db.prepare('SELECT id FROM orders').pluck().all() as string[];
      expect(ids.sort()).toEqual(attempts.map((a) => a.order!.id).sort());
      for (const a of attempts) expect(hub.eventCount('order.placed', a.order!.id)).toBe(1);
    } finally {
      db.close();
    }
  }, 120_000);
});
