interface Entry<V> {
  at: number;
  value: Promise<V>;
  refreshing?: boolean;
}

/**
 * Remembers values for `ttlMs`, loading each once for any number of concurrent callers, until
 * `clear()`. For catalogue reads that change rarely. A value asked for past half its TTL is
 * re-loaded in the background while it keeps answering, so a busy key never waits for a load.
 */
export class TtlCache<V> {
  private readonly values = new Map<string, Entry<V>>();
  /** Bumped by `clear()`: a background load that started before it is not kept. */
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.values.get(key);
    const age = hit ? this.clock() - hit.at : Number.POSITIVE_INFINITY;
    if (hit && age < this.ttlMs) {
      if (age >= this.ttlMs / 2 && !hit.refreshing) this.refresh(key, hit, load);
      return hit.value;
    }
    return this.store(key, load());
  }

  clear(): void {
    this.values.clear();
    this.generation += 1;
  }

  private refresh(key: string, hit: Entry<V>, load: () => Promise<V>): void {
    hit.refreshing = true;
    const generation = this.generation;
    load().then(
      (value) => {
        if (this.generation === generation && this.values.get(key) === hit) this.store(key, Promise.resolve(value));
      },
      () => {
        // The old value answers until its TTL ends; the next request then loads again.
        hit.refreshing = false;
      },
    );
  }

  private store(key: string, value: Promise<V>): Promise<V> {
    this.values.delete(key);
    if (this.values.size >= this.max) this.values.delete(this.values.keys().next().value!);
    this.values.set(key, { at: this.clock(), value });
    // A failed load is not remembered.
    value.catch(() => {
      if (this.values.get(key)?.value === value) this.values.delete(key);
    });
    return value;
  }
}
