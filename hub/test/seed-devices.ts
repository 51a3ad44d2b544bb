/**
 * Pairs devices straight into a stopped hub's store, through the hub's own pairing code (AuthService.pair,
 * SqliteAuthRepo, the store's secrets): for tests whose point is what the hub does with many devices, not
 * the pairing. Ten thousand pairings over HTTP took a minute of a loaded machine (a request and an fsync
 * each); in one transaction here they take a fraction of a second.
 */
import { join } from 'node:path';
import { AuthService } from '../domain/auth-service.ts';
import type { DeviceKind } from '../protocol/common.ts';
import { PairingCodeBook } from '../http/pairing-codes.ts';
import { SqliteAuthRepo } from '../store/auth-repo.ts';
import { openDb, readIdentity } from '../store/db.ts';
import { nodeSecrets } from '../store/secrets.ts';
import { ulidFactory } from '../store/ulid.ts';
import { DB_FILE, PAIRING_CODE } from '../../scripts/load/hub-process.ts';

/**
 * Pairs `count` devices of `kind` into the store in `dataDir` and returns their device tokens. With no store
 * there yet, makes it as a hub's first start does (migrations, identity; the hub loads the demo data when it
 * starts on it). Its hub must be stopped: a store has one writer. No `device.paired` events are logged for
 * them: nothing reads those but screens that list devices.
 */
export function seedDevices(dataDir: string, count: number, kind: DeviceKind = 'pos', name = 'Seeded'): string[] {
  const db = openDb(join(dataDir, DB_FILE));
  try {
    const auth = new AuthService(new SqliteAuthRepo(db), nodeSecrets(readIdentity(db).pinKey), new PairingCodeBook(PAIRING_CODE));
    const newId = ulidFactory();
    const events = { emit: () => 0 }; // no device.paired rows: nothing in these tests reads them
    return db.transaction(() => {
      const tokens: string[] = [];
      for (let i = 0; i < count; i++) tokens.push(auth.pair({ code: PAIRING_CODE, name, kind }, { now: Date.now(), newId, events }).deviceToken);
      return tokens;
    })();
  } finally {
    db.close();
  }
}
