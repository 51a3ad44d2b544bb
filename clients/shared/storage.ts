/**
 * Small typed wrapper over localStorage, namespaced `brigade.`. A private-mode browser or a full disk makes
 * localStorage throw; the apps then run without remembering, which is better than not running.
 */
const PREFIX = 'brigade.';

export function load<T>(key: string): T | null {
  try {
    const raw = globalThis.localStorage?.getItem(PREFIX + key);
    return raw === null || raw === undefined ? null : (JSON.parse(raw) as T);
  } catch {
    return null;
  }
}

export function save(key: string, value: unknown): void {
  try {
    if (value === null || value === undefined) globalThis.localStorage?.removeItem(PREFIX + key);
    else globalThis.localStorage?.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    /* storage unavailable: keep running in memory */
  }
}
