import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { HubConfig } from './config.ts';
import { AuthService } from './domain/auth-service.ts';
import { MenuService } from './domain/menu-service.ts';
import { OrderService } from './domain/order-service.ts';
import { KitchenService } from './domain/pacing.ts';
import { resetStockDay, stockResetDue } from './domain/stock-day.ts';
import { StockDayTimer } from './stock-day-timer.ts';
import { SqliteKitchenRepo } from './store/kitchen-repo.ts';
import { createApp } from './http/app.ts';
import { buildOpenApi } from './http/openapi.ts';
import { FailureLimiter, PairingCodeBook, pairingGuessLimiter } from './http/pairing-codes.ts';
import { landingPage } from './http/landing.ts';
import { mountClients } from './http/clients.ts';
import { mountMenuImages } from './http/menu-images.ts';
import { SharpImageStore } from './media/sharp-image-store.ts';
import { Admission, EventLoopLag } from './http/admission.ts';
import { toErrorReply } from './http/errors.ts';
import { HubMetrics } from './http/metrics.ts';
import { allRoutes } from './http/all-routes.ts';
import type { Services } from './services.ts';
import { SqliteAuthRepo } from './store/auth-repo.ts';
import { Checkpointer } from './store/checkpointer.ts';
import { adoptRestoredBackup, BackupSchedule, backupsOff } from './store/backups.ts';
import { markIfWentBack, SeenNote } from './store/store-seen.ts';
import { ClockCheck } from './clock-check.ts';
import { StoreIntegrity } from './store/integrity.ts';
import { businessDate } from './domain/business-date.ts';
import { ANSWERS, Compactor, EVENTS, PRINT_JOBS, type CompactorOptions } from './store/compactor.ts';
import { CardChargeService } from './domain/card-charges.ts';
import { DayReportService } from './domain/day-report.ts';
import { SqliteReportRepo } from './store/report-repo.ts';
import { SqliteCardChargeRepo } from './store/card-charge-repo.ts';
import { checkpointAndClose, openDb, readIdentity, waitBrieflyForLocks, type Db } from './store/db.ts';
import { StorageGuard } from './store/storage-guard.ts';
import { EventLog } from './store/event-log.ts';
import { SqliteFloorRepo } from './store/floor-repo.ts';
import { IdempotencyStore } from './store/idempotency.ts';
import { MenuCatalog } from './store/menu-repo.ts';
import { SqliteOrderRepo } from './store/order-repo.ts';
import { nodeSecrets } from './store/secrets.ts';
import { ulidFactory } from './store/ulid.ts';
import { isStorageFull, Writer } from './store/writer.ts';
import { StreamServer } from './stream/stream-server.ts';
import { PrintService, printSettingsFrom } from './print/print-service.ts';
import { mountSimPage } from './print/sim-page.ts';
import type { SimulatorRegistry } from './print/simulated.ts';
import { HubTls } from './tls/hub-tls.ts';
import { PUBLIC_GATE_OFF, PublicGate } from './gate/public-gate.ts';

export const DB_FILE = 'brigade.db';
export const version: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface Hub {
  services: Services;
  server: Server;
  /** the HTTPS side (HUB_HTTPS_PORT): the same app and stream with the hub CA's certificate; null when HTTPS is off */
  tls: HubTls | null;
  stream: StreamServer;
  printing: PrintService;
  /**
   * `httpsPort` is missing when HTTPS is off or could not start (the hub then runs on plain HTTP only);
   * `publicPort` likewise when the public address is off or could not start (phones then use `port`).
   */
  listen(): Promise<{ port: number; httpsPort?: number; publicPort?: number }>;
  /** Stop accepting, let in-flight requests finish, commit what is queued, close the database. */
  stop(): Promise<void>;
}

/** Builds the whole hub from a config; main.ts only adds the process concerns (signals, banner, mDNS). */
export interface HubOptions {
  /** embedded simulated printers started by main (HUB_PRINTERS=sim); their page is served at /printers/sim */
  simulators?: SimulatorRegistry;
}

export function createHub(config: HubConfig, logger: Logger, db: Db = openDb(join(config.HUB_DATA_DIR, DB_FILE)), opts: HubOptions = {}): Hub {
  // before anything reads the epoch: a restored backup gets a new one, so every device reloads; so does a
  // copy put back by hand, told by its log ending before what this hub last saw of it
  const behind = db.memory ? null : markIfWentBack(db, dirname(db.name));
  const { restored, adoptedNow } = adoptRestoredBackup(db, Date.now());
  const identity = readIdentity(db);
  if (adoptedNow && restored) {
    logger.warn(
      {
        backupTakenAt: new Date(restored.takenAt).toISOString(),
        epoch: identity.epoch,
        ...(behind ? { seqSeenBefore: behind.seq, seenAt: new Date(behind.at).toISOString() } : {}),
      },
      behind
        ? 'this store is older than the one this hub last ran (a copy put back by hand?): treated as a restored backup, new epoch (every device reloads); its unprinted tickets are not printed again'
        : 'this store is a restored backup: new epoch (every device reloads); its unprinted tickets are not printed again',
    );
  }
  const storeName =
    config.HUB_STORE_NAME ?? ((db.prepare("SELECT value FROM meta WHERE key = 'store_name'").pluck().get() as string | undefined) ?? 'Brigade');
  const clock = () => Date.now();
  const ulid = ulidFactory();

  const catalog = new MenuCatalog(db, identity.epoch, config.HUB_CURRENCY);
  const events = new EventLog(db);
  // before the store-seen note below, which may tell it of a read error at once
  const integrity = db.memory ? undefined : new StoreIntegrity({ file: db.name, clock, log: logger.child({ module: 'integrity' }) });
  // noted at once: a crash before the hub listens must not leave the note of an epoch renewed just now
  const seen = db.memory
    ? undefined
    : new SeenNote({
        dir: dirname(db.name),
        identity,
        head: () => events.head(),
        clock,
        everyMs: SEEN_NOTE_EVERY_MS,
        onFailure: (err) => {
          logger.warn({ err }, 'could not note how far the store has gone (store-seen.json); tried again later');
          integrity?.noteError(err, 'housekeeping');
        },
      });
  seen?.note();
  // two histograms taking turns: one reset every 10 s read 0 just after each reset, whatever the real lag
  const lag = new EventLoopLag();
  let stream: StreamServer | undefined;
  // made once the app it serves is (below); health and /metrics read it only when asked
  let gate: PublicGate | undefined;
  const publicGateStatus = () => gate?.status() ?? PUBLIC_GATE_OFF;
  const lagMs = () => lag.p99Ms();
  let writer: Writer | undefined;
  const storage = db.memory
    ? undefined
    : new StorageGuard({
        dir: dirname(db.name),
        storeFiles: [db.name, `${db.name}-wal`],
        reserveBytes: config.HUB_DISK_RESERVE_MB * MB,
        lowBytes: config.HUB_DISK_LOW_MB * MB,
        checkMs: config.HUB_DISK_CHECK_MS,
        clock,
        log: logger.child({ module: 'storage' }),
      });
  /** The disk refused a write (the writer's, a checkpoint's, a photo's): counted, and the reserve given back. */
  const diskFull = () => {
    metrics.storageFull.inc();
    storage?.writeFailed();
  };
  const backupDir = config.HUB_BACKUP_DIR ?? join(config.HUB_DATA_DIR, 'backups');
  const backups =
    db.memory || backupDir === 'off'
      ? undefined
      : new BackupSchedule({
          source: db.name,
          dir: backupDir,
          everyMs: config.HUB_BACKUP_EVERY_MS,
          keep: config.HUB_BACKUP_KEEP,
          keepDays: config.HUB_BACKUP_KEEP_DAYS,
          dayOf: (at) => businessDate(at, config.HUB_TIMEZONE),
          clock,
          headSeq: () => events.head(),
          epoch: identity.epoch,
          restored,
          minFreeBytes: config.HUB_DISK_LOW_MB * MB,
          mediaDir: join(config.HUB_DATA_DIR, 'media'),
          onFailure: (err) => integrity?.noteError(err, 'backup'),
          log: logger.child({ module: 'backup' }),
        });
  const backupStatus = db.memory ? undefined : () => backups?.status() ?? backupsOff(restored);
  const latestEventAt = db.prepare('SELECT MAX(at) FROM events').pluck();
  const clockCheck = db.memory
    ? undefined
    : new ClockCheck({
        latestEventAt: () => latestEventAt.get() as number | null,
        now: clock,
        everyMs: CLOCK_CHECK_EVERY_MS,
        log: logger.child({ module: 'clock' }),
        onReadError: (err) => integrity?.noteError(err, 'housekeeping'),
      });
  const metrics = new HubMetrics({
    queueDepth: () => writer?.depth ?? 0,
    storeBusyRefusals: () => writer?.busyRefusals ?? 0,
    streamClients: () => stream?.clientCount ?? 0,
    streamReplays: () => stream?.replayCount ?? 0,
    eventLoopLagMs: lagMs,
    seq: () => events.head(),
    ...(storage ? { storage: () => storage.status() } : {}),
    ...(backups ? { backups: () => backups.status() } : {}),
    ...(clockCheck ? { clock: () => clockCheck.status() } : {}),
    ...(integrity ? { integrity: () => integrity.status() } : {}),
    ...(config.HUB_PUBLIC_PORT === 'off' ? {} : { publicGate: publicGateStatus }),
  });
  const checkpointer = db.memory
    ? undefined
    : new Checkpointer(db, {
        intervalMs: CHECKPOINT_INTERVAL_MS,
        onCheckpoint: (where, ms) => metrics.checkpoint.labels({ where }).observe(ms / 1000),
        onFailure: (err) => logger.error({ err }, 'the WAL checkpoint thread failed; SQLite checkpoints in the writer\'s commits again'),
        // the database file could not grow: the same as a write refused for space (the reserve goes)
        onCheckpointError: (err) => {
          if (isStorageFull(err)) return diskFull();
          logger.error({ err }, 'a WAL checkpoint failed; the next one tries again');
          integrity?.noteError(err, 'checkpoint');
        },
      });
  const printSettings = printSettingsFrom(config);
  const printing = new PrintService({
    db,
    submit: (job) => writer!.submit(job),
    clock,
    timeZone: config.HUB_TIMEZONE,
    storeName,
    settings: printSettings.queue,
    transportSettings: printSettings.transport,
    isSimulatorRunning: (id) => opts.simulators?.has(id) ?? false,
    log: logger.child({ module: 'print' }),
  });
  writer = new Writer(db, {
    clock,
    maxBatch: config.HUB_WRITE_BATCH,
    maxQueue: config.HUB_WRITE_QUEUE,
    onCommit: (committed) => {
      if (committed.some((e) => e.type.startsWith('menu.'))) catalog.invalidate();
      stream?.publish(committed);
      if (committed.some((e) => REFUSES_TOKENS.has(e.type))) stream?.recheckTokens();
      metrics.countEvents(committed);
    },
    onRollback: () => {
      catalog.invalidate();
      printing.rolledBack();
    },
    // print jobs are planned in the transaction of the order change that needs them
    onAppend: printing.onAppend,
    onFlush: (jobs, ms, wrote) => {
      metrics.batch.observe(jobs);
      metrics.commit.observe(ms / 1000);
      checkpointer?.committed();
      // a batch that only read (replays of answered keys) commits on a full disk too
      if (wrote) storage?.committed();
    },
    onStorageFull: diskFull,
    // a warning a few seconds apart, not an error per refused request: the devices resend by themselves
    onStoreBusy: (note) =>
      logger.warn(
        note,
        note.state === 'busy'
          ? "another program holds the store's write lock (never open brigade.db while the hub runs): writes are refused with 503 store_busy"
          : 'the store is free again: writes are taken',
      ),
  });
  const theWriter = writer;
  const compacting = (minAgeMs: number, module: string): CompactorOptions => ({
    submit: (job, priority) => theWriter.submit(job, priority),
    // only while the writer has nothing else to do: the hub's own work always goes first
    idle: () => theWriter.depth === 0 && lagMs() < COMPACT_MAX_LAG_MS,
    clock,
    minAgeMs,
    everyMs: Math.min(60_000, minAgeMs),
    log: logger.child({ module }),
  });
  const compactors = [
    new Compactor(db, ANSWERS, compacting(config.HUB_COMPACT_ANSWERS_AFTER_MS, 'answers')),
    new Compactor(db, EVENTS, compacting(config.HUB_COMPACT_EVENTS_AFTER_MS, 'events')),
    new Compactor(db, PRINT_JOBS, compacting(config.HUB_COMPACT_PRINT_AFTER_MS, 'print-documents')),
  ];
  const orderRepo = new SqliteOrderRepo(db);
  const floor = new SqliteFloorRepo(db);
  const pairing = new PairingCodeBook(config.HUB_PAIRING_CODE);
  // the day's counts and sold-out switches end at the next business day's start: an event per dish, by the hub itself
  const stockDay = new StockDayTimer({
    clock,
    timeZone: config.HUB_TIMEZONE,
    // a read first: most days nothing is due, and a start asks the writer for nothing
    apply: async () =>
      stockResetDue(catalog, clock(), config.HUB_TIMEZONE) &&
      theWriter
        .submit((tx) =>
          resetStockDay(catalog, {
            now: tx.now,
            timeZone: config.HUB_TIMEZONE,
            events: { emit: (type, payload, topics) => tx.append({ type, payload, topics, deviceId: null, staffId: null }) },
          }),
        )
        .then((items) => {
          if (items.length > 0) logger.info({ items: items.map((i) => i.id) }, "a new business day: the day's sold-out dishes and counts are back on sale");
        }),
    log: logger.child({ module: 'stock-day' }),
    checkEveryMs: 60_000,
  });
  const kitchen = new KitchenService(new SqliteKitchenRepo(db), {
    threshold: config.HUB_PACING_THRESHOLD,
    secondsPerTicket: config.HUB_PACING_SECONDS_PER_TICKET,
  });
  const auth = new AuthService(new SqliteAuthRepo(db), nodeSecrets(identity.pinKey), pairing);
  // a row per sign-in: those ended a day ago go a batch at a time, while the writer has nothing else to do
  let sessionPrune: ReturnType<typeof setInterval> | undefined;
  const pruneSessions = (): void => {
    if (theWriter.depth > 0 || lagMs() >= COMPACT_MAX_LAG_MS) return;
    void theWriter.submit((tx) => auth.pruneSessions(tx.now), 'low').catch((err: unknown) => logger.warn({ err }, 'deleting ended staff sessions failed; tried again later'));
  };

  const services: Services = {
    config,
    db,
    identity: { ...identity, storeName },
    version,
    startedAt: clock(),
    clock,
    newId: () => ulid(),
    orders: new OrderService({ orders: orderRepo, floor, stock: catalog, kitchen }),
    kitchen,
    menu: new MenuService(catalog),
    catalog,
    media: new SharpImageStore(join(config.HUB_DATA_DIR, 'media')),
    auth,
    floor,
    events,
    idempotency: new IdempotencyStore(db),
    cardCharges: new CardChargeService(new SqliteCardChargeRepo(db)),
    dayReports: new DayReportService(new SqliteReportRepo(db)),
    writer: theWriter,
    pairing,
    pinFailures: new FailureLimiter(5, 30_000),
    pairFailures: new FailureLimiter(10, 60_000),
    pairGuesses: pairingGuessLimiter(),
    admission: new Admission({
      clock,
      queueDepth: () => theWriter.depth,
      eventLoopLagMs: lagMs,
      publicQueueLimit: config.HUB_PUBLIC_QUEUE,
      maxLagMs: config.HUB_SHED_LAG_MS,
      publicRatePerSec: config.HUB_PUBLIC_RATE,
      onShed: (reason) => metrics.countShed(reason),
    }),
    metrics,
    stats: {
      streamClients: () => stream?.clientCount ?? 0,
      streamReplays: () => stream?.replayCount ?? 0,
      eventLoopLagMs: lagMs,
      publicGate: publicGateStatus,
    },
    printing,
    ...(storage ? { storage } : {}),
    ...(backupStatus ? { backupStatus } : {}),
    ...(clockCheck ? { clockCheck } : {}),
    ...(integrity ? { integrity } : {}),
    diskFull,
  };
  let tls: HubTls | null = null;
  let httpsPort: number | undefined;
  let publicPort: number | undefined;
  const openapi = JSON.stringify(buildOpenApi(allRoutes, { version, storeName }));
  const app = createApp(services, allRoutes, logger, (a) => {
    a.get('/api/v1/openapi.json', (_req, res) => void res.type('application/json').send(openapi));
    a.get('/', (req, res) => {
      const ca = tls?.identity?.ca;
      const https = ca && httpsPort !== undefined ? { port: httpsPort, caFingerprint: ca.fingerprint256 } : undefined;
      res
        .type('html')
        .send(landingPage(services, { secure: req.secure, host: req.hostname, ...(https ? { https } : {}), ...(publicPort === undefined ? {} : { publicPort }) }));
    });
    // the hub has no icon: every page's browser asks, and a 404 is an error in its console
    a.get('/favicon.ico', (_req, res) => void res.setHeader('Cache-Control', 'public, max-age=86400').status(204).end());
    // staff devices install the hub's CA from here; only the certificate, never its key
    a.get(['/ca.crt', '/ca.pem'], (req, res, next) => {
      const ca = tls?.identity?.ca;
      if (!ca) return next();
      res.setHeader('Cache-Control', 'no-cache');
      if (req.path === '/ca.pem') return void res.type('application/x-pem-file').send(ca.certPem);
      // DER is what Android's certificate installer and iOS Safari's profile download both accept
      res.setHeader('Content-Disposition', 'attachment; filename="brigade-hub-ca.crt"');
      res.type('application/x-x509-ca-cert').send(ca.der);
    });
    mountMenuImages(a, services);
    if (opts.simulators) mountSimPage(a, opts.simulators, printing);
    // the QR sheet opened over HTTPS still prints plain-HTTP codes: customers' phones do not trust the hub's CA
    mountClients(a, undefined, {
      publicPort: () => publicPort,
      plainHttpPort: () => {
        const address = server.address();
        return typeof address === 'object' && address ? address.port : undefined;
      },
    });
    a.get('/metrics', async (_req, res) => void res.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  });
  const server = createServer(app);
  stream = new StreamServer({
    epoch: identity.epoch,
    log: events,
    logger,
    pingMs: config.HUB_STREAM_PING_MS,
    maxBufferBytes: config.HUB_STREAM_MAX_BUFFER,
    maxReplay: config.HUB_STREAM_MAX_REPLAY,
    maxPublicReplay: config.HUB_STREAM_MAX_PUBLIC_REPLAY,
    replayPage: config.HUB_STREAM_REPLAY_PAGE,
    deflateMinSockets: config.HUB_STREAM_DEFLATE_SOCKETS,
    onSent: (form, bytes) => metrics.countStreamBytes(form, bytes),
    onDelivered: (ms, events) => metrics.observeStreamDelivery(ms, events),
    onStoreError: (err, where) => integrity?.noteError(err, where),
    authenticate: (token) => auth.resolve(token, clock()),
    admit: (principal, address) => {
      try {
        // a socket is a read as far as shedding goes: only the public rate limit applies to it
        services.admission.admit(principal, address, false);
        return undefined;
      } catch (err) {
        const reply = toErrorReply(err);
        return { status: reply.status, ...(reply.headers?.['Retry-After'] ? { retryAfter: reply.headers['Retry-After'] } : {}) };
      }
    },
  });
  stream.attach(server);
  if (config.HUB_HTTPS_PORT !== 'off') {
    tls = new HubTls(app, {
      dir: join(config.HUB_DATA_DIR, 'tls'),
      bindHost: config.HUB_HOST,
      extraNames: config.HUB_TLS_NAMES,
      caName: `Brigade hub CA · ${storeName} · ${identity.storeId.slice(-6)}`,
      clock,
      storeTime: () => latestEventAt.get() as number | null,
      logger,
    });
    stream.attach(tls.server);
  }
  const liveStream = stream;
  gate =
    config.HUB_PUBLIC_PORT === 'off'
      ? undefined
      : new PublicGate({
          port: config.HUB_PUBLIC_PORT,
          host: config.HUB_HOST,
          app,
          attachUpgrades: (internal) => liveStream.attach(internal),
          signals: () => ({ queueDepth: theWriter.depth, lagMs: lagMs() }),
          settings: {
            ratePerSec: config.HUB_PUBLIC_RATE,
            maxInFlight: config.HUB_PUBLIC_INFLIGHT,
            publicQueueLimit: config.HUB_PUBLIC_QUEUE,
            maxLagMs: config.HUB_SHED_LAG_MS,
            keepAliveMs: KEEP_ALIVE_MS,
            niceness: config.HUB_PUBLIC_NICE,
          },
          onShed: (reason, count) => metrics.countShed(reason, count),
          onFailure: (err) => logger.error({ err }, 'public address'),
        });
  const httpsServer = tls?.server;
  let tlsCheck: ReturnType<typeof setInterval> | undefined;

  /** HTTPS is an extra (the apps work over plain HTTP): when it cannot start, say so and run on. */
  const listenHttps = async (hubTls: HubTls, httpsPortWanted: number): Promise<number | undefined> => {
    try {
      await hubTls.load();
      const bound = await listenOn(hubTls.server, httpsPortWanted, config.HUB_HOST);
      // a new DHCP lease, or the certificate nearing its end, gets a new certificate without a restart
      tlsCheck = setInterval(() => void hubTls.refresh().catch((err: unknown) => logger.warn({ err }, 'tls: re-issuing the certificate failed')), 10 * 60_000);
      tlsCheck.unref();
      return bound;
    } catch (err) {
      logger.warn({ err, port: httpsPortWanted }, 'https did not start; the hub runs on plain HTTP only');
      return undefined;
    }
  };

  /** Like HTTPS, an extra: without it phones use the staff port, as QR codes printed before it did. */
  const listenPublic = async (publicGate: PublicGate): Promise<number | undefined> => {
    try {
      return await publicGate.listen();
    } catch (err) {
      logger.warn({ err }, 'the public address did not start; phones use the staff port');
      await publicGate.stop();
      return undefined;
    }
  };

  return {
    services,
    server,
    tls,
    stream: liveStream,
    printing,
    listen: async () => {
      // before the first answer: a hub that was off at 04:00 serves no menu of the day before
      await stockDay.check();
      stockDay.start();
      const port = await listenOn(server, config.HUB_PORT, config.HUB_HOST);
      if (tls && config.HUB_HTTPS_PORT !== 'off') httpsPort = await listenHttps(tls, config.HUB_HTTPS_PORT);
      if (gate) publicPort = await listenPublic(gate);
      await printing.start();
      // started: from here on a wait for another program's lock holds up requests, so it is short (db.ts)
      waitBrieflyForLocks(db);
      // the first look makes the reserve (once per store, 64 MB of writes): after the hub answers, not before
      void storage?.start();
      backups?.start();
      sessionPrune = setInterval(pruneSessions, SESSION_PRUNE_EVERY_MS);
      sessionPrune.unref();
      for (const c of compactors) c.start();
      seen?.start();
      clockCheck?.start();
      // a whole read of the store after every start: a power cut that damaged it is said before a waiter meets it
      void integrity?.start();
      // start-up (module loading, migrations, seeding) is not load: measure lag from here on
      lag.reset();
      return { port, ...(httpsPort === undefined ? {} : { httpsPort }), ...(publicPort === undefined ? {} : { publicPort }) };
    },
    stop: async () => {
      await printing.stop();
      stockDay.stop();
      storage?.stop();
      clockCheck?.stop();
      integrity?.stop();
      await backups?.stop();
      await Promise.all(compactors.map((c) => c.stop()));
      clearInterval(tlsCheck);
      clearInterval(sessionPrune);
      // the streams first, while the public gate still carries their close frames to phones and kiosks
      await liveStream.close();
      await gate?.stop();
      await Promise.all([closeGracefully(server), httpsServer?.listening ? closeGracefully(httpsServer) : undefined]);
      theWriter.drain();
      seen?.stop();
      lag.stop();
      await checkpointer?.stop();
      checkpointAndClose(db, (err) => logger.warn({ err }, 'the last checkpoint failed; the WAL is read back at the next start'));
    },
  };
}

/**
 * How often, at most, the WAL is checkpointed on its own thread: at the peak, a quarter of a second of
 * orders (~1,000 pages); the writer's thread then copies only what arrived while that ran.
 */
/** Events after which some tokens are refused: the stream's open sockets are judged again at once. */
const REFUSES_TOKENS: ReadonlySet<string> = new Set(['staff.deactivated', 'staff.pin_changed', 'table.qr_codes_replaced']);

const CHECKPOINT_INTERVAL_MS = 250;

const LISTEN_BACKLOG = 4096;

/** How often the hub's clock is compared with its store's latest event (and a change logged). */
const CLOCK_CHECK_EVERY_MS = 60_000;

/**
 * How often the log's head is noted beside the store (when it moved): a copy put back by hand is told by
 * its log ending before the note, so the note may lag the head by this much without harm.
 */
const SEEN_NOTE_EVERY_MS = 10_000;

/** Old answers and events are compacted only while the event loop lags less than this (and the writer is idle). */
const COMPACT_MAX_LAG_MS = 50;

/** How often ended staff sessions are looked for (hub/domain/auth-service.ts, `pruneSessions`). */
const SESSION_PRUNE_EVERY_MS = 10 * 60_000;

const MB = 1 << 20;

/**
 * Tablets, screens and phones keep their connection between requests. Node's default of 5 s closed it
 * between a phone's orders, and a request sent as the hub closed the idle connection failed (reset) on
 * the device; reconnecting in a crowd also queues for Node's one accept per event-loop turn.
 */
const KEEP_ALIVE_MS = 65_000;

function listenOn(server: Server | HttpsServer, port: number, host: string): Promise<number> {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000; // kept above it, so the headers timer never cuts an idle connection first
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    // Phones connecting in a crowd wait in the kernel's accept queue rather than being dropped (a dropped SYN
    // is retried after 1 s, then 3 s): Node takes one new connection per turn of the event loop, and at a
    // busy hub's few hundred turns a second Node's default backlog of 511 overflowed in the overload runs.
    // The kernel caps it at net.core.somaxconn (4096 on current kernels).
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** Stops accepting and lets in-flight requests finish (5 s at most). */
async function closeGracefully(server: Server | HttpsServer): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // keep-alive sockets become idle as their in-flight responses finish: keep closing them
  const reaper = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  const forced = setTimeout(() => server.closeAllConnections(), 5000);
  await closed;
  clearInterval(reaper);
  clearTimeout(forced);
}
