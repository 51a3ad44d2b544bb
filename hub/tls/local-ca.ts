import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { namesOfSan, sameNames, type CertNames } from './host-names.ts';
import { permittedFor, withinPermitted } from './name-constraints.ts';
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

/**
 * Keys are 0600 and replaced by rename, so a crash mid-write never leaves half a key behind; the data is
 * flushed before the rename and the rename before we go on, or a power cut could leave an empty file under
 * the final name (a rename can reach the disk before the data it points at).
 */
function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode); // a leftover tmp file of the same name kept its old mode
  renameSync(tmp, path);
  try {
    const dir = openSync(join(path, '..'), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    /* directories cannot be fsynced on every platform; the rename still happened */
  }
}

/**
 * A key and its certificate from disk, or why they cannot be used: missing, damaged (a power cut, a bad copy),
 * or a key that is not the certificate's (a cut between writing the key and writing the certificate).
 * A key that others may read (a backup restored carelessly) is made 0600 again.
 */
function readIssued(dir: string, keyFile: string, certFile: string): { ok: Issued & { x509: X509Certificate } } | { missing: boolean; problem: string } {
  let keyPem: string;
  let certPem: string;
  let reading = keyFile;
  try {
    keyPem = readFileSync(join(dir, keyFile), 'utf8');
    reading = certFile;
    certPem = readFileSync(join(dir, certFile), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true, problem: 'none yet' };
    // there but unreadable (EACCES: another owner, the hub once run as root; EIO): counted as missing, a new CA
    // replaced the one every tablet had installed. HTTPS not starting this once keeps it: a chown puts it back.
    throw new Error(`${join(dir, reading)} cannot be read (${code ?? String(err)}); HTTPS starts once it can (a file of another owner: give it to the hub's user)`, { cause: err });
  }
  try {
    const cert = new X509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return { missing: false, problem: `${keyFile} is not the key of ${certFile}` };
    if ((statSync(join(dir, keyFile)).mode & 0o077) !== 0) chmodSync(join(dir, keyFile), 0o600);
    return { ok: { keyPem, certPem, x509: cert } };
  } catch {
    return { missing: false, problem: `${keyFile} or ${certFile} is damaged` };
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
 *
 * `outside` lists wanted names the CA may not vouch for (its name constraints): they are left out of the
 * server certificate, which would otherwise be refused for every name.
 */
export async function loadTlsIdentity(
  dir: string,
  o: { names: CertNames; now: number; caName: string },
): Promise<{ identity: TlsIdentity; change: TlsChange; reason?: string; outside?: string[] }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let change: TlsChange = 'reused';
  let caReason: string | undefined;
  const onDisk = readIssued(dir, FILES.caKey, FILES.caCert);
  let ca = 'ok' in onDisk ? onDisk.ok : null;
  if (!ca || endOf(ca.x509) <= o.now) {
    // a damaged CA key can never sign again: a new CA (the tablets install it again) beats no HTTPS at all
    if (!('ok' in onDisk) && !onDisk.missing) caReason = `the CA on disk is unusable (${onDisk.problem}); install the new /ca.crt on the tablets`;
    else if (ca) caReason = 'the CA expired; install the new /ca.crt on the tablets';
    const made = await (await x509()).createCa({ commonName: o.caName, now: o.now, validDays: CA_VALID_DAYS, permitted: permittedFor(o.names) });
    writeAtomic(join(dir, FILES.caKey), made.keyPem, 0o600);
    writeAtomic(join(dir, FILES.caCert), made.certPem, 0o644);
    ca = { ...made, x509: new X509Certificate(made.certPem) };
    change = 'created-ca';
  }
  let serverOnDisk: ReturnType<typeof readIssued>;
  try {
    serverOnDisk = readIssued(dir, FILES.key, FILES.cert);
  } catch (err) {
    // the server's pair, unlike the CA's, is replaced with no one the wiser
    serverOnDisk = { missing: false, problem: (err as Error).message };
  }
  let server = 'ok' in serverOnDisk ? serverOnDisk.ok : null;
  let wanted = o.names;
  let outside: string[] = [];
  let reason = server ? staleReason(server.x509, ca.x509, wanted, o.now) : 'problem' in serverOnDisk ? serverOnDisk.problem : null;
  if (server && reason === 'the host names or addresses changed') {
    // some wanted names may be ones the CA may not vouch for; the certificate then rightly lacks them
    ({ names: wanted, outside } = withinPermitted(o.names, (await x509()).permittedOf(ca.certPem)));
    reason = staleReason(server.x509, ca.x509, wanted, o.now);
  }
  if (!server || reason) {
    const lib = await x509();
    ({ names: wanted, outside } = withinPermitted(o.names, lib.permittedOf(ca.certPem)));
    const made = await lib.issueServerCert(ca, wanted, { now: o.now, validDays: SERVER_VALID_DAYS });
    writeAtomic(join(dir, FILES.key), made.keyPem, 0o600);
    writeAtomic(join(dir, FILES.cert), made.certPem, 0o644);
    server = { ...made, x509: new X509Certificate(made.certPem) };
    if (change === 'reused') change = 'issued';
  }
  // a new CA says why only when one existed (damaged, expired); a first start needs no reason
  const why = change === 'created-ca' ? caReason : change === 'issued' ? reason : null;
  return {
    identity: {
      ca: { certPem: ca.certPem, der: ca.x509.raw, fingerprint256: ca.x509.fingerprint256, validTo: endOf(ca.x509) },
      server: { keyPem: server.keyPem, certPem: server.certPem, names: namesOfSan(server.x509.subjectAltName), validTo: endOf(server.x509) },
    },
    change,
    ...(why ? { reason: why } : {}),
    ...(outside.length > 0 ? { outside } : {}),
  };
}
