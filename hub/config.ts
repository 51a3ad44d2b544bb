import { z } from 'zod';

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/**
 * Plain decimal digits only: z.coerce.number() also read "0x1f90" as 8080, "8e3" as 8000 and " " as 0 (a
 * random port), so a typo started a hub somewhere nobody looks.
 */
const decimal = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number in plain decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const intVar = (min: number, max: number, dflt: number) => decimal(min, max).default(dflt);

const isHostName = (s: string) => /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(s);
const isIPv4 = (s: string) => /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(s);

/** Every setting comes from the environment; the defaults make `npm start` work with no setup. */
export const envSchema = z.object({
  HUB_PORT: intVar(0, 65_535, 8080).describe('HTTP port (0 picks a free one)'),
  HUB_HTTPS_PORT: z
    .union([z.string().trim().pipe(z.literal('off')), decimal(0, 65_535)], { error: "must be a port number (0 picks a free one) or 'off'" })
    .default(8443)
    .describe('HTTPS and secure WebSocket port, with a certificate from the hub\'s own CA (0 picks a free one; off: no HTTPS)'),
  HUB_PUBLIC_PORT: z
    .union([z.string().trim().pipe(z.literal('off')), decimal(0, 65_535)], { error: "must be a port number (0 picks a free one) or 'off'" })
    .default(8081)
    .describe("customers' phones and kiosks: the public address, served by its own thread that sheds their floods before they reach the hub (0 picks a free one; off: phones use the staff port)"),
  HUB_TLS_NAMES: z
    .string()
    .transform((s) => s.split(',').map((n) => n.trim().toLowerCase()).filter((n) => n !== ''))
    .refine((names) => names.every((n) => isHostName(n) || isIPv4(n)), 'must be a comma-separated list of host names or IPv4 addresses')
    .default([])
    .describe('extra host names or addresses the HTTPS certificate names, besides the machine\'s own'),
  HUB_HOST: z.string().min(1).default('0.0.0.0').describe('interface to listen on (default: all)'),
  HUB_DATA_DIR: z.string().min(1).default('./data').describe('where the SQLite database lives'),
  HUB_PAIRING_CODE: z
    .string()
    .regex(/^\d{4,12}$/, 'must be 4–12 digits')
    .optional()
    .describe('fixed pairing code for scripted set-up, no use limit (default: a random 6-digit code valid 15 minutes for up to 10 devices)'),
  HUB_STORE_NAME: z.string().trim().min(1).max(80).optional().describe('store name to advertise and show'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HUB_MDNS: z.enum(['on', 'off']).default('on').describe('advertise the hub on the LAN by mDNS'),
  HUB_TIMEZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai')
    .default(Intl.DateTimeFormat().resolvedOptions().timeZone)
    .describe('store time zone for business days and order numbers'),
  HUB_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code').default('CNY'),
  HUB_SEED: z.enum(['demo', 'none']).default('demo').describe('data to load into an empty store'),
  HUB_WRITE_BATCH: intVar(1, 1000, 64).describe('orders committed together per transaction (group commit)'),
  HUB_WRITE_QUEUE: intVar(1, 1_000_000, 2000).describe('mutations allowed to wait before the hub answers 503'),
  HUB_PUBLIC_RATE: intVar(1, 100_000, 20).describe('requests per second per customer phone (table token), kiosk or anonymous address; then 429'),
  HUB_PUBLIC_QUEUE: intVar(0, 1_000_000, 200).describe('public orders are shed (503) once this many writes wait'),
  HUB_PUBLIC_INFLIGHT: intVar(1, 10_000, 16).describe('API requests the public address lets wait on the hub at once; more get 503 + Retry-After'),
  HUB_PUBLIC_NICE: intVar(0, 19, 10).describe("the public address's thread's nice value: when the cores are saturated, the hub's own thread gets them first (0: same priority)"),
  HUB_SHED_LAG_MS: intVar(1, 60_000, 200).describe('public orders are shed while the event loop lags more than this'),
  HUB_PACING_THRESHOLD: intVar(1, 100_000, 30).describe('open kitchen tickets past which kiosk/QR orders are quoted a ready time'),
  HUB_PACING_SECONDS_PER_TICKET: intVar(0, 3600, 60).describe('extra quoted wait per open ticket past the threshold'),
  HUB_STREAM_PING_MS: intVar(100, 600_000, 30_000).describe('WebSocket ping interval; a socket missing a pong is dropped, unless it is still taking a backlog'),
  HUB_STREAM_MAX_BUFFER: intVar(1024, 1 << 30, 4 << 20).describe('bytes a slow socket may have unsent before it is closed'),
  HUB_STREAM_DEFLATE_SOCKETS: intVar(0, 1_000_000, 8).describe(
    'a live frame is compressed once for all the sockets of a subscription that accept compression, when at least this many get it; 0: never',
  ),
  HUB_STREAM_MAX_REPLAY: intVar(1, 10_000_000, 50_000).describe('events a reconnecting client may replay before it must reload'),
  HUB_STREAM_REPLAY_PAGE: intVar(1, 100_000, 250).describe("events a reconnecting client's replay reads and sends per turn of the hub's event loop; orders are taken between pages"),
  HUB_STREAM_MAX_PUBLIC_REPLAY: intVar(1, 10_000_000, 1_000).describe("the same for customers' phones and kiosks, and how many of the latest events the hub keeps in memory to replay to them from (at most 10,000)"),
  HUB_DISK_LOW_MB: intVar(0, 100_000_000, 1024).describe("free space on the data directory's disk under which the hub warns (health `storage.state` low)"),
  HUB_DISK_RESERVE_MB: intVar(0, 1_000_000, 64).describe(
    'space held back in the data directory (the file `disk-reserve`) and given up the moment the disk is full, so the service goes on while someone frees space; 0: none',
  ),
  HUB_DISK_CHECK_MS: intVar(100, 3_600_000, 15_000).describe('how often free space is looked at'),
  HUB_BACKUP_DIR: z
    .string()
    .trim()
    .min(1)
    .optional()
    .describe("where the hub copies its store while it changes (default: HUB_DATA_DIR/backups; put it on another disk or a USB stick to survive the hub's disk; off: no backups)"),
  HUB_BACKUP_EVERY_MS: intVar(1000, 7 * 86_400_000, 3_600_000).describe('how often the store is copied while it changes'),
  HUB_BACKUP_KEEP: intVar(1, 10_000, 24).describe('the newest backups kept (fewer when the disk has not the room: a backup never leaves less than HUB_DISK_LOW_MB free); older ones are removed'),
  HUB_BACKUP_KEEP_DAYS: intVar(0, 10_000, 7).describe('besides those, the newest backup of each of the last this many days one was taken on (a mistake found after a weekend); 0: none'),
  HUB_COMPACT_ANSWERS_AFTER_MS: intVar(1000, 30 * 86_400_000, 3_600_000).describe(
    'stored answers (kept for every Idempotency-Key) older than this are compacted in idle moments, about 9 × smaller; a replay gets the same bytes',
  ),
  HUB_COMPACT_EVENTS_AFTER_MS: intVar(1000, 30 * 86_400_000, 86_400_000).describe(
    "events older than this are compacted in idle moments, about 4 × smaller; a device resuming from an old seq reads the same bytes (a day: the day's events, which screens replay after a drop, stay as written; a compacted page costs twice as much to read)",
  ),
  HUB_COMPACT_PRINT_AFTER_MS: intVar(1000, 30 * 86_400_000, 86_400_000).describe(
    'the ticket documents of print jobs finished (printed, failed, moved) longer ago than this are compacted in idle moments, about 7 × smaller; a preview or a reprint reads the same ticket (a day: reprints and previews of the day read them as written)',
  ),
  HUB_PRINTERS: z
    .enum(['sim', 'none'])
    .default('sim')
    .describe('sim: with no printer configured, start one simulated printer per station (see /printers/sim); none: only configured printers'),
  HUB_PRINT_FAILOVER_MS: intVar(100, 3_600_000, 30_000).describe('a printer down this long has its queue moved to its backup printer'),
  HUB_PRINT_RETRY_BASE_MS: intVar(10, 60_000, 500).describe('print retry back-off base (full jitter, doubling per attempt)'),
  HUB_PRINT_RETRY_MAX_MS: intVar(10, 600_000, 10_000).describe('print retry back-off cap'),
  HUB_PRINT_HELD_POLL_MS: intVar(10, 60_000, 1000).describe('how often a printer out of paper / with its cover open is asked again'),
  HUB_PRINT_PROBE_MS: intVar(100, 3_600_000, 15_000).describe('how often an idle printer is probed for its health'),
  HUB_PRINT_MAX_UNCERTAIN: intVar(1, 100, 3).describe('unconfirmed attempts after which a print job fails instead of printing more possible duplicates'),
  HUB_PRINT_CONNECT_TIMEOUT_MS: intVar(10, 60_000, 3000).describe('printer connect timeout'),
  HUB_PRINT_STATUS_TIMEOUT_MS: intVar(10, 60_000, 2000).describe('printer status (DLE EOT) reply timeout'),
  HUB_PRINT_WRITE_STALL_MS: intVar(10, 600_000, 15_000).describe('a printer reading nothing this long makes the job uncertain'),
  HUB_PRINT_BARRIER_TIMEOUT_MS: intVar(10, 600_000, 60_000).describe('wait this long after the last byte for the printer to confirm (GS r 1)'),
  HUB_PRINT_POLL_MS: intVar(10, 60_000, 1000).describe('printer status poll interval while waiting for a confirmation'),
  HUB_PRINT_CLOSE_TIMEOUT_MS: intVar(10, 60_000, 2000).describe('wait this long for a printer to close its side of the connection'),
});

export type HubConfig = z.infer<typeof envSchema>;

export class ConfigError extends Error {}

/** Parses the environment; an invalid value is one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  // empty or whitespace only (`HUB_PORT= ` in a unit file): as if the variable were not set
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(blankAsUnset);
  // (a print retry base above its cap is not refused: the cap wins, as full jitter takes the smaller of the two)
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  throw new ConfigError(`invalid configuration: ${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`);
}
