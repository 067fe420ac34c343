/**
 * Hold grants per user in fixed windows, in memory: a user's window starts with their first grant
 * and lasts `windowMs`, as rate-limiter-flexible counts, but without a timer per user. That
 * library's memory store arms a `setTimeout` per key; with tens of thousands of people each
 * holding once in a minute, those timers and records filled the old generation and the collector
 * cost about 25 µs per winning hold (hold-distinct, measured). Ended windows are dropped when next
 * asked for, and swept once a window.
 */
export class GrantWindows {
  private readonly windows = new Map<number, { used: number; endsAt: number }>();
  private sweepAt: number;

  constructor(
    private readonly points: number,
    private readonly windowMs: number,
    now = Date.now(),
  ) {
    this.sweepAt = now + windowMs;
  }

  /** Seconds until the user may be granted another, or 0 when they may now. */
  retryAfterSeconds(userId: number, now = Date.now()): number {
    const w = this.current(userId, now);
    return w && w.used >= this.points ? Math.max(1, Math.ceil((w.endsAt - now) / 1000)) : 0;
  }

  granted(userId: number, now = Date.now()): void {
    const w = this.current(userId, now);
    if (w) w.used += 1;
    else this.windows.set(userId, { used: 1, endsAt: now + this.windowMs });
    if (now >= this.sweepAt) this.sweep(now);
  }

  get size(): number {
    return this.windows.size;
  }

  private current(userId: number, now: number): { used: number; endsAt: number } | undefined {
    const w = this.windows.get(userId);
    if (!w || w.endsAt > now) return w;
    this.windows.delete(userId);
    return undefined;
  }

  private sweep(now: number): void {
    this.sweepAt = now + this.windowMs;
    for (const [userId, w] of this.windows) if (w.endsAt <= now) this.windows.delete(userId);
  }
}
