import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderTicket, type TicketDocument } from '../render/ticket.ts';
import { startSimHarness, TEST_PROFILE, TEST_TIMEOUTS, type SimHarness } from '../sim/sim-harness.ts';
import { contractTicket } from './transport-contract.ts';

/**
 * A hub without a real-time clock (a Raspberry Pi) boots with a stale wall clock and NTP moves it by hours
 * once the network is up. The transport's timeouts must not follow the wall clock.
 */
const longTicket = (n: number, lines: number): TicketDocument => ({
  ...contractTicket(n),
  lines: Array.from({ length: lines }, (_, i) => ({ qty: 1, nameZh: `菜品${i}号`, nameEn: `Dish ${i}`, options: [] })),
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const HOUR = 3_600_000;

describe('TcpPrinterTransport and wall-clock jumps', () => {
  let h: SimHarness | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await h?.dispose();
    h = undefined;
  });

  /** Date.now() shifted by `offset.ms`, as after an NTP step; timers and sockets are untouched. */
  function shiftableClock(): { ms: number } {
    const offset = { ms: 0 };
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset.ms);
    return offset;
  }

  async function jobArriving(sim: SimHarness['sim']): Promise<void> {
    for (let i = 0; i < 250 && sim.stats.bytesReceived <= 8192 + 64; i++) await sleep(10);
    expect(sim.stats.bytesReceived).toBeGreaterThan(8192 + 64);
  }

  it('does not report a barrier timeout (a duplicate ticket) when the clock jumps forward during a job', async () => {
    h = await startSimHarness({ msPerLine: 15 });
    const clock = shiftableClock();
    const sending = h.transport.send(renderTicket(longTicket(1, 12), TEST_PROFILE));
    await jobArriving(h.sim);
    clock.ms = HOUR;
    expect((await sending).status).toBe('printed');
  });

  it('still gives up on a silent printer within the barrier timeout when the clock jumps back', async () => {
    h = await startSimHarness({ msPerLine: 20 });
    const clock = shiftableClock();
    const sending = h.transport.send(renderTicket(longTicket(2, 15), TEST_PROFILE));
    await jobArriving(h.sim);
    h.sim.powerOff();
    clock.ms = -HOUR;
    const bound = TEST_TIMEOUTS.barrierTimeoutMs + 3000;
    const result = await Promise.race([sending, sleep(bound).then(() => 'still waiting' as const)]);
    expect(result).toMatchObject({ status: 'uncertain', reason: 'barrier-timeout' });
  });
});
