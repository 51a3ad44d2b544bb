/**
 * `npm run restore` lists the backups; `npm run restore -- FILE` says what restoring FILE would do, and
 * `npm run restore -- FILE --yes` does it: with the hub stopped, the store's files are moved aside (never
 * deleted) and the backup, checked whole, takes their place. The hub that next opens it renews its epoch,
 * so every tablet, screen and phone reloads instead of resuming a history that is no longer there, and it
 * does not print the backup's unprinted tickets again (see hub/store/backups.ts).
 */
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../hub/config.ts';
import { DB_FILE } from '../hub/hub.ts';
import { claimForTool } from '../hub/pid-file.ts';
import { BackupError, copyMedia, fsyncPath, inspectStore, listBackups, markAsBackup, type StoreSummary } from '../hub/store/backups.ts';
import { newestMigration } from '../hub/store/db.ts';
import { finishSwap, incomingOf, swapIn } from '../hub/store/store-swap.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { yes: { type: 'boolean', default: false }, 'other-store': { type: 'boolean', default: false } },
});
const cfg = loadConfig();
const store = join(cfg.HUB_DATA_DIR, DB_FILE);
const backupDir = cfg.HUB_BACKUP_DIR ?? join(cfg.HUB_DATA_DIR, 'backups');
const local = (ms: number | null) =>
  ms === null ? '-' : new Date(ms).toLocaleString('zh-CN', { timeZone: cfg.HUB_TIMEZONE, hour12: false });
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

function fail(message: string): never {
  console.error(`restore: ${message}`);
  process.exit(1);
}

function describe(s: StoreSummary): string {
  return `${s.orders} orders, the last at ${local(s.lastOrderAt)}; events up to #${s.headSeq}${s.storeName ? `; store ${s.storeName}` : ''}`;
}

const file = positionals[0];
if (file === undefined) {
  const backups = backupDir === 'off' ? [] : listBackups(backupDir);
  if (backups.length === 0) {
    console.log(`restore: no backups in ${backupDir}. Name a backup file: npm run restore -- FILE`);
    process.exit(0);
  }
  console.log(`Backups in ${backupDir}, newest first (times in ${cfg.HUB_TIMEZONE}):`);
  for (const b of backups) {
    let what: string;
    try {
      const s = inspectStore(b.file, { check: false });
      what = `taken ${local(s.takenAt ?? b.mtimeMs)} · ${describe(s)}`;
    } catch (err) {
      what = `cannot be read: ${(err as Error).message}`;
    }
    console.log(`  ${b.file}  ${mb(b.bytes)}  ${what}`);
  }
  console.log('\nTo restore one: stop the hub, then npm run restore -- FILE --yes');
  process.exit(0);
}

const backup = resolve(file);
// with --yes the store is the restore's from before it is read until the backup is in its place: a hub started
// meanwhile (systemd starts it again 2 s after it stops) refuses, rather than open a store half swapped
const claim = values.yes ? claimForTool(cfg.HUB_DATA_DIR, 'restore') : null;
if (claim && !claim.ok) fail(claim.why);
if (claim?.warning) console.warn(`restore: ${claim.warning}`);
let summary: StoreSummary;
// quick_check reads every page: seconds for a store of a busy year
console.log(`Checking ${backup} …`);
try {
  summary = inspectStore(backup);
} catch (err) {
  fail(err instanceof BackupError ? err.message : String(err));
}
if (summary.migratedTo > newestMigration()) {
  fail(`${backup} was written by a newer Brigade than this one: update the hub first`);
}
const current = existsSync(store) ? (() => {
  try {
    return inspectStore(store, { check: false });
  } catch {
    return null; // a damaged store is often why one restores
  }
})() : null;
if (current && current.storeId !== summary.storeId && !values['other-store']) {
  fail(`${backup} is a backup of another store (${summary.storeName ?? summary.storeId}); add --other-store if that is what you mean`);
}

const takenAt = summary.takenAt ?? statSync(backup).mtimeMs;
console.log(`Backup ${backup}`);
console.log(`  taken ${local(takenAt)}${summary.takenAt === null ? ' (a copy made by hand: the time of the file)' : ''} · ${describe(summary)}`);
if (current) console.log(`Store now at ${store}: ${describe(current)}`);
console.log(
  [
    'Restoring it:',
    `  · moves the store's files aside to ${join(cfg.HUB_DATA_DIR, 'replaced-<time>')} (nothing is deleted);`,
    '  · orders and payments after the backup was taken are not in the restored store (a copy made by',
    '    npm run salvage lacks only the rows that were on the damaged pages: it printed which);',
    '  · every tablet, kitchen screen and phone reloads when the hub starts (a new epoch);',
    '  · tickets the backup had not printed are not printed again: they show as failed, to reprint if needed;',
    '  · devices paired after the backup pair again.',
  ].join('\n'),
);
if (!values.yes) {
  console.log('\nNothing done. Stop the hub, then run again with --yes.');
  process.exit(0);
}
const restoring = incomingOf(store);
mkdirSync(cfg.HUB_DATA_DIR, { recursive: true });
// an earlier restore cut short after it began to swap (a power cut): finished first, as the hub would at its start
const earlier = finishSwap(store);
if (earlier) console.log(`An earlier restore was cut short: finished it${earlier.aside ? ` (the store it replaced is in ${earlier.aside})` : ''}`);
// an earlier attempt cut short before it swapped anything: its WAL would be read into this copy
for (const suffix of ['', '-wal', '-shm']) rmSync(restoring + suffix, { force: true });
if (existsSync(`${backup}-wal`)) {
  // a copy made by hand with its WAL beside it (the hub killed, or running, when it was made): the store is
  // the file and its WAL together, as the check above read it. The file alone lacks the WAL's transactions,
  // or holds a checkpoint half done; SQLite's own copy takes both.
  const from = new Database(backup, { readonly: true, fileMustExist: true });
  try {
    from.prepare('VACUUM INTO ?').run(restoring);
  } finally {
    from.close();
  }
} else {
  copyFileSync(backup, restoring);
}
// a hand-made copy carries no mark: without one, the hub would resume devices from seqs it hands out again
if (summary.takenAt === null) markAsBackup(restoring, takenAt);
fsyncPath(restoring);
// with its WAL: what the store had committed stays whole in the copy put aside. A cut from here on is finished
// by the hub's next start (store-swap.ts): it never finds the store's name empty and creates a new store there
const { aside } = swapIn(store, `replaced-${new Date().toISOString().replace(/[-:.]/g, '')}`);
if (aside) console.log(`The store's files are in ${aside}`);
// photos the store names and this disk lacks (a new disk): from beside the backup
const photos = await copyMedia(join(dirname(backup), 'media'), join(cfg.HUB_DATA_DIR, 'media'));
if (photos > 0) console.log(`${photos} dish photo files copied back from ${join(dirname(backup), 'media')}`);
claim?.release();
console.log(`Restored. Start the hub (npm start): it renews its epoch and every device reloads.`);
