/**
 * Fetches something a screen shows again when it changes: one fetch in flight and at most one more queued.
 *
 * - `soon()`: this device changed it (a waiter seated a table); fetch after a short pause that gathers a
 *   burst of such calls into one.
 * - `paced()`: another device changed it, as heard on the stream; fetch no sooner than `paceMs` after the
 *   last fetch started. Every tablet hears every change in the store: at a dinner peak, refetching on each
 *   one kept every tablet fetching back to back, each fetch work for the hub's one thread.
 *
 * A `soon()` overtakes a waiting `paced()`; nothing is ever dropped, only gathered into the next fetch.
 */
export class PacedRefresh {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private due = 0;
  private running = false;
  private queued: 'soon' | 'paced' | null = null;
  private lastStart = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly fetch: () => Promise<void>,
    private readonly o: { coalesceMs: number; paceMs: number; now?: () => number },
  ) {}

  soon(): void {
    this.request('soon');
  }

  paced(): void {
    this.request('paced');
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  // monotonic: a tablet whose wall clock is set back an hour must not wait that hour for the next fetch
  private now(): number {
    return (this.o.now ?? (() => performance.now()))();
  }

  private request(kind: 'soon' | 'paced'): void {
    if (this.stopped) return;
    if (this.running) {
      this.queued = this.queued === 'soon' || kind === 'soon' ? 'soon' : 'paced';
      return;
    }
    const now = this.now();
    const delay = kind === 'soon' ? this.o.coalesceMs : Math.max(this.o.coalesceMs, this.lastStart + this.o.paceMs - now);
    if (this.timer) {
      if (now + delay >= this.due) return;
      clearTimeout(this.timer);
    }
    this.due = now + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, delay);
  }

  private async run(): Promise<void> {
    this.running = true;
    this.lastStart = this.now();
    try {
      await this.fetch();
    } catch {
      // the fetch says what went wrong itself (the screen keeps what it showed); the next change tries again
    } finally {
      this.running = false;
      const queued = this.queued;
      this.queued = null;
      if (queued) this.request(queued);
    }
  }
}
