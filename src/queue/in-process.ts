/**
 * The job queue of a single instance without Redis: handlers in a Map, waiting jobs in arrays,
 * retries and repeats on unref'd timers. Same contract as the Bull queue except durability: a
 * job still waiting or retrying when the process ends is lost.
 */
import type { Logger } from '../logger.js';
import { asJson, backoffDelay, JobFailedError, JobTimeoutError, PermanentJobError, type AddedJob, type AddOptions, type JobHandler, type JobInfo, type JobQueue } from './types.js';

type Outcome = { ok: true; value: unknown } | { ok: false; reason: string };

interface Job {
  id: string;
  queue: string;
  data: unknown;
  options: AddOptions;
  attemptsMade: number;
  addedAt: number;
  outcome?: Outcome;
  listeners: ((o: Outcome) => void)[];
}

interface Worker {
  concurrency: number;
  handler: JobHandler;
  running: number;
}

/** Finished jobs remembered, so a jobId still dedupes for a while after its job completed. */
const KEEP_FINISHED = 1000;

export function createInProcessQueues(log?: Logger): JobQueue {
  const workers = new Map<string, Worker>();
  const waiting = new Map<string, Job[]>();
  const byId = new Map<string, Job>();
  const finished: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const delayed = new Map<string, number>();
  const failed = new Map<string, number>();
  const bump = (m: Map<string, number>, queue: string, by: number) => m.set(queue, (m.get(queue) ?? 0) + by);
  /** Puts the job back in line after `ms` (its delay, or its backoff before a retry). */
  const enqueueAfter = (job: Job, ms: number) => {
    bump(delayed, job.queue, 1);
    later(ms, () => {
      bump(delayed, job.queue, -1);
      enqueue(job);
    });
  };
  const active = new Set<Promise<void>>();
  let nextId = 0;
  let closed = false;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    timers.add(timer);
  };

  const settle = (job: Job, outcome: Outcome) => {
    job.outcome = outcome;
    for (const listener of job.listeners.splice(0)) listener(outcome);
    finished.push(job.id);
    while (finished.length > KEEP_FINISHED) byId.delete(finished.shift()!);
  };

  const enqueue = (job: Job) => {
    if (closed) return;
    const list = waiting.get(job.queue) ?? [];
    list.push(job);
    waiting.set(job.queue, list);
    pump(job.queue);
  };

  const pump = (queue: string) => {
    const worker = workers.get(queue);
    const list = waiting.get(queue);
    while (!closed && worker && list?.length && worker.running < worker.concurrency) {
      const job = list.shift()!;
      worker.running += 1;
      const run = runJob(worker, job).finally(() => {
        worker.running -= 1;
        active.delete(run);
        pump(queue);
      });
      active.add(run);
    }
  };

  const runJob = async (worker: Worker, job: Job): Promise<void> => {
    const info: JobInfo = { id: job.id, queue: job.queue, attemptsMade: job.attemptsMade, addedAt: job.addedAt };
    try {
      const value = await worker.handler(asJson(job.data), info);
      settle(job, { ok: true, value: asJson(value) });
    } catch (err) {
      job.attemptsMade += 1;
      const reason = err instanceof Error ? err.message : String(err);
      const attempts = job.options.attempts ?? 1;
      if (err instanceof PermanentJobError || job.attemptsMade >= attempts || closed) {
        log?.warn({ err, queue: job.queue, jobId: job.id, attemptsMade: job.attemptsMade }, 'job failed');
        bump(failed, job.queue, 1);
        settle(job, { ok: false, reason });
        return;
      }
      enqueueAfter(job, backoffDelay(job.options.backoff, job.attemptsMade));
    }
  };

  const handle = (job: Job): AddedJob<never> => ({
    id: job.id,
    result: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const done = (o: Outcome) => (o.ok ? resolve(o.value as never) : reject(new JobFailedError(job.id, o.reason)));
        if (job.outcome) return done(job.outcome);
        let timer: NodeJS.Timeout | undefined;
        const listener = (o: Outcome) => {
          clearTimeout(timer);
          done(o);
        };
        job.listeners.push(listener);
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            job.listeners = job.listeners.filter((l) => l !== listener);
            reject(new JobTimeoutError(job.id, timeoutMs));
          }, timeoutMs);
        }
      }),
  });

  return {
    kind: 'in-process',
    shared: false,

    async add<T, R>(queue: string, data: T, options: AddOptions = {}): Promise<AddedJob<R>> {
      if (closed) throw new Error('the job queue is closed');
      const existing = options.jobId !== undefined ? byId.get(options.jobId) : undefined;
      if (existing) return handle(existing);
      nextId += 1;
      const job: Job = { id: options.jobId ?? String(nextId), queue, data: asJson(data), options, attemptsMade: 0, addedAt: Date.now(), listeners: [] };
      byId.set(job.id, job);
      if (options.delayMs) enqueueAfter(job, options.delayMs);
      else enqueue(job);
      return handle(job);
    },

    process<T, R>(queue: string, concurrency: number, handler: JobHandler<T, R>): void {
      if (workers.has(queue)) throw new Error(`queue ${queue} already has a handler`);
      workers.set(queue, { concurrency: Math.max(1, concurrency), handler: handler as JobHandler, running: 0 });
      pump(queue);
    },

    repeat(queue: string, everyMs: number, handler: (job: JobInfo) => Promise<void>): void {
      let runs = 0;
      // The next run is armed when the previous one ends, so a slow run never piles up behind itself.
      const next = () =>
        later(everyMs, () => {
          if (closed) return;
          runs += 1;
          const run = handler({ id: `${queue}:${runs}`, queue, attemptsMade: 0, scheduledAt: Date.now() })
            .catch((err) => log?.error({ err, queue }, 'repeat failed'))
            .finally(() => {
              active.delete(run);
              if (!closed) next();
            });
          active.add(run);
        });
      next();
    },

    async consumers(queue: string) {
      return workers.has(queue) && !closed ? 1 : 0;
    },

    async counts() {
      const names = new Set([...workers.keys(), ...waiting.keys(), ...delayed.keys(), ...failed.keys()]);
      return Object.fromEntries([...names].map((q) => [q, { waiting: waiting.get(q)?.length ?? 0, active: workers.get(q)?.running ?? 0, delayed: delayed.get(q) ?? 0, failed: failed.get(q) ?? 0 }]));
    },

    async ready(): Promise<void> {},

    async close(): Promise<void> {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      while (active.size > 0) await Promise.allSettled([...active]);
      for (const job of byId.values()) if (!job.outcome) settle(job, { ok: false, reason: 'the job queue closed before the job ran' });
    },
  };
}
