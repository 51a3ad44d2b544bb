import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { removeDir, sampleOrder, startHub, storeTool, type HubProcess } from './harness.ts';

// backups by hand only (npm run backup): the schedule's first one would come a minute after the start
const env = { HUB_PRINTERS: 'none', HUB_BACKUP_EVERY_MS: '3600000', HUB_DISK_LOW_MB: '1' };

/**
 * A store in a data dir of its own for the salvage tests: the hubs started on it (any still running are
 * killed after the file's tests, and the dir removed) and its command-line tools (backup, restore, salvage).
 */
export function salvageStore(prefix: string) {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const hubs: HubProcess[] = [];
  afterAll(async () => {
    for (const h of hubs) if (h.proc.exitCode === null && h.proc.signalCode === null) await h.kill9();
    removeDir(dataDir);
  });
  return {
    dataDir,
    file: join(dataDir, 'brigade.db'),
    async hubOn(more: Record<string, string> = {}): Promise<HubProcess> {
      const hub = await startHub({ dataDir, env: { ...env, ...more } });
      hubs.push(hub);
      return hub;
    },
    tool: (name: 'backup' | 'restore' | 'salvage', ...args: string[]) => storeTool(name, dataDir, args),
  };
}

/** `n` orders placed one after another by a waiter, without a table, each answered 201: their ids. */
export async function placeOrders(hub: HubProcess, staffToken: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await hub.request('POST', '/api/v1/orders', { token: staffToken, body: sampleOrder({ tableId: undefined }) });
    expect(r.status).toBe(201);
    ids.push(r.body.order.id as string);
  }
  return ids;
}
