import { isIP } from 'node:net';
import { CallQueue } from './call-queue.ts';

/**
 * One spelling per host: lower case, no trailing dot, IPv6 compressed, an IPv4-mapped IPv6 address as IPv4
 * ('PRINTER.local' = 'printer.local.'; '::ffff:192.168.1.50' = '192.168.1.50').
 */
export function hostKey(host: string): string {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  if (isIP(h) !== 6) return h;
  let canonical: string;
  try {
    canonical = new URL(`http://[${h}]`).hostname.slice(1, -1); // compressed, lower case
  } catch {
    return h; // with a zone (fe80::1%eth0): as written
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/**
 * Connections to printer devices, one at a time per device (its resolved address and port), whatever transport
 * asks: a printer entered once by name ('printer.local') and once by address ('192.168.1.50') has two
 * transports, and two connections at once would be refused or left unread by the printer (ESCPOS.md, "One
 * printing connection at a time"), making one entry look dead. A call still waiting may be withdrawn with its
 * signal (it never connects).
 */
export class DeviceLocks {
  readonly #devices = new Map<string, { queue: CallQueue; calls: number }>();

  run<T>(address: string, port: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const key = `${hostKey(address)}|${port}`;
    let device = this.#devices.get(key);
    if (!device) {
      device = { queue: new CallQueue(), calls: 0 };
      this.#devices.set(key, device);
    }
    const d = device;
    d.calls++;
    const run = d.queue.run(fn, signal);
    // no call left waiting or running: forgotten (printers come and go over months of uptime)
    const release = (): void => {
      if (--d.calls === 0 && this.#devices.get(key) === d) this.#devices.delete(key);
    };
    run.then(release, release);
    return run;
  }

  /** Devices with a call waiting or running (tests). */
  get busy(): number {
    return this.#devices.size;
  }
}

/** The process's devices: every transport of the hub shares them, as its printers do. */
export const sharedDeviceLocks = new DeviceLocks();
