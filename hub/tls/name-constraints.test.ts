import { describe, expect, it } from 'vitest';
import { decodeNameConstraints, encodeNameConstraints, permittedFor, withinPermitted } from './name-constraints.ts';

describe('name constraints of the hub CA', () => {
  it('reads back what it writes', () => {
    const p = permittedFor({ dns: ['localhost', 'kitchen-pc', 'kitchen-pc.local'], ips: ['127.0.0.1', '192.168.1.20', '203.0.113.7'] });
    expect(p.dns).not.toContain('kitchen-pc'); // one label: it would be a whole top-level domain
    expect(p.dns).not.toContain('kitchen-pc.local'); // under `local` already
    expect(p.ips).toContain('203.0.113.7/32');
    expect(decodeNameConstraints(encodeNameConstraints(p))).toEqual(p);
    expect(decodeNameConstraints(new Uint8Array([0x30, 0x05, 0xa0]))).toBeNull();
  });

  it('keeps LAN names and private addresses, and nothing that merely ends like one', () => {
    const p = permittedFor({ dns: ['localhost'], ips: ['127.0.0.1'] });
    const { names, outside } = withinPermitted(
      { dns: ['a.local', 'evil-local', 'mylan', 'pos.lan', 'example.com'], ips: ['10.9.9.9', '172.31.255.1', '172.32.0.1', '192.169.0.1', '100.127.0.1', '8.8.8.8'] },
      p,
    );
    expect(names).toEqual({ dns: ['a.local', 'pos.lan'], ips: ['10.9.9.9', '172.31.255.1', '100.127.0.1'] });
    expect(outside).toEqual(['evil-local', 'mylan', 'example.com', '172.32.0.1', '192.169.0.1', '8.8.8.8']);
    expect(withinPermitted({ dns: ['example.com'], ips: [] }, null).outside).toEqual([]); // a CA made before constraints
  });

  it('never lets a one-label name (a host called "kitchen" or "cafe", both real top-level domains) stand for a whole TLD', () => {
    // a DNS constraint covers the name and every name under it: "cafe" would let a stolen ca.key sign any *.cafe site
    for (const host of ['kitchen', 'cafe', 'restaurant']) {
      const p = permittedFor({ dns: [host, `${host}.local`, 'localhost'], ips: ['127.0.0.1'] });
      expect(p.dns).not.toContain(host);
      const { names, outside } = withinPermitted({ dns: [`bank.${host}`, host, `${host}.local`], ips: [] }, p);
      expect(names.dns).toEqual([`${host}.local`]);
      expect(outside).toEqual([`bank.${host}`, host]);
    }
    // HUB_TLS_NAMES with a name of its own domain is still the operator's to vouch for
    expect(permittedFor({ dns: ['hub.example.com', 'brigade'], ips: [] }).dns).toEqual([...permittedFor({ dns: [], ips: [] }).dns, 'hub.example.com']);
  });
});
