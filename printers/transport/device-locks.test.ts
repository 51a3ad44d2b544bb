import { describe, expect, it } from 'vitest';
import { DeviceLocks, hostKey } from './device-locks.ts';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('DeviceLocks', () => {
  it('runs calls to one device one at a time whatever the spelling, other devices at once, and forgets idle devices', async () => {
    const locks = new DeviceLocks();
    const log: string[] = [];
    let release!: () => void;
    const first = locks.run('::ffff:192.168.1.50', 9100, async () => {
      log.push('first');
      await new Promise<void>((r) => (release = r));
      log.push('first done');
    });
    const second = locks.run('192.168.1.50', 9100, async () => void log.push('second'));
    const other = locks.run('192.168.1.50', 9101, async () => void log.push('other port'));
    await tick();
    expect(log).toEqual(['first', 'other port']);
    release();
    await Promise.all([first, second, other]);
    expect(log).toEqual(['first', 'other port', 'first done', 'second']);
    await tick();
    expect(locks.busy).toBe(0);
  });

  it('withdraws a waiting call: it never runs, and the device is forgotten once idle', async () => {
    const locks = new DeviceLocks();
    let release!: () => void;
    const first = locks.run('10.0.0.9', 9100, () => new Promise<void>((r) => (release = r)));
    const call = new AbortController();
    let ran = false;
    const waiting = locks.run('10.0.0.9', 9100, async () => void (ran = true), call.signal);
    call.abort(new Error('withdrawn'));
    await expect(waiting).rejects.toThrow('withdrawn');
    release();
    await first;
    await tick();
    expect(ran).toBe(false);
    expect(locks.busy).toBe(0);
  });
});

describe('hostKey', () => {
  it.each([
    ['PRINTER.local', 'printer.local'],
    ['printer.local.', 'printer.local'],
    ['::FFFF:7F00:1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
  ])('spells %s as %s', (host, key) => {
    expect(hostKey(host)).toBe(key);
  });
});
