import { z } from 'zod';
import { businessDate } from '../domain/business-date.ts';
import { DomainError } from '../domain/errors.ts';
import { PUBLIC_DEVICE_KINDS, requireStaff, staffRoles, type Principal } from '../domain/principal.ts';
import { orderShownTo, requireStoreScreen } from '../domain/public-reads.ts';
import {
  addLinesSchema,
  discountSchema,
  errorBodySchema,
  fireSchema,
  floorSchema,
  healthSchema,
  idSchema,
  listOrdersQuerySchema,
  menuItemResponseSchema,
  menuSchema,
  orderResponseSchema,
  ordersResponseSchema,
  pairDeviceSchema,
  pairResponseSchema,
  pairingCodeResponseSchema,
  pacingSchema,
  waiterCallSchema,
  waiterCallResponseSchema,
  acknowledgeWaiterCallsSchema,
  acknowledgeWaiterCallsResponseSchema,
  setPacingSchema,
  paymentInputSchema,
  paymentResponseSchema,
  placeOrderSchema,
  qrTableSchema,
  reopenSchema,
  recallSchema,
  rushSchema,
  sessionResponseSchema,
  setLineStatusSchema,
  signInSchema,
  signOutResponseSchema,
  snapshotSchema,
  tableQrListSchema,
  updateMenuItemSchema,
  voidSchema,
} from '../protocol/index.ts';
import {
  billRequestSchema,
  mergeResponseSchema,
  mergeSchema,
  mergeTableResponseSchema,
  moveTableResponseSchema,
  moveTableSchema,
  refundInputSchema,
  refundResponseSchema,
  transferSchema,
} from '../protocol/orders.ts';
import { cardChargeResponseSchema, resolveCardChargeSchema, unrecordedCardChargesResponseSchema } from '../protocol/card-charges.ts';
import { dayFloatResponseSchema, dayReportQuerySchema, dayReportResponseSchema, setDayFloatSchema } from '../protocol/reports.ts';
import {
  addStaffSchema,
  changePinSchema,
  replaceQrCodesSchema,
  replacedQrCodesResponseSchema,
  setStaffActiveSchema,
  staffChangeResponseSchema,
  staffListResponseSchema,
  staffMemberSchema,
} from '../protocol/staff.ts';
import type { Services } from '../services.ts';
import { HttpError } from './errors.ts';
import type { FailureLimiter } from './pairing-codes.ts';
import { mutation, ok, read, type Route } from './route.ts';

const orderParams = z.strictObject({ orderId: idSchema });
const lineParams = z.strictObject({ orderId: idSchema, lineId: idSchema });
const itemParams = z.strictObject({ itemId: idSchema });
const tableParams = z.strictObject({ tableId: idSchema });
const chargeParams = z.strictObject({ chargeId: idSchema });
const staffParams = z.strictObject({ staffId: idSchema });
/** A table's call for a waiter repeated within this is the call already made (the waiter is on the way). */
const WAITER_CALL_REPEAT_MS = 30_000;


/**
 * Health as the public address gives it: what a phone or kiosk reads of it (the store it paired with, the
 * log's head to resume its stream from). Named field by field, so a figure added to health is not told to
 * the guest network by default.
 */
export const publicHealth = (s: Services) => ({
  status: 'ok' as const,
  storeId: s.identity.storeId,
  storeName: s.identity.storeName,
  epoch: s.identity.epoch,
  seq: s.events.head(),
});

export function health(s: Services) {
  return {
    ...publicHealth(s),
    uptimeS: Math.round((s.clock() - s.startedAt) / 100) / 10,
    version: s.version,
    streamClients: s.stats.streamClients(),
    streamReplays: s.stats.streamReplays(),
    writeQueueDepth: s.writer.depth,
    eventLoopLagMs: s.stats.eventLoopLagMs(),
    ...(s.printing ? { printers: s.printing.health() } : {}),
    ...(s.storage ? { storage: s.storage.status() } : {}),
    ...(s.backupStatus ? { backups: s.backupStatus() } : {}),
    ...(s.clockCheck ? { clock: s.clockCheck.status() } : {}),
    ...(s.integrity ? { integrity: s.integrity.status() } : {}),
    publicGate: s.stats.publicGate(),
  };
}

/** Every HTTP route of the hub. The OpenAPI document is generated from this list, so it cannot miss one. */
export const routes: Route[] = [
  // ---- system ----
  read({
    method: 'get',
    path: '/api/v1/health',
    tag: 'system',
    summary: 'Liveness, log head and load figures (on the public address: the store and the log head only)',
    access: 'public',
    responses: { 200: healthSchema },
    handle: (req, s) => {
      // the guest network learns nothing of the store's printers (names, addresses in their last errors) or
      // disk, nor how loaded the hub is (its write queue and event-loop lag tell a flood when to hit hardest):
      // phones need only the store and the log's head; the kitchen screens, the manager and /metrics read the
      // rest on the staff address
      return ok(req.viaPublicAddress ? publicHealth(s) : health(s));
    },
  }),
  read({
    method: 'get',
    path: '/api/v1/snapshot',
    tag: 'stream',
    summary: 'Open orders as of a seq; load it after a stream `reset`, then resume from its seq',
    access: 'paired device (not a kiosk)',
    responses: { 200: snapshotSchema },
    handle: (req, s) => {
      requireStoreScreen(req.principal, 'the snapshot of every open order');
      return ok({
        epoch: s.identity.epoch,
        seq: s.events.head(),
        menuVersion: s.catalog.current().index.menu.version,
        orders: s.orders.active(s.clock()),
      });
    },
  }),

  // ---- devices and staff ----
  mutation({
    method: 'post',
    path: '/api/v1/devices/pair',
    tag: 'auth',
    summary: 'Pair a device with the code shown by the hub; returns its device token',
    access: 'public (with a valid pairing code); on the public address, kiosks only',
    body: pairDeviceSchema,
    idempotencyOptional: true,
    answerHasSecrets: true,
    responses: { 201: pairResponseSchema, 403: errorBodySchema },
    handle: (req, s) =>
      limited(s.pairGuesses, req.viaPublicAddress ? 'public' : 'staff', req.cmd.now, 'pairing_code_invalid', () =>
        limited(s.pairFailures, `pair:${req.address}`, req.cmd.now, 'pairing_code_invalid', () =>
          ok(s.auth.pair(req.body, { now: req.cmd.now, newId: s.newId, events: req.cmd.events, kinds: req.viaPublicAddress ? PUBLIC_DEVICE_KINDS : undefined }), 201),
        ),
      ),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/devices/pairing-codes',
    tag: 'auth',
    summary: 'Issue a fresh pairing code for a new device',
    access: 'manager',
    responses: { 201: pairingCodeResponseSchema },
    handle: (req, s) => {
      requireStaff(req.principal, staffRoles.managerOnly, 'issuing pairing codes');
      return ok(s.pairing.issue(req.cmd.now), 201);
    },
  }),
  mutation({
    method: 'post',
    path: '/api/v1/staff/sessions',
    tag: 'auth',
    summary: 'Sign a staff member in with their PIN on a paired device',
    access: 'paired device',
    body: signInSchema,
    idempotencyOptional: true,
    answerHasSecrets: true,
    responses: { 201: sessionResponseSchema, 401: errorBodySchema, 403: errorBodySchema },
    handle: (req, s) => {
      // PINs are short: a device that keeps guessing is locked out for a while. Only a wrong PIN counts: a
      // right one whose role the screen does not take (403) is no guess (hub/domain/auth-service.ts)
      return limited(s.pinFailures, pinKey(req), req.cmd.now, 'pin_invalid', () => ok(s.auth.signIn(req.body.pin, req.principal, req.cmd.now, req.body.roles), 201));
    },
  }),
  mutation({
    method: 'delete',
    path: '/api/v1/staff/sessions/current',
    tag: 'auth',
    summary: "Sign out: end the caller's staff session on this device (its token is refused from then on)",
    access: 'staff',
    // a handshake like the sign-in: ending a session twice is ending it once, and a resend could not be
    // answered from its key anyway, since the token it presents is gone (it gets 401)
    idempotencyOptional: true,
    responses: { 200: signOutResponseSchema, 401: errorBodySchema, 403: errorBodySchema },
    handle: (req, s) => ok(s.auth.signOut(req.principal)),
  }),

  // a manager's, on the staff address only (the public one refuses every staff token, auth-header.ts)
  read({
    method: 'get',
    path: '/api/v1/staff',
    tag: 'staff',
    summary: 'The staff list: names, roles and who is active (never a PIN or its hash)',
    access: 'manager',
    responses: { 200: staffListResponseSchema, 403: errorBodySchema },
    handle: (req, s) => ok({ staff: s.auth.staff.list(req.principal) }),
  }),
  // the requests below carry a PIN: `answerHasSecrets` keeps their request hash keyed by the Idempotency-Key,
  // since a plain SHA-256 of `{"pin":"1234"}` gives the PIN back to anyone who tries all 10,000
  mutation({
    method: 'post',
    path: '/api/v1/staff',
    tag: 'staff',
    summary: 'Add a staff member: name, role and a PIN (4–8 digits) no active person has (409 pin_in_use; a departed person’s PIN may be given again)',
    access: 'manager',
    body: addStaffSchema,
    answerHasSecrets: true,
    responses: { 201: z.object({ staff: staffMemberSchema }), 403: errorBodySchema, 409: errorBodySchema },
    handle: (req, s) => limited(s.pinFailures, pinKey(req), req.cmd.now, 'pin_in_use', () => ok({ staff: s.auth.staff.add(req.body, req.cmd) }, 201)),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/staff/:staffId/pin',
    tag: 'staff',
    summary:
      "Set a staff member's PIN: the old one signs nobody in and their sessions end at once (a manager's own PIN: all but the session used); a PIN any active person has, theirs included: 409 pin_in_use",
    access: 'manager',
    params: staffParams,
    body: changePinSchema,
    answerHasSecrets: true,
    responses: { 200: staffChangeResponseSchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    handle: (req, s) => limited(s.pinFailures, pinKey(req), req.cmd.now, 'pin_in_use', () => ok(s.auth.staff.changePin(req.params.staffId, req.body.pin, req.cmd))),
  }),
  mutation({
    method: 'patch',
    path: '/api/v1/staff/:staffId',
    tag: 'staff',
    summary:
      'Deactivate (active: false; their PIN signs nobody in and their sessions end at once) or re-activate a staff member; not oneself, nor the last active manager (409); re-activating someone whose PIN was given to another since: 409 until they get a new PIN',
    access: 'manager',
    params: staffParams,
    body: setStaffActiveSchema,
    responses: { 200: staffChangeResponseSchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    handle: (req, s) => ok(s.auth.staff.setActive(req.params.staffId, req.body.active, req.cmd)),
  }),

  // ---- menu and floor ----
  read({
    method: 'get',
    path: '/api/v1/menu',
    tag: 'menu',
    summary: 'The menu in Chinese and English, with ETag / If-None-Match',
    access: 'public',
    responses: { 200: z.object({ menu: menuSchema }), 304: z.null() },
    handle: (req, s) => {
      const { json, etag } = s.catalog.current();
      const headers = { ETag: etag, 'Cache-Control': 'no-cache' };
      const inm = req.headers['if-none-match'];
      if (typeof inm === 'string' && inm.split(',').some((t) => t.trim() === etag)) return { status: 304, json: '', headers };
      return { status: 200, json, headers };
    },
  }),
  mutation({
    method: 'patch',
    path: '/api/v1/menu/items/:itemId',
    tag: 'menu',
    summary: 'Edit an item: names, price, availability, remaining count and whether those two are for today only, target prep time',
    access: 'manager',
    params: itemParams,
    body: updateMenuItemSchema,
    responses: { 200: menuItemResponseSchema },
    handle: (req, s) => ok({ item: s.menu.updateItem(req.params.itemId, req.body, req.cmd) }),
  }),
  // the upload (PUT, the photo's bytes as the body) is mounted by http/menu-images.ts: it is not JSON
  mutation({
    method: 'delete',
    path: '/api/v1/menu/items/:itemId/image',
    tag: 'menu',
    summary: "Remove an item's photo (clients show the placeholder again)",
    access: 'manager',
    params: itemParams,
    responses: { 200: menuItemResponseSchema },
    handle: (req, s) => ok({ item: s.menu.setItemImage(req.params.itemId, null, req.cmd) }),
  }),
  read({
    method: 'get',
    path: '/api/v1/floor',
    tag: 'floor',
    summary: 'Areas and tables with live status derived from open orders',
    access: 'staff',
    responses: { 200: floorSchema },
    handle: (req, s) => {
      requireStaff(req.principal, staffRoles.readOrders, 'the floor plan');
      // the open waiter calls with it: a tablet loading the floor (reloaded, back online) rings for them too
      return ok({ ...s.floor.floor(), waiterCalls: s.events.openWaiterCalls(s.clock()), seq: s.events.head() });
    },
  }),
  read({
    method: 'get',
    path: '/api/v1/tables/qr-codes',
    tag: 'floor',
    summary: "Each table's secret QR path, to print the table cards",
    access: 'manager',
    responses: { 200: tableQrListSchema },
    handle: (req, s) => {
      requireStaff(req.principal, staffRoles.managerOnly, 'table QR codes');
      return ok({ tables: s.floor.qrCodes() });
    },
  }),
  mutation({
    method: 'post',
    path: '/api/v1/tables/qr-codes',
    tag: 'floor',
    summary:
      'New secret QR codes for some tables or all ("all"): the old codes stop working at once (phones holding one are refused, 401); print the new ones from GET /api/v1/tables/qr-codes (/tables/qr)',
    access: 'manager',
    body: replaceQrCodesSchema,
    responses: { 200: replacedQrCodesResponseSchema, 403: errorBodySchema, 404: errorBodySchema },
    handle: (req, s) => ok(s.auth.staff.replaceTableCodes(req.body, req.cmd)),
  }),
  read({
    method: 'get',
    path: '/api/v1/qr/table',
    tag: 'floor',
    summary: 'The table a QR token belongs to (for the customer ordering page)',
    access: 'table QR token',
    responses: { 200: qrTableSchema },
    handle: (req, s) => {
      if (req.principal.kind !== 'table') throw new HttpError('unauthenticated', 'send the table QR token');
      const table = s.floor.table(req.principal.tableId);
      if (!table) throw new HttpError('not_found', 'table not found');
      return ok({ table });
    },
  }),

  mutation({
    method: 'post',
    path: '/api/v1/qr/waiter-call',
    tag: 'floor',
    summary: "Call a waiter to the table of this QR token (tablets see it on the stream's floor topic)",
    access: 'table QR token',
    body: waiterCallSchema,
    responses: { 201: waiterCallResponseSchema },
    handle: (req, s) => {
      if (req.principal.kind !== 'table') throw new HttpError('unauthenticated', 'send the table QR token');
      const table = s.floor.table(req.principal.tableId);
      if (!table) throw new HttpError('not_found', 'table not found');
      const { reason } = req.body;
      const call = { table: { id: table.id, name: table.name }, note: req.body.note ?? null, ...(reason ? { reason } : {}) };
      // the same call again within WAITER_CALL_REPEAT_MS is the one already made: a guest tapping on (or a
      // script at the token's rate) must not ring every tablet and fill the log; the bill is asked for again
      // all the same (a waiter may have set it aside meanwhile)
      const same = { tableId: table.id, reason: reason ?? null, note: call.note };
      const since = req.cmd.now - WAITER_CALL_REPEAT_MS;
      const made = s.events.lastWaiterCall(same, since) ?? { seq: req.cmd.events.emit('table.waiter_called', call, [`table:${table.id}`, 'floor']), at: req.cmd.now };
      if (reason === 'bill') s.orders.requestBillFromTable(req.cmd);
      return ok({ called: true, at: made.at, seq: made.seq }, 201);
    },
  }),
  // The call only: a bill asked for stays "bill requested" on the floor plan (the guests still wait for it)
  // until the order closes or a waiter clears it (POST /orders/:orderId/bill-request)
  mutation({
    method: 'post',
    path: '/api/v1/tables/:tableId/waiter-calls/acknowledge',
    tag: 'floor',
    summary: "A waiter has seen to the table's call(s) up to throughSeq: every tablet stops showing them (table.waiter_call_acknowledged on the floor topic)",
    access: 'waiter/cashier/manager',
    params: tableParams,
    body: acknowledgeWaiterCallsSchema,
    responses: { 200: acknowledgeWaiterCallsResponseSchema, 404: errorBodySchema },
    handle: (req, s) => {
      const staff = requireStaff(req.principal, staffRoles.floorMoves, 'acknowledging a waiter call');
      const table = s.floor.table(req.params.tableId);
      if (!table) throw new DomainError('not_found', `no table ${req.params.tableId}`, { tableId: req.params.tableId });
      const seen = s.events.openWaiterCalls(req.cmd.now).filter((c) => c.table.id === table.id && c.seq <= req.body.throughSeq);
      // nothing open up to there (another tablet acknowledged it first): nothing to tell the others
      if (seen.length === 0) return ok({ acknowledged: 0 });
      // the newest call it clears, not the seq sent: a seq past the log's head would clear calls not made yet
      const throughSeq = Math.max(...seen.map((c) => c.seq));
      const payload = { table: { id: table.id, name: table.name }, throughSeq, calls: seen.length, staffId: staff.staffId, staffName: staff.staffName };
      req.cmd.events.emit('table.waiter_call_acknowledged', payload, [`table:${table.id}`, 'floor']);
      return ok({ acknowledged: seen.length });
    },
  }),

  // ---- kitchen pacing ----
  read({
    method: 'get',
    path: '/api/v1/kitchen/pacing',
    tag: 'kitchen',
    summary: 'Kitchen load and whether kiosk/QR ordering is paused (kiosks and phones show it)',
    access: 'public',
    responses: { 200: pacingSchema },
    handle: (_req, s) => ok(s.kitchen.status()),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/kitchen/pacing',
    tag: 'kitchen',
    summary: 'Pause or resume kiosk and QR ordering (staff ordering continues)',
    access: 'manager',
    body: setPacingSchema,
    responses: { 200: pacingSchema },
    handle: (req, s) => ok(s.kitchen.setPacing(req.body, req.cmd)),
  }),

  // ---- orders ----
  mutation({
    method: 'post',
    path: '/api/v1/orders',
    tag: 'orders',
    summary: 'Place an order; the hub prices it and sends non-held lines to the kitchen',
    access: 'waiter/cashier/manager (pos, preorder); kiosk device (kiosk); table QR token (qr, own table)',
    body: placeOrderSchema,
    responses: { 201: orderResponseSchema, 409: errorBodySchema, 422: errorBodySchema },
    handle: (req, s) => ok({ order: orderShownTo(s.orders.place(req.body, req.cmd), req.principal) }, 201),
  }),
  read({
    method: 'get',
    path: '/api/v1/orders',
    tag: 'orders',
    summary:
      'List orders, newest first; status "open" = not closed or voided; businessDate = one business day (with number: that order; with before: the page after that order); answers with the business day it is now',
    access: "staff; table QR token (own table: open orders, and those done in the last 10 min, without payment references or staff)",
    query: listOrdersQuerySchema,
    responses: { 200: ordersResponseSchema, 400: errorBodySchema },
    handle: (req, s) => {
      const now = s.clock();
      return ok({ orders: s.orders.list(req.query, req.principal, now), businessDate: businessDate(now, s.config.HUB_TIMEZONE) });
    },
  }),
  read({
    method: 'get',
    path: '/api/v1/orders/:orderId',
    tag: 'orders',
    summary: 'One order with lines, payments and totals',
    access: 'staff; the kiosk that placed it; table QR token (own table: open, or done in the last 10 min; without payment references or staff)',
    params: orderParams,
    responses: { 200: orderResponseSchema, 404: errorBodySchema },
    handle: (req, s) => ok({ order: s.orders.get(req.params.orderId, req.principal, s.clock()) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/lines',
    tag: 'orders',
    summary: 'Add lines to an open order (line-level: concurrent adds never overwrite each other)',
    access: 'waiter/cashier/manager; table QR token (own table)',
    params: orderParams,
    body: addLinesSchema,
    responses: { 200: orderResponseSchema },
    handle: (req, s) => ok({ order: orderShownTo(s.orders.addLines(req.params.orderId, req.body, req.cmd), req.principal) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/fire',
    tag: 'orders',
    summary: 'Send held lines (all, or one course) to the kitchen',
    access: 'waiter/cashier/manager',
    params: orderParams,
    body: fireSchema,
    responses: { 200: orderResponseSchema },
    handle: (req, s) => ok({ order: s.orders.fire(req.params.orderId, req.body.course, req.cmd) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/status',
    tag: 'orders',
    summary: 'Move lines through the kitchen: preparing, ready (kitchen/manager) or served (floor staff)',
    access: 'kitchen/manager; served: waiter/cashier/kitchen/manager',
    params: orderParams,
    body: setLineStatusSchema,
    responses: { 200: orderResponseSchema },
    handle: (req, s) => ok({ order: s.orders.setLineStatus(req.params.orderId, req.body, req.cmd) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/recall',
    tag: 'orders',
    summary: 'Put bumped (ready) lines back on the kitchen screens',
    access: 'kitchen/manager',
    params: orderParams,
    body: recallSchema,
    responses: { 200: orderResponseSchema },
    handle: (req, s) => ok({ order: s.orders.recall(req.params.orderId, req.body.lineIds, req.cmd) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/rush',
    tag: 'orders',
    summary: 'Flag or unflag an order as rush / VIP (kitchen screens sort it first)',
    access: 'staff',
    params: orderParams,
    body: rushSchema,
    responses: { 200: orderResponseSchema },
    handle: (req, s) => ok({ order: s.orders.setRush(req.params.orderId, req.body.rush, req.cmd) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/lines/:lineId/void',
    tag: 'orders',
    summary: 'Void one line with a reason (a manager once it was fired)',
    access: 'waiter/cashier/manager; fired lines: manager',
    params: lineParams,
    body: voidSchema,
    responses: { 200: orderResponseSchema },
    handle: (req, s) => {
      const { orderId, lineId } = req.params;
      return ok({ order: s.orders.voidLine(orderId, lineId, req.body.reason, req.cmd) });
    },
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/void',
    tag: 'orders',
    summary: 'Void a whole order with a reason (a manager once anything was fired)',
    access: 'waiter/cashier/manager; fired orders: manager',
    params: orderParams,
    body: voidSchema,
    responses: { 200: orderResponseSchema },
    handle: (req, s) => ok({ order: s.orders.voidOrder(req.params.orderId, req.body.reason, req.cmd) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/discount',
    tag: 'orders',
    summary: 'Discount an order by an amount or a percentage',
    access: 'manager',
    params: orderParams,
    body: discountSchema,
    responses: { 200: orderResponseSchema },
    handle: (req, s) => ok({ order: s.orders.discount(req.params.orderId, req.body, req.cmd) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/payments',
    tag: 'payments',
    summary: 'Take one tender (cash with change, card with reference, other); the order closes when paid in full',
    access: 'waiter/cashier/manager; the kiosk that placed the order (its card payment of the whole amount due)',
    params: orderParams,
    body: paymentInputSchema,
    responses: { 201: paymentResponseSchema, 422: errorBodySchema },
    handle: (req, s) => ok(s.orders.pay(req.params.orderId, req.body, req.cmd), 201),
    // a kiosk posts its card payment after the terminal took the money: a refusal leaves a charged card
    // the takings do not show, so it is recorded, with the stored refusal, for the staff tablets
    onRefused: (req, refusal, s) => void s.cardCharges.recordRefusedPayment(req.params.orderId, req.body, refusal, req.cmd),
  }),
  read({
    method: 'get',
    path: '/api/v1/card-charges/unrecorded',
    tag: 'payments',
    summary: "Cards a kiosk's terminal charged that the hub refused to record as payments, not yet resolved (oldest first)",
    access: 'waiter/cashier/manager',
    responses: { 200: unrecordedCardChargesResponseSchema },
    handle: (req, s) => ok({ charges: s.cardCharges.listOpen(req.principal) }),
  }),
  read({
    method: 'get',
    path: '/api/v1/reports/day',
    tag: 'reports',
    summary:
      "The day's takings for closing the till: the business day's orders (by channel, gross, discounts, voids, net, those still open with what is due) and the money moved during it (payments and refunds by tender, cash expected in the drawer, the opening float and the drawer's total, kiosk card charges not recorded and what the card terminals should total)",
    access: 'cashier/manager',
    query: dayReportQuerySchema,
    responses: { 200: dayReportResponseSchema, 400: errorBodySchema, 403: errorBodySchema },
    handle: (req, s) => ok({ report: s.dayReports.read(req.principal, req.query.businessDate, s.clock(), s.config.HUB_TIMEZONE) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/reports/day/float',
    tag: 'reports',
    summary:
      "Record a business day's opening float (the cash counted into the drawer before the first sale), naming the float it replaces as the device last saw the day; another float recorded meanwhile: 409 float_superseded with it (details.current). The event log keeps each",
    access: 'cashier/manager',
    body: setDayFloatSchema,
    responses: { 200: dayFloatResponseSchema, 400: errorBodySchema, 403: errorBodySchema, 409: errorBodySchema },
    handle: (req, s) => ok({ float: s.dayReports.setFloat(req.body, req.cmd) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/card-charges/:chargeId/resolve',
    tag: 'payments',
    summary:
      "Resolve an unrecorded card charge: refunded on the terminal, recorded as the card payment of an order (its number; the order must have one taken after the charge and not already another charge's), or other (a note). The day's takings count it by its kind",
    access: 'manager',
    params: chargeParams,
    body: resolveCardChargeSchema,
    responses: { 200: cardChargeResponseSchema, 404: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema },
    handle: (req, s) => ok({ charge: s.cardCharges.resolve(req.params.chargeId, req.body, req.cmd) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/refunds',
    tag: 'payments',
    summary:
      'Give back money taken by one payment (card: with the terminal reference; a payment by item: by lines); paid goes down, the order stays open or closed as it was',
    access: 'manager',
    params: orderParams,
    body: refundInputSchema,
    responses: { 201: refundResponseSchema, 409: errorBodySchema, 422: errorBodySchema },
    handle: (req, s) => ok(s.orders.refund(req.params.orderId, req.body, req.cmd), 201),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/transfer',
    tag: 'floor',
    summary: "Move an open order to a free table (the old table's QR phones no longer see it)",
    access: 'waiter/cashier/manager',
    params: orderParams,
    body: transferSchema,
    responses: { 200: orderResponseSchema, 404: errorBodySchema, 409: errorBodySchema },
    handle: (req, s) => ok({ order: s.orders.transfer(req.params.orderId, req.body, req.cmd) }),
  }),
  // A route of the table, not `transfer` with `{ wholeTable: true }`: what moves is the party, and the hub
  // finds its orders when it commits. A tablet cannot name them (a phone may order after its floor was
  // loaded, or while the move waited in its outbox), the answer is a list where transfer's is one order,
  // and the one order a transfer names would only stand for its table.
  mutation({
    method: 'post',
    path: '/api/v1/tables/:tableId/move',
    tag: 'floor',
    summary: "Move a party: every open order of the table (phones' and separate checks included) to a free table, all or none",
    access: 'waiter/cashier/manager',
    params: tableParams,
    body: moveTableSchema,
    responses: { 200: moveTableResponseSchema, 404: errorBodySchema, 409: errorBodySchema },
    handle: (req, s) => ok(s.orders.moveTable(req.params.tableId, req.body, req.cmd)),
  }),
  // A route of the table, as `move` is: what joins the other bill is the party, found when the hub commits
  mutation({
    method: 'post',
    path: '/api/v1/tables/:tableId/merge',
    tag: 'floor',
    summary: "Merge a party: every open order of the table (phones' and separate checks included) into another table's open order, all or none",
    access: 'waiter/cashier/manager',
    params: tableParams,
    body: mergeSchema,
    responses: { 200: mergeTableResponseSchema, 404: errorBodySchema, 409: errorBodySchema },
    handle: (req, s) => ok(s.orders.mergeTable(req.params.tableId, req.body, req.cmd)),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/merge',
    tag: 'floor',
    summary: 'Move every line (kitchen progress kept, nothing reprinted) and payment of this order into another open order',
    access: 'waiter/cashier/manager',
    params: orderParams,
    body: mergeSchema,
    responses: { 200: mergeResponseSchema, 404: errorBodySchema, 409: errorBodySchema },
    handle: (req, s) => ok(s.orders.merge(req.params.orderId, req.body, req.cmd)),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/bill-request',
    tag: 'floor',
    summary: 'Mark (or clear) "bill requested" on the floor plan; it clears by itself when the order closes',
    access: 'waiter/cashier/manager',
    params: orderParams,
    body: billRequestSchema,
    responses: { 200: orderResponseSchema },
    handle: (req, s) => ok({ order: s.orders.requestBill(req.params.orderId, req.body.requested, req.cmd) }),
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/reopen',
    tag: 'orders',
    summary: 'Reopen a closed order',
    access: 'manager',
    params: orderParams,
    body: reopenSchema,
    responses: { 200: orderResponseSchema },
    handle: (req, s) => ok({ order: s.orders.reopen(req.params.orderId, req.body.reason, req.cmd) }),
  }),
];

/**
 * Whose wrong PINs a request counts as: its device's. A manager choosing a PIN for someone counts too: "409
 * pin_in_use" says a PIN is someone's, and signing in with it then names whom (a right PIN is never counted
 * as a guess), so finding the store's PINs that way is as slow as guessing them at sign-in.
 */
function pinKey(req: { principal: Principal; address: string }): string {
  return `pin:${req.principal.kind === 'device' || req.principal.kind === 'staff' ? req.principal.deviceId : req.address}`;
}

/** Runs an attempt guarded by a failure limiter: locked keys get 429; a refusal with `code` counts. */
function limited<T>(limiter: FailureLimiter, key: string, now: number, code: string, attempt: () => T): T {
  const wait = limiter.lockedFor(key, now);
  if (wait > 0) throw new HttpError('too_many_requests', `too many wrong attempts; try again in ${wait} s`, { retryAfterS: wait }, { 'Retry-After': String(wait) });
  try {
    return attempt();
  } catch (err) {
    if (err instanceof DomainError && err.code === code) limiter.fail(key, now);
    throw err;
  }
}
