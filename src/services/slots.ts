/** Thrown by `Slots.run` when as many tasks wait as the bound allows. */
export class SlotsFull extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many tasks are waiting');
    this.name = 'SlotsFull';
  }
}

/**
 * At most `size` tasks run at once; the others wait their turn, in arrival order, with no timeout.
 * With `maxWaiting`, a task that would wait behind that many others is refused at once (SlotsFull,
 * with an estimate of when a place frees up) instead of queueing without bound.
 */
export class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** A moving average of how long a task runs, for the Retry-After estimate. */
  private averageMs = 100;

  constructor(
    private readonly size: number,
    private maxWaiting = Number.POSITIVE_INFINITY,
  ) {}

  bound(maxWaiting: number): void {
    this.maxWaiting = maxWaiting;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.size) this.running += 1;
    else if (this.waiting.length >= this.maxWaiting) throw new SlotsFull(Math.max(1, Math.ceil(((this.waiting.length / this.size) * this.averageMs) / 1000)));
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    const started = performance.now();
    try {
      return await task();
    } finally {
      this.averageMs = this.averageMs * 0.9 + (performance.now() - started) * 0.1;
      // The slot passes straight to the next in line, so `running` only drops when nobody waits.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
