/**
 * The job queue the service runs its background and internal work on: the schedule command bus,
 * the repeatable expiry tick, and durable follow-ups (payment saves that must not be dropped).
 *
 * Two implementations share this interface: Bull on Redis (jobs survive restarts and are shared
 * by every instance, so a job or a repeat slot runs once across all of them) and an in-process
 * one for a single instance without Redis (nothing survives a restart). A name is one queue;
 * data and results travel as JSON in both, so a Date comes back as an ISO string either way.
 */

export interface Backoff {
  /** `fixed`: wait `delayMs` before every retry; `exponential`: (2^n - 1) × `delayMs` before retry n, as Bull does. */
  type: 'fixed' | 'exponential';
  delayMs: number;
}

export interface AddOptions {
  /** Tries in all, the first included. Default 1. */
  attempts?: number;
  backoff?: Backoff;
  /** A job added with the id of one that still exists is not added again: the existing job is returned. */
  jobId?: string;
  /** Run no sooner than this long from now. */
  delayMs?: number;
}

export interface JobInfo {
  id: string;
  queue: string;
  /** Tries that already failed before this one. */
  attemptsMade: number;
  /** For a repeat: the slot this run is for (epoch ms). */
  scheduledAt?: number;
  /** When the producer added the job (epoch ms, the producer's clock). */
  addedAt?: number;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  /** Waiting for their delay or their next retry. */
  delayed: number;
  /** Failed for good (Bull: those still kept; in-process: since start). */
  failed: number;
}

export type JobHandler<T = unknown, R = unknown> = (data: T, job: JobInfo) => Promise<R>;

export interface AddedJob<R = unknown> {
  id: string;
  /**
   * Resolves with the handler's return value once the job completes; rejects with
   * JobFailedError when its last try failed, or JobTimeoutError after `timeoutMs` (the job
   * itself carries on).
   */
  result(timeoutMs?: number): Promise<R>;
}

export interface JobQueue {
  readonly kind: 'bull' | 'in-process';
  /** True when jobs live outside this process (Redis): every instance shares them, and a repeat runs once per slot across all. */
  readonly shared: boolean;
  /** Rejects with QueueUnavailableError, within a bounded time, when the job cannot be handed over (Redis away). */
  add<T, R = unknown>(queue: string, data: T, options?: AddOptions): Promise<AddedJob<R>>;
  /** Starts taking jobs of `queue`, at most `concurrency` at a time in this process. One handler per queue. */
  process<T, R>(queue: string, concurrency: number, handler: JobHandler<T, R>): void;
  /**
   * Runs `handler` every `everyMs`. In-process: `everyMs` after the previous run ended. Bull: on
   * slots aligned to multiples of `everyMs`, once per slot whatever the number of instances; a
   * repeat of the same queue with another interval, left over from an older deployment, is removed.
   */
  repeat(queue: string, everyMs: number, handler: (job: JobInfo) => Promise<void>): void;
  /**
   * How many processes take jobs of `queue` right now (Bull: Redis's CLIENT LIST of Bull's named
   * worker connections, every instance's), or undefined when that cannot be known (CLIENT LIST
   * refused by the Redis user's ACL, Redis away).
   */
  consumers(queue: string): Promise<number | undefined>;
  /** Jobs by state for each queue this process has used (Bull: as Redis holds them, from every instance). */
  counts(): Promise<Record<string, QueueCounts>>;
  /** Resolves once every `process` and `repeat` registered so far is in place (Bull registers with Redis). */
  ready(): Promise<void>;
  /** Stops taking jobs, waits for the running ones, and ends every connection. */
  close(): Promise<void>;
}

/** Thrown by a handler for a job that can never succeed (bad data): it fails at once, with no retry. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** The job's last try failed; `message` is the reason its handler gave. */
export class JobFailedError extends Error {
  constructor(
    readonly jobId: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'JobFailedError';
  }
}

/** The job could not be handed to the queue (Redis unreachable or too slow): it was not added, or may land late. */
export class QueueUnavailableError extends Error {
  constructor(
    readonly queue: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`could not add a job to ${queue}: ${reason}`, options);
    this.name = 'QueueUnavailableError';
  }
}

export class JobTimeoutError extends Error {
  constructor(
    readonly jobId: string,
    timeoutMs: number,
  ) {
    super(`job ${jobId} did not finish within ${timeoutMs} ms`);
    this.name = 'JobTimeoutError';
  }
}

/** Bull's exponential backoff, shared so both implementations retry on the same schedule. */
export function backoffDelay(backoff: Backoff | undefined, attemptsMade: number): number {
  if (!backoff) return 0;
  return backoff.type === 'fixed' ? backoff.delayMs : Math.round((2 ** attemptsMade - 1) * backoff.delayMs);
}

/** Data and results cross the queue as JSON, as they do through Redis. */
export const asJson = <T>(value: T): T => (value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T));
