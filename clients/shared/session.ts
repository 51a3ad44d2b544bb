/**
 * What a device remembers about who it is: its device token (from pairing, kept until the hub refuses it)
 * and the signed-in staff session (until it expires or the person locks the screen).
 */
import type { DeviceKind, Staff } from '../../hub/protocol/index.ts';
import { HubClient, type AuthAs, type HubClientOptions, type SessionResponse } from './hub-client.ts';
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

export class Session {
  readonly device: Store<DeviceCredentials | null>;
  readonly staff: Store<StaffSession | null>;

  constructor(private readonly app: string) {
    this.device = new Store(load<DeviceCredentials>(`${app}.device`));
    const staff = load<StaffSession>(`${app}.staff`);
    this.staff = new Store(staff && staff.expiresAt > Date.now() ? staff : null);
    this.device.subscribe((d) => save(`${app}.device`, d));
    this.staff.subscribe((s) => save(`${app}.staff`, s));
  }

  deviceToken(): string | null {
    return this.device.get()?.token ?? null;
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
    return new HubClient({
      ...opts,
      credentials: { device: () => this.deviceToken(), staff: () => this.staffToken() },
      onUnauthenticated: (as) => {
        this.refused(as);
        opts.onUnauthenticated?.(as);
      },
    });
  }
}
