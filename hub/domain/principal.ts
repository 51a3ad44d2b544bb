import type { DeviceKind, Role } from '../protocol/common.ts';
import { DomainError } from './errors.ts';

/** Who is asking. Resolved from the bearer token by the transport; rules only look at this. */
export type Principal =
  | { kind: 'staff'; deviceId: string; staffId: string; staffName: string; role: Role }
  | { kind: 'device'; deviceId: string; deviceKind: DeviceKind }
  | { kind: 'table'; tableId: string }
  | { kind: 'anonymous' };

export const deviceIdOf = (p: Principal): string | null =>
  p.kind === 'staff' || p.kind === 'device' ? p.deviceId : null;
export const staffIdOf = (p: Principal): string | null => (p.kind === 'staff' ? p.staffId : null);

/** Roles allowed to take each staff action. Contextual rules (e.g. voids after firing) live with the action. */
export const staffRoles = {
  placeOrder: ['waiter', 'cashier', 'manager'],
  readOrders: ['waiter', 'cashier', 'kitchen', 'manager'],
  fire: ['waiter', 'cashier', 'manager'],
  kitchenProgress: ['kitchen', 'manager'],
  serve: ['waiter', 'cashier', 'kitchen', 'manager'],
  voidUnfired: ['waiter', 'cashier', 'manager'],
  pay: ['waiter', 'cashier', 'manager'],
  /** Transfer and merge tables, mark "bill requested". */
  floorMoves: ['waiter', 'cashier', 'manager'],
  managerOnly: ['manager'],
} as const satisfies Record<string, readonly Role[]>;

/** Device or staff: anything paired with the hub (the kitchen screens' and tablets' read-only views). */
export function requirePaired(p: Principal, what: string): void {
  if (p.kind === 'device' || p.kind === 'staff') return;
  throw new DomainError(p.kind === 'anonymous' ? 'unauthenticated' : 'forbidden', `${what} needs a paired device`);
}

export function requireStaff(p: Principal, roles: readonly Role[], action: string): Extract<Principal, { kind: 'staff' }> {
  if (p.kind !== 'staff') {
    throw new DomainError(
      p.kind === 'anonymous' ? 'unauthenticated' : 'forbidden',
      `${action} needs a staff member signed in with a PIN`,
    );
  }
  if (!roles.includes(p.role)) {
    throw new DomainError('forbidden', `${action} needs the role ${roles.join(' or ')}; you are ${p.role}`, {
      required: roles,
    });
  }
  return p;
}
