/**
 * Cards the kiosk's terminal charged that the hub refused to record (docs/pos.md, "Card charged at the
 * kiosk, not recorded"): the red strip on the waiter tablet. A pure reducer over the open list
 * (`GET /api/v1/card-charges/unrecorded`, loaded on start, on sign-in and after a stream reset) and the
 * `payment.unrecorded` / `payment.unrecorded_resolved` events (topics `orders`, `floor`), plus a small feed
 * that keeps it in a Store. A charge leaves the strip only when a manager resolves it (here or elsewhere):
 * there is no dismiss, the money is real.
 */
import { businessDate } from '../../hub/domain/business-date.ts';
import type { HubEvent } from '../../hub/protocol/index.ts';
import type { CardChargeResolutionKind, ResolveCardChargeInput, UnrecordedCardCharge } from '../../hub/protocol/card-charges.ts';
import { HubError } from '../shared/hub-client.ts';
import { Store } from '../shared/store.ts';
import type { PosKey, PosT } from './messages.ts';

export interface CardChargesState {
  charges: readonly UnrecordedCardCharge[];
}

export const emptyCardCharges: CardChargesState = { charges: [] };

/**
 * Applies the stream's events in order, by charge id: a replay (the same events after a reconnect) changes
 * nothing, and a charge recorded then resolved is added then taken off again.
 */
export function applyCardChargeEvents(state: CardChargesState, events: readonly HubEvent[]): CardChargesState {
  let { charges } = state;
  for (const e of events) {
    if (e.type === 'payment.unrecorded') {
      const c = e.payload.charge;
      if (c.resolvedAt === null && !charges.some((x) => x.id === c.id)) charges = [...charges, c];
    } else if (e.type === 'payment.unrecorded_resolved') {
      const id = e.payload.charge.id;
      if (charges.some((x) => x.id === id)) charges = charges.filter((x) => x.id !== id);
    }
  }
  return charges === state.charges ? state : { charges };
}

/** The list from the hub: open ones only, so it replaces what the tablet had. */
export const fromCardChargeList = (charges: readonly UnrecordedCardCharge[]): CardChargesState => ({ charges: charges.filter((c) => c.resolvedAt === null) });

const REFUSAL_KEYS: Record<string, PosKey> = {
  order_closed: 'charge.whyClosed',
  // a kiosk may pay only its own open order: one voided (or paid at the counter) meanwhile
  forbidden: 'charge.whyClosed',
  overpayment: 'charge.whyOverpaid',
  not_found: 'charge.whyNotFound',
};

/**
 * Why the hub did not record the charge, in the staff's words: its refusal's `message` is English for
 * developers ("order #12 is voided"), shown to a Chinese-speaking manager it read as noise. The code says it.
 */
export const chargeRefusalText = (c: Pick<UnrecordedCardCharge, 'refusal'>, t: PosT): string => t('charge.why', { message: t(REFUSAL_KEYS[c.refusal.code] ?? 'charge.whyOther') });

/** What the strip says about one charge: the order's number (or its id, when the hub did not know it), the amount and the terminal's reference. */
export const chargeFacts = (c: UnrecordedCardCharge, money: (minor: number) => string) => ({
  number: c.orderNumber === null ? c.orderId : String(c.orderNumber),
  amount: money(c.amountMinor),
  ref: c.reference ?? '—',
});

/**
 * The business day a charge still on the strip was made on, when it is not the day it is `now` (04:00 to
 * 04:00 in `timeZone`, the store's), else null: one left unresolved overnight, or for a week, is read with its
 * day and time; today's are said as they were, without.
 */
export function chargedOnEarlierDay(c: Pick<UnrecordedCardCharge, 'createdAt'>, now: number, timeZone: string): string | null {
  const day = businessDate(c.createdAt, timeZone);
  return day === businessDate(now, timeZone) ? null : day;
}

/**
 * Whoever is signed in may see the strip; resolving it needs a manager (the hub enforces it). `no_order`: the
 * order named as the one it was recorded on has no card payment, or there is no such order that day nor the next.
 */
export type ResolveOutcome = 'resolved' | 'already_resolved' | 'no_order' | 'forbidden' | 'storage_full' | 'unreachable';

/** What a refused resolve came to: resolved meanwhile (another manager, another tablet), the order named wrong, or not allowed. */
export function resolveOutcome(err: unknown): Exclude<ResolveOutcome, 'resolved'> {
  if (!(err instanceof HubError)) return 'unreachable';
  // not a refusal of the resolve: the hub saved nothing (its disk full; busy or failed through the retries),
  // and "a manager must resolve it" to the manager who just did would have them give up on it
  if (err.status === 507) return 'storage_full';
  if (err.status === 429 || err.status >= 500) return 'unreachable';
  if (err.code === 'conflict' || err.code === 'not_found') return 'already_resolved';
  return err.code === 'invalid_order' ? 'no_order' : 'forbidden';
}

/** The resolve sheet as filled in: the kind chosen, the order's number typed (recorded as a payment), the note. */
export interface ResolutionDraft {
  kind: CardChargeResolutionKind | null;
  orderNumber: string;
  note: string;
}

/** The sheet when it opens: nothing chosen; the order is the kiosk's own (the usual one to take it for). */
export const resolutionDraft = (c: Pick<UnrecordedCardCharge, 'orderNumber'>): ResolutionDraft => ({ kind: null, orderNumber: c.orderNumber === null ? '' : String(c.orderNumber), note: '' });

/**
 * The body to send for a draft, or null while it cannot be sent: no kind chosen, no order number for a
 * payment, no note for `other` (the note is all a manager will have to read). The hub's rules, checked here
 * so the button is off rather than the sheet refused.
 */
export function resolutionBody(d: ResolutionDraft): ResolveCardChargeInput | null {
  const note = d.note.trim();
  const withNote = note === '' ? {} : { note };
  switch (d.kind) {
    case 'refunded_on_terminal':
      return { kind: d.kind, ...withNote };
    case 'recorded_as_payment': {
      const n = /^\d{1,7}$/.test(d.orderNumber.trim()) ? Number(d.orderNumber.trim()) : 0;
      return n >= 1 && n <= 1_000_000 ? { kind: d.kind, orderNumber: n, ...withNote } : null;
    }
    case 'other':
      return note === '' ? null : { kind: d.kind, note };
    default:
      return null;
  }
}

export class CardChargeFeed {
  readonly state = new Store<CardChargesState>(emptyCardCharges);
  /** Lists asked for so far (only the latest answer is applied). */
  private asked = 0;

  constructor(private readonly load: () => Promise<UnrecordedCardCharge[]>) {}

  async reload(): Promise<void> {
    const n = ++this.asked;
    try {
      const charges = await this.load();
      if (n === this.asked) this.state.set(fromCardChargeList(charges));
    } catch {
      // unreachable, or a role that may not list them: the stream still brings new ones
    }
  }

  apply(events: readonly HubEvent[]): void {
    const next = applyCardChargeEvents(this.state.get(), events);
    if (next !== this.state.get()) this.state.set(next);
  }

  /** Takes one off this tablet's strip once the hub has resolved it (its event follows on the stream). */
  resolved(id: string): void {
    const { charges } = this.state.get();
    if (charges.some((c) => c.id === id)) this.state.set({ charges: charges.filter((c) => c.id !== id) });
  }
}
