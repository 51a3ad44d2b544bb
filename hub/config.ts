import { z } from 'zod';

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const intVar = (min: number, max: number, dflt: number) => z.coerce.number().int().min(min).max(max).default(dflt);

/** Every setting comes from the environment; the defaults make `npm start` work with no setup. */
export const envSchema = z.object({
  HUB_PORT: intVar(0, 65_535, 8080).describe('HTTP port (0 picks a free one)'),
  HUB_HOST: z.string().min(1).default('0.0.0.0').describe('interface to listen on (default: all)'),
  HUB_DATA_DIR: z.string().min(1).default('./data').describe('where the SQLite database lives'),
  HUB_PAIRING_CODE: z
    .string()
    .regex(/^\d{4,12}$/, 'must be 4–12 digits')
    .optional()
    .describe('fixed pairing code for scripted set-up (default: a random 6-digit code valid 15 minutes)'),
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
  HUB_WRITE_QUEUE: intVar(1, 1_000_000, 5000).describe('mutations allowed to wait before the hub answers 503'),
  HUB_PUBLIC_RATE: intVar(1, 100_000, 20).describe('requests per second per customer phone (table token) or anonymous address'),
  HUB_PUBLIC_QUEUE: intVar(0, 1_000_000, 500).describe('public orders are shed (503) once this many writes wait'),
  HUB_SHED_LAG_MS: intVar(1, 60_000, 200).describe('public orders are shed while the event loop lags more than this'),
  HUB_PACING_THRESHOLD: intVar(1, 100_000, 30).describe('open kitchen tickets past which kiosk/QR orders are quoted a ready time'),
  HUB_PACING_SECONDS_PER_TICKET: intVar(0, 3600, 60).describe('extra quoted wait per open ticket past the threshold'),
  HUB_STREAM_PING_MS: intVar(100, 600_000, 30_000).describe('WebSocket ping interval; a socket missing a pong is dropped'),
  HUB_STREAM_MAX_BUFFER: intVar(1024, 1 << 30, 4 << 20).describe('bytes a slow socket may have unsent before it is closed'),
  HUB_STREAM_MAX_REPLAY: intVar(1, 10_000_000, 50_000).describe('events a reconnecting client may replay before it must reload'),
});

export type HubConfig = z.infer<typeof envSchema>;

export class ConfigError extends Error {}

/** Parses the environment; an invalid value is one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(blankAsUnset);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  throw new ConfigError(`invalid configuration: ${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`);
}
