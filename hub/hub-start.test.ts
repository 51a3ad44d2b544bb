import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { createHub, DB_FILE, type Hub } from './hub.ts';
import { openDb } from './store/db.ts';
import { SEEN_FILE } from './store/store-seen.ts';
import { removeDir } from './test/harness.ts';

describe('making the hub', () => {
  it('does not fail when the note of how far the store has gone cannot be written (a full disk, a read-only data dir)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brigade-hub-start-'));
    const db = openDb(join(dir, DB_FILE));
    mkdirSync(join(dir, `${SEEN_FILE}.tmp`)); // its write fails (EISDIR), as ENOSPC or EACCES would
    const config = loadConfig({ HUB_DATA_DIR: dir, HUB_PORT: '0', HUB_HOST: '127.0.0.1', HUB_HTTPS_PORT: 'off', HUB_PUBLIC_PORT: 'off', HUB_MDNS: 'off', HUB_PRINTERS: 'none', HUB_DISK_RESERVE_MB: '0', HUB_BACKUP_DIR: 'off' });
    let hub: Hub | undefined;
    try {
      // the note's failure is told to the integrity tracker, which was made after it (a ReferenceError)
      expect(() => (hub = createHub(config, pino({ level: 'silent' }), db))).not.toThrow();
    } finally {
      await hub?.stop();
      removeDir(dir);
    }
  });
});
