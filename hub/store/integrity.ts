/**
 * Whether the store file is whole. On a mini PC whose disk acknowledges writes it has not made (cheap eMMC
 * and SSDs without power-loss protection), a power cut can damage pages of `brigade.db` that SQLite's
 * journal cannot mend. The hub then starts and takes orders as before, but every request that reads a
 * damaged page fails ("database disk image is malformed") while health says ok, and nothing tells the
 * manager that the cure is to put the newest backup back (`npm run restore`) before the damage spreads
 * into the day's work.
 *
 * So the hub reads the whole file once after each start (`quick_check`, in a process of its own, while
 * orders are taken), and takes SQLite's word for it whenever a request, a backup or a checkpoint meets a
 * damaged page. Either way health says `damaged`, `/metrics` and the hub's page show it, and the log says
 * what to do, once. Damage is never repaired here: which orders a backup lacks is a person's call.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { IntegrityStatus } from '../protocol/health.ts';

/** SQLite's result codes for a file that is not whole (every SQLITE_CORRUPT_* extended code too). */
export function isStoreDamage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

export type CheckResult = { ok: true; ms: number } | { ok: false; problems: string[]; ms: number } | { error: { code: string; message: string }; ms: number };

/** How many of quick_check's findings are kept: the first says it is damaged, the rest only where. */
const MAX_PROBLEMS = 10;

/** Reads the whole of `file` with quick_check in a process of its own; `signal` kills it (the hub is stopping). */
export function quickCheck(file: string, signal?: AbortSignal): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    // plain node, not the hub's own flags (tsx's loader): the script is JavaScript
    const child = fork(fileURLToPath(new URL('./integrity-check.js', import.meta.url)), [file, String(MAX_PROBLEMS)], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let answered = false;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-2000)));
    const stop = () => {
      if (answered) return;
      answered = true;
      child.kill('SIGKILL');
      reject(new Error('the check was stopped'));
    };
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    child.once('message', (r: { ok?: boolean; problems?: string[]; error?: { code: string; message: string }; ms: number }) => {
      answered = true;
      if (r.error) resolve({ error: r.error, ms: r.ms });
      else if (r.ok) resolve({ ok: true, ms: r.ms });
      else resolve({ ok: false, problems: r.problems ?? [], ms: r.ms });
    });
    child.once('error', (err) => {
      if (answered) return;
      answered = true;
      reject(err);
    });
    child.once('exit', (code, sig) => {
      signal?.removeEventListener('abort', stop);
      if (answered) return;
      answered = true;
      reject(new Error(`the check's process exited (${sig ?? code}) without an answer${stderr ? `: ${stderr.trim()}` : ''}`));
    });
  });
}

type Log = { error(o: object, msg: string): void; warn(o: object, msg: string): void; info(o: object, msg: string): void };

export const RESTORE_ADVICE =
  'with the hub stopped, keep what the file still holds (npm run salvage) or put the newest whole backup back (npm run restore); README "When the store file is damaged"';

export class StoreIntegrity {
  #state: IntegrityStatus['state'] = 'unchecked';
  #checkedAt: number | null = null;
  #checkMs: number | null = null;
  #damagedSince: number | null = null;
  #foundBy: IntegrityStatus['foundBy'] = null;
  #detail: string | null = null;
  #checkError: string | null = null;
  #running: Promise<void> | undefined;
  readonly #abort = new AbortController();

  constructor(
    private readonly o: {
      file: string;
      clock: () => number;
      log: Log;
      /** quickCheck, or a stand-in in tests */
      check?: (file: string, signal: AbortSignal) => Promise<CheckResult>;
    },
  ) {}

  status(): IntegrityStatus {
    return {
      state: this.#state,
      checkedAt: this.#checkedAt,
      checkMs: this.#checkMs,
      damagedSince: this.#damagedSince,
      foundBy: this.#foundBy,
      detail: this.#detail,
      checkError: this.#checkError,
    };
  }

  /** Reads the whole file once, in the background; resolves when done (the hub does not wait for it). */
  start(): Promise<void> {
    if (this.#running) return this.#running;
    if (this.#state !== 'damaged') this.#state = 'checking';
    const check = this.o.check ?? quickCheck;
    this.#running = check(this.o.file, this.#abort.signal).then(
      (r) => this.#checked(r),
      (err: unknown) => {
        if (this.#abort.signal.aborted) return;
        this.#couldNotCheck((err as Error).message);
      },
    );
    return this.#running;
  }

  stop(): void {
    this.#abort.abort();
  }

  /**
   * SQLite's error from anywhere the hub reads or writes the store: true (and health says damaged) when it
   * says the file is not whole. `where` says who met it: a request, a backup, a checkpoint, or the hub's own
   * housekeeping (the clock check and the store-seen note on their timers, the stream's read of the latest
   * events as it starts).
   */
  noteError(err: unknown, where: 'request' | 'backup' | 'checkpoint' | 'housekeeping'): boolean {
    if (!isStoreDamage(err)) return false;
    this.#damaged(where, (err as Error).message ?? String(err));
    return true;
  }

  #checked(r: CheckResult): void {
    this.#checkMs = Math.round(r.ms);
    if ('error' in r && !isStoreDamage(r.error)) return this.#couldNotCheck(r.error.message);
    this.#checkedAt = this.o.clock();
    this.#checkError = null;
    if ('error' in r) return this.#damaged('check', r.error.message);
    if (!r.ok) this.#damaged('check', r.problems.join('; '));
    else if (this.#state !== 'damaged') {
      this.#state = 'ok';
      this.o.log.info({ ms: this.#checkMs }, 'store check: the whole store file was read and is whole');
    }
  }

  #couldNotCheck(message: string): void {
    this.#checkError = message;
    if (this.#state === 'checking') this.#state = 'unchecked';
    this.o.log.warn({ message }, 'store check: the store file could not be read through (it is checked again at the next start)');
  }

  #damaged(foundBy: NonNullable<IntegrityStatus['foundBy']>, detail: string): void {
    if (this.#state === 'damaged') return; // said once; the first finding is the one kept
    this.#state = 'damaged';
    this.#damagedSince = this.o.clock();
    this.#foundBy = foundBy;
    this.#detail = detail.slice(0, 1000);
    this.o.log.error(
      { file: this.o.file, foundBy, detail: this.#detail },
      `the store file is damaged: note the open bills while the screens still show them, then ${RESTORE_ADVICE}`,
    );
  }
}
