import { describe, expect, it } from 'vitest';
import { HELLO_BURST, HELLO_REFILL_MS, MESSAGE_BURST, MESSAGE_REFILL_MS, takeAllowance, takeHello, type Allowance } from './stream-server.ts';

const fresh = (at = 0): Allowance => ({ left: HELLO_BURST, at });
const take = (a: Allowance, now: number, n: number) => Array.from({ length: n }, () => takeHello(a, now));

describe("a socket's hello allowance", () => {
  it(`grants ${HELLO_BURST} at once, then none`, () => {
    const a = fresh();
    expect(take(a, 0, HELLO_BURST + 1)).toEqual([...Array(HELLO_BURST).fill(true), false]);
  });

  it('gives one back per refill interval, not before', () => {
    const a = fresh();
    take(a, 0, HELLO_BURST);
    expect(takeHello(a, HELLO_REFILL_MS - 1)).toBe(false);
    expect(takeHello(a, HELLO_REFILL_MS)).toBe(true);
    expect(takeHello(a, HELLO_REFILL_MS + 1)).toBe(false);
    // the part of an interval already waited counts towards the next one
    expect(takeHello(a, 2 * HELLO_REFILL_MS)).toBe(true);
  });

  it(`never holds more than ${HELLO_BURST}, however long the socket was quiet`, () => {
    const a = fresh();
    takeHello(a, 0);
    expect(take(a, 100 * HELLO_REFILL_MS, HELLO_BURST + 1)).toEqual([...Array(HELLO_BURST).fill(true), false]);
  });
});

describe("a socket's message allowance", () => {
  it(`grants ${MESSAGE_BURST} messages at once, then ${1000 / MESSAGE_REFILL_MS} a second`, () => {
    const a: Allowance = { left: MESSAGE_BURST, at: 0 };
    const spend = (now: number, n: number) => Array.from({ length: n }, () => takeAllowance(a, now, MESSAGE_BURST, MESSAGE_REFILL_MS));
    expect(spend(0, MESSAGE_BURST + 1)).toEqual([...Array(MESSAGE_BURST).fill(true), false]);
    expect(spend(1000, 1000 / MESSAGE_REFILL_MS + 1)).toEqual([...Array(1000 / MESSAGE_REFILL_MS).fill(true), false]);
  });

  it(`grants no more than ${MESSAGE_BURST} at once after a quiet spell, whatever part of an interval it ended in`, () => {
    // full for a second, then spent 199 ms into an interval: the next one comes a whole interval later, not 2 ms
    const a: Allowance = { left: MESSAGE_BURST - 1, at: 0 };
    const spend = (now: number, n: number) => Array.from({ length: n }, () => takeAllowance(a, now, MESSAGE_BURST, MESSAGE_REFILL_MS));
    const at = 5 * MESSAGE_REFILL_MS + MESSAGE_REFILL_MS - 1;
    expect(spend(at, MESSAGE_BURST)).toEqual(Array(MESSAGE_BURST).fill(true));
    expect(spend(at + 2, 1)).toEqual([false]);
    expect(spend(at + MESSAGE_REFILL_MS - 1, 1)).toEqual([false]);
    expect(spend(at + MESSAGE_REFILL_MS, 2)).toEqual([true, false]);
  });
});
