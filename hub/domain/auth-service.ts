import { roleSchema, type DeviceKind, type Role } from '../protocol/common.ts';
import type { PairDevice, Staff } from '../protocol/auth.ts';
import { DomainError } from './errors.ts';
import type { EventSink } from './ports.ts';
import { requireStaff, type Principal } from './principal.ts';
import { StaffAdmin, type StaffRepo, type TableCodeRepo } from './staff-admin.ts';

export interface DeviceRecord {
  id: string;
  name: string;
  kind: DeviceKind;
  pairedAt: number;
}

/** Staff and table codes too: the repo keeps sessions and QR tokens in memory, and their changes drop what it keeps. */
export interface AuthRepo extends StaffRepo, TableCodeRepo {
  insertDevice(device: DeviceRecord & { tokenHash: string }): void;
  deviceByTokenHash(hash: string): DeviceRecord | undefined;
  staffByPinHash(hash: string): Staff | undefined;
  insertSession(session: { tokenHash: string; staffId: string; deviceId: string; createdAt: number; expiresAt: number }): void;
  sessionByTokenHash(hash: string): { staffId: string; staffName: string; deviceId: string; role: Role; expiresAt: number } | undefined;
  /** Deletes one session (by its token's hash); returns how many there were (0 or 1). */
  deleteSession(tokenHash: string): number;
  /** Deletes up to `limit` sessions that ended before `before`, oldest first; returns how many. */
  deleteSessionsEndedBefore(before: number, limit: number): number;
  tableIdByQrToken(token: string): string | undefined;
}

/** Token minting and hashing, injected so the rules stay free of node:crypto. */
export interface Secrets {
  /** A fresh unguessable token, prefixed by what it is for (`dev_`, `stf_`). */
  newToken(prefix: 'dev' | 'stf'): string;
  /** One-way hash under which a token is stored: a stolen database does not hand out working tokens. */
  hashToken(token: string): string;
  /** Keyed hash of a PIN (the key lives in the store's meta table). */
  hashPin(pin: string): string;
}

export const STAFF_SESSION_MS = 12 * 3_600_000; // one service day

/**
 * How long a session's row outlives its end. Refused either way once ended (`resolve`), so nothing needs it;
 * but a hub clock that ran ahead and was set right (README, "When the hub's clock is wrong") would otherwise
 * have deleted sessions that are live again on the right clock, and a margin this wide leaves no check of a
 * session near its end racing the delete.
 */
export const ENDED_SESSION_KEPT_MS = 24 * 3_600_000;
/** Sessions deleted per `pruneSessions`: a few milliseconds of the writer; a backlog goes over the next rounds. */
export const SESSIONS_PRUNED_PER_ROUND = 2_000;

/** Short-lived codes a manager reads off the hub to pair a new tablet. */
export interface PairingCodes {
  isValid(code: string, now: number): boolean;
  /** Counts a device paired with the code (codes pair a limited number of devices). */
  redeemed(code: string): void;
}

export class AuthService {
  /** Managers' changes to staff and to the tables' QR codes (hub/domain/staff-admin.ts). */
  readonly staff: StaffAdmin;

  constructor(
    private readonly repo: AuthRepo,
    private readonly secrets: Secrets,
    private readonly codes: PairingCodes,
  ) {
    this.staff = new StaffAdmin(repo, (pin) => secrets.hashPin(pin));
  }

  /**
   * `kinds`: the device kinds the address asked on pairs (the public address: kiosks only). Checked before the
   * code, so a refusal tells nothing of it and is no guess: a staff tablet's token made on the guest network
   * would be refused there anyway, and on the staff address, should the guest network reach it, reads every
   * order and tries PINs — with a code read off a kiosk being set up in the dining room.
   */
  pair(
    input: PairDevice,
    ctx: { now: number; newId: () => string; events: EventSink; kinds?: readonly DeviceKind[] | undefined },
  ): { deviceToken: string; device: DeviceRecord } {
    if (ctx.kinds && !ctx.kinds.includes(input.kind)) {
      throw new DomainError('forbidden', `only ${ctx.kinds.join(' or ')} devices pair on this address; pair a ${input.kind} device on the hub's staff address`, {
        kinds: ctx.kinds,
      });
    }
    if (!this.codes.isValid(input.code, ctx.now)) {
      throw new DomainError('pairing_code_invalid', 'that pairing code is wrong, used up or has expired; read the current one off the hub or ask a manager for a new one');
    }
    const deviceToken = this.secrets.newToken('dev');
    const device: DeviceRecord = { id: ctx.newId(), name: input.name, kind: input.kind, pairedAt: ctx.now };
    this.repo.insertDevice({ ...device, tokenHash: this.secrets.hashToken(deviceToken) });
    this.codes.redeemed(input.code); // once the device is stored: a failed insert uses nothing
    ctx.events.emit('device.paired', { device: { id: device.id, name: device.name, kind: device.kind } }, ['devices']);
    return { deviceToken, device };
  }

  /**
   * `roles`: the roles the app signing in lets on. Checked here, before a session exists: a waiter refused by
   * the kitchen screen's PIN pad must not leave a 12-hour session behind, usable with that screen's token.
   * The refusal is `forbidden`, not `pin_invalid`, so it does not count as a wrong guess (the PIN was right:
   * the lockout budgets wrong guesses, and a right one would have signed in without counting anyway).
   */
  signIn(pin: string, principal: Principal, now: number, roles?: readonly Role[]): { token: string; staff: Staff; expiresAt: number } {
    if (principal.kind !== 'device' && principal.kind !== 'staff') {
      throw new DomainError('unauthenticated', 'staff sign in on a paired device: send its device token');
    }
    // a kiosk stands in public and reaches the hub through the public address: no PIN is typed there, and a
    // staff session made on one would be a manager's session in a customer's hands
    if (principal.kind === 'device' && principal.deviceKind === 'kiosk') throw new DomainError('forbidden', 'staff do not sign in on a kiosk');
    const staff = this.repo.staffByPinHash(this.secrets.hashPin(pin));
    if (!staff) throw new DomainError('pin_invalid', 'unknown PIN');
    if (roles && !roles.includes(staff.role)) {
      throw new DomainError('forbidden', `this screen is for ${roles.join(' or ')}; ${staff.name} is ${staff.role}`, {
        required: roles,
        role: staff.role,
        name: staff.name,
      });
    }
    const token = this.secrets.newToken('stf');
    const expiresAt = now + STAFF_SESSION_MS;
    this.repo.insertSession({ tokenHash: this.secrets.hashToken(token), staffId: staff.id, deviceId: principal.deviceId, createdAt: now, expiresAt });
    return { token, staff, expiresAt };
  }

  /**
   * Signs the caller out: ends the staff session the request came with. The person's other sessions (the
   * same waiter signed in again on this tablet since, whose pending sign-out a device resends late), others'
   * sessions on the device, and the device's own pairing stay. Not an event: sign-ins are not logged either,
   * and no screen shows who is signed in where.
   */
  signOut(principal: Principal): { signedOut: true } {
    const staff = requireStaff(principal, roleSchema.options, 'signing out');
    if (staff.sessionId === undefined) throw new DomainError('unauthenticated', 'sign out with the session to end');
    this.repo.deleteSession(staff.sessionId);
    return { signedOut: true };
  }

  /**
   * Deletes sessions that ended more than a day ago (a row per sign-in, about 130 bytes with its index,
   * which would otherwise stay for ever), a batch at a time; returns how many went. Not an event, as a
   * sign-out is not.
   */
  pruneSessions(now: number): number {
    return this.repo.deleteSessionsEndedBefore(now - ENDED_SESSION_KEPT_MS, SESSIONS_PRUNED_PER_ROUND);
  }

  /** Bearer token → who is asking. Unknown or expired tokens are refused, never downgraded to anonymous. */
  resolve(token: string | undefined, now: number): Principal {
    if (!token) return { kind: 'anonymous' };
    if (token.startsWith('stf_')) {
      const hash = this.secrets.hashToken(token);
      const s = this.repo.sessionByTokenHash(hash);
      if (!s || s.expiresAt <= now) throw new DomainError('unauthenticated', 'staff session expired or unknown; sign in again');
      return { kind: 'staff', staffId: s.staffId, staffName: s.staffName, deviceId: s.deviceId, role: s.role, sessionId: hash };
    }
    if (token.startsWith('dev_')) {
      const d = this.repo.deviceByTokenHash(this.secrets.hashToken(token));
      if (!d) throw new DomainError('unauthenticated', 'unknown device token; pair this device again');
      return { kind: 'device', deviceId: d.id, deviceKind: d.kind };
    }
    if (token.startsWith('tbl_')) {
      const tableId = this.repo.tableIdByQrToken(token);
      if (!tableId) throw new DomainError('unauthenticated', 'this table QR code is not valid any more; ask a waiter');
      return { kind: 'table', tableId };
    }
    throw new DomainError('unauthenticated', 'unrecognised token');
  }
}
