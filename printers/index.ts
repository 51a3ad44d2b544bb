/**
 * Brigade's printers package: ticket documents → ESC/POS bytes → a port-9100 printer, with a confirmed
 * result. Knows tickets, not orders. The simulator (printers/sim) is for tests and development only.
 */
export {
  PRINTER_ENCODINGS,
  displayWidth,
  guardText,
  type PrinterEncoding,
  type PrinterProfile,
  warmEncoding,
} from './render/encoding.ts';
export {
  formatMinor,
  formatTicketTime,
  previewTicket,
  renderTicket,
  type ReceiptDetails,
  type ReceiptItem,
  type ReportDetails,
  type ReportRow,
  type ReportSection,
  type TicketBanner,
  type TicketDocument,
  type TicketKind,
  type TicketLine,
} from './render/ticket.ts';
export { HOLD_REASONS, holdReasonOf, type HoldReason, type PrinterStatus } from './protocol/status.ts';
export {
  NOT_SENT_REASONS,
  UNCERTAIN_REASONS,
  type CallOptions,
  type NotSentReason,
  type PrintResult,
  type PrintWarning,
  type PrinterTransport,
  type ProbeResult,
  type UncertainReason,
} from './transport/types.ts';
export { TcpPrinterTransport, type TcpTransportOptions } from './transport/tcp-transport.ts';
export { DeviceLocks, hostKey, sharedDeviceLocks } from './transport/device-locks.ts';
export { HostResolver, sharedHostResolver, type HostResolverOptions, type LookupFn, type Resolved } from './transport/host-resolver.ts';
export { InMemoryPrinter, InMemoryTransport } from './transport/memory-transport.ts';
