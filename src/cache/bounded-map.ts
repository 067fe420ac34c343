/**
 * A Map that keeps at most `max` entries: setting a key makes it the newest, and past `max` the
 * oldest go first (a Map iterates in insertion order). `get` does not reorder; a caller that wants
 * least-recently-used order sets the entry again when it uses it.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    while (this.size > this.max) super.delete(this.keys().next().value as K);
    return this;
  }
}
