/**
 * Role boundaries of the HTTP API, against the real hub process: who may read and change what. Every
 * refused request must also leave the store exactly as it was (no event, no order, line, payment or menu
 * change); a refused mutation may store at most its own answer under its Idempotency-Key (by design: the
 * key records the answer, so a retry gets the same one).
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../protocol/errors.ts';
import type { Order } from '../protocol/orders.ts';
import { sealedKey, unseal } from '../store/idempotency.ts';
import { PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

/** Everything a response of this API may carry that these tests look at. */
interface Body {
  order?: Order;
  orders?: Order[];
  table?: { id: string };
  tables?: { id: string; qrToken: string }[];
  item?: { id: string };
  error?: { code: string; message: string };
  charges?: { id: string }[];
  charge?: { id: string; resolvedAt: number | null };
  float?: { amountMinor: number; staffId: string | null };
}

type Actor =
  | 'anonymous'
  | 'posDevice'
  | 'kioskDevice'
  | 'tableA5'
  | 'waiter'
  | 'cashier'
  | 'kitchen'
  | 'manager'
  // refused credentials
  | 'garbage'
  | 'forgedStaff'
  | 'forgedDevice'
  | 'forgedTable'
  | 'expiredStaff'
  | 'basicScheme';

type Method = 'GET' | 'POST' | 'PATCH';

interface Target {
  path: string;
  body?: unknown;
}

/** Builds a fresh fixture for one row, so rows never depend on each other's writes. */
interface Fixtures {
  held(): Promise<Order>;
  fired(): Promise<Order>;
  closed(): Promise<Order>;
  ownQr(): Promise<Order>;
  otherTable(): Promise<Order>;
  kiosk(): Promise<Order>;
  /** An unrecorded card charge: a kiosk's card payment refused on its order, paid at the counter meanwhile. */
  charge(): Promise<string>;
}

interface Case {
  rule: string;
  actor: Actor;
  method: Method;
  target: (f: Fixtures) => Target | Promise<Target>;
  status: number;
  code?: ErrorCode;
  check?: (body: Body) => void;
  /**
   * A kiosk's card payment the rules refuse: the terminal already charged the card, so the refusal records
   * that charge for the staff (one `unrecorded_card_charges` row and its `payment.unrecorded` event), and
   * nothing else changes.
   */
  recordsCharge?: true;
}

let hub: HubProcess;
let db: Database.Database;
const auth = {} as Record<Actor, Record<string, string>>;
let fixtures: Fixtures;

function request(actor: Actor, method: Method, t: Target, key = randomUUID()) {
  return hub.request<Body>(method, t.path, {
    headers: auth[actor],
    ...(t.body === undefined ? {} : { body: t.body }),
    ...(method === 'GET' ? {} : { key }),
  });
}

async function place(actor: Actor, body: unknown): Promise<Order> {
  const r = await request(actor, 'POST', { path: '/api/v1/orders', body });
  if (r.status !== 201 || !r.body.order) throw new Error(`fixture order refused: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.order;
}

const orderPath = (o: Order, suffix = '') => `/api/v1/orders/${o.id}${suffix}`;
const firstLine = (o: Order) => {
  const line = o.lines[0];
  if (!line) throw new Error(`order ${o.id} has no lines`);
  return line;
};
const cash = (o: Order) => ({ tender: 'cash', amountMinor: o.dueMinor });
/** A refund of part of a cash payment the cashier takes on `o` first (the payment is the fixture, not the row's request). */
async function refundOf(order: Order | Promise<Order>): Promise<Target> {
  const o = await order;
  const paid = await request('cashier', 'POST', { path: orderPath(o, '/payments'), body: { tender: 'cash', amountMinor: 500 } });
  const payment = paid.body.order?.payments[0];
  if (paid.status !== 201 || !payment) throw new Error(`fixture payment refused: ${JSON.stringify(paid.body)}`);
  return { path: orderPath(o, '/refunds'), body: { paymentId: payment.id, amountMinor: 200, reason: 'cold soup' } };
}
const resolving = (chargeId: string): Target => ({ path: `/api/v1/card-charges/${chargeId}/resolve`, body: { note: 'refunded on the terminal' } });
/** The day's opening float: any real day may be named (a till closed after 04:00 records yesterday's). */
/** The first float of `businessDate`: a float names the one it replaces, so each row that records one takes a day of its own. */
const recordingFloat = (amountMinor = 50_000, businessDate = '2026-01-02'): Target => ({ path: '/api/v1/reports/day/float', body: { businessDate, amountMinor } });
const oneMore = { lines: [{ itemId: 'steamed-rice', qty: 1 }] };
/** Moving a whole table (every open order on it) to B8, which no fixture seats; `order` makes sure the table has one. */
const moveTable = async (order: Promise<Order>): Promise<Target> => {
  const o = await order;
  return { path: `/api/v1/tables/${o.tableId}/move`, body: { toTableId: 't-b8' } };
};

/** All rows a refusal must leave untouched, plus the head of the log. */
function storeState() {
  return {
    seq: db.prepare('SELECT MAX(seq) FROM events').pluck().get(),
    orders: db.prepare('SELECT * FROM orders ORDER BY id').all(),
    lines: db.prepare('SELECT * FROM order_lines ORDER BY id').all(),
    payments: db.prepare('SELECT * FROM payments ORDER BY id').all(),
    refunds: db.prepare('SELECT * FROM refunds ORDER BY id').all(),
    items: db.prepare('SELECT * FROM items ORDER BY id').all(),
    sessions: db.prepare('SELECT COUNT(*) FROM staff_sessions').pluck().get(),
    charges: db.prepare('SELECT * FROM unrecorded_card_charges ORDER BY id').all(),
    floats: db.prepare('SELECT * FROM day_floats ORDER BY business_date').all(),
    staff: db.prepare('SELECT * FROM staff ORDER BY id').all(),
    qrTokens: db.prepare('SELECT id, qr_token FROM dining_tables ORDER BY id').all(),
  };
}
const idempotencyCount = () => db.prepare('SELECT COUNT(*) FROM idempotency_keys').pluck().get() as number;
/** The answer kept with a key: in clear, or sealed under the key's hash (routes whose answers carry credentials). */
function storedAnswer(key: string): { status: number; body: string } | undefined {
  const get = db.prepare('SELECT status, body FROM idempotency_keys WHERE key = ?');
  const clear = get.get(key) as { status: number; body: string } | undefined;
  if (clear) return clear;
  const sealed = get.get(sealedKey(key)) as { status: number; body: string } | undefined;
  return sealed && { status: sealed.status, body: unseal(key, sealed.body) };
}

beforeAll(async () => {
  hub = await startHub();
  db = hub.openDb();
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const [waiter, cashier, kitchen, manager, expired, pos, kiosk] = await Promise.all([
    signIn(hub, PINS.waiter),
    signIn(hub, PINS.cashier),
    signIn(hub, PINS.kitchen),
    signIn(hub, PINS.manager),
    signIn(hub, PINS.waiter2),
    signIn(hub, undefined, 'pos'),
    signIn(hub, undefined, 'kiosk'),
  ]);
  const qr = await hub.request<Body>('GET', '/api/v1/tables/qr-codes', { token: manager.staff });
  const a5 = qr.body.tables?.find((t) => t.id === 't-a5')?.qrToken;
  if (!a5) throw new Error(`no QR token for t-a5: ${JSON.stringify(qr.body)}`);

  // A real session made stale: the hub has no injectable clock, so move its expiry into the past.
  const rw = new Database(join(hub.dataDir, 'brigade.db'));
  try {
    rw.prepare("UPDATE staff_sessions SET expires_at = 1 WHERE staff_id = 's-waiter2'").run();
  } finally {
    rw.close();
  }

  Object.assign(auth, {
    anonymous: {},
    posDevice: bearer(pos.device),
    kioskDevice: bearer(kiosk.device),
    tableA5: bearer(a5),
    waiter: bearer(waiter.staff),
    cashier: bearer(cashier.staff),
    kitchen: bearer(kitchen.staff),
    manager: bearer(manager.staff),
    garbage: bearer('garbage'),
    forgedStaff: bearer(`stf_${'x'.repeat(32)}`),
    forgedDevice: bearer(`dev_${'x'.repeat(32)}`),
    forgedTable: bearer(`tbl_${'x'.repeat(20)}`),
    expiredStaff: bearer(expired.staff),
    basicScheme: { authorization: `Basic ${Buffer.from(`waiter:${PINS.waiter}`).toString('base64')}` },
  } satisfies Record<Actor, Record<string, string>>);

  fixtures = {
    held: () => place('waiter', sampleOrder({ tableId: 't-a2', fire: false })),
    fired: () => place('waiter', sampleOrder({ tableId: 't-a3' })),
    closed: async () => {
      const o = await fixtures.fired();
      const paid = await request('waiter', 'POST', { path: orderPath(o, '/payments'), body: cash(o) });
      if (paid.status !== 201 || paid.body.order?.status !== 'closed') throw new Error(`fixture payment refused: ${JSON.stringify(paid.body)}`);
      return paid.body.order;
    },
    ownQr: () => place('tableA5', sampleOrder({ channel: 'qr', tableId: 't-a5' })),
    otherTable: () => place('waiter', sampleOrder({ tableId: 't-a6' })),
    kiosk: () => place('kioskDevice', sampleOrder({ channel: 'kiosk', tableId: undefined })),
    charge: async () => {
      const o = await fixtures.kiosk();
      const paid = await request('cashier', 'POST', { path: orderPath(o, '/payments'), body: cash(o) });
      if (paid.status !== 201) throw new Error(`fixture payment refused: ${JSON.stringify(paid.body)}`);
      const card = await request('kioskDevice', 'POST', { path: orderPath(o, '/payments'), body: { tender: 'card', amountMinor: o.dueMinor, reference: 'SIM-fixture' } });
      if (card.status !== 403) throw new Error(`fixture card payment not refused: ${JSON.stringify(card.body)}`);
      const id = db.prepare('SELECT id FROM unrecorded_card_charges WHERE order_id = ?').pluck().get(o.id) as string | undefined;
      if (!id) throw new Error('fixture charge not recorded');
      return id;
    },
  };
  // so that "lists only its own table" has another table's order to leave out
  await fixtures.otherTable();
});

afterAll(async () => {
  db?.close();
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

// ---- refusals ----

/** `[rule, case]` rows: `%s` prints the whole rule as the test name (`$rule` would truncate it). */
const named = (cases: Case[]) => cases.map((c) => [c.rule, c] as const);

const placing = (body: unknown = sampleOrder()) => (): Target => ({ path: '/api/v1/orders', body });

/** A manager's staff and table-code routes (hub/test/staff-admin.int.test.ts has them succeed). */
function staffAdminTargets(): [Method, string, Case['target']][] {
  return [
    ['GET', '/api/v1/staff', () => ({ path: '/api/v1/staff' })],
    ['POST', '/api/v1/staff', () => ({ path: '/api/v1/staff', body: { name: 'Me Too', role: 'manager', pin: '7777' } })],
    ['POST', '/api/v1/staff/:staffId/pin', () => ({ path: '/api/v1/staff/s-manager/pin', body: { pin: '7777' } })],
    ['PATCH', '/api/v1/staff/:staffId', () => ({ path: '/api/v1/staff/s-manager', body: { active: false } })],
    ['POST', '/api/v1/tables/qr-codes', () => ({ path: '/api/v1/tables/qr-codes', body: { tables: 'all' } })],
  ];
}
/** Anyone but a manager is refused every one of them, 403, and nothing changes (no PIN, no session, no code). */
const staffAdminRows = (actor: Actor, who: string): Case[] =>
  staffAdminTargets().map(([method, route, target]) => ({
    rule: `${who} cannot ${method} ${route} (manager only, 403)`,
    actor,
    method,
    target,
    status: 403,
    code: 'forbidden' as const,
  }));

const anonymousTargets: [Method, string, Case['target']][] = [
  ['GET', '/api/v1/floor', () => ({ path: '/api/v1/floor' })],
  ['GET', '/api/v1/orders', () => ({ path: '/api/v1/orders' })],
  ['GET', '/api/v1/orders/:orderId', async (f) => ({ path: orderPath(await f.fired()) })],
  ['GET', '/api/v1/snapshot', () => ({ path: '/api/v1/snapshot' })],
  ['GET', '/api/v1/tables/qr-codes', () => ({ path: '/api/v1/tables/qr-codes' })],
  ['GET', '/api/v1/qr/table', () => ({ path: '/api/v1/qr/table' })],
  ['POST', '/api/v1/orders', placing()],
  ['POST', '/api/v1/orders/:orderId/lines', async (f) => ({ path: orderPath(await f.fired(), '/lines'), body: oneMore })],
  ['POST', '/api/v1/orders/:orderId/fire', async (f) => ({ path: orderPath(await f.held(), '/fire'), body: {} })],
  ['POST', '/api/v1/orders/:orderId/payments', async (f) => ({ path: orderPath(await f.fired(), '/payments'), body: { tender: 'cash', amountMinor: 100 } })],
  ['POST', '/api/v1/orders/:orderId/refunds', (f) => refundOf(f.fired())],
  ['GET', '/api/v1/card-charges/unrecorded', () => ({ path: '/api/v1/card-charges/unrecorded' })],
  ['POST', '/api/v1/card-charges/:chargeId/resolve', async (f) => resolving(await f.charge())],
  ['POST', '/api/v1/reports/day/float', () => recordingFloat()],
  ['POST', '/api/v1/tables/:tableId/move', (f) => moveTable(f.fired())],
  ['PATCH', '/api/v1/menu/items/:itemId', () => ({ path: '/api/v1/menu/items/mapo-tofu', body: { priceMinor: 1 } })],
  ['POST', '/api/v1/devices/pairing-codes', () => ({ path: '/api/v1/devices/pairing-codes' })],
  ['POST', '/api/v1/staff/sessions', () => ({ path: '/api/v1/staff/sessions', body: { pin: PINS.manager } })],
  ...staffAdminTargets(),
];
const anonymousRows: Case[] = anonymousTargets.map(([method, route, target]) => ({
  rule: `without a token, ${method} ${route} is refused with 401 unauthenticated`,
  actor: 'anonymous',
  method,
  target,
  status: 401,
  code: 'unauthenticated',
}));

const badCredentials: [Actor, string][] = [
  ['garbage', 'a garbage bearer token'],
  ['forgedStaff', 'a forged staff token (stf_…)'],
  ['forgedDevice', 'a forged device token (dev_…)'],
  ['forgedTable', 'a forged table QR token (tbl_…)'],
  ['expiredStaff', 'an expired staff session'],
  ['basicScheme', 'an Authorization header that is not Bearer'],
];
const badCredentialTargets: [Method, string, Case['target']][] = [
  ['GET', '/api/v1/menu (public, but a bad token is never downgraded to anonymous)', () => ({ path: '/api/v1/menu' })],
  ['GET', '/api/v1/floor', () => ({ path: '/api/v1/floor' })],
  ['POST', '/api/v1/orders', placing()],
  ['POST', '/api/v1/orders/:orderId/payments', async (f) => ({ path: orderPath(await f.fired(), '/payments'), body: { tender: 'cash', amountMinor: 100 } })],
];
const badCredentialRows: Case[] = badCredentials.flatMap(([actor, label]) =>
  badCredentialTargets.map(([method, route, target]) => ({
    rule: `${label} is refused with 401 on ${method} ${route}`,
    actor,
    method,
    target,
    status: 401,
    code: 'unauthenticated' as const,
  })),
);

const deviceRows: Case[] = [
  { rule: 'a paired pos device without a staff sign-in cannot read the floor (403)', actor: 'posDevice', method: 'GET', target: () => ({ path: '/api/v1/floor' }), status: 403, code: 'forbidden' },
  { rule: 'a paired pos device without a staff sign-in cannot list orders (403)', actor: 'posDevice', method: 'GET', target: () => ({ path: '/api/v1/orders' }), status: 403, code: 'forbidden' },
  { rule: 'a paired pos device without a staff sign-in cannot read an order it did not place (404)', actor: 'posDevice', method: 'GET', target: async (f) => ({ path: orderPath(await f.fired()) }), status: 404, code: 'not_found' },
  { rule: 'a paired pos device without a staff sign-in cannot place a pos order (403)', actor: 'posDevice', method: 'POST', target: placing(), status: 403, code: 'forbidden' },
  { rule: 'a paired pos device without a staff sign-in cannot fire (403)', actor: 'posDevice', method: 'POST', target: async (f) => ({ path: orderPath(await f.held(), '/fire'), body: {} }), status: 403, code: 'forbidden' },
  { rule: 'a paired pos device without a staff sign-in cannot take a payment (403)', actor: 'posDevice', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/payments'), body: { tender: 'cash', amountMinor: 100 } }), status: 403, code: 'forbidden' },
  { rule: 'a paired pos device without a staff sign-in cannot move kitchen lines (403)', actor: 'posDevice', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/status'), body: { status: 'preparing' } }), status: 403, code: 'forbidden' },
  { rule: 'a paired pos device without a staff sign-in cannot edit the menu (403)', actor: 'posDevice', method: 'PATCH', target: () => ({ path: '/api/v1/menu/items/mapo-tofu', body: { priceMinor: 1 } }), status: 403, code: 'forbidden' },
  { rule: 'a paired pos device without a staff sign-in cannot list table QR codes (403)', actor: 'posDevice', method: 'GET', target: () => ({ path: '/api/v1/tables/qr-codes' }), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot place a pos order (403)', actor: 'kioskDevice', method: 'POST', target: placing(sampleOrder({ channel: 'pos' })), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot place a qr order (403)', actor: 'kioskDevice', method: 'POST', target: placing(sampleOrder({ channel: 'qr', tableId: 't-a5' })), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot put its (pickup) order on a table (403)', actor: 'kioskDevice', method: 'POST', target: placing(sampleOrder({ channel: 'kiosk', tableId: 't-a5' })), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot load the snapshot of open orders (403)', actor: 'kioskDevice', method: 'GET', target: () => ({ path: '/api/v1/snapshot' }), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot read the printers and their queues (403)', actor: 'kioskDevice', method: 'GET', target: () => ({ path: '/api/v1/printers' }), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot list orders (403)', actor: 'kioskDevice', method: 'GET', target: () => ({ path: '/api/v1/orders' }), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot read an order another device placed (404)', actor: 'kioskDevice', method: 'GET', target: async (f) => ({ path: orderPath(await f.fired()) }), status: 404, code: 'not_found' },
  { rule: 'a kiosk device cannot add lines, even to its own order (403)', actor: 'kioskDevice', method: 'POST', target: async (f) => ({ path: orderPath(await f.kiosk(), '/lines'), body: oneMore }), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot list unrecorded card charges (403)', actor: 'kioskDevice', method: 'GET', target: () => ({ path: '/api/v1/card-charges/unrecorded' }), status: 403, code: 'forbidden' },
  { rule: "a kiosk device cannot record the day's float (403)", actor: 'kioskDevice', method: 'POST', target: () => recordingFloat(), status: 403, code: 'forbidden' },
  { rule: "a paired pos device without a staff sign-in cannot record the day's float (403)", actor: 'posDevice', method: 'POST', target: () => recordingFloat(), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot resolve an unrecorded card charge, not even one it took (403)', actor: 'kioskDevice', method: 'POST', target: async (f) => resolving(await f.charge()), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot take cash, even for its own order (403)', actor: 'kioskDevice', method: 'POST', target: async (f) => ({ path: orderPath(await f.kiosk(), '/payments'), body: cash(await f.kiosk()) }), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot record a card payment of part of its own order (403)', actor: 'kioskDevice', method: 'POST', target: async (f) => { const o = await f.kiosk(); return { path: orderPath(o, '/payments'), body: { tender: 'card', amountMinor: o.dueMinor - 1, reference: 'SIM-part' } }; }, status: 403, code: 'forbidden', recordsCharge: true },
  { rule: 'a kiosk device cannot record a card payment for an order another device placed (404)', actor: 'kioskDevice', method: 'POST', target: async (f) => { const o = await f.fired(); return { path: orderPath(o, '/payments'), body: { tender: 'card', amountMinor: o.dueMinor, reference: 'SIM-other' } }; }, status: 404, code: 'not_found', recordsCharge: true },
  { rule: 'a kiosk device cannot discount its own order (403)', actor: 'kioskDevice', method: 'POST', target: async (f) => ({ path: orderPath(await f.kiosk(), '/discount'), body: { percent: 100, reason: 'free' } }), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot place a rush order: rush is for staff (403)', actor: 'kioskDevice', method: 'POST', target: placing(sampleOrder({ channel: 'kiosk', tableId: undefined, rush: true })), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot void its own order (403)', actor: 'kioskDevice', method: 'POST', target: async (f) => ({ path: orderPath(await f.kiosk(), '/void'), body: { reason: 'changed my mind' } }), status: 403, code: 'forbidden' },
  { rule: 'a paired pos device without a staff sign-in cannot refund (403)', actor: 'posDevice', method: 'POST', target: (f) => refundOf(f.fired()), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot refund, even on its own order (403)', actor: 'kioskDevice', method: 'POST', target: (f) => refundOf(f.kiosk()), status: 403, code: 'forbidden' },
  { rule: 'a paired pos device without a staff sign-in cannot move a table (403)', actor: 'posDevice', method: 'POST', target: (f) => moveTable(f.fired()), status: 403, code: 'forbidden' },
  { rule: 'a kiosk device cannot move a table (403)', actor: 'kioskDevice', method: 'POST', target: (f) => moveTable(f.fired()), status: 403, code: 'forbidden' },
  { rule: 'a paired pos device without a staff sign-in cannot record a card payment either (403)', actor: 'posDevice', method: 'POST', target: async (f) => { const o = await f.fired(); return { path: orderPath(o, '/payments'), body: { tender: 'card', amountMinor: o.dueMinor, reference: 'SIM-pos' } }; }, status: 403, code: 'forbidden' },
];

const tableRows: Case[] = [
  { rule: 'a QR token cannot list unrecorded card charges (403)', actor: 'tableA5', method: 'GET', target: () => ({ path: '/api/v1/card-charges/unrecorded' }), status: 403, code: 'forbidden' },
  { rule: "a QR token cannot record the day's float (403)", actor: 'tableA5', method: 'POST', target: () => recordingFloat(), status: 403, code: 'forbidden' },
  { rule: 'a t-a5 QR token cannot order for table t-a6 (403)', actor: 'tableA5', method: 'POST', target: placing(sampleOrder({ channel: 'qr', tableId: 't-a6' })), status: 403, code: 'forbidden' },
  { rule: 'a t-a5 QR token cannot place a pos order (403)', actor: 'tableA5', method: 'POST', target: placing(sampleOrder({ channel: 'pos', tableId: 't-a5' })), status: 403, code: 'forbidden' },
  { rule: "a t-a5 QR token cannot read t-a6's order, nor learn that it exists (404)", actor: 'tableA5', method: 'GET', target: async (f) => ({ path: orderPath(await f.otherTable()) }), status: 404, code: 'not_found' },
  { rule: "a t-a5 QR token cannot add lines to t-a6's order (404)", actor: 'tableA5', method: 'POST', target: async (f) => ({ path: orderPath(await f.otherTable(), '/lines'), body: oneMore }), status: 404, code: 'not_found' },
  { rule: "a t-a5 QR token cannot list t-a6's orders (403)", actor: 'tableA5', method: 'GET', target: () => ({ path: '/api/v1/orders?tableId=t-a6' }), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot place a rush order for its own table: rush is for staff (403)', actor: 'tableA5', method: 'POST', target: placing(sampleOrder({ channel: 'qr', tableId: 't-a5', rush: true })), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot read the floor (403)', actor: 'tableA5', method: 'GET', target: () => ({ path: '/api/v1/floor' }), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot list the table QR codes (403)', actor: 'tableA5', method: 'GET', target: () => ({ path: '/api/v1/tables/qr-codes' }), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot load the snapshot of open orders (403)', actor: 'tableA5', method: 'GET', target: () => ({ path: '/api/v1/snapshot' }), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot pay, even for its own order (403)', actor: 'tableA5', method: 'POST', target: async (f) => ({ path: orderPath(await f.ownQr(), '/payments'), body: { tender: 'cash', amountMinor: 100 } }), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot refund, even on its own order (403)', actor: 'tableA5', method: 'POST', target: (f) => refundOf(f.ownQr()), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot fire, even its own order (403)', actor: 'tableA5', method: 'POST', target: async (f) => ({ path: orderPath(await f.ownQr(), '/fire'), body: {} }), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot void its own order (403)', actor: 'tableA5', method: 'POST', target: async (f) => ({ path: orderPath(await f.ownQr(), '/void'), body: { reason: 'changed my mind' } }), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot void a line of its own order (403)', actor: 'tableA5', method: 'POST', target: async (f) => { const o = await f.ownQr(); return { path: orderPath(o, `/lines/${firstLine(o).id}/void`), body: { reason: 'changed my mind' } }; }, status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot discount its own order (403)', actor: 'tableA5', method: 'POST', target: async (f) => ({ path: orderPath(await f.ownQr(), '/discount'), body: { percent: 100, reason: 'free' } }), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot move its own table, phone orders and all (403)', actor: 'tableA5', method: 'POST', target: (f) => moveTable(f.ownQr()), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot move kitchen lines (403)', actor: 'tableA5', method: 'POST', target: async (f) => ({ path: orderPath(await f.ownQr(), '/status'), body: { status: 'ready' } }), status: 403, code: 'forbidden' },
  { rule: 'a QR token cannot edit the menu (403)', actor: 'tableA5', method: 'PATCH', target: () => ({ path: '/api/v1/menu/items/mapo-tofu', body: { priceMinor: 1 } }), status: 403, code: 'forbidden' },
];

const waiterRows: Case[] = [
  { rule: "a waiter cannot record the day's float (cashier/manager, 403)", actor: 'waiter', method: 'POST', target: () => recordingFloat(), status: 403, code: 'forbidden' },
  { rule: 'a waiter cannot resolve an unrecorded card charge (manager only, 403)', actor: 'waiter', method: 'POST', target: async (f) => resolving(await f.charge()), status: 403, code: 'forbidden' },
  { rule: 'a cashier cannot resolve an unrecorded card charge, though a cashier takes payments (manager only, 403)', actor: 'cashier', method: 'POST', target: async (f) => resolving(await f.charge()), status: 403, code: 'forbidden' },
  { rule: 'a waiter cannot void a line once it was fired (manager only, 403)', actor: 'waiter', method: 'POST', target: async (f) => { const o = await f.fired(); return { path: orderPath(o, `/lines/${firstLine(o).id}/void`), body: { reason: 'mistake' } }; }, status: 403, code: 'forbidden' },
  { rule: 'a waiter cannot void a whole order once it was fired (manager only, 403)', actor: 'waiter', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/void'), body: { reason: 'mistake' } }), status: 403, code: 'forbidden' },
  { rule: 'a waiter cannot discount (manager only, 403)', actor: 'waiter', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/discount'), body: { percent: 10, reason: 'regular' } }), status: 403, code: 'forbidden' },
  { rule: 'a waiter cannot reopen a closed order (manager only, 403)', actor: 'waiter', method: 'POST', target: async (f) => ({ path: orderPath(await f.closed(), '/reopen'), body: { reason: 'wrong table' } }), status: 403, code: 'forbidden' },
  { rule: 'a waiter cannot edit the menu (manager only, 403)', actor: 'waiter', method: 'PATCH', target: () => ({ path: '/api/v1/menu/items/mapo-tofu', body: { priceMinor: 1 } }), status: 403, code: 'forbidden' },
  { rule: 'a waiter cannot list the table QR codes (manager only, 403)', actor: 'waiter', method: 'GET', target: () => ({ path: '/api/v1/tables/qr-codes' }), status: 403, code: 'forbidden' },
  { rule: 'a waiter cannot issue pairing codes (manager only, 403)', actor: 'waiter', method: 'POST', target: () => ({ path: '/api/v1/devices/pairing-codes' }), status: 403, code: 'forbidden' },
  { rule: 'a waiter cannot mark lines preparing (kitchen/manager only, 403)', actor: 'waiter', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/status'), body: { status: 'preparing' } }), status: 403, code: 'forbidden' },
  { rule: 'a waiter cannot refund (manager only, 403)', actor: 'waiter', method: 'POST', target: (f) => refundOf(f.fired()), status: 403, code: 'forbidden' },
  { rule: 'a cashier cannot refund, though a cashier takes payments (manager only, 403)', actor: 'cashier', method: 'POST', target: (f) => refundOf(f.fired()), status: 403, code: 'forbidden' },
  { rule: 'a cashier cannot discount (manager only, 403)', actor: 'cashier', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/discount'), body: { amountMinor: 100, reason: 'regular' } }), status: 403, code: 'forbidden' },
  { rule: 'a cashier cannot void a fired line (manager only, 403)', actor: 'cashier', method: 'POST', target: async (f) => { const o = await f.fired(); return { path: orderPath(o, `/lines/${firstLine(o).id}/void`), body: { reason: 'mistake' } }; }, status: 403, code: 'forbidden' },
];

const kitchenRows: Case[] = [
  { rule: "the kitchen cannot record the day's float (403)", actor: 'kitchen', method: 'POST', target: () => recordingFloat(), status: 403, code: 'forbidden' },
  { rule: 'the kitchen cannot list unrecorded card charges (403)', actor: 'kitchen', method: 'GET', target: () => ({ path: '/api/v1/card-charges/unrecorded' }), status: 403, code: 'forbidden' },
  { rule: 'the kitchen cannot place orders (403)', actor: 'kitchen', method: 'POST', target: placing(), status: 403, code: 'forbidden' },
  { rule: 'the kitchen cannot add lines (403)', actor: 'kitchen', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/lines'), body: oneMore }), status: 403, code: 'forbidden' },
  { rule: 'the kitchen cannot take payments (403)', actor: 'kitchen', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/payments'), body: { tender: 'cash', amountMinor: 100 } }), status: 403, code: 'forbidden' },
  { rule: 'the kitchen cannot refund (403)', actor: 'kitchen', method: 'POST', target: (f) => refundOf(f.fired()), status: 403, code: 'forbidden' },
  { rule: 'the kitchen cannot fire held lines (403)', actor: 'kitchen', method: 'POST', target: async (f) => ({ path: orderPath(await f.held(), '/fire'), body: {} }), status: 403, code: 'forbidden' },
  { rule: 'the kitchen cannot void a line, even an unfired one (403)', actor: 'kitchen', method: 'POST', target: async (f) => { const o = await f.held(); return { path: orderPath(o, `/lines/${firstLine(o).id}/void`), body: { reason: 'mistake' } }; }, status: 403, code: 'forbidden' },
  { rule: 'the kitchen cannot move a table (403)', actor: 'kitchen', method: 'POST', target: (f) => moveTable(f.fired()), status: 403, code: 'forbidden' },
  { rule: 'the kitchen cannot edit the menu (403)', actor: 'kitchen', method: 'PATCH', target: () => ({ path: '/api/v1/menu/items/mapo-tofu', body: { available: false } }), status: 403, code: 'forbidden' },
];

const refused: Case[] = [
  ...anonymousRows,
  ...badCredentialRows,
  ...deviceRows,
  ...tableRows,
  ...waiterRows,
  ...kitchenRows,
  ...staffAdminRows('posDevice', 'a paired pos device without a staff sign-in'),
  ...staffAdminRows('tableA5', 'a QR token'),
  ...staffAdminRows('waiter', 'a waiter'),
  ...staffAdminRows('cashier', 'a cashier'),
  ...staffAdminRows('kitchen', 'the kitchen'),
];

describe('refused requests', () => {
  it.each(named(refused))('%s', async (_rule, c) => {
    const target = await c.target(fixtures);
    const before = storeState();
    const keysBefore = idempotencyCount();
    const key = randomUUID();

    const r = await request(c.actor, c.method, target, key);

    expect(r.status, JSON.stringify(r.body)).toBe(c.status);
    expect(r.body.error?.code).toBe(c.code);
    expect(r.body.error?.message).toEqual(expect.any(String));
    if (c.recordsCharge) {
      const { seq, charges, ...after } = storeState();
      const { seq: seqBefore, charges: chargesBefore, ...rest } = before;
      expect(after).toEqual(rest);
      expect(charges).toHaveLength(chargesBefore.length + 1);
      expect(seq).toBe(Number(seqBefore) + 1);
      expect(db.prepare('SELECT type FROM events WHERE seq = ?').pluck().get(seq)).toBe('payment.unrecorded');
    } else {
      expect(storeState()).toEqual(before);
    }
    // a refusal may record its own answer under its key, and nothing else
    const stored = storedAnswer(key);
    expect(idempotencyCount() - keysBefore).toBe(stored ? 1 : 0);
    if (stored) expect({ status: stored.status, body: JSON.parse(stored.body) as unknown }).toEqual({ status: r.status, body: r.body });
  });

  it('refuses a bad token before the rules run, so its key stores nothing', async () => {
    const key = randomUUID();
    const r = await request('forgedStaff', 'POST', placing()(), key);
    expect(r.status).toBe(401);
    expect(storedAnswer(key)).toBeUndefined();
  });
});

// ---- allowed ----

const statusOf = (body: Body, lineId: string) => body.order?.lines.find((l) => l.id === lineId)?.status;

const allowed: Case[] = [
  // devices
  { rule: 'a paired device without staff may load the snapshot', actor: 'posDevice', method: 'GET', target: () => ({ path: '/api/v1/snapshot' }), status: 200 },
  {
    rule: "a kiosk device may place a 'kiosk' order without a staff sign-in",
    actor: 'kioskDevice',
    method: 'POST',
    target: placing(sampleOrder({ channel: 'kiosk', tableId: undefined })),
    status: 201,
    check: (b) => expect(b.order).toMatchObject({ channel: 'kiosk', staffId: null }),
  },
  { rule: 'a kiosk device may read the order it placed', actor: 'kioskDevice', method: 'GET', target: async (f) => ({ path: orderPath(await f.kiosk()) }), status: 200 },
  {
    rule: "a kiosk device may record its terminal's card payment of the whole amount due on its own order",
    actor: 'kioskDevice',
    method: 'POST',
    target: async (f) => {
      const o = await f.kiosk();
      return { path: orderPath(o, '/payments'), body: { tender: 'card', amountMinor: o.dueMinor, reference: 'SIM-roles' } };
    },
    status: 201,
    check: (b) => expect(b.order).toMatchObject({ status: 'closed', dueMinor: 0, payments: [expect.objectContaining({ tender: 'card', reference: 'SIM-roles', staffId: null })] }),
  },

  // table QR token
  { rule: 'a QR token may read the menu', actor: 'tableA5', method: 'GET', target: () => ({ path: '/api/v1/menu' }), status: 200 },
  { rule: 'a QR token learns its own table', actor: 'tableA5', method: 'GET', target: () => ({ path: '/api/v1/qr/table' }), status: 200, check: (b) => expect(b.table?.id).toBe('t-a5') },
  {
    rule: "a t-a5 QR token may place a 'qr' order for t-a5",
    actor: 'tableA5',
    method: 'POST',
    target: placing(sampleOrder({ channel: 'qr', tableId: 't-a5' })),
    status: 201,
    check: (b) => expect(b.order).toMatchObject({ channel: 'qr', tableId: 't-a5' }),
  },
  {
    rule: "a QR order without a tableId goes to the token's own table",
    actor: 'tableA5',
    method: 'POST',
    target: placing(sampleOrder({ channel: 'qr', tableId: undefined })),
    status: 201,
    check: (b) => expect(b.order?.tableId).toBe('t-a5'),
  },
  {
    rule: 'a t-a5 QR token may add lines to its own order',
    actor: 'tableA5',
    method: 'POST',
    target: async (f) => ({ path: orderPath(await f.ownQr(), '/lines'), body: oneMore }),
    status: 200,
    check: (b) => expect(b.order?.lines.map((l) => l.itemId)).toContain('steamed-rice'),
  },
  { rule: 'a t-a5 QR token may read its own order', actor: 'tableA5', method: 'GET', target: async (f) => ({ path: orderPath(await f.ownQr()) }), status: 200 },
  {
    rule: "a t-a5 QR token lists only t-a5's orders",
    actor: 'tableA5',
    method: 'GET',
    target: async (f) => {
      await f.ownQr();
      return { path: '/api/v1/orders' };
    },
    status: 200,
    check: (b) => {
      expect(b.orders?.length).toBeGreaterThan(0);
      expect(new Set(b.orders?.map((o) => o.tableId))).toEqual(new Set(['t-a5']));
    },
  },

  // waiter
  { rule: 'a waiter may place an order', actor: 'waiter', method: 'POST', target: placing(), status: 201 },
  { rule: 'a waiter may place a rush order', actor: 'waiter', method: 'POST', target: placing(sampleOrder({ tableId: 't-a7', rush: true })), status: 201, check: (b) => expect(b.order?.rush).toBe(true) },
  { rule: 'a waiter may add lines', actor: 'waiter', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/lines'), body: oneMore }), status: 200 },
  {
    rule: 'a waiter may fire held lines',
    actor: 'waiter',
    method: 'POST',
    target: async (f) => ({ path: orderPath(await f.held(), '/fire'), body: {} }),
    status: 200,
    check: (b) => expect(b.order?.lines.every((l) => l.status === 'fired')).toBe(true),
  },
  {
    rule: 'a waiter may take a payment',
    actor: 'waiter',
    method: 'POST',
    target: async (f) => {
      const o = await f.fired();
      return { path: orderPath(o, '/payments'), body: cash(o) };
    },
    status: 201,
    check: (b) => expect(b.order?.status).toBe('closed'),
  },
  {
    rule: 'a waiter may void a line that was not fired yet',
    actor: 'waiter',
    method: 'POST',
    target: async (f) => {
      const o = await f.held();
      return { path: orderPath(o, `/lines/${firstLine(o).id}/void`), body: { reason: 'guest changed mind' } };
    },
    status: 200,
    check: (b) => expect(b.order?.lines[0]?.status).toBe('voided'),
  },
  { rule: 'a waiter may void a whole order that was not fired yet', actor: 'waiter', method: 'POST', target: async (f) => ({ path: orderPath(await f.held(), '/void'), body: { reason: 'walked out' } }), status: 200, check: (b) => expect(b.order?.status).toBe('voided') },
  { rule: 'a waiter may read the floor', actor: 'waiter', method: 'GET', target: () => ({ path: '/api/v1/floor' }), status: 200 },
  {
    rule: 'a waiter may move a table: every open order on it goes to the free table',
    actor: 'waiter',
    method: 'POST',
    target: (f) => moveTable(f.fired()),
    status: 200,
    check: (b) => {
      expect(b.orders?.length).toBeGreaterThan(0);
      expect(new Set(b.orders?.map((o) => o.tableId))).toEqual(new Set(['t-b8']));
    },
  },
  { rule: 'a cashier may take a payment', actor: 'cashier', method: 'POST', target: async (f) => { const o = await f.fired(); return { path: orderPath(o, '/payments'), body: cash(o) }; }, status: 201 },

  // kitchen
  { rule: 'the kitchen may read orders', actor: 'kitchen', method: 'GET', target: () => ({ path: '/api/v1/orders?status=open' }), status: 200 },
  {
    rule: 'the kitchen may mark fired lines preparing',
    actor: 'kitchen',
    method: 'POST',
    target: async (f) => ({ path: orderPath(await f.fired(), '/status'), body: { status: 'preparing' } }),
    status: 200,
    check: (b) => expect(b.order?.status).toBe('preparing'),
  },
  {
    rule: 'the kitchen may mark one line ready',
    actor: 'kitchen',
    method: 'POST',
    target: async (f) => {
      const o = await f.fired();
      return { path: orderPath(o, '/status'), body: { status: 'ready', lineIds: [firstLine(o).id] } };
    },
    status: 200,
    check: (b) => expect(b.order && statusOf(b, firstLine(b.order).id)).toBe('ready'),
  },

  // manager: everything the others were refused
  { rule: 'a manager may place an order', actor: 'manager', method: 'POST', target: placing(), status: 201 },
  { rule: 'a manager may fire held lines', actor: 'manager', method: 'POST', target: async (f) => ({ path: orderPath(await f.held(), '/fire'), body: {} }), status: 200 },
  { rule: 'a manager may mark lines preparing', actor: 'manager', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/status'), body: { status: 'preparing' } }), status: 200 },
  { rule: 'a manager may mark lines ready', actor: 'manager', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/status'), body: { status: 'ready' } }), status: 200 },
  { rule: 'a manager may take a payment', actor: 'manager', method: 'POST', target: async (f) => { const o = await f.fired(); return { path: orderPath(o, '/payments'), body: cash(o) }; }, status: 201 },
  {
    rule: 'a manager may void a fired line',
    actor: 'manager',
    method: 'POST',
    target: async (f) => {
      const o = await f.fired();
      return { path: orderPath(o, `/lines/${firstLine(o).id}/void`), body: { reason: 'sent back' } };
    },
    status: 200,
    check: (b) => expect(b.order?.lines[0]?.status).toBe('voided'),
  },
  { rule: 'a manager may void a fired order', actor: 'manager', method: 'POST', target: async (f) => ({ path: orderPath(await f.fired(), '/void'), body: { reason: 'kitchen fire' } }), status: 200 },
  {
    rule: 'a manager may discount',
    actor: 'manager',
    method: 'POST',
    target: async (f) => ({ path: orderPath(await f.fired(), '/discount'), body: { percent: 10, reason: 'regular' } }),
    status: 200,
    check: (b) => expect(b.order?.discountMinor).toBeGreaterThan(0),
  },
  {
    rule: 'a manager may refund part of a payment',
    actor: 'manager',
    method: 'POST',
    target: (f) => refundOf(f.fired()),
    status: 201,
    check: (b) => expect(b.order).toMatchObject({ paidMinor: 300, refunds: [expect.objectContaining({ amountMinor: 200, staffId: 's-manager' })] }),
  },
  { rule: 'a manager may reopen a closed order', actor: 'manager', method: 'POST', target: async (f) => ({ path: orderPath(await f.closed(), '/reopen'), body: { reason: 'wrong tender' } }), status: 200, check: (b) => expect(b.order?.status).not.toBe('closed') },
  { rule: 'a manager may edit the menu', actor: 'manager', method: 'PATCH', target: () => ({ path: '/api/v1/menu/items/tsingtao-beer', body: { targetPrepSeconds: 60 } }), status: 200, check: (b) => expect(b.item?.id).toBe('tsingtao-beer') },
  { rule: 'a manager may list the table QR codes', actor: 'manager', method: 'GET', target: () => ({ path: '/api/v1/tables/qr-codes' }), status: 200 },
  { rule: 'a manager may list the staff', actor: 'manager', method: 'GET', target: () => ({ path: '/api/v1/staff' }), status: 200 },
  { rule: 'a manager may issue pairing codes', actor: 'manager', method: 'POST', target: () => ({ path: '/api/v1/devices/pairing-codes' }), status: 201 },
  { rule: 'a waiter may list unrecorded card charges (the tablet shows them)', actor: 'waiter', method: 'GET', target: () => ({ path: '/api/v1/card-charges/unrecorded' }), status: 200, check: (b) => expect(b.charges).toEqual(expect.any(Array)) },
  { rule: 'a cashier may list unrecorded card charges', actor: 'cashier', method: 'GET', target: async (f) => { await f.charge(); return { path: '/api/v1/card-charges/unrecorded' }; }, status: 200, check: (b) => expect(b.charges?.length).toBeGreaterThan(0) },
  { rule: 'a manager may resolve an unrecorded card charge', actor: 'manager', method: 'POST', target: async (f) => resolving(await f.charge()), status: 200, check: (b) => expect(b.charge?.resolvedAt).toEqual(expect.any(Number)) },
  { rule: "a cashier may record the day's float", actor: 'cashier', method: 'POST', target: () => recordingFloat(40_000), status: 200, check: (b) => expect(b.float).toMatchObject({ amountMinor: 40_000, staffId: 's-cashier' }) },
  { rule: "a manager may record the day's float", actor: 'manager', method: 'POST', target: () => recordingFloat(45_000, '2026-01-03'), status: 200, check: (b) => expect(b.float).toMatchObject({ amountMinor: 45_000, staffId: 's-manager' }) },
];

describe('allowed requests', () => {
  it.each(named(allowed))('%s', async (_rule, c) => {
    const r = await request(c.actor, c.method, await c.target(fixtures));
    expect(r.status, JSON.stringify(r.body)).toBe(c.status);
    expect(r.body.error).toBeUndefined();
    c.check?.(r.body);
  });
});
