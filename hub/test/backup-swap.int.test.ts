/**
 * A restore cut short after it moved the store aside (a power cut between its renames) leaves no file under the
 * store's name, a note saying where its files went, and the backup beside it, ready. Whatever runs next finishes
 * it, and says so: the hub at its start (in its log: the store changed, and where the old one is), and the tools
 * that read the store (`npm run backup`, `npm run salvage`), which said "there is no store" instead.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectStore } from '../store/backups.ts';
import { incomingOf } from '../store/store-swap.ts';
import { removeDir, startHub, storeTool, storeWithBackup, type HubProcess } from './harness.ts';

const dirs: string[] = [];
const hubs: HubProcess[] = [];
afterAll(async () => {
  for (const h of hubs) if (h.proc.exitCode === null && h.proc.signalCode === null) await h.kill9();
  for (const d of dirs) removeDir(d);
});

const env = { HUB_BACKUP_EVERY_MS: '3600000', HUB_PRINTERS: 'none', HUB_DISK_LOW_MB: '1' };

/** A store (the demo one) and a backup of it, taken by `npm run backup`. */
let made: { dataDir: string; backup: string; storeId: string };
beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'brigade-backup-swap-'));
  dirs.push(dataDir);
  made = await storeWithBackup(dataDir, env, hubs);
}, 60_000);

/** A data dir as a restore cut short after its first rename leaves it: the store aside, the backup not yet in. */
function cutShort(): { dataDir: string; store: string; aside: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'brigade-backup-swap-'));
  dirs.push(dataDir);
  const store = join(dataDir, 'brigade.db');
  copyFileSync(join(made.dataDir, 'brigade.db'), store);
  copyFileSync(made.backup, incomingOf(store));
  writeFileSync(`${store}.restoring.json`, `${JSON.stringify({ aside: 'replaced-cut' })}\n`);
  const aside = join(dataDir, 'replaced-cut');
  mkdirSync(aside);
  renameSync(store, join(aside, 'brigade.db'));
  return { dataDir, store, aside };
}

describe('a restore cut short, and what runs next', () => {
  it('the hub finishes it at its start and says so in its log, with where the store it replaced went', async () => {
    const { dataDir, aside } = cutShort();
    const hub = await startHub({ dataDir, env });
    hubs.push(hub);
    const health = (await hub.request('GET', '/api/v1/health')).body;
    expect(health.storeId).toBe(made.storeId);
    expect(health.backups.restoredFrom).toMatchObject({ takenAt: expect.any(Number) });
    expect(hub.output()).toMatch(/a restore that was cut short was finished/);
    expect(hub.output()).toContain(aside);
    expect(await hub.stop()).toBe(0);
  }, 60_000);

  it('npm run backup finishes it, then copies the store, rather than saying there is no store', () => {
    const { dataDir, store, aside } = cutShort();
    const b = storeTool('backup', dataDir);
    expect(b.code, b.out).toBe(0);
    expect(b.out).not.toMatch(/there is no store/);
    expect(b.out).toMatch(/a restore that was cut short was finished/);
    expect(b.out).toContain(aside);
    expect(existsSync(`${store}.restoring.json`)).toBe(false);
    expect(inspectStore(store, { check: false }).storeId).toBe(made.storeId);
    expect(readdirSync(join(dataDir, 'backups')).filter((n) => n.endsWith('.db'))).toHaveLength(1);
  }, 60_000);

  it('npm run salvage finishes it, then reads the store, rather than saying there is no store', () => {
    const { dataDir, store, aside } = cutShort();
    const s = storeTool('salvage', dataDir);
    expect(s.code, s.out).toBe(0);
    expect(s.out).not.toMatch(/there is no store/);
    expect(s.out).toMatch(/a restore that was cut short was finished/);
    expect(s.out).toContain(aside);
    expect(s.out).toContain('The store is whole');
    expect(existsSync(`${store}.restoring.json`)).toBe(false);
  }, 60_000);
});
