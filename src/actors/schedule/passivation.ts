import type { Directory } from './directory.js';

export interface PassivationOptions {
  idleMs: number;
  /** A soft cap on live actors: spawning past it passivates the oldest idle ones first. */
  maxLive?: number;
  /** Under the cap, an actor used more recently than this is not passivated early (default 1 s). */
  evictUnusedForMs?: number;
  /** After a sweep that passivated actors, with how many. */
  onPassivated?: (count: number) => void;
}

/**
 * When schedule actors go: an actor idle for `idleMs` with nothing in flight is passivated by a
 * sweep every `idleMs / 2`; past `maxLive`, a spawn first passivates the oldest idle ones.
 * A passivated actor is stopped and forgotten in the same tick (Directory.forget) and re-reads
 * its row when next spawned.
 */
export class Passivation {
  passivated = 0;
  /** Of `passivated`, those passivated early to stay under `maxLive`. */
  evicted = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly directory: Directory,
    private readonly options: PassivationOptions,
  ) {
    this.sweeper = setInterval(() => this.passivateIdle(), Math.max(50, Math.floor(options.idleMs / 2)));
    this.sweeper.unref();
  }

  /** Called before a spawn: makes room under the cap. */
  beforeSpawn(): void {
    const { maxLive } = this.options;
    if (maxLive !== undefined && this.directory.entries.size >= maxLive) this.passivateOldest(maxLive);
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Passivates up to 1 % of the cap, oldest spawned first (a Map iterates in insertion order),
   * skipping actors with messages in flight or used in the last second. Looks at a bounded number
   * of entries, so when every actor is busy the cap is exceeded rather than waited on.
   */
  private passivateOldest(maxLive: number): void {
    const batch = Math.max(1, Math.floor(maxLive / 100));
    const recent = Date.now() - (this.options.evictUnusedForMs ?? 1_000);
    let looked = 0;
    let count = 0;
    for (const [id, entry] of this.directory.entries) {
      if (count >= batch || (looked += 1) > batch * 10) break;
      if (entry.inFlight === 0 && entry.lastUsed <= recent) {
        this.directory.forget(id, entry);
        count += 1;
      }
    }
    this.passivated += count;
    this.evicted += count;
  }

  private passivateIdle(): void {
    const cutoff = Date.now() - this.options.idleMs;
    let count = 0;
    for (const [id, entry] of this.directory.entries) {
      if (entry.inFlight === 0 && entry.lastUsed <= cutoff) {
        this.directory.forget(id, entry);
        count += 1;
      }
    }
    this.passivated += count;
    if (count > 0) this.options.onPassivated?.(count);
  }
}
