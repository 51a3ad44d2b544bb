/**
 * The time the apps show and colour by: the hub's clock (estimated from its answers, since a cheap tablet's
 * clock drifts when it cannot reach NTP) plus an offset tests can inject, either with `?clockOffset=<ms>`
 * in the page URL or at run time through `window.__brigadeClock.set(ms)` / `.advance(ms)`.
 */
import { Store } from './store.ts';

export interface TestClockHandle {
  set(offsetMs: number): void;
  advance(ms: number): void;
  now(): number;
}

declare global {
  interface Window {
    __brigadeClock?: TestClockHandle;
  }
}

export class Clock {
  /** The injected offset; views subscribe to it so a change re-renders at once. */
  readonly offset = new Store(0);

  constructor(private readonly hubOffsetMs: () => number = () => 0) {}

  now(): number {
    return Date.now() + this.hubOffsetMs() + this.offset.get();
  }

  /** Reads `?clockOffset=` and exposes `window.__brigadeClock` for browser tests. */
  installTestHooks(search: string, target: Window): void {
    const fromUrl = Number(new URLSearchParams(search).get('clockOffset'));
    if (Number.isFinite(fromUrl) && fromUrl !== 0) this.offset.set(fromUrl);
    target.__brigadeClock = {
      set: (ms) => this.offset.set(ms),
      advance: (ms) => this.offset.set(this.offset.get() + ms),
      now: () => this.now(),
    };
  }
}
