/**
 * How long food bumped ready stays kitchen business once its order is paid. The expo screen shows it until
 * someone taps Served, but a kitchen that never does (no expo; the customer collects at the counter) would
 * otherwise carry every paid order it ever cooked in each screen's snapshot. The hub's snapshot and a
 * screen's board both let such an order go this long after its last line was bumped ready; open orders
 * stay whatever their age, and fired or preparing food however old it is.
 *
 * No imports, so browser apps can use it at run time without pulling zod into their bundles (like
 * close-codes.ts).
 */
export const READY_FOOD_KEPT_MS = 2 * 60 * 60 * 1000;
