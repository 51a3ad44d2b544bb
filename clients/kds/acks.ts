/**
 * The voided lines a cook has acknowledged ("Got it" / 知道了) on this screen, kept in localStorage so a
 * reload does not bring back a void notice somebody already saw. The hub knows the lines are void; whether
 * this screen's cooks have seen it is the screen's own business, so it is never sent anywhere.
 *
 * Keyed by line id (an order's Got it acknowledges each of its voided lines; line ids are unique across
 * orders), with the time of the tap on this device's clock: the age is compared with the same clock, so a
 * tablet hours off the hub's time still keeps its acknowledgements for as long as it should.
 */
import { load, save } from '../shared/storage.ts';

/** Line id → when a cook acknowledged it (device time, ms). */
export type Acks = Readonly<Record<string, number>>;

/**
 * How long an acknowledgement is kept: a voided line shows as long as its order is on the board — a voided
 * order for `READY_FOOD_KEPT_MS` after the void, a voided line of an open order as long as the table stays
 * (at most a day, the hub's `TABLE_PARTY_MAX_MS`) — so a day, with no dependence on the hub's clock.
 */
export const ACKS_KEPT_MS = 24 * 60 * 60 * 1000;
/** At most this many, the most recent kept: more than a busy kitchen voids in a day, a few KB of storage. */
export const ACKS_MAX = 500;

const KEY = 'kds.acks';

/** The acknowledgements younger than `ACKS_KEPT_MS`, at most `ACKS_MAX` of them (the most recent). */
export function pruneAcks(acks: Acks, now: number): Acks {
  const young = Object.entries(acks).filter(([, at]) => typeof at === 'number' && now - at < ACKS_KEPT_MS && at <= now + ACKS_KEPT_MS);
  // stable: among taps of the same moment (one Got it for a whole ticket) the later-added ones are kept
  const newest = young.sort((a, b) => a[1] - b[1]).slice(-ACKS_MAX);
  return Object.fromEntries(newest);
}

/** What this screen acknowledged before it was (re)loaded, pruned. */
export function loadAcks(now: number): Acks {
  const stored = load<Acks>(KEY);
  return stored && typeof stored === 'object' && !Array.isArray(stored) ? pruneAcks(stored, now) : {};
}

/** Adds `lineIds` acknowledged at `now`, prunes, remembers; returns the result. */
export function addAcks(acks: Acks, lineIds: readonly string[], now: number): Acks {
  const next = pruneAcks({ ...acks, ...Object.fromEntries(lineIds.map((id) => [id, now])) }, now);
  save(KEY, next);
  return next;
}
