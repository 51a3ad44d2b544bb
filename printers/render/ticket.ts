import {
  CODE_PAGE_437,
  INIT,
  KANJI_OFF,
  KANJI_ON,
  KANJI_SHIFT_JIS,
  PARTIAL_CUT,
  beepEpson,
  beepEscB,
  boldOn,
  charSize,
  feedLines,
  inverseOn,
  qrCode,
} from '../protocol/commands.ts';
import {
  center,
  displayWidth,
  encodeText,
  guardText,
  isDoubleByteEncoding,
  leftRight,
  padEnd,
  stacked,
  wrap,
  type PrinterProfile,
} from './encoding.ts';
import { dishName, englishLabel, englishOfPair } from './english-only.ts';

/** One dish on a kitchen-side ticket. */
export interface TicketLine {
  qty: number;
  nameZh: string;
  /** '' when there is no English name */
  nameEn: string;
  options: string[];
  note?: string;
  /** course label ('Starter / 前菜'); a heading is printed whenever it changes */
  course?: string;
}

export interface ReceiptItem {
  qty: number;
  nameZh: string;
  nameEn?: string;
  amountMinor: number;
}

/** Money on a receipt, all in integer minor units (fen, cents). */
export interface ReceiptDetails {
  items: ReceiptItem[];
  subtotalMinor: number;
  discountMinor: number;
  totalMinor: number;
  tenders: { label: string; amountMinor: number }[];
  changeMinor: number;
  qrText?: string;
  /** printed before amounts; default '¥' (printed as '￥' on GB printers) */
  currencySymbol?: string;
}

/**
 * One line of a report (the day's takings): a label and, flush right, an amount in integer minor units
 * (printed as receipts print money) or a value ('12'); neither: the label alone.
 */
export interface ReportRow {
  label: string;
  amountMinor?: number;
  value?: string;
  bold?: boolean;
  /** printed double height (the figure the reader is looking for) */
  tall?: boolean;
  /** a part of the row above (a tender of the payments): indented two columns */
  indent?: boolean;
}

/** A block of rows under an optional heading, ruled off from the block before it. */
export interface ReportSection {
  heading?: string;
  rows: ReportRow[];
}

/** A paper report: its title printed big instead of an order number, then its sections. */
export interface ReportDetails {
  title: string;
  sections: ReportSection[];
  /** printed before amounts; default '¥' (printed as '￥' on GB printers) */
  currencySymbol?: string;
}

/** A loud line at the very top of the ticket. */
export type TicketBanner =
  | { type: 'possible-duplicate' }
  | { type: 'reprint'; count: number }
  | { type: 'moved-from'; printerName: string }
  | { type: 'custom'; text: string };

interface TicketCommon {
  /** restaurant name, address… centred at the top */
  headerLines?: string[];
  /** printed big: '42', 'A017' (not on a report, whose title is printed big instead) */
  orderNumber: string;
  /** printed big beside the order number: 'T12', '外卖' */
  tableLabel?: string;
  /** when the order was placed; formatted in `timeZone` (IANA, e.g. 'Asia/Shanghai') */
  time: { epochMs: number; timeZone: string };
  server?: string;
  channel?: string;
  station?: string;
  lines: TicketLine[];
  banners?: TicketBanner[];
  footerLines?: string[];
  /** void tickets: why the dish was taken back */
  voidReason?: string;
  /** sound the buzzer; default true for kitchen, addon and void tickets */
  buzz?: boolean;
}

export type TicketKind = 'kitchen' | 'addon' | 'void' | 'receipt' | 'pickup' | 'report';

/** Everything a printer needs to print one ticket. Knows tickets, not orders. */
export type TicketDocument = TicketCommon &
  (
    | { kind: 'kitchen' | 'addon' | 'void' | 'pickup'; receipt?: undefined; report?: undefined }
    | { kind: 'receipt'; receipt: ReceiptDetails; report?: undefined }
    | { kind: 'report'; report: ReportDetails; receipt?: undefined }
  );

/** A run of text in one style. `width`/`height` are the character multipliers. */
export interface Span {
  text: string;
  bold?: boolean;
  inverse?: boolean;
  width?: 1 | 2;
  height?: 1 | 2;
}

/** The layout both `renderTicket` and `previewTicket` are produced from, so they cannot disagree. */
export type Row = { kind: 'text'; spans: Span[] } | { kind: 'qr'; data: string };

/** How the QR code shows in previews; the simulator decodes `GS ( k` to the same text. */
export const qrPreview = (data: string): string => `[QR ${data}]`;

export function bannerText(b: TicketBanner): string {
  switch (b.type) {
    case 'possible-duplicate':
      return 'POSSIBLE DUPLICATE / 可能重复';
    case 'reprint':
      return `REPRINT #${b.count} / 重打`;
    case 'moved-from':
      return `MOVED FROM ${b.printerName} / 转单`;
    case 'custom':
      return b.text;
  }
}

const TITLES: Record<TicketKind, string | null> = {
  kitchen: null,
  addon: 'ADD-ON 加菜',
  void: 'VOID 退菜',
  receipt: null,
  pickup: 'PICKUP 取餐',
  report: null,
};

/** Building a formatter costs more than formatting (1–2 % of an order's CPU): one per time zone. */
const ticketTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** 'YYYY-MM-DD HH:mm' in the given IANA time zone. */
export function formatTicketTime(epochMs: number, timeZone: string): string {
  let format = ticketTimeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    ticketTimeFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(epochMs));
  const p = (t: Intl.DateTimeFormatPartTypes): string => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}`;
}

/** 1234 → '12.34', -50 → '-0.50' (2-decimal currencies). */
export function formatMinor(amountMinor: number, symbol = ''): string {
  if (!Number.isInteger(amountMinor)) throw new RangeError(`amount must be integer minor units: ${amountMinor}`);
  const sign = amountMinor < 0 ? '-' : '';
  const abs = Math.abs(amountMinor);
  return `${sign}${symbol}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Lay a ticket out into rows of styled spans, every row within `profile.widthChars` columns. */
export function layoutTicket(doc: TicketDocument, profile: PrinterProfile): Row[] {
  const enc = profile.encoding;
  const W = profile.widthChars;
  const g = (s: string): string => guardText(s, enc);
  /** the hub's bilingual labels, in English only on a printer without Chinese */
  const L = (s: string): string => englishLabel(s, enc);
  const rows: Row[] = [];
  const row = (...spans: Span[]): void => {
    rows.push({ kind: 'text', spans });
  };
  const blank = (): void => row();
  const rule = (ch = '-'): void => row({ text: ch.repeat(W) });
  /** centred, wrapped; with `bar` the whole width is filled so inverse text makes a solid bar */
  const centred = (text: string, style: Omit<Span, 'text'> = {}, bar = false): void => {
    const scale = style.width ?? 1;
    const cols = Math.floor(W / scale);
    for (const line of wrap(g(text), cols, enc)) {
      const c = center(line, cols, enc);
      row({ ...style, text: bar ? padEnd(c, cols, enc) : c });
    }
  };

  for (const b of doc.banners ?? []) centred(L(bannerText(b)), { bold: true, inverse: true }, true);

  const kindTitle = TITLES[doc.kind];
  const title = kindTitle === null ? null : L(kindTitle);
  if (doc.kind === 'void' && title !== null) {
    centred(title, { bold: true, inverse: true, width: 2, height: 2 }, true);
    if (doc.voidReason) centred(doc.voidReason, { bold: true });
  } else if (title !== null) {
    centred(title, { bold: true, width: 2, height: 2 });
  }

  for (const h of (doc.headerLines ?? []).map(L)) if (h !== '') centred(h);

  // Big order number and table label, at double size: half the columns. The number is never split (a cook
  // reading "#1" of "#1234" makes the wrong order): a label that does not fit beside it goes under it.
  const half = W / 2;
  const number = g(`#${doc.orderNumber}`);
  const big: Omit<Span, 'text'> = { bold: true, width: 2, height: 2 };
  if (doc.kind === 'report') {
    // a report is of no order: its title is what prints big
    centred(L(doc.report.title), big);
  } else if (doc.tableLabel) {
    for (const line of stacked(number, g(doc.tableLabel), half, enc)) row({ ...big, text: line });
  } else {
    centred(number, big);
  }

  const time = formatTicketTime(doc.time.epochMs, doc.time.timeZone);
  for (const line of leftRight(time, g(englishOfPair(doc.station ?? '', enc)), W, enc)) row({ text: line });
  const server = doc.server ? g(`${L('Server 服务员')}: ${doc.server}`) : '';
  const channel = g(L(doc.channel ?? ''));
  if (server || channel) for (const line of leftRight(server, channel, W, enc)) row({ text: line });
  rule();

  if (doc.lines.length > 0) layoutLines(doc.lines, profile, row, g, L);

  if (doc.kind === 'receipt') {
    if (doc.lines.length > 0) rule();
    layoutReceipt(doc.receipt, profile, rows, g, L);
  }
  if (doc.kind === 'report') layoutReport(doc.report, profile, rows, g, L);

  if ((doc.footerLines ?? []).length > 0) {
    rule();
    for (const f of (doc.footerLines ?? []).map(L)) if (f !== '') centred(f);
  }
  if (doc.kind === 'void' && title !== null) {
    blank();
    centred(title, { bold: true, inverse: true, width: 2, height: 2 }, true);
  }
  return rows;
}

/** A report's sections: each ruled off, its heading bold, its rows label left and figure right. */
function layoutReport(r: ReportDetails, profile: PrinterProfile, rows: Row[], g: (s: string) => string, L: (s: string) => string): void {
  const enc = profile.encoding;
  const W = profile.widthChars;
  const sym = r.currencySymbol ?? '¥';
  r.sections.forEach((section, i) => {
    // the first section is ruled off by the header's rule
    if (i > 0) rows.push({ kind: 'text', spans: [{ text: '-'.repeat(W) }] });
    if (section.heading) for (const t of wrap(g(L(section.heading)), W, enc)) rows.push({ kind: 'text', spans: [{ text: t, bold: true }] });
    for (const item of section.rows) {
      const right = item.amountMinor !== undefined ? g(formatMinor(item.amountMinor, sym)) : g(L(item.value ?? ''));
      const style: Omit<Span, 'text'> = { ...(item.bold ? { bold: true } : {}), ...(item.tall ? { height: 2 as const } : {}) };
      const pad = item.indent ? '  ' : '';
      const cols = W - pad.length;
      const lines = right === '' ? wrap(g(L(item.label)), cols, enc) : leftRight(g(L(item.label)), right, cols, enc);
      for (const t of lines) rows.push({ kind: 'text', spans: [{ ...style, text: pad + t }] });
    }
  });
}

function layoutLines(
  lines: TicketLine[],
  profile: PrinterProfile,
  row: (...spans: Span[]) => void,
  g: (s: string) => string,
  L: (s: string) => string,
): void {
  const enc = profile.encoding;
  const W = profile.widthChars;
  const qtyTexts = lines.map((l) => g(`${l.qty}x`));
  const qtyChars = Math.max(...qtyTexts.map((q) => displayWidth(q, enc))) + 1;
  const indent = qtyChars * 2; // the quantity prints double width
  const textCols = W - indent;
  const pad = ' '.repeat(indent);
  let course: string | undefined;
  lines.forEach((line, i) => {
    if (line.course !== undefined && line.course !== course) {
      course = line.course;
      // wrapped like every other row: a printer folds an overlong line on its own, and the preview would not
      for (const t of wrap(g(`-- ${L(line.course)} --`), W, enc)) row({ text: center(t, W, enc), bold: true });
    }
    const dish = dishName(line.nameZh, line.nameEn, enc);
    const names = wrap(g(dish.main), textCols, enc);
    names.forEach((name, j) => {
      const qty = j === 0 ? padEnd(qtyTexts[i] ?? '', qtyChars, enc) : ' '.repeat(qtyChars);
      row({ text: qty, bold: true, width: 2, height: 2 }, { text: name, bold: true, height: 2 });
    });
    if (dish.second) for (const t of wrap(g(dish.second), textCols, enc)) row({ text: pad + t });
    for (const o of line.options) for (const t of wrap(g(`+ ${englishOfPair(o, enc)}`), textCols, enc)) row({ text: pad + t });
    if (line.note) {
      for (const t of wrap(g(`! ${line.note}`), textCols, enc)) row({ text: pad }, { text: t, bold: true, inverse: true });
    }
  });
}

function layoutReceipt(r: ReceiptDetails, profile: PrinterProfile, rows: Row[], g: (s: string) => string, L: (s: string) => string): void {
  const enc = profile.encoding;
  const W = profile.widthChars;
  const sym = r.currencySymbol ?? '¥';
  const money = (m: number): string => g(formatMinor(m, sym));
  const lr = (left: string, right: string, style: Omit<Span, 'text'> = {}): void => {
    for (const t of leftRight(g(left), right, W, enc)) rows.push({ kind: 'text', spans: [{ ...style, text: t }] });
  };
  for (const item of r.items) {
    const dish = dishName(item.nameZh, item.nameEn, enc);
    lr(`${item.qty} ${dish.main}`, money(item.amountMinor));
    if (dish.second) for (const t of wrap(g(dish.second), W - 2, enc)) rows.push({ kind: 'text', spans: [{ text: `  ${t}` }] });
  }
  rows.push({ kind: 'text', spans: [{ text: '-'.repeat(W) }] });
  lr(L('Subtotal 小计'), money(r.subtotalMinor));
  if (r.discountMinor !== 0) lr(L('Discount 优惠'), money(-Math.abs(r.discountMinor)));
  lr(L('Total 合计'), money(r.totalMinor), { bold: true, height: 2 });
  for (const t of r.tenders) lr(L(t.label), money(t.amountMinor));
  if (r.changeMinor !== 0) lr(L('Change 找零'), money(r.changeMinor));
  // Control characters are dropped from the QR data: it goes out raw inside `GS ( k`, and printers act on
  // real-time commands (`DLE EOT`, `DLE ENQ 2` = clear buffers) even inside another command's data.
  const qrData = (r.qrText ?? '').replace(/[\u0000-\u001f\u007f]/g, '');
  if (qrData) {
    rows.push({ kind: 'text', spans: [] });
    rows.push({ kind: 'qr', data: qrData });
  }
}

/** What the paper shows, as plain text (styles dropped, trailing spaces trimmed). */
export function previewTicket(doc: TicketDocument, profile: PrinterProfile): string {
  return layoutTicket(doc, profile)
    .map((r) => (r.kind === 'qr' ? qrPreview(r.data) : r.spans.map((s) => s.text).join('').trimEnd()))
    .join('\n');
}

const shouldBuzz = (doc: TicketDocument): boolean =>
  doc.buzz ?? (doc.kind === 'kitchen' || doc.kind === 'addon' || doc.kind === 'void');

/**
 * ESC/POS bytes for one ticket: `ESC @`, the character mode for the profile's encoding (`FS &`; `FS .` +
 * `ESC t 0` for cp437), the rows, the buzzer, a feed and a partial cut. Pure: same document and profile,
 * same bytes.
 */
export function renderTicket(doc: TicketDocument, profile: PrinterProfile): Buffer {
  const enc = profile.encoding;
  const out: Buffer[] = [INIT];
  if (isDoubleByteEncoding(enc)) {
    out.push(KANJI_ON);
    if (enc === 'shift_jis') out.push(KANJI_SHIFT_JIS);
  } else {
    // Kanji mode off first: most printers sold with a GB18030 font start in it, and there a code-page byte
    // such as 'é' (0x82) would begin a double-byte character and swallow the byte after it.
    out.push(KANJI_OFF, CODE_PAGE_437);
  }
  let bold = false;
  let inverse = false;
  let size = '1x1';
  const setStyle = (s: Omit<Span, 'text'>): void => {
    const b = s.bold ?? false;
    const inv = s.inverse ?? false;
    const w = s.width ?? 1;
    const h = s.height ?? 1;
    if (b !== bold) out.push(boldOn((bold = b)));
    if (inv !== inverse) out.push(inverseOn((inverse = inv)));
    if (`${w}x${h}` !== size) {
      out.push(charSize(w, h));
      size = `${w}x${h}`;
    }
  };
  for (const r of layoutTicket(doc, profile)) {
    if (r.kind === 'qr') {
      setStyle({});
      out.push(qrCode(r.data)); // the symbol is printed and fed; no LF after it
      continue;
    }
    for (const s of r.spans) {
      setStyle(s);
      out.push(encodeText(s.text, enc));
    }
    out.push(Buffer.from([0x0a]));
  }
  setStyle({});
  if (shouldBuzz(doc)) {
    // two beeps of pattern A, a 1 s cycle each: t is 10 at least, a shorter cycle is ignored (no beep at all)
    if (profile.buzzer === 'epson') out.push(beepEpson(0x31, 2, 10));
    else if (profile.buzzer === 'esc-b') out.push(beepEscB(2, 2));
  }
  out.push(feedLines(4), PARTIAL_CUT);
  return Buffer.concat(out);
}
