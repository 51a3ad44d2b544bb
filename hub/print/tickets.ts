/**
 * Kitchen tickets from order changes: pure functions, no I/O, no clock. The planner (planner.ts) gathers
 * the data from the transaction and stores what these return; the worker adds banners at print time.
 */
import type { TicketBanner, TicketDocument, TicketLine } from '../../printers/index.ts';
import type { Channel } from '../protocol/common.ts';
import type { OrderLine } from '../protocol/orders.ts';
import type { PrintJobKind } from '../protocol/printing.ts';

/** The order as a ticket shows it, resolved to names. */
export interface TicketOrder {
  id: string;
  number: number;
  channel: Channel;
  /** the table's name ('A1'), or null for takeaway / kiosk without a table */
  tableName: string | null;
  note: string | null;
  rush: boolean;
  /** who sent this change (or placed the order) */
  serverName: string | null;
  /**
   * A void of dishes fired on another order, since merged: `number` is that order's (their kitchen ticket's),
   * this the number of the order they are on now.
   */
  mergedInto?: number;
}

/** What changed: the lines a station must cook (kitchen, addon) or stop cooking (void). */
export interface TicketChange {
  kind: Extract<PrintJobKind, 'kitchen' | 'addon' | 'void'>;
  lines: readonly OrderLine[];
  /** when the change happened (UTC epoch ms): the time on the ticket */
  at: number;
  /** void tickets: why */
  reason?: string | null;
}

export interface StationNames {
  nameZh: string;
  nameEn: string;
}

export interface TicketContext {
  stations: ReadonlyMap<string, StationNames>;
  /** IANA time zone of the store */
  timeZone: string;
}

export interface StationTicket {
  stationId: string;
  /** the lines on it, in order position */
  lineIds: string[];
  document: TicketDocument;
}

export const CHANNEL_LABELS: Record<Channel, string> = {
  pos: 'POS 点单',
  kiosk: 'Kiosk 自助',
  qr: 'QR 扫码',
  preorder: 'Preorder 预订',
};

const courseLabel = (n: number): string => `Course ${n} / 第${n}道`;

/**
 * One ticket per station for a change, stations in the order their first line appears. Course headings are
 * printed only when they tell the cook something (a course after the first, or several courses on one
 * ticket).
 *
 * @example
 * buildStationTickets(order, { kind: 'kitchen', lines, at }, ctx)
 * // → [{ stationId: 'hot', document: { kind: 'kitchen', orderNumber: '42', tableLabel: 'A1', … } }, …]
 */
export function buildStationTickets(order: TicketOrder, change: TicketChange, ctx: TicketContext): StationTicket[] {
  const byStation = new Map<string, OrderLine[]>();
  for (const line of change.lines) {
    const list = byStation.get(line.stationId);
    if (list) list.push(line);
    else byStation.set(line.stationId, [line]);
  }
  return [...byStation].map(([stationId, lines]) => {
    const courses = new Set(lines.map((l) => l.course));
    const showCourse = courses.size > 1 || lines.some((l) => l.course > 1);
    const station = ctx.stations.get(stationId);
    const document: TicketDocument = {
      kind: change.kind,
      orderNumber: String(order.number),
      ...(order.tableName ? { tableLabel: order.tableName } : {}),
      time: { epochMs: change.at, timeZone: ctx.timeZone },
      ...(order.serverName ? { server: order.serverName } : {}),
      channel: CHANNEL_LABELS[order.channel],
      station: station ? `${station.nameZh} ${station.nameEn}` : stationId,
      lines: lines.map((l): TicketLine => ({
        qty: l.qty,
        nameZh: l.nameZh,
        nameEn: l.nameEn,
        options: l.options.map((o) => (o.nameEn ? `${o.nameZh} ${o.nameEn}` : o.nameZh)),
        ...(l.note ? { note: l.note } : {}),
        ...(showCourse ? { course: courseLabel(l.course) } : {}),
      })),
      ...(order.rush ? { banners: [{ type: 'custom', text: 'RUSH / 加急' }] } : {}),
      ...(order.note && change.kind !== 'void' ? { footerLines: [`Note 备注: ${order.note}`] } : {}),
      ...(order.mergedInto !== undefined ? { footerLines: [`Now on #${order.mergedInto} / 已并入 #${order.mergedInto}`] } : {}),
      ...(change.kind === 'void' && change.reason ? { voidReason: change.reason } : {}),
    };
    return { stationId, lineIds: lines.map((l) => l.id), document };
  });
}

/** How a job is printed this time: the flags the queue keeps, turned into the ticket's top banners. */
export interface PrintMarks {
  possibleDuplicate: boolean;
  reprintNumber: number | null;
  movedFromPrinter: string | null;
}

/** The stored document with the queue's banners first (possible duplicate, reprint, moved from). */
export function markedDocument(doc: TicketDocument, marks: PrintMarks): TicketDocument {
  const banners: TicketBanner[] = [];
  if (marks.possibleDuplicate) banners.push({ type: 'possible-duplicate' });
  if (marks.reprintNumber !== null) banners.push({ type: 'reprint', count: marks.reprintNumber });
  if (marks.movedFromPrinter !== null) banners.push({ type: 'moved-from', printerName: marks.movedFromPrinter });
  if (banners.length === 0) return doc;
  return { ...doc, banners: [...banners, ...(doc.banners ?? [])] };
}

/** A ticket to check a printer's set-up: both languages, both widths of characters. */
export function testTicket(printerName: string, at: number, timeZone: string): TicketDocument {
  return {
    kind: 'kitchen',
    orderNumber: 'TEST',
    time: { epochMs: at, timeZone },
    station: printerName,
    lines: [{ qty: 1, nameZh: '测试打印', nameEn: 'Test print', options: ['中文 English 123'] }],
    banners: [{ type: 'custom', text: 'TEST PAGE / 测试页' }],
    buzz: false,
  };
}
