/**
 * Loads the demo store. `npm run seed` fills an empty store; `npm run seed -- --reset` deletes the
 * database in HUB_DATA_DIR first. Either refuses while the hub runs (it would go on with the store it has
 * open, its menu and floor those it read). A reset store gets a new epoch, so connected clients reload
 * instead of mixing two histories.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../hub/config.ts';
import { DB_FILE } from '../hub/hub.ts';
import { claimForTool } from '../hub/pid-file.ts';
import { checkpointAndClose, openDb } from '../hub/store/db.ts';
import { isEmpty, loadSeed } from '../hub/store/seed.ts';
import { demoSeed } from './seed/demo.ts';

const cfg = loadConfig();
const file = join(cfg.HUB_DATA_DIR, DB_FILE);
// until the store is whole again: a hub started meanwhile (systemd, 2 s after a stop) would make a store of its own
const claim = claimForTool(cfg.HUB_DATA_DIR, 'seed');
if (!claim.ok) {
  console.error(`seed: ${claim.why}`);
  process.exit(1);
}
if (claim.warning) console.warn(`seed: ${claim.warning}`);
if (process.argv.includes('--reset')) {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  console.log(`removed ${file}`);
}
const db = openDb(file);
if (isEmpty(db)) {
  loadSeed(db, demoSeed);
  console.log(`loaded the demo store into ${file}: ${demoSeed.items.length} dishes, ${demoSeed.tables.length} tables, ${demoSeed.staff.length} staff`);
} else {
  console.log(`${file} already has a menu; use --reset to start over`);
}
checkpointAndClose(db, (err) => console.warn(`the last checkpoint failed (${String(err)}); the WAL is read back at the next start`));
claim.release();
