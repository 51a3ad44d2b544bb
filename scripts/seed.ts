/**
 * Loads the demo store. `npm run seed` fills an empty store; `npm run seed -- --reset` deletes the
 * database in HUB_DATA_DIR first (stop the hub before). A reset store gets a new epoch, so connected
 * clients reload instead of mixing two histories.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../hub/config.ts';
import { DB_FILE } from '../hub/hub.ts';
import { runningHub } from '../hub/pid-file.ts';
import { checkpointAndClose, openDb } from '../hub/store/db.ts';
import { isEmpty, loadSeed } from '../hub/store/seed.ts';
import { demoSeed } from './seed/demo.ts';

const cfg = loadConfig();
const file = join(cfg.HUB_DATA_DIR, DB_FILE);
if (process.argv.includes('--reset')) {
  const hubPid = runningHub(cfg.HUB_DATA_DIR);
  if (hubPid !== null) {
    console.error(`the hub (pid ${hubPid}) is running on ${cfg.HUB_DATA_DIR}: stop it before --reset`);
    process.exit(1);
  }
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
