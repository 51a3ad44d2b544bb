/**
 * Builders shared by the domain tests: principals, pure orders and lines, and the demo store on a real
 * in-memory SQLite database (no mocks of our own code). Not imported by anything but tests.
 */
import { demoSeed } from '../../scripts/seed/demo.ts';
import { openDb, readIdentity, type Db } from '../store/db.ts';
import { SqliteFloorRepo } from '../store/floor-repo.ts';
import { SqliteKitchenRepo } from '../store/kitchen-repo.ts';
import { MenuCatalog } from '../store/menu-repo.ts';
import { SqliteOrderRepo } from '../store/order-repo.ts';
import { loadSeed } from '../store/seed.ts';
import type { Role } from '../protocol/common.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import type { EventType } from '../protocol/events.ts';
import type { LineInput, LineStatus, Order, OrderLine, PlaceOrder } from '../protocol/orders.ts';
import { DomainError } from './errors.ts';
import { OrderService } from './order-service.ts';
import { settle } from './order.ts';
import { KitchenService, type PacingPolicy } from './pacing.ts';
import type { CommandContext, EventSink } from './ports.ts';
import type { Principal } from './principal.ts';

// ---- time ----

/** 2024-05-01 12:00 in Asia/Shanghai (UTC+8, no DST): the middle of a business day. */
export const NOON = Date.UTC(2024, 4, 1, 4, 0);
/** An instant given as Shanghai wall-clock time (UTC+8 all year). */
export const shanghai = (y: number, month: number, d: number, h: number, min = 0): number =>
  Date.UTC(y, month - 1, d, h - 8, min);

// ---- errors ----

/** Runs `fn` and returns the DomainError it threw; fails the test if it returned or threw something else. */
export function domainErrorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError, but the call succeeded');
}

/** The code of the DomainError `fn` throws, or 'ok' when it succeeds. */
export function outcomeOf(fn: () => unknown): ErrorCode | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

// ---- principals ----

export const staff = (role: Role, staffId: string = `s-${role}`): Principal => ({
  kind: 'staff',
  deviceId: 'dev-pos-1',
  staffId,
  staffName: `Staff ${staffId}`,
  role,
});
export const waiter = staff('waiter');
export const waiter2 = staff('waiter', 's-waiter2');
export const cashier = staff('cashier');
export const kitchen = staff('kitchen');
export const manager = staff('manager');
export const kiosk: Principal = { kind: 'device', deviceId: 'dev-kiosk-1', deviceKind: 'kiosk' };
export const posDevice: Principal = { kind: 'device', deviceId: 'dev-pos-2', deviceKind: 'pos' };
export const table = (tableId: string): Principal => ({ kind: 'table', tableId });
export const anonymous: Principal = { kind: 'anonymous' };

// ---- dishes of the demo menu, as a tablet orders them ----

export const tofu = (extra: Partial<LineInput> = {}): LineInput => ({ itemId: 'mapo-tofu', qty: 1, optionIds: ['spice-mild', 'size-regular'], ...extra });
export const plum = (extra: Partial<LineInput> = {}): LineInput => ({ itemId: 'sour-plum-drink', qty: 1, optionIds: ['ice-less'], ...extra });
export const rice = (extra: Partial<LineInput> = {}): LineInput => ({ itemId: 'steamed-rice', qty: 1, ...extra });

// ---- pure orders ----

const T0 = NOON;

/** A priced line in the given status, with the timestamps that status implies. */
export function makeLine(overrides: Partial<OrderLine> & { id: string }): OrderLine {
  const status: LineStatus = overrides.status ?? 'held';
  const unitPriceMinor = overrides.unitPriceMinor ?? 1000;
  const qty = overrides.qty ?? 1;
  const cooked = status === 'ready' || status === 'served';
  return {
    itemId: 'mapo-tofu',
    nameZh: '麻婆豆腐',
    nameEn: 'Mapo Tofu',
    stationId: 'hot',
    qty,
    unitPriceMinor,
    lineTotalMinor: unitPriceMinor * qty,
    options: [],
    note: null,
    course: 1,
    seat: null,
    voidReason: status === 'voided' ? 'test' : null,
    addedAt: T0,
    firedAt: status === 'held' || status === 'voided' ? null : T0,
    readyAt: cooked ? T0 : null,
    servedAt: status === 'served' ? T0 : null,
    addedByStaffId: 's-waiter',
    ...overrides,
    status,
  };
}

/** An open order holding `lines`, with totals computed by the rules themselves. */
export function makeOrder(lines: OrderLine[], overrides: Partial<Order> = {}): Order {
  const draft: Order = {
    id: 'o-1',
    number: 1,
    businessDate: '2024-05-01',
    channel: 'pos',
    tableId: 't-a1',
    guestCount: 2,
    note: null,
    status: 'placed',
    lines,
    payments: [],
    subtotalMinor: 0,
    discountMinor: 0,
    discountReason: null,
    totalMinor: 0,
    paidMinor: 0,
    dueMinor: 0,
    revision: 0,
    createdAt: T0,
    updatedAt: T0,
    closedAt: null,
    quotedReadyAt: null,
    rush: false,
    deviceId: 'dev-pos-1',
    staffId: 's-waiter',
    staffName: '王芳 Wang Fang',
    mergedIntoOrderId: null,
    billRequestedAt: null,
    ...overrides,
  };
  return settle(draft, T0);
}

// ---- the demo store on real SQLite ----

export interface RecordedEvent {
  type: EventType;
  payload: unknown;
  topics: readonly string[];
}

export interface DemoStore {
  db: Db;
  catalog: MenuCatalog;
  orders: SqliteOrderRepo;
  floor: SqliteFloorRepo;
  kitchen: KitchenService;
  service: OrderService;
  /** Every event emitted by committed commands, in order. */
  events: RecordedEvent[];
  /** A command context for `principal` at `now` (default NOON), with the menu as it is now. */
  ctx(principal: Principal, now?: number): CommandContext;
  /** Runs a command in one transaction, as the writer does: a throw rolls back its writes and its events. */
  run<R>(fn: () => R): R;
  /** Places an order as `principal` at `now` (default NOON), in a transaction of its own. */
  place(principal: Principal, input: PlaceOrder, now?: number): Order;
  /** Remaining portions of a counted item, read from the store. */
  remaining(itemId: string): number | null;
}

/** The hub's default pacing (hub/config.ts): quotes start past 30 open tickets, 60 s per ticket. */
export const DEFAULT_PACING: PacingPolicy = { threshold: 30, secondsPerTicket: 60 };

/** The demo store in memory, or in `file` for a test that reads the database as a file afterwards. */
export function openDemoStore(pacing: PacingPolicy = DEFAULT_PACING, file = ':memory:'): DemoStore {
  const db = openDb(file);
  loadSeed(db, demoSeed);
  const catalog = new MenuCatalog(db, readIdentity(db).epoch, 'CNY');
  const orders = new SqliteOrderRepo(db);
  const floor = new SqliteFloorRepo(db);
  const kitchen = new KitchenService(new SqliteKitchenRepo(db), pacing);
  const service = new OrderService({ orders, floor, stock: catalog, kitchen });
  const events: RecordedEvent[] = [];
  let pending: RecordedEvent[] = [];
  const sink: EventSink = {
    // seqs as a log would give them: one after every event recorded or waiting
    emit: (type, payload, topics) => pending.push({ type, payload, topics }) + events.length,
  };
  let nextId = 0;
  return {
    db,
    catalog,
    orders,
    floor,
    kitchen,
    service,
    events,
    ctx: (principal, now = NOON) => ({
      principal,
      now,
      newId: () => `id-${++nextId}`,
      menu: catalog.current().index,
      timeZone: 'Asia/Shanghai',
      events: sink,
    }),
    run: <R>(fn: () => R): R => {
      pending = [];
      try {
        const result = db.transaction(fn)();
        events.push(...pending);
        return result;
      } catch (error) {
        catalog.invalidate(); // the cached menu may have seen the rolled-back stock
        throw error;
      } finally {
        pending = [];
      }
    },
    remaining: (itemId) => catalog.remaining([itemId]).get(itemId) ?? null,
    place(principal, input, now = NOON) {
      return this.run(() => service.place(input, this.ctx(principal, now)));
    },
  };
}

/** A waiter's order at table A1 (or as `extra` says). */
export const posOrder = (lines: LineInput[], extra: Partial<PlaceOrder> = {}): PlaceOrder => ({ channel: 'pos', tableId: 't-a1', lines, ...extra });
