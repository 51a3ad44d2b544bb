import type { Logger } from 'pino';
import type { HubEvent } from '../protocol/events.ts';
import type { Order, OrderLine } from '../protocol/orders.ts';
import type { PrinterConfig } from '../protocol/printing.ts';
import { jobView, queuedJob, type OrderHeaderRow, type SqlitePrintRepo } from '../store/print-repo.ts';
import { isStorageFull, TransactionLostError, type Tx } from '../store/writer.ts';
import { RECEIPT_STATION, pickupSlip } from './receipts.ts';
import { printersForStation } from './routing.ts';
import { heldForStationReason, type StationHolds } from './station-holds.ts';
import { buildStationTickets, type TicketChange, type TicketOrder } from './tickets.ts';

/** The order events that can put something on paper; every other event costs the order path nothing. */
const PRINTING_EVENTS: ReadonlySet<HubEvent['type']> = new Set([
  'order.placed',
  'order.lines_added',
  'order.lines_fired',
  'order.line_voided',
  'order.voided',
]);

export interface PlannerDeps {
  repo: SqlitePrintRepo;
  timeZone: string;
  /** Printers that can take jobs now (enabled; simulated ones only while their simulator runs). */
  printers: () => PrinterConfig[];
  storeName: string;
  /** Tickets held for stations no printer prints (counted for the alert). */
  holds: Pick<StationHolds, 'waitingFor'>;
  /** Where a printer's tickets go while it is failed over (its backup), or null when it prints itself. */
  redirect?: (printerId: string) => { printerId: string; fromName: string } | null;
  /** A job was queued for this printer (called inside the transaction; wake the worker after it). */
  onQueued: (printerId: string) => void;
  log: Logger;
}

/**
 * Turns order events into print jobs, inside the transaction that appends the event (the Writer's
 * `onAppend`): a committed order change always has its tickets, a rolled-back one never does, and the
 * unique idempotency key means a change never gets two.
 *
 * - `order.placed`: the lines fired at once → one kitchen ticket per station
 * - `order.lines_added`: the new lines fired at once → an add-on ticket per station
 * - `order.lines_fired`: held lines sent now (a course) → a kitchen ticket per station
 * - `order.line_voided` of a fired line → a void ticket for its station
 * - `order.voided` → a void ticket per station for the fired lines not voided before
 * - `order.placed` at a kiosk → a pickup slip on the receipt printer(s) (stations: ['receipts'])
 *
 * Printing is never on the order path: if planning fails, the order still commits (the error is logged);
 * with no printer configured at all, nothing is planned; a ticket of a station no printer prints is held
 * (no printer, `held`) with an alert, until a printer is given the station.
 */
export class PrintPlanner {
  constructor(private readonly deps: PlannerDeps) {}

  readonly onAppend = (event: HubEvent, tx: Tx): void => {
    if (!PRINTING_EVENTS.has(event.type)) return;
    try {
      // the savepoint undoes the rows, `undoable` the waiting counts the repo kept for them
      tx.savepoint(() => this.deps.repo.undoable(() => this.plan(event, tx)));
    } catch (err) {
      // a full disk or a transaction SQLite gave up is the whole change's failure, not planning's: the order
      // without its tickets must not commit
      if (err instanceof TransactionLostError || isStorageFull(err)) throw err;
      this.deps.log.error({ err, seq: event.seq, type: event.type }, 'planning print jobs failed; the order change is kept');
    }
  };

  private plan(event: HubEvent, tx: Tx): void {
    if (event.type === 'order.placed' && event.payload.order.channel === 'kiosk') this.planPickupSlip(event.payload.order, event, tx);
    const printers = this.deps.printers();
    if (printers.length === 0) return; // printing is not set up: no lookups on the order path
    const found = this.change(event);
    if (found === null || found.change.lines.length === 0) return;
    const { revision } = found;
    for (const { order, change, label } of this.underTicketNumbers(found.order, found.change)) {
      this.planTickets(order, change, `${found.order.id}:r${revision}:e${event.seq}`, label, event, tx, printers);
    }
  }

  /**
   * A void's lines split by the number their kitchen ticket was printed under: a dish fired on an order later
   * merged into this one (`OrderLine.mergedFrom`) is looked for in the kitchen by its first order's number
   * (and table), not this one's. Other changes print under the order as it is.
   */
  private underTicketNumbers(order: TicketOrder, change: TicketChange): { order: TicketOrder; change: TicketChange; label: string }[] {
    const whole = [{ order, change, label: '' }];
    if (change.kind !== 'void' || !change.lines.some((l) => l.mergedFrom)) return whole;
    const groups = new Map<string, { order: TicketOrder; lines: OrderLine[]; label: string }>();
    for (const line of change.lines) {
      const from = line.mergedFrom ?? null;
      const key = from ? from.orderId : order.id;
      let group = groups.get(key);
      if (!group) {
        const under: TicketOrder = from
          ? { ...order, number: from.number, tableName: from.tableId ? this.deps.repo.tableName(from.tableId) : null, mergedInto: order.number }
          : order;
        groups.set(key, (group = { order: under, lines: [], label: from ? `:n${from.number}` : '' }));
      }
      group.lines.push(line);
    }
    return [...groups.values()].map((g) => ({ order: g.order, change: { ...change, lines: g.lines }, label: g.label }));
  }

  private planTickets(order: TicketOrder, change: TicketChange, keyBase: string, label: string, event: HubEvent, tx: Tx, printers: PrinterConfig[]): void {
    const { repo } = this.deps;
    const tickets = buildStationTickets(order, change, { stations: repo.stationNames(), timeZone: this.deps.timeZone });
    for (const ticket of tickets) {
      const targets = printersForStation(ticket.stationId, printers);
      const base = {
        kind: change.kind,
        orderId: order.id,
        orderNumber: String(order.number),
        stationId: ticket.stationId,
        document: JSON.stringify(ticket.document),
        sourceSeq: event.seq,
        possibleDuplicate: false,
        reprintOf: null,
        reprintNumber: null,
        movedFromJobId: null,
        movedFromPrinter: null,
        createdAt: tx.now,
      };
      const key = `${keyBase}:${ticket.stationId}:${change.kind}${label}`;
      if (targets.length === 0) {
        // held, not failed: it prints once a printer is given the station (PrintService releases it); the alert
        // tells the staff meanwhile
        const lastError = heldForStationReason(ticket.stationId, this.deps.holds.waitingFor(ticket.stationId) + 1);
        const id = repo.insertJob({ ...base, idempotencyKey: `${key}:-`, printerId: null, state: 'held', lastError });
        const job = id === null ? undefined : repo.job(id);
        if (job) {
          tx.append({
            type: 'print.job_failed',
            payload: { job: jobView(job), error: job.lastError ?? 'no printer' },
            topics: ['printers', `station:${ticket.stationId}`],
            deviceId: null,
            staffId: null,
          });
        }
        continue;
      }
      for (const p of targets) {
        // a printer that is failed over would only move the job on: send it to the backup straight away
        const moved = this.deps.redirect?.(p.id) ?? null;
        const printerId = moved?.printerId ?? p.id;
        const id = repo.insertJob({
          ...base,
          idempotencyKey: `${key}:${p.id}`,
          printerId,
          state: 'queued',
          lastError: null,
          ...(moved ? { movedFromPrinter: moved.fromName } : {}),
        });
        if (id !== null) this.deps.onQueued(printerId);
      }
    }
  }

  /** A kiosk customer's slip; with no receipt printer the kiosk's screen is all they get, so nothing fails. */
  private planPickupSlip(order: Order, event: HubEvent, tx: Tx): void {
    const targets = printersForStation(RECEIPT_STATION, this.deps.printers());
    const document = JSON.stringify(pickupSlip(order, { storeName: this.deps.storeName, tableName: null, timeZone: this.deps.timeZone, at: event.at }));
    for (const p of targets) {
      const moved = this.deps.redirect?.(p.id) ?? null;
      const printerId = moved?.printerId ?? p.id;
      const id = this.deps.repo.insertJob(
        queuedJob({
          idempotencyKey: `${order.id}:pickup:${p.id}`,
          kind: 'pickup',
          orderId: order.id,
          orderNumber: String(order.number),
          stationId: RECEIPT_STATION,
          printerId,
          document,
          sourceSeq: event.seq,
          movedFromPrinter: moved?.fromName ?? null,
          createdAt: tx.now,
        }),
      );
      if (id !== null) this.deps.onQueued(printerId);
    }
  }

  /** The order (resolved to names) and the lines an event puts on paper, or null for events that print nothing. */
  private change(event: HubEvent): { order: TicketOrder; change: TicketChange; revision: number } | null {
    const { repo } = this.deps;
    const ticketOrder = (o: Pick<OrderHeaderRow, 'id' | 'number' | 'channel' | 'tableId' | 'note' | 'rush'>, serverName: string | null): TicketOrder => ({
      id: o.id,
      number: o.number,
      channel: o.channel,
      tableName: o.tableId ? repo.tableName(o.tableId) : null,
      note: o.note,
      rush: o.rush,
      serverName,
    });
    const header = (orderId: string, staffId: string | null) => {
      const h = repo.orderHeader(orderId);
      if (!h) return null;
      const serverId = staffId || h.staffId;
      return { h, order: ticketOrder(h, serverId ? repo.staffName(serverId) : null) };
    };
    const fired = (l: OrderLine) => l.status !== 'held' && l.status !== 'voided' && l.firedAt !== null;
    switch (event.type) {
      case 'order.placed': {
        // the event carries the whole order as it was just written: only the table's name is looked up
        const o = event.payload.order;
        return { order: ticketOrder(o, o.staffName), revision: o.revision, change: { kind: 'kitchen', lines: o.lines.filter(fired), at: event.at } };
      }
      case 'order.lines_added': {
        const found = header(event.payload.order.id, event.staffId);
        if (!found) return null;
        return { order: found.order, revision: event.payload.order.revision, change: { kind: 'addon', lines: event.payload.lines.filter(fired), at: event.at } };
      }
      case 'order.lines_fired': {
        const found = header(event.payload.order.id, event.staffId);
        if (!found) return null;
        const ids = new Set(event.payload.lineIds);
        const lines = repo.orderLines(found.h.id).filter((l) => ids.has(l.id));
        return { order: found.order, revision: event.payload.order.revision, change: { kind: 'kitchen', lines, at: event.at } };
      }
      case 'order.line_voided': {
        if (!event.payload.wasFired) return null;
        const found = header(event.payload.order.id, event.staffId);
        if (!found) return null;
        const line = event.payload.line;
        return { order: found.order, revision: event.payload.order.revision, change: { kind: 'void', lines: [line], at: event.at, reason: line.voidReason } };
      }
      case 'order.voided': {
        const found = header(event.payload.order.id, event.staffId);
        if (!found) return null;
        const before = repo.linesVoidedBefore(found.h.id, found.h.createdAt);
        const lines = repo.orderLines(found.h.id).filter((l) => l.firedAt !== null && !before.has(l.id));
        return { order: found.order, revision: event.payload.order.revision, change: { kind: 'void', lines, at: event.at, reason: event.payload.reason } };
      }
      default:
        return null;
    }
  }
}
