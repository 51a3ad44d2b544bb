import type { CertNames } from './host-names.ts';

/**
 * What the hub's CA may vouch for (an X.509 nameConstraints extension, RFC 5280 §4.2.1.10). A tablet that
 * installs the CA trusts whatever it signs; with these constraints, whoever steals `ca.key` can still only
 * impersonate names on the store's LAN, never a bank's web site. Browsers, Android, iOS and OpenSSL check
 * the constraints of the installed root.
 */
export interface Permitted {
  /** DNS subtrees: a name matches its subtree or any name under it ("local" covers "hub.local"). */
  dns: string[];
  /** IPv4 ranges as CIDR. */
  ips: string[];
}

/** Names no public web site can have: mDNS, loopback, and the suffixes reserved or used for home and office LANs. */
const LAN_DNS = ['local', 'localhost', 'lan', 'home.arpa', 'internal', 'test'];
/** Private (RFC 1918), loopback, link-local and carrier-grade NAT ranges. */
const LAN_IPS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10'];

const ipNumber = (ip: string) => ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);

function inRange(ip: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipNumber(ip) / size) === Math.floor(ipNumber(base) / size);
}

const inSubtree = (name: string, tree: string) => name === tree || name.endsWith(`.${tree}`);

/**
 * The constraints of a new CA: the LAN's names and ranges, plus the names the hub has when the CA is made
 * (a host name with a domain, HUB_TLS_NAMES, an address outside the private ranges), so a hub set up that
 * way keeps working. Never a one-label name: a DNS constraint covers every name under it, and a hub called
 * "kitchen", "cafe" or "restaurant" (all public top-level domains) would let its CA key vouch for every web
 * site in that domain. Such a bare host name is left out of the certificate; `<host>.local` is in it.
 */
export function permittedFor(names: CertNames): Permitted {
  const dns = [...LAN_DNS];
  for (const n of names.dns) if (n.includes('.') && !dns.some((t) => inSubtree(n, t))) dns.push(n);
  const ips = [...LAN_IPS];
  for (const ip of names.ips) if (!ips.some((r) => inRange(ip, r))) ips.push(`${ip}/32`);
  return { dns, ips };
}

/**
 * Splits `names` into those the CA may vouch for and those it may not. A certificate with even one name
 * outside the constraints is refused by clients for every name, so the outside ones are left out of it.
 */
export function withinPermitted(names: CertNames, p: Permitted | null): { names: CertNames; outside: string[] } {
  if (!p) return { names, outside: [] };
  const dns = names.dns.filter((n) => p.dns.some((t) => inSubtree(n, t)));
  const ips = names.ips.filter((ip) => p.ips.some((r) => inRange(ip, r)));
  const outside = [...names.dns.filter((n) => !dns.includes(n)), ...names.ips.filter((ip) => !ips.includes(ip))];
  return { names: { dns, ips }, outside };
}

// ---- DER: NameConstraints ::= SEQUENCE { permittedSubtrees [0] SEQUENCE OF SEQUENCE { base GeneralName } }

function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

const DNS_NAME = 0x82; // [2] IMPLICIT IA5String
const IP_ADDRESS = 0x87; // [7] IMPLICIT OCTET STRING: address then mask

function ipBytes(cidr: string): Buffer {
  const [base = '', bits = '32'] = cidr.split('/');
  const mask = bits === '0' ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  const b = Buffer.alloc(8);
  b.writeUInt32BE((ipNumber(base) & mask) >>> 0, 0);
  b.writeUInt32BE(mask, 4);
  return b;
}

export function encodeNameConstraints(p: Permitted): Buffer {
  const subtrees = [
    ...p.dns.map((d) => tlv(0x30, tlv(DNS_NAME, Buffer.from(d, 'ascii')))),
    ...p.ips.map((r) => tlv(0x30, tlv(IP_ADDRESS, ipBytes(r)))),
  ];
  return tlv(0x30, tlv(0xa0, Buffer.concat(subtrees)));
}

/** Reads back what `encodeNameConstraints` wrote (permitted DNS and IPv4 subtrees); null for anything else. */
export function decodeNameConstraints(der: Uint8Array): Permitted | null {
  const read = (buf: Buffer, at: number): { tag: number; body: Buffer; next: number } => {
    const tag = buf[at]!;
    let len = buf[at + 1]!;
    let start = at + 2;
    if (len & 0x80) {
      const octets = len & 0x7f;
      len = 0;
      for (let i = 0; i < octets; i++) len = len * 256 + buf[start + i]!;
      start += octets;
    }
    if (start + len > buf.length) throw new Error('truncated');
    return { tag, body: buf.subarray(start, start + len), next: start + len };
  };
  try {
    const outer = read(Buffer.from(der), 0);
    if (outer.tag !== 0x30) return null;
    const permitted = read(outer.body, 0);
    if (permitted.tag !== 0xa0) return null;
    const p: Permitted = { dns: [], ips: [] };
    for (let at = 0; at < permitted.body.length; ) {
      const subtree = read(permitted.body, at);
      at = subtree.next;
      const base = read(subtree.body, 0);
      if (base.tag === DNS_NAME) p.dns.push(base.body.toString('ascii').toLowerCase());
      else if (base.tag === IP_ADDRESS && base.body.length === 8) {
        const mask = base.body.readUInt32BE(4);
        const bits = mask.toString(2).replace(/0/g, '').length;
        p.ips.push(`${[...base.body.subarray(0, 4)].join('.')}/${bits}`);
      }
      // other kinds of names (IPv6, directory names) constrain nothing the hub issues
    }
    return p;
  } catch {
    return null;
  }
}
