// @peculiar/x509 resolves its parsers through tsyringe, which needs the Reflect metadata API loaded first
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import type { CertNames } from './host-names.ts';
import { decodeNameConstraints, encodeNameConstraints, type Permitted } from './name-constraints.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** ECDSA P-256: accepted by every Android, iOS and desktop TLS stack, and made in milliseconds. */
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/** A key pair as files: PKCS#8 PEM for the private key, PEM for the certificate. */
export interface Issued {
  keyPem: string;
  certPem: string;
}

// positive 128-bit serials (RFC 5280 §4.1.2.2: at most 20 octets, non-negative)
const serial = () => {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
};

const generateKeys = () => webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
}

const importSigningKey = (pem: string) =>
  webcrypto.subtle.importKey('pkcs8', createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' }), ALG, false, ['sign']) as Promise<CryptoKey>;

const NAME_CONSTRAINTS = '2.5.29.30';

/** A self-signed root that may sign server certificates only (path length 0), for the `permitted` names only. */
export async function createCa(o: { commonName: string; now: number; validDays: number; permitted: Permitted }): Promise<Issued> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [o.commonName] }, { O: ['Brigade'] }],
    notBefore: new Date(o.now - DAY),
    notAfter: new Date(o.now + o.validDays * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      // critical, as RFC 5280 asks: a client that cannot check the constraints must not trust the CA without them
      new x509.Extension(NAME_CONSTRAINTS, true, new Uint8Array(encodeNameConstraints(o.permitted))),
    ],
  });
  return { keyPem: await keyPem(keys.privateKey), certPem: cert.toString('pem') };
}

/** The names a CA may vouch for, or null when it has no name constraints (a CA made before they existed). */
export function permittedOf(caPem: string): Permitted | null {
  const ext = new x509.X509Certificate(caPem).getExtension(NAME_CONSTRAINTS);
  return ext ? decodeNameConstraints(new Uint8Array(ext.value)) : null;
}

/**
 * A TLS server certificate for `names`, signed by the CA. Validity stays under Apple's 825-day limit for
 * certificates from user-installed roots (iOS 13+), and notBefore is a day back for tablets whose clock lags.
 */
export async function issueServerCert(ca: Issued, names: CertNames, o: { now: number; validDays: number }): Promise<Issued> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: [{ CN: [names.dns.find((n) => n !== 'localhost') ?? names.dns[0] ?? 'localhost'] }, { O: ['Brigade'] }],
    issuer: caCert.subject,
    notBefore: new Date(o.now - DAY),
    notAfter: new Date(o.now + o.validDays * DAY),
    publicKey: keys.publicKey,
    signingKey: await importSigningKey(ca.keyPem),
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { keyPem: await keyPem(keys.privateKey), certPem: cert.toString('pem') };
}
