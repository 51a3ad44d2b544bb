/**
 * A store file damaged by a power cut (a disk that acknowledged writes it had not made): the real hub, on a
 * real store with a page of its log overwritten, reads the file through after its start, says it is damaged
 * in health, /metrics, its log and its page, with the cure (npm run restore), and goes on taking orders. A
 * file damaged past opening stops the start with the same cure instead of a bare SQLite message.
 */
import Database from 'better-sqlite3';
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectStream, PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'brigade-integrity-'));
const file = join(dataDir, 'brigade.db');
const hubs: HubProcess[] = [];
afterAll(async () => {
  for (const h of hubs) if (h.proc.exitCode === null && h.proc.signalCode === null) await h.kill9();
  removeDir(dataDir);
});

const env = { HUB_PRINTERS: 'none', HUB_BACKUP_DIR: 'off' };
async function hubOn(): Promise<HubProcess> {
  const hub = await startHub({ dataDir, env });
  hubs.push(hub);
  return hub;
}

async function integrityOf(hub: HubProcess, until: (state: string) => boolean): Promise<{ state: string; foundBy: string | null; detail: string | null }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const i = (await hub.request('GET', '/api/v1/health')).body.integrity;
    if (until(i.state) || Date.now() > deadline) return i;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Overwrites one whole page of the (stopped) store, 1-based as SQLite numbers them. */
function spoilPage(pick: (db: Database.Database) => number): void {
  const db = new Database(file, { readonly: true });
  const size = db.pragma('page_size', { simple: true }) as number;
  const page = pick(db);
  db.close();
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(size, 0xa5), 0, size, (page - 1) * size);
  closeSync(fd);
}

describe('a damaged store file', () => {
  it('is found after the start and said in health, /metrics, the log and the page; orders go on', async () => {
    let hub = await hubOn();
    const waiter = await signIn(hub, PINS.waiter);
    for (let i = 0; i < 60; i++) {
      expect((await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder({ tableId: undefined }) })).status).toBe(201);
    }
    expect(await integrityOf(hub, (s) => s !== 'checking' && s !== 'unchecked')).toMatchObject({ state: 'ok', foundBy: null });
    expect(await (await fetch(hub.url)).text()).not.toContain('data-integrity');
    expect(await hub.stop()).toBe(0);

    // a page of the day's log, in the middle of it: the hub opens and starts as if nothing happened
    spoilPage((db) => db.prepare("SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 3").pluck().get() as number);

    hub = await hubOn();
    const i = await integrityOf(hub, (s) => s === 'damaged');
    // found before the whole-file check by the stream, which reads the latest events as the hub starts
    expect(i).toMatchObject({ state: 'damaged', foundBy: 'housekeeping' });
    expect(i.detail).toBeTruthy();
    const page = await (await fetch(hub.url)).text();
    expect(page).toContain('data-integrity="damaged"');
    expect(page).toContain('npm run restore');
    const metrics = await (await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${waiter.staff}` } })).text();
    expect(metrics).toMatch(/^brigade_store_damaged 1$/m);
    expect(hub.output()).toMatch(/the store file is damaged.*npm run restore/);
    // the service does not stop for it: what does not read the damaged page works
    expect((await hub.request('POST', '/api/v1/orders', { token: waiter.staff, body: sampleOrder({ tableId: undefined }) })).status).toBe(201);
    // a screen back from before the spoilt page cannot have it replayed: it is told to reload, and the hub
    // goes on (the error out of the socket's handler had ended it)
    const screen = await connectStream(hub, waiter.device, { lastSeq: 0 });
    try {
      await screen.waitFor((msgs) => msgs.some((m) => m.type === 'reset' || m.type === 'closed'), 10_000);
      expect(screen.messages.find((m) => m.type === 'reset' || m.type === 'closed')).toMatchObject({ type: 'reset', reason: 'too-far-behind' });
    } finally {
      screen.close();
    }
    expect((await hub.request('GET', '/api/v1/health')).status).toBe(200);
    await hub.stop();
  }, 90_000);

  it('damaged past opening (its header gone), the start fails saying the store is damaged and how to go on', async () => {
    spoilPage(() => 1);
    await expect(hubOn()).rejects.toThrow(/the store file \(brigade\.db in HUB_DATA_DIR\) is damaged[\s\S]*npm run restore/);
  }, 60_000);
});
