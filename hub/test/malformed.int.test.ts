/**
 * Malformed and invalid requests against the real hub process. Every one is answered with a 4xx and an
 * `{ error: { code, message } }` body, never a 500; none of them changes an order, line, payment, the menu
 * or the event log; and the hub keeps serving afterwards. Then the Idempotency-Key contract: a key with a
 * different request is refused, a replay gets the original answer.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../protocol/errors.ts';
import type { Order } from '../protocol/orders.ts';
import { PINS, removeDir, sampleOrder, signIn, startHub, type HubProcess } from './harness.ts';

interface Body {
  order?: Order;
  error?: { code: string; message: string; details?: unknown };
}

type Who = 'nobody' | 'device' | 'waiter' | 'kitchen' | 'manager';
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Fixtures {
  /** An open order whose lines are all held. */
  held: Order;
  /** An open order whose lines are all fired. */
  fired: Order;
}

interface Row {
  name: string;
  as?: Who;
  method?: Method;
  path?: (f: Fixtures) => string;
  /** A string is sent verbatim; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** null: send no Idempotency-Key. Default: a fresh one. */
  key?: string | null;
  status: number;
  code: ErrorCode;
}

let hub: HubProcess;
let db: Database.Database;
let fx: Fixtures;
const tokens: Record<Who, string | undefined> = { nobody: undefined, device: undefined, waiter: undefined, kitchen: undefined, manager: undefined };

const UNKNOWN = '01JUNKNOWNORDER0000000000';
/** `[[[…]]]`, `levels` deep, as text. */
const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const order = (suffix = '') => (f: Fixtures) => `/api/v1/orders/${f.held.id}${suffix}`;
const fired = (suffix = '') => (f: Fixtures) => `/api/v1/orders/${f.fired.id}${suffix}`;
const at = (path: string) => () => path;
const heldLine = (f: Fixtures) => {
  const line = f.held.lines[0];
  if (!line) throw new Error('fixture has no lines');
  return line;
};
const line = (l: Record<string, unknown>) => sampleOrder({ lines: [{ itemId: 'steamed-rice', qty: 1, ...l }] });
const mapo = (optionIds: string[]) => sampleOrder({ lines: [{ itemId: 'mapo-tofu', qty: 1, optionIds }] });
const rice = { itemId: 'steamed-rice', qty: 1 };

/** Rows whose refusal happens before the rules run: their key must store nothing. */
const transportCodes = new Set<string>(['validation_failed', 'malformed_json', 'payload_too_large', 'unsupported_media_type', 'idempotency_key_missing', 'bad_request']);

const rows: Row[] = [
  // ---- the body as a whole ----
  { name: 'invalid JSON', body: '{"channel": "pos",', status: 400, code: 'malformed_json' },
  { name: 'JSON with a trailing comma', body: '{"channel":"pos","lines":[],}', status: 400, code: 'malformed_json' },
  { name: 'a JSON array body', body: '[]', status: 400, code: 'validation_failed' },
  { name: 'an array of orders', body: JSON.stringify([sampleOrder()]), status: 400, code: 'validation_failed' },
  { name: 'a JSON string body', body: '"an order please"', status: 400, code: 'validation_failed' },
  { name: 'a JSON number body', body: '42', status: 400, code: 'validation_failed' },
  { name: 'a JSON true body', body: 'true', status: 400, code: 'validation_failed' },
  { name: 'a JSON null body', body: 'null', status: 400, code: 'validation_failed' },
  // regression: null was once read as {} and fired every held line
  { name: 'a JSON null body on fire', path: order('/fire'), body: 'null', status: 400, code: 'validation_failed' },
  { name: 'an empty body', body: '', status: 400, code: 'validation_failed' },
  { name: 'arrays nested 5000 deep', body: '['.repeat(5000) + ']'.repeat(5000), status: 400, code: 'validation_failed' },
  { name: 'a number beyond a double (1e400)', body: '{"channel":"pos","tableId":"t-a1","lines":[{"itemId":"steamed-rice","qty":1e400}]}', status: 400, code: 'validation_failed' },
  { name: 'a body over 64 KB', body: { ...sampleOrder(), note: 'x'.repeat(70_000) }, status: 413, code: 'payload_too_large' },
  { name: 'content-type text/plain', body: JSON.stringify(sampleOrder()), headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
  { name: 'a form-encoded body', body: 'channel=pos&tableId=t-a1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'unsupported_media_type' },
  { name: 'JSON in latin1', body: JSON.stringify(sampleOrder()), headers: { 'content-type': 'application/json; charset=latin1' }, status: 415, code: 'unsupported_media_type' },
  { name: 'a body that claims gzip but is not', body: JSON.stringify(sampleOrder()), headers: { 'content-encoding': 'gzip' }, status: 400, code: 'bad_request' },

  // ---- Idempotency-Key ----
  { name: 'no Idempotency-Key on POST /orders', body: sampleOrder(), key: null, status: 400, code: 'idempotency_key_missing' },
  { name: 'no Idempotency-Key on fire', path: order('/fire'), body: {}, key: null, status: 400, code: 'idempotency_key_missing' },
  { name: 'no Idempotency-Key on a payment', path: fired('/payments'), body: { tender: 'cash', amountMinor: 100 }, key: null, status: 400, code: 'idempotency_key_missing' },
  { name: 'no Idempotency-Key on a menu edit', as: 'manager', method: 'PATCH', path: at('/api/v1/menu/items/mapo-tofu'), body: { priceMinor: 1 }, key: null, status: 400, code: 'idempotency_key_missing' },
  { name: 'an empty Idempotency-Key', body: sampleOrder(), key: '', status: 400, code: 'idempotency_key_missing' },
  { name: 'an Idempotency-Key of 7 characters', body: sampleOrder(), key: 'abc1234', status: 400, code: 'bad_request' },
  { name: 'an Idempotency-Key of 256 characters', body: sampleOrder(), key: 'k'.repeat(256), status: 400, code: 'bad_request' },
  { name: 'an Idempotency-Key with spaces', body: sampleOrder(), key: 'my key 12345', status: 400, code: 'bad_request' },

  // ---- strict objects: unknown fields, client-sent prices ----
  { name: 'an unknown top-level field', body: sampleOrder({ waiterName: 'Bob' }), status: 400, code: 'validation_failed' },
  { name: 'an unknown line field', body: line({ colour: 'red' }), status: 400, code: 'validation_failed' },
  { name: 'a __proto__ key', body: '{"channel":"pos","tableId":"t-a1","lines":[],"__proto__":{"isAdmin":true}}', status: 400, code: 'validation_failed' },
  { name: 'a client-sent line unitPriceMinor', body: line({ unitPriceMinor: 1 }), status: 400, code: 'validation_failed' },
  { name: 'a client-sent line priceMinor', body: line({ priceMinor: 1 }), status: 400, code: 'validation_failed' },
  { name: 'a client-sent line lineTotalMinor', body: line({ lineTotalMinor: 1 }), status: 400, code: 'validation_failed' },
  { name: 'a client-sent order totalMinor', body: sampleOrder({ totalMinor: 1 }), status: 400, code: 'validation_failed' },
  { name: 'a client-sent order subtotalMinor', body: sampleOrder({ subtotalMinor: 1 }), status: 400, code: 'validation_failed' },
  { name: 'a client-sent order discountMinor', body: sampleOrder({ discountMinor: 4400 }), status: 400, code: 'validation_failed' },
  { name: 'a client-sent order paidMinor', body: sampleOrder({ paidMinor: 4400 }), status: 400, code: 'validation_failed' },
  { name: 'a client-sent order status', body: sampleOrder({ status: 'closed' }), status: 400, code: 'validation_failed' },
  { name: 'a client-sent unitPriceMinor when adding lines', path: order('/lines'), body: { lines: [{ ...rice, unitPriceMinor: 1 }] }, status: 400, code: 'validation_failed' },
  { name: 'a client-sent changeMinor on a payment', path: fired('/payments'), body: { tender: 'cash', amountMinor: 100, changeMinor: 50 }, status: 400, code: 'validation_failed' },

  // ---- quantities and line counts ----
  { name: 'qty 0', body: line({ qty: 0 }), status: 400, code: 'validation_failed' },
  { name: 'qty -1', body: line({ qty: -1 }), status: 400, code: 'validation_failed' },
  { name: 'qty 1.5', body: line({ qty: 1.5 }), status: 400, code: 'validation_failed' },
  { name: 'qty 100', body: line({ qty: 100 }), status: 400, code: 'validation_failed' },
  { name: 'qty 1000', body: line({ qty: 1000 }), status: 400, code: 'validation_failed' },
  { name: 'qty as a string', body: line({ qty: '1' }), status: 400, code: 'validation_failed' },
  { name: 'qty null', body: line({ qty: null }), status: 400, code: 'validation_failed' },
  { name: 'a line without qty', body: sampleOrder({ lines: [{ itemId: 'steamed-rice' }] }), status: 400, code: 'validation_failed' },
  { name: '101 lines', body: sampleOrder({ lines: Array.from({ length: 101 }, () => rice) }), status: 400, code: 'validation_failed' },
  { name: 'lines as an object', body: sampleOrder({ lines: rice }), status: 400, code: 'validation_failed' },
  { name: 'no lines field', body: { channel: 'pos', tableId: 't-a1' }, status: 400, code: 'validation_failed' },
  { name: 'no lines for a pos order without a table', body: { channel: 'pos', lines: [] }, status: 422, code: 'invalid_order' },
  { name: 'adding an empty list of lines', path: order('/lines'), body: { lines: [] }, status: 400, code: 'validation_failed' },
  { name: '21 option ids on one line', body: line({ optionIds: Array.from({ length: 21 }, (_, i) => `opt-${i}`) }), status: 400, code: 'validation_failed' },
  { name: 'optionIds as a string', body: line({ optionIds: 'spice-hot' }), status: 400, code: 'validation_failed' },

  // ---- wrong types and enum typos ----
  { name: 'channel "POS" (case typo)', body: sampleOrder({ channel: 'POS' }), status: 400, code: 'validation_failed' },
  { name: 'channel "delivery" (not a channel)', body: sampleOrder({ channel: 'delivery' }), status: 400, code: 'validation_failed' },
  { name: 'no channel', body: { tableId: 't-a1', lines: [rice] }, status: 400, code: 'validation_failed' },
  { name: 'tableId as a number', body: sampleOrder({ tableId: 5 }), status: 400, code: 'validation_failed' },
  { name: 'tableId with a space', body: sampleOrder({ tableId: 't a1' }), status: 400, code: 'validation_failed' },
  { name: 'tableId of 65 characters', body: sampleOrder({ tableId: 't'.repeat(65) }), status: 400, code: 'validation_failed' },
  { name: 'guestCount 0', body: sampleOrder({ guestCount: 0 }), status: 400, code: 'validation_failed' },
  { name: 'guestCount as a string', body: sampleOrder({ guestCount: '4' }), status: 400, code: 'validation_failed' },
  { name: 'fire as a string', body: sampleOrder({ fire: 'yes' }), status: 400, code: 'validation_failed' },
  { name: 'hold as a number', body: line({ hold: 1 }), status: 400, code: 'validation_failed' },
  { name: 'course 0', body: line({ course: 0 }), status: 400, code: 'validation_failed' },
  { name: 'course 10', body: line({ course: 10 }), status: 400, code: 'validation_failed' },
  { name: 'an order note of 201 characters', body: sampleOrder({ note: 'n'.repeat(201) }), status: 400, code: 'validation_failed' },
  { name: 'a huge order note (20 000 CJK characters, 60 KB)', body: sampleOrder({ note: '麻'.repeat(20_000) }), status: 400, code: 'validation_failed' },
  { name: 'a line note of 141 characters', body: line({ note: 'n'.repeat(141) }), status: 400, code: 'validation_failed' },
  { name: 'a huge itemId (20 000 characters)', body: line({ itemId: 'a'.repeat(20_000) }), status: 400, code: 'validation_failed' },
  { name: 'a client-made order id with a slash', body: sampleOrder({ id: 'a/b' }), status: 400, code: 'validation_failed' },
  { name: 'a client-made line id with a dot', body: line({ id: 'l.1' }), status: 400, code: 'validation_failed' },

  // ---- menu rules ----
  { name: 'an unknown itemId', body: line({ itemId: 'unicorn-steak' }), status: 422, code: 'invalid_order' },
  { name: 'an unknown tableId', body: sampleOrder({ tableId: 't-z99' }), status: 404, code: 'not_found' },
  { name: 'a required option group left out (mapo-tofu without a size)', body: mapo(['spice-mild']), status: 422, code: 'invalid_order' },
  { name: 'no options for an item that needs them', body: mapo([]), status: 422, code: 'invalid_order' },
  { name: "an option of another item's group (ice on mapo-tofu)", body: mapo(['spice-mild', 'size-regular', 'ice-less']), status: 422, code: 'invalid_order' },
  { name: 'an option id that does not exist', body: mapo(['spice-mild', 'size-enormous']), status: 422, code: 'invalid_order' },
  { name: 'the same option twice', body: mapo(['spice-mild', 'spice-mild', 'size-regular']), status: 422, code: 'invalid_order' },
  { name: 'two choices in a choose-one group', body: mapo(['spice-mild', 'spice-hot', 'size-regular']), status: 422, code: 'invalid_order' },
  { name: 'an unavailable item (toona-scrambled-eggs)', body: line({ itemId: 'toona-scrambled-eggs' }), status: 409, code: 'item_unavailable' },
  { name: 'more than remain (9 of 8 chopped-chili-fish-head)', body: line({ itemId: 'chopped-chili-fish-head', qty: 9, optionIds: ['spice-hot'] }), status: 409, code: 'sold_out' },
  { name: 'a client-made order id that already exists', body: sampleOrder({ id: '$HELD' }), status: 409, code: 'conflict' },
  { name: 'the same client-made line id twice', body: sampleOrder({ lines: [{ ...rice, id: 'dup-line' }, { ...rice, id: 'dup-line' }] }), status: 409, code: 'conflict' },

  // ---- ids in the path ----
  { name: 'GET an unknown order', method: 'GET', path: at(`/api/v1/orders/${UNKNOWN}`), status: 404, code: 'not_found' },
  { name: 'add lines to an unknown order', path: at(`/api/v1/orders/${UNKNOWN}/lines`), body: { lines: [rice] }, status: 404, code: 'not_found' },
  { name: 'fire an unknown order', path: at(`/api/v1/orders/${UNKNOWN}/fire`), body: {}, status: 404, code: 'not_found' },
  { name: 'set status on an unknown order', as: 'kitchen', path: at(`/api/v1/orders/${UNKNOWN}/status`), body: { status: 'ready' }, status: 404, code: 'not_found' },
  { name: 'void an unknown order', path: at(`/api/v1/orders/${UNKNOWN}/void`), body: { reason: 'x' }, status: 404, code: 'not_found' },
  { name: 'void a line of an unknown order', path: at(`/api/v1/orders/${UNKNOWN}/lines/${UNKNOWN}/void`), body: { reason: 'x' }, status: 404, code: 'not_found' },
  { name: 'void an unknown line of a real order', path: order(`/lines/${UNKNOWN}/void`), body: { reason: 'x' }, status: 404, code: 'not_found' },
  { name: 'discount an unknown order', as: 'manager', path: at(`/api/v1/orders/${UNKNOWN}/discount`), body: { percent: 10, reason: 'x' }, status: 404, code: 'not_found' },
  { name: 'pay an unknown order', path: at(`/api/v1/orders/${UNKNOWN}/payments`), body: { tender: 'cash', amountMinor: 100 }, status: 404, code: 'not_found' },
  { name: 'resolve an unknown card charge', as: 'manager', path: at(`/api/v1/card-charges/${UNKNOWN}/resolve`), body: { note: 'refunded' }, status: 404, code: 'not_found' },
  { name: 'resolve a card charge id with a dot', as: 'manager', path: at('/api/v1/card-charges/bad.id/resolve'), body: { note: 'refunded' }, status: 400, code: 'validation_failed' },
  { name: 'resolve a card charge without a note', as: 'manager', path: at(`/api/v1/card-charges/${UNKNOWN}/resolve`), body: {}, status: 400, code: 'validation_failed' },
  { name: 'resolve a card charge with a blank note', as: 'manager', path: at(`/api/v1/card-charges/${UNKNOWN}/resolve`), body: { note: '   ' }, status: 400, code: 'validation_failed' },
  { name: 'resolve a card charge with an unknown field', as: 'manager', path: at(`/api/v1/card-charges/${UNKNOWN}/resolve`), body: { note: 'refunded', refundMinor: 100 }, status: 400, code: 'validation_failed' },
  { name: 'resolve a card charge without an Idempotency-Key', as: 'manager', path: at(`/api/v1/card-charges/${UNKNOWN}/resolve`), body: { note: 'refunded' }, key: null, status: 400, code: 'idempotency_key_missing' },
  { name: 'reopen an unknown order', as: 'manager', path: at(`/api/v1/orders/${UNKNOWN}/reopen`), body: { reason: 'x' }, status: 404, code: 'not_found' },
  { name: 'edit an unknown menu item', as: 'manager', method: 'PATCH', path: at('/api/v1/menu/items/unicorn-steak'), body: { priceMinor: 100 }, status: 404, code: 'not_found' },
  { name: 'GET an order id with a dot', method: 'GET', path: at('/api/v1/orders/bad.id'), status: 400, code: 'validation_failed' },
  { name: 'fire an order id with a dot', path: at('/api/v1/orders/bad.id/fire'), body: {}, status: 400, code: 'validation_failed' },
  { name: 'fire an order id with an encoded space', path: at('/api/v1/orders/bad%20id/fire'), body: {}, status: 400, code: 'validation_failed' },
  { name: 'fire an order id that is not valid percent-encoding', path: at('/api/v1/orders/%ZZ/fire'), body: {}, status: 400, code: 'bad_request' },
  { name: 'fire an order id of 65 characters', path: at(`/api/v1/orders/${'a'.repeat(65)}/fire`), body: {}, status: 400, code: 'validation_failed' },
  { name: 'void a line id with a quote', path: (f) => `/api/v1/orders/${f.held.id}/lines/x'1/void`, body: { reason: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'edit a menu item id with a "!"', as: 'manager', method: 'PATCH', path: at('/api/v1/menu/items/mapo!tofu'), body: { priceMinor: 1 }, status: 400, code: 'validation_failed' },
  { name: 'POST to a route that does not exist', path: at('/api/v1/orderz'), body: sampleOrder(), status: 404, code: 'not_found' },
  { name: 'DELETE an order (no such method)', method: 'DELETE', path: order(), status: 404, code: 'not_found' },

  // ---- kitchen status ----
  { name: 'status "redy" (typo)', as: 'kitchen', path: fired('/status'), body: { status: 'redy' }, status: 400, code: 'validation_failed' },
  { name: 'status "Ready" (case typo)', as: 'kitchen', path: fired('/status'), body: { status: 'Ready' }, status: 400, code: 'validation_failed' },
  { name: 'status "held" (not a kitchen step)', as: 'kitchen', path: fired('/status'), body: { status: 'held' }, status: 400, code: 'validation_failed' },
  { name: 'status "voided" (not a kitchen step)', as: 'kitchen', path: fired('/status'), body: { status: 'voided' }, status: 400, code: 'validation_failed' },
  { name: 'no status', as: 'kitchen', path: fired('/status'), body: {}, status: 400, code: 'validation_failed' },
  { name: 'an empty lineIds list', as: 'kitchen', path: fired('/status'), body: { status: 'ready', lineIds: [] }, status: 400, code: 'validation_failed' },
  { name: 'lineIds as a string', as: 'kitchen', path: fired('/status'), body: { status: 'ready', lineIds: 'l1' }, status: 400, code: 'validation_failed' },
  { name: 'an unknown line id to mark ready', as: 'kitchen', path: fired('/status'), body: { status: 'ready', lineIds: [UNKNOWN] }, status: 404, code: 'not_found' },
  { name: 'marking held lines ready', as: 'kitchen', path: order('/status'), body: { status: 'ready' }, status: 409, code: 'invalid_transition' },

  // ---- fire ----
  { name: 'fire course "two"', path: order('/fire'), body: { course: 'two' }, status: 400, code: 'validation_failed' },
  { name: 'fire course 0', path: order('/fire'), body: { course: 0 }, status: 400, code: 'validation_failed' },
  { name: 'fire with an unknown field', path: order('/fire'), body: { all: true }, status: 400, code: 'validation_failed' },
  { name: 'fire a course with no held lines', path: order('/fire'), body: { course: 9 }, status: 409, code: 'invalid_transition' },
  { name: 'fire an order with nothing held', path: fired('/fire'), body: {}, status: 409, code: 'invalid_transition' },

  // ---- payments ----
  { name: 'payment amount as a string', path: fired('/payments'), body: { tender: 'cash', amountMinor: '4400' }, status: 400, code: 'validation_failed' },
  { name: 'payment amount 0 while something is due (0 only settles a bill with nothing due)', path: fired('/payments'), body: { tender: 'cash', amountMinor: 0 }, status: 422, code: 'invalid_order' },
  { name: 'payment amount negative', path: fired('/payments'), body: { tender: 'cash', amountMinor: -100 }, status: 400, code: 'validation_failed' },
  { name: 'payment amount fractional (in yuan, not fen)', path: fired('/payments'), body: { tender: 'cash', amountMinor: 44.5 }, status: 400, code: 'validation_failed' },
  { name: 'payment amount beyond the maximum', path: fired('/payments'), body: { tender: 'cash', amountMinor: 1_000_000_000 }, status: 400, code: 'validation_failed' },
  { name: 'tender "bitcoin"', path: fired('/payments'), body: { tender: 'bitcoin', amountMinor: 100 }, status: 400, code: 'validation_failed' },
  { name: 'no tender', path: fired('/payments'), body: { amountMinor: 100 }, status: 400, code: 'validation_failed' },
  { name: 'a card reference of 81 characters', path: fired('/payments'), body: { tender: 'card', amountMinor: 100, reference: 'r'.repeat(81) }, status: 400, code: 'validation_failed' },
  { name: 'a card payment without a reference', path: fired('/payments'), body: { tender: 'card', amountMinor: 100 }, status: 422, code: 'invalid_order' },
  { name: 'cash tendered below the amount', path: fired('/payments'), body: { tender: 'cash', amountMinor: 1000, tenderedMinor: 500 }, status: 422, code: 'invalid_order' },
  { name: 'tenderedMinor on a card payment', path: fired('/payments'), body: { tender: 'card', amountMinor: 100, tenderedMinor: 200, reference: 'T1' }, status: 422, code: 'invalid_order' },
  { name: 'paying more than is due', path: fired('/payments'), body: { tender: 'cash', amountMinor: 99_999 }, status: 422, code: 'overpayment' },

  // ---- refunds (as the manager, who may refund: the body is what is wrong) ----
  { name: 'no Idempotency-Key on a refund', as: 'manager', path: fired('/refunds'), body: { paymentId: UNKNOWN, amountMinor: 100, reason: 'x' }, key: null, status: 400, code: 'idempotency_key_missing' },
  { name: 'a refund of 0', as: 'manager', path: fired('/refunds'), body: { paymentId: UNKNOWN, amountMinor: 0, reason: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'a negative refund', as: 'manager', path: fired('/refunds'), body: { paymentId: UNKNOWN, amountMinor: -100, reason: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'a refund amount as a string', as: 'manager', path: fired('/refunds'), body: { paymentId: UNKNOWN, amountMinor: '100', reason: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'a refund without a reason', as: 'manager', path: fired('/refunds'), body: { paymentId: UNKNOWN, amountMinor: 100 }, status: 400, code: 'validation_failed' },
  { name: 'a refund with an empty reason', as: 'manager', path: fired('/refunds'), body: { paymentId: UNKNOWN, amountMinor: 100, reason: '' }, status: 400, code: 'validation_failed' },
  { name: 'a refund without a paymentId', as: 'manager', path: fired('/refunds'), body: { amountMinor: 100, reason: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'a refund with a client-sent tender', as: 'manager', path: fired('/refunds'), body: { paymentId: UNKNOWN, amountMinor: 100, reason: 'x', tender: 'cash' }, status: 400, code: 'validation_failed' },
  { name: 'a refund with an empty lineIds', as: 'manager', path: fired('/refunds'), body: { paymentId: UNKNOWN, amountMinor: 100, reason: 'x', lineIds: [] }, status: 400, code: 'validation_failed' },
  { name: 'a refund reference of 81 characters', as: 'manager', path: fired('/refunds'), body: { paymentId: UNKNOWN, amountMinor: 100, reason: 'x', reference: 'r'.repeat(81) }, status: 400, code: 'validation_failed' },
  { name: 'a refund of a payment the order does not have', as: 'manager', path: fired('/refunds'), body: { paymentId: UNKNOWN, amountMinor: 100, reason: 'x' }, status: 404, code: 'not_found' },
  { name: 'a refund on an unknown order', as: 'manager', path: at(`/api/v1/orders/${UNKNOWN}/refunds`), body: { paymentId: UNKNOWN, amountMinor: 100, reason: 'x' }, status: 404, code: 'not_found' },

  // ---- moving a whole table (the fixtures seat A1 and A2) ----
  { name: 'no Idempotency-Key on a table move', path: at('/api/v1/tables/t-a1/move'), body: { toTableId: 't-b3' }, key: null, status: 400, code: 'idempotency_key_missing' },
  { name: 'a table move without a target', path: at('/api/v1/tables/t-a1/move'), body: {}, status: 400, code: 'validation_failed' },
  { name: 'a table move naming an order instead', path: at('/api/v1/tables/t-a1/move'), body: { toTableId: 't-b3', orderId: '$HELD' }, status: 400, code: 'validation_failed' },
  { name: 'a table move to a table id with a "!"', path: at('/api/v1/tables/t-a1/move'), body: { toTableId: 't-b3!' }, status: 400, code: 'validation_failed' },
  { name: 'a table move of a table id with a dot', path: at('/api/v1/tables/t.a1/move'), body: { toTableId: 't-b3' }, status: 400, code: 'validation_failed' },
  { name: 'a table move of a table that does not exist', path: at('/api/v1/tables/t-zz/move'), body: { toTableId: 't-b3' }, status: 404, code: 'not_found' },
  { name: 'a table move to a table that does not exist', path: at('/api/v1/tables/t-a1/move'), body: { toTableId: 't-zz' }, status: 404, code: 'not_found' },
  { name: 'a table move to a table with an open order', path: at('/api/v1/tables/t-a1/move'), body: { toTableId: 't-a2' }, status: 409, code: 'conflict' },
  { name: 'a table move onto itself', path: at('/api/v1/tables/t-a1/move'), body: { toTableId: 't-a1' }, status: 409, code: 'invalid_transition' },
  { name: 'a table move of a table with nothing open', path: at('/api/v1/tables/t-b7/move'), body: { toTableId: 't-b3' }, status: 409, code: 'invalid_transition' },

  // ---- void, discount, reopen ----
  { name: 'void without a reason', path: order('/void'), body: {}, status: 400, code: 'validation_failed' },
  { name: 'void with an empty reason', path: order('/void'), body: { reason: '' }, status: 400, code: 'validation_failed' },
  { name: 'void with a whitespace-only reason', path: order('/void'), body: { reason: '   ' }, status: 400, code: 'validation_failed' },
  { name: 'void with a reason of 141 characters', path: order('/void'), body: { reason: 'r'.repeat(141) }, status: 400, code: 'validation_failed' },
  { name: 'void with a numeric reason', path: order('/void'), body: { reason: 42 }, status: 400, code: 'validation_failed' },
  { name: 'void a line with no reason', path: (f) => `/api/v1/orders/${f.held.id}/lines/${heldLine(f).id}/void`, body: {}, status: 400, code: 'validation_failed' },
  { name: 'discount with both an amount and a percent', as: 'manager', path: fired('/discount'), body: { amountMinor: 100, percent: 10, reason: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'discount with neither an amount nor a percent', as: 'manager', path: fired('/discount'), body: { reason: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'discount of 101 percent', as: 'manager', path: fired('/discount'), body: { percent: 101, reason: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'discount of 12.5 percent', as: 'manager', path: fired('/discount'), body: { percent: 12.5, reason: 'x' }, status: 400, code: 'validation_failed' },
  { name: 'discount without a reason', as: 'manager', path: fired('/discount'), body: { percent: 10 }, status: 400, code: 'validation_failed' },
  { name: 'discount larger than the subtotal', as: 'manager', path: fired('/discount'), body: { amountMinor: 99_999, reason: 'x' }, status: 422, code: 'invalid_order' },
  { name: 'reopen an order that is not closed', as: 'manager', path: fired('/reopen'), body: { reason: 'x' }, status: 409, code: 'invalid_transition' },

  // ---- menu edits ----
  { name: 'a menu edit that changes nothing', as: 'manager', method: 'PATCH', path: at('/api/v1/menu/items/mapo-tofu'), body: {}, status: 400, code: 'validation_failed' },
  { name: 'a negative menu price', as: 'manager', method: 'PATCH', path: at('/api/v1/menu/items/mapo-tofu'), body: { priceMinor: -1 }, status: 400, code: 'validation_failed' },
  { name: 'a menu price as a string', as: 'manager', method: 'PATCH', path: at('/api/v1/menu/items/mapo-tofu'), body: { priceMinor: '28.00' }, status: 400, code: 'validation_failed' },
  { name: 'availability as "no"', as: 'manager', method: 'PATCH', path: at('/api/v1/menu/items/mapo-tofu'), body: { available: 'no' }, status: 400, code: 'validation_failed' },
  { name: 'a fractional remaining count', as: 'manager', method: 'PATCH', path: at('/api/v1/menu/items/mapo-tofu'), body: { remaining: 1.5 }, status: 400, code: 'validation_failed' },
  { name: 'an empty English name', as: 'manager', method: 'PATCH', path: at('/api/v1/menu/items/mapo-tofu'), body: { nameEn: '' }, status: 400, code: 'validation_failed' },
  { name: 'a menu field that cannot be edited (stationId)', as: 'manager', method: 'PATCH', path: at('/api/v1/menu/items/mapo-tofu'), body: { stationId: 'bar' }, status: 400, code: 'validation_failed' },

  // ---- pairing and sign-in ----
  { name: 'pairing as a "toaster"', as: 'nobody', path: at('/api/v1/devices/pair'), body: { code: '424242', name: 'x', kind: 'toaster' }, status: 400, code: 'validation_failed' },
  { name: 'pairing without a name', as: 'nobody', path: at('/api/v1/devices/pair'), body: { code: '424242', kind: 'pos' }, status: 400, code: 'validation_failed' },
  { name: 'pairing with a wrong code', as: 'nobody', path: at('/api/v1/devices/pair'), body: { code: '000000', name: 'x', kind: 'pos' }, status: 403, code: 'pairing_code_invalid' },
  { name: 'a PIN with letters', as: 'device', path: at('/api/v1/staff/sessions'), body: { pin: 'abcd' }, status: 400, code: 'validation_failed' },
  { name: 'a PIN as a number', as: 'device', path: at('/api/v1/staff/sessions'), body: { pin: 1111 }, status: 400, code: 'validation_failed' },

  // ---- list query ----
  { name: 'list with status "opn" (typo)', method: 'GET', path: at('/api/v1/orders?status=opn'), status: 400, code: 'validation_failed' },
  { name: 'list with two statuses', method: 'GET', path: at('/api/v1/orders?status=open&status=closed'), status: 400, code: 'validation_failed' },
  // a route without a body schema hashes the body as sent (its Idempotency-Key's request hash)
  { name: 'a body nested 20,000 deep, anonymously', as: 'nobody', path: () => '/api/v1/devices/pairing-codes', body: deep(20_000), status: 400, code: 'bad_request' },
  { name: 'a body nested 20,000 deep, as a manager', as: 'manager', path: () => '/api/v1/devices/pairing-codes', body: deep(20_000), status: 400, code: 'bad_request' },
  { name: 'a body nested 20,000 deep on a DELETE', as: 'waiter', method: 'DELETE', path: () => '/api/v1/menu/items/mapo-tofu/image', body: deep(20_000), status: 400, code: 'bad_request' },
  { name: 'list with limit 0', method: 'GET', path: at('/api/v1/orders?limit=0'), status: 400, code: 'validation_failed' },
  { name: 'list with limit 501', method: 'GET', path: at('/api/v1/orders?limit=501'), status: 400, code: 'validation_failed' },
  { name: 'list with limit "abc"', method: 'GET', path: at('/api/v1/orders?limit=abc'), status: 400, code: 'validation_failed' },
  { name: 'list with an unknown parameter', method: 'GET', path: at('/api/v1/orders?colour=red'), status: 400, code: 'validation_failed' },
  { name: 'list with a tableId with a dot', method: 'GET', path: at('/api/v1/orders?tableId=t.a1'), status: 400, code: 'validation_failed' },
];

/** Everything a malformed request must not change. Idempotency rows are left out: rule refusals are stored by design. */
function storeState() {
  return {
    seq: db.prepare('SELECT MAX(seq) FROM events').pluck().get(),
    orders: db.prepare('SELECT * FROM orders ORDER BY id').all(),
    lines: db.prepare('SELECT * FROM order_lines ORDER BY id').all(),
    payments: db.prepare('SELECT * FROM payments ORDER BY id').all(),
    refunds: db.prepare('SELECT * FROM refunds ORDER BY id').all(),
    items: db.prepare('SELECT * FROM items ORDER BY id').all(),
    devices: db.prepare('SELECT COUNT(*) FROM devices').pluck().get(),
  };
}
const count = (table: 'orders' | 'idempotency_keys') => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
const storedKey = (key: string) => db.prepare('SELECT status FROM idempotency_keys WHERE key = ?').get(key);

function send(row: Row, key: string | null) {
  const method = row.method ?? 'POST';
  const path = (row.path ?? at('/api/v1/orders'))(fx);
  const body = typeof row.body === 'object' && row.body !== null && !Array.isArray(row.body) ? resolveFixtureIds(row.body) : row.body;
  return hub.request<Body>(method, path, {
    token: tokens[row.as ?? 'waiter'],
    ...(body === undefined ? {} : { body }),
    ...(row.headers ? { headers: row.headers } : {}),
    key,
  });
}

/** The table is built before the fixtures exist; '$HELD' stands for the held order's id. */
function resolveFixtureIds(body: object): unknown {
  return JSON.parse(JSON.stringify(body).replaceAll('"$HELD"', JSON.stringify(fx.held.id))) as unknown;
}

let baseline: ReturnType<typeof storeState>;

beforeAll(async () => {
  hub = await startHub();
  db = hub.openDb();
  const [waiter, kitchen, manager] = await Promise.all([signIn(hub, PINS.waiter), signIn(hub, PINS.kitchen), signIn(hub, PINS.manager)]);
  Object.assign(tokens, { device: waiter.device, waiter: waiter.staff, kitchen: kitchen.staff, manager: manager.staff });
  const place = async (body: unknown) => {
    const r = await hub.request<Body>('POST', '/api/v1/orders', { token: waiter.staff, body });
    if (r.status !== 201 || !r.body.order) throw new Error(`fixture refused: ${JSON.stringify(r.body)}`);
    return r.body.order;
  };
  fx = { held: await place(sampleOrder({ tableId: 't-a1', fire: false })), fired: await place(sampleOrder({ tableId: 't-a2' })) };
  baseline = storeState();
});

afterAll(async () => {
  db?.close();
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

describe('malformed requests', () => {
  it.each(rows.map((r) => [`${r.method ?? 'POST'} with ${r.name} → ${r.status} ${r.code}`, r] as const))('%s', async (_name, row) => {
    const key = row.key === undefined ? randomUUID() : row.key;
    const before = storeState();
    const r = await send(row, key);

    expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(row.status);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body.error).toEqual({ code: row.code, message: expect.any(String), ...(r.body.error?.details === undefined ? {} : { details: expect.anything() }) });
    expect(storeState()).toEqual(before);
    // refused before the rules ran: nothing is recorded, so a corrected retry may reuse the key
    if (key && transportCodes.has(row.code)) expect(storedKey(key)).toBeUndefined();
  });

  // regression: the media-type check once looked at Content-Length only, so a chunked text body slipped past
  it('refuses a chunked body that is not JSON with 415', async () => {
    const before = storeState();
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(`${hub.url}/api/v1/orders/${fx.held.id}/fire`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.waiter}`, 'content-type': 'text/plain', 'idempotency-key': randomUUID() },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write('{"course":'); // no Content-Length: node sends Transfer-Encoding: chunked
      req.end('2}');
    });
    expect(status).toBe(415);
    expect(JSON.parse(text).error.code).toBe('unsupported_media_type');
    expect(storeState()).toEqual(before);
  });

  it.each(['//', '/\\', 'http://a:b/'])('refuses a WebSocket upgrade to %s with 400, and stays up', async (target) => {
    // the upgrade is handled outside express: a target URL() cannot parse threw there and ended the process
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(hub.port, '127.0.0.1', () =>
        socket.write(`GET ${target} HTTP/1.1\r\nHost: hub\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`),
      );
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect((await hub.request('GET', '/api/v1/health')).status).toBe(200);
  });

  it('leaves orders, lines, payments, the menu and the event log as they were after the whole table', () => {
    expect(storeState()).toEqual(baseline);
  });

  it('still answers /api/v1/health with 200, from the same live process, and logged no unexpected error', async () => {
    const r = await hub.request<{ status: string }>('GET', '/api/v1/health');
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ok');
    expect(hub.proc.exitCode).toBeNull();
    expect(hub.proc.signalCode).toBeNull();
    expect(hub.output()).not.toContain('"msg":"request failed"');
  });
});

describe('Idempotency-Key', () => {
  const waiter = () => tokens.waiter;

  it('answers 422 idempotency_key_reused when a key comes back with a different body, and writes nothing', async () => {
    const key = randomUUID();
    const first = await hub.request<Body>('POST', '/api/v1/orders', { token: waiter(), body: sampleOrder({ tableId: 't-a3' }), key });
    expect(first.status).toBe(201);
    const before = storeState();

    const other = await hub.request<Body>('POST', '/api/v1/orders', { token: waiter(), body: sampleOrder({ tableId: 't-a4' }), key });

    expect(other.status).toBe(422);
    expect(other.body.error?.code).toBe('idempotency_key_reused');
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(storeState()).toEqual(before);
  });

  it('answers 422 idempotency_key_reused when a key comes back on another route', async () => {
    const key = randomUUID();
    const first = await hub.request<Body>('POST', `/api/v1/orders/${fx.held.id}/void`, { token: waiter(), body: { reason: 'nope' }, key });
    expect(first.status).toBe(200);

    const other = await hub.request<Body>('POST', `/api/v1/orders/${fx.fired.id}/void`, { token: tokens.manager, body: { reason: 'nope' }, key });

    expect(other.status).toBe(422);
    expect(other.body.error?.code).toBe('idempotency_key_reused');
  });

  it('replays the original status and body with Idempotent-Replayed: true, placing one order only', async () => {
    const key = randomUUID();
    const body = sampleOrder({ tableId: 't-a7', guestCount: 3 });
    const ordersBefore = count('orders');

    const first = await hub.request<Body>('POST', '/api/v1/orders', { token: waiter(), body, key });
    const seqAfterFirst = storeState().seq;
    const again = await hub.request<Body>('POST', '/api/v1/orders', { token: waiter(), body, key });

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(count('orders')).toBe(ordersBefore + 1);
    expect(storeState().seq).toBe(seqAfterFirst);
  });

  it('treats the same body with its keys in another order as the same request', async () => {
    const key = randomUUID();
    const first = await hub.request<Body>('POST', '/api/v1/orders', { token: waiter(), body: sampleOrder({ tableId: 't-a8' }), key });
    const reordered = '{"lines":[{"qty":1,"optionIds":["spice-medium","size-regular"],"itemId":"mapo-tofu"},{"optionIds":["ice-less"],"itemId":"sour-plum-drink","qty":2}],"tableId":"t-a8","channel":"pos"}';

    const again = await hub.request<Body>('POST', '/api/v1/orders', { token: waiter(), body: reordered, key });

    expect(first.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('replays a refusal by the rules too: the key records the answer', async () => {
    const key = randomUUID();
    const body = line({ itemId: 'unicorn-steak' });

    const first = await hub.request<Body>('POST', '/api/v1/orders', { token: waiter(), body, key });
    const again = await hub.request<Body>('POST', '/api/v1/orders', { token: waiter(), body, key });

    expect(first.status).toBe(422);
    expect(first.body.error?.code).toBe('invalid_order');
    expect(again.status).toBe(422);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('lets a corrected retry reuse the key of a request refused as malformed', async () => {
    const key = randomUUID();
    const bad = await hub.request<Body>('POST', '/api/v1/orders', { token: waiter(), body: sampleOrder({ tableId: 't-a9', totalMinor: 1 }), key });
    expect(bad.status).toBe(400);

    const fixed = await hub.request<Body>('POST', '/api/v1/orders', { token: waiter(), body: sampleOrder({ tableId: 't-a9' }), key });

    expect(fixed.status).toBe(201);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
    expect(fixed.body.order?.tableId).toBe('t-a9');
  });
});
