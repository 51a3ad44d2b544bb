/**
 * The QR page's controller (QrApp in Node, the `ws` package for the stream) against a real hub that is
 * refusing the public channel with 429 + Retry-After as the page opens (the peak: every table scanning at
 * once). The page must say the restaurant is busy, not blame the phone's Wi-Fi, and load by itself once the
 * hub takes requests again: nobody at the table knows to tap "Try again".
 */
import WS from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PINS, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { eventually, pairAndSignIn } from '../test/browser.ts';
import { MemoryOutboxStorage } from '../shared/outbox.ts';
import { QrApp } from './order-app.ts';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WS;
let hub: HubProcess;
let tokens: Map<string, string>;
const apps: QrApp[] = [];
beforeAll(async () => {
  // two requests a second per caller, a burst of four: easy to use up from the test
  hub = await startHub({ env: { HUB_PUBLIC_RATE: '2' } });
  const manager = (await pairAndSignIn(hub, 'pos', PINS.manager)).staff.token;
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager });
  tokens = new Map((qr.body.tables as { id: string; qrToken: string }[]).map((t) => [t.id, t.qrToken]));
}, 60_000);
afterAll(async () => {
  for (const a of apps) a.stop();
  await hub?.stop();
});

it('a page opened while the hub answers 429 says the restaurant is busy and loads by itself after Retry-After', async () => {
  // this address's allowance (the menu and pacing are read without a token) is used up: the page's menu is refused
  let refused = 0;
  while (refused === 0) if ((await hub.request('GET', '/api/v1/kitchen/pacing')).status === 429) refused++;
  const app = new QrApp(tokens.get('t-a4')!, { storage: new MemoryOutboxStorage(), baseUrl: hub.url });
  apps.push(app);
  await app.start();
  expect(app.state.get().phase).toMatchObject({ name: 'unreachable', busy: true });
  await eventually('the page loaded by itself', async () => (app.state.get().phase.name === 'ready' && app.state.get().menu ? true : undefined), 20_000);
  await eventually('live status', async () => (app.state.get().conn.status === 'live' ? true : undefined), 20_000);
}, 60_000);

it('a page that shows the menu it kept from an earlier visit still gets its table\'s orders and live status once the hub takes requests again', async () => {
  const menu = await eventually('the menu', async () => (await hub.request('GET', '/api/v1/menu')).body.menu as unknown);
  const kept = new Map<string, string>([['brigade.order.menu', JSON.stringify(menu)]]);
  const g = globalThis as { localStorage?: unknown };
  g.localStorage = { getItem: (k: string) => kept.get(k) ?? null, setItem: (k: string, v: string) => void kept.set(k, v), removeItem: (k: string) => void kept.delete(k) };
  try {
    // an order of the table, placed before the phone came back to the page
    const placed = await hub.request('POST', '/api/v1/orders', { token: tokens.get('t-a5'), body: { channel: 'qr', lines: [{ itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'] }] } });
    expect(placed.status).toBe(201);
    let refused = 0;
    while (refused === 0) if ((await hub.request('GET', '/api/v1/kitchen/pacing')).status === 429) refused++;
    const app = new QrApp(tokens.get('t-a5')!, { storage: new MemoryOutboxStorage(), baseUrl: hub.url });
    apps.push(app);
    await app.start();
    // the menu refused, the one kept shows: the page is usable at once
    expect(app.state.get().phase.name).toBe('ready');
    await eventually('live status', async () => (app.state.get().conn.status === 'live' ? true : undefined), 20_000);
    expect(app.state.get().orders.map((o) => o.id)).toContain(placed.body.order.id);
  } finally {
    delete g.localStorage;
  }
}, 60_000);
