/**
 * Remembers values for `ttlMs`, loading each once for any number of concurrent callers, until
 * `clear()`. For catalogue reads that change rarely.
 */
export class TtlCache<V> {
  private readonly values = new Map<string, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.values.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = load();
    this.values.delete(key);
    if (this.values.size >= this.max) this.values.delete(this.values.keys().next().value!);
    this.values.set(key, { at: Date.now(), value });
    // A failed load is not remembered.
    value.catch(() => {
      if (this.values.get(key)?.value === value) this.values.delete(key);
    });
    return value;
  }

  clear(): void {
    this.values.clear();
  }
}
