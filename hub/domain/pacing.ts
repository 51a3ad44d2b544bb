import type { Pacing, SetPacing } from '../protocol/kitchen.ts';
import type { Order } from '../protocol/orders.ts';
import { DomainError } from './errors.ts';
import type { MenuIndex } from './menu-index.ts';
import type { CommandContext } from './ports.ts';
import { requireStaff, staffRoles } from './principal.ts';

export interface PacingPolicy {
  /** Open kitchen tickets past which kiosk/QR customers are quoted a ready time. */
  threshold: number;
  /** Extra wait per open ticket beyond the threshold. */
  secondsPerTicket: number;
}

/**
 * Open tickets are counted only this far past the threshold. The count runs inside the write transaction of
 * every kiosk and QR order, and at a flood's peak the kitchen can hold tens of thousands of lines (26 ms to
 * count 100,000 of them, with the writer waiting); a quote of a hundred tickets' wait is already hours.
 */
export const BACKLOG_COUNTED = 100;

export interface KitchenRepo {
  /** Orders with food in the kitchen: fired or preparing, counted up to `upTo`. */
  openTickets(upTo: number): number;
  pacing(): { paused: boolean; reason: string | null };
  setPacing(paused: boolean, reason: string | null): void;
}

/** The backlog wait quoted on top of an order's own prep time, or null while the kitchen keeps up. */
export function backlogSeconds(openTickets: number, policy: PacingPolicy): number | null {
  if (openTickets < policy.threshold) return null;
  return (openTickets - policy.threshold + 1) * policy.secondsPerTicket;
}

/** The longest target prep time among the lines (per item, falling back to its station's). */
export function prepSeconds(order: Pick<Order, 'lines'>, menu: MenuIndex): number {
  let longest = 0;
  for (const line of order.lines) {
    const item = menu.items.get(line.itemId);
    const seconds = item?.targetPrepSeconds ?? menu.stations.get(line.stationId)?.targetPrepSeconds ?? 0;
    longest = Math.max(longest, seconds);
  }
  return longest;
}

export const isPublicChannel = (channel: Order['channel']): boolean => channel === 'kiosk' || channel === 'qr';

export class KitchenService {
  constructor(
    private readonly repo: KitchenRepo,
    private readonly policy: PacingPolicy,
  ) {}

  status(): Pacing {
    const openTickets = this.repo.openTickets(this.policy.threshold + BACKLOG_COUNTED);
    const { paused, reason } = this.repo.pacing();
    const backlog = backlogSeconds(openTickets, this.policy);
    return {
      publicOrderingPaused: paused,
      pausedReason: reason,
      openTickets,
      threshold: this.policy.threshold,
      busy: backlog !== null,
      backlogSeconds: backlog,
    };
  }

  /** Refuses a public order while paused; otherwise the ready time to quote (null if the kitchen keeps up). */
  admitPublicOrder(order: Pick<Order, 'lines'>, menu: MenuIndex, now: number): number | null {
    const { paused, reason } = this.repo.pacing();
    if (paused) {
      throw new DomainError('ordering_paused', reason ? `ordering is paused: ${reason}` : 'the kitchen has paused kiosk and QR ordering; please order with a waiter', {
        reason,
      });
    }
    const backlog = backlogSeconds(this.repo.openTickets(this.policy.threshold + BACKLOG_COUNTED), this.policy);
    return backlog === null ? null : now + (prepSeconds(order, menu) + backlog) * 1000;
  }

  setPacing(input: SetPacing, ctx: CommandContext): Pacing {
    requireStaff(ctx.principal, staffRoles.managerOnly, 'pausing kiosk and QR ordering');
    const reason = input.publicOrderingPaused ? (input.reason ?? null) : null;
    this.repo.setPacing(input.publicOrderingPaused, reason);
    ctx.events.emit('kitchen.pacing_changed', { publicOrderingPaused: input.publicOrderingPaused, reason }, ['kitchen']);
    return this.status();
  }
}
