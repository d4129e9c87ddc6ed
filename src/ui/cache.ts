/**
 * A short-lived cache of aggregate query results (overview series, template counts, reports):
 * with millions of rows these scan a lot, and an operator reloading a page should not pay for it
 * every time. Changing actions from the console clear it; new mail shows within TTL.
 */
export interface ResultCache {
  /** The cached value of `key` when younger than the TTL, else computes (one computation at a time per key). */
  get<T>(key: string, compute: () => Promise<T>): Promise<{ value: T; at: Date }>;
  clear(): void;
}

export function createResultCache(ttlMs: number, maxEntries = 200): ResultCache {
  const entries = new Map<string, { at: number; value: Promise<unknown> }>();
  return {
    async get<T>(key: string, compute: () => Promise<T>) {
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && now - hit.at < ttlMs) return { value: (await hit.value) as T, at: new Date(hit.at) };
      if (entries.size >= maxEntries) entries.clear();
      const value = compute();
      entries.set(key, { at: now, value });
      // A failed computation is not remembered.
      value.catch(() => entries.get(key)?.value === value && entries.delete(key));
      return { value: await value, at: new Date(now) };
    },
    clear: () => entries.clear(),
  };
}
