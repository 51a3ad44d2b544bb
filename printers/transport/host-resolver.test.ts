/**
 * Printers configured by host name: name lookups bounded and remembered (host-resolver.ts), and the TCP
 * transport reaching a simulator by name. No real DNS: every lookup is a fake the test controls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderTicket } from '../render/ticket.ts';
import { startSimHarness, TEST_PROFILE, type SimHarness } from '../sim/sim-harness.ts';
import { HostResolver, type LookupFn } from './host-resolver.ts';
import { contractTicket } from './transport-contract.ts';

/** A lookup the test answers by hand: each call waits until `answer` or `fail` (or never). */
function manualLookup() {
  const calls: { host: string; answer(address: string): void; fail(code: string): void }[] = [];
  const lookup: LookupFn = (host) =>
    new Promise((resolve, reject) => {
      calls.push({ host, answer: (address) => resolve({ address }), fail: (code) => reject(Object.assign(new Error(code), { code })) });
    });
  return { lookup, calls };
}

/** A lookup that answers at once from a table (ENOTFOUND for a name not in it), counting calls. */
function tableLookup(table: Record<string, string>) {
  const calls: string[] = [];
  const lookup: LookupFn = async (host) => {
    calls.push(host);
    const address = table[host];
    if (address === undefined) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return { address };
  };
  return { lookup, calls };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('HostResolver', () => {
  it('never looks up an IP address', async () => {
    const { lookup, calls } = tableLookup({});
    const r = new HostResolver({ lookup });
    expect(await r.resolve('192.168.1.50', 100)).toEqual({ ok: true, address: '192.168.1.50' });
    expect(await r.resolve('fe80::1', 100)).toEqual({ ok: true, address: 'fe80::1' });
    expect(calls).toEqual([]);
  });

  it('looks a name up once and reuses the answer while it is fresh, then asks again', async () => {
    let now = 0;
    const { lookup, calls } = tableLookup({ 'kitchen.lan': '10.0.0.7' });
    const r = new HostResolver({ lookup, now: () => now, freshMs: 60_000 });
    for (let i = 0; i < 20; i++) expect(await r.resolve('kitchen.lan', 100)).toEqual({ ok: true, address: '10.0.0.7' });
    expect(calls).toEqual(['kitchen.lan']);
    now += 60_000;
    await r.resolve('kitchen.lan', 100);
    expect(calls).toEqual(['kitchen.lan', 'kitchen.lan']);
  });

  it('answers within the wait it is given while DNS hangs, and runs one lookup per name however often it is asked', async () => {
    const { lookup, calls } = manualLookup();
    const r = new HostResolver({ lookup });
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 10 }, () => r.resolve('bar.lan', 50)));
    expect(performance.now() - started).toBeLessThan(1000);
    for (const a of answers) expect(a).toMatchObject({ ok: false, detail: expect.stringContaining('still running') });
    expect(await r.resolve('bar.lan', 20)).toMatchObject({ ok: false });
    expect(calls.map((c) => c.host)).toEqual(['bar.lan']);
    expect(r.inFlight).toBe(1);
    // the answer, however late, serves the next connection at once
    calls[0]!.answer('10.0.0.8');
    await tick();
    expect(await r.resolve('bar.lan', 0)).toEqual({ ok: true, address: '10.0.0.8' });
    expect(r.inFlight).toBe(0);
  });

  it('holds at most one lookup in flight for all names together: the others wait their turn', async () => {
    const { lookup, calls } = manualLookup();
    const r = new HostResolver({ lookup });
    const names = ['a.lan', 'b.lan', 'c.lan', 'd.lan'];
    await Promise.all(names.map((n) => r.resolve(n, 20)));
    expect(calls.map((c) => c.host)).toEqual(['a.lan']);
    expect(r.inFlight).toBe(4);
    calls[0]!.fail('EAI_AGAIN');
    await tick();
    expect(calls.map((c) => c.host)).toEqual(['a.lan', 'b.lan']);
    calls[1]!.answer('10.0.0.2');
    await tick();
    expect(calls.map((c) => c.host)).toEqual(['a.lan', 'b.lan', 'c.lan']);
    expect(await r.resolve('b.lan', 0)).toEqual({ ok: true, address: '10.0.0.2' });
  });

  it('keeps the last good address while a new lookup fails or hangs, for a while, and waits out a failure before asking again', async () => {
    let now = 0;
    const { lookup, calls } = manualLookup();
    const r = new HostResolver({ lookup, now: () => now, freshMs: 1000, keepMs: 10_000, retryAfterFailureMs: 5000 });
    const first = r.resolve('hot.lan', 100);
    await tick();
    calls[0]!.answer('10.0.0.9');
    expect(await first).toEqual({ ok: true, address: '10.0.0.9' });

    now = 2000; // stale: asked again; DNS has gone away and the lookup hangs
    expect(await r.resolve('hot.lan', 20)).toEqual({ ok: true, address: '10.0.0.9' });
    calls[1]!.fail('EAI_AGAIN');
    await tick();
    now = 3000; // within the wait after a failure: the last address, no new lookup
    expect(await r.resolve('hot.lan', 20)).toEqual({ ok: true, address: '10.0.0.9' });
    expect(calls).toHaveLength(2);
    now = 11_000; // the last answer is too old to trust, and the lookup fails again
    const late = r.resolve('hot.lan', 100);
    await tick();
    calls[2]!.fail('ENOTFOUND');
    expect(await late).toEqual({ ok: false, detail: 'no address for hot.lan (ENOTFOUND)' });
  });

  it('asks again at once when nothing answered at the address (a new DHCP lease), and still serves the old one if the lookup fails', async () => {
    let now = 0;
    const table: Record<string, string> = { 'hot.lan': '10.0.0.9' };
    const { lookup, calls } = tableLookup(table);
    const r = new HostResolver({ lookup, now: () => now });
    await r.resolve('hot.lan', 100);
    table['hot.lan'] = '10.0.0.23';
    now = 1000;
    expect(await r.resolve('hot.lan', 100)).toEqual({ ok: true, address: '10.0.0.9' }); // fresh: not asked
    r.suspect('hot.lan');
    expect(await r.resolve('hot.lan', 100)).toEqual({ ok: true, address: '10.0.0.23' });
    expect(calls).toHaveLength(2);
  });
});

describe('TcpPrinterTransport, a printer by host name', () => {
  let h: SimHarness | undefined;
  afterEach(async () => {
    await h?.dispose();
    h = undefined;
  });

  it('prints at the address the name resolves to, looking it up once for many jobs', async () => {
    h = await startSimHarness();
    const { lookup, calls } = tableLookup({ 'kitchen-printer.lan': h.sim.host });
    const t = h.newTransport({ host: 'kitchen-printer.lan', resolver: new HostResolver({ lookup }) });
    for (let n = 1; n <= 3; n++) expect((await t.send(renderTicket(contractTicket(n), TEST_PROFILE))).status).toBe('printed');
    expect((await t.probe()).reachable).toBe(true);
    expect(calls).toEqual(['kitchen-printer.lan']);
    await t.close();
  });

  it('gives up within the connect timeout while DNS hangs, with one lookup in flight for many printers and attempts', async () => {
    h = await startSimHarness();
    const { lookup, calls } = manualLookup();
    const resolver = new HostResolver({ lookup });
    const transports = ['hot.lan', 'bar.lan', 'cold.lan'].map((host) => h!.newTransport({ host, resolver, connectTimeoutMs: 300 }));
    const started = performance.now();
    const results = await Promise.all(transports.flatMap((t) => [t.send(renderTicket(contractTicket(1), TEST_PROFILE)), t.probe()]));
    // each transport runs its two calls one after the other: two bounded waits, not the resolver's own timeout
    expect(performance.now() - started).toBeLessThan(2000);
    for (const r of results) expect(r).toMatchObject({ reason: 'connect-timeout', detail: expect.stringContaining('name lookup') });
    expect(calls.map((c) => c.host)).toEqual(['hot.lan']);
    expect(resolver.inFlight).toBe(3);
    expect(h.sim.stats.connections).toBe(0);
    await Promise.all(transports.map((t) => t.close()));
  });
});
