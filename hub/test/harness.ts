/**
 * Starts the real hub as a child process on a random port with a temp data dir, the way a store runs it,
 * and gives tests a small client for it. No mocks: real sockets, real SQLite files.
 */
import Database from 'better-sqlite3';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { PAIRING_CODE, ROOT, startHub as startHubProcess } from '../../scripts/load/hub-process.ts';

export { PAIRING_CODE, PINS, ROOT } from '../../scripts/load/hub-process.ts';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface HubProcess {
  url: string;
  port: number;
  /** The public address (phones and kiosks), when the test started the hub with HUB_PUBLIC_PORT. */
  publicUrl: string | undefined;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the hub printed, for diagnosing failures. */
  output(): string;
  /** `base`: another address of the hub (its public one); default `url`. */
  request<T = any>(
    method: string,
    path: string,
    opts?: { token?: string | undefined; body?: unknown; key?: string | null; headers?: Record<string, string>; base?: string },
  ): Promise<Reply<T>>;
  /** SIGKILL: no shutdown code runs, like a power cut for the process. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for exit; resolves the exit code. */
  stop(): Promise<number | null>;
  /** Opens the hub's SQLite file read-only (safe while the hub runs: WAL). */
  openDb(): Database.Database;
  /** How many events of `type` the log holds for the order `orderId` (exactly-once checks). */
  eventCount(type: string, orderId: string): number;
}

export async function startHub(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<HubProcess> {
  const started = await startHubProcess({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    keepAllOutput: true,
    env: {
      // Tests share two cores with other test files and a browser: the hub's event loop lags by whole
      // seconds at times, and lag-based shedding would answer their kiosk/QR requests 503. Tests of
      // shedding set their own value.
      HUB_SHED_LAG_MS: '10000',
      // many test hubs run at once: only the HTTPS and public-address tests (which pass 0) open a second port
      HUB_HTTPS_PORT: 'off',
      HUB_PUBLIC_PORT: 'off',
      // 64 MB written by every test hub would cost CI more than the tests; the disk-full test sets its own
      HUB_DISK_RESERVE_MB: '0',
      ...opts.env,
    },
  });
  const { url, port, publicUrl, dataDir, proc } = started;
  const openDb = () => new Database(join(dataDir, 'brigade.db'), { readonly: true, fileMustExist: true });
  const exited = new Promise<void>((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r())));

  return {
    url,
    port,
    publicUrl,
    dataDir,
    proc,
    output: started.output,
    async request(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.body !== undefined) headers['content-type'] ??= 'application/json';
      if (method !== 'GET' && o.key !== null) headers['idempotency-key'] = o.key ?? randomUUID();
      const res = await fetch((o.base ?? url) + path, {
        method,
        headers,
        body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body),
      });
      const text = await res.text();
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body, headers: res.headers };
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
    stop: started.stop,
    openDb,
    eventCount(type, orderId) {
      const db = openDb();
      try {
        return db.prepare("SELECT count(*) FROM events WHERE type = ? AND json_extract(payload, '$.order.id') = ?").pluck().get(type, orderId) as number;
      } finally {
        db.close();
      }
    },
  };
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** Pairs a device and, with a PIN, signs a staff member in on it. */
export async function signIn(hub: HubProcess, pin?: string, kind = 'pos'): Promise<{ device: string; staff: string }> {
  const pair = await hub.request('POST', '/api/v1/devices/pair', { body: { code: PAIRING_CODE, name: `test-${kind}`, kind } });
  if (pair.status !== 201) throw new Error(`pairing failed: ${JSON.stringify(pair.body)}`);
  const device = pair.body.deviceToken as string;
  if (!pin) return { device, staff: '' };
  const session = await hub.request('POST', '/api/v1/staff/sessions', { token: device, body: { pin } });
  if (session.status !== 201) throw new Error(`sign-in failed: ${JSON.stringify(session.body)}`);
  return { device, staff: session.body.token as string };
}

/** A valid two-dish order for a table (hot kitchen + bar), as a waiter tablet would send it. */
export const sampleOrder = (overrides: Record<string, unknown> = {}) => ({
  channel: 'pos',
  tableId: 't-a1',
  lines: [
    { itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-medium', 'size-regular'] },
    { itemId: 'sour-plum-drink', qty: 2, optionIds: ['ice-less'] },
  ],
  ...overrides,
});

export interface StreamClient {
  messages: any[];
  events(): any[];
  waitFor(pred: (msgs: any[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
  ws: WebSocket;
}

/** `base`: another address of the hub (its public one); default its staff address. */
export function connectStream(hub: HubProcess, token: string, hello: Record<string, unknown>, base = hub.url): Promise<StreamClient> {
  const ws = new WebSocket(`ws://${new URL(base).host}/api/v1/stream?token=${encodeURIComponent(token)}`);
  const messages: any[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)));
    for (const w of waiters) w();
  });
  // a condition never met says so when the hub closed the socket (not a message type the hub sends)
  ws.on('close', (code, reason) => messages.push({ type: 'closed', code, reason: String(reason) }));
  const client: StreamClient = {
    ws,
    messages,
    events: () => messages.filter((m) => m.type === 'events').flatMap((m) => m.events),
    waitFor: (pred, timeoutMs = 5000) =>
      new Promise((res, rej) => {
        if (pred(messages)) return res();
        const t = setTimeout(() => rej(new Error(`stream condition not met; got ${JSON.stringify(messages).slice(0, 2000)}`)), timeoutMs);
        waiters.push(() => {
          if (pred(messages)) {
            clearTimeout(t);
            res();
          }
        });
      }),
    close: () => ws.close(),
  };
  return new Promise((res, rej) => {
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'hello', ...hello }));
      res(client);
    });
    ws.once('error', rej);
  });
}

/**
 * Runs one of the store's command-line tools (`npm run backup | restore | salvage`) on `dataDir`, as an
 * operator would, and returns its exit code and everything it printed.
 */
export function storeTool(name: 'backup' | 'restore' | 'salvage', dataDir: string, args: readonly string[] = [], timeZone = 'Asia/Shanghai'): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], {
    cwd: ROOT,
    env: { ...process.env, HUB_DATA_DIR: dataDir, HUB_TIMEZONE: timeZone },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

/**
 * The demo store in `dataDir`, made by a hub run once and stopped (kept in `hubs`, for the caller to kill should
 * a test fail before it stops), and a backup of it by `npm run backup`.
 */
export async function storeWithBackup(dataDir: string, env: Record<string, string>, hubs: HubProcess[]): Promise<{ dataDir: string; backup: string; storeId: string }> {
  const hub = await startHub({ dataDir, env });
  hubs.push(hub);
  const storeId = (await hub.request('GET', '/api/v1/health')).body.storeId as string;
  if ((await hub.stop()) !== 0) throw new Error(`the hub did not stop cleanly:\n${hub.output()}`);
  const b = storeTool('backup', dataDir);
  if (b.code !== 0) throw new Error(`npm run backup failed:\n${b.out}`);
  return { dataDir, backup: /backup: (\S+) \(/.exec(b.out)![1]!, storeId };
}
