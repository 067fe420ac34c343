import { BoundedMap } from '../cache/bounded-map.js';
import { RefreshAhead } from '../cache/refresh-ahead.js';

interface Entry<V> {
  cell: RefreshAhead<V>;
  /** The loader of the latest call, used by the cell's reloads. */
  load: () => Promise<V>;
}

/**
 * Remembers values for `ttlMs` by the refresh-ahead rule (`RefreshAhead`: one load for any number
 * of concurrent callers; past half its TTL a value keeps answering while it is re-loaded in the
 * background), at most `max` keys, until `clear()`. For catalogue reads that change rarely.
 */
export class TtlCache<V> {
  private readonly values: BoundedMap<string, Entry<V>>;
  private readonly policy: { ttlMs: number; clock: () => number };

  constructor(ttlMs: number, max = 10_000, clock: () => number = Date.now) {
    this.values = new BoundedMap(max);
    this.policy = { ttlMs, clock };
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    let entry = this.values.get(key);
    if (entry) entry.load = load;
    else {
      const created: Entry<V> = { load, cell: new RefreshAhead<V>(this.policy, () => created.load()) };
      this.values.set(key, (entry = created));
    }
    const value = entry.cell.get();
    if (!(value instanceof Promise)) return Promise.resolve(value);
    // A failed load is not remembered. (A background load that started before clear() lands in a cell no longer kept.)
    const current = entry;
    value.catch(() => {
      if (this.values.get(key) === current && current.cell.peek() === undefined) this.values.delete(key);
    });
    return value;
  }

  clear(): void {
    this.values.clear();
  }
}
