import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HostResolver } from '../../printers/index.ts';
import { canConnect } from './reachability.ts';

const servers: net.Server[] = [];
const accepted: net.Socket[] = [];
afterEach(async () => {
  for (const s of accepted.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A device that accepts connections and then never answers nor closes its side (a hung print server). */
async function silentDevice(): Promise<{ port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.push(s);
    accepted.push(s);
    s.on('error', () => undefined);
    s.resume(); // reads and ignores, FIN included
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, sockets };
}

const closed = (s: net.Socket, withinMs: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), withinMs);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });

describe('canConnect (the address check when a printer is configured)', () => {
  it('does not keep its connection open when the device never closes its side', async () => {
    const device = await silentDevice();
    expect(await canConnect('127.0.0.1', device.port, 300)).toEqual({ ok: true });
    expect(device.sockets).toHaveLength(1);
    // each check of a hung device's address would otherwise hold a socket (and a file descriptor) for good.
    // From the device's side a socket let go of shows when it writes: the host answers with a reset, and the
    // next write fails.
    await new Promise((r) => setTimeout(r, 600));
    for (const s of device.sockets) {
      const writing = setInterval(() => s.write('\x12'), 100);
      const isClosed = await closed(s, 2000);
      clearInterval(writing);
      expect(isClosed).toBe(true);
    }
  });

  it('says no when nothing listens', async () => {
    const device = await silentDevice();
    const port = device.port;
    await new Promise((r) => servers.pop()!.close(r));
    const r = await canConnect('127.0.0.1', port, 300);
    expect(r).toMatchObject({ ok: false, reason: 'ECONNREFUSED' });
  });

  it('checks a printer by host name through the resolver it is given, and answers within its timeout while DNS hangs', async () => {
    const device = await silentDevice();
    const names = new HostResolver({ lookup: async () => ({ address: '127.0.0.1' }) });
    expect(await canConnect('kitchen-printer.lan', device.port, 300, names)).toEqual({ ok: true });
    const hung = new HostResolver({ lookup: () => new Promise(() => undefined) });
    const started = performance.now();
    expect(await canConnect('kitchen-printer.lan', device.port, 300, hung)).toMatchObject({ ok: false, reason: expect.stringContaining('name lookup') });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(device.sockets).toHaveLength(1);
  });
});
