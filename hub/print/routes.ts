import { z } from 'zod';
import { DAY_REPORT_ROLES } from '../domain/day-report.ts';
import { DomainError } from '../domain/errors.ts';
import { requireStaff, staffRoles, type Principal } from '../domain/principal.ts';
import { requireStoreScreen } from '../domain/public-reads.ts';
import {
  createPrinterSchema,
  dayReportPrintResponseSchema,
  errorBodySchema,
  listPrintJobsQuerySchema,
  printJobParamsSchema,
  printJobPreviewSchema,
  printJobResponseSchema,
  printJobsResponseSchema,
  printerParamsSchema,
  printerResponseSchema,
  printersResponseSchema,
  idSchema,
  printDayReportSchema,
  receiptSchema,
  reprintSchema,
  updatePrinterSchema,
  type CreatePrinter,
  type ListPrintJobsQuery,
  type PrintDayReportInput,
  type ReceiptInput,
  type ReprintInput,
  type UpdatePrinter,
} from '../protocol/index.ts';
import { mutation, ok, read, type Route } from '../http/route.ts';
import type { Order } from '../protocol/orders.ts';
import type { Services } from '../services.ts';
import type { PrintService } from './print-service.ts';
import { failedTicketsToShow } from './failed-tickets.ts';
import { requireReachable } from './reachability.ts';


/** The hub always has printing; a Services built without it (a test double) answers 503. */
function printingOf(s: Services): PrintService {
  if (!s.printing) throw new DomainError('unavailable', 'printing is not running on this hub');
  return s.printing;
}

/**
 * The order whose bill a request for `orderId` prints: a merged-away order holds no dishes or payments (they went
 * to the order it was merged into, followed if that one merged on too). A cashier whose screen still shows it
 * wants what its guests now pay, not an empty bill; the job and the paper carry the other order's number.
 */
function billedOrder(s: Services, orderId: string, principal: Principal, now: number): Order {
  let order = s.orders.get(orderId, principal, now);
  for (let hops = 0; order.status === 'merged' && order.mergedIntoOrderId && hops < MAX_MERGE_HOPS; hops++) {
    order = s.orders.get(order.mergedIntoOrderId, principal, now);
  }
  if (order.status === 'merged') {
    throw new DomainError('conflict', `order #${order.number} was merged into another order: print that order's bill`, { mergedIntoOrderId: order.mergedIntoOrderId ?? null });
  }
  // every dish voided: the paper would be a bill of ￥0 (a cashier whose screen had not yet heard of the void)
  if (order.status === 'voided') throw new DomainError('order_closed', `order #${order.number} is voided: it has no bill to print`, { status: order.status });
  return order;
}
/** Merges chain (A into B, B into C); a chain longer than this is a broken store, refused rather than followed. */
const MAX_MERGE_HOPS = 20;

const printerId = (params: unknown) => (params as { printerId: string }).printerId;
const jobId = (params: unknown) => (params as { jobId: number }).jobId;

/**
 * The printing API. Configuration is the manager's; the names and fields of the printer routes are a
 * contract outside tools use. Config changes apply to the running workers without a restart.
 */
export const printRoutes: Route[] = [
  read({
    method: 'get',
    path: '/api/v1/printers',
    tag: 'printing',
    summary:
      "Configured printers with their live status (online, offline, held, failed-over…) and queue length; stations no printer prints, with their tickets waiting; today's tickets that could not print and no reprint has printed since",
    access: 'paired device (not a kiosk)',
    responses: { 200: printersResponseSchema },
    handle: (req, s) => {
      requireStoreScreen(req.principal, 'the printer list');
      const printing = printingOf(s);
      return ok({
        printers: printing.printers(),
        stationsWithoutPrinter: printing.stationsWithoutPrinter(),
        failedJobs: failedTicketsToShow(printing.repo, s.clock(), s.config.HUB_TIMEZONE),
      });
    },
  }),
  mutation({
    method: 'post',
    path: '/api/v1/printers',
    tag: 'printing',
    summary: 'Add a port-9100 printer: { name, host, port, encoding, widthChars, stations, backupPrinterId? }',
    access: 'manager',
    body: createPrinterSchema,
    responses: { 201: printerResponseSchema, 400: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema },
    precheck: async (req, s) => {
      requireStaff(req.principal, staffRoles.managerOnly, 'configuring printers');
      const { host, port, allowOffline, stations, backupPrinterId } = req.body as CreatePrinter;
      printingOf(s).checkReferences({ stations, backupPrinterId }); // a wrong config is told before an absent printer
      if (!allowOffline) await requireReachable(host, port, s.config.HUB_PRINT_CONNECT_TIMEOUT_MS, printingOf(s).resolver);
    },
    handle: (req, s) => {
      requireStaff(req.principal, staffRoles.managerOnly, 'configuring printers');
      const { allowOffline: _, ...input } = req.body as CreatePrinter;
      return ok({ printer: printingOf(s).createPrinter(input, req.cmd) }, 201);
    },
  }),
  mutation({
    method: 'patch',
    path: '/api/v1/printers/:printerId',
    tag: 'printing',
    summary: 'Change a printer (any subset of the fields); takes effect at once',
    access: 'manager',
    params: printerParamsSchema,
    body: updatePrinterSchema,
    responses: { 200: printerResponseSchema, 400: errorBodySchema, 404: errorBodySchema, 422: errorBodySchema },
    precheck: async (req, s) => {
      requireStaff(req.principal, staffRoles.managerOnly, 'configuring printers');
      const patch = req.body as UpdatePrinter;
      printingOf(s).checkReferences({ id: printerId(req.params), stations: patch.stations, backupPrinterId: patch.backupPrinterId });
      if (patch.allowOffline || (patch.host === undefined && patch.port === undefined)) return;
      const current = printingOf(s).printers().find((p) => p.id === printerId(req.params));
      if (!current) return; // the handler answers 404
      await requireReachable(patch.host ?? current.host, patch.port ?? current.port, s.config.HUB_PRINT_CONNECT_TIMEOUT_MS, printingOf(s).resolver);
    },
    handle: (req, s) => {
      requireStaff(req.principal, staffRoles.managerOnly, 'configuring printers');
      const { allowOffline: _, ...patch } = req.body as UpdatePrinter;
      return ok({ printer: printingOf(s).updatePrinter(printerId(req.params), patch, req.cmd) });
    },
  }),
  mutation({
    method: 'delete',
    path: '/api/v1/printers/:printerId',
    tag: 'printing',
    summary: "Remove a printer; its waiting jobs move to its backup or another printer of their station",
    access: 'manager',
    params: printerParamsSchema,
    responses: { 200: z.object({ printerId: z.string() }), 404: errorBodySchema, 409: errorBodySchema },
    handle: (req, s) => {
      requireStaff(req.principal, staffRoles.managerOnly, 'configuring printers');
      return ok(printingOf(s).deletePrinter(printerId(req.params), req.cmd));
    },
  }),
  mutation({
    method: 'post',
    path: '/api/v1/printers/:printerId/test',
    tag: 'printing',
    summary: 'Print a test page (both languages) on a printer',
    access: 'manager',
    params: printerParamsSchema,
    responses: { 201: printJobResponseSchema, 404: errorBodySchema },
    handle: (req, s) => {
      requireStaff(req.principal, staffRoles.managerOnly, 'printing a test page');
      return ok({ job: printingOf(s).testPrint(printerId(req.params), req.cmd) }, 201);
    },
  }),
  read({
    method: 'get',
    path: '/api/v1/print-jobs',
    tag: 'printing',
    summary: 'Print jobs, newest first; filter by state ("active" = not finished), printer or order',
    access: 'staff',
    query: listPrintJobsQuerySchema,
    responses: { 200: printJobsResponseSchema },
    handle: (req, s) => {
      requireStaff(req.principal, staffRoles.readOrders, 'the print queue');
      return ok({ jobs: printingOf(s).jobs(req.query as ListPrintJobsQuery) });
    },
  }),
  read({
    method: 'get',
    path: '/api/v1/print-jobs/:jobId/preview',
    tag: 'printing',
    summary: 'A print job and the text of its ticket as the paper shows it (banners included)',
    access: 'staff',
    params: printJobParamsSchema,
    responses: { 200: printJobPreviewSchema, 404: errorBodySchema },
    handle: (req, s) => {
      requireStaff(req.principal, staffRoles.readOrders, 'a ticket preview');
      return ok(printingOf(s).preview(jobId(req.params)));
    },
  }),
  mutation({
    method: 'post',
    path: '/api/v1/print-jobs/:jobId/reprint',
    tag: 'printing',
    summary: 'Print a ticket again, marked "REPRINT #n / 重打" (on the printer given, else where its station prints now)',
    access: 'staff',
    params: printJobParamsSchema,
    body: reprintSchema,
    responses: { 201: printJobResponseSchema, 404: errorBodySchema, 409: errorBodySchema },
    handle: (req, s) => {
      requireStaff(req.principal, staffRoles.readOrders, 'reprinting a ticket');
      return ok({ job: printingOf(s).reprint(jobId(req.params), req.body as ReprintInput, req.cmd) }, 201);
    },
  }),
  mutation({
    method: 'post',
    path: '/api/v1/orders/:orderId/receipt',
    tag: 'printing',
    summary:
      'Print the bill (something still due) or the receipt (paid) on the receipt printer (station "receipts"); for an order merged into another, that order\'s',
    access: 'waiter/cashier/manager',
    params: z.strictObject({ orderId: idSchema }),
    body: receiptSchema,
    responses: { 201: printJobResponseSchema, 404: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema },
    handle: (req, s) => {
      requireStaff(req.principal, staffRoles.pay, 'printing a receipt');
      const order = billedOrder(s, (req.params as { orderId: string }).orderId, req.principal, req.cmd.now);
      return ok({ job: printingOf(s).receipt(order, req.body as ReceiptInput, req.cmd) }, 201);
    },
  }),
  mutation({
    method: 'post',
    path: '/api/v1/reports/day/print',
    tag: 'printing',
    summary:
      "Print the day's takings (a Z report: orders, sales, payments and refunds by tender, cash expected in the drawer, orders still open) on the receipt printer, as they stand now",
    access: 'cashier/manager',
    body: printDayReportSchema,
    responses: { 201: dayReportPrintResponseSchema, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 422: errorBodySchema },
    handle: (req, s) => {
      requireStaff(req.principal, DAY_REPORT_ROLES, "printing the day's takings");
      const { businessDate, printerId } = req.body as PrintDayReportInput;
      // read in the job's own transaction: the paper says what the store held when the job was queued
      const report = s.dayReports.read(req.principal, businessDate, req.cmd.now, s.config.HUB_TIMEZONE);
      return ok({ job: printingOf(s).dayReport(report, { printerId }, req.cmd), report }, 201);
    },
  }),
];
