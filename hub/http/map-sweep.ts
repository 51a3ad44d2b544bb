/**
 * Bounded per-caller maps without forgetting the callers that matter: a sweep goes round the map a few
 * entries per call and drops those that are the same as none (a bucket full again, a failure count spent).
 * A Map's iterator carries on through later sets and deletes, so each entry is looked at once a round and a
 * call costs O(1). (Keeping such a map least recently used first and dropping from its front cost 10–40 µs a
 * call past 10,000 keys, measured: V8 walks past every deleted entry there on each new iterator.)
 */
export class MapSweep<K, V> {
  #at: MapIterator<[K, V]> | undefined;

  constructor(private readonly map: Map<K, V>) {}

  /**
   * Looks at up to `steps` entries from where the sweep stopped (a new round at the end) and drops those
   * `isSpent` says are the same as none; `one`: stops after the first dropped.
   */
  drop(steps: number, isSpent: (value: V) => boolean, one = false): void {
    for (let i = 0; i < steps; i++) {
      let next = this.#at?.next();
      if (!next || next.done) {
        this.#at = this.map.entries();
        next = this.#at.next();
        if (next.done) return;
      }
      const [key, value] = next.value;
      if (isSpent(value)) {
        this.map.delete(key);
        if (one) return;
      }
    }
  }
}
