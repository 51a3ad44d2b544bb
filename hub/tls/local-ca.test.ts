import { X509Certificate } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect, createSecureContext, createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { certNames, mdnsHostName } from './host-names.ts';
import { loadTlsIdentity, RENEW_BEFORE_DAYS, SERVER_VALID_DAYS } from './local-ca.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-01T12:00:00Z');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'brigade-tls-'));
  dirs.push(d);
  return join(d, 'tls');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const lan = (...addresses: string[]) => ({
  lo: [{ address: '127.0.0.1', family: 'IPv4' as const, internal: true, netmask: '255.0.0.0', mac: '', cidr: null }],
  eth0: addresses.map((address) => ({ address, family: 'IPv4' as const, internal: false, netmask: '255.255.255.0', mac: '', cidr: null })),
});
const names = (...addresses: string[]) => certNames({ hostname: 'kitchen-pc', interfaces: lan(...addresses), bindHost: '0.0.0.0', extra: [] });
const caName = 'Brigade test CA';

describe('certNames', () => {
  it('names localhost, the host and its .local name, loopback, LAN IPv4 addresses, the bound address and extras', () => {
    const n = certNames({
      hostname: 'Kitchen-PC',
      interfaces: { ...lan('192.168.1.20'), wlan0: [{ address: 'fe80::1', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 1 }] },
      bindHost: '10.0.0.5',
      extra: ['hub.test', '172.16.0.9'],
    });
    expect(n).toEqual({ dns: ['hub.test', 'kitchen-pc', 'kitchen-pc.local', 'localhost'], ips: ['10.0.0.5', '127.0.0.1', '172.16.0.9', '192.168.1.20'] });
  });
});

describe('certNames and the name the hub is advertised under', () => {
  it.each([
    ['hub.example.lan', 'hub.local'], // a host name set as a whole domain name: mDNS uses its first label
    ['kitchen_pc', 'kitchen-pc.local'], // a character a DNS name cannot have: mDNS has a dash there
    ['Kitchen-PC', 'kitchen-pc.local'],
  ])('names the .local name the hub is advertised under (host %j: %s)', (hostname, local) => {
    expect(certNames({ hostname, interfaces: lan('192.168.1.20'), bindHost: '0.0.0.0', extra: [] }).dns).toContain(local);
    expect(mdnsHostName(hostname).toLowerCase()).toBe(local);
  });
});

describe('loadTlsIdentity', () => {
  it('makes a CA and a server certificate on first start: keys 0600, the server certificate verifies against the CA for every name', async () => {
    const dir = tmp();
    const { identity, change, reason } = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    expect(change).toBe('created-ca');
    expect(reason).toBeUndefined(); // nothing to warn about on a first start
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'server.key')).mode & 0o777).toBe(0o600);
    const ca = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
    const leaf = new X509Certificate(identity.server.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    for (const host of ['localhost', 'kitchen-pc.local']) expect(leaf.checkHost(host)).toBe(host);
    // the bare host name is one label: the name-constrained CA may not vouch for it (it could be a whole TLD)
    expect(leaf.checkHost('kitchen-pc')).toBeUndefined();
    for (const ip of ['127.0.0.1', '192.168.1.20']) expect(leaf.checkIP(ip)).toBe(ip);
    expect(leaf.checkIP('192.168.1.21')).toBeUndefined();
    expect(Date.parse(ca.validTo) - NOW).toBeGreaterThan(3649 * DAY);
    expect(Date.parse(leaf.validTo) - NOW).toBe(SERVER_VALID_DAYS * DAY);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth (Node lists the extended key usage here)
    expect(identity.ca.der.equals(ca.raw)).toBe(true);
    // the CA key is on disk only: nothing handed to the HTTP side carries it
    expect(JSON.stringify(identity)).not.toContain(readFileSync(join(dir, 'ca.key'), 'utf8').split('\n')[1]);
  });

  it('reuses both certificates across restarts while the names are the same', async () => {
    const dir = tmp();
    const first = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    const again = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW + 100 * DAY, caName });
    expect(again.change).toBe('reused');
    expect(again.identity.server.certPem).toBe(first.identity.server.certPem);
    expect(again.identity.ca.certPem).toBe(first.identity.ca.certPem);
  });

  it('re-issues the server certificate (same CA) when the LAN address changes', async () => {
    const dir = tmp();
    const first = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    const moved = await loadTlsIdentity(dir, { names: names('192.168.1.77'), now: NOW, caName });
    expect(moved).toMatchObject({ change: 'issued', reason: 'the host names or addresses changed' });
    expect(moved.identity.ca.certPem).toBe(first.identity.ca.certPem);
    const leaf = new X509Certificate(moved.identity.server.certPem);
    expect(leaf.checkIP('192.168.1.77')).toBe('192.168.1.77');
    expect(leaf.checkIP('192.168.1.20')).toBeUndefined();
  });

  it(`re-issues the server certificate ${RENEW_BEFORE_DAYS} days before it expires, not earlier`, async () => {
    const dir = tmp();
    const first = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    const early = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW + (SERVER_VALID_DAYS - RENEW_BEFORE_DAYS - 1) * DAY, caName });
    expect(early.change).toBe('reused');
    const late = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW + (SERVER_VALID_DAYS - RENEW_BEFORE_DAYS + 1) * DAY, caName });
    expect(late).toMatchObject({ change: 'issued', reason: 'it expires soon' });
    expect(late.identity.server.certPem).not.toBe(first.identity.server.certPem);
  });

  it('re-issues a server certificate that another CA signed (the CA files were replaced)', async () => {
    const dir = tmp();
    const other = tmp();
    await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    await loadTlsIdentity(other, { names: names('192.168.1.20'), now: NOW, caName });
    // a server certificate from another hub's CA next to this CA
    for (const f of ['server.crt', 'server.key']) copyFileSync(join(other, f), join(dir, f));
    const r = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    expect(r).toMatchObject({ change: 'issued', reason: 'not signed by the current CA' });
    expect(new X509Certificate(r.identity.server.certPem).verify(new X509Certificate(r.identity.ca.certPem).publicKey)).toBe(true);
  });
});

describe('loadTlsIdentity after a power cut or a careless copy', () => {
  const servable = (id: { server: { keyPem: string; certPem: string } }) => () => createSecureContext({ key: id.server.keyPem, cert: id.server.certPem });

  it('replaces a server key that does not match its certificate (cut between the two renames) instead of failing every start', async () => {
    const dir = tmp();
    const other = tmp();
    await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    await loadTlsIdentity(other, { names: names('192.168.1.20'), now: NOW, caName });
    copyFileSync(join(other, 'server.key'), join(dir, 'server.key')); // the new key landed, its certificate did not
    const r = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    expect(r.change).toBe('issued');
    expect(servable(r.identity)).not.toThrow();
  });

  it('replaces an empty (never flushed) or truncated server key or certificate', async () => {
    const dir = tmp();
    await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    for (const [file, cut] of [['server.key', 0], ['server.key', 60], ['server.crt', 0], ['server.crt', 100]] as const) {
      const full = readFileSync(join(dir, file));
      writeFileSync(join(dir, file), full.subarray(0, cut));
      const r = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
      expect(r.change).toBe('issued');
      expect(servable(r.identity)).not.toThrow();
    }
  });

  it('makes a new CA, saying why, when the CA key on disk is damaged: it could never sign again', async () => {
    const dir = tmp();
    await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    writeFileSync(join(dir, 'ca.key'), '');
    // the next re-issue (a new address) needs the CA key
    const r = await loadTlsIdentity(dir, { names: names('192.168.1.77'), now: NOW, caName });
    expect(r.change).toBe('created-ca');
    expect(r.reason).toMatch(/CA/);
    expect(servable(r.identity)).not.toThrow();
    expect(new X509Certificate(r.identity.server.certPem).checkIP('192.168.1.77')).toBe('192.168.1.77');
  });

  it('keeps the CA when its key is there but cannot be read (another owner: the hub once run as root; a read error), and says which file', async () => {
    const dir = tmp();
    await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    const caCert = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const key = readFileSync(join(dir, 'ca.key'), 'utf8');
    // a read that fails for another reason than "no such file" (tests run as root: EACCES cannot be had, ELOOP can)
    rmSync(join(dir, 'ca.key'));
    symlinkSync('ca.key', join(dir, 'ca.key'));
    // a new CA would have every tablet install it again; one chown (or the next start) puts this one back
    await expect(loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName })).rejects.toThrow(/ca\.key.*ELOOP/);
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(caCert);
    rmSync(join(dir, 'ca.key'));
    writeFileSync(join(dir, 'ca.key'), key, { mode: 0o600 });
    expect((await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName })).change).toBe('reused');

    // the server's key unreadable: a new one (same CA) serves, as for a damaged one
    rmSync(join(dir, 'server.key'));
    symlinkSync('server.key', join(dir, 'server.key'));
    const r = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    expect(r).toMatchObject({ change: 'issued', reason: expect.stringMatching(/server\.key.*ELOOP/) });
    expect(r.identity.ca.certPem).toBe(caCert);
  });

  it('makes key files that others can read (a restored backup) 0600 again', async () => {
    const dir = tmp();
    await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    for (const key of ['ca.key', 'server.key']) chmodSync(join(dir, key), 0o644);
    expect((await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName })).change).toBe('reused');
    for (const key of ['ca.key', 'server.key']) expect(statSync(join(dir, key)).mode & 0o777).toBe(0o600);
  });
});

describe('the CA is name-constrained to the store LAN', () => {
  /** A TLS handshake on loopback with `leaf`, by a client that trusts only `caPem`: null when it verifies, else the error. */
  async function handshake(leaf: { keyPem: string; certPem: string }, caPem: string, servername: string): Promise<string | null> {
    const server = createTlsServer({ key: leaf.keyPem, cert: leaf.certPem }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      return await new Promise<string | null>((resolve) => {
        const s = tlsConnect({ host: '127.0.0.1', port, ca: caPem, servername, checkServerIdentity: () => undefined }, () => {
          s.destroy();
          resolve(null);
        });
        s.on('error', (err: NodeJS.ErrnoException) => resolve(`${err.code}: ${err.message}`));
      });
    } finally {
      server.close();
    }
  }

  it('a certificate the CA key signs for a public name is refused by clients that trust the CA; the hub\'s own names pass', async () => {
    const dir = tmp();
    const { identity } = await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: Date.now(), caName });
    expect(await handshake(identity.server, identity.ca.certPem, 'kitchen-pc.local')).toBeNull();
    // whoever steals ca.key can sign what they like, but tablets check it against the CA they installed
    const ca = { keyPem: readFileSync(join(dir, 'ca.key'), 'utf8'), certPem: identity.ca.certPem };
    const { issueServerCert } = await import('./x509.ts');
    const forged = await issueServerCert(ca, { dns: ['bank.example.com'], ips: ['8.8.8.8'] }, { now: Date.now(), validDays: 30 });
    expect(await handshake(forged, identity.ca.certPem, 'bank.example.com')).toMatch(/PERMITTED|SUBTREE|CONSTRAINT/i);
    const lanName = await issueServerCert(ca, { dns: ['till.lan', 'x.home.arpa'], ips: ['10.1.2.3', '172.20.0.1'] }, { now: Date.now(), validDays: 30 });
    expect(await handshake(lanName, identity.ca.certPem, 'till.lan')).toBeNull();
  });

  it('a hub whose host name is a top-level domain ("kitchen") cannot have its CA key sign for that whole domain', async () => {
    const dir = tmp();
    const kitchen = certNames({ hostname: 'kitchen', interfaces: lan('192.168.1.20'), bindHost: '0.0.0.0', extra: [] });
    const { identity, outside } = await loadTlsIdentity(dir, { names: kitchen, now: Date.now(), caName });
    expect(await handshake(identity.server, identity.ca.certPem, 'kitchen.local')).toBeNull();
    expect(outside).toEqual(['kitchen']); // the bare name is left out of the certificate, <host>.local is in
    const ca = { keyPem: readFileSync(join(dir, 'ca.key'), 'utf8'), certPem: identity.ca.certPem };
    const { issueServerCert } = await import('./x509.ts');
    const forged = await issueServerCert(ca, { dns: ['order.kitchen'], ips: [] }, { now: Date.now(), validDays: 30 });
    expect(await handshake(forged, identity.ca.certPem, 'order.kitchen')).toMatch(/PERMITTED|SUBTREE|CONSTRAINT/i);
  });

  it('leaves out of the server certificate a name added later that the CA may not vouch for, and does not re-issue for it every start', async () => {
    const dir = tmp();
    await loadTlsIdentity(dir, { names: names('192.168.1.20'), now: NOW, caName });
    const later = certNames({ hostname: 'kitchen-pc', interfaces: lan('192.168.1.20', '203.0.113.7'), bindHost: '0.0.0.0', extra: ['hub.example.com', 'brigade.lan'] });
    const r = await loadTlsIdentity(dir, { names: later, now: NOW, caName });
    expect(r.change).toBe('issued');
    expect(r.outside).toEqual(['hub.example.com', 'kitchen-pc', '203.0.113.7']);
    expect(r.identity.server.names.dns).toContain('brigade.lan');
    expect(r.identity.server.names.dns).not.toContain('hub.example.com');
    expect(r.identity.server.names.ips).not.toContain('203.0.113.7');
    expect((await loadTlsIdentity(dir, { names: later, now: NOW, caName })).change).toBe('reused');
  });

  it('names at the first start (the host name, HUB_TLS_NAMES, a public address) are part of what the new CA may vouch for', async () => {
    const dir = tmp();
    const first = certNames({ hostname: 'hub.example.com', interfaces: lan('203.0.113.7'), bindHost: '0.0.0.0', extra: ['pos.example.org'] });
    const r = await loadTlsIdentity(dir, { names: first, now: NOW, caName });
    expect(r.outside ?? []).toEqual([]);
    expect(r.identity.server.names).toEqual(first);
  });
});
