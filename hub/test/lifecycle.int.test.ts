import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, removeDir, sampleOrder, signIn, startHub } from './harness.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe('start-up configuration', () => {
  it.each([
    ['HUB_PORT', 'eighty'],
    ['HUB_PORT', '70000'],
    ['HUB_PORT', '0x1f90'],
    ['HUB_MDNS', 'maybe'],
    ['HUB_TIMEZONE', 'Mars/Olympus_Mons'],
    ['LOG_LEVEL', 'loud'],
    ['HUB_PAIRING_CODE', '12'],
  ])('stops with one line naming %s when it is %j', async (name, value) => {
    const failure = await startHub({ env: { [name]: value } }).then(
      () => 'started',
      (err: Error) => err.message,
    );
    expect(failure).toMatch(/exited with 1 before listening/);
    const printed = failure.split('\n').filter((l) => l.startsWith('brigade:'));
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(name);
  });
});

describe('a fresh store', () => {
  it('loads the bilingual demo menu, serves it with an ETag, and answers 304 until the menu changes', async () => {
    const hub = await startHub();
    dirs.push(hub.dataDir);
    try {
      const first = await hub.request('GET', '/api/v1/menu');
      expect(first.status).toBe(200);
      const { items, stations } = first.body.menu;
      expect(items).toHaveLength(40);
      expect(stations.map((s: { id: string }) => s.id).sort()).toEqual(['bar', 'hot']);
      expect(items.every((i: { nameZh: string; nameEn: string }) => /\p{Script=Han}/u.test(i.nameZh) && /[A-Za-z]/.test(i.nameEn))).toBe(true);

      const etag = first.headers.get('etag')!;
      const cached = await hub.request('GET', '/api/v1/menu', { headers: { 'if-none-match': etag } });
      expect(cached.status).toBe(304);

      const { staff: manager } = await signIn(hub, '9999');
      expect((await hub.request('PATCH', '/api/v1/menu/items/mapo-tofu', { token: manager, body: { priceMinor: 3000 } })).status).toBe(200);
      const changed = await hub.request('GET', '/api/v1/menu', { headers: { 'if-none-match': etag } });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(etag);
      expect(changed.body.menu.items.find((i: { id: string }) => i.id === 'mapo-tofu').priceMinor).toBe(3000);

      const landing = await fetch(hub.url + '/');
      expect(landing.status).toBe(200);
      expect(await landing.text()).toContain('Brigade hub');
    } finally {
      await hub.stop();
    }
  });
});

describe('SIGTERM', () => {
  it('runs the whole shutdown on an idle hub too (nothing left to keep the process alive must not end it half-way)', async () => {
    // with no printers and no requests, the checkpoint thread was the last thing the shutdown waited for, and
    // unref'd it let the process end there: no last checkpoint, no "stopped cleanly", hub.pid left behind
    for (let i = 0; i < 3; i++) {
      const hub = await startHub({ env: { HUB_PRINTERS: 'none' } });
      dirs.push(hub.dataDir);
      expect(existsSync(join(hub.dataDir, 'hub.pid'))).toBe(true);
      expect(await hub.stop()).toBe(0);
      expect(hub.output()).toContain('stopped cleanly');
      expect(existsSync(join(hub.dataDir, 'hub.pid'))).toBe(false);
      expect(existsSync(join(hub.dataDir, 'brigade.db-wal'))).toBe(false);
    }
  }, 60_000);

  it('stops at once, its files let go, when the signal comes while it is still starting', async () => {
    // systemd's stop (or a test's) right as the hub starts: the signal's default killed it, hub.pid left behind
    const dataDir = mkdtempSync(join(tmpdir(), 'brigade-starting-'));
    dirs.push(dataDir);
    const proc = spawn(process.execPath, ['--import', 'tsx', 'hub/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, HUB_PORT: '0', HUB_HOST: '127.0.0.1', HUB_DATA_DIR: dataDir, HUB_PUBLIC_PORT: 'off', HUB_HTTPS_PORT: 'off', HUB_MDNS: 'off', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    // its first words (the demo menu loaded into the new store): the store is open, the hub not yet listening
    proc.stdout.on('data', (chunk: Buffer) => {
      if (out === '') proc.kill('SIGTERM');
      out += chunk.toString();
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => proc.once('exit', (c, s) => resolve([c, s])));
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out).toContain('stopped while starting');
    expect(existsSync(join(dataDir, 'hub.pid'))).toBe(false);
    // and the next start finds its store, not a second hub
    const hub = await startHub({ dataDir, env: { HUB_PRINTERS: 'none' } });
    expect(await hub.stop()).toBe(0);
  }, 60_000);

  it('finishes in-flight orders, closes the database cleanly and exits 0', async () => {
    const hub = await startHub();
    dirs.push(hub.dataDir);
    const { staff } = await signIn(hub, '1111');
    const inflight = Array.from({ length: 30 }, (_, i) =>
      hub.request('POST', '/api/v1/orders', { token: staff, body: sampleOrder({ id: `term-${i}` }) }).then(
        (r) => r.status,
        () => 0,
      ),
    );
    await new Promise((r) => setTimeout(r, 5));
    const code = await hub.stop();
    const statuses = await Promise.all(inflight);
    expect(code).toBe(0);
    expect(hub.output()).toContain('stopped cleanly');

    const db = hub.openDb();
    try {
      const stored = new Set(db.prepare("SELECT id FROM orders WHERE id LIKE 'term-%'").pluck().all());
      statuses.forEach((status, i) => {
        if (status === 201) expect(stored.has(`term-${i}`)).toBe(true);
      });
      expect(db.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
    } finally {
      db.close();
    }
  });
});
