/**
 * Backups and restoring one, end to end: the real hub copies its store while it takes orders; the hub is
 * stopped; `npm run restore` puts a backup in place; the hub started on it renews its epoch (a device that
 * resumes from its old seq is told to reload), has the orders of the backup and not the later ones, and
 * does not print the backup's unprinted tickets again.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../clients/test/ports.ts';
import { inspectStore } from '../store/backups.ts';
import { openDb } from '../store/db.ts';
import { connectStream, PINS, removeDir, sampleOrder, signIn, startHub, storeTool, type HubProcess } from './harness.ts';

const dirs: string[] = [];
const hubs: HubProcess[] = [];
afterAll(async () => {
  for (const h of hubs) if (h.proc.exitCode === null && h.proc.signalCode === null) await h.kill9();
  for (const d of dirs) removeDir(d);
});

// backups leave HUB_DISK_LOW_MB free: not a test machine's business here
const env = { HUB_BACKUP_EVERY_MS: '1000', HUB_PRINTERS: 'none', HUB_DISK_LOW_MB: '1' };

async function hubOn(dataDir: string): Promise<HubProcess> {
  const hub = await startHub({ dataDir, env });
  hubs.push(hub);
  return hub;
}

function restore(dataDir: string, ...args: string[]) {
  return tool('restore', dataDir, ...args);
}

const tool = (name: 'backup' | 'restore', dataDir: string, ...args: string[]) => storeTool(name, dataDir, args);

type Job = { id: number; stationId: string | null; state: string; lastError: string | null };
const jobsOf = async (hub: HubProcess, token: string, orderId: string) =>
  (await hub.request('GET', `/api/v1/print-jobs?orderId=${orderId}`, { token })).body.jobs as Job[];

async function until<T>(what: string, read: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('backups, and a hub on a restored one', () => {
  it('copies the store while it changes; restored, it renews its epoch, keeps the backup\'s orders only and does not reprint', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'brigade-backup-'));
    dirs.push(dataDir);
    let hub = await hubOn(dataDir);
    const manager = (await signIn(hub, PINS.manager)).staff;
    const waiter = await signIn(hub, PINS.waiter);
    // a kitchen printer nobody answers for: the order's ticket waits in the queue, as it would with the printer off
    const printer = await hub.request('POST', '/api/v1/printers', {
      token: manager,
      body: { name: 'Hot', host: '127.0.0.1', port: await freePort(), encoding: 'gb18030', widthChars: 48, stations: ['hot'], allowOffline: true },
    });
    expect(printer.status).toBe(201);
    const first = await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder() });
    expect(first.status).toBe(201);
    const seqAfterFirst = (await hub.request('GET', '/api/v1/health')).body.seq as number;

    // a backup that has the first order
    const backup = await until('a backup with the first order', async () => {
      const b = (await hub.request('GET', '/api/v1/health')).body.backups;
      if (b?.state !== 'ok' || !b.lastFile) return undefined;
      return inspectStore(b.lastFile).headSeq >= seqAfterFirst ? (b.lastFile as string) : undefined;
    });
    const health = (await hub.request('GET', '/api/v1/health')).body;
    expect(health.backups).toMatchObject({ state: 'ok', everyMs: 1000, lastError: null, restoredFrom: null, sameDiskAsStore: true });
    expect(backup.startsWith(join(dataDir, 'backups'))).toBe(true);
    const page = await (await fetch(`${hub.url}/`)).text();
    expect(page).toContain('data-backup="ok"');
    expect(page).toContain("That is the hub's own disk");
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/^brigade_backup_last_timestamp_seconds [1-9]/m);
    expect(metrics).toMatch(/^brigade_backup_failing 0$/m);

    const second = await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder({ tableId: 't-a2' }) });
    expect(second.status).toBe(201);
    const before = (await hub.request('GET', '/api/v1/health')).body as { epoch: string; seq: number };
    const hotTickets = (await jobsOf(hub, manager, first.body.order.id)).filter((j) => j.stationId === 'hot');
    expect(hotTickets.length).toBeGreaterThan(0);
    for (const j of hotTickets) expect(['queued', 'retry-wait', 'sending']).toContain(j.state);

    // the tool refuses while the hub runs
    const refused = restore(dataDir, backup, '--yes');
    expect(refused.code, refused.out).toBe(1);
    expect(refused.out).toMatch(/is running/);

    expect(await hub.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'hub.pid'))).toBe(false);

    // listed, then described, then done
    expect(restore(dataDir).out).toContain(backup);
    const dry = restore(dataDir, backup);
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toMatch(/Nothing done/);
    expect(readdirSync(dataDir).some((n) => n.startsWith('replaced-'))).toBe(false);
    const done = restore(dataDir, backup, '--yes');
    expect(done.code, done.out).toBe(0);
    const aside = readdirSync(dataDir).find((n) => n.startsWith('replaced-'));
    expect(aside).toBeDefined();
    expect(existsSync(join(dataDir, aside!, 'brigade.db'))).toBe(true);

    hub = await hubOn(dataDir);
    const after = (await hub.request('GET', '/api/v1/health')).body;
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.backups.restoredFrom).toMatchObject({ takenAt: expect.any(Number), restoredAt: expect.any(Number) });
    expect(await (await fetch(`${hub.url}/`)).text()).toContain('Restored from the backup of');
    const device = (await signIn(hub, PINS.manager)).device;
    const managerNow = (await hub.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin: PINS.manager } })).body.token as string;
    expect((await hub.request('GET', `/api/v1/orders/${first.body.order.id}`, { token: managerNow })).status).toBe(200);
    expect((await hub.request('GET', `/api/v1/orders/${second.body.order.id}`, { token: managerNow })).status).toBe(404);

    // the backup's waiting ticket is failed with the reason, not sent to the kitchen an hour late
    const jobs = (await jobsOf(hub, managerNow, first.body.order.id)).filter((j) => j.stationId === 'hot');
    expect(jobs.map((j) => j.id)).toEqual(hotTickets.map((j) => j.id));
    for (const j of jobs) {
      expect(j.state).toBe('failed');
      expect(j.lastError).toMatch(/restored from a backup/);
    }

    // a screen that had seen the lost order resumes from its old seq: it is told to reload
    const stream = await connectStream(hub, device, { lastSeq: before.seq, epoch: before.epoch });
    await stream.waitFor((m) => m.some((x) => x.type === 'reset'));
    expect(stream.messages.find((m) => m.type === 'reset')).toMatchObject({ reason: 'epoch-changed', epoch: after.epoch });
    stream.close();

    // a second start is not a second restore: the epoch stays
    expect(await hub.stop()).toBe(0);
    hub = await hubOn(dataDir);
    expect((await hub.request('GET', '/api/v1/health')).body.epoch).toBe(after.epoch);
    await hub.stop();
  }, 60_000);

  it('starts on a backup directory it cannot use, and says so in health, /metrics and on its page', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'brigade-backup-'));
    dirs.push(dataDir);
    writeFileSync(join(dataDir, 'a-file'), '');
    const hub = await startHub({ dataDir, env: { ...env, HUB_BACKUP_DIR: join(dataDir, 'a-file', 'backups') } });
    hubs.push(hub);
    expect((await hub.request('GET', '/api/v1/health')).body.backups).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/cannot be used/) });
    expect(await (await fetch(`${hub.url}/`)).text()).toContain('data-backup="failed"');
    expect(await (await fetch(`${hub.url}/metrics`)).text()).toMatch(/^brigade_backup_failing 1$/m);
    await hub.stop();
  });

  it('npm run backup copies a running hub\'s store; a copy made by hand is marked by restore, so the hub renews its epoch on it too', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'brigade-backup-'));
    dirs.push(dataDir);
    let hub = await hubOn(dataDir);
    const waiter = await signIn(hub, PINS.waiter);
    expect((await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder() })).status).toBe(201);
    // a dish photo, as the photo store names them
    const photo = `${'ab'.repeat(32)}-320.webp`;
    writeFileSync(join(dataDir, 'media', photo), 'webp bytes');
    // npm run backup, while the hub runs: a marked copy in the backup directory (the photos beside it), which restore lists
    const made = tool('backup', dataDir);
    expect(made.code, made.out).toBe(0);
    const file = /backup: (\S+) \(/.exec(made.out)?.[1];
    expect(file && inspectStore(file).takenAt).toEqual(expect.any(Number));
    expect(readFileSync(join(dataDir, 'backups', 'media', photo), 'utf8')).toBe('webp bytes');
    expect(restore(dataDir).out).toContain(file);
    await hub.stop();

    // the hub's disk died: the backup restored onto a new one brings the photos back too
    const newDisk = mkdtempSync(join(tmpdir(), 'brigade-backup-'));
    dirs.push(newDisk);
    const onNewDisk = restore(newDisk, file!, '--yes');
    expect(onNewDisk.code, onNewDisk.out).toBe(0);
    expect(readFileSync(join(newDisk, 'media', photo), 'utf8')).toBe('webp bytes');
    expect(inspectStore(join(newDisk, 'brigade.db'), { check: false }).storeId).toBe(inspectStore(file!).storeId);
    const copy = join(dataDir, 'by-hand.db');
    copyFileSync(join(dataDir, 'brigade.db'), copy);

    hub = await hubOn(dataDir);
    const epoch = (await hub.request('GET', '/api/v1/health')).body.epoch as string;
    expect((await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder({ tableId: 't-a2' }) })).status).toBe(201);
    await hub.stop();

    const done = restore(dataDir, copy, '--yes');
    expect(done.code, done.out).toBe(0);
    expect(done.out).toMatch(/made by hand/);
    hub = await hubOn(dataDir);
    expect((await hub.request('GET', '/api/v1/health')).body.epoch).not.toBe(epoch);
    await hub.stop();
  }, 60_000);

  it('npm run restore of a copy made by hand with its WAL beside it (the hub killed, or running, when it was made) installs what the check read, not the file alone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'brigade-backup-'));
    const oldDisk = mkdtempSync(join(tmpdir(), 'brigade-backup-'));
    const usb = mkdtempSync(join(tmpdir(), 'brigade-backup-'));
    dirs.push(dataDir, oldDisk, usb);
    // a store whose last transactions are still in its WAL, as a hub killed outright (or still running) leaves it
    const db = openDb(join(oldDisk, 'brigade.db'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('wal_autocheckpoint = 0');
    const append = db.prepare("INSERT INTO events (type, at, device_id, staff_id, topics, payload) VALUES ('menu.changed', ?, NULL, NULL, 'menu', '{}')");
    for (let i = 0; i < 20; i++) append.run(Date.now());
    // the owner copies the data directory to a USB stick as it is: the store's file and its WAL
    for (const suffix of ['', '-wal']) copyFileSync(join(oldDisk, `brigade.db${suffix}`), join(usb, `brigade.db${suffix}`));
    db.close();
    const copied = inspectStore(join(usb, 'brigade.db'));
    expect(copied.headSeq).toBe(20);

    const done = restore(dataDir, join(usb, 'brigade.db'), '--yes');
    expect(done.code, done.out).toBe(0);
    expect(done.out).toContain('events up to #20');
    const installed = inspectStore(join(dataDir, 'brigade.db'));
    expect(installed).toMatchObject({ storeId: copied.storeId, headSeq: 20, takenAt: expect.any(Number) });
  }, 60_000);

  it('a copy of brigade.db put back by hand, without restore, is told by its log ending early: new epoch, devices reload; a hub killed outright keeps its epoch', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'brigade-backup-'));
    dirs.push(dataDir);
    let hub = await hubOn(dataDir);
    const waiter = await signIn(hub, PINS.waiter);
    const place = async (tableId: string) =>
      expect((await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder({ tableId }) })).status).toBe(201);
    await place('t-a1');
    await hub.stop();
    // the owner copies the store aside while the hub is stopped (the WAL is folded in at a clean stop)
    const copy = join(dataDir, 'by-hand.db');
    copyFileSync(join(dataDir, 'brigade.db'), copy);
    const copied = inspectStore(copy);

    // the service goes on; a hub killed outright is no store going back: same epoch after it
    hub = await hubOn(dataDir);
    const epoch = (await hub.request('GET', '/api/v1/health')).body.epoch as string;
    await place('t-a2');
    await hub.kill9();
    hub = await hubOn(dataDir);
    expect((await hub.request('GET', '/api/v1/health')).body.epoch).toBe(epoch);
    await place('t-a3');
    const headBefore = (await hub.request('GET', '/api/v1/health')).body.seq as number;
    await hub.stop();

    // the copy is put back by hand: nothing marks it, but its log ends before what the hub handed out
    copyFileSync(copy, join(dataDir, 'brigade.db'));
    hub = await hubOn(dataDir);
    const health = (await hub.request('GET', '/api/v1/health', { token: waiter.staff })).body;
    expect(health.epoch).not.toBe(epoch);
    expect(health.seq).toBe(copied.headSeq);
    expect(health.seq).toBeLessThan(headBefore);
    expect(health.backups.restoredFrom).toEqual({ takenAt: expect.any(Number), restoredAt: expect.any(Number) });
    // a screen that resumes from the seq it last applied is told to reload, not handed the copy's later seqs
    const kds = await connectStream(hub, waiter.staff, { epoch, lastSeq: headBefore });
    await kds.waitFor((m) => m.some((x) => x.type === 'reset'));
    expect(kds.messages.find((m) => m.type === 'reset')).toMatchObject({ reason: 'epoch-changed', epoch: health.epoch });
    kds.close();
    await hub.stop();
    // and only once: the next start keeps the new epoch
    hub = await hubOn(dataDir);
    expect((await hub.request('GET', '/api/v1/health')).body.epoch).toBe(health.epoch);
    await hub.stop();
  }, 60_000);
});
