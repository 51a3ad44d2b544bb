import type { NetworkInterfaceInfo } from 'node:os';

/** What a server certificate must name: DNS names and IPv4 addresses, sorted so two sets compare as strings. */
export interface CertNames {
  dns: string[];
  ips: string[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * `<host>.local`, the name the hub answers to by mDNS and advertises as its SRV target: the first label of the
 * host name, with what a DNS label cannot have made a dash (as Avahi does), at most 63 bytes.
 */
export function mdnsHostName(hostname: string): string {
  const first = (hostname.split('.')[0] ?? '').replace(/[^0-9A-Za-z-]/g, '-').slice(0, 63);
  return `${first || 'brigade-hub'}.local`;
}

/**
 * The names staff devices may use to reach this hub: `localhost`, the machine's host name and its mDNS
 * `.local` form, every non-internal IPv4 address, the address it is bound to, and any configured extras.
 * A tablet that types one of these gets a certificate that matches; any other name gets a warning.
 */
export function certNames(o: {
  hostname: string;
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  bindHost: string;
  extra: readonly string[];
}): CertNames {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1']);
  const add = (name: string) => {
    const n = name.trim().toLowerCase();
    if (n === '' || n === '0.0.0.0' || n === '::') return;
    if (IPV4.test(n)) ips.add(n);
    else if (/^[a-z0-9.-]+$/.test(n)) dns.add(n);
  };
  add(o.hostname);
  // the hub advertises the machine as <host>.local on the LAN (advertise.ts), which is what iPads resolve;
  // judged from the host name alone, a host named as a whole domain name or with an underscore lacked it
  add(mdnsHostName(o.hostname));
  for (const addrs of Object.values(o.interfaces)) for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) add(a.address);
  add(o.bindHost);
  for (const n of o.extra) add(n);
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}

export const sameNames = (a: CertNames, b: CertNames) => a.dns.join() === b.dns.join() && a.ips.join() === b.ips.join();

/** Reads the names out of Node's `X509Certificate.subjectAltName` ("DNS:localhost, IP Address:127.0.0.1"). */
export function namesOfSan(san: string | undefined): CertNames {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const part of (san ?? '').split(/,\s*/)) {
    if (part.startsWith('DNS:')) dns.push(part.slice(4).toLowerCase());
    else if (part.startsWith('IP Address:')) ips.push(part.slice(11));
  }
  return { dns: dns.sort(), ips: ips.sort() };
}
