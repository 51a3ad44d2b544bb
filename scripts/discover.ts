/**
 * `npm run discover`: list Brigade hubs advertising on this LAN via mDNS.
 *
 *   DISCOVER_SECONDS   how long to listen (default 3)
 *   DISCOVER_INTERFACE optional interface name or IPv4 address to browse on
 *   DISCOVER_JSON=1    print JSON instead of a table
 *
 * Always exits 0: "nothing found" is an answer, not a failure.
 */
import { browseHubs } from '../hub/discovery/browse.ts';
import type { DiscoveredHub } from '../hub/discovery/browse.ts';

function seconds(): number {
  const raw = process.env.DISCOVER_SECONDS;
  const n = raw === undefined || raw.trim() === '' ? 3 : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : 3;
}

/**
 * Any device on the LAN can advertise under our service type with any name: control characters (escape
 * sequences that retitle, clear or rewrite the terminal, line breaks that forge rows) are shown as '?'.
 */
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');

function table(hubs: DiscoveredHub[]): string {
  const header = ['NAME', 'URL', 'STORE ID', 'API', 'PUBLIC URL (phones, kiosks)'];
  const rows = hubs.map((h) => [h.name, h.url, h.storeId ?? '-', h.api ?? '-', h.publicUrl ?? '-'].map(printable));
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const secs = seconds();
  let warning: Error | undefined;
  const iface = process.env.DISCOVER_INTERFACE?.trim();
  const hubs = await browseHubs({
    timeoutMs: Math.round(secs * 1000),
    ...(iface ? { interface: iface } : {}),
    onWarning: (err) => {
      warning = err;
    },
  });

  if (warning) {
    const code = (warning as NodeJS.ErrnoException).code;
    console.error(`warning: multicast problem (${code ?? warning.message}); results may be incomplete`);
  }

  if (process.env.DISCOVER_JSON === '1') {
    console.log(JSON.stringify(hubs, null, 2));
  } else if (hubs.length === 0) {
    console.log('no Brigade hub found on this network');
  } else {
    console.log(table(hubs));
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('discover failed:', err);
    process.exit(0);
  },
);
