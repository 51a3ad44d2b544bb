/**
 * Calls to one printer, one at a time in call order (a printer serves one connection at a time). A call still
 * waiting for its turn may be withdrawn with its `signal`: it rejects at once with the signal's reason, and
 * never starts. One that has started runs to its end: cut short it could leave half a ticket in the printer.
 */
export class CallQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let isStarted = false;
    const start = (): Promise<T> => {
      if (signal?.aborted) return Promise.reject(signal.reason);
      isStarted = true;
      return fn();
    };
    const run = this.#tail.then(start, start);
    this.#tail = run.catch(() => undefined);
    if (!signal) return run;
    return new Promise<T>((resolve, reject) => {
      const withdraw = (): void => {
        if (!isStarted) reject(signal.reason);
      };
      signal.addEventListener('abort', withdraw, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener('abort', withdraw));
    });
  }

  /** Resolves once every call made so far has ended. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
