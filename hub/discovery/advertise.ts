/**
 * LAN discovery: advertise this hub as a DNS-SD service (`_brigade._tcp.local`)
 * over multicast DNS so tablets / KDS screens can find it without configuration.
 *
 * Multicast is best-effort. On machines without a usable interface (no network,
 * container without multicast, port clash, ...) we log ONE warning and carry on:
 * the hub stays reachable by address, discovery is just unavailable.
 */
import { isIP } from 'node:net';
import os from 'node:os';
import Bonjour from 'bonjour-service';
import { mdnsHostName } from '../tls/host-names.ts';
import { addressesOfInterfaceWith, outgoingAddress } from './lan-address.ts';

/** DNS-SD service type (bonjour-service adds the leading `_` and `._tcp`). */
export const SERVICE_TYPE = 'brigade';
/** Path advertised in TXT; clients append it to http://host:port. */
export const API_PATH = '/api/v1';

/** Max bytes in one DNS label (RFC 1035). dns-packet silently corrupts longer ones. */
const MAX_LABEL_BYTES = 63;
const STOP_TIMEOUT_MS = 1_000;
const RECHECK_MS = 30_000;
/** Probing (RFC 6762 §8.1): three queries 250 ms apart, after a random 0-250 ms delay. */
const PROBE_COUNT = 3;
const PROBE_INTERVAL_MS = 250;
/** Names tried on conflicts: "<name>", "<name> (2)", ..., "<name> (10)"; then we give up (one warning). */
const MAX_NAME_ATTEMPTS = 10;

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
  /**
   * The address the hub listens on (HUB_HOST). One address: only it is advertised (the others of the machine
   * answer nothing). Loopback: nothing is (the LAN cannot reach it). Default, `0.0.0.0`, `::` or a host name:
   * every address of the machine.
   */
  listenHost?: string;
}

/**
 * The parts of multicast-dns (reached through bonjour's private `server.mdns`)
 * we need in order to observe socket errors. bonjour-service attaches no
 * 'error' listener itself, so an EADDRINUSE/EACCES/bind failure would
 * otherwise be an unhandled 'error' event and crash the process.
 */
type SendCallback = (err?: Error | null) => void;
interface MdnsRecord {
  name: string;
  type: string;
  ttl?: number;
  data?: unknown;
}
interface MdnsPacket {
  answers?: MdnsRecord[];
  additionals?: MdnsRecord[];
}
interface MdnsInternals {
  on(event: 'error' | 'warning', listener: (err: Error) => void): unknown;
  on(event: 'response', listener: (packet: MdnsPacket) => void): unknown;
  removeListener(event: 'response', listener: (packet: MdnsPacket) => void): unknown;
  send(value: unknown, rinfo?: unknown, cb?: SendCallback): void;
  query(q: string, type: string, cb?: SendCallback): void;
}

function mdnsOf(bonjour: Bonjour): MdnsInternals | undefined {
  return (bonjour as unknown as { server?: { mdns?: MdnsInternals } }).server?.mdns;
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
  const mdns = mdnsOf(bonjour);
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
      if (isDecodeNoise(err) || isAlreadyMember(err)) return;
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

/**
 * multicast-dns re-joins the group every few seconds for each interface *address* it has not joined with
 * yet. When an interface gets a new address (a new DHCP lease) the group is already joined on that
 * interface, and Linux answers EADDRINUSE: nothing is wrong, multicast keeps working.
 */
function isAlreadyMember(err: Error): boolean {
  const e = err as NodeJS.ErrnoException;
  return e.syscall === 'addMembership' && e.code === 'EADDRINUSE';
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

/** "<name> (n)", the DNS-SD convention for a renamed instance, still within one 63-byte label. */
export function alternativeName(name: string, n: number): string {
  if (n <= 1) return name;
  const suffix = ` (${n})`;
  return truncateUtf8(name, MAX_LABEL_BYTES - Buffer.byteLength(suffix)).trimEnd() + suffix;
}

const dnsEqual = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Probe for `fqdn` (RFC 6762 §8.1) and call `done(true)` as soon as another responder answers for it, or
 * `done(false)` once the probes went unanswered. An answer carrying our own SRV (same target and port) is
 * ourselves, e.g. a Wi-Fi access point replaying our records from before a restart: no conflict. Goodbyes
 * (TTL 0) are no claim either. Returns a cancel function.
 */
function probeName(mdns: MdnsInternals, fqdn: string, own: { host: string; port: number }, done: (conflict: boolean) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let sent = 0;
  let over = false;
  const finish = (conflict: boolean): void => {
    if (over) return;
    over = true;
    clearTimeout(timer);
    mdns.removeListener('response', onResponse);
    done(conflict);
  };
  // Any response claiming the name counts, also an unsolicited announcement arriving before our first probe.
  function onResponse(packet: MdnsPacket): void {
    const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])].filter(
      (rr) => typeof rr.name === 'string' && dnsEqual(rr.name, fqdn) && rr.ttl !== 0,
    );
    if (records.length === 0) return;
    const isOurs = records.some((rr) => {
      if (rr.type !== 'SRV') return false;
      const d = rr.data as { port?: unknown; target?: unknown } | undefined;
      return d?.port === own.port && typeof d.target === 'string' && dnsEqual(d.target, own.host);
    });
    if (!isOurs) finish(true);
  }
  const send = (): void => {
    if (over) return;
    if (sent === PROBE_COUNT) return finish(false);
    sent++;
    // A send failure is reported by createSafeBonjour's send hook; carry on as bonjour's own probe does.
    mdns.query(fqdn, 'ANY', () => {});
    timer = setTimeout(send, PROBE_INTERVAL_MS);
    timer.unref();
  };
  mdns.on('response', onResponse);
  timer = setTimeout(send, Math.random() * PROBE_INTERVAL_MS);
  timer.unref();
  return () => {
    over = true;
    clearTimeout(timer);
    mdns.removeListener('response', onResponse);
  };
}

/** The one address the hub listens on, 'loopback', or undefined for every address (or a name we cannot tell). */
function listeningOn(host: string | undefined): string | 'loopback' | undefined {
  const h = host?.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (!h || h === '0.0.0.0' || h === '::') return undefined;
  if (h === 'localhost' || h === '::1' || h.startsWith('127.')) return 'loopback';
  return isIP(h) ? h : undefined;
}

/**
 * Drops from what bonjour sends the address records (A/AAAA) of addresses not in `allowed()` (undefined: all
 * are kept). bonjour puts every address of the machine in them; see `addressesToAdvertise`.
 */
function advertiseOnly(mdns: MdnsInternals, allowed: () => ReadonlySet<string> | undefined): void {
  const send = mdns.send.bind(mdns);
  mdns.send = (value, rinfo, cb) => {
    const keepers = allowed();
    const packet = value as MdnsPacket | null;
    if (!keepers || !packet || typeof packet !== 'object') return send(value, rinfo, cb);
    const keep = (records: MdnsRecord[]) => records.filter((rr) => (rr.type !== 'A' && rr.type !== 'AAAA') || keepers.has(String(rr.data).toLowerCase()));
    send({ ...packet, ...(packet.answers ? { answers: keep(packet.answers) } : {}), ...(packet.additionals ? { additionals: keep(packet.additionals) } : {}) }, rinfo, cb);
  };
}

/**
 * The addresses the hub may be advertised at: the one it listens on (HUB_HOST); otherwise those of the
 * interface its multicast leaves from, IPv4 and IPv6 (RFC 6762 §6.2: the addresses valid on the interface the
 * answer is sent on). bonjour would add every address of the machine: a Docker or VM bridge's, a second NIC's,
 * which a tablet resolving `<host>.local` may pick and wait on a connection that never comes. Undefined:
 * the route is unknown, every address is advertised as before.
 */
async function addressesToAdvertise(listening: string | undefined): Promise<ReadonlySet<string> | undefined> {
  if (listening !== undefined) return new Set([listening]);
  const source = await outgoingAddress();
  return source ? addressesOfInterfaceWith(source) : undefined;
}

/**
 * The addresses the A/AAAA records carry (bonjour reads them once, when it announces): non-internal
 * interfaces with a MAC address, of those `allowed`.
 */
function advertisedAddresses(allowed: ReadonlySet<string> | undefined): string {
  return Object.values(os.networkInterfaces())
    .flatMap((addrs) => (addrs ?? []).filter((a) => !a.internal && a.mac !== '00:00:00:00:00:00').map((a) => a.address.toLowerCase()))
    .filter((a) => !allowed || allowed.has(a))
    .sort()
    .join();
}

export function startAdvertising(opts: AdvertiseOptions): { stop(): Promise<void> } {
  const { port, publicPort, storeId, storeName, apiVersion, log } = opts;
  const only = listeningOn(opts.listenHost);
  if (only === 'loopback') {
    log.info({ host: opts.listenHost, port }, 'mDNS: not advertising: the hub listens on loopback only (HUB_HOST), out of reach of the LAN');
    return { stop: () => Promise.resolve() };
  }
  const baseName = instanceName(storeName, storeId);
  // the SRV target, the name the HTTPS certificate names too
  const host = mdnsHostName(os.hostname());
  /** The instance name we advertise: `baseName`, or "<baseName> (n)" after a conflict. */
  let name = baseName;

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
  /** Which addresses the A/AAAA records may carry (undefined: all); looked at again at every recheck. */
  let allowed: ReadonlySet<string> | undefined = only === undefined ? undefined : new Set([only]);
  let addresses = advertisedAddresses(allowed);
  const publish = (b: Bonjour, probe: boolean) => {
    addresses = advertisedAddresses(allowed); // what this announcement will carry
    service = b.publish({
      name,
      type: SERVICE_TYPE,
      protocol: 'tcp',
      port,
      host,
      probe,
      txt: { storeId, api: apiVersion, path: API_PATH, ...(publicPort === undefined ? {} : { public: String(publicPort) }) },
    });
    return service;
  };
  const announce = (b: Bonjour, probe: boolean): void => {
    // 'up' fires after the first announcement was handed to the socket.
    publish(b, probe).on('up', () => {
      // 'up' is emitted even when the announcement failed to send; only claim
      // success if nothing went wrong so far.
      if (!stopped && !warned) log.info({ name, type: `_${SERVICE_TYPE}._tcp`, port, storeId }, 'mDNS: advertising hub');
    });
  };

  // We probe for the name ourselves and publish with probe: false. On a conflict bonjour-service (1.4.x)
  // console.logs an Error, withdraws the service (sending goodbyes for the very name the other hub owns, so
  // browsers drop *that* hub too) and emits nothing, so we could neither rename nor warn (RFC 6762 §9).
  let cancelProbe: (() => void) | undefined;
  const claim = (b: Bonjour, mdns: MdnsInternals, attempt: number, taken: string[]): void => {
    const candidate = alternativeName(baseName, attempt);
    cancelProbe = probeName(mdns, `${candidate}._${SERVICE_TYPE}._tcp.local`, { host, port }, (conflict) => {
      cancelProbe = undefined;
      if (stopped) return;
      if (conflict) {
        taken.push(candidate);
        if (attempt < MAX_NAME_ATTEMPTS) return claim(b, mdns, attempt + 1, taken);
        log.warn(
          { name: baseName, taken, port },
          'mDNS name conflict: every name tried is already in use on the LAN; not advertising, hub still reachable by address',
        );
        return;
      }
      name = candidate;
      if (taken.length > 0) {
        log.warn(
          { name: baseName, newName: name, taken, port },
          `mDNS name conflict: "${baseName}" is already in use on the LAN (another hub with a copy of this data directory, an old hub still running, or a cached answer); advertising as "${name}"`,
        );
      }
      try {
        announce(b, false);
      } catch (err) {
        warnOnce(toError(err), 'publish');
      }
    });
  };

  try {
    bonjour = createSafeBonjour({}, warnOnce);
    const mdns = mdnsOf(bonjour);
    if (mdns && typeof mdns.send === 'function') advertiseOnly(mdns, () => allowed);
    if (mdns && typeof mdns.query === 'function' && typeof mdns.removeListener === 'function') {
      const b = bonjour;
      void addressesToAdvertise(only).then((set) => {
        allowed = set;
        if (!stopped) claim(b, mdns, 1, []);
      });
    } else announce(bonjour, true); // bonjour's internals changed: its own probe (no rename) is the best left
  } catch (err) {
    warnOnce(toError(err), 'publish');
  }

  // bonjour answers with the addresses it read when it announced, for as long as it runs: after a new DHCP
  // lease (or a hub that started before its network was up) tablets would be sent to an address that is gone.
  // On a change the service is withdrawn (goodbye, which also drops the old address records) and announced
  // again with the new ones, under the name it won (maybe renamed); the name is ours already, so no second
  // probe. While still probing (no service yet) there is nothing to redo: the announcement reads the addresses.
  let republishing = false;
  const recheck = setInterval(() => {
    if (!bonjour || !service || stopped || republishing) return;
    republishing = true;
    void addressesToAdvertise(only).then((next) => {
      const b = bonjour;
      if (!b || stopped || advertisedAddresses(next) === addresses) {
        republishing = false;
        return;
      }
      const again = () => {
        republishing = false;
        if (stopped) return;
        allowed = next; // after the goodbye, which withdraws the old addresses
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
    });
  }, opts.recheckMs ?? RECHECK_MS);
  recheck.unref();

  let stopping: Promise<void> | undefined;
  return {
    stop(): Promise<void> {
      if (stopping) return stopping;
      stopped = true; // errors from tearing down are expected; don't warn about them
      clearInterval(recheck);
      cancelProbe?.();
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
