import type { DeviceKind, Role } from '../protocol/common.ts';
import type { Order, PaymentInput } from '../protocol/orders.ts';
import { DomainError } from './errors.ts';

/** Who is asking. Resolved from the bearer token by the transport; rules only look at this. */
export type Principal =
  | {
      kind: 'staff';
      deviceId: string;
      staffId: string;
      staffName: string;
      role: Role;
      /** The session the request came with (its token's hash): what a sign-out ends. */
      sessionId?: string;
    }
  | { kind: 'device'; deviceId: string; deviceKind: DeviceKind }
  | { kind: 'table'; tableId: string }
  | { kind: 'anonymous' };

export const deviceIdOf = (p: Principal): string | null =>
  p.kind === 'staff' || p.kind === 'device' ? p.deviceId : null;
/** Devices that stand in public: the only kind the public address serves, and so the only kind it pairs. */
export const PUBLIC_DEVICE_KINDS: readonly DeviceKind[] = ['kiosk'];

/** Customers' phones, self-order kiosks and anonymous callers are the public channel; staff and kitchen are not. */
export const isPublic = (p: Principal): boolean =>
  p.kind === 'table' || p.kind === 'anonymous' || (p.kind === 'device' && PUBLIC_DEVICE_KINDS.includes(p.deviceKind));

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

/**
 * Who may record a payment on `order`. Staff by role; and a kiosk *device* (no PIN) for exactly one thing:
 * the card sale its own payment terminal just approved for an order it placed itself — tender `card` with
 * the terminal's reference, for exactly what is due, in one piece. The terminal has already taken the money,
 * so anything else (cash, part of the bill, someone else's order) would be the kiosk deciding what the
 * customer owes, which only staff may do. The caller has already checked the order is the device's own
 * (another device's order is `not_found`, as for reading). Issue #6.
 */
export function requirePaymentTaker(p: Principal, order: Pick<Order, 'number' | 'dueMinor' | 'deviceId'>, input: PaymentInput): void {
  if (p.kind !== 'device' || p.deviceKind !== 'kiosk') {
    requireStaff(p, staffRoles.pay, 'taking payments');
    return;
  }
  const refuse = (why: string, details?: unknown): never => {
    throw new DomainError('forbidden', `a kiosk without a staff sign-in may only record its terminal's card payment of the whole amount due: ${why}`, details);
  };
  if (order.deviceId !== p.deviceId) refuse(`order #${order.number} was placed by another device`);
  if (input.tender !== 'card') refuse(`tender ${input.tender} is taken at the counter`);
  if (!input.reference?.trim()) refuse('the terminal reference is missing');
  if (input.lineIds !== undefined || input.splitWays !== undefined) refuse('a kiosk does not split bills');
  if (input.amountMinor !== order.dueMinor) refuse(`order #${order.number} has ${order.dueMinor} due, not ${input.amountMinor}`, { dueMinor: order.dueMinor });
}
