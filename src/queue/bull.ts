/**
 * The job queue on Redis, through Bull: one Bull queue per name, all under one key prefix (tests
 * give each run its own). Connections are shared as Bull's "reusing Redis connections" pattern
 * says: one command client and one subscriber for every queue, plus one blocking client per
 * queue that processes jobs. Bull does not close clients it did not create, so `close()` ends
 * each of them itself.
 */
import Bull from 'bull';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';
import { JobFailedError, JobTimeoutError, PermanentJobError, QueueUnavailableError, type AddedJob, type AddOptions, type JobHandler, type JobInfo, type JobQueue } from './types.js';
import { withDeadline } from './deadline.js';

export interface BullQueuesOptions {
  redisUrl: string;
  /** Prefix of every Redis key; default Bull's own, `bull`, so plain Bull clients find `schedule-commands`. */
  prefix?: string;
  log?: Logger;
  /** How long `add` waits for Redis before it rejects with QueueUnavailableError (default 1 s). */
  addTimeoutMs?: number;
  /** How many finished jobs each queue keeps, and for how long (seconds); tests shrink it. */
  keep?: { completed?: KeepJobs; failed?: KeepJobs };
}

/** Bull's retention of finished jobs: at most `count`, none older than `age` seconds. */
export interface KeepJobs {
  age: number;
  count: number;
}

// Finished jobs are kept a while: a result can still be read by a late `result()` or a plain Bull
// producer's `job.finished()`, and a jobId (a repeat slot's included) cannot be added again while
// its finished job exists. Past this they are trimmed, as each job finishes.
const KEEP_COMPLETED: KeepJobs = { age: 3600, count: 1000 };
const KEEP_FAILED: KeepJobs = { age: 7 * 24 * 3600, count: 10_000 };
/** The name Bull gives a job added without one; `process(concurrency, handler)` takes these. */
const DEFAULT_JOB_NAME = '__default__';

const ADD_TIMEOUT_MS = 1_000;

export function createBullQueues({ redisUrl, prefix = 'bull', log, addTimeoutMs = ADD_TIMEOUT_MS, keep = {} }: BullQueuesOptions): JobQueue {
  const keepCompleted = keep.completed ?? KEEP_COMPLETED;
  const keepFailed = keep.failed ?? KEEP_FAILED;
  const shared: Redis[] = [];
  /** Connections that reported an error and have not been ready since. */
  const down = new WeakSet<Redis>();
  const blocking: Redis[] = [];
  const connect = (into: Redis[], options: RedisOptions, role: string): Redis => {
    // Named, so `CLIENT LIST` tells whose connection it is.
    const redis = new Redis(redisUrl, { ...options, connectionName: `${prefix}:${role}` });
    // Every queue sharing this connection waits on its events.
    redis.setMaxListeners(0);
    // While Redis is away ioredis reconnects and fails many times a second: say so once per outage.
    redis.on('error', (err) => {
      if (!down.has(redis)) log?.warn({ err, role }, 'redis connection lost; reconnecting');
      down.add(redis);
    });
    redis.on('ready', () => {
      if (down.has(redis)) log?.info({ role }, 'redis connection back');
      down.delete(redis);
    });
    into.push(redis);
    // Bull may ask for a client while it closes (a processing loop's next blocking call); one made
    // after close() swept the others would reconnect for ever and keep the process alive.
    if (closing) redis.disconnect();
    return redis;
  };
  // Bull refuses a subscriber or blocking client that retries commands or waits for a ready check.
  const forBull: RedisOptions = { enableReadyCheck: false, maxRetriesPerRequest: null };
  let client: Redis | undefined;
  let subscriber: Redis | undefined;
  const createClient = (type: 'client' | 'subscriber' | 'bclient'): Redis => {
    if (type === 'client') return (client ??= connect(shared, {}, type));
    if (type === 'subscriber') return (subscriber ??= connect(shared, forBull, type));
    return connect(blocking, forBull, type);
  };

  const queues = new Map<string, Bull.Queue>();
  const pending: Promise<unknown>[] = [];
  let closing: Promise<void> | undefined;

  const queueFor = (name: string): Bull.Queue => {
    if (closing) throw new Error('the job queue is closed');
    let queue = queues.get(name);
    if (!queue) {
      queue = new Bull(name, { prefix, createClient: createClient as Bull.QueueOptions['createClient'] });
      // Connection failures are reported once by the connection itself (above).
      queue.on('error', (err: Error & { code?: string }) => {
        if (!err.code?.startsWith('E')) log?.warn({ err, queue: name }, 'queue error');
      });
      // Every result() waiter listens for the queue's completed and failed events.
      queue.setMaxListeners(0);
      // Bull names its blocking connection (CLIENT SETNAME) when a handler is set, and leaves the
      // promise unhandled: closed before Redis answers, that is an unhandled rejection. The name is
      // cosmetic, so a failure to set it is ignored.
      const setWorkerName = (queue as unknown as { setWorkerName: () => Promise<unknown> }).setWorkerName.bind(queue);
      (queue as unknown as { setWorkerName: () => Promise<unknown> }).setWorkerName = () => setWorkerName().catch(() => undefined);
      queues.set(name, queue);
    }
    return queue;
  };

  const guard = (p: Promise<unknown>, what: string) => p.catch((err) => log?.error({ err }, `${what} failed`));
  /** A registration that ready() waits for. */
  const track = (p: Promise<unknown>, what: string) => void pending.push(guard(p, what));
  /** Bull's process() settles only when the queue closes; a startup error surfaces through it. */
  const watch = (p: Promise<unknown>, what: string) => void guard(p, what);

  const infoOf = (name: string, job: Bull.Job): JobInfo => ({
    id: String(job.id),
    queue: name,
    attemptsMade: job.attemptsMade,
    scheduledAt: (job.opts as { prevMillis?: number }).prevMillis,
    addedAt: job.timestamp,
  });

  /**
   * Waits for a job's outcome. Not Bull's job.finished(): that checks the job's state on one
   * connection and then starts listening for the completion published on another, so a completion
   * arriving between the two is missed and seen only by its 5 s watchdog. Here the listeners are
   * in place before the first check, and a check every 0.1-2 s covers the moment before Bull's
   * subscription is confirmed.
   */
  const outcome = <R>(queue: Bull.Queue, id: string, timeoutMs?: number): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      let settled = false;
      let poll: NodeJS.Timeout | undefined;
      let timer: NodeJS.Timeout | undefined;
      const end = (fn: () => void) => {
        if (settled) return;
        settled = true;
        queue.removeListener('global:completed', onCompleted);
        queue.removeListener('global:failed', onFailed);
        clearTimeout(poll);
        clearTimeout(timer);
        fn();
      };
      const onCompleted = (jobId: string, value: unknown) => {
        if (String(jobId) === id) end(() => resolve((typeof value === 'string' ? JSON.parse(value) : value) as R));
      };
      const onFailed = (jobId: string, reason: string) => {
        if (String(jobId) === id) end(() => reject(new JobFailedError(id, reason)));
      };
      queue.on('global:completed', onCompleted);
      queue.on('global:failed', onFailed);
      const check = async (delay: number) => {
        if (closing) return end(() => reject(new JobFailedError(id, 'the job queue closed before the job finished')));
        try {
          const job = await queue.getJob(id);
          const state = job ? await job.getState() : 'missing';
          if (state === 'missing') return end(() => reject(new JobFailedError(id, 'the job no longer exists')));
          if (state === 'completed' || state === 'failed') {
            // Read again: the copy above may predate the outcome that getState() now reports.
            const done = await queue.getJob(id);
            if (state === 'completed') return end(() => resolve(done?.returnvalue as R));
            return end(() => reject(new JobFailedError(id, done?.failedReason ?? 'failed')));
          }
        } catch {
          // Redis did not answer: the next check tries again.
        }
        if (!settled) poll = setTimeout(() => void check(Math.min(delay * 2, 2000)), delay);
      };
      void check(100);
      if (timeoutMs !== undefined) timer = setTimeout(() => end(() => reject(new JobTimeoutError(id, timeoutMs))), timeoutMs);
    });

  /**
   * The retention is the consumer's, whoever produced the job: Bull reads it from the job's options
   * when the worker moves the job to completed or failed, so setting it here trims the jobs of a
   * producer that set none (they would pile up forever) and keeps the reply of one that set
   * `removeOnComplete: true` (gone before its `job.finished()` could read it).
   */
  const retain = (job: Bull.Job) => {
    job.opts.removeOnComplete = keepCompleted;
    job.opts.removeOnFail = keepFailed;
  };

  const handle = <R>(queue: Bull.Queue, job: Bull.Job): AddedJob<R> => ({
    id: String(job.id),
    result: (timeoutMs) => outcome<R>(queue, String(job.id), timeoutMs),
  });

  return {
    kind: 'bull',
    shared: true,

    async add<T, R>(name: string, data: T, options: AddOptions = {}): Promise<AddedJob<R>> {
      const queue = queueFor(name);
      // While the connection is known to be down, ioredis would only queue the command and retry it for seconds.
      if (client && down.has(client)) throw new QueueUnavailableError(name, 'redis is unreachable');
      // Named explicitly: Bull would take string data for a job name.
      const adding = queue.add(DEFAULT_JOB_NAME, data, {
        attempts: options.attempts ?? 1,
        backoff: options.backoff ? { type: options.backoff.type, delay: options.backoff.delayMs } : undefined,
        jobId: options.jobId,
        delay: options.delayMs,
        removeOnComplete: keepCompleted,
        removeOnFail: keepFailed,
      });
      const job = await withDeadline(adding, addTimeoutMs, () => new QueueUnavailableError(name, `redis did not take the job within ${addTimeoutMs} ms`)).catch((err: unknown) => {
        throw err instanceof QueueUnavailableError ? err : new QueueUnavailableError(name, err instanceof Error ? err.message : String(err), { cause: err });
      });
      return handle<R>(queue, job);
    },

    process<T, R>(name: string, concurrency: number, handler: JobHandler<T, R>): void {
      watch(
        queueFor(name).process(Math.max(1, concurrency), async (job: Bull.Job<T>) => {
          retain(job);
          try {
            return await handler(job.data, infoOf(name, job));
          } catch (err) {
            if (err instanceof PermanentJobError) job.discard();
            throw err;
          }
        }),
        `processing ${name}`,
      );
      track(queueFor(name).isReady(), `connecting ${name}`);
    },

    repeat(name: string, everyMs: number, handler: (job: JobInfo) => Promise<void>): void {
      const queue = queueFor(name);
      const register = async () => {
        for (const old of await queue.getRepeatableJobs()) {
          if (old.id === name && old.every !== everyMs) await queue.removeRepeatableByKey(old.key);
        }
        // Same name, jobId and interval on every instance: one repeat key, and one job id per slot.
        await queue.add({}, { repeat: { every: everyMs }, jobId: name, removeOnComplete: keepCompleted, removeOnFail: keepFailed });
      };
      // Redis may be down at start-up: keep trying, or the repeat would never run in this deployment.
      const registerUntilDone = async (delayMs = 1000): Promise<void> => {
        try {
          await register();
        } catch (err) {
          if (closing) return;
          log?.warn({ err, queue: name, retryInMs: delayMs }, 'could not register the repeat; retrying');
          await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
          if (!closing) await registerUntilDone(Math.min(delayMs * 2, 30_000));
        }
      };
      track(registerUntilDone(), `registering the ${name} repeat`);
      watch(
        queue.process(1, async (job: Bull.Job) => {
          retain(job);
          await handler(infoOf(name, job));
        }),
        `processing ${name}`,
      );
    },

    async consumers(name: string) {
      try {
        const workers = await withDeadline(queueFor(name).getWorkers(), addTimeoutMs, () => new Error('redis did not answer CLIENT LIST'));
        // Bull answers undefined when the server has no CLIENT command.
        return Array.isArray(workers) ? workers.length : undefined;
      } catch {
        return undefined;
      }
    },

    async counts() {
      const entries = await Promise.all(
        [...queues].map(async ([name, queue]) => {
          const c = await queue.getJobCounts();
          return [name, { waiting: c.waiting, active: c.active, delayed: c.delayed, failed: c.failed }] as const;
        }),
      );
      return Object.fromEntries(entries);
    },

    async ready(): Promise<void> {
      await Promise.all([...pending, ...[...queues.values()].map((q) => q.isReady())]);
    },

    close(): Promise<void> {
      closing ??= (async () => {
        // Bull's close stops taking jobs and waits for the running ones. It also waits for the queue
        // to be ready, which never happens while Redis is away: then it gets a second, no more.
        const closed = Promise.allSettled([...queues.values()].map((q) => q.close()));
        const up = shared.every((c) => c.status === 'ready');
        await (up ? closed : Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]));
        // A blocking client may sit in BRPOPLPUSH for seconds, and QUIT would wait behind it.
        for (const c of blocking) c.disconnect();
        // QUIT lets replies in flight arrive; a connection that is not up has none and would only wait.
        await Promise.allSettled(shared.map((c) => (c.status === 'ready' ? c.quit() : undefined)));
        for (const c of shared) c.disconnect();
      })();
      return closing;
    },
  };
}
