const HORIZON_S = 60;

/**
 * Refusals counted by second over the last minute, in a ring: how many were refused in the last
 * N seconds, at no cost per refusal beyond an increment.
 */
export class RefusedRecently {
  private readonly bySecond = new Uint32Array(HORIZON_S + 1);
  private second = 0;

  constructor(private readonly nowMs: () => number = () => performance.now()) {}

  add(): void {
    this.bySecond[this.advance() % this.bySecond.length]! += 1;
  }

  /** Refusals in the last `seconds` whole seconds, this one included (at most a minute). */
  within(seconds: number): number {
    const now = this.advance();
    let sum = 0;
    for (let s = Math.max(0, now - Math.min(seconds, HORIZON_S) + 1); s <= now; s += 1) sum += this.bySecond[s % this.bySecond.length]!;
    return sum;
  }

  /** The current second; the buckets of the seconds skipped since the last call are emptied. */
  private advance(): number {
    const now = Math.floor(this.nowMs() / 1000);
    if (now === this.second) return now;
    const stale = Math.min(now - this.second, this.bySecond.length);
    for (let k = 1; k <= stale; k += 1) this.bySecond[(this.second + k) % this.bySecond.length] = 0;
    this.second = now;
    return now;
  }
}
