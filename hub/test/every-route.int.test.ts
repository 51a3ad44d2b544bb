/**
 * Every route in the hub's own OpenAPI document, against the real hub process, driven with requests made
 * from the route's published schemas: bodies that fit them and bodies with one thing spoilt (a wrong type,
 * an edge number, hostile text, a missing or unknown field), path ids real and made up, by every kind of
 * caller. Whatever the route and the request:
 * - never a 5xx (but the 503 a paused kitchen gives phones and kiosks), and every 4xx carries
 *   `{ error: { code, message } }`;
 * - a refused request changes nothing (no event, order, line, payment, menu or session row);
 * - a successful mutation replayed with its key gets the first answer back, and changes nothing more.
 * The hand-written cases (malformed.int, roles.int) say what each refusal must be; this says what no route
 * may do, including routes added after them. `EVERY_ROUTE_SEED` replays or varies the requests.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../protocol/orders.ts';
import { PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';
import { rng } from '../../scripts/load/menu-lines.ts';
import { BodyMaker, HOSTILE_SEGMENTS } from './schema-bodies.ts';

const SEED = Number(process.env.EVERY_ROUTE_SEED ?? 20261126);
/** Requests per operation, and how many of them fit the schemas (the rest are spoilt). */
const PER_OPERATION = 24;
const FITTING = 8;

interface Operation {
  method: string;
  path: string;
  body?: Record<string, unknown>;
  query: { name: string; schema: Record<string, unknown> }[];
  mutation: boolean;
}

let hub: HubProcess;
let db: Database.Database;
const operations: Operation[] = [];
const callers: Record<string, string | undefined> = {};
/** A device and PIN per staff caller: a sign-out is sent with a session made for it (below). */
const staffLogins: Record<string, { device: string; pin: string }> = {};
/** Sign-out ends the session that sends it: each request gets a fresh one, and its replay presents a token now gone. */
const endsSession = (op: Operation) => op.method === 'DELETE' && op.path === '/api/v1/staff/sessions/current';
async function throwawaySession(caller: string): Promise<string | undefined> {
  const login = staffLogins[caller];
  if (!login) return callers[caller];
  const r = await hub.request('POST', '/api/v1/staff/sessions', { token: login.device, body: { pin: login.pin } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.token as string;
}
/** The store's real ids by the name fields and path parameters give them. */
const ids: Record<string, string[]> = { itemId: [], optionId: [], tableId: [], stationId: [], orderId: [], lineId: [], paymentId: [], printerId: [], jobId: [] };

/**
 * What a refusal must leave as it was. Printing's own events are left out: the print worker writes them whenever a
 * printer answers. So is `payment.unrecorded`: a kiosk's refused card payment records, by design, the charge its
 * terminal made (hub/test/unrecorded-card-charges.int.test.ts).
 */
function storeState() {
  return {
    events: db.prepare("SELECT COUNT(*) FROM events WHERE type NOT LIKE 'print%' AND type != 'payment.unrecorded'").pluck().get(),
    orders: db.prepare('SELECT * FROM orders ORDER BY id').all(),
    lines: db.prepare('SELECT * FROM order_lines ORDER BY id').all(),
    payments: db.prepare('SELECT * FROM payments ORDER BY id').all(),
    refunds: db.prepare('SELECT * FROM refunds ORDER BY id').all(),
    items: db.prepare('SELECT * FROM items ORDER BY id').all(),
    sessions: db.prepare('SELECT COUNT(*) FROM staff_sessions').pluck().get(),
    floats: db.prepare('SELECT * FROM day_floats ORDER BY business_date').all(),
  };
}

/**
 * Two orders just placed (one held, one sent to the kitchen, part paid) become the ones requests aim at, so each
 * route meets live orders and not only ones earlier requests voided, paid or moved, and a refund has a payment.
 */
async function freshOrders(): Promise<void> {
  // and the kitchen open to phones and kiosks again, whatever an earlier pacing request left it as
  expect((await hub.request('POST', '/api/v1/kitchen/pacing', { token: callers.manager, body: { publicOrderingPaused: false } })).status).toBe(200);
  const placed: Order[] = [];
  for (const fire of [false, true]) {
    const tableId = ids.tableId![placedCount++ % ids.tableId!.length];
    const r = await hub.request<{ order: Order }>('POST', '/api/v1/orders', { token: callers.waiter, body: sampleOrder({ tableId, fire }) });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    placed.push(r.body.order);
  }
  const fired = placed[1]!;
  const paid = await hub.request('POST', `/api/v1/orders/${fired.id}/payments`, { token: callers.waiter, body: { tender: 'cash', amountMinor: Math.min(1000, fired.dueMinor) } });
  expect(paid.status, JSON.stringify(paid.body)).toBe(201);
  ids.orderId = placed.map((o) => o.id);
  ids.lineId = placed.flatMap((o) => o.lines.map((l) => l.id));
  ids.paymentId = [paid.body.payment.id];
}
let placedCount = 0;

beforeAll(async () => {
  hub = await startHub();
  db = hub.openDb();
  const [manager, waiter, kitchen, kiosk] = await Promise.all([
    signIn(hub, PINS.manager),
    signIn(hub, PINS.waiter),
    signIn(hub, PINS.kitchen, 'kds'),
    signIn(hub, undefined, 'kiosk'),
  ]);
  // on devices of their own: a sign-out ends every session its person holds on its device, the callers' too
  const [managerOut, waiterOut, kitchenOut] = await Promise.all([signIn(hub), signIn(hub), signIn(hub, undefined, 'kds')]);
  Object.assign(staffLogins, {
    manager: { device: managerOut.device, pin: PINS.manager },
    waiter: { device: waiterOut.device, pin: PINS.waiter },
    kitchen: { device: kitchenOut.device, pin: PINS.kitchen },
  });
  const qr = await hub.request('GET', '/api/v1/tables/qr-codes', { token: manager.staff });
  Object.assign(callers, {
    manager: manager.staff,
    waiter: waiter.staff,
    kitchen: kitchen.staff,
    posDevice: waiter.device,
    kioskDevice: kiosk.device,
    table: (qr.body.tables as { qrToken: string }[])[0]?.qrToken,
    nobody: undefined,
  });

  const menu = (await hub.request('GET', '/api/v1/menu')).body.menu;
  // the sample order's items are left out, so no menu edit makes the fresh orders unplaceable
  const sampleItems = new Set(sampleOrder().lines.map((l) => l.itemId));
  ids.itemId = menu.items.map((i: { id: string }) => i.id).filter((id: string) => !sampleItems.has(id));
  ids.optionId = menu.optionGroups.flatMap((g: { options: { id: string }[] }) => g.options.map((o) => o.id));
  ids.stationId = menu.stations.map((s: { id: string }) => s.id);
  ids.tableId = (qr.body.tables as { id: string }[]).map((t) => t.id);
  await freshOrders();
  ids.printerId = (await hub.request('GET', '/api/v1/printers', { token: manager.staff })).body.printers.map((p: { id: string }) => p.id);
  ids.jobId = (await hub.request('GET', '/api/v1/print-jobs', { token: manager.staff })).body.jobs.map((j: { id: string }) => j.id);

  const doc = (await hub.request('GET', '/api/v1/openapi.json')).body as { paths: Record<string, Record<string, any>> };
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      operations.push({
        method: method.toUpperCase(),
        path,
        body: op.requestBody?.content?.['application/json']?.schema,
        query: (op.parameters ?? []).filter((p: { in: string }) => p.in === 'query'),
        mutation: method !== 'get',
      });
    }
  }
}, 60_000);

afterAll(async () => {
  db?.close();
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

describe('every route in the OpenAPI document', () => {
  it('finds the routes, and ids to aim them at', () => {
    expect(operations.length).toBeGreaterThanOrEqual(40);
    expect(operations.filter((o) => o.body).length).toBeGreaterThanOrEqual(20);
    for (const [name, list] of Object.entries(ids)) expect(list.length, name).toBeGreaterThan(0);
  });

  it('answers made-up and spoilt requests from every caller without a 5xx; refusals change nothing; replays get the first answer', async () => {
    const random = rng(SEED);
    const maker = new BodyMaker(random, ids);
    const callerNames = ['manager', 'manager', 'manager', 'waiter', 'waiter', 'kitchen', 'posDevice', 'kioskDevice', 'table', 'nobody'];
    const problems: string[] = [];
    const succeeded = new Set<string>();

    for (const op of operations) {
      await freshOrders();
      for (let n = 0; n < PER_OPERATION; n++) {
        const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
          const known = ids[name] ?? [];
          return known.length > 0 && random() < 0.8 ? maker.pick(known) : maker.pick(HOSTILE_SEGMENTS);
        });
        const query = new URLSearchParams();
        for (const q of op.query) if (random() < 0.5) query.set(q.name, String(n < FITTING ? maker.make(q.schema, q.name) : maker.spoil(maker.make(q.schema, q.name))));
        const url = query.size > 0 ? `${path}?${query}` : path;
        const body = op.body ? (n < FITTING ? maker.make(op.body) : maker.spoil(maker.make(op.body))) : undefined;
        // fitting requests mostly come from the manager, who may do nearly everything, so they reach the rules
        const caller = n < FITTING && random() < 0.7 ? 'manager' : maker.pick(callerNames);
        const token = endsSession(op) ? await throwawaySession(caller) : callers[caller];
        const key = randomUUID();
        const what = `${op.method} ${url} as ${caller} with ${JSON.stringify(body)?.slice(0, 300)} (seed ${SEED})`;

        const before = storeState();
        const r = await hub.request(op.method, url, { token, key, ...(body !== undefined ? { body } : {}) });
        // a paused kitchen (a spoilt or fitting pacing request may pause it) answers phones and kiosks 503 by design
        const paused = r.status === 503 && r.body?.error?.code === 'ordering_paused';
        if (r.status >= 500 && !paused) problems.push(`${what} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        else if (r.status >= 400) {
          if (typeof r.body?.error?.code !== 'string' || typeof r.body?.error?.message !== 'string') problems.push(`${what} → ${r.status} without an error body`);
          const after = storeState();
          if (JSON.stringify(after) !== JSON.stringify(before)) problems.push(`${what} → ${r.status} ${r.body.error?.code}, yet the store changed`);
        } else if (op.mutation && r.status < 300) {
          succeeded.add(`${op.method} ${op.path}`);
          const afterFirst = storeState();
          const replay = await hub.request(op.method, url, { token, key, ...(body !== undefined ? { body } : {}) });
          if (endsSession(op)) {
            if (replay.status !== 401) problems.push(`${what} → ${r.status}, replayed with the ended session → ${replay.status}, not 401`);
          } else if (replay.status !== r.status || JSON.stringify(replay.body) !== JSON.stringify(r.body)) {
            problems.push(`${what} → ${r.status}, replayed → ${replay.status} ${JSON.stringify(replay.body).slice(0, 200)}`);
          }
          if (JSON.stringify(storeState()) !== JSON.stringify(afterFirst)) problems.push(`${what}: its replay changed the store`);
        }
      }
    }

    expect(problems).toEqual([]);
    // the requests reached the rules, not only validation: at least a third of the mutations succeeded at least once (14–17 of 27 with the eight seeds tried)
    const mutations = operations.filter((o) => o.mutation).length;
    expect(succeeded.size, [...succeeded].join(', ')).toBeGreaterThanOrEqual(Math.floor(mutations / 3));
    expect((await hub.request('GET', '/api/v1/health')).status).toBe(200);
  }, 240_000);
});
