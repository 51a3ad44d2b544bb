import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import pino from 'pino';
import { ConfigError, loadConfig, type HubConfig } from './config.ts';
import { startAdvertising } from './discovery/advertise.ts';
import { outgoingAddress } from './discovery/lan-address.ts';
import { createHub, DB_FILE } from './hub.ts';
import { demoSeed } from '../scripts/seed/demo.ts';
import { isEmpty, loadSeed } from './store/seed.ts';
import { openDb } from './store/db.ts';
import { finishedSwapText, finishSwap } from './store/store-swap.ts';
import { isStoreDamage, RESTORE_ADVICE } from './store/integrity.ts';
import { claimDataDir, holderText, removePidFile, writePidFile } from './pid-file.ts';
import { SimulatorRegistry, startSimulatedPrinters } from './print/simulated.ts';
import { join } from 'node:path';

function config(): HubConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`brigade: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** The hub's addresses, the LAN one last (what the banner tells tablets to type): `lan`, when known. */
function lanUrls(port: number, host: string, scheme: 'http' | 'https' = 'http', lan: string | null = null): string[] {
  // an IPv6 address is written in brackets in a URL (HUB_HOST=::1 printed http://::1:8080, which no browser opens)
  if (host !== '0.0.0.0' && host !== '::') return [`${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`];
  const addresses: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) addresses.push(a.address);
  }
  // the machine's order puts a Docker or VM bridge made after the LAN interface last
  const ordered = lan !== null && addresses.includes(lan) ? [...addresses.filter((a) => a !== lan), lan] : addresses;
  return [`${scheme}://localhost:${port}`, ...ordered.map((a) => `${scheme}://${a}:${port}`)];
}

async function main(): Promise<void> {
  const cfg = config();
  const logger = pino({
    level: cfg.LOG_LEVEL,
    // people read the console of a hub started by hand; machines read JSON
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname' } } } : {}),
  });

  // before the store is opened (its migrations, a restore's swap): a second hub on it must change nothing
  const claim = claimDataDir(cfg.HUB_DATA_DIR);
  if (!claim.ok && claim.tool) {
    // a restore swapping the store's files, a salvage reading them: systemd starts the hub again 2 s after this
    process.stderr.write(`brigade: ${holderText(claim)} is in progress on ${cfg.HUB_DATA_DIR}: start the hub once it is done (systemd does, by itself)\n`);
    process.exit(1);
  }
  if (!claim.ok && !claim.err) {
    const who = claim.heldBy === null ? 'another hub' : `another hub (pid ${claim.heldBy})`;
    process.stderr.write(`brigade: ${who} is running on ${cfg.HUB_DATA_DIR}: stop it first, or give this one its own HUB_DATA_DIR\n`);
    process.exit(1);
  }
  if (!claim.ok) logger.warn({ err: claim.err }, 'hub.lock could not be taken: a second hub started on this data directory would not be refused');
  const pidFileError = writePidFile(cfg.HUB_DATA_DIR);
  if (pidFileError) logger.warn({ err: pidFileError }, 'hub.pid could not be written: the maintenance scripts still see the hub by its lock (hub.lock), but cannot name its pid');
  // A stop asked for while the hub starts (systemd's stop, a test's) ends it at once, its files let go: without a
  // handler until the banner, the signal's default killed it with hub.pid left behind. Nothing is acknowledged
  // yet, and what the store was writing rolls back at the next open. Replaced by the whole shutdown below.
  let shutdown = (signal: string): void => {
    logger.info({ signal }, 'stopped while starting');
    removePidFile(cfg.HUB_DATA_DIR);
    if (claim.ok) claim.release();
    logger.flush?.();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  // a restore cut short (a power cut between its renames) is finished before the store is opened (openDb would
  // too, unsaid): the store changed under everyone, and the one it replaced is somewhere to be found
  const swapped = finishSwap(join(cfg.HUB_DATA_DIR, DB_FILE));
  if (swapped) logger.warn({ aside: swapped.aside }, finishedSwapText(swapped));
  const db = openDb(join(cfg.HUB_DATA_DIR, DB_FILE));
  if (cfg.HUB_SEED === 'demo' && isEmpty(db)) {
    loadSeed(db, demoSeed);
    logger.info({ items: demoSeed.items.length, tables: demoSeed.tables.length }, 'loaded the demo menu, floor and staff');
  }
  const simulators = new SimulatorRegistry();
  const hub = createHub(cfg, logger, db, { simulators });
  const { services } = hub;
  // no printer yet? simulated ones, so a new user sees tickets at /printers/sim (HUB_PRINTERS=none: never)
  const simulated =
    cfg.HUB_PRINTERS === 'sim'
      ? await startSimulatedPrinters({
          printing: hub.printing,
          submit: (job) => services.writer.submit(job),
          newId: services.newId,
          registry: simulators,
          log: logger,
        }).catch((err: unknown) => {
          logger.warn({ err }, 'simulated printers did not start; the hub runs without them');
          return 0;
        })
      : 0;
  const { port, httpsPort, publicPort } = await hub.listen();
  const pairing = services.pairing.issue(services.clock());
  logger.info({ port, httpsPort, publicPort, host: cfg.HUB_HOST, storeId: services.identity.storeId, epoch: services.identity.epoch, dataDir: cfg.HUB_DATA_DIR }, 'listening');

  const advertiser =
    cfg.HUB_MDNS === 'on'
      ? startAdvertising({ port, publicPort, storeId: services.identity.storeId, storeName: services.identity.storeName, apiVersion: 'v1', listenHost: cfg.HUB_HOST, log: logger })
      : undefined;

  // whoever started us may have gone away (a closed pipe): logging must never stop a shutdown
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  let stopping = false;
  shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    let code = 0;
    try {
      await advertiser?.stop();
      await hub.stop();
      await simulators.stopAll();
      removePidFile(cfg.HUB_DATA_DIR);
      if (claim.ok) claim.release();
      logger.info('stopped cleanly');
    } catch (err) {
      code = 1;
      logger.error({ err }, 'shutdown failed');
    }
    logger.flush?.();
    process.exit(code);
  };

  const lan = await outgoingAddress();
  const urls = lanUrls(port, cfg.HUB_HOST, 'http', lan);
  const secureUrls = httpsPort === undefined ? [] : lanUrls(httpsPort, cfg.HUB_HOST, 'https', lan);
  // customers' phones and kiosks: the public address when it runs, else the staff one
  const publicUrls = publicPort === undefined ? urls : lanUrls(publicPort, cfg.HUB_HOST, 'http', lan);
  const publicAt = publicUrls[publicUrls.length - 1];
  const ca = hub.tls?.identity?.ca;
  // the LAN address (the last one) is what a tablet types; with HTTPS, staff apps also get their https:// address
  // customers' phones stay on plain HTTP: they do not trust the hub's CA
  const firstTable = services.floor.qrCodes()[0];
  const at = (path: string) => [urls[urls.length - 1], secureUrls[secureUrls.length - 1]].filter(Boolean).map((u) => `${u}${path}`).join(' · ');
  process.stdout.write(
    [
      '',
      `  Brigade hub · ${services.identity.storeName} — ${join(cfg.HUB_DATA_DIR, DB_FILE)}`,
      ...urls.map((u) => `    ${u}`),
      ...(secureUrls.length > 0 && ca
        ? [
            `  HTTPS (staff tablets, works offline after the first load 离线可用):`,
            ...secureUrls.map((u) => `    ${u}`),
            `  Install the hub's CA on staff tablets 在员工平板上安装证书: ${urls[urls.length - 1]}/ca.crt`,
            `    SHA-256 ${ca.fingerprint256}`,
          ]
        : []),
      `  Pairing code 配对码: ${pairing.code}${pairing.expiresAt ? ' (valid 15 min; a manager can issue more)' : ''}`,
      `  Kitchen display 厨房显示: ${at('/kds/')}  (kitchen PIN 3333)`,
      `  Waiter tablet 点餐平板: ${at('/pos/')}  (waiter PIN 1111)`,
      `  Self-order kiosk 自助点餐: ${publicAt}/kiosk/`,
      ...(publicPort === undefined ? [] : [`  Public address 顾客地址 (phones and kiosks only; staff apps are refused there): ${publicUrls.join(' · ')}`]),
      ...(firstTable
        ? [`  Table QR codes 桌码: ${urls[urls.length - 1]}/tables/qr (manager PIN 9999) · table ${firstTable.name}: ${publicAt}${firstTable.path}`]
        : []),
      `  Printers 打印机: ${at('/printers')}  (manager PIN 9999)`,
      `  Staff and PINs 员工: ${at('/staff')} · dish photos 菜品照片: ${at('/menu/photos')}  (manager PIN 9999)`,
      `  API: ${urls[0]}/api/v1/openapi.json · stream: ws://…/api/v1/stream${secureUrls.length > 0 ? ' (wss:// on the HTTPS port)' : ''}`,
      ...(simulated > 0 ? [`  Simulated printers 模拟打印机: ${urls[0]}/printers/sim`] : []),
      '',
    ].join('\n') + '\n',
  );
}

main().catch((err: unknown) => {
  const why = err instanceof Error ? err.message : String(err);
  // a store damaged past opening (a power cut on a disk that lies about its writes): say the cure, not just the error
  if (isStoreDamage(err)) process.stderr.write(`brigade: failed to start: the store file (${DB_FILE} in HUB_DATA_DIR) is damaged: ${why}.\nTo go on, ${RESTORE_ADVICE}.\n`);
  else process.stderr.write(`brigade: failed to start: ${why}\n`);
  process.exit(1);
});
