/**
 * When the hub applies the business day's stock reset (hub/domain/stock-day.ts): at start, before it answers
 * (a hub off at 04:00 resets on its first look after), and at each day's start while it runs. The reset
 * itself decides what is due from the store, so a look too many does nothing; this only keeps the hub from
 * asking the writer more than once a day.
 */
import { businessDate } from './domain/business-date.ts';
import { businessDayBounds } from './domain/day-report.ts';

export class StockDayTimer {
  /** The business day the reset was last applied on (committed); undefined until the first. */
  #appliedOn: string | undefined;
  #applying: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #nextDay: { day: string; at: number } | undefined;

  constructor(
    private readonly o: {
      clock: () => number;
      timeZone: string;
      /** Runs the reset in the writer; resolves once committed. */
      apply: () => Promise<unknown>;
      log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
      /**
       * The longest wait between looks: the timer aims at 04:00, but a clock set forward (or a machine
       * asleep) passes it without the timer firing.
       */
      checkEveryMs: number;
    },
  ) {}

  /** Applies the reset unless it was applied this business day; a failure is logged and tried at the next look. */
  check(): Promise<void> {
    const day = businessDate(this.o.clock(), this.o.timeZone);
    if (day === this.#appliedOn) return Promise.resolve();
    this.#applying ??= this.o
      .apply()
      .then(
        () => void (this.#appliedOn = day),
        (err: unknown) => this.o.log.warn({ err }, "the business day's stock reset failed; tried again at the next look"),
      )
      .finally(() => (this.#applying = undefined));
    return this.#applying;
  }

  start(): void {
    this.#stopped = false;
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #arm(): void {
    if (this.#stopped) return;
    const now = this.o.clock();
    const day = businessDate(now, this.o.timeZone);
    // a search over the day's minutes (a couple of ms): once a day, not at every look
    if (this.#nextDay?.day !== day) this.#nextDay = { day, at: businessDayBounds(day, this.o.timeZone).to };
    const nextDayAt = this.#nextDay.at;
    this.#timer = setTimeout(
      () => void this.check().finally(() => this.#arm()),
      Math.max(0, Math.min(this.o.checkEveryMs, nextDayAt - now)),
    );
    this.#timer.unref();
  }
}
