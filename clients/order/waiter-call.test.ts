import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HubEvent } from '../../hub/protocol/index.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { QrApp } from './order-app.ts';

const TABLE = { id: 't-a4', name: 'A4' };
const OTHER = { id: 't-a5', name: 'A5' };

/** The hub's events as the table's phones hear them (no staff on the acknowledgement). */
const called = (seq: number, at: number, reason?: 'bill', table = TABLE): HubEvent => ({
  seq, at, type: 'table.waiter_called', deviceId: null, staffId: null,
  payload: { table, note: null, ...(reason ? { reason } : {}) },
});
const acknowledged = (seq: number, at: number, throughSeq: number, table = TABLE): HubEvent => ({
  seq, at, type: 'table.waiter_call_acknowledged', deviceId: null, staffId: null,
  payload: { table, throughSeq, calls: 1, staffId: null, staffName: null },
});

/**
 * A page on table A4 whose hub answers each waiter call with the next of `answers`: the call's `[at, seq]`
 * (`{called, at, seq}`), `at` alone (an answer stored by a hub from before calls were answered with their seq,
 * replayed), or no answer.
 */
function page(answers: ([number, number] | number | 'down')[]) {
  const posted: unknown[] = [];
  const fetch = (async (_url: string, init?: RequestInit) => {
    posted.push(JSON.parse(String(init?.body ?? '{}')));
    const next = answers.shift();
    if (next === 'down' || next === undefined) throw new TypeError('network down');
    const body = typeof next === 'number' ? { called: true, at: next } : { called: true, at: next[0], seq: next[1] };
    return new Response(JSON.stringify(body), { status: 201, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  const app = new QrApp('tbl_token', { storage: new MemoryOutboxStorage(), baseUrl: 'http://hub.test', fetch });
  app.state.set({ ...app.state.get(), table: TABLE });
  return { app, posted, call: () => app.state.get().waiterCall };
}

afterEach(() => vi.useRealTimers());

describe("the guest's call for a waiter", () => {
  it('says the call is waiting once the hub has it, not that a waiter is coming', async () => {
    const { app, call } = page([[1000, 41]]);
    const calling = app.callWaiter();
    expect(call()?.phase).toBe('calling');
    expect(await calling).toBe(true);
    expect(call()).toEqual({ phase: 'waiting', reason: null, at: 1000, seq: 41 });
    app.stop();
  });

  it("says a waiter is on the way when the acknowledgement covers the page's call, for a while, then shows the button again", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { app, call } = page([[1000, 41]]);
    await app.callWaiter();
    app.applyStreamEvents([called(41, 1000)]);
    // another table's Done says nothing about this one
    app.applyStreamEvents([acknowledged(42, 2000, 41, OTHER)]);
    expect(call()?.phase).toBe('waiting');
    app.applyStreamEvents([acknowledged(43, 3000, 41)]);
    expect(call()?.phase).toBe('coming');
    vi.advanceTimersByTime(59_000);
    expect(call()?.phase).toBe('coming');
    vi.advanceTimersByTime(2_000);
    expect(call()).toBeNull();
    app.stop();
  });

  it("keeps waiting when a waiter sees to an earlier call of the table only (a Done tapped before the page's call reached the tablet)", async () => {
    const { app, call } = page([[5000, 12]]);
    app.applyStreamEvents([called(10, 1000)]); // another phone's call
    await app.callWaiter('bill');
    app.applyStreamEvents([called(12, 5000, 'bill'), acknowledged(13, 5100, 10)]);
    expect(call()).toMatchObject({ phase: 'waiting', reason: 'bill', seq: 12 });
    app.applyStreamEvents([acknowledged(14, 9000, 12)]);
    expect(call()?.phase).toBe('coming');
    app.stop();
  });

  it('keeps waiting for a Done made after its call that covers only an earlier one, though the page never heard its own call (a stream reset)', async () => {
    const { app, call } = page([[5000, 12]]);
    await app.callWaiter();
    // a tablet's Done late from its outbox: made after this call, for the call before it
    app.applyStreamEvents([acknowledged(13, 6000, 11)]);
    expect(call()).toMatchObject({ phase: 'waiting', seq: 12 });
    app.applyStreamEvents([acknowledged(14, 7000, 12)]);
    expect(call()?.phase).toBe('coming');
    app.stop();
  });

  it("is not taken for another phone's call of the same moment (the same hub batch, another note)", async () => {
    const { app, call } = page([[1000, 42]]);
    await app.callWaiter();
    app.applyStreamEvents([called(41, 1000), called(42, 1000), acknowledged(43, 2000, 41)]);
    expect(call()).toMatchObject({ phase: 'waiting', seq: 42 });
    app.stop();
  });

  it('counts an acknowledgement heard before the answer (the stream is faster, and on a retried request even the Done can be)', async () => {
    const { app, call } = page([[1000, 41]]);
    const calling = app.callWaiter();
    app.applyStreamEvents([called(41, 1000), acknowledged(42, 1500, 41)]);
    expect(call()?.phase).toBe('calling');
    await calling;
    expect(call()?.phase).toBe('coming');
    app.stop();
  });

  it('a second tap within 30 s is the same call: still waiting, and the Done covers it', async () => {
    const { app, call, posted } = page([[1000, 41], [1000, 41]]);
    await app.callWaiter();
    await app.callWaiter(); // the hub answers with the first call, and rings no tablet
    expect(posted).toHaveLength(2);
    expect(call()).toMatchObject({ phase: 'waiting', seq: 41 });
    app.applyStreamEvents([acknowledged(42, 20_000, 41)]);
    expect(call()?.phase).toBe('coming');
    app.stop();
  });

  it('a call made after a waiter saw to the last one is a new call: waiting again until its own Done', async () => {
    const { app, call } = page([[1000, 41], [20_000, 43]]);
    await app.callWaiter();
    app.applyStreamEvents([called(41, 1000), acknowledged(42, 10_000, 41)]);
    expect(call()?.phase).toBe('coming');
    await app.callWaiter();
    expect(call()).toMatchObject({ phase: 'waiting', seq: 43 });
    app.applyStreamEvents([acknowledged(44, 25_000, 43)]);
    expect(call()?.phase).toBe('coming');
    app.stop();
  });

  it('an answer without seq (stored before the hub gave it, replayed) is seen to by a Done made after the call', async () => {
    const { app, call } = page([1000]);
    await app.callWaiter();
    expect(call()).toMatchObject({ phase: 'waiting', seq: null });
    app.applyStreamEvents([acknowledged(42, 900, 40)]);
    expect(call()?.phase).toBe('waiting');
    app.applyStreamEvents([acknowledged(43, 8000, 41)]);
    expect(call()?.phase).toBe('coming');
    app.stop();
  });

  it('says so when the call did not get through, and the guest can put that away', async () => {
    const { app, call } = page(['down', 'down']);
    expect(await app.callWaiter()).toBe(false);
    expect(call()).toEqual({ phase: 'failed', reason: null });
    app.dismissWaiterCall();
    expect(call()).toBeNull();
    app.stop();
  });
});
