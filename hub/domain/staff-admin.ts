import type { Role } from '../protocol/common.ts';
import type { AddStaff, ReplaceQrCodes, StaffMember } from '../protocol/staff.ts';
import { DomainError } from './errors.ts';
import type { CommandContext } from './ports.ts';
import { requireStaff, staffRoles, type Principal } from './principal.ts';

type StaffPrincipal = Extract<Principal, { kind: 'staff' }>;

/** The staff list as a manager changes it. PINs arrive here hashed; no method gives a hash back. */
export interface StaffRepo {
  listStaff(): StaffMember[];
  staffMember(id: string): StaffMember | undefined;
  /** The active person who has the PIN of this hash (the store keeps PIN hashes unique over active staff). */
  activeStaffIdByPinHash(hash: string): string | undefined;
  /** Whether someone else, active, has this person's PIN now (given to them while this one was deactivated). */
  pinInUseByAnother(staffId: string): boolean;
  insertStaff(member: StaffMember & { pinHash: string }): void;
  setStaffPinHash(id: string, pinHash: string): void;
  setStaffActive(id: string, active: boolean): void;
  /**
   * Ends the person's sessions at once, those the hub keeps in memory too, but the one whose token has the
   * hash `keep`; returns how many ended.
   */
  endSessionsOf(staffId: string, keep?: string): number;
  countActive(role: Role): number;
  /** The live session of this token hash (its person active, its device paired), as the store has it now. */
  sessionByTokenHash(hash: string): { staffId: string; role: Role; expiresAt: number } | undefined;
}

/** The tables' QR secrets (the printed codes). */
export interface TableCodeRepo {
  tableName(id: string): string | undefined;
  /** Gives each table (every one, or these) a new QR token; the old ones stop working at once. */
  replaceQrTokens(tableIds: readonly string[] | 'all'): { id: string; name: string }[];
}

/** Why a re-activation is refused: their PIN was given to someone active while they were away. */
const PIN_IN_USE_ON_REACTIVATION = 'their PIN has been given to someone else since they were deactivated: set them a new PIN, then re-activate them';

/** Why a deactivation is refused. */
export type DeactivationRefusal =
  /** a manager's own: they would end the session they are using, and could lock the store out */
  | 'deactivating-self'
  /** nobody would be left to add staff, change PINs or void fired food */
  | 'last-active-manager';

export function deactivationRefusal(target: StaffMember, callerStaffId: string, activeManagers: number): DeactivationRefusal | undefined {
  if (target.id === callerStaffId) return 'deactivating-self';
  if (target.active && target.role === 'manager' && activeManagers <= 1) return 'last-active-manager';
  return undefined;
}

const REFUSALS: Record<DeactivationRefusal, string> = {
  'deactivating-self': 'a manager cannot deactivate themselves; ask another manager',
  'last-active-manager': 'this is the last active manager: add or re-activate another manager first',
};

/**
 * Managers' changes to the staff list and to the tables' QR codes: after a copy of the store leaked (README,
 * "Secrets at rest") and as people join and leave. Sign-in is by PIN alone, so a PIN names one active person:
 * one already held by anyone active is refused, while a departed person's PIN may be given to someone else
 * (a store with staff turnover runs out of memorable PINs otherwise). Re-activating someone whose PIN was
 * given away meanwhile is refused until they have a new one, so no two active people ever share a PIN. A
 * change of PIN and a deactivation end the person's sessions in the same transaction.
 */
export class StaffAdmin {
  constructor(
    private readonly repo: StaffRepo & TableCodeRepo,
    private readonly hashPin: (pin: string) => string,
  ) {}

  list(principal: Principal): StaffMember[] {
    requireStaff(principal, staffRoles.managerOnly, 'the staff list');
    return this.repo.listStaff();
  }

  add(input: AddStaff, cmd: CommandContext): StaffMember {
    this.managerAsking(cmd, 'adding staff');
    const pinHash = this.freePinHash(input.pin);
    const staff: StaffMember = { id: cmd.newId(), name: input.name, role: input.role, active: true };
    this.repo.insertStaff({ ...staff, pinHash });
    cmd.events.emit('staff.added', { staff }, ['staff']);
    return staff;
  }

  /**
   * Sets a new PIN; the old one signs nobody in from now on, and every session the person holds ends — but
   * the one a manager changing their own PIN is using: they stay signed in where they did it.
   */
  changePin(staffId: string, pin: string, cmd: CommandContext): { staff: StaffMember; sessionsEnded: number } {
    const manager = this.managerAsking(cmd, 'changing PINs');
    const staff = this.found(staffId);
    this.repo.setStaffPinHash(staffId, this.freePinHash(pin));
    const sessionsEnded = this.repo.endSessionsOf(staffId, staffId === manager.staffId ? manager.sessionId : undefined);
    cmd.events.emit('staff.pin_changed', { staff, sessionsEnded }, ['staff']);
    return { staff, sessionsEnded };
  }

  /** Deactivates (their sessions end, their PIN signs nobody in) or re-activates someone; as they are already: no change. */
  setActive(staffId: string, active: boolean, cmd: CommandContext): { staff: StaffMember; sessionsEnded: number } {
    const manager = this.managerAsking(cmd, active ? 're-activating staff' : 'deactivating staff');
    const before = this.found(staffId);
    if (!active) {
      const refusal = deactivationRefusal(before, manager.staffId, this.repo.countActive('manager'));
      if (refusal) throw new DomainError('conflict', REFUSALS[refusal], { reason: refusal });
    }
    if (before.active === active) return { staff: before, sessionsEnded: 0 };
    // whose PIN it now is stays unsaid, as for a PIN in use on a change
    if (active && this.repo.pinInUseByAnother(staffId)) throw new DomainError('conflict', PIN_IN_USE_ON_REACTIVATION, { reason: 'pin-in-use' });
    this.repo.setStaffActive(staffId, active);
    const staff = { ...before, active };
    // a re-activated person starts signed out: a deactivation made outside the hub (a sqlite3 shell) left
    // their sessions in the store, which re-activation would otherwise bring back to work
    const sessionsEnded = this.repo.endSessionsOf(staffId);
    if (active) {
      cmd.events.emit('staff.reactivated', { staff }, ['staff']);
      return { staff, sessionsEnded };
    }
    cmd.events.emit('staff.deactivated', { staff, sessionsEnded }, ['staff']);
    return { staff, sessionsEnded };
  }

  /**
   * New QR codes for some tables or all: each old code stops working at once (a phone holding one gets the
   * invalid-code page), and the sheet (`/tables/qr`) prints the new ones. All or none: an unknown table
   * refuses the whole request.
   */
  replaceTableCodes(input: ReplaceQrCodes, cmd: CommandContext): { tables: { id: string; name: string }[]; replacedAt: number } {
    this.managerAsking(cmd, 'new table QR codes');
    const ids = input.tables === 'all' ? 'all' : [...new Set(input.tables)];
    if (ids !== 'all') {
      const unknown = ids.filter((id) => this.repo.tableName(id) === undefined);
      if (unknown.length > 0) throw new DomainError('not_found', `no such table: ${unknown.join(', ')}`, { tableIds: unknown });
    }
    const tables = this.repo.replaceQrTokens(ids);
    cmd.events.emit('table.qr_codes_replaced', { tables }, ['floor']);
    return { tables, replacedAt: cmd.now };
  }

  /**
   * The manager asking, whose session must still be live in this transaction. It was looked up before the
   * writer ran the request: a deactivation or new PIN earlier in the same batch (or while it waited in the
   * queue) ended it since. Without this, a manager being deactivated whose request was on its way changed the
   * other manager's PIN after it — both passing, which no order of the two allows — and was left the only one
   * knowing an active manager's PIN.
   */
  private managerAsking(cmd: CommandContext, action: string): StaffPrincipal {
    const manager = requireStaff(cmd.principal, staffRoles.managerOnly, action);
    if (manager.sessionId === undefined) return manager;
    const session = this.repo.sessionByTokenHash(manager.sessionId);
    if (!session || session.staffId !== manager.staffId || session.expiresAt <= cmd.now) {
      throw new DomainError('unauthenticated', 'your session has ended (a new PIN or a deactivation); sign in again');
    }
    if (session.role !== 'manager') throw new DomainError('forbidden', `${action} needs the role manager; you are ${session.role}`, { required: staffRoles.managerOnly });
    return manager;
  }

  private found(staffId: string): StaffMember {
    const staff = this.repo.staffMember(staffId);
    if (!staff) throw new DomainError('not_found', `no staff member ${staffId}`);
    return staff;
  }

  /**
   * The PIN's hash, unless someone active has that PIN already — the person whose PIN is being changed too:
   * had their own been taken, "set X's PIN to 2222" answered 200 for X's PIN and 409 for anyone else's, naming
   * its holder to a manager trying PINs person by person (and a new PIN the same as the leaked one is no change).
   * A PIN only deactivated people have is free: it signs nobody in.
   */
  private freePinHash(pin: string): string {
    const pinHash = this.hashPin(pin);
    // whose it is stays unsaid: a manager learns only to pick another
    if (this.repo.activeStaffIdByPinHash(pinHash) !== undefined) throw new DomainError('pin_in_use', 'someone active on the staff list has that PIN already; choose another');
    return pinHash;
  }
}
