/**
 * `npm run backup [-- --out FILE]`: copies the store now, while the hub runs or not (a copy from a
 * connection of its own: the hub goes on taking orders). Without `--out`, into the hub's backup directory
 * (HUB_BACKUP_DIR, default HUB_DATA_DIR/backups), named as the hub names its own backups, so
 * `npm run restore` lists it and the hub counts it among the ones it keeps.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../hub/config.ts';
import { DB_FILE } from '../hub/hub.ts';
import { claimForTool } from '../hub/pid-file.ts';
import { backupFileName, copyMedia, runBackup } from '../hub/store/backups.ts';
import { finishedSwapText, finishSwap, swapPending } from '../hub/store/store-swap.ts';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const cfg = loadConfig();
const source = join(cfg.HUB_DATA_DIR, DB_FILE);
if (swapPending(source)) {
  // a restore cut short left the store's name empty: finished first, as the hub's start or the next restore would.
  // Its renames are the backup's alone: a hub started meanwhile refuses (and the hub's own copy needs no lock)
  const claim = claimForTool(cfg.HUB_DATA_DIR, 'backup');
  if (!claim.ok) {
    const why = claim.tool ? claim.why : `the hub (pid ${claim.heldBy ?? 'unknown'}) is starting and finishing a restore that was cut short: run the backup again in a moment`;
    console.error(`backup: ${why}`);
    process.exit(1);
  }
  if (claim.warning) console.warn(`backup: ${claim.warning}`);
  try {
    const done = finishSwap(source);
    if (done) console.log(`backup: ${finishedSwapText(done)}`);
  } catch (err) {
    console.error(`backup: ${(err as Error).message}`);
    process.exit(1);
  }
  claim.release();
}
if (!existsSync(source)) {
  console.error(`backup: there is no store at ${source} (HUB_DATA_DIR)`);
  process.exit(1);
}
const dir = cfg.HUB_BACKUP_DIR ?? join(cfg.HUB_DATA_DIR, 'backups');
if (!values.out && dir === 'off') {
  console.error('backup: HUB_BACKUP_DIR is off; say where the copy goes with --out FILE');
  process.exit(1);
}
const takenAt = Date.now();
const dest = resolve(values.out ?? join(dir, backupFileName(takenAt)));
if (existsSync(dest)) {
  console.error(`backup: ${dest} exists; it is not overwritten`);
  process.exit(1);
}
if (!values.out) mkdirSync(dir, { recursive: true, mode: 0o700 });
try {
  const result = await runBackup(source, dest, takenAt);
  // the dish photos beside it, as the hub's own backups have them
  const photos = await copyMedia(join(cfg.HUB_DATA_DIR, 'media'), join(dirname(dest), 'media'));
  console.log(`backup: ${result.file} (${(result.bytes / 1048576).toFixed(1)} MB, events up to #${result.headSeq}, ${Math.round(result.ms)} ms; ${photos} new photo files in ${join(dirname(dest), 'media')})`);
} catch (err) {
  console.error(`backup: the store could not be copied: ${(err as Error).message}`);
  process.exit(1);
}
