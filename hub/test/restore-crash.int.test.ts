/**
 * `npm run restore` killed in the middle of putting the backup in place (a power cut), and the hub started
 * again at once, as systemd does: the hub must start on the backup (finishing the restore), never on a new
 * empty store with another id and epoch under the store's name.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PINS, removeDir, ROOT, sampleOrder, signIn, startHub, storeTool, type HubProcess } from './harness.ts';

const dirs: string[] = [];
const hubs: HubProcess[] = [];
afterAll(async () => {
  for (const h of hubs) if (h.proc.exitCode === null && h.proc.signalCode === null) await h.kill9();
  for (const d of dirs) removeDir(d);
});

const env = { HUB_BACKUP_EVERY_MS: '3600000', HUB_PRINTERS: 'none', HUB_DISK_LOW_MB: '1' };

/**
 * Loaded before the tool: the process is killed (SIGKILL, nothing after runs) right after it renamed `file`
 * away, whatever module did the rename.
 */
const killAfterRenameOf = (file: string) =>
  `data:text/javascript,${encodeURIComponent(`
    import fs from 'node:fs';
    import { syncBuiltinESMExports } from 'node:module';
    const rename = fs.renameSync;
    fs.renameSync = (from, to) => {
      rename(from, to);
      if (String(from) === ${JSON.stringify(file)}) process.kill(process.pid, 'SIGKILL');
    };
    syncBuiltinESMExports();
  `)}`;

describe('a restore cut short', () => {
  it('once the store was moved aside, the hub started again finishes it: the backup, not a new empty store', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'brigade-restore-crash-'));
    dirs.push(dataDir);
    let hub = await startHub({ dataDir, env });
    hubs.push(hub);
    const waiter = await signIn(hub, PINS.waiter);
    const kept = await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder() });
    expect(kept.status).toBe(201);
    const made = storeTool('backup', dataDir);
    expect(made.code, made.out).toBe(0);
    const backup = /backup: (\S+) \(/.exec(made.out)![1]!;
    const later = await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder({ tableId: 't-a2' }) });
    expect(later.status).toBe(201);
    const before = (await hub.request('GET', '/api/v1/health')).body as { storeId: string; epoch: string };
    // the hub died (why one restores): its last commits are in its WAL, which moves aside with it
    await hub.kill9();

    const store = join(dataDir, 'brigade.db');
    const cut = spawnSync(process.execPath, ['--import', killAfterRenameOf(store), '--import', 'tsx', 'scripts/restore.ts', backup, '--yes'], {
      cwd: ROOT,
      env: { ...process.env, HUB_DATA_DIR: dataDir, HUB_TIMEZONE: 'Asia/Shanghai' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(cut.signal, cut.stdout + cut.stderr).toBe('SIGKILL');
    // the moment the review found: no store under its name
    expect(existsSync(store)).toBe(false);

    // systemd starts the hub again
    hub = await startHub({ dataDir, env });
    hubs.push(hub);
    const after = (await hub.request('GET', '/api/v1/health')).body;
    expect(after.storeId).toBe(before.storeId);
    expect(after.epoch).not.toBe(before.epoch);
    expect(after.backups.restoredFrom).toMatchObject({ takenAt: expect.any(Number), restoredAt: expect.any(Number) });
    const staff = (await signIn(hub, PINS.manager)).staff;
    expect((await hub.request('GET', `/api/v1/orders/${kept.body.order.id}`, { token: staff })).status).toBe(200);
    expect((await hub.request('GET', `/api/v1/orders/${later.body.order.id}`, { token: staff })).status).toBe(404);
    expect(await hub.stop()).toBe(0);

    // the store it replaced is whole aside, the order that was only in its WAL too
    const aside = readdirSync(dataDir).filter((n) => n.startsWith('replaced-'));
    expect(aside).toHaveLength(1);
    const replaced = join(dataDir, aside[0]!);
    expect(readdirSync(replaced)).toContain('brigade.db-wal');
    const moved = mkdtempSync(join(tmpdir(), 'brigade-restore-crash-'));
    dirs.push(moved);
    const asStore = storeTool('restore', moved, [join(replaced, 'brigade.db'), '--yes']);
    expect(asStore.code, asStore.out).toBe(0);
    hub = await startHub({ dataDir: moved, env });
    hubs.push(hub);
    const staffThere = (await signIn(hub, PINS.manager)).staff;
    expect((await hub.request('GET', `/api/v1/orders/${later.body.order.id}`, { token: staffThere })).status).toBe(200);
    expect(await hub.stop()).toBe(0);
  }, 120_000);
});
