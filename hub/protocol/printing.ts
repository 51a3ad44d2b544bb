import { z } from 'zod';
import { epochMsSchema, idSchema, shortText } from './common.ts';
import { businessDateSchema } from './orders.ts';
import { dayReportSchema } from './reports.ts';

/**
 * Kitchen printing: printer configuration, the durable print queue and printer health. The field names of
 * the printer body are a contract used by outside tools: `{ name, host, port, encoding, widthChars,
 * stations, backupPrinterId? }`.
 */

/** The encodings `printers/` can render (kept equal to `PRINTER_ENCODINGS` there; a test checks). */
export const printerEncodingSchema = z.enum(['gb18030', 'gbk', 'big5', 'shift_jis', 'cp437']);
export const printerBuzzerSchema = z.enum(['epson', 'esc-b', 'none']);
export const printerWidthSchema = z.union([z.literal(32), z.literal(48)]);

const isDottedQuad = (h: string) => /^[\d.]+$/.test(h);

/** An IPv4/IPv6 address or a DNS host name; "192.168.1.300" is neither. */
export const printerHostSchema = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .refine(
    (h) =>
      isDottedQuad(h)
        ? z.ipv4().safeParse(h).success
        : h.includes(':')
          ? z.ipv6().safeParse(h).success
          : /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(h),
    'must be an IPv4 or IPv6 address or a host name',
  );

export const printerPortSchema = z.number().int().min(1, 'port must be 1–65535').max(65_535, 'port must be 1–65535');

const printerFields = {
  name: shortText(40).min(1),
  host: printerHostSchema,
  port: printerPortSchema,
  encoding: printerEncodingSchema,
  widthChars: printerWidthSchema,
  /** Station ids whose tickets this printer prints (`hot`, `bar`, …). */
  stations: z.array(idSchema).max(50),
  /** Where this printer's queue moves after it has been down for HUB_PRINT_FAILOVER_MS. */
  backupPrinterId: idSchema.nullable(),
  buzzer: printerBuzzerSchema,
  enabled: z.boolean(),
};

/** `POST /api/v1/printers`. Port defaults to 9100, encoding to gb18030, width to 48, buzzer to esc-b. */
export const createPrinterSchema = z.strictObject({
  id: idSchema.optional(),
  name: printerFields.name,
  host: printerFields.host,
  port: printerFields.port.default(9100),
  encoding: printerFields.encoding.default('gb18030'),
  widthChars: printerFields.widthChars.default(48),
  stations: printerFields.stations,
  backupPrinterId: printerFields.backupPrinterId.optional(),
  buzzer: printerFields.buzzer.default('esc-b'),
  enabled: printerFields.enabled.default(true),
  /** Save it even though nothing answers at host:port now (a printer switched off during set-up). */
  allowOffline: z.boolean().optional(),
});
export type CreatePrinter = z.infer<typeof createPrinterSchema>;

/** `PATCH /api/v1/printers/:id`: any subset of the fields. */
export const updatePrinterSchema = z
  .strictObject({
    name: printerFields.name.optional(),
    host: printerFields.host.optional(),
    port: printerFields.port.optional(),
    encoding: printerFields.encoding.optional(),
    widthChars: printerFields.widthChars.optional(),
    stations: printerFields.stations.optional(),
    backupPrinterId: printerFields.backupPrinterId.optional(),
    buzzer: printerFields.buzzer.optional(),
    enabled: printerFields.enabled.optional(),
    allowOffline: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'give at least one field to change' });
export type UpdatePrinter = z.infer<typeof updatePrinterSchema>;

/** A printer as configured. `simulated`: an embedded simulator started by the hub (`HUB_PRINTERS=sim`). */
export const printerConfigSchema = z.object({
  id: idSchema,
  ...printerFields,
  simulated: z.boolean(),
  createdAt: epochMsSchema,
  updatedAt: epochMsSchema,
});
export type PrinterConfig = z.infer<typeof printerConfigSchema>;

/**
 * What a printer is doing, as its worker last saw it: `online` (last contact printed or answered),
 * `offline` (unreachable or silent), `held` (paper out / cover open / error: it refuses jobs),
 * `failed-over` (down longer than the failover time: its queue goes to the backup), `disabled`,
 * `unknown` (not contacted yet).
 */
export const printerStateSchema = z.enum(['online', 'offline', 'held', 'failed-over', 'disabled', 'unknown']);
export type PrinterState = z.infer<typeof printerStateSchema>;

export const printerStatusSchema = z.object({
  state: printerStateSchema,
  /** why it is down: 'paper-out', 'cover-open', 'connect-refused', 'no-status-reply', … */
  reason: z.string().nullable(),
  /** since when it has been in this state (null: since the hub started) */
  since: epochMsSchema.nullable(),
  lastError: z.string().nullable(),
  /** jobs waiting for this printer (queued, retrying, held, to be resent) */
  queued: z.number().int(),
  failedOverTo: idSchema.nullable(),
  warnings: z.array(z.string()),
});
export type PrinterStatusView = z.infer<typeof printerStatusSchema>;

export const printerSchema = printerConfigSchema.extend({ status: printerStatusSchema });
export type Printer = z.infer<typeof printerSchema>;

export const printerResponseSchema = z.object({ printer: printerSchema });

/** One line of `GET /api/v1/health`. */
export const printerHealthSchema = z.object({
  id: idSchema,
  name: z.string(),
  state: printerStateSchema,
  queued: z.number().int(),
  lastError: z.string().nullable(),
});
export type PrinterHealth = z.infer<typeof printerHealthSchema>;

/**
 * queued → sending → confirmed is the normal life of a job. `retry-wait`: nothing reached the printer,
 * resent after a back-off. `held`: the printer refused it (paper out, cover open), resent when it
 * recovers. `sent`: the printer took it but stopped (paper ran out mid-job); it prints it by itself after
 * recovery, and a later barrier confirms it. `uncertain`: bytes went out and nothing confirmed them; it is
 * printed again marked POSSIBLE DUPLICATE. `rerouted`: moved to another printer (a new job carries it on).
 * `failed`: no printer can take it; staff are alerted.
 */
export const PRINT_JOB_STATES = ['queued', 'sending', 'sent', 'confirmed', 'retry-wait', 'held', 'uncertain', 'rerouted', 'failed'] as const;
export const printJobStateSchema = z.enum(PRINT_JOB_STATES);
export type PrintJobState = z.infer<typeof printJobStateSchema>;

/**
 * Kitchen-side tickets (kitchen, addon, void), customer paper (receipt, pickup slip), the day's takings for
 * closing the till (`day-report`, on the receipt printer; of no order) and test pages.
 */
export const printJobKindSchema = z.enum(['kitchen', 'addon', 'void', 'receipt', 'pickup', 'day-report', 'test']);
export type PrintJobKind = z.infer<typeof printJobKindSchema>;

export const printJobSchema = z.object({
  id: z.number().int(),
  kind: printJobKindSchema,
  orderId: idSchema.nullable(),
  orderNumber: z.string().nullable(),
  stationId: idSchema.nullable(),
  printerId: idSchema.nullable(),
  state: printJobStateSchema,
  /** printed (or to be printed) with the POSSIBLE DUPLICATE / 可能重复 banner */
  possibleDuplicate: z.boolean(),
  /** the job this one reprints (REPRINT #n / 重打) */
  reprintOf: z.number().int().nullable(),
  reprintNumber: z.number().int().nullable(),
  /** the job this one took over from a printer that was down (MOVED FROM … / 转单) */
  movedFromJobId: z.number().int().nullable(),
  movedFromPrinter: z.string().nullable(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: epochMsSchema,
  updatedAt: epochMsSchema,
  confirmedAt: epochMsSchema.nullable(),
});
export type PrintJob = z.infer<typeof printJobSchema>;

export const printJobResponseSchema = z.object({ job: printJobSchema });
export const printJobsResponseSchema = z.object({ jobs: z.array(printJobSchema) });
export const printersResponseSchema = z.object({
  printers: z.array(printerSchema),
  /** Stations no printer prints whose tickets wait (held, no printer) until one is given the station. */
  stationsWithoutPrinter: z.array(z.object({ stationId: idSchema, waiting: z.number().int() })),
  /**
   * Tickets the hub gave up printing today that no reprint has printed since, newest first (at most 50, one per
   * ticket, no test pages): the alerts a screen shows after a reload (hub/print/failed-tickets.ts).
   */
  failedJobs: z.array(printJobSchema),
});
export const printJobPreviewSchema = z.object({ job: printJobSchema, preview: z.string(), widthChars: z.number().int() });

export const listPrintJobsQuerySchema = z.strictObject({
  state: z
    .union([printJobStateSchema, z.literal('active')])
    .optional()
    .describe('"active" = waiting to print (queued, sending, sent, retry-wait, held, uncertain)'),
  printerId: idSchema.optional(),
  orderId: idSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export type ListPrintJobsQuery = z.infer<typeof listPrintJobsQuerySchema>;

export const reprintSchema = z.strictObject({
  /** print on this printer instead of the job's own (or, if that one is gone, the station's) */
  printerId: idSchema.optional(),
});
export type ReprintInput = z.infer<typeof reprintSchema>;

/** Print an order's bill (something due) or receipt (paid); on the receipt printer unless one is named. */
export const receiptSchema = z.strictObject({
  printerId: idSchema.optional(),
});
export type ReceiptInput = z.infer<typeof receiptSchema>;

/**
 * `POST /api/v1/reports/day/print`: the day's takings on the receipt printer (unless one is named), as they
 * stand when the hub takes the request. No day named: the day it is now.
 */
export const printDayReportSchema = z.strictObject({
  businessDate: businessDateSchema.optional(),
  printerId: idSchema.optional(),
});
export type PrintDayReportInput = z.infer<typeof printDayReportSchema>;

/** The job queued, and the report it prints (the figures on the paper, as of `report.asOf`). */
export const dayReportPrintResponseSchema = z.object({ job: printJobSchema, report: dayReportSchema });

export const printerParamsSchema = z.strictObject({ printerId: idSchema });
export const printJobParamsSchema = z.strictObject({ jobId: z.coerce.number().int().positive() });

/** Event payloads (topic `printers`, plus `station:<id>` of the stations concerned). */
export const printingEventPayloadSchemas = {
  'printer.configured': z.object({ printer: printerConfigSchema }),
  'printer.removed': z.object({ printerId: idSchema, name: z.string() }),
  'printer.down': z.object({
    printerId: idSchema,
    name: z.string(),
    state: z.enum(['offline', 'held']),
    reason: z.string(),
    since: epochMsSchema,
  }),
  'printer.up': z.object({ printerId: idSchema, name: z.string(), downMs: z.number().int() }),
  'printer.failed_over': z.object({ printerId: idSchema, name: z.string(), backupPrinterId: idSchema, jobIds: z.array(z.number().int()) }),
  'print.job_state_changed': z.object({ job: printJobSchema }),
  'print.job_failed': z.object({ job: printJobSchema, error: z.string() }),
} as const;
