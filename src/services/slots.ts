import { RefusedRecently } from './refused-recently.js';

/** Thrown by `Slots.run` when as many tasks wait as the bound allows. */
export class SlotsFull extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many tasks are waiting');
    this.name = 'SlotsFull';
  }
}

/** The longest Retry-After a refusal names. */
const MAX_RETRY_AFTER_S = 60;

/**
 * At most `size` tasks run at once; the others wait their turn, in arrival order, with no timeout.
 * With `maxWaiting`, a task that would wait behind that many others is refused at once (SlotsFull,
 * with an estimate of when a place frees up) instead of queueing without bound.
 *
 * The estimate counts those refused lately as well as those waiting: a client that honours
 * Retry-After comes back, so everyone refused within the last Retry-After is ahead of the next
 * one. Under a flood the answer therefore grows until returning clients about match the tasks
 * that finish, instead of every refused client coming back within a second or two for another
 * refusal, each one a request the server pays for while its hashes wait for the cores.
 */
export class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** A moving average of how long a task runs, for the Retry-After estimate. */
  private averageMs = 100;
  private readonly refused = new RefusedRecently();
  private lastRetryAfterS = 1;

  constructor(
    private readonly size: number,
    private maxWaiting = Number.POSITIVE_INFINITY,
  ) {}

  bound(maxWaiting: number): void {
    this.maxWaiting = maxWaiting;
  }

  /** Throws SlotsFull when a task run now would be refused: a cheap check before costlier work. */
  admit(): void {
    if (this.running >= this.size && this.waiting.length >= this.maxWaiting) throw this.full();
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    this.admit();
    if (this.running < this.size) this.running += 1;
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

  private full(): SlotsFull {
    const ahead = this.waiting.length + this.refused.within(this.lastRetryAfterS);
    this.refused.add();
    this.lastRetryAfterS = Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(((ahead / this.size) * this.averageMs) / 1000)));
    return new SlotsFull(this.lastRetryAfterS);
  }

  stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
