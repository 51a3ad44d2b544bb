import type {
  AddLines,
  DiscountInput,
  MergeInput,
  MergeTableResponse,
  MoveTableInput,
  MoveTableResponse,
  TransferInput,
  Order,
  OrderLine,
  OrderStatus,
  PaymentInput,
  PlaceOrder,
  Payment,
  Refund,
  RefundInput,
  SetLineStatus,
} from '../protocol/orders.ts';
import { businessDate } from './business-date.ts';
import { READY_FOOD_KEPT_MS } from '../protocol/kitchen-snapshot.ts';
import { DomainError } from './errors.ts';
import * as rules from './order.ts';
import type { Change } from './order.ts';
import { priceLine, reserveStock, stockDemand } from './pricing.ts';
import { deviceIdOf, isPublic, requirePaymentTaker, requireStaff, staffIdOf, staffRoles, type Principal } from './principal.ts';
import type { CommandContext, FloorRepo, OrderListFilter, OrderRepo, StockRepo } from './ports.ts';
import { isPublicChannel, type KitchenService } from './pacing.ts';
import { orderShownTo, TABLE_DONE_VISIBLE_MS, TABLE_PARTY_MAX_MS, visibleToTable } from './public-reads.ts';

export interface OrderDeps {
  orders: OrderRepo;
  floor: FloorRepo;
  stock: StockRepo;
  kitchen: KitchenService;
}

/**
 * A change to a bill the table's phones can no longer read (done, and closed over `TABLE_DONE_VISIBLE_MS` ago:
 * the next party may sit there) is not the table's news. Their phones hear the table's topic and read the
 * table's orders changed in the last minutes (`visibleToTable`, by `updatedAt`), and fetch any order they hear
 * of: such a change neither goes on the table's topic nor makes the bill "lately changed" again. The salvage's
 * replay (store/salvage-replay.ts) applies the same rule.
 */
export function quietForLaterParty(before: Order, after: Order, now: number): { order: Order; tableTopic: Pick<Order, 'tableId'> } {
  if (before.tableId === null || visibleToTable(before, before.tableId, now)) return { order: after, tableTopic: after };
  return { order: { ...after, updatedAt: before.updatedAt }, tableTopic: { tableId: null } };
}

/** The topics an order event concerns: every order watcher, its table, and each station with touched lines. */
export function orderTopics(order: Pick<Order, 'tableId'>, lines: readonly Pick<OrderLine, 'stationId'>[]): string[] {
  const topics = new Set<string>(['orders']);
  if (order.tableId) topics.add(`table:${order.tableId}`);
  for (const l of lines) topics.add(`station:${l.stationId}`);
  return [...topics];
}

/**
 * Order commands: authorise, apply the pure rules, persist through the ports, record the facts.
 * Each runs inside one store transaction opened by the caller.
 */
export class OrderService {
  constructor(private readonly deps: OrderDeps) {}

  place(input: PlaceOrder, ctx: CommandContext): Order {
    const { orders, floor } = this.deps;
    const tableId = this.authorisePlace(input, ctx.principal);
    // rush / VIP is the staff's call, as on setRush: a customer's phone or a kiosk does not jump the queue
    if (input.rush !== undefined) requireStaff(ctx.principal, staffRoles.readOrders, 'flagging a rush');
    if (input.id && orders.exists(input.id)) {
      throw new DomainError('conflict', `an order with id ${input.id} already exists`, { id: input.id });
    }
    if (tableId !== null && !floor.tableExists(tableId)) {
      throw new DomainError('not_found', `no table ${tableId}`, { tableId });
    }
    if (input.lines.length === 0 && !(input.channel === 'pos' && tableId !== null)) {
      throw new DomainError('invalid_order', 'an order needs at least one line (only a table can be opened empty)');
    }
    if (input.channel === 'qr' && tableId === null) throw new DomainError('invalid_order', 'a QR order needs a table');
    refusePublicHold(input, ctx.principal);
    if (tableId !== null && input.lines.length === 0 && !input.separateCheck) this.refuseSeatedTable(tableId);

    const lines = this.priceLines(input.lines, ctx);
    this.reserve(lines, ctx);
    const date = businessDate(ctx.now, ctx.timeZone);
    const draft: Order = {
      id: input.id ?? ctx.newId(),
      number: orders.nextNumber(date),
      businessDate: date,
      channel: input.channel,
      tableId,
      guestCount: input.guestCount ?? null,
      note: input.note ? input.note : null,
      status: 'placed',
      lines,
      payments: [],
      refunds: [],
      subtotalMinor: 0,
      discountMinor: 0,
      discountGrantedMinor: 0,
      discountReason: null,
      totalMinor: 0,
      paidMinor: 0,
      dueMinor: 0,
      revision: 0,
      createdAt: ctx.now,
      updatedAt: ctx.now,
      closedAt: null,
      seatedAt: ctx.now,
      quotedReadyAt: null,
      rush: input.rush ?? false,
      deviceId: deviceIdOf(ctx.principal),
      staffId: staffIdOf(ctx.principal),
      staffName: ctx.principal.kind === 'staff' ? ctx.principal.staffName : null,
      mergedIntoOrderId: null,
      billRequestedAt: null,
    };
    const settled = this.fireUnlessHeld(rules.settle(draft, ctx.now), input, ctx.now).order;
    const order = isPublicChannel(input.channel)
      ? { ...settled, quotedReadyAt: this.deps.kitchen.admitPublicOrder(settled, ctx.menu, ctx.now) }
      : settled;
    orders.insert(order);
    ctx.events.emit('order.placed', { order }, orderTopics(order, order.lines));
    return order;
  }

  addLines(orderId: string, input: AddLines, ctx: CommandContext): Order {
    const current = this.load(orderId, ctx.principal, ctx.now);
    const byGuest = ctx.principal.kind === 'table';
    if (!byGuest) requireStaff(ctx.principal, staffRoles.placeOrder, 'adding to an order');
    rules.requireOpen(current, 'add lines');
    refusePublicHold(input, ctx.principal);
    const lines = this.priceLines(input.lines, ctx);
    // a customer adding to the table is public ordering: a manager's pause applies to it too, and the new
    // dishes are quoted as a new order's are (the order kept its first round's time, by then long past)
    const quotedReadyAt = byGuest ? rules.laterQuote(current.quotedReadyAt, this.deps.kitchen.admitPublicOrder({ lines }, ctx.menu, ctx.now)) : current.quotedReadyAt;
    this.reserve(lines, ctx);
    // more food never closes a bill (a reopened one paid in full would close before its dish was fired); firing
    // it may, as firing a held course does
    const withLines = rules.restate({ ...current, lines: [...current.lines, ...lines], quotedReadyAt }, ctx.now);
    const newIds = new Set(lines.map((l) => l.id));
    const { order } = this.fireUnlessHeld(withLines, input, ctx.now, newIds);
    const added = order.lines.filter((l) => newIds.has(l.id));
    this.deps.orders.save(order, added);
    ctx.events.emit('order.lines_added', { order: rules.summarize(order), lines: added }, orderTopics(order, added));
    this.emitIfClosed(current, order, ctx);
    return order;
  }

  fire(orderId: string, course: number | undefined, ctx: CommandContext): Order {
    requireStaff(ctx.principal, staffRoles.fire, 'firing');
    const before = this.load(orderId, ctx.principal, ctx.now);
    const change = rules.fire(before, course, ctx.now);
    if (change.lines.length === 0) {
      throw new DomainError('invalid_transition', course ? `course ${course} has no held lines` : 'no held lines to fire');
    }
    return this.commit(before, change, ctx, () =>
      ctx.events.emit(
        'order.lines_fired',
        { order: rules.summarize(change.order), lineIds: change.lines.map((l) => l.id), firedAt: ctx.now },
        orderTopics(change.order, change.lines),
      ),
    );
  }

  setLineStatus(orderId: string, input: SetLineStatus, ctx: CommandContext): Order {
    const roles = input.status === 'served' ? staffRoles.serve : staffRoles.kitchenProgress;
    requireStaff(ctx.principal, roles, `marking lines ${input.status}`);
    const before = this.load(orderId, ctx.principal, ctx.now);
    const moved = rules.advanceLines(before, input.status, input.lineIds, ctx.now, input.from);
    // a paid bill's food leaves expo up to two hours after it was bumped ready, with the next party at the table
    const { order, tableTopic } = quietForLaterParty(before, moved.order, ctx.now);
    const change: Change = { order, lines: moved.lines };
    return this.commit(before, change, ctx, () =>
      ctx.events.emit(
        'order.lines_status_changed',
        { order: rules.summarize(order), lineIds: change.lines.map((l) => l.id), status: input.status, at: ctx.now },
        orderTopics(tableTopic, change.lines),
      ),
    );
  }

  recall(orderId: string, lineIds: string[] | undefined, ctx: CommandContext): Order {
    requireStaff(ctx.principal, staffRoles.kitchenProgress, 'recalling lines');
    const before = this.load(orderId, ctx.principal, ctx.now);
    const recalled = rules.recallLines(before, lineIds, ctx.now);
    const { order, tableTopic } = quietForLaterParty(before, recalled.order, ctx.now);
    const change: Change = { order, lines: recalled.lines };
    return this.commit(before, change, ctx, () =>
      ctx.events.emit(
        'order.lines_recalled',
        { order: rules.summarize(order), lineIds: change.lines.map((l) => l.id), at: ctx.now },
        orderTopics(tableTopic, change.lines),
      ),
    );
  }

  /**
   * Rush / VIP flag: floor staff or the kitchen may set it; screens sort rushed tickets first. A paid bill's
   * food may still cook (a rush is allowed on a closed order), hours later with the next party at the table:
   * their phones are then not told, as of a refund (`quietForLaterParty`).
   */
  setRush(orderId: string, rush: boolean, ctx: CommandContext): Order {
    requireStaff(ctx.principal, staffRoles.readOrders, 'flagging a rush');
    const before = this.load(orderId, ctx.principal, ctx.now);
    if (before.status === 'voided') throw new DomainError('order_closed', `order #${before.number} is voided`);
    const { order, tableTopic } = quietForLaterParty(before, rules.restate({ ...before, rush }, ctx.now), ctx.now);
    const change: Change = { order, lines: [] };
    return this.commit(before, change, ctx, () =>
      ctx.events.emit('order.rush_changed', { order: rules.summarize(order) }, orderTopics(tableTopic, order.lines)),
    );
  }

  voidLine(orderId: string, lineId: string, reason: string, ctx: CommandContext): Order {
    const current = this.load(orderId, ctx.principal, ctx.now);
    const line = current.lines.find((l) => l.id === lineId);
    const fired = line !== undefined && rules.wasFired(line);
    // food already cooking costs money: only a manager may void it
    requireStaff(ctx.principal, fired ? staffRoles.managerOnly : staffRoles.voidUnfired, fired ? 'voiding a fired line' : 'voiding a line');
    const before = current;
    const change = rules.voidLine(current, lineId, reason, ctx.now);
    this.releaseStock(change.lines, ctx);
    const [voided] = change.lines;
    return this.commit(before, change, ctx, () => {
      if (voided) {
        ctx.events.emit(
          'order.line_voided',
          { order: rules.summarize(change.order), line: voided, wasFired: fired },
          orderTopics(change.order, [voided]),
        );
      }
    });
  }

  voidOrder(orderId: string, reason: string, ctx: CommandContext): Order {
    const current = this.load(orderId, ctx.principal, ctx.now);
    const anyFired = rules.liveLines(current).some(rules.wasFired);
    requireStaff(ctx.principal, anyFired ? staffRoles.managerOnly : staffRoles.voidUnfired, anyFired ? 'voiding a fired order' : 'voiding an order');
    const before = current;
    const change = rules.voidOrder(current, reason, ctx.now);
    this.releaseStock(change.lines, ctx);
    return this.commit(before, change, ctx, () =>
      ctx.events.emit('order.voided', { order: rules.summarize(change.order), reason }, orderTopics(change.order, change.lines)),
    );
  }

  discount(orderId: string, input: DiscountInput, ctx: CommandContext): Order {
    requireStaff(ctx.principal, staffRoles.managerOnly, 'discounting');
    const before = this.load(orderId, ctx.principal, ctx.now);
    const change = rules.discount(before, input, ctx.now);
    return this.commit(before, change, ctx, () =>
      ctx.events.emit('order.discounted', { order: rules.summarize(change.order), reason: input.reason }, orderTopics(change.order, [])),
    );
  }

  pay(orderId: string, input: PaymentInput, ctx: CommandContext): { order: Order; payment: Payment } {
    const p = ctx.principal;
    // a kiosk's own card sale is the one payment without staff (requirePaymentTaker); any other device,
    // a table or nobody is refused before the order is looked up, so the answer never depends on it
    if (!(p.kind === 'device' && p.deviceKind === 'kiosk')) requireStaff(p, staffRoles.pay, 'taking payments');
    if (input.id && this.deps.orders.paymentExists(input.id)) {
      throw new DomainError('conflict', `a payment with id ${input.id} already exists`, { id: input.id });
    }
    const before = this.load(orderId, p, ctx.now);
    requirePaymentTaker(p, before, input);
    const change = rules.pay(before, input, {
      id: input.id ?? ctx.newId(),
      now: ctx.now,
      staffId: staffIdOf(ctx.principal),
    });
    this.deps.orders.save(change.order, change.lines, change.payment);
    ctx.events.emit(
      'order.payment_taken',
      { order: rules.summarize(change.order), payment: change.payment },
      orderTopics(change.order, []),
    );
    this.emitIfClosed(before, change.order, ctx);
    return { order: change.order, payment: change.payment };
  }

  /**
   * Gives back money taken by one of the order's payments: a manager's call, as a discount is. The order
   * stays open or closed as it was (`rules.refund`), so no `order.closed` follows; `order.refunded` goes to
   * whoever heard the payment taken.
   */
  refund(orderId: string, input: RefundInput, ctx: CommandContext): { order: Order; refund: Refund } {
    requireStaff(ctx.principal, staffRoles.managerOnly, 'refunding');
    if (input.id && this.deps.orders.refundExists(input.id)) {
      throw new DomainError('conflict', `a refund with id ${input.id} already exists`, { id: input.id });
    }
    const before = this.load(orderId, ctx.principal, ctx.now);
    if (before.status === 'merged') this.refuseMergedAway(before);
    const change = rules.refund(before, input, { id: input.id ?? ctx.newId(), now: ctx.now, staffId: staffIdOf(ctx.principal) });
    // a complaint is often refunded hours after the bill closed, with the next party at the table
    const { order, tableTopic } = quietForLaterParty(before, change.order, ctx.now);
    this.deps.orders.saveRefund(order, change.refund);
    ctx.events.emit('order.refunded', { order: rules.summarize(order), refund: change.refund }, orderTopics(tableTopic, []));
    return { order, refund: change.refund };
  }

  /** A merged-away order holds no payments: they are on the order it went to (followed, if that one merged on too). */
  private refuseMergedAway(merged: Order): never {
    let into: Order | undefined = merged;
    for (let hops = 0; into?.status === 'merged' && into.mergedIntoOrderId && hops < 20; hops++) into = this.deps.orders.get(into.mergedIntoOrderId);
    const where = into && into.status !== 'merged' ? `order #${into.number}` : 'another order';
    throw new DomainError('order_closed', `order #${merged.number} was merged into ${where}: refund its payments there`, {
      mergedIntoOrderId: merged.mergedIntoOrderId,
    });
  }

  reopen(orderId: string, reason: string, ctx: CommandContext): Order {
    requireStaff(ctx.principal, staffRoles.managerOnly, 'reopening an order');
    const before = this.load(orderId, ctx.principal, ctx.now);
    const change = rules.reopen(before, ctx.now);
    this.refuseReseatedTable(before);
    return this.commit(before, change, ctx, () =>
      ctx.events.emit('order.reopened', { order: rules.summarize(change.order), reason }, orderTopics(change.order, [])),
    );
  }

  /** Moves an open order to a free table; phones on the old table stop seeing it (their token names that table). */
  transfer(orderId: string, input: TransferInput, ctx: CommandContext): Order {
    requireStaff(ctx.principal, staffRoles.floorMoves, 'moving a table');
    const before = this.load(orderId, ctx.principal, ctx.now);
    const to = this.tableRef(input.tableId);
    this.refuseBusyTable(to, [before.id]);
    if (before.tableId === null) throw new DomainError('invalid_order', `order #${before.number} has no table to move from`);
    const from = this.deps.floor.table(before.tableId) ?? { id: before.tableId, name: before.tableId };
    const change = rules.transfer(before, to.id, ctx.now);
    return this.commit(before, change, ctx, () => this.emitTransferred(change.order, from, to, ctx));
  }

  /**
   * Moves a party: every open order of a table — the waiter's, its phones', a separate check — to a free
   * table, in the caller's one transaction (all or none). Moving only the order a tablet shows left the
   * phones' orders at the old table: their food went there, their bill stayed there, and the next party's
   * phones read them. The orders are the table's at commit, so one placed by a phone after the tablet last
   * loaded the floor moves too. Each order gets its own `order.transferred`, as a single transfer does: the
   * KDS, the tablets and both tables' phones follow each with no new event. Closed bills stay where they
   * were paid.
   */
  moveTable(fromTableId: string, input: MoveTableInput, ctx: CommandContext): MoveTableResponse {
    requireStaff(ctx.principal, staffRoles.floorMoves, 'moving a table');
    const from = this.tableRef(fromTableId);
    const to = this.tableRef(input.toTableId);
    const open = this.openOrdersAt(from.id);
    const changes = rules.moveTable(open, from, to, ctx.now);
    this.refuseBusyTable(to, []);
    const orders = changes.map((change, i) => this.commit(open[i]!, change, ctx, () => this.emitTransferred(change.order, from, to, ctx)));
    return { orders, from, to };
  }

  private tableRef(tableId: string): { id: string; name: string } {
    const table = this.deps.floor.table(tableId);
    if (!table) throw new DomainError('not_found', `no table ${tableId}`, { tableId });
    return { id: table.id, name: table.name };
  }

  /** Only a free table takes a moved order: a second party's order there would share its bill and tickets. */
  private refuseBusyTable(to: { id: string; name: string }, moving: readonly string[]): void {
    const busy = this.deps.floor.openOrderIds(to.id).filter((id) => !moving.includes(id));
    if (busy.length > 0) {
      throw new DomainError('conflict', `table ${to.name} is not free; merge into its order instead`, { tableId: to.id, openOrderIds: busy });
    }
  }

  /** Topics: the order's (its new table, stations with food in the kitchen), the table it left, and the floor. */
  private emitTransferred(order: Order, from: { id: string; name: string }, to: { id: string; name: string }, ctx: CommandContext): void {
    ctx.events.emit('order.transferred', { order: rules.summarize(order), from, to }, [...orderTopics(order, inKitchen(order)), `table:${from.id}`, 'floor']);
  }

  /** Moves all lines and payments of an open order into another open order; nothing is sent to the kitchen again. */
  merge(orderId: string, input: MergeInput, ctx: CommandContext): { order: Order; merged: Order } {
    requireStaff(ctx.principal, staffRoles.floorMoves, 'merging tables');
    const source = this.load(orderId, ctx.principal, ctx.now);
    const target = this.load(input.intoOrderId, ctx.principal, ctx.now);
    const { merged, into } = rules.merge(source, target, ctx.now);
    this.commitMerge(source, target, merged, into, ctx);
    return { order: into, merged };
  }

  /**
   * Merges a party: every open order of a table — the waiter's, its phones', a separate check — into another
   * table's open order, in the caller's one transaction (all or none). Merging only the order a tablet shows
   * left the phones' orders at the old table: it stayed busy, their food and bill stayed there, and the next
   * party's phones read them. The orders are the table's at commit, as `moveTable`'s are. Each gets its own
   * `order.merged`, as a single merge does: the KDS, printing and the phones follow each with no new event.
   */
  mergeTable(fromTableId: string, input: MergeInput, ctx: CommandContext): MergeTableResponse {
    requireStaff(ctx.principal, staffRoles.floorMoves, 'merging tables');
    const from = this.tableRef(fromTableId);
    const target = this.load(input.intoOrderId, ctx.principal, ctx.now);
    const open = this.openOrdersAt(from.id);
    const steps = rules.mergeTable(open, from, target, ctx.now);
    steps.forEach((step, i) => this.commitMerge(open[i]!, step.target, step.merged, step.into, ctx));
    return { order: steps.at(-1)!.into, merged: steps.map((step) => step.merged), from };
  }

  private openOrdersAt(tableId: string): Order[] {
    return this.deps.floor
      .openOrderIds(tableId)
      .map((id) => this.deps.orders.get(id))
      .filter((o): o is Order => o !== undefined);
  }

  private commitMerge(source: Order, target: Order, merged: Order, into: Order, ctx: CommandContext): void {
    const { orders } = this.deps;
    orders.moveContents(
      target.id,
      into.lines.slice(target.lines.length),
      source.payments.map((p) => p.id),
      target.lines.length,
      rules.refundsOf(source).map((r) => r.id),
    );
    orders.save(merged, []);
    orders.save(into, []);
    const topics = new Set([...orderTopics(into, inKitchen(into)), ...orderTopics(source, []), 'floor']);
    ctx.events.emit(
      'order.merged',
      {
        merged: rules.summarize(merged),
        order: rules.summarize(into),
        lineIds: source.lines.map((l) => l.id),
        paymentIds: source.payments.map((p) => p.id),
      },
      [...topics],
    );
    this.emitIfClosed(target, into, ctx);
  }

  /** A waiter marks (or clears) "bill requested" on an order. */
  requestBill(orderId: string, requested: boolean, ctx: CommandContext): Order {
    requireStaff(ctx.principal, staffRoles.floorMoves, 'marking a bill request');
    const before = this.load(orderId, ctx.principal, ctx.now);
    return this.markBill(before, requested, 'staff', ctx);
  }

  /** A customer's phone asked for the bill: every open order of its table is marked. */
  requestBillFromTable(ctx: CommandContext): Order[] {
    if (ctx.principal.kind !== 'table') throw new DomainError('forbidden', 'only a table QR code asks for its own bill');
    const { tableId } = ctx.principal;
    return this.deps.orders
      .list({ status: 'open', tableId, limit: 20 })
      .filter((o) => o.billRequestedAt == null)
      .map((o) => this.markBill(o, true, 'table', ctx));
  }

  private markBill(before: Order, requested: boolean, by: 'staff' | 'table', ctx: CommandContext): Order {
    const change = rules.requestBill(before, requested, ctx.now);
    return this.commit(before, change, ctx, () =>
      ctx.events.emit('order.bill_requested', { order: rules.summarize(change.order), requested, by }, [...orderTopics(change.order, []), 'floor']),
    );
  }

  /**
   * Reading: staff see every order; a kiosk its own; a table's phone its table's open orders and those done
   * in the last minutes (`visibleToTable`), as a guest sees them (`orderForPublic`: no card reference, no
   * staff). `now`: the hub's clock, from the caller, as a command's `ctx.now` is: the domain never reads the machine's.
   */
  get(orderId: string, principal: Principal, now: number): Order {
    return orderShownTo(this.load(orderId, principal, now), principal);
  }

  /**
   * Staff list every order; a table's phone as for `get`; anyone else (a kiosk included) none. A business day
   * (and its order of a number) narrows either list; `before` pages through a day of the staff's.
   */
  list(filter: Omit<OrderListFilter, 'limit'> & { limit?: number | undefined }, principal: Principal, now: number): Order[] {
    const limit = filter.limit ?? 100;
    if (principal.kind === 'table') {
      if (filter.tableId && filter.tableId !== principal.tableId) throw new DomainError('forbidden', 'a table can list only its own orders');
      // what a phone may read is one short page: nothing to page through
      if (filter.before !== undefined) throw new DomainError('bad_request', "a table's list is one page: before is for staff");
      const { businessDate, number } = filter;
      return this.tableOrders(principal.tableId, filter.status, limit, now)
        .filter((o) => (businessDate === undefined || o.businessDate === businessDate) && (number === undefined || o.number === number))
        .map((o) => orderShownTo(o, principal));
    }
    requireStaff(principal, staffRoles.readOrders, 'listing orders');
    if (filter.before !== undefined && !this.deps.orders.exists(filter.before)) {
      throw new DomainError('bad_request', `before names no order (${filter.before}): page on from an order listed`, { before: filter.before });
    }
    return this.deps.orders.list({ ...filter, limit });
  }

  /** What `visibleToTable` lets a table's phone read, newest first: its open orders, and its done ones lately changed. */
  private tableOrders(tableId: string, status: OrderStatus | 'open' | undefined, limit: number, now: number): Order[] {
    const { orders } = this.deps;
    const done = (s: OrderStatus | 'open'): s is OrderStatus => s !== 'open' && !rules.isOpen({ status: s });
    const since = { placedSince: now - TABLE_PARTY_MAX_MS, changedSince: now - TABLE_DONE_VISIBLE_MS };
    if (status !== undefined && done(status)) return orders.listDoneAtTable({ tableId, status, ...since, limit });
    const open = orders.list({ status: status ?? 'open', tableId, limit });
    if (status !== undefined) return open;
    const recent = orders.listDoneAtTable({ tableId, ...since, limit });
    return [...open, ...recent].sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
  }

  /**
   * The snapshot a paired screen loads after a stream reset (callers check `requireStoreScreen`): open
   * orders whatever their age, paid ones while their food is in the kitchen, voided ones whose food was on
   * the kitchen's screens, for the void notice (both for `READY_FOOD_KEPT_MS`).
   */
  active(now: number): Order[] {
    return this.deps.orders.listActive(now - READY_FOOD_KEPT_MS);
  }

  // ---- helpers ----

  private authorisePlace(input: PlaceOrder, p: Principal): string | null {
    switch (p.kind) {
      case 'table':
        if (input.channel !== 'qr') throw new DomainError('forbidden', 'a table QR code can only place QR orders');
        if (input.tableId && input.tableId !== p.tableId) {
          throw new DomainError('forbidden', 'a table QR code can only order for its own table');
        }
        return p.tableId;
      case 'device':
        if (p.deviceKind !== 'kiosk' || input.channel !== 'kiosk') {
          throw new DomainError('forbidden', 'without a staff sign-in, only a kiosk can place (kiosk) orders');
        }
        // a kiosk order is a pickup order (docs/kiosk.md): on a table, that table's phones would read and add to it
        if (input.tableId !== undefined) throw new DomainError('forbidden', 'a kiosk order is a pickup order: it cannot name a table');
        return null;
      case 'staff':
        requireStaff(p, staffRoles.placeOrder, 'placing orders');
        if (input.channel !== 'pos' && input.channel !== 'preorder') {
          throw new DomainError('forbidden', `staff place pos or preorder orders, not ${input.channel}`);
        }
        return input.tableId ?? null;
      case 'anonymous':
        throw new DomainError('unauthenticated', 'placing an order needs a device, staff or table token');
    }
  }

  /**
   * Opening a table a waiter has already opened: refused, naming its order, unless another check is asked
   * for. Two tablets tapping a free table at once would otherwise each open an order: the bill and the
   * tickets split in two, and every tablet then opens the first one, so the second is paid by nobody. The
   * guests' own phone orders do not count: each phone orders on its own, and the waiter still seats the table.
   */
  private refuseSeatedTable(tableId: string): void {
    const seated = this.deps.floor
      .openOrderIds(tableId)
      .map((id) => this.deps.orders.get(id))
      .filter((o): o is Order => o !== undefined && !isPublicChannel(o.channel));
    const [first] = seated;
    if (!first) return;
    const name = this.deps.floor.table(tableId)?.name ?? tableId;
    throw new DomainError('conflict', `table ${name} is already open (order #${first.number}); add to that order, or ask for a separate check`, {
      tableId,
      openOrderIds: seated.map((o) => o.id),
    });
  }

  /**
   * Reopening a bill whose table has been seated again since it closed (a party placed there, or moved there:
   * `seatedSince`, not when its order was placed): back on the table, the last party's
   * bill would be the one every tablet opens there (the oldest), and the new guests' phones would read it and
   * order onto it. Orders that were open beside it when it closed (a separate check, a phone's order) are the
   * same party's and do not count.
   */
  private refuseReseatedTable(closed: Order): void {
    if (closed.tableId === null || closed.closedAt === null) return;
    const since = closed.closedAt;
    // seated, not placed, since the close: a party moved here afterwards placed its order at another table
    const newer = this.deps.floor
      .openOrderIds(closed.tableId)
      .map((id) => this.deps.orders.get(id))
      .filter((o): o is Order => o !== undefined && o.id !== closed.id && rules.seatedSince(o) >= since);
    if (newer.length === 0) return;
    const name = this.deps.floor.table(closed.tableId)?.name ?? closed.tableId;
    throw new DomainError('conflict', `table ${name} has new guests (order #${newer[0]!.number}); reopen order #${closed.number} once the table is free`, {
      tableId: closed.tableId,
      openOrderIds: newer.map((o) => o.id),
    });
  }

  /**
   * The order if `principal` may read it (a table's phone: `visibleToTable` at `now`, the hub's clock: a
   * command's `ctx.now`, never the machine's), else not found.
   */
  private load(orderId: string, principal: Principal, now: number): Order {
    const order = this.deps.orders.get(orderId);
    if (!order) throw notFound(orderId);
    switch (principal.kind) {
      case 'staff':
        return order;
      case 'table':
        if (visibleToTable(order, principal.tableId, now)) return order;
        throw notFound(orderId); // never confirm that another table's (or an earlier party's) order exists
      case 'device':
        if (order.deviceId === principal.deviceId) return order;
        throw notFound(orderId);
      case 'anonymous':
        throw new DomainError('unauthenticated', 'reading an order needs a token');
    }
  }

  private priceLines(inputs: PlaceOrder['lines'], ctx: CommandContext): OrderLine[] {
    const seen = new Set<string>();
    return inputs.map((input) => {
      const id = input.id ?? ctx.newId();
      if (seen.has(id) || (input.id !== undefined && this.deps.orders.lineExists(input.id))) {
        throw new DomainError('conflict', `a line with id ${id} already exists`, { lineId: id });
      }
      seen.add(id);
      // ordered here: a line says where it came from only once a merge moves it (mergedFromOf, domain/merge-origin.ts)
      return { ...priceLine(ctx.menu, input, { id, now: ctx.now, staffId: staffIdOf(ctx.principal) }), mergedFrom: null };
    });
  }

  private reserve(lines: readonly OrderLine[], ctx: CommandContext): void {
    const demand = stockDemand(lines);
    const counted = [...demand.keys()].filter((id) => ctx.menu.items.get(id)?.remaining !== null);
    if (counted.length === 0) return; // the common case: nothing counted, no stock query on the hot path
    const updates = reserveStock(demand, this.deps.stock.remaining(counted), (id) => ctx.menu.items.get(id)?.nameEn ?? id);
    this.deps.stock.recordTaken(lines.filter((l) => updates.has(l.itemId)).map((l) => ({ lineId: l.id, itemId: l.itemId, qty: l.qty })));
    this.writeStock(updates, ctx);
  }

  /**
   * Unfired voided lines give back the portions they took (fired ones were cooked): what the line took when
   * it was ordered, not its quantity. A line ordered before its dish was counted took none, and a count the
   * manager took again, or stopped, since takes nothing back (the new count is what is left to sell, those
   * portions included: MenuService.updateItem forgets what earlier lines took).
   */
  private releaseStock(voided: readonly OrderLine[], ctx: CommandContext): void {
    const unfired = voided.filter((l) => !rules.wasFired(l));
    if (unfired.length === 0) return;
    const back = stockDemand(this.deps.stock.releaseTaken(unfired.map((l) => l.id)));
    if (back.size === 0) return;
    const current = this.deps.stock.remaining(back.keys());
    const updates = new Map<string, number>();
    for (const [itemId, qty] of back) {
      const left = current.get(itemId);
      if (left !== null && left !== undefined) updates.set(itemId, left + qty);
    }
    this.writeStock(updates, ctx);
  }

  private writeStock(updates: ReadonlyMap<string, number>, ctx: CommandContext): void {
    if (updates.size === 0) return;
    this.deps.stock.setRemaining(updates);
    ctx.events.emit('menu.stock_changed', { items: [...updates].map(([id, remaining]) => ({ id, remaining })) }, ['menu']);
  }

  private fireUnlessHeld(order: Order, input: { fire?: boolean | undefined; lines: { hold?: boolean | undefined }[] }, now: number, among?: ReadonlySet<string>): Change {
    if (input.fire === false) return { order, lines: [] };
    const held = new Set(input.lines.flatMap((l, i) => (l.hold ? [i] : [])));
    const candidates = among ? order.lines.filter((l) => among.has(l.id)) : order.lines;
    const toFire = new Set(candidates.filter((_, i) => !held.has(i)).map((l) => l.id));
    if (toFire.size === 0) return { order, lines: [] };
    const change = rules.fire(order, undefined, now, toFire);
    // settle() in fire bumped the revision once more; one command is one revision
    return { ...change, order: { ...change.order, revision: order.revision } };
  }

  private commit(before: Order, change: Change, ctx: CommandContext, emit: () => void): Order {
    this.deps.orders.save(change.order, change.lines);
    emit();
    this.emitIfClosed(before, change.order, ctx);
    return change.order;
  }

  private emitIfClosed(before: Order, order: Order, ctx: CommandContext): void {
    if (order.status === 'closed' && before.status !== 'closed') {
      ctx.events.emit('order.closed', { order: rules.summarize(order) }, orderTopics(order, []));
    }
  }
}

/**
 * A held course waits for a waiter to fire it: a customer's phone or a kiosk has nobody to do that, so a dish
 * it held would never reach the kitchen (a kiosk's paid order would wait for ever) and a bill with it could
 * not close.
 */
function refusePublicHold(input: { fire?: boolean | undefined; lines: { hold?: boolean | undefined }[] }, principal: Principal): void {
  if (!isPublic(principal)) return;
  if (input.fire === false || input.lines.some((l) => l.hold)) {
    throw new DomainError('forbidden', 'holding a course is for staff: a customer order goes to the kitchen as it is placed');
  }
}

/** Lines still on a kitchen screen: their stations hear about a move (the ticket's table changes). */
const inKitchen = (o: Order): OrderLine[] => o.lines.filter((l) => l.status === 'fired' || l.status === 'preparing' || l.status === 'ready');

const notFound = (orderId: string) => new DomainError('not_found', `no order ${orderId}`, { orderId });
