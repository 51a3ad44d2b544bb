import type { HubConfig } from './config.ts';
import type { AuthService } from './domain/auth-service.ts';
import type { MenuService } from './domain/menu-service.ts';
import type { OrderService } from './domain/order-service.ts';
import type { KitchenService } from './domain/pacing.ts';
import type { Admission } from './http/admission.ts';
import type { HubMetrics } from './http/metrics.ts';
import type { FailureLimiter, PairingCodeBook } from './http/pairing-codes.ts';
import type { Db, StoreIdentity } from './store/db.ts';
import type { EventLog } from './store/event-log.ts';
import type { SqliteFloorRepo } from './store/floor-repo.ts';
import type { IdempotencyStore } from './store/idempotency.ts';
import type { MenuCatalog } from './store/menu-repo.ts';
import type { SharpImageStore } from './media/sharp-image-store.ts';
import type { Writer } from './store/writer.ts';
import type { PrintService } from './print/print-service.ts';
import type { StorageGuard } from './store/storage-guard.ts';
import type { BackupStatus, PublicGateStatus } from './protocol/health.ts';
import type { CardChargeService } from './domain/card-charges.ts';
import type { DayReportService } from './domain/day-report.ts';
import type { ClockCheck } from './clock-check.ts';
import type { StoreIntegrity } from './store/integrity.ts';

/** Everything the transports call, built once by main. */
export interface Services {
  config: HubConfig;
  db: Db;
  identity: StoreIdentity & { storeName: string };
  version: string;
  startedAt: number;
  clock: () => number;
  newId: () => string;
  orders: OrderService;
  menu: MenuService;
  kitchen: KitchenService;
  catalog: MenuCatalog;
  /** Dish photos: processing and the variant files under `<data dir>/media/`. */
  media: SharpImageStore;
  auth: AuthService;
  floor: SqliteFloorRepo;
  events: EventLog;
  idempotency: IdempotencyStore;
  writer: Writer;
  pairing: PairingCodeBook;
  pinFailures: FailureLimiter;
  pairFailures: FailureLimiter;
  /** Wrong pairing codes from everyone, per address of the hub (staff, public). */
  pairGuesses: FailureLimiter;
  admission: Admission;
  metrics: HubMetrics;
  stats: { streamClients(): number; streamReplays(): number; eventLoopLagMs(): number; publicGate(): PublicGateStatus };
  /** Kitchen printing (hub/print): planner, printer workers, configuration. */
  printing?: PrintService;
  /** The disk under the store (absent for an in-memory store). */
  storage?: StorageGuard;
  /** Card sales a kiosk's terminal approved that the hub refused to record: for a manager to resolve. */
  cardCharges: CardChargeService;
  /** The day's takings (a Z report), for closing the till. */
  dayReports: DayReportService;
  /** How the store's backups go (absent for an in-memory store). */
  backupStatus?: () => BackupStatus;
  /** The hub's clock against its store (absent for an in-memory store). */
  clockCheck?: ClockCheck;
  /** Whether the store file is whole (absent for an in-memory store). */
  integrity?: StoreIntegrity;
  /** The disk refused a write outside the writer (a photo): counted, and the storage guard told. */
  diskFull(): void;
}
