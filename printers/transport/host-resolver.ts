import { lookup as systemLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { withTimeout } from './printer-connection.ts';

/** Resolves a host name to one address (`dns.lookup`: getaddrinfo, /etc/hosts and mDNS included). */
export type LookupFn = (host: string) => Promise<{ address: string }>;

export type Resolved = { ok: true; address: string } | { ok: false; detail: string };

export interface HostResolverOptions {
  /** default: `dns.promises.lookup` */
  lookup?: LookupFn;
  /** an answer is used without asking again for this long */
  freshMs?: number;
  /** past that, a lookup that fails or is slow falls back to the last answer while it is younger than this */
  keepMs?: number;
  /** a name whose lookup failed is not asked again for this long (the last answer, if any, is used meanwhile) */
  retryAfterFailureMs?: number;
  /** lookups running at once, all names together */
  maxInFlight?: number;
  /** monotonic milliseconds (a wall clock stepped by NTP would age or refresh every answer at once) */
  now?: () => number;
}

const DEFAULTS = {
  freshMs: 5 * 60_000,
  keepMs: 24 * 60 * 60_000,
  retryAfterFailureMs: 15_000,
  maxInFlight: 1,
} satisfies Omit<Required<HostResolverOptions>, 'lookup' | 'now'>;

/** Names that may wait for a lookup slot; past this a new name is answered from memory (or not) at once. */
const MAX_WAITING = 32;

interface Entry {
  /** the last address the name resolved to, and when (null: never) */
  address: string | null;
  answeredAt: number;
  /** no lookup before this (an answer still fresh, or a failure being waited out) */
  lookAgainAt: number;
  /** the lookup queued or running for this name: at most one */
  pending: Promise<void> | null;
  lastError: string | null;
}

/**
 * Printer host names, resolved cheaply and within a bound. Node's `dns.lookup` runs getaddrinfo on libuv's
 * thread pool (4 threads, shared with file I/O, zlib and PIN hashing), and a connection's timeout does not
 * cut it short: with the LAN's DNS unreachable, every attempt to every printer by name held a pool thread for
 * the resolver's own timeout (seconds). Here:
 * - an IP address is never looked up;
 * - an answer is kept `freshMs` (a printer's DHCP address rarely changes), and used past that as long as a
 *   new lookup fails or is slow, up to `keepMs`;
 * - at most one lookup per name is queued or running, and at most `maxInFlight` run at once in all: printers by
 *   name never hold more than that many pool threads, whatever their number and however long DNS hangs;
 * - a caller waits at most the time it gives, whatever the lookup does.
 */
export class HostResolver {
  readonly #o: Required<HostResolverOptions>;
  readonly #entries = new Map<string, Entry>();
  readonly #queue: (() => void)[] = [];
  #running = 0;

  constructor(o: HostResolverOptions = {}) {
    this.#o = {
      ...DEFAULTS,
      lookup: (host) => systemLookup(host),
      now: () => performance.now(),
      ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
    };
  }

  /** Lookups queued or running now (for tests and health). */
  get inFlight(): number {
    return this.#running + this.#queue.length;
  }

  /** An address for `host`, within `waitMs`: the host itself if it is an IP address. */
  async resolve(host: string, waitMs: number): Promise<Resolved> {
    if (isIP(host) !== 0) return { ok: true, address: host };
    const now = this.#o.now();
    let entry = this.#entries.get(host);
    if (!entry) {
      entry = { address: null, answeredAt: 0, lookAgainAt: 0, pending: null, lastError: null };
      this.#entries.set(host, entry);
    }
    if (entry.address !== null && now < entry.lookAgainAt && entry.lastError === null) return { ok: true, address: entry.address };
    // names waiting for the one lookup slot are bounded too (a manager trying names while DNS hangs)
    if (entry.pending === null && now >= entry.lookAgainAt && this.#queue.length < MAX_WAITING) entry.pending = this.#lookUp(host, entry);
    if (entry.pending !== null) await withTimeout(entry.pending, Math.max(0, waitMs));
    return this.#answer(host, entry);
  }

  /**
   * Nothing answered at the address `host` gave: the printer may have a new DHCP lease, so the next
   * connection asks the name again (the old address still serves if the lookup fails).
   */
  suspect(host: string): void {
    const entry = this.#entries.get(host);
    if (entry && entry.lastError === null) entry.lookAgainAt = Math.min(entry.lookAgainAt, this.#o.now());
  }

  #answer(host: string, entry: Entry): Resolved {
    const isKept = entry.address !== null && this.#o.now() - entry.answeredAt < this.#o.keepMs;
    if (isKept) return { ok: true, address: entry.address! };
    if (entry.pending !== null) return { ok: false, detail: `no address for ${host} yet (name lookup still running)` };
    return { ok: false, detail: `no address for ${host} (${entry.lastError ?? 'name lookup failed'})` };
  }

  async #lookUp(host: string, entry: Entry): Promise<void> {
    try {
      await this.#slot();
      try {
        const { address } = await this.#o.lookup(host);
        const at = this.#o.now();
        Object.assign(entry, { address, answeredAt: at, lookAgainAt: at + this.#o.freshMs, lastError: null });
      } finally {
        this.#release();
      }
    } catch (err) {
      entry.lastError = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      entry.lookAgainAt = this.#o.now() + this.#o.retryAfterFailureMs;
    } finally {
      entry.pending = null;
    }
  }

  #slot(): Promise<void> {
    if (this.#running < this.#o.maxInFlight) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) next(); // the slot passes on
    else this.#running--;
  }
}

/** The process's resolver, for transports given none: one bound on lookups for every printer. */
export const sharedHostResolver = new HostResolver();
