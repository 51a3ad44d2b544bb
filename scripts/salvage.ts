/**
 * `npm run salvage [-- --out FILE]`, with the hub stopped: copies every row the damaged store still holds into
 * a new store, written into the backup directory as a backup of now (hub/store/salvage.ts), and says what it
 * kept and lost beside what the newest backup holds, so the manager can choose which to restore. The damaged
 * store is only read; `npm run restore -- FILE --yes` installs the choice and moves the damaged store aside.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../hub/config.ts';
import { DB_FILE } from '../hub/hub.ts';
import { claimForTool } from '../hub/pid-file.ts';
import { backupFileName, inspectStore, listBackups, stampAfterNewest, takenAtOf } from '../hub/store/backups.ts';
import { ORDER_TABLES, type LostOrder } from '../hub/store/salvage-rebuild.ts';
import type { PackedSalvage, SameStoreBy } from '../hub/store/salvage-meta.ts';
import { finishedSwapText, finishSwap } from '../hub/store/store-swap.ts';
import { SalvageError, salvageStore, storeFigures, type SalvageResult, type StoreFigures, type TableSalvage } from '../hub/store/salvage.ts';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const cfg = loadConfig();
const store = join(cfg.HUB_DATA_DIR, DB_FILE);
const backupDir = cfg.HUB_BACKUP_DIR ?? join(cfg.HUB_DATA_DIR, 'backups');
const local = (ms: number | null | undefined) =>
  ms == null ? '-' : new Date(ms).toLocaleString('zh-CN', { timeZone: cfg.HUB_TIMEZONE, hour12: false });

function fail(message: string): never {
  console.error(`salvage: ${message}`);
  process.exit(1);
}

// the hub goes on writing the store (and its WAL) while it runs: a copy of a moving file is no copy. Held until
// the store is read: a hub started meanwhile (systemd, 2 s after a stop) refuses
const claim = claimForTool(cfg.HUB_DATA_DIR, 'salvage');
if (!claim.ok) fail(claim.why);
if (claim.warning) console.warn(`salvage: ${claim.warning}`);
// a restore cut short left the store's name empty: finished first, as the hub's start or the next restore would
try {
  const done = finishSwap(store);
  if (done) console.log(`salvage: ${finishedSwapText(done)}`);
} catch (err) {
  fail((err as Error).message);
}
if (!existsSync(store)) fail(`there is no store at ${store} (HUB_DATA_DIR)`);
if (!values.out && backupDir === 'off') fail('HUB_BACKUP_DIR is off; say where the salvaged store goes with --out FILE');

const backups = backupDir === 'off' ? [] : listBackups(backupDir);
// named as a backup of now, so `npm run restore` lists it and the hub's retention keeps it as the newest
const takenAt = backupDir === 'off' ? Date.now() : stampAfterNewest(backupDir, Date.now());
const dest = resolve(values.out ?? join(backupDir, backupFileName(takenAt)));
if (existsSync(dest)) fail(`${dest} exists; it is not overwritten`);

console.log(`Reading ${store} table by table (it is only read, never changed) …`);
let result: SalvageResult;
try {
  result = salvageStore({
    source: store,
    dest,
    takenAt,
    // what a spoilt page of the store's own settings took comes from the newest of these of the same store
    backups: backups.map((b) => b.file),
    onTable: (t) => {
      if (t.skipped.length > 0 || t.rejected > 0) console.log(`  ${t.table}: damaged pages skipped (${lostText(t)} rows lost)`);
    },
  });
} catch (err) {
  fail(err instanceof SalvageError ? err.message : `the store could not be salvaged: ${(err as Error).message}`);
}
// what follows reads only the copy and the backups: the hub may start
claim.release();

// nothing to salvage: the table of losses below would speak of damaged pages, rebuilt rows and a choice to make
if (isWhole(result)) {
  const f = storeFigures(result.file, ['orders', 'events']);
  const newest = f.newestOrder ? `, the newest #${f.newestOrder.number} of ${f.newestOrder.businessDate}, placed ${local(f.newestOrder.createdAt)}` : '';
  console.log(
    [
      '',
      `The store is whole: SQLite's check read every page of it and found nothing wrong, and every row was copied (${f.rows.get('orders') ?? 0} orders${newest}).`,
      'So it needs no salvage: start the hub on it as it is (nothing is to be restored).',
      `A copy of it was written all the same, as a backup of now: ${result.file}`,
      `To use the copy:  npm run restore -- ${result.file} --yes   (only to come back to this moment later)`,
    ].join('\n'),
  );
  process.exit(0);
}

/** Whether the store needed nothing: SQLite found it whole, every table read to its end, nothing taken from elsewhere. */
function isWhole(r: SalvageResult): boolean {
  const tablesWhole = r.tables.every((t) => t.skipped.length === 0 && t.rejected === 0 && t.removed === 0 && t.cleared === 0 && t.rebuilt === 0);
  const nothingElse = r.meta.backup === null && r.meta.packed.length === 0 && r.lostOrders.length === 0 && r.ordersToCheck.length === 0 && r.countersRaised === 0;
  return r.checkedWhole && tablesWhole && nothingElse;
}

/** 1234 → '12.34' (the hub's money is in minor units of a 2-decimal currency) */
const money = (minor: number) => `${minor < 0 ? '-' : ''}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;

function lostOrderText(o: LostOrder): string {
  const s = o.lastSeen;
  if (!s) return `order ${o.id}: none of its events could be read`;
  const day = s.businessDate ? ` of ${s.businessDate}` : '';
  const table = s.tableId === null ? 'no table' : `table ${s.tableName ?? s.tableId}`;
  const amounts = `total ${money(s.totalMinor)}, paid ${money(s.paidMinor)}, due ${money(s.dueMinor)}`;
  return `#${s.number}${day}, ${table}, ${amounts}, ${s.status} (as of ${local(s.at)}; order ${o.id}): ${WHY[o.why]}`;
}

const WHY: Record<LostOrder['why'], string> = {
  'placing-lost': 'its placing is not in the log',
  'history-gap': 'a change of it is not in the log',
  'later-events-lost': 'events after its last one are lost, and may have been its',
  unreadable: 'an event of it cannot be read',
  inconsistent: 'its events do not add up',
};

const SAME_BY: Record<SameStoreBy, string> = {
  'store-id': 'its store id is the one the damaged store still holds',
  'pin-key': 'its PIN key is the one the damaged store still holds',
  'pin-hash': 'a staff PIN hash kept is the one its PIN key makes',
  order: 'an order kept is in it, with the same id and time',
};

const PACKED_NAME: Record<PackedSalvage['table'], string> = {
  events: 'events',
  idempotency_keys: 'stored answers',
  print_jobs: 'printed tickets',
};

const PACKED_LOSS: Record<PackedSalvage['table'], string> = {
  events: 'their orders are kept, every device reloads anyway',
  idempotency_keys: 'a device resending one of those requests has it done again',
  print_jobs: 'they can no longer be reprinted',
};

const SETTINGS: Record<string, string> = {
  store_id: "the store's id",
  epoch: 'its epoch (renewed anyway when the hub opens the copy)',
  pin_key: 'the key of the staff PINs (they sign in as before)',
  menu_version: "the menu's version number (every device reloads the menu anyway)",
  store_name: "the store's name",
  public_ordering_paused: 'whether ordering by phone and kiosk is paused',
  events_compacted_seq: 'how far old events were compacted (the hub goes over the newer ones again)',
  answers_compacted_rowid: 'how far old answers were compacted (the hub goes over the newer ones again)',
  salvage_known_lost: 'what an earlier salvage lost for good',
  restored_at: 'when the store was last restored from a backup',
  restored_backup_taken_at: 'when the backup it was last restored from was taken',
  restore_print_pending: 'tickets of a restored backup not printed again',
  dict_last_given: 'the highest number the compactor gave a dictionary (so none is given twice)',
};

function lostText(t: TableSalvage): string {
  const n = t.lostRowids + t.rejected;
  return t.lostTail ? `${n} + the table's end` : String(n);
}

const salvaged = storeFigures(result.file, result.tables.map((t) => t.table));
const newestBackup = backups[0];
let backup: (StoreFigures & { file: string; takenAt: number | null }) | null = null;
let backupError: string | null = null;
if (newestBackup) {
  try {
    backup = { ...storeFigures(newestBackup.file, result.tables.map((t) => t.table)), file: newestBackup.file, takenAt: inspectStore(newestBackup.file, { check: false }).takenAt };
  } catch (err) {
    backupError = (err as Error).message;
  }
}

const MAIN = new Set(['orders', 'order_lines', 'payments', 'refunds', 'events', 'print_jobs']);
const shown = result.tables.filter((t) => MAIN.has(t.table) || t.skipped.length > 0 || t.rejected > 0 || t.removed > 0 || t.cleared > 0);
const header = ['table', 'kept', 'lost (damaged pages)', 'rebuilt (event log)', 'removed (parent lost)', backup ? 'newest backup' : ''];
const lines = shown.map((t) => [
  t.table,
  String(t.kept),
  lostText(t),
  String(t.rebuilt),
  t.cleared > 0 ? `${t.removed} (+${t.cleared} references cleared)` : String(t.removed),
  backup ? String(backup.rows.get(t.table) ?? '-') : '',
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
const row = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd();

console.log(`\nSalvaged into ${result.file} (${(result.ms / 1000).toFixed(1)} s)`);
console.log(row(header));
for (const l of lines) console.log(row(l));
console.log(`  (and ${result.tables.length - shown.length} more tables, kept whole)`);
console.log('  lost: rowids skipped on damaged pages (at most that many rows: a row deleted long ago counts too)');
console.log('  rebuilt: rows of those made again from the event log (counted in kept)');

const order = (f: StoreFigures) => (f.newestOrder ? `#${f.newestOrder.number} of ${f.newestOrder.businessDate}, placed ${local(f.newestOrder.createdAt)}` : 'none');
const event = (f: StoreFigures) => (f.newestEvent ? `#${f.newestEvent.seq} at ${local(f.newestEvent.at)}` : 'none');
console.log(`\nNewest order kept: ${order(salvaged)}; newest event kept: ${event(salvaged)}`);
if (backup) {
  console.log(`Newest backup ${backup.file}, taken ${local(backup.takenAt ?? takenAtOf(backup.file))}:`);
  console.log(`  its newest order: ${order(backup)}; its newest event: ${event(backup)}`);
} else if (backupError) {
  console.log(`The newest backup ${newestBackup!.file} cannot be read: ${backupError}`);
} else {
  console.log(`There is no backup${backupDir === 'off' ? '' : ` in ${backupDir}`} to compare with.`);
}

for (const line of metaText()) console.log(line);

const rowLost = result.rebuilt.filter((o) => o.rowLost).length;
if (result.rebuilt.length > 0) {
  const kept = result.rebuilt.length - rowLost;
  console.log(
    `\nRebuilt from the event log: ${rowLost} orders whose rows were on a damaged page${kept > 0 ? `, and the lost lines, payments or refunds of ${kept} orders kept` : ''}. The log holds their whole history: they read as before the damage.`,
  );
}
if (result.lostOrders.length > 0) {
  console.log(`\nOrders lost for good (${result.lostOrders.length}): their rows were on a damaged page and the event log lacks part of their history. What the log last said of each; check them against the bills:`);
  for (const o of result.lostOrders.slice(0, 100)) console.log(`  ${lostOrderText(o)}`);
  if (result.lostOrders.length > 100) console.log(`  and ${result.lostOrders.length - 100} more`);
}

if (result.ordersToCheck.length > 0) {
  const named = result.ordersToCheck.slice(0, 20).map((o) => `#${o.number} (${o.businessDate})`);
  const more = result.ordersToCheck.length > named.length ? ` and ${result.ordersToCheck.length - named.length} more` : '';
  console.log(
    `\nOrders kept whose lines or payments were on a damaged page, and which the event log could not complete (their totals are as stored; check them against the bills): ${named.join(', ')}${more}`,
  );
}
if (result.countersRaised > 0) console.log(`\nOrder numbers: ${result.countersRaised} day counters were lost or behind and go on after the highest order kept or lost for good.`);
for (const w of result.warnings) console.log(`\nWarning: ${w}.`);

console.log(
  [
    '',
    verdict(),
    `To use the salvaged store:  npm run restore -- ${result.file} --yes`,
    backup ? `To use the newest backup:   npm run restore -- ${backup.file} --yes` : '',
    'Either way the damaged store is moved aside (not deleted), every device reloads when the hub starts, and tickets not printed yet are not printed again.',
  ]
    .filter((l, i) => i === 0 || l !== '')
    .join('\n'),
);

/** What became of the store's own settings (`meta`), when a damaged page took some, and of the values they unpack. */
function metaText(): string[] {
  const m = result.meta;
  const out: string[] = [];
  if (m.backup) {
    const b = m.backup;
    const why = m.damaged
      ? "The store's own settings (meta) were on a damaged page."
      : "The store's own settings (meta) lacked dictionaries its old values are packed with (a page the disk never wrote).";
    out.push(
      '',
      `${why} What the store no longer held of them was taken from the backup ${b.file}, taken ${local(b.takenAt ?? takenAtOf(b.file))} (of this store: ${SAME_BY[b.sameBy]}):`,
      ...b.keys.map((k) => `  ${settingText(k)}`),
    );
    if (m.damaged) {
      out.push("  Settings changed after that backup was taken are as they were then: check the store's name, and whether ordering by phone and kiosk is paused, on the hub's page.");
    }
  }
  for (const p of m.passedOver) out.push(`  (not used: ${p.file}: ${p.why})`);
  if (m.packed.length > 0) {
    const dicts = m.lostDictionaries.map((n) => `#${n}`).join(', ');
    out.push('', `Old values packed with a dictionary the store no longer holds (${dicts}${m.backup ? ', made after the backup was taken' : ''}):`);
    for (const p of m.packed) {
      const taken = p.fromBackup > 0 ? `${p.fromBackup} taken from the backup as written` : '';
      const removed = p.removed > 0 ? `${p.removed} lost (${m.backup ? 'written after the backup; ' : ''}${PACKED_LOSS[p.table]})` : '';
      out.push(`  ${PACKED_NAME[p.table]}: ${[taken, removed].filter((x) => x !== '').join('; ')}`);
    }
  }
  return out;
}

/** A `meta` key in words. */
function settingText(key: string): string {
  const dict = /^(answer|event|print)_dict_(\d+)$/.exec(key);
  if (dict) return `dictionary #${dict[2]} of old ${dict[1] === 'print' ? 'ticket documents' : `${dict[1]}s`}`;
  const alerted = /^print\.alerted:(.+)$/.exec(key);
  if (alerted) return `that the screens were told printer ${alerted[1]} is down`;
  return SETTINGS[key] ?? key;
}

/**
 * The last word: whether this copy lacks anything. An order table's lost rows are not a loss when the log rebuilt
 * every order they held (none lost for good, none left to check); any other table's are.
 */
function verdict(): string {
  const damaged = result.tables.filter((t) => t.skipped.length > 0 || t.rejected > 0);
  const completeOrders = result.lostOrders.length === 0 && result.ordersToCheck.length === 0;
  const isOrders = (t: TableSalvage) => (ORDER_TABLES as readonly string[]).includes(t.table);
  // settings taken from a backup are told above: not rows lost, but possibly older than they were
  const lost = damaged.filter((t) => !(completeOrders && isOrders(t)) && !(t.table === 'meta' && result.meta.backup));
  const unpacked = result.meta.packed.filter((p) => p.removed > 0).map((p) => p.table);
  if (lost.length > 0 || unpacked.length > 0) {
    const where = [lost.length > 0 ? `on the damaged pages of ${lost.map((t) => t.table).join(', ')}` : '', unpacked.length > 0 ? `of ${unpacked.join(', ')} packed with a lost dictionary` : ''];
    return `Rows ${where.filter((w) => w !== '').join(' and rows ')} are lost in this copy; the newest backup lacks everything after it was taken. Choose the one that keeps more of what matters.`;
  }
  const settings = result.meta.backup ? " The store's settings the damaged page held are the backup's (above)." : '';
  if (damaged.some(isOrders)) {
    return `Nothing was lost: the orders, lines, payments and refunds on the damaged pages were all rebuilt from the event log, and every other row could be read.${settings}`;
  }
  if (damaged.length > 0 && settings !== '') return `Nothing else was lost: every other row could be read.${settings}`;
  return 'Nothing was lost: every row could be read (the damage was where the copy needs nothing: an index, which it builds anew, or free pages).';
}
