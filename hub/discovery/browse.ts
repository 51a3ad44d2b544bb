/**
 * LAN discovery, client side: browse `_brigade._tcp.local` for a fixed time
 * and return every hub that answered. Never throws for multicast problems;
 * those are reported through `onWarning` and yield an empty/partial list.
 */
import os from 'node:os';
import type { Service } from 'bonjour-service';
import { API_PATH, SERVICE_TYPE, createSafeBonjour, toError } from './advertise.ts';

export interface DiscoveredHub {
  /** DNS-SD instance name, e.g. "Chez Marie (a1b2c3)". */
  name: string;
  /** SRV target, e.g. "hub-pc.local". */
  host: string;
  addresses: string[];
  port: number;
  storeId?: string;
  api?: string;
  /** Best-guess base URL of the hub's HTTP API, e.g. http://10.0.0.5:8080/api/v1 */
  url: string;
  /** The public address (phones and kiosks: TXT `public`), when the hub runs one, e.g. http://10.0.0.5:8081/api/v1 */
  publicUrl?: string;
}

export interface BrowseOptions {
  timeoutMs: number;
  /** Network interface to browse on: an interface name ("eth0") or its IPv4 address. */
  interface?: string;
  /** Called (at most once) when multicast is unavailable or a socket error occurs. */
  onWarning?: (err: Error) => void;
}

/** Re-send the PTR query a few times in case the first one was lost (RFC 6762 §5.2 style back-off). */
const FIRST_REQUERY_MS = 1_000;

export async function browseHubs(opts: BrowseOptions): Promise<DiscoveredHub[]> {
  const timeoutMs = Math.max(0, opts.timeoutMs);
  const mdnsOpts: Record<string, unknown> = {};
  if (opts.interface) {
    mdnsOpts.interface = resolveInterfaceAddress(opts.interface);
    // multicast-dns would otherwise bind the socket to the interface's unicast
    // address, which on Linux never receives multicast packets.
    mdnsOpts.bind = '0.0.0.0';
  }

  const found = new Map<string, DiscoveredHub>();
  let warned = false;
  const onError = (err: Error): void => {
    if (warned) return;
    warned = true;
    opts.onWarning?.(err);
  };

  let bonjour: ReturnType<typeof createSafeBonjour> | undefined;
  try {
    bonjour = createSafeBonjour(mdnsOpts, onError);
  } catch (err) {
    onError(toError(err));
    return [];
  }
  const b = bonjour;

  // by name and port: two hubs claiming one name (a conflict an older hub did not resolve) are both listed
  const keyOf = (name: string, port: number) => `${name.toLowerCase()}|${port}`;
  const record = (svc: Service): void => {
    const hub = toHub(svc);
    if (!hub) return;
    const key = keyOf(hub.name, hub.port);
    const prev = found.get(key);
    if (prev) {
      const addresses = [...new Set([...prev.addresses, ...hub.addresses])];
      found.set(key, { ...prev, ...hub, addresses });
    } else {
      found.set(key, hub);
    }
  };

  await new Promise<void>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    let browser: ReturnType<typeof b.find> | undefined;
    try {
      browser = b.find({ type: SERVICE_TYPE, protocol: 'tcp' });
      browser.on('up', record);
      // what a hub withdrew while we listened is gone: a hub stopped (its goodbye), or restarted on another port
      browser.on('srv-update', (svc: Service, old?: Service) => {
        if (old?.name && old.port !== svc.port) found.delete(keyOf(old.name, old.port));
        record(svc);
      });
      browser.on('txt-update', record);
      browser.on('down', (svc: Service) => {
        if (svc.name) found.delete(keyOf(svc.name, svc.port));
      });
      for (let t = FIRST_REQUERY_MS; t < timeoutMs; t *= 2) {
        timers.push(
          setTimeout(() => {
            try {
              browser?.update();
            } catch (err) {
              onError(toError(err));
            }
          }, t),
        );
      }
    } catch (err) {
      onError(toError(err));
    }
    timers.push(
      setTimeout(() => {
        for (const t of timers) clearTimeout(t);
        try {
          // The browser keeps its own list too; fold it in for completeness.
          for (const svc of browser?.services ?? []) record(svc);
          browser?.stop();
        } catch {
          /* ignore */
        }
        resolve();
      }, timeoutMs),
    );
  });

  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 1_000);
    t.unref();
    try {
      b.destroy(() => {
        clearTimeout(t);
        resolve();
      });
    } catch {
      clearTimeout(t);
      resolve();
    }
  });

  return [...found.values()].sort((x, y) => x.name.localeCompare(y.name) || x.url.localeCompare(y.url));
}

function resolveInterfaceAddress(iface: string): string {
  const byName = os.networkInterfaces()[iface];
  const v4 = byName?.find((a) => a.family === 'IPv4');
  return v4 ? v4.address : iface;
}

function toHub(svc: Service): DiscoveredHub | undefined {
  if (!svc.name || !svc.port) return undefined;
  const txt = (svc.txt ?? {}) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const addresses = [...new Set(svc.addresses ?? [])];
  const path = str(txt.path) ?? API_PATH;
  const base = (port: number) => `http://${formatHost(pickAddress(svc, addresses))}:${port}${path.startsWith('/') ? path : `/${path}`}`;
  const hub: DiscoveredHub = { name: svc.name, host: svc.host, addresses, port: svc.port, url: base(svc.port) };
  const publicPort = Number(str(txt.public));
  if (Number.isInteger(publicPort) && publicPort > 0 && publicPort < 65536) hub.publicUrl = base(publicPort);
  const storeId = str(txt.storeId);
  const api = str(txt.api);
  if (storeId !== undefined) hub.storeId = storeId;
  if (api !== undefined) hub.api = api;
  return hub;
}

/**
 * The packet's source address is known to be reachable from us, so prefer it
 * (the advertised A records list every interface of the hub, including ones
 * like docker bridges that we can't reach). Then IPv4, then anything.
 */
function pickAddress(svc: Service, addresses: string[]): string {
  const referer = svc.referer?.address;
  if (referer && !referer.includes(':') && (addresses.length === 0 || addresses.includes(referer))) {
    return referer;
  }
  return addresses.find((a) => !a.includes(':')) ?? addresses[0] ?? referer ?? svc.host;
}

function formatHost(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}
