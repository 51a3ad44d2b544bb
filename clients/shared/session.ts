/**
 * What a device remembers about who it is: its device token (from pairing, kept until the hub refuses it),
 * the store whose hub paired it, and the signed-in staff session (until it expires or the person locks the
 * screen, which ends it on the hub).
 */
import type { DeviceKind, Health, Staff } from '../../hub/protocol/index.ts';
import { HubClient, HubError, type AuthAs, type HubClientOptions, type PairResponse, type SessionResponse } from './hub-client.ts';
import { load, save } from './storage.ts';
import { Store } from './store.ts';

export interface DeviceCredentials {
  token: string;
  deviceId: string;
  name: string;
  kind: DeviceKind;
}

export interface StaffSession {
  token: string;
  staff: Staff;
  /**
   * When the hub lets the session go, on THIS DEVICE's clock (the hub's `expiresAt` less the hub's offset
   * from this device when it signed in): compared with `Date.now()` here, it holds however wrong the
   * tablet's clock is, and across reloads.
   */
  expiresAt: number;
}

/**
 * The store whose hub gave a pairing (its storeId, from GET /health: the pairing answer does not say it).
 * Kept apart from the credentials, which the apps watch (a change restarts their stream), and for one
 * pairing: a device paired again, with whichever store, is not taken to be in the old one.
 */
interface PairedStore {
  deviceId: string;
  storeId: string;
}

/** A session forgotten here whose end the hub has not confirmed yet (`expiresAt` on this device's clock). */
interface PendingSignOut {
  token: string;
  expiresAt: number;
}

export class Session {
  readonly device: Store<DeviceCredentials | null>;
  readonly staff: Store<StaffSession | null>;
  /** The client `client()` made: sign-outs go through it. */
  private hub: HubClient | null = null;
  /** Sign-outs not yet confirmed by the hub (kept in storage too, when the browser lets it). */
  private pending: PendingSignOut[];
  private sending: Promise<void> = Promise.resolve();
  /** Staff tokens changes are on their way with (token → how many): their sign-out waits (`inUse`). */
  private readonly using = new Map<string, number>();
  private pairedStore: PairedStore | null;
  /** The names of the stores this device was paired with (storeId → name), to say which one a change waits for. */
  private storeNames: Record<string, string>;
  private learning: Promise<string | null> | null = null;

  constructor(private readonly app: string) {
    this.pairedStore = load<PairedStore>(`${app}.store`);
    this.storeNames = load<Record<string, string>>(`${app}.storeNames`) ?? {};
    this.device = new Store(load<DeviceCredentials>(`${app}.device`));
    const staff = load<StaffSession>(`${app}.staff`);
    this.staff = new Store(staff && staff.expiresAt > Date.now() ? staff : null);
    this.pending = load<PendingSignOut[]>(`${app}.signouts`) ?? [];
    this.device.subscribe((d) => save(`${app}.device`, d));
    this.staff.subscribe((s) => save(`${app}.staff`, s));
  }

  deviceToken(): string | null {
    return this.device.get()?.token ?? null;
  }

  /**
   * The store this device's credentials are for (their tokens work on that store's hub only), null when not
   * known: not paired, or paired before devices recorded it and no one signed in since. The outbox tags each
   * change with it, and sends none to another store.
   */
  storeId(): string | null {
    const d = this.device.get();
    return d && this.pairedStore?.deviceId === d.deviceId ? this.pairedStore.storeId : null;
  }

  /**
   * The pair screen's hub paired this device: its credentials, and the store of that hub, asked at once
   * (milliseconds after it answered, it is the same hub). Unanswered, the device is paired all the same and
   * learns its store at the next sign-in.
   */
  async paired(res: PairResponse, kind: DeviceKind, hub: HubClient): Promise<void> {
    const store = await storeOf(hub, res.deviceToken);
    if (store !== null) this.setPairedStore({ deviceId: res.device.id, storeId: store.storeId }, store.storeName);
    this.device.set({ token: res.deviceToken, deviceId: res.device.id, name: res.device.name, kind });
  }

  /**
   * The store of a device that does not know it yet (paired before devices recorded it, or its hub did not
   * answer then): resolves with the store it knows then, null while no hub has said. Asked with the device's
   * token, so the answer comes from a hub that takes it (another store's hub may be answering at the address:
   * two stores on one LAN) — a refusal teaches nothing here, and is left to the app's own requests. Asked
   * after a sign-in, and by an app no one signs in on (the kiosk) when it starts and when the hub is back.
   */
  learnStore(): Promise<string | null> {
    const d = this.device.get();
    if (!this.hub || !d || this.storeId() !== null) return Promise.resolve(this.storeId());
    const hub = this.hub;
    this.learning ??= storeOf(hub, d.token)
      .then((store) => {
        if (store !== null && this.device.get()?.deviceId === d.deviceId && this.storeId() === null) this.setPairedStore({ deviceId: d.deviceId, storeId: store.storeId }, store.storeName);
        return this.storeId();
      })
      .finally(() => (this.learning = null));
    return this.learning;
  }

  /** The name of a store this device was paired with (its hub said it), null when it never was. */
  storeName(storeId: string): string | null {
    return this.storeNames[storeId] ?? null;
  }

  private setPairedStore(store: PairedStore, name: string | null): void {
    this.pairedStore = store;
    save(`${this.app}.store`, store);
    if (name !== null && this.storeNames[store.storeId] !== name) {
      this.storeNames = { ...this.storeNames, [store.storeId]: name };
      save(`${this.app}.storeNames`, this.storeNames);
    }
  }

  staffToken(): string | null {
    const s = this.staff.get();
    if (s && s.expiresAt <= Date.now()) {
      this.staff.set(null);
      return null;
    }
    return s?.token ?? null;
  }

  /**
   * A staff member signed in (`POST /api/v1/staff/sessions` answered `res`). The hub's `expiresAt` is on the
   * hub's clock: a tablet 8 hours ahead (set by hand to local time with a UTC time zone) would otherwise drop
   * a 12-hour session after 4, bouncing the cook to the PIN pad mid-service and losing the tap that found out.
   */
  signedIn(res: SessionResponse, hubOffsetMs: number): void {
    this.staff.set({ token: res.token, staff: res.staff, expiresAt: res.expiresAt - hubOffsetMs });
    // the hub is reachable again: end what a sign-out made offline left alive there
    void this.sendSignOuts();
    void this.learnStore();
  }

  /**
   * The person signs out or locks the screen: forgotten here at once (the PIN pad shows without waiting for
   * the network), and the session ended on the hub, so its token is no use to anyone who copies it off this
   * device for the rest of its 12 hours. Not before the changes made with it are answered, though (`inUse`).
   * Without an answer it is kept and sent again at the next sign-out or sign-in on this device, or when the
   * hub is back (`sendSignOuts`), until the session would have ended by itself.
   */
  async signOut(): Promise<void> {
    const s = this.staff.get();
    this.staff.set(null);
    if (s) this.setPending([...this.pending, { token: s.token, expiresAt: s.expiresAt }]);
    await this.sendSignOuts();
  }

  /**
   * A change made as `token`'s person is on its way (sent, or tried again while the hub is away) with that
   * token; the returned function says it was answered or given up. Meanwhile a sign-out of that session
   * waits: ended first, the session would get the change refused. A page reload forgets these (its changes
   * went with it), and a waiting sign-out goes at the next round.
   */
  inUse(token: string): () => void {
    this.using.set(token, (this.using.get(token) ?? 0) + 1);
    let isDone = false;
    return () => {
      if (isDone) return;
      isDone = true;
      const left = (this.using.get(token) ?? 1) - 1;
      if (left > 0) return void this.using.set(token, left);
      this.using.delete(token);
      if (this.pending.some((p) => p.token === token)) void this.sendSignOuts();
    };
  }

  private setPending(list: PendingSignOut[]): void {
    // a session past its end needs no sign-out: the hub refuses its token already
    this.pending = list.filter((p) => p.expiresAt > Date.now());
    save(`${this.app}.signouts`, this.pending.length > 0 ? this.pending : null);
  }

  /**
   * Sends the sign-outs the hub has not confirmed. Besides a sign-in or sign-out here, the app calls it when
   * the hub is back (its stream live again): a screen locked while the hub was away, and no one signing in
   * after (the kitchen closed), would otherwise leave that session usable on the hub for the rest of its 12
   * hours. One round at a time: a second waits for the first, so nothing is sent twice.
   */
  sendSignOuts(): Promise<void> {
    this.sending = this.sending.then(() => this.sendPending());
    return this.sending;
  }

  private async sendPending(): Promise<void> {
    const hub = this.hub;
    if (!hub) return;
    for (const p of [...this.pending]) {
      if (this.using.has(p.token)) continue;
      try {
        await hub.signOut(p.token);
      } catch (err) {
        // no answer, or "not now": try again later. Any other answer (401: already ended) is final.
        if (!(err instanceof HubError) || err.status === 429 || err.status >= 500) continue;
      }
      this.setPending(this.pending.filter((q) => q.token !== p.token));
    }
  }

  /** The hub refused a token: forget it, so the app asks to pair or sign in again. */
  refused(as: AuthAs): void {
    if (as === 'staff') this.staff.set(null);
    if (as === 'device') {
      this.staff.set(null);
      this.device.set(null);
    }
  }

  /** A hub client that presents this session's tokens. */
  client(opts: Omit<HubClientOptions, 'credentials'> = {}): HubClient {
    return (this.hub = new HubClient({
      ...opts,
      credentials: { device: () => this.deviceToken(), staff: () => this.staffToken() },
      onUnauthenticated: (as) => {
        this.refused(as);
        opts.onUnauthenticated?.(as);
      },
    }));
  }
}

/**
 * The store the hub says it serves, asked with `deviceToken` (a hub that does not know it refuses); null
 * when it does not answer, refuses, or answers something else.
 */
async function storeOf(hub: HubClient, deviceToken: string): Promise<{ storeId: string; storeName: string | null } | null> {
  try {
    // as no one, with the token by hand: a refusal here is not the app's to act on (it unpairs nobody)
    const { storeId, storeName } = await hub.request<Partial<Health>>('GET', '/api/v1/health', { as: 'none', headers: { authorization: `Bearer ${deviceToken}` } });
    if (typeof storeId !== 'string' || storeId === '') return null;
    return { storeId, storeName: typeof storeName === 'string' && storeName !== '' ? storeName : null };
  } catch {
    return null;
  }
}
