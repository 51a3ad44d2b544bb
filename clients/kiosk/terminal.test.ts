import { describe, expect, it } from 'vitest';
import { createTerminal, SimulatedTerminal, terminalSetting, type TerminalTimers } from './terminal.ts';

const sale = { amountMinor: 4200, currency: 'CNY', merchantReference: '17' };

function fakeTimers(): TerminalTimers & { fire(): void; pending(): number } {
  let queue: { fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    setTimeout: (fn) => {
      queue.push({ fn, id: next });
      return next++;
    },
    clearTimeout: (h) => {
      queue = queue.filter((q) => q.id !== h);
    },
    fire() {
      const due = queue;
      queue = [];
      for (const q of due) q.fn();
    },
    pending: () => queue.length,
  };
}

describe('SimulatedTerminal', () => {
  it('shows the sale as a prompt and resolves approved with a SIM- reference when the demo button approves', async () => {
    const sim = new SimulatedTerminal();
    const outcome = sim.sale(sale);
    expect(sim.prompt.get()).toEqual({ ...sale, auto: false });
    sim.approve();
    expect(await outcome).toEqual({ kind: 'approved', reference: expect.stringMatching(/^SIM-[0-9A-Z]{10}$/), cardLast4: '4242', scheme: 'SIMULATED' });
    expect(sim.prompt.get()).toBeNull();
  });

  it('resolves declined with the reason, and cancelled when the caller aborts', async () => {
    const sim = new SimulatedTerminal();
    const declined = sim.sale(sale);
    sim.decline('insufficient funds');
    expect(await declined).toEqual({ kind: 'declined', reason: 'insufficient funds' });

    const abort = new AbortController();
    const cancelled = sim.sale(sale, abort.signal);
    abort.abort();
    expect(await cancelled).toEqual({ kind: 'cancelled' });
    expect(sim.prompt.get()).toBeNull();
  });

  it('approves by itself after the delay with the test flag, and the prompt says it is automatic', async () => {
    const timers = fakeTimers();
    const sim = new SimulatedTerminal({ autoApproveMs: 800, timers });
    const outcome = sim.sale(sale);
    expect(sim.prompt.get()?.auto).toBe(true);
    timers.fire();
    expect((await outcome).kind).toBe('approved');
  });

  it('stops its auto-approval when the sale is cancelled first, so a cancelled sale is never charged', async () => {
    const timers = fakeTimers();
    const sim = new SimulatedTerminal({ autoApproveMs: 800, timers });
    const abort = new AbortController();
    const outcome = sim.sale(sale, abort.signal);
    abort.abort();
    expect(await outcome).toEqual({ kind: 'cancelled' });
    expect(timers.pending()).toBe(0);
  });

  it('answers a second sale while one runs with an error instead of queueing it, and takes one again afterwards', async () => {
    const sim = new SimulatedTerminal();
    const first = sim.sale(sale);
    expect(await sim.sale({ ...sale, merchantReference: '18' })).toEqual({ kind: 'error', message: expect.stringContaining('busy') });
    expect(sim.prompt.get()?.merchantReference).toBe('17');
    sim.approve();
    await first;
    const again = sim.sale(sale);
    sim.decline();
    expect((await again).kind).toBe('declined');
  });

  it('does not start a sale whose signal is already aborted', async () => {
    const sim = new SimulatedTerminal();
    const abort = new AbortController();
    abort.abort();
    expect(await sim.sale(sale, abort.signal)).toEqual({ kind: 'cancelled' });
    expect(sim.prompt.get()).toBeNull();
  });
});

describe('choosing the terminal', () => {
  it.each([
    { search: '', remembered: null, setting: 'sim' },
    { search: '?terminal=off', remembered: 'sim', setting: 'off' },
    { search: '?terminal=sim-auto', remembered: null, setting: 'sim-auto' },
    { search: '', remembered: 'off', setting: 'off' },
    { search: '?terminal=acme', remembered: 'off', setting: 'off' },
    { search: '?terminal=acme', remembered: 42, setting: 'sim' },
  ])('$search with $remembered remembered → $setting', ({ search, remembered, setting }) => {
    expect(terminalSetting(search, remembered)).toBe(setting);
  });

  it('offers no terminal when off, and a simulated one (saying so) otherwise', () => {
    expect(createTerminal('off')).toBeNull();
    expect(createTerminal('sim')).toMatchObject({ simulated: true });
    expect(createTerminal('sim-auto')).toBeInstanceOf(SimulatedTerminal);
  });
});
