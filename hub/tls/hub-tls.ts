import { createServer, type Server } from 'node:https';
import { hostname, networkInterfaces } from 'node:os';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import { certNames, sameNames, type CertNames } from './host-names.ts';
import { loadTlsIdentity, RENEW_BEFORE_DAYS, type TlsIdentity } from './local-ca.ts';

const DAY = 86_400_000;

export interface HubTlsOptions {
  /** where the CA and server keys live: <data dir>/tls */
  dir: string;
  bindHost: string;
  extraNames: readonly string[];
  caName: string;
  clock: () => number;
  /**
   * The latest time the store has seen (its newest event), or null: a clock behind it has gone back (a flat
   * clock battery), and certificates are judged and issued by the store's time, as the tablets' right clocks
   * see them (see clock-check.ts).
   */
  storeTime?: () => number | null;
  logger: Logger;
}

/**
 * The HTTPS side of the hub: a server whose certificate comes from the hub's own CA. The server exists from
 * the start (so the stream can attach to it) and gets its certificate in `load()`; `refresh()` swaps in a new
 * one without a restart when the machine's addresses change (a new DHCP lease) or the certificate ages.
 */
export class HubTls {
  readonly server: Server;
  private current: TlsIdentity | null = null;
  /** The names last asked for: the certificate may lack some (those the CA may not vouch for). */
  private asked: CertNames | null = null;

  constructor(
    app: RequestListener,
    private readonly o: HubTlsOptions,
  ) {
    this.server = createServer({}, app);
  }

  /**
   * Judged by the clock alone, a certificate "not valid yet" after the clock went back years was replaced by
   * one that ended years before the tablets' today: HTTPS refused by every staff device.
   */
  private now(): number {
    const clock = this.o.clock();
    let store: number | null = null;
    try {
      store = this.o.storeTime?.() ?? null;
    } catch {
      /* a store that cannot be read now (a failing disk) leaves the clock to judge; its own checks say so */
    }
    return store === null ? clock : Math.max(clock, store);
  }

  get identity(): TlsIdentity | null {
    return this.current;
  }

  private wantedNames() {
    return certNames({ hostname: hostname(), interfaces: networkInterfaces(), bindHost: this.o.bindHost, extra: this.o.extraNames });
  }

  async load(): Promise<TlsIdentity> {
    const names = this.wantedNames();
    const { identity, change, reason, outside } = await loadTlsIdentity(this.o.dir, { names, now: this.now(), caName: this.o.caName });
    this.server.setSecureContext({ key: identity.server.keyPem, cert: identity.server.certPem });
    this.current = identity;
    const changedOutside = outside && (!this.asked || !sameNames(this.asked, names));
    this.asked = names;
    const log = { names: [...identity.server.names.dns, ...identity.server.names.ips], ca: identity.ca.fingerprint256, ...(reason ? { reason } : {}) };
    if (change === 'created-ca') this.o.logger[reason ? 'warn' : 'info'](log, 'tls: made the hub CA and its server certificate (install /ca.crt on staff tablets)');
    else if (change === 'issued') this.o.logger.info(log, 'tls: issued a new server certificate');
    if (changedOutside) this.o.logger.warn({ outside }, 'tls: the hub CA may vouch only for LAN names and addresses; the certificate leaves these out');
    return identity;
  }

  /** Re-issues when needed; a no-op (and no disk access) while the names match and the certificate is young. */
  async refresh(): Promise<void> {
    const cur = this.current;
    if (cur && this.asked && sameNames(this.asked, this.wantedNames()) && cur.server.validTo - this.now() > RENEW_BEFORE_DAYS * DAY) return;
    await this.load();
  }
}
