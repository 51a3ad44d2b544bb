import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BackupStatus, ClockStatus, IntegrityStatus, PublicGateStatus, StorageStatus } from '../protocol/health.ts';
import type { LoggedEvent } from '../store/event-log.ts';

/** `brigade_storage_state`'s values, worst last. */
const STORAGE_STATES: Record<StorageStatus['state'], number> = { ok: 0, low: 1, critical: 2, full: 3 };

/** Prometheus metrics for `GET /metrics`: load, latency, shedding and the writer's batching. */
export class HubMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'brigade_http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'brigade_http_request_duration_seconds',
    help: 'HTTP request latency by route kind',
    labelNames: ['kind'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  /** The figure to watch at the peak: waiters and the kitchen must stay fast whatever the phones do. */
  readonly staffMutations = new Histogram({
    name: 'brigade_staff_mutation_seconds',
    help: 'Staff and kitchen mutations, from their headers to their answer (the public channel is shed first to keep this low)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly shed = new Counter({
    name: 'brigade_shed_total',
    help: 'Requests refused by admission control (public traffic first)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly events = new Counter({
    name: 'brigade_events_total',
    help: 'Events committed to the log, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly streamBytes = new Counter({
    name: 'brigade_stream_bytes_total',
    help: 'Bytes of event-stream frames written to sockets, plain or compressed (permessage-deflate)',
    labelNames: ['form'] as const,
    registers: [this.registry],
  });
  /** The kitchen's side of the peak: how long a committed event waits before every screen has been sent it. */
  readonly streamDelivery = new Histogram({
    name: 'brigade_stream_delivery_seconds',
    help: 'Live events, from their commit to the hub writing them to the last subscribed stream socket (per event)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly batch = new Histogram({
    name: 'brigade_write_batch_jobs',
    help: 'Mutations committed per transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly commit = new Histogram({
    name: 'brigade_write_commit_seconds',
    help: 'Time to run and commit one write batch (includes the fsync)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });

  readonly checkpoint = new Histogram({
    name: 'brigade_wal_checkpoint_seconds',
    help: 'WAL checkpoints: on their own thread, and the remainder finished on the writer\'s thread',
    labelNames: ['where'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });

  readonly storageFull = new Counter({
    name: 'brigade_storage_full_total',
    help: 'Writes that failed because the disk was full (the devices resend them)',
    registers: [this.registry],
  });

  constructor(gauges: {
    queueDepth: () => number;
    /** Writes refused since the start because another program held the store's write lock. */
    storeBusyRefusals: () => number;
    streamClients: () => number;
    streamReplays: () => number;
    eventLoopLagMs: () => number;
    seq: () => number;
    /** The disk under the store; absent for an in-memory store. */
    storage?: () => StorageStatus;
    /** The store's backups; absent when they are off. */
    backups?: () => BackupStatus;
    /** The hub's clock against its store; absent for an in-memory store. */
    clock?: () => ClockStatus;
    /** Whether the store file is whole; absent for an in-memory store. */
    integrity?: () => IntegrityStatus;
    /** What waits in the public address's thread; absent when HUB_PUBLIC_PORT=off. */
    publicGate?: () => PublicGateStatus;
  }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'brigade_' });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(read()); } });
    gauge('brigade_write_queue_depth', 'Mutations waiting for the writer', gauges.queueDepth);
    gauge('brigade_stream_clients', 'Connected event-stream sockets', gauges.streamClients);
    gauge('brigade_stream_replays', 'Event-stream sockets catching up on a gap, page by page', gauges.streamReplays);
    gauge('brigade_event_loop_lag_p99_ms', 'Event-loop delay, p99 over the last 5–10 s', gauges.eventLoopLagMs);
    gauge('brigade_event_log_head_seq', 'Highest committed event seq', gauges.seq);
    const busyRefusals = gauges.storeBusyRefusals;
    new Counter({
      name: 'brigade_store_busy_refusals_total',
      help: "Writes refused because another program held the store's write lock (devices' requests answered 503 store_busy, and the hub's own writes, printing's included, which it tries again): anything above 0 means something opened brigade.db beside the hub",
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(busyRefusals());
      },
    });
    const storage = gauges.storage;
    if (storage) {
      gauge('brigade_disk_free_bytes', "Free space the hub can write on the data directory's disk, its reserve not counted", () => storage().freeBytes);
      gauge('brigade_store_bytes', 'The database and its write-ahead log', () => storage().storeBytes);
      gauge('brigade_disk_reserve_bytes', 'Space held back for a full disk (0 once given up)', () => storage().reserveBytes);
      gauge('brigade_storage_state', 'The disk under the store: 0 ok, 1 low, 2 critical (no reserve left), 3 full (writes failing)', () => STORAGE_STATES[storage().state]);
    }
    const backups = gauges.backups;
    if (backups) {
      // alert on age (time() - this), not on a count: a store that did not change is not copied again
      gauge('brigade_backup_last_timestamp_seconds', 'When the newest backup of the store was taken (0: none yet)', () => (backups().lastAt ?? 0) / 1000);
      gauge('brigade_backup_failing', '1 while the last backup attempt failed', () => (backups().state === 'failed' ? 1 : 0));
    }
    const clock = gauges.clock;
    if (clock) gauge('brigade_clock_behind_store_seconds', "How far the hub's clock is behind the latest time its store holds (over 120: set the time)", () => clock().behindMs / 1000);
    const integrity = gauges.integrity;
    if (integrity) gauge('brigade_store_damaged', '1 once the store file was found damaged (put the newest backup back: npm run restore)', () => (integrity().state === 'damaged' ? 1 : 0));
    const publicGate = gauges.publicGate;
    if (publicGate) this.publicGateGauges(publicGate);
  }

  /**
   * The public address's thread: what waits in it now. Its figures are labelled by `stage`, so that while
   * the thread is not running they have no sample at all, rather than zeros that look measured.
   */
  private publicGateGauges(status: () => PublicGateStatus): void {
    const registers = [this.registry];
    new Gauge({
      name: 'brigade_public_gate_up',
      help: "1 while the public address's thread serves phones and kiosks; 0 while it starts, restarts after dying, or could not start (phones then use the staff port)",
      registers,
      collect() {
        this.set(status().state === 'running' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'brigade_public_gate_api_places',
      help: 'HUB_PUBLIC_INFLIGHT: API requests the public address lets wait on the hub at once; past that, phones get 503 + Retry-After',
      registers,
      collect() {
        this.set(status().apiPlaces ?? 0);
      },
    });
    new Gauge({
      name: 'brigade_public_gate_requests',
      help: 'Requests waiting in the public address: api passed to the hub, each holding one of brigade_public_gate_api_places; pages (pages, assets, photos) passed to the hub, over 16 waiting for a connection; body, API requests whose bodies are still arriving',
      labelNames: ['stage'] as const,
      registers,
      collect() {
        this.reset();
        const s = status();
        if (s.apiInFlight !== null) this.set({ stage: 'api' }, s.apiInFlight);
        if (s.pagesInFlight !== null) this.set({ stage: 'pages' }, s.pagesInFlight);
        if (s.bodiesArriving !== null) this.set({ stage: 'body' }, s.bodiesArriving);
      },
    });
    new Gauge({
      name: 'brigade_public_gate_oldest_wait_seconds',
      help: 'How long the oldest API request the public address passed to the hub has waited for its answer so far (0: none waiting)',
      labelNames: ['stage'] as const,
      registers,
      collect() {
        this.reset();
        const ms = status().oldestApiWaitMs;
        if (ms !== null) this.set({ stage: 'api' }, ms / 1000);
      },
    });
  }

  /**
   * Counts one answered request. The label sets are bound once and kept: prom-client hashes a labels
   * object on every call, which was a visible share of the few microseconds a refused request may cost.
   */
  observeRequest(route: string | readonly string[], method: string, status: number, kind: 'read' | 'mutation', seconds: number): void {
    const key = `${method} ${status} ${String(route)}`;
    let counter = this.requestCounters.get(key);
    if (!counter) this.requestCounters.set(key, (counter = this.requests.labels({ route: String(route), method, status: String(status) })));
    counter.inc();
    this.latencyByKind[kind].observe(seconds);
  }

  /** Counts one refusal by admission control, with its label set bound once (see observeRequest). */
  countShed(reason: 'rate' | 'queue' | 'lag' | 'writer' | 'gate', count = 1): void {
    this.shedByReason[reason].inc(count);
  }

  private readonly requestCounters = new Map<string, { inc(): void }>();
  private readonly shedByReason = {
    rate: this.shed.labels('rate'),
    queue: this.shed.labels('queue'),
    lag: this.shed.labels('lag'),
    writer: this.shed.labels('writer'),
    gate: this.shed.labels('gate'),
  };
  private readonly latencyByKind = { read: this.latency.labels('read'), mutation: this.latency.labels('mutation') };

  private readonly streamBytesByForm = { plain: this.streamBytes.labels('plain'), deflated: this.streamBytes.labels('deflated') };

  observeStreamDelivery(ms: number, events: number): void {
    for (let i = 0; i < events; i++) this.streamDelivery.observe(ms / 1000);
  }

  countStreamBytes(form: 'plain' | 'deflated', bytes: number): void {
    this.streamBytesByForm[form].inc(bytes);
  }

  countEvents(events: readonly LoggedEvent[]): void {
    for (const e of events) this.events.inc({ type: e.type });
  }
}
