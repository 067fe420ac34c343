interface Pending<I, O> {
  input: I;
  resolve: (o: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Collects requests made in the same turn of the event loop (or up to `maxBatch`) and serves them
 * with one call of `run`, answering each caller with its own output: many actors' reads or writes
 * of schedules then cost one statement (db/repositories/schedule-batch.ts), a storm of logins one
 * journal write and sync (services/login-journal.ts).
 */
export class Batcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private scheduled = false;
  /** With `exclusiveBy`: the keys of the statements in flight. */
  private readonly busy = new Set<number>();

  /**
   * `exclusiveBy`: a key (a user) is in at most one statement in flight; an input whose key is
   * busy waits for the next batch. `claim_holds` serialises one user's grants with an advisory lock
   * held to its commit, so two statements sharing a user would wait for each other, and with a few
   * thousand users nearly every two batches share one.
   */
  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly maxBatch: number,
    private readonly exclusiveBy?: (input: I) => number,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.queue.length >= this.maxBatch && !this.exclusiveBy) this.flush();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const { batch, keys } = this.take();
    if (batch.length === 0) return;
    for (const key of keys) this.busy.add(key);
    // Past the batch size, the rest goes in the next statement at once.
    if (this.queue.some((p) => !this.isBusy(p.input))) this.schedule();
    this.run(batch.map((p) => p.input))
      .then(
        (outputs) => batch.forEach((p, i) => p.resolve(outputs[i]!)),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        if (keys.size === 0) return;
        for (const key of keys) this.busy.delete(key);
        if (this.queue.length > 0) this.schedule();
      });
  }

  private isBusy(input: I): boolean {
    return this.exclusiveBy !== undefined && this.busy.has(this.exclusiveBy(input));
  }

  /** The next batch: up to `maxBatch` inputs whose key is not in flight, in arrival order. */
  private take(): { batch: Pending<I, O>[]; keys: Set<number> } {
    const keys = new Set<number>();
    if (!this.exclusiveBy) {
      const batch = this.queue.splice(0, this.maxBatch);
      return { batch, keys };
    }
    const batch: Pending<I, O>[] = [];
    const waiting: Pending<I, O>[] = [];
    for (const p of this.queue) {
      if (batch.length < this.maxBatch && !this.isBusy(p.input)) {
        batch.push(p);
        keys.add(this.exclusiveBy(p.input));
      } else waiting.push(p);
    }
    this.queue = waiting;
    return { batch, keys };
  }
}
