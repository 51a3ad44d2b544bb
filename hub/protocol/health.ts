import { z } from 'zod';
import { printerHealthSchema } from './printing.ts';

export const storageStatusSchema = z.object({
  state: z
    .enum(['ok', 'low', 'critical', 'full'])
    .describe('low: free space under HUB_DISK_LOW_MB; critical: the hub has no reserve left (given back when the disk filled, or no room to make it); full: writes are failing now'),
  freeBytes: z.number().int().describe("what the hub can still write on the data directory's disk, its reserve not counted"),
  storeBytes: z.number().int().describe('the database and its write-ahead log'),
  reserveBytes: z.number().int().describe('space held back for a full disk (0 once given up)'),
  since: z.number().int().nullable().describe('when the state stopped being ok (epoch ms)'),
});
export type StorageStatus = z.infer<typeof storageStatusSchema>;

export const backupStatusSchema = z.object({
  state: z
    .enum(['ok', 'pending', 'failed', 'off'])
    .describe('ok: the last backup was made; pending: none yet since the hub started, and none in the directory; failed: the last attempt failed (lastError); off: HUB_BACKUP_DIR=off'),
  dir: z.string().nullable().describe('where backups are written (null when off)'),
  everyMs: z.number().int().nullable(),
  lastAt: z.number().int().nullable().describe('when the newest backup in the directory was taken (epoch ms)'),
  lastFile: z.string().nullable(),
  lastBytes: z.number().int().nullable(),
  lastError: z.string().nullable().describe('why the last attempt failed (null once one succeeds)'),
  waitingSince: z
    .number()
    .int()
    .nullable()
    .describe('a backup is due and waits for a quiet moment (copying a large store at the peak slows the service) since then; null: none waits'),
  sameDiskAsStore: z
    .boolean()
    .nullable()
    .describe("the backups are on the store's own disk: they survive a damaged file, not the disk dying (null: not known)"),
  restoredFrom: z
    .object({ takenAt: z.number().int(), restoredAt: z.number().int() })
    .nullable()
    .describe('this store was restored from a backup taken at `takenAt`; the hub renewed its epoch when it first opened it, at `restoredAt`'),
});
export type BackupStatus = z.infer<typeof backupStatusSchema>;

export const clockStatusSchema = z.object({
  state: z.enum(['ok', 'behind']).describe("behind: the hub's clock is over 2 minutes behind the latest time its store holds (a flat clock battery after a power cut?): set the date and time"),
  now: z.number().int().describe("the hub's clock, epoch ms"),
  latestEventAt: z.number().int().nullable().describe('the latest time any event of the store carries (null: none yet)'),
  behindMs: z.number().int(),
});
export type ClockStatus = z.infer<typeof clockStatusSchema>;

export const integrityStatusSchema = z.object({
  state: z
    .enum(['unchecked', 'checking', 'ok', 'damaged'])
    .describe(
      'checking: the hub is reading the whole store file (after each start, in a process of its own); ok: it read it all and it is whole; damaged: the check, a request, a backup, a checkpoint or the hub\'s own housekeeping (a timed read of the store) met a damaged page: stop the hub, then npm run salvage or npm run restore; unchecked: the check could not run or read the file through (checkError: an I/O error may be a failing disk)',
    ),
  checkedAt: z.number().int().nullable().describe('when the last whole-file check finished (epoch ms)'),
  checkMs: z.number().int().nullable().describe('how long it took'),
  damagedSince: z.number().int().nullable().describe('when the damage was first met (epoch ms)'),
  foundBy: z.enum(['check', 'request', 'backup', 'checkpoint', 'housekeeping']).nullable(),
  detail: z.string().nullable().describe("SQLite's words for the damage (which pages, which table)"),
  checkError: z.string().nullable().describe('why the last check could not run'),
});
export type IntegrityStatus = z.infer<typeof integrityStatusSchema>;

const gateFigure = (meaning: string) => z.number().int().nullable().describe(`${meaning} (null unless running)`);

export const publicGateStatusSchema = z.object({
  state: z
    .enum(['off', 'starting', 'running', 'restarting', 'failed', 'stopped'])
    .describe(
      "the public address's thread (HUB_PUBLIC_PORT), which serves phones and kiosks: off: HUB_PUBLIC_PORT=off; failed: it could not start (its port taken?) and phones use the staff port; restarting: its thread died and starts again within a second; stopped: the hub is shutting down",
    ),
  apiPlaces: z.number().int().nullable().describe('HUB_PUBLIC_INFLIGHT: API requests it lets wait on the hub at once; past that, phones get 503 + Retry-After (null when off)'),
  apiInFlight: gateFigure('API requests it passed to the hub and is waiting on, each holding one of those places: at apiPlaces, phones are being refused'),
  oldestApiWaitMs: gateFigure('how long the oldest of them has waited for the hub so far (0: none waiting)'),
  pagesInFlight: gateFigure('pages, their assets and dish photos passed to the hub and not yet answered (over 16 wait in the gate for a connection; over 512 are refused)'),
  bodiesArriving: gateFigure('API requests admitted whose bodies are still arriving from the phone (they hold no place yet)'),
});
export type PublicGateStatus = z.infer<typeof publicGateStatusSchema>;

export const healthSchema = z.object({
  status: z.literal('ok'),
  storeId: z.string(),
  storeName: z.string(),
  epoch: z.string(),
  seq: z.number().int(),
  // the rest is absent on the public address: phones read the store and the log's head only
  uptimeS: z.number().optional(),
  version: z.string().optional(),
  streamClients: z.number().int().optional(),
  streamReplays: z.number().int().optional().describe('stream sockets catching up on a gap, page by page, at this moment'),
  writeQueueDepth: z.number().int().optional(),
  eventLoopLagMs: z.number().optional(),
  /** Kitchen printers as their workers last saw them (absent when printing is not set up). */
  printers: z.array(printerHealthSchema).optional(),
  /** The disk under the store (absent for an in-memory store). */
  storage: storageStatusSchema.optional(),
  /** Backups of the store (absent for an in-memory store). */
  backups: backupStatusSchema.optional(),
  /** The hub's clock against its store (absent for an in-memory store). */
  clock: clockStatusSchema.optional(),
  /** Whether the store file is whole (absent for an in-memory store). */
  integrity: integrityStatusSchema.optional(),
  /** What waits in the public address's thread (absent on the public address itself). */
  publicGate: publicGateStatusSchema.optional(),
});
export type Health = z.infer<typeof healthSchema>;
