import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The store's tables. drizzle-kit generates the committed SQL migrations in ./migrations from this file
 * (`npm run db:generate`); the hub applies them at start-up. Money columns are integer minor units,
 * times are UTC epoch milliseconds.
 */

export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** The spine: every state change appends one row here in the same transaction. */
export const events = sqliteTable(
  'events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    type: text('type').notNull(),
    at: integer('at').notNull(),
    deviceId: text('device_id'),
    staffId: text('staff_id'),
    /** Space-separated topics (`orders table:t-a1 station:hot`) for filtered replay. */
    topics: text('topics').notNull(),
    payload: text('payload').notNull(),
  },
  (t) => [index('events_at').on(t.at)],
);

/** One row per mutation key: the response is stored with the write, so a replay answers without writing. */
export const idempotencyKeys = sqliteTable('idempotency_keys', {
  key: text('key').primaryKey(),
  principal: text('principal').notNull(),
  requestHash: text('request_hash').notNull(),
  status: integer('status').notNull(),
  /** Empty when `bodyEventSeq` names the event whose payload is the response, byte for byte. */
  body: text('body').notNull(),
  /**
   * A placed order's answer is the very JSON of its `order.placed` event: stored once, in the event, instead
   * of twice (a third of the bytes an order writes). Events are never deleted.
   */
  bodyEventSeq: integer('body_event_seq'),
  createdAt: integer('created_at').notNull(),
});

export const stations = sqliteTable('stations', {
  id: text('id').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  targetPrepSeconds: integer('target_prep_seconds').notNull(),
});

export const categories = sqliteTable('categories', {
  id: text('id').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  sort: integer('sort').notNull(),
});

export const optionGroups = sqliteTable('option_groups', {
  id: text('id').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  minChoices: integer('min_choices').notNull(),
  maxChoices: integer('max_choices').notNull(),
  sort: integer('sort').notNull(),
});

export const options = sqliteTable('options', {
  id: text('id').primaryKey(),
  groupId: text('group_id')
    .notNull()
    .references(() => optionGroups.id),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  priceDeltaMinor: integer('price_delta_minor').notNull(),
  sort: integer('sort').notNull(),
});

/**
 * Photos of dishes, one row per processed upload. The WebP variants live in `<data dir>/media/` named by
 * hash and width, written and synced before the row that names them commits.
 */
export const mediaImages = sqliteTable('media_images', {
  hash: text('hash').primaryKey(),
  /** Variant widths in px, ascending, comma-separated (`160,320,640`). */
  widths: text('widths').notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  color: text('color').notNull(),
  createdAt: integer('created_at').notNull(),
});

export const items = sqliteTable('items', {
  id: text('id').primaryKey(),
  categoryId: text('category_id')
    .notNull()
    .references(() => categories.id),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  descriptionZh: text('description_zh'),
  descriptionEn: text('description_en'),
  priceMinor: integer('price_minor').notNull(),
  stationId: text('station_id')
    .notNull()
    .references(() => stations.id),
  available: integer('available', { mode: 'boolean' }).notNull().default(true),
  remaining: integer('remaining'),
  targetPrepSeconds: integer('target_prep_seconds'),
  sort: integer('sort').notNull(),
  imageHash: text('image_hash').references(() => mediaImages.hash),
  /**
   * `today`: the count and the sold-out switch are the business day's, and reset (back on sale, not counted)
   * when the next one starts; `until_changed`: they hold until a manager changes them (a dish off the menu).
   */
  stockFor: text('stock_for', { enum: ['today', 'until_changed'] }).notNull().default('today'),
  /**
   * The business day a manager last set the count, the switch or `stock_for` (null: never since this column
   * came): the reset takes the `today` items set on an earlier day, and clears this, so it runs once.
   */
  stockSetOn: text('stock_set_on'),
});

export const itemOptionGroups = sqliteTable(
  'item_option_groups',
  {
    itemId: text('item_id')
      .notNull()
      .references(() => items.id),
    groupId: text('group_id')
      .notNull()
      .references(() => optionGroups.id),
    sort: integer('sort').notNull(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.groupId] })],
);

export const areas = sqliteTable('areas', {
  id: text('id').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  sort: integer('sort').notNull(),
});

export const diningTables = sqliteTable('dining_tables', {
  id: text('id').primaryKey(),
  areaId: text('area_id')
    .notNull()
    .references(() => areas.id),
  name: text('name').notNull(),
  seats: integer('seats').notNull(),
  /** The secret in the table's QR code; rotating it invalidates printed codes. */
  qrToken: text('qr_token').notNull().unique(),
});

export const staff = sqliteTable(
  'staff',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: ['waiter', 'cashier', 'kitchen', 'manager'] }).notNull(),
    pinHash: text('pin_hash').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
  },
  (t) => [
    // sign-in is by PIN alone, so an active PIN names one person; a departed person's PIN can be given to
    // someone else (their re-activation is then refused until they have a new one, hub/domain/staff-admin.ts)
    uniqueIndex('staff_active_pin').on(t.pinHash).where(sql`${t.active} = 1`),
  ],
);

export const devices = sqliteTable('devices', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  pairedAt: integer('paired_at').notNull(),
  revokedAt: integer('revoked_at'),
});

export const staffSessions = sqliteTable('staff_sessions', {
  tokenHash: text('token_hash').primaryKey(),
  staffId: text('staff_id')
    .notNull()
    .references(() => staff.id),
  deviceId: text('device_id')
    .notNull()
    .references(() => devices.id),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

export const orderCounters = sqliteTable('order_counters', {
  businessDate: text('business_date').primaryKey(),
  lastNumber: integer('last_number').notNull(),
});

export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    number: integer('number').notNull(),
    businessDate: text('business_date').notNull(),
    channel: text('channel').notNull(),
    tableId: text('table_id').references(() => diningTables.id),
    guestCount: integer('guest_count'),
    note: text('note'),
    status: text('status').notNull(),
    subtotalMinor: integer('subtotal_minor').notNull(),
    /** The discount the bill applies: the granted one, capped at the subtotal. */
    discountMinor: integer('discount_minor').notNull(),
    /** The discount a manager granted, kept whole when a void leaves less food than it. */
    discountGrantedMinor: integer('discount_granted_minor').notNull().default(0),
    discountReason: text('discount_reason'),
    totalMinor: integer('total_minor').notNull(),
    paidMinor: integer('paid_minor').notNull(),
    dueMinor: integer('due_minor').notNull(),
    revision: integer('revision').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    closedAt: integer('closed_at'),
    /**
     * When the party now holding it sat down at its table: placed, or moved there. A reopen asks it whether
     * an open order at the table is a later party's (one moved in was placed earlier, at another table).
     * Null only on a row from before the column, which the migration fills; read as its creation.
     */
    seatedAt: integer('seated_at'),
    /** Kitchen-aware pacing: when the kitchen was busy, the ready time quoted to a kiosk/QR customer. */
    quotedReadyAt: integer('quoted_ready_at'),
    /** Rush / VIP: kitchen screens sort it first. */
    rush: integer('rush', { mode: 'boolean' }).notNull().default(false),
    deviceId: text('device_id'),
    staffId: text('staff_id'),
    staffName: text('staff_name'),
    /** Status `merged`: the order that took this one's lines and payments. */
    mergedIntoOrderId: text('merged_into_order_id'),
    /** The table asked for the bill (floor status "bill requested"); cleared when the order closes. */
    billRequestedAt: integer('bill_requested_at'),
  },
  // Orders are never deleted, so every read the hub serves while it runs must find its rows through an index
  // whose part it reads does not grow with the store's history (hub/store/query-plans.test.ts holds them to
  // it). Open orders are read through `orders_status`, one status at a time.
  (t) => [
    uniqueIndex('orders_day_number').on(t.businessDate, t.number),
    index('orders_status').on(t.status, t.createdAt),
    index('orders_table').on(t.tableId, t.createdAt).where(sql`${t.tableId} IS NOT NULL`),
    index('orders_created').on(t.createdAt),
    // one business day's orders newest first, and a page of them on from a cursor (today's bills)
    index('orders_day_created').on(t.businessDate, t.createdAt),
    // orders voided or closed lately, for the kitchen snapshot's void notices (READY_FOOD_KEPT_MS): a line
    // voided while cooking on an order then paid owes the cooks its notice too. Only done orders are in it,
    // so the updates of open orders write nothing to it; a range on updated_at reads the last two hours'
    index('orders_done_updated').on(t.updatedAt).where(sql`${t.status} IN ('voided', 'closed')`),
  ],
);

export const orderLines = sqliteTable(
  'order_lines',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    position: integer('position').notNull(),
    itemId: text('item_id').notNull(),
    nameZh: text('name_zh').notNull(),
    nameEn: text('name_en').notNull(),
    stationId: text('station_id').notNull(),
    qty: integer('qty').notNull(),
    unitPriceMinor: integer('unit_price_minor').notNull(),
    lineTotalMinor: integer('line_total_minor').notNull(),
    /** Chosen options as snapshotted JSON: names and prices as they were when ordered. */
    options: text('options').notNull(),
    note: text('note'),
    course: integer('course').notNull(),
    /** The guest's seat, for splitting the bill by seat. */
    seat: integer('seat'),
    status: text('status').notNull(),
    voidReason: text('void_reason'),
    addedAt: integer('added_at').notNull(),
    firedAt: integer('fired_at'),
    readyAt: integer('ready_at'),
    servedAt: integer('served_at'),
    addedByStaffId: text('added_by_staff_id'),
    /**
     * The order the line was fired on, when a merge has since moved it (OrderLine.mergedFrom): its kitchen
     * ticket carried that order's number and table. Null for lines ordered here and lines moved while held.
     */
    mergedFromOrderId: text('merged_from_order_id'),
    mergedFromNumber: integer('merged_from_number'),
    mergedFromTableId: text('merged_from_table_id'),
  },
  (t) => [
    index('order_lines_order').on(t.orderId, t.position),
    /**
     * Lines still in the kitchen (fired, preparing, ready since…) among a year of served ones. With order_id,
     * the kitchen's open-ticket count (asked by every kiosk and QR order) reads the index alone.
     */
    index('order_lines_status').on(t.status, t.readyAt, t.orderId),
  ],
);

export const payments = sqliteTable(
  'payments',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    tender: text('tender').notNull(),
    amountMinor: integer('amount_minor').notNull(),
    tenderedMinor: integer('tendered_minor'),
    changeMinor: integer('change_minor').notNull(),
    reference: text('reference'),
    createdAt: integer('created_at').notNull(),
    staffId: text('staff_id'),
    /** JSON `[{ lineId, amountMinor }]`: the lines this payment covers (split by item or seat). */
    lines: text('lines').notNull().default('[]'),
  },
  // payments_created: the payments of one business day, a range bounded on both sides (the day's takings)
  (t) => [index('payments_order').on(t.orderId), index('payments_created').on(t.createdAt)],
);

/**
 * Money given back on one payment. Payments are never changed: a refund is a row of its own. `order_id`
 * is the order holding the payment now (a merge moves both), so an order reads its refunds as its payments.
 */
/**
 * The portions of a counted dish each line took when it was ordered: a void gives back exactly these. A line
 * ordered while its dish was not counted took none, whatever the count says by the time it is voided. A new
 * count (or ending one) removes the dish's rows: the count is what is left to sell, and earlier lines' portions
 * are in it. Lines ordered before this table existed have no row, and give nothing back.
 */
export const stockTaken = sqliteTable(
  'stock_taken',
  {
    lineId: text('line_id').primaryKey(),
    itemId: text('item_id').notNull(),
    qty: integer('qty').notNull(),
  },
  // a new count, its end or the day's reset forgets one dish's rows: without this, a scan of the whole table
  // (12-66 ms at 200k rows, in the writer's transaction)
  (t) => [index('stock_taken_item').on(t.itemId)],
);

export const refunds = sqliteTable(
  'refunds',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id),
    paymentId: text('payment_id')
      .notNull()
      .references(() => payments.id),
    amountMinor: integer('amount_minor').notNull(),
    /** JSON `[{ lineId, amountMinor }]`: what of the payment's lines it gives back (empty: a bill-level payment). */
    lines: text('lines').notNull().default('[]'),
    reference: text('reference'),
    reason: text('reason').notNull(),
    createdAt: integer('created_at').notNull(),
    staffId: text('staff_id'),
  },
  // refunds_created: the refunds of one business day (the day's takings), a range bounded on both sides
  (t) => [index('refunds_order').on(t.orderId), index('refunds_created').on(t.createdAt)],
);

/** Kitchen printers (port 9100). `stations` is a JSON array of station ids; config changes apply live. */
export const printers = sqliteTable('printers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  host: text('host').notNull(),
  port: integer('port').notNull(),
  encoding: text('encoding').notNull(),
  widthChars: integer('width_chars').notNull(),
  stations: text('stations').notNull(),
  backupPrinterId: text('backup_printer_id'),
  buzzer: text('buzzer').notNull(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  /** An embedded simulator the hub starts itself (HUB_PRINTERS=sim); its port changes at each start. */
  simulated: integer('simulated', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * The durable print queue. Rows are created in the same transaction as the order change that needs them;
 * `idempotency_key` (order + revision + event seq + station + kind + printer) makes a second row for the
 * same ticket impossible. `document` is the ticket as printed (a printers/ TicketDocument, JSON), so
 * reprints and previews never depend on later state; banners (possible duplicate, reprint, moved from) are
 * added at print time from the flags.
 */
export const printJobs = sqliteTable(
  'print_jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    idempotencyKey: text('idempotency_key').notNull(),
    kind: text('kind').notNull(),
    orderId: text('order_id'),
    orderNumber: text('order_number'),
    stationId: text('station_id'),
    /** null: no printer serves the station (the job is `failed`) */
    printerId: text('printer_id'),
    state: text('state').notNull(),
    document: text('document').notNull(),
    /** the event that caused the job */
    sourceSeq: integer('source_seq'),
    possibleDuplicate: integer('possible_duplicate', { mode: 'boolean' }).notNull().default(false),
    reprintOf: integer('reprint_of'),
    reprintNumber: integer('reprint_number'),
    movedFromJobId: integer('moved_from_job_id'),
    movedFromPrinter: text('moved_from_printer'),
    attempts: integer('attempts').notNull().default(0),
    /** results that left the job uncertain; past a limit the job fails instead of printing more duplicates */
    uncertainCount: integer('uncertain_count').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    sentAt: integer('sent_at'),
    confirmedAt: integer('confirmed_at'),
  },
  (t) => [
    uniqueIndex('print_jobs_key').on(t.idempotencyKey),
    index('print_jobs_printer').on(t.printerId, t.state, t.id),
    index('print_jobs_state').on(t.state),
    index('print_jobs_order').on(t.orderId).where(sql`${t.orderId} IS NOT NULL`),
    index('print_jobs_reprint').on(t.reprintOf).where(sql`${t.reprintOf} IS NOT NULL`),
    /** One printer's tickets, newest first, for a manager's list: a page without sorting the printer's year. */
    index('print_jobs_printer_id').on(t.printerId, t.id),
    /**
     * Finished jobs whose document is not compacted yet, by when they finished (hub/store/compactor.ts,
     * PRINT_JOBS): a job enters when it finishes and leaves when its document is packed, a day later.
     */
    index('print_jobs_to_compact')
      .on(t.updatedAt)
      .where(sql`${t.state} IN ('confirmed', 'failed', 'rerouted') AND ${t.document} GLOB '{*'`),
  ],
);

/**
 * A card the kiosk's terminal charged that the hub refused to record as a payment (the order was voided,
 * paid at the counter meanwhile, or its amount changed): the customer paid and the takings do not show it.
 * Written with the refusal's stored answer (hub/http/mutations.ts, `onRefused`), listed on the staff
 * tablets until a manager resolves it (refunded on the terminal, recorded as an order's card payment, or
 * other: `resolution_kind`, migration 0022). No foreign key on `order_id`: the refusal may be that no such
 * order exists.
 */
export const unrecordedCardCharges = sqliteTable(
  'unrecorded_card_charges',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull(),
    /** The order's number, for the strip (null when the order is unknown). */
    orderNumber: integer('order_number'),
    amountMinor: integer('amount_minor').notNull(),
    /** The terminal's reference, as the kiosk sent it. */
    reference: text('reference'),
    deviceId: text('device_id'),
    /** The hub's refusal, as the kiosk was answered. */
    refusalCode: text('refusal_code').notNull(),
    refusalMessage: text('refusal_message').notNull(),
    createdAt: integer('created_at').notNull(),
    resolvedAt: integer('resolved_at'),
    resolvedBy: text('resolved_by'),
    /** What became of it (null while unresolved); rows resolved before there were kinds were set to `other`. */
    resolutionKind: text('resolution_kind', { enum: ['refunded_on_terminal', 'recorded_as_payment', 'other'] }),
    /** `recorded_as_payment`: the order whose card payment it became, and its number. */
    resolutionOrderId: text('resolution_order_id'),
    resolutionOrderNumber: integer('resolution_order_number'),
    resolutionNote: text('resolution_note'),
    /** `recorded_as_payment`: the card payment it became (each payment is one charge's at most). */
    resolutionPaymentId: text('resolution_payment_id'),
    /**
     * When it left what the terminal holds beyond the payments: refunded on the terminal, when the manager said
     * so; recorded as a payment, when that payment was taken (it is in that day's payments from then on). Null
     * for other resolutions and while unresolved.
     */
    settledAt: integer('settled_at'),
  },
  (t) => [
    // the open ones only: resolved rows leave the index, so the tablets' list never reads the history
    index('unrecorded_card_charges_open').on(t.createdAt).where(sql`${t.resolvedAt} IS NULL`),
    // every one, resolved or not: the day's takings read one business day of them, a range bounded on both sides
    index('unrecorded_card_charges_created').on(t.createdAt),
    // and the earlier days' ones settled during the day (refunded on its terminal, recorded in its payments)
    index('unrecorded_card_charges_settled').on(t.settledAt),
  ],
);

/**
 * The opening float of each business day: the cash counted into the drawer before the first sale, which the
 * drawer holds on top of the day's cash takings. One row a day, the latest recorded (a later one replaces
 * it, naming it by `id`); each one recorded is in the event log too (`day.float_set`, with the one it replaced).
 */
export const dayFloats = sqliteTable('day_floats', {
  businessDate: text('business_date').primaryKey(),
  /** Made by the device that recorded it (migration 0022 gave the floats before it `float-<day>`); always set. */
  id: text('id'),
  amountMinor: integer('amount_minor').notNull(),
  setAt: integer('set_at').notNull(),
  /** The cashier or manager who recorded it. */
  staffId: text('staff_id'),
});
