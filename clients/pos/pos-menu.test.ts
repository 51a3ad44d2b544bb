/**
 * The waiter tablet's menu while stream menu events cross its menu requests (a busy counted dish sells on
 * every order), in Node, with the hub played by the test: the answer is taken with the events heard while it
 * was on its way applied again on top, so the menu shown is never older than what the tablet has heard.
 */
import { afterEach, expect, it } from 'vitest';
import type { HubEvent, Menu, MenuItem, Snapshot } from '../../hub/protocol/index.ts';
import { menuItem } from '../shared/menu-fixtures.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import type { SocketHandlers } from '../shared/stream-client.ts';
import { PosApp } from './pos-app.ts';

const menuOf = (items: MenuItem[]): Menu => ({ version: 1, currency: 'CNY', stations: [], categories: [], optionGroups: [], items });
/** Dumplings are counted: every order anywhere sells one and the stream says how many are left. */
const menuWith = (tofu: { available: boolean }, dumplingsLeft: number) =>
  menuOf([menuItem({ id: 'mapo-tofu', ...tofu }), menuItem({ id: 'dumplings', remaining: dumplingsLeft })]);

let pos: PosApp | null = null;
afterEach(() => pos?.stop());

const flush = () => new Promise((r) => setTimeout(r, 0));

/** A paired tablet whose hub is the test: its menu requests wait for `answerMenu`, its socket for `say`. */
async function tablet() {
  const sockets: SocketHandlers[] = [];
  const app = new PosApp({
    storage: new MemoryOutboxStorage(),
    socket: (_url, on) => (sockets.push(on), { send: () => undefined, close: () => undefined }),
  });
  pos = app;
  app.session.device.set({ token: 'dev_test', deviceId: 'd-1', name: 'test-pos', kind: 'pos' });
  const menuRequests: ((m: Menu) => void)[] = [];
  app.client.menu = () => new Promise<Menu>((resolve) => menuRequests.push(resolve));
  app.client.snapshot = async (): Promise<Snapshot> => ({ epoch: 'e', seq: 5, menuVersion: 1, orders: [] });
  app.client.health = async () => ({ status: 'ok', printers: [] }) as unknown as Awaited<ReturnType<typeof app.client.health>>;
  app.client.request = (async () => ({ printers: [] })) as typeof app.client.request;
  await app.outbox.load();
  let seq = 5;
  const say = (msg: object) => sockets.at(-1)!.message(JSON.stringify(msg));
  const dumplingsSold = (left: number) =>
    say({ type: 'events', upToSeq: ++seq, events: [{ seq, type: 'menu.stock_changed', at: 0, deviceId: null, staffId: null, payload: { items: [{ id: 'dumplings', remaining: left }] } } as unknown as HubEvent] });
  const item = (id: string) => app.state.get().menu?.items.find((i) => i.id === id);
  return { app, sockets, menuRequests, say, dumplingsSold, item };
}

it('after a snapshot takes the menu answer even when every request is crossed by a menu event, with those events on top', async () => {
  const t = await tablet();
  t.app.start();
  // the menu the tablet knew before: tofu available, 20 dumplings
  t.menuRequests.shift()!(menuWith({ available: true }, 20));
  await flush();
  expect(t.item('mapo-tofu')?.available).toBe(true);

  // the stream starts from a snapshot: the menu is asked for again (meanwhile the tofu sold out)
  t.sockets.at(-1)!.open();
  await flush();
  t.say({ type: 'welcome', epoch: 'e', headSeq: 5, fromSeq: 5 });
  // every answer the hub sends is crossed by a dumpling sold somewhere: the answer was read before it
  let left = 20;
  for (let i = 0; i < 10 && t.menuRequests.length > 0; i++) {
    t.dumplingsSold(--left);
    t.menuRequests.shift()!(menuWith({ available: false }, left + 1));
    await flush();
    await flush();
  }
  expect(t.menuRequests).toHaveLength(0);
  expect(t.item('mapo-tofu')?.available).toBe(false);
  expect(t.item('dumplings')?.remaining).toBe(left);
  expect(t.app.state.get().phase).toBe('ready');
});

it('on waking takes the menu answer crossed by a menu event, with the event on top', async () => {
  const t = await tablet();
  t.app.start();
  t.sockets.at(-1)!.open();
  await flush();
  t.say({ type: 'welcome', epoch: 'e', headSeq: 5, fromSeq: 5 });
  // the first answers (start, snapshot): tofu available, 20 dumplings
  while (t.menuRequests.length > 0) t.menuRequests.shift()!(menuWith({ available: true }, 20));
  await flush();
  expect(t.item('mapo-tofu')?.available).toBe(true);

  // the tablet wakes (the tofu sold out while it slept); a dumpling sells while the menu is on its way
  t.app.wake();
  expect(t.menuRequests).toHaveLength(1);
  t.dumplingsSold(18);
  t.menuRequests.shift()!(menuWith({ available: false }, 19));
  await flush();
  expect(t.item('mapo-tofu')?.available).toBe(false);
  expect(t.item('dumplings')?.remaining).toBe(18);
});

it('an answer crossed by nothing is taken as it is', async () => {
  const t = await tablet();
  t.app.start();
  t.menuRequests.shift()!(menuWith({ available: false }, 7));
  await flush();
  expect(t.item('mapo-tofu')?.available).toBe(false);
  expect(t.item('dumplings')?.remaining).toBe(7);
});

it('an answer to an older request coming back after a newer one is not shown', async () => {
  const t = await tablet();
  t.app.start(); // asks for the menu
  t.sockets.at(-1)!.open();
  await flush(); // the snapshot: asks again
  expect(t.menuRequests).toHaveLength(2);
  const [older, newer] = t.menuRequests.splice(0);
  newer!(menuWith({ available: false }, 7));
  await flush();
  older!(menuWith({ available: true }, 9));
  await flush();
  expect(t.item('mapo-tofu')?.available).toBe(false);
  expect(t.item('dumplings')?.remaining).toBe(7);
});
