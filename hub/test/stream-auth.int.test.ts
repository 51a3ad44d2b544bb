/**
 * A socket's token is checked when it opens, and again while it stays open: a staff session that expires
 * (12 h), a device unpaired (revoked_at; no route does it yet) — the socket is closed with 4001 ("the token was
 * refused: pair or sign in again"), which the apps' stream client turns into their sign-in / pairing
 * screen, instead of streaming every order on for as long as the socket lives. The others go on.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStream, PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess, type StreamClient } from './harness.ts';

let hub: HubProcess;
let waiter: string;
let waiterDevice: string;

beforeAll(async () => {
  // pings every second: the token is looked at again with them. Not much faster: a socket whose pong is not
  // back by the next ping is cut, and a test process held up that long (2 busy cores) would lose `other` too
  hub = await startHub({ env: { HUB_PRINTERS: 'none', HUB_STREAM_PING_MS: '1000' } });
  ({ staff: waiter, device: waiterDevice } = await signIn(hub, PINS.waiter));
});
afterAll(async () => {
  await hub.stop();
  removeDir(hub.dataDir);
});

/** What an operator (or the clock) does to the store's credentials, straight in its database. */
function inDb(sql: string, ...params: unknown[]): void {
  const rw = new Database(join(hub.dataDir, 'brigade.db'));
  try {
    rw.prepare(sql).run(...params);
  } finally {
    rw.close();
  }
}

const closedWith = (c: StreamClient) => c.messages.find((m) => m.type === 'closed')?.code as number | undefined;
const welcomed = (c: StreamClient) => c.waitFor((m) => m.some((x) => x.type === 'welcome'));

async function placeAndSee(watcher: StreamClient, tableId = 't-b2'): Promise<string> {
  const r = await hub.request('POST', '/api/v1/orders', { token: waiter, body: sampleOrder({ tableId }) });
  expect(r.status).toBe(201);
  const id = r.body.order.id as string;
  await watcher.waitFor(() => watcher.events().some((e) => e.type === 'order.placed' && e.payload.order.id === id));
  return id;
}

describe("a stream socket whose token stops being valid while it is open", () => {
  it('is closed with 4001 once its staff session has expired; the others stream on', async () => {
    const { staff: kitchenStaff } = await signIn(hub, PINS.kitchen, 'kds');
    const expiring = await connectStream(hub, kitchenStaff, {});
    const other = await connectStream(hub, waiterDevice, {});
    await Promise.all([welcomed(expiring), welcomed(other)]);
    await placeAndSee(expiring);

    // 12 hours later, as far as the session is concerned
    inDb("UPDATE staff_sessions SET expires_at = 1 WHERE staff_id = 's-kitchen'");
    await expect.poll(() => closedWith(expiring), { timeout: 5000 }).toBe(4001);
    const id = await placeAndSee(other);
    expect(expiring.events().some((e) => e.payload?.order?.id === id)).toBe(false);
    other.close();
  });

  it('is closed with 4001 once its device has been unpaired', async () => {
    const { device: screen } = await signIn(hub, undefined, 'kds');
    const c = await connectStream(hub, screen, {});
    const other = await connectStream(hub, waiterDevice, {});
    await Promise.all([welcomed(c), welcomed(other)]);
    inDb("UPDATE devices SET revoked_at = ? WHERE kind = 'kds' AND revoked_at IS NULL", Date.now());
    await expect.poll(() => closedWith(c), { timeout: 5000 }).toBe(4001);
    await placeAndSee(other);
    expect(closedWith(other)).toBeUndefined();
    other.close();
  });

  it('is closed with 4001, not replayed to, when it says hello after its session expired (before any ping)', async () => {
    const own = await startHub({ env: { HUB_PRINTERS: 'none' } }); // pings every 30 s
    try {
      const { staff } = await signIn(own, PINS.kitchen, 'kds');
      const c = await connectStream(own, staff, {});
      await welcomed(c);
      const db = new Database(join(own.dataDir, 'brigade.db'));
      db.prepare("UPDATE staff_sessions SET expires_at = 1 WHERE staff_id = 's-kitchen'").run();
      db.close();
      c.ws.send(JSON.stringify({ type: 'hello', lastSeq: 0 }));
      await expect.poll(() => closedWith(c), { timeout: 5000 }).toBe(4001);
      expect(c.messages.filter((m) => m.type === 'welcome')).toHaveLength(1);
      expect(c.events()).toEqual([]);
    } finally {
      await own.stop();
      removeDir(own.dataDir);
    }
  });
});
