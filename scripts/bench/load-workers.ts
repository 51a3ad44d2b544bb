import { availableParallelism } from 'node:os';

/**
 * How many load-generator worker processes a bench run uses unless told. Each worker decodes its own copy
 * of every frame its sockets receive (inflated and scanned once per worker), so a second worker on the
 * hub's own cores mostly measures the generator: on this project's 2-core machine, three interleaved bench
 * pairs gave a ratio of 0.59–0.68 with one worker against 0.50–0.52 with two, and the waiters' p99 under
 * the flood 99–148 ms against 151–177 ms, while one worker still offered the flood (1,980–2,260 orders/s)
 * with its own lag p99 under 65 ms. With the generator on cores of its own (pinned), two workers.
 */
export function defaultLoadWorkers(pinned: boolean): number {
  return pinned || availableParallelism() >= 4 ? 2 : 1;
}
