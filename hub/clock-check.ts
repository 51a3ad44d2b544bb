/**
 * The hub's clock, checked against its own store. A mini PC whose clock battery has run flat boots after a
 * power cut at its firmware's date, years back, and without the internet nothing sets it right. The hub
 * goes on taking orders (the service never stops for it), but what it stamps is wrong: the business day
 * (order numbers start again, Today's bills shows another day), session expiry, backups' names. Nothing of
 * the store is lost, and nothing tells the manager either, unless the hub says so: its newest event is the
 * one fact it has about the time, and a clock behind it has gone back.
 *
 * Checked against the latest time any event carries, not the last event's: once the clock went back, every
 * new event is stamped behind the ones before it, and the hub stays "behind" until the clock has caught up.
 */
import type { ClockStatus } from './protocol/health.ts';

/** A clock this far behind the store is wrong, not merely adjusted by NTP (which steps by seconds). */
export const CLOCK_BEHIND_TOLERANCE_MS = 2 * 60_000;

export class ClockCheck {
  #behind = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  #readFailing = false;

  constructor(
    private readonly o: {
      /** the latest `at` of any event in the store, or null for an empty store */
      latestEventAt: () => number | null;
      now: () => number;
      everyMs: number;
      log: { error(o: object, msg: string): void; info(o: object, msg: string): void };
      /** the store could not be read on the timer (for the integrity tracker: a damaged page says so) */
      onReadError?: (err: unknown) => void;
    },
  ) {}

  status(): ClockStatus {
    const latest = this.o.latestEventAt();
    const now = this.o.now();
    const behindMs = latest === null ? 0 : Math.max(0, latest - now);
    return { state: behindMs > CLOCK_BEHIND_TOLERANCE_MS ? 'behind' : 'ok', now, latestEventAt: latest, behindMs };
  }

  /** Checks now (a start on a flat clock battery says so at once) and every `everyMs`, logging each change. */
  start(): void {
    this.#checkOnTimer();
    this.#timer = setInterval(() => this.#checkOnTimer(), this.o.everyMs);
    this.#timer.unref();
  }

  /**
   * A read of the store can fail (SQLITE_IOERR on a failing disk, SQLITE_CORRUPT on a damaged page): thrown
   * from a timer, that was an uncaught exception, and the hub ended with every screen and tablet. Said once,
   * and tried again at the next turn.
   */
  #checkOnTimer(): void {
    try {
      this.check();
      this.#readFailing = false;
    } catch (err) {
      this.o.onReadError?.(err);
      if (!this.#readFailing) this.o.log.error({ err }, 'clock check: the store could not be read; tried again later');
      this.#readFailing = true;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  check(): ClockStatus {
    const s = this.status();
    const behind = s.state === 'behind';
    if (behind && !this.#behind) {
      this.o.log.error(
        { now: new Date(s.now).toISOString(), latestEventAt: new Date(s.latestEventAt!).toISOString(), behindMs: s.behindMs },
        "the hub's clock is behind its own store (a flat clock battery after a power cut?): set the date and time; orders go on, stamped with the wrong time",
      );
    } else if (!behind && this.#behind) {
      this.o.log.info({ now: new Date(s.now).toISOString() }, "the hub's clock has caught up with its store");
    }
    this.#behind = behind;
    return s;
  }
}
