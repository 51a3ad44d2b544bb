import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { namesOfSan, sameNames, type CertNames } from './host-names.ts';
import type { Issued } from './x509.ts';

// the X.509 writer and its ASN.1 stack load in about a third of a second: only when something is issued
const x509 = () => import('./x509.ts');

const DAY = 86_400_000;
export const CA_VALID_DAYS = 3650;
export const SERVER_VALID_DAYS = 397;
/** A server certificate this close to its end is re-issued at the next start or check. */
export const RENEW_BEFORE_DAYS = 30;

/** The hub's TLS material, as the https server and the /ca.crt route use it. */
export interface TlsIdentity {
  ca: { certPem: string; der: Buffer; fingerprint256: string; validTo: number };
  server: { keyPem: string; certPem: string; names: CertNames; validTo: number };
}

export type TlsChange = 'created-ca' | 'issued' | 'reused';

const FILES = { caKey: 'ca.key', caCert: 'ca.crt', key: 'server.key', cert: 'server.crt' } as const;

/** Keys are 0600 and replaced by rename, so a crash mid-write never leaves half a key behind. */
function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

function readIssued(dir: string, keyFile: string, certFile: string): (Issued & { x509: X509Certificate }) | null {
  try {
    const keyPem = readFileSync(join(dir, keyFile), 'utf8');
    const certPem = readFileSync(join(dir, certFile), 'utf8');
    return { keyPem, certPem, x509: new X509Certificate(certPem) };
  } catch {
    return null;
  }
}

const endOf = (c: X509Certificate) => Date.parse(c.validTo);

/** Why the server certificate on disk cannot be served as it is, or null when it can. */
function staleReason(cert: X509Certificate, ca: X509Certificate, names: CertNames, now: number): string | null {
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'not signed by the current CA';
  if (!sameNames(namesOfSan(cert.subjectAltName), names)) return 'the host names or addresses changed';
  if (endOf(cert) - now < RENEW_BEFORE_DAYS * DAY) return 'it expires soon';
  if (Date.parse(cert.validFrom) > now) return 'it is not valid yet';
  return null;
}

/**
 * Loads the hub's CA and server certificate from `dir` (the data dir's tls/), making the CA on first start
 * and re-issuing the server certificate when its names changed or it nears its end. The CA key is read
 * here and nowhere else: it never leaves this machine.
 */
export async function loadTlsIdentity(
  dir: string,
  o: { names: CertNames; now: number; caName: string },
): Promise<{ identity: TlsIdentity; change: TlsChange; reason?: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let change: TlsChange = 'reused';
  let ca = readIssued(dir, FILES.caKey, FILES.caCert);
  if (!ca || endOf(ca.x509) <= o.now) {
    const made = await (await x509()).createCa({ commonName: o.caName, now: o.now, validDays: CA_VALID_DAYS });
    writeAtomic(join(dir, FILES.caKey), made.keyPem, 0o600);
    writeAtomic(join(dir, FILES.caCert), made.certPem, 0o644);
    ca = { ...made, x509: new X509Certificate(made.certPem) };
    change = 'created-ca';
  }
  let server = readIssued(dir, FILES.key, FILES.cert);
  const reason = server ? staleReason(server.x509, ca.x509, o.names, o.now) : 'none yet';
  if (!server || reason) {
    const made = await (await x509()).issueServerCert(ca, o.names, { now: o.now, validDays: SERVER_VALID_DAYS });
    writeAtomic(join(dir, FILES.key), made.keyPem, 0o600);
    writeAtomic(join(dir, FILES.cert), made.certPem, 0o644);
    server = { ...made, x509: new X509Certificate(made.certPem) };
    if (change === 'reused') change = 'issued';
  }
  return {
    identity: {
      ca: { certPem: ca.certPem, der: ca.x509.raw, fingerprint256: ca.x509.fingerprint256, validTo: endOf(ca.x509) },
      server: { keyPem: server.keyPem, certPem: server.certPem, names: namesOfSan(server.x509.subjectAltName), validTo: endOf(server.x509) },
    },
    change,
    ...(reason && change !== 'reused' ? { reason } : {}),
  };
}
