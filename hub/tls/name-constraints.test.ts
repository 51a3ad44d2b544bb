import { describe, expect, it } from 'vitest';
import { decodeNameConstraints, encodeNameConstraints, permittedFor, withinPermitted } from './name-constraints.ts';

describe('name constraints of the hub CA', () => {
  it('reads back what it writes', () => {
    const p = permittedFor({ dns: ['localhost', 'kitchen-pc', 'kitchen-pc.local'], ips: ['127.0.0.1', '192.168.1.20', '203.0.113.7'] });
    expect(p.dns).toContain('kitchen-pc');
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
});
