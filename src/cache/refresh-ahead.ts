export interface RefreshPolicy<V> {
  ttlMs: number;
  /** Combines the value kept with a freshly loaded one (say, to keep changes made while the load ran); default: the loaded one. */
  merge?: (kept: V, loaded: V) => V;
  clock?: () => number;
}

/**
 * One remembered value with the refresh-ahead rule, the one rule behind every cache that must not
 * make a busy key wait for its source:
 * - fresh (younger than `ttlMs`): answered at once, synchronously;
 * - past half its TTL: still answered at once, and one background reload starts;
 * - stale or never loaded: the caller waits for the one reload in flight (started if none is).
 * However many callers ask, one load runs at a time. A failed background load leaves the old value
 * answering until its TTL ends; a failed foreground load rejects its waiters and is not remembered.
 * A value can also be pushed in with its own age (`set`), as an actor publishes its state.
 *
 * The policy object is meant to be shared by many cells; a subclass may load by overriding
 * `fetch` instead of passing `load`, so a cell costs no closure of its own.
 */
export class RefreshAhead<V, P extends RefreshPolicy<V> = RefreshPolicy<V>> {
  private value: V | undefined;
  /** When the value was current; -Infinity: never loaded. */
  private at = Number.NEGATIVE_INFINITY;
  private loading: Promise<V> | undefined;

  constructor(
    protected readonly policy: P,
    private readonly load?: () => Promise<V>,
  ) {}

  /** The value by the rule above: the value itself when fresh, else the promise of the reload. */
  get(): V | Promise<V> {
    return this.fresh() ? (this.value as V) : this.reload();
  }

  /** The value when `get` would answer it at once (starting the background reload as it would), else undefined, starting nothing. */
  ifFresh(): V | undefined {
    return this.fresh() ? this.value : undefined;
  }

  /** The value kept, whatever its age (undefined before the first load). */
  peek(): V | undefined {
    return this.value;
  }

  /** Replaces the value, as of `at` (default: now); a load in flight still lands after it, merged if there is a merge. */
  set(value: V, at = this.now()): void {
    this.value = value;
    this.at = at;
  }

  /** The reload in flight, or a new one. */
  reload(): Promise<V> {
    if (this.loading) return this.loading;
    const startedAt = this.now();
    const loading = this.fetch().then(
      (loaded) => {
        this.loading = undefined;
        const merge = this.policy.merge;
        // A value pushed in while the load ran may be younger than the load's start.
        this.set(this.at > Number.NEGATIVE_INFINITY && merge ? merge(this.value as V, loaded) : loaded, Math.max(startedAt, this.at));
        return this.value as V;
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    this.loading = loading;
    return loading;
  }

  protected fetch(): Promise<V> {
    return this.load!();
  }

  /** Young enough to answer; past half the TTL, one background reload starts. */
  private fresh(): boolean {
    const age = this.now() - this.at;
    if (age >= this.policy.ttlMs) return false;
    if (age >= this.policy.ttlMs / 2 && !this.loading) this.reload().catch(() => undefined);
    return true;
  }

  private now(): number {
    return (this.policy.clock ?? Date.now)();
  }
}
