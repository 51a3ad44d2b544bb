/**
 * The verifier: after a load run, compares the hub's SQLite file (opened read-only) with what the
 * generator logged.
 *
 *  [V1] every acknowledged order (place → 201) is in `orders` exactly once, with exactly one `order.placed`
 *  [V2] every acknowledged 2xx mutation has its Idempotency-Key stored with the same status (and, for a
 *       place, the same order): a retry could only ever have been answered from it
 *  [V3] no mutation applied twice: per order, `order.lines_added` / `order.payment_taken` /
 *       `order.lines_status_changed` events number between the acknowledged successes and those plus the
 *       abandoned attempts (an abandoned mutation may have been applied, at most once); and none on an
 *       order of the run that no logged mutation named
 *  [V4] no phantom orders: every order in the database is accounted for by a logged key (strict mode)
 *  [V5] every stream subscriber received every event of its topics, in strictly increasing seq order, with
 *       no gap and no duplicate, from its welcome's fromSeq to its last upToSeq (seqs, types and count
 *       checked against the `events` table)
 *  [V6] every subscriber reached the run's final head before it closed; none was reset
 *  [V0] the logs are whole: every worker run.json names left its completion mark, and its files hold as many
 *       acknowledgements and subscriber records as it wrote and as it was planned to hold sockets (a log cut
 *       short by a killed worker would otherwise just be a shorter run that passes)
 *
 * Usable as a function (`verifyRun`) and as a CLI: `tsx scripts/load/verify.ts <run-dir> [--db FILE]`;
 * exits non-zero with a report when anything fails.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FNV_OFFSET, fnv1a, type AckRecord, type DoneRecord, type RunMeta, type SegmentRecord, type SubscriberRecord } from './records.ts';
import { sealedKey } from '../../hub/store/idempotency.ts';
import { Dictionaries } from '../../hub/store/compactor.ts';

export interface VerifyOptions {
  runDir: string;
  /** Overrides run.json's dbFile. */
  dbFile?: string | undefined;
  /**
   * [V4] the orders in the database a logged key must account for: `all` (default); `run`, those created
   * since the run started, for a store that held orders before it (`--data-dir`: history is not the run's,
   * but a duplicate the run made still is); `none` when other clients used the hub too (`--lenient`).
   */
  accountFor?: 'all' | 'run' | 'none';
}

export interface VerifyReport {
  ok: boolean;
  failures: string[];
  summary: {
    acks: number;
    ordersAcked: number;
    ordersInDb: number;
    abandoned: number;
    mutationsAcked: Record<string, number>;
    subscribers: number;
    segments: number;
    eventsInDb: number;
    eventsDelivered: number;
    headSeq: number;
  };
}

const MAX_LISTED = 10;
const success = (op: string, status: number) => (op === 'place' || op === 'pay' || op === 'pair' || op === 'signin' ? status === 201 : status === 200);
/** The event each successful mutation appends exactly once (the one that names it). */
const eventOf: Record<string, string> = { add: 'order.lines_added', pay: 'order.payment_taken', bump: 'order.lines_status_changed' };

/** The records of one JSONL file; a line that does not parse (cut mid-write) is reported, not thrown. */
function readJsonlFile<T>(file: string, problems: string[]): T[] {
  const out: T[] = [];
  if (!existsSync(file)) return out;
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      problems.push(`${file.split('/').pop()} line ${i + 1} does not parse (cut mid-write?): the log is incomplete`);
    }
  });
  return out;
}

interface Logs {
  acks: AckRecord[];
  subs: SubscriberRecord[];
  /** [V0] failures: logs missing, cut short, or short of what their worker wrote or was planned to hold. */
  incomplete: string[];
  fewerSubscribers: string[];
}

/**
 * Reads every worker's logs and checks they are whole. The workers come from run.json (written before they
 * were forked), and logs of any worker it does not name are read too, and reported.
 */
function readLogs(dir: string, meta: RunMeta): Logs {
  const logs: Logs = { acks: [], subs: [], incomplete: [], fewerSubscribers: [] };
  const workerOf = (name: string, prefix: string, ext: string) => (name.startsWith(prefix) && name.endsWith(ext) ? name.slice(prefix.length, -ext.length) : undefined);
  const onDisk = new Set<string>();
  for (const name of readdirSync(dir)) {
    const id = workerOf(name, 'acks-', '.jsonl') ?? workerOf(name, 'subs-', '.jsonl') ?? workerOf(name, 'done-', '.json');
    if (id !== undefined) onDisk.add(id);
  }
  if (!meta.workers) logs.incomplete.push('run.json names no workers (an older generator?): there is no telling whether the logs are whole, so the log is incomplete');
  const planned = new Map((meta.workers ?? []).map((w) => [w.id, w.sockets]));
  for (const id of [...new Set([...planned.keys(), ...onDisk])].sort()) {
    const acks = readJsonlFile<AckRecord>(join(dir, `acks-${id}.jsonl`), logs.incomplete);
    const subs = readJsonlFile<SubscriberRecord>(join(dir, `subs-${id}.jsonl`), logs.incomplete);
    logs.acks.push(...acks);
    logs.subs.push(...subs);
    if (meta.workers && !planned.has(id)) logs.incomplete.push(`worker ${id} left logs but run.json does not name it (logs of another run?): the log is incomplete`);
    const doneFile = join(dir, `done-${id}.json`);
    if (!existsSync(doneFile)) {
      logs.incomplete.push(`worker ${id} left no completion mark (done-${id}.json): it was killed or crashed, and its log is incomplete`);
      continue;
    }
    let done: DoneRecord;
    try {
      done = JSON.parse(readFileSync(doneFile, 'utf8')) as DoneRecord;
    } catch {
      logs.incomplete.push(`done-${id}.json does not parse: the log is incomplete`);
      continue;
    }
    if (acks.length !== done.acks) logs.incomplete.push(`acks-${id}.jsonl holds ${acks.length} acknowledgements, its worker wrote ${done.acks}: the log is incomplete`);
    if (subs.length !== done.subscribers) logs.incomplete.push(`subs-${id}.jsonl holds ${subs.length} subscribers, its worker wrote ${done.subscribers}: the log is incomplete`);
    const sockets = planned.get(id);
    if (sockets !== undefined && subs.length !== sockets) logs.fewerSubscribers.push(`${id}: ${subs.length} subscriber records, ${sockets} sockets planned`);
  }
  return logs;
}

export function verifyRun(o: VerifyOptions): VerifyReport {
  const meta = JSON.parse(readFileSync(join(o.runDir, 'run.json'), 'utf8')) as RunMeta;
  const dbFile = o.dbFile ?? meta.dbFile;
  if (!dbFile || !existsSync(dbFile)) throw new Error(`no hub database to verify against (${dbFile ?? 'pass --db'})`);
  const logs = readLogs(o.runDir, meta);
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return check(db, logs, meta, o.accountFor ?? 'all');
  } finally {
    db.close();
  }
}

/** A list of failures that keeps the first few examples of each kind and counts the rest. */
class Failures {
  readonly lines: string[] = [];
  private readonly kinds = new Map<string, { n: number; examples: string[] }>();

  add(kind: string, example: string): void {
    const k = this.kinds.get(kind) ?? { n: 0, examples: [] };
    k.n++;
    if (k.examples.length < MAX_LISTED) k.examples.push(example);
    this.kinds.set(kind, k);
  }

  list(): string[] {
    return [...this.kinds].map(([kind, { n, examples }]) => `${kind}: ${n}\n    ${examples.join('\n    ')}${n > examples.length ? `\n    … and ${n - examples.length} more` : ''}`);
  }
}

function check(db: Database.Database, logs: Logs, meta: RunMeta, accountFor: 'all' | 'run' | 'none'): VerifyReport {
  const f = new Failures();
  const { acks, subs } = logs;
  for (const x of logs.incomplete) f.add('[V0] a log is incomplete', x);
  for (const x of logs.fewerSubscribers) f.add('[V0] subscriber records differ from the sockets the worker was planned to hold', x);

  // ---------- the database side ----------
  // old answers and events are stored compacted (hub/store/compactor.ts): read as a replay reads them
  const dictionaries = new Dictionaries(db);
  const orderRows = db.prepare('SELECT id, created_at AS createdAt FROM orders').all() as { id: string; createdAt: number }[];
  const orderIds = new Set(orderRows.map((r) => r.id));
  // events of these types, counted per order: those SQLite can read as JSON counted by SQLite, the compacted
  // ones (older than HUB_COMPACT_EVENTS_AFTER_MS) inflated and counted here
  const perOrder = new Map<string, number>(); // `${type} ${orderId}` → events
  const count = (type: string, id: string, n: number) => perOrder.set(`${type} ${id}`, (perOrder.get(`${type} ${id}`) ?? 0) + n);
  const COUNTED = "type IN ('order.placed', 'order.lines_added', 'order.payment_taken', 'order.lines_status_changed')";
  for (const r of db
    .prepare(`SELECT type, json_extract(payload, '$.order.id') AS id, COUNT(*) AS n FROM events WHERE ${COUNTED} AND payload NOT GLOB 'z*' GROUP BY 1, 2`)
    .all() as { type: string; id: string; n: number }[]) {
    count(r.type, r.id, r.n);
  }
  for (const r of db.prepare(`SELECT type, payload FROM events WHERE ${COUNTED} AND payload GLOB 'z*'`).iterate() as Iterable<{ type: string; payload: string }>) {
    count(r.type, (JSON.parse(dictionaries.unpack(r.payload)) as { order: { id: string } }).order.id, 1);
  }
  const placed = new Map<string, number>();
  for (const [k, n] of perOrder) if (k.startsWith('order.placed ')) placed.set(k.slice('order.placed '.length), n);
  const stored = new Map<string, { status: number; orderId: string | null }>();
  // a placed order's stored answer is its order.placed event's payload (body_event_seq), others are inline
  const byEvent = (db.prepare("SELECT COUNT(*) FROM pragma_table_info('idempotency_keys') WHERE name = 'body_event_seq'").pluck().get() as number) > 0;
  // answers that carry a credential (pairing, sign-in) are sealed, under the hash of their key: no JSON to read
  const storedAnswers = byEvent
    ? `SELECT k.key, k.status, CASE WHEN k.body LIKE 'sealed:%' THEN NULL
              WHEN k.body_event_seq IS NULL THEN k.body ELSE e.payload END AS body
         FROM idempotency_keys k LEFT JOIN events e ON e.seq = k.body_event_seq`
    : "SELECT key, status, CASE WHEN body LIKE 'sealed:%' THEN NULL ELSE body END AS body FROM idempotency_keys";
  for (const r of db.prepare(storedAnswers).iterate() as Iterable<{ key: string; status: number; body: string | null }>) {
    const answer = r.body === null || r.body === '' ? null : (JSON.parse(dictionaries.unpack(r.body)) as { order?: { id?: unknown } } | null);
    const orderId = typeof answer?.order?.id === 'string' ? answer.order.id : null;
    stored.set(r.key, { status: r.status, orderId });
  }

  // ---------- [V1] [V2] acknowledged orders and stored keys ----------
  const accounted = new Set<string>();
  const expected = new Map<string, { acked: number; abandoned: number; op: string; orderId: string }>();
  const mutationsAcked: Record<string, number> = {};
  let ordersAcked = 0;
  let abandoned = 0;
  const keysSeen = new Map<string, AckRecord>();
  /** orderId → the key that acknowledged it: two keys are two intents, and cannot both be one order. */
  const ackedBy = new Map<string, string>();
  for (const a of acks) {
    const prev = keysSeen.get(a.key);
    if (prev) f.add('an Idempotency-Key was logged twice (the generator reused a key for two intents)', `${a.key} (${prev.op}, ${a.op})`);
    keysSeen.set(a.key, a);
    const st = stored.get(a.key) ?? stored.get(sealedKey(a.key));
    if (a.abandoned) {
      abandoned++;
      if (a.op === 'place') {
        if (a.orderId) accounted.add(a.orderId);
        if (st?.orderId) accounted.add(st.orderId);
        // the order's id chosen on the device and the one its key's answer names are one intent: two ids are
        // two orders for it, both accounted for above, so said here
        if (a.orderId && st?.orderId && a.orderId !== st.orderId) f.add('[V2] the key is stored for another order', `${a.key} (abandoned): sent as ${a.orderId}, stored ${st.orderId}`);
        // the key is written in the order's own transaction: an order without it would be made again by a resend
        if (a.orderId && !st && orderIds.has(a.orderId)) f.add('[V2] an order the hub applied has no stored Idempotency-Key', `${a.orderId} (abandoned key ${a.key}, ${a.dev})`);
        const id = a.orderId ?? st?.orderId;
        if (id && (placed.get(id) ?? 0) > 1) f.add('[V1] an abandoned order was placed more than once', `${id}: ${placed.get(id)} order.placed events`);
        // applied after all (it is in the database): then like any order, with the event the screens get
        if (id && orderIds.has(id) && (placed.get(id) ?? 0) === 0) f.add('[V1] an order the hub applied has no order.placed event', `${id} (abandoned key ${a.key}, ${a.dev})`);
      }
    } else {
      mutationsAcked[`${a.op}:${a.status}`] = (mutationsAcked[`${a.op}:${a.status}`] ?? 0) + 1;
      if (success(a.op, a.status)) {
        if (!st) f.add('[V2] an acknowledged mutation has no stored Idempotency-Key', `${a.op} ${a.key} → ${a.status} (${a.dev})`);
        else if (st.status !== a.status) f.add('[V2] the stored answer differs from the acknowledged one', `${a.op} ${a.key}: acked ${a.status}, stored ${st.status}`);
        else if (a.op === 'place' && st.orderId !== a.orderId) f.add('[V2] the key is stored for another order', `${a.key}: acked ${a.orderId}, stored ${st.orderId}`);
      }
    }
    if (a.op === 'place' && a.status === 201 && !a.abandoned) {
      ordersAcked++;
      if (!a.orderId) {
        f.add('[V1] an acknowledged order has no id in its answer', `${a.key} (${a.dev})`);
        continue;
      }
      accounted.add(a.orderId);
      const other = ackedBy.get(a.orderId);
      if (other !== undefined && other !== a.key) f.add('[V1] two acknowledged orders are one order in the database (one of them is lost)', `${a.orderId}: keys ${other} and ${a.key}`);
      ackedBy.set(a.orderId, a.key);
      if (!orderIds.has(a.orderId)) f.add('[V1] an acknowledged order is missing from the database', `${a.orderId} (key ${a.key}, ${a.dev})`);
      const n = placed.get(a.orderId) ?? 0;
      if (n !== 1) f.add('[V1] an acknowledged order does not have exactly one order.placed event', `${a.orderId}: ${n}`);
    }
    const ev = eventOf[a.op];
    if (ev && a.orderId) {
      const k = `${ev} ${a.orderId}`;
      const e = expected.get(k) ?? { acked: 0, abandoned: 0, op: a.op, orderId: a.orderId };
      if (a.abandoned) e.abandoned++;
      else if (success(a.op, a.status)) e.acked++;
      expected.set(k, e);
    }
  }

  // ---------- [V3] no mutation applied twice (or lost) ----------
  for (const [k, e] of expected) {
    const n = perOrder.get(k) ?? 0;
    if (n < e.acked) f.add(`[V3] acknowledged ${e.op}s missing their events`, `${e.orderId}: ${e.acked} acked, ${n} ${k.split(' ')[0]} events`);
    else if (n > e.acked + e.abandoned) {
      f.add(`[V3] ${e.op} applied more often than asked`, `${e.orderId}: ${e.acked} acked + ${e.abandoned} abandoned, ${n} ${k.split(' ')[0]} events`);
    }
  }

  // A store that held orders before the run still owes an account of every order made since the run
  // started: the hub's clock is this machine's, and history is older (aged stores: days older).
  const started = Date.parse(meta.startedAt);
  const since = accountFor === 'none' ? Infinity : accountFor === 'run' && Number.isFinite(started) ? started : -Infinity;
  const createdAt = new Map(orderRows.map((r) => [r.id, r.createdAt]));
  // [V3] the other way round: such an event on an order of the run that no logged mutation named (applied
  // to the wrong order, or made up) is counted above against no one
  const mutationEvents = new Set(Object.values(eventOf));
  for (const [k, n] of perOrder) {
    const [type, orderId] = [k.slice(0, k.indexOf(' ')), k.slice(k.indexOf(' ') + 1)];
    if (!mutationEvents.has(type) || expected.has(k) || !((createdAt.get(orderId) ?? -Infinity) >= since)) continue;
    const op = Object.keys(eventOf).find((o) => eventOf[o] === type)!;
    f.add(`[V3] ${op} applied more often than asked`, `${orderId}: none asked, ${n} ${type} events`);
  }

  // ---------- [V4] phantom orders ----------
  for (const { id, createdAt } of orderRows) {
    if (createdAt >= since && !accounted.has(id)) f.add('[V4] an order in the database that no logged key accounts for (a duplicate?)', id);
  }
  for (const id of placed.keys()) if (!orderIds.has(id)) f.add('[V1] an order.placed event for an order that is not in the database', id);

  // ---------- [V5] [V6] stream subscribers ----------
  const events = db.prepare('SELECT seq, type, topics FROM events ORDER BY seq').raw().all() as [number, string, string][];
  const seqs = Int32Array.from(events.map((e) => e[0]));
  const head = seqs.length > 0 ? seqs[seqs.length - 1]! : 0;
  const topicSets = events.map((e) => (e[2] === '' ? [] : e[2].split(' ')));
  const cache = new Map<string, { seqs: number[]; hash: number }>();
  let eventsDelivered = 0;
  let segments = 0;
  for (const s of subs) {
    const who = `${s.sub} (${s.w}, topics ${s.topics ? s.topics.join(',') : '*'})`;
    for (const v of s.violations) f.add('[V5] a subscriber saw events out of order, twice, or malformed', `${who}: ${v}`);
    if (s.violationCount > s.violations.length) f.add('[V5] a subscriber saw events out of order, twice, or malformed', `${who}: ${s.violationCount - s.violations.length} more`);
    if (s.resets > 0) f.add('[V6] a subscriber was reset (it could not resume)', `${who}: ${s.resets} resets`);
    const last = s.segments[s.segments.length - 1];
    if (!last) {
      f.add('[V6] a subscriber never got a welcome', who);
      continue;
    }
    const all = s.topics === null || s.topics.includes('*');
    // every subscriber's upToSeq must reach the head (a filtered one learns it from the hub's answer to `sync`)
    if (!s.reachedEnd || last.upToSeq < s.endHead) f.add('[V6] a subscriber did not reach the final head', `${who}: upToSeq ${last.upToSeq}, head ${s.endHead}`);
    if (last.upToSeq > head) f.add('[V5] a subscriber was told of seqs the database does not have', `${who}: upToSeq ${last.upToSeq} > max seq ${head}`);
    const topics = new Set(s.topics ?? []);
    for (const segment of s.segments) {
      const seg = segment;
      segments++;
      eventsDelivered += seg.count;
      const key = `${all ? '*' : [...topics].sort().join(' ')}|${seg.fromSeq}|${seg.upToSeq}`;
      let exp = cache.get(key);
      if (!exp) {
        exp = expectedSeqs(seqs, events, topicSets, seg, all ? null : topics);
        cache.set(key, exp);
      }
      compareSegment(f, who, seg, exp);
    }
  }

  const failures = f.list();
  return {
    ok: failures.length === 0,
    failures,
    summary: {
      acks: acks.length,
      ordersAcked,
      ordersInDb: orderIds.size,
      abandoned,
      mutationsAcked,
      subscribers: subs.length,
      segments,
      eventsInDb: events.length,
      eventsDelivered,
      headSeq: Math.max(head, meta.endHead),
    },
  };
}

function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function expectedSeqs(
  seqs: Int32Array,
  events: [number, string, string][],
  topicSets: string[][],
  seg: SegmentRecord,
  topics: Set<string> | null,
): { seqs: number[]; hash: number } {
  const out: number[] = [];
  let hash = FNV_OFFSET;
  for (let i = lowerBound(seqs, seg.fromSeq + 1); i < seqs.length && seqs[i]! <= seg.upToSeq; i++) {
    if (topics !== null && !topicSets[i]!.some((t) => topics.has(t))) continue;
    out.push(seqs[i]!);
    hash = fnv1a(`${seqs[i]}:${events[i]![1]};`, hash);
  }
  return { seqs: out, hash };
}

function compareSegment(f: Failures, who: string, seg: SegmentRecord, exp: { seqs: number[]; hash: number }): void {
  // walk the received runs against the expected seqs
  const missing: number[] = [];
  const extra: number[] = [];
  let missingN = 0;
  let extraN = 0;
  let i = 0;
  for (const [a, b] of seg.ranges) {
    for (let s = a; s <= b; s++) {
      while (i < exp.seqs.length && exp.seqs[i]! < s) {
        missingN++;
        if (missing.length < 5) missing.push(exp.seqs[i]!);
        i++;
      }
      if (i < exp.seqs.length && exp.seqs[i] === s) i++;
      else {
        extraN++;
        if (extra.length < 5) extra.push(s);
      }
    }
  }
  for (; i < exp.seqs.length; i++) {
    missingN++;
    if (missing.length < 5) missing.push(exp.seqs[i]!);
  }
  const span = `(${seg.fromSeq}, ${seg.upToSeq}]`;
  if (missingN > 0) f.add('[V5] a subscriber missed events (a gap)', `${who} ${span}: ${missingN} missing, e.g. seq ${missing.join(', ')}`);
  if (extraN > 0) f.add('[V5] a subscriber received events it should not have (not its topics, or not in the log)', `${who} ${span}: ${extraN}, e.g. seq ${extra.join(', ')}`);
  if (seg.count !== exp.seqs.length && missingN === 0 && extraN === 0) {
    f.add('[V5] a subscriber received an event twice', `${who} ${span}: ${seg.count} received, ${exp.seqs.length} expected`);
  }
  if (missingN === 0 && extraN === 0 && seg.count === exp.seqs.length && seg.hash !== exp.hash) {
    f.add('[V5] a subscriber received events whose types differ from the log', `${who} ${span}`);
  }
}

export function formatReport(r: VerifyReport): string {
  const s = r.summary;
  const head = [
    `verifier: ${r.ok ? 'PASS' : 'FAIL'}`,
    `  orders acknowledged ${s.ordersAcked}, in database ${s.ordersInDb}; acknowledgements ${s.acks} (${s.abandoned} abandoned)`,
    `  mutations by op:status ${Object.entries(s.mutationsAcked)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `  stream: ${s.subscribers} subscribers, ${s.segments} segments, ${s.eventsDelivered} events delivered; log has ${s.eventsInDb} events (head ${s.headSeq})`,
  ];
  return [...head, ...r.failures.map((x) => `  ✗ ${x}`)].join('\n');
}

async function cli(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { db: { type: 'string' }, lenient: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const usage = 'usage: tsx scripts/load/verify.ts <run-dir> [--db brigade.db] [--lenient] [--json]\n';
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const runDir = positionals[0];
  if (!runDir) {
    process.stderr.write(usage);
    process.exit(2);
  }
  const report = verifyRun({ runDir: resolve(runDir), dbFile: values.db, accountFor: values.lenient ? 'none' : 'all' });
  process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  process.exit(report.ok ? 0 : 1);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  cli().catch((err: unknown) => {
    process.stderr.write(`verify: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
