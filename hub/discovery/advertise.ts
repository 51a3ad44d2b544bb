/**
 * LAN discovery: advertise this hub as a DNS-SD service (`_brigade._tcp.local`)
 * over multicast DNS so tablets / KDS screens can find it without configuration.
 *
 * Multicast is best-effort. On machines without a usable interface (no network,
 * container without multicast, port clash, ...) we log ONE warning and carry on:
 * the hub stays reachable by address, discovery is just unavailable.
 */
import os from 'node:os';
import Bonjour from 'bonjour-service';

/** DNS-SD service type (bonjour-service adds the leading `_` and `._tcp`). */
export const SERVICE_TYPE = 'brigade';
/** Path advertised in TXT; clients append it to http://host:port. */
export const API_PATH = '/api/v1';

/** Max bytes in one DNS label (RFC 1035). dns-packet silently corrupts longer ones. */
const MAX_LABEL_BYTES = 63;
const STOP_TIMEOUT_MS = 1_000;
const RECHECK_MS = 30_000;

export interface DiscoveryLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface AdvertiseOptions {
  port: number;
  /** The public address's port (phones and kiosks), when it runs: advertised in TXT as `public`. */
  publicPort?: number | undefined;
  storeId: string;
  storeName: string;
  apiVersion: string;
  log: DiscoveryLog;
  /** How often to look for a change of the machine's addresses (default 30 s). */
  recheckMs?: number;
}

/**
 * The parts of multicast-dns (reached through bonjour's private `server.mdns`)
 * we need in order to observe socket errors. bonjour-service attaches no
 * 'error' listener itself, so an EADDRINUSE/EACCES/bind failure would
 * otherwise be an unhandled 'error' event and crash the process.
 */
type SendCallback = (err?: Error | null) => void;
interface MdnsInternals {
  on(event: 'error' | 'warning', listener: (err: Error) => void): unknown;
  send(value: unknown, rinfo?: unknown, cb?: SendCallback): void;
}

/**
 * Construct a Bonjour instance that can never crash the process through
 * socket errors: every error source is routed to `onError` instead.
 * Exported for browse.ts; not part of the public discovery API.
 */
export function createSafeBonjour(
  mdnsOpts: Record<string, unknown>,
  onError: (err: Error, source: string) => void,
): Bonjour {
  // The 2nd arg is used for errors from answering queries (default: throw).
  const bonjour = new Bonjour(
    mdnsOpts as ConstructorParameters<typeof Bonjour>[0],
    (err: unknown) => onError(toError(err), 'respond'),
  );
  const mdns = (bonjour as unknown as { server?: { mdns?: MdnsInternals } }).server?.mdns;
  if (mdns && typeof mdns.send === 'function') {
    // Send failures (ENETUNREACH when there is no multicast route, EPERM, ...)
    // are passed to per-call callbacks which bonjour ignores, so it would
    // happily "announce" into the void. Observe them here. query() and
    // respond() both go through mdns.send, looked up at call time.
    const send = mdns.send.bind(mdns);
    mdns.send = (value, rinfo, cb) => {
      if (typeof rinfo === 'function') {
        cb = rinfo as SendCallback;
        rinfo = null;
      }
      const userCb = cb;
      send(value, rinfo, (err) => {
        if (err) onError(toError(err), 'send');
        userCb?.(err);
      });
    };
  }
  if (mdns && typeof mdns.on === 'function') {
    // 'error': EACCES / EADDRINUSE / bind failures (fatal for the socket).
    // 'warning': addMembership/setMulticastInterface failures, ENODEV, bad packets.
    // Malformed packets from other devices are routine noise, not worth a warning.
    mdns.on('error', (err) => onError(err, 'socket'));
    mdns.on('warning', (err) => {
      if (isDecodeNoise(err)) return;
      onError(err, 'socket');
    });
  }
  return bonjour;
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function isDecodeNoise(err: Error): boolean {
  // multicast-dns re-emits dns-packet decode failures of other devices' packets
  // as warnings. Real socket problems are ErrnoExceptions carrying `syscall`.
  return typeof (err as NodeJS.ErrnoException).syscall !== 'string';
}

/** Truncate a string so its UTF-8 encoding fits in `maxBytes`, without splitting code points. */
function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > maxBytes) break;
    out += ch;
  }
  return out;
}

/**
 * "Chez Marie (a1b2c3)": human-readable, with a short storeId suffix so two
 * stores with the same name on one LAN don't collide. Dots are label separators
 * in DNS, so they are replaced; the whole thing must fit in one 63-byte label.
 */
export function instanceName(storeName: string, storeId: string): string {
  const cleanId = storeId.replace(/[^0-9A-Za-z]/g, '');
  const suffix = cleanId ? ` (${cleanId.slice(-6).toLowerCase()})` : '';
  const base = storeName.replace(/[.\\]/g, '-').replace(/\s+/g, ' ').trim() || 'Brigade hub';
  return truncateUtf8(base, MAX_LABEL_BYTES - Buffer.byteLength(suffix)).trimEnd() + suffix;
}

/** `<hostname>.local`, the conventional mDNS SRV target (first label only, ≤63 bytes). */
function localHostName(): string {
  const first = (os.hostname().split('.')[0] ?? '').replace(/[^0-9A-Za-z-]/g, '-');
  return `${truncateUtf8(first || 'brigade-hub', MAX_LABEL_BYTES)}.local`;
}

/**
 * The addresses bonjour puts in the A/AAAA records (it reads them once, when it announces): non-internal
 * interfaces with a MAC address.
 */
function advertisedAddresses(): string {
  return Object.values(os.networkInterfaces())
    .flatMap((addrs) => (addrs ?? []).filter((a) => !a.internal && a.mac !== '00:00:00:00:00:00').map((a) => a.address))
    .sort()
    .join();
}

export function startAdvertising(opts: AdvertiseOptions): { stop(): Promise<void> } {
  const { port, publicPort, storeId, storeName, apiVersion, log } = opts;
  const name = instanceName(storeName, storeId);

  let stopped = false;
  let warned = false;
  const warnOnce = (err: Error, source: string): void => {
    if (warned || stopped) return;
    warned = true;
    log.warn(
      { err: { message: err.message, code: (err as NodeJS.ErrnoException).code }, source, name },
      'mDNS advertising unavailable (multicast error); hub still reachable by address',
    );
  };

  let bonjour: Bonjour | undefined;
  let service: ReturnType<Bonjour['publish']> | undefined;
  const publish = (b: Bonjour, probe: boolean) => {
    service = b.publish({
      name,
      type: SERVICE_TYPE,
      protocol: 'tcp',
      port,
      host: localHostName(),
      probe,
      txt: { storeId, api: apiVersion, path: API_PATH, ...(publicPort === undefined ? {} : { public: String(publicPort) }) },
    });
    return service;
  };
  let addresses = advertisedAddresses();
  try {
    bonjour = createSafeBonjour({}, warnOnce);
    // 'up' fires after probing + the first announcement was handed to the socket.
    publish(bonjour, true).on('up', () => {
      // 'up' is emitted even when the announcement failed to send; only claim
      // success if nothing went wrong so far.
      if (!stopped && !warned) log.info({ name, type: `_${SERVICE_TYPE}._tcp`, port, storeId }, 'mDNS: advertising hub');
    });
  } catch (err) {
    warnOnce(toError(err), 'publish');
  }

  // bonjour answers with the addresses it read when it announced, for as long as it runs: after a new DHCP
  // lease (or a hub that started before its network was up) tablets would be sent to an address that is gone.
  // On a change the service is withdrawn (goodbye, which also drops the old address records) and announced
  // again with the new ones; the name is ours already, so no second probe.
  let republishing = false;
  const recheck = setInterval(() => {
    const b = bonjour;
    const current = advertisedAddresses();
    if (!b || stopped || republishing || current === addresses) return;
    addresses = current;
    republishing = true;
    const again = () => {
      republishing = false;
      if (stopped) return;
      try {
        publish(b, false);
      } catch (err) {
        warnOnce(toError(err), 'publish');
      }
    };
    try {
      if (service) service.stop(again);
      else again();
    } catch (err) {
      warnOnce(toError(err), 'publish');
      again();
    }
  }, opts.recheckMs ?? RECHECK_MS);
  recheck.unref();

  let stopping: Promise<void> | undefined;
  return {
    stop(): Promise<void> {
      if (stopping) return stopping;
      stopped = true; // errors from tearing down are expected; don't warn about them
      clearInterval(recheck);
      const b = bonjour;
      stopping = new Promise<void>((resolve) => {
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(finish, STOP_TIMEOUT_MS);
        timer.unref();
        if (!b) return finish();
        const destroy = (): void => {
          try {
            b.destroy(() => finish());
          } catch {
            finish();
          }
        };
        try {
          // Sends goodbye packets (TTL 0) so browsers drop us immediately.
          b.unpublishAll(() => destroy());
        } catch {
          destroy();
        }
      });
      return stopping;
    },
  };
}
