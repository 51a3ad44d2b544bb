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

/** A page on table A4 whose hub answers each waiter call with the next of `answers` ({called, at}, or a status). */
function page(answers: (number | 'down')[]) {
  const posted: unknown[] = [];
  const fetch = (async (_url: string, init?: RequestInit) => {
    posted.push(JSON.parse(String(init?.body ?? '{}')));
    const next = answers.shift();
    if (next === 'down' || next === undefined) throw new TypeError('network down');
    return new Response(JSON.stringify({ called: true, at: next }), { status: 201, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;
  const app = new QrApp('tbl_token', { storage: new MemoryOutboxStorage(), baseUrl: 'http://hub.test', fetch });
  app.state.set({ ...app.state.get(), table: TABLE });
  return { app, posted, call: () => app.state.get().waiterCall };
}

afterEach(() => vi.useRealTimers());

describe("the guest's call for a waiter", () => {
  it('says the call is waiting once the hub has it, not that a waiter is coming', async () => {
    const { app, call } = page([1000]);
    const calling = app.callWaiter();
    expect(call()?.phase).toBe('calling');
    expect(await calling).toBe(true);
    expect(call()).toMatchObject({ phase: 'waiting', reason: null });
    app.stop();
  });

  it("says a waiter is on the way when the acknowledgement covers the page's call, for a while, then shows the button again", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { app, call } = page([1000]);
    await app.callWaiter();
    app.applyStreamEvents([called(41, 1000)]);
    expect(call()).toMatchObject({ phase: 'waiting', seq: 41 });
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
    const { app, call } = page([5000]);
    app.applyStreamEvents([called(10, 1000)]); // another phone's call
    await app.callWaiter('bill');
    app.applyStreamEvents([called(12, 5000, 'bill'), acknowledged(13, 5100, 10)]);
    expect(call()).toMatchObject({ phase: 'waiting', reason: 'bill', seq: 12 });
    app.applyStreamEvents([acknowledged(14, 9000, 12)]);
    expect(call()?.phase).toBe('coming');
    app.stop();
  });

  it('knows its call when the stream brings it before the hub answers, and an acknowledgement heard before the answer counts', async () => {
    const { app, call } = page([1000]);
    const calling = app.callWaiter();
    // the stream is faster than the answer (and on a retried request, even the Done can be)
    app.applyStreamEvents([called(41, 1000), acknowledged(42, 1500, 41)]);
    expect(call()?.phase).toBe('calling');
    await calling;
    expect(call()?.phase).toBe('coming');
    app.stop();
  });

  it('does not take an older acknowledgement for its call while the stream has not brought the call yet', async () => {
    const { app, call } = page([5000]);
    await app.callWaiter();
    // replayed after a reconnect, in seq order: a Done of an earlier call, then this page's call
    app.applyStreamEvents([called(10, 1000), acknowledged(11, 4000, 10)]);
    expect(call()).toMatchObject({ phase: 'waiting', seq: null });
    app.applyStreamEvents([called(12, 5000)]);
    expect(call()).toMatchObject({ phase: 'waiting', seq: 12 });
    app.applyStreamEvents([acknowledged(13, 6000, 12)]);
    expect(call()?.phase).toBe('coming');
    app.stop();
  });

  it('a second tap within 30 s is the same call: still waiting, still knowing its seq, and the Done covers it', async () => {
    const { app, call, posted } = page([1000, 1000]);
    await app.callWaiter();
    app.applyStreamEvents([called(41, 1000)]);
    await app.callWaiter(); // the hub repeats the first call's `at`, and rings no tablet
    expect(posted).toHaveLength(2);
    expect(call()).toMatchObject({ phase: 'waiting', seq: 41 });
    app.applyStreamEvents([acknowledged(42, 20_000, 41)]);
    expect(call()?.phase).toBe('coming');
    app.stop();
  });

  it('a call made after a waiter saw to the last one is a new call: waiting again until its own Done', async () => {
    const { app, call } = page([1000, 20_000]);
    await app.callWaiter();
    app.applyStreamEvents([called(41, 1000), acknowledged(42, 10_000, 41)]);
    expect(call()?.phase).toBe('coming');
    await app.callWaiter();
    expect(call()?.phase).toBe('waiting');
    app.applyStreamEvents([called(43, 20_000)]);
    expect(call()).toMatchObject({ phase: 'waiting', seq: 43 });
    app.stop();
  });

  it('a call repeating one this page never heard (made before it listened) is seen to by a Done made after it', async () => {
    const { app, call } = page([1000]);
    await app.callWaiter(); // another phone at the table called at 1000, before this page loaded
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
