/**
 * What a device remembers about who it is: its device token (from pairing, kept until the hub refuses it)
 * and the signed-in staff session (until it expires or the person locks the screen).
 */
import type { DeviceKind, Staff } from '../../hub/protocol/index.ts';
import { HubClient, type AuthAs, type HubClientOptions } from './hub-client.ts';
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
