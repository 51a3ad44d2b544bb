/**
 * How long food that has left the line stays kitchen business. The hub's snapshot and a screen's board both
 * let it go this long after:
 *
 * - the last line of a paid order was bumped ready. The expo screen shows it until someone taps Served, but
 *   a kitchen that never does (no expo; the customer collects at the counter) would otherwise carry every
 *   paid order it ever cooked in each screen's snapshot;
 * - an order was voided while its food was on the screens (a line fired and never bumped), or a line of it
 *   was and the bill was then paid. The screens show "整单取消 · 停止制作" (or the line's void) until a cook
 *   taps Got it, and a screen that reloads (or is reset) meanwhile must still show it: a cook may be cooking it. Two hours covers a screen off for most of a service (a flat battery, a
 *   hub restarted after a power cut) with room to spare against any dish's prep time; a notice older than
 *   that is not about the food on the pass any more — nobody cooks for two hours what was voided.
 *
 * Open orders stay whatever their age, and fired or preparing food however old it is.
 *
 * No imports, so browser apps can use it at run time without pulling zod into their bundles (like
 * close-codes.ts).
 */
export const READY_FOOD_KEPT_MS = 2 * 60 * 60 * 1000;
